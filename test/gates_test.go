package test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/stacks"
)

// TestComplianceGateCatchesAnOpenSecurityGroup proves the nag gate can go red: a security group
// open to the internet on SSH, synthesized with the app's compliance packs, is reported.
func TestComplianceGateCatchesAnOpenSecurityGroup(t *testing.T) {
	dir := t.TempDir()
	synthErr := synthOneStack(dir, "Open", func(app awscdk.App, stack awscdk.Stack) {
		vpc := ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
			VpcId: jsii.String("vpc-12345678"), AvailabilityZones: jsii.Strings("us-east-1a"),
		})
		sg := ec2.NewSecurityGroup(stack, jsii.String("WideOpen"), &ec2.SecurityGroupProps{Vpc: vpc})
		sg.AddIngressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(22)), jsii.String("ssh from anywhere"), nil)
		stacks.ApplyCompliance(app)
	})
	// The nag errors surface as error annotations, which fail the synth itself too.
	require.Error(t, synthErr, "synth of an open security group did not fail validation")
	assert.Contains(t, synthErr.Error(), "ValidationFailed")
	findings, err := gates.Nag(dir)
	require.NoError(t, err)
	var details []string
	for _, f := range findings {
		details = append(details, f.Detail)
	}
	all := strings.Join(details, "\n")
	for _, rule := range []string{"AwsSolutions-EC23", "NIST.800.53.R5-EC2RestrictedSSH"} {
		assert.Contains(t, all, rule)
	}
	assert.Contains(t, all, "Open/WideOpen")
}

// TestTheAnnotationCheckCanFail: a warning annotation, synthesized without the built-in
// validator as `make unit` runs, fails the assembly-level annotation check (aws-cdk-lib writes the
// validation report for the annotations alone).
func TestTheAnnotationCheckCanFail(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, synthOneStack(dir, "Warned", func(_ awscdk.App, stack awscdk.Stack) {
		awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Handle"), nil)
		awscdk.Annotations_Of(stack).AddWarningV2(jsii.String("stratus:test"), jsii.String("a warning the check must see"), nil)
	}))
	failures := assemblyChecks[0].runOn(&Assembly{Name: "warned", Dir: dir})
	assert.NotEmpty(t, failures)
	assert.Contains(t, strings.Join(failures, "\n"), "a warning the check must see")
}

// synthOneStack synthesizes into dir a test app with one stack, id, in the test account and
// us-east-1, after build has filled it (and changed the app if it needs to). A panic, such as
// a validation failure, comes back as the error.
func synthOneStack(dir, id string, build func(app awscdk.App, stack awscdk.Stack)) (err error) {
	defer recoverInto(&err)
	app := NewTestApp(dir)
	stack := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	build(app, stack)
	app.Synth(nil)
	return nil
}
