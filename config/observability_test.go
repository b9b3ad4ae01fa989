package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// obs adds an observability section (its first body line is line 20) to baseYAML.
func obs(body string) []edit { return []edit{section("observability", body)} }

// TestObservabilityErrors has one bad input per rule of config/observability.go.
func TestObservabilityErrors(t *testing.T) {
	cases := []badInput{
		{"a runbook base URL too long for the alarms' descriptions", obs("  runbookBaseUrl: https://git.example.com/" + strings.Repeat("a", 950) + "\n"),
			[]string{`:20: observability.runbookBaseUrl: has 974 characters (allowed: at most 512: every alarm's description, which CloudWatch holds to 1024, ends with a runbook's address under it)`}},
		{"a runbook base URL that is not https", obs("  runbookBaseUrl: http://wiki.example.com/runbooks\n"),
			[]string{`:20: observability.runbookBaseUrl "http://wiki.example.com/runbooks": must be an https:// URL without credentials (e.g. "https://github.com/acme/stratus/blob/main/runbooks")`}},
		{"an e-mail without a domain", obs("  notifications:\n    emails: [oncall]\n"),
			[]string{`:21: observability.notifications.emails[0] "oncall": not an e-mail address (e.g. oncall@example.com)`}},
		{"an e-mail given twice", obs("  notifications:\n    emails: [a@example.com, a@example.com]\n"),
			[]string{`:21: observability.notifications.emails[1] "a@example.com": repeats emails[0]`}},
		{"an HTTP endpoint", obs("  notifications:\n    httpsEndpoints: [http://events.example.com/x]\n"),
			[]string{`:21: observability.notifications.httpsEndpoints[0] "http://events.example.com/x": must be an https:// URL without credentials in the user part`}},
		{"an HTTPS endpoint given twice", obs("  notifications:\n    httpsEndpoints: [https://e.example.com, https://e.example.com]\n"),
			[]string{`:21: observability.notifications.httpsEndpoints[1] "https://e.example.com": repeats httpsEndpoints[0]`}},
		{"too many subscriptions", obs("  notifications:\n    emails: [" + manyEmails(limits.MaxSubscriptions+1) + "]\n"),
			[]string{`:20: observability.notifications: 21 subscriptions: too many (allowed: at most 20 e-mail and HTTPS subscriptions together; subscribe a list or a paging service instead)`}},
		{"a Slack channel without ids", obs("  notifications:\n    slack: {}\n"),
			[]string{
				`:21: observability.notifications.slack.workspaceId: required: the Slack team id, e.g. T0123ABCD`,
				`:21: observability.notifications.slack.channelId: required: the Slack channel id, e.g. C0123ABCD`,
			}},
		{"a bad Slack team id", obs("  notifications:\n    slack: {workspaceId: team1, channelId: C0123ABCD}\n"),
			[]string{`:21: observability.notifications.slack.workspaceId "team1": not a Slack team id (allowed: T and 2-20 capital letters or digits)`}},
		{"a bad Slack channel id", obs("  notifications:\n    slack: {workspaceId: T0123ABCD, channelId: general}\n"),
			[]string{`:21: observability.notifications.slack.channelId "general": not a Slack channel id (allowed: C or G and 2-20 capital letters or digits)`}},
		{"an availability objective of 100 %", obs("  slo:\n    availability: 100\n"),
			[]string{`:21: observability.slo.availability 100: out of range (allowed: 93.1-99.999 percent)`}},
		{"a latency objective below 90 %", obs("  slo:\n    latency: 80\n"),
			[]string{`:21: observability.slo.latency 80: out of range (allowed: 93.1-99.999 percent)`}},
		{"an objective whose fast-burn page could never fire", obs("  slo:\n    availability: 93\n"),
			[]string{`:21: observability.slo.availability 93: out of range (allowed: 93.1-99.999 percent)`}},
		{"a latency threshold of 5 ms", obs("  slo:\n    latencyThresholdMs: 5\n"),
			[]string{`:21: observability.slo.latencyThresholdMs 5: out of range (allowed: 10-60000 milliseconds)`}},
		{"an SLO window of a year", obs("  slo:\n    windowDays: 365\n"),
			[]string{`:21: observability.slo.windowDays 365: out of range (allowed: 7-90 days)`}},
		{"an alarm outside the catalog", obs("  alarms:\n    diskFull: {threshold: 1}\n"),
			[]string{`:21: observability.alarms["diskFull"]: no such alarm (allowed: ` + joinNames() + `)`}},
		{"a negative threshold", obs("  alarms:\n    target5xxRate: {threshold: -1}\n"),
			[]string{`:21: observability.alarms["target5xxRate"].threshold -1: must not be negative (unit: % of requests)`}},
		{"zero evaluation periods", obs("  alarms:\n    target5xxRate: {periods: 0}\n"),
			[]string{`:21: observability.alarms["target5xxRate"].periods 0: out of range (allowed: 1-24 periods)`}},
		{"a period CloudWatch alarms do not offer here", obs("  alarms:\n    target5xxRate: {periodSeconds: 120}\n"),
			[]string{`:21: observability.alarms["target5xxRate"].periodSeconds 120: not an alarm period (allowed: 60, 300, 900, 3600)`}},
		{"an unknown missing-data treatment", obs("  alarms:\n    cacheCpu: {missingData: zero}\n"),
			[]string{`:21: observability.alarms["cacheCpu"].missingData "zero": not a missing-data treatment (allowed: notBreaching, ignore, missing, breaching)`}},
		{"a paging alarm breaching on missing data", obs("  alarms:\n    healthCheckFailed: {missingData: breaching}\n"),
			[]string{`:21: observability.alarms["healthCheckFailed"].missingData "breaching": healthCheckFailed pages, and an idle environment sends no data: it would page for nothing (allowed here: notBreaching, ignore, missing)`}},
		{"an unknown override key", obs("  alarms:\n    cacheCpu: {limit: 3}\n"),
			[]string{`:21: observability.alarms["cacheCpu"].limit: unknown key (allowed: threshold, periods, periodSeconds, missingData)`}},
	}
	assertRejected(t, cases)
}

