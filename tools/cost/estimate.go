package main

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/stratus-platform/stratus/internal/assembly"
)

// pricing is what a pricer needs: the stage's references, the month's hours, the assumptions,
// and where to report problems (all are collected, not only the first).
type pricing struct {
	graph  *assembly.Graph
	hours  float64
	prices *Prices
	errs   []error
}

func (c *pricing) assume(name string) float64 {
	v, err := c.prices.assumed(name)
	if err != nil {
		c.fail(err)
	}
	return v
}

func (c *pricing) fail(err error) { c.errs = append(c.errs, err) }

// item is one row of an estimate: the lines of the same thing at the same price, summed.
type item struct {
	region, what, key, assumption string
	count                         int
	qty, unitPrice, monthly       float64
	per                           float64 // the quantity of each line, when all are equal
	mixed                         bool
}

// Estimate is one environment's monthly cost.
type Estimate struct {
	Env     string
	Regions []string
	Fixed   []item // fixed monthly prices of what the templates declare
	Usage   []item // usage at the assumed quantities
}

// globalRegion prices the global services (CloudFront, Route 53, WAF for CloudFront).
const globalRegion = "us-east-1"

// estimate prices every resource of the stage. It fails on a resource type that is neither
// priced nor unpriced, and on a missing price row or region column.
func estimate(s *assembly.Stage, p *Prices) (*Estimate, error) {
	c := &pricing{graph: assembly.NewGraph(s), hours: p.HoursPerMonth, prices: p}
	var lines []line
	unclassified := map[string]bool{}
	for _, r := range s.Resources() {
		fn, _, err := classify(r.Type)
		if err != nil {
			if !unclassified[r.Type] {
				unclassified[r.Type] = true
				c.fail(fmt.Errorf("%s: %w", r, err))
			}
			continue
		}
		if fn == nil {
			continue
		}
		for _, l := range fn(r, c) {
			if l.region == "" {
				l.region = r.Stack.Region
			}
			lines = append(lines, l)
		}
	}
	lines = append(lines, existingZones(s)...)

	e := &Estimate{Env: s.Env, Regions: s.Regions()}
	groups := map[[4]string]*item{}
	var order [][4]string
	for _, l := range lines {
		if l.qty == 0 {
			continue
		}
		region := l.region
		if region == "global" {
			region = globalRegion
		}
		price, err := p.price(l.key, region)
		if err != nil {
			c.fail(err)
			continue
		}
		k := [4]string{l.region, l.what, l.key, l.assumption}
		g := groups[k]
		if g == nil {
			g = &item{region: l.region, what: l.what, key: l.key, assumption: l.assumption, unitPrice: price}
			groups[k] = g
			order = append(order, k)
		}
		if g.count == 0 {
			g.per = l.qty
		} else if l.qty != g.per {
			g.mixed = true
		}
		g.count++
		g.qty += l.qty
		g.monthly += l.qty * price
	}
	if err := errors.Join(dedupe(c.errs)...); err != nil {
		return nil, fmt.Errorf("%s: %w", s.Env, err)
	}
	for _, k := range order {
		if g := groups[k]; g.assumption == "" {
			e.Fixed = append(e.Fixed, *g)
		} else {
			e.Usage = append(e.Usage, *g)
		}
	}
	rank := map[string]int{"global": -1}
	for i, r := range e.Regions {
		rank[r] = i
	}
	for _, list := range [][]item{e.Fixed, e.Usage} {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].region != list[j].region {
				return rank[list[i].region] < rank[list[j].region]
			}
			return list[i].monthly > list[j].monthly
		})
	}
	return e, nil
}

// existingZones prices once each hosted zone the environment's records live in that it does not
// create itself (dns.hostedZoneId: the zone exists in the account and is billed there).
func existingZones(s *assembly.Stage) []line {
	created := map[string]bool{}
	zones := map[string]bool{}
	for _, r := range s.Resources() {
		if r.Type == "AWS::Route53::HostedZone" {
			created[r.LogicalID] = true
		}
		if r.Type == "AWS::Route53::RecordSet" || r.Type == "AWS::Route53::RecordSetGroup" {
			if id := r.Str("HostedZoneId"); id != "" {
				zones[id] = true
			} else if name := r.Str("HostedZoneName"); name != "" {
				zones[name] = true
			}
		}
	}
	var lines []line
	for range zones {
		lines = append(lines, line{region: "global", what: "Route 53 hosted zone (existing, holds the records)", key: "route53-zone-month", qty: 1})
	}
	return lines
}

func dedupe(errs []error) []error {
	seen := map[string]bool{}
	var out []error
	for _, e := range errs {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return out
}

func total(items []item, region string) float64 {
	var t float64
	for _, i := range items {
		if region == "" || i.region == region {
			t += i.monthly
		}
	}
	return t
}

// regions lists the regions with items, global first.
func (e *Estimate) regions() []string {
	var out []string
	for _, r := range append([]string{"global"}, e.Regions...) {
		if total(e.Fixed, r) > 0 || total(e.Usage, r) > 0 || hasItems(e.Fixed, r) {
			out = append(out, r)
		}
	}
	return out
}

func hasItems(items []item, region string) bool {
	for _, i := range items {
		if i.region == region {
			return true
		}
	}
	return false
}

func money(v float64) string {
	v = math.Round(v*100) / 100
	s := fmt.Sprintf("%.2f", v)
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, ch := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(ch)
	}
	return "$" + b.String() + "." + frac
}

func number(v float64) string {
	if v == math.Trunc(v) {
		return money(v)[1 : len(money(v))-3]
	}
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.3f", v), "0"), ".")
}

// quantity shows a sum of equal per-resource quantities as "3 × 730".
func quantity(i item) string {
	if i.count > 1 && !i.mixed && i.per != 1 {
		return fmt.Sprintf("%d × %s", i.count, number(i.per))
	}
	return number(i.qty)
}
