package transitgateway

import (
	cr "github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// This file records, on the exact resources, the cdk-nag findings the design keeps on purpose,
// each with the reason it is safe.

func suppress(c constructs.IConstruct, children bool, rules ...[2]string) {
	list := make([]*cdknag.NagPackSuppression, len(rules))
	for i, r := range rules {
		list[i] = &cdknag.NagPackSuppression{Id: jsii.String(r[0]), Reason: jsii.String(r[1])}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(children))
}

const invoked = "CloudFormation (through the provider framework) invokes this function during a deploy that " +
	"creates or changes a peering and waits for its answer: a failure fails the deploy with the reason, so there " +
	"is nothing for a dead-letter queue to hold and no concurrency to reserve (reserving some would take it from " +
	"the account's services, and fails outright in a new account with the minimum concurrency quota)."

func suppressFunction(fn constructs.IConstruct) {
	suppress(fn, false,
		[2]string{"NIST.800.53.R5-LambdaDLQ", invoked},
		[2]string{"NIST.800.53.R5-LambdaConcurrency", invoked},
		[2]string{"AwsSolutions-L1", "python3.14 is the newest Python runtime CloudFormation accepts (cfn-lint's " +
			"schema lists no later one); aws-cdk-lib already names python3.15, which cdk-nag takes for the latest."},
	)
}

func suppressRole(role constructs.IConstruct) {
	suppress(role, true,
		[2]string{"AwsSolutions-IAM4", "AWSLambdaVPCAccessExecutionRole is the AWS-maintained policy Lambda documents " +
			"for attaching a function to its VPC subnets and writing its logs; only lambda.amazonaws.com can assume the " +
			"role, and its own grants are a customer managed policy naming the peers' parameters."},
		[2]string{"AwsSolutions-IAM5", "Accepting a peering names an attachment whose id exists only once the peer " +
			"requested it, so the grant covers this account's attachments in this region (a peering can only be " +
			"accepted by the gateway it was requested to); DescribeTransitGatewayPeeringAttachments supports no resource-level " +
			"permission."},
	)
}

// suppressFramework records what aws-cdk-lib's provider framework (its Node.js functions, their
// role and the waiter state machine) keeps: Stratus does not write that code.
func suppressFramework(p cr.Provider) {
	framework := "aws-cdk-lib's custom resource provider framework: its functions only relay CloudFormation's " +
		"request to this construct's own functions and poll them; they run in the VPC, log to the construct's " +
		"KMS-encrypted log group, and are invoked only by CloudFormation and the waiter during a deploy."
	suppress(p, true,
		[2]string{"AwsSolutions-IAM4", framework},
		[2]string{"AwsSolutions-IAM5", framework + " Its role may invoke every version of the two handler functions (their ARN with :*)."},
		[2]string{"AwsSolutions-L1", framework + " aws-cdk-lib pins the framework's Node.js runtime."},
		[2]string{"AwsSolutions-SF1", framework + " The waiter state machine only polls the is-complete function, which " +
			"logs every poll's outcome to the encrypted log group; logging the waiter too would need CloudWatch Logs " +
			"delivery permissions on every resource (\"*\"), which the platform grants nowhere."},
		[2]string{"AwsSolutions-SF2", framework + " The waiter state machine only polls the is-complete function; X-Ray adds nothing to its logs."},
		[2]string{"NIST.800.53.R5-LambdaDLQ", invoked},
		[2]string{"NIST.800.53.R5-LambdaConcurrency", invoked},
		[2]string{"NIST.800.53.R5-IAMNoInlinePolicy", framework + " aws-cdk-lib grants the framework role its invoke permissions inline."},
	)
}
