package ingress

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/duration"
)

// The rule-weights guard. ECS moves a blue/green rule's weights with every release, outside
// CloudFormation; when CloudFormation later updates the rule (its priority, path or header
// changed), it sends the whole declared action, and the declared 100/0 would send all traffic
// to a group whose tasks ECS has drained (aws-cdk issue #36649). So the declared weights are
// not literals: they come from a custom resource that reads the rule's live weights, and that
// resource's properties carry a fingerprint of everything else the rule declares, so it runs
// again exactly when CloudFormation is about to update the rule. A failed read fails the
// deployment before the rule is touched.

// guardCode reads the live weights of the rule that forwards to Primary and/or Alternate on
// ListenerArn (preferring the one with Priority); with none (a new rule) it answers 100/0.
const guardCode = `import json

import boto3
import cfnresponse

elb = boto3.client("elbv2")


def live_weights(listener, primary, alternate, priority):
    pair, found, kwargs = {primary, alternate}, None, {"ListenerArn": listener}
    while True:
        page = elb.describe_rules(**kwargs)
        for rule in page["Rules"]:
            for action in rule.get("Actions", []):
                if action.get("Type") != "forward":
                    continue
                groups = action.get("ForwardConfig", {}).get("TargetGroups") or [{"TargetGroupArn": action.get("TargetGroupArn")}]
                weights = {g["TargetGroupArn"]: g.get("Weight", 1) for g in groups}
                if weights and set(weights) <= pair and (found is None or rule.get("Priority") == priority):
                    found = weights
        if not page.get("NextMarker"):
            return found
        kwargs["Marker"] = page["NextMarker"]


def handler(event, context):
    props = event["ResourceProperties"]
    data = {"PrimaryWeight": "100", "AlternateWeight": "0"}
    try:
        if event["RequestType"] != "Delete":
            w = live_weights(props["ListenerArn"], props["Primary"], props["Alternate"], str(props["Priority"]))
            if w and sum(w.values()) > 0:
                data = {"PrimaryWeight": str(w.get(props["Primary"], 0)), "AlternateWeight": str(w.get(props["Alternate"], 0))}
        print(json.dumps({"request": event["RequestType"], "rule": props["Priority"], "weights": data}))
        cfnresponse.send(event, context, cfnresponse.SUCCESS, data, "rule-weights")
    except Exception as e:
        print(repr(e))
        cfnresponse.send(event, context, cfnresponse.FAILED, {}, "rule-weights", reason=str(e)[:200])
`

// guardFunctionArn returns the ARN of the ALB's guard function, created on first use.
func (l *LoadBalancer) guardFunctionArn() *string {
	if l.guardArn == nil {
		l.guardArn = l.newGuardFunction().FunctionArn()
	}
	return l.guardArn
}

func (l *LoadBalancer) newGuardFunction() lambda.Function {
	stack := l.stackOf()
	// Retained, and named so the key can name it: with the stack's id, so a rebuilt stack makes
	// its own.
	base := fmt.Sprintf("/stratus/ingress/%s/rule-weights", *stack.StackName())
	name := retention.Rebuildable(l.Construct, base)
	key := keys.NewKey(l.Construct, "RuleWeightsLogKey", "Encrypts the log group "+base+"-<stack id>")
	// Read once: each read is a call into the jsii runtime.
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	// The group's name before it carried the stack's id too: a group kept from then still holds
	// logs this key encrypted.
	keys.AllowCloudWatchLogsIn(key, region, keys.LogGroupArnIn(partition, region, account, name),
		keys.LogGroupArnIn(partition, region, account, base))
	logGroup := logs.NewLogGroup(l.Construct, jsii.String("RuleWeightsLogGroup"), &logs.LogGroupProps{
		LogGroupName: jsii.String(name), EncryptionKey: key, Retention: logs.RetentionDays_ONE_YEAR,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := iam.NewRole(l.Construct, jsii.String("RuleWeightsRole"), &iam.RoleProps{
		Description: jsii.String("Reads the live weights of the ALB's blue/green listener rules at deploy time"),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	policy := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Write its logs; read listener rules"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"), Resources: jsii.Strings(*logGroup.LogGroupArn()),
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("elasticloadbalancing:DescribeRules"), Resources: jsii.Strings("*"),
			}),
		},
	})
	guard := lambda.NewFunction(l.Construct, jsii.String("RuleWeightsFunction"), &lambda.FunctionProps{
		Description:  jsii.String("Deploy-time guard: carries ECS's live blue/green weights into listener rule updates"),
		Runtime:      lambda.Runtime_PYTHON_3_14(),
		Architecture: lambda.Architecture_ARM_64(),
		Handler:      jsii.String("index.handler"),
		Code:         lambda.Code_FromInline(jsii.String(guardCode)),
		Timeout:      duration.Minutes(2),
		MemorySize:   jsii.Number(128),
		// CloudFormation invokes it asynchronously and Lambda retries throttled events, so one
		// at a time only makes a deployment with many rules wait a little.
		ReservedConcurrentExecutions: jsii.Number(1),
		LogGroup:                     logGroup,
		Role:                         role.WithoutPolicyUpdates(&iam.WithoutPolicyUpdatesOptions{AddGrantsToResources: jsii.Bool(false)}),
	})
	// Lambda adds a DependsOn on the role, which its Role attribute already implies; what it
	// needs in place when CloudFormation first calls it is the policy.
	fn := guard.Node().DefaultChild()
	fn.(awscdk.CfnResource).AddOverride(jsii.String("DependsOn"),
		[]any{l.stackOf().GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))})
	suppress(policy.Node().DefaultChild(), "elasticloadbalancing:DescribeRules has no resource-level permissions "+
		"(AWS requires Resource \"*\"); it only reads listener rules.", "AwsSolutions-IAM5")
	suppress(fn, "python3.14 is the newest Python runtime Lambda and CloudFormation accept.", "AwsSolutions-L1")
	suppress(fn, "The function only calls the Elastic Load Balancing API during deployments; it never connects to a "+
		"resource in the VPC, so placing it there would add NAT traffic and no protection.", "NIST.800.53.R5-LambdaInsideVPC")
	suppress(fn, "CloudFormation invokes it as a custom resource and waits for its answer: a failure fails the "+
		"deployment, so a dead-letter queue would hold nothing.", "NIST.800.53.R5-LambdaDLQ")
	return guard
}

