package database

import (
	"fmt"

	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
)

// AuroraSecondary is a secondary cluster of an existing Aurora Global Database, in another
// region than the primary. aws-cdk-lib has no Global Database support, so it is built from L1s.
// It has no master credentials of its own: a secondary inherits the primary's users.
type AuroraSecondary struct {
	constructs.Construct

	// Cluster is the secondary DB cluster.
	Cluster rds.CfnDBCluster
	// Instances are the reader instances (none for a headless secondary).
	Instances []rds.CfnDBInstance
	// Endpoint is the cluster endpoint's hostname; it accepts writes only after this region is
	// promoted (switchover or failover).
	Endpoint *string
	// ReaderEndpoint balances connections over this region's readers.
	ReaderEndpoint *string
	// Connection is how this region's clients reach the database: the reader endpoint (writes
	// are forwarded to the primary when WriteForwarding is on), no secret (IAM authentication
	// with GrantConnect).
	Connection *Connection
	// Key is this region's customer-managed key: storage, Performance Insights and logs.
	Key kms.IKey
	// ClusterIdentifier is the DB cluster identifier (a Ref).
	ClusterIdentifier *string
	// ClusterResourceId is the cluster's resource id, for rds-db:connect IAM authentication ARNs.
	ClusterResourceId *string
	// GlobalClusterIdentifier echoes the props: the global cluster this cluster belongs to.
	GlobalClusterIdentifier string
	// LogGroup receives the exported postgresql log.
	LogGroup logs.ILogGroup
}

