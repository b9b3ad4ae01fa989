package alarms

import (
	"fmt"
	"maps"
	"strings"
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
	// pairs are alarms over the same query, by NewAlarm and by aws-cdk-lib's Alarm; rules are
	// composites over the same alarms, by NewComposite and by aws-cdk-lib's CompositeAlarm.
	pairs, rules map[string][2]string
	templates    cdktest.Templates
}

// tpl is the stack's template as JSON, read once.
func (s *synthesized) tpl(t *testing.T) map[string]any { return s.templates.Of(t, s.stack) }

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
	p99.Stat = "p99.9"
	rank := p99
	rank.Stat = "PR(0:0.25)"
	trimmed := p99
	trimmed.Stat = "tm90"
	labelled := cpu()
	labelled.Label = "CPU (%)"
	return map[string]Query{
		"Simple":   cpu(),
		"Extended": p99,
		"Trimmed":  trimmed,
		"Labelled": labelled,
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
		other, err := NewAlarm(s.stack, "Other", AlarmProps{
			Name: "other", Description: "made elsewhere", Metric: cpu(), Threshold: 1, Comparison: "GreaterThanOrEqualToThreshold",
			Periods: 1, MissingData: limits.MissingMissing, Action: topic.Arn,
		})
		if err != nil {
			return nil, err
		}
		s.pairs, s.rules = map[string][2]string{}, map[string][2]string{}
		var l1s []*Alarm
		for name, q := range rendered() {
			props := AlarmProps{Name: "l1-" + name, Description: name, Metric: q, Threshold: 2, Comparison: "LessThanThreshold",
				Periods: 3, DatapointsToAlarm: 2, MissingData: limits.MissingBreaching, Action: topic.Arn}
			l1, err := NewAlarm(s.stack, "L1"+name, props)
			if err != nil {
				return nil, err
			}
			l1s = append(l1s, l1)
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
		// Composites over the same alarms: aws-cdk-lib's rules read them through imports of
		// their ARNs, which render as the ARNs themselves.
		states := make([]cw.IAlarmRule, len(l1s))
		for i, a := range l1s {
			states[i] = cw.AlarmRule_FromAlarm(cw.Alarm_FromAlarmArn(s.stack, jsii.String("Import"+a.Name), a.Arn()), cw.AlarmState_ALARM)
		}
		for name, r := range map[string]struct {
			l1 string
			l2 cw.IAlarmRule
		}{
			"any-of-one": {AnyOf(l1s[0]), cw.AlarmRule_AnyOf(states[0])},
			"any-of-all": {AnyOf(l1s...), cw.AlarmRule_AnyOf(states...)},
			"all-of-two": {AllOf(l1s[0], l1s[1]), cw.AlarmRule_AllOf(states[0], states[1])},
		} {
			if _, err := NewComposite(s.stack, "L1Rule"+name, CompositeProps{Name: "l1-" + name, Description: name, Rule: r.l1}); err != nil {
				return nil, err
			}
			cw.NewCompositeAlarm(s.stack, jsii.String("L2Rule"+name), &cw.CompositeAlarmProps{
				CompositeAlarmName: jsii.String("l2-" + name), AlarmDescription: jsii.String(name), AlarmRule: r.l2,
			})
			s.rules[name] = [2]string{"l1-" + name, "l2-" + name}
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
	var set []map[string]any
	for _, c := range cdktest.OfType(t, s.tpl(t), "AWS::CloudWatch::CompositeAlarm") {
		if cdktest.Props(t, c)["AlarmName"] == "stratus-prod-us-east-1-api-serviceUnhealthy" {
			set = append(set, c)
		}
	}
	require.Len(t, set, 1)
	for _, c := range set {
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
	for _, a := range cdktest.OfType(t, s.tpl(t), "AWS::CloudWatch::Alarm") {
		p := cdktest.Props(t, a)
		byName[cdktest.As[string](t, p["AlarmName"])] = p
	}
	require.Len(t, s.pairs, len(rendered()))
	for name, pair := range s.pairs {
		require.NotNil(t, byName[pair[0]], name)
		require.NotNil(t, byName[pair[1]], name)
		// Copies: the template is shared by the tests.
		l1, l2 := maps.Clone(byName[pair[0]]), maps.Clone(byName[pair[1]])
		delete(l1, "AlarmName")
		delete(l2, "AlarmName")
		assert.Equal(t, l2, l1, "%s: NewAlarm renders the query as aws-cdk-lib does", name)
	}
	composites := map[string]map[string]any{}
	for _, c := range cdktest.OfType(t, s.tpl(t), "AWS::CloudWatch::CompositeAlarm") {
		p := cdktest.Props(t, c)
		composites[cdktest.As[string](t, p["AlarmName"])] = p
	}
	require.Len(t, s.rules, 3)
	for name, pair := range s.rules {
		l1, l2 := composites[pair[0]], composites[pair[1]]
		require.NotNil(t, l1, name)
		require.NotNil(t, l2, name)
		assert.Equal(t, l2["AlarmRule"], l1["AlarmRule"], "%s: the rule is aws-cdk-lib's AlarmRule", name)
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
		{Name: "no metric", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = nil }, Want: "Metric: a query is required"},
		{Name: "a metric without a statistic", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = stat("") }, Want: `statistic "" must be one of`},
		{Name: "a statistic spelled as aws-cdk-lib would rewrite it", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = stat("avg") }, Want: `statistic "avg" must be one of`},
		{Name: "a percentile in capitals", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = stat("P99") }, Want: `statistic "P99" must be one of`},
		{Name: "a metric without a period", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = cpu().With(0) }, Want: "period 0 must be 1, 5, 10, 30 or a multiple of 60"},
		{Name: "a period CloudWatch does not take", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = cpu().With(45) }, Want: "period 45 must be"},
		{Name: "a metric without a name", Mutate: func(p *AlarmsProps) { m := cpu(); m.Name = ""; p.Specs[0].Metric = m }, Want: "needs a namespace and a name"},
		{Name: "a pointer to a metric", Mutate: func(p *AlarmsProps) { m := cpu(); p.Specs[0].Metric = &m }, Want: "a query is a Metric or an Expression, not *alarms.Metric"},
		{Name: "a nil pointer to a metric", Mutate: func(p *AlarmsProps) { var m *Metric; p.Specs[0].Metric = m }, Want: "not *alarms.Metric"},
		{Name: "an expression over a bad metric", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m / 2", Period: 60, Using: map[string]Query{"m": stat("avg")}}
		}, Want: `statistic "avg"`},
		{Name: "an expression over nothing", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m / 2", Period: 60, Using: map[string]Query{"m": nil}}
		}, Want: `"m" is <nil>, not a Metric or an Expression`},
		{Name: "an expression over a pointer", Mutate: func(p *AlarmsProps) {
			m := cpu()
			p.Specs[0].Metric = Expression{Expression: "m / 2", Period: 60, Using: map[string]Query{"m": &m}}
		}, Want: `"m" is *alarms.Metric, not a Metric or an Expression`},
		{Name: "an expression using no metric", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = Expression{Expression: "TIME_SERIES(1)", Period: 60} }, Want: "uses no metric"},
		{Name: "an empty expression", Mutate: func(p *AlarmsProps) { p.Specs[0].Metric = Expression{Period: 60, Using: map[string]Query{"m": cpu()}} }, Want: "an expression is required"},
		{Name: "an expression without a period", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m", Using: map[string]Query{"m": cpu()}}
		}, Want: `expression "m": period 0 must be`},
		{Name: "a metric over another period than its expression", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m", Period: 300, Using: map[string]Query{"m": cpu()}}
		}, Want: `"m" has period 60, not the expression's 300`},
		{Name: "an id that is not a variable name", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "M", Period: 60, Using: map[string]Query{"M": cpu()}}
		}, Want: `id "M" must start with a lower-case letter`},
		{Name: "the top expression's id", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "expr_1", Period: 60, Using: map[string]Query{"expr_1": cpu()}}
		}, Want: `id "expr_1" must`},
		{Name: "an id used at two levels", Mutate: func(p *AlarmsProps) {
			inner := Expression{Expression: "m * 2", Period: 60, Using: map[string]Query{"m": cpu()}}
			p.Specs[0].Metric = Expression{Expression: "m + d", Period: 60, Using: map[string]Query{"m": cpu(), "d": inner}}
		}, Want: `id "m" is used twice`},
		{Name: "an expression reading an id it does not define", Mutate: func(p *AlarmsProps) {
			p.Specs[0].Metric = Expression{Expression: "m + FILL(other, 0)", Period: 60, Using: map[string]Query{"m": cpu()}}
		}, Want: `reads other, which Using does not name`},
		{Name: "a dimension without a value", Mutate: func(p *AlarmsProps) {
			m := cpu()
			m.Dimensions = map[string]*string{"ClusterName": nil}
			p.Specs[0].Metric = m
		}, Want: "dimension ClusterName has no value"},
		{Name: "an empty dimension value", Mutate: func(p *AlarmsProps) {
			m := cpu()
			m.Dimensions = map[string]*string{"ClusterName": jsii.String("")}
			p.Specs[0].Metric = m
		}, Want: `dimension ClusterName value "" must be 1-255 characters`},
		{Name: "an empty dimension name", Mutate: func(p *AlarmsProps) {
			m := cpu()
			m.Dimensions = map[string]*string{"": jsii.String("x")}
			p.Specs[0].Metric = m
		}, Want: `dimension name "" must be 1-255 characters`},
		{Name: "too many dimensions", Mutate: func(p *AlarmsProps) {
			m := cpu()
			m.Dimensions = map[string]*string{}
			for i := range 31 {
				m.Dimensions[fmt.Sprintf("D%d", i)] = jsii.String("x")
			}
			p.Specs[0].Metric = m
		}, Want: "31 dimensions, at most 30"},
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

