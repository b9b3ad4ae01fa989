package service

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecr "github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/stratus-platform/stratus/constructs/database"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/policydoc"
)

// connection is a valid database connection, changed by mutate.
func connection(mutate func(*database.Connection)) *database.Connection {
	c := &database.Connection{Host: jsii.String("db.example.internal"), Port: database.Port, DatabaseName: "orders", ResourceId: jsii.String("cluster-ABCDEFGHIJ")}
	mutate(c)
	return c
}

const (
	account   = "111111111111"
	tgArn     = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/prod-product/0123456789abcdef"
	albArn    = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/prod-alb/0123456789abcdef"
	dbSecret  = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/order/db-AbCdEf"
	dbKey     = "arn:aws:kms:us-east-1:111111111111:key/11111111-2222-3333-4444-555555555555"
	redisArn  = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/cache/auth-GhIjKl"
	otlpArn   = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/otlp-MnOpQr"
	apiKeyArn = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/order/payments-StUvWx"
	readArn   = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/order/signing-YzAbCd"
	readKey   = "arn:aws:kms:us-east-1:111111111111:key/66666666-7777-8888-9999-000000000000"
)

// synthesized is the one app every test of this package reads: a service with only the
// required props, one with every optional prop set, and one that relaxes the hardening.
type synthesized struct {
	dir                    string
	minimal, full, relaxed awscdk.Stack
	minimalOut, fullOut    *Service
}

var fixture cdktest.Once[*synthesized]

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { cdktest.Main(m, func() { fixture.Remove(); strategyFixture.Remove() }) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "service-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, minimal: cdktest.NewStack(app, "Minimal", "us-east-1"), full: cdktest.NewStack(app, "Full", "us-east-1"), relaxed: cdktest.NewStack(app, "Relaxed", "us-east-1")}
		must := func(svc *Service, err error) *Service {
			if err != nil {
				panic(err)
			}
			return svc
		}
		s.minimalOut = must(NewService(s.minimal, "Service", requiredProps(s.minimal)))
		s.fullOut = must(NewService(s.full, "Service", fullProps(s.full)))
		relaxed := must(NewService(s.relaxed, "Service", relaxedProps(s.relaxed)))
		for _, svc := range []*Service{s.minimalOut, s.fullOut, relaxed} {
			svc.MoveGrants() // as the stacks layer does once the stage is complete
		}
		return s, nil
	})
}

// requiredProps imports everything the service needs from other stacks, so the test stacks hold
// the construct's own resources (and findings) alone.
func requiredProps(stack awscdk.Stack) ServiceProps {
	imports := constructs.NewConstruct(stack, jsii.String("Imported"))
	vpc := ec2.Vpc_FromVpcAttributes(imports, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:                      jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:          jsii.Strings("us-east-1a", "us-east-1b"),
		PublicSubnetIds:            jsii.Strings("subnet-0000000a", "subnet-0000000b"),
		PublicSubnetNames:          jsii.Strings("Public"),
		PublicSubnetRouteTableIds:  jsii.Strings("rtb-0000000a", "rtb-0000000b"),
		PrivateSubnetIds:           jsii.Strings("subnet-0000001a", "subnet-0000001b"),
		PrivateSubnetNames:         jsii.Strings("App"),
		PrivateSubnetRouteTableIds: jsii.Strings("rtb-0000001a", "rtb-0000001b"),
	})
	tg := elbv2.ApplicationTargetGroup_FromTargetGroupAttributes(imports, jsii.String("Tg"), &elbv2.TargetGroupAttributes{
		TargetGroupArn:   jsii.String(tgArn),
		LoadBalancerArns: jsii.String(albArn),
	})
	// The app's target group is a concrete one, whose listener opens the service security group;
	// this imported stand-in cannot, and says so. (aws-cdk-lib 2.270 honours an acknowledgement
	// made on an ancestor of the warning construct only, not on the construct itself.)
	awscdk.Annotations_Of(imports).AcknowledgeWarning(jsii.String("@aws-cdk/aws-elbv2:albTargetGroupCannotRegisterConnectable"),
		jsii.String("test fixture: the Network stack opens the service port to the ALB security group"))
	return ServiceProps{
		Name: "product",
		Cluster: ecs.Cluster_FromClusterAttributes(imports, jsii.String("Cluster"), &ecs.ClusterAttributes{
			ClusterName: jsii.String("prod-cluster"), Vpc: vpc,
		}),
		Namespace: servicediscovery.PrivateDnsNamespace_FromPrivateDnsNamespaceAttributes(imports, jsii.String("Namespace"), &servicediscovery.PrivateDnsNamespaceAttributes{
			NamespaceName: jsii.String("prod.internal"), NamespaceId: jsii.String("ns-0123456789abcdef"),
			NamespaceArn: jsii.String("arn:aws:servicediscovery:us-east-1:111111111111:namespace/ns-0123456789abcdef"),
		}),
		Vpc:     vpc,
		Subnets: &ec2.SubnetSelection{SubnetGroupName: jsii.String("App")},
		SecurityGroup: ec2.SecurityGroup_FromSecurityGroupId(imports, jsii.String("Sg"), jsii.String("sg-0123456789abcdef0"),
			&ec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false)}),
		Image: ecs.ContainerImage_FromEcrRepository(
			ecr.Repository_FromRepositoryName(imports, jsii.String("Repo"), jsii.String("prod/product")), jsii.String("1.4.2")),
		TargetGroup: tg,
		LoadBalancer: elbv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(imports, jsii.String("Alb"), &elbv2.ApplicationLoadBalancerAttributes{
			LoadBalancerArn: jsii.String(albArn), SecurityGroupId: jsii.String("sg-0fedcba9876543210"),
		}),
	}
}

func importedSecret(stack awscdk.Stack, id, arn, keyArn string) sm.ISecret {
	attrs := &sm.SecretAttributes{SecretCompleteArn: jsii.String(arn)}
	if keyArn != "" {
		attrs.EncryptionKey = kms.Key_FromKeyArn(stack, jsii.String(id+"Key"), jsii.String(keyArn))
	}
	return sm.Secret_FromSecretAttributes(stack, jsii.String(id), attrs)
}

