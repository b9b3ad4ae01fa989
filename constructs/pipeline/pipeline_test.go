package pipeline

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sqs "github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/nagpacks"
	"github.com/stratus-platform/stratus/internal/policydoc"
)

const (
	tooling = "444444444444"
	target  = "333333333333"
	arn     = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000"
)

func validProps() PipelineProps {
	return PipelineProps{ConnectionArn: arn, Repository: "example-org/stratus", NotificationEmails: []string{"team@example.com"}}
}

func TestNewPipelineRejectsBadProps(t *testing.T) {
	valid := func() PipelineProps { return validProps().withDefaults() }
	validate := func(p PipelineProps) error { return p.validate() }
	cdktest.Rejects(t, valid, validate, []cdktest.Invalid[PipelineProps]{
		{Name: "connection", Mutate: func(p *PipelineProps) { p.ConnectionArn = "arn:aws:s3:::bucket" }, Want: `ConnectionArn "arn:aws:s3:::bucket" is not a connection ARN`},
		{Name: "repository", Mutate: func(p *PipelineProps) { p.Repository = "stratus" }, Want: `Repository "stratus" is not owner/name`},
		{Name: "branch", Mutate: func(p *PipelineProps) { p.Branch = "a..b" }, Want: `Branch "a..b" is not a branch name`},
		{Name: "name", Mutate: func(p *PipelineProps) { p.PipelineName = "a b" }, Want: `PipelineName "a b" must be`},
		{Name: "toolchain", Mutate: func(p *PipelineProps) { p.GoToolchain = "1.26" }, Want: `GoToolchain "1.26" must name a Go release`},
		{Name: "node", Mutate: func(p *PipelineProps) { p.NodeVersion = "lts" }, Want: `NodeVersion "lts" must be a Node.js major version`},
		{Name: "cli", Mutate: func(p *PipelineProps) { p.CliVersion = "latest" }, Want: `CliVersion "latest" must be an exact version`},
		{Name: "cdk-assets", Mutate: func(p *PipelineProps) { p.AssetsCliVersion = "latest" }, Want: `AssetsCliVersion "latest" must be an exact version`},
		{Name: "cfn-lint", Mutate: func(p *PipelineProps) { p.CfnLintVersion = "1" }, Want: `CfnLintVersion "1" must be an exact version`},
		{Name: "no address", Mutate: func(p *PipelineProps) { p.NotificationEmails = nil }, Want: "NotificationEmails has 0 addresses (allowed: 1-10)"},
		{Name: "bad address", Mutate: func(p *PipelineProps) { p.NotificationEmails = []string{"team"} }, Want: `NotificationEmails[0] "team" is not an e-mail address`},
		{Name: "address twice", Mutate: func(p *PipelineProps) { p.NotificationEmails = []string{"a@example.com", "a@example.com"} }, Want: `NotificationEmails[1] "a@example.com" is given twice`},
		{Name: "empty command", Mutate: func(p *PipelineProps) { p.SynthCommands = []string{""} }, Want: "SynthCommands[0] is empty"},
		{Name: "logs kept forever", Mutate: func(p *PipelineProps) { p.LogRetention = logs.RetentionDays_INFINITE }, Want: `LogRetention "INFINITE" is not a finite logs.RetentionDays value`},
	})
}

func TestPropsDefaults(t *testing.T) {
	p := validProps().withDefaults()
	assert.Equal(t, "stratus", p.PipelineName)
	assert.Equal(t, "main", p.Branch)
	assert.Equal(t, []string{"make test"}, p.SynthCommands)
	assert.Equal(t, limits.GoToolchain, p.GoToolchain)
	assert.Equal(t, limits.NodeMajor, p.NodeVersion)
	assert.Equal(t, limits.CdkCliVersion, p.CliVersion)
	assert.Equal(t, limits.CdkAssetsVersion, p.AssetsCliVersion)
	assert.Equal(t, retention.Default, p.LogRetention)
}

