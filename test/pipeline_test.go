package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/assembly"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/policydoc"
	"github.com/stratus-platform/stratus/stacks"
)

// pipelineApp is the fixture folder built as app.go builds it (every stage with the compliance
// packs, then the Pipeline stack from delivery.yaml) and synthesized once, read from its cloud
// assembly: make test's own (config/ is the fixtures, delivery.yaml included) or, without one,
// a synthesis here.
type pipelineApp struct {
	dir      string
	delivery *config.Delivery
	// stack, releases and support are the Pipeline stack, the Release stacks (delivery.yaml
	// releases: the shared one first, then a pipeline's each) and CDK Pipelines' cross-region
	// support stacks, from the manifest.
	stack    *assembly.Artifact
	releases []assembly.Artifact
	support  []assembly.Artifact
	// pipeline is the AWS::CodePipeline::Pipeline's Properties.
	pipeline map[string]any
}

var (
	pipelineOnce sync.Once
	pipelineOut  *pipelineApp
	pipelineErr  error
)

// buildLikeApp loads dir's environments and delivery file and builds them into app with
// stacks.Build, as app.go does.
func buildLikeApp(app awscdk.App, dir string) error {
	envs, err := config.LoadDir(dir)
	if err != nil {
		return err
	}
	delivery, err := config.LoadDelivery(dir)
	if err != nil {
		return err
	}
	_, err = stacks.Build(app, envs, delivery)
	return err
}

// TestTheHarnessSynthesizesWithWhatTheCLIAdds: every context key the pinned CLI adds to an app's
// context (aws:cdk:… and @aws-cdk/…) is one the harness synthesizes with, at the CLI's value
// (clicontext.CLIAdditions), or one it leaves out for a stated reason. Synthesized without the CLI's version
// reporting, the built-in validator reported warnings `cdk synth` never shows.
func TestTheHarnessSynthesizesWithWhatTheCLIAdds(t *testing.T) {
	cli := pinnedCLI(t)
	dir := t.TempDir()
	dump, app, env := filepath.Join(dir, "context.json"), filepath.Join(dir, "app"), filepath.Join(dir, "env")
	require.NoError(t, os.WriteFile(app, []byte("#!/bin/sh\nprintf '%s' \"$CDK_CONTEXT_JSON\" > '"+dump+"'\nenv > '"+env+"'\n"), 0o755))
	cmd := exec.Command(cli, "synth", "--quiet", "--app", app, "--output", filepath.Join(dir, "out"))
	cmd.Dir = repoRoot
	out, _ := cmd.CombinedOutput() // the app writes no assembly, so the CLI fails after it ran
	data, err := os.ReadFile(dump)
	require.NoError(t, err, "the CLI did not run the app:\n%s", out)
	var given map[string]any
	require.NoError(t, json.Unmarshal(data, &given))
	leftOut := map[string]string{
		"aws:cdk:bundling-stacks": "which stacks bundle assets: the app bundles none (its functions deploy from their folders)",
		"@aws-cdk/core:failSynthOnValidationErrors": "the CLI then fails on the validation report itself; a test's synth (and stratus assemble's) " +
			"fails at once, and the tests read the report too (checkAnnotations)",
	}
	for k := range clicontext.CLIAdditions() {
		assert.Contains(t, given, k, "the CLI no longer adds %s: drop it from clicontext.CLIAdditions", k)
	}
	for k, v := range given {
		if _, ok := leftOut[k]; ok || !(strings.HasPrefix(k, "aws:cdk:") || strings.HasPrefix(k, "@aws-cdk/")) {
			continue
		}
		assert.Equal(t, v, cdkContext[k], "the CLI gives the app %s; the harness synthesizes with %v", k, cdkContext[k])
	}
	// Nor does the CLI hand the app a variable that changes what it writes: the harness and
	// `stratus assemble` (make test's synthesis) set none of them. (PATH, PWD, SHLVL and _ are the
	// shell's that runs the app.)
	unneeded := map[string]string{
		"AWS_EC2_METADATA_DISABLED": "for AWS SDK calls, which the app never makes: its stacks need no lookups",
		"FORCE_COLOR":               "the colour of the CLI's own output",
		"PYTHONIOENCODING":          "for Python apps",
		"CDK_OUTDIR":                "where to write: the harness and assemble give the app's Outdir",
		"CDK_CONTEXT_JSON":          "the context, checked above",
		"CDK_CLI_VERSION":           "read by no aws-cdk-lib code but the CLI's own",
		"CDK_CLI_ASM_VERSION":       "read by no aws-cdk-lib code but the CLI's own",
		"CDK_DEFAULT_REGION":        "for stacks without a region; every Stratus stack names its account and region",
		"CDK_DEFAULT_ACCOUNT":       "for stacks without an account; every Stratus stack names its account and region",
		"CDK_ERROR_FILE":            "where the app leaves an error for the CLI to print",
		"CDK_PERF_COUNTERS_FILE":    "where aws-cdk-lib leaves its timings for the CLI",
	}
	vars, err := os.ReadFile(env)
	require.NoError(t, err)
	for _, line := range strings.Split(string(vars), "\n") {
		name, value, ok := strings.Cut(line, "=")
		if !ok || slices.Contains([]string{"PATH", "PWD", "SHLVL", "_"}, name) || os.Getenv(name) == value {
			continue
		}
		assert.Contains(t, unneeded, name, "the CLI now gives the app %s: does the harness (and stratus assemble) need it?", name)
	}
}