func fullProps(stack awscdk.Stack) ServiceProps {
	p := requiredProps(stack)
	p.Name = "order"
	p.Cpu, p.Memory, p.Port = 1024, 4096, 9090
	p.DesiredCount, p.MinCount, p.MaxCount = 3, 2, 10
	p.CpuTarget, p.MemoryTarget, p.RequestsPerTarget = 60, 80, 500
	p.ScaleOutCooldown = awscdk.Duration_Seconds(jsii.Number(30))
	p.ScaleInCooldown = awscdk.Duration_Minutes(jsii.Number(10))
	p.HealthCheckGracePeriod = awscdk.Duration_Seconds(jsii.Number(120))
	p.MinHealthyPercent, p.MaxHealthyPercent = ptr(50), 150
	p.StopTimeout = awscdk.Duration_Seconds(jsii.Number(60))
	p.Environment = map[string]*string{"FEATURE_FLAGS": jsii.String("checkout-v2"), "LOG_LEVEL": jsii.String("info")}
	p.Secrets = map[string]SecretVariable{"PAYMENTS_API_KEY": {Secret: importedSecret(stack, "ApiKey", apiKeyArn, "")}}
	p.Database = &database.Connection{
		Host: jsii.String("order.cluster-abc.us-east-1.rds.amazonaws.com"), Port: 5433, DatabaseName: "orders",
		Secret: importedSecret(stack, "DbSecret", dbSecret, dbKey), ResourceId: jsii.String("cluster-ABCDEFGHIJKLMNOP"),
	}
	p.DatabaseUser = "order_svc"
	p.RedisHost = jsii.String("master.cache.abc.use1.cache.amazonaws.com")
	p.RedisPort = 6380
	p.RedisAuthSecret = importedSecret(stack, "RedisAuth", redisArn, "")
	p.RedisAuthField = "token"
	p.ReadableSecrets = []sm.ISecret{importedSecret(stack, "Signing", readArn, readKey)}
	p.LogRetention = logs.RetentionDays_THREE_MONTHS
	p.HealthCheck = &ecs.HealthCheck{Command: jsii.Strings("CMD", "/app/healthcheck")}
	p.Adot = &AdotSidecar{
		OtlpEndpoint:    "https://otlp-gateway-prod-us-east-0.grafana.net/otlp",
		OtlpSecret:      importedSecret(stack, "Otlp", otlpArn, ""),
		OtlpSecretField: "header",
	}
	return p
}

func relaxedProps(stack awscdk.Stack) ServiceProps {
	p := requiredProps(stack)
	p.Name = "cart"
	p.Image = ecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil)
	p.Architecture = ecs.CpuArchitecture_ARM64()
	p.ReadOnlyRootFilesystem = jsii.Bool(false)
	p.User, p.AllowRoot = "0", true
	p.LogGroupName = "/ecs/prod/cart"
	p.LogKey = kms.NewKey(stack, jsii.String("SharedLogKey"), &kms.KeyProps{EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN})
	p.Adot = &AdotSidecar{}
	return p
}

// template is a synthesized stack read as plain JSON, for checks the matchers cannot express.
type template struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
		DependsOn  []string       `json:"DependsOn"`
		Metadata   map[string]any `json:"Metadata"`
	} `json:"Resources"`
}

func readTemplate(t *testing.T, stack awscdk.Stack) *template {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(synth(t).dir, *stack.StackName()+".template.json"))
	require.NoError(t, err)
	var tpl template
	require.NoError(t, json.Unmarshal(data, &tpl))
	return &tpl
}

// only returns the one resource of a type.
func (tpl *template) only(t *testing.T, typ string) (string, map[string]any) {
	t.Helper()
	var ids []string
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	require.Len(t, ids, 1)
	return ids[0], tpl.Resources[ids[0]].Properties
}

// policiesOf returns the statements of every managed policy attached to the role with the
// given logical id prefix, by policy logical id.
func (tpl *template) policiesOf(t *testing.T, rolePrefix string) map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for id, r := range tpl.Resources {
		if r.Type != "AWS::IAM::ManagedPolicy" {
			continue
		}
		roles, _ := r.Properties["Roles"].([]any)
		for _, role := range roles {
			if ref, _ := cdktest.As[map[string]any](t, role)["Ref"].(string); strings.HasPrefix(ref, rolePrefix) {
				doc := cdktest.As[map[string]any](t, r.Properties["PolicyDocument"])
				for _, st := range cdktest.As[[]any](t, doc["Statement"]) {
					out[id] = append(out[id], cdktest.As[map[string]any](t, st))
				}
			}
		}
	}
	return out
}

func containers(t *testing.T, tpl *template) map[string]map[string]any {
	t.Helper()
	_, td := tpl.only(t, "AWS::ECS::TaskDefinition")
	out := map[string]map[string]any{}
	for _, c := range cdktest.As[[]any](t, td["ContainerDefinitions"]) {
		cd := cdktest.As[map[string]any](t, c)
		out[cdktest.As[string](t, cd["Name"])] = cd
	}
	return out
}

func names(t *testing.T, list any) []string {
	var out []string
	for _, e := range asAnySlice(list) {
		out = append(out, cdktest.As[string](t, cdktest.As[map[string]any](t, e)["Name"]))
	}
	sort.Strings(out)
	return out
}

func asAnySlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestDefaultsAreSecure(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.minimal, nil)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), &map[string]any{
			"Cpu": "512", "Memory": "1024", "NetworkMode": "awsvpc", "RequiresCompatibilities": []any{"FARGATE"},
			"RuntimePlatform":  map[string]any{"CpuArchitecture": "X86_64", "OperatingSystemFamily": "LINUX"},
			"ExecutionRoleArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ServiceExecutionRole")), "Arn"}},
			"TaskRoleArn":      map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ServiceTaskRole")), "Arn"}},
			"Volumes":          []any{map[string]any{"Name": "tmp"}},
			"ContainerDefinitions": []any{map[string]any{
				"Name": "product", "Essential": true, "Privileged": false, "Memory": 1024, // the whole task: no sidecar
				"Image":                  assertions.Match_AnyValue(),
				"PortMappings":           []any{map[string]any{"ContainerPort": 8080, "Protocol": "tcp"}},
				"ReadonlyRootFilesystem": true, "User": "1000:1000", "StopTimeout": 30,
				"MountPoints":     []any{map[string]any{"ContainerPath": "/tmp", "SourceVolume": "tmp", "ReadOnly": false}},
				"LinuxParameters": map[string]any{"InitProcessEnabled": true, "Capabilities": map[string]any{"Drop": []any{"ALL"}}},
				"LogConfiguration": map[string]any{"LogDriver": "awslogs", "Options": map[string]any{
					"awslogs-group":         map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ServiceLogGroup"))},
					"awslogs-stream-prefix": "product", "awslogs-region": "us-east-1",
					"mode": "non-blocking", "max-buffer-size": "26214400b", // 25 MiB
				}},
				"Environment": assertions.Match_Absent(), "Secrets": assertions.Match_Absent(),
				"HealthCheck": assertions.Match_Absent(), "DependsOn": assertions.Match_Absent(),
			}},
		})
		tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties": map[string]any{
				"LogGroupName": "/ecs/product", "RetentionInDays": 365,
				"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ServiceLogKey")), "Arn"}},
			},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true, "KeyPolicy": map[string]any{
				"Statement": assertions.Match_ArrayWith(&[]any{
					cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", "arn:aws:logs:us-east-1:111111111111:log-group:/ecs/product"),
				}),
			}},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), &map[string]any{
			"Cluster": "prod-cluster", "LaunchType": "FARGATE", "PlatformVersion": "LATEST", "DesiredCount": 2,
			"DeploymentConfiguration": map[string]any{
				"MinimumHealthyPercent": 100, "MaximumPercent": 200,
				"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
			},
			"DeploymentController":          map[string]any{"Type": "ECS"},
			"HealthCheckGracePeriodSeconds": 60,
			"NetworkConfiguration": map[string]any{"AwsvpcConfiguration": map[string]any{
				"AssignPublicIp": "DISABLED", "SecurityGroups": []any{"sg-0123456789abcdef0"},
				"Subnets": []any{"subnet-0000001a", "subnet-0000001b"},
			}},
			"PropagateTags": "SERVICE", "EnableECSManagedTags": true, "EnableExecuteCommand": false,
			"LoadBalancers":     []any{map[string]any{"TargetGroupArn": tgArn, "ContainerName": "product", "ContainerPort": 8080}},
			"ServiceRegistries": []any{map[string]any{"RegistryArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_AnyValue(), "Arn"}}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ServiceDiscovery::Service"), &map[string]any{
			"Name": "product", "NamespaceId": "ns-0123456789abcdef",
			"DnsConfig": map[string]any{"DnsRecords": []any{map[string]any{"Type": "A", "TTL": 10}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), &map[string]any{
			"MinCapacity": 2, "MaxCapacity": 20, "ScalableDimension": "ecs:service:DesiredCount", "ServiceNamespace": "ecs",
			"RoleARN": "arn:aws:iam::111111111111:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService",
		})
		tpl.ResourceCountIs(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), jsii.Number(3))
		for _, policy := range []map[string]any{
			{"PredefinedMetricType": "ECSServiceAverageCPUUtilization", "target": 70},
			{"PredefinedMetricType": "ECSServiceAverageMemoryUtilization", "target": 75},
			{"PredefinedMetricType": "ALBRequestCountPerTarget", "target": 1000,
				"ResourceLabel": "app/prod-alb/0123456789abcdef/targetgroup/prod-product/0123456789abcdef"},
		} {
			spec := map[string]any{"PredefinedMetricType": policy["PredefinedMetricType"]}
			if label, ok := policy["ResourceLabel"]; ok {
				spec["ResourceLabel"] = label
			}
			tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), &map[string]any{
				"PolicyType": "TargetTrackingScaling",
				"TargetTrackingScalingPolicyConfiguration": map[string]any{
					"PredefinedMetricSpecification": spec, "TargetValue": policy["target"],
					"ScaleInCooldown": 300, "ScaleOutCooldown": 60,
				},
			})
		}
		// Both roles trust ECS tasks of this account and region only.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::IAM::Role"), &map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"},
				"Condition": map[string]any{
					"StringEquals": map[string]any{"aws:SourceAccount": account},
					"ArnLike":      map[string]any{"aws:SourceArn": "arn:aws:ecs:us-east-1:111111111111:*"},
				},
			}}},
		}, jsii.Number(2))
		// No inline policy anywhere (NIST 800-53 IAMNoInlinePolicy).
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
	})

	raw := readTemplate(t, s.minimal)
	// The task role has nothing to do without a database, secrets or a sidecar.
	assert.Empty(t, raw.policiesOf(t, "ServiceTaskRole"), "task role policies")
	exec := raw.policiesOf(t, "ServiceExecutionRole")
	require.Len(t, exec, 1)
	var actions []string
	require.NotEmpty(t, exec)
	for _, statements := range exec {
		for _, st := range statements {
			for _, a := range policydoc.Strings(st["Action"]) {
				actions = append(actions, a)
			}
			if contains(st["Resource"], "*") {
				assert.Equal(t, `"ecr:GetAuthorizationToken"`, jsonOf(st["Action"]), "execution role statement with Resource \"*\": only ecr:GetAuthorizationToken may have it")
			}
		}
	}
	sort.Strings(actions)
	want := []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetAuthorizationToken",
		"ecr:GetDownloadUrlForLayer", "logs:CreateLogStream", "logs:PutLogEvents"}
	assert.Equal(t, want, actions, "execution role actions")
	// The service waits for both roles and their policies.
	serviceID, _ := raw.only(t, "AWS::ECS::Service")
	for policyID := range exec {
		assert.Contains(t, raw.Resources[serviceID].DependsOn, policyID, "service DependsOn")
	}
	out := s.minimalOut
	assert.Nil(t, out.Collector, "Collector without Adot")
	for name, field := range map[string]any{"TaskRole": out.TaskRole, "ExecutionRole": out.ExecutionRole, "LogGroup": out.LogGroup,
		"LogKey": out.LogKey, "Scaling": out.Scaling, "Container": out.Container} {
		assert.NotNil(t, field, "exported field %s", name)
	}
}

