package service

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
)

const (
	altArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/prod-product-alt/fedcba9876543210"
)

var deploymentAlarms = []string{"stratus-prod-us-east-1-product-target5xxRate", "stratus-prod-us-east-1-product-p99ResponseTime"}

// strategies holds one service per traffic-shifting strategy.
type strategies struct {
	dir                       string
	canary, linear, blueGreen awscdk.Stack
	canaryOut                 *Service
}

var strategyFixture cdktest.Once[*strategies]

const (
	productionRuleArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/prod-alb/0123456789abcdef/0011223344556677/1111111111111111"
	testRuleArn       = "arn:aws:elasticloadbalancing:us-east-1:111111111111:listener-rule/app/prod-alb/0123456789abcdef/0011223344556677/2222222222222222"
)

// shifting is requiredProps with d and the alternate group and rules (as the App stack hands
// them over: ARNs).
func shifting(stack awscdk.Stack, d Deployment, test bool) ServiceProps {
	p := requiredProps(stack)
	d.AlternateTargetGroupArn, d.ProductionRuleArn = jsii.String(altArn), jsii.String(productionRuleArn)
	if test {
		d.TestRuleArn = jsii.String(testRuleArn)
	}
	p.Deployment = &d
	return p
}

func strategyStacks(t *testing.T) *strategies {
	t.Helper()
	return strategyFixture.Get(t, "service-strategies", func(app awscdk.App, dir string) (*strategies, error) {
		s := &strategies{dir: dir, canary: cdktest.NewStack(app, "Canary", "us-east-1"),
			linear: cdktest.NewStack(app, "Linear", "us-east-1"), blueGreen: cdktest.NewStack(app, "BlueGreen", "us-east-1")}
		var err error
		var linear, blueGreen *Service
		if s.canaryOut, err = NewService(s.canary, "Service", shifting(s.canary,
			Deployment{Strategy: limits.StrategyCanary, AlarmNames: deploymentAlarms}, true)); err != nil {
			return nil, err
		}
		if linear, err = NewService(s.linear, "Service", shifting(s.linear,
			Deployment{Strategy: limits.StrategyLinear, LinearStepPercent: 25.5, StepMinutes: ptr(2), BakeMinutes: ptr(0)}, false)); err != nil {
			return nil, err
		}
		if blueGreen, err = NewService(s.blueGreen, "Service", shifting(s.blueGreen, Deployment{Strategy: limits.StrategyBlueGreen, BakeMinutes: ptr(30)}, false)); err != nil {
			return nil, err
		}
		for _, svc := range []*Service{s.canaryOut, linear, blueGreen} {
			svc.MoveGrants()
		}
		return s, nil
	})
}

// logicalID is the logical id of the one resource of stack whose id starts with prefix.
func logicalID(t *testing.T, stack awscdk.Stack, prefix string) string {
	t.Helper()
	var found []string
	for id := range cdktest.Template(t, stack)["Resources"].(map[string]any) {
		if strings.HasPrefix(id, prefix) && !strings.HasPrefix(id[len(prefix):], "Policy") {
			found = append(found, id)
		}
	}
	require.Len(t, found, 1, "resources starting with %s", prefix)
	return found[0]
}

func serviceProps(t *testing.T, stack awscdk.Stack) map[string]any {
	_, svc := cdktest.Only(t, cdktest.Template(t, stack), "AWS::ECS::Service")
	return cdktest.Props(t, svc)
}

func TestCanaryShiftsTenPercentThenAllWithAlarmRollback(t *testing.T) {
	s := strategyStacks(t)
	props := serviceProps(t, s.canary)
	assert.Equal(t, map[string]any{
		"Strategy": "CANARY", "BakeTimeInMinutes": 10.0,
		"CanaryConfiguration":      map[string]any{"CanaryPercent": 10.0, "CanaryBakeTimeInMinutes": 5.0},
		"Alarms":                   map[string]any{"AlarmNames": []any{deploymentAlarms[0], deploymentAlarms[1]}, "Enable": true, "Rollback": true},
		"DeploymentCircuitBreaker": map[string]any{"Enable": true, "Rollback": true},
		"MinimumHealthyPercent":    100.0, "MaximumPercent": 200.0,
	}, props["DeploymentConfiguration"])
	lbs := props["LoadBalancers"].([]any)
	require.Len(t, lbs, 1)
	assert.Equal(t, map[string]any{
		"AlternateTargetGroupArn": altArn,
		"ProductionListenerRule":  productionRuleArn,
		"TestListenerRule":        testRuleArn,
		"RoleArn":                 map[string]any{"Fn::GetAtt": []any{logicalID(t, s.canary, "ServiceInfrastructureRole"), "Arn"}},
	}, lbs[0].(map[string]any)["AdvancedConfiguration"])
	assert.Equal(t, tgArn, lbs[0].(map[string]any)["TargetGroupArn"], "the tasks start behind the primary group")
	require.NotNil(t, s.canaryOut.InfrastructureRole)
}

