package keys

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/nagpacks"
)

func TestRegionalKeyIsRotatingRetainedAndNamedByConvention(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("eu-west-1")},
		})
		nagpacks.Apply(stack)
		k, err := NewRegionalKey(stack, "SecretsKey", RegionalKeyProps{Alias: "stratus/prod/secrets"})
		require.NoError(t, err)
		assert.Equal(t, "alias/stratus/prod/secrets", k.AliasName, "AliasName = %q", k.AliasName)
		tpl := assertions.Template_FromStack(stack, nil)
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties":     map[string]any{"EnableKeyRotation": true},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Alias"), &map[string]any{"AliasName": "alias/stratus/prod/secrets"})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "AllowSecretsManagerInThisAccount",
				"Condition": map[string]any{"StringEquals": map[string]any{
					"kms:CallerAccount": "111111111111", "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com",
				}},
			})})},
		})
		cdktest.NoAnnotations(t, stack)
	})
	assert.Equal(t, "arn:aws:kms:eu-west-1:111111111111:alias/stratus/prod/secrets", AliasArn("aws", "eu-west-1", "111111111111", "stratus/prod/secrets"))
}

func TestInvalidAliasesAreRejected(t *testing.T) {
	for name, alias := range map[string]string{"an empty alias": "", "a space": "a b", "the aws/ prefix": "aws/secrets"} {
		t.Run(name, func(t *testing.T) {
			cdktest.NoPanic(t, func() {
				app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
				_, err := NewRegionalKey(awscdk.NewStack(app, jsii.String("Test"), nil), "K", RegionalKeyProps{Alias: alias})
				assert.ErrorContains(t, err, "Alias")
			})
		})
	}
}

// TestMain stops the jsii runtime after the tests, so its temp folder goes with it.
func TestMain(m *testing.M) { cdktest.Main(m) }