func TestEnvironmentOptionsRejectBadInput(t *testing.T) {
	valid := func() EnvironmentOptions { return EnvironmentOptions{SmokeCommands: []string{"true"}} }
	validate := func(o EnvironmentOptions) error { return o.validate() }
	cdktest.Rejects(t, valid, validate, []cdktest.Invalid[EnvironmentOptions]{
		{Name: "outputs without commands", Mutate: func(o *EnvironmentOptions) {
			o.SmokeCommands, o.SmokeRoleArns = nil, []string{"arn:aws:iam::111111111111:role/x"}
		}, Want: "SmokeOutputs and SmokeRoleArns need SmokeCommands"},
		{Name: "variable name", Mutate: func(o *EnvironmentOptions) { o.SmokeOutputs = map[string]awscdk.CfnOutput{"entry-url": nil} }, Want: `SmokeOutputs: "entry-url" is not an environment variable name`},
		{Name: "nil output", Mutate: func(o *EnvironmentOptions) { o.SmokeOutputs = map[string]awscdk.CfnOutput{"URL": nil} }, Want: `SmokeOutputs["URL"] has no output`},
		{Name: "role", Mutate: func(o *EnvironmentOptions) { o.SmokeRoleArns = []string{"role/x"} }, Want: `SmokeRoleArns[0] "role/x" is not an IAM role ARN`},
	})
}

// built is the shared app: a pipeline in the tooling account deploying a one-stack stage in
// us-east-1 (smoke-tested) and one in eu-west-1 (approved first), so a support stack exists.
type built struct {
	pipeline *Pipeline
	stack    awscdk.Stack
	support  awscdk.Stack
	dir      string
}

var fixture cdktest.Once[*built]

func TestMain(m *testing.M) {
	// As `cdk synth` does (construct paths, the CDKMetadata resource): cfn-lint tells a CDK
	// template by them and then skips E3703's Fn::Sub preference for the bootstrap role ARNs
	// CDK Pipelines writes as Fn::Join.
	fixture.Tweak = func(ctx map[string]any) {
		ctx["aws:cdk:enable-path-metadata"], ctx["aws:cdk:version-reporting"] = true, true
	}
	fixture.Main(m)
}

func get(t *testing.T) *built {
	return fixture.Get(t, "pipeline-test", func(app awscdk.App, dir string) (*built, error) {
		stack := awscdk.NewStack(app, jsii.String("Tooling"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(tooling), Region: jsii.String("us-east-1")},
		})
		p, err := NewPipeline(stack, "Pipeline", validProps())
		if err != nil {
			return nil, err
		}
		for i, region := range []string{"us-east-1", "eu-west-1"} {
			stage := awscdk.NewStage(app, jsii.String([]string{"Near", "Far"}[i]), &awscdk.StageProps{
				Env: &awscdk.Environment{Account: jsii.String(target), Region: jsii.String(region)},
			})
			nagpacks.Apply(stage) // before AddEnvironment, which synthesizes the stage
			s := awscdk.NewStack(stage, jsii.String("Queue"), &awscdk.StackProps{
				StackName: jsii.String([]string{"Near", "Far"}[i] + "-Queue"),
				Env:       &awscdk.Environment{Account: jsii.String(target), Region: jsii.String(region)},
			})
			dlq := sqs.NewQueue(s, jsii.String("DeadLetters"), &sqs.QueueProps{EnforceSSL: jsii.Bool(true)})
			q := sqs.NewQueue(s, jsii.String("Queue"), &sqs.QueueProps{EnforceSSL: jsii.Bool(true),
				DeadLetterQueue: &sqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(3)}})
			out := awscdk.NewCfnOutput(s, jsii.String("Url"), &awscdk.CfnOutputProps{Value: q.QueueUrl()})
			opts := EnvironmentOptions{Approve: i == 1}
			if i == 0 {
				opts.SmokeCommands = []string{`test -n "$QUEUE_URL"`}
				opts.SmokeOutputs = map[string]awscdk.CfnOutput{"QUEUE_URL": out}
			}
			if err := p.AddEnvironment(stage, opts); err != nil {
				return nil, err
			}
		}
		if err := p.Build(); err != nil {
			return nil, err
		}
		support, _ := app.Node().TryFindChild(jsii.String("cross-region-stack-" + tooling + ":eu-west-1")).(awscdk.Stack)
		return &built{pipeline: p, stack: stack, support: support, dir: dir}, nil
	})
}

