package test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/stacks"
)

// alarm is one CloudWatch alarm or composite alarm of an assembly.
type alarm struct {
	stack, id string
	composite bool
	props     map[string]any
}

func (a alarm) name() string { return fmt.Sprint(a.props["AlarmName"]) }

// alarmsOf lists the alarms of env's stacks in a, by alarm name.
func alarmsOf(t *testing.T, a *Assembly, env string) map[string]alarm {
	out := map[string]alarm{}
	for _, name := range a.StackNames() {
		tpl := a.Templates[name]
		if tpl.Env.Name != env {
			continue
		}
		for id, r := range tpl.Resources {
			if r.Type == "AWS::CloudWatch::Alarm" || r.Type == "AWS::CloudWatch::CompositeAlarm" {
				al := alarm{stack: name, id: id, composite: r.Type == "AWS::CloudWatch::CompositeAlarm", props: r.Properties}
				require.NotContains(t, out, al.name(), "alarm names are unique per account and region")
				out[al.name()] = al
			}
		}
	}
	return out
}

// notifies reports whether the alarm sends both ALARM and OK to its region's topic (an import of
// the Network stack's AlarmTopic, the Edge stack's own, or, from the Governance stack, which
// depends on no stack, the topic's ARN: stratus-<env>-<region>-alarms).
func (a alarm) notifies() bool {
	actions, ok := jsonOf(a.props["AlarmActions"]), jsonOf(a.props["OKActions"])
	return actions == ok && (strings.Contains(actions, "AlarmTopic") || alarmTopicArnRE.MatchString(actions))
}

// alarmTopicArnRE is an alarm's actions naming a region's alarm topic by its ARN.
var alarmTopicArnRE = regexp.MustCompile(`^\["arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:stratus-[a-z0-9-]+-alarms"\]$`)

// TestEveryProdServiceHasItsAlarmsWiredToTheTopic: each prod service, in every region, has every
// service-tier alarm of the catalog, its "service unhealthy" composite and its two SLOs' burn
// alarms, each sending ALARM and OK to the region's topic; every tier's alarms exist and notify.
func TestEveryProdServiceHasItsAlarmsWiredToTheTopic(t *testing.T) {
	a := Fixtures(t)
	env := a.Envs["prod"]
	all := alarmsOf(t, a, "prod")
	for _, r := range env.Regions {
		want := []string{stacks.AlarmPrefix(env, r.Name) + "-" + limits.RegionUnhealthy.Name}
		for _, tier := range limits.Alarms {
			switch tier.Tier {
			case "loadBalancer", "network", "cache":
				if tier.Name != "cacheReplicationLag" || env.Cache.Replicas > 0 {
					want = append(want, stacks.AlarmPrefix(env, r.Name)+"-"+tier.Name)
				}
			}
		}
		for _, s := range env.Services {
			p := stacks.AlarmPrefix(env, r.Name, s.Name)
			want = append(want, p+"-"+limits.ServiceUnhealthy.Name)
			for _, slo := range []string{"availability", "latency"} {
				want = append(want, p+"-"+slo+"-fastBurn", p+"-"+slo+"-slowBurn")
			}
			for _, tier := range limits.Alarms {
				if tier.Tier == "service" {
					want = append(want, p+"-"+tier.Name)
				}
			}
			if s.OwnsDatabase() {
				want = append(want, p+"-databaseCpu", p+"-databaseFreeableMemory", p+"-databaseConnections", p+"-databaseDeadlocks", p+"-databaseReplicaLag")
				// Every member: which cluster is a secondary changes with a switchover.
				want = append(want, p+"-globalDatabaseLag")
			}
		}
		for _, name := range want {
			al, ok := all[name]
			if assert.True(t, ok, "missing alarm %s", name) {
				assert.True(t, al.notifies(), "%s (%s) does not send ALARM and OK to the topic", name, al.stack)
				assert.Contains(t, al.stack, r.Name, name)
			}
		}
	}
	for _, name := range []string{"cloudFront5xxRate", "originLatency", "wafBlockedSpike"} {
		al, ok := all[stacks.AlarmPrefix(env, "edge")+"-"+name]
		if assert.True(t, ok, name) {
			assert.True(t, al.notifies(), name)
			assert.Equal(t, "Prod-Edge-us-east-1", al.stack)
		}
	}
	hc, ok := all[stacks.AlarmPrefix(env, config.EdgeRegion)+"-healthCheckFailed"]
	if assert.True(t, ok) {
		assert.True(t, hc.notifies())
	}
	// Every alarm with actions notifies both transitions; only burn-rate windows have none.
	for name, al := range all {
		if al.props["AlarmActions"] == nil {
			assert.Regexp(t, `-burn-(1h|5m|6h|30m)$`, name, "an alarm without actions that is not a burn-rate window")
			continue
		}
		assert.True(t, al.notifies(), name)
	}
}

