// Package alarms provides Alarms: a set of CloudWatch alarms over given metrics, each naming its
// severity and runbook, with alarm and OK actions, and optionally a composite alarm over them
// (and over alarms made elsewhere) that pages for the set as a whole.
//
// The package knows no tier: callers pass the metrics (values), thresholds and windows, so the
// same construct watches a service, a load balancer, a database or a NAT gateway. The alarms are
// exposed by name, so other features (e.g. ECS deployment alarms) can reuse them.
package alarms

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Spec is one alarm.
type Spec struct {
	// Name is the alarm's short name, unique in the set, e.g. "target5xxRate"; the alarm is
	// called "<Prefix>-<Name>".
	Name string
	// Metric is what the alarm evaluates, with its statistic and period.
	Metric cw.IMetric
	// Threshold is compared with Metric: at or above it breaches, or below it when Below is set.
	Threshold float64
	// Below makes values under Threshold breach.
	// Default: false.
	Below bool
	// Periods is the number of periods evaluated (and that must breach), 1-24.
	Periods int
	// MissingData is a limits.MissingDataTreatments value.
	// Default: notBreaching.
	MissingData string
	// Severity is limits.SeverityPage or limits.SeverityTicket.
	Severity string
	// Runbook is a file name of limits.Runbooks.
	Runbook string
	// What says in words what breaches; it opens the description.
	What string
}

// Composite is an alarm in ALARM when any of its members is.
type Composite struct {
	// Name is the composite's short name, e.g. "serviceUnhealthy".
	Name string
	// Members are names of the set's specs.
	// Default: none (then Others must not be empty).
	Members []string
	// Others are alarms made elsewhere (e.g. in another stack of the same region).
	// Default: none.
	Others []cw.IAlarm
	// Severity, Runbook and What as in Spec.
	Severity, Runbook, What string
}

// AlarmsProps configures Alarms.
type AlarmsProps struct {
	// Prefix starts every alarm name, e.g. "stratus-prod-us-east-1-checkout": letters, digits,
	// . _ and -, at most 200 characters.
	Prefix string
	// Specs are the alarms.
	// Default: none.
	Specs []Spec
	// Composite adds a composite alarm.
	// Default: none.
	Composite *Composite
	// Action receives every alarm's ALARM and OK transitions.
	Action cw.IAlarmAction
	// RunbookBase is put before a runbook's file name in descriptions: the repository path or
	// an https:// URL (a "/" is added when missing).
	// Default: "runbooks/".
	RunbookBase string
}

// Alarms is the set.
type Alarms struct {
	constructs.Construct
	// Alarms maps a spec's Name to its alarm.
	Alarms map[string]cw.Alarm
	// Composite is the composite alarm, or nil.
	Composite cw.CompositeAlarm
}

var prefixRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)

// DefaultRunbookBase is the runbooks' folder in the repository.
const DefaultRunbookBase = "runbooks/"

// Validate returns every problem with p.
func (p AlarmsProps) Validate() error {
	var errs []error
	if !prefixRE.MatchString(p.Prefix) {
		errs = append(errs, fmt.Errorf("Prefix %q must be 1-200 letters, digits, . _ and -", p.Prefix))
	}
	if p.Action == nil {
		errs = append(errs, errors.New("Action is required"))
	}
	names := map[string]bool{}
	for i, s := range p.Specs {
		who := fmt.Sprintf("Specs[%d] %q", i, s.Name)
		if s.Name == "" || names[s.Name] {
			errs = append(errs, fmt.Errorf("%s: Name must be given and unique", who))
		}
		names[s.Name] = true
		if s.Metric == nil {
			errs = append(errs, fmt.Errorf("%s: Metric is required", who))
		}
		if s.Periods < 1 || s.Periods > limits.MaxAlarmPeriods {
			errs = append(errs, fmt.Errorf("%s: Periods %d must be 1-%d", who, s.Periods, limits.MaxAlarmPeriods))
		}
		if s.MissingData != "" && !slices.Contains(limits.MissingDataTreatments, s.MissingData) {
			errs = append(errs, fmt.Errorf("%s: MissingData %q must be one of %s", who, s.MissingData, strings.Join(limits.MissingDataTreatments, ", ")))
		}
		errs = append(errs, described(who, s.Severity, s.Runbook, s.What)...)
	}
	if c := p.Composite; c != nil {
		who := fmt.Sprintf("Composite %q", c.Name)
		if c.Name == "" || names[c.Name] {
			errs = append(errs, fmt.Errorf("%s: Name must be given and differ from the specs'", who))
		}
		for _, m := range c.Members {
			if !names[m] {
				errs = append(errs, fmt.Errorf("%s: member %q is not a spec", who, m))
			}
		}
		if len(c.Members)+len(c.Others) == 0 {
			errs = append(errs, fmt.Errorf("%s: needs at least one member", who))
		}
		errs = append(errs, described(who, c.Severity, c.Runbook, c.What)...)
	}
	return errors.Join(errs...)
}

