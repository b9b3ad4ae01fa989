package keys

import (
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

// DeployingRoleArn is the ARN of the role CloudFormation deploys stack's resources with: the
// CDK bootstrap's cfn-exec role of the stack's account and region (qualifier from the
// "@aws-cdk/core:bootstrapQualifier" context, else the default one).
func DeployingRoleArn(stack awscdk.Stack) string {
	return bootstrap.RoleArn(stack, "cfn-exec", *stack.Account(), *stack.Region())
}

// Guard adds two deny statements to the policy of every customer-managed key under scope, keys
// created by any construct included:
//
//   - nobody may create a grant that is not for an AWS resource (kms:GrantIsForAWSResource), so a
//     principal allowed to use the key cannot hand it on to another principal;
//   - nobody but adminRoleArn(stack) — by default DeployingRoleArn — may administer the key
//     (AdminActions), whatever IAM policy says.
//
// Call it once scope is complete, before synth: it finds the keys with one walk of the tree (an
// aspect would cost a Go callback for every construct of the app, about a tenth of a large
// app's synth), so each call guards again. An imported key (whose policy this app does not own) is
// left alone.
func Guard(scope constructs.IConstruct, adminRoleArn func(awscdk.Stack) string) {
	if adminRoleArn == nil {
		adminRoleArn = DeployingRoleArn
	}
	for _, node := range *scope.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if key, ok := node.(kms.Key); ok {
			GuardKey(key, adminRoleArn(awscdk.Stack_Of(key)))
		}
	}
}

// GuardKey adds Guard's two statements to key's policy, with adminRoleArn as the only
// administrator.
func GuardKey(key kms.IKey, adminRoleArn string) {
	key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String(GrantsForAWSResourcesSid),
		Effect:     iam.Effect_DENY,
		Principals: &[]iam.IPrincipal{iam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:CreateGrant"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "false"}},
	}), nil)
	key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String(AdministratorOnlySid),
		Effect:     iam.Effect_DENY,
		Principals: &[]iam.IPrincipal{iam.NewAnyPrincipal()},
		Actions:    jsii.Strings(AdminActions...),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnNotEquals": map[string]any{"aws:PrincipalArn": adminRoleArn}},
	}), nil)
}
