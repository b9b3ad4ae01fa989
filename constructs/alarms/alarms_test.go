package alarms

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/alerting"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
	set   *Alarms
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func cpu() cw.IMetric {
	return cw.NewMetric(&cw.MetricProps{Namespace: jsii.String("AWS/ECS"), MetricName: jsii.String("CPUUtilization"),
		DimensionsMap: &map[string]*string{"ClusterName": jsii.String("c"), "ServiceName": jsii.String("s")}, Period: Period(60)})
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "alarms-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Alarms", "us-east-1")}
		topic, err := alerting.NewTopic(s.stack, "Topic", alerting.TopicProps{Name: "alarms"})
		if err != nil {
			return nil, err
		}
		other := cw.NewAlarm(s.stack, jsii.String("Other"), &cw.AlarmProps{
			Metric: cpu(), Threshold: jsii.Number(1), EvaluationPeriods: jsii.Number(1),
		})
		other.AddAlarmAction(topic.Action)
		other.AddOkAction(topic.Action)
		s.set, err = NewAlarms(s.stack, "Set", AlarmsProps{
			Prefix: "stratus-prod-us-east-1-api", Action: topic.Action, RunbookBase: "https://git.example.com/runbooks",
			Specs: []Spec{
				{Name: "cpuHigh", Metric: cpu(), Threshold: 85, Periods: 5, Severity: limits.SeverityTicket, Runbook: "service-5xx.md", What: "CPU at or above 85 %"},
				{Name: "memoryLow", Metric: cpu(), Threshold: 10, Below: true, Periods: 2, MissingData: limits.MissingIgnore, Severity: limits.SeverityTicket, Runbook: "service-5xx.md", What: "low"},
			},
			Composite: &Composite{Name: "serviceUnhealthy", Members: []string{"cpuHigh"}, Others: []cw.IAlarm{other},
				Severity: limits.SeverityPage, Runbook: "service-5xx.md", What: "api is unhealthy"},
		})
		return s, err
	})
}

func TestAlarmsNotifyNameTheirRunbookAndCompose(t *testing.T) {
	s := synth(t)
	cdktest.NoPanic(t, func() {
		tpl := assertions.Template_FromStack(s.stack, nil)
		topicRef := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Topic[0-9A-F]+$"))}
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"AlarmName":          "stratus-prod-us-east-1-api-cpuHigh",
			"AlarmDescription":   "[ticket] CPU at or above 85 %. Runbook: https://git.example.com/runbooks/service-5xx.md",
			"Threshold":          85,
			"ComparisonOperator": "GreaterThanOrEqualToThreshold",
			"EvaluationPeriods":  5, "DatapointsToAlarm": 5,
			"TreatMissingData": "notBreaching",
			"AlarmActions":     []any{topicRef}, "OKActions": []any{topicRef},
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::Alarm"), &map[string]any{
			"AlarmName": "stratus-prod-us-east-1-api-memoryLow", "ComparisonOperator": "LessThanThreshold", "TreatMissingData": "ignore",
		})
		tpl.HasResourceProperties(jsii.String("AWS::CloudWatch::CompositeAlarm"), &map[string]any{
			"AlarmName":        "stratus-prod-us-east-1-api-serviceUnhealthy",
			"AlarmDescription": assertions.Match_StringLikeRegexp(jsii.String(`^\[page\] api is unhealthy\. Runbook: .*/service-5xx\.md$`)),
			"AlarmActions":     []any{topicRef}, "OKActions": []any{topicRef},
			"AlarmRule": assertions.Match_ObjectLike(&map[string]any{"Fn::Join": assertions.Match_AnyValue()}),
		})
	})
	rules := cdktest.OfType(t, cdktest.Template(t, s.stack), "AWS::CloudWatch::CompositeAlarm")
	require.Len(t, rules, 1)
	for _, c := range rules {
		rule := fmt.Sprint(cdktest.Props(t, c)["AlarmRule"])
		assert.Contains(t, rule, " OR ", "the composite is ALARM when any member is")
		assert.Contains(t, rule, "SetCpuHigh", "the member spec")
		assert.Contains(t, rule, "Other", "the alarm made elsewhere")
	}
	assert.Len(t, s.set.Alarms, 2)
	cdktest.Gates(t, s.dir, s.stack)
}

