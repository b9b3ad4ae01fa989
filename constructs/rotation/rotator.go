package rotation

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
)

// timeoutMinutes is Lambda's longest: a step may wait for CloudFront or ElastiCache (and fails,
// to be retried by Secrets Manager, when they are not done by then).
const timeoutMinutes = 15

// Rotator is a secret's rotation schedule and the function it invokes.
type Rotator struct {
	constructs.Construct
	// Function runs the four rotation steps; alarm on its Errors metric.
	Function lambda.Function
	// Schedule is the secret's rotation schedule.
	Schedule sm.RotationSchedule
	// LogGroup receives the function's logs.
	LogGroup logs.LogGroup
}

// handlerDir is the folder of the Python code, found from this file so any working folder works.
func handlerDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "handler")
}

// NewRotator builds the function, its role and log group and the rotation schedule, or returns
// every problem with props.
func NewRotator(scope constructs.Construct, id string, props RotatorProps) (*Rotator, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("rotator %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	r := &Rotator{Construct: this}
	r.LogGroup = logs.NewLogGroup(this, jsii.String("LogGroup"), &logs.LogGroupProps{
		EncryptionKey: p.SecretKey, Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role, policy := r.buildRole(p)

	env := map[string]*string{
		"REGIONS":   jsii.String(strings.Join(p.Regions, ",")),
		"TAG_VALUE": jsii.String(p.TagValue),
	}
	handler := "origin.handler"
	if p.Kind == Origin {
		env["TAG_KEY"], env["HEADER_NAME"] = jsii.String(OriginTagKey), jsii.String(p.HeaderName)
		env["CHECKED_BY"] = jsii.String(p.checker())
	} else {
		handler = "cache.handler"
		env["TAG_KEY"], env["REPLICATION_GROUP_ID"] = jsii.String(CacheTagKey), p.ReplicationGroupID
	}
	r.Function = lambda.NewFunction(this, jsii.String("Function"), &lambda.FunctionProps{
		Description:  jsii.String(fmt.Sprintf("Rotates the %s secret (four-step Secrets Manager protocol)", p.Kind)),
		Runtime:      lambda.Runtime_PYTHON_3_14(),
		Architecture: lambda.Architecture_ARM_64(),
		Handler:      jsii.String(handler),
		// Bytecode a local test run may leave would change the asset's hash from machine to machine.
		Code: lambda.Code_FromAsset(jsii.String(handlerDir()), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("__pycache__", "*.pyc"),
		}),
		Timeout:    duration.Minutes(timeoutMinutes),
		MemorySize: jsii.Number(256),
		// One rotation at a time: Secrets Manager never runs two for a secret, and nothing else may call it.
		ReservedConcurrentExecutions: jsii.Number(1),
		Environment:                  &env,
		EnvironmentEncryption:        p.SecretKey,
		LogGroup:                     r.LogGroup,
		// The policy below is the whole grant: the schedule's own grants would go into an inline policy.
		Role: role.WithoutPolicyUpdates(&iam.WithoutPolicyUpdatesOptions{AddGrantsToResources: jsii.Bool(false)}),
	})
	// Lambda adds a DependsOn on the role, which its Role attribute already implies; what the
	// function needs in place before it runs is the policy.
	stack := awscdk.Stack_Of(this)
	r.Function.Node().DefaultChild().(awscdk.CfnResource).AddOverride(jsii.String("DependsOn"),
		[]any{stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))})
	r.Schedule = sm.NewRotationSchedule(this, jsii.String("Schedule"), &sm.RotationScheduleProps{
		Secret:             p.Secret,
		RotationLambda:     r.Function,
		AutomaticallyAfter: duration.Days(float64(p.Days)),
		// Not at deploy: on a first deploy the stacks using the secret do not exist yet, and
		// CloudFormation resolves the value they deploy with from AWSCURRENT.
		RotateImmediatelyOnUpdate: jsii.Bool(false),
	})
	r.invokedByThisAccountOnly(stack)
	r.acceptByDesign(p)
	return r, nil
}

// invokedByThisAccountOnly holds the permission the schedule gives Secrets Manager to invoke the
// function to this account (aws:SourceAccount), as Secrets Manager's guide to rotation functions
// asks: without it, Secrets Manager acting for another account could invoke the function (which
// would fail on this account's secret, and raise the rotation alarm).
func (r *Rotator) invokedByThisAccountOnly(stack awscdk.Stack) {
	for _, child := range *r.Function.Node().Children() {
		if p, ok := child.(lambda.CfnPermission); ok && p.Principal() != nil && *p.Principal() == "secretsmanager.amazonaws.com" {
			p.AddPropertyOverride(jsii.String("SourceAccount"), stack.Account())
		}
	}
}
