package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AuroraPostgres is an Aurora PostgreSQL cluster: a standalone cluster, or the primary of an
// Aurora Global Database when GlobalClusterIdentifier is set.
type AuroraPostgres struct {
	constructs.Construct

	// Cluster is the L2 cluster (its Connections include the database security group).
	Cluster rds.DatabaseCluster
	// Endpoint is the writer endpoint's hostname.
	Endpoint *string
	// ReaderEndpoint is the hostname that balances connections over the readers (the writer when
	// there is none).
	ReaderEndpoint *string
	// Connection is how clients reach the cluster: the writer endpoint, the master secret and
	// IAM authentication (GrantConnect).
	Connection *Connection
	// Secret holds the master credentials (username, password, host, port, dbname), encrypted with
	// Key, rotated every RotationDays and retained.
	Secret sm.ISecret
	// Key is the cluster's own customer-managed key: storage, Performance Insights, the secret and
	// the exported logs.
	Key kms.IKey
	// ClusterIdentifier is the DB cluster identifier (a Ref, so consumers depend on the cluster).
	ClusterIdentifier *string
	// ClusterResourceId is the cluster's resource id, for rds-db:connect IAM authentication ARNs
	// (arn:aws:rds-db:<region>:<account>:dbuser:<ClusterResourceId>/<user>).
	ClusterResourceId *string
	// GlobalClusterIdentifier echoes the props: the global cluster this cluster is the primary
	// of, or "" when standalone.
	GlobalClusterIdentifier string
	// GlobalCluster is the AWS::RDS::GlobalCluster, or nil when standalone.
	GlobalCluster rds.CfnGlobalCluster
	// LogGroup receives the exported postgresql log.
	LogGroup logs.ILogGroup
	// RotationSecurityGroup is the secret-rotation function's security group.
	RotationSecurityGroup ec2.ISecurityGroup
	// RotationFunctionName is the secret-rotation function's name (its AWS/Lambda metrics).
	RotationFunctionName string
	// Users is the custom resource that creates Props.Users, or nil without users; clients
	// that connect at start-up should depend on it.
	Users awscdk.CustomResource
}

