package pipeline

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/policydoc"
)

// Reasons for the cdk-nag findings the pipeline keeps on purpose.
const (
	notReplicated = "The bucket holds only this pipeline's run artifacts (or their access logs), which any run " +
		"recreates from the repository; replicating them to another region would protect nothing the repository " +
		"does not already hold."
	sseS3Only = "S3 server access log delivery supports only SSE-S3 (AES256) on the destination bucket, not SSE-KMS."
)

// wildcards are the IAM wildcards aws-cdk-lib's pipelines and grants write into the pipeline's
// roles, each matched exactly (cdk-nag appliesTo regexes) with the reason it is needed.
var wildcards = []struct{ pattern, reason string }{
	{`/^Action::s3:(Abort|DeleteObject|GetBucket|GetObject|List)\*$/`,
		"aws-cdk-lib's read/write grants on the pipeline's own artifact and replication buckets: each action " +
			"wildcard is one family (e.g. GetObject* = object, version, ACL and tag reads), on those buckets only."},
	{`/^Resource::<[A-Za-z0-9]*Artifacts[A-F0-9]{8}\.Arn>\/\*$/`,
		"Every object of the pipeline's artifact bucket, which holds nothing but this pipeline's artifacts."},
	{`/^Action::kms:(GenerateDataKey|ReEncrypt)\*$/`,
		"aws-cdk-lib's encrypt/decrypt grants on the pipeline key and its cross-region replication keys: " +
			"GenerateDataKey* and ReEncrypt* are the families SSE-KMS writes and SNS publishing need."},
	{`/^Resource::arn:aws:logs:[a-z0-9-]+:[0-9]{12}:log-group:\/aws\/codebuild\/<[A-Za-z0-9]+>:\*$/`,
		"The CodeBuild project's own log group (/aws/codebuild/<project>) and its log streams."},
	{`/^Resource::arn:aws:codebuild:[a-z0-9-]+:[0-9]{12}:report-group\/<[A-Za-z0-9]+>-\*$/`,
		"The CodeBuild project's own report groups, which CodeBuild names <project>-<report>."},
}

// roleWildcards are the broader wildcards of single roles, by the role's path under the
// pipeline construct.
var roleWildcards = map[string][]struct{ appliesTo, reason string }{
	"Pipeline/Pipeline/Role": {
		{`/^Resource::arn:aws:s3:::[a-z0-9-]+-support-[a-z0-9-]+\/\*$/`,
			"Every object of a cross-region replication bucket (named by its support stack), which holds nothing " +
				"but this pipeline's artifacts on their way to that region's deploy actions."},
	},
	"Pipeline/UpdatePipeline/SelfMutation/Role": {
		{"Resource::*", "cloudformation:DescribeStacks and s3:ListBucket: `cdk deploy` of the pipeline stack reads " +
			"the bootstrap stack's outputs and finds its asset bucket, whose names it learns only at run time."},
		{"Resource::arn:*:iam::<AWS::AccountId>:role/*", "sts:AssumeRole on the tooling account's CDK bootstrap " +
			"roles only: the statement's iam:ResourceTag/aws-cdk:bootstrap-role condition admits the deploy, " +
			"file-publishing and image-publishing roles and nothing else."},
	},
	"Pipeline/Assets/FileRole": {
		{"Resource::*", "codebuild:StartBuild/BatchGetBuilds/StopBuild of the asset-publishing projects, which " +
			"CDK Pipelines creates per asset after this shared role."},
		{"Resource::arn:aws:logs:<AWS::Region>:<AWS::AccountId>:log-group:/aws/codebuild/*", "The log groups " +
			"of the asset-publishing projects that share this role, one per asset, named after their projects."},
		{"Resource::arn:aws:codebuild:<AWS::Region>:<AWS::AccountId>:report-group/*", "The report groups of " +
			"the asset-publishing projects that share this role."},
	},
}

// suppress records, on one resource (and what it holds when children), findings kept on purpose.
func suppress(c constructs.IConstruct, children bool, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &rules, jsii.Bool(children))
}

