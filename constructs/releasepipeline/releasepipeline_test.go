package releasepipeline

import (
	"encoding/json"
	"maps"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
)

const (
	tooling = "444444444444"
	staging = "222222222222"
	prod    = "111111111111"
	arn     = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000"
)

func environments() []Environment {
	return []Environment{
		{Name: "staging", Account: staging, Repository: "staging/product", ImageParameter: "/stratus/staging/product/image", PushRole: "stratus-staging-product-push", ReadRole: "stratus-staging-release-read",
			Targets:  []Target{{Region: "us-east-1", StackName: "Staging-Service-product-us-east-1"}},
			EntryURL: "https://staging.example.com/"},
		{Name: "prod", Account: prod, Repository: "prod/product", ImageParameter: "/stratus/prod/product/image", PushRole: "stratus-prod-product-push", ReadRole: "stratus-prod-release-read", Approve: true,
			Targets: []Target{{Region: "us-east-1", StackName: "Prod-Service-product-us-east-1"}, {Region: "eu-west-1", StackName: "Prod-Service-product-eu-west-1"}}},
	}
}

func validProps() PipelineProps {
	return PipelineProps{Service: "product", ConnectionArn: arn, Repository: "example-org/product",
		TestCommands: []string{"go test ./..."}, ScanCommands: []string{"go vet ./..."},
		IntegrationCommands: []string{`curl --fail "$ENTRY_URL"`}, Environments: environments()}
}

// TestEveryEnvironmentNameConfigAllowsIsAccepted: config allows 2-20 lowercase letters, digits
// and hyphens; the name only becomes a stage name (PascalCase) and text.
func TestEveryEnvironmentNameConfigAllowsIsAccepted(t *testing.T) {
	for _, name := range []string{"dev-eu2", "abcdefghijklmnopqrst", "qa"} {
		p := validProps().withDefaults()
		p.Environments[0].Name = name
		assert.NoError(t, p.validate(), name)
	}
}