// TestProdServiceAlarmsWatchBothTargetGroups: a canary release leaves a service's tasks behind
// its alternate target group, so every window of its SLOs and its unhealthyTargets alarm read
// that group too (its name from the deployment wiring), not the primary alone.
func TestProdServiceAlarmsWatchBothTargetGroups(t *testing.T) {
	a := Fixtures(t)
	alternate := `{"Fn::Select":[5,{"Fn::Split":[":",{"Fn::Select":[0,{"Fn::Split":["|",{"Ref":"DeploymentWiring"}]}]}]}]}`
	checked := 0
	for name, al := range alarmsOf(t, a, "prod") {
		if !regexp.MustCompile(`-(availability|latency)-burn-(1h|5m|6h|30m)$|-unhealthyTargets$`).MatchString(name) {
			continue
		}
		checked++
		metrics := jsonOf(al.props["Metrics"])
		assert.Contains(t, metrics, alternate, "%s reads the alternate group", name)
		assert.Contains(t, metrics, "TargetGroupFullName", "%s reads the primary group", name)
	}
	env := a.Envs["prod"]
	assert.Equal(t, len(env.Regions)*len(env.Services)*(2*4+1), checked, "every SLO window and unhealthyTargets alarm of prod")
}

// TestAuroraAlarmsWatchTheBusiestInstance: with only DBClusterIdentifier, AWS/RDS aggregates a
// cluster's instances; an average would halve a saturated writer beside an idle reader.
func TestAuroraAlarmsWatchTheBusiestInstance(t *testing.T) {
	a := Fixtures(t)
	checked := 0
	for name, al := range alarmsOf(t, a, "prod") {
		if !strings.HasSuffix(name, "-databaseCpu") && !strings.HasSuffix(name, "-databaseDeadlocks") {
			continue
		}
		checked++
		assert.Contains(t, jsonOf(al.props["Dimensions"]), "DBClusterIdentifier", name)
		assert.Equal(t, "Maximum", al.props["Statistic"], name)
	}
	assert.NotZero(t, checked, "no database alarms")
}

// TestCacheAlarmsWatchEveryNode: a Multi-AZ failover moves the primary role to another node, so
// each cache alarm reads every node of the replication group (<group>-001 …), not one.
func TestCacheAlarmsWatchEveryNode(t *testing.T) {
	a := Fixtures(t)
	env := a.Envs["prod"]
	require.Positive(t, env.Cache.Replicas, "prod's cache has replicas")
	checked := 0
	for name, al := range alarmsOf(t, a, "prod") {
		if !regexp.MustCompile(`-cache(Cpu|Memory|Evictions|ReplicationLag)$`).MatchString(name) {
			continue
		}
		checked++
		metrics := jsonOf(al.props["Metrics"])
		for n := 1; n <= 1+env.Cache.Replicas; n++ {
			assert.Contains(t, metrics, fmt.Sprintf(`"-%03d"`, n), "%s reads node %d", name, n)
		}
	}
	assert.Equal(t, 4*len(env.Regions), checked, "the cache alarms of every region")
}

// TestEveryTopicIsKMSEncryptedAndTLSOnly: one topic per environment and region plus one for the
// edge, each encrypted with a customer-managed key and denying non-TLS requests.
func TestEveryTopicIsKMSEncryptedAndTLSOnly(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			var names []string
			for _, r := range env.Regions {
				names = append(names, stacks.TopicName(env, r.Name))
			}
			names = append(names, stacks.TopicName(env, "edge"))
			var found []string
			for _, name := range a.StackNames() {
				tpl := a.Templates[name]
				if tpl.Env.Name != env.Name {
					continue
				}
				_, topics := tpl.OfType("AWS::SNS::Topic")
				for id, topic := range topics {
					found = append(found, fmt.Sprint(topic.Properties["TopicName"]))
					key := get(topic.Properties, "KmsMasterKeyId", "Fn::GetAtt")
					if assert.NotNil(t, key, "%s/%s is not encrypted with a key of the stack", name, id) {
						assert.Equal(t, "AWS::KMS::Key", tpl.Resources[fmt.Sprint(key.([]any)[0])].Type, "%s/%s", name, id)
					}
				}
				_, policies := tpl.OfType("AWS::SNS::TopicPolicy")
				for id, p := range policies {
					assert.Contains(t, jsonOf(p.Properties), `"aws:SecureTransport":"false"`, "%s/%s", name, id)
				}
				assert.Len(t, policies, len(topics), name)
			}
			// Every alarm topic exists; any other topic (config's topics[], a tier's scaling events)
			// was held to the same encryption and policy above.
			assert.Subset(t, found, names, "%s: %s", a.Name, env.Name)
		}
	}
}

