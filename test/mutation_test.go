package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/keys"
)

// The mutation suite proves the app-level assertions can fail: each mutant is a one-property
// change a regression could plausibly cause, applied to a copy of a synthesized assembly in
// memory (no extra synth), and at least one assertion of appChecks (never the golden
// comparison) must fail on it.

// mutant changes one property of one stack of an assembly.
type mutant struct {
	name  string
	seeds bool   // mutate the seed variants instead of the fixtures
	stack string // the stack to change
	// typ and prefix pick the resource: the first of type typ whose logical id starts with prefix.
	typ, prefix string
	apply       func(r *Resource, tpl *Template)
}

func set(path string, v any) func(r *Resource, _ *Template) {
	return func(r *Resource, _ *Template) { setPath(r.Properties, path, v) }
}

// setPath sets a dot-separated path (list indexes as numbers) in a property map; v nil deletes.
func setPath(m map[string]any, path string, v any) {
	keys := strings.Split(path, ".")
	var cur any = m
	for _, k := range keys[:len(keys)-1] {
		switch node := cur.(type) {
		case map[string]any:
			cur = node[k]
		case []any:
			var i int
			fmt.Sscan(k, &i)
			cur = node[i]
		}
	}
	last := keys[len(keys)-1]
	node := cur.(map[string]any)
	if v == nil {
		delete(node, last)
		return
	}
	node[last] = v
}

