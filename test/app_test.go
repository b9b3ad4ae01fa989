package test

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stratus-platform/stratus/config"
)

// appStacks are the staging and prod App stacks, where the seed 003 sizes apply.
func appStacks(t *testing.T) []*Template {
	a := Shipped(t)
	var out []*Template
	for _, tpl := range a.stacksOf("App") {
		if !strings.HasPrefix(tpl.StackName, "Dev-") {
			out = append(out, tpl)
		}
	}
	if len(out) != 3 {
		t.Fatalf("staging and prod have %d App stacks, want 3", len(out))
	}
	return out
}

func TestEachRegionRunsTheThreeServicesWithTheSeedSizes(t *testing.T) {
	for _, tpl := range appStacks(t) {
		_, services := tpl.OfType("AWS::ECS::Service")
		_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
		if len(services) != 3 || len(tasks) != 3 {
			t.Fatalf("%s: %d services, %d task definitions, want 3", tpl.StackName, len(services), len(tasks))
		}
		for id, s := range services {
			p := s.Properties
			cb := get(p, "DeploymentConfiguration", "DeploymentCircuitBreaker")
			if get(cb, "Enable") != true || get(cb, "Rollback") != true {
				t.Errorf("%s/%s: circuit breaker %v", tpl.StackName, id, cb)
			}
			if num(get(p, "DeploymentConfiguration", "MinimumHealthyPercent")) != 100 || num(get(p, "DeploymentConfiguration", "MaximumPercent")) != 200 {
				t.Errorf("%s/%s: healthy percents %v", tpl.StackName, id, p["DeploymentConfiguration"])
			}
			if str(get(p, "NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp")) != "DISABLED" || p["ServiceRegistries"] == nil || p["HealthCheckGracePeriodSeconds"] == nil {
				t.Errorf("%s/%s: public IP %v, Cloud Map %v, grace %v", tpl.StackName, id,
					get(p, "NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp"), p["ServiceRegistries"], p["HealthCheckGracePeriodSeconds"])
			}
		}
		for id, td := range tasks {
			p := td.Properties
			if str(p["Cpu"]) != "512" || str(p["Memory"]) != "1024" || fmt.Sprint(p["RequiresCompatibilities"]) != "[FARGATE]" {
				t.Errorf("%s/%s: cpu %v memory %v", tpl.StackName, id, p["Cpu"], p["Memory"])
			}
			if ref(p["TaskRoleArn"]) == ref(p["ExecutionRoleArn"]) {
				t.Errorf("%s/%s: task and execution roles are the same", tpl.StackName, id)
			}
		}
		for name, c := range mainContainers(t, tpl) {
			app := c.def
			if num(get(firstOf(app["PortMappings"]), "ContainerPort")) != 8080 || app["ReadonlyRootFilesystem"] != true || str(app["User"]) == "" || str(app["User"]) == "root" {
				t.Errorf("%s/%s: container %s", tpl.StackName, name, compact(app))
			}
			if str(get(app, "LogConfiguration", "LogDriver")) != "awslogs" {
				t.Errorf("%s/%s: logs %v", tpl.StackName, name, app["LogConfiguration"])
			}
		}
	}
}

func firstOf(v any) any {
	if l, ok := v.([]any); ok && len(l) > 0 {
		return l[0]
	}
	return nil
}