// TestEveryFunctionLogsToARetainedEncryptedGroupOfItsStack: no Lambda function, aws-cdk-lib's
// own included, is left to the log group Lambda creates on a first run (AWS-owned key, kept
// forever, outside every template); each names a group of its stack with a customer key, a
// retention and DeletionPolicy Retain.
func TestEveryFunctionLogsToARetainedEncryptedGroupOfItsStack(t *testing.T) {
	functions := eachResource(t, "AWS::Lambda::Function", func(tpl *Template, id string, fn Resource) {
		name := tpl.StackName
		group, ok := tpl.Resources[ref(get(fn.Properties, "LoggingConfig", "LogGroup"))]
		if !assert.True(t, ok && group.Type == "AWS::Logs::LogGroup", "%s/%s logs to %v, not a log group of its stack",
			name, id, get(fn.Properties, "LoggingConfig")) {
			return
		}
		assert.NotNil(t, group.Properties["KmsKeyId"], "%s/%s: its log group has no customer key", name, id)
		assert.NotNil(t, group.Properties["RetentionInDays"], "%s/%s: its log group keeps records forever", name, id)
		assert.Equal(t, "Retain", group.DeletionPolicy, "%s/%s: its log group", name, id)
	})
	assert.NotZero(t, functions, "no function to check")
}

// TestBurnRateAlarmsUseBothWindows: every burn composite is the AND of a long and a short window
// alarm, 1 h and 5 min at 14.4 times the budget (fast, pages) or 6 h and 30 min at 6 times
// (slow, tickets), evaluated by metric math.
func TestBurnRateAlarmsUseBothWindows(t *testing.T) {
	a := Fixtures(t)
	for _, env := range []string{"dev", "prod"} {
		all := alarmsOf(t, a, env)
		burns := 0
		for name, c := range all {
			kind := ""
			switch {
			case strings.HasSuffix(name, "-fastBurn"):
				kind = "fast"
			case strings.HasSuffix(name, "-slowBurn"):
				kind = "slow"
			default:
				continue
			}
			burns++
			require.True(t, c.composite, name)
			base := strings.TrimSuffix(strings.TrimSuffix(name, "-fastBurn"), "-slowBurn") + "-burn-"
			windows := map[string][]string{"fast": {"1h", "5m"}, "slow": {"6h", "30m"}}[kind]
			periods := map[string]float64{"1h": 3600, "5m": 300, "6h": 21600, "30m": 1800}
			factor := map[string]float64{"fast": limits.FastBurnFactor, "slow": limits.SlowBurnFactor}[kind]
			rule := jsonOf(c.props["AlarmRule"])
			assert.Contains(t, rule, ") AND ALARM(", name)
			for _, w := range windows {
				win, ok := all[base+w]
				if !assert.True(t, ok, "%s: no %s window", name, w) {
					continue
				}
				assert.Contains(t, rule, win.id, "%s: the rule does not name its %s window", name, w)
				metrics := jsonOf(win.props["Metrics"])
				assert.Contains(t, metrics, `"Expression"`, "%s: metric math", name)
				assert.Contains(t, metrics, fmt.Sprintf(`"Period":%g`, periods[w]), "%s %s", name, w)
				objective := a.Envs[env].Observability.SLO.Availability
				if strings.Contains(name, "-latency-") {
					objective = a.Envs[env].Observability.SLO.Latency
				}
				assert.InDelta(t, factor*(1-objective/100), win.props["Threshold"], 1e-9, "%s %s", name, w)
			}
			severity := map[string]string{"fast": "[page]", "slow": "[ticket]"}[kind]
			assert.True(t, strings.HasPrefix(fmt.Sprint(c.props["AlarmDescription"]), severity), "%s: %v", name, c.props["AlarmDescription"])
		}
		assert.Equal(t, 4*len(a.Envs[env].Services)*len(a.Envs[env].Regions), burns, "%s: two SLOs × two burn alarms per service and region", env)
	}
}

