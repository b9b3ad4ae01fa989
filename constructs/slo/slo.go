// Package slo provides SLO: a service-level objective over an Indicator, with multi-window,
// multi-burn-rate alarms built from metric math (so they work for any service and language):
//
//   - fast burn: the error ratio is at least 14.4 times the budget over 1 hour AND over 5
//     minutes (2 % of a 30-day budget in an hour): pages;
//   - slow burn: at least 6 times over 6 hours AND over 30 minutes (5 % in six hours): tickets.
//
// The long window makes the alarm significant, the short one makes it reset soon after the
// burn stops. Each window is an alarm without actions; the composite of a pair notifies.
package slo

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Indicator gives the share of bad events (0 to 1) over a window (seconds) as metric math.
type Indicator interface {
	ErrorRatio(window int) alarms.Expression
}

// Ratio is an Indicator of two counts: Bad events out of Total (e.g. target 5xx responses out
// of requests). Both are summed over the window; no traffic gives no data (not an error).
type Ratio struct {
	Bad, Total alarms.Metric
	// Also are the same counts of further groups that serve the same traffic (a blue/green
	// service's alternate target group, where its tasks may be after a release): summed with
	// Bad and Total.
	// Default: none.
	Also []Ratio
}

// ErrorRatio implements Indicator.
func (r Ratio) ErrorRatio(window int) alarms.Expression {
	if len(r.Also) == 0 {
		return alarms.Expression{
			Expression: "FILL(bad, 0) / total", Label: "error ratio", Period: window,
			Using: map[string]alarms.Query{"bad": r.Bad.With(window), "total": r.Total.With(window)},
		}
	}
	// A group without traffic has no data: each count is filled with 0, and no traffic at all
	// gives 0 / 0, which metric math drops (no data, not an error).
	using := map[string]alarms.Query{}
	var bad, total []string
	for i, g := range append([]Ratio{{Bad: r.Bad, Total: r.Total}}, r.Also...) {
		b, t := fmt.Sprintf("bad%d", i), fmt.Sprintf("total%d", i)
		using[b], using[t] = g.Bad.With(window), g.Total.With(window)
		bad, total = append(bad, "FILL("+b+", 0)"), append(total, "FILL("+t+", 0)")
	}
	return alarms.Expression{
		Expression: "(" + strings.Join(bad, " + ") + ") / (" + strings.Join(total, " + ") + ")",
		Label:      "error ratio", Period: window, Using: using,
	}
}

// Rank is an Indicator of a percentile-rank statistic: Metric's statistic is "PR(0:x)", the
// percentage of requests at or under x (e.g. of TargetResponseTime); the rest are bad.
type Rank struct {
	Metric alarms.Metric
	// Also are the same statistic of further groups that serve the same traffic (a blue/green
	// service's alternate target group): each group's rank weighs by its number of values (the
	// metric's SampleCount).
	// Default: none.
	Also []alarms.Metric
}

// ErrorRatio implements Indicator.
func (r Rank) ErrorRatio(window int) alarms.Expression {
	if len(r.Also) == 0 {
		return alarms.Expression{
			Expression: "(100 - good) / 100", Label: "error ratio", Period: window,
			Using: map[string]alarms.Query{"good": r.Metric.With(window)},
		}
	}
	using := map[string]alarms.Query{}
	var weighted, counts []string
	for i, m := range append([]alarms.Metric{r.Metric}, r.Also...) {
		g, n := fmt.Sprintf("good%d", i), fmt.Sprintf("count%d", i)
		count := m.With(window)
		count.Stat = "SampleCount"
		using[g], using[n] = m.With(window), count
		weighted, counts = append(weighted, "FILL("+g+", 0) * FILL("+n+", 0)"), append(counts, "FILL("+n+", 0)")
	}
	sum := "(" + strings.Join(counts, " + ") + ")"
	return alarms.Expression{
		Expression: "(100 - (" + strings.Join(weighted, " + ") + ") / " + sum + ") / 100",
		Label:      "error ratio", Period: window, Using: using,
	}
}

