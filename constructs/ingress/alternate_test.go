package ingress

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
)

const testSource = "203.0.113.10/32"

// blueGreen makes both targets blue/green-capable, the second with a test rule, and the first
// the health-check target.
func blueGreen(path string) func(*LoadBalancerProps) {
	return func(p *LoadBalancerProps) {
		p.Targets = []Target{
			{Name: "product", Port: 8080, PathPattern: "/api/product/*", Alternate: true},
			{Name: "order", Port: 8081, PathPattern: path, Alternate: true, TestListener: true},
		}
		p.HealthCheckHost = "us-east-1.origin.example.com"
		p.TestListenerSources = []*string{jsii.String(testSource)}
	}
}

var (
	alternatesOnce, movedOnce sync.Once
	alternatesFix, movedFix   *fixture
	alternatesErr, movedErr   error
)

// alternates is the blue/green fixture; moved is the same with the order rule's path changed.
func alternates(t *testing.T) *fixture {
	t.Helper()
	alternatesOnce.Do(func() {
		alternatesFix, alternatesErr = build(filepath.Join(root, "alternates"), nil, blueGreen("/api/order/*"))
	})
	require.NoError(t, alternatesErr)
	return alternatesFix
}

func moved(t *testing.T) *fixture {
	t.Helper()
	movedOnce.Do(func() { movedFix, movedErr = build(filepath.Join(root, "moved"), nil, blueGreen("/api/orders/*")) })
	require.NoError(t, movedErr)
	return movedFix
}

// rules returns the template's listener rules by listener ("Https" or "Test") and priority.
func rules(t *testing.T, f *fixture) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range cdktest.OfType(t, cdktest.Template(t, f.stack), "AWS::ElasticLoadBalancingV2::ListenerRule") {
		props := cdktest.Props(t, r)
		listener := strings.TrimPrefix(cdktest.Path[string](t, props, "ListenerArn", "Ref"), "IngressLoadBalancer")
		out[fmt.Sprintf("%s%v", listener[:strings.IndexAny(listener, "0123456789ABCDEF")], props["Priority"])] = props
	}
	return out
}

// ECS native blue/green needs the production rule to forward to both groups; the declared
// weights must never be literals CloudFormation would push over ECS's (aws-cdk #36649).
func TestBlueGreenRulesForwardToBothGroupsWithGuardedWeights(t *testing.T) {
	f := alternates(t)
	byPriority := rules(t, f)
	require.Len(t, byPriority, 4, "two production rules, the health-check rule and one test rule")
	for priority, name := range map[string]string{"Https10": "Product", "Https20": "Order", "Https1": "Product", "Test20": "Order"} {
		actions := byPriority[priority]["Actions"].([]any)
		require.Len(t, actions, 1)
		action := actions[0].(map[string]any)
		assert.Equal(t, "forward", action["Type"])
		assert.NotContains(t, action, "TargetGroupArn", "a single-group forward would drop the alternate group")
		groups := cdktest.Path[[]any](t, action, "ForwardConfig", "TargetGroups")
		require.Len(t, groups, 2, "rule %v", priority)
		for i, want := range []struct{ group, weight string }{{name + "TargetGroup", "PrimaryWeight"}, {name + "AlternateTargetGroup", "AlternateWeight"}} {
			g := groups[i].(map[string]any)
			assert.Regexp(t, "^Ingress"+want.group, cdktest.Path[string](t, g, "TargetGroupArn", "Ref"))
			getAtt := cdktest.Path[[]any](t, g, "Weight", "Fn::GetAtt")
			assert.Regexp(t, "^Ingress.*RuleWeights", getAtt[0], "rule %v group %d: weight from the guard", priority, i)
			assert.Equal(t, want.weight, getAtt[1])
		}
	}
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(4))
		f.tpl.ResourceCountIs(jsii.String("Custom::RuleWeights"), jsii.Number(4))
		// The alternate group is the primary's twin: ECS registers the same tasks in either.
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
			"TargetType": "ip", "Port": 8081, "HealthCheckPath": "/health", "HealthCheckIntervalSeconds": 15,
		})
	})
	require.Len(t, f.lb.AlternateTargetGroups, 2)
	require.Len(t, f.lb.ProductionRules, 2)
	assert.Len(t, f.lb.TestRules, 2, "order's test-listener rule and product's health-check rule")
}

