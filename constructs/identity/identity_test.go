package identity

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir                string
	optional, required awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "identity-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, optional: cdktest.NewStack(app, "Optional", "us-east-1"), required: cdktest.NewStack(app, "Required", "us-east-1")}
		if _, err := NewUserPool(s.optional, "Users", UserPoolProps{DomainPrefix: "shop-users", CallbackUrls: []string{"https://shop.example.com/", "http://localhost:3000/"}}); err != nil {
			return nil, err
		}
		_, err := NewUserPool(s.required, "Users", UserPoolProps{DomainPrefix: "shop-admins", CallbackUrls: []string{"https://admin.example.com/"}, MfaRequired: true, PasswordMinLength: 16})
		return s, err
	})
}

func TestGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.optional, s.required)
}

func TestPoolsFollowTheirProps(t *testing.T) {
	s := synth(t)
	for stack, want := range map[awscdk.Stack]struct {
		mfa string
		min float64
	}{s.optional: {"OPTIONAL", 12}, s.required: {"ON", 16}} {
		tpl := cdktest.Template(t, stack)
		_, pool := cdktest.Only(t, tpl, "AWS::Cognito::UserPool")
		p := cdktest.Props(t, pool)
		assert.Equal(t, "Retain", pool["DeletionPolicy"], "the users outlive the stack")
		assert.Equal(t, "ACTIVE", p["DeletionProtection"], "nor can the pool be deleted by hand")
		assert.Equal(t, want.mfa, p["MfaConfiguration"])
		policy := cdktest.Path[map[string]any](t, p, "Policies", "PasswordPolicy")
		assert.Equal(t, want.min, policy["MinimumLength"])
		for _, k := range []string{"RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols"} {
			assert.Equal(t, true, policy[k], k)
		}
		assert.Equal(t, "PLUS", p["UserPoolTier"], "threat protection needs the Plus plan")
		assert.Equal(t, "ENFORCED", cdktest.Path[string](t, p, "UserPoolAddOns", "AdvancedSecurityMode"))

		_, client := cdktest.Only(t, tpl, "AWS::Cognito::UserPoolClient")
		c := cdktest.Props(t, client)
		assert.Equal(t, false, c["GenerateSecret"], "a public client: PKCE, no secret")
		assert.Equal(t, []any{"code"}, c["AllowedOAuthFlows"], "the code grant only (no implicit flow)")
		_, domain := cdktest.Only(t, tpl, "AWS::Cognito::UserPoolDomain")
		require.NotEmpty(t, cdktest.Props(t, domain)["Domain"])
	}
}

func TestPropsRejected(t *testing.T) {
	valid := func() UserPoolProps {
		return UserPoolProps{DomainPrefix: "shop", CallbackUrls: []string{"https://shop.example.com/"}}.withDefaults()
	}
	cdktest.Rejects(t, valid, UserPoolProps.validate, []cdktest.Invalid[UserPoolProps]{
		{Name: "reserved prefix", Mutate: func(p *UserPoolProps) { p.DomainPrefix = "shop-cognito" }, Want: `DomainPrefix "shop-cognito"`},
		{Name: "no callback", Mutate: func(p *UserPoolProps) { p.CallbackUrls, p.LogoutUrls = nil, nil }, Want: "CallbackUrls is empty"},
		{Name: "plain http", Mutate: func(p *UserPoolProps) { p.CallbackUrls = []string{"http://shop.example.com/"} }, Want: `CallbackUrls[0] "http://shop.example.com/"`},
		{Name: "logout", Mutate: func(p *UserPoolProps) { p.LogoutUrls = []string{"ftp://x"} }, Want: `LogoutUrls[0] "ftp://x"`},
		{Name: "short password", Mutate: func(p *UserPoolProps) { p.PasswordMinLength = 6 }, Want: "PasswordMinLength 6"},
	})
}
