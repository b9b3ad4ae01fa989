package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/policydoc"
	"github.com/stratus-platform/stratus/stacks"
)

// TestTwoRegionEnvironmentsHaveARegionSwitchPlan: every environment with two regions (and the
// plan on) has exactly one plan, in its Edge stack; the others have none.
func TestTwoRegionEnvironmentsHaveARegionSwitchPlan(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			var where []string
			for _, name := range a.StackNames() {
				if tpl := a.Templates[name]; tpl.Env.Name == env.Name {
					ids, _ := tpl.OfType("AWS::ARCRegionSwitch::Plan")
					for range ids {
						where = append(where, name)
					}
				}
			}
			if env.HasRegionSwitch() {
				assert.Equal(t, []string{stackName(env, "Edge", config.EdgeRegion)}, where, "%s: %s", a.Name, env.Name)
			} else {
				assert.Empty(t, where, "%s: %s has %d regions", a.Name, env.Name, len(env.Regions))
			}
		}
	}
	assert.True(t, Fixtures(t).Envs["prod"].HasRegionSwitch(), "shipped prod has a plan")
}

// planOf returns env's plan properties from its Edge stack.
func planOf(t *testing.T, a *Assembly, env *config.Environment) (*Template, map[string]any) {
	t.Helper()
	edge := a.Template(t, stackName(env, "Edge", config.EdgeRegion))
	_, plans := edge.OfType("AWS::ARCRegionSwitch::Plan")
	require.Len(t, plans, 1, env.Name)
	for _, p := range plans {
		return edge, p.Properties
	}
	return nil, nil
}

// TestThePlanSwitchesEveryGlobalDatabaseAndTheOriginRecords: the plan names every Aurora Global
// Database of the environment with the very cluster identifiers the ServiceData stacks give
// (switched over in a graceful run, failed over only in an ungraceful one), moves the origin records the Edge stack publishes, matches the routing (latency:
// activeActive, failover: activePassive) and reaches no other stack by reference.
func TestThePlanSwitchesEveryGlobalDatabaseAndTheOriginRecords(t *testing.T) {
	cases := map[string]string{"prod": "activeActive", "seed-002": "activePassive"}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for name, approach := range cases {
			env, ok := a.Envs[name]
			if !ok {
				continue
			}
			delete(cases, name)
			edge, p := planOf(t, a, env)
			body := jsonOf(p)
			assert.Equal(t, approach, p["RecoveryApproach"], name)
			assert.Equal(t, stacks.PlanName(env), p["Name"])
			assert.Equal(t, stacks.HomeRegion(env), p["PrimaryRegion"], "fixed: primaryRegion changes after a switchover")
			assert.Equal(t, float64(env.RegionSwitch.RecoveryTimeObjectiveMinutes), p["RecoveryTimeObjectiveMinutes"])
			assert.NotContains(t, body, "Fn::ImportValue", "%s: the plan imports nothing", name)
			assert.NotContains(t, body, `"Behavior":"failover"`, "%s: no database block may lose data in a graceful run", name)
			for _, svc := range env.Services {
				if !svc.OwnsDatabase() || svc.Database != config.EngineAuroraPostgres {
					continue
				}
				assert.Contains(t, body, `"GlobalClusterIdentifier":"`+stacks.GlobalClusterID(env, svc.Name)+`"`, "%s: %s's Global Database", name, svc.Name)
				// A graceful run (a drill, planned maintenance) must not lose data: switchoverOnly calls
				// SwitchoverGlobalCluster then; "failover" would fail over with AllowDataLoss even there.
				assert.Contains(t, body, `{"Behavior":"switchoverOnly","DatabaseClusterArns":`, "%s: graceful runs switch over", name)
				for _, r := range env.Regions {
					data := a.Template(t, stackName(env, stacks.ServiceDataStackKind(svc.Name), r.Name))
					_, clusters := data.OfType("AWS::RDS::DBCluster")
					require.Len(t, clusters, 1, data.StackName)
					for _, c := range clusters {
						id := str(c.Properties["DBClusterIdentifier"])
						require.NotEmpty(t, id, "%s: a fixed identifier", data.StackName)
						assert.Contains(t, body, fmt.Sprintf(`:rds:%s:%s:cluster:%s`, r.Name, env.Account, id), "%s: the plan names %s's cluster", name, data.StackName)
					}
				}
			}
			_, records := edge.OfType("AWS::Route53::RecordSet")
			for _, r := range env.Regions {
				found := false
				for _, rec := range records {
					found = found || (str(rec.Properties["Name"]) == env.OriginName()+"." && str(rec.Properties["SetIdentifier"]) == r.Name)
				}
				assert.True(t, found, "%s: an origin record with set identifier %s", name, r.Name)
				assert.Contains(t, body, `{"RecordSetIdentifier":"`+r.Name+`","Region":"`+r.Name+`"}`, name)
			}
			assert.Contains(t, body, `"RecordName":"`+env.OriginName()+`"`, name)
			assert.Contains(t, body, `"HostedZoneId":"`+env.DNS.HostedZoneId+`"`, name)
			// Every region's health-check alarm is the plan's; the approval step comes first.
			for _, r := range env.Regions {
				assert.Contains(t, jsonOf(p["AssociatedAlarms"]), stacks.HealthCheckAlarmName(env, r.Name), name)
			}
			for _, w := range p["Workflows"].([]any) {
				steps := get(w, "Steps").([]any)
				if env.RegionSwitch.Approval {
					assert.Equal(t, "ManualApproval", str(get(steps[0], "ExecutionBlockType")), "%s: approval first", name)
				} else {
					assert.NotContains(t, jsonOf(steps), "ManualApproval", "%s: approval off", name)
				}
				assert.Equal(t, "Route53HealthCheck", str(get(steps[len(steps)-1], "ExecutionBlockType")), "%s: traffic last", name)
			}
		}
	}
	assert.Empty(t, cases, "environments not found")
}

