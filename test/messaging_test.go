package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// devMessaging is the fixture dev environment (Fargate services product, order, user) with a
// user pool, a queue order → user and a topic product publishes.
var devMessaging = newVariant("dev with messaging", func() ([]*config.Environment, error) {
	env, err := fixture("dev")
	if err != nil {
		return nil, err
	}
	env.Users = &config.Users{DomainPrefix: "stratus-dev-users", Mfa: "required", PasswordMinLength: 14, CallbackUrls: []string{"https://dev.example.com/"}}
	env.Queues = []config.Queue{{Name: "orders", MaxReceiveCount: 4, VisibilityTimeoutSeconds: 30, Producers: []string{"order"}, Consumers: []string{"user"}}}
	env.Topics = []config.Topic{{Name: "catalog", Publishers: []string{"product"}}}
	return []*config.Environment{env}, nil
})

// DevWithMessaging is devMessaging synthesized.
func DevWithMessaging(t testing.TB) *Assembly { return devMessaging.Assembly(t) }

// TestMessagingIsGrantedToExactlyTheServicesConfigNames: with Fargate, each task role gets what
// config names for its service and nothing else; the whole assembly passes the suite.
func TestMessagingIsGrantedToExactlyTheServicesConfigNames(t *testing.T) {
	a := DevWithMessaging(t)
	runSuite(t, a)
	require.Contains(t, a.StackNames(), "Dev-Integration-us-east-1")
	grants := map[string]string{}
	for _, svc := range []string{"product", "order", "user"} {
		tpl := a.Template(t, "Dev-Service-"+svc+"-us-east-1")
		_, policies := tpl.OfType("AWS::IAM::ManagedPolicy")
		grants[svc] = jsonOf(policies)
	}
	assert.Contains(t, grants["order"], "sqs:SendMessage")
	assert.Contains(t, grants["user"], "sqs:ReceiveMessage")
	assert.Contains(t, grants["product"], "sns:Publish")
	for svc, g := range grants {
		if svc != "order" {
			assert.NotContains(t, g, "sqs:SendMessage", svc)
		}
		if svc != "user" {
			assert.NotContains(t, g, "sqs:ReceiveMessage", svc)
		}
		if svc != "product" {
			assert.NotContains(t, g, "sns:Publish", svc)
		}
	}
	_, pools := a.Template(t, "Dev-Integration-us-east-1").OfType("AWS::Cognito::UserPool")
	require.Len(t, pools, 1)
	for _, p := range pools {
		assert.Equal(t, "ON", str(p.Properties["MfaConfiguration"]), "users.mfa: required")
	}
}
