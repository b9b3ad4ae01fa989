package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// inWebDeployment gives baseYAML's service a deployment block: its first body line is line 18.
func inWebDeployment(body string) []edit {
	return []edit{{"    image: \"1.0.0\"\n", "    image: \"1.0.0\"\n    deployment:\n" + body}}
}

// appDeployment gives baseYAML an app.deployment block: its first body line is line 21.
func appDeployment(body string) []edit { return []edit{section("app", "  deployment:\n"+body)} }

func TestDeploymentDefaultsToRollingAndFollowsApp(t *testing.T) {
	env, err := loadDoc(t, baseYAML)
	require.NoError(t, err)
	assert.Equal(t, Deployment{Strategy: "rolling", BakeMinutes: 10, CanaryPercent: 10, LinearStepPercent: 10, StepMinutes: 5},
		env.Services[0].Deployment, "without app.deployment every service rolls")

	doc := apply(t, baseYAML, append(appDeployment("    strategy: canary\n    canaryPercent: 20\n"),
		edit{"    image: \"1.0.0\"\n", "    image: \"1.0.0\"\n  - name: api\n    image: \"1.0.0\"\n    deployment:\n      strategy: linear\n      linearStepPercent: 25.5\n      stepMinutes: 2\n      testListener: true\n"}))
	env, err = loadDoc(t, doc)
	require.NoError(t, err)
	assert.Equal(t, Deployment{Strategy: "linear", BakeMinutes: 10, CanaryPercent: 20, LinearStepPercent: 25.5, StepMinutes: 2, TestListener: true},
		env.Services[1].Deployment, "a service's keys win over app.deployment's")
	assert.Equal(t, Deployment{Strategy: "canary", BakeMinutes: 10, CanaryPercent: 20, LinearStepPercent: 10, StepMinutes: 5},
		env.Services[0].Deployment, "a service without deployment takes app.deployment")
	assert.True(t, env.Services[0].Deployment.ShiftsTraffic())
}

// prodDeployment is what the fixtures' prod.yaml (a copy of the shipped one) resolves
// app.deployment to.
var prodDeployment = Deployment{Strategy: "canary", BakeMinutes: 10, CanaryPercent: 10, LinearStepPercent: 10, StepMinutes: 5}

// TestShippedDeployments: prod releases by canary (10 % for 5 minutes, then all), dev and
// staging roll. It reads the fixtures' copies of the shipped files, so a fork may change its own.
func TestShippedDeployments(t *testing.T) {
	want := map[string]string{"dev": limits.StrategyRolling, "staging": limits.StrategyRolling, "prod": limits.StrategyCanary}
	for name, strategy := range want {
		env, err := Load(fixtureDir + "/" + name + ".yaml")
		require.NoError(t, err)
		require.NotEmpty(t, env.Services, name)
		for _, s := range env.Services {
			assert.Equal(t, strategy, s.Deployment.Strategy, "%s: %s", name, s.Name)
			if strategy == limits.StrategyCanary {
				assert.Equal(t, 10.0, s.Deployment.CanaryPercent, "%s: %s", name, s.Name)
				assert.Equal(t, 5, s.Deployment.StepMinutes, "%s: %s", name, s.Name)
			}
		}
	}
}