func TestPropsChangeWhatTheySay(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.full, nil)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ECS::TaskDefinition"), &map[string]any{"Cpu": "1024", "Memory": "4096"})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Service"), &map[string]any{
			"DesiredCount": 3, "HealthCheckGracePeriodSeconds": 120,
			"DeploymentConfiguration": map[string]any{"MinimumHealthyPercent": 50, "MaximumPercent": 150},
			"LoadBalancers":           []any{map[string]any{"ContainerName": "order", "ContainerPort": 9090, "TargetGroupArn": tgArn}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ServiceDiscovery::Service"), &map[string]any{"Name": "order"})
		tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalableTarget"), &map[string]any{"MinCapacity": 2, "MaxCapacity": 10})
		for metric, target := range map[string]int{"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 80, "ALBRequestCountPerTarget": 500} {
			tpl.HasResourceProperties(jsii.String("AWS::ApplicationAutoScaling::ScalingPolicy"), &map[string]any{
				"TargetTrackingScalingPolicyConfiguration": map[string]any{
					"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": metric},
					"TargetValue":                   target, "ScaleInCooldown": 600, "ScaleOutCooldown": 30,
				},
			})
		}
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"LogGroupName": "/ecs/order", "RetentionInDays": 90})
	})

	raw := readTemplate(t, s.full)
	cs := containers(t, raw)
	app, col := cs["order"], cs["adot-collector"]
	require.NotNil(t, app, "the order container in %v", cs)
	require.NotNil(t, col, "the adot-collector container in %v", cs)
	assert.Equal(t, `[{"ContainerPort":9090,"Protocol":"tcp"}]`, jsonOf(app["PortMappings"]))
	assert.Equal(t, 60.0, app["StopTimeout"])
	assert.Equal(t, `["CMD","/app/healthcheck"]`, jsonOf(cdktest.As[map[string]any](t, app["HealthCheck"])["Command"]), "HealthCheck")
	env := map[string]string{}
	for _, e := range asAnySlice(app["Environment"]) {
		kv := cdktest.As[map[string]any](t, e)
		env[cdktest.As[string](t, kv["Name"])] = jsonOf(kv["Value"])
	}
	for k, v := range map[string]string{
		"DB_HOST": `"order.cluster-abc.us-east-1.rds.amazonaws.com"`, "DB_PORT": `"5433"`, "DB_NAME": `"orders"`, "DB_IAM_USER": `"order_svc"`,
		"REDIS_HOST": `"master.cache.abc.use1.cache.amazonaws.com"`, "REDIS_PORT": `"6380"`,
		"FEATURE_FLAGS": `"checkout-v2"`, "LOG_LEVEL": `"info"`, "OTEL_SERVICE_NAME": `"order"`,
		"OTEL_EXPORTER_OTLP_ENDPOINT": `"http://127.0.0.1:4318"`, "OTEL_EXPORTER_OTLP_PROTOCOL": `"http/protobuf"`,
	} {
		assert.Equal(t, v, env[k], "Environment %s = %s, want %s", k, env[k], v)
	}
	assert.Len(t, env, 11)
	// Credentials are ECS secrets, never plain values.
	wantSecrets := map[string]string{
		"DB_USER": dbSecret + ":username::", "DB_PASSWORD": dbSecret + ":password::", "REDIS_AUTH": redisArn + ":token::", "PAYMENTS_API_KEY": apiKeyArn,
	}
	for _, e := range asAnySlice(app["Secrets"]) {
		kv := cdktest.As[map[string]any](t, e)
		name := cdktest.As[string](t, kv["Name"])
		assert.Equal(t, wantSecrets[name], kv["ValueFrom"], "secret %s", name)
		delete(wantSecrets, name)
		assert.NotContains(t, env, name, "%s is both a secret and a plain variable", name)
	}
	assert.Len(t, wantSecrets, 0)
	assert.Equal(t, `[{"Condition":"START","ContainerName":"adot-collector"}]`, jsonOf(app["DependsOn"]))

	// Every container has a hard memory limit; together they fill the task.
	assert.Equal(t, float64(4096-limits.CollectorMemoryMiB), app["Memory"], "application container hard limit")
	assert.Equal(t, float64(limits.CollectorMemoryMiB), col["Memory"], "collector hard limit")
	assert.Equal(t, float64(limits.CollectorMemoryReservationMiB), col["MemoryReservation"], "collector reservation")

	// The collector sidecar.
	assert.Equal(t, false, col["Essential"], "collector container")
	assert.Equal(t, "10001:10001", col["User"], "collector container")
	assert.Equal(t, true, col["ReadonlyRootFilesystem"], "collector container")
	assert.Equal(t, false, col["Privileged"], "collector container")
	assert.Equal(t, jsonOf([]any{map[string]any{"Name": "OTLP_AUTH_HEADER", "ValueFrom": otlpArn + ":header::"}}), jsonOf(col["Secrets"]))
	assert.Equal(t, `["AOT_CONFIG_CONTENT"]`, jsonOf(names(t, col["Environment"])), "collector Environment")
	// The configuration reaches the template through Fn::Sub, which fills in the region and
	// hands the collector its escaped ${env:…} references unescaped.
	cfg := collectorConfigOf(t, col)
	assert.Equal(t, "us-east-1", cdktest.Path[string](t, cfg, "exporters", "awsxray", "region"), "awsxray region")
	pipelines := cdktest.Path[map[string]any](t, cfg, "service", "pipelines")
	assert.Equal(t, `["awsxray","otlphttp"]`, jsonOf(cdktest.As[map[string]any](t, pipelines["traces"])["exporters"]))
	otlp := cdktest.Path[map[string]any](t, cfg, "exporters", "otlphttp")
	assert.Equal(t, "https://otlp-gateway-prod-us-east-0.grafana.net/otlp", otlp["endpoint"], "otlphttp exporter")
	assert.Equal(t, `{"Authorization":"${env:OTLP_AUTH_HEADER}"}`, jsonOf(otlp["headers"]), "otlphttp exporter")
	assert.Equal(t, `{"otlp":{"protocols":{"grpc":{"endpoint":"127.0.0.1:4317"},"http":{"endpoint":"127.0.0.1:4318"}}}}`, jsonOf(cfg["receivers"]))

	// The task role: rds-db:connect as its own user, read of its own secret, X-Ray writes; nothing else.
	task := raw.policiesOf(t, "ServiceTaskRole")
	var tracing, grants []map[string]any
	require.NotEmpty(t, task)
	for id, statements := range task {
		if strings.Contains(id, "TracingPolicy") {
			tracing = statements
		} else {
			grants = append(grants, statements...)
		}
	}
	assert.Equal(t, jsonOf([]any{map[string]any{
		"Action": []any{"xray:GetSamplingRules", "xray:GetSamplingStatisticSummaries", "xray:GetSamplingTargets",
			"xray:PutTelemetryRecords", "xray:PutTraceSegments"},
		"Effect": "Allow", "Resource": "*",
	}}), jsonOf(tracing), "tracing policy")
	resources := map[string][]string{}
	for _, st := range grants {
		for _, a := range policydoc.Strings(st["Action"]) {
			assert.NotContains(t, a, "*")
			resources[a] = append(resources[a], jsonOf(st["Resource"]))
		}
	}
	wantTask := map[string][]string{
		"rds-db:connect":                {`"arn:aws:rds-db:us-east-1:111111111111:dbuser:cluster-ABCDEFGHIJKLMNOP/order_svc"`},
		"secretsmanager:GetSecretValue": {`"` + readArn + `"`},
		"secretsmanager:DescribeSecret": {`"` + readArn + `"`},
		"kms:Decrypt":                   {`"` + readKey + `"`},
	}
	assert.Equal(t, jsonOf(wantTask), jsonOf(resources), "task role grants")

	// The service starts only once every policy of both roles is attached.
	serviceID, _ := raw.only(t, "AWS::ECS::Service")
	for id, r := range raw.Resources {
		if r.Type == "AWS::IAM::ManagedPolicy" {
			assert.Contains(t, raw.Resources[serviceID].DependsOn, id, "service DependsOn")
		}
	}

	// The execution role reads exactly the secrets it injects (and decrypts the database secret's key).
	execResources := map[string]bool{}
	require.NotEmpty(t, raw.policiesOf(t, "ServiceExecutionRole"))
	for _, statements := range raw.policiesOf(t, "ServiceExecutionRole") {
		for _, st := range statements {
			if contains(st["Action"], "secretsmanager:GetSecretValue") || contains(st["Action"], "kms:Decrypt") {
				for _, r := range policydoc.Strings(st["Resource"]) {
					execResources[r] = true
				}
			}
		}
	}
	// Exactly the 4 injected secrets and the database key.
	for _, want := range []string{dbSecret, redisArn, otlpArn, apiKeyArn, dbKey} {
		assert.Contains(t, execResources, want, "execution role reads")
	}
	assert.Len(t, execResources, 5, "execution role reads")
	assert.NotContains(t, execResources, readArn, "execution role reads")
}

