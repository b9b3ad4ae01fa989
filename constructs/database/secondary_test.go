package database

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestAuroraSecondaryDefaultsAreSecure(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackSecondary]
	clusterID, logsID, roleID, key, identifier := f.auroraParts(t, stackSecondary)

	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"Properties": map[string]any{
				"GlobalClusterIdentifier": "stratus-prod-orders",
				"Engine":                  "aurora-postgresql", "EngineVersion": DefaultAuroraEngineVersion,
				"StorageEncrypted": true, "KmsKeyId": key,
				"EnableIAMDatabaseAuthentication": true,
				"EnableCloudwatchLogsExports":     []any{"postgresql"},
				"DeletionProtection":              true, "CopyTagsToSnapshot": true, "DeleteAutomatedBackups": false,
				"BackupRetentionPeriod": 7, "PreferredBackupWindow": "03:00-04:00",
				"PreferredMaintenanceWindow": "sun:04:30-sun:05:30", "Port": 5432,
				// A secondary inherits the primary's users and database.
				"EnableGlobalWriteForwarding": true,
				"MasterUsername":              assertions.Match_Absent(),
				"MasterUserPassword":          assertions.Match_Absent(),
				"DatabaseName":                assertions.Match_Absent(),
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			"DependsOn": []any{logsID},
		})
		tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(0))
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBClusterParameterGroup"), &map[string]any{
			"Family": "aurora-postgresql16", "Parameters": assertions.Match_ObjectLike(&map[string]any{"rds.force_ssl": "1"}),
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBSubnetGroup"), &map[string]any{
			"SubnetIds": []any{"subnet-0d0000000000000d1", "subnet-0d0000000000000d2", "subnet-0d0000000000000d3"},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"LogGroupName": "/aws/rds/cluster/" + identifier + "/postgresql", "RetentionInDays": 365, "KmsKeyId": key,
		})
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(1))
		tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties": map[string]any{
				"DBClusterIdentifier": ref(clusterID), "Engine": "aurora-postgresql",
				"DBInstanceClass": DefaultAuroraInstanceClass, "AvailabilityZone": "eu-west-1a",
				"PubliclyAccessible": false, "AutoMinorVersionUpgrade": true,
				"EnablePerformanceInsights": true, "PerformanceInsightsKMSKeyId": key,
				"MonitoringInterval": 60, "MonitoringRoleArn": getAtt(roleID, "Arn"),
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Delete",
		})
	})

	s, ok := f.built[stackSecondary].(*AuroraSecondary)
	require.True(t, ok, "the Secondary stack holds an *AuroraSecondary")
	assert.Equal(t, "stratus-prod-orders", s.GlobalClusterIdentifier)
	assert.Len(t, s.Instances, 1)
	for name, v := range map[string]*string{"Endpoint": s.Endpoint, "ReaderEndpoint": s.ReaderEndpoint,
		"ClusterIdentifier": s.ClusterIdentifier, "ClusterResourceId": s.ClusterResourceId} {
		assert.NotEmpty(t, cdktest.Str(v), name)
	}
	// Clients of a secondary use the reader endpoint (writes are forwarded) and IAM only.
	assertConnection(t, s.Connection, s.ReaderEndpoint, "orders", nil, s.ClusterResourceId)
}

func TestAuroraSecondaryServerlessReadersAndSnapshot(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackSecondaryVariant]
	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"Properties": map[string]any{
				"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 1, "MaxCapacity": 16},
				"BackupRetentionPeriod":            35, "PreferredBackupWindow": "22:00-23:00",
				"PreferredMaintenanceWindow":  "sat:01:00-sat:02:00",
				"EnableGlobalWriteForwarding": false,
			},
			"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
		})
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(2))
		tpl.AllResources(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties":     assertions.Match_ObjectLike(&map[string]any{"DBInstanceClass": "db.serverless", "MonitoringInterval": 30}),
			"DeletionPolicy": "Delete",
		})
	})
	assert.Equal(t, []string{"eu-west-1a", "eu-west-1b"}, f.availabilityZones(t, stackSecondaryVariant), "reader AZs: distinct AZs")
}

func TestAuroraSecondaryWithoutReadersIsHeadless(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackSecondaryHeadless]
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::IAM::Role"), jsii.Number(0)) // no instance to monitor
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"DeletionProtection": false, "GlobalClusterIdentifier": "stratus-prod-orders",
		})
	})
	assert.Empty(t, cdktest.As[*AuroraSecondary](t, f.built[stackSecondaryHeadless]).Instances)
}
