package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// DeploySettings is app.deployment (the environment's default) and services[].deployment
// (one service's): how ECS replaces a service's tasks with a new release. A key a service does
// not give takes app.deployment's value, then the built-in default.
type DeploySettings struct {
	// Strategy (yaml "strategy", default rolling) is rolling (replace tasks in the one target
	// group), blue-green (start the new tasks behind the alternate target group, then move all
	// traffic), canary (move CanaryPercent first, the rest after StepMinutes) or linear (move
	// LinearStepPercent every StepMinutes).
	Strategy *string `yaml:"strategy"`
	// BakeMinutes (yaml "bakeMinutes", default 10; blue-green, canary, linear) is how long the
	// old tasks stay after all traffic moved, while the deployment alarms can still roll back.
	BakeMinutes *int `yaml:"bakeMinutes"`
	// CanaryPercent (yaml "canaryPercent", default 10; canary) is the share of traffic moved
	// first, 0.1-100 in steps of 0.1.
	CanaryPercent *float64 `yaml:"canaryPercent"`
	// LinearStepPercent (yaml "linearStepPercent", default 10; linear) is the share moved at
	// each step, 3-100 in steps of 0.1.
	LinearStepPercent *float64 `yaml:"linearStepPercent"`
	// StepMinutes (yaml "stepMinutes", default 5; canary, linear) is the wait after each step.
	StepMinutes *int `yaml:"stepMinutes"`
	// TestListener (yaml "testListener", default false; blue-green, canary, linear) adds a
	// rule for the service on the ALB's test listener (port limits.TestListenerPort, reachable
	// from the region's NAT gateway addresses only) that forwards to the new tasks before they
	// get production traffic, for pre-traffic checks.
	TestListener *bool `yaml:"testListener"`
}

// Deployment is a service's resolved deployment: every value set.
type Deployment struct {
	Strategy          string
	BakeMinutes       int
	CanaryPercent     float64
	LinearStepPercent float64
	StepMinutes       int
	TestListener      bool
}

// ShiftsTraffic reports whether the strategy needs the alternate target group.
func (d Deployment) ShiftsTraffic() bool { return limits.ShiftsTraffic(d.Strategy) }

// resolve applies s over base.
func (s *DeploySettings) resolve(base Deployment) Deployment {
	if s == nil {
		return base
	}
	return Deployment{
		Strategy: or(s.Strategy, base.Strategy), BakeMinutes: or(s.BakeMinutes, base.BakeMinutes),
		CanaryPercent: or(s.CanaryPercent, base.CanaryPercent), LinearStepPercent: or(s.LinearStepPercent, base.LinearStepPercent),
		StepMinutes: or(s.StepMinutes, base.StepMinutes), TestListener: or(s.TestListener, base.TestListener),
	}
}

// defaultDeployment is the built-in default: rolling, with the other strategies' values ready.
func defaultDeployment() Deployment {
	return Deployment{
		Strategy: limits.StrategyRolling, BakeMinutes: limits.DefaultBakeMinutes, CanaryPercent: limits.DefaultCanaryPercent,
		LinearStepPercent: limits.DefaultLinearStepPercent, StepMinutes: limits.DefaultStepMinutes,
	}
}

// deploymentDefaults resolves every service's deployment from its own keys, app.deployment's
// and the built-in defaults.
func deploymentDefaults(env *Environment, services []FileService) {
	app := env.App.Deployment.resolve(defaultDeployment())
	for i := range env.Services {
		env.Services[i].Deployment = services[i].Deployment.resolve(app)
	}
}

// deploymentKeys says which keys apply to which strategies.
var deploymentKeys = []struct {
	key        string
	strategies []string
}{
	{"bakeMinutes", []string{limits.StrategyBlueGreen, limits.StrategyCanary, limits.StrategyLinear}},
	{"canaryPercent", []string{limits.StrategyCanary}},
	{"linearStepPercent", []string{limits.StrategyLinear}},
	{"stepMinutes", []string{limits.StrategyCanary, limits.StrategyLinear}},
	{"testListener", []string{limits.StrategyBlueGreen, limits.StrategyCanary, limits.StrategyLinear}},
}

// deployments checks app.deployment and every services[].deployment.
func (v *validator) deployments() {
	if v.env.App.Deployment != nil && v.env.RunsTiers() {
		v.errorf("app.deployment: compute ec2 runs tiers, which ECS does not deploy (remove app.deployment, or set compute: fargate)")
		return
	}
	app := v.env.App.Deployment.resolve(defaultDeployment())
	v.deployment("app.deployment", "", app)
	for i := range v.env.Services {
		p := fmt.Sprintf("services[%d]", i)
		if !v.d.bad[p] {
			v.deployment(p+".deployment", v.serviceLabel(p, &v.env.Services[i]), v.env.Services[i].Deployment)
		}
	}
	// The first service's ECS test rule is the Route 53 health check's rule on the ALB.
	if len(v.env.Services) > 0 && v.env.Services[0].Deployment.TestListener {
		path := "services[0].deployment.testListener"
		if !v.d.has(path) {
			path = "app.deployment.testListener"
		}
		if !v.d.bad[path] {
			v.errorf("%s: the first service cannot have a test listener: its ECS test rule is the Route 53 health check's rule (set testListener on later services only)", path)
		}
	}
}

// deployment checks the keys the block at p gives against d, the resolved deployment they
// belong to; who names the service in messages.
func (v *validator) deployment(p, who string, d Deployment) {
	if !v.d.has(p) || v.d.bad[p] {
		return
	}
	if !oneOf(v, p+".strategy", d.Strategy, limits.Strategies, "unknown deployment strategy") {
		return
	}
	if v.env.UsesAPI() && d.ShiftsTraffic() {
		// ECS shifts traffic between an ALB's two target groups; an HTTP API's Cloud Map
		// integration has none, so only a rolling update applies.
		v.errorf("%s.strategy %s%s: needs ingress.mode alb, whose target groups ECS shifts traffic between (allowed with ingress.mode api: rolling)", p, d.Strategy, who)
		v.d.bad[p+".strategy"] = true
		return
	}
	for _, k := range deploymentKeys {
		if v.d.has(p+"."+k.key) && !slices.Contains(k.strategies, d.Strategy) {
			v.errorf("%s.%s%s: does not apply to strategy %s (allowed with: %s)", p, k.key, who, d.Strategy, strings.Join(k.strategies, ", "))
			v.d.bad[p+"."+k.key] = true
		}
	}
	v.intRange(p+".bakeMinutes", who, d.BakeMinutes, limits.MinBakeMinutes, limits.MaxBakeMinutes, "minutes")
	v.intRange(p+".stepMinutes", who, d.StepMinutes, limits.MinStepMinutes, limits.MaxStepMinutes, "minutes")
	v.trafficPercent(p+".canaryPercent", who, d.CanaryPercent, limits.MinCanaryPercent, limits.MaxCanaryPercent)
	v.trafficPercent(p+".linearStepPercent", who, d.LinearStepPercent, limits.MinLinearStepPercent, limits.MaxLinearStepPercent)
}

// trafficPercent reports a given percentage outside lo..hi or not in steps of 0.1.
func (v *validator) trafficPercent(path, who string, x, lo, hi float64) {
	if v.d.bad[path] || !v.d.has(path) || limits.ValidTrafficPercent(x, lo, hi) {
		return
	}
	v.errorf("%s %s%s: out of range (allowed: %s-%s percent in steps of 0.1)", path, formatFloat(x), who, formatFloat(lo), formatFloat(hi))
}