// The guard runs again exactly when CloudFormation would update the rule: its fingerprint
// follows the rule's conditions and priority.
func TestGuardFingerprintFollowsTheDeclaredRule(t *testing.T) {
	fingerprints := func(f *fixture) map[string]string {
		out := map[string]string{}
		for id, r := range cdktest.OfType(t, cdktest.Template(t, f.stack), "Custom::RuleWeights") {
			out[id] = cdktest.Props(t, r)["Fingerprint"].(string)
		}
		return out
	}
	before, after := fingerprints(alternates(t)), fingerprints(moved(t))
	require.Len(t, before, 4)
	require.Equal(t, len(before), len(after))
	changed := 0
	for id, fp := range before {
		if after[id] != fp {
			changed++
			assert.Contains(t, id, "Order", "only the order rules changed")
		}
	}
	assert.Equal(t, 2, changed, "the order production and test rules")
}

func TestGuardFunctionOnlyReadsRules(t *testing.T) {
	f := alternates(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(1))
		f.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
			"Runtime": "python3.14", "ReservedConcurrentExecutions": 1,
			"Code": map[string]any{"ZipFile": guardCode},
		})
		f.tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
				"Action": "elasticloadbalancing:DescribeRules", "Effect": "Allow", "Resource": "*",
			}})},
		})
		f.tpl.ResourceCountIs(jsii.String("AWS::IAM::Policy"), jsii.Number(0))
		f.tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"KmsKeyId": assertions.Match_AnyValue(), "RetentionInDays": 365,
		})
	})
	assert.NotContains(t, guardCode, "modify_rule", "the guard never changes a rule itself")
	// Retained, its group carries the stack's id: an App stack created again makes its own.
	_, group := cdktest.Only(t, cdktest.Template(t, f.stack), "AWS::Logs::LogGroup")
	assert.Equal(t, "DeletionPolicy:Retain", "DeletionPolicy:"+fmt.Sprint(group["DeletionPolicy"]))
	name := cdktest.RebuildableName(t, cdktest.Props(t, group)["LogGroupName"])
	assert.Regexp(t, `^/stratus/ingress/[^/]+/rule-weights$`, name)
	// Its key decrypts the group as named now and as named before it carried the stack's id.
	var policies []string
	for id, k := range cdktest.OfType(t, cdktest.Template(t, f.stack), "AWS::KMS::Key") {
		if strings.HasPrefix(id, "IngressRuleWeightsLogKey") {
			policies = append(policies, fmt.Sprint(cdktest.Props(t, k)["KeyPolicy"]))
		}
	}
	require.Len(t, policies, 1)
	assert.Contains(t, policies[0], "log-group:"+name+"-", "the group as named now")
	assert.Contains(t, policies[0], "log-group:"+name+"]", "the group as named before")
}