// collectorConfigOf evaluates the Fn::Sub of a collector's AOT_CONFIG_CONTENT the way
// CloudFormation does (for ${AWS::Region} and escaped "${!") and parses the YAML.
func collectorConfigOf(t *testing.T, col map[string]any) map[string]any {
	t.Helper()
	env := asAnySlice(col["Environment"])
	require.Len(t, env, 1)
	sub, ok := cdktest.Path[map[string]any](t, env[0], "Value")["Fn::Sub"].(string)
	require.True(t, ok, "AOT_CONFIG_CONTENT = %v, want an Fn::Sub string", env[0])
	text := strings.ReplaceAll(sub, "${AWS::Region}", "us-east-1")
	require.NotContains(t, strings.ReplaceAll(text, "${!", ""), "${")
	var cfg map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(strings.ReplaceAll(text, "${!", "${")), &cfg), "AOT_CONFIG_CONTENT:\n%s", text)
	return cfg
}

func TestHardeningCanBeRelaxedExplicitly(t *testing.T) {
	s := synth(t)
	raw := readTemplate(t, s.relaxed)
	_, td := raw.only(t, "AWS::ECS::TaskDefinition")
	assert.Equal(t, `{"CpuArchitecture":"ARM64","OperatingSystemFamily":"LINUX"}`, jsonOf(td["RuntimePlatform"]))
	assert.Nil(t, td["Volumes"])
	app := containers(t, raw)["cart"]
	// A writable root filesystem, user 0 and no scratch mount.
	assert.Equal(t, false, app["ReadonlyRootFilesystem"], "container")
	assert.Equal(t, "0", app["User"], "container")
	assert.Nil(t, app["MountPoints"], "container")
	// An init process, and capabilities kept for root.
	lp := cdktest.As[map[string]any](t, app["LinuxParameters"])
	assert.Equal(t, true, lp["InitProcessEnabled"], "LinuxParameters")
	assert.NotContains(t, jsonOf(lp), "Drop", "LinuxParameters")
	keyID, _ := raw.only(t, "AWS::KMS::Key")
	_, group := raw.only(t, "AWS::Logs::LogGroup")
	assert.Equal(t, "/ecs/prod/cart", group["LogGroupName"])
	assert.Equal(t, jsonOf(map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}), jsonOf(group["KmsKeyId"]), "log group key")
	assert.True(t, strings.HasPrefix(keyID, "SharedLogKey"), "log group key %s, want the given SharedLogKey", keyID)
	// X-Ray only: no OTLP exporter, no secret.
	col := containers(t, raw)["adot-collector"]
	cfg := collectorConfigOf(t, col)
	assert.Equal(t, `{"awsxray":{"region":"us-east-1"}}`, jsonOf(cfg["exporters"]), "collector exporters")
	assert.Nil(t, col["Secrets"], "collector secrets")
	assert.Equal(t, `{"traces":{"exporters":["awsxray"],"processors":["memory_limiter","batch"],"receivers":["otlp"]}}`, jsonOf(cdktest.As[map[string]any](t, cfg["service"])["pipelines"]))
	assert.Equal(t, DefaultAdotImage, col["Image"], "collector image = %v, want %s", col["Image"], DefaultAdotImage)
	// An image outside ECR needs no registry token: no Resource "*" and no suppression.
	require.NotEmpty(t, raw.policiesOf(t, "ServiceExecutionRole"))
	for id, statements := range raw.policiesOf(t, "ServiceExecutionRole") {
		for _, st := range statements {
			assert.False(t, contains(st["Resource"], "*"), "execution policy %s has Resource \"*\": %v", id, st)
		}
		assert.NotContains(t, jsonOf(raw.Resources[id].Metadata), "IAM5", "execution policy %s carries an IAM5 suppression without a wildcard", id)
	}
}

func TestSuppressionsAreExact(t *testing.T) {
	raw := readTemplate(t, synth(t).full)
	found := map[string]bool{}
	for id, r := range raw.Resources {
		md, _ := r.Metadata["cdk_nag"].(map[string]any)
		for _, rule := range asAnySlice(md["rules_to_suppress"]) {
			rule := cdktest.As[map[string]any](t, rule)
			key := r.Type + " " + cdktest.As[string](t, rule["id"])
			found[key] = true
			switch key {
			case "AWS::ECS::TaskDefinition AwsSolutions-ECS2":
			case "AWS::IAM::ManagedPolicy AwsSolutions-IAM5":
				assert.Equal(t, `["Resource::*"]`, jsonOf(rule["applies_to"]), "%s: IAM5 applies to %v, want Resource::* only", id, rule["applies_to"])
				reason := cdktest.As[string](t, rule["reason"])
				assert.True(t, strings.Contains(reason, "ecr:GetAuthorizationToken") || strings.Contains(reason, "xray:PutTraceSegments"),
					"%s: IAM5 reason %q names neither wildcard", id, reason)
			default:
				assert.Failf(t, "unexpected suppression", "%s: %s", id, key)
			}
		}
	}
	assert.Len(t, found, 2)
}

