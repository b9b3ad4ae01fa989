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

// PostgresInstance is a single-instance RDS for PostgreSQL database (Multi-AZ by default) on gp3
// storage with storage autoscaling, for the seed variants that do not use Aurora.
type PostgresInstance struct {
	constructs.Construct

	// Instance is the L2 instance (its Connections include the database security group).
	Instance rds.DatabaseInstance
	// Endpoint is the instance endpoint's hostname (it follows a Multi-AZ failover).
	Endpoint *string
	// Connection is how clients reach the instance: its endpoint, the master secret and IAM
	// authentication (GrantConnect).
	Connection *Connection
	// Secret holds the master credentials (username, password, host, port, dbname), encrypted with
	// Key, rotated every RotationDays and retained.
	Secret sm.ISecret
	// Key is the instance's own customer-managed key: storage, Performance Insights, the secret
	// and the exported logs.
	Key kms.IKey
	// InstanceIdentifier is the DB instance identifier (a Ref).
	InstanceIdentifier *string
	// ResourceId is the instance's DbiResourceId, for rds-db:connect IAM authentication ARNs.
	ResourceId *string
	// LogGroups receive the exported postgresql and upgrade logs, in that order.
	LogGroups []logs.ILogGroup
	// RotationSecurityGroup is the secret-rotation function's security group.
	RotationSecurityGroup ec2.ISecurityGroup
	// RotationFunctionName is the secret-rotation function's name (its AWS/Lambda metrics).
	RotationFunctionName string
	// Users is the custom resource that creates PostgresInstanceProps.Users (nil without users):
	// a client's first connection must wait for it.
	Users awscdk.CustomResource
}

// instanceLogTypes are every log RDS for PostgreSQL can export.
var instanceLogTypes = []string{"postgresql", "upgrade"}

// NewPostgresInstance builds the instance, or returns every problem with props.
func NewPostgresInstance(scope constructs.Construct, id string, props PostgresInstanceProps) (*PostgresInstance, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("postgres instance %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	d := &PostgresInstance{Construct: this}
	identifier := p.InstanceIdentifier
	if identifier == "" {
		identifier = physicalName(this)
	}

	names := make([]string, len(instanceLogTypes))
	for i, t := range instanceLogTypes {
		names[i] = logGroupName("instance", identifier, t)
	}
	rotationFunction := rotationFunctionName(this)
	names = append(names, rotationLogGroupName(rotationFunction))
	if len(p.Users) > 0 {
		names = append(names, usersLogGroupName(identifier))
	}
	key := newKey(this, "RDS PostgreSQL instance "+identifier+": storage, Performance Insights, master secret and logs", names)
	groups := newLogGroups(this, "instance", identifier, instanceLogTypes, key, p.LogRetention)
	engine := rds.DatabaseInstanceEngine_Postgres(&rds.PostgresInstanceEngineProps{
		Version: instanceVersions[p.EngineVersion](),
	})
	params := newParameterGroup(this, "Parameters", engine, "PostgreSQL "+identifier, p.EngineVersion, p.RemovalPolicy)
	secret := newSecret(this, key, p.DatabaseName)
	role := newMonitoringRole(this, p.RemovalPolicy)

	instanceProps := &rds.DatabaseInstanceProps{
		Engine:                          engine,
		InstanceIdentifier:              jsii.String(identifier),
		InstanceType:                    instanceType(p.InstanceClass),
		Vpc:                             p.Vpc,
		VpcSubnets:                      p.Subnets,
		SecurityGroups:                  &[]ec2.ISecurityGroup{p.SecurityGroup},
		Port:                            jsii.Number(Port),
		Credentials:                     rds.Credentials_FromSecret(secret, nil),
		DatabaseName:                    jsii.String(p.DatabaseName),
		StorageType:                     rds.StorageType_GP3,
		AllocatedStorage:                jsii.Number(float64(p.AllocatedStorageGiB)),
		StorageEncrypted:                jsii.Bool(true),
		StorageEncryptionKey:            key,
		MultiAz:                         p.MultiAZ,
		IamAuthentication:               jsii.Bool(true),
		ParameterGroup:                  params,
		CloudwatchLogsExports:           jsii.Strings(instanceLogTypes...),
		MonitoringInterval:              durationSeconds(p.MonitoringInterval),
		MonitoringRole:                  role,
		EnablePerformanceInsights:       jsii.Bool(true),
		PerformanceInsightEncryptionKey: key,
		PerformanceInsightRetention:     rds.PerformanceInsightRetention_DEFAULT,
		PubliclyAccessible:              jsii.Bool(false),
		AutoMinorVersionUpgrade:         jsii.Bool(true),
		AllowMajorVersionUpgrade:        jsii.Bool(false),
		CopyTagsToSnapshot:              jsii.Bool(true),
		DeletionProtection:              p.DeletionProtection,
		DeleteAutomatedBackups:          jsii.Bool(false),
		BackupRetention:                 durationDays(p.BackupRetentionDays),
		PreferredBackupWindow:           jsii.String(p.BackupWindow),
		PreferredMaintenanceWindow:      jsii.String(p.MaintenanceWindow),
		RemovalPolicy:                   p.RemovalPolicy,
	}
	if p.MaxAllocatedStorageGiB != p.AllocatedStorageGiB {
		instanceProps.MaxAllocatedStorage = jsii.Number(float64(p.MaxAllocatedStorageGiB))
	}
	if p.Iops > 0 {
		instanceProps.Iops = jsii.Number(float64(p.Iops))
	}
	instance := rds.NewDatabaseInstance(this, jsii.String("Instance"), instanceProps)
	cfnInstance := instance.Node().DefaultChild().(rds.CfnDBInstance)
	dependOn(cfnInstance, groups)

	suppressDefaultPort(cfnInstance)
	suppressInstanceBackupPlan(cfnInstance, p.BackupRetentionDays)
	if !*p.MultiAZ {
		suppressSingleAZ(cfnInstance)
	}
	if !*p.DeletionProtection {
		suppressDeletionProtectionOff(cfnInstance, string(p.RemovalPolicy))
	}

	d.RotationSecurityGroup = addRotation(this, instance.Secret(), p.Vpc, p.RotationSubnets, p.SecurityGroup, p.RotationEndpoint, p.RotationDays, rotationFunction, key, p.LogRetention)
	d.RotationFunctionName = rotationFunction
	waitForRules(cfnInstance, p.SecurityGroup)
	d.Instance, d.Key, d.Secret = instance, key, instance.Secret()
	for _, g := range groups {
		d.LogGroups = append(d.LogGroups, g)
	}
	d.Endpoint = instance.DbInstanceEndpointAddress()
	d.InstanceIdentifier = instance.InstanceIdentifier()
	d.ResourceId = instance.InstanceResourceId()
	d.Connection = &Connection{Host: d.Endpoint, Port: Port, DatabaseName: p.DatabaseName, Secret: d.Secret, ResourceId: d.ResourceId}
	if len(p.Users) > 0 {
		users, err := addInstanceUsers(this, instance, key, p.SecurityGroup, identifier, p)
		if err != nil {
			return nil, err
		}
		d.Users = users
		d.Connection.Secret = nil // clients authenticate with IAM, as the users they are
	}
	return d, nil
}