// stat is cpu() with statistic st.
func stat(st string) Metric {
	m := cpu()
	m.Stat = st
	return m
}

func TestAlarmPropsAreValidated(t *testing.T) {
	valid := func() AlarmProps {
		return AlarmProps{Name: "n", Description: "d", Metric: cpu(), Comparison: "LessThanThreshold", Periods: 3, DatapointsToAlarm: 2,
			MissingData: limits.MissingIgnore}
	}
	cdktest.Rejects(t, valid, AlarmProps.Validate, []cdktest.Invalid[AlarmProps]{
		{Name: "no name", Mutate: func(p *AlarmProps) { p.Name = "" }, Want: `Name "" must be 1-255 characters`},
		{Name: "a name over 255 characters", Mutate: func(p *AlarmProps) { p.Name = strings.Repeat("a", 256) }, Want: "must be 1-255 characters"},
		{Name: "no description", Mutate: func(p *AlarmProps) { p.Description = "" }, Want: "Description of \"n\" must be 1-1024 characters"},
		{Name: "no metric", Mutate: func(p *AlarmProps) { p.Metric = nil }, Want: "Metric: a query is required"},
		{Name: "an anomaly-band comparison", Mutate: func(p *AlarmProps) { p.Comparison = "LessThanLowerThreshold" }, Want: `Comparison "LessThanLowerThreshold" must be one of`},
		{Name: "no periods", Mutate: func(p *AlarmProps) { p.Periods = 0 }, Want: "Periods 0 must be 1-24"},
		{Name: "more datapoints than periods", Mutate: func(p *AlarmProps) { p.DatapointsToAlarm = 4 }, Want: "DatapointsToAlarm 4 must be 1-Periods (3)"},
		{Name: "no missing-data treatment", Mutate: func(p *AlarmProps) { p.MissingData = "" }, Want: `MissingData "" must be one of`},
	})
	cdktest.Rejects(t, func() CompositeProps { return CompositeProps{Name: "c", Description: "d", Rule: `(ALARM("a"))`} },
		CompositeProps.Validate, []cdktest.Invalid[CompositeProps]{
			{Name: "a rule over no alarm", Mutate: func(p *CompositeProps) { p.Rule = AnyOf() }, Want: "Rule is required"},
			{Name: "no name", Mutate: func(p *CompositeProps) { p.Name = "" }, Want: `Name "" must be`},
		})
}

