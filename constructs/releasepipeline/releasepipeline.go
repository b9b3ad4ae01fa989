package releasepipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	codebuild "github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	codepipeline "github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	actions "github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	ecr "github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	subs "github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/pipeline"
	"github.com/stratus-platform/stratus/internal/bootstrap"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Output variables of the Build action (namespace "Build") and the source (namespace "Source").
const (
	// DigestVariable is the pipeline variable every deploy reads: the digest the build pushed.
	DigestVariable = "#{Build.IMAGE_DIGEST}"
	// CommitVariable is the commit being released; the image's tag.
	CommitVariable = "#{Source.CommitId}"
)

// maxActionVariables is CodePipeline's limit on an action configuration value (the CodeBuild
// action's EnvironmentVariables JSON).
const maxActionVariables = 1000

// Releases holds the shared resources and every service's release pipeline.
type Releases struct {
	constructs.Construct
	// Key encrypts the artifacts, the build logs and the notification topic (rotating).
	Key kms.Key
	// ArtifactBucket holds the pipelines' artifacts (SSE-KMS with Key, TLS only, versioned).
	ArtifactBucket s3.Bucket
	// AccessLogs receives the artifact bucket's server access logs (SSE-S3: S3 cannot deliver
	// access logs to an SSE-KMS bucket).
	AccessLogs s3.Bucket
	// Topic (encrypted with Key) announces pending approvals and failed releases.
	Topic sns.Topic
	// Logs receives every build's log (encrypted with Key).
	Logs logs.LogGroup
	// Scan, Replication and Deploy are the shared CodeBuild projects of the gates and deploys.
	Scan, Replication, Deploy codebuild.PipelineProject
	// Pipelines maps a service to its pipeline.
	Pipelines map[string]*ReleasePipeline

	props ReleasesProps
}

// ReleasePipeline is one service's pipeline.
type ReleasePipeline struct {
	// Pipeline is the V2 CodePipeline pipeline.
	Pipeline codepipeline.Pipeline
	// Test runs the service's test and scan commands, with no rights in any environment; nil
	// without any.
	Test codebuild.PipelineProject
	// Build builds and pushes the image (privileged: docker), with fixed commands only: its role
	// may assume the service's push roles of the environments, and nothing else.
	Build codebuild.PipelineProject
	// IntegrationTest runs the integration commands; nil without any.
	IntegrationTest codebuild.PipelineProject
	// Inbox is the tooling account's repository release/<service> an EcrPush pipeline releases
	// from; nil otherwise.
	Inbox ecr.Repository
}

// inbox is the repository teams push service's images to: scanned on push, encrypted with the
// key, immutable but for the release tag, which each push moves to the newest image.
func (r *Releases) inbox(scope constructs.Construct, service string) ecr.Repository {
	return ecr.NewRepository(scope, jsii.String("Inbox"), &ecr.RepositoryProps{
		RepositoryName:     jsii.String("release/" + service),
		ImageScanOnPush:    jsii.Bool(true),
		ImageTagMutability: ecr.TagMutability_IMMUTABLE_WITH_EXCLUSION,
		ImageTagMutabilityExclusionFilters: &[]ecr.ImageTagMutabilityExclusionFilter{
			ecr.ImageTagMutabilityExclusionFilter_Wildcard(jsii.String(limits.ReleaseTag)),
		},
		Encryption:    ecr.RepositoryEncryption_KMS(),
		EncryptionKey: r.Key,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*ecr.LifecycleRule{{
			Description: jsii.String("Expire untagged images 30 days after push (the released copies live in the environments)"),
			TagStatus:   ecr.TagStatus_UNTAGGED, MaxImageAge: duration.Days(30),
		}},
	})
}

