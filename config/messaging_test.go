package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// messagingSection adds sections before dns (line 19 of baseYAML, where they start).
func messagingSection(body string) edit { return edit{"dns:\n", body + "dns:\n"} }

const validMessaging = "users:\n  domainPrefix: test-users\nqueues:\n  - name: orders\n    producers: [web]\n    consumers: [web]\ntopics:\n  - name: events\n    publishers: [web]\n"

func TestMessagingLoadsWithDefaults(t *testing.T) {
	env, err := loadDoc(t, apply(t, baseYAML, []edit{messagingSection(validMessaging)}))
	require.NoError(t, err)
	assert.Equal(t, &Users{DomainPrefix: "test-users", Mfa: "optional", PasswordMinLength: 12, CallbackUrls: []string{"https://example.com/"}}, env.Users)
	assert.Equal(t, []Queue{{Name: "orders", MaxReceiveCount: 5, VisibilityTimeoutSeconds: 30, Producers: []string{"web"}, Consumers: []string{"web"}}}, env.Queues)
	assert.Equal(t, []Topic{{Name: "events", Publishers: []string{"web"}}}, env.Topics)
	assert.True(t, env.HasIntegration())

	apiOnly, err := loadDoc(t, apply(t, baseYAML, []edit{section("cloudfront", "  frontend:\n    enabled: false\n"),
		messagingSection("users:\n  domainPrefix: u\n  callbackUrls: [\"https://app.example.com/callback\"]\n")}))
	require.NoError(t, err, "an API-only edge with its callback URLs")
	assert.Equal(t, []string{"https://app.example.com/callback"}, apiOnly.Users.CallbackUrls)

	plain, err := loadDoc(t, baseYAML)
	require.NoError(t, err)
	assert.False(t, plain.HasIntegration())
}

