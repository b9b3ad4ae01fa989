package test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

var transitChecks = []check{
	{"transit gateways attach every VPC in dedicated subnets and route only to the peers", checkTransitGateways},
	{"peerings are requested by the earlier region, accepted by the later, routed on both sides", checkPeerings},
	{"services reach the global writer endpoint and their local readers", checkWriterHosts},
}

// peers are the regions of env other than region.
func peers(env *config.Environment, region string) []config.Region {
	var out []config.Region
	for _, r := range env.Regions {
		if r.Name != region {
			out = append(out, r)
		}
	}
	return out
}

// transitStackNames are env's peering stacks: the requests and the requester's routes in every
// region but the last, the acceptance in every region but the first.
func transitStackNames(env *config.Environment) []string {
	if !env.TransitGatewayOn() {
		return nil
	}
	var out []string
	for i, r := range env.Regions {
		if i < len(env.Regions)-1 {
			out = append(out, stackName(env, "TransitPeering", r.Name), stackName(env, "TransitRoutes", r.Name))
		}
		if i > 0 {
			out = append(out, stackName(env, "TransitAccept", r.Name))
		}
	}
	if env.Database.GlobalDatabase && len(databaseOwners(env)) > 0 {
		out = append(out, stackName(env, "TransitEndpoints", env.Regions[0].Name))
	}
	return out
}

// transitSubnetPlan is what subnetPlan gives for region's attachment subnets.
func transitSubnetPlan(env *config.Environment, region config.Region) map[string]string {
	out := map[string]string{}
	settings, ok := env.Network.TransitGateway.Region(region.Name)
	if !env.TransitGatewayOn() || !ok {
		return out
	}
	for i, az := range region.AvailabilityZones {
		out["Transit/"+az.Name] = settings.AttachmentSubnets[i]
	}
	return out
}

// peerNaclEntries are the data NACL entries of the cross-region database path in region.
func peerNaclEntries(env *config.Environment, region config.Region) []string {
	var out []string
	if !env.TransitGatewayOn() {
		return out
	}
	for _, p := range peers(env, region.Name) {
		for _, az := range p.AvailabilityZones {
			out = append(out, fmt.Sprintf("in %s %d-%d", az.AppSubnet, config.DatabasePort, config.DatabasePort),
				fmt.Sprintf("out %s 1024-65535", az.AppSubnet))
		}
	}
	return out
}

// peerRules are the security-group rules of the cross-region database path in region: the
// database group admits the peers' app subnets, each service group with a database sends to their
// data subnets.
func peerRules(env *config.Environment, region config.Region, db string, services []string) (in, out []Rule) {
	if !env.TransitGatewayOn() {
		return nil, nil
	}
	port := config.DatabasePort
	for _, p := range peers(env, region.Name) {
		for _, az := range p.AvailabilityZones {
			in = append(in, Rule{db, az.AppSubnet, "tcp", port, port})
			for _, sg := range services {
				out = append(out, Rule{sg, az.DataSubnet, "tcp", port, port})
			}
		}
	}
	return in, out
}

// peerDatabaseEgress reports whether r (its group cleared) is a service's rule to a peer's data
// subnet on the database port, in tpl's region.
func peerDatabaseEgress(tpl *Template, r Rule) bool {
	if tpl.Env == nil || !tpl.Env.TransitGatewayOn() || r.Protocol != "tcp" || r.From != config.DatabasePort || r.To != config.DatabasePort {
		return false
	}
	for _, p := range peers(tpl.Env, tpl.Region) {
		for _, az := range p.AvailabilityZones {
			if r.Peer == az.DataSubnet {
				return true
			}
		}
	}
	return false
}

func transitEnvs(a *Assembly) []*config.Environment {
	var out []*config.Environment
	for _, env := range a.Envs {
		if env.TransitGatewayOn() {
			out = append(out, env)
		}
	}
	return out
}

