package dashboard

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	ssm "github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/duration"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
	// l2 holds an aws-cdk-lib Dashboard for each case, where NewDashboard puts its dashboard in
	// stack (<name>/Dashboard), to compare logical ids.
	l2 awscdk.Stack
	// cases are the dashboards of TestTheBodyIsWhatAwsCdkLibsDashboardWrites, by name: each
	// built by NewDashboard ("<name>") and by aws-cdk-lib's Dashboard ("<name>Reference").
	cases     []string
	templates cdktest.Templates
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func requests(dims map[string]*string) alarms.Metric {
	return alarms.Metric{Namespace: "AWS/ApplicationELB", Name: "RequestCount", Stat: "Sum", Period: 60, Dimensions: dims}
}

var loadBalancer = map[string]*string{"LoadBalancer": jsii.String("app/api/0123")}

// comparedRows are dashboards that use every kind of widget and line this package writes, with
// tokens in dimensions and alarm ARNs, and text JSON must escape. topic and arn are tokens.
func comparedRows(topic *string, arn *string) map[string][]Row {
	target := map[string]*string{"LoadBalancer": jsii.String("app/api/0123"), "TargetGroup": topic}
	errors := alarms.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_Target_5XX_Count", Stat: "Sum", Period: 60, Dimensions: target}
	all := requests(target)
	ratio := alarms.Expression{Expression: "100 * (1 - bad / total)", Label: "availability", Period: 60,
		Using: map[string]alarms.Query{"bad": errors, "total": all}}
	nested := alarms.Expression{Expression: "100 - rate", Label: "budget", Period: 60,
		Using: map[string]alarms.Query{"rate": alarms.Expression{Expression: "bad / total", Period: 60,
			Using: map[string]alarms.Query{"bad": errors, "total": all}}}}
	rank := alarms.Expression{Expression: "within", Period: 60, Using: map[string]alarms.Query{
		"within": alarms.Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Stat: "PR(0:0.5)", Period: 60, Dimensions: target}}}
	search := func(region string) Search {
		return Search{Expression: `SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName="RequestCount"', 'Sum', 60))`, Label: "requests", Period: 60, Region: region}
	}
	return map[string][]Row{
		"Graphs": {{Title: `Service "orders" <api> & more — ünïcode`, Widgets: []Widget{
			{Title: "Requests and 5xx", Left: []Line{all}, Right: []Line{errors}, Width: 6},
			{Title: "p50 / p99", Left: []Line{all.With(300), alarms.Metric{Namespace: "AWS/ApplicationELB", Name: "TargetResponseTime", Stat: "Average", Period: 300}}, Width: 6},
			{Title: "Labelled", Left: []Line{alarms.Metric{Namespace: "AWS/Route53", Name: "HealthCheckStatus", Stat: "Minimum", Period: 60, Label: "us-east-1",
				Dimensions: map[string]*string{"HealthCheckId": topic}}}, Width: 12},
			// Wraps to a second line of the row (6+6+12 fill the first).
			{Title: "Availability", Left: []Line{ratio, all}, Right: []Line{nested}},
			{Title: "A shown metric an expression also reads", Left: []Line{errors, ratio}},
			{Title: "An expression without a label", Left: []Line{rank}, Width: 20},
		}}},
		"Values": {{Title: "Budgets", Widgets: []Widget{
			{Title: "Error budget remaining (%)", WholeRange: true, Width: 6, Values: []Line{ratio, nested, rank}},
			{Title: "Latest", Values: []Line{all}},
		}}},
		"Searches": {{Title: "Regions", Widgets: []Widget{
			{Title: "Here", Left: []Line{search("us-east-1")}, Width: 12},
			{Title: "There", Left: []Line{search("eu-west-1")}, Right: []Line{search("")}, Width: 12},
		}}},
		"Alarms": {
			{Title: "Alarms", Widgets: []Widget{
				{Title: "Paging", Alarms: []*string{arn, jsii.String("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:stratus-prod-eu-west-1-regionUnhealthy")}, Width: 12},
				{Alarms: []*string{arn}, Width: 12},
			}},
			{Title: "An empty row"},
			{Title: "One widget", Widgets: []Widget{{Title: "Total", Values: []Line{all}, WholeRange: true}}},
		},
	}
}

