package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/database"
	"github.com/stratus-platform/stratus/constructs/network"
	"github.com/stratus-platform/stratus/internal/naming"
)

// ServiceDataStack holds the database one service owns in one region (an RDS instance or an
// Aurora cluster, with its key, secret and rotation). It is stateful and so never shares a stack
// with the service itself: the Service stack can be destroyed and rebuilt without touching data.
// One stack per database keeps the shared Data stack's size independent of the number of services.
type ServiceDataStack struct {
	awscdk.Stack
	Connection *database.Connection
	// Alarms watch the database (operations.go).
	Alarms *alarms.Alarms
}

// ServiceDataStackKind is the stack kind of the database service name owns:
// "<Stage>-ServiceData-<name>-<region>".
func ServiceDataStackKind(name string) string { return "ServiceData-" + name }

// NewServiceDataStack builds the ServiceData stack of the database s owns in region.
func NewServiceDataStack(scope constructs.Construct, env *config.Environment, region config.Region, s config.Service, net *NetworkStack) (*ServiceDataStack, error) {
	stack := newStack(scope, ServiceDataStackKind(s.Name), env, region,
		fmt.Sprintf("Stratus %s database of %s in %s: database, key, secret and rotation", env.Name, s.Name, region.Name))
	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	azs := make([]string, len(region.AvailabilityZones))
	for i, az := range region.AvailabilityZones {
		azs[i] = az.Name
	}
	// The cluster's shape follows the home region, never primaryRegion: see HomeRegion.
	conn, target, err := newDatabase(stack, env, s, role{home: region.Name == HomeRegion(env), primary: region.Name == env.PrimaryRegion}, net.Network, azs, logRetention)
	if err != nil {
		return nil, fmt.Errorf("%s: regions %s: services %s: %w", env.File, region.Name, s.Name, err)
	}
	a, err := databaseAlarms(stack, env, region.Name, s.Name, target, net.Observed.Topic.Arn)
	if err != nil {
		return nil, err
	}
	return &ServiceDataStack{Stack: stack, Connection: conn, Alarms: a}, nil
}

// databaseGroup is the security group of the database service s owns: one of its own, which
// admits s and the services sharing its database and no other (network.NewDatabaseGroup), and
// for a Global Database member the peer regions' app subnets. It is kept with a retained
// database. The EC2 app tier's database, the only one of its environment, keeps the region's
// DatabaseSecurityGroup.
func databaseGroup(stack awscdk.Stack, env *config.Environment, s config.Service, n *network.Network, removal awscdk.RemovalPolicy) (ec2.ISecurityGroup, error) {
	if s.Name == appTierDatabase.Name && env.RunsTiers() {
		return n.DatabaseSecurityGroup, nil
	}
	props := network.DatabaseGroupProps{Owner: s.Name, Clients: databaseUsers(env, s.Name),
		FromPeers: s.Database == config.EngineAuroraPostgres && env.Database.GlobalDatabase}
	if removal == awscdk.RemovalPolicy_RETAIN {
		props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	}
	return n.NewDatabaseGroup(stack, naming.Pascal(s.Name)+"DatabaseSecurityGroup", props)
}