func TestCredentialsAreEcsSecretsNeverEnvironment(t *testing.T) {
	for _, tpl := range appStacks(t) {
		containers := mainContainers(t, tpl)
		if len(containers) != len(tpl.Env.Services) {
			t.Fatalf("%s: %d service containers, want %d", tpl.StackName, len(containers), len(tpl.Env.Services))
		}
		for id, c := range containers {
			env, secrets := c.env, c.secrets
			for _, want := range []string{"DB_HOST", "REDIS_HOST"} {
				if !has(env, want) {
					t.Errorf("%s/%s: %s missing from the environment", tpl.StackName, id, want)
				}
			}
			if !has(secrets, "REDIS_AUTH") {
				t.Errorf("%s/%s: REDIS_AUTH is not an ECS secret", tpl.StackName, id)
			}
			// The primary region's writer takes the secret's user and password, a matching pair; a
			// Global Database secondary is read-only and reached with IAM authentication as the
			// service's own user.
			primary := tpl.Region == tpl.Env.PrimaryRegion
			if primary && (!has(secrets, "DB_USER") || !has(secrets, "DB_PASSWORD") || has(env, "DB_USER")) {
				t.Errorf("%s/%s: DB_USER and DB_PASSWORD are not both ECS secrets in the primary region", tpl.StackName, id)
			}
			if !primary && (has(secrets, "DB_USER") || has(secrets, "DB_PASSWORD") || !has(env, "DB_USER")) {
				t.Errorf("%s/%s: a secondary region's service gets password credentials", tpl.StackName, id)
			}
			if !has(env, "DB_IAM_USER") {
				t.Errorf("%s/%s: DB_IAM_USER missing from the environment", tpl.StackName, id)
			}
			for name := range env {
				if strings.Contains(name, "PASSWORD") || strings.Contains(name, "AUTH") || strings.Contains(name, "SECRET") {
					t.Errorf("%s/%s: credential %s in the plain environment", tpl.StackName, id, name)
				}
			}
		}
	}
}

func TestScalingFollowsTheSeed(t *testing.T) {
	for _, tpl := range appStacks(t) {
		_, targets := tpl.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
		_, policies := tpl.OfType("AWS::ApplicationAutoScaling::ScalingPolicy")
		if len(targets) != 3 || len(policies) != 9 {
			t.Fatalf("%s: %d scalable targets, %d policies, want 3 and 9", tpl.StackName, len(targets), len(policies))
		}
		for id, st := range targets {
			if num(st.Properties["MinCapacity"]) != 2 || num(st.Properties["MaxCapacity"]) != 20 {
				t.Errorf("%s/%s: capacity %v-%v", tpl.StackName, id, st.Properties["MinCapacity"], st.Properties["MaxCapacity"])
			}
		}
		metrics := map[string]int{}
		for _, p := range policies {
			c := get(p.Properties, "TargetTrackingScalingPolicyConfiguration")
			metric := str(get(c, "PredefinedMetricSpecification", "PredefinedMetricType"))
			metrics[metric]++
			if metric == "ECSServiceAverageCPUUtilization" && num(get(c, "TargetValue")) != 70 {
				t.Errorf("%s: CPU target %v, want 70", tpl.StackName, get(c, "TargetValue"))
			}
		}
		for _, m := range []string{"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization", "ALBRequestCountPerTarget"} {
			if metrics[m] != 3 {
				t.Errorf("%s: %d %s policies, want 3", tpl.StackName, metrics[m], m)
			}
		}
	}
}

// TestRolesAreLeastPrivilege: no statement of any IAM policy grants every action, and a
// statement on every resource holds only actions AWS offers no resource scoping for.
func TestRolesAreLeastPrivilege(t *testing.T) {
	unscopable := map[string]bool{
		"ecr:GetAuthorizationToken": true, "xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true,
		"xray:GetSamplingRules": true, "xray:GetSamplingTargets": true, "xray:GetSamplingStatisticSummaries": true,
	}
	for name, tpl := range everyTemplate(t) {
		for id, r := range tpl.Resources {
			if r.Type != "AWS::IAM::Policy" && r.Type != "AWS::IAM::ManagedPolicy" && r.Type != "AWS::IAM::Role" {
				continue
			}
			for _, st := range statements(r) {
				actions := stringList(get(st, "Action"))
				for _, a := range actions {
					if a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("%s/%s: statement grants %q", name, id, a)
					}
				}
				if get(st, "NotAction") != nil || get(st, "NotResource") != nil {
					t.Errorf("%s/%s: statement uses NotAction/NotResource: %s", name, id, compact(st))
				}
				if slices.Contains(stringList(get(st, "Resource")), "*") {
					for _, a := range actions {
						if !unscopable[a] {
							t.Errorf("%s/%s: %s on Resource \"*\"", name, id, a)
						}
					}
				}
			}
		}
	}
}

func statements(r Resource) []any {
	var out []any
	add := func(doc any) {
		list, _ := get(doc, "Statement").([]any)
		out = append(out, list...)
	}
	add(r.Properties["PolicyDocument"])
	if pols, ok := r.Properties["Policies"].([]any); ok {
		for _, p := range pols {
			add(get(p, "PolicyDocument"))
		}
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
				out = append(out, compact(i))
			}
		}
		return out
	}
	return nil
}

