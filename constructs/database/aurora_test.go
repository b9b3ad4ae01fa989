package database

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestAuroraPostgresDefaultsAreSecure(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackPrimary]
	clusterID, logsID, roleID, key, identifier := f.auroraParts(t, stackPrimary)
	assert.Regexp(t, rdsIdentifier, identifier, "derived DBClusterIdentifier")
	assert.NotContains(t, identifier, "--", "derived DBClusterIdentifier")

	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties":     map[string]any{"EnableKeyRotation": true},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"Properties": map[string]any{
				"Engine": "aurora-postgresql", "EngineVersion": DefaultAuroraEngineVersion,
				"StorageEncrypted": true, "KmsKeyId": key,
				"EnableIAMDatabaseAuthentication": true,
				"EnableCloudwatchLogsExports":     []any{"postgresql"},
				"PerformanceInsightsEnabled":      true, "PerformanceInsightsKmsKeyId": key,
				"DeletionProtection": true, "CopyTagsToSnapshot": true, "DeleteAutomatedBackups": false,
				"BackupRetentionPeriod": 7, "PreferredBackupWindow": "03:00-04:00",
				"PreferredMaintenanceWindow": "sun:04:30-sun:05:30",
				"Port":                       5432, "DatabaseName": "orders",
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
			// RDS finds its log group already encrypted and with a retention.
			"DependsOn": assertions.Match_ArrayWith(&[]any{logsID}), // and the group's rules: assertRotationNetworking
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBClusterParameterGroup"), &map[string]any{
			"Family": "aurora-postgresql16",
			"Parameters": map[string]any{
				"rds.force_ssl": "1", "log_connections": "1", "log_disconnections": "1", "log_min_duration_statement": "1000",
			},
		})
		tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties": map[string]any{
				"LogGroupName":    "/aws/rds/cluster/" + identifier + "/postgresql",
				"RetentionInDays": 365, "KmsKeyId": key,
			},
			"DeletionPolicy": "Retain",
		})
		// Writer and reader: provisioned, private, monitored, Performance Insights with the key.
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(2))
		tpl.AllResources(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties": map[string]any{
				"DBClusterIdentifier": ref(clusterID), "DBInstanceClass": DefaultAuroraInstanceClass,
				"PubliclyAccessible": false, "AutoMinorVersionUpgrade": true,
				"EnablePerformanceInsights": true, "PerformanceInsightsKMSKeyId": key,
				"MonitoringInterval": 60, "MonitoringRoleArn": getAtt(roleID, "Arn"),
			},
			// A replaced member never lingers.
			"UpdateReplacePolicy": "Delete",
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::Role"), &map[string]any{
			"AssumeRolePolicyDocument": map[string]any{"Statement": []any{assertions.Match_ObjectLike(&map[string]any{
				"Principal": map[string]any{"Service": "monitoring.rds.amazonaws.com"},
			})}},
		})
		tpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"Properties": map[string]any{
				"KmsKeyId": key,
				"GenerateSecretString": assertions.Match_ObjectLike(&map[string]any{
					"SecretStringTemplate": `{"username":"stratus_admin","dbname":"orders"}`,
				}),
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(30 days)"},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Serverless::Application"), &map[string]any{
			"Parameters": assertions.Match_ObjectLike(&map[string]any{
				"vpcSubnetIds": "subnet-0a0000000000000a1,subnet-0a0000000000000a2,subnet-0a0000000000000a3",
				"kmsKeyArn":    key,
			}),
		})
		tpl.ResourceCountIs(jsii.String("AWS::RDS::GlobalCluster"), jsii.Number(0))
	})
	assert.Equal(t, []string{"us-east-1a", "us-east-1b"}, f.availabilityZones(t, stackPrimary), "instance AZs: the writer and the reader in different AZs")
	assertRotationNetworking(t, f, stackPrimary)

	a, ok := f.built[stackPrimary].(*AuroraPostgres)
	require.True(t, ok, "the Primary stack holds an *AuroraPostgres")
	assert.Empty(t, a.GlobalClusterIdentifier)
	assert.Nil(t, a.GlobalCluster)
	for name, v := range map[string]*string{"Endpoint": a.Endpoint, "ReaderEndpoint": a.ReaderEndpoint,
		"ClusterIdentifier": a.ClusterIdentifier, "ClusterResourceId": a.ClusterResourceId} {
		assert.NotEmpty(t, cdktest.Str(v), name)
	}
	assert.NotNil(t, a.Secret, "Secret")
	assert.NotNil(t, a.Key, "Key")
	assert.NotNil(t, a.Cluster, "Cluster")
	assert.NotNil(t, a.LogGroup, "LogGroup")
	assertConnection(t, a.Connection, a.Endpoint, "orders", a.Secret, a.ClusterResourceId)
}

