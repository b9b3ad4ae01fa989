// Package releasepipeline provides Releases, the release pipelines of services: one V2
// CodePipeline per service in the delivery (tooling) account that builds the service's repository
// into an image, pushes it with the commit id as its immutable tag to the service's ECR repository
// of every environment, gates it on the ECR scan, and deploys that one digest through the
// environments in order: the image replicated to every region, an optional manual approval, the
// deploy, then the integration tests (every environment but the last).
//
// A deploy writes the image (repository@digest) into the service's SSM image parameter in each
// region and updates the service's stack with its previous template: CloudFormation resolves the
// parameter again and runs the ECS deployment with the service's strategy and alarms. The build,
// which runs the repository's Dockerfile, reaches an environment account only through the
// service's push role there (Environment.PushRole: push to the one repository). The scan gate and
// the replication wait read through the environment's read role (Environment.ReadRole). The deploy
// goes through the account's CDK bootstrap deploy role (trusted by the tooling account through
// `cdk bootstrap --trust`), which must be allowed to check the image, tag it and write the image
// parameters (the Registry stacks grant it).
//
// Releases shares, among its pipelines, one customer-managed rotating KMS key (artifacts, build
// logs, the notification topic), the artifact bucket and the CodeBuild projects that do not run a
// service's own commands (scan gate, replication wait, deploy).
package releasepipeline

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// ReleasesProps configures Releases.
type ReleasesProps struct {
	// NotificationEmails receive pending approvals and failed releases (1 to limits.MaxNotify).
	NotificationEmails []string
	// Qualifier is the CDK bootstrap qualifier of the environment accounts: the pipelines call them
	// through cdk-<Qualifier>-deploy-role-<account>-<region>.
	// Default: the app's (bootstrap.Qualifier: the "@aws-cdk/core:bootstrapQualifier" context,
	// else the CDK default "hnb659fds").
	Qualifier string
	// LogRetention is how long the build logs are kept.
	// Default: retention.Default.
	LogRetention logs.RetentionDays
}

// PipelineProps configures one service's release pipeline.
type PipelineProps struct {
	// Service is the service's name (lowercase letters, digits and hyphens). Required.
	Service string
	// PipelineName is the CodePipeline pipeline's name.
	// Default: "release-<Service>".
	PipelineName string
	// EcrPush releases images pushed, tagged limits.ReleaseTag, to the tooling account's ECR
	// repository release/<Service> (created with the pipeline) instead of building Repository; the
	// image's digest, as "sha256-<hex>", is then its tag in the environments' repositories.
	// Default: false.
	EcrPush bool
	// ConnectionArn is the CodeConnections connection the source reads the repository through.
	// Required unless EcrPush (then not allowed).
	ConnectionArn string
	// Repository is the service's repository as owner/name. Required unless EcrPush (then not
	// allowed).
	Repository string
	// Branch is the branch whose every commit is released.
	// Default: "main" (none with EcrPush).
	Branch string
	// TestCommands run in the build before the image is built.
	// Default: none.
	TestCommands []string
	// ScanCommands (security scans of the source) run in the build before the image is built.
	// Default: none.
	ScanCommands []string
	// FailOn is the ECR scan severity at and above which the scan gate stops the release
	// (limits.ScanSeverities).
	// Default: limits.DefaultScanFailOn.
	FailOn string
	// IntegrationCommands run after every environment but the last deployed, with ENTRY_URL set to
	// that environment's EntryURL.
	// Default: none (no integration test).
	IntegrationCommands []string
	// Environments are deployed in this order (at least one). Each needs the repository in its
	// first region.
	Environments []Environment
}

// Environment is one environment a release deploys to.
type Environment struct {
	// Name is the environment's name, e.g. "prod" (the pipeline's stage "Prod").
	Name string
	// Account is the environment's 12-digit account.
	Account string
	// Repository is the service's ECR repository name, the same in every region, e.g.
	// "prod/product". The build pushes to the first region's; ECR replicates to the others.
	Repository string
	// ImageParameter is the SSM parameter (the same name in every region) the service's stack
	// reads its image from, e.g. "/stratus/prod/product/image".
	ImageParameter string
	// PushRole is the name of the role of Account the build assumes to push to Repository in the
	// first region, e.g. "stratus-prod-product-push". The environment creates it (registry.PushRole)
	// trusting only the build's role, BuildRoleName(Service), of the pipelines' account; the build
	// reaches the environment through nothing else.
	PushRole string
	// ReadRole is the name of the role of Account the scan gate and the replication wait assume
	// to read the image's scan findings and whether it has reached a region, e.g.
	// "stratus-prod-release-read". The environment creates it (registry.ReadRole) trusting only
	// ScanRoleName and ReplicationWaitRoleName of the pipelines' account.
	ReadRole string
	// Targets are the regions in deploy order, the first the repository's home, each with the
	// name of the service's stack there.
	Targets []Target
	// EntryURL is what the integration commands test (ENTRY_URL).
	// Default: "" (required when the pipeline has IntegrationCommands and this is not the last
	// environment).
	EntryURL string
	// Approve puts a manual approval, announced on the notification topic, before the deploy.
	// Default: false.
	Approve bool
}

// Target is one region of an environment.
type Target struct {
	// Region is the region's name.
	Region string
	// StackName is the name of the service's stack in that region.
	StackName string
}