func TestTheAlbAnswersOnlyHttpsWithTheOriginSecret(t *testing.T) {
	for _, tpl := range appStacks(t) {
		env := tpl.Env
		_, listeners := tpl.OfType("AWS::ElasticLoadBalancingV2::Listener")
		_, rules := tpl.OfType("AWS::ElasticLoadBalancingV2::ListenerRule")
		_, lbs := tpl.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer")
		if len(lbs) != 1 || len(listeners) != 2 {
			t.Fatalf("%s: %d ALBs, %d listeners", tpl.StackName, len(lbs), len(listeners))
		}
		for _, lb := range lbs {
			attrs := map[string]string{}
			for _, at := range lb.Properties["LoadBalancerAttributes"].([]any) {
				attrs[str(get(at, "Key"))] = str(get(at, "Value"))
			}
			for k, v := range map[string]string{"deletion_protection.enabled": "true", "routing.http.drop_invalid_header_fields.enabled": "true",
				"access_logs.s3.enabled": "true", "routing.http.desync_mitigation_mode": "strictest"} {
				if attrs[k] != v {
					t.Errorf("%s: ALB %s = %q, want %q", tpl.StackName, k, attrs[k], v)
				}
			}
			if str(lb.Properties["Scheme"]) != "internet-facing" {
				t.Errorf("%s: scheme %v", tpl.StackName, lb.Properties["Scheme"])
			}
		}
		for id, l := range listeners {
			p := l.Properties
			action := firstOf(p["DefaultActions"])
			switch num(p["Port"]) {
			case 443:
				if !strings.HasPrefix(str(p["SslPolicy"]), "ELBSecurityPolicy-TLS13") || str(get(action, "FixedResponseConfig", "StatusCode")) != "403" {
					t.Errorf("%s/%s: HTTPS listener policy %v, default %s", tpl.StackName, id, p["SslPolicy"], compact(action))
				}
			case 80:
				if str(get(action, "Type")) != "redirect" || str(get(action, "RedirectConfig", "Protocol")) != "HTTPS" {
					t.Errorf("%s/%s: HTTP listener does more than redirect: %s", tpl.StackName, id, compact(action))
				}
			default:
				t.Errorf("%s/%s: unexpected listener port %v", tpl.StackName, id, p["Port"])
			}
		}
		var paths []string
		for id, r := range rules {
			conds := jsonOf(r.Properties["Conditions"])
			if num(r.Properties["Priority"]) == 1 { // the Route 53 health-check rule
				want := fmt.Sprintf(`[{"Field":"host-header","HostHeaderConfig":{"Values":["%s.origin.%s"]}},{"Field":"path-pattern","PathPatternConfig":{"Values":["%s"]}}]`,
					tpl.Region, env.DNS.Domain, env.Services[0].HealthCheckPath)
				if compact(r.Properties["Conditions"]) != want {
					t.Errorf("%s/%s: header-less rule %s, want exactly the regional host and the health path %s", tpl.StackName, id, compact(r.Properties["Conditions"]), want)
				}
				continue
			}
			if !strings.Contains(conds, `"X-Origin-Verify"`) || !strings.Contains(conds, "{{resolve:secretsmanager:stratus/"+env.Name+"/origin-verify:SecretString:::}}") {
				t.Errorf("%s/%s: rule without the origin secret header: %s", tpl.StackName, id, conds)
			}
			for _, c := range r.Properties["Conditions"].([]any) {
				if str(get(c, "Field")) == "path-pattern" {
					paths = append(paths, stringList(get(c, "PathPatternConfig", "Values"))...)
				}
			}
		}
		sort.Strings(paths)
		if fmt.Sprint(paths) != "[/api/order/* /api/product/* /api/user/*]" {
			t.Errorf("%s: service paths %v", tpl.StackName, paths)
		}
		_, groups := tpl.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
		for id, g := range groups {
			if str(g.Properties["TargetType"]) != "ip" || str(g.Properties["HealthCheckPath"]) != "/health" {
				t.Errorf("%s/%s: target group %v %v", tpl.StackName, id, g.Properties["TargetType"], g.Properties["HealthCheckPath"])
			}
		}
	}
}

