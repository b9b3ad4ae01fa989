package database

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestPostgresInstanceDefaultsAreSecure(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackInstance]
	keyID, _ := f.only(t, stackInstance, "AWS::KMS::Key")
	roleID, _ := f.only(t, stackInstance, "AWS::IAM::Role")
	_, instance := f.only(t, stackInstance, "AWS::RDS::DBInstance")
	key := getAtt(keyID, "Arn")
	identifier := cdktest.As[string](t, cdktest.As[map[string]any](t, instance["Properties"])["DBInstanceIdentifier"])
	var logGroups []any // DependsOn lists them sorted
	exported := f.exportLogGroups(t, stackInstance)
	require.Len(t, exported, 2, "postgresql and upgrade")
	for _, id := range exported {
		logGroups = append(logGroups, id)
	}

	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties": map[string]any{
				"Engine": "postgres", "EngineVersion": DefaultInstanceEngineVersion,
				"DBInstanceClass": DefaultInstanceClass, "DBName": "shop", "Port": "5432",
				"StorageType": "gp3", "AllocatedStorage": "100", "MaxAllocatedStorage": 500, "Iops": assertions.Match_Absent(),
				"StorageEncrypted": true, "KmsKeyId": key,
				"MultiAZ": true, "PubliclyAccessible": false,
				"EnableIAMDatabaseAuthentication": true,
				"EnableCloudwatchLogsExports":     []any{"postgresql", "upgrade"},
				"EnablePerformanceInsights":       true, "PerformanceInsightsKMSKeyId": key,
				"MonitoringInterval": 60, "MonitoringRoleArn": getAtt(roleID, "Arn"),
				"AutoMinorVersionUpgrade": true, "AllowMajorVersionUpgrade": false,
				"CopyTagsToSnapshot": true, "DeletionProtection": true, "DeleteAutomatedBackups": false,
				"BackupRetentionPeriod": 7, "PreferredBackupWindow": "03:00-04:00",
				"PreferredMaintenanceWindow": "sun:04:30-sun:05:30",
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			"DependsOn": assertions.Match_ArrayWith(&logGroups),
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBParameterGroup"), &map[string]any{
			"Family":     "postgres16",
			"Parameters": assertions.Match_ObjectLike(&map[string]any{"rds.force_ssl": "1", "log_connections": "1"}),
		})
		for _, logType := range []string{"postgresql", "upgrade"} {
			tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
				"Properties": map[string]any{
					"LogGroupName": "/aws/rds/instance/" + identifier + "/" + logType, "RetentionInDays": 365, "KmsKeyId": key,
				},
				"DeletionPolicy": "Retain",
			})
		}
		tpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"Properties": assertions.Match_ObjectLike(&map[string]any{"KmsKeyId": key}), "DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(30 days)"},
		})
		// CloudWatch Logs may use the key for exactly the two exported log groups and the
		// rotation function's.
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", []any{
					"arn:aws:logs:us-east-1:111111111111:log-group:/aws/rds/instance/" + identifier + "/postgresql",
					"arn:aws:logs:us-east-1:111111111111:log-group:/aws/rds/instance/" + identifier + "/upgrade",
					"arn:aws:logs:us-east-1:111111111111:log-group:/aws/lambda/" + f.built[stackInstance].(*PostgresInstance).RotationFunctionName,
				}),
			})},
		})
	})
	assertRotationNetworking(t, f, stackInstance)

	d, ok := f.built[stackInstance].(*PostgresInstance)
	require.True(t, ok, "the Instance stack holds a *PostgresInstance")
	assert.NotNil(t, d.Secret, "Secret")
	assert.NotNil(t, d.Key, "Key")
	assert.NotNil(t, d.Instance, "Instance")
	assert.Len(t, d.LogGroups, 2)
	for name, v := range map[string]*string{"Endpoint": d.Endpoint, "ResourceId": d.ResourceId, "InstanceIdentifier": d.InstanceIdentifier} {
		assert.NotEmpty(t, cdktest.Str(v), name)
	}
	assertConnection(t, d.Connection, d.Endpoint, "shop", d.Secret, d.ResourceId)
}

func TestPostgresInstancePropsChangeWhatTheySay(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackInstanceVariant]
	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties": map[string]any{
				"DBInstanceIdentifier": "shop-db", "EngineVersion": "17.5", "DBInstanceClass": "db.m6g.large",
				"AllocatedStorage": "400", "Iops": 12000, "MaxAllocatedStorage": assertions.Match_Absent(),
				"MultiAZ": false, "DeletionProtection": false, "BackupRetentionPeriod": 14,
			},
			"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBParameterGroup"), &map[string]any{"Family": "postgres17"})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"LogGroupName": "/aws/rds/instance/shop-db/upgrade"})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(90 days)"},
		})
	})
}
