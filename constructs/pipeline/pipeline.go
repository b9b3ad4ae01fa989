package pipeline

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	codebuild "github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	codepipeline "github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	subs "github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
)

var (
	pipelineName = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)
	toolchain    = regexp.MustCompile(`^go1\.[0-9]+(\.[0-9]+)?$`)
	major        = regexp.MustCompile(`^[0-9]{1,3}$`)
	semver       = regexp.MustCompile(`^[0-9]+\.[0-9]+\.[0-9]+$`)
	envVar       = regexp.MustCompile(`^[A-Z_][A-Z0-9_]*$`)
	roleArn      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)
)

// Where the builds keep Go's and npm's caches, so CodeBuild's local cache can carry them over.
const (
	goModCache   = "/root/.cache/go-mod"
	goBuildCache = "/root/.cache/go-build"
	npmCache     = "/root/.npm"
)

// artifactDays is how long the artifact bucket keeps a run's artifacts: a run needs them for
// hours; the rest is for looking back at what a recent run deployed.
const artifactDays = 90

// Pipeline is the delivery pipeline. Add each Stage with AddEnvironment in promotion order, then
// call Build once.
type Pipeline struct {
	constructs.Construct
	// CodePipeline is the CDK Pipelines pipeline; its Pipeline() exists after Build.
	CodePipeline pipelines.CodePipeline
	// Key is the pipeline key: artifacts, CodeBuild projects and the notification topic.
	Key kms.Key
	// ArtifactBucket holds the runs' artifacts (SSE-KMS with Key, TLS only, versioned).
	ArtifactBucket s3.Bucket
	// AccessLogs receives the artifact bucket's server access logs (SSE-S3: S3 cannot deliver
	// access logs to an SSE-KMS bucket).
	AccessLogs s3.Bucket
	// Topic (encrypted with Key) announces pending approvals and failed runs.
	Topic sns.Topic
	// Logs holds every CodeBuild project's logs (encrypted with Key, retained): without it
	// CodeBuild writes to /aws/codebuild/<project> groups it creates itself, kept forever and
	// encrypted with no key of the account's.
	Logs logs.LogGroup

	props  PipelineProps
	stages []string
	built  bool
}