// withoutDelivery copies the fixture configs except delivery.yaml into a new folder.
func withoutDelivery() (string, error) {
	dir, err := os.MkdirTemp("", "stratus-nodelivery-*")
	if err != nil {
		return "", err
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, fixtureDir, "*.yaml"))
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if filepath.Base(f) == config.DeliveryFile {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// CLIWithoutDelivery is the fixtures without their delivery file, synthesized as `cdk synth`
// does, once (child_test.go): what `cdk deploy` deploys.
func CLIWithoutDelivery(t testing.TB) string { return cliChild.Dir(t) }

func Pipeline(t testing.TB) *pipelineApp {
	t.Helper()
	pipelineOnce.Do(func() {
		defer recoverInto(&pipelineErr)
		fixtures := filepath.Join(repoRoot, fixtureDir)
		// make test's assembly of config/ holds the fixtures' pipeline too: not synthesized twice.
		dir, err := sharedFixtures()
		if pipelineErr = err; err != nil {
			return
		}
		if dir == "" {
			if dir, pipelineErr = os.MkdirTemp("", "stratus-pipeline-*"); pipelineErr != nil {
				return
			}
			app := NewTestApp(dir)
			if pipelineErr = buildLikeApp(app, fixtures); pipelineErr != nil {
				return
			}
			app.Synth(nil)
		}
		pipelineOut, pipelineErr = readPipeline(dir, fixtures)
	})
	require.NoError(t, pipelineErr, "synthesizing the fixtures with their delivery file")
	require.NotNil(t, pipelineOut.pipeline, "the fixtures' delivery file adds the pipeline")
	return pipelineOut
}

// readPipeline reads the pipeline of the configs in configDir from the assembly in dir: every
// top-level stack that belongs to no environment's stage is the Pipeline stack, a Release
// stack or a support stack.
func readPipeline(dir, configDir string) (*pipelineApp, error) {
	envs, err := config.LoadDir(configDir)
	if err != nil {
		return nil, err
	}
	delivery, err := config.LoadDelivery(configDir)
	if err != nil {
		return nil, err
	}
	artifacts, err := assembly.Artifacts(dir)
	if err != nil {
		return nil, err
	}
	out := &pipelineApp{dir: dir, delivery: delivery}
	for _, a := range artifacts {
		staged := slices.ContainsFunc(envs, func(env *config.Environment) bool {
			return strings.HasPrefix(a.StackName, stacks.StageID(env.Name)+"-")
		})
		switch {
		case staged:
		case a.StackName == stacks.PipelineStackName:
			out.stack = &a
		case a.StackName == stacks.ReleaseStackName:
			out.releases = append([]assembly.Artifact{a}, out.releases...)
		case strings.HasPrefix(a.StackName, stacks.ReleaseStackName+"-"):
			out.releases = append(out.releases, a)
		default:
			out.support = append(out.support, a)
		}
	}
	tpl, err := readTemplate(filepath.Join(dir, stacks.PipelineStackName+".template.json"))
	if err != nil {
		return nil, err
	}
	for _, r := range tpl.Resources {
		if r.Type == "AWS::CodePipeline::Pipeline" {
			out.pipeline = r.Properties
		}
	}
	return out, nil
}

// action is one action of the synthesized pipeline.
type action struct {
	Name         string `json:"Name"`
	RunOrder     int    `json:"RunOrder"`
	Region       string `json:"Region"`
	ActionTypeID struct {
		Category string `json:"Category"`
		Provider string `json:"Provider"`
	} `json:"ActionTypeId"`
	Configuration map[string]any `json:"Configuration"`
}

type pipelineStage struct {
	Name    string   `json:"Name"`
	Actions []action `json:"Actions"`
}

// stages are the pipeline's stages. CodePipeline holds at most 50 actions per stage, so CDK
// Pipelines splits a larger environment stage into <Env>.1, <Env>.2, …, which run one after the
// other; stages joins the parts back into the environment's stage, each part's run orders after
// the previous part's, as they run.
func (p *pipelineApp) stages(t *testing.T) []pipelineStage {
	t.Helper()
	var out []pipelineStage
	for _, s := range cdktest.Decode[[]pipelineStage](t, p.pipeline["Stages"]) {
		base, part, split := strings.Cut(s.Name, ".")
		if _, err := strconv.Atoi(part); !split || err != nil {
			out = append(out, s)
			continue
		}
		if len(out) == 0 || out[len(out)-1].Name != base {
			out = append(out, pipelineStage{Name: base})
		}
		joined := &out[len(out)-1]
		offset := 0
		for _, a := range joined.Actions {
			offset = max(offset, a.RunOrder)
		}
		for _, a := range s.Actions {
			a.RunOrder += offset
			joined.Actions = append(joined.Actions, a)
		}
	}
	return out
}

func (p *pipelineApp) stage(t *testing.T, name string) pipelineStage {
	t.Helper()
	for _, s := range p.stages(t) {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("the pipeline has no stage %s", name)
	return pipelineStage{}
}

// deploys are the stage's CloudFormation actions that execute a change set.
func (s pipelineStage) deploys() []action { return s.cloudFormation(".Deploy") }

// prepares are the stage's CloudFormation actions that create a change set from a template.
func (s pipelineStage) prepares() []action { return s.cloudFormation(".Prepare") }

func (s pipelineStage) cloudFormation(suffix string) []action {
	var out []action
	for _, a := range s.Actions {
		if a.ActionTypeID.Provider == "CloudFormation" && strings.HasSuffix(a.Name, suffix) {
			out = append(out, a)
		}
	}
	return out
}

func TestPipelineStagesInOrder(t *testing.T) {
	p := Pipeline(t)
	var names []string
	for _, s := range p.stages(t) {
		names = append(names, s.Name)
	}
	want := []string{"Source", "Build", "UpdatePipeline", "Assets"}
	for _, env := range p.delivery.Environments {
		want = append(want, stacks.StageID(env))
	}
	assert.Equal(t, want, names)
	assert.Equal(t, "V2", p.pipeline["PipelineType"])
	source := p.stage(t, "Source").Actions
	require.Len(t, source, 1)
	assert.Equal(t, "CodeStarSourceConnection", source[0].ActionTypeID.Provider)
	assert.Equal(t, p.delivery.Source.ConnectionArn, source[0].Configuration["ConnectionArn"])
	assert.Equal(t, p.delivery.Source.Repository, source[0].Configuration["FullRepositoryId"])
	assert.Equal(t, p.delivery.Source.Branch, source[0].Configuration["BranchName"])
}

func TestApprovalBeforeEveryProdDeploy(t *testing.T) {
	p := Pipeline(t)
	for _, env := range p.delivery.Environments {
		s := p.stage(t, stacks.StageID(env))
		var approvals []action
		for _, a := range s.Actions {
			if a.ActionTypeID.Category == "Approval" {
				approvals = append(approvals, a)
			}
		}
		if !p.delivery.NeedsApproval(env) {
			assert.Empty(t, approvals, "%s deploys without an approval", env)
			continue
		}
		require.Len(t, approvals, 1, "%s waits for one approval", env)
		require.NotEmpty(t, s.deploys())
		for _, d := range s.deploys() {
			assert.Less(t, approvals[0].RunOrder, d.RunOrder, "%s: %s runs after the approval", env, d.Name)
		}
		for _, a := range s.Actions {
			if a.ActionTypeID.Provider == "CloudFormation" {
				assert.Less(t, approvals[0].RunOrder, a.RunOrder, "%s: even the change sets (%s) wait", env, a.Name)
			}
		}
		assert.NotNil(t, approvals[0].Configuration["NotificationArn"], "the approval notifies the topic")
	}
	assert.True(t, p.delivery.NeedsApproval("prod"))
}

func TestSmokeTestAfterEachNonProdEnvironment(t *testing.T) {
	p := Pipeline(t)
	envs := p.delivery.Environments
	for i, env := range envs {
		s := p.stage(t, stacks.StageID(env))
		var smoke []action
		for _, a := range s.Actions {
			if a.Name == "SmokeTest" {
				smoke = append(smoke, a)
			}
		}
		if i == len(envs)-1 {
			assert.Empty(t, smoke, "%s is the last environment: nothing to promote to", env)
			continue
		}
		require.Len(t, smoke, 1, "%s is smoke-tested", env)
		for _, d := range s.deploys() {
			assert.Greater(t, smoke[0].RunOrder, d.RunOrder, "%s: the smoke test runs after %s", env, d.Name)
		}
		// It reads the Edge stack's entry and every region's health check from stack outputs.
		vars := cdktest.As[string](t, smoke[0].Configuration["EnvironmentVariables"])
		assert.Contains(t, vars, `"name":"ENTRY_URL"`)
		assert.Contains(t, vars, "EntryUrl}")
		for _, r := range Fixtures(t).Envs[env].Regions {
			assert.Contains(t, vars, `"name":"HEALTH_CHECK_`+strings.ToUpper(strings.ReplaceAll(r.Name, "-", "_"))+`"`)
		}
		assert.Regexp(t, `Edge[a-z0-9]+[0-9A-F]{8}\.OriginHealthCheckId[A-Za-z0-9]+}`, vars)
	}
}

func TestBothProdRegionsAreDeployed(t *testing.T) {
	p := Pipeline(t)
	prod := Fixtures(t).Envs["prod"]
	require.Len(t, prod.Regions, 2)
	deployed := map[string]bool{}
	for _, d := range p.stage(t, "Prod").deploys() {
		deployed[cdktest.As[string](t, d.Configuration["StackName"])] = true
	}
	for _, name := range Fixtures(t).StackNames() {
		if strings.HasPrefix(name, "Prod-") {
			assert.True(t, deployed[name], "the pipeline deploys %s", name)
		}
	}
	regions := map[string]bool{}
	for _, d := range p.stage(t, "Prod").deploys() {
		region := d.Region
		if region == "" {
			region = p.delivery.Region // an action without Region runs in the pipeline's region
		}
		regions[region] = true
	}
	for _, r := range prod.Regions {
		assert.True(t, regions[r.Name], "prod deploys to %s", r.Name)
	}
}

// TestStacksAreDeployedInDependencyOrder: within each environment a stack's change set runs only
// after every stack it depends on deployed, and independent stacks share a run order.
func TestStacksAreDeployedInDependencyOrder(t *testing.T) {
	p := Pipeline(t)
	fixtures := Fixtures(t)
	for _, env := range p.delivery.Environments {
		order := map[string]int{}
		for _, d := range p.stage(t, stacks.StageID(env)).deploys() {
			order[cdktest.As[string](t, d.Configuration["StackName"])] = d.RunOrder
		}
		for name, run := range order {
			for _, dep := range fixtures.Template(t, name).DependsOn {
				assert.Less(t, order[dep], run, "%s deploys after %s", name, dep)
			}
		}
		runs := map[int]int{}
		for _, run := range order {
			runs[run]++
		}
		assert.Less(t, len(runs), len(order), "%s: some stacks deploy side by side", env)
	}
}

// TestThePipelineDeploysTheCLIsTemplates: every template a deploy action names is, byte for
// byte, the template `cdk deploy` deploys for that stack (the same configs synthesized without a
// delivery file), at the same place in the cloud assembly, and every stack of those
// environments is deployed.
//
// The delivery file adds one thing to the environments: the push role of each released service in
// its environment's home-region Registry stack (docs/release.md). Those stacks must equal the
// CLI's once the push roles (and the CDKMetadata construct list, which names the role's type) are
// taken out; every other template is the same, byte for byte.
func TestThePipelineDeploysTheCLIsTemplates(t *testing.T) {
	t.Parallel() // it reads a child synthesis (child_test.go): last, when that is done
	p := Pipeline(t)
	cli := CLIWithoutDelivery(t)
	deployed := map[string]bool{}
	for _, env := range p.delivery.Environments {
		a := Fixtures(t)
		for _, d := range p.stage(t, stacks.StageID(env)).prepares() {
			artifact, path, ok := strings.Cut(cdktest.As[string](t, d.Configuration["TemplatePath"]), "::")
			require.True(t, ok)
			assert.Equal(t, "Synth_Output", artifact, "the template comes from the synth step's cloud assembly")
			name := cdktest.As[string](t, d.Configuration["StackName"])
			deployed[name] = true
			got, err := os.ReadFile(filepath.Join(p.dir, path))
			require.NoError(t, err)
			want, err := os.ReadFile(filepath.Join(cli, path))
			require.NoError(t, err, "the CLI's assembly has %s", path)
			e := a.Envs[env]
			if name != stackName(e, "Registry", stacks.HomeRegion(e)) {
				assert.True(t, string(got) == string(want), "%s differs from the CLI's", path)
				continue
			}
			releaseRoles := []string{stacks.ReleaseReadRoleName(e.Name)}
			for _, svc := range p.delivery.ReleasedServices() {
				releaseRoles = append(releaseRoles, stacks.ReleasePushRoleName(e.Name, svc))
			}
			gotTpl, removed := withoutReleaseRoles(t, got)
			wantTpl, none := withoutReleaseRoles(t, want)
			assert.ElementsMatch(t, releaseRoles, removed, "%s: the read role and the push roles of the released services", path)
			assert.Empty(t, none, "%s: the CLI's synthesis without a delivery file has no release role", path)
			assert.Equal(t, wantTpl, gotTpl, "%s differs from the CLI's beyond the release roles", path)
		}
	}
	require.NotEmpty(t, deployed)
	for _, name := range Fixtures(t).StackNames() {
		assert.True(t, deployed[name], "the pipeline deploys %s", name)
	}
}

// withoutReleaseRoles decodes a template and takes out the roles the releases assume
// (registry.PushRole, each named stratus-…-push, and registry.ReadRole, stratus-…-release-read,
// with the policies attached to them) and its CDKMetadata resource; it returns the rest and the
// roles' names.
func withoutReleaseRoles(t *testing.T, data []byte) (map[string]any, []string) {
	t.Helper()
	var tpl map[string]any
	require.NoError(t, json.Unmarshal(data, &tpl))
	resources := cdktest.Path[map[string]any](t, tpl, "Resources")
	delete(resources, "CDKMetadata")
	var names []string
	for id, r := range cdktest.OfType(t, tpl, "AWS::IAM::Role") {
		name, _ := cdktest.Props(t, r)["RoleName"].(string)
		if !strings.HasPrefix(name, "stratus-") || !strings.HasSuffix(name, "-push") && !strings.HasSuffix(name, "-release-read") {
			continue
		}
		names = append(names, name)
		delete(resources, id)
		for pid, p := range cdktest.OfType(t, tpl, "AWS::IAM::ManagedPolicy") {
			if reflect.DeepEqual(cdktest.Props(t, p)["Roles"], []any{map[string]any{"Ref": id}}) {
				delete(resources, pid)
			}
		}
	}
	return tpl, names
}

func TestPipelineEncryptionAndBuilds(t *testing.T) {
	p := Pipeline(t)
	tpl, err := readTemplate(filepath.Join(p.dir, stacks.PipelineStackName+".template.json"))
	require.NoError(t, err)
	keys, keyRes := tpl.OfType("AWS::KMS::Key")
	require.Len(t, keys, 1, "one pipeline key")
	assert.Equal(t, true, keyRes[keys[0]].Properties["EnableKeyRotation"])
	keyRef := map[string]any{"Fn::GetAtt": []any{keys[0], "Arn"}}

	for _, s := range cdktest.As[[]any](t, p.pipeline["ArtifactStores"]) {
		st := cdktest.As[map[string]any](t, cdktest.As[map[string]any](t, s)["ArtifactStore"])
		assert.Equal(t, "KMS", cdktest.Path[string](t, st, "EncryptionKey", "Type"), "artifacts in %v are KMS-encrypted", s)
	}

	ids, buckets := tpl.OfType("AWS::S3::Bucket")
	var artifactsID string
	for _, id := range ids {
		if strings.Contains(id, "Artifacts") {
			artifactsID = id
		}
	}
	require.NotEmpty(t, artifactsID)
	artifacts := buckets[artifactsID].Properties
	assert.Equal(t, "aws:kms", cdktest.Path[string](t, artifacts, "BucketEncryption", "ServerSideEncryptionConfiguration", "0", "ServerSideEncryptionByDefault", "SSEAlgorithm"))
	assert.Equal(t, "Enabled", cdktest.Path[string](t, artifacts, "VersioningConfiguration", "Status"))
	tlsOnly := false
	_, policies := tpl.OfType("AWS::S3::BucketPolicy")
	for _, pol := range policies {
		if ref, _ := pol.Properties["Bucket"].(map[string]any); ref["Ref"] == artifactsID {
			raw, _ := json.Marshal(pol.Properties)
			tlsOnly = strings.Contains(string(raw), `"aws:SecureTransport":"false"`)
		}
	}
	assert.True(t, tlsOnly, "the artifact bucket refuses requests without TLS")

	projects, byID := tpl.OfType("AWS::CodeBuild::Project")
	require.NotEmpty(t, projects)
	for _, id := range projects {
		props := byID[id].Properties
		assert.Equal(t, keyRef, props["EncryptionKey"], "%s is encrypted with the pipeline key", id)
		assert.Equal(t, false, cdktest.Path[bool](t, props, "Environment", "PrivilegedMode"), "%s runs unprivileged", id)
		assert.Equal(t, "LOCAL", cdktest.Path[string](t, props, "Cache", "Type"), "%s caches", id)
		spec := cdktest.Path[string](t, props, "Source", "BuildSpec")
		assert.Contains(t, spec, `"nodejs": "`+limits.NodeMajor+`"`, "%s pins Node", id)
		raw, _ := json.Marshal(props["Environment"])
		assert.Contains(t, string(raw), limits.GoToolchain, "%s pins Go", id)
	}
	topics, topic := tpl.OfType("AWS::SNS::Topic")
	require.Len(t, topics, 1)
	assert.Equal(t, keyRef, topic[topics[0]].Properties["KmsMasterKeyId"])
	_, subs := tpl.OfType("AWS::SNS::Subscription")
	var emails []string
	for _, s := range subs {
		emails = append(emails, cdktest.As[string](t, s.Properties["Endpoint"]))
	}
	assert.ElementsMatch(t, p.delivery.Notify, emails)
}

func TestTheSynthStepRunsTheGates(t *testing.T) {
	p := Pipeline(t)
	tpl, err := readTemplate(filepath.Join(p.dir, stacks.PipelineStackName+".template.json"))
	require.NoError(t, err)
	_, projects := tpl.OfType("AWS::CodeBuild::Project")
	var synth string
	for id, r := range projects {
		if strings.Contains(id, "Synth") {
			synth = cdktest.Path[string](t, r.Properties, "Source", "BuildSpec")
		}
	}
	require.NotEmpty(t, synth)
	assert.Contains(t, synth, `"make test"`)
	assert.Contains(t, synth, "cfn-lint=="+limits.CfnLintVersion)
	assert.Contains(t, synth, `"base-directory": "cdk.out"`)
	for id, r := range projects {
		spec := cdktest.Path[string](t, r.Properties, "Source", "BuildSpec")
		assert.NotContains(t, spec, "@latest", "%s installs pinned tools only", id)
		if strings.Contains(id, "Asset") {
			assert.Contains(t, spec, "cdk-assets@"+limits.CdkAssetsVersion, id)
		}
		if strings.Contains(id, "SelfMutation") {
			assert.Contains(t, spec, "aws-cdk@"+limits.CdkCliVersion, id)
		}
	}
}

func TestThePipelineIsCompliant(t *testing.T) {
	p := Pipeline(t)
	require.Len(t, p.releases, 1+len(p.delivery.Releases), "the fixtures' delivery file releases its services: the shared Release stack and one a pipeline")
	names := []string{stacks.PipelineStackName}
	for _, a := range p.releases {
		names = append(names, a.StackName)
	}
	// One support stack per region, other than the pipeline's, that a stage deploys to: prod's
	// eu-west-1, and staging's backup DR region (us-west-2).
	envs, err := config.LoadDir(filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	var want, got []string
	for _, env := range envs {
		for _, r := range env.BackupRegions() {
			if r != p.delivery.Region && !slices.Contains(want, r) {
				want = append(want, r)
			}
		}
	}
	for _, s := range p.support {
		got = append(got, s.Region)
		names = append(names, s.StackName)
	}
	require.ElementsMatch(t, want, got, "a cross-region support stack per region the stages deploy to")
	// No error or warning annotation in the assembly (manifests and validation report).
	for _, f := range (check{"no annotation", checkAnnotations}).runOn(&Assembly{Dir: p.dir}) {
		t.Error(f)
	}
	cdktest.NagPacksRan(t, p.dir, names...)
	cdktest.CfnLintClean(t, p.dir, len(names))
}

// TestTheToolingStacksGuardTheirKeysAndKeepTheirData: the app's own stacks (the pipeline's, the
// releases' and the cross-region replication buckets') hold to what every stage stack holds to.
// Their keys carry the guard (no grant but for an AWS resource, no administration but by the
// tooling account's deploying role), and their buckets, keys and log groups outlive a deleted
// stack.
func TestTheToolingStacksGuardTheirKeysAndKeepTheirData(t *testing.T) {
	p := Pipeline(t)
	require.NotEmpty(t, p.releases)
	require.NotNil(t, p.stack)
	arts := slices.Concat([]assembly.Artifact{*p.stack}, p.releases, p.support)
	tooling := &Assembly{Name: "tooling stacks", Dir: p.dir, Templates: map[string]*Template{}}
	guarded := 0
	for _, a := range arts {
		tpl, err := readTemplate(a.TemplatePath)
		require.NoError(t, err, a.StackName)
		tpl.StackName = a.StackName
		tooling.Templates[a.StackName] = tpl
		// The role CloudFormation deploys the stack with: aws-cdk-lib deploys the support
		// stacks with the pipeline region's roles, which must keep administering their keys.
		_, role, ok := strings.Cut(a.ExecutionRoleArn, ":role/")
		require.True(t, ok, "%s: the manifest names its execution role: %q", a.StackName, a.ExecutionRoleArn)
		guarded += assertKeysGuarded(t, tpl, role)
	}
	assert.GreaterOrEqual(t, guarded, 2+len(p.support), "the pipeline's, the releases' and each support stack's key")
	for _, f := range (check{"nothing stateful lost", checkNothingStatefulLost}).runOn(tooling) {
		t.Error(f)
	}
	for _, f := range (check{"buckets block public access, encrypt and refuse plain HTTP", checkBuckets}).runOn(tooling) {
		t.Error(f)
	}
	// The pipeline role uses the replication keys of the support stacks' regions by their
	// aliases, one statement each, and no role of the tooling stacks may use every key.
	var kmsOnKeys []string // "<key/* ARN> <the alias its statement requires>"
	for name, tpl := range tooling.Templates {
		_, policies := tpl.OfType("AWS::IAM::ManagedPolicy")
		for _, pol := range policies {
			for _, st := range asList(get(pol.Properties, "PolicyDocument", "Statement")) {
				if !slices.ContainsFunc(policydoc.Strings(get(st, "Action")), func(a string) bool { return strings.HasPrefix(a, "kms:") }) {
					continue
				}
				assert.NotContains(t, stringList(get(st, "Resource")), "*", "%s: a KMS grant on every key", name)
				if alias := str(get(st, "Condition", "ForAnyValue:StringEquals", "kms:ResourceAliases")); alias != "" {
					kmsOnKeys = append(kmsOnKeys, str(get(st, "Resource"))+" "+alias)
				}
			}
		}
	}
	var wantKeys []string
	for _, a := range p.support {
		ids, aliases := tooling.Templates[a.StackName].OfType("AWS::KMS::Alias")
		require.Len(t, ids, 1, "%s: the replication key's alias", a.StackName)
		wantKeys = append(wantKeys, fmt.Sprintf("arn:aws:kms:%s:%s:key/* %s", a.Region, a.Account, str(aliases[ids[0]].Properties["AliasName"])))
	}
	assert.ElementsMatch(t, wantKeys, kmsOnKeys, "one statement for each support stack's key, by region, account and alias")

	// The support stacks as the pipeline's own: protected, and their replication bucket refuses
	// TLS below 1.2 and ACLs.
	require.NotEmpty(t, p.support)
	for _, a := range p.support {
		assert.True(t, a.TerminationProtection, "%s: termination protection", a.StackName)
		tpl := tooling.Templates[a.StackName]
		id := tpl.withPrefix("AWS::S3::Bucket", "CrossRegionCodePipelineReplicationBucket")
		require.NotEmpty(t, id, "%s: the replication bucket", a.StackName)
		assert.Equal(t, `{"Rules":[{"ObjectOwnership":"BucketOwnerEnforced"}]}`, jsonOf(tpl.Resources[id].Properties["OwnershipControls"]), "%s: no ACLs", a.StackName)
		tls12 := false
		_, policies := tpl.OfType("AWS::S3::BucketPolicy")
		for _, pol := range policies {
			for _, st := range asList(get(pol.Properties, "PolicyDocument", "Statement")) {
				tls12 = tls12 || ref(pol.Properties["Bucket"]) == id && str(get(st, "Effect")) == "Deny" && jsonOf(get(st, "Condition", "NumericLessThan", "s3:TlsVersion")) == "1.2"
			}
		}
		assert.True(t, tls12, "%s: the replication bucket refuses TLS below 1.2", a.StackName)
	}
}

// TestPipelineGolden compares the pipeline's stacks with test/testdata/golden/pipeline.
func TestPipelineGolden(t *testing.T) {
	p := Pipeline(t)
	dir := filepath.Join("testdata", "golden", "pipeline")
	files, err := filepath.Glob(filepath.Join(p.dir, "*.template.json"))
	require.NoError(t, err)
	require.Len(t, files, 1+len(p.releases)+len(p.support), "the pipeline's, the Release and the support stacks")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			got := withoutVersionReport(masked(t, data))
			path := filepath.Join(dir, name)
			if *update {
				out, err := json.MarshalIndent(got, "", " ")
				require.NoError(t, err)
				require.NoError(t, os.MkdirAll(dir, 0o755))
				require.NoError(t, os.WriteFile(path, append(out, '\n'), 0o644))
				return
			}
			golden, err := os.ReadFile(path)
			require.NoError(t, err, "run `go test ./test -run PipelineGolden -update` to create it")
			compareTemplates(t, name, withoutVersionReport(masked(t, golden)), got)
		})
	}
}

