package alarms

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	cwactions "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
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
	// pairs are alarms over the same query, by NewAlarm and by aws-cdk-lib's Alarm.
	pairs map[string][2]string
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func cpu() Metric {
	return Metric{Namespace: "AWS/ECS", Name: "CPUUtilization", Stat: "Average", Period: 60,
		Dimensions: map[string]*string{"ServiceName": jsii.String("s"), "ClusterName": jsii.String("c")}}
}

// rendered are queries whose alarms NewAlarm must render as aws-cdk-lib's Alarm does.
func rendered() map[string]Query {
	count := func(name string) Metric {
		return Metric{Namespace: "AWS/ApplicationELB", Name: name, Stat: "Sum", Period: 300,
			Dimensions: map[string]*string{"TargetGroup": jsii.String("targetgroup/a/1"), "LoadBalancer": jsii.String("app/b/2")}}
	}
	p99 := count("TargetResponseTime")
	p99.Stat = "p99"
	rank := p99
	rank.Stat = "PR(0:0.25)"
	return map[string]Query{
		"Simple":   cpu(),
		"Extended": p99,
		"Nested": Expression{Expression: "100 * FILL(errors, 0) / requests", Label: "5xx rate", Period: 300, Using: map[string]Query{
			"requests": count("RequestCount"),
			"errors": Expression{Expression: "FILL(e0, 0) + FILL(e1, 0)", Label: "5xx (all groups)", Period: 300,
				Using: map[string]Query{"e1": count("HTTPCode_ELB_5XX_Count"), "e0": count("HTTPCode_Target_5XX_Count")}},
		}},
		"Rank": Expression{Expression: "(100 - good) / 100", Period: 3600, Using: map[string]Query{"good": rank.With(3600)}},
	}
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "alarms-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Alarms", "us-east-1")}
		topic, err := alerting.NewTopic(s.stack, "Topic", alerting.TopicProps{Name: "alarms"})
		if err != nil {
			return nil, err
		}
		other := NewAlarm(s.stack, "Other", AlarmProps{
			Name: "other", Description: "made elsewhere", Metric: cpu(), Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold",
			Periods: 1, MissingData: limits.MissingMissing, Action: topic.Arn,
		})
		s.pairs = map[string][2]string{}
		for name, q := range rendered() {
			props := AlarmProps{Name: "l1-" + name, Description: name, Metric: q, Threshold: 2, Comparison: "LessThanThreshold",
				Periods: 3, DatapointsToAlarm: 2, MissingData: limits.MissingBreaching, Action: topic.Arn}
			NewAlarm(s.stack, "L1"+name, props)
			l2 := cw.NewAlarm(s.stack, jsii.String("L2"+name), &cw.AlarmProps{
				AlarmName: jsii.String("l2-" + name), AlarmDescription: jsii.String(name), Metric: q.L2(), Threshold: jsii.Number(2),
				ComparisonOperator: cw.ComparisonOperator_LESS_THAN_THRESHOLD, EvaluationPeriods: jsii.Number(3),
				DatapointsToAlarm: jsii.Number(2), TreatMissingData: cw.TreatMissingData_BREACHING,
			})
			action := cwactions.NewSnsAction(topic.Topic)
			l2.AddAlarmAction(action)
			l2.AddOkAction(action)
			s.pairs[name] = [2]string{"l1-" + name, "l2-" + name}
		}
		s.set, err = NewAlarms(s.stack, "Set", AlarmsProps{
			Prefix: "stratus-prod-us-east-1-api", Action: topic.Arn, RunbookBase: "https://git.example.com/runbooks",
			Specs: []Spec{
				{Name: "cpuHigh", Metric: cpu(), Threshold: 85, Periods: 5, Severity: limits.SeverityTicket, Runbook: "service-5xx.md", What: "CPU at or above 85 %"},
				{Name: "memoryLow", Metric: cpu(), Threshold: 10, Below: true, Periods: 2, MissingData: limits.MissingIgnore, Severity: limits.SeverityTicket, Runbook: "service-5xx.md", What: "low"},
			},
			Composite: &Composite{Name: "serviceUnhealthy", Members: []string{"cpuHigh"}, Others: []*Alarm{other},
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

func TestAnAlarmIsWhatAwsCdkLibsAlarmRendersForTheSameQuery(t *testing.T) {
	s := synth(t)
	byName := map[string]map[string]any{}
	for _, a := range cdktest.OfType(t, cdktest.Template(t, s.stack), "AWS::CloudWatch::Alarm") {
		p := cdktest.Props(t, a)
		byName[cdktest.As[string](t, p["AlarmName"])] = p
	}
	require.Len(t, s.pairs, len(rendered()))
	for name, pair := range s.pairs {
		l1, l2 := byName[pair[0]], byName[pair[1]]
		require.NotNil(t, l1, name)
		require.NotNil(t, l2, name)
		delete(l1, "AlarmName")
		delete(l2, "AlarmName")
		assert.Equal(t, l2, l1, "%s: NewAlarm renders the query as aws-cdk-lib does", name)
	}
	simple := byName["stratus-prod-us-east-1-api-cpuHigh"]
	require.NotNil(t, simple)
	assert.Equal(t, []any{map[string]any{"Name": "ClusterName", "Value": "c"}, map[string]any{"Name": "ServiceName", "Value": "s"}},
		simple["Dimensions"], "dimensions by name")
	assert.Equal(t, "Average", simple["Statistic"])
}

func TestMetricMathIsRenderedDepthFirstAndOnlyTheTopReturnsData(t *testing.T) {
	var props cw.CfnAlarmProps
	render(rendered()["Nested"], &props)
	queries := *props.Metrics.(*[]*cw.CfnAlarm_MetricDataQueryProperty)
	var ids []string
	for _, q := range queries {
		ids = append(ids, *q.Id)
		assert.Equal(t, jsii.Bool(*q.Id == "expr_1"), q.ReturnData, *q.Id)
	}
	assert.Equal(t, []string{"expr_1", "errors", "e0", "e1", "requests"}, ids)
	assert.Nil(t, props.MetricName, "an expression sets no metric of its own")
}

func TestDescriptionNamesTheRunbook(t *testing.T) {
	d := Description(limits.SeverityPage, "x", "", "nat-exhaustion.md")
	assert.Equal(t, "[page] x. Runbook: runbooks/nat-exhaustion.md", d)
	assert.Equal(t, "nat-exhaustion.md", RunbookOf(d))
	assert.Equal(t, "cache-failover.md", RunbookOf(Description(limits.SeverityTicket, "y", "https://h.example.com/r", "cache-failover.md")))
	assert.Equal(t, "", RunbookOf("no runbook here"))
}

func TestAlarmsPropsAreValidated(t *testing.T) {
	m := cpu()
	action := jsii.String("arn:aws:sns:us-east-1:111111111111:alarms")
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
		{Name: "a metric without a statistic", Mutate: func(p *AlarmsProps) { m := cpu(); m.Stat = ""; p.Specs[0].Metric = m }, Want: "a statistic is required"},
		{Name: "a metric without a period", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = cpu().With(0) }, Want: "period 0 must be a positive number"},
		{Name: "a metric without a name", Mutate: func(p *AlarmsProps) { m := cpu(); m.Name = ""; p.Specs[0].Metric = m }, Want: "needs a namespace and a name"},
		{Name: "an expression over a bad metric", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m / 2", Period: 60, Using: map[string]Query{"m": cpu().With(-1)}}
		}, Want: "period -1 must be"},
		{Name: "an expression over nothing", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m / 2", Period: 60, Using: map[string]Query{"m": nil}}
		}, Want: `metric "m" is nil`},
		{Name: "an empty expression", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = Expression{Period: 60} }, Want: "an expression is required"},
		{Name: "zero periods", Mutate: func(p *AlarmsProps) { p.Specs[0].Periods = 0 }, Want: "Periods 0 must be 1-24"},
		{Name: "a bad treatment", Mutate: func(p *AlarmsProps) { p.Specs[0].MissingData = "zero" }, Want: `MissingData "zero"`},
		{Name: "a bad severity", Mutate: func(p *AlarmsProps) { p.Specs[0].Severity = "sev1" }, Want: `Severity "sev1"`},
		{Name: "a missing runbook", Mutate: func(p *AlarmsProps) { p.Specs[0].Runbook = "x.md" }, Want: `Runbook "x.md"`},
		{Name: "no what", Mutate: func(p *AlarmsProps) { p.Specs[0].What = "" }, Want: "What is required"},
		{Name: "a composite over an unknown member", Mutate: func(p *AlarmsProps) { p.Composite.Members = []string{"b"} }, Want: `member "b" is not a spec`},
		{Name: "an empty composite", Mutate: func(p *AlarmsProps) { p.Composite.Members = nil }, Want: "needs at least one member"},
		{Name: "a composite named like a spec", Mutate: func(p *AlarmsProps) { p.Composite.Name = "a" }, Want: "differ from the specs'"},
		{Name: "a composite over a nil alarm", Mutate: func(p *AlarmsProps) { p.Composite.Others = []*Alarm{nil} }, Want: "Others holds a nil alarm"},
	})
}

func TestNewAlarmsReportsInvalidProps(t *testing.T) {
	cdktest.NoPanic(t, func() {
		_, err := NewAlarms(awscdk.NewStack(cdktest.NewApp(t), jsii.String("S"), nil), "Set", AlarmsProps{})
		require.ErrorContains(t, err, "alarms Set: invalid props")
	})
}
