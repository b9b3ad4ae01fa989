package slo

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/alerting"
	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
	slo   *SLO
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func count(name string) alarms.Metric {
	return alarms.Metric{Namespace: "AWS/ApplicationELB", Name: name, Stat: "Sum", Period: 60,
		Dimensions: map[string]*string{"TargetGroup": jsii.String("targetgroup/api/0123")}}
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "slo-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Slo", "us-east-1")}
		topic, err := alerting.NewTopic(s.stack, "Topic", alerting.TopicProps{Name: "alarms"})
		if err != nil {
			return nil, err
		}
		s.slo, err = NewSLO(s.stack, "Availability", SLOProps{
			Name: "stratus-prod-us-east-1-api-availability", Action: topic.Arn, Runbook: "service-5xx.md", What: "api availability",
			Indicator: Ratio{Bad: count("HTTPCode_Target_5XX_Count"), Total: count("RequestCount")},
		})
		return s, err
	})
}

func TestBurnRateAlarmsUseBothWindows(t *testing.T) {
	s := synth(t)
	tpl := cdktest.Template(t, s.stack)
	windows := map[string][2]float64{} // alarm name → period of its expression, threshold
	for _, a := range cdktest.OfType(t, tpl, "AWS::CloudWatch::Alarm") {
		p := cdktest.Props(t, a)
		assert.Nil(t, p["AlarmActions"], "a window alarm has no actions: its composite notifies")
		assert.Equal(t, "notBreaching", p["TreatMissingData"], "no traffic burns no budget")
		for _, q := range cdktest.As[[]any](t, p["Metrics"]) {
			if e, ok := cdktest.As[map[string]any](t, q)["Expression"]; ok {
				assert.Equal(t, "FILL(bad, 0) / total", e)
			} else if stat, ok := cdktest.As[map[string]any](t, q)["MetricStat"]; ok {
				windows[cdktest.As[string](t, p["AlarmName"])] = [2]float64{cdktest.As[float64](t, cdktest.As[map[string]any](t, stat)["Period"]), cdktest.As[float64](t, p["Threshold"])}
			}
		}
	}
	const prefix = "stratus-prod-us-east-1-api-availability-burn-"
	assert.Equal(t, map[string][2]float64{
		prefix + "1h": {3600, 14.4 * 0.001}, prefix + "5m": {300, 14.4 * 0.001},
		prefix + "6h": {21600, 6 * 0.001}, prefix + "30m": {1800, 6 * 0.001},
	}, roundAll(windows))
	composites := cdktest.OfType(t, tpl, "AWS::CloudWatch::CompositeAlarm")
	require.Len(t, composites, 2)
	for _, c := range composites {
		p := cdktest.Props(t, c)
		rule := fmt.Sprint(p["AlarmRule"])
		assert.Contains(t, rule, " AND ", "both windows must burn")
		assert.NotEmpty(t, p["AlarmActions"])
		assert.NotEmpty(t, p["OKActions"])
	}
	cdktest.NoPanic(t, func() {
		assertions.Template_FromStack(s.stack, nil).HasResourceProperties(jsii.String("AWS::CloudWatch::CompositeAlarm"), &map[string]any{
			"AlarmName":        "stratus-prod-us-east-1-api-availability-fastBurn",
			"AlarmDescription": assertions.Match_StringLikeRegexp(jsii.String(`^\[page\] api availability \(objective 99.9 %\) is burning .* 14.4 times .* over 1h and 5m\. Runbook: runbooks/service-5xx\.md$`)),
		})
	})
	assert.Len(t, s.slo.Windows, 4)
	cdktest.Gates(t, s.dir, s.stack)
}

func TestTheBudgetIsWhatIsLeftOfTheWindowsErrors(t *testing.T) {
	s := synth(t)
	var config *cw.MetricConfig
	cdktest.NoPanic(t, func() { config = s.slo.BudgetRemaining().L2().ToMetricConfig() })
	require.NotNil(t, config.MathExpression)
	m := regexp.MustCompile(`^100 \* \(1 - FILL\(ratio_api_availability, 0\) / ([0-9.e-]+)\)$`).FindStringSubmatch(*config.MathExpression.Expression)
	require.Len(t, m, 2, *config.MathExpression.Expression)
	budget, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.InDelta(t, 0.001, budget, 1e-9, "the budget of 99.9 %")
	assert.Equal(t, 30*86400.0, *config.MathExpression.Period, "over the 30-day window")
	assert.Contains(t, *config.MathExpression.UsingMetrics, "ratio_api_availability")
}

// TestTheBudgetIsWrittenInPlainDecimals: CloudWatch's metric math reads no exponent, and %g
// wrote the budget of the highest objective allowed as 1.0000000000065512e-05.
func TestTheBudgetIsWrittenInPlainDecimals(t *testing.T) {
	for objective, want := range map[float64]string{99.999: "0.00001", 99.995: "0.00005", 99.9: "0.001", 99.95: "0.0005", 93.1: "0.069", 90: "0.1"} {
		assert.Equal(t, want, budgetFraction(objective), "the budget of %v %%", objective)
	}
}