// withoutVersionReport drops the CDKMetadata resource (and its condition), whose analytics
// blob changes with every aws-cdk-lib release.
func withoutVersionReport(doc map[string]any) map[string]any {
	if r, ok := doc["Resources"].(map[string]any); ok {
		delete(r, "CDKMetadata")
	}
	if c, ok := doc["Conditions"].(map[string]any); ok {
		delete(c, "CDKMetadataAvailable")
		if len(c) == 0 {
			delete(doc, "Conditions")
		}
	}
	return doc
}

// TestNoDeliveryFileNoPipeline: without delivery.yaml the app holds the environment stages and
// nothing else, as before the pipeline existed.
func TestNoDeliveryFileNoPipeline(t *testing.T) {
	t.Parallel() // it reads a child synthesis (child_test.go): last, when that is done
	dir := CLIWithoutDelivery(t)
	templates, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.NoError(t, err)
	assert.Empty(t, templates, "no stack beside the stages")
	var manifest struct {
		Artifacts map[string]struct {
			Type string `json:"type"`
		} `json:"artifacts"`
	}
	data, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &manifest))
	var nested []string
	for id, a := range manifest.Artifacts {
		if a.Type == "cdk:cloud-assembly" {
			nested = append(nested, id)
		}
	}
	assert.ElementsMatch(t, []string{"assembly-Dev", "assembly-Staging", "assembly-Prod"}, nested)
	folder, err := withoutDelivery()
	require.NoError(t, err)
	d, err := config.LoadDelivery(folder)
	assert.NoError(t, err)
	assert.Nil(t, d)
}

// TestASelectionLeavesThePipelineOut: `-c env=prod` builds prod alone, and the pipeline, which
// needs every environment it deploys, is left out rather than half-built.
func TestASelectionLeavesThePipelineOut(t *testing.T) {
	delivery, err := config.LoadDelivery(filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
	stack, err := stacks.AddPipeline(app, delivery, map[string]*stacks.EnvironmentStage{"prod": {}})
	assert.NoError(t, err)
	assert.Nil(t, stack)
	assert.Empty(t, *app.Node().Children())
}

// TestPipelineCLIVersionIsPackageJSONs: the pipeline installs the CLI package.json pins.
func TestPipelineCLIVersionIsPackageJSONs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot, "package.json"))
	require.NoError(t, err)
	var pkg struct {
		DevDependencies map[string]string `json:"devDependencies"`
	}
	require.NoError(t, json.Unmarshal(data, &pkg))
	assert.Equal(t, pkg.DevDependencies["aws-cdk"], limits.CdkCliVersion)
	assert.True(t, slices.Contains([]string{"20", "22", "24"}, limits.NodeMajor), "a Node major the README supports")
}
