// Package alarms provides Alarms: a set of CloudWatch alarms over given metrics, each naming its
// severity and runbook, with alarm and OK actions, and optionally a composite alarm over them
// (and over alarms made elsewhere) that pages for the set as a whole.
//
// The package knows no tier: callers pass the metrics (Query values), thresholds and windows, so
// the same construct watches a service, a load balancer, a database or a NAT gateway. The alarms
// are exposed by name, so other features (e.g. ECS deployment alarms) can reuse them.
//
// Each alarm is an L1 resource (NewAlarm) at the construct path and logical id aws-cdk-lib's
// Alarm gives it, with the properties that Alarm renders for the same query (within what
// Validate accepts): the same template, for a fraction of the calls into the jsii runtime (see
// Query).
package alarms

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Spec is one alarm.
type Spec struct {
	// Name is the alarm's short name, unique in the set, e.g. "target5xxRate"; the alarm is
	// called "<Prefix>-<Name>".
	Name string
	// Metric is what the alarm evaluates, with its statistic and period.
	Metric Query
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
	Others []*Alarm
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
	// Action is the ARN of the SNS topic that receives every alarm's ALARM and OK transitions.
	Action *string
	// RunbookBase is put before a runbook's file name in descriptions: the repository path or
	// an https:// URL (a "/" is added when missing).
	// Default: "runbooks/".
	RunbookBase string
}

// Alarms is the set.
type Alarms struct {
	constructs.Construct
	// Alarms maps a spec's Name to its alarm.
	Alarms map[string]*Alarm
	// Composite is the composite alarm, or nil.
	Composite *Alarm
}

// Alarm is an alarm or composite alarm: the construct holding its resource and its fixed name.
type Alarm struct {
	constructs.Construct
	Name     string
	resource interface{ AttrArn() *string }
	arn      *string
}

