package alarms

import (
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/tokens"
)

// Query is what an alarm evaluates: a Metric or an Expression over metrics (values, not
// pointers). It is described in Go, not as aws-cdk-lib metric objects, so an alarm is one L1
// resource created in one call into the jsii runtime: a metric object is a call of its own,
// every option and period another, and aws-cdk-lib's Alarm renders them again at synthesis.
// Alarms are most of a service's resources. NewAlarm renders a query as aws-cdk-lib's Alarm
// renders the same metric, for what Validate accepts: canonical statistics, the periods
// aws-cdk-lib allows, and an expression's metrics over its own period (aws-cdk-lib would change
// theirs). L2 gives the same query as an aws-cdk-lib metric: what the tests compare this
// package's and the dashboards' rendering with.
type Query interface {
	// L2 is the query as an aws-cdk-lib metric or math expression.
	L2() cw.IMetric
	// validate checks the query; ids holds the ids the query used so far (Expression).
	validate(ids map[string]bool) error
}

// Metric is one CloudWatch metric with a statistic and a period.
type Metric struct {
	Namespace, Name string
	// Dimensions name the resource; values may be tokens.
	// Default: none.
	Dimensions map[string]*string
	// Stat is a statistic as CloudWatch spells it: Sum, Average, Minimum, Maximum, SampleCount,
	// or an extended one ("p99", "tm90", "PR(0:1)", "IQM").
	Stat string
	// Period is in seconds: 1, 5, 10, 30 or a multiple of 60.
	Period int
	// Label names the metric on a dashboard and in the alarm's console.
	// Default: none (CloudWatch shows the metric's name).
	Label string
}

// Expression is metric math over Using, keyed by the ids Expression names them by.
type Expression struct {
	Expression string
	// Using are the metrics (or expressions) the expression reads, at least one. Their ids are
	// variable names (a lower-case letter, then letters, digits and _), unique in the whole query.
	Using map[string]Query
	// Period is in seconds, and the period of every metric in Using.
	Period int
	// Label names the result on graphs and in the alarm's console.
	// Default: none.
	Label string
}

// Validate returns every problem with q: a Metric or an Expression that NewAlarm renders as
// aws-cdk-lib's Alarm would.
func Validate(q Query) error {
	switch q.(type) {
	case Metric, Expression:
		return q.validate(map[string]bool{})
	case nil:
		return errors.New("a query is required")
	}
	return fmt.Errorf("a query is a Metric or an Expression, not %T", q)
}

var (
	// simpleStats are the statistics CloudFormation's Statistic takes; others are extended.
	simpleStats = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}
	// extendedStat is CloudWatch's extended statistics: percentile, trimmed mean, winsorized
	// mean, trimmed count and trimmed sum, as a value or a range; and the interquartile mean.
	extendedStat = regexp.MustCompile(`^((p|tm|wm|tc|ts)\d{1,2}(\.\d+)?|p100|(PR|TM|WM|TC|TS)\([0-9.%]*:[0-9.%]*\)|IQM)$`)
	idRE         = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)
)

// topID is the id of an alarm's top expression (render).
const topID = "expr_1"

// ValidPeriod says whether CloudWatch takes a period of p seconds: 1, 5, 10, 30 or a multiple of 60.
func ValidPeriod(p int) bool { return p == 1 || p == 5 || p == 10 || p == 30 || (p > 0 && p%60 == 0) }