var mutants = []mutant{
	{"a database security group opens all egress to 0.0.0.0/0", false, "Prod-Network-us-east-1", "AWS::EC2::SecurityGroup", "NetworkDatabaseSecurityGroup",
		set("SecurityGroupEgress", []any{map[string]any{"CidrIp": "0.0.0.0/0", "IpProtocol": "-1"}})},
	{"a service's HTTPS egress widens to every port", false, "Staging-Network-us-east-1", "AWS::EC2::SecurityGroup", "NetworkOrderServiceSecurityGroup",
		set("SecurityGroupEgress.0.ToPort", float64(65535))},
	{"the cache group loses its no-traffic egress placeholder (EC2's default then sends everywhere)", false, "Dev-Network-us-east-1", "AWS::EC2::SecurityGroup", "NetworkCacheSecurityGroup",
		set("SecurityGroupEgress", nil)},
	{"the ALB admits 0.0.0.0/0 instead of CloudFront's prefix list", false, "Prod-Network-eu-west-1", "AWS::EC2::SecurityGroupIngress", "NetworkAlbSecurityGroupfrompl",
		func(r *Resource, _ *Template) {
			delete(r.Properties, "SourcePrefixListId")
			r.Properties["CidrIp"] = "0.0.0.0/0"
		}},
	{"the endpoints' group admits HTTPS from anywhere", false, "Prod-Network-us-east-1", "AWS::EC2::SecurityGroup", "NetworkEndpointSecurityGroup",
		set("SecurityGroupIngress.0.CidrIp", "0.0.0.0/0")},
	{"a data NACL inbound entry widens to 0.0.0.0/0", false, "Prod-Network-us-east-1", "AWS::EC2::NetworkAclEntry", "NetworkDataNaclDatabaseFromApp0",
		set("CidrBlock", "0.0.0.0/0")},
	{"a data NACL outbound entry widens to every port", false, "Dev-Network-us-east-1", "AWS::EC2::NetworkAclEntry", "NetworkDataNaclEndpointsInApp0",
		set("PortRange", map[string]any{"From": float64(0), "To": float64(65535)})},
	{"a data subnet gains a default route to the internet gateway", false, "Staging-Network-us-east-1", "AWS::EC2::RouteTable", "NetworkVpcDataSubnet1RouteTable",
		func(_ *Resource, tpl *Template) {
			table := tpl.withPrefix("AWS::EC2::RouteTable", "NetworkVpcDataSubnet1RouteTable")
			igw := tpl.withPrefix("AWS::EC2::InternetGateway", "NetworkVpcIGW")
			tpl.Resources["MutantRoute"] = Resource{Type: "AWS::EC2::Route", Properties: map[string]any{
				"RouteTableId": map[string]any{"Ref": table}, "DestinationCidrBlock": "0.0.0.0/0", "GatewayId": map[string]any{"Ref": igw}}}
		}},
	{"an app subnet maps public IPs on launch", false, "Prod-Network-us-east-1", "AWS::EC2::Subnet", "NetworkVpcAppSubnet1Subnet",
		set("MapPublicIpOnLaunch", true)},
	{"flow logs capture accepted traffic only", false, "Prod-Network-us-east-1", "AWS::EC2::FlowLog", "NetworkFlowLog",
		set("TrafficType", "ACCEPT")},
	{"Aurora storage encryption is switched off", false, "Prod-ServiceData-order-us-east-1", "AWS::RDS::DBCluster", "OrderDatabaseCluster",
		set("StorageEncrypted", false)},
	{"the PostgreSQL instance's storage encryption is switched off", true, "Seed000-ServiceData-app-us-east-1", "AWS::RDS::DBInstance", "AppDatabaseInstance",
		set("StorageEncrypted", false)},
	{"rds.force_ssl is removed from a cluster parameter group", false, "Prod-ServiceData-user-eu-west-1", "AWS::RDS::DBClusterParameterGroup", "UserDatabaseClusterParameters",
		func(r *Resource, _ *Template) { delete(r.Properties["Parameters"].(map[string]any), "rds.force_ssl") }},
	{"the cache's in-transit encryption is switched off", false, "Staging-Data-us-east-1", "AWS::ElastiCache::ReplicationGroup", "CacheReplicationGroup",
		set("TransitEncryptionEnabled", false)},
	{"prod's deletion protection is removed", false, "Prod-ServiceData-product-us-east-1", "AWS::RDS::DBCluster", "ProductDatabaseCluster",
		set("DeletionProtection", false)},
	{"a database's backup retention drops to one day", false, "Staging-ServiceData-user-us-east-1", "AWS::RDS::DBCluster", "UserDatabaseCluster",
		set("BackupRetentionPeriod", float64(1))},
	{"a database key loses DeletionPolicy Retain", false, "Prod-ServiceData-order-us-east-1", "AWS::KMS::Key", "OrderDatabaseKey",
		func(r *Resource, _ *Template) { r.DeletionPolicy = "" }},
	{"a database secret loses its rotation schedule", false, "Dev-ServiceData-product-us-east-1", "AWS::SecretsManager::RotationSchedule", "ProductDatabaseSecretAttachmentRotationSchedule",
		func(_ *Resource, tpl *Template) {
			delete(tpl.Resources, tpl.withPrefix("AWS::SecretsManager::RotationSchedule", "ProductDatabaseSecretAttachmentRotationSchedule"))
		}},
	{"a database rotation function's log group loses its customer key", false, "Dev-ServiceData-order-us-east-1", "AWS::Logs::LogGroup", "OrderDatabaseRotationLogs",
		func(r *Resource, _ *Template) { delete(r.Properties, "KmsKeyId") }},
	{"a database rotation application stops waiting for its log group (Lambda would make it first)", false, "Prod-ServiceData-user-us-east-1", "AWS::Serverless::Application", "UserDatabaseRotation",
		func(r *Resource, _ *Template) { r.DependsOn = nil }},
	{"a key policy allows Principal \"*\"", false, "Prod-Data-us-east-1", "AWS::KMS::Key", "CacheKey",
		func(r *Resource, _ *Template) {
			doc := r.Properties["KeyPolicy"].(map[string]any)
			doc["Statement"] = append(asList(doc["Statement"]), map[string]any{"Effect": "Allow", "Principal": map[string]any{"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*"})
		}},
	{"a key's administrator-only statement no longer covers its policy and deletion", false, "Prod-ServiceData-order-us-east-1", "AWS::KMS::Key", "OrderDatabaseKey",
		func(r *Resource, _ *Template) {
			for _, st := range asList(get(r.Properties, "KeyPolicy", "Statement")) {
				if str(get(st, "Sid")) == keys.AdministratorOnlySid {
					st.(map[string]any)["Action"] = []any{"kms:CreateAlias"}
				}
			}
		}},
	{"a queue loses DeletionPolicy Retain", true, "Seed003-Integration-us-east-1", "AWS::SQS::Queue", "OrdersQueue",
		func(r *Resource, _ *Template) { r.DeletionPolicy = "" }},
	{"the user pool's deletion protection is switched off", true, "Seed003-Integration-us-east-1", "AWS::Cognito::UserPool", "UsersUserPool",
		set("DeletionProtection", "INACTIVE")},
	{"the cache is encrypted with the AWS managed key", false, "Prod-Data-us-east-1", "AWS::ElastiCache::ReplicationGroup", "CacheReplicationGroup",
		set("KmsKeyId", "alias/aws/elasticache")},
	{"a database secret is encrypted with the AWS managed key", false, "Prod-ServiceData-order-us-east-1", "AWS::SecretsManager::Secret", "OrderDatabaseSecret",
		set("KmsKeyId", "alias/aws/secretsmanager")},
	{"a repository is encrypted with the AWS managed key", false, "Prod-Registry-us-east-1", "AWS::ECR::Repository", "OrderRepository",
		func(r *Resource, _ *Template) {
			delete(r.Properties["EncryptionConfiguration"].(map[string]any), "KmsKey")
		}},
	{"the PostgreSQL instance is encrypted with the AWS managed key", true, "Seed000-ServiceData-app-us-east-1", "AWS::RDS::DBInstance", "AppDatabaseInstance",
		set("KmsKeyId", "alias/aws/rds")},
	{"the HTTPS listener accepts TLS 1.0", false, "Prod-App-us-east-1", "AWS::ElasticLoadBalancingV2::Listener", "IngressLoadBalancerHttps",
		set("SslPolicy", "ELBSecurityPolicy-TLS13-1-0-2021-06")},
	{"an execution role's actions become wildcards", false, "Prod-Service-order-us-east-1", "AWS::IAM::ManagedPolicy", "OrderServiceExecutionRolePolicy",
		set("PolicyDocument.Statement.0.Action", []any{"ecr:Batch*", "ecr:Get*"})},
	{"a task role gets the managed AdministratorAccess", false, "Dev-Service-order-us-east-1", "AWS::IAM::Role", "OrderServiceTaskRole",
		func(r *Resource, _ *Template) {
			r.Properties["ManagedPolicyArns"] = append(asList(r.Properties["ManagedPolicyArns"]), "arn:aws:iam::aws:policy/AdministratorAccess")
		}},
	{"a scoped action is granted on Resource \"*\"", false, "Prod-Service-order-us-east-1", "AWS::IAM::ManagedPolicy", "OrderServiceExecutionRolePolicy",
		set("PolicyDocument.Statement.0.Resource", "*")},
	{"a listener rule drops the origin-secret header condition", false, "Prod-App-us-east-1", "AWS::ElasticLoadBalancingV2::ListenerRule", "IngressOrderRule",
		func(r *Resource, _ *Template) {
			var kept []any
			for _, cond := range asList(r.Properties["Conditions"]) {
				if str(get(cond, "Field")) != "http-header" {
					kept = append(kept, cond)
				}
			}
			r.Properties["Conditions"] = kept
		}},
	{"the ALB's deletion protection is switched off", false, "Staging-App-us-east-1", "AWS::ElasticLoadBalancingV2::LoadBalancer", "IngressLoadBalancer",
		func(r *Resource, _ *Template) {
			for _, at := range asList(r.Properties["LoadBalancerAttributes"]) {
				if str(get(at, "Key")) == "deletion_protection.enabled" {
					at.(map[string]any)["Value"] = "false"
				}
			}
		}},
	{"the HTTPS listener falls back to a TLS 1.0 policy", false, "Prod-App-eu-west-1", "AWS::ElasticLoadBalancingV2::Listener", "IngressLoadBalancerHttps",
		set("SslPolicy", "ELBSecurityPolicy-2016-08")},
	{"a Route 53 health check interval changes", false, "Prod-Edge-us-east-1", "AWS::Route53::HealthCheck", "OriginRecordUsEast1HealthCheck",
		set("HealthCheckConfig.RequestInterval", float64(10))},
	{"a service gets a public IP", false, "Dev-Service-user-us-east-1", "AWS::ECS::Service", "UserService",
		set("NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp", "ENABLED")},
	{"a service's circuit breaker stops rolling back", false, "Staging-Service-product-us-east-1", "AWS::ECS::Service", "ProductService",
		set("DeploymentConfiguration.DeploymentCircuitBreaker.Rollback", false)},
	{"a container runs as uid 0", false, "Dev-Service-order-us-east-1", "AWS::ECS::TaskDefinition", "OrderServiceTaskDefinition",
		set("ContainerDefinitions.0.User", "0:0")},
	{"a container runs in the root group", false, "Staging-Service-user-us-east-1", "AWS::ECS::TaskDefinition", "UserServiceTaskDefinition",
		set("ContainerDefinitions.0.User", "1000:0")},
	{"a container's root filesystem becomes writable", false, "Prod-Service-user-eu-west-1", "AWS::ECS::TaskDefinition", "UserServiceTaskDefinition",
		set("ContainerDefinitions.0.ReadonlyRootFilesystem", false)},
	{"a service scales to a different maximum", false, "Prod-Service-product-us-east-1", "AWS::ApplicationAutoScaling::ScalableTarget", "ProductServiceScaling",
		set("MaxCapacity", float64(200))},
	{"a log bucket's public access block is removed", false, "Prod-App-us-east-1", "AWS::S3::Bucket", "IngressAccessLogBucket",
		set("PublicAccessBlockConfiguration", nil)},
	{"a log bucket loses DeletionPolicy Retain", false, "Staging-App-us-east-1", "AWS::S3::Bucket", "IngressServerAccessLogBucket",
		func(r *Resource, _ *Template) { r.DeletionPolicy = "Delete" }},
	{"a retained log group of the App stack gets a fixed name again", false, "Prod-App-us-east-1", "AWS::Logs::LogGroup", "IngressRuleWeightsLogGroup",
		set("LogGroupName", "/stratus/ingress/Prod-App-us-east-1/rule-weights")},
	{"a repository accepts overwritten tags", false, "Prod-Registry-eu-west-1", "AWS::ECR::Repository", "",
		set("ImageTagMutability", "MUTABLE")},
	{"a release push role trusts every principal of the tooling account", false, "Prod-Registry-us-east-1", "AWS::IAM::Role", "ProductReleasePushRole",
		set("AssumeRolePolicyDocument.Statement.0.Condition", nil)},
	{"a release push role may push to every repository", false, "Staging-Registry-us-east-1", "AWS::IAM::ManagedPolicy", "OrderReleasePushPolicy",
		set("PolicyDocument.Statement.1.Resource", "*")},
	{"a release read role trusts every principal of the tooling account", false, "Prod-Registry-us-east-1", "AWS::IAM::Role", "ReleaseReadRole",
		set("AssumeRolePolicyDocument.Statement.0.Condition", nil)},
	{"a release read role may push images", false, "Staging-Registry-us-east-1", "AWS::IAM::ManagedPolicy", "ReleaseReadPolicy",
		set("PolicyDocument.Statement.0.Action", []any{"ecr:DescribeImageScanFindings", "ecr:DescribeImages", "ecr:PutImage"})},
	{"the deploy role may push images again", false, "Dev-Registry-us-east-1", "AWS::IAM::ManagedPolicy", "ReleaseAccess",
		func(r *Resource, _ *Template) {
			statements := asList(get(r.Properties, "PolicyDocument", "Statement"))
			r.Properties["PolicyDocument"].(map[string]any)["Statement"] = append(statements, map[string]any{
				"Sid": "PushImages", "Effect": "Allow", "Action": []any{"ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:PutImage"},
				"Resource": "*",
			})
		}},
	{"the WAF rate rule only counts", false, "Prod-Edge-us-east-1", "AWS::WAFv2::WebACL", "EdgeWebAcl",
		set("Rules.0.Action", map[string]any{"Count": map[string]any{}})},
	{"a WAF managed rule group only counts", false, "Dev-Edge-us-east-1", "AWS::WAFv2::WebACL", "EdgeWebAcl",
		set("Rules.2.OverrideAction", map[string]any{"Count": map[string]any{}})},
	{"the distribution serves plain HTTP", false, "Prod-Edge-us-east-1", "AWS::CloudFront::Distribution", "EdgeDistribution",
		set("DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy", "allow-all")},
	{"the distribution accepts TLS 1.0 viewers", false, "Staging-Edge-us-east-1", "AWS::CloudFront::Distribution", "EdgeDistribution",
		set("DistributionConfig.ViewerCertificate.MinimumProtocolVersion", "TLSv1")},
	{"the API origin loses its secret header", true, "Seed002-Edge-us-east-1", "AWS::CloudFront::Distribution", "EdgeDistribution",
		func(r *Resource, _ *Template) {
			for _, o := range asList(get(r.Properties, "DistributionConfig", "Origins")) {
				delete(o.(map[string]any), "OriginCustomHeaders")
			}
		}},
	{"a secondary database stops waiting for the primary's global cluster", false, "Prod-ServiceData-order-eu-west-1", "AWS::RDS::DBCluster", "OrderDatabase",
		func(_ *Resource, tpl *Template) {
			tpl.DependsOn = slices.DeleteFunc(slices.Clone(tpl.DependsOn), func(d string) bool { return d == "Prod-ServiceData-order-us-east-1" })
		}},
	{"a service's ECS service lands in the shared App stack", false, "Staging-App-us-east-1", "AWS::ECS::Cluster", "",
		func(_ *Resource, tpl *Template) {
			tpl.Resources["MutantService"] = Resource{Type: "AWS::ECS::Service", Properties: map[string]any{}}
		}},
	{"a Service stack waits for the Edge stack: a fifth deploy layer", false, "Prod-Service-product-eu-west-1", "AWS::ECS::Service", "ProductService",
		func(_ *Resource, tpl *Template) {
			tpl.DependsOn = append(slices.Clone(tpl.DependsOn), "Prod-Edge-us-east-1")
		}},
	{"a call's rule is back in the shared Network stack, beside the groups", true, "Seed002-Network-us-east-1", "AWS::EC2::SecurityGroup",
		"NetworkCatalogServiceSecurityGroup",
		func(_ *Resource, tpl *Template) {
			group := func(name string) any {
				return map[string]any{"Fn::GetAtt": []any{tpl.withFirst("AWS::EC2::SecurityGroup", "Network"+name+"ServiceSecurityGroup"), "GroupId"}}
			}
			tpl.Resources["CallBackInTheNetworkStack"] = Resource{Type: "AWS::EC2::SecurityGroupIngress", Properties: map[string]any{
				"GroupId": group("Catalog"), "SourceSecurityGroupId": group("Checkout"), "IpProtocol": "tcp", "FromPort": float64(7443), "ToPort": float64(7443),
			}}
		}},
	{"a caller's egress rule to its callee goes missing", true, "Seed002-Service-reporting-us-east-1", "AWS::EC2::SecurityGroupEgress",
		"ReportingServiceCallToCatalogEgress",
		func(r *Resource, tpl *Template) {
			id := tpl.withFirst("AWS::EC2::SecurityGroupEgress", "ReportingServiceCallToCatalogEgress")
			delete(tpl.Resources, id)
		}},
	{"a per-service logical id stops deriving from its service's name", false, "Dev-Service-user-us-east-1", "AWS::Logs::LogGroup", "UserService",
		func(r *Resource, tpl *Template) {
			id := tpl.withFirst("AWS::Logs::LogGroup", "UserService")
			tpl.Resources["ServiceLogs"] = *r
			delete(tpl.Resources, id)
		}},
	{"a declared call is admitted on the app's plain port instead of the TLS proxy's", true, "Seed002-Service-checkout-us-east-1", "AWS::EC2::SecurityGroupIngress",
		"CheckoutServiceCallToCatalogIngress",
		func(r *Resource, _ *Template) {
			r.Properties["FromPort"], r.Properties["ToPort"] = float64(8080), float64(8080)
		}},
	{"a call's path is opened the other way round (callee to caller)", true, "Seed002-Service-checkout-us-west-2", "AWS::EC2::SecurityGroupIngress",
		"CheckoutServiceCallToCatalogIngress",
		func(r *Resource, _ *Template) {
			r.Properties["GroupId"], r.Properties["SourceSecurityGroupId"] = r.Properties["SourceSecurityGroupId"], r.Properties["GroupId"]
		}},
	{"a database's own group admits a service that uses another database", false, "Prod-ServiceData-product-us-east-1", "AWS::EC2::SecurityGroupIngress",
		"ProductDatabaseSecurityGroupfromProdNetworkuseast1NetworkProductServiceSecurityGroup",
		func(r *Resource, tpl *Template) { // a rule more beside product's own, which stays; the database waits for it too
			props := maps.Clone(r.Properties)
			props["SourceSecurityGroupId"] = map[string]any{"Fn::ImportValue": "Prod-Network-us-east-1:ExportsOutputFnGetAttNetworkOrderServiceSecurityGroupA6CC8EBDGroupIdC020EF83"}
			tpl.Resources["MutantProductDatabaseFromOrder"] = Resource{Type: r.Type, Properties: props}
			cluster := tpl.withFirst("AWS::RDS::DBCluster", "ProductDatabaseCluster")
			db := tpl.Resources[cluster]
			db.DependsOn = append(slices.Clone(asList(db.DependsOn)), "MutantProductDatabaseFromOrder")
			tpl.Resources[cluster] = db
		}},
	{"a database stops waiting for the rules that admit its services", false, "Prod-ServiceData-order-us-east-1", "AWS::RDS::DBCluster", "OrderDatabaseCluster",
		func(r *Resource, _ *Template) {
			var kept []any
			for _, d := range asList(r.DependsOn) {
				if !strings.Contains(str(d), "SecurityGroup") {
					kept = append(kept, d)
				}
			}
			r.DependsOn = kept
		}},
	{"a Global Database secondary's group stops admitting the home region's services", false, "Prod-ServiceData-order-eu-west-1", "AWS::EC2::SecurityGroup", "OrderDatabaseSecurityGroup",
		set("SecurityGroupIngress", nil)},
	{"a retained database's group would be deleted with its stack", false, "Staging-ServiceData-user-us-east-1", "AWS::EC2::SecurityGroup", "UserDatabaseSecurityGroup",
		func(r *Resource, _ *Template) { r.DeletionPolicy = "" }},
	{"a database goes back into the region's shared group", true, "Seed001-ServiceData-orders-us-east-1", "AWS::RDS::DBInstance", "OrdersDatabaseInstance",
		set("VPCSecurityGroups", []any{map[string]any{"Fn::ImportValue": "Seed001-Network-us-east-1:ExportsOutputFnGetAttNetworkDatabaseSecurityGroup2B3F4679GroupId6435BE23"}})},
	{"the database admits a service without a database (catalog: database none)", true, "Seed001-Network-us-east-1", "AWS::EC2::SecurityGroupIngress",
		"NetworkCacheSecurityGroupfromSeed001Networkuseast1NetworkCatalogServiceSecurityGroup",
		func(r *Resource, tpl *Template) { // a rule more beside catalog's cache rule, which stays
			props := maps.Clone(r.Properties)
			props["GroupId"] = map[string]any{"Fn::GetAtt": []any{tpl.group("NetworkDatabaseSecurityGroup"), "GroupId"}}
			props["FromPort"], props["ToPort"], props["Description"] = float64(5432), float64(5432), "From service catalog"
			tpl.Resources["MutantDatabaseFromCatalog"] = Resource{Type: r.Type, Properties: props}
		}},
}

// mutated returns a copy of a whose stack is a deep copy with m applied; a itself is unchanged.
func (m mutant) mutated(a *Assembly) (*Assembly, error) {
	orig, ok := a.Templates[m.stack]
	if !ok {
		return nil, fmt.Errorf("no stack %s", m.stack)
	}
	tpl := *orig
	data, err := json.Marshal(orig.Resources)
	if err != nil {
		return nil, err
	}
	tpl.Resources = nil
	if err := json.Unmarshal(data, &tpl.Resources); err != nil {
		return nil, err
	}
	id := tpl.withFirst(m.typ, m.prefix)
	if id == "" {
		return nil, fmt.Errorf("%s has no %s %s*", m.stack, m.typ, m.prefix)
	}
	r := tpl.Resources[id]
	if err := applyMutant(m, &r, &tpl); err != nil {
		return nil, err
	}
	if _, still := tpl.Resources[id]; still {
		tpl.Resources[id] = r
	}
	out := *a
	out.Name = a.Name + " mutated: " + m.name
	out.Templates = maps.Clone(a.Templates)
	out.Templates[m.stack] = &tpl
	return &out, nil
}

// applyMutant applies m, turning a panic (a property of another shape than m expects) into an
// error naming the mutant.
func applyMutant(m mutant, r *Resource, tpl *Template) (err error) {
	defer recoverInto(&err)
	m.apply(r, tpl)
	return nil
}

// withFirst returns the first logical id (sorted) of typ that starts with prefix, or "".
func (tpl *Template) withFirst(typ, prefix string) string {
	ids, _ := tpl.OfType(typ)
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	return ""
}

func TestMutantsAreCaught(t *testing.T) {
	require.GreaterOrEqual(t, len(mutants), 25)
	checks := appChecks()
	base := map[bool]*Assembly{false: Fixtures(t), true: SeedVariants(t)}
	// A failure on the real assembly would make every mutant look caught.
	for _, a := range base {
		for _, ch := range checks {
			require.Empty(t, ch.runOn(a), "%s fails on %s itself", ch.name, a.Name)
		}
	}
	// Each mutant is a copy of its stack, checked against read-only assemblies: they run side by
	// side, one per core.
	type verdict struct {
		by  string // the first check that failed on it
		err error
	}
	verdicts := make([]verdict, len(mutants))
	var wg sync.WaitGroup
	cores := make(chan struct{}, runtime.GOMAXPROCS(0))
	for i, m := range mutants {
		wg.Add(1)
		cores <- struct{}{}
		go func() {
			defer func() { <-cores; wg.Done() }()
			a, err := m.mutated(base[m.seeds])
			if err != nil {
				verdicts[i].err = err
				return
			}
			// The first check that fails catches it; the others need not run.
			for _, ch := range checks {
				if len(ch.runOn(a)) > 0 {
					verdicts[i].by = ch.name
					break
				}
			}
		}()
	}
	wg.Wait()
	caught := 0
	for i, m := range mutants {
		by := verdicts[i].by
		if !assert.NoError(t, verdicts[i].err, m.name) {
			continue
		}
		if assert.NotEmpty(t, by, "mutant not caught: %s (%s)", m.name, m.stack) {
			caught++
			t.Logf("caught %q by %s", m.name, by)
		}
	}
	fmt.Printf("mutants: %d caught of %d\n", caught, len(mutants))
	t.Logf("mutants: %d caught of %d", caught, len(mutants))
}
