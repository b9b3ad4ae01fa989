package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/releasepipeline"
	"github.com/stratus-platform/stratus/internal/limits"
)

// ReleaseStackName is the stack of the services' release pipelines (docs/release.md), beside the
// platform pipeline in the tooling account.
const ReleaseStackName = "Stratus-Release"

// ReleaseStack holds every service's release pipeline. One stack for all: a pipeline costs about
// a dozen resources and the shared key, buckets, topic and gate projects are created once;
// limits.MaxReleases keeps it far below CloudFormation's 500 resources, though with many
// environments or long commands its template reaches CloudFormation's 1 MB first (docs/release.md).
type ReleaseStack struct {
	awscdk.Stack
	Releases *releasepipeline.Releases
}

// NewReleaseStack builds the Release stack of delivery, a direct child of app, releasing each
// service of delivery.Releases through stages (in the delivery order); nil without releases.
func NewReleaseStack(app constructs.Construct, delivery *config.Delivery, stages []*EnvironmentStage) (*ReleaseStack, error) {
	if len(delivery.Releases) == 0 {
		return nil, nil
	}
	envs := make([]*config.Environment, len(stages))
	for i, s := range stages {
		envs[i] = s.Config
	}
	if err := config.CheckReleases(delivery, envs); err != nil {
		return nil, err
	}
	stack := awscdk.NewStack(app, jsii.String(ReleaseStackName), &awscdk.StackProps{
		StackName:             jsii.String(ReleaseStackName),
		Env:                   &awscdk.Environment{Account: jsii.String(delivery.Account), Region: jsii.String(delivery.Region)},
		TerminationProtection: jsii.Bool(true),
		Description:           jsii.String("Stratus release pipelines: one per released service"),
	})
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String(Project), nil)
	r, err := releasepipeline.NewReleases(stack, "Releases", releasepipeline.ReleasesProps{NotificationEmails: delivery.Notify})
	if err != nil {
		return nil, fmt.Errorf("%s: releases: %w", delivery.File, err)
	}
	for _, name := range delivery.ReleasedServices() {
		rel := delivery.Releases[name]
		props := releasepipeline.PipelineProps{
			Service: name, Repository: rel.Source.Repository, Branch: rel.Source.Branch,
			TestCommands: rel.Test, ScanCommands: rel.SecurityScan, FailOn: rel.FailOn, IntegrationCommands: rel.IntegrationTest,
		}
		if rel.Source.Type == limits.SourceEcrPush {
			props.EcrPush = true
		} else {
			props.ConnectionArn = delivery.Source.ConnectionArn
		}
		for _, s := range stages {
			props.Environments = append(props.Environments, releaseEnvironment(delivery, s, name))
		}
		if _, err := r.AddPipeline(props); err != nil {
			return nil, fmt.Errorf("%s: releases[%q]: %w", delivery.File, name, err)
		}
	}
	return &ReleaseStack{Stack: stack, Releases: r}, nil
}

// releaseEnvironment is where service svc's release deploys in stage: its repository, image
// parameter and Service stack of every region, the home region first (it replicates to the
// others), behind an approval when the delivery file asks for one.
func releaseEnvironment(delivery *config.Delivery, stage *EnvironmentStage, svc string) releasepipeline.Environment {
	env := stage.Config
	e := releasepipeline.Environment{
		Name: env.Name, Account: env.Account, Repository: RepositoryName(env, svc),
		ImageParameter: ImageParameterName(env.Name, svc), Approve: delivery.NeedsApproval(env.Name),
	}
	// The entry is a literal (the first viewer name); jsii hands it back as a string.
	switch url := stage.Edge.EntryURL.Value().(type) {
	case string:
		e.EntryURL = url
	case *string:
		e.EntryURL = *url
	}
	if *awscdk.Token_IsUnresolved(e.EntryURL) {
		e.EntryURL = ""
	}
	for _, r := range homeFirst(env) {
		e.Targets = append(e.Targets, releasepipeline.Target{Region: r.Name, StackName: *stage.Services[r.Name][svc].StackName()})
	}
	return e
}
