package test

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

var appStackChecks = []check{
	{"services and tasks follow the config, as non-root read-only containers", checkServices},
	{"credentials are ECS secrets, never environment", checkCredentials},
	{"scaling follows the config", checkScaling},
	{"roles are least privilege", checkLeastPrivilege},
	{"each released service's build pushes through one push role, to its own repository only", checkReleasePushRoles},
	{"the release's scan gate and replication wait read through one read role, which only reads", checkReleaseReadRoles},
	{"the ALB answers only HTTPS with the origin secret", checkAlb},
	{"images come from scanned immutable encrypted repositories", checkRegistries},
	{"clusters have Container Insights and the namespace", checkClusters},
	{"each service reaches only its own database", checkOwnDatabase},
}

// rootUser matches a container user that is root, by name or uid 0 with any group, or any user
// in group 0 (root).
var rootUser = regexp.MustCompile(`^(|root|0+)(:.*)?$|:(root|0+)$`)

func checkServices(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		env := tpl.Env
		_, services := tpl.OfType("AWS::ECS::Service")
		_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
		assert.Len(c, services, len(env.Services), "%s: services", tpl.StackName)
		assert.Len(c, tasks, len(env.Services), "%s: task definitions", tpl.StackName)
		for id, s := range services {
			p := s.Properties
			cb := get(p, "DeploymentConfiguration", "DeploymentCircuitBreaker")
			assert.Equal(c, map[string]any{"Enable": true, "Rollback": true}, cb, "%s/%s: circuit breaker", tpl.StackName, id)
			assert.Equal(c, 100, num(get(p, "DeploymentConfiguration", "MinimumHealthyPercent")), "%s/%s: minimum healthy percent", tpl.StackName, id)
			assert.Equal(c, 200, num(get(p, "DeploymentConfiguration", "MaximumPercent")), "%s/%s: maximum percent", tpl.StackName, id)
			assert.NotNil(c, p["ServiceRegistries"], "%s/%s: Cloud Map registration", tpl.StackName, id)
			assert.NotNil(c, p["HealthCheckGracePeriodSeconds"], "%s/%s: health check grace period", tpl.StackName, id)
		}
		for id, td := range tasks {
			p := td.Properties
			assert.Equal(c, []any{"FARGATE"}, p["RequiresCompatibilities"], "%s/%s: launch type", tpl.StackName, id)
			assert.NotEqual(c, ref(p["TaskRoleArn"]), ref(p["ExecutionRoleArn"]), "%s/%s: task and execution roles are the same", tpl.StackName, id)
		}
		containers := mainContainers(tpl)
		assert.Len(c, containers, len(env.Services), "%s: service containers", tpl.StackName)
		for _, s := range env.Services {
			ct, ok := containers[s.Name]
			if !assert.True(c, ok, "%s: no container for service %s", tpl.StackName, s.Name) {
				continue
			}
			def, task := ct.def, ct.task.Properties
			assert.Equal(c, fmt.Sprint(s.Cpu), str(task["Cpu"]), "%s/%s: cpu", tpl.StackName, s.Name)
			assert.Equal(c, fmt.Sprint(s.Memory), str(task["Memory"]), "%s/%s: memory", tpl.StackName, s.Name)
			assert.Equal(c, s.Port, num(get(firstOf(def["PortMappings"]), "ContainerPort")), "%s/%s: container port", tpl.StackName, s.Name)
			assert.Equal(c, s.ReadOnlyRootFilesystem, def["ReadonlyRootFilesystem"] == true, "%s/%s: read-only root filesystem", tpl.StackName, s.Name)
			assert.False(c, rootUser.MatchString(strings.ToLower(str(def["User"]))), "%s/%s: container runs as root (User %q)", tpl.StackName, s.Name, def["User"])
			assert.Equal(c, "awslogs", str(get(def, "LogConfiguration", "LogDriver")), "%s/%s: log driver", tpl.StackName, s.Name)
		}
	}
}

func firstOf(v any) any {
	if l := asList(v); len(l) > 0 {
		return l[0]
	}
	return nil
}