// TestImagesComeFromScannedImmutableEncryptedRepositories: each region's Registry stack holds
// the repositories, deploys before the App stack that pulls from them (so images can be pushed
// first), and the primary's replication deploys after the repositories it replicates into.
func TestImagesComeFromScannedImmutableEncryptedRepositories(t *testing.T) {
	a := Shipped(t)
	for _, app := range a.stacksOf("App") {
		registry := strings.Replace(app.StackName, "-App-", "-Registry-", 1)
		if !slices.Contains(app.DependsOn, registry) || !strings.Contains(jsonOf(app.Resources), `"Fn::ImportValue":"`+registry+":") {
			t.Errorf("%s does not pull from %s (depends on %v)", app.StackName, registry, app.DependsOn)
		}
		if ids, _ := app.OfType("AWS::ECR::Repository"); len(ids) != 0 {
			t.Errorf("%s: repositories %v belong in the Registry stack", app.StackName, ids)
		}
	}
	if deps := a.Template(t, "Prod-Registry-us-east-1").DependsOn; !slices.Contains(deps, "Prod-Registry-eu-west-1") {
		t.Errorf("the primary's replication deploys before the repositories it replicates into (depends on %v)", deps)
	}
	for _, tpl := range a.stacksOf("Registry") {
		_, repos := tpl.OfType("AWS::ECR::Repository")
		if len(repos) != 3 {
			t.Errorf("%s: %d repositories, want one per service", tpl.StackName, len(repos))
		}
		for id, r := range repos {
			p := r.Properties
			if get(p, "ImageScanningConfiguration", "ScanOnPush") != true || str(p["ImageTagMutability"]) != "IMMUTABLE" ||
				str(get(p, "EncryptionConfiguration", "EncryptionType")) != "KMS" || p["LifecyclePolicy"] == nil {
				t.Errorf("%s/%s: repository %s", tpl.StackName, id, compact(p))
			}
		}
	}
	primary := a.Template(t, "Prod-Registry-us-east-1")
	_, replication := primary.OfType("AWS::ECR::ReplicationConfiguration")
	if len(replication) != 1 || !strings.Contains(jsonOf(replication), `"eu-west-1"`) || !strings.Contains(jsonOf(replication), `"prod/"`) {
		t.Errorf("prod primary replication = %s", jsonOf(replication))
	}
	if _, r := a.Template(t, "Prod-Registry-eu-west-1").OfType("AWS::ECR::ReplicationConfiguration"); len(r) != 0 {
		t.Error("the secondary region must not configure replication")
	}
}