// SLOProps configures an SLO.
type SLOProps struct {
	// Name starts the alarm names, e.g. "stratus-prod-us-east-1-checkout-availability": 1-200
	// letters, digits, . _ and -.
	Name string
	// Indicator measures the bad share.
	Indicator Indicator
	// Objective is the good share in percent, limits.MinSLOObjective-limits.MaxSLOObjective.
	// Default: limits.DefaultSLOObjective (99.9).
	Objective float64
	// WindowDays is the period the budget is spent over (for BudgetRemaining).
	// Default: limits.DefaultSLOWindowDays (30).
	WindowDays int
	// Action is the ARN of the SNS topic that receives the burn alarms' ALARM and OK transitions.
	Action *string
	// Runbook is the runbook's file name (limits.Runbooks); RunbookBase as in alarms.AlarmsProps.
	Runbook     string
	RunbookBase string
	// What names the objective in descriptions, e.g. "checkout availability (non-5xx)".
	What string
}

// SLO is the objective's burn alarms and its remaining budget.
type SLO struct {
	constructs.Construct
	// FastBurn pages, SlowBurn tickets; each is ALARM when both of its windows are.
	FastBurn, SlowBurn *alarms.Alarm
	// Windows are the four window alarms (no actions), by window: "1h", "5m", "6h", "30m".
	Windows map[string]*alarms.Alarm
	// props (defaults applied) are what BudgetRemaining is built from.
	props SLOProps
}