func TestPropsRejectBadInput(t *testing.T) {
	valid := func() PipelineProps { return validProps().withDefaults() }
	validate := func(p PipelineProps) error { return p.validate() }
	cdktest.Rejects(t, valid, validate, []cdktest.Invalid[PipelineProps]{
		{Name: "service", Mutate: func(p *PipelineProps) { p.Service = "Product" }, Want: `Service "Product" is not a service name`},
		{Name: "ecr push with a repository", Mutate: func(p *PipelineProps) { p.EcrPush = true }, Want: "EcrPush releases a pushed image: ConnectionArn, Repository, Branch, TestCommands and ScanCommands must be empty"},
		{Name: "connection", Mutate: func(p *PipelineProps) { p.ConnectionArn = "arn:aws:s3:::x" }, Want: `ConnectionArn "arn:aws:s3:::x" is not a connection ARN`},
		{Name: "repository", Mutate: func(p *PipelineProps) { p.Repository = "product" }, Want: `Repository "product" is not owner/name`},
		{Name: "branch", Mutate: func(p *PipelineProps) { p.Branch = "a..b" }, Want: `Branch "a..b" is not a branch name`},
		{Name: "severity", Mutate: func(p *PipelineProps) { p.FailOn = "INFORMATIONAL" }, Want: `FailOn "INFORMATIONAL" is not a scan severity (allowed: CRITICAL, HIGH, MEDIUM, LOW)`},
		{Name: "empty command", Mutate: func(p *PipelineProps) { p.TestCommands = []string{" "} }, Want: "TestCommands[0] is empty"},
		{Name: "no environment", Mutate: func(p *PipelineProps) { p.Environments = nil }, Want: "Environments is empty"},
		{Name: "environment twice", Mutate: func(p *PipelineProps) { p.Environments[1].Name = "staging" }, Want: `Environments[1]: "staging" is given twice (stage Staging)`},
		{Name: "two environments of one stage name", Mutate: func(p *PipelineProps) { p.Environments[0].Name, p.Environments[1].Name = "dev-2", "dev2" }, Want: `Environments[1]: "dev2" is given twice (stage Dev2)`},
		{Name: "an environment name with an upper-case letter", Mutate: func(p *PipelineProps) { p.Environments[0].Name = "Prod" }, Want: `Environments[0]: Name "Prod" must be 1-20 lowercase letters, digits and hyphens`},
		{Name: "an environment named after a stage every pipeline has", Mutate: func(p *PipelineProps) { p.Environments[0].Name = "scan-gate" }, Want: `Environments[0]: "scan-gate" would be stage ScanGate, which every release pipeline has already (Source, Build, ScanGate)`},
		{Name: "an environment name over 20 characters", Mutate: func(p *PipelineProps) { p.Environments[0].Name = "abcdefghijklmnopqrstu" }, Want: `Environments[0]: Name "abcdefghijklmnopqrstu" must be 1-20`},
		{Name: "account", Mutate: func(p *PipelineProps) { p.Environments[0].Account = "1" }, Want: `Environments[0]: Account "1" must be 12 digits`},
		{Name: "no push role", Mutate: func(p *PipelineProps) { p.Environments[0].PushRole = "" }, Want: `Environments[0]: PushRole "" is not a role name`},
		{Name: "no read role", Mutate: func(p *PipelineProps) { p.Environments[0].ReadRole = "" }, Want: `Environments[0]: ReadRole "" is not a role name`},
		{Name: "a read role with a slash", Mutate: func(p *PipelineProps) { p.Environments[1].ReadRole = "role/read" }, Want: `Environments[1]: ReadRole "role/read" is not a role name`},
		{Name: "a push role given as an ARN", Mutate: func(p *PipelineProps) { p.Environments[1].PushRole = "arn:aws:iam::111111111111:role/push" }, Want: `Environments[1]: PushRole "arn:aws:iam::111111111111:role/push" is not a role name`},
		{Name: "ecr repository", Mutate: func(p *PipelineProps) { p.Environments[0].Repository = "Prod/X" }, Want: `Environments[0]: Repository "Prod/X" is not an ECR repository name`},
		{Name: "parameter", Mutate: func(p *PipelineProps) { p.Environments[0].ImageParameter = "image" }, Want: `Environments[0]: ImageParameter "image" is not an SSM parameter name`},
		{Name: "no targets", Mutate: func(p *PipelineProps) { p.Environments[0].Targets = nil }, Want: "Environments[0]: Targets is empty"},
		{Name: "region twice", Mutate: func(p *PipelineProps) { p.Environments[1].Targets[1].Region = "us-east-1" }, Want: `Environments[1]: Targets[1].Region "us-east-1" is given twice`},
		{Name: "stack", Mutate: func(p *PipelineProps) { p.Environments[1].Targets[0].StackName = "a b" }, Want: `Targets[0].StackName "a b" is not a stack name`},
		{Name: "untested entry", Mutate: func(p *PipelineProps) { p.Environments[0].EntryURL = "" }, Want: "Environments[0]: EntryURL is empty: the integration commands run against it"},
		{Name: "entry url", Mutate: func(p *PipelineProps) { p.Environments[0].EntryURL = "https://x/$(id)" }, Want: `EntryURL "https://x/$(id)" must be an https:// URL`},
	})
	releases := func() ReleasesProps {
		return ReleasesProps{NotificationEmails: []string{"team@example.com"}, Qualifier: "hnb659fds"}.withDefaults()
	}
	cdktest.Rejects(t, releases, func(p ReleasesProps) error { return p.validate() }, []cdktest.Invalid[ReleasesProps]{
		{Name: "no address", Mutate: func(p *ReleasesProps) { p.NotificationEmails = nil }, Want: "NotificationEmails has 0 addresses (allowed: 1-10)"},
		{Name: "address", Mutate: func(p *ReleasesProps) { p.NotificationEmails = []string{"team"} }, Want: `NotificationEmails[0] "team" is not an e-mail address`},
		{Name: "qualifier", Mutate: func(p *ReleasesProps) { p.Qualifier = "Q-1" }, Want: `Qualifier "Q-1" is not a CDK bootstrap qualifier`},
		{Name: "retention", Mutate: func(p *ReleasesProps) { p.LogRetention = "FOREVER" }, Want: "LogRetention"},
	})
}

