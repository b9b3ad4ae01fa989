package transitgateway

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ssm "github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SubnetGroup names the attachment subnets (their aws-cdk:subnet-name tag), beside the VPC's
// Public, App and Data groups.
const SubnetGroup = "Transit"

// TransitGateway is one region's gateway, its route table and VPC attachment, and the VPC routes
// to the peer regions through it.
type TransitGateway struct {
	constructs.Construct

	// Gateway is the transit gateway; GatewayId its id.
	Gateway   ec2.CfnTransitGateway
	GatewayId *string
	// RouteTableId is the gateway's one route table: the VPC attachment and every peering
	// attachment are associated with it.
	RouteTableId *string
	// VpcAttachment attaches the VPC in the dedicated subnets.
	VpcAttachment ec2.CfnTransitGatewayVpcAttachment
	// Subnets are the dedicated attachment subnets.
	Subnets []ec2.CfnSubnet
}

// NewTransitGateway builds the gateway of props, or returns every problem with them.
//
// Route tables: the gateway's default association and propagation are off and it accepts no
// shared attachment on its own, so only the attachments this template associates route through
// it (one explicit table: the VPC attachment associated and propagated, each peering attachment
// associated with a static route to its region's block). An attachment someone adds by hand
// joins no routing domain until it is associated on purpose.
func NewTransitGateway(scope constructs.Construct, id string, props TransitGatewayProps) (*TransitGateway, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("transit gateway %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	t := &TransitGateway{Construct: this}
	t.Gateway = ec2.NewCfnTransitGateway(this, jsii.String("Gateway"), &ec2.CfnTransitGatewayProps{
		Description:                  jsii.String(p.Description),
		AmazonSideAsn:                jsii.Number(float64(p.Asn)),
		AutoAcceptSharedAttachments:  jsii.String("disable"),
		DefaultRouteTableAssociation: jsii.String("disable"),
		DefaultRouteTablePropagation: jsii.String("disable"),
		// Private hosted names (the Aurora endpoints) resolve to private addresses across it.
		DnsSupport:       jsii.String("enable"),
		VpnEcmpSupport:   jsii.String("disable"),
		MulticastSupport: jsii.String("disable"),
	})
	t.GatewayId = t.Gateway.AttrId()
	table := ec2.NewCfnTransitGatewayRouteTable(this, jsii.String("RouteTable"), &ec2.CfnTransitGatewayRouteTableProps{
		TransitGatewayId: t.GatewayId,
	})
	t.RouteTableId = table.AttrTransitGatewayRouteTableId()

	// The attachment subnets hold only the gateway's interfaces. They keep the VPC's main route
	// table (the local route alone; CDK's subnets all have tables of their own) and its default,
	// open network ACL, as AWS advises for attachment subnets: the flows are filtered where the
	// workloads are (data-tier NACL and security groups).
	subnetIds := make([]*string, len(p.AttachmentSubnets))
	for i, s := range p.AttachmentSubnets {
		sn := ec2.NewCfnSubnet(this, jsii.String(fmt.Sprintf("Subnet%d", i)), &ec2.CfnSubnetProps{
			VpcId: p.Vpc.VpcId(), CidrBlock: jsii.String(s.Cidr), AvailabilityZone: jsii.String(s.Zone),
			MapPublicIpOnLaunch: jsii.Bool(false),
		})
		// Named like the VPC's own subnet groups, so tools that list subnets by group see it.
		awscdk.Tags_Of(sn).Add(jsii.String("aws-cdk:subnet-name"), jsii.String(SubnetGroup), nil)
		awscdk.Tags_Of(sn).Add(jsii.String("Name"), jsii.String(fmt.Sprintf("%s/%s%d", *awscdk.Stack_Of(this).StackName(), SubnetGroup, i)), nil)
		t.Subnets = append(t.Subnets, sn)
		subnetIds[i] = sn.AttrSubnetId()
	}
	t.VpcAttachment = ec2.NewCfnTransitGatewayVpcAttachment(this, jsii.String("VpcAttachment"), &ec2.CfnTransitGatewayVpcAttachmentProps{
		TransitGatewayId: t.GatewayId,
		VpcId:            p.Vpc.VpcId(),
		SubnetIds:        &subnetIds,
		// A JSON property in the L1 (its keys are written as given).
		Options: map[string]any{
			"DnsSupport": "enable", "Ipv6Support": "disable", "ApplianceModeSupport": "disable",
			// Security groups cannot name groups of another region: the rules use CIDRs.
			"SecurityGroupReferencingSupport": "disable",
		},
	})
	attachmentId := t.VpcAttachment.AttrId()
	ec2.NewCfnTransitGatewayRouteTableAssociation(this, jsii.String("VpcAssociation"), &ec2.CfnTransitGatewayRouteTableAssociationProps{
		TransitGatewayAttachmentId: attachmentId, TransitGatewayRouteTableId: t.RouteTableId,
	})
	// Traffic arriving from a peer finds the VPC block through this propagated route.
	ec2.NewCfnTransitGatewayRouteTablePropagation(this, jsii.String("VpcPropagation"), &ec2.CfnTransitGatewayRouteTablePropagationProps{
		TransitGatewayAttachmentId: attachmentId, TransitGatewayRouteTableId: t.RouteTableId,
	})

	for i, subnet := range p.RoutedSubnets {
		for j, cidr := range p.PeerCidrs {
			route := ec2.NewCfnRoute(this, jsii.String(fmt.Sprintf("Route%dToPeer%d", i, j)), &ec2.CfnRouteProps{
				RouteTableId:         subnet.RouteTable().RouteTableId(),
				DestinationCidrBlock: jsii.String(cidr),
				TransitGatewayId:     t.GatewayId,
			})
			// A route may name the gateway only once the VPC is attached to it, else EC2
			// answers "transitGateway ID does not exist".
			route.AddResourceDependency(t.VpcAttachment, jsii.String("the route names the gateway the VPC must be attached to"))
		}
	}

	ssm.NewStringParameter(this, jsii.String("GatewayIdParameter"), &ssm.StringParameterProps{
		ParameterName: jsii.String(p.ParameterName),
		StringValue:   t.GatewayId,
		Description:   jsii.String("Id of this region's transit gateway, read by the other regions' peering"),
	})
	return t, nil
}