func checkCredentials(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		if tpl.Env.RunsTiers() {
			continue // no containers; the tiers' environment holds no credential (checkTiers)
		}
		containers := mainContainers(tpl)
		require.NotEmpty(c, containers, "%s: no service containers", tpl.StackName)
		for _, s := range tpl.Env.Services {
			ct, id := containers[s.Name], tpl.StackName+"/"+s.Name
			env, secrets := ct.env, ct.secrets
			assert.Contains(c, env, "REDIS_HOST", id)
			assert.Contains(c, secrets, "REDIS_AUTH", "%s: REDIS_AUTH is not an ECS secret", id)
			for name := range env {
				for _, word := range []string{"PASSWORD", "AUTH", "SECRET"} {
					assert.NotContains(c, name, word, "%s: credential %s in the plain environment", id, name)
				}
			}
			if s.Database == config.EngineNone {
				continue
			}
			assert.Contains(c, env, "DB_HOST", id)
			assert.Contains(c, env, "DB_IAM_USER", id)
			// Aurora in every region and an RDS instance alike are reached with IAM authentication
			// as the service's own user (created by the platform): the master secret never reaches
			// a service.
			assert.NotContains(c, secrets, "DB_PASSWORD", "%s: a database client gets password credentials", id)
			assert.NotContains(c, secrets, "DB_USER", "%s: a database client gets the master user", id)
			assert.Equal(c, s.Name, str(env["DB_USER"]), "%s: DB_USER is the service's own user", id)
		}
	}
}

// bothGroups stands for the request policy of a service with two target groups: requests per
// healthy target summed over both (constructs/service requestsPerTarget).
const bothGroups = "requests per healthy target, both groups"

func checkScaling(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		env := tpl.Env
		_, targets := tpl.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
		_, policies := tpl.OfType("AWS::ApplicationAutoScaling::ScalingPolicy")
		require.Len(c, targets, len(env.Services), "%s: scalable targets", tpl.StackName)
		perService := 3
		if env.UsesAPI() { // no target group: CPU and memory only
			perService = 2
		}
		require.Len(c, policies, perService*len(env.Services), "%s: scaling policies", tpl.StackName)
		warm := env.DNS.Routing == config.RoutingFailover && tpl.Region != env.PrimaryRegion
		var wantRanges, gotRanges []string
		wantTargets := map[string][]int{}
		for _, s := range env.Services {
			lo, hi := s.MinCount, s.MaxCount
			if warm {
				lo, hi = env.App.WarmCapacity.MinCount, env.App.WarmCapacity.MaxCount
			}
			wantRanges = append(wantRanges, fmt.Sprintf("%d-%d", lo, hi))
			wantTargets["ECSServiceAverageCPUUtilization"] = append(wantTargets["ECSServiceAverageCPUUtilization"], s.CpuTarget)
			wantTargets["ECSServiceAverageMemoryUtilization"] = append(wantTargets["ECSServiceAverageMemoryUtilization"], s.MemoryTarget)
			switch {
			case env.UsesAPI():
			case s.Deployment.ShiftsTraffic(): // its tasks may be behind either group (TestShiftingStrategies…)
				wantTargets[bothGroups] = append(wantTargets[bothGroups], s.RequestsPerTarget)
			default:
				wantTargets["ALBRequestCountPerTarget"] = append(wantTargets["ALBRequestCountPerTarget"], s.RequestsPerTarget)
			}
		}
		for _, st := range targets {
			gotRanges = append(gotRanges, fmt.Sprintf("%d-%d", num(st.Properties["MinCapacity"]), num(st.Properties["MaxCapacity"])))
		}
		assert.ElementsMatch(c, wantRanges, gotRanges, "%s: capacity ranges (warm standby %v)", tpl.StackName, warm)
		gotTargets := map[string][]int{}
		for _, p := range policies {
			cfg := get(p.Properties, "TargetTrackingScalingPolicyConfiguration")
			metric := str(get(cfg, "PredefinedMetricSpecification", "PredefinedMetricType"))
			if custom := jsonOf(get(cfg, "CustomizedMetricSpecification")); strings.Contains(custom, `"RequestCount"`) && strings.Contains(custom, `"HealthyHostCount"`) {
				metric = bothGroups
			}
			gotTargets[metric] = append(gotTargets[metric], num(get(cfg, "TargetValue")))
		}
		for metric, want := range wantTargets {
			assert.ElementsMatch(c, want, gotTargets[metric], "%s: %s targets", tpl.StackName, metric)
		}
	}
}

