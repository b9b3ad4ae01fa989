package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/registry"
	"github.com/stratus-platform/stratus/constructs/releasepipeline"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/stacks"
)

// rawTemplate is a synthesized template as JSON, Parameters included.
func rawTemplate(t *testing.T, tpl *Template) map[string]any {
	t.Helper()
	data, err := os.ReadFile(tpl.Path)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(data, &out))
	return out
}

// TestServiceImageComesFromItsParameter: every Service stack of a service pulling its own
// repository reads its image from the SSM parameter (resolved on every update), and its task
// definition runs exactly that value; the Registry stack creates the parameter with config's tag.
func TestServiceImageComesFromItsParameter(t *testing.T) {
	a := Fixtures(t)
	checked := 0
	for _, env := range a.Envs {
		for _, region := range env.Regions {
			for _, svc := range env.Services {
				require.True(t, svc.PullsOwnRepository(), "the fixtures' services pull their own repositories")
				tpl := a.Template(t, stackName(env, stacks.ServiceStackKind(svc.Name), region.Name))
				id := stacks.ImageParameterID(svc.Name)
				param := cdktest.Path[map[string]any](t, rawTemplate(t, tpl), "Parameters", id)
				assert.Equal(t, "AWS::SSM::Parameter::Value<String>", param["Type"], tpl.StackName)
				assert.Equal(t, stacks.ImageParameterName(env.Name, svc.Name), param["Default"], tpl.StackName)
				_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
				require.Len(t, tasks, 1, tpl.StackName)
				for _, task := range tasks {
					image := cdktest.Path[any](t, task.Properties, "ContainerDefinitions", "0", "Image")
					assert.Equal(t, map[string]any{"Ref": id}, image, "%s runs the parameter's image", tpl.StackName)
				}

				registry := a.Template(t, stackName(env, "Registry", region.Name))
				var found bool
				for _, p := range registry.Resources {
					if p.Type != "AWS::SSM::Parameter" || p.Properties["Name"] != param["Default"] {
						continue
					}
					found = true
					uri := stacks.RepositoryURI(env.Account, region.Name, env.Name, svc.Name)
					assert.Equal(t, uri+":"+svc.Image, p.Properties["Value"], "created with config's tag")
					assert.NotContains(t, p.Properties, "Tags", "a tag change must not rewrite (roll back) the released image")
					assert.Contains(t, p.Properties["AllowedPattern"], `dkr\.ecr\.`+region.Name, "only the service's own repository")
				}
				assert.True(t, found, "%s creates %s", registry.StackName, param["Default"])
				checked++
			}
		}
	}
	assert.Positive(t, checked)
}

// devNewImage is the fixture dev with a new image for its first service.
var devNewImage = newVariant("dev with a new image", func() ([]*config.Environment, error) {
	env, err := fixture("dev")
	if err != nil {
		return nil, err
	}
	env.Services[0].Image = "9.9.9"
	return []*config.Environment{env}, nil
})

// TestNoDrift: the image is not in the Service template, so a platform deploy after a release
// (same config) changes nothing there, and even a new `image:` changes only the Registry's
// parameter, never the Service template. (The fixtures' dev is the one before: the same config.)
func TestNoDrift(t *testing.T) {
	before, after := Fixtures(t), devNewImage.Assembly(t)
	env := before.Envs["dev"]
	require.NotNil(t, env)
	svc := env.Services[0].Name
	for _, kind := range []string{stacks.ServiceStackKind(svc), stacks.ServiceStackKind(env.Services[1].Name)} {
		name := stackName(env, kind, env.PrimaryRegion)
		a, err := os.ReadFile(before.Template(t, name).Path)
		require.NoError(t, err)
		b, err := os.ReadFile(after.Template(t, name).Path)
		require.NoError(t, err)
		assert.Equal(t, string(a), string(b), "%s does not change with the image (before: the fixtures' assembly, make's synthesis under make test; after: this binary's)", name)
	}
	registry := stackName(env, "Registry", env.PrimaryRegion)
	value := func(a *Assembly) any {
		for _, r := range a.Template(t, registry).Resources {
			if r.Type == "AWS::SSM::Parameter" && r.Properties["Name"] == stacks.ImageParameterName("dev", svc) {
				return r.Properties["Value"]
			}
		}
		return nil
	}
	assert.Equal(t, stacks.RepositoryURI(env.Account, env.PrimaryRegion, "dev", svc)+":9.9.9", value(after), "config wins when it changes")
	assert.NotEqual(t, value(before), value(after))
}

