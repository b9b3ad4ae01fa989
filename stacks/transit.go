package stacks

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/network"
	"github.com/stratus-platform/stratus/constructs/transitgateway"
	"github.com/stratus-platform/stratus/internal/naming"
)

// The transit gateways of an environment (network.transitGateway) peer every pair of regions.
// CloudFormation references stay within a region, so what one region needs of another travels
// through SSM parameters with deterministic names, read at deploy time by a custom resource in
// the reading region: the gateway ids and the requested attachment ids. The Aurora global
// writer endpoints are read the same way, from RDS (DescribeGlobalClusters in the home region). Each pair is peered in three deploy steps, each a stack of its own:
//
//  1. Network (layer 1): every region's gateway, its VPC attachment and routes, and the rules
//     of the cross-region database path; it publishes the gateway id.
//  2. TransitPeering-<r> (layer 2): the earlier region of each pair (in regions[] order, so the
//     home region for every pair it is in) requests the attachment and publishes its id.
//  3. TransitAccept-<r> (layer 3): the later region accepts it (a custom resource that waits
//     until the attachment is available) and routes the requester's block through it.
//  4. TransitRoutes-<r> (layer 4): the requester routes the accepter's block through it; an
//     attachment pending acceptance takes no route or association.
//
// A chain is at most four stacks long whatever the number of regions. The Service stacks take
// the global writer endpoints from their region's TransitAccept stack, or in the home region
// from TransitEndpoints (layer 3, after the home ServiceData stacks).

// TransitStacks are an environment's peering stacks, by region; a region that takes no part
// in a step has no stack of it.
type TransitStacks struct {
	Peering map[string]awscdk.Stack
	Accept  map[string]awscdk.Stack
	Routes  map[string]awscdk.Stack
	// Endpoints is the home region's TransitEndpoints stack (layer 3): the global writer
	// endpoints its services use; the other regions read theirs in TransitAccept.
	Endpoints awscdk.Stack
	// WriterHosts maps a region to the global writer endpoints read there, by the name of the
	// service owning the database.
	WriterHosts map[string]map[string]*string
}

// TransitGatewayParameter is the SSM parameter (in each region) holding its gateway's id.
func TransitGatewayParameter(env *config.Environment) string {
	return fmt.Sprintf("/stratus/%s/transit-gateway/id", env.Name)
}

// PeeringAttachmentParameter is the SSM parameter, in the requester's region, holding the id of
// the attachment requested to accepter.
func PeeringAttachmentParameter(env *config.Environment, accepter string) string {
	return fmt.Sprintf("/stratus/%s/transit-gateway/peering/%s", env.Name, accepter)
}

// addTransitGateway gives the Network stack of region its transit gateway and opens the
// cross-region database path, when env peers its regions.
func addTransitGateway(stack awscdk.Stack, env *config.Environment, region config.Region, net *network.Network) (*transitgateway.TransitGateway, error) {
	if !env.TransitGatewayOn() {
		return nil, nil
	}
	settings, _ := env.Network.TransitGateway.Region(region.Name) // filled in by config for every region
	subnets := make([]transitgateway.AttachmentSubnet, len(region.AvailabilityZones))
	for i, az := range region.AvailabilityZones {
		subnets[i] = transitgateway.AttachmentSubnet{Zone: az.Name, Cidr: settings.AttachmentSubnets[i]}
	}
	var peers []network.Peer
	var peerCidrs []string
	for _, r := range env.Regions {
		if r.Name == region.Name {
			continue
		}
		p := network.Peer{Name: r.Name}
		for _, az := range r.AvailabilityZones {
			p.AppCidrs = append(p.AppCidrs, az.AppSubnet)
			p.DataCidrs = append(p.DataCidrs, az.DataSubnet)
		}
		peers = append(peers, p)
		peerCidrs = append(peerCidrs, r.CIDR)
	}
	app := net.Vpc.SelectSubnets(net.AppSubnets).Subnets
	data := net.Vpc.SelectSubnets(net.DataSubnets).Subnets
	tgw, err := transitgateway.NewTransitGateway(stack, "TransitGateway", transitgateway.TransitGatewayProps{
		Vpc: net.Vpc, VpcCidr: region.CIDR, Asn: settings.Asn, AttachmentSubnets: subnets,
		RoutedSubnets: append(*app, *data...), PeerCidrs: peerCidrs,
		ParameterName: TransitGatewayParameter(env),
		Description:   fmt.Sprintf("Stratus %s transit gateway in %s", env.Name, region.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, region.Name, err)
	}
	if err := net.AdmitPeers(peers); err != nil {
		return nil, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, region.Name, err)
	}
	return tgw, nil
}

// globalWriters are the Global Databases whose writer endpoint the services read, each keyed by
// its owner's Pascal name; reader (when not nil) is made to wait for the home ServiceData stack
// that creates each global cluster.
func (s *EnvironmentStage) globalWriters(reader awscdk.Stack) []transitgateway.GlobalWriter {
	env := s.Config
	var out []transitgateway.GlobalWriter
	if !env.Database.GlobalDatabase {
		return nil
	}
	home := HomeRegion(env)
	for _, svc := range env.Services {
		owner := s.ServiceData[home][svc.Name]
		if owner == nil || svc.Database != config.EngineAuroraPostgres {
			continue
		}
		out = append(out, transitgateway.GlobalWriter{Key: naming.Pascal(svc.Name), Region: home, GlobalClusterIdentifier: GlobalClusterID(env, svc.Name)})
		if reader != nil {
			reader.AddStackDependency(owner.Stack, jsii.String("reads the writer endpoint of the global cluster that stack creates"))
		}
	}
	return out
}