// Arn is the alarm's ARN. Read when first asked: most alarms are never referenced, and each
// read is a call into the jsii runtime.
func (a *Alarm) Arn() *string {
	if a.arn == nil {
		a.arn = a.resource.AttrArn()
	}
	return a.arn
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
		// The alarm NewAlarm will create: its rules (metric, periods, treatment) are checked there.
		for _, err := range p.alarm(s).problems() {
			errs = append(errs, fmt.Errorf("%s: %w", who, err))
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
		if slices.Contains(c.Others, nil) {
			errs = append(errs, fmt.Errorf("%s: Others holds a nil alarm", who))
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
	return fmt.Sprintf("[%s] %s. Runbook: %s", severity, what, runbookURL(runbookBase, runbook))
}

// runbookURL is where runbook (a file name under runbooks/) is read: after runbookBase, or
// DefaultRunbookBase when that is "".
func runbookURL(runbookBase, runbook string) string {
	if runbookBase == "" {
		runbookBase = DefaultRunbookBase
	}
	if !strings.HasSuffix(runbookBase, "/") {
		runbookBase += "/"
	}
	return runbookBase + runbook
}

var runbookRE = regexp.MustCompile(`Runbook: \S*?([a-z0-9-]+\.md)$`)

// RunbookOf returns the runbook file name a description (see Description) names, or "".
func RunbookOf(description string) string {
	if m := runbookRE.FindStringSubmatch(description); m != nil {
		return m[1]
	}
	return ""
}

// NewAlarms creates the alarms and the composite, or returns every problem with props.
func NewAlarms(scope constructs.Construct, id string, props AlarmsProps) (*Alarms, error) {
	if err := props.Validate(); err != nil {
		return nil, fmt.Errorf("alarms %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &Alarms{Construct: this, Alarms: map[string]*Alarm{}}
	for _, s := range props.Specs {
		alarm, err := NewAlarm(this, pascal(s.Name), props.alarm(s))
		if err != nil {
			return nil, fmt.Errorf("alarms %s: %w", id, err)
		}
		a.Alarms[s.Name] = alarm
	}
	if c := props.Composite; c != nil {
		members := make([]*Alarm, 0, len(c.Members)+len(c.Others))
		for _, m := range c.Members {
			members = append(members, a.Alarms[m])
		}
		members = append(members, c.Others...)
		var err error
		if a.Composite, err = NewComposite(this, pascal(c.Name), CompositeProps{
			Name: props.Prefix + "-" + c.Name, Description: Description(c.Severity, c.What, props.RunbookBase, c.Runbook),
			Rule: AnyOf(members...), Action: props.Action,
		}); err != nil {
			return nil, fmt.Errorf("alarms %s: %w", id, err)
		}
	}
	return a, nil
}

// alarm is the alarm of s in the set.
func (p AlarmsProps) alarm(s Spec) AlarmProps {
	op := "GreaterThanOrEqualToThreshold"
	if s.Below {
		op = "LessThanThreshold"
	}
	missing := s.MissingData
	if missing == "" {
		missing = limits.MissingNotBreaching
	}
	return AlarmProps{
		Name: p.Prefix + "-" + s.Name, Description: Description(s.Severity, s.What, p.RunbookBase, s.Runbook),
		Metric: s.Metric, Threshold: s.Threshold, Comparison: op, Periods: s.Periods, DatapointsToAlarm: s.Periods,
		MissingData: missing, Action: p.Action,
	}
}

// AlarmProps configures NewAlarm: one alarm.
type AlarmProps struct {
	// Name is the alarm's name, 1-255 characters.
	Name string
	// Description says what breaches, 1-1024 characters.
	Description string
	// Metric is what the alarm evaluates (see Validate).
	Metric Query
	// Threshold is what Metric is compared with.
	Threshold float64
	// Comparison is one of comparisons: CloudFormation's ComparisonOperator.
	Comparison string
	// Periods is the number of periods evaluated, 1-limits.MaxAlarmPeriods.
	Periods int
	// DatapointsToAlarm is how many of the Periods must breach, 1-Periods.
	// Default: 0, not set: all of them.
	DatapointsToAlarm int
	// MissingData is a limits.MissingDataTreatments value.
	MissingData string
	// Action is the ARN of the SNS topic that receives both transitions.
	// Default: nil, no actions.
	Action *string
}

// comparisons are the comparison operators of a static threshold.
var comparisons = []string{"GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"}

// Validate returns every problem with p.
func (p AlarmProps) Validate() error { return errors.Join(p.problems()...) }

func (p AlarmProps) problems() []error {
	errs := named(p.Name, p.Description)
	if err := Validate(p.Metric); err != nil {
		errs = append(errs, fmt.Errorf("Metric: %w", err))
	}
	if !slices.Contains(comparisons, p.Comparison) {
		errs = append(errs, fmt.Errorf("Comparison %q must be one of %s", p.Comparison, strings.Join(comparisons, ", ")))
	}
	if p.Periods < 1 || p.Periods > limits.MaxAlarmPeriods {
		errs = append(errs, fmt.Errorf("Periods %d must be 1-%d", p.Periods, limits.MaxAlarmPeriods))
	}
	if p.DatapointsToAlarm < 0 || p.DatapointsToAlarm > p.Periods {
		errs = append(errs, fmt.Errorf("DatapointsToAlarm %d must be 1-Periods (%d), or 0 for all", p.DatapointsToAlarm, p.Periods))
	}
	if !slices.Contains(limits.MissingDataTreatments, p.MissingData) {
		errs = append(errs, fmt.Errorf("MissingData %q must be one of %s", p.MissingData, strings.Join(limits.MissingDataTreatments, ", ")))
	}
	return errs
}

// named checks an alarm's name and description against CloudWatch's limits.
func named(name, description string) []error {
	var errs []error
	if len(name) < 1 || len(name) > 255 {
		errs = append(errs, fmt.Errorf("Name %q must be 1-255 characters", name))
	}
	if len(description) < 1 || len(description) > 1024 {
		errs = append(errs, fmt.Errorf("Description of %q must be 1-1024 characters", name))
	}
	return errs
}

// NewAlarm creates an AWS::CloudWatch::Alarm under a construct id, at the path (so with the
// logical id) of an aws-cdk-lib Alarm called id, or returns every problem with p.
func NewAlarm(scope constructs.Construct, id string, p AlarmProps) (*Alarm, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("alarm %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	props := &cw.CfnAlarmProps{
		AlarmName: jsii.String(p.Name), AlarmDescription: jsii.String(p.Description),
		Threshold: jsii.Number(p.Threshold), ComparisonOperator: jsii.String(p.Comparison),
		EvaluationPeriods: jsii.Number(float64(p.Periods)), TreatMissingData: jsii.String(p.MissingData),
	}
	if p.DatapointsToAlarm > 0 {
		props.DatapointsToAlarm = jsii.Number(float64(p.DatapointsToAlarm))
	}
	notify(&props.AlarmActions, &props.OkActions, p.Action)
	render(p.Metric, props)
	return &Alarm{Construct: this, Name: p.Name, resource: cw.NewCfnAlarm(this, jsii.String("Resource"), props)}, nil
}

// AnyOf is a composite rule in ALARM when any of alarms is ("" without alarms).
func AnyOf(alarms ...*Alarm) string { return rule("OR", alarms) }

// AllOf is a composite rule in ALARM when all of alarms are ("" without alarms).
func AllOf(alarms ...*Alarm) string { return rule("AND", alarms) }

// rule joins the alarms' ALARM states with operator, as aws-cdk-lib's AlarmRule does.
func rule(operator string, alarms []*Alarm) string {
	if len(alarms) == 0 {
		return ""
	}
	states := make([]string, len(alarms))
	for i, a := range alarms {
		states[i] = `ALARM("` + *a.Arn() + `")`
	}
	return "(" + strings.Join(states, " "+operator+" ") + ")"
}

// CompositeProps configures NewComposite.
type CompositeProps struct {
	// Name and Description as in AlarmProps.
	Name, Description string
	// Rule is AnyOf or AllOf of at least one alarm.
	Rule string
	// Action is the ARN of the SNS topic that receives both transitions.
	// Default: nil, no actions.
	Action *string
}

// Validate returns every problem with p.
func (p CompositeProps) Validate() error {
	errs := named(p.Name, p.Description)
	if p.Rule == "" {
		errs = append(errs, errors.New("Rule is required: AnyOf or AllOf of at least one alarm"))
	}
	return errors.Join(errs...)
}

// NewComposite creates a composite alarm at the path of an aws-cdk-lib CompositeAlarm called id,
// or returns every problem with p.
func NewComposite(scope constructs.Construct, id string, p CompositeProps) (*Alarm, error) {
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("composite alarm %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	props := &cw.CfnCompositeAlarmProps{
		AlarmName: jsii.String(p.Name), AlarmDescription: jsii.String(p.Description), AlarmRule: jsii.String(p.Rule),
	}
	notify(&props.AlarmActions, &props.OkActions, p.Action)
	return &Alarm{Construct: this, Name: p.Name, resource: cw.NewCfnCompositeAlarm(this, jsii.String("Resource"), props)}, nil
}

// notify sends both transitions to action: OK tells on-call the page is over.
func notify(alarm, ok **[]any, action *string) {
	if action == nil {
		return
	}
	*alarm, *ok = &[]any{action}, &[]any{action}
}

// pascal turns "target5xxRate" into "Target5xxRate" for construct ids.
func pascal(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