// acceptByDesign moves every role's inline grants into a managed policy and records the
// findings kept on purpose. Build calls it once everything exists.
func (p *Pipeline) acceptByDesign() {
	account, region := *awscdk.Stack_Of(p.Construct).Account(), *awscdk.Stack_Of(p.Construct).Region()
	type grants struct {
		logicalID string
		policy    iam.ManagedPolicy
	}
	policies := map[string]grants{} // role path -> the managed policy of its grants
	for _, c := range *p.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if role, ok := c.(iam.Role); ok {
			if id, managed := managedGrants(role); managed != nil {
				policies[*role.Node().Path()] = grants{id, managed}
			}
		}
	}
	// The pipeline waits for its role's policy; the role itself it already references (RoleArn),
	// and the extra DependsOn aws-cdk-lib adds for it is cfn-lint's W3005.
	if g, ok := policies[*p.CodePipeline.Pipeline().Role().Node().Path()]; ok {
		cfnPipeline := p.CodePipeline.Pipeline().Node().DefaultChild().(awscdk.CfnResource)
		cfnPipeline.AddOverride(jsii.String("DependsOn"), []string{g.logicalID})
		narrowReplicationKeyGrants(g.policy, p.replicationKeys())
	}

	var rules []*cdknag.NagPackSuppression
	for _, w := range wildcards {
		rules = append(rules, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(w.reason),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(w.pattern)}}})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(p.Construct, &rules, jsii.Bool(true))
	for path, list := range roleWildcards {
		role := p.Node().TryFindChild(jsii.String(strings.Split(path, "/")[0]))
		for _, id := range strings.Split(path, "/")[1:] {
			if role != nil {
				role = role.Node().TryFindChild(jsii.String(id))
			}
		}
		if role == nil {
			continue // e.g. no Assets stage
		}
		var rs []*cdknag.NagPackSuppression
		for _, w := range list {
			at := strings.NewReplacer("<AWS::AccountId>", account, "<AWS::Region>", region).Replace(w.appliesTo)
			var applies any = jsii.String(at)
			if strings.HasPrefix(at, "/") {
				applies = &cdknag.RegexAppliesTo{Regex: jsii.String(at)}
			}
			rs = append(rs, &cdknag.NagPackSuppression{Id: jsii.String("AwsSolutions-IAM5"), Reason: jsii.String(w.reason),
				AppliesTo: &[]any{applies}})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(role, &rs, jsii.Bool(true))
	}

	suppress(p.ArtifactBucket.Node().DefaultChild(), false, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(p.AccessLogs.Node().DefaultChild(), false, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(p.AccessLogs.Node().DefaultChild(), false, sseS3Only, "NIST.800.53.R5-S3DefaultEncryptionKMS")
	p.hardenSupportStacks()
}

// hardenSupportStacks versions and access-logs the replication bucket of every cross-region
// support stack aws-cdk-lib's CodePipeline added to the app (one per other region it deploys
// to), into a log bucket of the same stack, retains the bucket's key as the bucket is, holds the
// bucket to TLS 1.2 and its owner's objects only (no ACLs), as every other bucket of the app, and
// protects the stack from deletion as the pipeline's own.
func (p *Pipeline) hardenSupportStacks() {
	for _, stack := range p.supportStacks() {
		support := stack.Node().TryFindChild(jsii.String("Default"))
		if support == nil {
			continue
		}
		bucket, ok := support.Node().TryFindChild(jsii.String("CrossRegionCodePipelineReplicationBucket")).(s3.Bucket)
		if !ok {
			continue
		}
		cfn := bucket.Node().DefaultChild().(s3.CfnBucket)
		// aws-cdk-lib retains the bucket but deletes its key: a kept bucket whose objects no key
		// can decrypt. Keep the key with it.
		if key := resourceOf(support, "CrossRegionCodePipelineReplicationBucketEncryptionKey"); key != nil {
			key.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		}
		logs := s3.NewBucket(stack, jsii.String("AccessLogs"), &s3.BucketProps{
			Encryption: s3.BucketEncryption_S3_MANAGED, EnforceSSL: jsii.Bool(true), MinimumTLSVersion: jsii.Number(1.2),
			Versioned: jsii.Bool(true), BlockPublicAccess: s3.BlockPublicAccess_BLOCK_ALL(),
			ObjectOwnership: s3.ObjectOwnership_BUCKET_OWNER_ENFORCED, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			LifecycleRules: lifecycle(),
		})
		logs.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Sid:        jsii.String("S3ServerAccessLogs"),
			Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*logs.ArnForObjects(jsii.String("replication/*"))),
			Conditions: &map[string]any{
				"ArnLike":      map[string]any{"aws:SourceArn": cfn.AttrArn()},
				"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
			},
		}))
		cfn.SetLoggingConfiguration(&s3.CfnBucket_LoggingConfigurationProperty{
			DestinationBucketName: logs.BucketName(), LogFilePrefix: jsii.String("replication/"),
		})
		cfn.SetVersioningConfiguration(&s3.CfnBucket_VersioningConfigurationProperty{Status: jsii.String("Enabled")})
		cfn.SetOwnershipControls(&s3.CfnBucket_OwnershipControlsProperty{Rules: &[]any{
			&s3.CfnBucket_OwnershipControlsRuleProperty{ObjectOwnership: jsii.String("BucketOwnerEnforced")},
		}})
		// What MinimumTLSVersion writes on the buckets this app makes itself.
		bucket.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Effect: iam.Effect_DENY, Principals: &[]iam.IPrincipal{iam.NewAnyPrincipal()}, Actions: jsii.Strings("s3:*"),
			Resources:  jsii.Strings(*bucket.BucketArn(), *bucket.ArnForObjects(jsii.String("*"))),
			Conditions: &map[string]any{"NumericLessThan": map[string]any{"s3:TlsVersion": 1.2}},
		}))
		stack.SetTerminationProtection(jsii.Bool(true))
		cfn.SetLifecycleConfiguration(&s3.CfnBucket_LifecycleConfigurationProperty{Rules: &[]any{
			&s3.CfnBucket_RuleProperty{Status: jsii.String("Enabled"), ExpirationInDays: jsii.Number(artifactDays),
				NoncurrentVersionExpiration: &s3.CfnBucket_NoncurrentVersionExpirationProperty{NoncurrentDays: jsii.Number(30)}},
		}})
		suppress(cfn, false, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")

		suppress(logs.Node().DefaultChild(), false, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
		suppress(logs.Node().DefaultChild(), false, sseS3Only, "NIST.800.53.R5-S3DefaultEncryptionKMS")
	}
}