func TestNewAlarmsReportsInvalidProps(t *testing.T) {
	cdktest.NoPanic(t, func() {
		stack := awscdk.NewStack(cdktest.NewApp(t), jsii.String("S"), nil)
		_, err := NewAlarms(stack, "Set", AlarmsProps{})
		require.ErrorContains(t, err, "alarms Set: invalid props")
		_, err = NewAlarm(stack, "One", AlarmProps{Name: "one"})
		require.ErrorContains(t, err, "alarm One: invalid props")
		_, err = NewComposite(stack, "Any", CompositeProps{Name: "any", Description: "d"})
		require.ErrorContains(t, err, "composite alarm Any: invalid props")
	})
}

func TestUnknownIdentifiersAreThoseAwsCdkLibWarnsOf(t *testing.T) {
	using := map[string]Query{"errors": cpu(), "requests": cpu()}
	for expr, want := range map[string][]string{
		"100 * FILL(errors, 0) / requests":                                           nil,
		"errors + missing * other + missing":                                         {"missing", "other"},
		`SEARCH('{AWS/EC2,InstanceId} MetricName="CPUUtilization"', 'Average', 300)`: nil,
		"sum(METRICS()) + anything":                                                  nil,
		`errors + "a quoted name" + 'another one'`:                                   nil,
		"errors * ${Token[TOKEN.12]}":                                                nil,
	} {
		assert.Equal(t, want, unknownIdentifiers(expr, using), expr)
	}
}