// roundAll rounds thresholds to dodge float noise (14.4 × 0.001).
func roundAll(m map[string][2]float64) map[string][2]float64 {
	out := map[string][2]float64{}
	for k, v := range m {
		out[k] = [2]float64{v[0], float64(int(v[1]*1e6+0.5)) / 1e6}
	}
	return out
}

func TestSLOPropsAreValidated(t *testing.T) {
	r := Ratio{Bad: count("a"), Total: count("b")}
	valid := func() SLOProps {
		return SLOProps{Name: "n", Indicator: r, Action: jsii.String("arn:aws:sns:us-east-1:111111111111:alarms"), Runbook: "latency-burn.md", What: "w"}
	}
	cdktest.Rejects(t, valid, SLOProps.Validate, []cdktest.Invalid[SLOProps]{
		{Name: "a name with a space", Mutate: func(p *SLOProps) { p.Name = "a b" }, Want: `Name "a b"`},
		{Name: "no indicator", Mutate: func(p *SLOProps) { p.Indicator = nil }, Want: "Indicator is required"},
		{Name: "an indicator over a statistic CloudWatch does not know", Mutate: func(p *SLOProps) {
			bad := count("a")
			bad.Stat = "avg"
			p.Indicator = Ratio{Bad: bad, Total: count("b")}
		}, Want: `Indicator: metric AWS/ApplicationELB/a: statistic "avg"`},
		{Name: "no action", Mutate: func(p *SLOProps) { p.Action = nil }, Want: "Action is required"},
		{Name: "an objective of 100 %", Mutate: func(p *SLOProps) { p.Objective = 100 }, Want: "Objective 100 must be 93.1-99.999 percent"},
		{Name: "a window of a year", Mutate: func(p *SLOProps) { p.WindowDays = 365 }, Want: "WindowDays 365 must be 7-90"},
		{Name: "an unknown runbook", Mutate: func(p *SLOProps) { p.Runbook = "x.md" }, Want: `Runbook "x.md"`},
		{Name: "no what", Mutate: func(p *SLOProps) { p.What = "" }, Want: "What is required"},
	})
}

// Over a blue/green service's two target groups (its tasks may be behind either after a release),
// the indicators count both: the ratio sums bad and total events, the rank weighs each group's
// rank by its number of responses.
func TestIndicatorsOverSeveralGroupsCountEveryGroup(t *testing.T) {
	group := func(tg, name, stat string) alarms.Metric {
		return alarms.Metric{Namespace: "AWS/ApplicationELB", Name: name, Stat: stat, Period: 60,
			Dimensions: map[string]*string{"TargetGroup": jsii.String(tg)}}
	}
	ratio := Ratio{Bad: group("blue", "HTTPCode_Target_5XX_Count", "Sum"), Total: group("blue", "RequestCount", "Sum"),
		Also: []Ratio{{Bad: group("green", "HTTPCode_Target_5XX_Count", "Sum"), Total: group("green", "RequestCount", "Sum")}}}.ErrorRatio(3600)
	assert.Equal(t, "(FILL(bad0, 0) + FILL(bad1, 0)) / (FILL(total0, 0) + FILL(total1, 0))", ratio.Expression)
	assert.Equal(t, 3600, ratio.Period)
	assert.Equal(t, map[string]alarms.Query{
		"bad0": group("blue", "HTTPCode_Target_5XX_Count", "Sum").With(3600), "total0": group("blue", "RequestCount", "Sum").With(3600),
		"bad1": group("green", "HTTPCode_Target_5XX_Count", "Sum").With(3600), "total1": group("green", "RequestCount", "Sum").With(3600),
	}, ratio.Using)
	require.NoError(t, alarms.Validate(ratio))

	rank := Rank{Metric: group("blue", "TargetResponseTime", "PR(0:0.5)"), Also: []alarms.Metric{group("green", "TargetResponseTime", "PR(0:0.5)")}}.ErrorRatio(300)
	assert.Equal(t, "(100 - (FILL(good0, 0) * FILL(count0, 0) + FILL(good1, 0) * FILL(count1, 0)) / (FILL(count0, 0) + FILL(count1, 0))) / 100", rank.Expression)
	assert.Equal(t, map[string]alarms.Query{
		"good0": group("blue", "TargetResponseTime", "PR(0:0.5)").With(300), "count0": group("blue", "TargetResponseTime", "SampleCount").With(300),
		"good1": group("green", "TargetResponseTime", "PR(0:0.5)").With(300), "count1": group("green", "TargetResponseTime", "SampleCount").With(300),
	}, rank.Using)
	require.NoError(t, alarms.Validate(rank))

	// One group: the expressions of before, so single-group templates do not change.
	assert.Equal(t, "FILL(bad, 0) / total", Ratio{Bad: group("blue", "HTTPCode_Target_5XX_Count", "Sum"), Total: group("blue", "RequestCount", "Sum")}.ErrorRatio(60).Expression)
	assert.Equal(t, "(100 - good) / 100", Rank{Metric: group("blue", "TargetResponseTime", "PR(0:0.5)")}.ErrorRatio(60).Expression)
}