// unscopable are the actions allowed on Resource "*" in any policy: those AWS offers no resource
// scoping for, and those on resources this app cannot name in advance.
var unscopable = append([]string{"ecr:GetAuthorizationToken", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
	"xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries",
	// The secret rotations (constructs/rotation) look resources up by tag and read listener rules.
	"tag:GetResources", "secretsmanager:GetRandomPassword",
	"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules",
	// ECS's blue/green infrastructure role reads the groups it moves traffic between.
	"elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
	// The transit gateway peering accepter waits for its attachment (constructs/transitgateway).
	"ec2:DescribeTransitGatewayPeeringAttachments",
	// The Region switch capacity function (constructs/capacity) lists its cluster's services (held
	// to the cluster by an ecs:cluster condition) and raises their scalable targets, whose ARNs end
	// in an id Application Auto Scaling generates.
	"ecs:ListServices", "application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget"}, tierUnscopable...)

// unscopableIn are actions allowed on Resource "*" in one policy only, by its logical id's
// prefix: the Region switch execution role (constructs/regionswitch) describes the Global
// Databases as AWS's sample policy for the Aurora block has it (a describe naming no cluster is
// checked against "*", and a switch must not stop on a read).
var unscopableIn = map[string][]string{
	"RegionSwitchExecutionPolicy": {"rds:DescribeGlobalClusters", "rds:DescribeDBClusters"},
}

// allowedOnAll reports whether the resource id may hold act on Resource "*".
func allowedOnAll(id, act string) bool {
	if slices.Contains(unscopable, act) {
		return true
	}
	for prefix, acts := range unscopableIn {
		if strings.HasPrefix(id, prefix) && slices.Contains(acts, act) {
			return true
		}
	}
	return false
}

// managedPolicies are the AWS-managed policies a role may carry, each needed by a role aws-cdk-lib
// builds: enhanced monitoring of the databases, and the basic execution role of the Lambda that
// locks down each VPC's default security group.
var managedPolicies = []string{"service-role/AmazonRDSEnhancedMonitoringRole", "service-role/AWSLambdaBasicExecutionRole",
	// AWS Config's recorder role and AWS Backup's selection role (governance): AWS keeps them in step
	// with every resource type those services record, back up and restore.
	"service-role/AWS_ConfigRole", "service-role/AWSBackupServiceRolePolicyForBackup", "service-role/AWSBackupServiceRolePolicyForRestores",
	// The database users function (constructs/database) attaches to the VPC and writes its logs.
	"service-role/AWSLambdaVPCAccessExecutionRole"}

// grantWildcards are the only wildcard actions allowed: those aws-cdk-lib's grant methods write
// (a bucket's and a key's read and write grants), each a family of calls used together.
var grantWildcards = []string{"kms:GenerateDataKey*", "kms:ReEncrypt*", "s3:GetBucket*", "s3:GetObject*", "s3:List*", "s3:Abort*", "s3:DeleteObject*"}

// checkLeastPrivilege: no IAM statement grants every action or uses NotAction/NotResource, a
// statement on every resource holds only unscopable actions, and a role's managed policies are
// this project's or on the allow-list.
func checkLeastPrivilege(c *C, a *Assembly) {
	statementsSeen := 0
	for name, tpl := range a.Templates {
		for id, r := range tpl.Resources {
			switch r.Type {
			case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::Role":
			default:
				continue
			}
			for _, arn := range asList(r.Properties["ManagedPolicyArns"]) {
				if ref(arn) != "" { // this stack's own customer-managed policy, checked as a resource
					continue
				}
				s := literal(arn)
				policy, found := strings.CutPrefix(s[max(strings.Index(s, ":iam::aws:policy/"), 0):], ":iam::aws:policy/")
				require.True(c, found, "%s/%s: managed policy %s is neither this stack's nor AWS's", name, id, jsonOf(arn))
				assert.Contains(c, managedPolicies, policy, "%s/%s: AWS-managed policy %s is not on the allow-list", name, id, policy)
			}
			for _, st := range statements(r) {
				statementsSeen++
				actions := stringList(get(st, "Action"))
				for _, act := range actions {
					assert.NotEqual(c, "*", act, "%s/%s: statement grants every action", name, id)
					assert.False(c, strings.HasSuffix(act, ":*"), "%s/%s: statement grants %q", name, id, act)
					if strings.Contains(act, "*") {
						assert.Contains(c, grantWildcards, act, "%s/%s: %q grants every action it matches, now and later", name, id, act)
					}
				}
				assert.Nil(c, get(st, "NotAction"), "%s/%s: NotAction", name, id)
				assert.Nil(c, get(st, "NotResource"), "%s/%s: NotResource", name, id)
				if slices.Contains(stringList(get(st, "Resource")), "*") {
					for _, act := range actions {
						assert.True(c, allowedOnAll(id, act), "%s/%s: %s on Resource \"*\"", name, id, act)
					}
				}
			}
		}
	}
	assert.NotZero(c, statementsSeen, "%s: no IAM statements", a.Name)
}

