package servicetls

import (
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// acceptByDesign records, on the role's policy, the one cdk-nag finding this design keeps on
// purpose, with the reason it is safe.
func acceptByDesign(policy iam.ManagedPolicy) {
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ECS names the secrets that hold the Service Connect certificates' private keys ecs-sc!<generated>; " +
			"the prefix in this account and region is the narrowest ARN that matches them (creation also requires ECS's own tags)."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:secretsmanager:[^:]+:[^:]+:secret:ecs-sc!\*$/g`)}},
	}}, jsii.Bool(true))
}