// newDatabase builds the database service s owns: an RDS instance, or an Aurora cluster (a
// Global Database secondary outside the home region, whichever region writes today). Whichever
// it is, the services get its connection.
func newDatabase(stack awscdk.Stack, env *config.Environment, s config.Service, r role, n *network.Network, azs []string, logRetention logs.RetentionDays) (*database.Connection, databaseTarget, error) {
	db := env.Database
	id := naming.Pascal(s.Name) + "Database"
	name := s.DatabaseName()
	removal := awscdk.RemovalPolicy_RETAIN
	if db.RemovalPolicy == "snapshot" {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	group, err := databaseGroup(stack, env, s, n, removal)
	if err != nil {
		return nil, databaseTarget{}, err
	}
	if s.Database == config.EnginePostgres {
		inst, err := database.NewPostgresInstance(stack, id, database.PostgresInstanceProps{
			Vpc: n.Vpc, Subnets: n.DataSubnets, SecurityGroup: group,
			RotationSubnets: n.AppSubnets, RotationEndpoint: n.EndpointGroupOf("secretsmanager"),
			DatabaseName: name, EngineVersion: db.Postgres.EngineVersion, InstanceClass: db.Postgres.InstanceClass,
			AllocatedStorageGiB: db.Postgres.AllocatedStorageGiB, MaxAllocatedStorageGiB: db.Postgres.MaxAllocatedStorageGiB,
			MultiAZ: jsii.Bool(db.Postgres.MultiAZ), BackupRetentionDays: db.BackupRetentionDays,
			BackupWindow: db.BackupWindow, MaintenanceWindow: db.MaintenanceWindow,
			DeletionProtection: jsii.Bool(db.DeletionProtection), RemovalPolicy: removal, LogRetention: logRetention,
			// Its services authenticate with IAM as themselves, as on Aurora (the EC2 app tier,
			// which no service's user list names, keeps the master secret).
			Users: databaseUsers(env, s.Name),
		})
		if err != nil {
			return nil, databaseTarget{}, err
		}
		if inst.Users != nil {
			// Service stacks deployed before IAM authentication import the master secret and its
			// key: the exports stay, or deploying this stack first would delete exports in use.
			stack.ExportValue(inst.Secret.SecretArn(), nil)
			stack.ExportValue(inst.Key.KeyArn(), nil)
		}
		return inst.Connection, databaseTarget{Dimension: "DBInstanceIdentifier", Identifier: inst.InstanceIdentifier, Instance: true, RotationFunction: inst.RotationFunctionName}, nil
	}

	var serverless *database.ServerlessV2Capacity
	instanceClass := db.InstanceClass
	if db.ServerlessV2 != nil {
		serverless = &database.ServerlessV2Capacity{MinACU: db.ServerlessV2.MinCapacity, MaxACU: db.ServerlessV2.MaxCapacity}
		instanceClass = "" // the construct uses db.serverless
	}
	props := database.AuroraPostgresProps{
		Vpc: n.Vpc, Subnets: n.DataSubnets, SecurityGroup: group,
		RotationSubnets: n.AppSubnets, RotationEndpoint: n.EndpointGroupOf("secretsmanager"),
		AvailabilityZones: azs, DatabaseName: name,
		EngineVersion: db.EngineVersion, InstanceClass: instanceClass, ServerlessV2: serverless,
		Readers: &db.Readers, BackupRetentionDays: db.BackupRetentionDays,
		BackupWindow: db.BackupWindow, MaintenanceWindow: db.MaintenanceWindow,
		DeletionProtection: jsii.Bool(db.DeletionProtection), RemovalPolicy: removal, LogRetention: logRetention,
	}
	if db.GlobalDatabase {
		props.GlobalClusterIdentifier = GlobalClusterID(env, s.Name)
	}
	// Every client authenticates with IAM, in every region: the home cluster creates their users
	// (they replicate to the secondaries with the data) and hands out no master secret.
	props.Users = databaseUsers(env, s.Name)
	if db.GlobalDatabase && !r.home {
		secondary := props.SecondaryProps()
		secondary.Readers = &db.SecondaryReaders
		sec, err := database.NewAuroraSecondary(stack, id, secondary)
		if err != nil {
			return nil, databaseTarget{}, err
		}
		return followWriter(stack, sec.Connection, r, sec.Endpoint, sec.ReaderEndpoint), databaseTarget{Dimension: "DBClusterIdentifier", Identifier: sec.ClusterIdentifier, Readers: db.SecondaryReaders, Global: true}, nil
	}
	c, err := database.NewAuroraPostgres(stack, id, props)
	if err != nil {
		return nil, databaseTarget{}, err
	}
	// Service stacks deployed before IAM authentication import the master secret and its key:
	// the exports stay, or deploying this stack first would delete exports still in use.
	stack.ExportValue(c.Secret.SecretArn(), nil)
	stack.ExportValue(c.Key.KeyArn(), nil)
	conn := c.Connection
	if db.GlobalDatabase {
		conn = followWriter(stack, conn, r, c.Endpoint, c.ReaderEndpoint)
	}
	return conn, databaseTarget{Dimension: "DBClusterIdentifier", Identifier: c.ClusterIdentifier, Readers: db.Readers, RotationFunction: c.RotationFunctionName,
		Global: env.GlobalDatabaseAcrossRegions()}, nil
}

// role is what a region is to a Global Database: its home (where the global cluster and the
// master secret were created, fixed: HomeRegion) and whether it is primaryRegion (where the
// writer is after the last switchover or failover the configuration records).
type role struct{ home, primary bool }

// followWriter points a Global Database member's clients at the endpoint that takes their
// writes in the region's current role: the cluster (writer) endpoint where primaryRegion is,
// the reader endpoint elsewhere (writes are forwarded to the writer where write forwarding is
// on; see docs/multi-region.md). Both hostnames are exported whatever the role, so the deploy
// after a role change switches the services' DB_HOST without deleting an export still in use.
func followWriter(stack awscdk.Stack, conn *database.Connection, r role, writer, reader *string) *database.Connection {
	stack.ExportValue(writer, nil)
	stack.ExportValue(reader, nil)
	out := *conn
	out.Host, out.ReaderHost = reader, reader
	if r.primary {
		out.Host = writer
	}
	return &out
}

// databaseUsers are the database users of owner's database: the services that use it (itself
// and those sharing it), each connecting as its own name (the service construct's default
// DatabaseUser).
func databaseUsers(env *config.Environment, owner string) []string {
	var users []string
	for _, svc := range env.Services {
		if svc.UsesDatabase() && svc.DatabaseOwner() == owner {
			users = append(users, svc.Name)
		}
	}
	return users
}