// TestDeployRoleMayResolveAndReleaseImages: CloudFormation resolves a stack's SSM parameters with
// the caller's credentials, so each region's CDK deploy role (the platform pipeline's and
// `cdk deploy`'s) gets exactly its region's image parameters, and the release pipeline's reads
// and live tags; never the pushes, which are the push roles' alone.
func TestDeployRoleMayResolveAndReleaseImages(t *testing.T) {
	a := Fixtures(t)
	env := a.Envs["prod"]
	for _, region := range env.Regions {
		tpl := a.Template(t, stackName(env, "Registry", region.Name))
		_, all := tpl.OfType("AWS::IAM::ManagedPolicy")
		deployRole := []any{"cdk-hnb659fds-deploy-role-" + env.Account + "-" + region.Name}
		var policies []Resource // the push roles have their own
		for _, p := range all {
			if reflect.DeepEqual(p.Properties["Roles"], deployRole) {
				policies = append(policies, p)
			}
		}
		require.Len(t, policies, 1, "%s: one policy for the deploy role", tpl.StackName)
		for _, p := range policies {
			actions, resources := map[string]any{}, map[string]any{}
			for _, s := range cdktest.Path[[]any](t, p.Properties, "PolicyDocument", "Statement") {
				st := s.(map[string]any)
				actions[st["Sid"].(string)], resources[st["Sid"].(string)] = st["Action"], st["Resource"]
				if st["Sid"] == "ResolveImages" || st["Sid"] == "ReleaseImages" {
					var want []any
					for _, svc := range env.Services {
						want = append(want, "arn:aws:ssm:"+region.Name+":"+env.Account+":parameter"+stacks.ImageParameterName(env.Name, svc.Name))
					}
					assert.ElementsMatch(t, want, st["Resource"], "%s: %s", tpl.StackName, st["Sid"])
				}
			}
			assert.Equal(t, []any{"ssm:GetParameter", "ssm:GetParameters"}, actions["ResolveImages"])
			assert.Equal(t, "ssm:PutParameter", actions["ReleaseImages"])
			assert.Equal(t, "ecr:DescribeImages", actions["ReadImages"], "%s: the deploy reads no scan findings", tpl.StackName)
			// The deploy script moves the region's live tag in every region (registry.LiveTag).
			assert.Equal(t, []any{"ecr:BatchGetImage", "ecr:PutImage"}, actions["MarkLiveImages"])
			assert.Equal(t, resources["ReadImages"], resources["MarkLiveImages"], "%s: the live tags go on the services' repositories", tpl.StackName)
			assert.ElementsMatch(t, []string{"ResolveDeployments", "ResolveImages", "ReleaseImages", "ReadImages", "MarkLiveImages"},
				slices.Collect(maps.Keys(actions)), "%s: no push and no registry login for the deploy role", tpl.StackName)
		}
	}
}

// TestTheDeployRoleMayResolveEverySsmParameter: CloudFormation resolves a stack's
// AWS::SSM::Parameter::Value parameters with the caller's credentials, and the platform pipeline
// and cdk deploy call it as the bootstrap deploy role, which reads nothing of its own: every such
// parameter of every stack is granted to it in its region.
func TestTheDeployRoleMayResolveEverySsmParameter(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		granted := map[string]bool{} // parameter ARNs the deploy role may read
		for _, name := range a.StackNames() {
			_, policies := a.Templates[name].OfType("AWS::IAM::ManagedPolicy")
			for _, p := range policies {
				if !strings.Contains(jsonOf(p.Properties["Roles"]), "-deploy-role-") {
					continue
				}
				for _, s := range asList(get(p.Properties, "PolicyDocument", "Statement")) {
					if slices.Contains(stringList(get(s, "Action")), "ssm:GetParameters") {
						for _, arn := range stringList(get(s, "Resource")) {
							granted[arn] = true
						}
					}
				}
			}
		}
		resolved := 0
		for _, name := range a.StackNames() {
			tpl := a.Templates[name]
			for id, p := range tpl.Parameters {
				if !strings.HasPrefix(str(get(p, "Type")), "AWS::SSM::Parameter::Value") || str(get(p, "Default")) == "/cdk-bootstrap/hnb659fds/version" {
					continue
				}
				resolved++
				account := tpl.Env.Account
				if strings.HasPrefix(str(get(p, "Default")), "/aws/service/") {
					account = "" // AWS's public parameters
				}
				arn := "arn:aws:ssm:" + tpl.Region + ":" + account + ":parameter" + str(get(p, "Default"))
				assert.True(t, granted[arn], "%s: %s resolves %s, which the deploy role may not read", name, id, arn)
			}
		}
		assert.NotZero(t, resolved, "%s: no SSM parameter resolved", a.Name)
	}
}