// NewReleases creates the shared resources, or returns every problem with props.
func NewReleases(scope constructs.Construct, id string, props ReleasesProps) (*Releases, error) {
	if props.Qualifier == "" {
		props.Qualifier = bootstrap.Qualifier(scope)
	}
	props = props.withDefaults()
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("releases %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	r := &Releases{Construct: this, props: props, Pipelines: map[string]*ReleasePipeline{}}
	stack := awscdk.Stack_Of(this)
	r.Key = kms.NewKey(this, jsii.String("Key"), &kms.KeyProps{
		Description:       jsii.String("Stratus release pipelines: artifacts, build logs, notifications"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	r.buildBuckets()

	r.Logs = logs.NewLogGroup(this, jsii.String("BuildLogs"), &logs.LogGroupProps{
		EncryptionKey: r.Key,
		Retention:     props.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// CloudWatch Logs encrypts the build logs with the key, for this account's log groups only.
	r.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogs"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:aws:logs:%s:%s:log-group:*", *stack.Region(), *stack.Account()),
		}},
	}), jsii.Bool(false))

	r.Topic = sns.NewTopic(this, jsii.String("Notifications"), &sns.TopicProps{
		DisplayName: jsii.String("Stratus releases"),
		MasterKey:   r.Key,
		EnforceSSL:  jsii.Bool(true),
	})
	for _, addr := range props.NotificationEmails {
		r.Topic.AddSubscription(subs.NewEmailSubscription(jsii.String(addr), nil))
	}
	// CodeStar Notifications publishes failed releases to the encrypted topic.
	r.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCodeStarNotifications"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String("codestar-notifications.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*", "kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("sns.%s.amazonaws.com", *stack.Region())}},
	}), jsii.Bool(false))

	r.Scan = r.project(this, "ScanGate", []string{scanScript}, false, 120, nil)
	r.Replication = r.project(this, "ReplicationWait", []string{replicationScript}, false, 60, nil)
	// Named: the environments' read roles trust these two roles, and only them, by name.
	r.Scan.Role().Node().DefaultChild().(iam.CfnRole).SetRoleName(jsii.String(ScanRoleName))
	r.Replication.Role().Node().DefaultChild().(iam.CfnRole).SetRoleName(jsii.String(ReplicationWaitRoleName))
	r.Deploy = r.project(this, "Deploy", []string{deployScript}, false, deployTimeoutMinutes, nil)
	acceptByDesign(this)
	r.acceptBuckets()
	return r, nil
}

func (r *Releases) buildBuckets() {
	r.AccessLogs, r.ArtifactBucket = pipeline.ArtifactBuckets(r.Construct, r.Key)
}

// project is a CodeBuild project running commands in bash (with its input's files), encrypted
// with the key and logging to the shared log group, on the managed Amazon Linux image. Each
// command is its own entry, so the first that fails fails the build (a script of several lines
// sets -e itself).
func (r *Releases) project(scope constructs.Construct, id string, commands []string, privileged bool, timeoutMinutes float64, vars map[string]string) codebuild.PipelineProject {
	phases := map[string]any{"build": map[string]any{"commands": commands}}
	spec := map[string]any{"shell": "bash"}
	cache := codebuild.Cache_None()
	if privileged {
		spec["exported-variables"] = []string{"IMAGE_DIGEST", "IMAGE_TAG"}
		// Docker's layers and the source carry over between builds on the same host.
		cache = codebuild.Cache_Local(codebuild.LocalCacheMode_DOCKER_LAYER, codebuild.LocalCacheMode_SOURCE)
	}
	env := map[string]*codebuild.BuildEnvironmentVariable{"QUALIFIER": {Value: jsii.String(r.props.Qualifier)}}
	for k, v := range vars {
		env[k] = &codebuild.BuildEnvironmentVariable{Value: jsii.String(v)}
	}
	return codebuild.NewPipelineProject(scope, jsii.String(id), &codebuild.PipelineProjectProps{
		BuildSpec: codebuild.BuildSpec_FromObject(&map[string]any{"version": "0.2", "env": spec, "phases": phases}),
		Environment: &codebuild.BuildEnvironment{
			BuildImage:           codebuild.LinuxBuildImage_AMAZON_LINUX_2023_5(),
			ComputeType:          codebuild.ComputeType_SMALL,
			Privileged:           jsii.Bool(privileged),
			EnvironmentVariables: &env,
		},
		EncryptionKey: r.Key,
		Cache:         cache,
		Timeout:       duration.Minutes(timeoutMinutes),
		Logging: &codebuild.LoggingOptions{CloudWatch: &codebuild.CloudWatchLoggingOptions{
			LogGroup: r.Logs, Prefix: jsii.String(id),
		}},
	})
}