func described(who, severity, runbook, what string) []error {
	var errs []error
	if severity != limits.SeverityPage && severity != limits.SeverityTicket {
		errs = append(errs, fmt.Errorf("%s: Severity %q must be %s or %s", who, severity, limits.SeverityPage, limits.SeverityTicket))
	}
	if !slices.Contains(limits.Runbooks, runbook) {
		errs = append(errs, fmt.Errorf("%s: Runbook %q must be one of %s", who, runbook, strings.Join(limits.Runbooks, ", ")))
	}
	if what == "" {
		errs = append(errs, fmt.Errorf("%s: What is required", who))
	}
	return errs
}

// Description is what an alarm's description says: severity, what breaches and the runbook.
// Tests and the runbook check read the runbook back from it (RunbookOf).
func Description(severity, what, runbookBase, runbook string) string {
	if runbookBase == "" {
		runbookBase = DefaultRunbookBase
	}
	if !strings.HasSuffix(runbookBase, "/") {
		runbookBase += "/"
	}
	return fmt.Sprintf("[%s] %s. Runbook: %s%s", severity, what, runbookBase, runbook)
}

var runbookRE = regexp.MustCompile(`Runbook: \S*?([a-z0-9-]+\.md)$`)

// RunbookOf returns the runbook file name a description (see Description) names, or "".
func RunbookOf(description string) string {
	if m := runbookRE.FindStringSubmatch(description); m != nil {
		return m[1]
	}
	return ""
}

// treatments maps limits' names to CDK's enum; "" is the default, notBreaching.
var treatments = map[string]cw.TreatMissingData{
	"":                         cw.TreatMissingData_NOT_BREACHING,
	limits.MissingNotBreaching: cw.TreatMissingData_NOT_BREACHING,
	limits.MissingIgnore:       cw.TreatMissingData_IGNORE,
	limits.MissingMissing:      cw.TreatMissingData_MISSING,
	limits.MissingBreaching:    cw.TreatMissingData_BREACHING,
}

// NewAlarms creates the alarms and the composite, or returns every problem with props.
func NewAlarms(scope constructs.Construct, id string, props AlarmsProps) (*Alarms, error) {
	if err := props.Validate(); err != nil {
		return nil, fmt.Errorf("alarms %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &Alarms{Construct: this, Alarms: map[string]cw.Alarm{}}
	for _, s := range props.Specs {
		op := cw.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
		if s.Below {
			op = cw.ComparisonOperator_LESS_THAN_THRESHOLD
		}
		alarm := cw.NewAlarm(this, jsii.String(pascal(s.Name)), &cw.AlarmProps{
			AlarmName:          jsii.String(props.Prefix + "-" + s.Name),
			AlarmDescription:   jsii.String(Description(s.Severity, s.What, props.RunbookBase, s.Runbook)),
			Metric:             s.Metric,
			Threshold:          jsii.Number(s.Threshold),
			ComparisonOperator: op,
			EvaluationPeriods:  jsii.Number(float64(s.Periods)),
			DatapointsToAlarm:  jsii.Number(float64(s.Periods)),
			TreatMissingData:   treatments[s.MissingData],
		})
		notify(alarm, props.Action)
		a.Alarms[s.Name] = alarm
	}
	if c := props.Composite; c != nil {
		rules := make([]cw.IAlarmRule, 0, len(c.Members)+len(c.Others))
		for _, m := range c.Members {
			rules = append(rules, cw.AlarmRule_FromAlarm(a.Alarms[m], cw.AlarmState_ALARM))
		}
		for _, o := range c.Others {
			rules = append(rules, cw.AlarmRule_FromAlarm(o, cw.AlarmState_ALARM))
		}
		a.Composite = NewComposite(this, pascal(c.Name), props.Prefix+"-"+c.Name,
			Description(c.Severity, c.What, props.RunbookBase, c.Runbook), cw.AlarmRule_AnyOf(rules...), props.Action)
	}
	return a, nil
}

// NewComposite is a composite alarm called name with rule, notifying action of ALARM and OK.
func NewComposite(scope constructs.Construct, id, name, description string, rule cw.IAlarmRule, action cw.IAlarmAction) cw.CompositeAlarm {
	c := cw.NewCompositeAlarm(scope, jsii.String(id), &cw.CompositeAlarmProps{
		CompositeAlarmName: jsii.String(name),
		AlarmDescription:   jsii.String(description),
		AlarmRule:          rule,
	})
	notify(c, action)
	return c
}

// notify sends both transitions: OK tells on-call the page is over.
func notify(alarm interface {
	AddAlarmAction(...cw.IAlarmAction)
	AddOkAction(...cw.IAlarmAction)
}, action cw.IAlarmAction) {
	alarm.AddAlarmAction(action)
	alarm.AddOkAction(action)
}

// pascal turns "target5xxRate" into "Target5xxRate" for construct ids.
func pascal(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Period is a period in seconds as a Duration, for callers building metrics.
func Period(seconds int) awscdk.Duration {
	return duration.Seconds(float64(seconds))
}