// supportStacks are the cross-region support stacks aws-cdk-lib's CodePipeline added to the app,
// one per other region it deploys to.
func (p *Pipeline) supportStacks() []awscdk.Stack {
	var out []awscdk.Stack
	for _, c := range *awscdk.Stage_Of(p.Construct).Node().Children() {
		if stack, ok := c.(awscdk.Stack); ok && strings.HasPrefix(*c.Node().Id(), "cross-region-stack-") {
			out = append(out, stack)
		}
	}
	return out
}

// replicationKey is a support stack's replication key as an IAM policy can name it: by its
// region and account, and by the alias aws-cdk-lib gives it.
type replicationKey struct{ partition, region, account, alias string }

// replicationKeys are the replication keys of the support stacks.
func (p *Pipeline) replicationKeys() []replicationKey {
	var keys []replicationKey
	for _, stack := range p.supportStacks() {
		support := stack.Node().TryFindChild(jsii.String("Default"))
		if alias, ok := resourceOf(support, "CrossRegionCodePipelineReplicationBucketEncryptionAlias").(kms.CfnAlias); ok {
			keys = append(keys, replicationKey{*stack.Partition(), *stack.Region(), *stack.Account(), *alias.AliasName()})
		}
	}
	return keys
}

// narrowReplicationKeyGrants holds the grant aws-cdk-lib gives the pipeline role on the
// cross-region replication keys to those keys. aws-cdk-lib writes it on Resource "*", as the
// keys live in stacks of other regions and the pipeline stack knows them only by alias; here a
// statement for each support stack names the keys of its region and account (key/*) that carry
// its key's alias (kms:ResourceAliases), as AWS's guide to alias-based access shows. The
// document is rewritten when it is rendered, so a grant added after this still lands in it.
// Only that one grant is rewritten (replicationKeyActions on "*", once): anything else on "*",
// or no replication key known, stays as written, and cdk-nag then fails the synth on it.
func narrowReplicationKeyGrants(managed iam.ManagedPolicy, keys []replicationKey) {
	if len(keys) == 0 {
		return
	}
	managed.Node().DefaultChild().(iam.CfnManagedPolicy).SetPolicyDocument(policydoc.Rewritten(managed.Document(),
		func(doc map[string]any) map[string]any { return narrowKMS(doc, keys) }))
	applies := make([]any, len(keys))
	for i, k := range keys {
		applies[i] = jsii.String("Resource::" + k.arn())
	}
	cdknag.NagSuppressions_AddResourceSuppressions(managed, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("kms:Decrypt/DescribeKey/Encrypt/GenerateDataKey*/ReEncrypt* on a cross-region replication " +
			"key, which its support stack creates in another region: the statement names the keys of that region in " +
			"this account (key/*) that carry the key's alias (kms:ResourceAliases), as the pipeline stack cannot name " +
			"the key itself."),
		AppliesTo: &applies,
	}}, jsii.Bool(false))
}