// The test listener is HTTPS on its own port, refuses by default and admits only the given
// sources; its rules need no origin header.
func TestTestListenerIsPrivateAndForwardsLikeProduction(t *testing.T) {
	f := alternates(t)
	cdktest.NoPanic(t, func() {
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), &map[string]any{
			"Port": 8443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
			"DefaultActions": []any{map[string]any{"Type": "fixed-response", "FixedResponseConfig": assertions.Match_ObjectLike(&map[string]any{"StatusCode": "403"})}},
		})
		f.tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(1))
		f.tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), &map[string]any{
			"GroupId": albGroupID, "IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "CidrIp": testSource,
		})
	})
	testRules := 0
	for _, r := range cdktest.OfType(t, cdktest.Template(t, f.stack), "AWS::ElasticLoadBalancingV2::ListenerRule") {
		props := cdktest.Props(t, r)
		if ref := cdktest.Path[string](t, props, "ListenerArn", "Ref"); strings.HasPrefix(ref, "IngressLoadBalancerTest") {
			testRules++
			assert.Equal(t, []any{map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/api/order/*"}}}}, props["Conditions"])
		}
	}
	assert.Equal(t, 1, testRules)
	// The defaults have no test listener and add nothing to the ALB's security group.
	assert.Nil(t, defaults(t).lb.TestListener)
}

func TestAlternatesNagAndCfnLintClean(t *testing.T) {
	f := alternates(t)
	cdktest.NoAnnotations(t, f.stack)
	cdktest.NoFindings(t, gates.Nag, f.dir)
	cdktest.RequireTool(t, "cfn-lint", "pip install cfn-lint, as the README says")
	cdktest.NoFindings(t, gates.CfnLint, f.dir)
}

func TestInvalidAlternatesAreRejected(t *testing.T) {
	s := newScene(t.TempDir(), true)
	cdktest.Rejects(t, func() LoadBalancerProps {
		p := lbProps(s)
		blueGreen("/api/order/*")(&p)
		return p
	}, func(p LoadBalancerProps) error { return p.withDefaults().validate(region) }, []cdktest.Invalid[LoadBalancerProps]{
		{Name: "an alternate for instances", Mutate: func(p *LoadBalancerProps) { p.Targets[0].Instances = true }, Want: "Targets[0]: Alternate needs ip targets"},
		{Name: "a test rule without an alternate", Mutate: func(p *LoadBalancerProps) { p.Targets[1].Alternate = false }, Want: "Targets[1]: TestListener needs Alternate"},
		{Name: "a test rule on the health-check target", Mutate: func(p *LoadBalancerProps) { p.Targets[0].TestListener = true }, Want: "Targets[0]: TestListener is not allowed on the first target with HealthCheckHost"},
		{Name: "a test listener nobody reaches", Mutate: func(p *LoadBalancerProps) { p.TestListenerSources = nil }, Want: "TestListenerSources is empty"},
		{Name: "a public test listener", Mutate: func(p *LoadBalancerProps) { p.TestListenerSources = []*string{jsii.String("0.0.0.0/0")} }, Want: "TestListenerSources[0] must be a CIDR narrower than 0.0.0.0/0"},
		{Name: "sources without a test rule", Mutate: func(p *LoadBalancerProps) { p.Targets[1].TestListener = false }, Want: "TestListenerSources is set but no target has TestListener"},
	})
}

// The guard's handler against a fake ELB API: it carries ECS's weights over, answers 100/0 for
// a rule that does not exist yet, and fails the deployment when it cannot read.
func TestGuardHandlerCarriesLiveWeights(t *testing.T) {
	cdktest.RequireTool(t, "python3", "install Python 3")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.py"), []byte(guardCode), 0o644))
	out, err := exec.Command("python3", "tests/guard_test.py", dir).CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "OK")
}

// The fingerprint hashes the conditions in the raw form aws-cdk-lib renders for the rule
// (conditions are kept in Go so fingerprinting reads nothing back): the two must not drift apart.
func TestFingerprintedConditionsAreWhatTheRuleRenders(t *testing.T) {
	conditions := []condition{
		pathPatterns("/api/product/*"),
		httpHeader(DefaultHeaderName, "{{resolve:secretsmanager:stratus/prod/origin-header:SecretString:::}}"),
		hostHeaders("us-east-1.origin.example.com"),
	}
	var rendered any
	cdktest.NoPanic(t, func() {
		stack := cdktest.NewStack(cdktest.NewApp(t), "Rules", "us-east-1")
		listener := elbv2.ApplicationListener_FromApplicationListenerAttributes(stack, jsii.String("Listener"), &elbv2.ApplicationListenerAttributes{
			ListenerArn:   jsii.String("arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/alb/0123456789abcdef/0123456789abcdef"),
			SecurityGroup: ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("Sg"), jsii.String("sg-0123456789abcdef0"), nil),
		})
		l := &LoadBalancer{Construct: stack}
		created := l.newRule(rule{id: "Rule", listener: listener, priority: 10, conditions: conditions},
			elbv2.ListenerAction_FixedResponse(jsii.Number(404), nil))
		rendered = stack.Resolve(created.Node().DefaultChild().(elbv2.CfnListenerRule).Conditions())
	})
	raw := make([]any, len(conditions))
	for i, c := range conditions {
		raw[i] = c.raw
	}
	want, err := json.Marshal(rendered)
	require.NoError(t, err)
	got, err := json.Marshal(raw)
	require.NoError(t, err)
	assert.JSONEq(t, string(want), string(got))
}
