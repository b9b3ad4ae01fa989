package ingress

import (
	"fmt"
	"slices"

	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/limits"
)

// suppress records, on exactly one resource, cdk-nag findings kept on purpose.
func suppress(resource constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource, &rules, jsii.Bool(false))
}

// acceptByDesign records the findings an origin secret without RotationDays keeps on purpose.
func (o *OriginSecret) acceptByDesign() {
	suppress(o.Secret.Node().DefaultChild(),
		"RotationDays is 0: the owner chose not to rotate this origin secret automatically. Its value lives in "+
			"CloudFront's origin header and every ALB listener rule, so rotating the secret alone would refuse every "+
			"request; it is rotated as a planned change instead (a new value, then the Edge and App stacks redeployed).",
		"AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled")
}

// acceptByDesign records the findings the load balancer keeps on purpose.
func (l *LoadBalancer) acceptByDesign(p LoadBalancerProps, serverLogs s3.Bucket, http elbv2.ApplicationListener) {
	const notReplicated = "Log buckets hold regional operational records of a regional ALB: every region of the " +
		"environment has its own ALB and its own log buckets, versioned and retained, and cross-region replication " +
		"would copy logs without restoring anything the region's loss takes away."
	suppress(l.AccessLogBucket.Node().DefaultChild(),
		"ALB access log delivery supports only SSE-S3 (AES256) on the destination bucket, not SSE-KMS.",
		"NIST.800.53.R5-S3DefaultEncryptionKMS")
	suppress(l.AccessLogBucket.Node().DefaultChild(), notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(serverLogs.Node().DefaultChild(),
		"S3 server access log delivery supports only SSE-S3 (AES256) on the destination bucket, not SSE-KMS.",
		"NIST.800.53.R5-S3DefaultEncryptionKMS")
	suppress(serverLogs.Node().DefaultChild(), notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")

	suppress(l.LoadBalancer.Node().DefaultChild(), wafReason(p), "NIST.800.53.R5-ALBWAFEnabled")
	suppress(http.Node().DefaultChild(),
		"Port 80 only answers a permanent redirect to HTTPS 443 and serves no content, so it has no certificate to use; "+
			"the security group does not even admit port 80.",
		"NIST.800.53.R5-ELBv2ACMCertificateRequired")
}

// wafReason is why the ALB has no web ACL of its own: the one at CloudFront stands in front of
// every rule but the health-check rule and the test listener's, which it names when there are.
func wafReason(p LoadBalancerProps) string {
	reason := "The WAF web ACL sits in front of this ALB at CloudFront (CLOUDFRONT scope, Edge stack), and " +
		"the ALB's security group admits CloudFront's origin-facing prefix list. "
	tests := slices.ContainsFunc(p.Targets, func(t Target) bool { return t.TestListener })
	if p.HealthCheckHost == "" && !tests {
		return reason + "Every listener rule requires CloudFront's secret origin header, so no request reaches a " +
			"service without passing the WAF."
	}
	if p.HealthCheckHost == "" {
		reason += "Every rule of the HTTPS listener requires CloudFront's secret origin header, so no request there " +
			"reaches a service without passing the WAF."
	} else {
		reason += "Every rule of the HTTPS listener but the health-check rule requires CloudFront's secret origin " +
			"header, so no other request there reaches a service without passing the WAF." +
			" The health-check rule: Route 53's health checkers cannot send the header, so requests for exactly " +
			p.HealthCheckHost + " and the first service's health path reach that path alone without it (from the " +
			"checkers' ranges, which a second security group admits, or through CloudFront); the service contract has " +
			"that answer reveal nothing."
	}
	if tests {
		reason += fmt.Sprintf(" The test listener (port %d) has no origin header either: only the addresses of "+
			"TestListenerSources reach it (Stratus gives the VPC's own NAT addresses, for the deployments' pre-traffic "+
			"checks from inside the VPC).", limits.TestListenerPort)
	}
	return reason
}
