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
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Project is the value of the "project" tag on every resource.
const Project = "stratus"

// untaggedTypes are left out of the environment tags. CloudFormation accepts Tags on ALB
// listeners and listener rules, but the pinned cfn-lint (1.51.0) does not know the property yet
// and fails the gate with E3002. They cost nothing and sit under the tagged load balancer;
// drop this list when cfn-lint is upgraded.
var untaggedTypes = []string{"AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule"}

// EnvironmentStage is one environment (Dev, Staging, Prod) with its stacks by region.
type EnvironmentStage struct {
	awscdk.Stage
	Config *config.Environment
	// Networks, Data, Registries and Apps map a region name to its shared stacks; Edge is in
	// us-east-1.
	Networks   map[string]*NetworkStack
	Data       map[string]*DataStack
	Registries map[string]*RegistryStack
	Apps       map[string]*AppStack
	// ServiceData maps a region to the ServiceData stacks of the services owning a database;
	// Services maps a region to every service's Service stack. Both are keyed by service name.
	ServiceData map[string]map[string]*ServiceDataStack
	Services    map[string]map[string]*ServiceStack
	Edge        *EdgeStack
	// Governance maps a region (the environment's, and its backup DR region) to its Governance
	// stack; a region where everything is switched off has none.
	Governance map[string]*GovernanceStack
	// Tiers maps a region to its Tiers stack (compute: ec2 only; the app tier's database is the
	// ServiceData stack of "app").
	Tiers map[string]*TiersStack
	// Integration maps a region to its Integration stack (users, queues, topics), when config has any.
	Integration map[string]*IntegrationStack
	// Transit holds the transit gateway peering stacks (transit.go).
	Transit *TransitStacks
}

// NewEnvironmentStage builds the stage of env: Network, Data and App stacks in every region and
// the Edge stack in us-east-1.
func NewEnvironmentStage(scope constructs.Construct, env *config.Environment) (*EnvironmentStage, error) {
	stage := awscdk.NewStage(scope, jsii.String(StageID(env.Name)), &awscdk.StageProps{
		Env: &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(env.PrimaryRegion)},
	})
	answerZoneLookups(stage, env)
	tags := awscdk.Tags_Of(stage)
	tagProps := &awscdk.TagProps{ExcludeResourceTypes: jsii.Strings(untaggedTypes...)}
	tags.Add(jsii.String("project"), jsii.String(Project), tagProps)
	tags.Add(jsii.String("environment"), jsii.String(env.Name), tagProps)
	for k, v := range env.Tags {
		tags.Add(jsii.String(k), jsii.String(v), tagProps)
	}

	s := &EnvironmentStage{Stage: stage, Config: env}
	if err := s.build(); err != nil {
		return nil, err
	}
	// Every grant to the services' roles is made: move them out of inline policies.
	for _, byName := range s.Services {
		for _, st := range byName {
			st.Service.MoveGrants()
		}
	}
	// Every customer key of the stage: grants only for AWS resources, administered only by the
	// deploying role.
	keys.Guard(stage, nil)
	return s, nil
}