// NewAuroraSecondary builds the secondary cluster and its readers, or returns every problem
// with props.
func NewAuroraSecondary(scope constructs.Construct, id string, props AuroraSecondaryProps) (*AuroraSecondary, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("aurora secondary %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	s := &AuroraSecondary{Construct: this, GlobalClusterIdentifier: p.GlobalClusterIdentifier}
	identifier := p.ClusterIdentifier
	if identifier == "" {
		identifier = physicalName(this)
	}
	major := limits.MajorVersion(p.EngineVersion)

	key := newKey(this, "Aurora PostgreSQL secondary cluster "+identifier+": storage, Performance Insights and logs",
		[]string{logGroupName("cluster", identifier, "postgresql")})
	groups := newLogGroups(this, "cluster", identifier, []string{"postgresql"}, key, p.LogRetention)

	subnetIds := []any{}
	for _, id := range *p.Vpc.SelectSubnets(p.Subnets).SubnetIds {
		subnetIds = append(subnetIds, id)
	}
	subnets := rds.NewCfnDBSubnetGroup(this, jsii.String("Subnets"), &rds.CfnDBSubnetGroupProps{
		DbSubnetGroupDescription: jsii.String("Data subnets of Aurora secondary cluster " + identifier),
		SubnetIds:                &subnetIds,
	})
	subnets.ApplyRemovalPolicy(dependentPolicy(p.RemovalPolicy), nil)
	params := rds.NewCfnDBClusterParameterGroup(this, jsii.String("ClusterParameters"), &rds.CfnDBClusterParameterGroupProps{
		Description: jsii.String(parametersDescription("Aurora PostgreSQL " + identifier)),
		Family:      jsii.String(fmt.Sprintf("%s%d", auroraEngine, major)),
		Parameters:  jsiiMap(engineParameters(major)),
	})
	params.ApplyRemovalPolicy(dependentPolicy(p.RemovalPolicy), nil)

	clusterProps := &rds.CfnDBClusterProps{
		DbClusterIdentifier:             jsii.String(identifier),
		GlobalClusterIdentifier:         jsii.String(p.GlobalClusterIdentifier),
		Engine:                          jsii.String(auroraEngine),
		EngineVersion:                   auroraVersions[p.EngineVersion]().AuroraPostgresFullVersion(),
		StorageEncrypted:                jsii.Bool(true),
		KmsKeyId:                        key.KeyArn(),
		DbSubnetGroupName:               subnets.Ref(),
		VpcSecurityGroupIds:             &[]any{p.SecurityGroup.SecurityGroupId()},
		DbClusterParameterGroupName:     params.Ref(),
		Port:                            jsii.Number(Port),
		EnableIamDatabaseAuthentication: jsii.Bool(true),
		EnableCloudwatchLogsExports:     jsii.Strings("postgresql"),
		BackupRetentionPeriod:           jsii.Number(float64(p.BackupRetentionDays)),
		PreferredBackupWindow:           jsii.String(p.BackupWindow),
		PreferredMaintenanceWindow:      jsii.String(p.MaintenanceWindow),
		DeletionProtection:              p.DeletionProtection,
		DeleteAutomatedBackups:          jsii.Bool(false),
		CopyTagsToSnapshot:              jsii.Bool(true),
		EnableGlobalWriteForwarding:     p.WriteForwarding,
	}
	class := p.InstanceClass
	if sv2 := p.ServerlessV2; sv2 != nil {
		class = serverlessType
		clusterProps.ServerlessV2ScalingConfiguration = &rds.CfnDBCluster_ServerlessV2ScalingConfigurationProperty{
			MinCapacity: jsii.Number(sv2.MinACU), MaxCapacity: jsii.Number(sv2.MaxACU),
		}
	}
	cluster := rds.NewCfnDBCluster(this, jsii.String("Cluster"), clusterProps)
	cluster.ApplyRemovalPolicy(p.RemovalPolicy, nil)
	dependOn(cluster, groups)
	waitForRules(cluster, p.SecurityGroup)
	if !*p.DeletionProtection {
		suppressDeletionProtectionOff(cluster, string(p.RemovalPolicy))
	}

	if *p.Readers > 0 {
		role := newMonitoringRole(this, p.RemovalPolicy)
		for i := 0; i < *p.Readers; i++ {
			instance := rds.NewCfnDBInstance(this, jsii.String(fmt.Sprintf("Reader%d", i+1)), &rds.CfnDBInstanceProps{
				DbClusterIdentifier:                cluster.Ref(),
				Engine:                             jsii.String(auroraEngine),
				DbInstanceClass:                    jsii.String(class),
				AvailabilityZone:                   spread(p.AvailabilityZones, i, 0),
				PubliclyAccessible:                 jsii.Bool(false),
				AutoMinorVersionUpgrade:            jsii.Bool(true),
				EnablePerformanceInsights:          jsii.Bool(true),
				PerformanceInsightsKmsKeyId:        key.KeyArn(),
				PerformanceInsightsRetentionPeriod: jsii.Number(performanceInsightsDays),
				MonitoringInterval:                 jsii.Number(float64(p.MonitoringInterval)),
				MonitoringRoleArn:                  role.RoleArn(),
				PreferredMaintenanceWindow:         jsii.String(p.MaintenanceWindow),
				// Tiers 0 and 1 keep a Serverless v2 reader at the writer's capacity, so the
				// instance that takes over after a regional failover is already sized for the load.
				PromotionTier: jsii.Number(float64(min(i, 15))),
			})
			memberPolicies(instance, p.RemovalPolicy, i == 0)
			suppressClusterMemberBackupPlan(instance, p.BackupRetentionDays)
			s.Instances = append(s.Instances, instance)
		}
	}

	s.Cluster, s.Key, s.LogGroup = cluster, key, groups[0]
	s.Endpoint = cluster.AttrEndpointAddress()
	s.ReaderEndpoint = cluster.AttrReadEndpointAddress()
	s.ClusterIdentifier = cluster.Ref()
	s.ClusterResourceId = cluster.AttrDbClusterResourceId()
	s.Connection = &Connection{Host: s.ReaderEndpoint, Port: Port, DatabaseName: p.DatabaseName, ResourceId: s.ClusterResourceId}
	return s, nil
}