func TestInvalidPropsAreRejected(t *testing.T) {
	s := synth(t)
	otherTg := elbv2.ApplicationTargetGroup_FromTargetGroupAttributes(s.minimal, jsii.String("OtherTg"), &elbv2.TargetGroupAttributes{TargetGroupArn: jsii.String(tgArn)})
	otherAlb := elbv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(s.minimal, jsii.String("OtherAlb"),
		&elbv2.ApplicationLoadBalancerAttributes{LoadBalancerArn: jsii.String(albArn), SecurityGroupId: jsii.String("sg-0fedcba9876543210")})
	base := func() ServiceProps {
		p := ServiceProps{
			Name: "product", Cluster: s.minimalOut.Service.Cluster(), Namespace: s.minimalOut.Service.CloudMapService().Namespace(),
			Vpc: s.minimalOut.Service.Cluster().Vpc(), Subnets: &ec2.SubnetSelection{SubnetGroupName: jsii.String("App")},
			SecurityGroup: (*s.minimalOut.Service.Connections().SecurityGroups())[0], Image: ecs.ContainerImage_FromRegistry(jsii.String("x"), nil),
			TargetGroup:  otherTg,
			LoadBalancer: otherAlb,
		}
		return p
	}
	secret := importedSecret(s.minimal, "AnySecret", dbSecret, "")
	cases := []cdktest.Invalid[ServiceProps]{
		{Name: "an uppercase name", Mutate: func(p *ServiceProps) { p.Name = "Product" }, Want: `Name "Product" must be a lowercase letter`},
		{Name: "a name over 31 characters", Mutate: func(p *ServiceProps) { p.Name = strings.Repeat("a", 32) }, Want: "must be a lowercase letter"},
		{Name: "a missing cluster", Mutate: func(p *ServiceProps) { p.Cluster = nil }, Want: "Cluster is required"},
		{Name: "a missing namespace", Mutate: func(p *ServiceProps) { p.Namespace = nil }, Want: "Namespace is required"},
		{Name: "a missing target group", Mutate: func(p *ServiceProps) { p.TargetGroup = nil }, Want: "TargetGroup is required (or Discovery)"},
		{Name: "a missing load balancer", Mutate: func(p *ServiceProps) { p.LoadBalancer = nil }, Want: "LoadBalancer is required (or Discovery)"},
		{Name: "an HTTP API's discovery beside an ALB target", Mutate: func(p *ServiceProps) { p.Discovery = s.minimalOut.Service.CloudMapService() }, Want: "Discovery is set together with TargetGroup or LoadBalancer"},
		{Name: "a CPU value Fargate does not offer", Mutate: func(p *ServiceProps) { p.Cpu = 768 }, Want: "Cpu 768 is not a Fargate CPU value"},
		{Name: "too little memory for the CPU", Mutate: func(p *ServiceProps) { p.Cpu, p.Memory = 1024, 1024 }, Want: "Memory 1024 is not offered with Cpu 1024 on Fargate (allowed: [2048 3072 4096 5120 6144 7168 8192] MiB)"},
		{Name: "memory off the step for the CPU", Mutate: func(p *ServiceProps) { p.Cpu, p.Memory = 8192, 18432 }, Want: "Memory 18432 is not offered with Cpu 8192"},
		{Name: "too much memory for the smallest CPU", Mutate: func(p *ServiceProps) { p.Cpu, p.Memory = 256, 4096 }, Want: "(allowed: [512 1024 2048] MiB)"},
		{Name: "a port out of range", Mutate: func(p *ServiceProps) { p.Port = 70000 }, Want: "Port 70000 is outside 1-65535"},
		{Name: "the collector's port with the sidecar on", Mutate: func(p *ServiceProps) { p.Port, p.Adot = 4317, &AdotSidecar{} }, Want: "Port 4317 is taken by the ADOT collector"},
		{Name: "a stop timeout over Fargate's limit", Mutate: func(p *ServiceProps) { p.StopTimeout = awscdk.Duration_Minutes(jsii.Number(3)) }, Want: "StopTimeout 3 minutes is outside 2-120"},
		{Name: "a stop timeout over Fargate's limit, of internal/duration", Mutate: func(p *ServiceProps) { p.StopTimeout = duration.Minutes(3) }, Want: "StopTimeout 3 minutes is outside 2-120"},
		{Name: "a cooldown of a fraction of a second", Mutate: func(p *ServiceProps) { p.ScaleInCooldown = duration.Seconds(1.5) }, Want: "ScaleInCooldown 1 second 500 millis is outside 0-86400 whole seconds"},
		{Name: "a minimum above the desired count", Mutate: func(p *ServiceProps) { p.MinCount, p.DesiredCount = 3, 2 }, Want: "MinCount 3, DesiredCount 2 and MaxCount 20 must satisfy"},
		{Name: "a desired count above the maximum", Mutate: func(p *ServiceProps) { p.DesiredCount, p.MaxCount = 30, 20 }, Want: "DesiredCount 30 and MaxCount 20"},
		{Name: "a minimum of zero tasks", Mutate: func(p *ServiceProps) { p.MinCount = -1 }, Want: "MinCount -1 is outside 1-1000"},
		{Name: "a maximum above the tasks-per-service quota", Mutate: func(p *ServiceProps) { p.MaxCount = 6000 }, Want: "MaxCount 6000 is outside 1-1000"},
		{Name: "a CPU target above 100", Mutate: func(p *ServiceProps) { p.CpuTarget = 101 }, Want: "CpuTarget 101 is outside 1-100"},
		{Name: "a negative memory target", Mutate: func(p *ServiceProps) { p.MemoryTarget = -5 }, Want: "MemoryTarget -5 is outside 1-100"},
		{Name: "a negative request target", Mutate: func(p *ServiceProps) { p.RequestsPerTarget = -1 }, Want: "RequestsPerTarget -1 is outside 1-1000000"},
		{Name: "a request target above AWS's maximum", Mutate: func(p *ServiceProps) { p.RequestsPerTarget = 1_000_001 }, Want: "RequestsPerTarget 1000001 is outside 1-1000000"},
		{Name: "a minimum healthy percent above 100", Mutate: func(p *ServiceProps) { p.MinHealthyPercent = ptr(120) }, Want: "MinHealthyPercent 120 is outside 0-100"},
		{Name: "a maximum healthy percent above 200", Mutate: func(p *ServiceProps) { p.MaxHealthyPercent = 250 }, Want: "MaxHealthyPercent 250 is outside 100-200"},
		{Name: "healthy percents that block a rolling deployment", Mutate: func(p *ServiceProps) { p.MaxHealthyPercent = 100 }, Want: "MaxHealthyPercent 100 must be above MinHealthyPercent 100"},
		{Name: "a credential in the plain environment", Mutate: func(p *ServiceProps) { p.Environment = map[string]*string{"DB_PASSWORD_FALLBACK": jsii.String("x")} }, Want: `Environment["DB_PASSWORD_FALLBACK"] reads like a credential`},
		{Name: "an API key in the plain environment", Mutate: func(p *ServiceProps) { p.Environment = map[string]*string{"STRIPE_API_KEY": jsii.String("x")} }, Want: `Environment["STRIPE_API_KEY"] reads like a credential`},
		{Name: "a variable the construct sets", Mutate: func(p *ServiceProps) { p.Environment = map[string]*string{"DB_HOST": jsii.String("x")} }, Want: `Environment["DB_HOST"] is set by the construct itself`},
		{Name: "a malformed variable name", Mutate: func(p *ServiceProps) { p.Environment = map[string]*string{"1X": jsii.String("x")} }, Want: `Environment["1X"] is not a variable name`},
		{Name: "a platform-reserved variable", Mutate: func(p *ServiceProps) { p.Environment = map[string]*string{"AWS_REGION": jsii.String("x")} }, Want: `Environment["AWS_REGION"]: the prefixes [AWS_ ECS_] are reserved`},
		{Name: "a secret also in the environment", Mutate: func(p *ServiceProps) {
			p.Environment = map[string]*string{"SIGNING": jsii.String("x")}
			p.Secrets = map[string]SecretVariable{"SIGNING": {Secret: secret}}
		}, Want: `Secrets["SIGNING"] is also in Environment`},
		{Name: "a database without a host", Mutate: func(p *ServiceProps) { p.Database = connection(func(c *database.Connection) { c.Host = nil }) }, Want: "Database.Host is required"},
		{Name: "a database without a resource id", Mutate: func(p *ServiceProps) { p.Database = connection(func(c *database.Connection) { c.ResourceId = nil }) },
			Want: "Database.ResourceId is required: the task role connects with IAM authentication"},
		{Name: "a malformed database resource id", Mutate: func(p *ServiceProps) {
			p.Database = connection(func(c *database.Connection) { c.ResourceId = jsii.String("my-cluster") })
		}, Want: `Database.ResourceId "my-cluster" is not a DbClusterResourceId`},
		{Name: "a malformed database name", Mutate: func(p *ServiceProps) {
			p.Database = connection(func(c *database.Connection) { c.DatabaseName = "or ders" })
		},
			Want: `Database.DatabaseName "or ders" must match`},
		{Name: "a database port out of range", Mutate: func(p *ServiceProps) { p.Database = connection(func(c *database.Connection) { c.Port = 65536 }) },
			Want: "Database.Port 65536 is outside 1-65535"},
		{Name: "a database user with a space", Mutate: func(p *ServiceProps) { p.DatabaseUser = "order svc" }, Want: `DatabaseUser "order svc" must match`},
		{Name: "a cache secret without a cache", Mutate: func(p *ServiceProps) { p.RedisAuthSecret = secret }, Want: "RedisAuthSecret is set but RedisHost is not"},
		{Name: "a cache port out of range", Mutate: func(p *ServiceProps) { p.RedisPort = -1 }, Want: "RedisPort -1 is outside 1-65535"},
		{Name: "a log group name with a space", Mutate: func(p *ServiceProps) { p.LogGroupName = "/ecs/my service" }, Want: `LogGroupName "/ecs/my service"`},
		{Name: "infinite log retention", Mutate: func(p *ServiceProps) { p.LogRetention = logs.RetentionDays_INFINITE }, Want: `LogRetention "INFINITE" is not a finite`},
		{Name: "root without AllowRoot", Mutate: func(p *ServiceProps) { p.User = "root" }, Want: `User "root" runs the container as root; set AllowRoot`},
		{Name: "the root group without AllowRoot", Mutate: func(p *ServiceProps) { p.User = "1000:0" }, Want: `User "1000:0" runs the container as root`},
		{Name: "a malformed user", Mutate: func(p *ServiceProps) { p.User = "1000:1000:1000" }, Want: `User "1000:1000:1000" is not`},
		{Name: "a plain-http OTLP endpoint", Mutate: func(p *ServiceProps) { p.Adot = &AdotSidecar{OtlpEndpoint: "http://collector:4318"} }, Want: `Adot.OtlpEndpoint "http://collector:4318" must be an https:// URL`},
		{Name: "an OTLP endpoint with credentials", Mutate: func(p *ServiceProps) { p.Adot = &AdotSidecar{OtlpEndpoint: "https://u:p@otlp.example.com"} }, Want: "must be an https:// URL without credentials"},
		{Name: "an OTLP secret without an endpoint", Mutate: func(p *ServiceProps) { p.Adot = &AdotSidecar{OtlpSecret: secret} }, Want: "Adot.OtlpSecret is set but Adot.OtlpEndpoint is not"},
	}
	cdktest.Rejects(t, base, func(p ServiceProps) error { return p.withDefaults().validate() }, cases)

	t.Run("the valid base props pass", func(t *testing.T) {
		require.NoError(t, base().withDefaults().validate())
	})

	t.Run("NewService returns every problem instead of panicking", func(t *testing.T) {
		var errs []error
		cdktest.NoPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := cdktest.NewStack(app, "Bad", "us-east-1")
			p := requiredProps(stack)
			p.Name, p.Cpu, p.Memory = "Bad_Name", 512, 512
			p.Subnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String("Public")}
			_, err := NewService(stack, "Bad", p)
			errs = append(errs, err)
			for _, group := range []string{"Public", "Nope"} {
				p := requiredProps(cdktest.NewStack(app, "Bad"+group, "us-east-1"))
				p.Subnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String(group)}
				_, err := NewService(stack, group, p)
				errs = append(errs, err)
			}
		})
		for i, want := range [][]string{
			{`Name "Bad_Name"`, "Memory 512 is not offered with Cpu 512", "Subnets selects public subnets"},
			{"Subnets selects public subnets"},
			{"Subnets selects nothing in Vpc"},
		} {
			for _, w := range want {
				assert.ErrorContains(t, errs[i], w)
			}
		}
	})
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.minimal, s.full, s.relaxed)
}