// TestNoDevAlarmPagesOnMissingData: an idle dev environment sends no data, so no alarm of dev
// may treat missing data as breaching (or leave it at CloudFormation's default, missing).
func TestNoDevAlarmPagesOnMissingData(t *testing.T) {
	all := alarmsOf(t, Fixtures(t), "dev")
	require.NotEmpty(t, all)
	for name, al := range all {
		if al.composite {
			continue // a composite has no data of its own: it follows its members
		}
		assert.Contains(t, []any{limits.MissingNotBreaching, limits.MissingIgnore}, al.props["TreatMissingData"], name)
	}
}

// TestDashboardsPerRegionAndGlobal: each environment has one dashboard per region (in its App
// stack) and one global (Edge stack); every metric dimension is a reference to a resource of the
// app or a fixed name the app sets, and every alarm a dashboard shows exists in the app.
func TestDashboardsPerRegionAndGlobal(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			all := alarmsOf(t, a, env.Name)
			want := map[string]string{stacks.DashboardName(env, "global"): stackName(env, "Edge", config.EdgeRegion)}
			for _, r := range env.Regions {
				want[stacks.DashboardName(env, r.Name)] = stackName(env, "App", r.Name)
			}
			got := map[string]string{}
			for _, name := range a.StackNames() {
				tpl := a.Templates[name]
				if tpl.Env.Name != env.Name {
					continue
				}
				_, dashboards := tpl.OfType("AWS::CloudWatch::Dashboard")
				for _, d := range dashboards {
					dn := fmt.Sprint(d.Properties["DashboardName"])
					got[dn] = name
					checkDashboard(t, tpl, a.StackNames(), dn, d.Properties["DashboardBody"], all)
				}
			}
			assert.Equal(t, want, got, "%s: %s", a.Name, env.Name)
		}
	}
}

// TestTheRegionDashboardReadsBothTargetGroups: after a blue/green, canary or linear release a
// service's tasks may stay behind its alternate group, so every line of its dashboard row that
// reads the primary group reads the alternate too (requests, 5xx, latency, targets, budgets).
func TestTheRegionDashboardReadsBothTargetGroups(t *testing.T) {
	a := Fixtures(t)
	alternates := 0
	for _, tpl := range a.stacksOf("App") {
		_, dashboards := tpl.OfType("AWS::CloudWatch::Dashboard")
		require.Len(t, dashboards, 1, tpl.StackName)
		var body string
		for _, d := range dashboards {
			body = expanded(d.Properties["DashboardBody"]) // each token written where it is used
		}
		reads := func(group string) int {
			return strings.Count(body, `{"Fn::GetAtt":["`+group+`","TargetGroupFullName"]}`)
		}
		groups, _ := tpl.OfType("AWS::ElasticLoadBalancingV2::TargetGroup")
		for _, id := range groups {
			before, after, found := strings.Cut(id, "AlternateTargetGroup")
			if !found {
				continue
			}
			alternates++
			primary := ""
			for _, other := range groups {
				if strings.HasPrefix(other, before+"TargetGroup") && len(other) == len(before+"TargetGroup")+len(after) {
					primary = other
				}
			}
			require.NotEmpty(t, primary, "%s: the primary group of %s", tpl.StackName, id)
			assert.Positive(t, reads(primary), "%s: the dashboard reads %s", tpl.StackName, primary)
			assert.Equal(t, reads(primary), reads(id), "%s: the dashboard reads %s wherever it reads %s", tpl.StackName, id, primary)
		}
	}
	assert.Positive(t, alternates, "the fixtures have services with an alternate group")
}

