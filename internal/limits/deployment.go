package limits

import "math"

// ECS deployment strategies (services[].deployment.strategy, app.deployment.strategy).
const (
	StrategyRolling   = "rolling"
	StrategyBlueGreen = "blue-green"
	StrategyCanary    = "canary"
	StrategyLinear    = "linear"
)

// Strategies are the accepted strategies, in the order messages list them.
var Strategies = []string{StrategyRolling, StrategyBlueGreen, StrategyCanary, StrategyLinear}

// ShiftsTraffic reports whether strategy moves traffic between two target groups (ECS's
// blue/green family: blue-green, canary and linear) rather than replacing tasks in one.
func ShiftsTraffic(strategy string) bool {
	return strategy == StrategyBlueGreen || strategy == StrategyCanary || strategy == StrategyLinear
}

// Bounds and defaults of a deployment. CloudFormation takes BakeTimeInMinutes and the step bake
// times as whole minutes 0-1440; ECS takes traffic percentages in steps of 0.1.
const (
	MinBakeMinutes, MaxBakeMinutes = 0, 1440
	// DefaultBakeMinutes keeps the old tasks this long after all traffic moved: long enough for
	// the slowest deployment alarm (p99ResponseTime, 5 one-minute periods) to fire.
	DefaultBakeMinutes                         = 10
	MinCanaryPercent, MaxCanaryPercent         = 0.1, 100.0
	DefaultCanaryPercent                       = 10.0
	MinLinearStepPercent, MaxLinearStepPercent = 3.0, 100.0
	DefaultLinearStepPercent                   = 10.0
	MinStepMinutes, MaxStepMinutes             = 0, 1440
	DefaultStepMinutes                         = 5
)

// TestListenerPort is the ALB's test listener (pre-traffic checks against the new tasks before
// they get production traffic). Only the region's NAT gateway addresses may reach it.
const TestListenerPort = 8443

// ValidTrafficPercent reports whether p lies in [lo, hi] and is a multiple of 0.1.
func ValidTrafficPercent(p, lo, hi float64) bool {
	tenths := p * 10
	return p >= lo && p <= hi && math.Abs(tenths-math.Round(tenths)) < 1e-9
}

// DeploymentAlarms are the catalog alarms (Alarms) of a service that mean "this release is
// bad": ECS rolls a deployment back when one of them goes off during it or its bake time.
var DeploymentAlarms = []string{"target5xxRate", "p99ResponseTime", "tasksBelowDesired"}
