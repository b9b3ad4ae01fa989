package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/pipeline"
	"github.com/stratus-platform/stratus/internal/bootstrap"
)

// PipelineStackName is the platform pipeline's stack (and the id `cdk deploy` takes).
const PipelineStackName = "Stratus-Pipeline"

// PipelineStack holds the platform pipeline in the tooling account.
type PipelineStack struct {
	awscdk.Stack
	Pipeline *pipeline.Pipeline
}

// Build adds to app what `cdk synth` deploys: the stage of every environment of envs with the
// compliance packs, then, with a delivery file, the Pipeline stack (nil without one or when a
// selection leaves an environment it deploys out).
func Build(app awscdk.App, envs []*config.Environment, delivery *config.Delivery) (*PipelineStack, error) {
	// The environments a release deploys to let its build push (push roles): record on each
	// what delivery releases into it, once the releases are known to fit them.
	if err := config.CheckReleases(delivery, envs); err != nil {
		return nil, err
	}
	delivery.Attach(envs)
	var errs []error
	byName := map[string]*EnvironmentStage{}
	for _, env := range envs {
		stage, err := NewEnvironmentStage(app, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Aspects do not cross Stage boundaries, so each stage gets the packs itself (and before
		// the pipeline adds it: adding a stage synthesizes it).
		ApplyCompliance(stage.Stage)
		byName[env.Name] = stage
	}
	if err := errors.Join(errs...); err != nil || delivery == nil {
		return nil, err
	}
	return AddPipeline(app, delivery, byName)
}

// AddPipeline adds the Pipeline stack of delivery to app when every environment it deploys has
// its stage (by name) in stages — a selection with -c env leaves it out (nil, nil) — and the
// compliance packs to the app's own stacks: the pipeline's and its cross-region support stacks.
func AddPipeline(app awscdk.App, delivery *config.Delivery, stages map[string]*EnvironmentStage) (*PipelineStack, error) {
	ordered := make([]*EnvironmentStage, 0, len(delivery.Environments))
	for _, name := range delivery.Environments {
		if stages[name] == nil {
			return nil, nil
		}
		ordered = append(ordered, stages[name])
	}
	p, err := NewPipelineStack(app, delivery, ordered)
	if err != nil {
		return nil, err
	}
	if _, err := NewReleaseStack(app, delivery, ordered); err != nil {
		return nil, err
	}
	// The app's own stacks: the pipeline's, the Release stacks and the pipeline's cross-region
	// support stacks (its Build created them).
	ApplyCompliance(app)
	// Their keys (the pipeline's, the releases' and the replication buckets') get the guard every
	// stage's keys get: grants only for AWS resources, administered only by the role that deploys
	// them (the pipeline region's for the cross-region support stacks). Stack by stack, not the
	// app: the stages' keys are guarded already, and Guard adds again.
	for _, child := range *app.Node().Children() {
		if stack, ok := child.(awscdk.Stack); ok {
			keys.Guard(stack, nil)
		}
	}
	return p, nil
}

// NewPipelineStack builds the Pipeline stack of delivery, a direct child of app, deploying
// stages (the CLI's own EnvironmentStage objects, compliance packs already applied) in the
// delivery order. Every environment but the last is smoke-tested before the next one starts.
func NewPipelineStack(app constructs.Construct, delivery *config.Delivery, stages []*EnvironmentStage) (*PipelineStack, error) {
	stack := newToolingStack(app, delivery, PipelineStackName, fmt.Sprintf("Stratus platform pipeline: %s@%s to %s",
		delivery.Source.Repository, delivery.Source.Branch, strings.Join(delivery.Environments, ", ")))
	p, err := pipeline.NewPipeline(stack, "Platform", pipeline.PipelineProps{
		PipelineName:       "stratus-platform",
		ConnectionArn:      delivery.Source.ConnectionArn,
		Repository:         delivery.Source.Repository,
		Branch:             delivery.Source.Branch,
		NotificationEmails: delivery.Notify,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", delivery.File, err)
	}
	for i, stage := range stages {
		opts := pipeline.EnvironmentOptions{Approve: delivery.NeedsApproval(stage.Config.Name)}
		if i < len(stages)-1 {
			opts.SmokeCommands, opts.SmokeOutputs, opts.SmokeRoleArns = smokeTest(stage)
		}
		if err := p.AddEnvironment(stage.Stage, opts); err != nil {
			return nil, fmt.Errorf("%s: environments: %w", delivery.File, err)
		}
	}
	if err := p.Build(); err != nil {
		return nil, fmt.Errorf("%s: %w", delivery.File, err)
	}
	return &PipelineStack{Stack: stack, Pipeline: p}, nil
}

// newToolingStack is a top-level stack of app in delivery's account and region, named name
// (its id too, which `cdk deploy` takes), termination-protected and tagged with the project.
func newToolingStack(app constructs.Construct, delivery *config.Delivery, name, description string) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
		StackName:             jsii.String(name),
		Env:                   &awscdk.Environment{Account: jsii.String(delivery.Account), Region: jsii.String(delivery.Region)},
		TerminationProtection: jsii.Bool(true),
		Description:           jsii.String(description),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String(Project), nil)
	return stack
}

// smokeScript requests the public entry until CloudFront answers it over TLS with a status
// below 500 (an environment without a frontend upload answers / with S3's 403, an API-only edge
// with the load balancer's answer to a path no service claims), then waits until
// every region's Route 53 health check (the origin health path,
// https://<region>.origin.<domain><path>) passes from every checker. The origins admit only
// CloudFront and Route 53's checkers, so the checks' verdicts, read in the target account
// through its CDK lookup role (ReadOnlyAccess), are how a build sees them.
const smokeScript = `set -eu
for attempt in $(seq 1 10); do
  code=$(curl --silent --show-error --location -o /dev/null -w '%{http_code}' "$ENTRY_URL") || code=000
  case "$code" in 000|5*) sleep 15 ;; *) break ;; esac
done
case "$code" in 000|5*) echo "entry $ENTRY_URL fails: HTTP $code"; exit 1 ;; esac
echo "entry $ENTRY_URL answers: HTTP $code"
aws configure set profile.target.role_arn "$SMOKE_ROLE_ARN"
aws configure set profile.target.credential_source EcsContainer
for var in $(env | sed -n 's/^\(HEALTH_CHECK_[A-Z0-9_]*\)=.*/\1/p'); do
  id=$(printenv "$var"); ok=
  for attempt in $(seq 1 20); do
    status=$(aws --profile target route53 get-health-check-status --health-check-id "$id" \
      --query 'HealthCheckObservations[].StatusReport.Status' --output text)
    case "$status" in ""|*Failure*) sleep 15 ;; *) ok=1; break ;; esac
  done
  [ -n "$ok" ] || { echo "$var ($id) is unhealthy: $status"; exit 1; }
  echo "$var ($id) is healthy"
done`

// smokeTest is stage's smoke test: its script, the outputs it reads (all the Edge stack's: the
// entry and every region's origin health check) and the target-account role it reads them with.
func smokeTest(stage *EnvironmentStage) ([]string, map[string]awscdk.CfnOutput, []string) {
	env := stage.Config
	outputs := map[string]awscdk.CfnOutput{"ENTRY_URL": stage.Edge.EntryURL}
	for _, r := range env.Regions {
		outputs["HEALTH_CHECK_"+strings.ToUpper(strings.ReplaceAll(r.Name, "-", "_"))] = stage.Edge.HealthCheckIDs[r.Name]
	}
	// The bootstrap's lookup role (trusted by the tooling account through `cdk bootstrap --trust`).
	role := bootstrap.RoleArn(stage.Edge.Stack, "lookup", env.Account, env.PrimaryRegion)
	return []string{"export SMOKE_ROLE_ARN=" + role, smokeScript}, outputs, []string{role}
}
