package bootstrap

import (
	"maps"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestRolesFollowTheAppsQualifier(t *testing.T) {
	cases := []struct {
		name      string
		context   map[string]any
		qualifier string
	}{
		{"without the context, the CDK default", map[string]any{}, "hnb659fds"},
		{"with the context, a fork's own qualifier", map[string]any{QualifierContext: "custom123"}, "custom123"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cdktest.NoPanic(t, func() {
				ctx := cdktest.Context() // cdk.json's feature flags, as the app has them
				maps.Copy(ctx, c.context)
				app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: &ctx})
				stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
					Env: &awscdk.Environment{Account: jsii.String("222222222222"), Region: jsii.String("us-west-2")},
				})
				assert.Equal(t, c.qualifier, Qualifier(stack))
				assert.Equal(t, "cdk-"+c.qualifier+"-deploy-role-333333333333-eu-west-1", RoleName(stack, "deploy", "333333333333", "eu-west-1"))
				assert.Equal(t, "arn:aws:iam::333333333333:role/cdk-"+c.qualifier+"-lookup-role-333333333333-eu-west-1",
					stack.Resolve(jsii.String(RoleArn(stack, "lookup", "333333333333", "eu-west-1"))),
					"the partition of a stack in a known region is literal with the app's flags")
			})
		})
	}
}

// TestMain is cdktest's: the kernel without its relay, and the jsii runtime stopped at the end.
func TestMain(m *testing.M) { cdktest.Main(m) }