// TestThePlanRoleIsManagedAndScoped: the execution role has no inline policy, and its managed
// policy allows the switchover and failover on exactly the plan's global clusters and clusters;
// only the databases' describes are on "*" (as AWS's sample policy for the Aurora block has them).
func TestThePlanRoleIsManagedAndScoped(t *testing.T) {
	a := Fixtures(t)
	env := a.Envs["prod"]
	edge, p := planOf(t, a, env)
	role := ref(p["ExecutionRole"])
	require.Contains(t, edge.Resources, role)
	assert.Nil(t, edge.Resources[role].Properties["Policies"], "no inline policy")
	_, inline := edge.OfType("AWS::IAM::Policy")
	for id, pol := range inline {
		assert.NotContains(t, jsonOf(pol.Properties["Roles"]), role, "%s is an inline policy of the plan's role", id)
	}
	_, managed := edge.OfType("AWS::IAM::ManagedPolicy")
	var doc any
	for _, mp := range managed {
		if strings.Contains(jsonOf(mp.Properties["Roles"]), role) {
			doc = mp.Properties["PolicyDocument"]
		}
	}
	require.NotNil(t, doc, "the role has a managed policy")
	rds := 0
	for _, stmt := range asList(get(doc, "Statement")) {
		resources := get(stmt, "Resource")
		actions := policydoc.Strings(get(stmt, "Action"))
		if slices.Contains(policydoc.Strings(resources), "*") {
			assert.Equal(t, []string{"rds:DescribeDBClusters", "rds:DescribeGlobalClusters"}, actions, "only the describes on every resource")
		}
		if slices.Contains(actions, "rds:FailoverGlobalCluster") {
			rds++
			for _, r := range asList(resources) {
				assert.Regexp(t, `:rds:[a-z0-9-]*:`+env.Account+`:(global-)?cluster:`, jsonOf(r))
			}
		}
	}
	assert.Equal(t, 1, rds, "one statement switches the databases")
}

// planHealthCheckIDs are the Region switch plan's health checks prodPlanHealthChecks names.
var planHealthCheckIDs = map[string]string{"us-east-1": "0123abcd-4567-89ab-cdef-0123456789ab", "eu-west-1": "89abcdef-0123-4567-89ab-cdef01234567"}

