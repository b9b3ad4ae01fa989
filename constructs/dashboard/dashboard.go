// Package dashboard provides Dashboard: a CloudWatch dashboard laid out as rows of widgets over
// given metrics and alarms. It knows no tier: callers pass the metrics of their resources.
package dashboard

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
)

// Widget is one widget: a graph of Left (and Right) metrics, a single value of each of Values,
// or the states of Alarms. Exactly one of the three is set.
type Widget struct {
	Title  string
	Left   []cw.IMetric
	Right  []cw.IMetric
	Values []cw.IMetric
	// WholeRange makes Values cover the dashboard's whole time range instead of the latest
	// period (for values with a period of their own, such as an error budget).
	WholeRange bool
	Alarms     []cw.IAlarm
	// Width is in grid units (24 per row).
	// Default: 8.
	Width int
}

// Row is a titled row of widgets.
type Row struct {
	Title   string
	Widgets []Widget
}

// DashboardProps configures a Dashboard.
type DashboardProps struct {
	// Name is the dashboard's name: 1-255 letters, digits, - and _.
	Name string
	// Rows are laid out top to bottom.
	Rows []Row
	// Start is the default time range, relative (e.g. "-PT3H").
	// Default: "-PT3H".
	Start string
}

// Dashboard is the dashboard.
type Dashboard struct {
	constructs.Construct
	Dashboard cw.Dashboard
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// Validate returns every problem with p.
func (p DashboardProps) Validate() error {
	var errs []error
	if !nameRE.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("Name %q must be 1-255 letters, digits, - and _", p.Name))
	}
	if len(p.Rows) == 0 {
		errs = append(errs, errors.New("Rows: at least one row"))
	}
	for i, r := range p.Rows {
		for j, w := range r.Widgets {
			kinds := 0
			for _, n := range []int{len(w.Left) + len(w.Right), len(w.Values), len(w.Alarms)} {
				if n > 0 {
					kinds++
				}
			}
			if kinds != 1 {
				errs = append(errs, fmt.Errorf("Rows[%d] %q widget %d %q: exactly one of metrics, values and alarms", i, r.Title, j, w.Title))
			}
			if w.Width < 0 || w.Width > 24 {
				errs = append(errs, fmt.Errorf("Rows[%d] %q widget %d %q: Width %d must be 1-24", i, r.Title, j, w.Title, w.Width))
			}
		}
	}
	return errors.Join(errs...)
}

// NewDashboard creates the dashboard, or returns every problem with props.
func NewDashboard(scope constructs.Construct, id string, props DashboardProps) (*Dashboard, error) {
	if err := props.Validate(); err != nil {
		return nil, fmt.Errorf("dashboard %s: invalid props:\n%w", id, err)
	}
	if props.Start == "" {
		props.Start = "-PT3H"
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	d := cw.NewDashboard(this, jsii.String("Dashboard"), &cw.DashboardProps{
		DashboardName: jsii.String(props.Name),
		Start:         jsii.String(props.Start),
	})
	// CloudFormation accepts Tags on a dashboard, but the pinned cfn-lint (1.51.0) does not know
	// the property yet (E3002) and a dashboard costs nothing to leave untagged; drop this with
	// the untagged types of stacks/stage.go when cfn-lint is upgraded.
	d.Node().DefaultChild().(awscdk.CfnResource).AddPropertyDeletionOverride(jsii.String("Tags"))
	for _, r := range props.Rows {
		d.AddWidgets(cw.NewTextWidget(&cw.TextWidgetProps{Markdown: jsii.String("## " + r.Title), Width: jsii.Number(24), Height: jsii.Number(1)}))
		widgets := make([]cw.IWidget, len(r.Widgets))
		for i, w := range r.Widgets {
			widgets[i] = widget(w)
		}
		d.AddWidgets(widgets...)
	}
	return &Dashboard{Construct: this, Dashboard: d}, nil
}

func widget(w Widget) cw.IWidget {
	width := w.Width
	if width == 0 {
		width = 8
	}
	switch {
	case len(w.Values) > 0:
		return cw.NewSingleValueWidget(&cw.SingleValueWidgetProps{
			Title: jsii.String(w.Title), Metrics: &w.Values, Width: jsii.Number(float64(width)), Height: jsii.Number(4),
			SetPeriodToTimeRange: jsii.Bool(w.WholeRange),
		})
	case len(w.Alarms) > 0:
		refs := make([]interfacesawscloudwatch.IAlarmRef, len(w.Alarms))
		for i, a := range w.Alarms {
			refs[i] = a
		}
		return cw.NewAlarmStatusWidget(&cw.AlarmStatusWidgetProps{
			Title: jsii.String(w.Title), Alarms: &refs, Width: jsii.Number(float64(width)), Height: jsii.Number(6),
		})
	}
	props := &cw.GraphWidgetProps{Title: jsii.String(w.Title), Width: jsii.Number(float64(width)), Height: jsii.Number(6)}
	if len(w.Left) > 0 {
		props.Left = &w.Left
	}
	if len(w.Right) > 0 {
		props.Right = &w.Right
	}
	return cw.NewGraphWidget(props)
}

// Seconds is a Duration of s seconds, for callers building metrics.
func Seconds(s int) awscdk.Duration { return duration.Seconds(float64(s)) }