// arn is the resource of k's statement: every key of its region and account.
func (k replicationKey) arn() string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:key/*", k.partition, k.region, k.account)
}

// replicationKeyActions are the actions of aws-cdk-lib's encrypt/decrypt grant (as rendered:
// sorted), which CodePipeline gives its role on each replication key.
var replicationKeyActions = []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}

// narrowKMS replaces, in a rendered policy document, the "*" of the one unconditional statement
// of replicationKeyActions with a statement for each of keys (the statement's other resources
// stay where they were). A document with no such statement, or more than one, is returned as it
// is.
func narrowKMS(doc map[string]any, keys []replicationKey) map[string]any {
	statements, _ := doc["Statement"].([]any)
	match := -1
	for i, s := range statements {
		if st, ok := s.(map[string]any); ok && replicationGrantOnAll(st) {
			if match >= 0 {
				return doc
			}
			match = i
		}
	}
	if match < 0 {
		return doc
	}
	st := statements[match].(map[string]any)
	out := slices.Clone(statements[:match])
	if rest := withoutWildcard(st["Resource"]); len(rest) > 0 {
		kept := maps.Clone(st)
		kept["Resource"] = rest
		if len(rest) == 1 {
			kept["Resource"] = rest[0]
		}
		out = append(out, kept)
	}
	for _, k := range keys {
		out = append(out, map[string]any{
			"Action": st["Action"], "Effect": "Allow", "Resource": k.arn(),
			"Condition": map[string]any{"ForAnyValue:StringEquals": map[string]any{"kms:ResourceAliases": k.alias}},
		})
	}
	out = append(out, statements[match+1:]...)
	narrowed := maps.Clone(doc)
	narrowed["Statement"] = out
	return narrowed
}

// replicationGrantOnAll reports whether the statement allows exactly replicationKeyActions,
// unconditionally, with "*" among its resources.
func replicationGrantOnAll(st map[string]any) bool {
	return st["Effect"] == "Allow" && st["Condition"] == nil && slices.Contains(policydoc.Strings(st["Resource"]), "*") &&
		slices.Equal(policydoc.Strings(st["Action"]), replicationKeyActions)
}

// withoutWildcard is a statement's resources but "*".
func withoutWildcard(resource any) []any {
	list, ok := resource.([]any)
	if !ok {
		list = []any{resource}
	}
	return slices.DeleteFunc(slices.Clone(list), func(r any) bool { return r == "*" })
}

// resourceOf is the L1 resource of scope's child id, or nil where aws-cdk-lib builds no such
// child (scope itself nil included), so a renamed construct skips the hardening instead of
// panicking; the tests then find the unhardened resource.
func resourceOf(scope constructs.IConstruct, id string) awscdk.CfnResource {
	if scope == nil {
		return nil
	}
	child := scope.Node().TryFindChild(jsii.String(id))
	if child == nil {
		return nil
	}
	cfn, _ := child.Node().DefaultChild().(awscdk.CfnResource)
	return cfn
}

// managedGrants moves role's DefaultPolicy, where aws-cdk-lib's grants collect, into a customer
// managed policy under the role (NIST 800-53 IAMNoInlinePolicy), which it returns (nil when the
// role has no grants). The managed policy shares the policy document, so a grant added later
// still lands in it, and it takes over the inline policy's logical id (returned too), so the
// DependsOn that grants gave other resources still name it.
func managedGrants(role iam.Role) (string, iam.ManagedPolicy) {
	policy, ok := role.Node().TryFindChild(jsii.String("DefaultPolicy")).(iam.Policy)
	if !ok {
		return "", nil
	}
	stack := awscdk.Stack_Of(role)
	logicalID := stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))
	managed := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Grants of %s", *role.Node().Path())),
		Document:    policy.Document(),
		Roles:       &[]iam.IRole{role},
	})
	managed.Node().DefaultChild().(awscdk.CfnElement).OverrideLogicalId(logicalID)
	role.Node().TryRemoveChild(jsii.String("DefaultPolicy"))
	return *logicalID, managed
}