func statements(r Resource) []any {
	out := asList(get(r.Properties["PolicyDocument"], "Statement"))
	for _, p := range asList(r.Properties["Policies"]) {
		out = append(out, asList(get(p, "PolicyDocument", "Statement"))...)
	}
	return out
}

func stringList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, i := range x {
			if s, ok := i.(string); ok {
				out = append(out, s)
			} else {
				out = append(out, jsonOf(i))
			}
		}
		return out
	}
	return nil
}

func checkAlb(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		env := tpl.Env
		if env.UsesAPI() { // no ALB; apimode_test.go checks the HTTP API
			continue
		}
		_, listeners := tpl.OfType("AWS::ElasticLoadBalancingV2::Listener")
		_, rules := tpl.OfType("AWS::ElasticLoadBalancingV2::ListenerRule")
		_, lbs := tpl.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer")
		require.Len(c, lbs, 1, "%s: ALBs", tpl.StackName)
		require.Len(c, listeners, 2, "%s: listeners", tpl.StackName)
		for _, lb := range lbs {
			attrs := map[string]string{}
			for _, at := range asList(lb.Properties["LoadBalancerAttributes"]) {
				attrs[str(get(at, "Key"))] = str(get(at, "Value"))
			}
			for k, v := range map[string]string{"deletion_protection.enabled": "true", "routing.http.drop_invalid_header_fields.enabled": "true",
				"access_logs.s3.enabled": "true", "routing.http.desync_mitigation_mode": "strictest"} {
				assert.Equal(c, v, attrs[k], "%s: ALB %s", tpl.StackName, k)
			}
			assert.Equal(c, "internet-facing", str(lb.Properties["Scheme"]), "%s: scheme", tpl.StackName)
		}
		ports := []int{}
		for id, l := range listeners {
			p := l.Properties
			action := firstOf(p["DefaultActions"])
			ports = append(ports, num(p["Port"]))
			switch num(p["Port"]) {
			case 443:
				// TLS 1.3 and at least 1.2: ELBSecurityPolicy-TLS13-1-0-2021-06 still accepts TLS 1.0.
				assert.Regexp(c, `^ELBSecurityPolicy-TLS13-1-[23]-`, str(p["SslPolicy"]), "%s/%s: HTTPS listener policy", tpl.StackName, id)
				assert.Equal(c, "HTTPS", str(p["Protocol"]), "%s/%s: protocol", tpl.StackName, id)
				assert.Equal(c, "403", str(get(action, "FixedResponseConfig", "StatusCode")), "%s/%s: default action %s", tpl.StackName, id, compact(action))
			case 80:
				assert.Equal(c, "redirect", str(get(action, "Type")), "%s/%s: HTTP listener does more than redirect", tpl.StackName, id)
				assert.Equal(c, "HTTPS", str(get(action, "RedirectConfig", "Protocol")), "%s/%s: redirect protocol", tpl.StackName, id)
			}
		}
		assert.ElementsMatch(c, []int{80, 443}, ports, "%s: listener ports", tpl.StackName)
		var paths, wantPaths []string
		for _, s := range publicTargets(env) {
			wantPaths = append(wantPaths, s.PathPattern)
		}
		healthRules := 0
		for id, r := range rules {
			conds := asList(r.Properties["Conditions"])
			if num(r.Properties["Priority"]) == 1 { // the Route 53 health-check rule
				healthRules++
				want := []any{
					map[string]any{"Field": "host-header", "HostHeaderConfig": map[string]any{"Values": []any{env.RegionalOriginName(tpl.Region)}}},
					map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{publicTargets(env)[0].HealthCheckPath}}},
				}
				assert.Equal(c, want, conds, "%s/%s: the header-less rule admits only the regional host and the health path", tpl.StackName, id)
				continue
			}
			secret := false
			for _, cond := range conds {
				switch str(get(cond, "Field")) {
				case "path-pattern":
					paths = append(paths, stringList(get(cond, "PathPatternConfig", "Values"))...)
				case "http-header":
					secret = str(get(cond, "HttpHeaderConfig", "HttpHeaderName")) == "X-Origin-Verify" &&
						slices.Contains(stringList(get(cond, "HttpHeaderConfig", "Values")), "{{resolve:secretsmanager:stratus/"+env.Name+"/origin-verify:SecretString:::}}")
				}
			}
			assert.True(c, secret, "%s/%s: rule without the origin secret header: %s", tpl.StackName, id, compact(conds))
		}
		assert.Equal(c, 1, healthRules, "%s: health-check rules", tpl.StackName)
		assert.ElementsMatch(c, wantPaths, paths, "%s: service paths", tpl.StackName)
		_, groups := tpl.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
		// An ECS service has a second, alternate group for blue/green deployments.
		perTarget := map[bool]int{true: 1, false: 2}[env.RunsTiers()]
		require.Len(c, groups, perTarget*len(publicTargets(env)), "%s: target groups", tpl.StackName)
		var health, wantHealth []string
		for _, s := range publicTargets(env) {
			for range perTarget {
				wantHealth = append(wantHealth, s.HealthCheckPath)
			}
		}
		for id, g := range groups {
			assert.Equal(c, publicTargetType(env), str(g.Properties["TargetType"]), "%s/%s: target type", tpl.StackName, id)
			health = append(health, str(g.Properties["HealthCheckPath"]))
		}
		assert.ElementsMatch(c, wantHealth, health, "%s: target group health paths", tpl.StackName)
	}
}