// TestTheRegionDashboardFindsTheNatGatewaysBySearch: the NAT rows graph every gateway of the
// region by SEARCH, not by the Network stack's ids: an import would lock those exports, and
// switching network.natGateways from per-az to single would fail the Network stack's update.
func TestTheRegionDashboardFindsTheNatGatewaysBySearch(t *testing.T) {
	a := Fixtures(t)
	for _, tpl := range a.stacksOf("App") {
		_, dashboards := tpl.OfType("AWS::CloudWatch::Dashboard")
		require.Len(t, dashboards, 1, tpl.StackName)
		for _, d := range dashboards {
			body := jsonOf(d.Properties["DashboardBody"])
			for _, metric := range []string{"ErrorPortAllocation", "PacketsDropCount"} {
				assert.Contains(t, body, `SEARCH('{AWS/NATGateway,NatGatewayId} MetricName=\\\"`+metric+`\\\"', 'Sum', 60)`, "%s: %s by SEARCH", tpl.StackName, metric)
			}
			assert.NotRegexp(t, `"Fn::ImportValue":"[^"]*NATGateway`, body, "%s: the dashboard imports a NAT gateway id", tpl.StackName)
		}
	}
}

// TestTheRegionDashboardGraphsWhatTheServicesRunOn: besides the target groups' traffic, each
// region's dashboard graphs every ECS service's CPU and memory, every database instance's CPU,
// connections and memory (and, with a Global Database across regions, its replication lag), and
// every cache node's engine CPU, memory and evictions: by SEARCH, so it names no other stack's
// resource (an import would lock the export).
func TestTheRegionDashboardGraphsWhatTheServicesRunOn(t *testing.T) {
	checked := 0
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, tpl := range a.stacksOf("App") {
			env := tpl.Env
			_, dashboards := tpl.OfType("AWS::CloudWatch::Dashboard")
			require.Len(t, dashboards, 1, tpl.StackName)
			for _, d := range dashboards {
				checked++
				body := jsonOf(d.Properties["DashboardBody"])
				want := map[string]bool{
					`{AWS/ECS,ClusterName,ServiceName} MetricName="CPUUtilization"', 'Average', 60)`:               len(env.Services) > 0,
					`{AWS/ECS,ClusterName,ServiceName} MetricName="MemoryUtilization"', 'Average', 60)`:            len(env.Services) > 0,
					`{AWS/RDS,DBInstanceIdentifier} MetricName="CPUUtilization"', 'Maximum', 60)`:                  slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) || env.TierDatabase(),
					`{AWS/RDS,DBInstanceIdentifier} MetricName="DatabaseConnections"', 'Maximum', 60)`:             slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) || env.TierDatabase(),
					`{AWS/RDS,DBInstanceIdentifier} MetricName="FreeableMemory"', 'Minimum', 60)`:                  slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) || env.TierDatabase(),
					`{AWS/RDS,DBClusterIdentifier} MetricName="AuroraGlobalDBReplicationLag"`:                      env.GlobalDatabaseAcrossRegions() && slices.ContainsFunc(env.Services, config.Service.OwnsDatabase),
					`{AWS/ElastiCache,CacheClusterId} MetricName="EngineCPUUtilization"', 'Average', 60)`:          true,
					`{AWS/ElastiCache,CacheClusterId} MetricName="DatabaseMemoryUsagePercentage"', 'Maximum', 60)`: true,
					`{AWS/ElastiCache,CacheClusterId} MetricName="Evictions"', 'Sum', 60)`:                         true,
				}
				for expr, present := range want {
					// The body is JSON inside the template's JSON: its quotes come escaped twice.
					escaped := strings.ReplaceAll(expr, `"`, `\\\"`)
					assert.Equal(t, present, strings.Contains(body, "SEARCH('"+escaped), "%s: %s", tpl.StackName, expr)
				}
				assert.NotContains(t, body, "Fn::ImportValue", "%s: the dashboard imports another stack's value", tpl.StackName)
			}
		}
	}
	assert.NotZero(t, checked)
}

