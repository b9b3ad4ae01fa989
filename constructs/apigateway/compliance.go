package apigateway

import (
	"net/url"

	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	cdknag "github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/keys"
)

// kmsKey is a rotating customer key CloudWatch Logs of this region may use.
func kmsKey(scope constructs.Construct, id, description string) kms.Key {
	k := keys.NewKey(scope, id, description)
	keys.AllowCloudWatchLogs(k)
	return k
}

// acceptByDesign records the findings the authorizer keeps on purpose.
func (a *HttpApi) acceptByDesign() {
	fn := a.Function.Node().DefaultChild()
	suppress(fn, "python3.14 is the newest Python runtime Lambda and CloudFormation accept (the "+
		"AWS::Lambda::Function schema cfn-lint checks lists nothing later).", "AwsSolutions-L1")
	suppress(fn, "The function calls Secrets Manager and, with JWT on, the issuer's public key endpoint on the "+
		"internet; it never connects to a resource inside the VPC, so placing it there would add NAT traffic and "+
		"no protection.", "NIST.800.53.R5-LambdaInsideVPC")
	suppress(fn, "API Gateway invokes the authorizer synchronously and answers the client itself when it fails; "+
		"a dead-letter queue would hold nothing.", "NIST.800.53.R5-LambdaDLQ")
}

func suppress(resource constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &rules, jsii.Bool(false))
}

// httpsURL reports whether s is an https:// URL with a host and no user part.
func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}
