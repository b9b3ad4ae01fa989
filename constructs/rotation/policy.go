package rotation

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// buildRole returns the function's role with a customer-managed policy holding exactly what its
// steps call: the secret and its key, its own log group, the tag lookup, and the resources the
// value also lives in.
func (r *Rotator) buildRole(p RotatorProps) (iam.Role, iam.ManagedPolicy) {
	role := iam.NewRole(r.Construct, jsii.String("Role"), &iam.RoleProps{
		Description: jsii.String(fmt.Sprintf("Rotates the %s secret", p.Kind)),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	stack := awscdk.Stack_Of(r.Construct)
	arn := func(service, region, resource string) *string {
		return jsii.String(fmt.Sprintf("arn:%s:%s:%s:%s:%s", *stack.Partition(), service, region, *stack.Account(), resource))
	}
	perRegion := func(service, resource string) []*string {
		out := make([]*string, len(p.Regions))
		for i, region := range p.Regions {
			out[i] = arn(service, region, resource)
		}
		return out
	}
	allow := func(actions []string, resources ...*string) iam.PolicyStatement {
		return iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources})
	}
	secretActions := []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
		"secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"}
	if p.Kind == Cache {
		secretActions = append(secretActions, "secretsmanager:TagResource", "secretsmanager:UntagResource")
	}
	statements := []iam.PolicyStatement{
		allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, r.LogGroup.LogGroupArn()),
		allow(secretActions, p.Secret.SecretArn()),
		allow([]string{"kms:Decrypt", "kms:GenerateDataKey"}, p.SecretKey.KeyArn()),
		// Neither action has a resource to name.
		allow([]string{"secretsmanager:GetRandomPassword", "tag:GetResources"}, jsii.String("*")),
	}
	if p.Kind == Origin {
		if !p.AuthorizerChecks {
			statements = append(statements,
				allow([]string{"elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules"}, jsii.String("*")),
				allow([]string{"elasticloadbalancing:ModifyRule"}, perRegion("elasticloadbalancing", "listener-rule/app/*")...))
		}
		statements = append(statements,
			allow([]string{"cloudfront:GetDistribution", "cloudfront:GetDistributionConfig", "cloudfront:UpdateDistribution"},
				arn("cloudfront", "", "distribution/*")),
		)
	} else {
		statements = append(statements,
			allow([]string{"elasticache:DescribeReplicationGroups", "elasticache:ModifyReplicationGroup"},
				arn("elasticache", *stack.Region(), "replicationgroup:"+*p.ReplicationGroupID)),
			allow([]string{"ecs:UpdateService"}, perRegion("ecs", "service/*")...),
		)
	}
	policy := iam.NewManagedPolicy(r.Construct, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("What the %s secret's rotation steps call", p.Kind)),
		Roles:       &[]iam.IRole{role},
		Statements:  &statements,
	})
	suppress(policy.Node().DefaultChild(), wildcardReason(p), "AwsSolutions-IAM5")
	return role, policy
}

// wildcardReason is why the policy's wildcards are accepted, naming only the calls and the
// resources p's kind has.
func wildcardReason(p RotatorProps) string {
	calls, changes := "tag:GetResources and secretsmanager:GetRandomPassword", "ECS services it redeploys"
	if p.Kind == Origin {
		changes = "distributions it changes"
		if !p.AuthorizerChecks {
			calls = "Describe calls of Elastic Load Balancing, " + calls
			changes = "listener rules and " + changes
		}
	}
	return calls + " have no resource-level permissions; the " + changes + " are found by tag at rotation time " +
		"(their ids are in other stacks and regions) and are limited to this account, the environment's regions " +
		"and their resource type."
}

// acceptByDesign records the findings the function keeps on purpose.
func (r *Rotator) acceptByDesign(p RotatorProps) {
	fn := r.Function.Node().DefaultChild()
	suppress(fn, "python3.14 is the newest Python runtime Lambda and CloudFormation accept (the "+
		"AWS::Lambda::Function schema cfn-lint checks lists nothing later); the CDK library already names python3.15, "+
		"which cannot be deployed yet.", "AwsSolutions-L1")
	apis := "ElastiCache, ECS"
	if p.Kind == Origin {
		apis = "CloudFront"
		if !p.AuthorizerChecks {
			apis = "Elastic Load Balancing, " + apis
		}
	}
	suppress(fn, "The function calls only AWS APIs (Secrets Manager, Resource Groups Tagging, "+apis+"), some in "+
		"other regions or without VPC endpoints; it never connects to a resource inside the VPC, so placing it there "+
		"would add NAT traffic and no protection.", "NIST.800.53.R5-LambdaInsideVPC")
	suppress(fn, "Secrets Manager invokes the function synchronously for each rotation step and retries a "+
		"failed rotation itself; a dead-letter queue would hold nothing, and every error raises the rotation alarm.",
		"NIST.800.53.R5-LambdaDLQ")
}

func suppress(resource constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &rules, jsii.Bool(false))
}