// TestTheRegionDashboardShowsEveryDatabaseAndCacheAlarm: the "Database and cache" alarm widget of
// a region's dashboard names every database and cache alarm of the region, a service's database
// or the EC2 app tier's (runbooks/database-failover.md sends on-call there first).
func TestTheRegionDashboardShowsEveryDatabaseAndCacheAlarm(t *testing.T) {
	dataAlarm := regexp.MustCompile(`-(databaseCpu|databaseConnections|databaseFreeableMemory|globalDatabaseLag|cacheCpu|cacheMemory)$`)
	checked := map[string]int{}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		alarmsByEnv := map[string]map[string]alarm{}
		for _, env := range a.Envs {
			alarmsByEnv[env.Name] = alarmsOf(t, a, env.Name)
		}
		for _, tpl := range a.stacksOf("App") {
			_, dashboards := tpl.OfType("AWS::CloudWatch::Dashboard")
			require.Len(t, dashboards, 1, tpl.StackName)
			shown := map[string]bool{}
			for _, d := range dashboards {
				for _, m := range alarmArnRE.FindAllStringSubmatch(jsonOf(d.Properties["DashboardBody"]), -1) {
					shown[m[1]] = true
				}
			}
			for name, al := range alarmsByEnv[tpl.Env.Name] {
				if a.Templates[al.stack].Region == tpl.Region && dataAlarm.MatchString(name) {
					checked[tpl.Env.Name]++
					assert.True(t, shown[name], "%s: the dashboard does not show %s", tpl.StackName, name)
				}
			}
		}
	}
	assert.NotZero(t, checked["seed-003"], "the EC2 tiers' seed has database alarms to show: %v", checked)
	assert.NotZero(t, checked["prod"], "%v", checked)
}

// fixedDimensions are the dimension values the app sets by name: the web ACL's metric name, the
// "all rules" and CloudFront's global region.
var fixedDimensions = []string{"EdgeWebAcl", "ALL", "Global"}

// apiRouteRE is an HTTP API route key (from a service's pathPattern or its health path), the
// Route dimension of API mode's per-service metrics; their Stage is "$default".
var apiRouteRE = regexp.MustCompile(`^(\$default|(ANY|GET) /[^"]*)$`)

var (
	alarmArnRE = regexp.MustCompile(`:alarm:([A-Za-z0-9._-]+)`)
	// metricRE is a dashboard metric: ["namespace","name","dimension","value",…
	metricRE = regexp.MustCompile(`\["(AWS/[A-Za-z0-9/]+|ECS/ContainerInsights)","[A-Za-z0-9_]+",((?:"[^"]*",?)+)`)
)

func checkDashboard(t *testing.T, tpl *Template, stacksOfApp []string, name string, body any, all map[string]alarm) {
	parts := pieces(body)
	require.Greater(t, len(parts), 1, "%s: the body holds tokens (an Fn::Sub or an Fn::Join)", name)
	literal := ""
	for i, p := range parts {
		s, isString := p.(string)
		if isString {
			literal += s
			continue
		}
		// A token: references to resources of this stack, imports from stacks of the app, or
		// pseudo parameters, however CloudFormation functions combine them.
		refs := 0
		walkRefs(p, func(kind, target string) {
			refs++
			switch kind {
			case "Ref":
				if !strings.HasPrefix(target, "AWS::") {
					assert.Contains(t, tpl.Resources, target, "%s: piece %d refers to a resource not in the stack", name, i)
				}
			case "Fn::GetAtt":
				assert.Contains(t, tpl.Resources, target, "%s: piece %d", name, i)
			case "Fn::ImportValue":
				stack, _, _ := strings.Cut(target, ":")
				assert.Contains(t, stacksOfApp, stack, "%s: piece %d imports from outside the app", name, i)
			}
		})
		assert.Positive(t, refs, "%s: piece %d is a token without a reference: %s", name, i, jsonOf(p))
		literal += "<token>"
	}
	shown := alarmArnRE.FindAllStringSubmatch(literal, -1)
	assert.NotEmpty(t, shown, "%s shows no alarm", name)
	for _, m := range shown {
		assert.Contains(t, all, m[1], "%s shows an alarm the app does not create", name)
	}
	// Literal dimension values must be a token or a fixed name; "[ns, metric, dim, value, …]".
	metrics := metricRE.FindAllStringSubmatch(literal, -1)
	assert.Greater(t, len(metrics), 3, "%s: too few metrics found", name)
	for _, m := range metrics {
		dims := strings.Split(strings.TrimSuffix(m[2], ","), ",")
		for j := 1; j < len(dims); j += 2 {
			v := strings.Trim(dims[j], `"`)
			apiRoute := m[1] == "AWS/ApiGateway" && (dims[j-1] == `"Stage"` && v == "$default" || dims[j-1] == `"Route"` && apiRouteRE.MatchString(v))
			assert.True(t, strings.Contains(v, "<token>") || slices.Contains(fixedDimensions, v) || apiRoute, "%s: %s dimension %s = %q is neither a resource of the app nor a fixed name", name, m[1], dims[j-1], v)
		}
	}
}

