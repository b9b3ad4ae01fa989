package keys

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestGuardDeniesForeignGrantsAndAdministrationOnEveryKey(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
		})
		NewKey(stack, "Plain", "a key")
		_, err := NewRegionalKey(stack, "Regional", RegionalKeyProps{Alias: "stratus/dev/secrets"})
		require.NoError(t, err)
		// A key made by another construct deep in the tree, and an imported key.
		// Its stack has an account and region of its own: each key gets its own stack's role.
		kms.NewKey(awscdk.NewStack(app, jsii.String("Other"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-west-2")},
		}), jsii.String("Deep"), nil)
		kms.Key_FromKeyArn(stack, jsii.String("Imported"), jsii.String("arn:aws:kms:eu-west-1:111111111111:key/abc"))
		Guard(app, nil)

		keysFound := cdktest.OfType(t, cdktest.Template(t, stack), "AWS::KMS::Key")
		require.Len(t, keysFound, 2)
		for _, k := range keysFound {
			statements := cdktest.Path[[]any](t, k, "Properties", "KeyPolicy", "Statement")
			bySid := map[string]map[string]any{}
			for _, s := range statements {
				st := cdktest.As[map[string]any](t, s)
				if sid, ok := st["Sid"].(string); ok {
					bySid[sid] = st
				}
			}
			grants, admin := bySid[GrantsForAWSResourcesSid], bySid[AdministratorOnlySid]
			require.NotNil(t, grants, "statement %s in %v", GrantsForAWSResourcesSid, statements)
			require.NotNil(t, admin, "statement %s in %v", AdministratorOnlySid, statements)
			assert.Equal(t, "Deny", grants["Effect"])
			assert.Equal(t, "kms:CreateGrant", grants["Action"])
			assert.Equal(t, map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": "false"}}, grants["Condition"])
			assert.Equal(t, "Deny", admin["Effect"])
			// Written out, not AdminActions: a name dropped from the package's list must fail here.
			assert.ElementsMatch(t, []any{
				"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias", "kms:PutKeyPolicy", "kms:UpdateKeyDescription",
				"kms:EnableKey", "kms:DisableKey", "kms:EnableKeyRotation", "kms:DisableKeyRotation", "kms:RotateKeyOnDemand",
				"kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:RevokeGrant",
				"kms:ImportKeyMaterial", "kms:DeleteImportedKeyMaterial", "kms:ReplicateKey", "kms:UpdatePrimaryRegion",
			}, admin["Action"])
			assert.NotContains(t, admin["Action"], "kms:CreateGrant", "using the key is not administering it")
			arn := cdktest.Path[map[string]any](t, admin, "Condition", "ArnNotEquals")["aws:PrincipalArn"]
			assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
				":iam::111111111111:role/cdk-hnb659fds-cfn-exec-role-111111111111-eu-west-1"}}}, arn)
		}
		other := cdktest.Template(t, app.Node().FindChild(jsii.String("Other")).(awscdk.Stack))
		_, deep := cdktest.Only(t, other, "AWS::KMS::Key")
		sids := []any{}
		for _, s := range cdktest.Path[[]any](t, deep, "Properties", "KeyPolicy", "Statement") {
			st := cdktest.As[map[string]any](t, s)
			sids = append(sids, st["Sid"])
			if st["Sid"] == AdministratorOnlySid {
				assert.Equal(t, map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"},
					":iam::222222222222:role/cdk-hnb659fds-cfn-exec-role-222222222222-us-west-2"}}},
					cdktest.Path[map[string]any](t, st, "Condition", "ArnNotEquals")["aws:PrincipalArn"], "the other stack's own role")
			}
		}
		assert.Subset(t, sids, []any{GrantsForAWSResourcesSid, AdministratorOnlySid}, "a key of another construct and stack is guarded too")
	})
}

func TestDeployingRoleFollowsTheBootstrapQualifier(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()),
			Context: &map[string]any{"@aws-cdk/core:bootstrapQualifier": "custom123"}})
		stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-west-2")},
		})
		assert.Contains(t, DeployingRoleArn(stack), ":iam::222222222222:role/cdk-custom123-cfn-exec-role-222222222222-us-west-2")
		// Guard, reading the qualifier from its scope's context, names the same role.
		NewKey(stack, "Key", "a key")
		Guard(app, nil)
		rendered, err := json.Marshal(cdktest.Template(t, stack))
		require.NoError(t, err)
		assert.Contains(t, string(rendered), ":iam::222222222222:role/cdk-custom123-cfn-exec-role-222222222222-us-west-2",
			"the key's administrator is the qualified bootstrap role")
	})
}

// TestGuardFindsKeysAnywhereUnderItsScope: as the app calls it, on a Stage, Guard reaches a key
// under plain constructs and one in a nested stack, and leaves a bare CfnKey (no L2 policy) alone.
func TestGuardFindsKeysAnywhereUnderItsScope(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stage := awscdk.NewStage(app, jsii.String("Dev"), nil)
		stack := awscdk.NewStack(stage, jsii.String("Data"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
		})
		outer := constructs.NewConstruct(stack, jsii.String("Outer"))
		kms.NewKey(constructs.NewConstruct(outer, jsii.String("Inner")), jsii.String("Deep"), nil)
		nested := awscdk.NewNestedStack(stack, jsii.String("Nested"), nil)
		kms.NewKey(nested, jsii.String("InNested"), nil)
		kms.NewCfnKey(stack, jsii.String("Bare"), &kms.CfnKeyProps{KeyPolicy: map[string]any{
			"Version": "2012-10-17", "Statement": []any{},
		}})
		Guard(stage, func(awscdk.Stack) string { return "arn:aws:iam::111111111111:role/admin" })

		sidsOf := func(key map[string]any) []any {
			var sids []any
			for _, s := range cdktest.Path[[]any](t, key, "Properties", "KeyPolicy", "Statement") {
				sids = append(sids, cdktest.As[map[string]any](t, s)["Sid"])
			}
			return sids
		}
		guarded := []any{GrantsForAWSResourcesSid, AdministratorOnlySid}
		keysFound := cdktest.OfType(t, cdktest.Template(t, stack), "AWS::KMS::Key")
		require.Len(t, keysFound, 2, "the deep key and the bare one")
		for id, key := range keysFound {
			if strings.HasPrefix(id, "Bare") {
				assert.Empty(t, sidsOf(key), "a bare CfnKey is left alone")
			} else {
				assert.Subset(t, sidsOf(key), guarded, "%s: a key under plain constructs", id)
			}
		}
		_, inNested := cdktest.Only(t, cdktest.Template(t, nested), "AWS::KMS::Key")
		assert.Subset(t, sidsOf(inNested), guarded, "a key in a nested stack")
	})
}