// AddPipeline adds service props.Service's release pipeline under scope, or returns every
// problem with props. scope may be in a stack of its own (in the shared resources' account and
// region), which keeps each pipeline's template apart: one stack for all reaches
// CloudFormation's 1 MB template limit at about 16 pipelines.
func (r *Releases) AddPipeline(scope constructs.Construct, props PipelineProps) (*ReleasePipeline, error) {
	props = props.withDefaults()
	err := props.validate()
	if err == nil {
		err = props.checkVariableSizes()
	}
	if r.Pipelines[props.Service] != nil {
		err = errors.Join(err, fmt.Errorf("Service %q has a pipeline already", props.Service))
	}
	err = errors.Join(err, r.checkScope(scope))
	if err != nil {
		return nil, fmt.Errorf("release pipeline %s: invalid props:\n%w", props.Service, err)
	}
	scope = constructs.NewConstruct(scope, jsii.String(naming.Pascal(props.Service)))
	rp := &ReleasePipeline{}

	// The targets are the project's own variables, which have no CodePipeline size limit.
	image := buildImage
	if props.EcrPush {
		image = pullImage
	}
	rp.Build = r.project(scope, "Build", []string{prelude + image + buildScript}, true, 120, map[string]string{"TARGETS": words(props.pushTargets())})
	// Named, so that the environments' push roles can trust this role alone.
	rp.Build.Role().Node().DefaultChild().(iam.CfnRole).SetRoleName(jsii.String(BuildRoleName(props.Service)))
	// It pushes as each environment's push role, and reaches the environments through nothing else.
	rp.Build.AddToRolePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(props.pushRoleArns()...),
	}))
	// The service's own commands run its repository's code: in a project of their own, whose role
	// can assume nothing, not in the build, whose role reaches every environment's push role.
	if commands := slices.Concat(props.TestCommands, props.ScanCommands); len(commands) > 0 {
		rp.Test = r.project(scope, "Test", commands, false, 60, nil)
	}
	if len(props.IntegrationCommands) > 0 {
		rp.IntegrationTest = r.project(scope, "IntegrationTest", props.IntegrationCommands, false, 60, nil)
	}

	pipeline := codepipeline.NewPipeline(scope, jsii.String("Pipeline"), &codepipeline.PipelineProps{
		PipelineName:   jsii.String(props.PipelineName),
		PipelineType:   codepipeline.PipelineType_V2,
		ArtifactBucket: r.ArtifactBucket,
		// One release at a time, in commit order: a newer commit waits instead of overtaking.
		ExecutionMode:             codepipeline.ExecutionMode_QUEUED,
		UsePipelineRoleForActions: jsii.Bool(true),
		RestartExecutionOnUpdate:  jsii.Bool(false),
	})
	rp.Pipeline = pipeline
	source := codepipeline.NewArtifact(jsii.String("Source"), nil)
	buildVariables := map[string]string{"COMMIT_ID": CommitVariable}
	var sourceAction codepipeline.IAction
	if props.EcrPush {
		rp.Inbox = r.inbox(scope, props.Service)
		rp.Inbox.GrantPull(rp.Build)
		sourceAction = actions.NewEcrSourceAction(&actions.EcrSourceActionProps{
			ActionName: jsii.String("Source"), VariablesNamespace: jsii.String("Source"),
			Repository: rp.Inbox, ImageTag: jsii.String(limits.ReleaseTag), Output: source,
		})
		buildVariables = map[string]string{"SOURCE_DIGEST": "#{Source.ImageDigest}", "SOURCE_REPOSITORY": *rp.Inbox.RepositoryUri()}
	} else {
		owner, repo, _ := strings.Cut(props.Repository, "/")
		sourceAction = actions.NewCodeStarConnectionsSourceAction(&actions.CodeStarConnectionsSourceActionProps{
			ActionName: jsii.String("Source"), VariablesNamespace: jsii.String("Source"),
			ConnectionArn: jsii.String(props.ConnectionArn), Owner: jsii.String(owner), Repo: jsii.String(repo),
			Branch: jsii.String(props.Branch), Output: source, TriggerOnPush: jsii.Bool(true),
		})
	}
	pipeline.AddStage(&codepipeline.StageOptions{StageName: jsii.String("Source"), Actions: &[]codepipeline.IAction{sourceAction}})
	codeBuild := func(name string, project codebuild.IProject, order int, vars map[string]string) codepipeline.IAction {
		env := map[string]*codebuild.BuildEnvironmentVariable{}
		for k, v := range vars {
			env[k] = &codebuild.BuildEnvironmentVariable{Value: jsii.String(v)}
		}
		a := &actions.CodeBuildActionProps{ActionName: jsii.String(name), Project: project, Input: source,
			RunOrder: jsii.Number(float64(order)), EnvironmentVariables: &env}
		if name == "Build" {
			a.VariablesNamespace = jsii.String("Build")
		}
		return actions.NewCodeBuildAction(a)
	}
	var build []codepipeline.IAction
	if rp.Test != nil {
		build = append(build, codeBuild("Test", rp.Test, 1, nil))
	}
	build = append(build, codeBuild("Build", rp.Build, len(build)+1, buildVariables))
	pipeline.AddStage(&codepipeline.StageOptions{StageName: jsii.String("Build"), Actions: &build})
	pipeline.AddStage(&codepipeline.StageOptions{StageName: jsii.String("ScanGate"), Actions: &[]codepipeline.IAction{
		codeBuild("Scan", r.Scan, 1, props.scanVariables()),
	}})
	for i, e := range props.Environments {
		regions := e.regions()
		order := 1
		next := func() int { order++; return order - 1 }
		acts := []codepipeline.IAction{codeBuild("Replicated", r.Replication, next(), e.replicationVariables())}
		if e.Approve {
			acts = append(acts, actions.NewManualApprovalAction(&actions.ManualApprovalActionProps{
				ActionName: jsii.String("Approve"), RunOrder: jsii.Number(float64(next())), NotificationTopic: r.Topic,
				AdditionalInformation: jsii.String(fmt.Sprintf("Release %s %s (commit %s) to %s? It passed the scan gate and every environment before %s.",
					props.Service, DigestVariable, CommitVariable, e.Name, e.Name)),
			}))
		}
		acts = append(acts, codeBuild("Deploy", r.Deploy, next(), e.deployVariables()))
		if rp.IntegrationTest != nil && i < len(props.Environments)-1 {
			acts = append(acts, codeBuild("IntegrationTest", rp.IntegrationTest, next(), map[string]string{
				"ENTRY_URL": e.EntryURL, "IMAGE_DIGEST": DigestVariable,
			}))
		}
		pipeline.AddStage(&codepipeline.StageOptions{StageName: jsii.String(naming.Pascal(e.Name)), Actions: &acts})
		// The scan gate and the waits read as the environment's read role; the deploys deploy
		// every region as the CDK deploy role.
		r.grantRoles([]string{e.readRoleArn()}, r.Scan, r.Replication)
		r.grantTargets(e.Account, regions, r.Deploy)
	}
	pipeline.NotifyOn(jsii.String("Failures"), r.Topic, &codepipeline.PipelineNotifyOnOptions{
		Events: &[]codepipeline.PipelineNotificationEvents{
			codepipeline.PipelineNotificationEvents_PIPELINE_EXECUTION_FAILED,
			codepipeline.PipelineNotificationEvents_MANUAL_APPROVAL_FAILED,
		},
		NotificationRuleName: jsii.String(strings.ToLower(props.PipelineName) + "-failures"),
	})
	// The pipeline waits for its role's policy; the role itself it already references (RoleArn),
	// and the extra DependsOn aws-cdk-lib adds for it is cfn-lint's W3005.
	if id := managedGrants(pipeline.Role().(iam.Role)); id != "" {
		pipeline.Node().DefaultChild().(awscdk.CfnResource).AddOverride(jsii.String("DependsOn"), []string{id})
	}
	acceptByDesign(scope)
	suppress(rp.Build.Node().DefaultChild(), privileged, "AwsSolutions-CB3")
	if rp.Inbox != nil {
		cdknag.NagSuppressions_AddResourceSuppressions(rp.Build.Role(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"), AppliesTo: &[]any{jsii.String("Resource::*")}, Reason: jsii.String(registryLogin),
		}}, jsii.Bool(true))
	}
	r.Pipelines[props.Service] = rp
	return rp, nil
}