// checkReleasePushRoles: each service a delivery file releases into an environment has one push
// role there, in the home region (ECR replicates to the others), which only its own build's role
// in the tooling account may assume and which pushes to its own repository alone; and no deploy
// role may push or log in to the registry (the builds no longer go through it).
func checkReleasePushRoles(c *C, a *Assembly) {
	for _, env := range a.Envs {
		if env.RunsTiers() {
			continue // no images, no Registry stacks
		}
		var released []string
		if env.Released != nil {
			released = env.Released.Services
		}
		for _, region := range env.Regions {
			tpl := a.Template(c, stackName(env, "Registry", region.Name))
			_, roles := tpl.OfType("AWS::IAM::Role")
			found := map[string]string{} // push role name → logical id
			for id, r := range roles {
				if name, _ := r.Properties["RoleName"].(string); strings.HasSuffix(name, "-push") || strings.Contains(name, "-push-") {
					found[name] = id
				}
			}
			want := map[string]bool{}
			if region.Name == stacks.HomeRegion(env) {
				for _, svc := range released {
					want[stacks.ReleasePushRoleName(env.Name, svc)] = true
				}
			}
			assert.ElementsMatch(c, slices.Collect(maps.Keys(want)), slices.Collect(maps.Keys(found)), "%s: the push roles", tpl.StackName)
			for _, svc := range released {
				id, ok := found[stacks.ReleasePushRoleName(env.Name, svc)]
				if !ok {
					continue
				}
				trust := asList(get(roles[id].Properties, "AssumeRolePolicyDocument", "Statement"))
				require.Len(c, trust, 1, "%s: %s", tpl.StackName, id)
				st, _ := trust[0].(map[string]any)
				assert.Equal(c, map[string]any{"AWS": "arn:aws:iam::" + env.Released.ToolingAccount + ":root"}, st["Principal"], "%s: %s", tpl.StackName, id)
				assert.Equal(c, map[string]any{"ArnEquals": map[string]any{
					"aws:PrincipalArn": "arn:aws:iam::" + env.Released.ToolingAccount + ":role/" + releasepipeline.BuildRoleName(svc),
				}}, st["Condition"], "%s: %s trusts %s's build alone", tpl.StackName, id, svc)
				pushesTo(c, tpl, id, stacks.RepositoryName(env, svc))
			}
			_, policies := tpl.OfType("AWS::IAM::ManagedPolicy")
			for id, p := range policies {
				if !strings.Contains(jsonOf(p.Properties["Roles"]), "-deploy-role-") {
					continue
				}
				for _, s := range asList(get(p.Properties, "PolicyDocument", "Statement")) {
					for _, action := range stringList(get(s, "Action")) {
						assert.NotContains(c, []string{"ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload", "ecr:GetAuthorizationToken"},
							action, "%s: %s: the deploy role pushes nothing", tpl.StackName, id)
					}
				}
			}
		}
	}
}