// prodPlanHealthChecks is the fixture prod with regionSwitch.healthCheckIds set.
var prodPlanHealthChecks = newVariant("prod with the plan's health checks", func() ([]*config.Environment, error) {
	env, err := fixtureText("prod", func(text string) (string, error) {
		return text + "regionSwitch:\n  healthCheckIds:\n    us-east-1: " + planHealthCheckIDs["us-east-1"] +
			"\n    eu-west-1: " + planHealthCheckIDs["eu-west-1"] + "\n", nil
	})
	return []*config.Environment{env}, err
})

// TestPlanHealthChecksAreCombinedWithTheHTTPSChecks synthesizes the fixture prod with
// regionSwitch.healthCheckIds: each origin record then uses a calculated check needing its
// region's HTTPS check and the plan's check, while the health-check alarms still watch the HTTPS
// checks.
func TestPlanHealthChecksAreCombinedWithTheHTTPSChecks(t *testing.T) {
	a := prodPlanHealthChecks.Assembly(t)
	env := a.Envs["prod"]
	require.NotNil(t, env)
	ids := planHealthCheckIDs
	edge := a.Template(t, stackName(env, "Edge", config.EdgeRegion))
	_, checks := edge.OfType("AWS::Route53::HealthCheck")
	require.Len(t, checks, 4, "an HTTPS and a calculated check per region")
	for _, r := range env.Regions {
		recs := originRecords(edge, env.DNS.Domain, r.Name)
		require.Len(t, recs, 1, r.Name)
		combined := checks[ref(recs[0].Properties["HealthCheckId"])]
		cfg := get(combined.Properties, "HealthCheckConfig")
		require.Equal(t, "CALCULATED", str(get(cfg, "Type")), r.Name)
		assert.Equal(t, 2, num(get(cfg, "HealthThreshold")), r.Name)
		children := asList(get(cfg, "ChildHealthChecks"))
		require.Len(t, children, 2, r.Name)
		https := checks[ref(children[0])]
		assert.Equal(t, env.RegionalOriginName(r.Name), str(get(https.Properties, "HealthCheckConfig", "FullyQualifiedDomainName")), r.Name)
		assert.Equal(t, ids[r.Name], str(children[1]), "%s: the plan's check", r.Name)
		// The alarm watches the HTTPS check, not the calculated one.
		alarm := alarmsOf(t, a, env.Name)[stacks.HealthCheckAlarmName(env, r.Name)]
		assert.Equal(t, ref(children[0]), ref(get(asList(alarm.props["Dimensions"])[0], "Value")), r.Name)
	}
}

// TestSeed002PromotesTheWarmRegionByItself: seed 002 asks for the warm region to take over
// without a person, so its plan is triggered by each region's health-check alarm (activating
// the other region) and has no approval step to wait on.
func TestSeed002PromotesTheWarmRegionByItself(t *testing.T) {
	a := SeedVariants(t)
	env := a.Envs["seed-002"]
	require.NotNil(t, env)
	require.True(t, env.RegionSwitch.Triggers)
	_, p := planOf(t, a, env)
	assert.NotContains(t, jsonOf(p["Workflows"]), "ManualApproval")
	triggers, _ := p["Triggers"].([]any)
	require.Len(t, triggers, len(env.Regions), "one trigger per region's alarm")
	other := map[string]string{env.Regions[0].Name: env.Regions[1].Name, env.Regions[1].Name: env.Regions[0].Name}
	for _, r := range env.Regions {
		alarm := stacks.HealthCheckAlarmName(env, r.Name)
		assert.Equal(t, "trigger", str(get(p["AssociatedAlarms"], alarm, "AlarmType")), alarm)
		found := false
		for _, tr := range triggers {
			conditions := jsonOf(get(tr, "Conditions"))
			if strings.Contains(conditions, `"AssociatedAlarmName":"`+alarm+`"`) {
				found = true
				assert.Equal(t, "activate", str(get(tr, "Action")), alarm)
				assert.Equal(t, other[r.Name], str(get(tr, "TargetRegion")), "%s activates the other region", alarm)
				assert.Contains(t, conditions, `"Condition":"red"`, alarm)
			}
		}
		assert.True(t, found, "a trigger on %s", alarm)
	}
}