// reference builds rows with aws-cdk-lib's Dashboard and widgets, as this package did before it
// wrote the body itself.
func reference(scope constructs.Construct, id, name string, rows []Row) {
	d := cw.NewDashboard(scope, jsii.String(id), &cw.DashboardProps{DashboardName: jsii.String(name), Start: jsii.String("-PT3H")})
	d.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("Tags"))
	metrics := func(lines []Line) *[]cw.IMetric {
		if len(lines) == 0 {
			return nil
		}
		out := make([]cw.IMetric, len(lines))
		for i, l := range lines {
			switch l := l.(type) {
			case Search:
				props := &cw.MathExpressionProps{Expression: jsii.String(l.Expression), Label: jsii.String(l.Label), Period: duration.Seconds(float64(l.Period))}
				if l.Region != "" {
					props.SearchRegion = jsii.String(l.Region)
				}
				out[i] = cw.NewMathExpression(props)
			case alarms.Query:
				out[i] = l.L2()
			}
		}
		return &out
	}
	for k, r := range rows {
		d.AddWidgets(cw.NewTextWidget(&cw.TextWidgetProps{Markdown: jsii.String("## " + r.Title), Width: jsii.Number(24), Height: jsii.Number(1)}))
		widgets := make([]cw.IWidget, len(r.Widgets))
		for i, w := range r.Widgets {
			// The sizes the package used with aws-cdk-lib's widgets: 8 wide unless set; a value 4
			// high, a graph and an alarm widget 6.
			width := jsii.Number(float64(cmp.Or(w.Width, 8)))
			switch {
			case len(w.Values) > 0:
				widgets[i] = cw.NewSingleValueWidget(&cw.SingleValueWidgetProps{Title: jsii.String(w.Title), Metrics: metrics(w.Values),
					Width: width, Height: jsii.Number(4), SetPeriodToTimeRange: jsii.Bool(w.WholeRange)})
			case len(w.Alarms) > 0:
				refs := make([]interfacesawscloudwatch.IAlarmRef, len(w.Alarms))
				for j, arn := range w.Alarms {
					refs[j] = cw.Alarm_FromAlarmArn(scope, jsii.String(fmt.Sprintf("%s-%d-%d-%d", id, k, i, j)), arn)
				}
				props := &cw.AlarmStatusWidgetProps{Alarms: &refs, Width: width, Height: jsii.Number(6)}
				if w.Title != "" {
					props.Title = jsii.String(w.Title)
				}
				widgets[i] = cw.NewAlarmStatusWidget(props)
			default:
				widgets[i] = cw.NewGraphWidget(&cw.GraphWidgetProps{Title: jsii.String(w.Title), Left: metrics(w.Left), Right: metrics(w.Right),
					Width: width, Height: jsii.Number(6)})
			}
		}
		d.AddWidgets(widgets...)
	}
}

func app(t testing.TB) *synthesized {
	return fixture.Get(t, "dashboard-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Dash", "us-east-1"), l2: cdktest.NewStack(app, "DashL2", "us-east-1")}
		// A token for a dimension (an Fn::GetAtt), from a resource the packs find nothing in.
		topic := ssm.NewCfnParameter(s.stack, jsii.String("Target"), &ssm.CfnParameterProps{Type: jsii.String("String"), Value: jsii.String("targetgroup/api/0123")}).AttrValue()
		arn := jsii.String(fmt.Sprintf("arn:%s:cloudwatch:us-east-1:%s:alarm:stratus-prod-us-east-1-regionUnhealthy", *s.stack.Partition(), *s.stack.Account()))
		for name, rows := range comparedRows(topic, arn) {
			s.cases = append(s.cases, name)
			if _, err := NewDashboard(s.stack, name, DashboardProps{Name: "stratus-" + name, Rows: rows}); err != nil {
				return nil, err
			}
			reference(s.stack, name+"Reference", "stratus-reference-"+name, rows)
			d := cw.NewDashboard(constructs.NewConstruct(s.l2, jsii.String(name)), jsii.String("Dashboard"), &cw.DashboardProps{DashboardName: jsii.String("stratus-l2-" + name)})
			d.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("Tags"))
		}
		return s, nil
	})
}

