package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// acceptByDesign records, on the exact resources, the cdk-nag findings this design keeps on
// purpose, each with the reason it is safe.
func (n *Network) acceptByDesign(nacl awscdk.Resource) {
	for _, subnet := range *n.Vpc.PublicSubnets() {
		route := subnet.Node().TryFindChild(jsii.String("DefaultRoute"))
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"),
			Reason: jsii.String("Public subnets hold only the internet-facing ALB (its security group admits CloudFront's " +
				"origin-facing prefix list alone) and the NAT gateways, which need a default route to the internet gateway; " +
				"no instance there gets a public IP (MapPublicIpOnLaunch is false), and app and data subnets have no IGW route."),
		}}, jsii.Bool(false))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(nacl, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC3"),
		Reason: jsii.String("The data-tier NACL is deliberate defense in depth around the isolated data subnets: it admits only " +
			"the database and cache ports from the app subnets, on top of the security groups that remain the primary control."),
	}}, jsii.Bool(true))
}

// dropRedundantDependsOn removes the DependsOn that aws-cdk-lib puts on the handler of its
// restrict-default-security-group provider: the handler already references the role through
// Fn::GetAtt, so CloudFormation orders them anyway and cfn-lint warns (W3005) about the extra one.
func (n *Network) dropRedundantDependsOn() {
	provider := awscdk.Stack_Of(n.Construct).Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return
	}
	if handler, ok := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource); ok {
		handler.AddDeletionOverride(jsii.String("DependsOn"))
	}
}
