package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/stacks"
)

// TestComplianceGateCatchesAnOpenSecurityGroup proves the nag gate can go red: a security group
// open to the internet on SSH, synthesized with the app's compliance packs, is reported.
func TestComplianceGateCatchesAnOpenSecurityGroup(t *testing.T) {
	dir := t.TempDir()
	var synthErr error
	func() {
		defer recoverInto(&synthErr)
		app := NewTestApp(dir)
		stack := awscdk.NewStack(app, jsii.String("Open"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
		})
		vpc := ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
			VpcId: jsii.String("vpc-12345678"), AvailabilityZones: jsii.Strings("us-east-1a"),
		})
		sg := ec2.NewSecurityGroup(stack, jsii.String("WideOpen"), &ec2.SecurityGroupProps{Vpc: vpc})
		sg.AddIngressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(22)), jsii.String("ssh from anywhere"), nil)
		stacks.ApplyCompliance(app)
		app.Synth(nil)
	}()
	// The nag errors surface as error annotations, which fail the synth itself too.
	if synthErr == nil || !strings.Contains(synthErr.Error(), "ValidationFailed") {
		t.Errorf("synth of an open security group did not fail validation: %v", synthErr)
	}
	findings, err := gates.Nag(dir)
	if err != nil {
		t.Fatal(err)
	}
	var rules []string
	for _, f := range findings {
		rules = append(rules, f.Detail)
	}
	all := strings.Join(rules, "\n")
	for _, rule := range []string{"AwsSolutions-EC23", "NIST.800.53.R5-EC2RestrictedSSH"} {
		if !strings.Contains(all, rule) || !strings.Contains(all, "Open/WideOpen") {
			t.Errorf("the gate did not report %s on Open/WideOpen; findings:\n%s", rule, all)
		}
	}
}