// build adds the stacks in dependency order. Four serial layers at most, whatever the number of
// services or regions:
//
//  1. Network (every region).
//  2. Data, ServiceData and Registry: the primary region's Data first, then the others (their
//     caches join its Global Datastore); each ServiceData stack in the primary region first, then
//     the same service's in the others (they join its Global Database); Registry in the others,
//     then the primary, which replicates into them.
//  3. App (every region; it reads the primary's origin secret by name).
//  4. Service stacks (every service of every region, in parallel) and Edge (after the App stacks).
//
// With compute: ec2 there are no Registry or Service stacks: ServiceData-app (the app tier's
// database) sits in layer 2 and the Tiers stack in layer 4. An Integration stack (users, queues,
// topics) depends on nothing; the Service and Tiers stacks it grants to follow it.
//
// Counting stacks, the longest chain is Network → primary Data → secondary Data → Service, or
// Network → primary ServiceData → secondary ServiceData → Service: still four. With
// network.transitGateway, TransitPeering (2), TransitAccept (3) and TransitRoutes (4) peer the
// regions; a Service stack follows its region's TransitAccept (or, in the home region,
// TransitEndpoints: layer 3), where the global writer endpoints are read (transit.go).
func (s *EnvironmentStage) build() error {
	env := s.Config
	var err error
	if s.Networks, err = perRegion(env.Regions, func(r config.Region) (*NetworkStack, error) {
		return NewNetworkStack(s.Stage, env, r)
	}); err != nil {
		return err
	}

	if err := s.buildGovernance(); err != nil {
		return err
	}

	primary := homeFirst(env)
	if s.Data, err = perRegion(primary, func(r config.Region) (*DataStack, error) {
		return NewDataStack(s.Stage, env, r, s.Networks[r.Name])
	}); err != nil {
		return err
	}
	primaryData := s.Data[HomeRegion(env)] // the home region's: see HomeRegion
	for _, region := range primary[1:] {
		// The primary's secret replicas use this region's secrets key (Network stack); this
		// region's cache joins the primary's Global Datastore.
		primaryData.AddStackDependency(s.Networks[region.Name].Stack, jsii.String("secret replicas use its secrets key"))
		s.Data[region.Name].AddStackDependency(primaryData.Stack, jsii.String("the cache joins the primary's Global Datastore"))
	}

	s.ServiceData = map[string]map[string]*ServiceDataStack{}
	for _, r := range primary { // the secondaries wait for the primary's stacks
		if s.ServiceData[r.Name], err = s.buildServiceData(r); err != nil {
			return err
		}
		if err := s.buildTierData(r); err != nil {
			return err
		}
	}

	if err := s.buildTransit(); err != nil { // after ServiceData: it reads the global writer endpoints
		return err
	}

	if env.RunsTiers() {
		primary = nil // EC2 tiers pull no images: no Registry stacks
	}
	if s.Registries, err = perRegion(primary, func(r config.Region) (*RegistryStack, error) {
		return NewRegistryStack(s.Stage, env, r)
	}); err != nil {
		return err
	}
	for _, region := range primary[min(1, len(primary)):] {
		s.Registries[HomeRegion(env)].AddStackDependency(s.Registries[region.Name].Stack,
			jsii.String("replication must find the repositories it replicates into"))
	}

	if s.Apps, err = perRegion(env.Regions, func(r config.Region) (*AppStack, error) {
		return NewAppStack(s.Stage, env, r, s.Networks[r.Name], primaryData)
	}); err != nil {
		return err
	}

	if s.Services, err = perRegion(env.Regions, s.buildServices); err != nil {
		return err
	}
	if err := s.buildTiers(); err != nil {
		return err
	}
	if err := s.buildIntegration(); err != nil {
		return err
	}

	apps := make([]*AppStack, len(env.Regions))
	for i, r := range env.Regions {
		apps[i] = s.Apps[r.Name]
	}
	if s.Edge, err = NewEdgeStack(s.Stage, env, apps); err != nil {
		return err
	}
	return s.addRegionSwitch()
}

// buildGovernance adds the Governance stacks: every region's and the backup DR region's. They
// stand alone (layer 1).
func (s *EnvironmentStage) buildGovernance() error {
	s.Governance = map[string]*GovernanceStack{}
	var errs []error
	for _, region := range s.Config.BackupRegions() {
		st, err := NewGovernanceStack(s.Stage, s.Config, region)
		if err != nil {
			errs = append(errs, err)
		} else if st != nil {
			s.Governance[region] = st
		}
	}
	return errors.Join(errs...)
}