// TestNagPacksEvaluatedTheServiceRules: beyond running, the packs evaluated the ECS and IAM rules
// this construct's suppressions and policies are about.
func TestNagPacksEvaluatedTheServiceRules(t *testing.T) {
	s := synth(t)
	for _, stack := range []string{"Minimal", "Full", "Relaxed"} {
		for _, pack := range []string{"AwsSolutions", "NIST.800.53.R5"} {
			data, err := os.ReadFile(filepath.Join(s.dir, gates.NagReportName(pack, "", stack))) // the app's own stack
			rule := map[string]string{"AwsSolutions": `"AwsSolutions-ECS2",`, "NIST.800.53.R5": `"NIST.800.53.R5-IAMNoInlinePolicy",`}[pack]
			if assert.NoError(t, err, "%s report of %s", pack, stack) {
				assert.Contains(t, string(data), rule, "%s report of %s: the ECS and IAM rules evaluated", pack, stack)
			}
		}
	}
}

// TestSecretsOfAnotherStackAreGrantedInThisStackOnly: a database secret (with its key) made in a
// Data stack that the service's stack imports from. The grants stay in the service's stack —
// the Data stack's key policy must not name the service's roles, or the two stacks would depend
// on each other — and the execution role decrypts with exactly that key via Secrets Manager.
func TestSecretsOfAnotherStackAreGrantedInThisStackOnly(t *testing.T) {
	app := cdktest.NewApp(t)
	data, appStack := cdktest.NewStack(app, "Data", "us-east-1"), cdktest.NewStack(app, "App", "us-east-1")
	var dataTpl, appTpl map[string]any
	cdktest.NoPanic(t, func() {
		key := kms.NewKey(data, jsii.String("Key"), &kms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		secret := sm.NewSecret(data, jsii.String("DbSecret"), &sm.SecretProps{EncryptionKey: key})
		p := requiredProps(appStack)
		p.Database = &database.Connection{Host: jsii.String("db.example.internal"), Port: database.Port, Secret: secret, ResourceId: jsii.String("cluster-ABCDEFGHIJ")}
		svc, err := NewService(appStack, "Service", p)
		require.NoError(t, err)
		svc.MoveGrants()
		// Synthesis panics on a dependency cycle.
		dataTpl, appTpl = cdktest.Template(t, data), cdktest.Template(t, appStack)
	})
	// The Data stack never refers back to the service's stack.
	dataJSON := jsonOf(dataTpl)
	assert.NotContains(t, dataJSON, "Fn::ImportValue", "Data stack")
	assert.NotContains(t, dataJSON, "ExecutionRole", "Data stack")
	decrypts := 0
	for _, r := range cdktest.OfType(t, appTpl, "AWS::IAM::ManagedPolicy") {
		for _, st := range cdktest.Path[[]any](t, r, "Properties", "PolicyDocument", "Statement") {
			js := jsonOf(st)
			if strings.Contains(js, `"kms:Decrypt"`) && strings.Contains(js, `"Fn::ImportValue":"Data:`) && strings.Contains(js, "secretsmanager.us-east-1.amazonaws.com") {
				decrypts++
			}
		}
	}
	assert.Equal(t, 1, decrypts, "%d statements decrypt with the Data stack's key via Secrets Manager, want 1", decrypts)
}

func TestMovedGrantsLeaveNoInlinePolicy(t *testing.T) {
	s := synth(t)
	cdktest.NoPanic(t, func() {
		// The minimal service's task role has no grant, so nothing to hold.
		granted := []iam.IRole{s.minimalOut.ExecutionRole, s.fullOut.ExecutionRole, s.fullOut.TaskRole}
		for _, role := range append(granted, s.minimalOut.TaskRole) {
			node := role.Node()
			assert.Nil(t, node.TryFindChild(jsii.String("DefaultPolicy")), "%s keeps no DefaultPolicy", *node.Path())
		}
		for _, role := range granted {
			_, managed := role.Node().TryFindChild(jsii.String("Policy")).(iam.ManagedPolicy)
			assert.True(t, managed, "%s holds its grants in a managed policy", *role.Node().Path())
		}
	})
	for _, stack := range []awscdk.Stack{s.minimal, s.full, s.relaxed} {
		for id, r := range readTemplate(t, stack).Resources {
			assert.NotEqual(t, "AWS::IAM::Policy", r.Type, "%s: %s is an inline policy: a role's grants were not moved", *stack.StackName(), id)
		}
	}
}

// resourceTypes counts the resources of tpl by type.
func resourceTypes(tpl map[string]any) map[string]int {
	count := map[string]int{}
	for _, r := range tpl["Resources"].(map[string]any) {
		count[r.(map[string]any)["Type"].(string)]++
	}
	return count
}

func TestMoveGrantsIsWhatKeepsGrantsOutOfInlinePolicies(t *testing.T) {
	app := cdktest.NewApp(t)
	build := func(id string) (awscdk.Stack, *Service) {
		stack := cdktest.NewStack(app, id, "us-east-1")
		svc, err := NewService(stack, "Service", requiredProps(stack))
		require.NoError(t, err)
		return stack, svc
	}
	var kept, moved, later map[string]any
	var laterDoc string
	cdktest.NoPanic(t, func() {
		keptStack, _ := build("Kept")
		movedStack, twice := build("Moved")
		twice.MoveGrants()
		twice.MoveGrants() // a second call finds nothing left to move
		// The task role had no grant at the move: it carries the later-grants aspect. The
		// execution role's grants were moved by the first call: the second leaves it alone.
		carries := func(role iam.IRole) (n int) {
			for _, aspect := range *awscdk.Aspects_Of(role).All() {
				if aspect == awscdk.IAspect(laterGrants) {
					n++
				}
			}
			return n
		}
		assert.Equal(t, 1, carries(twice.TaskRole), "the role without grants waits for a later one")
		assert.Zero(t, carries(twice.ExecutionRole), "the moved role is not visited again")
		laterStack, svc := build("Later")
		svc.MoveGrants()
		svc.TaskRole.AddToPrincipalPolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("s3:GetObject"), Resources: jsii.Strings("arn:aws:s3:::bucket/*"),
		}))
		kept, moved, later = cdktest.Template(t, keptStack), cdktest.Template(t, movedStack), cdktest.Template(t, laterStack)
		laterDoc = jsonOf(later)
	})
	// The minimal service grants to its execution role only (logs); its task role has no grant
	// until "Later" makes one after the move, which the aspect MoveGrants left on it moves.
	assert.Equal(t, 1, resourceTypes(kept)["AWS::IAM::Policy"], "without MoveGrants the grants stay inline")
	assert.Zero(t, resourceTypes(moved)["AWS::IAM::Policy"], "moved, twice")
	assert.Equal(t, 1, resourceTypes(moved)["AWS::IAM::ManagedPolicy"], "one managed policy a role with grants, however often MoveGrants runs")
	assert.Zero(t, resourceTypes(later)["AWS::IAM::Policy"], "a grant to a role that had none at the move makes no inline policy")
	assert.Equal(t, 2, resourceTypes(later)["AWS::IAM::ManagedPolicy"], "the task role's later grant is in a managed policy of its own")
	assert.Contains(t, laterDoc, "arn:aws:s3:::bucket/*", "the grant made after the move is in the template")
	for id, r := range later["Resources"].(map[string]any) {
		if strings.Contains(jsonOf(r), "s3:GetObject") {
			assert.Equal(t, "AWS::IAM::ManagedPolicy", r.(map[string]any)["Type"], "%s holds the later grant", id)
		}
	}
}