// checkRegistries: each region's Registry stack holds one repository per service, deploys before
// the App stack that pulls from it (so images can be pushed first), and the primary replicates
// into every other region after their repositories exist.
func checkRegistries(c *C, a *Assembly) {
	for _, app := range requireStacks(c, a, "App") {
		registry := strings.Replace(app.StackName, "-App-", "-Registry-", 1)
		// Only a bare tag pulls from the Registry stack; a full reference (docker.io/…) does not.
		if slices.ContainsFunc(app.Env.Services, config.Service.PullsOwnRepository) {
			assert.Contains(c, app.DependsOn, registry, "%s depends on", app.StackName)
			assert.True(c, importsFrom(app.Resources, registry), "%s does not pull from %s", app.StackName, registry)
		}
		ids, _ := app.OfType("AWS::ECR::Repository")
		assert.Empty(c, ids, "%s: repositories belong in the Registry stack", app.StackName)
	}
	for _, tpl := range a.stacksOf("Registry") {
		env := tpl.Env
		_, repos := tpl.OfType("AWS::ECR::Repository")
		assert.Len(c, repos, len(env.Services), "%s: one repository per service", tpl.StackName)
		for id, r := range repos {
			p := r.Properties
			assert.Equal(c, true, get(p, "ImageScanningConfiguration", "ScanOnPush"), "%s/%s: scan on push", tpl.StackName, id)
			// Immutable but for the live tags the releases move (docs/release.md).
			assert.Equal(c, "IMMUTABLE_WITH_EXCLUSION", str(p["ImageTagMutability"]), "%s/%s: tag mutability", tpl.StackName, id)
			assert.Equal(c, []any{map[string]any{"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "live-*"}},
				p["ImageTagMutabilityExclusionFilters"], "%s/%s: the mutable tags", tpl.StackName, id)
			assert.Equal(c, "KMS", str(get(p, "EncryptionConfiguration", "EncryptionType")), "%s/%s: encryption", tpl.StackName, id)
			assertCustomerKey(c, tpl, get(p, "EncryptionConfiguration", "KmsKey"), "%s/%s", tpl.StackName, id)
			assert.NotNil(c, p["LifecyclePolicy"], "%s/%s: lifecycle policy", tpl.StackName, id)
		}
		_, replication := tpl.OfType("AWS::ECR::ReplicationConfiguration")
		if tpl.Region != env.PrimaryRegion || len(env.Regions) == 1 {
			assert.Empty(c, replication, "%s: only a primary with other regions replicates", tpl.StackName)
			continue
		}
		if assert.Len(c, replication, 1, "%s: replication", tpl.StackName) {
			js := jsonOf(replication)
			assert.Contains(c, js, `"`+env.Name+`/"`, "%s: replication filter", tpl.StackName)
			for _, r := range env.Regions {
				if r.Name != env.PrimaryRegion {
					assert.Contains(c, js, `"`+r.Name+`"`, "%s: replication destinations", tpl.StackName)
					assert.Contains(c, tpl.DependsOn, stackName(env, "Registry", r.Name), "%s: replicates before the repositories exist", tpl.StackName)
				}
			}
		}
	}
}

func checkClusters(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		if tpl.Env.RunsTiers() {
			assert.NotContains(c, jsonOf(tpl.Resources), "AWS::ECS::Cluster", "%s: EC2 tiers need no cluster", tpl.StackName)
			continue
		}
		_, clusters := tpl.OfType("AWS::ECS::Cluster")
		_, namespaces := tpl.OfType("AWS::ServiceDiscovery::PrivateDnsNamespace")
		require.Len(c, clusters, 1, "%s: clusters", tpl.StackName)
		require.Len(c, namespaces, 1, "%s: namespaces", tpl.StackName)
		for _, cl := range clusters {
			assert.Contains(c, asList(cl.Properties["ClusterSettings"]), map[string]any{"Name": "containerInsights", "Value": "enhanced"}, "%s: cluster settings", tpl.StackName)
		}
		for _, n := range namespaces {
			assert.Equal(c, tpl.Env.App.Namespace, str(n.Properties["Name"]), "%s: namespace", tpl.StackName)
		}
	}
}

// checkOwnDatabase: in every region, a service's DB_HOST, its credentials and its
// rds-db:connect grant all name the database it owns (or the one it shares), from that
// database's ServiceData stack in its own region.
func checkOwnDatabase(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "App") {
		containers := mainContainers(tpl)
		for _, s := range tpl.Env.Services {
			if s.Database == config.EngineNone {
				continue
			}
			owner := s.DatabaseOwner()
			// The ServiceData stack's logical ids start with the owner's PascalCase name (…Database…).
			data := stackName(tpl.Env, stacks.ServiceDataStackKind(owner), tpl.Region)
			db := `"Fn::ImportValue":"` + data + ":ExportsOutput"
			prefix := naming.Pascal(owner) + "Database"
			ct, id := containers[s.Name], tpl.StackName+"/"+s.Name
			host := jsonOf(ct.env["DB_HOST"])
			assert.Contains(c, host, db, "%s: DB_HOST is not from %s", id, data)
			assert.Contains(c, host, prefix, "%s: DB_HOST is not %s's database", id, owner)
			if pw := ct.secrets["DB_PASSWORD"]; pw != nil {
				assert.Contains(c, jsonOf(pw), prefix, "%s: DB_PASSWORD is not %s's secret", id, owner)
				// User and password are one pair: the same secret's username and password fields.
				assert.Equal(c, jsonOf(pw), strings.Replace(jsonOf(ct.secrets["DB_USER"]), ":username::", ":password::", 1), "%s: DB_USER and DB_PASSWORD are not one secret's pair", id)
			}
			// One grant names this region's cluster; any other is the writer's in another region
			// (checkWriterHosts), by cluster-* and never in this region.
			var local []string
			for _, g := range connectGrants(tpl, s.Name) {
				if strings.Contains(g, ":rds-db:"+tpl.Region+":") {
					local = append(local, g)
				} else {
					assert.Contains(c, g, ":dbuser:cluster-*/"+s.Name+`"`, "%s: connects to a cluster of another region other than by the writer's wildcard", id)
				}
			}
			if assert.Len(c, local, 1, "%s: rds-db:connect grants in %s", id, tpl.Region) {
				assert.Contains(c, local[0], db, "%s: connects outside %s", id, data)
				assert.Contains(c, local[0], prefix, "%s: connects to another database than %s's", id, owner)
			}
		}
	}
}