func TestFailSeverities(t *testing.T) {
	assert.Equal(t, []string{"CRITICAL"}, FailSeverities("CRITICAL"))
	assert.Equal(t, []string{"CRITICAL", "HIGH"}, FailSeverities("HIGH"))
	assert.Equal(t, []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}, FailSeverities("LOW"))
}

type built struct {
	app      awscdk.App
	releases *Releases
	// stack holds the shared resources; services each service's pipeline, in a stack of its own
	// as stacks.NewReleaseStack places them.
	stack    awscdk.Stack
	services map[string]awscdk.Stack
	dir      string
}

var (
	fixture cdktest.Once[*built]
	// templates are the fixture's stacks' templates, each read once.
	templates cdktest.Templates
)

func TestMain(m *testing.M) {
	fixture.Tweak = func(ctx map[string]any) {
		ctx["aws:cdk:enable-path-metadata"], ctx["aws:cdk:version-reporting"] = true, true
	}
	fixture.Main(m)
}

// toolingStack is a stack of the tooling account in region.
func toolingStack(app awscdk.App, id, region string) awscdk.Stack {
	return awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(tooling), Region: jsii.String(region)},
	})
}

// sharedAnd is the shared Release stack and service's pipeline (props p) in a stack of its own.
func sharedAnd(app awscdk.App, service string, p PipelineProps) (*built, error) {
	stack := toolingStack(app, "Release", "us-east-1")
	r, err := NewReleases(stack, "Releases", ReleasesProps{NotificationEmails: []string{"team@example.com"}})
	if err != nil {
		return nil, err
	}
	b := &built{app: app, releases: r, stack: stack, services: map[string]awscdk.Stack{}}
	return b, b.add(service, p)
}

// add puts service's pipeline into a stack of its own.
func (b *built) add(service string, p PipelineProps) error {
	own := toolingStack(b.app, "Release-"+service, "us-east-1")
	b.services[service] = own
	_, err := b.releases.AddPipeline(own, p)
	return err
}

// get is the shared Release stack and three pipelines, each in a stack of its own: product
// (integration tests, prod approved, prod in two regions), user (no integration test, scan gate
// at CRITICAL) and order (released from pushed images).
func get(t *testing.T) *built {
	return fixture.Get(t, "releasepipeline-test", func(app awscdk.App, dir string) (*built, error) {
		b, err := sharedAnd(app, "product", validProps())
		if err != nil {
			return nil, err
		}
		b.dir = dir
		if err := b.add("user", userProps()); err != nil {
			return nil, err
		}
		return b, b.add("order", orderProps())
	})
}

// userProps are user's pipeline: no integration test, scan gate at CRITICAL.
func userProps() PipelineProps {
	user := validProps()
	user.Service, user.Repository, user.FailOn, user.IntegrationCommands = "user", "example-org/user", "CRITICAL", nil
	for i := range user.Environments {
		user.Environments[i].Repository = strings.Replace(user.Environments[i].Repository, "product", "user", 1)
		user.Environments[i].PushRole = strings.Replace(user.Environments[i].PushRole, "product", "user", 1)
	}
	return user
}

// orderProps are order's pipeline: released from pushed images (no test or scan commands),
// with integration tests.
func orderProps() PipelineProps {
	order := validProps()
	order.Service, order.EcrPush, order.ConnectionArn, order.Repository = "order", true, "", ""
	order.TestCommands, order.ScanCommands = nil, nil
	for i := range order.Environments {
		order.Environments[i].Repository = strings.Replace(order.Environments[i].Repository, "product", "order", 1)
		order.Environments[i].PushRole = strings.Replace(order.Environments[i].PushRole, "product", "order", 1)
	}
	return order
}