var (
	pipelineName  = regexp.MustCompile(`^[A-Za-z0-9.@_-]{1,100}$`)
	envName       = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`) // as config's environment names; stages are their PascalCase
	account       = regexp.MustCompile(`^[0-9]{12}$`)
	qualifier     = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
	repository    = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	parameterName = regexp.MustCompile(`^/[A-Za-z0-9_.\-/]{1,1000}$`)
	stackName     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
	entryURL      = regexp.MustCompile(`^https://[^\s"'$\x60\\]+$`)
	roleName      = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
)

func (p ReleasesProps) withDefaults() ReleasesProps {
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	return p
}

func (p ReleasesProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if n := len(p.NotificationEmails); n < 1 || n > limits.MaxNotify {
		add("NotificationEmails has %d addresses (allowed: 1-%d)", n, limits.MaxNotify)
	}
	for i, e := range p.NotificationEmails {
		if !limits.EmailRE.MatchString(e) {
			add("NotificationEmails[%d] %q is not an e-mail address", i, e)
		}
	}
	if !qualifier.MatchString(p.Qualifier) {
		add("Qualifier %q is not a CDK bootstrap qualifier (1-10 lowercase letters and digits)", p.Qualifier)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (p PipelineProps) withDefaults() PipelineProps {
	if p.PipelineName == "" {
		p.PipelineName = "release-" + p.Service
	}
	if p.Branch == "" && !p.EcrPush {
		p.Branch = limits.DefaultBranch
	}
	if p.FailOn == "" {
		p.FailOn = limits.DefaultScanFailOn
	}
	return p
}

func (p PipelineProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !limits.ValidServiceName(p.Service) {
		add("Service %q is not a service name (allowed: %s)", p.Service, limits.ServiceNameRule)
	}
	if !pipelineName.MatchString(p.PipelineName) {
		add("PipelineName %q must be 1-100 of A-Z a-z 0-9 . @ _ -", p.PipelineName)
	}
	switch {
	case p.EcrPush:
		if p.ConnectionArn != "" || p.Repository != "" || p.Branch != "" || len(p.TestCommands)+len(p.ScanCommands) > 0 {
			add("EcrPush releases a pushed image: ConnectionArn, Repository, Branch, TestCommands and ScanCommands must be empty")
		}
	default:
		for _, msg := range limits.SourceProblems(p.ConnectionArn, p.Repository, p.Branch) {
			errs = append(errs, errors.New(msg))
		}
	}
	if !slices.Contains(limits.ScanSeverities, p.FailOn) {
		add("FailOn %q is not a scan severity (allowed: %s)", p.FailOn, strings.Join(limits.ScanSeverities, ", "))
	}
	for name, list := range map[string][]string{"TestCommands": p.TestCommands, "ScanCommands": p.ScanCommands, "IntegrationCommands": p.IntegrationCommands} {
		for i, c := range list {
			if strings.TrimSpace(c) == "" {
				add("%s[%d] is empty", name, i)
			}
		}
	}
	if len(p.Environments) == 0 {
		add("Environments is empty: a release deploys to at least one environment")
	}
	seen := map[string]bool{} // by stage name: "dev-2" and "dev2" would both be stage Dev2
	for i, e := range p.Environments {
		where := fmt.Sprintf("Environments[%d]", i)
		stage := naming.Pascal(e.Name)
		switch {
		case limits.IsReleaseStage(stage):
			add("%s: %q would be stage %s, which every release pipeline has already (%s)", where, e.Name, stage, strings.Join(limits.ReleaseStages, ", "))
		case seen[stage]:
			add("%s: %q is given twice (stage %s)", where, e.Name, stage)
		}
		seen[stage] = true
		last := i == len(p.Environments)-1
		errs = append(errs, e.validate(where, len(p.IntegrationCommands) > 0 && !last))
	}
	return errors.Join(errs...)
}

func (e Environment) validate(where string, tested bool) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(where+": "+format, args...)) }
	if !envName.MatchString(e.Name) {
		add("Name %q must be 1-20 lowercase letters, digits and hyphens, starting with a letter", e.Name)
	}
	if !account.MatchString(e.Account) {
		add("Account %q must be 12 digits", e.Account)
	}
	if len(e.Repository) < 2 || len(e.Repository) > 256 || !repository.MatchString(e.Repository) {
		add("Repository %q is not an ECR repository name", e.Repository)
	}
	if !roleName.MatchString(e.PushRole) {
		add("PushRole %q is not a role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)", e.PushRole)
	}
	if !roleName.MatchString(e.ReadRole) {
		add("ReadRole %q is not a role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)", e.ReadRole)
	}
	if !parameterName.MatchString(e.ImageParameter) {
		add("ImageParameter %q is not an SSM parameter name starting with /", e.ImageParameter)
	}
	if len(e.Targets) == 0 {
		add("Targets is empty: the environment needs at least its home region")
	}
	regions := map[string]bool{}
	for i, t := range e.Targets {
		if !limits.ValidRegionName(t.Region) {
			add("Targets[%d].Region %q is not a region name", i, t.Region)
		}
		if regions[t.Region] {
			add("Targets[%d].Region %q is given twice", i, t.Region)
		}
		regions[t.Region] = true
		if !stackName.MatchString(t.StackName) {
			add("Targets[%d].StackName %q is not a stack name", i, t.StackName)
		}
	}
	switch {
	case e.EntryURL != "" && !entryURL.MatchString(e.EntryURL):
		add("EntryURL %q must be an https:// URL without spaces, quotes, $, ` or \\", e.EntryURL)
	case e.EntryURL == "" && tested:
		add("EntryURL is empty: the integration commands run against it")
	}
	return errors.Join(errs...)
}
