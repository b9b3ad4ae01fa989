package limits

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNamePredicates(t *testing.T) {
	for _, tc := range []struct {
		name  string
		valid func(string) bool
		ok    []string
		bad   []string
	}{
		{"service name", ValidServiceName,
			[]string{"web", "a", "order-v2", "a" + strings.Repeat("b", 30)},
			[]string{"", "Web", "2web", "-web", "web_1", "a" + strings.Repeat("b", 31)}},
		{"path pattern", ValidPathPattern,
			[]string{"/", "/api/web/*", "/a?c", "/" + strings.Repeat("a", 127)},
			[]string{"", "api/*", "/a#b", "/a b", "/santé", "/" + strings.Repeat("a", 128)}},
		{"health-check path", ValidHealthCheckPath,
			[]string{"/health", "/health#ready", "/a?b=c", "/" + strings.Repeat("a", MaxTargetHealthCheckPathLength-1)},
			[]string{"", "health", "/santé", "/health check", "/health/*", "/a\tb", "/" + strings.Repeat("a", MaxTargetHealthCheckPathLength)}},
		{"secret name", ValidSecretName,
			[]string{"stratus/prod/otlp", "a", "a+b=c.d@e-f_g", strings.Repeat("a", 512)},
			[]string{"", "a b", "a:b", strings.Repeat("a", 513)}},
		{"rule name", ValidRuleName,
			[]string{"SizeRestrictions_BODY", "a-b", strings.Repeat("a", 128)},
			[]string{"", "Size Restrictions", "a:b", strings.Repeat("a", 129)}},
		{"region name", ValidRegionName,
			[]string{"us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "us-isob-east-1"},
			[]string{"", "us-east", "US-EAST-1", "useast1", "us-east-1a"}},
		{"origin header name", ValidOriginHeaderName,
			[]string{"X-Origin-Verify", "a", "x" + strings.Repeat("-a", 19) + "b"},
			[]string{"", "-x", "X Origin", "Host", "X-Amz-Secret", "x-edge-a", "x" + strings.Repeat("a", 40)}},
		{"domain name", ValidDomainName,
			[]string{"example.com", "dev.stratus.example.com", "xn--bcher-kva.de", "a.b2"},
			[]string{"", "localhost", "stratus.x", "stratus.9z", "Example.com", "example.com.", "-a.com", "a..com", strings.Repeat("a.", 126) + "com"}},
	} {
		for _, s := range tc.ok {
			assert.True(t, tc.valid(s), "%s %q is valid", tc.name, s)
		}
		for _, s := range tc.bad {
			assert.False(t, tc.valid(s), "%s %q is not valid", tc.name, s)
		}
	}
	assert.True(t, ValidDNSName("internal", 1), "a namespace may have one label")
	assert.False(t, ValidDNSName("internal", 2))
}