func TestPipelineShape(t *testing.T) {
	b := get(t)
	tpl := cdktest.Template(t, b.stack)
	_, resource := cdktest.Only(t, tpl, "AWS::CodePipeline::Pipeline")
	pipe := cdktest.Props(t, resource)
	assert.Equal(t, "V2", pipe["PipelineType"])
	var names []string
	for _, s := range cdktest.As[[]any](t, pipe["Stages"]) {
		names = append(names, cdktest.As[string](t, cdktest.As[map[string]any](t, s)["Name"]))
	}
	assert.Equal(t, []string{"Source", "Build", "UpdatePipeline", "Near", "Far"}, names)

	logGroup, group := cdktest.Only(t, tpl, "AWS::Logs::LogGroup")
	assert.Equal(t, "Retain", group["DeletionPolicy"], "the build logs outlive the stack")
	assert.NotNil(t, cdktest.Props(t, group)["KmsKeyId"], "the build logs are encrypted with the pipeline key")
	assert.NotNil(t, cdktest.Props(t, group)["RetentionInDays"])
	projects := cdktest.OfType(t, tpl, "AWS::CodeBuild::Project")
	require.NotEmpty(t, projects)
	for id, project := range projects {
		p := cdktest.Props(t, project)
		assert.NotNil(t, p["EncryptionKey"], "%s is encrypted with the pipeline key", id)
		assert.Equal(t, false, cdktest.Path[bool](t, p, "Environment", "PrivilegedMode"), "%s is not privileged", id)
		// Not CodeBuild's own /aws/codebuild/<project> group, which is kept forever.
		assert.Equal(t, map[string]any{"Ref": logGroup}, cdktest.Path[any](t, p, "LogsConfig", "CloudWatchLogs", "GroupName"), "%s logs to the build log group", id)
		assert.Equal(t, "ENABLED", cdktest.Path[any](t, p, "LogsConfig", "CloudWatchLogs", "Status"), "%s", id)
	}
	_, key := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Equal(t, true, cdktest.Props(t, key)["EnableKeyRotation"])
	require.NotNil(t, b.support, "the eu-west-1 stage needs a cross-region support stack")
}

func TestAddEnvironmentRefusesAStageTwiceAndAfterBuild(t *testing.T) {
	b := get(t)
	stage := awscdk.Stage_Of(b.stack) // the app itself is no environment; any stage name will do
	assert.ErrorContains(t, b.pipeline.AddEnvironment(stage, EnvironmentOptions{}), "the pipeline is already built")
	assert.ErrorContains(t, b.pipeline.Build(), "already built")
	require.NotEmpty(t, b.pipeline.stages)
	again := awscdk.NewStage(cdktest.NewApp(t), jsii.String(b.pipeline.stages[0]), nil)
	assert.ErrorContains(t, b.pipeline.AddEnvironment(again, EnvironmentOptions{}), "stage "+b.pipeline.stages[0]+" is already in the pipeline")
}

func TestGates(t *testing.T) {
	b := get(t)
	require.NotNil(t, b.support)
	cdktest.Gates(t, b.dir, b.stack, b.support)
}

