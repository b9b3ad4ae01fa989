package config

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Observability (yaml "observability") is what the platform tells on-call: the alarms of every
// tier (limits.Alarms, thresholds overridable here), the SLOs with their burn-rate alarms, the
// notification topic's subscriptions and where the runbooks are.
type Observability struct {
	// RunbookBaseURL (yaml "runbookBaseUrl", default "": the repository path runbooks/) is the
	// https:// URL alarm descriptions put before a runbook's file name, e.g. the runbooks/
	// folder of your fork on your Git host.
	RunbookBaseURL string `yaml:"runbookBaseUrl"`
	// Notifications (yaml "notifications") are the subscriptions of every topic of the environment;
	// at least one when terminationProtection is true.
	Notifications Notifications `yaml:"notifications"`
	// SLO (yaml "slo") are the objectives of every service.
	SLO SLO `yaml:"slo"`
	// Alarms (yaml "alarms", default {}) overrides catalog alarms by name
	// (limits.AlarmNames()). Never nil.
	Alarms map[string]AlarmOverride `yaml:"alarms"`
}

// Notifications are a topic's subscriptions. Every alarm and OK transition is sent to them.
type Notifications struct {
	// Emails (yaml "emails", default []) each get an e-mail subscription (confirmed by the
	// recipient).
	Emails []string `yaml:"emails"`
	// HTTPSEndpoints (yaml "httpsEndpoints", default []) each get an HTTPS subscription (e.g. a
	// paging service's CloudWatch integration URL).
	HTTPSEndpoints []string `yaml:"httpsEndpoints"`
	// Slack (yaml "slack", default none) adds an AWS Chatbot Slack channel; the workspace must
	// have been authorised in the Chatbot console once.
	Slack *Slack `yaml:"slack"`
}

// Slack names an AWS Chatbot Slack channel.
type Slack struct {
	// WorkspaceID (yaml "workspaceId", required) is the Slack team id, e.g. T0123ABCD.
	WorkspaceID string `yaml:"workspaceId" jsonschema:"required"`
	// ChannelID (yaml "channelId", required) is the channel id, e.g. C0123ABCD.
	ChannelID string `yaml:"channelId" jsonschema:"required"`
}

// SLO are the service-level objectives every service gets, in percent over WindowDays.
type SLO struct {
	// Availability (yaml "availability", default 99.9) is the share of requests, in percent,
	// that must not get a 5xx from the service's targets.
	Availability float64 `yaml:"availability"`
	// Latency (yaml "latency", default 99.9) is the share of requests, in percent, that must be
	// answered within LatencyThresholdMs.
	Latency float64 `yaml:"latency"`
	// LatencyThresholdMs (yaml "latencyThresholdMs", default 1000) is the latency SLO's bound.
	LatencyThresholdMs int `yaml:"latencyThresholdMs"`
	// WindowDays (yaml "windowDays", default 30) is the SLO period the error budget is spent over.
	WindowDays int `yaml:"windowDays"`
}

// AlarmOverride changes one catalog alarm; an absent key keeps the catalog's default.
type AlarmOverride struct {
	Threshold     *float64 `yaml:"threshold"`
	Periods       *int     `yaml:"periods"`
	PeriodSeconds *int     `yaml:"periodSeconds"`
	MissingData   *string  `yaml:"missingData"`
}

// defaultObservability is the section's default: no subscriptions, 99.9 % over 30 days.
func defaultObservability() Observability {
	return Observability{
		Notifications: Notifications{Emails: []string{}, HTTPSEndpoints: []string{}},
		SLO: SLO{
			Availability: limits.DefaultSLOObjective, Latency: limits.DefaultSLOObjective,
			LatencyThresholdMs: limits.DefaultLatencyTarget, WindowDays: limits.DefaultSLOWindowDays,
		},
		Alarms: map[string]AlarmOverride{},
	}
}

// Alarm returns the catalog alarm called name with the file's overrides applied. It panics on
// a name outside the catalog: that is a programming error, not bad input.
func (o Observability) Alarm(name string) limits.Alarm {
	a, ok := limits.LookupAlarm(name)
	if !ok {
		panic("config: no catalog alarm " + name)
	}
	ov := o.Alarms[name]
	a.Threshold = or(ov.Threshold, a.Threshold)
	a.Periods = or(ov.Periods, a.Periods)
	a.PeriodSeconds = or(ov.PeriodSeconds, a.PeriodSeconds)
	a.MissingData = or(ov.MissingData, a.MissingData)
	return a
}

var (
	// emailRE is deliberately loose: SNS sends a confirmation, which is the real check.
	emailRE       = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	slackTeamRE   = regexp.MustCompile(`^T[A-Z0-9]{2,20}$`)
	slackChanRE   = regexp.MustCompile(`^[CG][A-Z0-9]{2,20}$`)
	sloPercentMsg = fmt.Sprintf("%s-%s percent", formatFloat(limits.MinSLOObjective), formatFloat(limits.MaxSLOObjective))
)

