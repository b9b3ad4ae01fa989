package dashboard

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func requests() cw.IMetric {
	return cw.NewMetric(&cw.MetricProps{Namespace: jsii.String("AWS/ApplicationELB"), MetricName: jsii.String("RequestCount"),
		DimensionsMap: &map[string]*string{"LoadBalancer": jsii.String("app/api/0123")}, Period: Seconds(60), Statistic: jsii.String("Sum")})
}

func TestDashboardLaysOutRows(t *testing.T) {
	s := fixture.Get(t, "dashboard-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Dash", "us-east-1")}
		alarm := cw.Alarm_FromAlarmArn(s.stack, jsii.String("A"), jsii.String("arn:aws:cloudwatch:eu-west-1:111111111111:alarm:stratus-prod-eu-west-1-regionUnhealthy"))
		_, err := NewDashboard(s.stack, "Dashboard", DashboardProps{Name: "stratus-prod-us-east-1", Rows: []Row{
			{Title: "Alarms", Widgets: []Widget{{Title: "Paging", Alarms: []cw.IAlarm{alarm}, Width: 24}}},
			{Title: "Load balancer", Widgets: []Widget{{Title: "Requests", Left: []cw.IMetric{requests()}}, {Title: "Total", Values: []cw.IMetric{requests()}, WholeRange: true}}},
		}})
		return s, err
	})
	dashboards := cdktest.OfType(t, cdktest.Template(t, s.stack), "AWS::CloudWatch::Dashboard")
	require.Len(t, dashboards, 1)
	for _, d := range dashboards {
		p := cdktest.Props(t, d)
		assert.Equal(t, "stratus-prod-us-east-1", p["DashboardName"])
		assert.NotContains(t, p, "Tags")
		body := fmt.Sprint(p["DashboardBody"])
		for _, want := range []string{"## Alarms", "## Load balancer", `"type":"alarm"`, "stratus-prod-eu-west-1-regionUnhealthy", `"title":"Requests"`, `"view":"singleValue"`, `"setPeriodToTimeRange":true`, "app/api/0123"} {
			assert.Contains(t, body, want)
		}
	}
	cdktest.Gates(t, s.dir, s.stack)
}

func TestDashboardPropsAreValidated(t *testing.T) {
	var m cw.IMetric
	cdktest.NoPanic(t, func() { m = requests() })
	valid := func() DashboardProps {
		return DashboardProps{Name: "d", Rows: []Row{{Title: "r", Widgets: []Widget{{Title: "w", Left: []cw.IMetric{m}}}}}}
	}
	cdktest.Rejects(t, valid, DashboardProps.Validate, []cdktest.Invalid[DashboardProps]{
		{Name: "a name with a dot", Mutate: func(p *DashboardProps) { p.Name = "a.b" }, Want: `Name "a.b"`},
		{Name: "no rows", Mutate: func(p *DashboardProps) { p.Rows = nil }, Want: "at least one row"},
		{Name: "an empty widget", Mutate: func(p *DashboardProps) { p.Rows[0].Widgets[0].Left = nil }, Want: "exactly one of metrics, values and alarms"},
		{Name: "a graph with values", Mutate: func(p *DashboardProps) { p.Rows[0].Widgets[0].Values = []cw.IMetric{m} }, Want: "exactly one of"},
		{Name: "a widget too wide", Mutate: func(p *DashboardProps) { p.Rows[0].Widgets[0].Width = 25 }, Want: "Width 25 must be 1-24"},
	})
}
