package edge

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// acceptByDesign records, on the exact resources, the cdk-nag findings (and the one aws-cdk-lib
// warning) this design keeps on purpose, each with the reason it is safe.
func (e *Edge) acceptByDesign(p EdgeProps) {
	if e.FrontendBucket == nil {
		// With a frontend, the log bucket is the frontend bucket's access-log destination, which
		// cdk-nag accepts for a log bucket.
		for _, rule := range []string{"AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled"} {
			suppress(e.LogBucket, rule, "The log bucket is itself the destination of the edge's logs (CloudFront "+
				"standard logs): its own access logs would need another log bucket, and so on. Only CloudFront's log "+
				"delivery writes to it; it is versioned, retained, closed to the public and TLS-only.")
		}
	} else {
		suppress(e.FrontendBucket, "NIST.800.53.R5-S3BucketReplicationEnabled",
			"The frontend bucket holds a build artifact, not data: the pipeline (or FrontendSource) republishes it, it is "+
				"versioned and retained, and CloudFront serves it from edge caches worldwide; a cross-region replica would "+
				"have no origin pointing at it.")
		// The bucket's key lets CloudFront decrypt for any distribution of this account: the
		// distribution id cannot appear in the key policy without a key → distribution → bucket →
		// key cycle. Reading still needs s3:GetObject, which the bucket policy grants to this
		// distribution only, so no other distribution can read the frontend.
		awscdk.Annotations_Of(e.Construct).AcknowledgeWarning(jsii.String("@aws-cdk/aws-cloudfront-origins:wildcardKeyPolicyForOac"),
			jsii.String("The bucket policy limits s3:GetObject to this distribution's ARN; the key grant alone reads nothing."))
	}
	suppress(e.LogBucket, "NIST.800.53.R5-S3BucketReplicationEnabled",
		"The log bucket keeps CloudFront logs (and, with a frontend, its bucket's S3 access logs) for analysis; it is versioned, retained on stack deletion, "+
			"closed to the public and TLS-only. A cross-region copy of access logs adds cost without adding recovery: "+
			"nothing is restored from them.")
	suppress(e.LogBucket, "NIST.800.53.R5-S3DefaultEncryptionKMS",
		"This bucket receives CloudFront standard (legacy) logs, which the awslogsdelivery account writes through the "+
			"bucket ACL, and, with a frontend, S3 server access logs: it is encrypted with SSE-S3 so delivery never depends on a key "+
			"policy granting external log-delivery principals. The logs hold no secrets (cookies are not logged).")

	if p.GeoRestriction.Mode == GeoNone {
		suppress(e.Distribution, "AwsSolutions-CFR1", geoReason(p.GeoMatch.Mode))
	}

	if e.FrontendDeployment != nil {
		e.acceptDeploymentHandler()
	}
}

// geoReason is why a distribution without CloudFront's own geo restriction is accepted: the web
// ACL's geo rule restricts instead, or the environment's config restricts no country at all.
func geoReason(wafGeo string) string {
	if wafGeo != GeoNone {
		return "CloudFront's own geo restriction is off because the web ACL's GeoMatch rule (waf.geo) restricts by " +
			"country instead: it answers with a custom 403 response and its blocks are logged, which CloudFront's " +
			"restriction does neither."
	}
	return "This environment restricts no country: its config sets neither waf.geo nor cloudfront.geoRestriction, " +
		"so the API and frontend are served worldwide. Either setting restricts by country (waf.geo with a logged " +
		"custom response)."
}

// acceptDeploymentHandler covers the Lambda function that aws-cdk-lib's BucketDeployment adds
// (a stack-wide singleton) and the role this construct gives it.
func (e *Edge) acceptDeploymentHandler() {
	stack := awscdk.Stack_Of(e.Construct)
	bucketID := *stack.GetLogicalId(e.FrontendBucket.Node().DefaultChild().(awscdk.CfnElement))
	cdknag.NagSuppressions_AddResourceSuppressions(e.deploymentPolicy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The upload writes and prunes the build's files, whose names are only known at deploy " +
			"time: object actions are scoped to this one bucket's objects, and log events to the handler's own log streams."),
		AppliesTo: &[]any{
			fmt.Sprintf("Resource::<%s.Arn>/*", bucketID),
			// The group's name ends in the stack's id (retention.Rebuildable), as cdk-nag renders it.
			&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:.*:logs:.*:log-group:\/stratus\/edge\/.*\/frontend-deployment-\{"Fn::Select":\[2,\{"Fn::Split":\["\/",\{"Ref":"AWS::StackId"\}\]\}\]\}:log-stream:\*$/`)},
		},
	}}, jsii.Bool(false))

	if handler := e.deploymentHandler(); handler != nil {
		cdknag.NagSuppressions_AddResourceSuppressions(handler, &[]*cdknag.NagPackSuppression{
			{Id: jsii.String("AwsSolutions-L1"), Reason: jsii.String(
				"The runtime of BucketDeployment's bundled handler is fixed by aws-cdk-lib, which is tested with it and " +
					"moves it forward in its releases; the function runs only during deployments of this stack.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaConcurrency"), Reason: jsii.String(
				"The handler runs once per deployment of this stack, invoked by CloudFormation; reserving concurrency " +
					"would only take capacity from the account's unreserved pool.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaDLQ"), Reason: jsii.String(
				"CloudFormation invokes the handler and waits for its response: a failure fails the deployment and shows " +
					"in the stack events and the handler's log group, so a dead-letter queue would have no consumer.")},
			{Id: jsii.String("NIST.800.53.R5-LambdaInsideVPC"), Reason: jsii.String(
				"The handler only calls the public S3, KMS, CloudFront and CloudWatch Logs APIs over TLS with a role " +
					"scoped to this frontend; the global Edge stack has no VPC, and it accepts no inbound traffic.")},
		}, jsii.Bool(false))
	}
}

func suppress(scope constructs.IConstruct, id, reason string) {
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String(id), Reason: jsii.String(reason),
	}}, jsii.Bool(true))
}