// protect turns terminationProtection on in baseYAML.
var protect = edit{"name: test\n", "name: test\nterminationProtection: true\n"}

func TestAProtectedEnvironmentPagesSomeone(t *testing.T) {
	const noOne = "observability.notifications: no subscription, and terminationProtection is true: the environment's alarms would page no one " +
		"(add emails, httpsEndpoints or slack, e.g. notifications: {emails: [oncall@example.com]})"
	assertRejected(t, []badInput{
		{"a protected environment without observability", []edit{protect}, []string{": " + noOne}},
		{"a protected environment with empty lists", []edit{protect, section("observability", "  notifications:\n    emails: []\n    httpsEndpoints: []\n")},
			[]string{":21: " + noOne}},
	})
	for _, tc := range []struct {
		name  string
		edits []edit
	}{
		{"an unprotected environment may page no one", nil},
		{"an e-mail is enough", []edit{protect, section("observability", "  notifications:\n    emails: [oncall@example.com]\n")}},
		{"an HTTPS endpoint is enough", []edit{protect, section("observability", "  notifications:\n    httpsEndpoints: [https://events.example.com/x]\n")}},
		{"a Slack channel is enough", []edit{protect, section("observability", "  notifications:\n    slack: {workspaceId: T0123ABCD, channelId: C0123ABCD}\n")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, tc.edits)))
			assert.NoError(t, err)
		})
	}
}

// manyEmails lists n distinct addresses.
func manyEmails(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("oncall%d@example.com", i)
	}
	return strings.Join(out, ", ")
}

func joinNames() string { return strings.Join(limits.AlarmNames(), ", ") }

func TestObservabilityDefaultsAndOverrides(t *testing.T) {
	p := writeFile(t, repository(t), "test.yaml", baseYAML)
	env, err := Load(p)
	require.NoError(t, err)
	o := env.Observability
	assert.Equal(t, SLO{Availability: 99.9, Latency: 99.9, LatencyThresholdMs: 1000, WindowDays: 30}, o.SLO)
	assert.Equal(t, limits.Alarms[0], o.Alarm(limits.Alarms[0].Name), "no override: the catalog entry")
	for _, a := range limits.Alarms {
		assert.NotEqual(t, limits.MissingBreaching, a.MissingData, "%s: an idle environment must not alarm by default", a.Name)
	}

	p = writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, obs("  alarms:\n    cacheCpu: {threshold: 90, periods: 24, periodSeconds: 3600, missingData: ignore}\n")))
	env, err = Load(p)
	require.NoError(t, err)
	got := env.Observability.Alarm("cacheCpu")
	assert.Equal(t, []any{90.0, 24, 3600, limits.MissingIgnore}, []any{got.Threshold, got.Periods, got.PeriodSeconds, got.MissingData})
	assert.Panics(t, func() { env.Observability.Alarm("nope") })
}
