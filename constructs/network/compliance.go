package network

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// acceptByDesign records, on the exact resources, the cdk-nag findings this design keeps on
// purpose, each with the reason it is safe.
func (n *Network) acceptByDesign(nacl awscdk.Resource, healthCheckers bool) {
	for _, subnet := range *n.Vpc.PublicSubnets() {
		route := subnet.Node().TryFindChild(jsii.String("DefaultRoute"))
		cdknag.NagSuppressions_AddResourceSuppressions(route, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW"),
			Reason: jsii.String(routeReason(healthCheckers)),
		}}, jsii.Bool(false))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(nacl, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-VPC3"),
		Reason: jsii.String("The data-tier NACL is deliberate defense in depth around the isolated data subnets: it admits only " +
			"the database and cache ports from the app subnets, on top of the security groups that remain the primary control."),
	}}, jsii.Bool(true))
}

// routeReason is why the public subnets' default routes to the internet gateway are safe; it
// names the health checkers' ranges when the ALB admits them too.
func routeReason(healthCheckers bool) string {
	admits := "CloudFront's origin-facing prefix list"
	if healthCheckers {
		admits += ", Route 53's health checkers' ranges (for the health-check rule)"
	}
	return "Public subnets hold only the internet-facing ALB (its security groups admit " + admits + " and, when a " +
		"service has a test listener, this VPC's own NAT addresses on that listener's port) and the NAT gateways, " +
		"which need a default route to the internet gateway; no instance there gets a public IP (MapPublicIpOnLaunch " +
		"is false), and app and data subnets have no IGW route."
}

// restrictDefaultGroupHandler is the function of aws-cdk-lib's restrict-default-security-group
// provider, a singleton of the stack; nil if the stack has none.
func (n *Network) restrictDefaultGroupHandler() awscdk.CfnResource {
	provider := awscdk.Stack_Of(n.Construct).Node().TryFindChild(jsii.String("Custom::VpcRestrictDefaultSGCustomResourceProvider"))
	if provider == nil {
		return nil
	}
	handler, _ := provider.Node().TryFindChild(jsii.String("Handler")).(awscdk.CfnResource)
	return handler
}

// logDefaultGroupRestriction sends the restrict-default-security-group function's logs to a log
// group of the stack. aws-cdk-lib writes that function as a bare resource without a logging
// configuration, so Lambda would create /aws/lambda/<function> on its first run: without the
// customer key, kept forever, and outside the template. The function's role (AWS's basic
// execution policy) may already write to any group.
func (n *Network) logDefaultGroupRestriction(p NetworkProps) {
	handler := n.restrictDefaultGroupHandler()
	if handler == nil {
		return
	}
	group := logs.NewLogGroup(n.Construct, jsii.String("DefaultSecurityGroupLogs"), &logs.LogGroupProps{
		EncryptionKey: n.FlowLogKey,
		Retention:     p.FlowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	handler.AddPropertyOverride(jsii.String("LoggingConfig.LogGroup"), group.LogGroupName())
	n.DefaultGroupLogGroup = group
}

// dropRedundantDependsOn removes the DependsOn that aws-cdk-lib puts on the handler of its
// restrict-default-security-group provider: the handler already references the role through
// Fn::GetAtt, so CloudFormation orders them anyway and cfn-lint warns (W3005) about the extra one.
func (n *Network) dropRedundantDependsOn() {
	if handler := n.restrictDefaultGroupHandler(); handler != nil {
		handler.AddDeletionOverride(jsii.String("DependsOn"))
	}
}