// stacks are the shared stack and every pipeline's.
func (b *built) stacks() []awscdk.Stack {
	out := []awscdk.Stack{b.stack}
	for _, s := range b.services {
		out = append(out, s)
	}
	return out
}

// template is every stack's resources in one template (their logical ids differ: each
// pipeline's start with its service's name).
func (b *built) template(t *testing.T) map[string]any {
	t.Helper()
	all := map[string]any{}
	for _, s := range b.stacks() {
		for id, r := range templates.Of(t, s)["Resources"].(map[string]any) {
			if id == "CDKMetadata" {
				continue
			}
			require.NotContains(t, all, id, "logical ids differ between the Release stacks")
			all[id] = r
		}
	}
	return map[string]any{"Resources": all}
}

// resource is c's resource's properties, from the template of c's own stack.
func resource(t *testing.T, c constructs.IConstruct) map[string]any {
	t.Helper()
	stack := awscdk.Stack_Of(c)
	id := *stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
	return cdktest.Props(t, templates.Of(t, stack)["Resources"].(map[string]any)[id].(map[string]any))
}

type action struct {
	Name         string
	RunOrder     int
	ActionTypeID struct{ Category, Provider string } `json:"ActionTypeId"`
	Config       map[string]any                      `json:"Configuration"`
}

// stages reads the pipeline named name: its stages' names and actions.
func stages(t *testing.T, tpl map[string]any, name string) ([]string, map[string][]action) {
	t.Helper()
	for _, r := range cdktest.OfType(t, tpl, "AWS::CodePipeline::Pipeline") {
		p := cdktest.Props(t, r)
		if p["Name"] != name {
			continue
		}
		var names []string
		byStage := map[string][]action{}
		for _, s := range cdktest.Decode[[]struct {
			Name    string
			Actions []action
		}](t, p["Stages"]) {
			names = append(names, s.Name)
			byStage[s.Name] = s.Actions
		}
		assert.Equal(t, "V2", p["PipelineType"])
		assert.Equal(t, "QUEUED", p["ExecutionMode"])
		return names, byStage
	}
	t.Fatalf("no pipeline %s", name)
	return nil, nil
}

func names(acts []action) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.Name)
	}
	return out
}

// variables are a CodeBuild action's environment variables by name.
func variables(t *testing.T, a action) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, v := range cdktest.Decode[[]struct{ Name, Value string }](t, jsonAny(t, literal(a.Config["EnvironmentVariables"]))) {
		out[v.Name] = v.Value
	}
	return out
}

// literal is v's text with every token of an Fn::Join replaced by TOKEN.
func literal(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	join, _ := v.(map[string]any)["Fn::Join"].([]any)
	var b strings.Builder
	for _, part := range join[1].([]any) {
		if s, ok := part.(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString("TOKEN")
		}
	}
	return b.String()
}

func jsonAny(t *testing.T, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), "EnvironmentVariables is JSON: %s", s)
	return v
}

func TestStageOrderAndActions(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	order, acts := stages(t, tpl, "release-product")
	assert.Equal(t, []string{"Source", "Build", "ScanGate", "Staging", "Prod"}, order, "scan gate before staging, staging before prod")
	assert.Equal(t, limits.ReleaseStages, order[:len(limits.ReleaseStages)], "the stages environment names are checked against are the pipeline's own")
	assert.Equal(t, []string{"Replicated", "Deploy", "IntegrationTest"}, names(acts["Staging"]), "integration test after the staging deploy")
	assert.Equal(t, []string{"Replicated", "Approve", "Deploy"}, names(acts["Prod"]), "approval before the production deploy; no test after the last")
	for stage, list := range acts {
		for i, a := range list {
			assert.Equal(t, i+1, a.RunOrder, "%s/%s runs after the action before it", stage, a.Name)
		}
	}
	src := acts["Source"][0]
	assert.Equal(t, "CodeStarSourceConnection", src.ActionTypeID.Provider)
	assert.Equal(t, "example-org/product", src.Config["FullRepositoryId"])
	assert.Equal(t, "main", src.Config["BranchName"])
	assert.Equal(t, arn, src.Config["ConnectionArn"])
	assert.Equal(t, "Approval", acts["Prod"][1].ActionTypeID.Category)

	_, user := stages(t, tpl, "release-user")
	assert.Equal(t, []string{"Replicated", "Deploy"}, names(user["Staging"]), "no integration commands, no test")
}