// checkReleaseReadRoles: an environment that a delivery file releases into has one read role, in
// its home region's Registry stack, which only the release's scan gate and replication wait in
// the tooling account may assume, and which may only read (registry.ReadActions) the released
// services' repositories in the environment's regions.
func checkReleaseReadRoles(c *C, a *Assembly) {
	for _, env := range a.Envs {
		if env.RunsTiers() {
			continue // no images, no Registry stacks
		}
		for _, region := range env.Regions {
			tpl := a.Template(c, stackName(env, "Registry", region.Name))
			ids, roles := tpl.OfType("AWS::IAM::Role")
			var found []string
			for _, id := range ids {
				if name, _ := roles[id].Properties["RoleName"].(string); strings.HasSuffix(name, "-release-read") {
					assert.Equal(c, stacks.ReleaseReadRoleName(env.Name), name, "%s: %s", tpl.StackName, id)
					found = append(found, id)
				}
			}
			if env.Released == nil || region.Name != stacks.HomeRegion(env) {
				assert.Empty(c, found, "%s: a read role only in the home region of an environment releases go to", tpl.StackName)
				continue
			}
			require.Len(c, found, 1, "%s: the release's read role", tpl.StackName)
			id := found[0]
			tooling := "arn:aws:iam::" + env.Released.ToolingAccount
			trust := asList(get(roles[id].Properties, "AssumeRolePolicyDocument", "Statement"))
			require.Len(c, trust, 1, "%s: %s", tpl.StackName, id)
			st, _ := trust[0].(map[string]any)
			assert.Equal(c, map[string]any{"AWS": tooling + ":root"}, st["Principal"], "%s: %s", tpl.StackName, id)
			assert.Equal(c, map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": []any{
				tooling + ":role/" + releasepipeline.ScanRoleName, tooling + ":role/" + releasepipeline.ReplicationWaitRoleName,
			}}}, st["Condition"], "%s: %s trusts the scan gate and the replication wait alone", tpl.StackName, id)
			var want []any
			for _, r := range env.Regions {
				for _, svc := range env.Released.Services {
					want = append(want, "arn:aws:ecr:"+r.Name+":"+env.Account+":repository/"+stacks.RepositoryName(env, svc))
				}
			}
			statements := policyStatements(tpl, id)
			require.Len(c, statements, 1, "%s: %s's one statement", tpl.StackName, id)
			assert.Nil(c, roles[id].Properties["Policies"], "%s: %s has no inline policy", tpl.StackName, id)
			assert.Nil(c, roles[id].Properties["ManagedPolicyArns"], "%s: %s has no other managed policy", tpl.StackName, id)
			_, inline := tpl.OfType("AWS::IAM::Policy")
			for pid, p := range inline {
				assert.NotContains(c, jsonOf(p.Properties["Roles"]), `"`+id+`"`, "%s: %s is attached to %s", tpl.StackName, pid, id)
			}
			assert.Equal(c, anys(registry.ReadActions), get(statements[0], "Action"), "%s: %s only reads", tpl.StackName, id)
			assert.ElementsMatch(c, want, asList(get(statements[0], "Resource")), "%s: %s reads the released repositories alone", tpl.StackName, id)
		}
	}
}

// policyStatements are the statements of the managed policies of tpl attached to role id alone.
func policyStatements(tpl *Template, id string) []any {
	_, policies := tpl.OfType("AWS::IAM::ManagedPolicy")
	var statements []any
	for _, p := range policies {
		if reflect.DeepEqual(p.Properties["Roles"], []any{map[string]any{"Ref": id}}) {
			statements = append(statements, asList(get(p.Properties, "PolicyDocument", "Statement"))...)
		}
	}
	return statements
}

// pushesTo checks that role id of tpl may push to repository name and nothing else.
func pushesTo(c *C, tpl *Template, id, name string) {
	ids, repos := tpl.OfType("AWS::ECR::Repository")
	var repo string
	for _, rid := range ids {
		if repos[rid].Properties["RepositoryName"] == name {
			repo = rid
		}
	}
	require.NotEmpty(c, repo, "%s: repository %s", tpl.StackName, name)
	statements := policyStatements(tpl, id)
	require.Len(c, statements, 2, "%s: %s's login and push", tpl.StackName, id)
	for _, s := range statements {
		st, _ := s.(map[string]any)
		if st["Sid"] == "RegistryLogin" {
			assert.Equal(c, "ecr:GetAuthorizationToken", st["Action"], "%s: %s", tpl.StackName, id)
			continue
		}
		assert.Equal(c, map[string]any{"Fn::GetAtt": []any{repo, "Arn"}}, st["Resource"], "%s: %s pushes to %s only", tpl.StackName, id, name)
	}
}