// NewAuroraPostgres builds the cluster, or returns every problem with props.
func NewAuroraPostgres(scope constructs.Construct, id string, props AuroraPostgresProps) (*AuroraPostgres, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("aurora postgres %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &AuroraPostgres{Construct: this, GlobalClusterIdentifier: p.GlobalClusterIdentifier}
	identifier := p.ClusterIdentifier
	if identifier == "" {
		identifier = physicalName(this)
	}

	rotationFunction := rotationFunctionName(this)
	logNames := []string{logGroupName("cluster", identifier, "postgresql"), rotationLogGroupName(rotationFunction)}
	if len(p.Users) > 0 {
		logNames = append(logNames, usersLogGroupName(identifier))
	}
	key := newKey(this, "Aurora PostgreSQL cluster "+identifier+": storage, Performance Insights, master secret and logs", logNames)
	groups := newLogGroups(this, "cluster", identifier, []string{"postgresql"}, key, p.LogRetention)
	engine := rds.DatabaseClusterEngine_AuroraPostgres(&rds.AuroraPostgresClusterEngineProps{
		Version: auroraVersions[p.EngineVersion](),
	})
	params := newParameterGroup(this, "ClusterParameters", engine, "Aurora PostgreSQL "+identifier, p.EngineVersion, p.RemovalPolicy)
	secret := newSecret(this, key, p.DatabaseName)
	role := newMonitoringRole(this, p.RemovalPolicy)

	// The writer takes the first AZ, reader i the AZ after the previous instance's.
	writer := auroraInstance("Writer", p, key, spread(p.AvailabilityZones, 0, 0), false)
	readers := make([]rds.IClusterInstance, *p.Readers)
	for i := range readers {
		readers[i] = auroraInstance(fmt.Sprintf("Reader%d", i+1), p, key, spread(p.AvailabilityZones, i, 1), true)
	}
	clusterProps := &rds.DatabaseClusterProps{
		Engine:                          engine,
		ClusterIdentifier:               jsii.String(identifier),
		Credentials:                     rds.Credentials_FromSecret(secret, nil),
		DefaultDatabaseName:             jsii.String(p.DatabaseName),
		Vpc:                             p.Vpc,
		VpcSubnets:                      p.Subnets,
		SecurityGroups:                  &[]ec2.ISecurityGroup{p.SecurityGroup},
		Port:                            jsii.Number(Port),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            key,
		IamAuthentication:               jsii.Bool(true),
		ParameterGroup:                  params,
		CloudwatchLogsExports:           jsii.Strings("postgresql"),
		MonitoringInterval:              durationSeconds(p.MonitoringInterval),
		MonitoringRole:                  role,
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: key,
		PerformanceInsightRetention:     rds.PerformanceInsightRetention_DEFAULT,
		Backup: &rds.BackupProps{
			Retention:       durationDays(p.BackupRetentionDays),
			PreferredWindow: jsii.String(p.BackupWindow),
		},
		PreferredMaintenanceWindow: jsii.String(p.MaintenanceWindow),
		DeletionProtection:         p.DeletionProtection,
		DeleteAutomatedBackups:     jsii.Bool(false),
		CopyTagsToSnapshot:         jsii.Bool(true),
		RemovalPolicy:              p.RemovalPolicy,
		Writer:                     writer,
		Readers:                    &readers,
		// The users custom resource runs its SQL through the Data API.
		EnableDataApi: jsii.Bool(len(p.Users) > 0),
	}
	if sv2 := p.ServerlessV2; sv2 != nil {
		clusterProps.ServerlessV2MinCapacity = jsii.Number(sv2.MinACU)
		clusterProps.ServerlessV2MaxCapacity = jsii.Number(sv2.MaxACU)
	}
	cluster := rds.NewDatabaseCluster(this, jsii.String("Cluster"), clusterProps)
	cfnCluster := cluster.Node().DefaultChild().(rds.CfnDBCluster)
	dependOn(cfnCluster, groups)

	if !*p.DeletionProtection {
		suppressDeletionProtectionOff(cfnCluster, string(p.RemovalPolicy))
	}
	for i, id := range append([]string{"Writer"}, readerIDs(*p.Readers)...) {
		member := cluster.Node().FindChild(jsii.String(id)).Node().DefaultChild().(awscdk.CfnResource)
		memberPolicies(member, p.RemovalPolicy, i == 0)
		suppressClusterMemberBackupPlan(member, p.BackupRetentionDays)
	}

	rotationSG := addRotation(this, cluster.Secret(), p.Vpc, p.RotationSubnets, p.SecurityGroup, p.RotationEndpoint, p.RotationDays, rotationFunction, key, p.LogRetention)
	waitForRules(cfnCluster, p.SecurityGroup)

	if p.GlobalClusterIdentifier != "" {
		a.GlobalCluster = rds.NewCfnGlobalCluster(this, jsii.String("GlobalCluster"), &rds.CfnGlobalClusterProps{
			GlobalClusterIdentifier:   jsii.String(p.GlobalClusterIdentifier),
			SourceDbClusterIdentifier: cluster.ClusterIdentifier(),
			DeletionProtection:        p.DeletionProtection,
		})
		// The global cluster is only a name around the clusters: CloudFormation cannot snapshot it.
		a.GlobalCluster.ApplyRemovalPolicy(dependentPolicy(p.RemovalPolicy), nil)
	}

	a.Cluster, a.Key, a.LogGroup, a.RotationSecurityGroup, a.RotationFunctionName = cluster, key, groups[0], rotationSG, rotationFunction
	a.Secret = cluster.Secret()
	a.Endpoint = cluster.ClusterEndpoint().Hostname()
	a.ReaderEndpoint = cluster.ClusterReadEndpoint().Hostname()
	a.ClusterIdentifier = cluster.ClusterIdentifier()
	a.ClusterResourceId = cluster.ClusterResourceIdentifier()
	a.Connection = &Connection{Host: a.Endpoint, Port: Port, DatabaseName: p.DatabaseName, Secret: a.Secret, ResourceId: a.ClusterResourceId}
	if len(p.Users) > 0 {
		users, err := addUsers(this, cluster, key, identifier, p)
		if err != nil {
			return nil, fmt.Errorf("aurora postgres %s: users function: %w", id, err)
		}
		a.Users = users
		a.Connection.Secret = nil // clients authenticate with IAM as their user
	}
	return a, nil
}

// auroraInstance is one cluster member: Serverless v2 or provisioned, never public, with
// Performance Insights encrypted by the cluster's key.
func auroraInstance(id string, p AuroraPostgresProps, key kms.IKey, az *string, reader bool) rds.IClusterInstance {
	if p.ServerlessV2 != nil {
		return rds.ClusterInstance_ServerlessV2(jsii.String(id), &rds.ServerlessV2ClusterInstanceProps{
			AvailabilityZone:                az,
			PubliclyAccessible:              jsii.Bool(false),
			AutoMinorVersionUpgrade:         jsii.Bool(true),
			EnablePerformanceInsights:       jsii.Bool(true),
			PerformanceInsightEncryptionKey: key,
			PerformanceInsightRetention:     rds.PerformanceInsightRetention_DEFAULT,
			PreferredMaintenanceWindow:      jsii.String(p.MaintenanceWindow),
			// A reader in promotion tier 0-1 keeps the writer's capacity, so a failover lands on
			// an instance already sized for the load.
			ScaleWithWriter: jsii.Bool(reader),
		})
	}
	return rds.ClusterInstance_Provisioned(jsii.String(id), &rds.ProvisionedClusterInstanceProps{
		InstanceType:                    instanceType(p.InstanceClass),
		AvailabilityZone:                az,
		PubliclyAccessible:              jsii.Bool(false),
		AutoMinorVersionUpgrade:         jsii.Bool(true),
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: key,
		PerformanceInsightRetention:     rds.PerformanceInsightRetention_DEFAULT,
		PreferredMaintenanceWindow:      jsii.String(p.MaintenanceWindow),
	})
}

func readerIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("Reader%d", i+1)
	}
	return ids
}

// dependentPolicy is the removal policy of what a retained database still needs (its parameter
// group, monitoring role, global cluster): retained with it, deleted once it is snapshotted.
func dependentPolicy(removal awscdk.RemovalPolicy) awscdk.RemovalPolicy {
	if removal == awscdk.RemovalPolicy_RETAIN {
		return awscdk.RemovalPolicy_RETAIN
	}
	return awscdk.RemovalPolicy_DESTROY
}