func TestBuildTagsTheCommitAndPushesEveryEnvironmentsHome(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	_, acts := stages(t, tpl, "release-product")
	require.Equal(t, []string{"Test", "Build"}, names(acts["Build"]), "the service's commands, then the image")
	assert.Equal(t, map[string]string{"COMMIT_ID": CommitVariable}, variables(t, acts["Build"][1]))

	build := resource(t, b.releases.Pipelines["product"].Build)
	assert.Equal(t, true, cdktest.Path[bool](t, build, "Environment", "PrivilegedMode"), "docker needs privileged mode")
	env := map[string]string{}
	for _, v := range cdktest.Decode[[]struct{ Name, Value string }](t, cdktest.Path[any](t, build, "Environment", "EnvironmentVariables")) {
		env[v.Name] = v.Value
	}
	assert.Equal(t, staging+",us-east-1,staging/product,stratus-staging-product-push "+prod+",us-east-1,prod/product,stratus-prod-product-push",
		env["TARGETS"], "the push goes to each environment's home repository, as its push role")
	assert.Equal(t, "stratus-release-product-build", resource(t, b.releases.Pipelines["product"].Build.Role())["RoleName"],
		"the name the environments' push roles trust")
	spec := cdktest.Path[string](t, build, "Source", "BuildSpec")
	assert.Contains(t, spec, `docker tag \"release:$COMMIT_ID\" \"$registry/$repo:$COMMIT_ID\"`, "the immutable tag is the commit id")
	assert.NotContains(t, spec, "go test", "the service's commands never run where the deploy roles can be assumed")
	assert.NotContains(t, spec, "pre_build")
	// They run in a project of their own, each a command of its own (the first failure fails it),
	// whose role assumes nothing (TestRolesAssumeOnlyTheirTargetRoles).
	test := resource(t, b.releases.Pipelines["product"].Test)
	assert.Equal(t, false, cdktest.Path[bool](t, test, "Environment", "PrivilegedMode"))
	assert.Equal(t, []any{"go test ./...", "go vet ./..."}, cdktest.Path[[]any](t, jsonAny(t, cdktest.Path[string](t, test, "Source", "BuildSpec")), "phases", "build", "commands"))
	assert.Equal(t, []any{"IMAGE_DIGEST", "IMAGE_TAG"}, cdktest.Path[[]any](t, jsonAny(t, spec), "env", "exported-variables"),
		"the digest leaves the build as a pipeline variable")
	assert.Contains(t, cdktest.Path[string](t, build, "Cache", "Modes", "0"), "LOCAL_DOCKER_LAYER_CACHE")
}