// TestEachReleaseBuildAssumesOnlyItsServicesPushRoles: the push roles (environment accounts,
// checkReleasePushRoles) and the builds' roles (tooling account) are two stacks apart and meet
// only by name: each build's role has the name its service's push roles trust and assumes exactly
// those.
func TestEachReleaseBuildAssumesOnlyItsServicesPushRoles(t *testing.T) {
	a := Fixtures(t)
	delivery, err := config.LoadDelivery(filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	require.NotEmpty(t, delivery.ReleasedServices())
	release := releaseTemplate(t)
	for _, svc := range delivery.ReleasedServices() {
		var pushRoles []any
		for _, envName := range delivery.Environments {
			env := a.Envs[envName]
			require.NotNil(t, env, envName)
			require.NotNil(t, env.Released, "%s: the delivery file releases into it", envName)
			pushRoles = append(pushRoles, "arn:aws:iam::"+env.Account+":role/"+stacks.ReleasePushRoleName(env.Name, svc))
		}
		assert.ElementsMatch(t, pushRoles, assumedBy(t, release, releasepipeline.BuildRoleName(svc)),
			"%s's build assumes its push roles and nothing else", svc)
	}
}

// TestTheScanGateAndTheWaitAssumeOnlyTheReadRoles: as the builds and the push roles, the read roles
// (checkReleaseReadRoles) and the two projects that assume them meet only by name.
func TestTheScanGateAndTheWaitAssumeOnlyTheReadRoles(t *testing.T) {
	a := Fixtures(t)
	delivery, err := config.LoadDelivery(filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	var readRoles []any
	for _, envName := range delivery.Environments {
		env := a.Envs[envName]
		require.NotNil(t, env, envName)
		readRoles = append(readRoles, "arn:aws:iam::"+env.Account+":role/"+stacks.ReleaseReadRoleName(env.Name))
	}
	release := releaseTemplate(t)
	for _, name := range []string{releasepipeline.ScanRoleName, releasepipeline.ReplicationWaitRoleName} {
		assert.ElementsMatch(t, readRoles, assumedBy(t, release, name), "%s assumes the read roles and nothing else", name)
	}
}

// assumedBy is what the one role of the release's stacks named name may assume.
func assumedBy(t *testing.T, release map[string]any, name string) []any {
	t.Helper()
	role := ""
	for id, r := range cdktest.OfType(t, release, "AWS::IAM::Role") {
		if cdktest.Props(t, r)["RoleName"] == name {
			require.Empty(t, role, "one role named %s", name)
			role = id
		}
	}
	require.NotEmpty(t, role, "a role has the name %s, which the environments' roles trust", name)
	var assumed []any
	for _, p := range cdktest.OfType(t, release, "AWS::IAM::ManagedPolicy") {
		props := cdktest.Props(t, p)
		if cdktest.Path[string](t, props, "Roles", "0", "Ref") != role {
			continue
		}
		for _, s := range cdktest.Path[[]any](t, props, "PolicyDocument", "Statement") {
			st := s.(map[string]any)
			// Any STS action (or every action) counts, listed or not.
			if !slices.ContainsFunc(stringList(st["Action"]), func(a string) bool { return strings.HasPrefix(a, "sts:") || a == "*" }) {
				continue
			}
			switch r := st["Resource"].(type) {
			case []any:
				assumed = append(assumed, r...)
			default:
				assumed = append(assumed, r)
			}
		}
	}
	return assumed
}

var (
	releaseOnce   sync.Once
	releaseStacks map[string]map[string]any // stack name → template
	releaseAll    map[string]any
	releaseErr    error
)

// readReleases reads the Release stacks of the fixtures' delivery file once: each template by
// its stack's name, and their resources in one template (their logical ids differ).
func readReleases(t *testing.T) (map[string]map[string]any, map[string]any) {
	t.Helper()
	p := Pipeline(t)
	releaseOnce.Do(func() {
		releaseStacks, releaseAll = map[string]map[string]any{}, map[string]any{}
		for _, a := range p.releases {
			data, err := os.ReadFile(a.TemplatePath)
			if err == nil {
				var tpl map[string]any
				err = json.Unmarshal(data, &tpl)
				releaseStacks[a.StackName] = tpl
				resources, _ := tpl["Resources"].(map[string]any)
				for id, r := range resources {
					if _, seen := releaseAll[id]; seen && id != "CDKMetadata" {
						err = fmt.Errorf("%s: logical id %s is in another Release stack too", a.StackName, id)
					}
					releaseAll[id] = r
				}
			}
			if err != nil {
				releaseErr = err
				return
			}
		}
		delete(releaseAll, "CDKMetadata")
	})
	require.NoError(t, releaseErr)
	require.NotEmpty(t, releaseStacks, "the delivery file's releases add the Release stacks")
	return releaseStacks, releaseAll
}

// releaseTemplate is the resources of the Release stacks in one template.
func releaseTemplate(t *testing.T) map[string]any {
	_, all := readReleases(t)
	return map[string]any{"Resources": all}
}

// TestEachReleasePipelineIsInItsOwnStack: the shared Release stack holds no pipeline, and each
// service's pipeline is in the stack named after it.
func TestEachReleasePipelineIsInItsOwnStack(t *testing.T) {
	byStack, _ := readReleases(t)
	for name, tpl := range byStack {
		pipelines := cdktest.OfType(t, tpl, "AWS::CodePipeline::Pipeline")
		if name == stacks.ReleaseStackName {
			assert.Empty(t, pipelines, "the shared Release stack holds no pipeline")
			continue
		}
		require.Len(t, pipelines, 1, "%s holds one pipeline", name)
		for _, r := range pipelines {
			assert.Equal(t, stacks.ReleaseServiceStackName(strings.TrimPrefix(cdktest.Props(t, r)["Name"].(string), "release-")), name,
				"a service's pipeline is in its own stack")
		}
	}
}

func TestReleasePipelinePromotesOneDigestThroughTheEnvironments(t *testing.T) {
	tpl := releaseTemplate(t)
	var pipe map[string]any
	for _, r := range cdktest.OfType(t, tpl, "AWS::CodePipeline::Pipeline") {
		if p := cdktest.Props(t, r); p["Name"] == "release-product" {
			pipe = p
		}
	}
	require.NotNil(t, pipe, "product's release pipeline")
	var order []string
	byStage := map[string][]action{}
	for _, s := range cdktest.Decode[[]pipelineStage](t, pipe["Stages"]) {
		order = append(order, s.Name)
		byStage[s.Name] = s.Actions
	}
	assert.Equal(t, []string{"Source", "Build", "ScanGate", "Dev", "Staging", "Prod"}, order, "delivery.yaml's order, after the scan gate")
	names := func(stage string) (out []string) {
		for _, a := range byStage[stage] {
			out = append(out, a.Name)
		}
		return out
	}
	assert.Equal(t, []string{"Replicated", "Deploy", "IntegrationTest"}, names("Staging"))
	assert.Equal(t, []string{"Replicated", "Approve", "Deploy"}, names("Prod"), "delivery.yaml approves prod")

	vars := func(a action) map[string]string {
		out := map[string]string{}
		var list []struct{ Name, Value string }
		require.NoError(t, json.Unmarshal([]byte(a.Configuration["EnvironmentVariables"].(string)), &list))
		for _, v := range list {
			out[v.Name] = v.Value
		}
		return out
	}
	staging, prod := vars(byStage["Staging"][1]), vars(byStage["Prod"][2])
	assert.Equal(t, releasepipeline.DigestVariable, staging["IMAGE_DIGEST"])
	assert.Equal(t, releasepipeline.DigestVariable, prod["IMAGE_DIGEST"], "prod deploys the digest staging deployed")
	assert.Equal(t, "us-east-1=Prod-Service-product-us-east-1 eu-west-1=Prod-Service-product-eu-west-1", prod["STACKS"])
	assert.Equal(t, "/stratus/prod/product/image", prod["PARAMETER"])
	assert.Equal(t, "us-east-1 eu-west-1", vars(byStage["Prod"][0])["REGIONS"], "prod waits for the replica in eu-west-1")
	assert.Equal(t, "https://staging.stratus.example.com/", vars(byStage["Staging"][2])["ENTRY_URL"], "the staging Edge stack's EntryUrl")
	assert.Equal(t, "CRITICAL HIGH", vars(byStage["ScanGate"][0])["FAIL_SEVERITIES"], "failOn: HIGH")
}

// TestEveryShippedServiceHasAReleasePipeline: with the shipped delivery file, each service of
// the environments it deploys (all pull their own repository) ships through its own pipeline.
func TestEveryShippedServiceHasAReleasePipeline(t *testing.T) {
	envs, err := config.LoadDir(filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	want := map[string]bool{}
	for _, env := range envs {
		for _, s := range env.Services {
			require.True(t, s.PullsOwnRepository(), "%s: %s pulls its own repository", env.Name, s.Name)
			want["release-"+s.Name] = true
		}
	}
	got := map[string]bool{}
	for _, r := range cdktest.OfType(t, releaseTemplate(t), "AWS::CodePipeline::Pipeline") {
		got[cdktest.Props(t, r)["Name"].(string)] = true
	}
	assert.Equal(t, want, got)
}
