package keys

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/bootstrap"
)

// AdminActions are the key-administration actions only the key's administrator may call. Use of
// the key (Encrypt, Decrypt, CreateGrant for AWS resources, RetireGrant) is not among them.
var AdminActions = []string{
	"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
	"kms:PutKeyPolicy", "kms:UpdateKeyDescription",
	"kms:EnableKey", "kms:DisableKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
	"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion",
	"kms:TagResource", "kms:UntagResource", "kms:RevokeGrant",
	"kms:ImportKeyMaterial", "kms:DeleteImportedKeyMaterial", "kms:ReplicateKey", "kms:UpdatePrimaryRegion",
}

// Sids of the statements Guard adds to every key policy.
const (
	GrantsForAWSResourcesSid = "DenyGrantsExceptForAWSResources"
	AdministratorOnlySid     = "DenyAdministrationExceptByDeployingRole"
)

// DeployingRoleArn is the ARN of the role CloudFormation deploys stack's resources with: the one
// its synthesizer names (the CDK bootstrap's cfn-exec role of the account and region it deploys
// from; aws-cdk-lib deploys CodePipeline's cross-region support stacks with the pipeline region's
// role), or, for a synthesizer that names none, the bootstrap's cfn-exec role of the stack's
// account and region (qualifier from the "@aws-cdk/core:bootstrapQualifier" context, else the
// default one).
func DeployingRoleArn(stack awscdk.Stack) string {
	return deployingRoleArns(stack)(stack)
}

// deployingRoleArns is DeployingRoleArn for the stacks under scope, reading what they share once
// (each read is a call into the jsii runtime): the partition of each region and, for a
// synthesizer that names no role, the qualifier from scope's context.
func deployingRoleArns(scope constructs.IConstruct) func(awscdk.Stack) string {
	var qualifier *string
	partitions := map[string]string{}
	return func(stack awscdk.Stack) string {
		account, region := *stack.Account(), *stack.Region()
		partition, ok := partitions[region]
		if !ok {
			partition = *stack.Partition()
			partitions[region] = partition
		}
		// CloudFormationExecutionRole, not ...RoleArn, which throws where the synthesizer reads as
		// unbound: one made in Go (a stack binds a copy, and jsii hands Go back the original),
		// which then gets the bootstrap's role below.
		if synth, ok := stack.Synthesizer().(awscdk.DefaultStackSynthesizer); ok {
			if arn := synth.CloudFormationExecutionRole(); arn != nil {
				// The manifest's form: placeholders where the stack's environment is not fixed.
				return strings.NewReplacer("${AWS::Partition}", partition, "${AWS::AccountId}", account, "${AWS::Region}", region).Replace(*arn)
			}
		}
		if qualifier == nil {
			qualifier = jsii.String(bootstrap.Qualifier(scope))
		}
		return bootstrap.Arn(partition, account, bootstrap.Name(*qualifier, "cfn-exec", account, region))
	}
}

// Guard adds two deny statements to the policy of every customer-managed key under scope, keys
// created by any construct included:
//
//   - nobody may create a grant that is not for an AWS resource (kms:GrantIsForAWSResource), so a
//     principal allowed to use the key cannot hand it on to another principal;
//   - nobody but adminRoleArn(stack) — by default DeployingRoleArn, the role that deploys the
//     stack — may administer the key (AdminActions), whatever IAM policy says.
//
// Call it once scope is complete, before synth. It asks aws-cdk-lib for the AWS::KMS::Key
// resources under scope (ConstructSelector, which walks the tree in the jsii runtime) and guards
// each one whose key policy is an iam.PolicyDocument: every L2 key's, and a CfnKey's given one.
// Walking the tree from Go (Node().FindAll) sent every construct of the app across jsii and cost
// about 4 % of a synth; an aspect would cost a Go callback for every construct, about a tenth.
// Each call guards again. An imported key (whose policy this app does not own) has no resource
// and is left alone, as is a CfnKey whose policy is plain JSON (no document to extend).
func Guard(scope constructs.IConstruct, adminRoleArn func(awscdk.Stack) string) {
	if adminRoleArn == nil {
		adminRoleArn = deployingRoleArns(scope)
	}
	// Values no key changes, so one of each for every key: each is a call into the jsii runtime.
	anyone := &[]iam.IPrincipal{iam.NewAnyPrincipal()}
	grants := grantsForAWSResourcesOnly(anyone)
	admins := map[awscdk.Stack]iam.PolicyStatement{} // one lookup per stack: a stack holds several keys
	byArn := map[string]iam.PolicyStatement{}        // stacks of one account and region share the role
	for _, resource := range *awscdk.ConstructSelector_ResourcesOfType(jsii.String("AWS::KMS::Key")).Select(scope) {
		// An L2 key's resource holds the key's PolicyDocument itself (one read, where going
		// through the L2 is three); a CfnKey written by hand usually holds plain JSON.
		cfn, ok := resource.(kms.CfnKey)
		if !ok {
			continue
		}
		policy, ok := cfn.KeyPolicy().(iam.PolicyDocument)
		if !ok {
			continue
		}
		stack := awscdk.Stack_Of(resource)
		admin, seen := admins[stack]
		if !seen {
			arn := adminRoleArn(stack)
			if admin, seen = byArn[arn]; !seen {
				admin = administratorOnly(anyone, arn)
				byArn[arn] = admin
			}
			admins[stack] = admin
		}
		// What key.AddToResourcePolicy does, for both statements in one call: each
		// AddToResourcePolicy is a call into the jsii runtime and a read of each field of its result.
		policy.AddStatements(grants, admin)
	}
}

// GuardKey adds Guard's two statements to key's policy, with adminRoleArn as the only
// administrator.
func GuardKey(key kms.Key, adminRoleArn string) {
	anyone := &[]iam.IPrincipal{iam.NewAnyPrincipal()}
	key.Policy().AddStatements(grantsForAWSResourcesOnly(anyone), administratorOnly(anyone, adminRoleArn))
}

// grantsForAWSResourcesOnly is the statement that denies grants not for an AWS resource. It names
// nothing of a key or stack, so every key's policy can hold the same statement.
func grantsForAWSResourcesOnly(anyone *[]iam.IPrincipal) iam.PolicyStatement {
	return iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String(GrantsForAWSResourcesSid),
		Effect:     iam.Effect_DENY,
		Principals: anyone,
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "false"}},
	})
}

// administratorOnly is the statement that denies key administration to all but adminRoleArn. It
// names nothing of a key, so the policies of keys with the same administrator can hold the same
// statement.
func administratorOnly(anyone *[]iam.IPrincipal, adminRoleArn string) iam.PolicyStatement {
	return iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String(AdministratorOnlySid),
		Effect:     iam.Effect_DENY,
		Principals: anyone,
		Actions:    jsii.Strings(AdminActions...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": adminRoleArn}},
	})
}