// stackOf is the load balancer's stack.
func (l *LoadBalancer) stackOf() awscdk.Stack {
	if l.stack == nil {
		l.stack = awscdk.Stack_Of(l.Construct)
	}
	return l.stack
}

// condition is a listener-rule condition together with the raw form aws-cdk-lib renders for it
// (ListenerCondition.renderRawCondition), which the guard's fingerprint hashes: kept in Go, so
// fingerprinting a rule reads nothing back from the jsii runtime. Values are plain strings (the
// origin header's value is a dynamic reference, never a token).
type condition struct {
	cdk elbv2.ListenerCondition
	raw map[string]any
}

func pathPatterns(values ...string) condition {
	return condition{cdk: elbv2.ListenerCondition_PathPatterns(jsii.Strings(values...)),
		raw: map[string]any{"field": "path-pattern", "pathPatternConfig": map[string]any{"values": values}}}
}

func hostHeaders(values ...string) condition {
	return condition{cdk: elbv2.ListenerCondition_HostHeaders(jsii.Strings(values...)),
		raw: map[string]any{"field": "host-header", "hostHeaderConfig": map[string]any{"values": values}}}
}

func httpHeader(name string, values ...string) condition {
	return condition{cdk: elbv2.ListenerCondition_HttpHeader(jsii.String(name), jsii.Strings(values...)),
		raw: map[string]any{"field": "http-header", "httpHeaderConfig": map[string]any{"httpHeaderName": name, "values": values}}}
}

// rule is what a listener rule declares besides its action.
type rule struct {
	id         string
	listener   elbv2.IApplicationListener
	priority   float64
	conditions []condition
}

// newRule creates r's listener rule with action.
func (l *LoadBalancer) newRule(r rule, action elbv2.ListenerAction) elbv2.ApplicationListenerRule {
	conditions := make([]elbv2.ListenerCondition, len(r.conditions))
	for i, c := range r.conditions {
		conditions[i] = c.cdk
	}
	return elbv2.NewApplicationListenerRule(l.Construct, jsii.String(r.id), &elbv2.ApplicationListenerRuleProps{
		Listener: r.listener, Priority: jsii.Number(r.priority), Conditions: &conditions, Action: action,
	})
}

// listenerArn is listener's ARN and its resolved form, each read once per listener (calls into
// the jsii runtime).
func (l *LoadBalancer) listenerArn(listener elbv2.IApplicationListener) (arn *string, resolved any) {
	known, ok := l.listeners[listener]
	if !ok {
		arn := listener.ListenerArn()
		known = knownListener{arn: arn, resolved: l.stackOf().Resolve(arn)}
		if l.listeners == nil {
			l.listeners = map[elbv2.IApplicationListener]knownListener{}
		}
		l.listeners[listener] = known
	}
	return known.arn, known.resolved
}

type knownListener struct {
	arn      *string
	resolved any
}

// fingerprint is a short hash of what r declares besides its action, resolved as CloudFormation
// gets it: its listener, priority and conditions.
func (l *LoadBalancer) fingerprint(r rule) string {
	_, listener := l.listenerArn(r.listener)
	conditions := make([]any, len(r.conditions))
	for i, c := range r.conditions {
		conditions[i] = c.raw
	}
	declared, err := json.Marshal(map[string]any{"listener": listener, "priority": r.priority, "conditions": conditions})
	if err != nil {
		panic(fmt.Sprintf("ingress: rule %s cannot be fingerprinted: %v", r.id, err))
	}
	sum := sha256.Sum256(declared)
	return hex.EncodeToString(sum[:8])
}

// guardWeights makes the two weights of t's rule r (created by newRule) the live ones (see the
// top of this file).
func (l *LoadBalancer) guardWeights(t Target, r rule, created elbv2.ApplicationListenerRule) {
	listener, _ := l.listenerArn(r.listener)
	primary, alternate := l.TargetGroups[t.Name].TargetGroupArn(), l.AlternateTargetGroups[t.Name].TargetGroupArn()
	weights := awscdk.NewCustomResource(l.Construct, jsii.String(r.id+"Weights"), &awscdk.CustomResourceProps{
		ServiceToken: l.guardFunctionArn(),
		ResourceType: jsii.String("Custom::RuleWeights"),
		Properties: &map[string]any{
			"ListenerArn": listener, "Priority": strconv.Itoa(int(r.priority)),
			"Primary": primary, "Alternate": alternate, "Fingerprint": l.fingerprint(r),
		},
	})
	// The whole list in one override (one call into the jsii runtime), as aws-cdk-lib renders it
	// for ListenerAction.weightedForward, with the live weights.
	cfn := created.Node().DefaultChild().(elbv2.CfnListenerRule)
	cfn.AddPropertyOverride(jsii.String("Actions.0.ForwardConfig.TargetGroups"), []any{
		map[string]any{"TargetGroupArn": primary, "Weight": weights.GetAtt(jsii.String("PrimaryWeight"))},
		map[string]any{"TargetGroupArn": alternate, "Weight": weights.GetAtt(jsii.String("AlternateWeight"))},
	})
}