func TestLinearAndBlueGreenSayWhatTheyAreGiven(t *testing.T) {
	s := strategyStacks(t)
	linear := serviceProps(t, s.linear)["DeploymentConfiguration"].(map[string]any)
	assert.Equal(t, "LINEAR", linear["Strategy"])
	assert.Equal(t, 0.0, linear["BakeTimeInMinutes"], "a bake time of 0 is kept, not defaulted")
	assert.Equal(t, map[string]any{"StepPercent": 25.5, "StepBakeTimeInMinutes": 2.0}, linear["LinearConfiguration"])
	assert.NotContains(t, linear, "CanaryConfiguration")
	assert.NotContains(t, linear, "Alarms", "no alarm names: the circuit breaker alone")

	bg := serviceProps(t, s.blueGreen)
	config := bg["DeploymentConfiguration"].(map[string]any)
	assert.Equal(t, "BLUE_GREEN", config["Strategy"])
	assert.Equal(t, 30.0, config["BakeTimeInMinutes"])
	assert.NotContains(t, config, "CanaryConfiguration")
	assert.NotContains(t, config, "LinearConfiguration")
	advanced := bg["LoadBalancers"].([]any)[0].(map[string]any)["AdvancedConfiguration"].(map[string]any)
	assert.NotContains(t, advanced, "TestListenerRule")
	assert.Equal(t, altArn, advanced["AlternateTargetGroupArn"])
}

func TestRollingHasNoAlternateAndNoInfrastructureRole(t *testing.T) {
	s := synth(t)
	props := serviceProps(t, s.minimal)
	config := props["DeploymentConfiguration"].(map[string]any)
	assert.Equal(t, "ROLLING", config["Strategy"])
	assert.NotContains(t, config, "BakeTimeInMinutes")
	assert.NotContains(t, props["LoadBalancers"].([]any)[0], "AdvancedConfiguration")
	assert.Nil(t, s.minimalOut.InfrastructureRole)
}

// TestShiftingStrategiesScaleOnTheRequestsOfBothGroups: after a traffic-shifting release the
// tasks may stay behind the alternate group, where the primary group's ALBRequestCountPerTarget
// would read no request at all: the request policy sums both groups' requests over both groups'
// healthy targets. A rolling service keeps the predefined metric (TestDefaultsAreSecure).
func TestShiftingStrategiesScaleOnTheRequestsOfBothGroups(t *testing.T) {
	s := strategyStacks(t)
	for name, stack := range map[string]awscdk.Stack{"canary": s.canary, "linear": s.linear, "blue/green": s.blueGreen} {
		t.Run(name, func(t *testing.T) {
			var config map[string]any
			for _, p := range cdktest.OfType(t, cdktest.Template(t, stack), "AWS::ApplicationAutoScaling::ScalingPolicy") {
				c := cdktest.Path[map[string]any](t, cdktest.Props(t, p), "TargetTrackingScalingPolicyConfiguration")
				if _, custom := c["CustomizedMetricSpecification"]; custom {
					require.Nil(t, config, "one policy on a customized metric")
					config = c
				}
			}
			require.NotNil(t, config, "the request policy tracks a customized metric")
			assert.NotContains(t, config, "PredefinedMetricSpecification")
			assert.Equal(t, 1000.0, config["TargetValue"], "the same target as the predefined metric: requests a minute per task")
			groups := map[string]string{} // query id: the target group it reads
			var out []string
			for _, q := range cdktest.Path[[]any](t, config, "CustomizedMetricSpecification", "Metrics") {
				q := q.(map[string]any)
				id := q["Id"].(string)
				if q["ReturnData"] == true {
					out = append(out, q["Expression"].(string))
				}
				if q["MetricStat"] == nil {
					continue
				}
				metric := cdktest.Path[map[string]any](t, q, "MetricStat", "Metric")
				assert.Equal(t, "AWS/ApplicationELB", metric["Namespace"], id)
				dims := map[string]any{}
				for _, d := range metric["Dimensions"].([]any) {
					dims[d.(map[string]any)["Name"].(string)] = d.(map[string]any)["Value"]
				}
				assert.Equal(t, "app/prod-alb/0123456789abcdef", dims["LoadBalancer"], id)
				groups[id] = dims["TargetGroup"].(string) + " " + metric["MetricName"].(string) + " " + q["MetricStat"].(map[string]any)["Stat"].(string)
			}
			assert.Equal(t, map[string]string{
				"r0": "targetgroup/prod-product/0123456789abcdef RequestCount Sum",
				"h0": "targetgroup/prod-product/0123456789abcdef HealthyHostCount Average",
				"r1": "targetgroup/prod-product-alt/fedcba9876543210 RequestCount Sum",
				"h1": "targetgroup/prod-product-alt/fedcba9876543210 HealthyHostCount Average",
			}, groups)
			assert.Equal(t, []string{"IF(healthy > 0, requests / healthy, requests)"}, out, "one time series comes back")
		})
	}
}