// ruleMessages lists, by "stack/rule", the input template of every EventBridge rule target of
// env that notifies an alarm topic (named by its ARN: stratus-<env>-<region>-alarms).
func ruleMessages(a *Assembly, env *config.Environment) map[string]string {
	out := map[string]string{}
	for _, tpl := range envTemplates(a, env) {
		for id, r := range tpl.Resources {
			if r.Type != "AWS::Events::Rule" {
				continue
			}
			targets, _ := r.Properties["Targets"].([]any)
			for _, target := range targets {
				target, _ := target.(map[string]any)
				if arn := jsonOf(target["Arn"]); !strings.Contains(arn, ":sns:") || !strings.Contains(arn, "-alarms") {
					continue
				}
				transform, _ := target["InputTransformer"].(map[string]any)
				out[tpl.StackName+"/"+id] = fmt.Sprint(transform["InputTemplate"])
			}
		}
	}
	return out
}

// TestRunbooks: every alarm that notifies, and every EventBridge rule that messages the alarm
// topic, names a runbook that exists in runbooks/, every runbook is named by one of them, and
// every runbook has the five sections, a command and a dashboard to open.
func TestRunbooks(t *testing.T) {
	dir := filepath.Join(repoRoot, "runbooks")
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	require.NoError(t, err)
	have := map[string]bool{}
	for _, f := range files {
		if filepath.Base(f) != "README.md" {
			have[filepath.Base(f)] = true
		}
	}
	assert.ElementsMatch(t, limits.Runbooks, slices.Collect(maps.Keys(have)), "limits.Runbooks lists the runbooks folder")
	named := map[string]bool{}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			for name, al := range alarmsOf(t, a, env.Name) {
				if al.props["AlarmActions"] == nil {
					continue // a burn-rate window: its composite names the runbook
				}
				book := alarms.RunbookOf(fmt.Sprint(al.props["AlarmDescription"]))
				if assert.NotEmpty(t, book, "%s names no runbook: %v", name, al.props["AlarmDescription"]) {
					assert.True(t, have[book], "%s points to runbooks/%s, which does not exist", name, book)
					named[book] = true
				}
			}
			for rule, message := range ruleMessages(a, env) {
				book := alarms.RunbookOf(strings.TrimSuffix(message, `"`))
				if assert.NotEmpty(t, book, "%s names no runbook: %s", rule, message) {
					assert.True(t, have[book], "%s points to runbooks/%s, which does not exist", rule, book)
					named[book] = true
				}
			}
		}
	}
	for book := range have {
		assert.True(t, named[book], "runbooks/%s is named by no alarm", book)
		data, err := os.ReadFile(filepath.Join(dir, book))
		require.NoError(t, err)
		text := string(data)
		for _, section := range []string{"## Detection", "## Triage", "## Mitigation", "## Resolution", "## Post-mortem"} {
			assert.Contains(t, text, "\n"+section+"\n", "runbooks/%s", book)
		}
		assert.Contains(t, text, "`aws ", "runbooks/%s has no command", book)
		assert.Regexp(t, "stratus-<env>-(<region>|global|<warm region>)", text, "runbooks/%s names no dashboard", book)
	}
}

// walkRefs calls f with every Ref, Fn::GetAtt (its resource) and Fn::ImportValue (its export
// name) in v.
func walkRefs(v any, f func(kind, target string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, inner := range x {
			switch k {
			case "Ref":
				f(k, fmt.Sprint(inner))
			case "Fn::GetAtt":
				f(k, fmt.Sprint(inner.([]any)[0]))
			case "Fn::ImportValue":
				f(k, fmt.Sprint(inner))
			default:
				walkRefs(inner, f)
			}
		}
	case []any:
		for _, inner := range x {
			walkRefs(inner, f)
		}
	}
}

// TestTheSeedExportsTracesOverOtlp: seed-002 (a shipped example) sends its collectors' traces to
// an OTLP endpoint with the credential from Secrets Manager: every task definition's collector
// gets the endpoint in its configuration and the header as an ECS secret.
func TestTheSeedExportsTracesOverOtlp(t *testing.T) {
	a := SeedVariants(t)
	env := a.Envs["seed-002"]
	require.NotNil(t, env.App.Otlp, "seed-002 sets app.otlp")
	for _, r := range env.Regions {
		for _, s := range env.Services {
			tpl := a.Template(t, stackName(env, stacks.ServiceStackKind(s.Name), r.Name))
			_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
			require.Len(t, tasks, 1)
			for id, task := range tasks {
				js := jsonOf(task.Properties["ContainerDefinitions"])
				assert.Contains(t, js, env.App.Otlp.Endpoint, "%s/%s: the collector exports to the endpoint", tpl.StackName, id)
				assert.Contains(t, js, `"OTLP_AUTH_HEADER"`, id)
				assert.Contains(t, js, ":secret:"+env.App.Otlp.SecretName, "%s/%s: the header comes from Secrets Manager", tpl.StackName, id)
			}
		}
	}
}