func TestSubnetsAreResolvedOncePerVpcAndSelection(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := cdktest.NewStack(app, "Shared", "us-east-1")
		p := requiredProps(stack)
		a, err := NewService(stack, "A", p)
		require.NoError(t, err)
		q := p
		q.Name = "other"
		b, err := NewService(stack, "B", q)
		require.NoError(t, err)
		// A resolution through jsii returns a new slice each time: the same one is the kept one.
		first, err := selectSubnets(p)
		require.NoError(t, err)
		again, err := selectSubnets(q)
		require.NoError(t, err)
		assert.Same(t, first, again, "two services on one VPC and selection resolve it once")
		fresh, err := resolveSubnets(p.Vpc, p.Subnets)
		require.NoError(t, err)
		assert.NotSame(t, first, fresh, "a resolution of its own is another slice")
		assert.Equal(t, jsonOf(a.Resource.NetworkConfiguration()), jsonOf(b.Resource.NetworkConfiguration()))

		q.Subnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String("Public")}
		for _, id := range []string{"C", "D"} {
			_, err := NewService(stack, id, q)
			assert.ErrorContains(t, err, "Subnets selects public subnets", "a refused selection is refused for every service")
		}
	})
}

// The move suppresses the execution role's Resource "*" finding for the actions that need it; a
// grant made after the move must not hide another action under that suppression.
func TestAWildcardGrantedAfterTheMoveFailsTheSynth(t *testing.T) {
	synthAfter := func(t *testing.T, late iam.PolicyStatement) (failure string) {
		app := cdktest.NewApp(t)
		stack := cdktest.NewStack(app, "Late", "us-east-1")
		defer func() {
			if r := recover(); r != nil {
				failure = fmt.Sprint(r)
			}
		}()
		svc, err := NewService(stack, "Service", requiredProps(stack))
		require.NoError(t, err)
		svc.MoveGrants()
		svc.ExecutionRole.AddToPrincipalPolicy(late)
		app.Synth(nil)
		return ""
	}
	cases := []struct {
		name, action, resource, want string
	}{
		{"an action without a reason on every resource fails", "s3:GetObject", "*", "a grant made after MoveGrants"},
		{"the same action on a named resource passes", "s3:GetObject", "arn:aws:s3:::bucket/*", ""},
		{"an action with a reason on every resource passes", "ecr:GetAuthorizationToken", "*", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failure := synthAfter(t, iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings(c.action), Resources: jsii.Strings(c.resource),
			}))
			if c.want == "" {
				assert.Empty(t, failure)
				return
			}
			assert.Contains(t, failure, c.want)
			assert.Contains(t, failure, "Late/Service/ExecutionRole", "names the role")
		})
	}
}