// dashboardBodies are the template's dashboards' bodies, by dashboard name.
func dashboardBodies(t *testing.T, s *synthesized) map[string]any {
	out := map[string]any{}
	for _, d := range cdktest.OfType(t, s.templates.Of(t, s.stack), "AWS::CloudWatch::Dashboard") {
		p := cdktest.Props(t, d)
		out[cdktest.As[string](t, p["DashboardName"])] = p["DashboardBody"]
	}
	return out
}

func TestTheBodyIsWhatAwsCdkLibsDashboardWrites(t *testing.T) {
	s := app(t)
	bodies := dashboardBodies(t, s)
	require.Len(t, s.cases, 4)
	for _, name := range s.cases {
		t.Run(name, func(t *testing.T) {
			got, want := bodies["stratus-"+name], bodies["stratus-reference-"+name]
			require.NotNil(t, want)
			// What CloudFormation writes: the same string, though this package hands it over as an
			// Fn::Sub of its distinct tokens and aws-cdk-lib as an Fn::Join of every piece.
			assert.Equal(t, deployed(t, want), deployed(t, got))
			assert.Contains(t, got, "Fn::Sub", "the tokens are variables")
		})
	}
	// The comparison means something only if the bodies carry tokens and every kind of widget.
	all := fmt.Sprint(bodies)
	for _, want := range []string{"Fn::Join", "Fn::GetAtt", `"type":"alarm"`, `"view":"singleValue"`, `"view":"timeSeries"`, `"type":"text"`,
		`"visible":false`, `"region":"eu-west-1"`, `"yAxis":"right"`, `"title":"Alarm Status"`, `"y":7`} {
		assert.Contains(t, all, want)
	}
}

// deployed is the string CloudFormation makes of a body: itself, the pieces of an Fn::Join, or the
// template of an Fn::Sub with its variables put in ("${!" is a literal "${"). A token (an
// attribute, an import) is written as its JSON between angle brackets.
func deployed(t *testing.T, body any) string {
	t.Helper()
	token := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return "<" + string(b) + ">"
	}
	parts := cdktest.Pieces(body)
	require.NotEmpty(t, parts, "not a body CloudFormation writes: %v", body)
	var out strings.Builder
	for _, piece := range parts {
		if s, ok := piece.(string); ok {
			out.WriteString(s)
		} else {
			require.NotNil(t, piece, "a variable the Fn::Sub does not define: %v", body)
			out.WriteString(token(piece))
		}
	}
	return out.String()
}

func TestTheDashboardIsOneUntaggedResourceWithTheLogicalIdOfAwsCdkLibs(t *testing.T) {
	s := app(t)
	ids := func(stack awscdk.Stack) []string {
		var out []string
		for id, d := range cdktest.OfType(t, s.templates.Of(t, stack), "AWS::CloudWatch::Dashboard") {
			assert.NotContains(t, cdktest.Props(t, d), "Tags", id)
			if !strings.Contains(id, "Reference") {
				out = append(out, id)
			}
		}
		return out
	}
	l2 := ids(s.l2)
	require.Len(t, l2, len(s.cases))
	assert.ElementsMatch(t, l2, ids(s.stack))
	cdktest.Gates(t, s.dir, s.stack, s.l2)
}