func TestEcrPushReleasesThePushedDigest(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	order, acts := stages(t, tpl, "release-order")
	assert.Equal(t, []string{"Source", "Build", "ScanGate", "Staging", "Prod"}, order)
	src := acts["Source"][0]
	assert.Equal(t, "ECR", src.ActionTypeID.Provider)
	assert.Equal(t, "release", src.Config["ImageTag"])
	build := variables(t, acts["Build"][0])
	assert.Equal(t, "#{Source.ImageDigest}", build["SOURCE_DIGEST"], "the pushed image, by digest")
	assert.Equal(t, "TOKEN.dkr.ecr.TOKEN.TOKEN/TOKEN", build["SOURCE_REPOSITORY"], "the release repository's URI")
	var inbox map[string]any
	for _, r := range cdktest.OfType(t, tpl, "AWS::ECR::Repository") {
		if p := cdktest.Props(t, r); p["RepositoryName"] == "release/order" {
			inbox = p
		}
	}
	require.NotNil(t, inbox, "the tooling account's release/order repository")
	assert.Equal(t, "IMMUTABLE_WITH_EXCLUSION", inbox["ImageTagMutability"])
	assert.Equal(t, []any{map[string]any{"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "release"}},
		inbox["ImageTagMutabilityExclusionFilters"], "only the release tag moves")
	assert.Equal(t, "KMS", cdktest.Path[string](t, inbox, "EncryptionConfiguration", "EncryptionType"))
	project := resource(t, b.releases.Pipelines["order"].Build)
	spec := cdktest.Path[string](t, project, "Source", "BuildSpec")
	assert.Contains(t, spec, `docker pull \"$SOURCE_REPOSITORY@$SOURCE_DIGEST\"`)
	assert.NotContains(t, spec, "docker build", "nothing to build")
}

func TestScanGateAndReplicationWait(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	_, acts := stages(t, tpl, "release-product")
	scan := variables(t, acts["ScanGate"][0])
	assert.Equal(t, "CRITICAL HIGH", scan["FAIL_SEVERITIES"])
	assert.Equal(t, DigestVariable, scan["IMAGE_DIGEST"])
	_, user := stages(t, tpl, "release-user")
	assert.Equal(t, "CRITICAL", variables(t, user["ScanGate"][0])["FAIL_SEVERITIES"])

	assert.Equal(t, staging+",us-east-1,staging/product,stratus-staging-release-read "+prod+",us-east-1,prod/product,stratus-prod-release-read",
		scan["TARGETS"], "each environment's home repository, as its read role")
	assert.Equal(t, ScanRoleName, resource(t, b.releases.Scan.Role())["RoleName"], "the name the environments' read roles trust")
	assert.Equal(t, ReplicationWaitRoleName, resource(t, b.releases.Replication.Role())["RoleName"], "the name the read roles trust")

	wait := variables(t, acts["Prod"][0])
	assert.Equal(t, "stratus-prod-release-read", wait["READ_ROLE"])
	assert.Equal(t, "us-east-1 eu-west-1", wait["REGIONS"], "every region of prod")
	assert.Equal(t, "prod/product", wait["REPOSITORY"])
	assert.Equal(t, prod, wait["ACCOUNT"])
}

func TestEveryDeployReleasesTheBuildsDigest(t *testing.T) {
	b := get(t)
	_, acts := stages(t, b.template(t), "release-product")
	staging, prodDeploy := variables(t, acts["Staging"][1]), variables(t, acts["Prod"][2])
	assert.Equal(t, DigestVariable, staging["IMAGE_DIGEST"])
	assert.Equal(t, DigestVariable, prodDeploy["IMAGE_DIGEST"], "prod deploys the digest staging deployed, not a tag")
	assert.Equal(t, "/stratus/prod/product/image", prodDeploy["PARAMETER"])
	assert.Equal(t, "us-east-1=Prod-Service-product-us-east-1 eu-west-1=Prod-Service-product-eu-west-1", prodDeploy["STACKS"])
	assert.Equal(t, "https://staging.example.com/", variables(t, acts["Staging"][2])["ENTRY_URL"])
	assert.Contains(t, deployScript, "--use-previous-template")
	assert.Contains(t, deployScript, "UsePreviousValue=true")
}

// TestRolesAssumeOnlyTheirTargetRoles: the builds, which run the repositories' Dockerfiles, assume
// only their own service's push roles; the scan gate and the replication wait only the read
// roles; the deploys only the CDK deploy roles.
func TestRolesAssumeOnlyTheirTargetRoles(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	role := func(account, region string) any {
		return "arn:aws:iam::" + account + ":role/cdk-hnb659fds-deploy-role-" + account + "-" + region
	}
	push := func(service string) []any {
		return []any{"arn:aws:iam::" + staging + ":role/stratus-staging-" + service + "-push", "arn:aws:iam::" + prod + ":role/stratus-prod-" + service + "-push"}
	}
	read := []any{"arn:aws:iam::" + staging + ":role/stratus-staging-release-read", "arn:aws:iam::" + prod + ":role/stratus-prod-release-read"}
	every := []any{role(staging, "us-east-1"), role(prod, "us-east-1"), role(prod, "eu-west-1")}
	want := map[string][]any{
		"ProductBuildRole": push("product"), "UserBuildRole": push("user"), "OrderBuildRole": push("order"), "ReleasesScanGateRole": read,
		"ReleasesReplicationWaitRole": read, "ReleasesDeployRole": every,
	}
	got := map[string][]any{}
	for _, p := range cdktest.OfType(t, tpl, "AWS::IAM::ManagedPolicy") {
		props := cdktest.Props(t, p)
		for _, s := range cdktest.Path[[]any](t, props, "PolicyDocument", "Statement") {
			st := s.(map[string]any)
			if st["Action"] != "sts:AssumeRole" {
				continue
			}
			ref := cdktest.Path[string](t, props, "Roles", "0", "Ref")
			name := ref[:strings.LastIndex(ref, "Role")+len("Role")]
			got[name] = append(got[name], st["Resource"].([]any)...)
		}
	}
	require.Len(t, got, len(want), "only the build, scan, replication and deploy roles assume anything: %v", got)
	for name, arns := range want {
		assert.ElementsMatch(t, arns, got[name], "%s assumes exactly these roles", name)
	}
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "grants live in managed policies")
}

func TestActionVariablesFitCodePipeline(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := toolingStack(app, "Big", "us-east-1")
	r, err := NewReleases(stack, "Releases", ReleasesProps{NotificationEmails: []string{"team@example.com"}})
	require.NoError(t, err)
	p := validProps()
	for _, region := range []string{"us-west-2", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1", "ca-central-1"} {
		p.Environments[1].Targets = append(p.Environments[1].Targets, Target{Region: region, StackName: "Prod-Service-product-with-a-long-name-" + region + "-" + strings.Repeat("x", 40)})
	}
	_, err = r.AddPipeline(stack, p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "action Prod/Deploy: its variables take")
	assert.Contains(t, err.Error(), "over CodePipeline's 1000")
	_, err = r.AddPipeline(stack, validProps())
	assert.NoError(t, err, "a failed pipeline leaves nothing behind that blocks the service")
	_, err = r.AddPipeline(stack, validProps())
	assert.ErrorContains(t, err, `Service "product" has a pipeline already`)
}

// TestAPipelineStaysWithTheSharedResources: a pipeline's stack must be in the shared resources'
// account and region, whose bucket, key and projects it uses.
func TestAPipelineStaysWithTheSharedResources(t *testing.T) {
	app := cdktest.NewApp(t)
	r, err := NewReleases(toolingStack(app, "Release", "us-east-1"), "Releases", ReleasesProps{NotificationEmails: []string{"team@example.com"}})
	require.NoError(t, err)
	elsewhere := toolingStack(app, "Release-product", "eu-west-1")
	_, err = r.AddPipeline(elsewhere, validProps())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "release pipeline product: invalid props:")
	assert.Contains(t, err.Error(), "scope's stack Release-product is in 444444444444/eu-west-1, not in 444444444444/us-east-1 with the shared resources (stack Release)")
	other := awscdk.NewStack(app, jsii.String("Other"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(prod), Region: jsii.String("us-east-1")},
	})
	_, err = r.AddPipeline(other, validProps())
	assert.ErrorContains(t, err, "scope's stack Other is in 111111111111/us-east-1")
}

