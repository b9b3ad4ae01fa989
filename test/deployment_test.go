package test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

// ecsService returns the one ECS service of a Service stack.
func ecsService(t *testing.T, tpl *Template) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, r := range tpl.Resources {
		if r.Type == "AWS::ECS::Service" {
			found = append(found, r.Properties)
		}
	}
	require.Len(t, found, 1, "%s: ECS services", tpl.StackName)
	return found[0]
}

// TestProdReleasesByCanaryAndDevRolls: prod's services move 10 % of traffic to a release, wait
// 5 minutes, move the rest, bake 10 minutes and roll back on their deployment alarms; dev's
// roll, with the same alarms; every service keeps the circuit breaker.
func TestProdReleasesByCanaryAndDevRolls(t *testing.T) {
	a := Fixtures(t)
	for _, envName := range []string{"prod", "dev"} {
		env := a.Envs[envName]
		for _, r := range env.Regions {
			for i, s := range env.Services {
				tpl := a.Template(t, fmt.Sprintf("%s-%s-%s", stacks.StageID(env.Name), stacks.ServiceStackKind(s.Name), r.Name))
				svc := ecsService(t, tpl)
				config := svc["DeploymentConfiguration"].(map[string]any)
				names := stacks.DeploymentAlarmNames(env, r.Name, s.Name)
				assert.Equal(t, map[string]any{"AlarmNames": anys(names), "Enable": true, "Rollback": true}, config["Alarms"], tpl.StackName)
				assert.Equal(t, map[string]any{"Enable": true, "Rollback": true}, config["DeploymentCircuitBreaker"], tpl.StackName)
				lb := svc["LoadBalancers"].([]any)[0].(map[string]any)
				if envName == "dev" {
					assert.Equal(t, "ROLLING", config["Strategy"], tpl.StackName)
					assert.NotContains(t, lb, "AdvancedConfiguration", tpl.StackName)
					continue
				}
				assert.Equal(t, "CANARY", config["Strategy"], tpl.StackName)
				assert.Equal(t, 10.0, config["BakeTimeInMinutes"], tpl.StackName)
				assert.Equal(t, map[string]any{"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 5.0}, config["CanaryConfiguration"], tpl.StackName)
				advanced := lb["AdvancedConfiguration"].(map[string]any)
				// The App stack hands the wiring over in an SSM parameter, "alternate|production|test",
				// which the Service stack resolves at each deploy: no export to lock its value.
				name := stacks.DeploymentParameterName(env.Name, s.Name)
				assert.Equal(t, map[string]any{"Type": "AWS::SSM::Parameter::Value<String>", "Default": name,
					"Description": "The SSM parameter in which the region's App stack hands this service its alternate target group and rules"},
					tpl.Parameters["DeploymentWiring"], tpl.StackName)
				part := func(i int) string {
					return fmt.Sprintf(`{"Fn::Select":[%d,{"Fn::Split":["|",{"Ref":"DeploymentWiring"}]}]}`, i)
				}
				assert.JSONEq(t, part(0), jsonOf(advanced["AlternateTargetGroupArn"]), tpl.StackName)
				assert.JSONEq(t, part(1), jsonOf(advanced["ProductionListenerRule"]), tpl.StackName)
				assert.Contains(t, jsonOf(advanced["RoleArn"]), "ServiceInfrastructureRole", tpl.StackName)
				app := a.Template(t, fmt.Sprintf("%s-App-%s", stacks.StageID(env.Name), r.Name))
				var value string
				for _, p := range app.Resources {
					if p.Type == "AWS::SSM::Parameter" && p.Properties["Name"] == name {
						value = jsonOf(p.Properties["Value"])
					}
				}
				for _, o := range app.Outputs {
					assert.NotContains(t, jsonOf(get(o, "Export", "Name")), ":Deployment-", "%s: the wiring is not an export", app.StackName)
				}
				p := naming.Pascal(s.Name)
				test := `"-"`
				// The first service's ECS test rule is the Route 53 health check's rule, which must
				// follow its tasks from group to group.
				if i == 0 {
					test = `{"Ref":"IngressHealthCheckRule1509CF7C"}`
					assert.JSONEq(t, part(2), jsonOf(advanced["TestListenerRule"]), tpl.StackName)
				} else {
					assert.NotContains(t, advanced, "TestListenerRule", tpl.StackName)
				}
				assert.Regexp(t, `^\{"Fn::Join":\["\|",\[\{"Ref":"Ingress`+p+`AlternateTargetGroup[0-9A-F]{8}"\},\{"Ref":"Ingress`+p+`Rule[0-9A-F]{8}"\},`+regexp.QuoteMeta(test)+`\]\]\}$`, value, name)
			}
		}
	}
}

// TestDeploymentAlarmsAreTheOperationsAlarmsOverBothGroups: the names a service gives ECS are
// those of alarms in its own stack (named, not referenced: no cycle), no second set exists, and
// the 5xx and latency alarms watch both target groups, where a canary's new tasks are.
func TestDeploymentAlarmsAreTheOperationsAlarmsOverBothGroups(t *testing.T) {
	a := Fixtures(t)
	env := a.Envs["prod"]
	all := alarmsOf(t, a, "prod")
	for _, r := range env.Regions {
		for _, s := range env.Services {
			stack := fmt.Sprintf("%s-%s-%s", stacks.StageID(env.Name), stacks.ServiceStackKind(s.Name), r.Name)
			for _, name := range stacks.DeploymentAlarmNames(env, r.Name, s.Name) {
				al, ok := all[name]
				if !assert.True(t, ok, "%s: deployment alarm %s exists", stack, name) {
					continue
				}
				assert.Equal(t, stack, al.stack, "%s lives with its service", name)
				if strings.HasSuffix(name, "-tasksBelowDesired") {
					continue
				}
				metrics := jsonOf(al.props["Metrics"])
				// The primary by its exported full name, the alternate by its ARN's.
				for _, group := range []string{"Ingress" + naming.Pascal(s.Name) + "TargetGroup", `{"Fn::Select":[5,{"Fn::Split":[":",{"Fn::Select":[0,{"Fn::Split":["|",{"Ref":"DeploymentWiring"}]}]}]}]}`} {
					assert.Contains(t, metrics, group, "%s watches %s", name, group)
				}
			}
			svc := jsonOf(ecsService(t, a.Template(t, stack)))
			assert.NotContains(t, svc, `"Ref":"`+naming.Pascal(s.Name)+"Alarms", "%s: alarm names are literals", stack)
		}
	}
	assert.Equal(t, []string{"target5xxRate", "p99ResponseTime", "tasksBelowDesired"}, limits.DeploymentAlarms)
}

// TestProductionRulesForwardToBothGroupsWithLiveWeights: the trap of aws-cdk #36649. Every
// ECS-managed rule forwards to the service's two groups, and its weights are the guard's (the
// live ones at deploy time), never literals CloudFormation would push over ECS's.
func TestProductionRulesForwardToBothGroupsWithLiveWeights(t *testing.T) {
	a := Fixtures(t)
	for _, tpl := range a.stacksOf("App") {
		if tpl.Env.RunsTiers() {
			continue
		}
		rules := 0
		for id, r := range tpl.Resources {
			if r.Type != "AWS::ElasticLoadBalancingV2::ListenerRule" {
				continue
			}
			rules++
			actions := r.Properties["Actions"].([]any)
			require.Len(t, actions, 1, "%s/%s", tpl.StackName, id)
			action := actions[0].(map[string]any)
			assert.NotContains(t, action, "TargetGroupArn", "%s/%s", tpl.StackName, id)
			groups := get(action, "ForwardConfig", "TargetGroups").([]any)
			require.Len(t, groups, 2, "%s/%s", tpl.StackName, id)
			for i, attr := range []string{"PrimaryWeight", "AlternateWeight"} {
				weight := get(groups[i], "Weight", "Fn::GetAtt").([]any)
				require.Contains(t, tpl.Resources, weight[0], "%s/%s", tpl.StackName, id)
				assert.Equal(t, "Custom::RuleWeights", tpl.Resources[weight[0].(string)].Type, "%s/%s", tpl.StackName, id)
				assert.Equal(t, attr, weight[1], "%s/%s", tpl.StackName, id)
			}
		}
		assert.Equal(t, len(tpl.Env.Services)+1, rules, "%s: a rule per service and the health-check rule", tpl.StackName)
	}
}

func anys(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