func TestDashboardPropsAreValidated(t *testing.T) {
	m := requests(loadBalancer)
	other := alarms.Metric{Namespace: "AWS/ApplicationELB", Name: "HTTPCode_ELB_5XX_Count", Stat: "Sum", Period: 60, Dimensions: loadBalancer}
	valid := func() DashboardProps {
		return DashboardProps{Name: "d", Rows: []Row{{Title: "r", Widgets: []Widget{{Title: "w", Left: []Line{m}}}}}}
	}
	widget := func(p *DashboardProps) *Widget { return &p.Rows[0].Widgets[0] }
	cdktest.Rejects(t, valid, DashboardProps.Validate, []cdktest.Invalid[DashboardProps]{
		{Name: "a name with a dot", Mutate: func(p *DashboardProps) { p.Name = "a.b" }, Want: `Name "a.b"`},
		{Name: "no rows", Mutate: func(p *DashboardProps) { p.Rows = nil }, Want: "at least one row"},
		{Name: "an empty widget", Mutate: func(p *DashboardProps) { widget(p).Left = nil }, Want: "exactly one of metrics, values and alarms"},
		{Name: "a graph with values", Mutate: func(p *DashboardProps) { widget(p).Values = []Line{m} }, Want: "exactly one of"},
		{Name: "a widget too wide", Mutate: func(p *DashboardProps) { widget(p).Width = 25 }, Want: "Width 25 must be 1-24"},
		{Name: "a line of another type", Mutate: func(p *DashboardProps) { widget(p).Left = []Line{"RequestCount"} }, Want: "not string"},
		{Name: "a pointer to a metric", Mutate: func(p *DashboardProps) { widget(p).Left = []Line{&m} }, Want: "not *alarms.Metric"},
		{Name: "a nil line", Mutate: func(p *DashboardProps) { widget(p).Right = []Line{nil} }, Want: "a line is required"},
		{Name: "a metric alarms.Validate refuses", Mutate: func(p *DashboardProps) { widget(p).Left = []Line{m.With(7)} }, Want: "period 7"},
		{Name: "a search without a label", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{Search{Expression: "SEARCH('x', 'Sum', 60)", Period: 60}}
		}, Want: "a label is required"},
		{Name: "a search without an expression", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{Search{Label: "x", Period: 60}}
		}, Want: "a search needs an expression"},
		{Name: "a search over a bad period", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{Search{Expression: "SEARCH('x', 'Sum', 90)", Label: "x", Period: 90}}
		}, Want: "period 90"},
		{Name: "a negative width", Mutate: func(p *DashboardProps) { widget(p).Width = -1 }, Want: "Width -1 must be 1-24"},
		{Name: "an id naming two metrics", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{
				alarms.Expression{Expression: "a", Period: 60, Label: "one", Using: map[string]alarms.Query{"a": m}},
				alarms.Expression{Expression: "a * 2", Period: 60, Label: "two", Using: map[string]alarms.Query{"a": other}},
			}
		}, Want: `id "a" names two different metrics`},
		{Name: "an id naming two metrics among values", Mutate: func(p *DashboardProps) {
			*widget(p) = Widget{Title: "v", Values: []Line{
				alarms.Expression{Expression: "a", Period: 60, Label: "one", Using: map[string]alarms.Query{"a": m}},
				alarms.Expression{Expression: "a * 2", Period: 60, Label: "two", Using: map[string]alarms.Query{"a": other}},
			}}
		}, Want: `widget 0 "v": id "a" names two different metrics`},
		{Name: "an expression reading an id it does not define", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{alarms.Expression{Expression: "a + b", Period: 60, Label: "x", Using: map[string]alarms.Query{"a": m}}}
		}, Want: "reads b, which Using does not name"},
		{Name: "a dimension without a value", Mutate: func(p *DashboardProps) {
			widget(p).Left = []Line{requests(map[string]*string{"LoadBalancer": nil})}
		}, Want: "dimension LoadBalancer has no value"},
		{Name: "too many alarms", Mutate: func(p *DashboardProps) {
			*widget(p) = Widget{Alarms: make([]*string, 101)}
			for i := range widget(p).Alarms {
				widget(p).Alarms[i] = jsii.String(fmt.Sprintf("arn:aws:cloudwatch:us-east-1:111111111111:alarm:a%d", i))
			}
		}, Want: "101 alarms, at most 100"},
		{Name: "an alarm without an ARN", Mutate: func(p *DashboardProps) { *widget(p) = Widget{Alarms: []*string{nil}} }, Want: "Alarms[0] nil is not an alarm ARN"},
		{Name: "an empty alarm ARN", Mutate: func(p *DashboardProps) { *widget(p) = Widget{Alarms: []*string{jsii.String("")}} }, Want: `Alarms[0] "" is not an alarm ARN`},
		{Name: "an alarm's name for its ARN", Mutate: func(p *DashboardProps) {
			*widget(p) = Widget{Alarms: []*string{jsii.String("stratus-prod-us-east-1-regionUnhealthy")}}
		}, Want: "is not an alarm ARN"},
		{Name: "another service's ARN", Mutate: func(p *DashboardProps) {
			*widget(p) = Widget{Alarms: []*string{jsii.String("arn:aws:sns:us-east-1:111111111111:alarm:x")}}
		}, Want: "is not an alarm ARN"},
	})
}

