// Package dashboard provides Dashboard: a CloudWatch dashboard laid out as rows of widgets over
// given metrics and alarms. It knows no tier: callers pass the metrics of their resources.
//
// The dashboard is one L1 resource whose body is written in Go (body.go), as aws-cdk-lib's
// Dashboard, GraphWidget, SingleValueWidget, AlarmStatusWidget and TextWidget write it for the
// same widgets: the aws-cdk-lib objects cost a call into the jsii runtime each (every metric,
// widget and imported alarm) and a second rendering of the whole body at synthesis, and a
// region's dashboard has a row for every service. The tests compare the two bodies.
package dashboard

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/internal/tokens"
)

// Line is one line of a graph or one single value: an alarms.Metric, an alarms.Expression (metric
// math over metrics of the dashboard's region) or a Search (values, not pointers).
//
// Dimension values and alarm ARNs may be tokens of references: Ref, Fn::GetAtt, imports and
// strings built from them (an ARN of the stack's partition and account). The body carries them
// inside JSON strings as they resolve, unescaped: a token whose value holds literal text that JSON
// must escape (a quote, a backslash, a control character) would break the body, where
// aws-cdk-lib's Dashboard escapes it.
type Line any

// Search is metric math over the results of SEARCH expressions, run in Region: it graphs
// resources the dashboard's stack cannot reference (another region's, or names generated
// elsewhere).
type Search struct {
	// Expression holds the SEARCH, e.g. SUM(SEARCH('{AWS/ApplicationELB,LoadBalancer}
	// MetricName="RequestCount"', 'Sum', 60)).
	Expression string
	// Label names the line.
	Label string
	// Period is in seconds: 1, 5, 10, 30 or a multiple of 60.
	Period int
	// Region is where the search runs.
	// Default: the dashboard's region.
	Region string
}

