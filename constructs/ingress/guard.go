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
	name := fmt.Sprintf("/stratus/ingress/%s/rule-weights", *l.stackOf().StackName())
	key := keys.NewKey(l.Construct, "RuleWeightsLogKey", "Encrypts the log group "+name)
	keys.AllowCloudWatchLogs(key, keys.LogGroupArn(l.Construct, name))
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

// guardWeights makes rule's two weights the live ones (see the top of this file).
func (l *LoadBalancer) guardWeights(t Target, rule elbv2.ApplicationListenerRule) {
	// Each read is a call into the jsii runtime: the rule's node, listener and priority once.
	node := rule.Node()
	cfn := node.DefaultChild().(elbv2.CfnListenerRule)
	listener, priority := cfn.ListenerArn(), cfn.Priority()
	declared, err := json.Marshal(l.stackOf().Resolve(map[string]any{
		"listener": listener, "priority": priority, "conditions": cfn.Conditions(),
	}))
	if err != nil {
		panic(fmt.Sprintf("ingress: rule %s cannot be fingerprinted: %v", *node.Path(), err))
	}
	sum := sha256.Sum256(declared)
	weights := awscdk.NewCustomResource(l.Construct, jsii.String(*node.Id()+"Weights"), &awscdk.CustomResourceProps{
		ServiceToken: l.guardFunctionArn(),
		ResourceType: jsii.String("Custom::RuleWeights"),
		Properties: &map[string]any{
			"ListenerArn": listener, "Priority": strconv.Itoa(int(*priority)),
			"Primary": l.TargetGroups[t.Name].TargetGroupArn(), "Alternate": l.AlternateTargetGroups[t.Name].TargetGroupArn(),
			"Fingerprint": hex.EncodeToString(sum[:8]),
		},
	})
	for i, attr := range []string{"PrimaryWeight", "AlternateWeight"} {
		cfn.AddPropertyOverride(jsii.String(fmt.Sprintf("Actions.0.ForwardConfig.TargetGroups.%d.Weight", i)), weights.GetAtt(jsii.String(attr)))
	}
}
