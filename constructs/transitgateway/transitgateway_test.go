package transitgateway

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir                  string
	home, peer           awscdk.Stack
	requests, acceptance awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

const (
	homeCidr = "10.9.0.0/16"
	peerCidr = "10.8.0.0/16"
)

func gatewayProps(vpc ec2.IVpc, region string, asn int, peer string) TransitGatewayProps {
	return TransitGatewayProps{
		Vpc: vpc, VpcCidr: homeCidr, Asn: asn,
		AttachmentSubnets: []AttachmentSubnet{
			{Zone: region + "a", Cidr: "10.9.30.0/28"}, {Zone: region + "b", Cidr: "10.9.30.16/28"}, {Zone: region + "c", Cidr: "10.9.30.32/28"},
		},
		RoutedSubnets: append(*vpc.SelectSubnets(cdktest.Subnets("App")).Subnets, *vpc.SelectSubnets(cdktest.Subnets("Data")).Subnets...),
		PeerCidrs:     []string{peer},
		ParameterName: "/stratus/test/transit-gateway/id",
	}
}

func functionProps(vpc ec2.IVpc) FunctionProps {
	return FunctionProps{Vpc: vpc, Subnets: cdktest.Subnets("App")}
}

// synth builds what two regions deploy: each a gateway (Network stack), the home region's
// request and, after the peer accepted, its routes; the peer's accepter.
func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "transitgateway-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir}
		s.home = gatewayStack(app, "Home", "us-east-1")
		s.peer = gatewayStack(app, "Peer", "eu-west-1")
		s.requests = cdktest.NewStack(app, "Requests", "us-east-1")
		s.acceptance = cdktest.NewStack(app, "Acceptance", "eu-west-1")
		homeVpc := cdktest.ImportedVpc(s.home, "us-east-1")
		home, err := NewTransitGateway(s.home, "TransitGateway", gatewayProps(homeVpc, "us-east-1", 64512, peerCidr))
		if err != nil {
			return nil, err
		}
		peerProps := gatewayProps(cdktest.ImportedVpc(s.peer, "eu-west-1"), "eu-west-1", 64513, homeCidr)
		peerProps.VpcCidr = peerCidr
		for i, c := range []string{"10.8.30.0/28", "10.8.30.16/28", "10.8.30.32/28"} {
			peerProps.AttachmentSubnets[i].Cidr = c
		}
		peer, err := NewTransitGateway(s.peer, "TransitGateway", peerProps)
		if err != nil {
			return nil, err
		}
		req, err := NewPeeringRequest(s.requests, "Peering", PeeringRequestProps{
			TransitGatewayId: home.GatewayId,
			Peers: []Requested{{Region: "eu-west-1", Account: "111111111111", GatewayParameter: "/stratus/test/transit-gateway/id",
				AttachmentParameter: "/stratus/test/transit-gateway/peering/eu-west-1"}},
			Function: functionProps(cdktest.ImportedVpc(s.requests, "us-east-1")),
		})
		if err != nil {
			return nil, err
		}
		if _, err := NewPeeringRoutes(s.requests, "Routes", PeeringRoutesProps{
			RouteTableId: home.RouteTableId, Routes: []Route{{Name: "eu-west-1", AttachmentId: req.AttachmentIds["eu-west-1"], Cidr: peerCidr}},
		}); err != nil {
			return nil, err
		}
		_, err = NewPeeringAccepter(s.acceptance, "Peering", PeeringAccepterProps{
			TransitGatewayId: peer.GatewayId, RouteTableId: peer.RouteTableId,
			Peers:         []Accepted{{Region: "us-east-1", AttachmentParameter: "/stratus/test/transit-gateway/peering/eu-west-1", Cidr: homeCidr}},
			GlobalWriters: []GlobalWriter{{Key: "order", Region: "us-east-1", GlobalClusterIdentifier: "stratus-test-order"}},
			Function:      functionProps(cdktest.ImportedVpc(s.acceptance, "eu-west-1")),
		})
		return s, err
	})
}

// gatewayStack is cdktest.NewStack with the CDK metadata resource an app's stacks carry: it is
// how cfn-lint knows a CDK template, whose availability zones come from config (W3010).
func gatewayStack(app awscdk.App, id, region string) awscdk.Stack {
	stack := cdktest.NewStack(app, id, region)
	awscdk.NewCfnResource(stack, jsii.String("CDKMetadata"), &awscdk.CfnResourceProps{
		Type: jsii.String("AWS::CDK::Metadata"), Properties: &map[string]any{"Analytics": "v2:deflate64:test"},
	})
	return stack
}

func TestGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.home, s.peer, s.requests, s.acceptance)
}

func TestGatewayRoutesOnlyWhatTheTemplateAssociates(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).home)
	_, gw := cdktest.Only(t, tpl, "AWS::EC2::TransitGateway")
	p := cdktest.Props(t, gw)
	assert.Equal(t, 64512.0, p["AmazonSideAsn"])
	assert.Equal(t, "disable", p["DefaultRouteTableAssociation"], "no attachment joins the table by itself")
	assert.Equal(t, "disable", p["DefaultRouteTablePropagation"])
	assert.Equal(t, "disable", p["AutoAcceptSharedAttachments"])
	assert.Equal(t, "enable", p["DnsSupport"])

	subnets := cdktest.OfType(t, tpl, "AWS::EC2::Subnet")
	var cidrs []string
	for _, sn := range subnets {
		sp := cdktest.Props(t, sn)
		cidrs = append(cidrs, sp["CidrBlock"].(string))
		assert.Equal(t, false, sp["MapPublicIpOnLaunch"])
	}
	assert.ElementsMatch(t, []string{"10.9.30.0/28", "10.9.30.16/28", "10.9.30.32/28"}, cidrs)

	attachmentID, attachment := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayVpcAttachment")
	ap := cdktest.Props(t, attachment)
	assert.Len(t, ap["SubnetIds"], 3)
	for _, id := range ap["SubnetIds"].([]any) {
		ref := cdktest.Path[string](t, id, "Fn::GetAtt", "0")
		assert.Contains(t, subnets, ref, "the attachment sits in the dedicated subnets only")
	}
	_, assoc := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRouteTableAssociation")
	_, prop := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRouteTablePropagation")
	for _, r := range []map[string]any{assoc, prop} {
		assert.Equal(t, attachmentID, cdktest.Path[string](t, cdktest.Props(t, r), "TransitGatewayAttachmentId", "Fn::GetAtt", "0"))
	}

	routes := cdktest.OfType(t, tpl, "AWS::EC2::Route")
	require.Len(t, routes, 6, "the three app and three data route tables")
	var tables []string
	for _, r := range routes {
		rp := cdktest.Props(t, r)
		assert.Equal(t, peerCidr, rp["DestinationCidrBlock"], "only the peer block, never 0.0.0.0/0")
		assert.Contains(t, r["DependsOn"], attachmentID, "a route names the gateway only once the VPC is attached")
		tables = append(tables, rp["RouteTableId"].(string))
	}
	assert.ElementsMatch(t, []string{"rtb-0a0000000000000a1", "rtb-0a0000000000000a2", "rtb-0a0000000000000a3",
		"rtb-0d0000000000000a1", "rtb-0d0000000000000a2", "rtb-0d0000000000000a3"}, tables)

	_, param := cdktest.Only(t, tpl, "AWS::SSM::Parameter")
	assert.Equal(t, "/stratus/test/transit-gateway/id", cdktest.Props(t, param)["Name"])
}

func TestTheHomeRegionRequestsAndRoutesAfterAcceptance(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).requests)
	attachmentID, attachment := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayPeeringAttachment")
	ap := cdktest.Props(t, attachment)
	assert.Equal(t, "eu-west-1", ap["PeerRegion"])
	assert.Equal(t, "111111111111", ap["PeerAccountId"])
	lookupID := cdktest.Path[string](t, ap, "PeerTransitGatewayId", "Fn::GetAtt", "0")
	lookup := cdktest.Props(t, tpl["Resources"].(map[string]any)[lookupID].(map[string]any))
	assert.Equal(t, "eu-west-1", lookup["ParameterRegion"], "the peer gateway's id is read in the peer region, not a cross-region token")
	assert.Equal(t, "/stratus/test/transit-gateway/id", lookup["ParameterName"])
	assert.Empty(t, cdktest.OfType(t, tpl, "Custom::TransitGatewayPeeringAccepter"), "the requester never accepts")

	_, param := cdktest.Only(t, tpl, "AWS::SSM::Parameter")
	assert.Equal(t, "/stratus/test/transit-gateway/peering/eu-west-1", cdktest.Props(t, param)["Name"])
	_, route := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRoute")
	rp := cdktest.Props(t, route)
	assert.Equal(t, peerCidr, rp["DestinationCidrBlock"])
	assert.Equal(t, attachmentID, cdktest.Path[string](t, rp, "TransitGatewayAttachmentId", "Fn::GetAtt", "0"))
	_, assoc := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRouteTableAssociation")
	assert.Equal(t, attachmentID, cdktest.Path[string](t, cdktest.Props(t, assoc), "TransitGatewayAttachmentId", "Fn::GetAtt", "0"))
	policy := policyText(t, tpl)
	assert.Contains(t, policy, "arn:aws:ssm:eu-west-1:111111111111:parameter/stratus/test/transit-gateway/id")
	assert.NotContains(t, policy, "ec2:Accept")
}