// NewPipeline creates the pipeline with its source and synth step, or returns every problem with
// props.
func NewPipeline(scope constructs.Construct, id string, props PipelineProps) (*Pipeline, error) {
	props = props.withDefaults()
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("pipeline %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	p := &Pipeline{Construct: this, props: props}

	p.Key = kms.NewKey(this, jsii.String("Key"), &kms.KeyProps{
		Description:       jsii.String(fmt.Sprintf("Stratus pipeline %s: artifacts, builds, notifications", props.PipelineName)),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	p.buildBuckets()
	p.Logs = logs.NewLogGroup(this, jsii.String("BuildLogs"), &logs.LogGroupProps{
		EncryptionKey: p.Key, Retention: props.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The group's name is generated after the key, whose policy therefore names the account's
	// log groups of the region rather than this one (a dependency cycle otherwise).
	keys.AllowCloudWatchLogs(p.Key)
	p.buildTopic()

	source := pipelines.CodePipelineSource_Connection(jsii.String(props.Repository), jsii.String(props.Branch),
		&pipelines.ConnectionSourceOptions{ConnectionArn: jsii.String(props.ConnectionArn)})
	synth := pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
		Input: source,
		InstallCommands: jsii.Strings(
			// The gates run cfn-lint; pinned like the rest of the toolchain.
			"python3 -m pip install --quiet cfn-lint=="+props.CfnLintVersion,
			"go version", "node --version",
		),
		Commands:               jsii.Strings(props.SynthCommands...),
		PrimaryOutputDirectory: jsii.String("cdk.out"),
	})
	p.CodePipeline = pipelines.NewCodePipeline(this, jsii.String("Pipeline"), &pipelines.CodePipelineProps{
		PipelineName:        jsii.String(props.PipelineName),
		PipelineType:        codepipeline.PipelineType_V2,
		Synth:               synth,
		SelfMutation:        jsii.Bool(true),
		CrossAccountKeys:    jsii.Bool(true),
		EnableKeyRotation:   jsii.Bool(true),
		ArtifactBucket:      p.ArtifactBucket,
		CliVersion:          jsii.String(props.CliVersion),
		CdkAssetsCliVersion: jsii.String(props.AssetsCliVersion),
		CodeBuildDefaults:   p.buildDefaults(),
		// The synth step runs every test and two validated synths: the largest machine pays off.
		SynthCodeBuildDefaults: &pipelines.CodeBuildOptions{
			BuildEnvironment: &codebuild.BuildEnvironment{ComputeType: codebuild.ComputeType_LARGE},
		},
		DockerEnabledForSynth:        jsii.Bool(false),
		DockerEnabledForSelfMutation: jsii.Bool(false),
	})
	return p, nil
}

// buildDefaults is every CodeBuild project's environment: the pinned toolchain, no privileged
// mode (no step builds an image), and a local cache of Go's and npm's downloads and builds.
func (p *Pipeline) buildDefaults() *pipelines.CodeBuildOptions {
	return &pipelines.CodeBuildOptions{
		BuildEnvironment: &codebuild.BuildEnvironment{
			BuildImage:  codebuild.LinuxBuildImage_AMAZON_LINUX_2023_5(),
			ComputeType: codebuild.ComputeType_SMALL,
			Privileged:  jsii.Bool(false),
			EnvironmentVariables: &map[string]*codebuild.BuildEnvironmentVariable{
				"GOTOOLCHAIN": {Value: jsii.String(p.props.GoToolchain)},
				"GOMODCACHE":  {Value: jsii.String(goModCache)},
				"GOCACHE":     {Value: jsii.String(goBuildCache)},
				"GOFLAGS":     {Value: jsii.String("-modcacherw")},
			},
		},
		PartialBuildSpec: codebuild.BuildSpec_FromObject(&map[string]any{
			"phases": map[string]any{"install": map[string]any{
				"runtime-versions": map[string]any{"nodejs": p.props.NodeVersion},
			}},
			"cache": map[string]any{"paths": []string{goModCache + "/**/*", goBuildCache + "/**/*", npmCache + "/**/*"}},
		}),
		Cache:   codebuild.Cache_Local(codebuild.LocalCacheMode_CUSTOM),
		Logging: &codebuild.LoggingOptions{CloudWatch: &codebuild.CloudWatchLoggingOptions{LogGroup: p.Logs}},
	}
}

func (p *Pipeline) buildBuckets() {
	p.AccessLogs, p.ArtifactBucket = ArtifactBuckets(p.Construct, p.Key)
}

// ArtifactBuckets are a pipeline's artifact bucket (SSE-KMS with key, versioned, TLS-only, no
// public access, retained, artifacts kept artifactDays) and its access-log bucket (the same,
// but SSE-S3: S3 log delivery supports nothing else), as "AccessLogs" and "Artifacts" under
// scope. The release pipelines (constructs/releasepipeline) use the same pair.
func ArtifactBuckets(scope constructs.Construct, key kms.IKey) (accessLogs, artifacts s3.Bucket) {
	newBucket := func(id string, props *s3.BucketProps) s3.Bucket {
		props.EnforceSSL = jsii.Bool(true)
		props.MinimumTLSVersion = jsii.Number(1.2)
		props.Versioned = jsii.Bool(true)
		props.BlockPublicAccess = s3.BlockPublicAccess_BLOCK_ALL()
		props.ObjectOwnership = s3.ObjectOwnership_BUCKET_OWNER_ENFORCED
		props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
		props.LifecycleRules = lifecycle()
		return s3.NewBucket(scope, jsii.String(id), props)
	}
	accessLogs = newBucket("AccessLogs", &s3.BucketProps{Encryption: s3.BucketEncryption_S3_MANAGED})
	artifacts = newBucket("Artifacts", &s3.BucketProps{
		Encryption: s3.BucketEncryption_KMS, EncryptionKey: key, BucketKeyEnabled: jsii.Bool(true),
		ServerAccessLogsBucket: accessLogs, ServerAccessLogsPrefix: jsii.String("artifacts/"),
	})
	return accessLogs, artifacts
}

// lifecycle keeps a run's artifacts (and access logs) artifactDays, old versions 30 days.
func lifecycle() *[]*s3.LifecycleRule {
	return &[]*s3.LifecycleRule{{
		Expiration:                          duration.Days(artifactDays),
		NoncurrentVersionExpiration:         duration.Days(30),
		AbortIncompleteMultipartUploadAfter: duration.Days(7),
	}}
}

func (p *Pipeline) buildTopic() {
	p.Topic = sns.NewTopic(p.Construct, jsii.String("Notifications"), &sns.TopicProps{
		DisplayName: jsii.String("Stratus pipeline " + p.props.PipelineName),
		MasterKey:   p.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, addr := range p.props.NotificationEmails {
		p.Topic.AddSubscription(subs.NewEmailSubscription(jsii.String(addr), nil))
	}
	// CodeStar Notifications publishes failed runs to the encrypted topic.
	stack := awscdk.Stack_Of(p.Construct)
	p.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCodeStarNotifications"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String("codestar-notifications.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", *stack.Region()),
		}},
	}), jsii.Bool(false))
}

