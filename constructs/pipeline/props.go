// Package pipeline provides Pipeline, a self-mutating CDK Pipelines (aws-cdk-lib pipelines)
// delivery pipeline: a V2 CodePipeline that builds a repository through a CodeConnections
// connection, runs the repository's gates in its synth step, updates itself, publishes assets and
// deploys Stages one after another, each behind an optional manual approval and followed by an
// optional smoke test.
//
// Everything it stores is encrypted with one customer-managed, rotating KMS key (the pipeline
// key): the artifact bucket (TLS only, versioned, access-logged), every CodeBuild project, and
// the SNS topic that tells people of pending approvals and failed runs.
package pipeline

import (
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// PipelineProps configures a Pipeline.
type PipelineProps struct {
	// PipelineName is the CodePipeline pipeline's name.
	// Default: "stratus".
	PipelineName string
	// ConnectionArn is the CodeConnections (or CodeStar Connections) connection the source action
	// reads the repository through (limits.ConnectionArnRule). Required.
	ConnectionArn string
	// Repository is the repository as owner/name. Required.
	Repository string
	// Branch is the branch whose every push runs the pipeline.
	// Default: "main".
	Branch string
	// SynthCommands build, test and synthesize the app; they must fail on any finding and leave
	// the cloud assembly in cdk.out.
	// Default: ["make test"] (the README's gates: vet, tests, a validated synth, cdk-nag, cfn-lint).
	SynthCommands []string
	// GoToolchain is the exact Go release every build uses (GOTOOLCHAIN, which downloads and
	// checksums it).
	// Default: limits.GoToolchain.
	GoToolchain string
	// NodeVersion is the Node.js major of the CodeBuild image (buildspec runtime-versions).
	// Default: limits.NodeMajor.
	NodeVersion string
	// CfnLintVersion is the cfn-lint the synth step installs for the gates.
	// Default: limits.CfnLintVersion.
	CfnLintVersion string
	// CliVersion is the CDK CLI the self-mutation and asset steps install.
	// Default: limits.CdkCliVersion.
	CliVersion string
	// AssetsCliVersion is the cdk-assets the Assets stage installs.
	// Default: limits.CdkAssetsVersion.
	AssetsCliVersion string
	// NotificationEmails receive pending approvals and failed runs (1 to limits.MaxNotify).
	NotificationEmails []string
	// LogRetention is how long the CodeBuild projects' logs are kept (a retention.FromDays value).
	// Default: retention.Default.
	LogRetention logs.RetentionDays
}

// EnvironmentOptions says how one Stage is deployed.
type EnvironmentOptions struct {
	// Approve puts a manual approval, announced on the notification topic, before the Stage's
	// first deploy action.
	// Default: false.
	Approve bool
	// SmokeCommands run after the Stage deployed; a failing command fails the run, so the next
	// environment is not deployed.
	// Default: none (no smoke test).
	SmokeCommands []string
	// SmokeOutputs are stack outputs of the Stage the smoke commands read, by environment
	// variable name.
	// Default: none.
	SmokeOutputs map[string]awscdk.CfnOutput
	// SmokeRoleArns are roles (in the target account) the smoke test may assume to read the
	// deployed environment.
	// Default: none.
	SmokeRoleArns []string
}

func (p PipelineProps) withDefaults() PipelineProps {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&p.PipelineName, "stratus")
	def(&p.Branch, limits.DefaultBranch)
	def(&p.GoToolchain, limits.GoToolchain)
	def(&p.NodeVersion, limits.NodeMajor)
	def(&p.CfnLintVersion, limits.CfnLintVersion)
	def(&p.CliVersion, limits.CdkCliVersion)
	def(&p.AssetsCliVersion, limits.CdkAssetsVersion)
	if len(p.SynthCommands) == 0 {
		p.SynthCommands = []string{"make test"}
	}
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	return p
}

func (p PipelineProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	for _, msg := range limits.SourceProblems(p.ConnectionArn, p.Repository, p.Branch) {
		errs = append(errs, errors.New(msg))
	}
	if !pipelineName.MatchString(p.PipelineName) {
		add("PipelineName %q must be 1-100 characters of A-Z, a-z, 0-9, ., @, _ and -", p.PipelineName)
	}
	if !toolchain.MatchString(p.GoToolchain) {
		add("GoToolchain %q must name a Go release, e.g. go1.26.8", p.GoToolchain)
	}
	if !major.MatchString(p.NodeVersion) {
		add("NodeVersion %q must be a Node.js major version, e.g. 22", p.NodeVersion)
	}
	for key, v := range map[string]string{"CfnLintVersion": p.CfnLintVersion, "CliVersion": p.CliVersion, "AssetsCliVersion": p.AssetsCliVersion} {
		if !semver.MatchString(v) {
			add("%s %q must be an exact version, e.g. 1.2.3", key, v)
		}
	}
	if n := len(p.NotificationEmails); n == 0 || n > limits.MaxNotify {
		add("NotificationEmails has %d addresses (allowed: 1-%d)", n, limits.MaxNotify)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	for i, e := range p.NotificationEmails {
		if !limits.EmailRE.MatchString(e) {
			add("NotificationEmails[%d] %q is not an e-mail address", i, e)
		} else if slices.Index(p.NotificationEmails, e) < i {
			add("NotificationEmails[%d] %q is given twice", i, e)
		}
	}
	for i, c := range p.SynthCommands {
		if c == "" {
			add("SynthCommands[%d] is empty", i)
		}
	}
	return errors.Join(errs...)
}

func (o EnvironmentOptions) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if len(o.SmokeCommands) == 0 && (len(o.SmokeOutputs) > 0 || len(o.SmokeRoleArns) > 0) {
		add("SmokeOutputs and SmokeRoleArns need SmokeCommands that read them")
	}
	for name := range o.SmokeOutputs {
		if !envVar.MatchString(name) {
			add("SmokeOutputs: %q is not an environment variable name ([A-Z_][A-Z0-9_]*)", name)
		}
		if o.SmokeOutputs[name] == nil {
			add("SmokeOutputs[%q] has no output", name)
		}
	}
	for i, c := range o.SmokeCommands {
		if c == "" {
			add("SmokeCommands[%d] is empty", i)
		}
	}
	for i, arn := range o.SmokeRoleArns {
		if !roleArn.MatchString(arn) {
			add("SmokeRoleArns[%d] %q is not an IAM role ARN", i, arn)
		}
	}
	return errors.Join(errs...)
}
