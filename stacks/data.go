package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/cache"
	"github.com/stratus-platform/stratus/constructs/database"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/naming"
)

// DataStack holds one region's stateful resources: the services' databases, the cache and, in
// the primary region, the CloudFront origin secret. It is separate from the App stack so the
// stateless tier can be destroyed and rebuilt without touching data.
type DataStack struct {
	awscdk.Stack
	// Databases maps a service that owns a database to it; see DatabaseFor for sharers.
	Databases map[string]*ServiceDatabase
	Cache     *cache.Redis
	// OriginSecret is the CloudFront origin secret, created in the primary region only.
	OriginSecret *ingress.OriginSecret
}

// ServiceDatabase is what a service needs of its database in one region.
type ServiceDatabase struct {
	// Host is the writer endpoint in the primary region; in a Global Database secondary region
	// it is the cluster's reader endpoint, which forwards writes to the primary's writer.
	Host *string
	Port float64
	Name string
	// Secret holds the master credentials; nil in secondary regions (services there use IAM
	// database authentication).
	Secret sm.ISecret
	// ResourceId is the cluster's or instance's resource id, for rds-db:connect ARNs.
	ResourceId *string
}

// DatabaseFor returns the database service s uses (its own or the one it shares), or nil.
func (d *DataStack) DatabaseFor(s config.Service) *ServiceDatabase {
	owner := s.Name
	if s.ShareDatabaseWith != "" {
		owner = s.ShareDatabaseWith
	}
	return d.Databases[owner]
}

// Deterministic names other regions use instead of cross-region references.

// GlobalClusterID is the Aurora global cluster identifier of a service's database.
func GlobalClusterID(env *config.Environment, service string) string {
	return fmt.Sprintf("stratus-%s-%s", env.Name, service)
}

// OriginSecretName is the name of the CloudFront origin secret (and its replicas).
func OriginSecretName(env *config.Environment) string {
	return fmt.Sprintf("stratus/%s/origin-verify", env.Name)
}

// CacheAuthSecretName names the cache AUTH secret when a Global Datastore shares it.
func CacheAuthSecretName(env *config.Environment) string {
	return fmt.Sprintf("stratus/%s/cache-auth", env.Name)
}

