package dashboard

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-platform/stratus/constructs/alarms"
)

// gridWidth is a dashboard's width in grid units.
const gridWidth = 24

// Widget heights, in grid units.
const (
	titleHeight = 1
	valueHeight = 4
	graphHeight = 6
	alarmHeight = 6
)

// regionToken is the token of the deploying region (AWS::Region), read once: each read is a call
// into the jsii runtime, and it is the same token in every stack. A token belongs to the jsii
// runtime that made it; the process keeps one runtime from its first call to its exit
// (internal/jsiidirect starts it, jsii.Close ends it at exit).
var regionToken = sync.OnceValue(func() string { return *awscdk.Aws_REGION() })

// render writes the dashboard's body as aws-cdk-lib's Dashboard writes the same widgets: every
// row is a title (a text widget across the grid) over its widgets, laid out left to right and
// wrapped at the grid's width; widget and metric fields in aws-cdk-lib's order, without the ones
// it leaves out. Values may hold tokens ("${Token[...]}" strings): they are written inside JSON
// strings, where the resolution of the body (joined) gives the same Fn::Join as aws-cdk-lib's for
// tokens whose value needs no JSON escaping (see Line).
// stackRegion is the region of the dashboard's stack ("" for a token). p is valid (Validate).
func render(p DashboardProps, stackRegion string) string {
	var b strings.Builder
	b.WriteString(`{"start":`)
	b.WriteString(quote(p.Start))
	b.WriteString(`,"widgets":[`)
	y, first := 0, true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	for _, r := range p.Rows {
		sep()
		writeWidget(&b, "text", gridWidth, titleHeight, 0, y, `{"markdown":`+quote("## "+r.Title)+`,"background":"transparent"}`)
		y += titleHeight
		x, top, height := 0, 0, 0
		for _, w := range r.Widgets {
			width, h := w.size()
			if x+width > gridWidth {
				top, x = height, 0
			}
			sep()
			writeWidget(&b, w.kind(), width, h, x, y+top, w.properties(stackRegion))
			height = max(height, top+h)
			x += width
		}
		y += height
	}
	b.WriteString("]}")
	return b.String()
}

func writeWidget(b *strings.Builder, kind string, width, height, x, y int, properties string) {
	fmt.Fprintf(b, `{"type":%s,"width":%d,"height":%d,"x":%d,"y":%d,"properties":%s}`, quote(kind), width, height, x, y, properties)
}

func (w Widget) size() (width, height int) {
	width = cmp.Or(w.Width, 8)
	switch {
	case len(w.Values) > 0:
		return width, valueHeight
	case len(w.Alarms) > 0:
		return width, alarmHeight
	}
	return width, graphHeight
}

func (w Widget) kind() string {
	if len(w.Alarms) > 0 {
		return "alarm"
	}
	return "metric"
}

// properties are w's properties, as aws-cdk-lib's AlarmStatusWidget, SingleValueWidget and
// GraphWidget write them.
func (w Widget) properties(stackRegion string) string {
	if len(w.Alarms) > 0 {
		title := w.Title
		if title == "" {
			title = "Alarm Status"
		}
		arns := make([]string, len(w.Alarms))
		for i, a := range w.Alarms {
			arns[i] = quote(*a)
		}
		return `{"title":` + quote(title) + `,"alarms":[` + strings.Join(arns, ",") + `]}`
	}
	view, left, right := "timeSeries", w.Left, w.Right
	if len(w.Values) > 0 {
		view, left, right = "singleValue", w.Values, nil
	}
	head := `{"view":"` + view + `","title":` + quote(w.Title) + `,"region":` + quote(regionToken()) + `,"metrics":` + metricsJSON(left, right, stackRegion)
	if view == "singleValue" {
		return head + `,"setPeriodToTimeRange":` + strconv.FormatBool(w.WholeRange) + "}"
	}
	return head + `,"yAxis":{}}`
}

// entry is one line of a widget's metrics: a line the widget shows (on the "left" or "right"
// axis) or one an expression reads (no axis: hidden), under its id.
type entry struct {
	line     Line
	axis, id string
}