// connectGrants are the Resource elements (as JSON) of tpl's statements that allow
// rds-db:connect as the database user user.
func connectGrants(tpl *Template, user string) []string {
	var connects []string
	for _, r := range tpl.Resources {
		if r.Type != "AWS::IAM::ManagedPolicy" && r.Type != "AWS::IAM::Policy" {
			continue
		}
		for _, st := range statements(r) {
			res := jsonOf(get(st, "Resource"))
			if slices.Equal(stringList(get(st, "Action")), []string{"rds-db:connect"}) && strings.Contains(res, ":dbuser:") && strings.Contains(res, "/"+user+`"`) {
				connects = append(connects, res)
			}
		}
	}
	return connects
}

// TestFixtureStagingAndProdRunTheSeedSizes pins the platform's default service size on the
// fixtures: 512 CPU units, 1024 MiB, scaling 2-20 (the defaults in docs/config.md).
func TestFixtureStagingAndProdRunTheSeedSizes(t *testing.T) {
	a := Fixtures(t)
	for _, name := range []string{"Staging-App-us-east-1", "Prod-App-us-east-1", "Prod-App-eu-west-1"} {
		tpl := a.Tier(t, name)
		_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
		require.Len(t, tasks, 3, name)
		for id, td := range tasks {
			assert.Equal(t, "512", str(td.Properties["Cpu"]), "%s/%s", name, id)
			assert.Equal(t, "1024", str(td.Properties["Memory"]), "%s/%s", name, id)
		}
		_, targets := tpl.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
		require.Len(t, targets, 3, name)
		for id, st := range targets {
			assert.Equal(t, []int{2, 20}, []int{num(st.Properties["MinCapacity"]), num(st.Properties["MaxCapacity"])}, "%s/%s", name, id)
		}
	}
}