func (m Metric) validate(map[string]bool) error {
	var errs []error
	if m.Namespace == "" || m.Name == "" {
		errs = append(errs, errors.New("a metric needs a namespace and a name"))
	}
	if !slices.Contains(simpleStats, m.Stat) && !extendedStat.MatchString(m.Stat) {
		errs = append(errs, fmt.Errorf("metric %s/%s: statistic %q must be one of %s or an extended statistic such as p99 or PR(0:1), spelled as CloudWatch does",
			m.Namespace, m.Name, m.Stat, strings.Join(simpleStats, ", ")))
	}
	if !ValidPeriod(m.Period) {
		errs = append(errs, fmt.Errorf("metric %s/%s: period %d must be 1, 5, 10, 30 or a multiple of 60 seconds", m.Namespace, m.Name, m.Period))
	}
	// CloudWatch's limits on dimensions, which aws-cdk-lib's Metric checks (a token's length is
	// known only at deploy time).
	if len(m.Dimensions) > maxDimensions {
		errs = append(errs, fmt.Errorf("metric %s/%s: %d dimensions, at most %d", m.Namespace, m.Name, len(m.Dimensions), maxDimensions))
	}
	for _, name := range slices.Sorted(maps.Keys(m.Dimensions)) {
		value := m.Dimensions[name]
		switch {
		case len(name) < 1 || len(name) > 255:
			errs = append(errs, fmt.Errorf("metric %s/%s: dimension name %q must be 1-255 characters", m.Namespace, m.Name, name))
		case value == nil:
			errs = append(errs, fmt.Errorf("metric %s/%s: dimension %s has no value", m.Namespace, m.Name, name))
		case !tokens.In(*value) && (len(*value) < 1 || len(*value) > 255):
			errs = append(errs, fmt.Errorf("metric %s/%s: dimension %s value %q must be 1-255 characters", m.Namespace, m.Name, name, *value))
		}
	}
	return errors.Join(errs...)
}

// maxDimensions is how many dimensions a CloudWatch metric has at most.
const maxDimensions = 30

var (
	// identifierRE finds the variables of a metric math expression (functions are upper case).
	identifierRE = regexp.MustCompile(`[a-z][a-zA-Z0-9_]*`)
	// unscannedRE is what holds no variable: tokens and quoted strings.
	unscannedRE = regexp.MustCompile(tokens.Pattern + `|"[^"]*"|'[^']*'`)
	// searchRE marks expressions whose names are not all variables (aws-cdk-lib skips them too).
	searchRE = regexp.MustCompile(`\b(INSIGHT_RULE_METRIC|SELECT|SEARCH|METRICS)\b`)
)

