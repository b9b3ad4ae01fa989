// Package stacks wires config into constructs: one Stage per environment, and in it the stacks
// of every region. No resource logic lives here.
package stacks

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Project is the value of the "project" tag on every resource.
const Project = "stratus"

// EnvironmentStage is one environment (Dev, Staging, Prod) with its stacks by region.
type EnvironmentStage struct {
	awscdk.Stage
	Config *config.Environment
	// Networks maps a region name to its Network stack.
	Networks map[string]*NetworkStack
}

// NewEnvironmentStage builds the stage of env: a Network stack in every region.
func NewEnvironmentStage(scope constructs.Construct, env *config.Environment) (*EnvironmentStage, error) {
	stage := awscdk.NewStage(scope, jsii.String(StageID(env.Name)), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.PrimaryRegion)},
	})
	tags := awscdk.Tags_Of(stage)
	tags.Add(jsii.String("project"), jsii.String(Project), nil)
	tags.Add(jsii.String("environment"), jsii.String(env.Name), nil)
	for k, v := range env.Tags {
		tags.Add(jsii.String(k), jsii.String(v), nil)
	}

	s := &EnvironmentStage{Stage: stage, Config: env, Networks: map[string]*NetworkStack{}}
	var errs []error
	for _, region := range env.Regions {
		n, err := NewNetworkStack(stage, env, region)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		s.Networks[region.Name] = n
	}
	return s, errors.Join(errs...)
}

// StageID turns "prod" into "Prod"; stack names then read "Prod-Network-us-east-1".
func StageID(envName string) string { return naming.Pascal(envName) }

// newStack creates a stack of kind (e.g. "Network") for env in region, with explicit
// account/region and the env's termination protection.
func newStack(stage constructs.Construct, kind string, env *config.Environment, region config.Region, description string) awscdk.Stack {
	id := fmt.Sprintf("%s-%s", kind, region.Name)
	stack := awscdk.NewStack(stage, jsii.String(id), &awscdk.StackProps{
		StackName:             jsii.String(fmt.Sprintf("%s-%s", StageID(env.Name), id)),
		Env:                   &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(region.Name)},
		TerminationProtection: jsii.Bool(env.TerminationProtection),
		Description:           jsii.String(description),
	})
	// Answer the AZ lookup that ec2.Vpc (and others) make through Stack.availabilityZones from
	// config, as a cdk.context.json entry would: synth then never calls AWS and never falls back
	// to "dummy" AZs.
	azs := make([]*string, len(region.AvailabilityZones))
	for i, az := range region.AvailabilityZones {
		azs[i] = jsii.String(az.Name)
	}
	stack.Node().SetContext(jsii.String(fmt.Sprintf("availability-zones:account=%s:region=%s", env.Account, region.Name)), &azs)
	return stack
}
