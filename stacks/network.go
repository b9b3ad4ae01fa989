package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/network"
	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/constructs/transitgateway"
)

// NetworkStack holds one region's VPC and every tier's security groups. Later stacks in the
// same region take what they need from Network (CDK turns the references into exports).
type NetworkStack struct {
	awscdk.Stack
	Network *network.Network
	// SecretsKey encrypts the replicas of secrets created in the primary region (the CloudFront
	// origin secret); its alias is SecretsKeyAlias(env) in every region, so the primary region
	// names it by convention instead of through a cross-region reference.
	SecretsKey *keys.RegionalKey
	// Observed is the region's alarm topic and NAT alarms (operations.go).
	Observed RegionTopic
	// TransitGateway is the region's transit gateway (transit.go), nil when the regions are not peered.
	TransitGateway *transitgateway.TransitGateway
}

// SecretsKeyAlias is the alias (without "alias/") of every region's secrets key of env.
func SecretsKeyAlias(env *config.Environment) string {
	return fmt.Sprintf("stratus/%s/secrets", env.Name)
}

// NewNetworkStack builds the Network stack of env in region.
func NewNetworkStack(scope constructs.Construct, env *config.Environment, region config.Region) (*NetworkStack, error) {
	facts, ok := config.LookupRegion(region.Name)
	if !ok {
		return nil, fmt.Errorf("%s: region %q has no known CloudFront prefix list", env.File, region.Name)
	}
	retention, err := retentionDays(env.Network.FlowLogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: network.flowLogRetentionDays: %w", env.File, err)
	}
	stack := newStack(scope, "Network", env, region,
		fmt.Sprintf("Stratus %s network in %s: three-tier VPC, endpoints, flow logs, tier security groups", env.Name, region.Name))

	zones := make([]network.Zone, len(region.AvailabilityZones))
	for i, az := range region.AvailabilityZones {
		zones[i] = network.Zone{Name: az.Name, PublicCidr: az.PublicSubnet, AppCidr: az.AppSubnet, DataCidr: az.DataSubnet}
	}
	services := make([]network.ServicePort, len(env.Services))
	for i, s := range env.Services {
		services[i] = network.ServicePort{Name: s.Name, Port: s.Port, Database: s.UsesDatabase()}
	}
	net, err := network.NewNetwork(stack, "Network", network.NetworkProps{
		VpcCidr:                region.CIDR,
		Zones:                  zones,
		CloudFrontPrefixListId: facts.CloudFrontOriginPrefixList,
		NatGateways:            network.NatMode(env.Network.NatGateways),
		InterfaceEndpoints:     env.Network.InterfaceEndpoints,
		FlowLogRetention:       retention,
		Services:               services,
		DatabasePort:           config.DatabasePort,
		CachePort:              env.Cache.Port,
		HealthCheckerCidrs:     config.Route53HealthCheckerCidrs,
		WithoutLoadBalancer:    env.UsesAPI(),
		DeniedCidrs:            env.Network.DeniedCidrs,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: regions %s: %w", env.File, region.Name, err)
	}
	secretsKey, err := keys.NewRegionalKey(stack, "SecretsKey", keys.RegionalKeyProps{
		Alias:       SecretsKeyAlias(env),
		Description: fmt.Sprintf("Stratus %s: encrypts secrets replicated into %s", env.Name, region.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: regions %s: %w", env.File, region.Name, err)
	}
	if slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) {
		// Until 2026-12 every database of a region was in DatabaseSecurityGroup, and ServiceData
		// stacks deployed before then import it: the export stays, or this stack, deployed first,
		// would delete an export in use. The group's rules stay too, so those databases stay
		// reachable until their stacks move them to groups of their own.
		stack.ExportValue(net.DatabaseSecurityGroup.SecurityGroupId(), nil)
	}
	ns := &NetworkStack{Stack: stack, Network: net, SecretsKey: secretsKey}
	if ns.TransitGateway, err = addTransitGateway(stack, env, region, net); err != nil {
		return nil, err
	}
	if ns.Observed, err = observeNetwork(stack, env, region.Name, net.NatGatewayIDs); err != nil {
		return nil, err
	}
	if env.RunsTiers() {
		grantTierImages(stack, env, region.Name)
	}
	return ns, nil
}

// retentionDays maps a day count of config onto CDK's enum.
func retentionDays(days int) (logs.RetentionDays, error) { return retention.FromDays(days) }