// TestThePipelineRoleUsesOnlyItsReplicationKeys: aws-cdk-lib grants the pipeline role KMS on
// Resource "*" for the replication keys of other regions; the written policy names the support
// stack's region and account and its key's alias instead, and keeps the pipeline key by ARN.
func TestThePipelineRoleUsesOnlyItsReplicationKeys(t *testing.T) {
	b := get(t)
	require.NotNil(t, b.support)
	_, alias := cdktest.Only(t, cdktest.Template(t, b.support), "AWS::KMS::Alias")
	aliasName := cdktest.As[string](t, cdktest.Props(t, alias)["AliasName"])
	require.NotEmpty(t, aliasName)

	tpl := cdktest.Template(t, b.stack)
	var kms []map[string]any
	for id, policy := range cdktest.OfType(t, tpl, "AWS::IAM::ManagedPolicy") {
		for _, s := range cdktest.Path[[]any](t, cdktest.Props(t, policy), "PolicyDocument", "Statement") {
			st := cdktest.As[map[string]any](t, s)
			if actions := policydoc.Strings(st["Action"]); len(actions) == 0 || !strings.HasPrefix(actions[0], "kms:") {
				continue
			}
			assert.NotContains(t, policydoc.Strings(st["Resource"]), "*", "%s: no role may use every key", id)
			if strings.Contains(id, "PipelineRoleDefaultPolicy") {
				kms = append(kms, st)
			}
		}
	}
	require.Len(t, kms, 2, "the pipeline key's statement and the replication key's")
	keyID, _ := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Equal(t, map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}, kms[0]["Resource"])
	assert.Nil(t, kms[0]["Condition"])
	assert.Equal(t, "arn:aws:kms:eu-west-1:"+tooling+":key/*", kms[1]["Resource"])
	assert.Equal(t, map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": aliasName}}, kms[1]["Condition"])
	assert.Equal(t, kms[0]["Action"], kms[1]["Action"], "the same actions on both")
}

func TestNarrowKMSHoldsOnlyTheReplicationGrantToTheKeys(t *testing.T) {
	keys := []replicationKey{{"aws", "eu-west-1", "111111111111", "alias/a"}, {"aws", "us-west-2", "111111111111", "alias/b"}}
	actions := []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
	onKey := func(region, alias string) map[string]any {
		return map[string]any{"Action": actions, "Effect": "Allow", "Resource": "arn:aws:kms:" + region + ":111111111111:key/*",
			"Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": alias}}}
	}
	own := map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}}
	grant := func(resource any) map[string]any {
		return map[string]any{"Action": actions, "Effect": "Allow", "Resource": resource}
	}
	other := map[string]any{"Action": "s3:GetObject", "Effect": "Allow", "Resource": "arn:aws:s3:::b/*"}
	cases := []struct {
		name     string
		in, want []any
	}{
		{"the grant on * alone becomes one statement per key, in its place",
			[]any{other, grant("*"), other},
			[]any{other, onKey("eu-west-1", "alias/a"), onKey("us-west-2", "alias/b"), other}},
		{"the grant's other resources stay in it",
			[]any{grant([]any{"*", own})},
			[]any{grant(own), onKey("eu-west-1", "alias/a"), onKey("us-west-2", "alias/b")}},
		{"other KMS actions on * are left for cdk-nag to report",
			[]any{map[string]any{"Action": []any{"kms:Decrypt"}, "Effect": "Allow", "Resource": "*"}},
			[]any{map[string]any{"Action": []any{"kms:Decrypt"}, "Effect": "Allow", "Resource": "*"}}},
		{"a conditioned grant is left alone",
			[]any{map[string]any{"Action": actions, "Effect": "Allow", "Resource": "*", "Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}}},
			[]any{map[string]any{"Action": actions, "Effect": "Allow", "Resource": "*", "Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "true"}}}}},
		{"the grant on named keys is left alone",
			[]any{grant(own)},
			[]any{grant(own)}},
		{"two such grants are left for cdk-nag to report, not narrowed twice",
			[]any{grant("*"), grant([]any{"*", own})},
			[]any{grant("*"), grant([]any{"*", own})}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			doc := map[string]any{"Version": "2012-10-17", "Statement": c.in}
			got := narrowKMS(doc, keys)
			assert.Equal(t, map[string]any{"Version": "2012-10-17", "Statement": c.want}, got)
			assert.Equal(t, c.in, doc["Statement"], "the rendered document itself is not changed")
		})
	}
}