// checkScope refuses a scope whose stack is in another account or region than the shared
// resources': the pipeline's artifacts, key and projects are regional, and a reference to them
// from elsewhere would not resolve.
func (r *Releases) checkScope(scope constructs.Construct) error {
	if scope == nil {
		return errors.New("scope is nil")
	}
	shared, own := awscdk.Stack_Of(r.Construct), awscdk.Stack_Of(scope)
	where := func(s awscdk.Stack) string { return *s.Account() + "/" + *s.Region() }
	if where(own) != where(shared) {
		return fmt.Errorf("scope's stack %s is in %s, not in %s with the shared resources (stack %s)",
			*own.StackName(), where(own), where(shared), *shared.StackName())
	}
	return nil
}

// grantTargets lets the projects assume the CDK deploy role of account in each region: all they
// do in an environment they do as that role.
func (r *Releases) grantTargets(account string, regions []string, projects ...codebuild.PipelineProject) {
	arns := make([]string, len(regions))
	for i, region := range regions {
		arns[i] = DeployRoleArn(r.props.Qualifier, account, region)
	}
	r.grantRoles(arns, projects...)
}

// grantRoles lets the projects assume the roles arns.
func (r *Releases) grantRoles(arns []string, projects ...codebuild.PipelineProject) {
	for _, p := range projects {
		p.AddToRolePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("sts:AssumeRole"), Resources: jsii.Strings(arns...),
		}))
	}
}

