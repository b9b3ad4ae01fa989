package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Deployment is how ECS replaces the service's tasks with a new release. Every strategy keeps
// the deployment circuit breaker (with rollback) and, with AlarmNames, rolls back when one of
// those alarms goes off during the deployment or its bake time.
type Deployment struct {
	// Strategy is limits.StrategyRolling (replace tasks behind TargetGroup),
	// limits.StrategyBlueGreen (start the new tasks behind AlternateTargetGroup, then move all
	// traffic), limits.StrategyCanary (move CanaryPercent, then the rest after StepMinutes) or
	// limits.StrategyLinear (move LinearStepPercent every StepMinutes).
	// Default: limits.StrategyRolling.
	Strategy string
	// BakeMinutes keeps the old tasks this long after all traffic moved (0-1440; blue-green,
	// canary, linear), while AlarmNames can still roll back.
	// Default: limits.DefaultBakeMinutes.
	BakeMinutes *int
	// CanaryPercent is the traffic share moved first (0.1-100 in steps of 0.1; canary).
	// Default: limits.DefaultCanaryPercent.
	CanaryPercent float64
	// LinearStepPercent is the traffic share moved per step (3-100 in steps of 0.1; linear).
	// Default: limits.DefaultLinearStepPercent.
	LinearStepPercent float64
	// StepMinutes is the wait after each traffic step (0-1440; canary, linear).
	// Default: limits.DefaultStepMinutes.
	StepMinutes *int
	// AlternateTargetGroupArn is the group the new tasks start behind (blue-green, canary,
	// linear; required there): TargetGroup's twin, on the same load balancer.
	AlternateTargetGroupArn *string
	// ProductionRuleArn is the listener rule that forwards production traffic to TargetGroup
	// and the alternate group, weighted; ECS moves the weights (blue-green, canary, linear;
	// required there). ARNs rather than objects, so a stacks layer can hand them over in one
	// export.
	ProductionRuleArn *string
	// TestRuleArn is a rule forwarding test traffic the same way; ECS points it at the new
	// tasks first, for pre-traffic checks.
	// Default: none.
	TestRuleArn *string
	// AlarmNames are the service's deployment alarms, by name: they usually watch this
	// service's own metrics, so a reference to them would be a dependency cycle. ECS rolls back
	// when one is in ALARM during the deployment or its bake time.
	// Default: none (the circuit breaker alone).
	AlarmNames []string
}

// shifts reports whether the strategy moves traffic between two target groups.
func (d Deployment) shifts() bool { return limits.ShiftsTraffic(d.Strategy) }

// deploymentWithDefaults returns d with its documented defaults.
func deploymentWithDefaults(d *Deployment) Deployment {
	out := Deployment{}
	if d != nil {
		out = *d
	}
	if out.Strategy == "" {
		out.Strategy = limits.StrategyRolling
	}
	if out.BakeMinutes == nil {
		out.BakeMinutes = ptr(limits.DefaultBakeMinutes)
	}
	if out.StepMinutes == nil {
		out.StepMinutes = ptr(limits.DefaultStepMinutes)
	}
	if out.CanaryPercent == 0 {
		out.CanaryPercent = limits.DefaultCanaryPercent
	}
	if out.LinearStepPercent == 0 {
		out.LinearStepPercent = limits.DefaultLinearStepPercent
	}
	return out
}

var alarmName = func(s string) bool { return s != "" && len(s) <= 255 && !strings.ContainsAny(s, "\n\t") }

// validate reports every problem of the (defaulted) deployment.
func (d Deployment) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf("Deployment."+format, args...)) }
	if !slices.Contains(limits.Strategies, d.Strategy) {
		add("Strategy %q is not an ECS deployment strategy (allowed: %s)", d.Strategy, strings.Join(limits.Strategies, ", "))
	}
	if b := *d.BakeMinutes; b < limits.MinBakeMinutes || b > limits.MaxBakeMinutes {
		add("BakeMinutes %d is outside %d-%d", b, limits.MinBakeMinutes, limits.MaxBakeMinutes)
	}
	if m := *d.StepMinutes; m < limits.MinStepMinutes || m > limits.MaxStepMinutes {
		add("StepMinutes %d is outside %d-%d", m, limits.MinStepMinutes, limits.MaxStepMinutes)
	}
	if !limits.ValidTrafficPercent(d.CanaryPercent, limits.MinCanaryPercent, limits.MaxCanaryPercent) {
		add("CanaryPercent %v is outside %v-%v or not a multiple of 0.1", d.CanaryPercent, limits.MinCanaryPercent, limits.MaxCanaryPercent)
	}
	if !limits.ValidTrafficPercent(d.LinearStepPercent, limits.MinLinearStepPercent, limits.MaxLinearStepPercent) {
		add("LinearStepPercent %v is outside %v-%v or not a multiple of 0.1", d.LinearStepPercent, limits.MinLinearStepPercent, limits.MaxLinearStepPercent)
	}
	if d.shifts() {
		if d.AlternateTargetGroupArn == nil {
			add("AlternateTargetGroupArn is required with Strategy %s", d.Strategy)
		}
		if d.ProductionRuleArn == nil {
			add("ProductionRuleArn is required with Strategy %s", d.Strategy)
		}
	} else if d.AlternateTargetGroupArn != nil || d.ProductionRuleArn != nil || d.TestRuleArn != nil {
		add("AlternateTargetGroupArn, ProductionRuleArn and TestRuleArn apply only to blue-green, canary and linear, not %s", d.Strategy)
	}
	for i, name := range d.AlarmNames {
		if !alarmName(name) || slices.Contains(d.AlarmNames[:i], name) {
			add("AlarmNames[%d] %q is not a distinct CloudWatch alarm name (1-255 characters)", i, name)
		}
	}
	return errors.Join(errs...)
}