func TestThePeerAcceptsAndWaitsThenRoutes(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).acceptance)
	acceptID, accept := cdktest.Only(t, tpl, "Custom::TransitGatewayPeeringAccepter")
	p := cdktest.Props(t, accept)
	assert.Equal(t, "us-east-1", p["ParameterRegion"])
	assert.Equal(t, "/stratus/test/transit-gateway/peering/eu-west-1", p["ParameterName"])
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::EC2::TransitGatewayPeeringAttachment"), "the peer never requests")
	_, route := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRoute")
	rp := cdktest.Props(t, route)
	assert.Equal(t, homeCidr, rp["DestinationCidrBlock"])
	assert.Equal(t, []any{acceptID, "AttachmentId"}, cdktest.Path[[]any](t, rp, "TransitGatewayAttachmentId", "Fn::GetAtt"),
		"the route waits for the accepter, which completes only once the attachment is available")
	writers := cdktest.OfType(t, tpl, "Custom::GlobalWriterEndpoint")
	require.Len(t, writers, 1)
	for _, r := range writers {
		assert.Equal(t, map[string]any{"ServiceToken": cdktest.Props(t, accept)["ServiceToken"], "ClusterRegion": "us-east-1",
			"GlobalClusterIdentifier": "stratus-test-order"}, cdktest.Props(t, r))
	}
	_, assoc := cdktest.Only(t, tpl, "AWS::EC2::TransitGatewayRouteTableAssociation")
	assert.Equal(t, acceptID, cdktest.Path[string](t, cdktest.Props(t, assoc), "TransitGatewayAttachmentId", "Fn::GetAtt", "0"))

	// The provider framework with an is-complete handler: a waiter state machine polls it.
	assert.Len(t, cdktest.OfType(t, tpl, "AWS::StepFunctions::StateMachine"), 1)
	handlers := map[string]bool{}
	for _, fn := range cdktest.OfType(t, tpl, "AWS::Lambda::Function") {
		fp := cdktest.Props(t, fn)
		if strings.HasPrefix(cdktest.Str(jsii.String(fp["Runtime"].(string))), "python") {
			handlers[fp["Handler"].(string)] = true
			assert.NotNil(t, fp["VpcConfig"])
		}
	}
	assert.Equal(t, map[string]bool{"index.handler": true, "index.complete_handler": true}, handlers)
	policy := policyText(t, tpl)
	assert.Contains(t, policy, "ec2:AcceptTransitGatewayPeeringAttachment")
	assert.Contains(t, policy, "arn:aws:ssm:us-east-1:111111111111:parameter/stratus/test/transit-gateway/peering/eu-west-1")
	assert.Contains(t, policy, `"Action":"rds:DescribeGlobalClusters","Effect":"Allow","Resource":"arn:aws:rds::111111111111:global-cluster:stratus-test-order"`)
	for _, g := range cdktest.OfType(t, tpl, "AWS::Logs::LogGroup") {
		assert.NotNil(t, cdktest.Props(t, g)["KmsKeyId"], "the functions' logs are encrypted")
	}
}

// policyText is the construct's managed policy document as JSON text.
func policyText(t *testing.T, tpl map[string]any) string {
	t.Helper()
	var docs []any
	for _, p := range cdktest.OfType(t, tpl, "AWS::IAM::ManagedPolicy") {
		docs = append(docs, cdktest.Props(t, p)["PolicyDocument"])
	}
	b, err := json.Marshal(docs)
	require.NoError(t, err)
	return string(b)
}