// TestMessagingErrors: one case per rule of users, queues and topics.
func TestMessagingErrors(t *testing.T) {
	cases := []badInput{
		{"users without a domain prefix", []edit{messagingSection("users:\n  mfa: required\n")},
			[]string{`:19: users.domainPrefix: required: the hosted sign-in's prefix, 1-63 lowercase letters, digits and hyphens, no leading or trailing hyphen, without "aws", "amazon" or "cognito"`}},
		{"a reserved domain prefix", []edit{messagingSection("users:\n  domainPrefix: my-cognito\n")},
			[]string{`:20: users.domainPrefix "my-cognito": not a Cognito domain prefix (allowed: 1-63 lowercase letters, digits and hyphens, no leading or trailing hyphen, without "aws", "amazon" or "cognito")`}},
		{"unknown MFA mode", []edit{messagingSection("users:\n  domainPrefix: u\n  mfa: sms\n")},
			[]string{`:21: users.mfa "sms": unknown MFA mode (allowed: optional, required)`}},
		{"short passwords", []edit{messagingSection("users:\n  domainPrefix: u\n  passwordMinLength: 6\n")},
			[]string{":21: users.passwordMinLength 6: out of range (allowed: 8-99 characters)"}},
		{"plain http callback", []edit{messagingSection("users:\n  domainPrefix: u\n  callbackUrls: [\"http://example.com/\"]\n")},
			[]string{`:21: users.callbackUrls[0] "http://example.com/": not an https URL without a fragment (http only for localhost)`}},
		{"users with an API-only edge and the default callback", []edit{section("cloudfront", "  frontend:\n    enabled: false\n"), messagingSection("users:\n  domainPrefix: u\n")},
			[]string{`:22: users.callbackUrls: required with an API-only edge (cloudfront.frontend.enabled: false): the default, https://<first viewer name>/, would return sign-in to no page; list the URLs of the app that signs in (e.g. [https://app.example.com/callback])`}},
		{"an empty callback list", []edit{messagingSection("users:\n  domainPrefix: u\n  callbackUrls: []\n")},
			[]string{`:21: users.callbackUrls: empty: list at least one URL sign-in may return to, or remove the key for the default https://<first viewer name>/`}},
		{"queue without a name", []edit{messagingSection("queues:\n  - maxReceiveCount: 3\n")},
			[]string{":20: queues[0].name: required: " + limits.ServiceNameRule}},
		{"bad queue name", []edit{messagingSection("queues:\n  - name: Orders\n")},
			[]string{`:20: queues[0].name "Orders": must be ` + limits.ServiceNameRule}},
		{"duplicate queue", []edit{messagingSection("queues:\n  - name: orders\n  - name: orders\n")},
			[]string{`:21: queues[1].name "orders": duplicate of queues[0].name`}},
		{"queues whose names differ only in a hyphen before a digit", []edit{messagingSection("queues:\n  - name: job-1\n  - name: job1\n")},
			[]string{`:21: queues[1].name "job1": gives the same resource ids as queues[0].name "job-1" (names that differ only in a hyphen before a digit collide)`}},
		{"a queue named as another's dead-letter queue", []edit{messagingSection("queues:\n  - name: jobs\n  - name: jobs-dlq\n")},
			[]string{`:21: queues[1].name "jobs-dlq": is the name of queues[0]'s dead-letter queue (jobs-dlq); name the queue otherwise`}},
		{"topics whose names differ only in a hyphen before a digit", []edit{messagingSection("topics:\n  - name: events-2\n  - name: events2\n")},
			[]string{`:21: topics[1].name "events2": gives the same resource ids as topics[0].name "events-2" (names that differ only in a hyphen before a digit collide)`}},
		{"callback URLs beyond Cognito's limits", []edit{messagingSection("users:\n  domainPrefix: u\n  callbackUrls:\n    - https://a.example.com/\n    - https://a.example.com/\n    - https://a.example.com/" + strings.Repeat("x", 1010) + "\n")},
			[]string{`:23: users.callbackUrls[1] "https://a.example.com/": duplicate of users.callbackUrls[0]`, `:24: users.callbackUrls[2]: has 1032 characters (allowed: at most 1024)`}},
		{"more callback URLs than Cognito takes", []edit{messagingSection("users:\n  domainPrefix: u\n  callbackUrls: [" + manyURLs(101) + "]\n")},
			[]string{`:21: users.callbackUrls: has 101 URLs (allowed: at most 100, Cognito's limit for an app client)`}},
		{"more queues and topics than one Integration stack holds", []edit{messagingSection("queues:\n" + manyNames("q", 41) + "topics:\n" + manyNames("t", 31))},
			[]string{`:19: queues: has 41 queues (allowed: at most 40: they share one Integration stack, which CloudFormation holds to 500 resources and 200 outputs)`,
				`:61: topics: has 31 topics (allowed: at most 30: they share one Integration stack, which CloudFormation holds to 500 resources and 200 outputs)`}},
		{"max receives", []edit{messagingSection("queues:\n  - name: orders\n    maxReceiveCount: 0\n")},
			[]string{":21: queues[0].maxReceiveCount 0: out of range (allowed: 1-1000 receives)"}},
		{"visibility timeout", []edit{messagingSection("queues:\n  - name: orders\n    visibilityTimeoutSeconds: 50000\n")},
			[]string{":21: queues[0].visibilityTimeoutSeconds 50000: out of range (allowed: 0-43200 seconds)"}},
		{"unknown consumer", []edit{messagingSection("queues:\n  - name: orders\n    consumers: [billing]\n")},
			[]string{`:21: queues[0].consumers[0] "billing": not a service of this environment (allowed: web)`}},
		{"producer twice", []edit{messagingSection("queues:\n  - name: orders\n    producers: [web, web]\n")},
			[]string{`:21: queues[0].producers[1] "web": listed twice`}},
		{"duplicate topic", []edit{messagingSection("topics:\n  - name: events\n  - name: events\n")},
			[]string{`:21: topics[1].name "events": duplicate of topics[0].name`}},
		{"unknown publisher tier", []edit{ec2, messagingSection("topics:\n  - name: events\n    publishers: [worker]\n")},
			[]string{`:23: topics[0].publishers[0] "worker": not a tier of this environment (allowed: web, app)`}},
	}
	assertRejected(t, cases)
}

// manyURLs is n distinct https URLs, comma-separated.
func manyURLs(n int) string {
	urls := make([]string, n)
	for i := range urls {
		urls[i] = fmt.Sprintf("https://a.example.com/%d", i)
	}
	return strings.Join(urls, ", ")
}

// manyNames is a YAML list of n items named <prefix>0, <prefix>1, …
func manyNames(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - name: %s%d\n", prefix, i)
	}
	return b.String()
}
