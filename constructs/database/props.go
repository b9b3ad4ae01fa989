// Package database provides the PostgreSQL L3s of Stratus, all secure by default: AuroraPostgres
// (an Aurora PostgreSQL cluster, standalone or the primary of a Global Database), AuroraSecondary
// (a secondary cluster of a Global Database in another region) and PostgresInstance (a
// single-instance, Multi-AZ RDS for PostgreSQL database).
//
// Every construct gets its own customer-managed KMS key (storage, Performance Insights, exported
// logs and, where there is one, the master secret), IAM database authentication, a parameter group
// forcing TLS, exported PostgreSQL logs with a retention, enhanced monitoring, Performance Insights,
// deletion protection and a Retain or Snapshot removal policy.
package database

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/internal/limits"
)

// ServerlessV2Capacity is the Aurora Serverless v2 capacity range of every instance of a cluster,
// in Aurora capacity units (ACU, about 2 GiB of memory each).
type ServerlessV2Capacity struct {
	// MinACU is the capacity an idle instance scales down to: 0.5 to 256, in steps of 0.5.
	MinACU float64
	// MaxACU is the capacity an instance may scale up to: 1 to 256, in steps of 0.5, ≥ MinACU.
	MaxACU float64
}

// AuroraPostgresProps configures an AuroraPostgres cluster.
type AuroraPostgresProps struct {
	// Vpc holds the cluster.
	Vpc ec2.IVpc
	// Subnets are the isolated data subnets the cluster's subnet group spans.
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the database security group (created by the network layer, admitting 5432
	// from the services). The construct adds the ingress rule for its secret-rotation function,
	// in its own stack; an imported group must therefore be mutable.
	SecurityGroup ec2.ISecurityGroup
	// AvailabilityZones (at least 2) spread the instances round-robin: the writer goes to [0],
	// reader i to [(i+1) % n], so a writer and its first reader never share an AZ.
	AvailabilityZones []string
	// DatabaseName is the database created in the cluster: [a-z][a-z0-9_]{0,62}.
	DatabaseName string

	// EngineVersion is the Aurora PostgreSQL version, one aws-cdk-lib knows and still supports
	// (15 and newer; the error lists them).
	// Default: "16.6".
	EngineVersion string
	// InstanceClass is the class of the writer and the readers, "db.<family>.<size>". Ignored
	// when ServerlessV2 is set.
	// Default: "db.r6g.large".
	InstanceClass string
	// Readers is the number of reader instances, 0 to 15 (a pointer: 0 is a real choice). A
	// reader is the writer's failover target, so production wants at least 1; 0 is a writer-only
	// cluster (dev).
	// Default: 1.
	Readers *int
	// ServerlessV2, when set, makes the writer and every reader Aurora Serverless v2 instances
	// (db.serverless) scaling within this range.
	// Default: nil (provisioned instances of InstanceClass).
	ServerlessV2 *ServerlessV2Capacity
	// BackupRetentionDays is how long continuous backups (point-in-time restore) are kept, 1 to 35.
	// Default: 7.
	BackupRetentionDays int
	// BackupWindow is the daily automated-backup window, "hh24:mi-hh24:mi" in UTC, at least 30
	// minutes, not overlapping MaintenanceWindow.
	// Default: "03:00-04:00".
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window of the cluster and its instances,
	// "ddd:hh24:mi-ddd:hh24:mi" in UTC, at least 30 minutes.
	// Default: "sun:04:30-sun:05:30".
	MaintenanceWindow string
	// DeletionProtection stops the cluster (and the global cluster) from being deleted by anyone.
	// Default: true.
	DeletionProtection *bool
	// RemovalPolicy is what happens to the cluster when CloudFormation deletes or replaces it:
	// RETAIN keeps it (and its first instance, key, secret and log group; further readers are
	// deleted); SNAPSHOT takes a final snapshot and deletes the instances. DESTROY is rejected: nothing is lost silently.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// MonitoringInterval is the enhanced-monitoring interval in seconds: 1, 5, 10, 15, 30 or 60.
	// Default: 60.
	MonitoringInterval int
	// LogRetention is how long the exported postgresql log is kept. INFINITE is rejected.
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
	// RotationDays is how often the master password is rotated, 1 to 365 days.
	// Default: 30.
	RotationDays int
	// RotationSubnets is where the rotation function runs: subnets that reach the Secrets Manager
	// and KMS APIs (the app subnets, through NAT or interface endpoints). Required.
	RotationSubnets *ec2.SubnetSelection
	// RotationEndpoint is the security group of a Secrets Manager interface endpoint in
	// RotationSubnets (with private DNS): the rotation function, which calls no other AWS API,
	// then sends HTTPS to it alone.
	// Default: nil (HTTPS to anywhere, through NAT or whichever endpoints exist).
	RotationEndpoint ec2.ISecurityGroup
	// GlobalClusterIdentifier, when set, makes this cluster the primary of a new
	// AWS::RDS::GlobalCluster with exactly this identifier ([a-zA-Z][a-zA-Z0-9-]{0,62}, no
	// trailing hyphen, no "--"); AuroraSecondary clusters in other regions join it by this name.
	// Default: "" (a standalone cluster).
	GlobalClusterIdentifier string
	// ClusterIdentifier names the cluster ([a-z][a-z0-9-]{0,62}, no trailing hyphen, no "--"). It
	// is fixed at synth so the log group of the exported logs exists, encrypted and with its
	// retention, before RDS first writes to it. Changing it (or, when derived, the construct's id
	// or stack) means a new cluster, which CloudFormation refuses for a named resource — a guard
	// against replacing a database by accident.
	// Default: derived from the construct path (unique per stack and id), e.g. "primary-orders-518256e4" for id "Orders" in stack "Primary".
	ClusterIdentifier string
	// Users are the database users ([a-z][a-z0-9_-]{0,62}) the construct creates at deploy time
	// for its clients: LOGIN roles with rds_iam (IAM authentication only, no password) that may
	// use and create objects in the database's public schema. A custom resource runs the
	// statements through the RDS Data API (enabled on the cluster for it) with the master
	// secret; they are idempotent, and users are never dropped. With users, Connection carries
	// no secret: clients authenticate with IAM, in every region of a Global Database alike.
	// Default: none (clients get the master secret in Connection).
	Users []string
}

// AuroraSecondaryProps configures an AuroraSecondary cluster. The primary's stack must deploy
// first (the stacks layer adds the dependency): the global cluster has to exist.
type AuroraSecondaryProps struct {
	// Vpc holds the cluster.
	Vpc ec2.IVpc
	// Subnets are the isolated data subnets the cluster's subnet group spans.
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the database security group of this region.
	SecurityGroup ec2.ISecurityGroup
	// AvailabilityZones (at least 2) spread the instances round-robin, reader i in
	// [i % n]; the first instance is the one promoted on a regional failover.
	AvailabilityZones []string
	// GlobalClusterIdentifier is the global cluster this cluster joins (the primary's
	// AuroraPostgresProps.GlobalClusterIdentifier).
	GlobalClusterIdentifier string
	// DatabaseName is the database the primary created ([a-z][a-z0-9_]{0,62}); a secondary
	// replicates it and names it in its Connection.
	DatabaseName string

	// EngineVersion is the Aurora PostgreSQL version. It must equal the primary's: a global
	// database runs one engine version everywhere.
	// Default: "16.6".
	EngineVersion string
	// InstanceClass is the class of the readers, "db.<family>.<size>". Ignored when ServerlessV2
	// is set.
	// Default: "db.r6g.large".
	InstanceClass string
	// Readers is the number of reader instances, 0 to 15 (a pointer: 0 is a real choice). 0
	// makes a headless secondary: storage replicates, no instance runs (no compute cost; add
	// readers before failing over to it).
	// Default: 1.
	Readers *int
	// ServerlessV2, when set, makes the readers Aurora Serverless v2 instances in this range.
	// Default: nil (provisioned instances of InstanceClass).
	ServerlessV2 *ServerlessV2Capacity
	// BackupRetentionDays is how long this cluster keeps continuous backups, 1 to 35.
	// Default: 7.
	BackupRetentionDays int
	// BackupWindow is the daily automated-backup window, "hh24:mi-hh24:mi" UTC, ≥ 30 minutes,
	// not overlapping MaintenanceWindow.
	// Default: "03:00-04:00".
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window, "ddd:hh24:mi-ddd:hh24:mi" UTC, ≥ 30 minutes.
	// Default: "sun:04:30-sun:05:30".
	MaintenanceWindow string
	// DeletionProtection stops the cluster from being deleted.
	// Default: true.
	DeletionProtection *bool
	// RemovalPolicy is RETAIN or SNAPSHOT, as for AuroraPostgresProps.RemovalPolicy.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// MonitoringInterval is the enhanced-monitoring interval in seconds: 1, 5, 10, 15, 30 or 60.
	// Default: 60.
	MonitoringInterval int
	// LogRetention is how long the exported postgresql log is kept. INFINITE is rejected.
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
	// ClusterIdentifier names this cluster, as AuroraPostgresProps.ClusterIdentifier.
	// Default: derived from the construct path.
	ClusterIdentifier string
	// WriteForwarding lets applications in this region write through the secondary: Aurora
	// forwards the writes to the primary's writer (with the primary's durability and latency to
	// it), so services in every region of an active-active environment can use their own region's
	// endpoint. Turn it off only when this region's applications never write.
	// Default: true.
	WriteForwarding *bool
}

// PostgresInstanceProps configures a PostgresInstance.
type PostgresInstanceProps struct {
	// Vpc holds the instance.
	Vpc ec2.IVpc
	// Subnets are the isolated data subnets of the instance's subnet group (at least 2 AZs).
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the database security group; the construct adds the ingress rule for its
	// secret-rotation function, as for AuroraPostgresProps.SecurityGroup.
	SecurityGroup ec2.ISecurityGroup
	// DatabaseName is the database created in the instance: [a-z][a-z0-9_]{0,62}.
	DatabaseName string
	// RotationSubnets is where the rotation function runs (see AuroraPostgresProps.RotationSubnets).
	RotationSubnets *ec2.SubnetSelection
	// RotationEndpoint is where the rotation function's HTTPS goes (see
	// AuroraPostgresProps.RotationEndpoint).
	// Default: nil (HTTPS to anywhere).
	RotationEndpoint ec2.ISecurityGroup

	// EngineVersion is the PostgreSQL version: 15 or newer, one aws-cdk-lib knows and still
	// supports (the error lists them).
	// Default: "16.8".
	EngineVersion string
	// InstanceClass is "db.<family>.<size>".
	// Default: "db.t3.medium".
	InstanceClass string
	// AllocatedStorageGiB is the initial gp3 storage, 20 to 65536 GiB.
	// Default: 100.
	AllocatedStorageGiB int
	// MaxAllocatedStorageGiB is the storage-autoscaling ceiling: at least 10% above
	// AllocatedStorageGiB (RDS's rule), at most 65536. Setting it equal to AllocatedStorageGiB
	// turns storage autoscaling off.
	// Default: 500.
	MaxAllocatedStorageGiB int
	// Iops provisions gp3 IOPS, 12000 to 64000; RDS accepts it only from 400 GiB of storage (below
	// that gp3 gives a fixed 3000 IOPS baseline, from 400 GiB a 12000 baseline).
	// Default: 0 (the gp3 baseline).
	Iops int
	// MultiAZ keeps a synchronous standby in a second AZ with automatic failover.
	// Default: true.
	MultiAZ *bool
	// BackupRetentionDays is how long automated backups (point-in-time restore) are kept, 1 to 35.
	// Default: 7.
	BackupRetentionDays int
	// BackupWindow is the daily backup window, "hh24:mi-hh24:mi" UTC, ≥ 30 minutes, not
	// overlapping MaintenanceWindow.
	// Default: "03:00-04:00".
	BackupWindow string
	// MaintenanceWindow is the weekly maintenance window, "ddd:hh24:mi-ddd:hh24:mi" UTC, ≥ 30 minutes.
	// Default: "sun:04:30-sun:05:30".
	MaintenanceWindow string
	// DeletionProtection stops the instance from being deleted.
	// Default: true.
	DeletionProtection *bool
	// RemovalPolicy is RETAIN or SNAPSHOT (final snapshot); DESTROY is rejected.
	// Default: awscdk.RemovalPolicy_RETAIN.
	RemovalPolicy awscdk.RemovalPolicy
	// MonitoringInterval is the enhanced-monitoring interval in seconds: 1, 5, 10, 15, 30 or 60.
	// Default: 60.
	MonitoringInterval int
	// LogRetention is how long the exported postgresql and upgrade logs are kept (not INFINITE).
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
	// RotationDays is how often the master password is rotated, 1 to 365 days.
	// Default: 30.
	RotationDays int
	// InstanceIdentifier names the instance ([a-z][a-z0-9-]{0,62}, no trailing hyphen, no "--"),
	// fixed at synth for the same reason as AuroraPostgresProps.ClusterIdentifier.
	// Default: derived from the construct path.
	InstanceIdentifier string
	// Users are the database users ([a-z][a-z0-9_-]{0,62}) the construct creates at deploy time,
	// as AuroraPostgresProps.Users does: LOGIN roles with rds_iam (IAM authentication only) that
	// may use and create objects in the database's public schema. With no Data API here, a
	// function in RotationSubnets runs the statements over PostgreSQL's protocol (TLS, verified)
	// as the master user, which SecurityGroup admits for it. With users, Connection carries no
	// secret: clients authenticate with IAM, and the master password rotates under nobody's feet.
	// Default: none (clients get the master secret in Connection).
	Users []string
}

// Default engine versions, from limits.
var (
	DefaultAuroraEngineVersion   = limits.DefaultAuroraPostgresVersion
	DefaultInstanceEngineVersion = limits.DefaultPostgresVersion
)

// Defaults shared by the three constructs.
const (
	DefaultAuroraInstanceClass = "db.r6g.large"
	DefaultInstanceClass       = "db.t3.medium"
	DefaultBackupRetentionDays = 7
	DefaultBackupWindow        = limits.DefaultBackupWindow
	DefaultMaintenanceWindow   = limits.DefaultDatabaseMaintenance
	DefaultMonitoringInterval  = 60
	DefaultRotationDays        = 30
	DefaultReaders             = 1
	DefaultAllocatedStorageGiB = 100
	DefaultMaxAllocatedStorage = 500
)

// SecondaryProps returns the props of a secondary cluster that joins the Global Database p is
// the primary of, with p's engine, compute, backup, window, protection, monitoring and log
// settings (a Global Database runs one engine version everywhere). Vpc, Subnets,
// SecurityGroup and AvailabilityZones are p's too: set this region's before use.
func (p AuroraPostgresProps) SecondaryProps() AuroraSecondaryProps {
	return AuroraSecondaryProps{
		Vpc: p.Vpc, Subnets: p.Subnets, SecurityGroup: p.SecurityGroup, AvailabilityZones: p.AvailabilityZones,
		GlobalClusterIdentifier: p.GlobalClusterIdentifier, DatabaseName: p.DatabaseName,
		EngineVersion: p.EngineVersion, InstanceClass: p.InstanceClass, Readers: p.Readers, ServerlessV2: p.ServerlessV2,
		BackupRetentionDays: p.BackupRetentionDays, BackupWindow: p.BackupWindow, MaintenanceWindow: p.MaintenanceWindow,
		DeletionProtection: p.DeletionProtection, RemovalPolicy: p.RemovalPolicy, MonitoringInterval: p.MonitoringInterval,
		LogRetention: p.LogRetention,
	}
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p AuroraPostgresProps) withDefaults() AuroraPostgresProps {
	common{&p.EngineVersion, &p.InstanceClass, &p.BackupRetentionDays, &p.BackupWindow, &p.MaintenanceWindow,
		&p.DeletionProtection, &p.RemovalPolicy, &p.MonitoringInterval, &p.LogRetention, &p.RotationDays}.setDefaults(DefaultAuroraEngineVersion, DefaultAuroraInstanceClass)
	setDefault(&p.Readers, ptr(DefaultReaders))
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p AuroraPostgresProps) validate() error {
	var v problems
	v.network(p.Vpc, p.Subnets, p.SecurityGroup)
	v.availabilityZones(p.AvailabilityZones)
	v.databaseName(p.DatabaseName)
	v.auroraEngineVersion(p.EngineVersion)
	v.auroraCompute(p.InstanceClass, *p.Readers, p.ServerlessV2)
	v.common(p.BackupRetentionDays, p.BackupWindow, p.MaintenanceWindow, p.RemovalPolicy, p.MonitoringInterval, p.LogRetention)
	v.rotation(p.RotationDays, p.RotationSubnets)
	if p.GlobalClusterIdentifier != "" {
		v.identifier("GlobalClusterIdentifier", p.GlobalClusterIdentifier, globalIdentifier)
	}
	if p.ClusterIdentifier != "" {
		v.identifier("ClusterIdentifier", p.ClusterIdentifier, rdsIdentifier)
	}
	v.users(p.Users)
	if len(p.Users) > 0 && p.ServerlessV2 == nil && limits.DataAPIClassProblem(p.InstanceClass) != "" {
		v.add("InstanceClass %q with Users: %s", p.InstanceClass, limits.DataAPIClassProblem(p.InstanceClass))
	}
	return v.err()
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p AuroraSecondaryProps) withDefaults() AuroraSecondaryProps {
	common{&p.EngineVersion, &p.InstanceClass, &p.BackupRetentionDays, &p.BackupWindow, &p.MaintenanceWindow,
		&p.DeletionProtection, &p.RemovalPolicy, &p.MonitoringInterval, &p.LogRetention, nil}.setDefaults(DefaultAuroraEngineVersion, DefaultAuroraInstanceClass)
	setDefault(&p.WriteForwarding, ptr(true))
	setDefault(&p.Readers, ptr(DefaultReaders))
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p AuroraSecondaryProps) validate() error {
	var v problems
	v.network(p.Vpc, p.Subnets, p.SecurityGroup)
	v.availabilityZones(p.AvailabilityZones)
	if p.GlobalClusterIdentifier == "" {
		v.add("GlobalClusterIdentifier is required: the identifier of the global cluster to join")
	} else {
		v.identifier("GlobalClusterIdentifier", p.GlobalClusterIdentifier, globalIdentifier)
	}
	v.databaseName(p.DatabaseName)
	v.auroraEngineVersion(p.EngineVersion)
	v.auroraCompute(p.InstanceClass, *p.Readers, p.ServerlessV2)
	v.common(p.BackupRetentionDays, p.BackupWindow, p.MaintenanceWindow, p.RemovalPolicy, p.MonitoringInterval, p.LogRetention)
	if p.ClusterIdentifier != "" {
		v.identifier("ClusterIdentifier", p.ClusterIdentifier, rdsIdentifier)
	}
	return v.err()
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p PostgresInstanceProps) withDefaults() PostgresInstanceProps {
	common{&p.EngineVersion, &p.InstanceClass, &p.BackupRetentionDays, &p.BackupWindow, &p.MaintenanceWindow,
		&p.DeletionProtection, &p.RemovalPolicy, &p.MonitoringInterval, &p.LogRetention, &p.RotationDays}.setDefaults(DefaultInstanceEngineVersion, DefaultInstanceClass)
	setDefault(&p.AllocatedStorageGiB, DefaultAllocatedStorageGiB)
	setDefault(&p.MaxAllocatedStorageGiB, DefaultMaxAllocatedStorage)
	setDefault(&p.MultiAZ, ptr(true))
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p PostgresInstanceProps) validate() error {
	var v problems
	v.network(p.Vpc, p.Subnets, p.SecurityGroup)
	v.databaseName(p.DatabaseName)
	v.instanceEngineVersion(p.EngineVersion)
	v.instanceClass(p.InstanceClass)
	v.storage(p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB, p.Iops)
	v.common(p.BackupRetentionDays, p.BackupWindow, p.MaintenanceWindow, p.RemovalPolicy, p.MonitoringInterval, p.LogRetention)
	v.rotation(p.RotationDays, p.RotationSubnets)
	if p.InstanceIdentifier != "" {
		v.identifier("InstanceIdentifier", p.InstanceIdentifier, rdsIdentifier)
	}
	v.users(p.Users)
	return v.err()
}

func ptr[T any](v T) *T { return &v }