// assertRotationNetworking checks the rotation function's security group: HTTPS out, 5432 to the
// database security group, and the database admitting it on 5432 — with literal ports.
func assertRotationNetworking(t *testing.T, f *fixture, stack string) {
	t.Helper()
	dbSG, rotationSG := "", ""
	require.NotEmpty(t, f.resources(t, stack, "AWS::EC2::SecurityGroup"))
	for id, r := range f.resources(t, stack, "AWS::EC2::SecurityGroup") {
		switch description := cdktest.As[string](t, cdktest.As[map[string]any](t, r["Properties"])["GroupDescription"]); {
		case strings.HasPrefix(description, "Master-secret rotation"):
			rotationSG = id
		case strings.HasPrefix(description, "Databases:"):
			dbSG = id
		}
	}
	require.NotEmpty(t, dbSG, "the database security group in %s", stack)
	require.NotEmpty(t, rotationSG, "the rotation security group in %s", stack)
	tpl := f.templates[stack]
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), &map[string]any{
			"GroupDescription": assertions.Match_StringLikeRegexp(jsii.String("^Master-secret rotation")),
			"SecurityGroupEgress": []any{map[string]any{
				"CidrIp": "0.0.0.0/0", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
				"Description": assertions.Match_AnyValue(),
			}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupEgress"), &map[string]any{
			"GroupId": getAtt(rotationSG, "GroupId"), "DestinationSecurityGroupId": getAtt(dbSG, "GroupId"),
			"FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp",
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), &map[string]any{
			"GroupId": getAtt(dbSG, "GroupId"), "SourceSecurityGroupId": getAtt(rotationSG, "GroupId"),
			"FromPort": 5432, "ToPort": 5432, "IpProtocol": "tcp",
		})
		tpl.HasResourceProperties(jsii.String("AWS::Serverless::Application"), &map[string]any{
			"Parameters": assertions.Match_ObjectLike(&map[string]any{"vpcSecurityGroupIds": getAtt(rotationSG, "GroupId")}),
		})
	})
	// The database waits for the rules of its group (here the rotation function's ingress), so it
	// never moves into a group that does not yet admit its clients.
	var admitsRotation string
	for id, r := range f.resources(t, stack, "AWS::EC2::SecurityGroupIngress") {
		source, _ := cdktest.Props(t, r)["SourceSecurityGroupId"].(map[string]any)
		if getAtt, _ := source["Fn::GetAtt"].([]any); len(getAtt) == 2 && getAtt[0] == rotationSG {
			admitsRotation = id
		}
	}
	require.NotEmpty(t, admitsRotation, "the rule admitting the rotation function")
	databases := f.resources(t, stack, "AWS::RDS::DBCluster")
	if len(databases) == 0 {
		databases = f.resources(t, stack, "AWS::RDS::DBInstance")
	}
	require.Len(t, databases, 1)
	for id, db := range databases {
		assert.Contains(t, db["DependsOn"], admitsRotation, "%s waits for its group's rules", id)
		assert.NotContains(t, db["DependsOn"], dbSG, "%s: its reference already orders the group itself", id)
	}
}

// TestRotationSendsHTTPSOnlyWhereItMust: without an endpoint the rotation function's HTTPS may go
// anywhere (NAT); given the Secrets Manager endpoint's group, there alone, and nowhere else.
func TestRotationSendsHTTPSOnlyWhereItMust(t *testing.T) {
	f := fixtures(t)
	for stack, viaEndpoint := range map[string]bool{stackPrimary: false, stackInstance: false, stackPrimaryGlobal: true, stackInstanceVariant: true} {
		var rotationSG string
		var cidrs []string
		for id, r := range f.resources(t, stack, "AWS::EC2::SecurityGroup") {
			props := cdktest.Props(t, r)
			if !strings.HasPrefix(fmt.Sprint(props["GroupDescription"]), "Master-secret rotation") {
				continue
			}
			rotationSG = id
			// None with only rules to groups: a separate egress rule replaces EC2's default one.
			inline, _ := props["SecurityGroupEgress"].([]any)
			for _, e := range inline {
				rule := cdktest.As[map[string]any](t, e)
				cidrs = append(cidrs, fmt.Sprintf("%v %v", rule["CidrIp"], rule["FromPort"]))
			}
		}
		require.NotEmpty(t, rotationSG, "%s: the rotation security group", stack)
		var toGroups []string
		for _, r := range f.resources(t, stack, "AWS::EC2::SecurityGroupEgress") {
			props := cdktest.Props(t, r)
			if fmt.Sprint(props["GroupId"]) == fmt.Sprint(getAtt(rotationSG, "GroupId")) {
				dest := props["DestinationSecurityGroupId"]
				if _, imported := cdktest.As[map[string]any](t, dest)["Fn::ImportValue"]; imported {
					dest = "an imported group"
				}
				toGroups = append(toGroups, fmt.Sprintf("%v %v", dest, props["FromPort"]))
			}
		}
		if viaEndpoint {
			assert.Empty(t, cidrs, "%s: rules to addresses beside the endpoint", stack)
			assert.Contains(t, toGroups, "an imported group 443", stack)
		} else {
			assert.Equal(t, []string{"0.0.0.0/0 443"}, cidrs, stack)
			assert.NotContains(t, toGroups, "an imported group 443", stack)
		}
		assert.Len(t, toGroups, map[bool]int{false: 1, true: 2}[viaEndpoint], "%s: the rotation group's rules to other groups: %v", stack, toGroups)
	}
}