// ECS may change exactly this service's two rules and register tasks in exactly its two groups.
func TestInfrastructureRoleIsLeastPrivilege(t *testing.T) {
	s := strategyStacks(t)
	tpl := assertions.Template_FromStack(s.canary, nil)
	role := logicalID(t, s.canary, "ServiceInfrastructureRole")
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
				"Action": "sts:AssumeRole", "Effect": "Allow", "Principal": map[string]any{"Service": "ecs.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
			}}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), &map[string]any{
			"Roles": []any{map[string]any{"Ref": role}},
			"PolicyDocument": map[string]any{"Statement": []any{
				map[string]any{"Effect": "Allow", "Resource": "*", "Action": []any{"elasticloadbalancing:DescribeListeners",
					"elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"}},
				map[string]any{"Effect": "Allow", "Resource": []any{altArn, tgArn}, // (sorted by CDK)
					"Action": []any{"elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:RegisterTargets"}},
				map[string]any{"Effect": "Allow", "Action": "elasticloadbalancing:ModifyRule", "Resource": []any{productionRuleArn, testRuleArn}},
			}},
		})
	})
}

func TestStrategiesPassTheGates(t *testing.T) {
	s := strategyStacks(t)
	cdktest.Gates(t, s.dir, s.canary, s.linear, s.blueGreen)
}

func TestInvalidDeploymentsAreRejected(t *testing.T) {
	cases := []cdktest.Invalid[ServiceProps]{
		{Name: "an unknown strategy", Mutate: func(p *ServiceProps) { p.Deployment.Strategy = "recreate" }, Want: `Deployment.Strategy "recreate" is not an ECS deployment strategy (allowed: rolling, blue-green, canary, linear)`},
		{Name: "canary 0 %", Mutate: func(p *ServiceProps) { p.Deployment.CanaryPercent = 0.01 }, Want: "Deployment.CanaryPercent 0.01 is outside 0.1-100"},
		{Name: "canary 101 %", Mutate: func(p *ServiceProps) { p.Deployment.CanaryPercent = 101 }, Want: "Deployment.CanaryPercent 101 is outside"},
		{Name: "a linear step of 2 %", Mutate: func(p *ServiceProps) { p.Deployment.LinearStepPercent = 2 }, Want: "Deployment.LinearStepPercent 2 is outside 3-100"},
		{Name: "a linear step off the 0.1 grid", Mutate: func(p *ServiceProps) { p.Deployment.LinearStepPercent = 10.05 }, Want: "Deployment.LinearStepPercent 10.05"},
		{Name: "a bake time over a day", Mutate: func(p *ServiceProps) { p.Deployment.BakeMinutes = ptr(1441) }, Want: "Deployment.BakeMinutes 1441 is outside 0-1440"},
		{Name: "a negative step time", Mutate: func(p *ServiceProps) { p.Deployment.StepMinutes = ptr(-1) }, Want: "Deployment.StepMinutes -1 is outside 0-1440"},
		{Name: "canary without an alternate group", Mutate: func(p *ServiceProps) { p.Deployment.AlternateTargetGroupArn = nil }, Want: "Deployment.AlternateTargetGroupArn is required with Strategy canary"},
		{Name: "canary without a production rule", Mutate: func(p *ServiceProps) { p.Deployment.ProductionRuleArn = nil }, Want: "Deployment.ProductionRuleArn is required with Strategy canary"},
		{Name: "rolling with an alternate group", Mutate: func(p *ServiceProps) { p.Deployment.Strategy = limits.StrategyRolling }, Want: "apply only to blue-green, canary and linear, not rolling"},
		{Name: "an empty alarm name", Mutate: func(p *ServiceProps) { p.Deployment.AlarmNames = []string{""} }, Want: `Deployment.AlarmNames[0] ""`},
		{Name: "an alarm named twice", Mutate: func(p *ServiceProps) { p.Deployment.AlarmNames = []string{"a", "a"} }, Want: `Deployment.AlarmNames[1] "a" is not a distinct`},
	}
	cdktest.Rejects(t, func() ServiceProps {
		p := shifting(cdktest.NewStack(cdktest.NewApp(t), "Invalid", "us-east-1"), Deployment{Strategy: limits.StrategyCanary}, false)
		d := *p.Deployment
		p.Deployment = &d
		return p
	}, func(p ServiceProps) error { return p.withDefaults().validate() }, cases)
}