func checkTransitGateways(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		_, gateways := tpl.OfType("AWS::EC2::TransitGateway")
		if !env.TransitGatewayOn() {
			assert.Empty(c, gateways, "%s: a transit gateway although network.transitGateway is off", name)
			continue
		}
		settings, _ := env.Network.TransitGateway.Region(region.Name)
		require.Len(c, gateways, 1, "%s: transit gateways", name)
		for _, g := range gateways {
			p := g.Properties
			assert.Equal(c, settings.Asn, num(p["AmazonSideAsn"]), "%s: ASN", name)
			for k, v := range map[string]string{"DefaultRouteTableAssociation": "disable", "DefaultRouteTablePropagation": "disable",
				"AutoAcceptSharedAttachments": "disable", "DnsSupport": "enable"} {
				assert.Equal(c, v, str(p[k]), "%s: %s", name, k)
			}
		}
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		attachmentIDs, attachments := tpl.OfType("AWS::EC2::TransitGatewayVpcAttachment")
		require.Len(c, attachments, 1, "%s: VPC attachments", name)
		var attached []string
		for _, s := range asList(attachments[attachmentIDs[0]].Properties["SubnetIds"]) {
			sn := subnets[ref(s)]
			attached = append(attached, tags(sn)["aws-cdk:subnet-name"]+"/"+str(sn.Properties["AvailabilityZone"])+" "+str(sn.Properties["CidrBlock"]))
		}
		var want []string
		for k, v := range transitSubnetPlan(env, region) {
			want = append(want, k+" "+v)
		}
		assert.ElementsMatch(c, want, attached, "%s: the attachment sits in the dedicated subnets only", name)

		// Every app and data route table routes each peer block to the gateway, after the attachment.
		_, assocs := tpl.OfType("AWS::EC2::SubnetRouteTableAssociation")
		tableOf := map[string]string{}
		for _, as := range assocs {
			tableOf[ref(as.Properties["SubnetId"])] = ref(as.Properties["RouteTableId"])
		}
		_, routes := tpl.OfType("AWS::EC2::Route")
		var got, wantRoutes []string
		for _, r := range routes {
			if r.Properties["TransitGatewayId"] == nil {
				continue
			}
			dest := str(r.Properties["DestinationCidrBlock"])
			assert.NotEqual(c, "0.0.0.0/0", dest, "%s: a default route to the transit gateway", name)
			assert.Contains(c, jsonOf(r.DependsOn), attachmentIDs[0], "%s: a route to %s names the gateway before the VPC is attached", name, dest)
			for id, s := range subnets {
				if tableOf[id] == ref(r.Properties["RouteTableId"]) {
					got = append(got, tags(s)["aws-cdk:subnet-name"]+"/"+str(s.Properties["AvailabilityZone"])+" "+dest)
				}
			}
		}
		for _, az := range region.AvailabilityZones {
			for _, p := range peers(env, region.Name) {
				wantRoutes = append(wantRoutes, "App/"+az.Name+" "+p.CIDR, "Data/"+az.Name+" "+p.CIDR)
			}
		}
		assert.ElementsMatch(c, wantRoutes, got, "%s: routes to the transit gateway", name)
		_, params := tpl.OfType("AWS::SSM::Parameter")
		var names []string
		for _, p := range params {
			names = append(names, str(p.Properties["Name"]))
		}
		assert.Contains(c, names, stacks.TransitGatewayParameter(env), "%s: the gateway id is published for the peers", name)
	}
}

func checkPeerings(c *C, a *Assembly) {
	for _, env := range a.Envs {
		for _, r := range env.Regions {
			for _, kind := range []string{"TransitPeering", "TransitAccept", "TransitRoutes"} {
				tpl := a.Templates[stackName(env, kind, r.Name)]
				assert.Equal(c, slices.Contains(transitStackNames(env), stackName(env, kind, r.Name)), tpl != nil, "%s %s: %s stack", env.Name, r.Name, kind)
			}
		}
	}
	for _, env := range transitEnvs(a) {
		for i, r := range env.Regions {
			later, earlier := env.Regions[i+1:], env.Regions[:i]
			if req := a.Templates[stackName(env, "TransitPeering", r.Name)]; req != nil {
				_, atts := req.OfType("AWS::EC2::TransitGatewayPeeringAttachment")
				var to []string
				for _, at := range atts {
					to = append(to, str(at.Properties["PeerRegion"]))
					assert.Equal(c, env.Account, str(at.Properties["PeerAccountId"]), "%s: peer account", req.StackName)
					lookup := req.Resources[ref(at.Properties["PeerTransitGatewayId"])]
					assert.Equal(c, "Custom::RemoteParameter", lookup.Type, "%s: the peer gateway id comes from a deploy-time read", req.StackName)
					assert.Equal(c, stacks.TransitGatewayParameter(env), str(lookup.Properties["ParameterName"]), "%s", req.StackName)
				}
				var want []string
				for _, p := range later {
					want = append(want, p.Name)
				}
				assert.ElementsMatch(c, want, to, "%s: peering requests", req.StackName)
				_, accepters := req.OfType("Custom::TransitGatewayPeeringAccepter")
				assert.Empty(c, accepters, "%s: the requester accepts nothing", req.StackName)
			}
			if acc := a.Templates[stackName(env, "TransitAccept", r.Name)]; acc != nil {
				_, accepters := acc.OfType("Custom::TransitGatewayPeeringAccepter")
				var from []string
				for _, ac := range accepters {
					from = append(from, str(ac.Properties["ParameterRegion"]))
					assert.Equal(c, stacks.PeeringAttachmentParameter(env, r.Name), str(ac.Properties["ParameterName"]), "%s", acc.StackName)
				}
				var want, wantRoutes []string
				for _, p := range earlier {
					want, wantRoutes = append(want, p.Name), append(wantRoutes, p.CIDR)
				}
				assert.ElementsMatch(c, want, from, "%s: accepted peerings", acc.StackName)
				assert.ElementsMatch(c, wantRoutes, staticRoutes(c, acc, "Custom::TransitGatewayPeeringAccepter"), "%s: static routes", acc.StackName)
				_, requests := acc.OfType("AWS::EC2::TransitGatewayPeeringAttachment")
				assert.Empty(c, requests, "%s: the accepter requests nothing", acc.StackName)
			}
			if routes := a.Templates[stackName(env, "TransitRoutes", r.Name)]; routes != nil {
				var want []string
				for _, p := range later {
					want = append(want, p.CIDR)
				}
				assert.ElementsMatch(c, want, staticRoutes(c, routes, ""), "%s: static routes", routes.StackName)
				for _, p := range later {
					assert.Contains(c, routes.DependsOn, stackName(env, "TransitAccept", p.Name), "%s: routes only once %s accepted", routes.StackName, p.Name)
				}
			}
		}
	}
}

