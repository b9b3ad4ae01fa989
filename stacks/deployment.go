package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ssm "github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// This file wires services[].deployment into the service construct and the App stack's
// ingress. Every ECS service has an alternate target group and weighted rules whatever its
// strategy, so changing a strategy never touches the App stack's rules.

// DeploymentAlarmNames are the names of service's deployment alarms in region: the operations
// alarms limits.DeploymentAlarms, named as serviceAlarms names them. Names, not references:
// the alarms watch the service, so the service referring to them would be a cycle.
func DeploymentAlarmNames(env *config.Environment, region, name string) []string {
	out := make([]string, len(limits.DeploymentAlarms))
	for i, alarm := range limits.DeploymentAlarms {
		out[i] = AlarmPrefix(env, region, name) + "-" + alarm
	}
	return out
}

// serviceDeployment is s's deployment in region; wiring are the App stack's ARNs for it.
func serviceDeployment(env *config.Environment, region string, s config.Service, wiring deploymentWiring) *service.Deployment {
	d := s.Deployment
	out := &service.Deployment{
		Strategy: d.Strategy, BakeMinutes: &d.BakeMinutes, StepMinutes: &d.StepMinutes,
		CanaryPercent: d.CanaryPercent, LinearStepPercent: d.LinearStepPercent,
		AlarmNames: DeploymentAlarmNames(env, region, s.Name),
	}
	if d.ShiftsTraffic() {
		out.AlternateTargetGroupArn, out.ProductionRuleArn, out.TestRuleArn = wiring.alternate, wiring.production, wiring.test
	}
	return out
}

// deploymentWiring is an ECS service's alternate group and ECS-managed rules, as ARNs.
type deploymentWiring struct{ alternate, production, test *string }

// DeploymentParameterName is the SSM parameter in which each region's App stack of environment
// env hands service svc its wiring.
func DeploymentParameterName(env, svc string) string {
	return fmt.Sprintf("/stratus/%s/%s/deployment", env, svc)
}

// writeDeployments gives every ECS service's wiring in an SSM parameter of the region,
// "alternate|production|test" (test "-" without a test rule), which the Service stack reads at
// each deploy. Not an export: the value changes with normal edits (a service's test listener
// turned on or off; another service becoming the first, whose test rule is the health check's),
// and CloudFormation refuses to change an export another stack imports.
func writeDeployments(a *AppStack, env *config.Environment) {
	in := a.Ingress
	for _, s := range env.Services {
		alt, ok := in.AlternateTargetGroups[s.Name]
		if !ok {
			continue
		}
		test := jsii.String("-")
		if rule, ok := in.TestRules[s.Name]; ok {
			test = rule.ListenerRuleArn()
		}
		ssm.NewStringParameter(a.Stack, jsii.String("Deployment"+naming.Pascal(s.Name)), &ssm.StringParameterProps{
			ParameterName: jsii.String(DeploymentParameterName(env.Name, s.Name)),
			Description:   jsii.String(fmt.Sprintf("Service %s's alternate target group and ECS-managed rules (alternate|production|test)", s.Name)),
			StringValue:   awscdk.Fn_Join(jsii.String("|"), &[]*string{alt.TargetGroupArn(), in.ProductionRules[s.Name].ListenerRuleArn(), test}),
		})
	}
}

// readDeployment reads service name's wiring in its Service stack, from the parameter the
// region's App stack writes (a dependency of stack).
func readDeployment(stack awscdk.Stack, app *AppStack, env *config.Environment, name string) deploymentWiring {
	if app.Ingress == nil {
		return deploymentWiring{} // an HTTP API: services roll (config allows nothing else)
	}
	param := awscdk.NewCfnParameter(stack, jsii.String("DeploymentWiring"), &awscdk.CfnParameterProps{
		Type:        jsii.String("AWS::SSM::Parameter::Value<String>"),
		Default:     jsii.String(DeploymentParameterName(env.Name, name)),
		Description: jsii.String("The SSM parameter in which the region's App stack hands this service its alternate target group and rules"),
	})
	// Its imports of the App stack order it too; this says why, should they go.
	stack.AddStackDependency(app.Stack, jsii.String("the App stack writes the deployment wiring parameter"))
	parts := awscdk.Fn_Split(jsii.String("|"), param.ValueAsString(), jsii.Number(3))
	w := deploymentWiring{alternate: (*parts)[0], production: (*parts)[1]}
	if _, ok := app.Ingress.TestRules[name]; ok {
		w.test = (*parts)[2]
	}
	return w
}