// buildServiceData adds region's ServiceData stacks, one per database-owning service. Outside
// the primary region each waits for the same service's stack in the primary region, where a
// Global Database's global cluster is created. The home region is built first (homeFirst).
func (s *EnvironmentStage) buildServiceData(region config.Region) (map[string]*ServiceDataStack, error) {
	env := s.Config
	out := map[string]*ServiceDataStack{}
	var errs []error
	for _, svc := range env.Services {
		if !svc.OwnsDatabase() {
			continue
		}
		st, err := NewServiceDataStack(s.Stage, env, region, svc, s.Networks[region.Name])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		tagForBackup(st.Stack, env, region.Name, svc)
		if region.Name != HomeRegion(env) {
			if p := s.ServiceData[HomeRegion(env)][svc.Name]; p != nil {
				st.AddStackDependency(p.Stack, jsii.String("a secondary cluster joins the primary's global cluster"))
			}
		}
		out[svc.Name] = st
	}
	return out, errors.Join(errs...)
}

// buildServices adds region's Service stacks, one per service.
func (s *EnvironmentStage) buildServices(region config.Region) (map[string]*ServiceStack, error) {
	env := s.Config
	rs := RegionStacks{Network: s.Networks[region.Name], Data: s.Data[region.Name], Registry: s.Registries[region.Name], App: s.Apps[region.Name],
		WriterHosts: s.Transit.WriterHosts[region.Name]}
	out := map[string]*ServiceStack{}
	var errs []error
	for _, svc := range env.Services {
		st, err := NewServiceStack(s.Stage, env, region, svc, rs, s.ServiceData[region.Name][svc.DatabaseOwner()])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[svc.Name] = st
	}
	return out, errors.Join(errs...)
}

// perRegion builds one stack per region, in order, and reports every region's problem together.
func perRegion[T any](regions []config.Region, build func(config.Region) (T, error)) (map[string]T, error) {
	out := make(map[string]T, len(regions))
	var errs []error
	for _, r := range regions {
		v, err := build(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[r.Name] = v
	}
	return out, errors.Join(errs...)
}

// homeFirst returns env's regions with the home region (HomeRegion, the first listed) first.
func homeFirst(env *config.Environment) []config.Region { return env.Regions }

// StageID turns "prod" into "Prod"; stack names then read "Prod-Network-us-east-1".
func StageID(envName string) string { return naming.Pascal(envName) }

// StackName is the name of env's stack of kind ("Network", "App", "Service-order", …) in region,
// e.g. "Prod-Network-us-east-1": known from config, so nobody needs to ask a stack for it.
func StackName(envName, kind, region string) string {
	return fmt.Sprintf("%s-%s-%s", StageID(envName), kind, region)
}

// newStack creates a stack of kind (e.g. "Network") for env in region, with explicit
// account/region and the env's termination protection.
func newStack(stage constructs.Construct, kind string, env *config.Environment, region config.Region, description string) awscdk.Stack {
	// Its AZ lookups are answered by the stage's context (answerZoneLookups).
	return awscdk.NewStack(stage, jsii.String(fmt.Sprintf("%s-%s", kind, region.Name)), &awscdk.StackProps{
		StackName:             jsii.String(StackName(env.Name, kind, region.Name)),
		Env:                   &awscdk.Environment{Account: jsii.String(env.Account), Region: jsii.String(region.Name)},
		TerminationProtection: jsii.Bool(env.TerminationProtection),
		Description:           jsii.String(description),
	})
}

// answerZoneLookups answers, in stage's context, the AZ lookup that ec2.Vpc (and others) make
// through Stack.availabilityZones for every region of env, from config, as a cdk.context.json
// entry would: synth then never calls AWS and never falls back to "dummy" AZs. The stage's stacks
// inherit it: one entry a region, not one a stack (two calls into the jsii runtime each). Call it
// before the stage has children (aws-cdk-lib allows context only then).
func answerZoneLookups(stage constructs.Construct, env *config.Environment) {
	node := stage.Node()
	for _, region := range env.Regions {
		if len(region.AvailabilityZones) == 0 {
			continue
		}
		azs := make([]*string, len(region.AvailabilityZones))
		for i, az := range region.AvailabilityZones {
			azs[i] = jsii.String(az.Name)
		}
		node.SetContext(jsii.String(fmt.Sprintf("availability-zones:account=%s:region=%s", env.Account, region.Name)), &azs)
	}
}
