package cluster

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Cluster is one region's ECS cluster and its Cloud Map namespace.
type Cluster struct {
	constructs.Construct

	// Cluster runs the Fargate services (FARGATE and FARGATE_SPOT capacity providers).
	Cluster ecs.ICluster
	// Namespace is the private DNS namespace services register in.
	Namespace servicediscovery.IPrivateDnsNamespace
	// ExecuteCommandKey encrypts ECS Exec sessions and their log group; a task role needs
	// kms:Decrypt on it to open a session. Nil when ExecuteCommand is off.
	ExecuteCommandKey kms.IKey
	// ExecuteCommandLogGroup receives the session logs; a task role needs to write to it. Nil when
	// ExecuteCommand is off.
	ExecuteCommandLogGroup logs.ILogGroup
}

// NewCluster builds the cluster and the namespace, or returns every problem with props.
func NewCluster(scope constructs.Construct, id string, props ClusterProps) (*Cluster, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("cluster %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	c := &Cluster{Construct: this}

	var exec *ecs.ExecuteCommandConfiguration
	if p.ExecuteCommand {
		exec = c.buildExecuteCommand(p)
	}
	c.Cluster = ecs.NewCluster(this, jsii.String("Cluster"), &ecs.ClusterProps{
		Vpc:                            p.Vpc,
		ContainerInsightsV2:            ecs.ContainerInsights_ENHANCED,
		EnableFargateCapacityProviders: jsii.Bool(true),
		ExecuteCommandConfiguration:    exec,
	})
	c.Namespace = servicediscovery.NewPrivateDnsNamespace(this, jsii.String("Namespace"), &servicediscovery.PrivateDnsNamespaceProps{
		Name:        jsii.String(p.NamespaceName),
		Vpc:         p.Vpc,
		Description: jsii.String("Service discovery for the services of this region's cluster"),
	})
	return c, nil
}

// buildExecuteCommand creates the key and log group of ECS Exec: sessions are encrypted end to
// end with the key and every session's input and output is logged, encrypted, for audit.
func (c *Cluster) buildExecuteCommand(p ClusterProps) *ecs.ExecuteCommandConfiguration {
	stack := awscdk.Stack_Of(c.Construct)
	key := kms.NewKey(c.Construct, jsii.String("ExecuteCommandKey"), &kms.KeyProps{
		Description:       jsii.String("Encrypts ECS Exec sessions and their log group"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	// CloudWatch Logs encrypts with the key on the log group's behalf; scope it to this account's
	// log groups in this region through the encryption context (the group's own name is generated,
	// and naming it in the key policy would make the key and the group depend on each other).
	key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudWatchLogs"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *stack.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"ArnLike": map[string]any{
				"kms:EncryptionContext:aws:logs:arn": fmt.Sprintf("arn:%s:logs:%s:%s:log-group:*", *stack.Partition(), *stack.Region(), *stack.Account()),
			},
		},
	}), nil)
	group := logs.NewLogGroup(c.Construct, jsii.String("ExecuteCommandLogGroup"), &logs.LogGroupProps{
		EncryptionKey: key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	c.ExecuteCommandKey, c.ExecuteCommandLogGroup = key, group
	return &ecs.ExecuteCommandConfiguration{
		KmsKey:  key,
		Logging: ecs.ExecuteCommandLogging_OVERRIDE,
		LogConfiguration: &ecs.ExecuteCommandLogConfiguration{
			CloudWatchLogGroup:          group,
			CloudWatchEncryptionEnabled: jsii.Bool(true),
		},
	}
}