// staticRoutes lists the destinations of tpl's transit gateway routes, each through an
// attachment associated with the same table; through the given custom resource type when set.
func staticRoutes(c *C, tpl *Template, via string) []string {
	_, routes := tpl.OfType("AWS::EC2::TransitGatewayRoute")
	_, assocs := tpl.OfType("AWS::EC2::TransitGatewayRouteTableAssociation")
	associated := map[string]bool{}
	for _, as := range assocs {
		associated[jsonOf(as.Properties["TransitGatewayAttachmentId"])] = true
	}
	var out []string
	for _, r := range routes {
		att := r.Properties["TransitGatewayAttachmentId"]
		assert.True(c, associated[jsonOf(att)], "%s: route to %s through an unassociated attachment", tpl.StackName, str(r.Properties["DestinationCidrBlock"]))
		if via != "" {
			assert.Equal(c, via, tpl.Resources[ref(att)].Type, "%s: the route waits for the accepted attachment", tpl.StackName)
		}
		out = append(out, str(r.Properties["DestinationCidrBlock"]))
	}
	return out
}

// checkWriterHosts: with peered regions, every service of a Global Database gets
// DB_WRITER_HOST, the global writer endpoint (from its own region: the global cluster in the
// home region, the deploy-time read elsewhere), and DB_READER_HOST, its region's reader.
func checkWriterHosts(c *C, a *Assembly) {
	for _, tpl := range a.stacksOf("Service") {
		env := tpl.Env
		for svc, ct := range mainContainers(tpl) {
			if ct.env["DB_HOST"] == nil || !env.Database.GlobalDatabase {
				assert.Nil(c, ct.env["DB_WRITER_HOST"], "%s %s: DB_WRITER_HOST without a Global Database", tpl.StackName, svc)
				continue
			}
			assert.Contains(c, jsonOf(ct.env["DB_READER_HOST"]), "ReadEndpointAddress", "%s %s: DB_READER_HOST is the local reader", tpl.StackName, svc)
			writer := jsonOf(ct.env["DB_WRITER_HOST"])
			if !env.TransitGatewayOn() {
				assert.Nil(c, ct.env["DB_WRITER_HOST"], "%s %s: DB_WRITER_HOST without a path to other regions", tpl.StackName, svc)
				continue
			}
			owner := svc
			for _, s := range env.Services {
				if s.Name == svc {
					owner = s.DatabaseOwner()
				}
			}
			reader := "TransitAccept"
			if tpl.Region == stacks.HomeRegion(env) {
				reader = "TransitEndpoints"
			}
			assert.Contains(c, writer, stackName(env, reader, tpl.Region)+":", "%s %s: DB_WRITER_HOST is read in this region", tpl.StackName, svc)
			assert.Contains(c, writer, "Writer"+naming.Pascal(owner), "%s %s: DB_WRITER_HOST is %s's global writer endpoint", tpl.StackName, svc, owner)
			lookups := 0
			for _, r := range a.Templates[stackName(env, reader, tpl.Region)].Resources {
				if r.Type == "Custom::GlobalWriterEndpoint" && str(r.Properties["GlobalClusterIdentifier"]) == stacks.GlobalClusterID(env, owner) {
					lookups++
					assert.Equal(c, stacks.HomeRegion(env), str(r.Properties["ClusterRegion"]), "%s: the global cluster is read where it was created", reader)
				}
			}
			assert.Equal(c, 1, lookups, "%s %s: one deploy-time read of %s", tpl.StackName, svc, stacks.GlobalClusterID(env, owner))
			assert.False(c, strings.Contains(writer, "ReadEndpoint"), "%s %s: DB_WRITER_HOST is a reader", tpl.StackName, svc)
			// IAM checks a connection against the writer's cluster, in whichever region it is.
			connects := strings.Join(connectGrants(tpl, svc), " ")
			for _, r := range env.RegionNames() {
				if r != tpl.Region {
					assert.Contains(c, connects, ":rds-db:"+r+":"+env.Account+":dbuser:cluster-*/"+svc+`"`, "%s %s: may not connect to the writer in %s", tpl.StackName, svc, r)
				}
			}
		}
	}
}