// TestEachPipelineHasAStackOfItsOwn: the shared stack holds no pipeline's resource and stays the
// same whatever pipelines are added, and each pipeline's stack holds that pipeline alone, so a
// release added or removed changes no other stack.
func TestEachPipelineHasAStackOfItsOwn(t *testing.T) {
	b := get(t)
	assert.Empty(t, cdktest.OfType(t, templates.Of(t, b.stack), "AWS::CodePipeline::Pipeline"), "no pipeline in the shared stack")
	for service, stack := range b.services {
		tpl := templates.Of(t, stack)
		_, p := cdktest.Only(t, tpl, "AWS::CodePipeline::Pipeline")
		assert.Equal(t, "release-"+service, cdktest.Props(t, p)["Name"], "%s's stack holds its pipeline", service)
		assert.Empty(t, cdktest.OfType(t, tpl, "AWS::KMS::Key"), "%s's stack uses the shared key", service)
		assert.Empty(t, cdktest.OfType(t, tpl, "AWS::S3::Bucket"), "%s's stack uses the shared bucket", service)
	}
	// Alone, a pipeline with every kind of command, or one with none, leaves the shared stack as
	// it is with all three: every pipeline imports the same exports.
	bare := orderProps()
	bare.IntegrationCommands = nil
	for service, props := range map[string]PipelineProps{"product": validProps(), "order": bare} {
		one, err := sharedAnd(cdktest.NewApp(t), service, props)
		require.NoError(t, err)
		assert.Equal(t, withoutMetadata(templates.Of(t, b.stack)), withoutMetadata(cdktest.Template(t, one.stack)),
			"the shared stack is the same with %s's pipeline alone as with three", service)
		if service == "product" {
			assert.Equal(t, withoutMetadata(templates.Of(t, b.services[service])), withoutMetadata(cdktest.Template(t, one.services[service])),
				"product's stack is the same beside others as alone")
		}
	}
}