func TestAuroraPostgresGlobalPrimaryWithLargerInstances(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackPrimaryGlobal]
	clusterID, _ := f.only(t, stackPrimaryGlobal, "AWS::RDS::DBCluster")
	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::RDS::GlobalCluster"), &map[string]any{
			"Properties": map[string]any{
				"GlobalClusterIdentifier":   "stratus-prod-orders",
				"SourceDBClusterIdentifier": ref(clusterID),
				"DeletionProtection":        true,
			},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"BackupRetentionPeriod": 35, "PreferredBackupWindow": "02:00-02:30",
		})
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(3))
		tpl.AllResourcesProperties(jsii.String("AWS::RDS::DBInstance"), &map[string]any{"DBInstanceClass": "db.r6g.xlarge"})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBInstance"), &map[string]any{"PromotionTier": 0, "AvailabilityZone": "us-east-1a"})
	})
	assert.Equal(t, []string{"us-east-1a", "us-east-1b", "us-east-1c"}, f.availabilityZones(t, stackPrimaryGlobal), "instance AZs: one instance per AZ")
	a := cdktest.As[*AuroraPostgres](t, f.built[stackPrimaryGlobal])
	assert.Equal(t, "stratus-prod-orders", a.GlobalClusterIdentifier)
	assert.NotNil(t, a.GlobalCluster)
}

func TestAuroraPostgresDevIsServerlessWriterOnlyAndSnapshotted(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackPrimaryDev]
	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::RDS::DBCluster"), &map[string]any{
			"Properties": map[string]any{
				"DBClusterIdentifier":              "dev-orders",
				"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 0.5, "MaxCapacity": 8},
				"DeletionProtection":               false,
				"EngineVersion":                    "17.4",
				"PreferredMaintenanceWindow":       "mon:07:00-mon:08:00",
			},
			"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
		})
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBClusterParameterGroup"), &map[string]any{"Family": "aurora-postgresql17"})
		tpl.ResourceCountIs(jsii.String("AWS::RDS::DBInstance"), jsii.Number(1))
		tpl.HasResource(jsii.String("AWS::RDS::DBInstance"), &map[string]any{
			"Properties":     map[string]any{"DBInstanceClass": "db.serverless", "MonitoringInterval": 15},
			"DeletionPolicy": "Delete",
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"LogGroupName": "/aws/rds/cluster/dev-orders/postgresql", "RetentionInDays": 30,
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(7 days)"},
		})
		// The secret and the key outlive a snapshotted cluster: the snapshot needs them.
		tpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{"DeletionPolicy": "Retain"})
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{"DeletionPolicy": "Retain"})
	})
}

// In the app the database security group lives in the Network stack. The rotation rules must
// then live in the database's own stack, or the two stacks would reference each other.
func TestRotationRulesLiveInTheDatabaseStack(t *testing.T) {
	f := fixtures(t)
	cdktest.NoPanic(t, func() {
		network := f.templates[stackNetwork]
		network.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(0))
		network.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupEgress"), jsii.Number(0))
	})
	for _, stack := range []string{stackPrimaryGlobal, stackInstanceVariant} {
		rotationSG := ""
		require.NotEmpty(t, f.resources(t, stack, "AWS::EC2::SecurityGroup"))
		for id, r := range f.resources(t, stack, "AWS::EC2::SecurityGroup") {
			if strings.HasPrefix(cdktest.As[string](t, cdktest.As[map[string]any](t, r["Properties"])["GroupDescription"]), "Master-secret rotation") {
				rotationSG = id
			}
		}
		// The database security group arrives as a cross-stack reference (an import or, with
		// weak references, Fn::GetStackOutput), never as a resource of this stack.
		crossStack := func(v any) bool {
			m, ok := v.(map[string]any)
			return ok && (m["Fn::ImportValue"] != nil || m["Fn::GetStackOutput"] != nil)
		}
		// rules counts the 5432 rules of typ whose crossKey is the other stack's database
		// group and whose rotationKey is the rotation group.
		rules := func(typ, crossKey, rotationKey string) int {
			n := 0
			require.NotEmpty(t, f.resources(t, stack, typ))
			for _, r := range f.resources(t, stack, typ) {
				p := cdktest.As[map[string]any](t, r["Properties"])
				if crossStack(p[crossKey]) && reflect.DeepEqual(p[rotationKey], getAtt(rotationSG, "GroupId")) &&
					p["FromPort"] == float64(5432) && p["ToPort"] == float64(5432) {
					n++
				}
			}
			return n
		}
		assert.Equal(t, 1, rules("AWS::EC2::SecurityGroupIngress", "GroupId", "SourceSecurityGroupId"),
			"%s: ingress rules for 5432 from the rotation group to the other stack's database group", stack)
		assert.Equal(t, 1, rules("AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId", "GroupId"),
			"%s: egress rules for 5432 from the rotation group to the other stack's database group", stack)
	}
}

