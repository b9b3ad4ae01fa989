package releasepipeline

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Reasons for the cdk-nag findings the release pipelines keep on purpose.
const (
	notReplicated = "The bucket holds only the release pipelines' run artifacts (or their access logs), which any run " +
		"recreates from the service repositories; replicating them to another region would protect nothing those do not hold."
	sseS3Only     = "S3 server access log delivery supports only SSE-S3 (AES256) on the destination bucket, not SSE-KMS."
	registryLogin = "ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource \"*\"); it only issues " +
		"the registry login token with which the build pulls the pushed image, and the pull stays limited to the service's release repository."
	privileged = "The service's image is built with docker, whose daemon CodeBuild runs only in privileged mode. Only the " +
		"build project of a service is privileged; it runs that service's own repository's commands and reaches the " +
		"environments only through that service's push roles, which may push to its own repository alone: a pushed " +
		"image deploys only by its digest, after the scan gate and any approval the delivery file asks for."
)

// wildcards are the IAM wildcards aws-cdk-lib's grants write into the release roles, each
// matched exactly (cdk-nag appliesTo regexes) with the reason it is needed.
var wildcards = []struct{ pattern, reason string }{
	{`/^Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$/`,
		"aws-cdk-lib's read/write grants on the pipelines' own artifact bucket: each action wildcard is one family " +
			"(e.g. GetObject* = object, version, ACL and tag reads), on that bucket only."},
	// The bucket is the stack's own (the shared resources'), or the shared stack's export in a
	// pipeline's own stack.
	{`/^Resource::(<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\.Arn>|[A-Za-z0-9-]+:ExportsOutputFnGetAtt[A-Za-z0-9]*Artifacts[A-F0-9]{8}Arn[A-F0-9]{8})\/\*$/`,
		"Every object of the pipelines' artifact bucket, which holds nothing but release artifacts."},
	{`/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/`,
		"aws-cdk-lib's encrypt/decrypt grants on the release key: GenerateDataKey* and ReEncrypt* are the families " +
			"SSE-KMS artifact writes, encrypted logs and SNS publishing need, on that one key."},
	{`/^Resource::arn:aws:logs:[a-z0-9-]+:[0-9]{12}:log-group:\/aws\/codebuild\/<[A-Za-z0-9]+>:\*$/`,
		"aws-cdk-lib grants every CodeBuild project its default log group (/aws/codebuild/<project>) and that group's " +
			"streams; the projects log to the shared encrypted group instead, so this names one unused group of the project's own."},
	{`/^Resource::arn:aws:codebuild:[a-z0-9-]+:[0-9]{12}:report-group\/<[A-Za-z0-9]+>-\*$/`,
		"The CodeBuild project's own report groups, which CodeBuild names <project>-<report>."},
}

// acceptByDesign moves the grants of every role under scope into a managed policy and records
// the findings kept on purpose there. NewReleases calls it on the shared resources, AddPipeline
// on each pipeline: a later grant to a role still lands in its managed policy.
func acceptByDesign(scope constructs.Construct) {
	for _, c := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if role, ok := c.(iam.Role); ok {
			managedGrants(role)
		}
	}
	var rules []*cdknag.NagPackSuppression
	for _, w := range wildcards {
		rules = append(rules, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(w.reason),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(w.pattern)}}})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(scope, &rules, jsii.Bool(true))
}

// acceptBuckets records the buckets' findings kept on purpose.
func (r *Releases) acceptBuckets() {
	suppress(r.ArtifactBucket.Node().DefaultChild(), notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(r.AccessLogs.Node().DefaultChild(), notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(r.AccessLogs.Node().DefaultChild(), sseS3Only, "NIST.800.53.R5-S3DefaultEncryptionKMS")
}

// suppress records findings kept on purpose on one resource.
func suppress(c constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &rules, jsii.Bool(false))
}

// managedGrants moves role's DefaultPolicy, where aws-cdk-lib's grants collect, into a customer
// managed policy under the role (NIST 800-53 IAMNoInlinePolicy). The managed policy shares the
// policy document, so a later grant still lands in it, and takes over the inline policy's logical
// id (returned), so the DependsOn that grants gave other resources still name it.
func managedGrants(role iam.Role) string {
	policy, ok := role.Node().TryFindChild(jsii.String("DefaultPolicy")).(iam.Policy)
	if !ok {
		return ""
	}
	logicalID := awscdk.Stack_Of(role).GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))
	managed := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Grants of %s", *role.Node().Path())),
		Document:    policy.Document(),
		Roles:       &[]iam.IRole{role},
	})
	managed.Node().DefaultChild().(awscdk.CfnElement).OverrideLogicalId(logicalID)
	role.Node().TryRemoveChild(jsii.String("DefaultPolicy"))
	return *logicalID
}