// withoutMetadata is a copy of tpl (its outputs, the exports, included) without its CDKMetadata
// resource (the analytics name every construct type the app uses) and the resources' construct
// paths (the fixture's app writes them); tpl stays as it is (templates hands every test the same
// map).
func withoutMetadata(tpl map[string]any) map[string]any {
	resources := map[string]any{}
	for id, r := range tpl["Resources"].(map[string]any) {
		if id == "CDKMetadata" {
			continue
		}
		resource := maps.Clone(r.(map[string]any))
		if m, ok := resource["Metadata"].(map[string]any); ok {
			m = maps.Clone(m)
			delete(m, "aws:cdk:path")
			resource["Metadata"] = m
		}
		resources[id] = resource
	}
	out := maps.Clone(tpl)
	out["Resources"] = resources
	return out
}

func TestEncryption(t *testing.T) {
	b := get(t)
	tpl := b.template(t)
	for id, p := range cdktest.OfType(t, tpl, "AWS::CodeBuild::Project") {
		assert.NotNil(t, cdktest.Props(t, p)["EncryptionKey"], "%s encrypts its artifacts with the key", id)
		assert.Equal(t, "ENABLED", cdktest.Path[string](t, cdktest.Props(t, p), "LogsConfig", "CloudWatchLogs", "Status"), id)
	}
	_, group := cdktest.Only(t, tpl, "AWS::Logs::LogGroup")
	assert.NotNil(t, cdktest.Props(t, group)["KmsKeyId"], "build logs are encrypted")
	_, topic := cdktest.Only(t, tpl, "AWS::SNS::Topic")
	assert.NotNil(t, cdktest.Props(t, topic)["KmsMasterKeyId"], "the approval topic is encrypted")
	_, key := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Equal(t, true, cdktest.Props(t, key)["EnableKeyRotation"])
	for id, bucket := range cdktest.OfType(t, tpl, "AWS::S3::Bucket") {
		algo := cdktest.Path[string](t, cdktest.Props(t, bucket), "BucketEncryption", "ServerSideEncryptionConfiguration", "0", "ServerSideEncryptionByDefault", "SSEAlgorithm")
		if strings.HasPrefix(id, "ReleasesArtifacts") {
			assert.Equal(t, "aws:kms", algo, "artifacts are KMS-encrypted")
		}
	}
	for id, p := range cdktest.OfType(t, tpl, "AWS::CodeBuild::Project") {
		if !strings.Contains(id, "Build") || strings.Contains(id, "IntegrationTest") {
			assert.Equal(t, false, cdktest.Path[bool](t, cdktest.Props(t, p), "Environment", "PrivilegedMode"), "%s runs no docker: not privileged", id)
		}
	}
}

func TestGates(t *testing.T) {
	b := get(t)
	cdktest.Gates(t, b.dir, b.stacks()...)
}
