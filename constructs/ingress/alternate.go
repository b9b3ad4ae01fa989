package ingress

import (
	"fmt"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Weights a target's rules declare: everything to the first group. ECS moves them during a
// deployment; the guard (guard.go) carries ECS's weights over when CloudFormation updates a rule.
const (
	primaryWeight   = 100
	alternateWeight = 0
)

// forward is the action of t's rules: to its group, or weighted over its two groups.
func (l *LoadBalancer) forward(t Target) elbv2.ListenerAction {
	group := l.TargetGroups[t.Name]
	if !t.Alternate {
		return elbv2.ListenerAction_Forward(&[]elbv2.IApplicationTargetGroup{group}, nil)
	}
	return elbv2.ListenerAction_WeightedForward(&[]*elbv2.WeightedTargetGroup{
		{TargetGroup: group, Weight: jsii.Number(primaryWeight)},
		{TargetGroup: l.AlternateTargetGroups[t.Name], Weight: jsii.Number(alternateWeight)},
	}, nil)
}

// addTestRules adds the test listener and a rule on it for every target with TestListener.
// The listener answers 403 to anything else, and only TestListenerSources may reach it.
func (l *LoadBalancer) addTestRules(p LoadBalancerProps) {
	var targets []Target
	for _, t := range p.Targets {
		if t.TestListener {
			targets = append(targets, t)
		}
	}
	if len(targets) == 0 {
		return
	}
	l.TestListener = l.LoadBalancer.AddListener(jsii.String("Test"), &elbv2.BaseApplicationListenerProps{
		Port:         jsii.Number(limits.TestListenerPort),
		Protocol:     elbv2.ApplicationProtocol_HTTPS,
		Certificates: &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromCertificateManager(l.Certificate)},
		SslPolicy:    SslPolicy,
		Open:         jsii.Bool(false),
		DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(403), &elbv2.FixedResponseOptions{
			ContentType: jsii.String("text/plain"),
			MessageBody: jsii.String("Forbidden"),
		}),
	})
	for i, source := range p.TestListenerSources {
		ec2.NewCfnSecurityGroupIngress(l.Construct, jsii.String(fmt.Sprintf("TestListenerSource%d", i)), &ec2.CfnSecurityGroupIngressProps{
			GroupId:     p.SecurityGroup.SecurityGroupId(),
			IpProtocol:  jsii.String("tcp"),
			FromPort:    jsii.Number(limits.TestListenerPort),
			ToPort:      jsii.Number(limits.TestListenerPort),
			CidrIp:      source,
			Description: jsii.String("Pre-traffic checks from inside the VPC reach the test listener"),
		})
	}
	for _, t := range targets {
		// No origin header: CloudFront never sends here; the security group is the guard.
		r := rule{id: naming.Pascal(t.Name) + "TestRule", listener: l.TestListener, priority: float64(t.Priority),
			conditions: []condition{pathPatterns(t.PathPattern)}}
		created := l.newRule(r, l.forward(t))
		l.TestRules[t.Name] = created
		l.guardWeights(t, r, created)
	}
}

// validateAlternates checks Alternate, TestListener and TestListenerSources.
func (p LoadBalancerProps) validateAlternates() []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	tests := 0
	for i, t := range p.Targets {
		key := fmt.Sprintf("Targets[%d]", i)
		if t.Alternate && t.Instances {
			add("%s: Alternate needs ip targets (ECS tasks), not Instances", key)
		}
		if !t.TestListener {
			continue
		}
		tests++
		switch {
		case !t.Alternate:
			add("%s: TestListener needs Alternate (the test rule forwards to the new tasks' group)", key)
		case i == 0 && p.HealthCheckHost != "":
			add("%s: TestListener is not allowed on the first target with HealthCheckHost: its ECS test rule is the health-check rule", key)
		}
	}
	if tests > 0 && len(p.TestListenerSources) == 0 {
		add("TestListenerSources is empty: nothing could reach the test listener")
	}
	if tests == 0 && len(p.TestListenerSources) > 0 {
		add("TestListenerSources is set but no target has TestListener")
	}
	for i, s := range p.TestListenerSources {
		if s == nil || *s == "" || *s == "0.0.0.0/0" {
			add("TestListenerSources[%d] must be a CIDR narrower than 0.0.0.0/0: the test listener is not public", i)
		}
	}
	return errs
}
