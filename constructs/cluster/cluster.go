package cluster

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
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
	// ServiceConnectNamespace is the HTTP namespace of ECS Service Connect; nil without
	// ServiceConnectNamespaceName.
	ServiceConnectNamespace servicediscovery.IHttpNamespace
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
	c.buildServiceConnectNamespace(p)
	return c, nil
}

// buildExecuteCommand creates the key and log group of ECS Exec: sessions are encrypted end to
// end with the key and every session's input and output is logged, encrypted, for audit.
func (c *Cluster) buildExecuteCommand(p ClusterProps) *ecs.ExecuteCommandConfiguration {
	key := keys.NewKey(c.Construct, "ExecuteCommandKey", "Encrypts ECS Exec sessions and their log group")
	// Any log group of this account and region: the group's own name is generated, and naming it
	// in the key policy would make the key and the group depend on each other.
	keys.AllowCloudWatchLogs(key)
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