// Widget is one widget: a graph of Left (and Right) lines, a single value of each of Values,
// or the states of Alarms. Exactly one of the three is set.
type Widget struct {
	Title  string
	Left   []Line
	Right  []Line
	Values []Line
	// WholeRange makes Values cover the dashboard's whole time range instead of the latest
	// period (for values with a period of their own, such as an error budget).
	WholeRange bool
	// Alarms are the ARNs of the alarms (or composite alarms) whose states the widget shows, at
	// most 100 (CloudWatch's limit): arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>,
	// tokens allowed (see Line).
	Alarms []*string
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
	Resource cw.CfnDashboard
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,255}$`)

// maxAlarms is how many alarms an alarm status widget shows at most.
const maxAlarms = 100

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
			at := fmt.Sprintf("Rows[%d] %q widget %d %q", i, r.Title, j, w.Title)
			kinds := 0
			for _, n := range []int{len(w.Left) + len(w.Right), len(w.Values), len(w.Alarms)} {
				if n > 0 {
					kinds++
				}
			}
			if kinds != 1 {
				errs = append(errs, fmt.Errorf("%s: exactly one of metrics, values and alarms", at))
			}
			if w.Width < 0 || w.Width > 24 {
				errs = append(errs, fmt.Errorf("%s: Width %d must be 1-24", at, w.Width))
			}
			if len(w.Alarms) > maxAlarms {
				errs = append(errs, fmt.Errorf("%s: %d alarms, at most %d", at, len(w.Alarms), maxAlarms))
			}
			for k, a := range w.Alarms {
				if !alarmArn(a) {
					errs = append(errs, fmt.Errorf("%s: Alarms[%d] %s is not an alarm ARN (arn:<partition>:cloudwatch:<region>:<account>:alarm:<name>)", at, k, show(a)))
				}
			}
			linesOK := true
			for _, l := range slices.Concat(w.Left, w.Right, w.Values) {
				if err := validateLine(l); err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", at, err))
					linesOK = false
				}
			}
			if !linesOK {
				continue // the ids of lines that are not valid cannot be compared
			}
			// Lines that share an id must be the same metric (aws-cdk-lib refuses the rest).
			if _, err := metricSet(w.Left, w.Right); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", at, err))
			}
			if _, err := metricSet(w.Values, nil); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", at, err))
			}
		}
	}
	return errors.Join(errs...)
}

// alarmArn says whether a is an alarm's ARN, or a token (whose value is known at deploy time).
func alarmArn(a *string) bool {
	if a == nil {
		return false
	}
	if tokens.In(*a) && !strings.HasPrefix(*a, "arn:") {
		return true // a token as a whole, or starting with one: an attribute, an import
	}
	parts := strings.SplitN(*a, ":", 6) // the name, last, may hold colons
	return len(parts) == 6 && parts[0] == "arn" && parts[2] == "cloudwatch" && strings.HasPrefix(parts[5], "alarm:") && len(parts[5]) > len("alarm:")
}

func show(a *string) string {
	if a == nil {
		return "nil"
	}
	return fmt.Sprintf("%q", *a)
}

func validateLine(l Line) error {
	switch l := l.(type) {
	case alarms.Metric:
		return alarms.Validate(l)
	case alarms.Expression:
		return alarms.Validate(l)
	case Search:
		var errs []error
		if l.Expression == "" {
			errs = append(errs, errors.New("a search needs an expression"))
		}
		if l.Label == "" {
			errs = append(errs, fmt.Errorf("search %q: a label is required", l.Expression))
		}
		if !alarms.ValidPeriod(l.Period) {
			errs = append(errs, fmt.Errorf("search %q: period %d must be 1, 5, 10, 30 or a multiple of 60 seconds", l.Expression, l.Period))
		}
		return errors.Join(errs...)
	case nil:
		return errors.New("a line is required")
	}
	return fmt.Errorf("a line is an alarms.Metric, an alarms.Expression or a Search, not %T", l)
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
	body := render(props, stackRegion(scope))
	// At the path aws-cdk-lib's Dashboard gives its resource (<id>/Dashboard/Resource), so the
	// logical id is the one the dashboard always had.
	resource := cw.NewCfnDashboard(constructs.NewConstruct(this, jsii.String("Dashboard")), jsii.String("Resource"), &cw.CfnDashboardProps{
		DashboardName: jsii.String(props.Name),
		DashboardBody: substituted(body),
	})
	// CloudFormation accepts Tags on a dashboard, but the pinned cfn-lint (1.51.0) does not know
	// the property yet (E3002) and a dashboard costs nothing to leave untagged; drop this with
	// the untagged types of stacks/stage.go when cfn-lint is upgraded.
	resource.AddPropertyDeletionOverride(jsii.String("Tags"))
	return &Dashboard{Construct: this, Resource: resource}, nil
}

// substituted is body as one Fn::Sub whose variables are body's distinct tokens (v0, v1, … in the
// order they first appear), or body itself when it holds no token. CloudFormation writes the same
// string as before; the template holds each token once. A region's dashboard names a target
// group or a load balancer in each of a service's metrics: as an Fn::Join of the body's literal
// parts and tokens (what aws-cdk-lib writes, and this package did until 2026-12-02) its 1,770
// tokens made 427 KB of a 40-service App template, against 260 KB so. The variables also spare
// aws-cdk-lib resolving each token again at every use. (Handed over as one string, body would
// give an Fn::Join that aws-cdk-lib joins two parts at a time, copying what it has joined so far
// at each step: time growing with the square of the services.)
func substituted(body string) *string {
	locations := tokens.Locate(body)
	if len(locations) == 0 {
		return jsii.String(body)
	}
	var template strings.Builder
	variables := map[string]*string{}
	names := map[string]string{} // token → its variable
	last := 0
	for _, l := range locations {
		// A literal "${" would read as a variable: CloudFormation's escape is "${!".
		template.WriteString(strings.ReplaceAll(body[last:l[0]], "${", "${!"))
		token := body[l[0]:l[1]]
		name, ok := names[token]
		if !ok {
			name = "v" + strconv.Itoa(len(names))
			names[token], variables[name] = name, jsii.String(token)
		}
		template.WriteString("${" + name + "}")
		last = l[1]
	}
	template.WriteString(strings.ReplaceAll(body[last:], "${", "${!"))
	return awscdk.Fn_Sub(jsii.String(template.String()), &variables)
}

// stackRegion is the region of scope's stack, "" when it is a token (an environment-agnostic
// stack): a Search in another region names it, as aws-cdk-lib does.
func stackRegion(scope constructs.Construct) string {
	region := awscdk.Stack_Of(scope).Region()
	if *awscdk.Token_IsUnresolved(region) {
		return ""
	}
	return *region
}