// applyTo sets the strategy, its traffic steps, bake time and alarms on props.
func (d Deployment) applyTo(props *ecs.FargateServiceProps) {
	minutes := func(m int) awscdk.Duration { return duration.Minutes(float64(m)) }
	props.DeploymentStrategy = map[string]ecs.DeploymentStrategy{
		limits.StrategyRolling: ecs.DeploymentStrategy_ROLLING, limits.StrategyBlueGreen: ecs.DeploymentStrategy_BLUE_GREEN,
		limits.StrategyCanary: ecs.DeploymentStrategy_CANARY, limits.StrategyLinear: ecs.DeploymentStrategy_LINEAR,
	}[d.Strategy]
	if d.shifts() {
		props.BakeTime = minutes(*d.BakeMinutes)
	}
	switch d.Strategy {
	case limits.StrategyCanary:
		props.CanaryConfiguration = &ecs.TrafficShiftConfig{StepPercent: jsii.Number(d.CanaryPercent), StepBakeTime: minutes(*d.StepMinutes)}
	case limits.StrategyLinear:
		props.LinearConfiguration = &ecs.TrafficShiftConfig{StepPercent: jsii.Number(d.LinearStepPercent), StepBakeTime: minutes(*d.StepMinutes)}
	}
	if len(d.AlarmNames) > 0 {
		props.DeploymentAlarms = &ecs.DeploymentAlarmConfig{AlarmNames: jsii.Strings(d.AlarmNames...), Behavior: ecs.AlarmBehavior_ROLLBACK_ON_ALARM}
	}
}

// addAlternate wires the service's blue/green load balancer configuration (nothing for
// rolling). ECS acts on the load balancer with InfrastructureRole, which may change exactly the
// service's rules and register tasks in exactly its two groups. Set on the CloudFormation
// service directly: aws-cdk-lib's AlternateTarget wants rule objects, which a service in
// another stack than its rules can only get through one export each.
func (s *Service) addAlternate(p ServiceProps, svc ecs.FargateService) {
	d := p.deployment
	if !d.shifts() {
		return
	}
	role := iam.NewRole(s.Construct, jsii.String("InfrastructureRole"), &iam.RoleProps{
		Description: jsii.String("ECS moves this service's blue/green traffic with it: its two target groups and listener rules"),
		AssumedBy: iam.NewServicePrincipal(jsii.String("ecs.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": s.account}},
		}),
	})
	rules := []*string{d.ProductionRuleArn}
	advanced := map[string]any{
		"AlternateTargetGroupArn": d.AlternateTargetGroupArn, "ProductionListenerRule": d.ProductionRuleArn, "RoleArn": role.RoleArn(),
	}
	if d.TestRuleArn != nil {
		rules = append(rules, d.TestRuleArn)
		advanced["TestListenerRule"] = d.TestRuleArn
	}
	policy := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("ECS moves the traffic of service %s between its two target groups", p.Name)),
		Roles:       &[]iam.IRole{role},
		// The document in one call into the jsii runtime, where a PolicyStatement is one each.
		Document: iam.PolicyDocument_FromJson(map[string]any{"Statement": []any{
			map[string]any{"Effect": "Allow", "Resource": "*", "Action": []string{"elasticloadbalancing:DescribeListeners",
				"elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"}},
			map[string]any{"Effect": "Allow", "Resource": []*string{p.TargetGroup.TargetGroupArn(), d.AlternateTargetGroupArn},
				"Action": []string{"elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"}},
			map[string]any{"Effect": "Allow", "Resource": rules, "Action": "elasticloadbalancing:ModifyRule"},
		}}),
	})
	suppress(policy, "Elastic Load Balancing's Describe actions have no resource-level permissions "+
		"(AWS requires Resource \"*\"); they only read. Every action that changes something is limited to this service's "+
		"two target groups and its listener rules.", "AwsSolutions-IAM5")
	s.Resource.AddPropertyOverride(jsii.String("LoadBalancers.0.AdvancedConfiguration"), advanced)
	// ECS uses the role as soon as the service exists: wait for its policy (its Arn already
	// orders the role itself).
	s.Resource.Node().AddDependency(policy)
	s.InfrastructureRole = role
}

// suppress records a cdk-nag finding kept on purpose, on the one resource of l2 (its default
// child, the only resource under it: found by cdk-nag, which saves Go two calls into the jsii
// runtime to read it).
func suppress(l2 constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(l2, &rules, jsii.Bool(true))
}
