package capacity

import (
	_ "embed" // the function's code
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	cdknag "github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/handler"
)

//go:embed scaler/index.py
var scalerCode []byte

// Scaler is the capacity function of one region and what it needs.
type Scaler struct {
	constructs.Construct
	Function lambda.Function
	// Role is the function's role; Policy its only grants.
	Role     iam.Role
	Policy   iam.ManagedPolicy
	LogGroup logs.LogGroup
}

// NewScaler creates the function, or returns every problem with props.
func NewScaler(scope constructs.Construct, id string, props ScalerProps) (*Scaler, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("capacity scaler %s: invalid props:\n%w", id, err)
	}
	services, err := json.Marshal(p.Services) // map keys marshal sorted: a stable template
	if err != nil {
		return nil, fmt.Errorf("capacity scaler %s: %w", id, err)
	}
	asset, err := handler.Folder("stratus-capacity-scaler", "index.py", scalerCode)
	if err != nil {
		return nil, fmt.Errorf("capacity scaler %s: the handler's asset folder: %w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	s := &Scaler{Construct: this}

	// The fixed function name fixes the log group's name, so the key policy can name it.
	logName := "/aws/lambda/" + p.FunctionName
	key := keys.NewKey(this, "LogKey", "Encrypts the log group "+logName)
	keys.AllowCloudWatchLogs(key, keys.LogGroupArn(this, logName))
	s.LogGroup = logs.NewLogGroup(this, jsii.String("LogGroup"), &logs.LogGroupProps{
		LogGroupName: jsii.String(logName), EncryptionKey: key, Retention: p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	s.Role = iam.NewRole(this, jsii.String("Role"), &iam.RoleProps{
		Description: jsii.String("Raises one ECS cluster's services to full capacity for a Region switch plan"),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	s.Policy = iam.NewManagedPolicy(this, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Write its logs; read and raise the capacity of one ECS cluster's services"),
		Roles:       &[]iam.IRole{s.Role},
		Statements:  p.statements(stack, s.LogGroup),
	})
	s.Function = lambda.NewFunction(this, jsii.String("Function"), &lambda.FunctionProps{
		FunctionName: jsii.String(p.FunctionName),
		Description:  jsii.String("Region switch: raises this region's ECS services to full capacity, succeeds once they run"),
		Runtime:      lambda.Runtime_PYTHON_3_14(),
		Architecture: lambda.Architecture_ARM_64(),
		Handler:      jsii.String("index.handler"),
		Code:         lambda.Code_FromAsset(jsii.String(asset), nil),
		// One pass lists, describes and updates a cluster's services: seconds. Region switch
		// retries a failed pass itself, so the function never waits.
		Timeout:    duration.Minutes(1),
		MemorySize: jsii.Number(128),
		Environment: &map[string]*string{
			"CLUSTER":                 p.Cluster.ClusterName(),
			"SERVICES":                jsii.String(string(services)),
			"MINIMUM_RUNNING_PERCENT": jsii.String(strconv.Itoa(p.MinimumRunningPercent)),
		},
		LogGroup: s.LogGroup,
		Role:     s.Role.WithoutPolicyUpdates(&iam.WithoutPolicyUpdatesOptions{AddGrantsToResources: jsii.Bool(false)}),
	})
	// Lambda adds a DependsOn on the role, which its Role attribute already implies; what the
	// function needs when it first runs is the policy.
	fn := s.Function.Node().DefaultChild().(awscdk.CfnResource)
	fn.AddOverride(jsii.String("DependsOn"), []any{stack.GetLogicalId(s.Policy.Node().DefaultChild().(awscdk.CfnElement))})
	s.acceptByDesign()
	return s, nil
}

// statements are the function's grants: its log group, the cluster's services, and the two
// Application Auto Scaling calls.
func (p ScalerProps) statements(stack awscdk.Stack, group logs.LogGroup) *[]iam.PolicyStatement {
	statement := func(actions []string, resources []string, conditions map[string]any) iam.PolicyStatement {
		props := &iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return iam.NewPolicyStatement(props)
	}
	services := fmt.Sprintf("arn:%s:ecs:%s:%s:service/%s/*", *stack.Partition(), *stack.Region(), *stack.Account(), *p.Cluster.ClusterName())
	return &[]iam.PolicyStatement{
		statement([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, []string{*group.LogGroupArn()}, nil),
		statement([]string{"ecs:ListServices"}, []string{"*"}, map[string]any{"ArnEquals": map[string]any{"ecs:cluster": p.Cluster.ClusterArn()}}),
		statement([]string{"ecs:DescribeServices", "ecs:UpdateService"}, []string{services}, nil),
		statement([]string{"application-autoscaling:DescribeScalableTargets", "application-autoscaling:RegisterScalableTarget"}, []string{"*"}, nil),
	}
}

// acceptByDesign records, on the exact resources, the cdk-nag findings kept on purpose.
func (s *Scaler) acceptByDesign() {
	suppress := func(c constructs.IConstruct, id, reason string) {
		cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{{Id: jsii.String(id), Reason: jsii.String(reason)}}, jsii.Bool(false))
	}
	cdknag.NagSuppressions_AddResourceSuppressions(s.Policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("ecs:ListServices takes no resource (the statement is limited to this cluster by the ecs:cluster " +
			"condition); application-autoscaling:DescribeScalableTargets takes none either, and RegisterScalableTarget " +
			"can only name a scalable target by the random id Application Auto Scaling gives it; the services' ARN ends in " +
			"/* because their names are generated by CloudFormation (the function finds them by tag)."),
	}}, jsii.Bool(false))
	fn := s.Function.Node().DefaultChild()
	runs := "Region switch invokes it synchronously during a plan execution and retries a failed call itself until the " +
		"step's timeout, showing the error: there is nothing for a dead-letter queue to hold"
	suppress(fn, "NIST.800.53.R5-LambdaDLQ", runs+".")
	suppress(fn, "NIST.800.53.R5-LambdaConcurrency", runs+"; it runs about once a minute during a region switch, and "+
		"reserving concurrency would take it from the account's services (and fails in a new account with the minimum quota).")
	suppress(fn, "NIST.800.53.R5-LambdaInsideVPC", "The function only calls the ECS and Application Auto Scaling APIs; it "+
		"never connects to a resource in the VPC, so placing it there would add NAT traffic and no protection.")
	suppress(fn, "AwsSolutions-L1", "python3.14 is the newest Python runtime CloudFormation accepts (cfn-lint's schema "+
		"lists no later one); aws-cdk-lib already names python3.15, which cdk-nag takes for the latest.")
}