// The writer of a retained cluster stays with it, so deleting the stack leaves the database
// serving; a reader is deleted, so lowering Readers removes it instead of leaving it billed
// outside the template.
func TestAuroraPostgresKeepsTheWriterAndDropsRemovedReaders(t *testing.T) {
	f := fixtures(t)
	var policies map[string]any
	cdktest.NoPanic(t, func() {
		policies = map[string]any{}
		for id, r := range *f.templates[stackPrimary].FindResources(jsii.String("AWS::RDS::DBInstance"), nil) {
			policies[id] = (*r)["DeletionPolicy"]
		}
	})
	require.Len(t, policies, 2)
	for id, policy := range policies {
		want := "Delete"
		if strings.Contains(id, "Writer") {
			want = "Retain"
		}
		assert.Equal(t, want, policy, id)
	}
}

// TestRotationLogsAreEncryptedAndExpire: the master-secret rotation function (AWS's Serverless
// Application Repository application, whose template sets no log group) gets a name of ours and
// finds its log group made before it: encrypted with the database's key (whose policy lets
// CloudWatch Logs use it for that group), expiring, retained, and waited for.
func TestRotationLogsAreEncryptedAndExpire(t *testing.T) {
	f := fixtures(t)
	for _, stack := range []string{stackPrimary, stackPrimaryGlobal, stackInstance, stackInstanceVariant} {
		_, app := f.only(t, stack, "AWS::Serverless::Application")
		name := cdktest.Path[string](t, cdktest.Props(t, app), "Parameters", "functionName")
		assert.Regexp(t, `^[A-Za-z0-9-]{1,55}-rotation$`, name, "%s: a Lambda function name (64 characters at most)", stack)
		switch c := f.built[stack].(type) {
		case *AuroraPostgres:
			assert.Equal(t, name, c.RotationFunctionName, "%s: the alarms read the function the application creates", stack)
		case *PostgresInstance:
			assert.Equal(t, name, c.RotationFunctionName, "%s: the alarms read the function the application creates", stack)
		default:
			t.Fatalf("%s: %T", stack, c)
		}
		var groupID string
		var group map[string]any
		for id, r := range f.resources(t, stack, "AWS::Logs::LogGroup") {
			if cdktest.Props(t, r)["LogGroupName"] == "/aws/lambda/"+name {
				groupID, group = id, r
			}
		}
		require.NotNil(t, group, "%s: a log group /aws/lambda/%s", stack, name)
		keyID, key := f.only(t, stack, "AWS::KMS::Key")
		assert.Equal(t, getAtt(keyID, "Arn"), cdktest.Props(t, group)["KmsKeyId"], "%s: encrypted with the database's key", stack)
		assert.NotNil(t, cdktest.Props(t, group)["RetentionInDays"], "%s: the rotation logs expire", stack)
		assert.Equal(t, "Retain", group["DeletionPolicy"], stack)
		assert.Contains(t, app["DependsOn"], groupID, "%s: the application (and so the function) waits for its log group", stack)
		var allowed []any
		for _, s := range cdktest.Path[[]any](t, cdktest.Props(t, key), "KeyPolicy", "Statement") {
			st := cdktest.As[map[string]any](t, s)
			if st["Sid"] == "AllowCloudWatchLogs" {
				arns := cdktest.Path[any](t, st, "Condition", "ArnLike", "kms:EncryptionContext:aws:logs:arn")
				if list, ok := arns.([]any); ok {
					allowed = append(allowed, list...)
				} else {
					allowed = append(allowed, arns)
				}
			}
		}
		assert.Contains(t, fmt.Sprint(allowed), ":log-group:/aws/lambda/"+name, "%s: the key lets CloudWatch Logs encrypt the rotation logs", stack)
	}
}
