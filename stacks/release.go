package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/releasepipeline"
	"github.com/stratus-platform/stratus/internal/limits"
)

// ReleaseStackName is the stack of the resources the services' release pipelines share
// (docs/release.md), beside the platform pipeline in the tooling account; each pipeline is in a
// stack of its own, ReleaseStackName-<service> (ReleaseServiceStackName).
const ReleaseStackName = "Stratus-Release"

// ReleaseServiceStackName is the stack of service's release pipeline.
func ReleaseServiceStackName(service string) string {
	return ReleaseStackName + "-" + service
}

// ReleaseStack holds the resources every release pipeline shares (key, buckets, topic, log group,
// the scan gate, replication wait and deploy projects), and Services each service's pipeline.
// A pipeline with its projects and roles is about 55 KB of template: one stack for all of them
// reached CloudFormation's 1 MB at about 16 services. With a stack a service, a release adds one
// stack whose size depends only on its own commands, environments and regions, and adding or
// removing a release leaves every other pipeline's stack as it was. The shared stack does not
// grow with releases: the grants to its projects are the same for every pipeline.
type ReleaseStack struct {
	awscdk.Stack
	Releases *releasepipeline.Releases
	// Services are the pipelines' stacks by service.
	Services map[string]awscdk.Stack
}

// NewReleaseStack builds the Release stacks of delivery, direct children of app, releasing each
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
	stack := newToolingStack(app, delivery, ReleaseStackName, "Stratus release pipelines: what every service's pipeline shares")
	r, err := releasepipeline.NewReleases(stack, "Releases", releasepipeline.ReleasesProps{NotificationEmails: delivery.Notify})
	if err != nil {
		return nil, fmt.Errorf("%s: releases: %w", delivery.File, err)
	}
	out := &ReleaseStack{Stack: stack, Releases: r, Services: map[string]awscdk.Stack{}}
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
		own := newToolingStack(app, delivery, ReleaseServiceStackName(name), "Stratus release pipeline of "+name)
		if _, err := r.AddPipeline(own, props); err != nil {
			return nil, fmt.Errorf("%s: releases[%q]: %w", delivery.File, name, err)
		}
		out.Services[name] = own
	}
	return out, nil
}

// releaseEnvironment is where service svc's release deploys in stage: its repository, image
// parameter and Service stack of every region, the home region first (it replicates to the
// others), behind an approval when the delivery file asks for one.
func releaseEnvironment(delivery *config.Delivery, stage *EnvironmentStage, svc string) releasepipeline.Environment {
	env := stage.Config
	e := releasepipeline.Environment{
		Name: env.Name, Account: env.Account, Repository: RepositoryName(env, svc),
		ImageParameter: ImageParameterName(env.Name, svc), PushRole: ReleasePushRoleName(env.Name, svc),
		ReadRole: ReleaseReadRoleName(env.Name),
		Approve:  delivery.NeedsApproval(env.Name),
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