func TestNewDashboardReportsInvalidProps(t *testing.T) {
	_, err := NewDashboard(nil, "Broken", DashboardProps{Name: "a.b"})
	assert.ErrorContains(t, err, "dashboard Broken: invalid props")
}

func TestQuoteWritesWhatJSONStringifyWrites(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:            `"plain"`,
		`"quoted" \ path`:  `"\"quoted\" \\ path"`,
		"tab\tnew\nline\r": `"tab\tnew\nline\r"`,
		"\b\f\x01\x1f":     `"\b\f\u0001\u001f"`,
		"<a> & — \u2028":   "\"<a> & — \u2028\"",
		"${Token[X.1]}":    `"${Token[X.1]}"`,
	} {
		assert.Equal(t, want, quote(in), "%q", in)
	}
}

func TestAlarmArnsAndTokensAreAccepted(t *testing.T) {
	for _, arn := range []string{
		"arn:aws:cloudwatch:eu-west-1:111111111111:alarm:stratus-prod-eu-west-1-regionUnhealthy",
		"arn:${Token[AWS.Partition.9]}:cloudwatch:us-east-1:${Token[AWS.AccountId.5]}:alarm:a:name:with:colons",
		"${Token[TOKEN.42]}",
	} {
		assert.True(t, alarmArn(jsii.String(arn)), arn)
	}
}

// TestSubstitutedKeepsLiteralDollarBracesAndNamesEachTokenOnce: a body's own "${" (a dynamic
// label) stays literal through Fn::Sub, and a token met twice is one variable.
func TestSubstitutedKeepsLiteralDollarBracesAndNamesEachTokenOnce(t *testing.T) {
	var resolved any
	cdktest.NoPanic(t, func() {
		stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Substituted"), nil)
		region := *awscdk.Aws_REGION()
		resolved = stack.Resolve(substituted(`{"label":"${PROP('Dim.Name')}","a":"` + region + `","b":"` + region + `"}`))
	})
	body, err := json.Marshal(resolved)
	require.NoError(t, err)
	var parsed any
	require.NoError(t, json.Unmarshal(body, &parsed))
	assert.Equal(t, `{"label":"${PROP('Dim.Name')}","a":"<{"Ref":"AWS::Region"}>","b":"<{"Ref":"AWS::Region"}>"}`, deployed(t, parsed))
	sub := parsed.(map[string]any)["Fn::Sub"].([]any)
	assert.Len(t, sub[1], 1, "one variable for the token met twice")
	assert.Equal(t, "no token", *substituted("no token"), "a body without tokens stays a string")
}