func TestBadPropsAreRejected(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "Props", "us-east-1")
	vpc := cdktest.ImportedVpc(stack, "us-east-1")
	valid := func() TransitGatewayProps { return gatewayProps(vpc, "us-east-1", 64512, peerCidr) }
	cdktest.Rejects(t, valid, func(p TransitGatewayProps) error { return p.withDefaults().validate() }, []cdktest.Invalid[TransitGatewayProps]{
		{Name: "a public ASN", Mutate: func(p *TransitGatewayProps) { p.Asn = 16509 }, Want: "Asn 16509 is not a private ASN"},
		{Name: "a subnet outside the VPC", Mutate: func(p *TransitGatewayProps) { p.AttachmentSubnets[0].Cidr = "10.7.0.0/28" }, Want: `AttachmentSubnets[0].Cidr "10.7.0.0/28" is outside VpcCidr`},
		{Name: "overlapping subnets", Mutate: func(p *TransitGatewayProps) { p.AttachmentSubnets[1].Cidr = "10.9.30.0/28" }, Want: `AttachmentSubnets[1].Cidr "10.9.30.0/28" overlaps 10.9.30.0/28`},
		{Name: "a route to everywhere", Mutate: func(p *TransitGatewayProps) { p.PeerCidrs = []string{"0.0.0.0/0"} }, Want: "other than 0.0.0.0/0"},
		{Name: "a peer overlapping the VPC", Mutate: func(p *TransitGatewayProps) { p.PeerCidrs = []string{"10.9.0.0/20"} }, Want: "overlaps the VPC"},
		{Name: "no peer", Mutate: func(p *TransitGatewayProps) { p.PeerCidrs = nil }, Want: "PeerCidrs is empty"},
		{Name: "one subnet", Mutate: func(p *TransitGatewayProps) { p.AttachmentSubnets = p.AttachmentSubnets[:1] }, Want: "at least 2"},
		{Name: "no routed subnet", Mutate: func(p *TransitGatewayProps) { p.RoutedSubnets = nil }, Want: "RoutedSubnets is empty"},
		{Name: "a relative parameter", Mutate: func(p *TransitGatewayProps) { p.ParameterName = "tgw" }, Want: "ParameterName"},
	})
	_, err := NewPeeringRequest(stack, "Request", PeeringRequestProps{
		Peers: []Requested{{Region: "mars", Account: "1", GatewayParameter: "x", AttachmentParameter: "/a"}},
	})
	require.Error(t, err)
	for _, want := range []string{"Function.Vpc", "TransitGatewayId is required", `Peers[0].Region "mars"`, "Peers[0].Account", "Peers[0].GatewayParameter"} {
		assert.ErrorContains(t, err, want)
	}
	_, err = NewPeeringAccepter(stack, "Accepter", PeeringAccepterProps{
		Peers: []Accepted{{Region: "us-east-1", AttachmentParameter: "/a", Cidr: "10.1.0.0/16"}, {Region: "us-east-1", AttachmentParameter: "/a", Cidr: "10.1.0.0/24"}},
	})
	require.Error(t, err)
	for _, want := range []string{"RouteTableId are required", `Peers[1].Region "us-east-1" is listed twice`, `Peers[].Cidr[1] "10.1.0.0/24" overlaps`} {
		assert.ErrorContains(t, err, want)
	}
	_, err = NewPeeringRoutes(stack, "Routes", PeeringRoutesProps{Routes: []Route{{Cidr: "0.0.0.0/0"}}})
	require.Error(t, err)
	assert.ErrorContains(t, err, "needs a Name and an AttachmentId")
	assert.ErrorContains(t, err, "other than 0.0.0.0/0")

	_, err = NewPeeringRequest(stack, "NoPeers", PeeringRequestProps{})
	assert.ErrorContains(t, err, "Peers is empty")
	_, err = NewPeeringAccepter(stack, "NoAccepted", PeeringAccepterProps{})
	assert.ErrorContains(t, err, "Peers is empty")
	_, err = NewGlobalWriterEndpoints(stack, "NoWriters", GlobalWriterEndpointsProps{})
	require.Error(t, err)
	assert.ErrorContains(t, err, "global writer endpoints NoWriters: invalid props")
	assert.ErrorContains(t, err, "Writers is empty")
	_, err = NewGlobalWriterEndpoints(stack, "BadWriters", GlobalWriterEndpointsProps{Writers: []GlobalWriter{
		{Key: "orders", Region: "us-east-1", GlobalClusterIdentifier: "stratus-prod-orders"},
		{Key: "orders", Region: "mars", GlobalClusterIdentifier: ""},
		{Key: "or-ders", Region: "eu-west-1", GlobalClusterIdentifier: "x"},
	}})
	require.Error(t, err)
	for _, want := range []string{`GlobalWriters[1].Key "orders" must be letters and digits, once`, `GlobalWriters[1].Region "mars"`,
		"GlobalWriters[1].GlobalClusterIdentifier is empty", `GlobalWriters[2].Key "or-ders" must be letters and digits, once`} {
		assert.ErrorContains(t, err, want)
	}
	assert.NotContains(t, err.Error(), "GlobalWriters[0]", "a valid writer is not reported")
}
