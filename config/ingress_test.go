package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

func TestIngressDefaultsToTheALB(t *testing.T) {
	env, err := loadDoc(t, baseYAML)
	require.NoError(t, err)
	assert.Equal(t, "alb", env.Ingress.Mode)
	assert.False(t, env.UsesAPI())
}

func TestIngressAPILoadsWithDefaults(t *testing.T) {
	env, err := loadDoc(t, apply(t, baseYAML, []edit{section("ingress", "  mode: api\n")}))
	require.NoError(t, err)
	assert.True(t, env.UsesAPI())
	assert.Equal(t, ApiThrottling{RateLimit: 1000, BurstLimit: 2000}, env.Ingress.Api.Throttling)
	assert.Nil(t, env.Ingress.Api.Jwt)

	env, err = loadDoc(t, apply(t, baseYAML, []edit{section("ingress",
		"  mode: api\n  api:\n    throttling: {rateLimit: 50, burstLimit: 100}\n    jwt:\n      issuer: https://issuer.example.com/\n      audiences: [client-a]\n")}))
	require.NoError(t, err)
	assert.Equal(t, ApiThrottling{RateLimit: 50, BurstLimit: 100}, env.Ingress.Api.Throttling)
	assert.Equal(t, &Jwt{Issuer: "https://issuer.example.com/", Audiences: []string{"client-a"}}, env.Ingress.Api.Jwt)
}

// TestIngressErrors: one line per bad input (the ingress section starts at line 19).
func TestIngressErrors(t *testing.T) {
	api := func(body string) edit { return section("ingress", "  mode: api\n"+body) }
	cases := []badInput{
		{"unknown mode", []edit{section("ingress", "  mode: nlb\n")},
			[]string{`:20: ingress.mode "nlb": unknown ingress mode (allowed: alb, api)`}},
		{"api settings with the ALB", []edit{section("ingress", "  api:\n    throttling: {rateLimit: 5}\n")},
			[]string{`:20: ingress.api: applies only with ingress.mode api (the mode is "alb"): set ingress.mode: api or remove api`}},
		{"rate out of range", []edit{api("  api:\n    throttling: {rateLimit: 20000}\n")},
			[]string{":22: ingress.api.throttling.rateLimit 20000: out of range (allowed: 1-10000 requests per second)"}},
		{"burst out of range", []edit{api("  api:\n    throttling:\n      burstLimit: 0\n")},
			[]string{":23: ingress.api.throttling.burstLimit 0: out of range (allowed: 1-5000 requests)"}},
		{"issuer over http", []edit{api("  api:\n    jwt:\n      issuer: http://issuer.example.com\n      audiences: [a]\n")},
			[]string{`:23: ingress.api.jwt.issuer "http://issuer.example.com": not an https:// URL (allowed: an OIDC issuer's https URL, e.g. "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123")`}},
		{"jwt without audiences", []edit{api("  api:\n    jwt:\n      issuer: https://issuer.example.com\n")},
			[]string{`:22: ingress.api.jwt.audiences: required: the accepted audiences (client ids), e.g. [my-client-id]`}},
		{"duplicate audience", []edit{api("  api:\n    jwt:\n      issuer: https://issuer.example.com\n      audiences: [a, a]\n")},
			[]string{`:24: ingress.api.jwt.audiences[1] "a": duplicate of audiences[0]`}},
		{"an empty audience list", []edit{api("  api:\n    jwt:\n      issuer: https://issuer.example.com\n      audiences: []\n")},
			[]string{`:24: ingress.api.jwt.audiences: has 0 entries (allowed: 1-50)`}},
		{"too many audiences", []edit{api("  api:\n    jwt:\n      issuer: https://issuer.example.com\n      audiences: [" + numbered("client", 51) + "]\n")},
			[]string{`:24: ingress.api.jwt.audiences: has 51 entries (allowed: 1-50)`}},
		// An empty audience would make the authorizer's audience check accept a token without one.
		{"an empty audience", []edit{api("  api:\n    jwt:\n      issuer: https://issuer.example.com\n      audiences: [client, \"\"]\n")},
			[]string{`:24: ingress.api.jwt.audiences[1]: empty (allowed: a client id or audience string)`}},
		{"a pattern no route can express", []edit{api(""), svc("    pathPattern: /api/*/orders\n")},
			[]string{`:17: services[0].pathPattern "/api/*/orders": an HTTP API route cannot express it (ingress.mode api; allowed: ` + limits.ApiPathPatternRule + `)`}},
		{"api mode with EC2 tiers", []edit{ec2, api("")},
			[]string{`:22: ingress.mode "api": the HTTP API reaches Fargate services through Cloud Map; compute "ec2" has none (allowed with compute ec2: alb)`}},
		// The API's custom domain is <region>.origin.<dns.domain>: without a domain the dns
		// section's own requirement is the one line.
		{"api mode without a domain", []edit{api(""), {"  domain: example.com\n", ""}},
			[]string{`:21: dns.domain: required: the environment's domain name, e.g. example.com (CloudFront serves it, the API origin is origin.<domain>)`}},
	}
	assertRejected(t, cases)
}

func TestApiRouteKeys(t *testing.T) {
	for pattern, key := range map[string]string{
		"/*": "$default", "/api/orders/*": "ANY /api/orders/{proxy+}", "/status": "ANY /status",
	} {
		assert.True(t, limits.ValidApiPathPattern(pattern), pattern)
		assert.Equal(t, key, limits.ApiRouteKey(pattern), pattern)
	}
	for _, bad := range []string{"/api/*/x", "/a?c/*", "*", "/api/orders*"} {
		assert.False(t, limits.ValidApiPathPattern(bad), bad)
	}
}

// numbered is n distinct YAML flow-list items: prefix0, prefix1, …
func numbered(prefix string, n int) string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return strings.Join(items, ", ")
}