// TestTheOtlpSecretIsReadUnderTheRegionsSecretsKey: with app.otlp, the adot collectors get the
// endpoint's credentials as an ECS secret, and the execution roles may read that secret and
// decrypt with the region's secrets key (from the Network stack) through Secrets Manager only,
// without the Network stack changing (its key policy gains no App role).
func TestTheOtlpSecretIsReadUnderTheRegionsSecretsKey(t *testing.T) {
	a := StagingWithOptions(t)
	env := a.Envs["staging"]
	assert.Equal(t, Fixtures(t).Template(t, "Staging-Network-us-east-1").Resources, a.Template(t, "Staging-Network-us-east-1").Resources,
		"the OTLP secret changed the Network stack")
	tpl := a.Tier(t, "Staging-App-us-east-1")
	reads, decrypts := 0, 0
	for _, r := range tpl.Resources {
		if r.Type != "AWS::IAM::ManagedPolicy" && r.Type != "AWS::IAM::Policy" {
			continue
		}
		for _, st := range statements(r) {
			actions, resources := stringList(get(st, "Action")), jsonOf(get(st, "Resource"))
			if slices.Contains(actions, "secretsmanager:GetSecretValue") && strings.Contains(resources, ":secret:stratus/staging/otlp-??????") {
				reads++
			}
			if slices.Equal(actions, []string{"kms:Decrypt"}) && strings.Contains(resources, "Fn::ImportValue") && strings.Contains(resources, "SecretsKey") &&
				strings.Contains(jsonOf(get(st, "Condition")), "secretsmanager.us-east-1.amazonaws.com") {
				decrypts++
			}
		}
	}
	assert.Equal(t, len(env.Services), reads, "policies reading the OTLP secret")
	assert.GreaterOrEqual(t, decrypts, len(env.Services), "policies decrypting with the imported secrets key via Secrets Manager")
	_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
	require.NotEmpty(t, tasks)
	for id, task := range tasks {
		js := jsonOf(task.Properties["ContainerDefinitions"])
		assert.Contains(t, js, `"OTLP_AUTH_HEADER"`, id)
		assert.Contains(t, js, ":secret:stratus/staging/otlp", id)
	}
}
