package tier

import (
	"regexp"

	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// suppress records, on exactly one resource, cdk-nag findings kept on purpose.
func suppress(resource constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &rules, jsii.Bool(false))
}

// acceptWildcards names the wildcards of the instance policy: the Resource "*" statements, the
// account's instances, and the objects of the release bucket.
func (t *Tier) acceptWildcards(policy iam.ManagedPolicy, releaseBucket string) {
	if releaseBucket != "" {
		cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("The instances read their application's releases: any object of the one release bucket the tier names, read-only."),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:s3:::` + regexp.QuoteMeta(releaseBucket) + `\/\*$/g`)}},
		}}, jsii.Bool(true))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The ssmmessages and ec2messages actions (the Session Manager agent) and cloudwatch:PutMetricData " +
			"support no resource-level permissions, so AWS requires Resource \"*\"; ssm:UpdateInstanceInformation is limited to " +
			"this account's and region's instances (ec2 instance/*); " +
			"PutMetricData is limited to the tiers' namespace by the cloudwatch:namespace condition."),
		AppliesTo: &[]any{jsii.String("Resource::*"), &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:[^:]+:ec2:[^:]+:[^:]+:instance\/\*$/g`)}},
	}}, jsii.Bool(true))
}

// acceptByDesign records the findings the tier keeps on purpose.
func (t *Tier) acceptByDesign(p TierProps) {
	if t.LoadBalancer == nil {
		return
	}
	suppress(t.LoadBalancer.Node().DefaultChild(),
		"An internal ALB in the private app subnets whose security group admits only the client tier's security group; "+
			"the WAF filters requests at CloudFront before the public ALB, and nothing from outside the VPC can reach this one.",
		"NIST.800.53.R5-ALBWAFEnabled")
	suppress(t.Listener.Node().DefaultChild(),
		"The listener carries tier-to-tier HTTP inside the VPC: the ALB is internal, in the private app subnets, and its "+
			"security group admits only the client tier's group. HTTPS would need a certificate for the name the web tier "+
			"calls: ACM issues none for the ALB's own internal DNS name, and a public one would need a name under the "+
			"environment's domain resolving to this private ALB, which the platform does not publish. The public leg "+
			"(viewer to CloudFront to the public ALB) is TLS end to end.",
		"NIST.800.53.R5-ALBHttpToHttpsRedirection", "NIST.800.53.R5-ELBv2ACMCertificateRequired")
}