// metricSet lists the lines of a widget as aws-cdk-lib's MetricSet does: each line, then what
// an expression reads (depth first, ids in order); a line met again under no id, or under the
// id it already has, is listed once.
func metricSet(left, right []Line) ([]*entry, error) {
	var entries []*entry
	byKey, byID := map[string]*entry{}, map[string]*entry{}
	var add func(l Line, axis, id string) error
	add = func(l Line, axis, id string) error {
		key := metricKey(l)
		var found *entry
		if id != "" {
			if found = byID[id]; found != nil && metricKey(found.line) != key {
				return fmt.Errorf("id %q names two different metrics", id)
			}
		}
		if found == nil {
			if found = byKey[key]; found != nil && found.id != "" && id != "" {
				found = nil
			}
		}
		if found == nil {
			found = &entry{line: l}
			entries = append(entries, found)
			byKey[key] = found
		}
		if found.id == "" && id != "" {
			found.id = id
			byID[id] = found
		}
		if found.axis == "" {
			found.axis = axis
		}
		if e, ok := l.(alarms.Expression); ok {
			for _, sub := range slices.Sorted(maps.Keys(e.Using)) {
				if err := add(e.Using[sub], "", sub); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, l := range left {
		if err := add(l, "left", ""); err != nil {
			return nil, err
		}
	}
	for _, l := range right {
		if err := add(l, "right", ""); err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// metricKey is what makes two lines the same metric (aws-cdk-lib's metricKey): labels aside.
func metricKey(l Line) string {
	var parts []string
	switch l := l.(type) {
	case alarms.Metric:
		parts = append(parts, l.Namespace, l.Name)
		for _, name := range slices.Sorted(maps.Keys(l.Dimensions)) {
			parts = append(parts, name, *l.Dimensions[name])
		}
		parts = append(parts, l.Stat, strconv.Itoa(l.Period))
	case alarms.Expression:
		parts = append(parts, l.Expression)
		for _, id := range slices.Sorted(maps.Keys(l.Using)) {
			parts = append(parts, id, metricKey(l.Using[id]))
		}
	case Search:
		parts = append(parts, l.Expression)
		if l.Region != "" {
			parts = append(parts, l.Region)
		}
	}
	return strings.Join(parts, "|")
}

// metricsJSON is the metrics of a widget as aws-cdk-lib renders them: each an array of the
// namespace, the name and the dimensions' names and values, then its options; an expression or
// a search as its options alone.
func metricsJSON(left, right []Line, stackRegion string) string {
	entries, err := metricSet(left, right)
	if err != nil {
		panic(fmt.Sprintf("dashboard: %v (Validate refuses it)", err))
	}
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.json(stackRegion)
	}
	return "[" + strings.Join(out, ",") + "]"
}

// json writes the entry's array. The options come in the order aws-cdk-lib sets them: a
// metric's label, id and visibility, its period (unless 300) and statistic (unless Average),
// then the axis (unless left); an expression's label and visibility, the expression, the region
// it searches (unless the stack's), its period (unless 300), the axis and the id. A shown
// expression without a label is labelled with its expression.
func (e *entry) json(stackRegion string) string {
	var fields, opts []string
	opt := func(key, value string) { opts = append(opts, quote(key)+":"+value) }
	hidden := e.axis == ""
	axis := func() {
		if e.axis != "left" && e.axis != "" {
			opt("yAxis", quote(e.axis))
		}
	}
	expression := func(expr, label, region string, period int) {
		if label == "" && !hidden {
			label = expr
		}
		if label != "" {
			opt("label", quote(label))
		}
		if hidden {
			opt("visible", "false")
		}
		opt("expression", quote(expr))
		if region != "" && region != stackRegion {
			opt("region", quote(region))
		}
		if period != 300 {
			opt("period", strconv.Itoa(period))
		}
		axis()
		if e.id != "" {
			opt("id", quote(e.id))
		}
	}
	switch l := e.line.(type) {
	case alarms.Metric:
		fields = append(fields, quote(l.Namespace), quote(l.Name))
		for _, name := range slices.Sorted(maps.Keys(l.Dimensions)) {
			fields = append(fields, quote(name), quote(*l.Dimensions[name]))
		}
		if l.Label != "" {
			opt("label", quote(l.Label))
		}
		if e.id != "" {
			opt("id", quote(e.id))
		}
		if hidden {
			opt("visible", "false")
		}
		if l.Period != 300 {
			opt("period", strconv.Itoa(l.Period))
		}
		if l.Stat != "Average" {
			opt("stat", quote(l.Stat))
		}
		axis()
	case alarms.Expression:
		expression(l.Expression, l.Label, "", l.Period)
	case Search:
		expression(l.Expression, l.Label, l.Region, l.Period)
	}
	if len(opts) > 0 {
		fields = append(fields, "{"+strings.Join(opts, ",")+"}")
	}
	return "[" + strings.Join(fields, ",") + "]"
}

// quote writes s as a JSON string as JavaScript's JSON.stringify does (which, unlike Go's
// encoding/json, leaves <, >, &, U+2028 and U+2029 as they are).
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}