// NewDataStack builds the Data stack of env in region on top of its Network stack.
func NewDataStack(scope constructs.Construct, env *config.Environment, region config.Region, net *NetworkStack) (*DataStack, error) {
	stack := newStack(scope, "Data", env, region,
		fmt.Sprintf("Stratus %s data in %s: databases, cache, keys and secrets", env.Name, region.Name))
	d := &DataStack{Stack: stack, Databases: map[string]*ServiceDatabase{}}
	primary := region.Name == env.PrimaryRegion
	n := net.Network
	azs := make([]string, len(region.AvailabilityZones))
	for i, az := range region.AvailabilityZones {
		azs[i] = az.Name
	}
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	db := env.Database
	removal := awscdk.RemovalPolicy_RETAIN
	if db.RemovalPolicy == "snapshot" {
		removal = awscdk.RemovalPolicy_SNAPSHOT
	}
	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	var serverless *database.ServerlessV2Capacity
	if db.ServerlessV2 != nil {
		serverless = &database.ServerlessV2Capacity{MinACU: db.ServerlessV2.MinCapacity, MaxACU: db.ServerlessV2.MaxCapacity}
	}
	instanceClass := db.InstanceClass
	if serverless != nil {
		instanceClass = "" // the construct uses db.serverless
	}

	for _, s := range env.Services {
		if s.ShareDatabaseWith != "" || s.Database == config.EngineNone {
			continue
		}
		id := naming.Pascal(s.Name) + "Database"
		dbName := strings.ReplaceAll(s.Name, "-", "_")
		switch {
		case s.Database == config.EnginePostgres:
			inst, err := database.NewPostgresInstance(stack, id, database.PostgresInstanceProps{
				Vpc: n.Vpc, Subnets: n.DataSubnets, SecurityGroup: n.DatabaseSecurityGroup, RotationSubnets: n.AppSubnets,
				DatabaseName: dbName, EngineVersion: db.Postgres.EngineVersion, InstanceClass: db.Postgres.InstanceClass,
				AllocatedStorageGiB: db.Postgres.AllocatedStorageGiB, MaxAllocatedStorageGiB: db.Postgres.MaxAllocatedStorageGiB,
				MultiAZ: jsii.Bool(db.Postgres.MultiAZ), BackupRetentionDays: db.BackupRetentionDays,
				BackupWindow: db.BackupWindow, MaintenanceWindow: db.MaintenanceWindow,
				DeletionProtection: jsii.Bool(db.DeletionProtection), RemovalPolicy: removal, LogRetention: logRetention,
			})
			if err != nil {
				return nil, fmt.Errorf("%s: services %s: %w", where, s.Name, err)
			}
			d.Databases[s.Name] = &ServiceDatabase{Host: inst.Endpoint, Port: inst.Port, Name: dbName, Secret: inst.Secret, ResourceId: inst.ResourceId}
		case db.GlobalDatabase && !primary:
			sec, err := database.NewAuroraSecondary(stack, id, database.AuroraSecondaryProps{
				Vpc: n.Vpc, Subnets: n.DataSubnets, SecurityGroup: n.DatabaseSecurityGroup, AvailabilityZones: azs,
				GlobalClusterIdentifier: GlobalClusterID(env, s.Name),
				EngineVersion:           db.EngineVersion, InstanceClass: instanceClass, ServerlessV2: serverless,
				Readers: db.SecondaryReaders, BackupRetentionDays: db.BackupRetentionDays,
				BackupWindow: db.BackupWindow, MaintenanceWindow: db.MaintenanceWindow,
				DeletionProtection: jsii.Bool(db.DeletionProtection), RemovalPolicy: removal, LogRetention: logRetention,
			})
			if err != nil {
				return nil, fmt.Errorf("%s: services %s: %w", where, s.Name, err)
			}
			d.Databases[s.Name] = &ServiceDatabase{Host: sec.ReaderEndpoint, Port: sec.Port, Name: dbName, ResourceId: sec.ClusterResourceId}
		default:
			global := ""
			if db.GlobalDatabase {
				global = GlobalClusterID(env, s.Name)
			}
			c, err := database.NewAuroraPostgres(stack, id, database.AuroraPostgresProps{
				Vpc: n.Vpc, Subnets: n.DataSubnets, SecurityGroup: n.DatabaseSecurityGroup, RotationSubnets: n.AppSubnets,
				AvailabilityZones: azs, DatabaseName: dbName, GlobalClusterIdentifier: global,
				EngineVersion: db.EngineVersion, InstanceClass: instanceClass, ServerlessV2: serverless,
				Readers: db.Readers, BackupRetentionDays: db.BackupRetentionDays,
				BackupWindow: db.BackupWindow, MaintenanceWindow: db.MaintenanceWindow,
				DeletionProtection: jsii.Bool(db.DeletionProtection), RemovalPolicy: removal, LogRetention: logRetention,
			})
			if err != nil {
				return nil, fmt.Errorf("%s: services %s: %w", where, s.Name, err)
			}
			d.Databases[s.Name] = &ServiceDatabase{Host: c.Endpoint, Port: c.Port, Name: dbName, Secret: c.Secret, ResourceId: c.ClusterResourceId}
		}
	}

	if err := d.addCache(env, region, net, logRetention); err != nil {
		return nil, fmt.Errorf("%s: cache: %w", where, err)
	}
	if primary {
		if err := d.addOriginSecret(env); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	return d, nil
}

func (d *DataStack) addCache(env *config.Environment, region config.Region, net *NetworkStack, logRetention logs.RetentionDays) error {
	c := env.Cache
	props := cache.RedisProps{
		Vpc: net.Network.Vpc, Subnets: net.Network.DataSubnets, SecurityGroup: net.Network.CacheSecurityGroup,
		Engine: c.Engine, EngineVersion: c.EngineVersion, NodeType: c.NodeType, Replicas: &c.Replicas,
		Port: c.Port, SnapshotRetentionDays: c.SnapshotRetentionDays, SnapshotWindow: c.SnapshotWindow,
		MaintenanceWindow: c.MaintenanceWindow, Description: fmt.Sprintf("Stratus %s cache", env.Name), LogRetention: logRetention,
	}
	if c.GlobalDatastore {
		suffix := fmt.Sprintf("stratus-%s", env.Name)
		props.AuthSecretName = CacheAuthSecretName(env)
		if region.Name == env.PrimaryRegion {
			props.GlobalDatastoreSuffix = suffix
			props.AuthSecretReplicaRegions = otherRegions(env)
		} else {
			id, err := cache.GlobalDatastoreID(env.PrimaryRegion, suffix)
			if err != nil {
				return err
			}
			props.GlobalDatastoreId = id
		}
	}
	r, err := cache.NewRedis(d.Stack, "Cache", props)
	d.Cache = r
	return err
}

// addOriginSecret creates the CloudFront origin secret, replicated into every other region of the
// environment under each region's secrets key (named by convention, see SecretsKeyAlias).
func (d *DataStack) addOriginSecret(env *config.Environment) error {
	var replicas []ingress.Replica
	for _, r := range otherRegions(env) {
		replicas = append(replicas, ingress.Replica{
			Region: r, KmsKeyArn: keys.AliasArn("aws", r, env.Account, SecretsKeyAlias(env)),
		})
	}
	s, err := ingress.NewOriginSecret(d.Stack, "OriginSecret", ingress.OriginSecretProps{
		Name: OriginSecretName(env), ReplicaRegions: replicas,
	})
	d.OriginSecret = s
	return err
}

// otherRegions lists env's regions other than the primary, in config order.
func otherRegions(env *config.Environment) []string {
	var out []string
	for _, r := range env.Regions {
		if r.Name != env.PrimaryRegion {
			out = append(out, r.Name)
		}
	}
	return out
}