// AddEnvironment adds stage as the next wave: an approval first when opts.Approve, the stage's
// stacks in their dependency order (stacks without a dependency between them side by side),
// then the smoke test. stage may live anywhere in the app, e.g. beside the pipeline's stack; its
// stacks are deployed exactly as synthesized. Aspects (cdk-nag) must be added to stage first:
// adding it synthesizes it.
func (p *Pipeline) AddEnvironment(stage awscdk.Stage, opts EnvironmentOptions) error {
	name := *stage.StageName()
	var errs []error
	if p.built {
		errs = append(errs, errors.New("the pipeline is already built"))
	}
	if slices.Contains(p.stages, name) {
		errs = append(errs, fmt.Errorf("stage %s is already in the pipeline", name))
	}
	if err := opts.validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("pipeline %s: environment %s:\n%w", *p.Node().Id(), name, err)
	}
	p.stages = append(p.stages, name)

	var pre, post []pipelines.Step
	if opts.Approve {
		pre = append(pre, pipelines.NewManualApprovalStep(jsii.String("Approve"), &pipelines.ManualApprovalStepProps{
			Comment:           jsii.String(fmt.Sprintf("Deploy this change to %s? The environments before it deployed it and passed their smoke tests.", name)),
			NotificationTopic: p.Topic,
		}))
	}
	if len(opts.SmokeCommands) > 0 {
		outputs := map[string]awscdk.CfnOutput{}
		for k, v := range opts.SmokeOutputs {
			outputs[k] = v
		}
		var policy []iam.PolicyStatement
		if len(opts.SmokeRoleArns) > 0 {
			policy = append(policy, iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(opts.SmokeRoleArns...),
			}))
		}
		post = append(post, pipelines.NewCodeBuildStep(jsii.String("SmokeTest"), &pipelines.CodeBuildStepProps{
			EnvFromCfnOutputs:    &outputs,
			Commands:             jsii.Strings(opts.SmokeCommands...),
			RolePolicyStatements: &policy,
		}))
	}
	p.CodePipeline.AddStage(stage, &pipelines.AddStageOpts{Pre: &pre, Post: &post})
	return nil
}

// Build turns the waves into the CodePipeline pipeline (CDK Pipelines would otherwise do it at
// synth), so what it creates — CodeBuild projects, roles, cross-region support stacks — exists
// for the compliance packs, and adds the failure notifications. Call it once, after the last
// AddEnvironment.
func (p *Pipeline) Build() error {
	if p.built {
		return fmt.Errorf("pipeline %s: already built", *p.Node().Id())
	}
	if len(p.stages) == 0 {
		return fmt.Errorf("pipeline %s: no environment added (AddEnvironment)", *p.Node().Id())
	}
	p.built = true
	p.CodePipeline.BuildPipeline()
	p.CodePipeline.Pipeline().NotifyOn(jsii.String("Failures"), p.Topic, &codepipeline.PipelineNotifyOnOptions{
		Events: &[]codepipeline.PipelineNotificationEvents{
			codepipeline.PipelineNotificationEvents_PIPELINE_EXECUTION_FAILED,
			codepipeline.PipelineNotificationEvents_MANUAL_APPROVAL_FAILED,
		},
		NotificationRuleName: jsii.String(strings.ToLower(p.props.PipelineName) + "-failures"),
	})
	p.acceptByDesign()
	return nil
}
