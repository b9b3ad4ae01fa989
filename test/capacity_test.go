package test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/stacks"
)

// planEnvs are the environments with a Region switch plan these tests read: the shipped prod
// (activeActive) and seed-002 (activePassive, a warm region).
func planEnvs(t *testing.T) map[string]*Assembly {
	out := map[string]*Assembly{"prod": Fixtures(t), "seed-002": SeedVariants(t)}
	for name, a := range out {
		require.Contains(t, a.Envs, name)
		require.True(t, a.Envs[name].HasRegionSwitch(), name)
	}
	return out
}

// capacityFunctions finds, in every stack of env, the functions with the capacity function's
// name: the stack and the function's properties, by region.
func capacityFunctions(a *Assembly, env *config.Environment) (map[string]string, map[string]map[string]any) {
	stackOf, props := map[string]string{}, map[string]map[string]any{}
	for _, name := range a.StackNames() {
		tpl := a.Templates[name]
		if tpl.Env.Name != env.Name {
			continue
		}
		_, fns := tpl.OfType("AWS::Lambda::Function")
		for _, fn := range fns {
			if str(fn.Properties["FunctionName"]) == stacks.CapacityFunctionName(env) {
				stackOf[tpl.Region+" "+name], props[tpl.Region] = name, fn.Properties
			}
		}
	}
	return stackOf, props
}

// TestThePlanScalesThroughTheAppStacksFunctions: each region's App stack (and no other stack)
// has the capacity function, on the region's cluster; the plan's capacity step names exactly
// those two functions, runs in the activated region, only in activate workflows, before the
// writers and the traffic move.
func TestThePlanScalesThroughTheAppStacksFunctions(t *testing.T) {
	for name, a := range planEnvs(t) {
		env := a.Envs[name]
		stackOf, fns := capacityFunctions(a, env)
		var want []string
		for _, r := range env.Regions {
			app := stackName(env, "App", r.Name)
			assert.Equal(t, app, stackOf[r.Name+" "+app], "%s: the capacity function of %s is in its App stack", name, r.Name)
			ids, _ := a.Template(t, app).OfType("AWS::ECS::Cluster")
			require.Len(t, ids, 1, app)
			assert.Equal(t, ids[0], ref(get(fns[r.Name], "Environment", "Variables", "CLUSTER")), "%s: it scales its region's cluster", app)
			want = append(want, fmt.Sprintf("arn:aws:lambda:%s:%s:function:%s", r.Name, env.Account, stacks.CapacityFunctionName(env)))
		}
		assert.Len(t, stackOf, len(env.Regions), "%s: one capacity function per region, nowhere else", name)

		_, p := planOf(t, a, env)
		activates := 0
		for _, w := range p["Workflows"].([]any) {
			var types []string
			var capacity any
			for _, s := range asList(get(w, "Steps")) {
				types = append(types, str(get(s, "ExecutionBlockType")))
				if str(get(s, "ExecutionBlockType")) == "CustomActionLambda" {
					capacity = s
				}
			}
			where := fmt.Sprintf("%s: %s %s %v", name, str(get(w, "WorkflowTargetAction")), str(get(w, "WorkflowTargetRegion")), types)
			if str(get(w, "WorkflowTargetAction")) != "activate" {
				assert.NotContains(t, types, "CustomActionLambda", where)
				continue
			}
			activates++
			require.Equal(t, 1, count(types, "CustomActionLambda"), where)
			step := slices.Index(types, "CustomActionLambda")
			for _, later := range []string{"AuroraGlobalDatabase", "Parallel", "Route53HealthCheck"} {
				if i := slices.Index(types, later); i >= 0 {
					assert.Less(t, step, i, "%s: capacity before %s", where, later)
				}
			}
			cfg := get(capacity, "ExecutionBlockConfiguration", "CustomActionLambdaConfig")
			var arns []string
			for _, l := range asList(get(cfg, "Lambdas")) {
				arns = append(arns, str(get(l, "Arn")))
			}
			assert.Equal(t, want, arns, "%s: exactly the App stacks' functions", where)
			assert.Equal(t, "activatingRegion", str(get(cfg, "RegionToRun")), where)
		}
		assert.Equal(t, len(env.Regions), activates, "%s: an activate workflow per region", name)
	}
}

func count(list []string, s string) (n int) {
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// TestTheWarmRegionsFunctionRaisesToFullCapacity: in seed-002 the warm region's services run
// app.warmCapacity, and its capacity function carries every service's full capacity from config.
func TestTheWarmRegionsFunctionRaisesToFullCapacity(t *testing.T) {
	a := SeedVariants(t)
	env := a.Envs["seed-002"]
	require.Equal(t, config.RoutingFailover, env.DNS.Routing)
	_, fns := capacityFunctions(a, env)
	for _, r := range env.Regions {
		var got map[string]config.Capacity
		require.NoError(t, json.Unmarshal([]byte(str(get(fns[r.Name], "Environment", "Variables", "SERVICES"))), &got), r.Name)
		want := map[string]config.Capacity{}
		for _, s := range env.Services {
			want[s.Name] = config.Capacity{DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount}
			if r.Name == env.PrimaryRegion {
				continue
			}
			// The precondition that makes this test mean something: the region runs less.
			svc := a.Template(t, stackName(env, stacks.ServiceStackKind(s.Name), r.Name))
			_, services := svc.OfType("AWS::ECS::Service")
			require.Len(t, services, 1, svc.StackName)
			for _, ecs := range services {
				require.Equal(t, env.App.WarmCapacity.DesiredCount, num(ecs.Properties["DesiredCount"]), "%s runs warm", svc.StackName)
			}
			require.NotEqual(t, env.App.WarmCapacity, want[s.Name], "%s: full capacity differs from warm", s.Name)
		}
		assert.Equal(t, want, got, "%s: full capacity, whichever region is warm", r.Name)
	}
}

// TestEveryECSServiceCarriesItsServiceTag: the capacity function finds services by this tag, in
// every synthesized environment, shipped and seeds.
func TestEveryECSServiceCarriesItsServiceTag(t *testing.T) {
	found, total := 0, 0
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			for _, r := range env.Regions {
				for _, s := range env.Services {
					name := stackName(env, stacks.ServiceStackKind(s.Name), r.Name)
					tpl, ok := a.Templates[name]
					if !ok {
						continue
					}
					_, services := tpl.OfType("AWS::ECS::Service")
					for _, svc := range services {
						found++
						assert.Contains(t, asList(svc.Properties["Tags"]), map[string]any{"Key": "stratus:service", "Value": s.Name}, name)
					}
				}
			}
		}
		for _, tpl := range a.Templates {
			ids, _ := tpl.OfType("AWS::ECS::Service")
			total += len(ids)
		}
	}
	assert.Positive(t, found)
	assert.Equal(t, total, found, "every ECS service is a configured service's, in its Service stack")
}