func (v *validator) observability() {
	const p = "observability"
	o := &v.env.Observability
	switch {
	case !v.given(p+".runbookBaseUrl", ""):
	case !httpsURL(o.RunbookBaseURL):
		v.errorf("%s.runbookBaseUrl %q: must be an https:// URL without credentials (e.g. \"https://github.com/acme/stratus/blob/main/runbooks\")", p, o.RunbookBaseURL)
	case len(o.RunbookBaseURL) > limits.MaxRunbookBaseURLLength:
		// Every alarm's description (1024 characters at most) ends with its runbook's URL.
		v.errorf("%s.runbookBaseUrl: has %d characters (allowed: at most %d: every alarm's description, which CloudWatch holds to 1024, ends with a runbook's address under it)",
			p, len(o.RunbookBaseURL), limits.MaxRunbookBaseURLLength)
	}
	n := o.Notifications
	for i, e := range n.Emails {
		path := fmt.Sprintf("%s.notifications.emails[%d]", p, i)
		if !emailRE.MatchString(e) {
			v.errorf("%s %q: not an e-mail address (e.g. oncall@example.com)", path, e)
		} else if j, dup := earlier(n.Emails, i); dup {
			v.errorf("%s %q: repeats emails[%d]", path, e, j)
		}
	}
	for i, u := range n.HTTPSEndpoints {
		path := fmt.Sprintf("%s.notifications.httpsEndpoints[%d]", p, i)
		if !httpsURL(u) {
			v.errorf("%s %q: must be an https:// URL without credentials in the user part", path, u)
		} else if j, dup := earlier(n.HTTPSEndpoints, i); dup {
			v.errorf("%s %q: repeats httpsEndpoints[%d]", path, u, j)
		}
	}
	total := len(n.Emails) + len(n.HTTPSEndpoints)
	if total > limits.MaxSubscriptions {
		v.errorf("%s.notifications: %d subscriptions: too many (allowed: at most %d e-mail and HTTPS subscriptions together; subscribe a list or a paging service instead)", p, total, limits.MaxSubscriptions)
	}
	if s := n.Slack; s != nil {
		if v.given(p+".notifications.slack.workspaceId", "the Slack team id, e.g. T0123ABCD") && !slackTeamRE.MatchString(s.WorkspaceID) {
			v.errorf("%s.notifications.slack.workspaceId %q: not a Slack team id (allowed: T and 2-20 capital letters or digits)", p, s.WorkspaceID)
		}
		if v.given(p+".notifications.slack.channelId", "the Slack channel id, e.g. C0123ABCD") && !slackChanRE.MatchString(s.ChannelID) {
			v.errorf("%s.notifications.slack.channelId %q: not a Slack channel id (allowed: C or G and 2-20 capital letters or digits)", p, s.ChannelID)
		}
	}
	if v.env.TerminationProtection && total == 0 && n.Slack == nil &&
		!v.d.bad["terminationProtection"] && !v.d.bad[p+".notifications"] {
		// A protected environment is one people depend on: its pages must reach someone.
		v.errorf("%s.notifications: no subscription, and terminationProtection is true: the environment's alarms would page no one (add emails, httpsEndpoints or slack, e.g. notifications: {emails: [oncall@example.com]})", p)
	}
	v.slo(p + ".slo")
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range o.Alarms {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		v.alarmOverride(fmt.Sprintf("%s.alarms[%q]", p, name), name, o.Alarms[name])
	}
}

func (v *validator) slo(p string) {
	s := v.env.Observability.SLO
	for _, k := range []struct {
		key string
		x   float64
	}{{"availability", s.Availability}, {"latency", s.Latency}} {
		path := p + "." + k.key
		if v.d.has(path) && !v.d.bad[path] && (k.x < limits.MinSLOObjective || k.x > limits.MaxSLOObjective) {
			v.errorf("%s %s: out of range (allowed: %s)", path, formatFloat(k.x), sloPercentMsg)
		}
	}
	v.intRange(p+".latencyThresholdMs", "", s.LatencyThresholdMs, limits.MinLatencyTarget, limits.MaxLatencyTarget, "milliseconds")
	v.intRange(p+".windowDays", "", s.WindowDays, limits.MinSLOWindowDays, limits.MaxSLOWindowDays, "days")
}

func (v *validator) alarmOverride(p, name string, ov AlarmOverride) {
	a, ok := limits.LookupAlarm(name)
	if !ok {
		v.errorf("%s: no such alarm (allowed: %s)", p, strings.Join(limits.AlarmNames(), ", "))
		return
	}
	if t := ov.Threshold; t != nil && !v.d.bad[p+".threshold"] && *t < 0 {
		v.errorf("%s.threshold %s: must not be negative (unit: %s)", p, formatFloat(*t), a.Unit)
	}
	// MaxAlarmPeriods of the longest period is a day, the longest window CloudWatch evaluates.
	v.intRange(p+".periods", "", or(ov.Periods, a.Periods), 1, limits.MaxAlarmPeriods, "periods")
	if ov.PeriodSeconds != nil {
		oneOf(v, p+".periodSeconds", *ov.PeriodSeconds, limits.AlarmPeriodSeconds, "not an alarm period")
	}
	if m := ov.MissingData; m != nil && oneOf(v, p+".missingData", *m, limits.MissingDataTreatments, "not a missing-data treatment") &&
		*m == limits.MissingBreaching && a.Severity == limits.SeverityPage {
		v.errorf("%s.missingData %q: %s pages, and an idle environment sends no data: it would page for nothing (allowed here: %s, %s, %s)",
			p, *m, name, limits.MissingNotBreaching, limits.MissingIgnore, limits.MissingMissing)
	}
}

// httpsURL reports whether s is an https:// URL with a host and no user part.
func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil
}
