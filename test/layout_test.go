package test

import (
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

// maxDeployLayers is the most stacks one deployment waits for in series (docs/architecture.md).
const maxDeployLayers = 4

var layoutChecks = []check{
	{"each service has a Service stack, each database a ServiceData stack, and nothing else holds them", checkServiceLayout},
	{"a service's logical ids depend on its own name only", checkServiceIdsIndependent},
	{"a deploy waits for at most four stack layers", checkDeployLayers},
}

// stateful are the resource types that hold data: never in a Service stack.
var stateful = []string{"AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::ElastiCache::ReplicationGroup", "AWS::S3::Bucket", "AWS::ECR::Repository"}

func checkServiceLayout(c *C, a *Assembly) {
	require.NotEmpty(c, a.Envs, "%s: no environments", a.Name)
	for _, env := range a.Envs {
		for _, r := range env.Regions {
			app, data := a.Template(c, stackName(env, "App", r.Name)), a.Template(c, stackName(env, "Data", r.Name))
			for _, typ := range []string{"AWS::ECS::Service", "AWS::ECS::TaskDefinition"} {
				ids, _ := app.OfType(typ)
				assert.Empty(c, ids, "%s: %s belongs in a Service stack", app.StackName, typ)
			}
			for _, typ := range []string{"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"} {
				ids, _ := data.OfType(typ)
				assert.Empty(c, ids, "%s: %s belongs in a ServiceData stack", data.StackName, typ)
			}
			for _, s := range env.Services {
				svc := a.Template(c, stackName(env, stacks.ServiceStackKind(s.Name), r.Name))
				services, _ := svc.OfType("AWS::ECS::Service")
				tasks, _ := svc.OfType("AWS::ECS::TaskDefinition")
				assert.Len(c, services, 1, "%s: ECS services", svc.StackName)
				assert.Len(c, tasks, 1, "%s: task definitions", svc.StackName)
				for _, typ := range stateful {
					ids, _ := svc.OfType(typ)
					assert.Empty(c, ids, "%s: stateful %s in a stateless stack", svc.StackName, typ)
				}
				assert.Contains(c, svc.DependsOn, app.StackName, "%s depends on", svc.StackName)
				if s.PullsOwnRepository() {
					assert.Contains(c, svc.DependsOn, stackName(env, "Registry", r.Name), "%s depends on", svc.StackName)
				}
				if s.Database != config.EngineNone {
					assert.Contains(c, svc.DependsOn, stackName(env, stacks.ServiceDataStackKind(s.DatabaseOwner()), r.Name), "%s depends on its database's stack", svc.StackName)
				}
				if !s.OwnsDatabase() {
					continue
				}
				db := a.Template(c, stackName(env, stacks.ServiceDataStackKind(s.Name), r.Name))
				clusters, _ := db.OfType("AWS::RDS::DBCluster")
				instances, _ := db.OfType("AWS::RDS::DBInstance")
				assert.Len(c, clusters, map[bool]int{true: 1}[s.Database == config.EngineAuroraPostgres], "%s: Aurora clusters", db.StackName)
				if s.Database == config.EnginePostgres {
					assert.Len(c, instances, 1, "%s: RDS instances", db.StackName)
				}
				if r.Name != env.PrimaryRegion && s.Database == config.EngineAuroraPostgres && env.Database.GlobalDatabase {
					assert.Contains(c, db.DependsOn, stackName(env, stacks.ServiceDataStackKind(s.Name), env.PrimaryRegion),
						"%s: a secondary cluster waits for the primary's global cluster", db.StackName)
				}
			}
		}
	}
}

// checkServiceIdsIndependent: every logical id of a per-service stack starts with its service's
// name, so adding, renaming or removing a service changes no other service's ids.
func checkServiceIdsIndependent(c *C, a *Assembly) {
	for _, env := range a.Envs {
		for _, r := range env.Regions {
			for _, s := range env.Services {
				kinds := []string{stacks.ServiceStackKind(s.Name)}
				if s.OwnsDatabase() {
					kinds = append(kinds, stacks.ServiceDataStackKind(s.Name))
				}
				for _, kind := range kinds {
					tpl := a.Template(c, stackName(env, kind, r.Name))
					for id := range tpl.Resources {
						assert.True(c, strings.HasPrefix(id, naming.Pascal(s.Name)), "%s: logical id %s does not start with %s", tpl.StackName, id, naming.Pascal(s.Name))
					}
				}
			}
		}
	}
}

// checkDeployLayers: the longest chain of stack dependencies in each environment.
func checkDeployLayers(c *C, a *Assembly) {
	depth := map[string]int{}
	var layers func(name string, seen int) int
	layers = func(name string, seen int) int {
		require.Less(c, seen, len(a.Templates), "%s: dependency cycle through %s", a.Name, name)
		if d, ok := depth[name]; ok {
			return d
		}
		d := 1
		for _, dep := range a.Template(c, name).DependsOn {
			d = max(d, 1+layers(dep, seen+1))
		}
		depth[name] = d
		return d
	}
	for _, name := range a.StackNames() {
		assert.LessOrEqual(c, layers(name, 0), maxDeployLayers, "%s: serial stack layers up to %s", a.Name, name)
	}
}