func TestClustersHaveContainerInsightsAndANamespace(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("App") {
		env := tpl.Env
		_, clusters := tpl.OfType("AWS::ECS::Cluster")
		_, namespaces := tpl.OfType("AWS::ServiceDiscovery::PrivateDnsNamespace")
		if len(clusters) != 1 || len(namespaces) != 1 {
			t.Fatalf("%s: %d clusters, %d namespaces", tpl.StackName, len(clusters), len(namespaces))
		}
		for _, c := range clusters {
			if !strings.Contains(jsonOf(c.Properties["ClusterSettings"]), `"enhanced"`) {
				t.Errorf("%s: cluster settings %s", tpl.StackName, jsonOf(c.Properties["ClusterSettings"]))
			}
		}
		for _, n := range namespaces {
			if str(n.Properties["Name"]) != env.App.Namespace {
				t.Errorf("%s: namespace %v, want %s", tpl.StackName, n.Properties["Name"], env.App.Namespace)
			}
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
	if !reflect.DeepEqual(a.Template(t, "Staging-Network-us-east-1").Resources, Shipped(t).Template(t, "Staging-Network-us-east-1").Resources) {
		t.Error("the OTLP secret changed the Network stack")
	}
	tpl := a.Template(t, "Staging-App-us-east-1")
	reads, decrypts := 0, 0
	for _, r := range tpl.Resources {
		if r.Type != "AWS::IAM::ManagedPolicy" && r.Type != "AWS::IAM::Policy" {
			continue
		}
		for _, st := range statements(r) {
			actions, resources := fmt.Sprint(stringList(get(st, "Action"))), jsonOf(get(st, "Resource"))
			if strings.Contains(actions, "secretsmanager:GetSecretValue") && strings.Contains(resources, ":secret:stratus/staging/otlp-??????") {
				reads++
			}
			if actions == "[kms:Decrypt]" && strings.Contains(resources, "Fn::ImportValue") && strings.Contains(resources, "SecretsKey") &&
				strings.Contains(jsonOf(get(st, "Condition")), "secretsmanager.us-east-1.amazonaws.com") {
				decrypts++
			}
		}
	}
	if reads != len(env.Services) || decrypts < len(env.Services) {
		t.Errorf("%d policies read the OTLP secret and %d decrypt with the imported secrets key via Secrets Manager, want %d each", reads, decrypts, len(env.Services))
	}
	_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
	for id, task := range tasks {
		if js := jsonOf(task.Properties["ContainerDefinitions"]); !strings.Contains(js, `"OTLP_AUTH_HEADER"`) || !strings.Contains(js, ":secret:stratus/staging/otlp") {
			t.Errorf("%s: the collector does not get the OTLP secret: %s", id, js)
		}
	}
}

// TestEachServiceReachesOnlyItsOwnDatabase: in every App stack, a service's DB_HOST, its
// credentials and its rds-db:connect grant all name the database it owns (or the one it
// shares), in its own region.
func TestEachServiceReachesOnlyItsOwnDatabase(t *testing.T) {
	for _, a := range []*Assembly{Shipped(t), SeedVariants(t)} {
		for _, tpl := range a.stacksOf("App") {
			env := tpl.Env
			data := strings.Replace(tpl.StackName, "-App-", "-Data-", 1)
			containers := mainContainers(t, tpl)
			for _, s := range env.Services {
				if s.Database == config.EngineNone {
					continue
				}
				owner := s.Name
				if s.ShareDatabaseWith != "" {
					owner = s.ShareDatabaseWith
				}
				// The Data stack's logical ids start with the owner's PascalCase name (…Database…).
				db := `"Fn::ImportValue":"` + data + ":ExportsOutput"
				prefix := strings.ToUpper(owner[:1]) + owner[1:] + "Database"
				c := containers[s.Name]
				host, user := jsonOf(c.env["DB_HOST"]), jsonOf(c.secrets["DB_PASSWORD"])+jsonOf(c.env["DB_USER"])
				if !strings.Contains(host, db) || !strings.Contains(host, prefix) {
					t.Errorf("%s: %s's DB_HOST %s is not %s's database in %s", tpl.StackName, s.Name, host, owner, data)
				}
				if c.secrets["DB_PASSWORD"] != nil && !strings.Contains(user, prefix) {
					t.Errorf("%s: %s's DB_PASSWORD %s is not %s's secret", tpl.StackName, s.Name, user, owner)
				}
				// User and password are one pair: the same secret's username and password fields.
				if pw := jsonOf(c.secrets["DB_PASSWORD"]); pw != "null" &&
					strings.Replace(jsonOf(c.secrets["DB_USER"]), ":username::", ":password::", 1) != pw {
					t.Errorf("%s: %s's DB_USER %s and DB_PASSWORD %s are not one secret's pair", tpl.StackName, s.Name, jsonOf(c.secrets["DB_USER"]), pw)
				}
				connects := 0
				for _, r := range tpl.Resources {
					if r.Type != "AWS::IAM::ManagedPolicy" && r.Type != "AWS::IAM::Policy" {
						continue
					}
					for _, st := range statements(r) {
						if fmt.Sprint(stringList(get(st, "Action"))) != "[rds-db:connect]" {
							continue
						}
						res := jsonOf(get(st, "Resource"))
						if strings.Contains(res, ":dbuser:") && strings.Contains(res, "/"+s.Name+`"`) {
							connects++
							if !strings.Contains(res, db) || !strings.Contains(res, prefix) {
								t.Errorf("%s: %s may connect to %s, not %s's database", tpl.StackName, s.Name, res, owner)
							}
						}
					}
				}
				if connects != 1 {
					t.Errorf("%s: %d rds-db:connect grants for %s, want 1", tpl.StackName, connects, s.Name)
				}
			}
		}
	}
}