// BudgetRemaining is the error budget left over WindowDays, in percent (negative when spent), for
// dashboards.
func (s *SLO) BudgetRemaining() alarms.Expression {
	return BudgetRemaining(s.props.Indicator, s.props.Objective, s.props.WindowDays, s.props.What)
}

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,200}$`)
	idChars = regexp.MustCompile(`[^a-z0-9]+`)
)

func (p *SLOProps) defaults() {
	if p.Objective == 0 {
		p.Objective = limits.DefaultSLOObjective
	}
	if p.WindowDays == 0 {
		p.WindowDays = limits.DefaultSLOWindowDays
	}
}

// Validate returns every problem with p (after defaults).
func (p SLOProps) Validate() error {
	p.defaults()
	var errs []error
	if !nameRE.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("Name %q must be 1-200 letters, digits, . _ and -", p.Name))
	}
	if p.Indicator == nil {
		errs = append(errs, errors.New("Indicator is required"))
	} else if err := alarms.Validate(p.Indicator.ErrorRatio(limits.FastBurnShortWindow)); err != nil {
		errs = append(errs, fmt.Errorf("Indicator: %w", err))
	}
	if p.Action == nil {
		errs = append(errs, errors.New("Action is required"))
	}
	if p.Objective < limits.MinSLOObjective || p.Objective > limits.MaxSLOObjective {
		errs = append(errs, fmt.Errorf("Objective %g must be %g-%g percent", p.Objective, limits.MinSLOObjective, limits.MaxSLOObjective))
	}
	if p.WindowDays < limits.MinSLOWindowDays || p.WindowDays > limits.MaxSLOWindowDays {
		errs = append(errs, fmt.Errorf("WindowDays %d must be %d-%d", p.WindowDays, limits.MinSLOWindowDays, limits.MaxSLOWindowDays))
	}
	if !slices.Contains(limits.Runbooks, p.Runbook) {
		errs = append(errs, fmt.Errorf("Runbook %q must be one of %s", p.Runbook, strings.Join(limits.Runbooks, ", ")))
	}
	if p.What == "" {
		errs = append(errs, errors.New("What is required"))
	}
	return errors.Join(errs...)
}

// burn is one multi-window alarm pair.
type burn struct {
	id, long, short string
	longS, shortS   int
	factor          float64
	severity        string
}

var burns = []burn{
	{"FastBurn", "1h", "5m", limits.FastBurnLongWindow, limits.FastBurnShortWindow, limits.FastBurnFactor, limits.SeverityPage},
	{"SlowBurn", "6h", "30m", limits.SlowBurnLongWindow, limits.SlowBurnShortWindow, limits.SlowBurnFactor, limits.SeverityTicket},
}

// NewSLO creates the window alarms and the two burn composites, or returns every problem with
// props.
func NewSLO(scope constructs.Construct, id string, props SLOProps) (*SLO, error) {
	if err := props.Validate(); err != nil {
		return nil, fmt.Errorf("slo %s: invalid props:\n%w", id, err)
	}
	props.defaults()
	this := constructs.NewConstruct(scope, jsii.String(id))
	s := &SLO{Construct: this, Windows: map[string]*alarms.Alarm{}, props: props}
	budget := 1 - props.Objective/100
	var composites []*alarms.Alarm
	var windows []constructs.IConstruct
	for _, b := range burns {
		// Validate has checked everything the alarms are made of: an error here is this
		// package's, reported rather than made into a panic.
		window := func(label string, seconds int) (*alarms.Alarm, error) {
			return alarms.NewAlarm(this, b.id+label, alarms.AlarmProps{
				Name: fmt.Sprintf("%s-burn-%s", props.Name, label),
				Description: fmt.Sprintf("Window of %s-%s: error ratio over %s at or above %g times the budget (%s). No actions: the composite notifies.",
					props.Name, strings.ToLower(b.id[:1])+b.id[1:], label, b.factor, budgetFraction(props.Objective)),
				Metric: props.Indicator.ErrorRatio(seconds), Threshold: b.factor * budget,
				Comparison: "GreaterThanOrEqualToThreshold", Periods: 1,
				MissingData: limits.MissingNotBreaching, // no traffic burns no budget
			})
		}
		long, errLong := window(b.long, b.longS)
		short, errShort := window(b.short, b.shortS)
		if err := errors.Join(errLong, errShort); err != nil {
			return nil, fmt.Errorf("slo %s: %w", id, err)
		}
		s.Windows[b.long], s.Windows[b.short] = long, short
		windows = append(windows, long.Construct, short.Construct)
		what := fmt.Sprintf("%s (objective %g %%) is burning its error budget %g times too fast over %s and %s", props.What, props.Objective, b.factor, b.long, b.short)
		composite, err := alarms.NewComposite(this, b.id, alarms.CompositeProps{
			Name:        fmt.Sprintf("%s-%s", props.Name, strings.ToLower(b.id[:1])+b.id[1:]),
			Description: alarms.Description(b.severity, what, props.RunbookBase, props.Runbook),
			Rule:        alarms.AllOf(long, short), Action: props.Action,
		})
		if err != nil {
			return nil, fmt.Errorf("slo %s: %w", id, err)
		}
		composites = append(composites, composite)
	}
	// A window is half of a pair: its own notifications would page on every 5-minute spike,
	// which is what the pair exists to prevent. (One call for the four windows.)
	cdknag.NagSuppressions_AddResourceSuppressions(&windows, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("NIST.800.53.R5-CloudWatchAlarmAction"),
		Reason: jsii.String("A burn-rate window alarm is one half of a multi-window pair; the composite alarm over the pair " +
			"has the alarm and OK actions. Actions on each window would notify on every short spike the pair exists to filter out."),
	}}, jsii.Bool(false))
	s.FastBurn, s.SlowBurn = composites[0], composites[1]
	return s, nil
}

// BudgetRemaining is the error budget of an objective (percent) over windowDays left, in percent
// (negative when overspent), for dashboards; label names the objective.
func BudgetRemaining(ind Indicator, objective float64, windowDays int, label string) alarms.Expression {
	window := windowDays * 86400
	// The id is the label's: two budgets in one widget must not share their metric ids.
	id := "ratio_" + strings.Trim(idChars.ReplaceAllString(strings.ToLower(label), "_"), "_")
	return alarms.Expression{
		Expression: fmt.Sprintf("100 * (1 - FILL(%s, 0) / %s)", id, budgetFraction(objective)),
		Using:      map[string]alarms.Query{id: ind.ErrorRatio(window)},
		Label:      label + ": error budget remaining (%)",
		Period:     window,
	}
}

// Percent is an Indicator of a metric that is already a bad share in percent (e.g. CloudFront's
// 5xxErrorRate); its average over the window is taken as the ratio.
type Percent struct {
	Metric alarms.Metric
}

// ErrorRatio implements Indicator.
func (r Percent) ErrorRatio(window int) alarms.Expression {
	return alarms.Expression{
		Expression: "bad / 100", Label: "error ratio", Period: window,
		Using: map[string]alarms.Query{"bad": r.Metric.With(window)},
	}
}

// budgetFraction is the error budget of objective (percent) as a fraction in plain decimals:
// CloudWatch's metric math reads no exponent (%g writes 99.999's budget as 1.0000000000065512e-05),
// and an objective has at most three decimals, so nine places hold it exactly.
func budgetFraction(objective float64) string {
	return strconv.FormatFloat(math.Round((100-objective)*1e7)/1e9, 'f', -1, 64)
}