// DeployRoleArn is the CDK bootstrap deploy role of account in region.
func DeployRoleArn(qualifier, account, region string) string {
	return bootstrap.Arn("aws", account, bootstrap.Name(qualifier, "deploy", account, region))
}

// FailSeverities are the ECR severities at and above failOn.
func FailSeverities(failOn string) []string {
	i := slices.Index(limits.ScanSeverities, failOn)
	return slices.Clone(limits.ScanSeverities[:i+1])
}

// homes are the account,region,repository,read role of each environment's home region.
func (p PipelineProps) homes() []string {
	homes := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		homes[i] = strings.Join([]string{e.Account, e.Targets[0].Region, e.Repository, e.ReadRole}, ",")
	}
	return homes
}

// The names of the scan gate's and the replication wait's roles: the only principals of the
// pipelines' account an environment's read role trusts (registry.ReadRole).
const (
	ScanRoleName            = "stratus-release-scan-gate"
	ReplicationWaitRoleName = "stratus-release-replication-wait"
)

// readRoleArn is the environment's read role.
func (e Environment) readRoleArn() string {
	return bootstrap.Arn("aws", e.Account, e.ReadRole)
}

// pushTargets are the build's TARGETS: each environment's home as account,region,repository,push
// role.
func (p PipelineProps) pushTargets() []string {
	targets := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		targets[i] = strings.Join([]string{e.Account, e.Targets[0].Region, e.Repository, e.PushRole}, ",")
	}
	return targets
}

// BuildRoleName is the name of the role of service's Build project: the one principal of the
// pipelines' account that an environment's push role for service trusts.
func BuildRoleName(service string) string { return "stratus-release-" + service + "-build" }

// pushRoleArns are the environments' push roles.
func (p PipelineProps) pushRoleArns() []string {
	arns := make([]string, len(p.Environments))
	for i, e := range p.Environments {
		arns[i] = bootstrap.Arn("aws", e.Account, e.PushRole)
	}
	return arns
}

func (p PipelineProps) scanVariables() map[string]string {
	return map[string]string{"IMAGE_DIGEST": DigestVariable, "TARGETS": words(p.homes()), "FAIL_SEVERITIES": words(FailSeverities(p.FailOn))}
}

func (e Environment) regions() []string {
	out := make([]string, len(e.Targets))
	for i, t := range e.Targets {
		out[i] = t.Region
	}
	return out
}

func (e Environment) replicationVariables() map[string]string {
	return map[string]string{"IMAGE_DIGEST": DigestVariable, "ACCOUNT": e.Account, "REPOSITORY": e.Repository,
		"REGIONS": words(e.regions()), "READ_ROLE": e.ReadRole}
}

func (e Environment) deployVariables() map[string]string {
	stacks := make([]string, len(e.Targets))
	for i, t := range e.Targets {
		stacks[i] = t.Region + "=" + t.StackName
	}
	return map[string]string{"IMAGE_DIGEST": DigestVariable, "ACCOUNT": e.Account, "REPOSITORY": e.Repository,
		"PARAMETER": e.ImageParameter, "STACKS": words(stacks)}
}

// checkVariableSizes reports every action whose variables would not fit CodePipeline's limit.
func (p PipelineProps) checkVariableSizes() error {
	var errs []error
	check := func(name string, vars map[string]string) {
		if n := variablesSize(vars); n > maxActionVariables {
			errs = append(errs, fmt.Errorf("action %s: its variables take %d characters, over CodePipeline's %d (fewer regions per environment)", name, n, maxActionVariables))
		}
	}
	check("Scan", p.scanVariables())
	for _, e := range p.Environments {
		check(naming.Pascal(e.Name)+"/Replicated", e.replicationVariables())
		check(naming.Pascal(e.Name)+"/Deploy", e.deployVariables())
	}
	return errors.Join(errs...)
}

// variablesSize is the length of vars as the CodeBuild action's EnvironmentVariables JSON.
func variablesSize(vars map[string]string) int {
	type variable struct{ Name, Type, Value string }
	var list []variable
	for k, v := range vars {
		list = append(list, variable{k, "PLAINTEXT", v})
	}
	b, _ := json.Marshal(list)
	return len(b)
}