// byService maps hostnames keyed by a service's Pascal name back to the service's name.
func (s *EnvironmentStage) byService(hosts map[string]*string) map[string]*string {
	out := map[string]*string{}
	for _, svc := range s.Config.Services {
		if h, ok := hosts[naming.Pascal(svc.Name)]; ok {
			out[svc.Name] = h
		}
	}
	return out
}

// buildTransit adds the peering stacks of env (see the top of this file).
func (s *EnvironmentStage) buildTransit() error {
	env := s.Config
	s.Transit = &TransitStacks{Peering: map[string]awscdk.Stack{}, Accept: map[string]awscdk.Stack{}, Routes: map[string]awscdk.Stack{},
		WriterHosts: map[string]map[string]*string{}}
	if !env.TransitGatewayOn() {
		return nil
	}
	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	function := func(r config.Region) transitgateway.FunctionProps {
		n := s.Networks[r.Name].Network
		return transitgateway.FunctionProps{Vpc: n.Vpc, Subnets: n.AppSubnets, LogRetention: logRetention}
	}
	var errs []error
	requests := map[string]*transitgateway.PeeringRequest{}
	for i, r := range env.Regions[:len(env.Regions)-1] {
		stack := newStack(s.Stage, "TransitPeering", env, r,
			fmt.Sprintf("Stratus %s transit gateway peering requests from %s", env.Name, r.Name))
		var peers []transitgateway.Requested
		for _, p := range env.Regions[i+1:] {
			peers = append(peers, transitgateway.Requested{Region: p.Name, Account: env.Account,
				GatewayParameter: TransitGatewayParameter(env), AttachmentParameter: PeeringAttachmentParameter(env, p.Name)})
			stack.AddStackDependency(s.Networks[p.Name].Stack, jsii.String("reads the peer gateway's id, published by its Network stack"))
		}
		req, err := transitgateway.NewPeeringRequest(stack, "Peering", transitgateway.PeeringRequestProps{
			TransitGatewayId: s.Networks[r.Name].TransitGateway.GatewayId, Peers: peers, Function: function(r),
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, r.Name, err))
			continue
		}
		s.Transit.Peering[r.Name], requests[r.Name] = stack, req
	}
	for j, r := range env.Regions[1:] {
		stack := newStack(s.Stage, "TransitAccept", env, r,
			fmt.Sprintf("Stratus %s transit gateway peerings accepted in %s, their routes, the global writer endpoints", env.Name, r.Name))
		var peers []transitgateway.Accepted
		for _, p := range env.Regions[:j+1] {
			peers = append(peers, transitgateway.Accepted{Region: p.Name, AttachmentParameter: PeeringAttachmentParameter(env, r.Name), Cidr: p.CIDR})
			if st := s.Transit.Peering[p.Name]; st != nil {
				stack.AddStackDependency(st, jsii.String("accepts the attachment that stack requests"))
			}
		}
		writers := s.globalWriters(stack)
		tgw := s.Networks[r.Name].TransitGateway
		acc, err := transitgateway.NewPeeringAccepter(stack, "Peering", transitgateway.PeeringAccepterProps{
			TransitGatewayId: tgw.GatewayId, RouteTableId: tgw.RouteTableId, Peers: peers, GlobalWriters: writers, Function: function(r),
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, r.Name, err))
			continue
		}
		s.Transit.Accept[r.Name] = stack
		s.Transit.WriterHosts[r.Name] = s.byService(acc.Hostnames)
	}
	if writers := s.globalWriters(nil); len(writers) > 0 {
		// The home region accepts no peering: its services' endpoints get a stack of their own.
		r := env.Regions[0]
		stack := newStack(s.Stage, "TransitEndpoints", env, r,
			fmt.Sprintf("Stratus %s global writer endpoints of the Aurora Global Databases, read in %s", env.Name, r.Name))
		s.globalWriters(stack) // the dependencies
		ends, err := transitgateway.NewGlobalWriterEndpoints(stack, "Writers", transitgateway.GlobalWriterEndpointsProps{Writers: writers, Function: function(r)})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, r.Name, err))
		} else {
			s.Transit.Endpoints = stack
			s.Transit.WriterHosts[r.Name] = s.byService(ends.Hostnames)
		}
	}
	for i, r := range env.Regions[:len(env.Regions)-1] {
		req := requests[r.Name]
		if req == nil {
			continue
		}
		stack := newStack(s.Stage, "TransitRoutes", env, r,
			fmt.Sprintf("Stratus %s transit gateway routes from %s to the peers that accepted its requests", env.Name, r.Name))
		var routes []transitgateway.Route
		for _, p := range env.Regions[i+1:] {
			routes = append(routes, transitgateway.Route{Name: p.Name, AttachmentId: req.AttachmentIds[p.Name], Cidr: p.CIDR})
			if st := s.Transit.Accept[p.Name]; st != nil {
				stack.AddStackDependency(st, jsii.String("an attachment takes routes once the peer accepted it"))
			}
		}
		if _, err := transitgateway.NewPeeringRoutes(stack, "Routes", transitgateway.PeeringRoutesProps{
			RouteTableId: s.Networks[r.Name].TransitGateway.RouteTableId, Routes: routes,
		}); err != nil {
			errs = append(errs, fmt.Errorf("%s: network.transitGateway (%s): %w", env.File, r.Name, err))
			continue
		}
		s.Transit.Routes[r.Name] = stack
	}
	return errors.Join(errs...)
}