// testListenerSources are the region's NAT gateway addresses when a service has a test
// listener: checks run from inside the VPC reach the internet-facing ALB through them.
func testListenerSources(env *config.Environment, vpc ec2.IVpc) []*string {
	wanted := false
	for _, s := range env.Services {
		wanted = wanted || (s.Deployment.TestListener && s.Deployment.ShiftsTraffic())
	}
	if !wanted {
		return nil
	}
	var out []*string
	for _, subnet := range *vpc.PublicSubnets() {
		if eip, ok := subnet.Node().TryFindChild(jsii.String("EIP")).(ec2.CfnEIP); ok {
			out = append(out, awscdk.Fn_Join(jsii.String(""), &[]*string{eip.AttrPublicIp(), jsii.String("/32")}))
		}
	}
	return out
}

// targetMetrics are a service's target-group metrics summed (or, for percentiles, maximized)
// over its primary and alternate groups: during a blue/green, canary or linear deployment the
// new tasks are behind the alternate group, and an alarm on one group would not see them. The
// alternate's metrics take its full name from its ARN (no export of its own).
type targetMetrics struct {
	primary       func(name, stat string, p int) alarms.Metric // requestMetrics.target
	alternateName *string                                      // "targetgroup/<name>/<id>", or nil
}

// serviceRequestMetrics are what service name's alarms read of its requests (app.requestMetrics);
// with an alternate target group (wiring), its 5xx rate and p99 cover both groups.
func serviceRequestMetrics(app *AppStack, name string, wiring deploymentWiring) requestMetrics {
	m := app.requestMetrics(name)
	if app.Ingress == nil || wiring.alternate == nil {
		return m
	}
	groups := targetMetrics{primary: m.target,
		alternateName: service.TargetGroupFullName(wiring.alternate)}
	m.errorRate, m.p99, m.alternate = groups.errorRate, groups.p99, groups.alternate
	m.unhealthy = groups.unhealthy
	return m
}

// alternate is metric name of the alternate group.
func (m targetMetrics) alternate(name, stat string, p int) alarms.Metric {
	a := m.primary(name, stat, p)
	a.Dimensions = map[string]*string{"LoadBalancer": a.Dimensions["LoadBalancer"], "TargetGroup": m.alternateName}
	return a
}

// unhealthy is the larger of the two groups' unhealthy targets: after a release the tasks may
// be behind either.
func (m targetMetrics) unhealthy(stat string, p int) alarms.Query {
	return m.each("u", "unhealthy targets (either group)", p, maxOf, "UnHealthyHostCount", stat)
}

func (m targetMetrics) each(prefix, label string, p int, combine func(terms []string) string, name, stat string) alarms.Query {
	primary := m.primary(name, stat, p)
	if m.alternateName == nil {
		return primary
	}
	// Ids unique across the nested expressions of one alarm.
	using := map[string]alarms.Query{prefix + "0": primary, prefix + "1": m.alternate(name, stat, p)}
	return expression(combine([]string{prefix + "0", prefix + "1"}), label, p, using)
}

func fill(terms []string) []string {
	out := make([]string, len(terms))
	for i, t := range terms {
		out[i] = "FILL(" + t + ", 0)"
	}
	return out
}

func sum(terms []string) string { return strings.Join(fill(terms), " + ") }

// fiveXX and requests are counts over every group; p99 is the slowest group's p99.
func (m targetMetrics) fiveXX(p int) alarms.Query {
	return m.each("e", "target 5xx (all groups)", p, sum, "HTTPCode_Target_5XX_Count", "Sum")
}

func (m targetMetrics) requests(p int) alarms.Query {
	return m.each("r", "requests (all groups)", p, sum, "RequestCount", "Sum")
}

func (m targetMetrics) p99(p int) alarms.Query {
	return m.each("t", "p99 response time (slowest group)", p, maxOf, "TargetResponseTime", "p99")
}

func maxOf(terms []string) string { return "MAX([" + strings.Join(fill(terms), ", ") + "])" }

// errorRate is 100 × 5xx ÷ requests over every group, with no value while nothing is served.
func (m targetMetrics) errorRate(p int) alarms.Query {
	return expression("100 * FILL(errors, 0) / requests", "target 5xx rate (%)", p, map[string]alarms.Query{"errors": m.fiveXX(p), "requests": m.requests(p)})
}