// unknownIdentifiers are the variables expr reads that using does not define, as aws-cdk-lib's
// MathExpression finds them (it warns; CloudWatch refuses the expression).
func unknownIdentifiers(expr string, using map[string]Query) []string {
	if searchRE.MatchString(strings.ToUpper(expr)) {
		return nil
	}
	var out []string
	for _, id := range identifierRE.FindAllString(unscannedRE.ReplaceAllString(expr, ""), -1) {
		if _, ok := using[id]; !ok && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (e Expression) validate(ids map[string]bool) error {
	var errs []error
	if e.Expression == "" {
		errs = append(errs, errors.New("an expression is required"))
	}
	if !ValidPeriod(e.Period) {
		errs = append(errs, fmt.Errorf("expression %q: period %d must be 1, 5, 10, 30 or a multiple of 60 seconds", e.Expression, e.Period))
	}
	if len(e.Using) == 0 {
		errs = append(errs, fmt.Errorf("expression %q: uses no metric", e.Expression))
	}
	if unknown := unknownIdentifiers(e.Expression, e.Using); len(unknown) > 0 {
		errs = append(errs, fmt.Errorf("expression %q: reads %s, which Using does not name", e.Expression, strings.Join(unknown, ", ")))
	}
	for _, id := range slices.Sorted(maps.Keys(e.Using)) {
		// Ids are variable names, each once in the whole query, and none the top expression's.
		switch {
		case !idRE.MatchString(id) || id == topID:
			errs = append(errs, fmt.Errorf("expression %q: id %q must start with a lower-case letter, hold only letters, digits and _, and not be %s", e.Expression, id, topID))
		case ids[id]:
			errs = append(errs, fmt.Errorf("expression %q: id %q is used twice in the query", e.Expression, id))
		}
		ids[id] = true
		var period int
		switch q := e.Using[id].(type) {
		case Metric:
			period = q.Period
		case Expression:
			period = q.Period
		default:
			errs = append(errs, fmt.Errorf("expression %q: %q is %T, not a Metric or an Expression", e.Expression, id, q))
			continue
		}
		if period != e.Period {
			errs = append(errs, fmt.Errorf("expression %q: %q has period %d, not the expression's %d", e.Expression, id, period, e.Period))
		}
		errs = append(errs, e.Using[id].validate(ids))
	}
	return errors.Join(errs...)
}

// L2 implements Query.
func (m Metric) L2() cw.IMetric {
	props := &cw.MetricProps{
		Namespace: jsii.String(m.Namespace), MetricName: jsii.String(m.Name), Statistic: jsii.String(m.Stat),
		Period: duration.Seconds(float64(m.Period)), Label: optional(m.Label),
	}
	if len(m.Dimensions) > 0 {
		dims := m.Dimensions
		props.DimensionsMap = &dims
	}
	return cw.NewMetric(props)
}

// L2 implements Query.
func (e Expression) L2() cw.IMetric {
	using := make(map[string]cw.IMetric, len(e.Using))
	for id, q := range e.Using {
		using[id] = q.L2()
	}
	return cw.NewMathExpression(&cw.MathExpressionProps{
		Expression: jsii.String(e.Expression), UsingMetrics: &using,
		Period: duration.Seconds(float64(e.Period)), Label: optional(e.Label),
	})
}

// With returns m over another period.
func (m Metric) With(period int) Metric {
	m.Period = period
	return m
}

// render sets what props evaluates to q, as aws-cdk-lib's Alarm renders the same metric: a
// metric's fields on the alarm itself, an expression as metric data queries.
func render(q Query, props *cw.CfnAlarmProps) {
	switch q := q.(type) {
	case Metric:
		if q.Label != "" {
			// A label needs a metric data query, as aws-cdk-lib renders it.
			props.Metrics = &[]*cw.CfnAlarm_MetricDataQueryProperty{q.query("m1", true)}
			return
		}
		props.Namespace, props.MetricName = jsii.String(q.Namespace), jsii.String(q.Name)
		props.Dimensions = dimensions(q.Dimensions)
		props.Period = jsii.Number(float64(q.Period))
		if slices.Contains(simpleStats, q.Stat) {
			props.Statistic = jsii.String(q.Stat)
		} else {
			props.ExtendedStatistic = jsii.String(q.Stat)
		}
	case Expression:
		var queries []*cw.CfnAlarm_MetricDataQueryProperty
		q.queries(topID, true, &queries)
		props.Metrics = &queries
	default:
		panic(fmt.Sprintf("alarms: %T is not a Metric or an Expression (Validate refuses it)", q))
	}
}

// queries appends e under id, then what it uses depth first, ids in order: the order and ids
// aws-cdk-lib gives an alarm's metric math. Only the top expression returns data.
func (e Expression) queries(id string, top bool, out *[]*cw.CfnAlarm_MetricDataQueryProperty) {
	*out = append(*out, &cw.CfnAlarm_MetricDataQueryProperty{
		Id: jsii.String(id), Expression: jsii.String(e.Expression), Label: optional(e.Label), ReturnData: jsii.Bool(top),
	})
	for _, key := range slices.Sorted(maps.Keys(e.Using)) {
		switch q := e.Using[key].(type) {
		case Expression:
			q.queries(key, false, out)
		case Metric:
			*out = append(*out, q.query(key, false))
		default:
			panic(fmt.Sprintf("alarms: %T is not a Metric or an Expression (Validate refuses it)", q))
		}
	}
}

// query is m as the metric data query id.
func (m Metric) query(id string, returnData bool) *cw.CfnAlarm_MetricDataQueryProperty {
	return &cw.CfnAlarm_MetricDataQueryProperty{
		Id: jsii.String(id), Label: optional(m.Label), ReturnData: jsii.Bool(returnData),
		MetricStat: &cw.CfnAlarm_MetricStatProperty{
			Metric: &cw.CfnAlarm_MetricProperty{
				Namespace: jsii.String(m.Namespace), MetricName: jsii.String(m.Name), Dimensions: dimensions(m.Dimensions),
			},
			Period: jsii.Number(float64(m.Period)), Stat: jsii.String(m.Stat),
		},
	}
}

// dimensions are dims by name, or nil (no property) without any.
func dimensions(dims map[string]*string) any {
	if len(dims) == 0 {
		return nil
	}
	out := make([]*cw.CfnAlarm_DimensionProperty, 0, len(dims))
	for _, name := range slices.Sorted(maps.Keys(dims)) {
		out = append(out, &cw.CfnAlarm_DimensionProperty{Name: jsii.String(name), Value: dims[name]})
	}
	return &out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