func TestDescriptionNamesTheRunbook(t *testing.T) {
	d := Description(limits.SeverityPage, "x", "", "nat-exhaustion.md")
	assert.Equal(t, "[page] x. Runbook: runbooks/nat-exhaustion.md", d)
	assert.Equal(t, "nat-exhaustion.md", RunbookOf(d))
	assert.Equal(t, "cache-failover.md", RunbookOf(Description(limits.SeverityTicket, "y", "https://h.example.com/r", "cache-failover.md")))
	assert.Equal(t, "", RunbookOf("no runbook here"))
}

func TestAlarmsPropsAreValidated(t *testing.T) {
	var m cw.IMetric
	cdktest.NoPanic(t, func() { m = cpu() })
	var action cw.IAlarmAction = cwActionStub{}
	valid := func() AlarmsProps {
		return AlarmsProps{Prefix: "p", Action: action,
			Specs:     []Spec{{Name: "a", Metric: m, Periods: 1, Severity: limits.SeverityTicket, Runbook: "service-5xx.md", What: "w"}},
			Composite: &Composite{Name: "c", Members: []string{"a"}, Severity: limits.SeverityPage, Runbook: "service-5xx.md", What: "w"}}
	}
	cdktest.Rejects(t, valid, AlarmsProps.Validate, []cdktest.Invalid[AlarmsProps]{
		{Name: "a prefix with a space", Mutate: func(p *AlarmsProps) { p.Prefix = "a b" }, Want: `Prefix "a b"`},
		{Name: "no action", Mutate: func(p *AlarmsProps) { p.Action = nil }, Want: "Action is required"},
		{Name: "a repeated name", Mutate: func(p *AlarmsProps) { p.Specs = append(p.Specs, p.Specs[0]) }, Want: "Name must be given and unique"},
		{Name: "no metric", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = nil }, Want: "Metric is required"},
		{Name: "zero periods", Mutate: func(p *AlarmsProps) { p.Specs[0].Periods = 0 }, Want: "Periods 0 must be 1-24"},
		{Name: "a bad treatment", Mutate: func(p *AlarmsProps) { p.Specs[0].MissingData = "zero" }, Want: `MissingData "zero"`},
		{Name: "a bad severity", Mutate: func(p *AlarmsProps) { p.Specs[0].Severity = "sev1" }, Want: `Severity "sev1"`},
		{Name: "a missing runbook", Mutate: func(p *AlarmsProps) { p.Specs[0].Runbook = "x.md" }, Want: `Runbook "x.md"`},
		{Name: "no what", Mutate: func(p *AlarmsProps) { p.Specs[0].What = "" }, Want: "What is required"},
		{Name: "a composite over an unknown member", Mutate: func(p *AlarmsProps) { p.Composite.Members = []string{"b"} }, Want: `member "b" is not a spec`},
		{Name: "an empty composite", Mutate: func(p *AlarmsProps) { p.Composite.Members = nil }, Want: "needs at least one member"},
		{Name: "a composite named like a spec", Mutate: func(p *AlarmsProps) { p.Composite.Name = "a" }, Want: "differ from the specs'"},
	})
}

// cwActionStub is an alarm action for validation tests, which create no alarm.
type cwActionStub struct{ cw.IAlarmAction }

func TestNewAlarmsReportsInvalidProps(t *testing.T) {
	cdktest.NoPanic(t, func() {
		_, err := NewAlarms(awscdk.NewStack(cdktest.NewApp(t), jsii.String("S"), nil), "Set", AlarmsProps{})
		require.ErrorContains(t, err, "alarms Set: invalid props")
	})
}
