package alarms

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	cw "github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
)

// Query is what an alarm evaluates: a Metric or an Expression over metrics. It is described in
// Go, not as aws-cdk-lib metric objects, so an alarm is one L1 resource created in one call into
// the jsii runtime: a metric object is a call of its own, every option and period another, and
// aws-cdk-lib's Alarm renders them again at synthesis. Alarms are most of a service's resources.
// L2 gives the same query as an aws-cdk-lib metric, for dashboards.
type Query interface {
	// L2 is the query as an aws-cdk-lib metric or math expression.
	L2() cw.IMetric
	validate() error
}

// Metric is one CloudWatch metric with a statistic and a period.
type Metric struct {
	Namespace, Name string
	// Dimensions name the resource; values may be tokens.
	// Default: none.
	Dimensions map[string]*string
	// Stat is a statistic: Sum, Average, Minimum, Maximum, SampleCount, or an extended one
	// ("p99", "PR(0:1)").
	Stat string
	// Period is in seconds.
	Period int
	// Label names the metric on a dashboard.
	// Default: none (CloudWatch shows the metric's name).
	Label string
}

// Expression is metric math over Using, keyed by the ids Expression names them by.
type Expression struct {
	Expression string
	// Using are the metrics (or expressions) the expression reads.
	Using map[string]Query
	// Period is in seconds.
	Period int
	// Label names the result on graphs and in the alarm's console.
	// Default: none.
	Label string
}

// simpleStats are the statistics CloudFormation's Statistic takes; others are extended.
var simpleStats = []string{"SampleCount", "Average", "Sum", "Minimum", "Maximum"}

func (m Metric) validate() error {
	var errs []error
	if m.Namespace == "" || m.Name == "" {
		errs = append(errs, errors.New("a metric needs a namespace and a name"))
	}
	if m.Stat == "" {
		errs = append(errs, fmt.Errorf("metric %s/%s: a statistic is required", m.Namespace, m.Name))
	}
	if m.Period <= 0 {
		errs = append(errs, fmt.Errorf("metric %s/%s: period %d must be a positive number of seconds", m.Namespace, m.Name, m.Period))
	}
	return errors.Join(errs...)
}

func (e Expression) validate() error {
	var errs []error
	if e.Expression == "" {
		errs = append(errs, errors.New("an expression is required"))
	}
	if e.Period <= 0 {
		errs = append(errs, fmt.Errorf("expression %q: period %d must be a positive number of seconds", e.Expression, e.Period))
	}
	for _, id := range slices.Sorted(maps.Keys(e.Using)) {
		if e.Using[id] == nil {
			errs = append(errs, fmt.Errorf("expression %q: metric %q is nil", e.Expression, id))
			continue
		}
		errs = append(errs, e.Using[id].validate())
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
		q.queries("expr_1", true, &queries)
		props.Metrics = &queries
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
			*out = append(*out, &cw.CfnAlarm_MetricDataQueryProperty{
				Id: jsii.String(key), Label: optional(q.Label), ReturnData: jsii.Bool(false),
				MetricStat: &cw.CfnAlarm_MetricStatProperty{
					Metric: &cw.CfnAlarm_MetricProperty{
						Namespace: jsii.String(q.Namespace), MetricName: jsii.String(q.Name), Dimensions: dimensions(q.Dimensions),
					},
					Period: jsii.Number(float64(q.Period)), Stat: jsii.String(q.Stat),
				},
			})
		}
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