// TestLoadBalancerMetricsNameTheirLoadBalancer: every ALB metric an alarm reads names its load
// balancer by the load balancer's own LoadBalancerFullName ("app/<name>/<id>"), read in its stack
// or imported from the stack that exports it: one import, rather than the name cut out of the
// HTTPS listener's ARN (three Fn::Select of an Fn::Split of an import), as the services' alarms
// had it. The App stacks with Service stacks still export that ARN under the name the services
// imported it by, for the Service stacks deployed before; the others never exported it.
func TestLoadBalancerMetricsNameTheirLoadBalancer(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		loadBalancerMetricsNameTheirLoadBalancer(t, a)
	}
}

func loadBalancerMetricsNameTheirLoadBalancer(t *testing.T, a *Assembly) {
	for _, tpl := range a.stacksOf("App") {
		if tpl.Env.UsesAPI() {
			continue // no listener
		}
		var exports []string
		for _, o := range tpl.Outputs {
			l, ok := tpl.Resources[fmt.Sprint(get(o, "Value", "Ref"))]
			if ok && l.Type == "AWS::ElasticLoadBalancingV2::Listener" && l.Properties["Port"] == 443.0 {
				exports = append(exports, fmt.Sprint(get(o, "Export", "Name")))
			}
		}
		if tpl.Env.RunsTiers() {
			assert.Empty(t, exports, "%s: no Service stack ever imported the listener's ARN", tpl.StackName)
			continue
		}
		if assert.Len(t, exports, 1, "%s exports its HTTPS listener's ARN", tpl.StackName) {
			assert.Equal(t, tpl.StackName+":ExportsOutputRefIngressLoadBalancerHttpsB196284F0F738D1B", exports[0],
				"the name the Service stacks imported it by")
		}
	}
	type exported struct {
		stack string
		value any
	}
	exports := map[string]exported{}
	for _, name := range a.StackNames() {
		for _, o := range a.Templates[name].Outputs {
			if export := get(o, "Export", "Name"); export != nil {
				exports[fmt.Sprint(export)] = exported{name, get(o, "Value")}
			}
		}
	}
	// fullName reports whether v, in stack, is a load balancer's LoadBalancerFullName attribute.
	fullName := func(stack string, v any) bool {
		if export, ok := get(v, "Fn::ImportValue").(string); ok {
			e, found := exports[export]
			if !found {
				return false
			}
			stack, v = e.stack, e.value
		}
		att := asList(get(v, "Fn::GetAtt"))
		if len(att) != 2 || att[1] != "LoadBalancerFullName" {
			return false
		}
		r, ok := a.Templates[stack].Resources[fmt.Sprint(att[0])]
		return ok && r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer"
	}
	checked := 0
	for _, name := range a.StackNames() {
		for id, r := range a.Templates[name].Resources {
			if r.Type != "AWS::CloudWatch::Alarm" {
				continue
			}
			walkMaps(r.Properties, func(m map[string]any) {
				if m["Namespace"] != "AWS/ApplicationELB" {
					return
				}
				for _, d := range asList(m["Dimensions"]) {
					if get(d, "Name") == "LoadBalancer" {
						checked++
						assert.True(t, fullName(name, get(d, "Value")), "%s/%s: LoadBalancer dimension %s is not a load balancer's LoadBalancerFullName", name, id, jsonOf(get(d, "Value")))
					}
				}
			})
		}
	}
	assert.Greater(t, checked, 50, "ALB metrics checked")
}

// walkMaps calls f on every JSON object in v, v itself included, outermost first.
func walkMaps(v any, f func(map[string]any)) {
	switch x := v.(type) {
	case map[string]any:
		f(x)
		for _, inner := range x {
			walkMaps(inner, f)
		}
	case []any:
		for _, inner := range x {
			walkMaps(inner, f)
		}
	}
}