// TestDeploymentErrors has one bad input per rule of config/deployment.go.
func TestDeploymentErrors(t *testing.T) {
	const web = ` (service "web")`
	cases := []badInput{
		{"an unknown strategy", inWebDeployment("      strategy: bluegreen\n"),
			[]string{`:18: services[0].deployment.strategy "bluegreen": unknown deployment strategy (allowed: rolling, blue-green, canary, linear)`}},
		{"an unknown app strategy", appDeployment("    strategy: recreate\n"),
			[]string{`:21: app.deployment.strategy "recreate": unknown deployment strategy (allowed: rolling, blue-green, canary, linear)`}},
		{"canary percent 0", inWebDeployment("      strategy: canary\n      canaryPercent: 0\n"),
			[]string{`:19: services[0].deployment.canaryPercent 0` + web + `: out of range (allowed: 0.1-100 percent in steps of 0.1)`}},
		{"canary percent 101", inWebDeployment("      strategy: canary\n      canaryPercent: 101\n"),
			[]string{`:19: services[0].deployment.canaryPercent 101` + web + `: out of range (allowed: 0.1-100 percent in steps of 0.1)`}},
		{"canary percent off the 0.1 grid", inWebDeployment("      strategy: canary\n      canaryPercent: 2.55\n"),
			[]string{`:19: services[0].deployment.canaryPercent 2.55` + web + `: out of range (allowed: 0.1-100 percent in steps of 0.1)`}},
		{"linear step below 3", inWebDeployment("      strategy: linear\n      linearStepPercent: 2.9\n"),
			[]string{`:19: services[0].deployment.linearStepPercent 2.9` + web + `: out of range (allowed: 3-100 percent in steps of 0.1)`}},
		{"linear step 101 in app", appDeployment("    strategy: linear\n    linearStepPercent: 101\n"),
			[]string{`:22: app.deployment.linearStepPercent 101: out of range (allowed: 3-100 percent in steps of 0.1)`}},
		{"a bake time CloudFormation refuses", inWebDeployment("      strategy: blue-green\n      bakeMinutes: 1441\n"),
			[]string{`:19: services[0].deployment.bakeMinutes 1441` + web + `: out of range (allowed: 0-1440 minutes)`}},
		{"a negative bake time", inWebDeployment("      strategy: blue-green\n      bakeMinutes: -1\n"),
			[]string{`:19: services[0].deployment.bakeMinutes -1` + web + `: out of range (allowed: 0-1440 minutes)`}},
		{"a step time CloudFormation refuses", inWebDeployment("      strategy: canary\n      stepMinutes: 1500\n"),
			[]string{`:19: services[0].deployment.stepMinutes 1500` + web + `: out of range (allowed: 0-1440 minutes)`}},
		{"bake minutes with rolling", inWebDeployment("      bakeMinutes: 5\n"),
			[]string{`:18: services[0].deployment.bakeMinutes` + web + `: does not apply to strategy rolling (allowed with: blue-green, canary, linear)`}},
		{"canary percent with linear", inWebDeployment("      strategy: linear\n      canaryPercent: 10\n"),
			[]string{`:19: services[0].deployment.canaryPercent` + web + `: does not apply to strategy linear (allowed with: canary)`}},
		{"a linear step with canary", inWebDeployment("      strategy: canary\n      linearStepPercent: 10\n"),
			[]string{`:19: services[0].deployment.linearStepPercent` + web + `: does not apply to strategy canary (allowed with: linear)`}},
		{"step minutes with blue-green", inWebDeployment("      strategy: blue-green\n      stepMinutes: 5\n"),
			[]string{`:19: services[0].deployment.stepMinutes` + web + `: does not apply to strategy blue-green (allowed with: canary, linear)`}},
		{"a test listener with rolling", appDeployment("    testListener: true\n"),
			[]string{`:21: app.deployment.testListener: does not apply to strategy rolling (allowed with: blue-green, canary, linear)`}},
		{"a test listener on the first service", inWebDeployment("      strategy: canary\n      testListener: true\n"),
			[]string{`:19: services[0].deployment.testListener: the first service cannot have a test listener: its ECS test rule is the Route 53 health check's rule (set testListener on later services only)`}},
		{"a test listener for every service", appDeployment("    strategy: blue-green\n    testListener: true\n"),
			[]string{`:22: app.deployment.testListener: the first service cannot have a test listener: its ECS test rule is the Route 53 health check's rule (set testListener on later services only)`}},
		{"a canary behind an HTTP API", append([]edit{section("ingress", "  mode: api\n")}, inWebDeployment("      strategy: canary\n")...),
			[]string{`:18: services[0].deployment.strategy canary` + web + `: needs ingress.mode alb, whose target groups ECS shifts traffic between (allowed with ingress.mode api: rolling)`}},
		{"a strategy that is not a string", inWebDeployment("      strategy: [canary]\n"),
			[]string{`:18: services[0].deployment.strategy: must be a string, got a sequence`}},
		{"an unknown key", inWebDeployment("      percent: 10\n"),
			[]string{`:18: services[0].deployment.percent: unknown key (allowed: strategy, bakeMinutes, canaryPercent, linearStepPercent, stepMinutes, testListener)`}},
		{"deployment with ec2 tiers", append([]edit{ec2}, appDeployment("    strategy: canary\n")...),
			[]string{`:22: app.deployment: compute ec2 runs tiers, which ECS does not deploy (remove app.deployment, or set compute: fargate)`}},
	}
	assertRejected(t, cases)
}
