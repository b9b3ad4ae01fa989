// Package cache provides Redis, the ElastiCache (Redis OSS or Valkey) replication group L3 of
// Stratus: cluster mode off, a primary with read replicas across AZs, at-rest encryption with its
// own KMS key, TLS only, an AUTH token kept in Secrets Manager, daily snapshots, slow and engine
// logs in encrypted log groups, and optionally a Global Datastore across regions.
//
// Rotating the AUTH token is an operator procedure, not a Secrets Manager rotation (no managed
// rotation function exists for ElastiCache AUTH): put a new value in the secret, then run
// `aws elasticache modify-replication-group --auth-token <new> --auth-token-update-strategy ROTATE
// --apply-immediately` (old and new tokens both work), roll the services so they read the new
// value, and finish with `--auth-token-update-strategy SET`. The template only holds a dynamic
// reference to the secret, so the next deploy sends the same new value.
package cache

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Engines Redis accepts (limits.CacheEngines).
const (
	// EngineRedis is Redis OSS.
	EngineRedis = limits.CacheEngineRedis
	// EngineValkey is Valkey, the open-source fork of Redis that ElastiCache also runs.
	EngineValkey = limits.CacheEngineValkey
)

// RedisProps configures a Redis replication group.
type RedisProps struct {
	// Vpc is the VPC of the cache.
	Vpc ec2.IVpc
	// Subnets selects the isolated data subnets of the cache subnet group.
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the only security group of the cache; it is created elsewhere (the Network
	// stack) and admits Port from the services.
	SecurityGroup ec2.ISecurityGroup

	// Engine is "redis" (Redis OSS) or "valkey".
	// Default: "redis". Ignored on a Global Datastore secondary (inherited from the primary).
	Engine string
	// EngineVersion is the engine's major.minor version, one of limits.CacheEngineVersions
	// (redis 7.0 or 7.1; valkey 7.2, 8.0, 8.1 or 8.2: older Redis lacks TransitEncryptionMode and
	// engine-log delivery). The parameter-group family follows it (redis7, valkey7, valkey8).
	// Default: "7.1" for redis, "8.0" for valkey. Ignored on a secondary.
	EngineVersion string
	// NodeType is the node type, cache.<family>.<size>. r6gd (data-tiering) types turn data
	// tiering on, which ElastiCache requires for them.
	// Default: "cache.r7g.large". Ignored on a secondary.
	NodeType string
	// Replicas is the number of read replicas, 0 to 5 (a pointer, since 0 is a real choice). With
	// 1 or more, Multi-AZ and automatic failover are on. With 0 (dev) both are off because
	// ElastiCache rejects them on a single node: a node failure means downtime until ElastiCache
	// replaces it, and writes since the last snapshot are lost.
	// Default: 1.
	Replicas *int
	// Port is the port the cache listens on, 1024 to 65535.
	// Default: 6379.
	Port int
	// SnapshotRetentionDays is how long daily automatic snapshots are kept, 15 to 35 days
	// (NIST 800-53 R5 CP-9 as checked by cdk-nag asks for at least 15; ElastiCache keeps at most 35).
	// Default: 15.
	SnapshotRetentionDays int
	// SnapshotWindow is the daily UTC snapshot window, hh24:mi-hh24:mi, at least 60 minutes and
	// not overlapping MaintenanceWindow.
	// Default: "05:00-06:00".
	SnapshotWindow string
	// MaintenanceWindow is the weekly UTC maintenance window, ddd:hh24:mi-ddd:hh24:mi (ddd is
	// sun…sat), at least 60 minutes.
	// Default: "sun:06:30-sun:07:30".
	MaintenanceWindow string
	// LogRetention is how long the slow-log and engine-log groups keep records; never INFINITE
	// (NIST 800-53 R5 asks for an explicit retention).
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
	// Description describes the replication group (and names its subnet and parameter groups).
	// Default: "Stratus cache".
	Description string

	// GlobalDatastoreSuffix makes this group the primary of a new Global Datastore whose id is
	// the region's prefix, a hyphen and this suffix (see GlobalDatastoreID). Lowercase letters,
	// digits and single hyphens, starting with a letter, at most 34 characters. Node types of the
	// burstable t families and of previous generations (older than m5 and r5) cannot join a
	// Global Datastore. Once the Global Datastore exists,
	// CloudFormation cannot change NodeType or EngineVersion on its members (they belong to the
	// Global Datastore then): such changes need a ModifyGlobalReplicationGroup call.
	// Default: "" (no Global Datastore).
	GlobalDatastoreSuffix string
	// GlobalDatastoreId makes this group a secondary (read-only) member of an existing Global
	// Datastore in another region, e.g. "ldgnf-stratus". Its stack must deploy after the
	// primary's. The secondary inherits engine, version, node type, parameter group, in-transit
	// and at-rest encryption and the AUTH token from the primary, so none of them is set here; it
	// keeps its own subnet group, security group, KMS key (keys are regional), replicas, windows,
	// snapshots and logs. Compute it with GlobalDatastoreID from the primary's region and suffix.
	// Default: "" (not a secondary).
	GlobalDatastoreId string

	// AuthSecretName names the AUTH-token secret. On a primary with AuthSecretReplicaRegions the
	// replicas carry the same name, and on a secondary AuthSecret is the replica of this name in
	// the secondary's region (required there: the secondary's clients use the primary's token).
	// The secret is retained on delete, so a named one must be deleted (or this name changed)
	// before the stack can be created again.
	// Default: "" (a name generated by CloudFormation).
	AuthSecretName string
	// AuthSecretReplicaRegions lists the regions the AUTH-token secret is replicated to, i.e. the
	// regions of the Global Datastore's secondaries. The replicas are encrypted with the
	// aws/secretsmanager key of their region: a customer key there would have to exist before the
	// primary's stack, which deploys first. Not allowed on a secondary.
	// Default: none.
	AuthSecretReplicaRegions []string

	// RotationDays rotates the AUTH token every that many days (limits.MinRotationDays to
	// MaxRotationDays) with a constructs/rotation function: ROTATE to a new token, redeploy the ECS
	// services tagged rotation.CacheTagKey=RotationTagValue (in this region and the replica
	// regions) so their tasks read it, and SET at the start of the next rotation. Not on a
	// secondary, which has no token of its own. 0 never rotates it.
	// Default: 0.
	RotationDays int
	// RotationTagValue is the tag value of the services the rotation redeploys (see Tag);
	// required with RotationDays.
	// Default: "".
	RotationTagValue string
}

// Secure defaults, in one place.
const (
	defaultNodeType        = "cache.r7g.large"
	defaultReplicas        = 1
	defaultRetentionDays   = limits.MinSnapshotRetentionDays
	defaultDescription     = "Stratus cache"
	authTokenLength        = 64
	maxGlobalSuffixLength  = 34 // the 5-letter region prefix and a hyphen fill the id up to 40
	transitEncryptionMode  = "required"
	clusterModeDisabled    = "disabled"
	globalPrimaryRole      = "PRIMARY"
	logFormat              = "json"
	logDestinationType     = "cloudwatch-logs"
	parameterClusterMode   = "cluster-enabled"
	parameterClusterModeNo = "no"
)

var (
	globalSuffixPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	globalIDPattern     = regexp.MustCompile(`^[a-z]{5}-[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p RedisProps) withDefaults() RedisProps {
	if p.Engine == "" {
		p.Engine = limits.DefaultCacheEngine
	}
	if p.EngineVersion == "" {
		p.EngineVersion = limits.CacheDefaultVersions[p.Engine]
	}
	if p.NodeType == "" {
		p.NodeType = defaultNodeType
	}
	if p.Replicas == nil {
		n := defaultReplicas
		p.Replicas = &n
	}
	if p.Port == 0 {
		p.Port = limits.DefaultCachePort
	}
	if p.SnapshotRetentionDays == 0 {
		p.SnapshotRetentionDays = defaultRetentionDays
	}
	if p.SnapshotWindow == "" {
		p.SnapshotWindow = limits.DefaultCacheSnapshotWindow
	}
	if p.MaintenanceWindow == "" {
		p.MaintenanceWindow = limits.DefaultCacheMaintenanceWindow
	}
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	if p.Description == "" {
		p.Description = defaultDescription
	}
	return p
}

// secondary reports whether the group joins an existing Global Datastore.
func (p RedisProps) secondary() bool { return p.GlobalDatastoreId != "" }

// family is the parameter-group family of the (valid) engine and version.
func (p RedisProps) family() string {
	f, _ := limits.CacheParameterGroupFamily(p.Engine, p.EngineVersion)
	return f
}

// dataTiering reports whether NodeType is a data-tiering (r6gd-style) type.
func (p RedisProps) dataTiering() bool {
	return strings.HasSuffix(limits.CacheNodeFamily(p.NodeType), "gd")
}

// validate reports every problem of the (defaulted) props together.
func (p RedisProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if p.Vpc == nil {
		add("Vpc is required")
	}
	if p.Subnets == nil {
		add("Subnets is required (the isolated data subnets)")
	}
	if p.SecurityGroup == nil {
		add("SecurityGroup is required (the cache security group)")
	}

	if versions, ok := limits.CacheEngineVersions[p.Engine]; !ok {
		add("Engine %q is not one of %q", p.Engine, limits.CacheEngines)
	} else if !slices.Contains(versions, p.EngineVersion) {
		add("EngineVersion %q is not a supported %s version (allowed: %s)", p.EngineVersion, p.Engine, strings.Join(versions, ", "))
	}
	if !limits.ValidCacheNodeType(p.NodeType) {
		add("NodeType %q is not a node type (allowed: %s)", p.NodeType, limits.CacheNodeTypeRule)
	}
	if r := *p.Replicas; r < limits.MinCacheReplicas || r > limits.MaxCacheReplicas {
		add("Replicas %d is outside %d-%d", r, limits.MinCacheReplicas, limits.MaxCacheReplicas)
	}
	if p.Port < limits.MinCachePort || p.Port > limits.MaxPort {
		add("Port %d is outside %d-%d", p.Port, limits.MinCachePort, limits.MaxPort)
	}
	if d := p.SnapshotRetentionDays; d < limits.MinSnapshotRetentionDays || d > limits.MaxSnapshotRetentionDays {
		add("SnapshotRetentionDays %d is outside %d-%d (NIST 800-53 R5 asks for at least %d days of automatic backups; ElastiCache keeps at most %d)",
			d, limits.MinSnapshotRetentionDays, limits.MaxSnapshotRetentionDays, limits.MinSnapshotRetentionDays, limits.MaxSnapshotRetentionDays)
	}
	snapshot, snapErr := limits.ParseDailyWindow(p.SnapshotWindow, limits.MinCacheWindowMinutes)
	if snapErr != nil {
		add("SnapshotWindow %q: %v", p.SnapshotWindow, snapErr)
	}
	maintenance, mainErr := limits.ParseWeeklyWindow(p.MaintenanceWindow, limits.MinCacheWindowMinutes)
	if mainErr != nil {
		add("MaintenanceWindow %q: %v", p.MaintenanceWindow, mainErr)
	}
	if snapErr == nil && mainErr == nil {
		if day, overlap := limits.DailyOverlapsWeekly(snapshot, maintenance); overlap {
			add("SnapshotWindow %q overlaps MaintenanceWindow %q on %s (ElastiCache rejects overlapping windows)",
				p.SnapshotWindow, p.MaintenanceWindow, day)
		}
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}

	switch {
	case p.GlobalDatastoreSuffix != "" && p.GlobalDatastoreId != "":
		add("GlobalDatastoreSuffix %q and GlobalDatastoreId %q are both set: a group is either the primary (suffix) or a secondary (id) of a Global Datastore",
			p.GlobalDatastoreSuffix, p.GlobalDatastoreId)
	case p.GlobalDatastoreSuffix != "":
		if !globalSuffixPattern.MatchString(p.GlobalDatastoreSuffix) || len(p.GlobalDatastoreSuffix) > maxGlobalSuffixLength {
			add("GlobalDatastoreSuffix %q must be lowercase letters, digits and single hyphens, start with a letter and end with a letter or digit, at most %d characters",
				p.GlobalDatastoreSuffix, maxGlobalSuffixLength)
		}
		if problem := limits.GlobalDatastoreNodeTypeProblem(p.NodeType); limits.ValidCacheNodeType(p.NodeType) && problem != "" {
			add("NodeType %q: %s (use e.g. %q)", p.NodeType, problem, defaultNodeType)
		}
	case p.GlobalDatastoreId != "":
		if !globalIDPattern.MatchString(p.GlobalDatastoreId) {
			add("GlobalDatastoreId %q is not of the form <5-letter region prefix>-<suffix>, e.g. \"ldgnf-stratus\"", p.GlobalDatastoreId)
		}
		if p.AuthSecretName == "" {
			add("GlobalDatastoreId needs AuthSecretName: a secondary's clients use the primary's AUTH token, read from the secret's replica in this region")
		}
		if len(p.AuthSecretReplicaRegions) > 0 {
			add("AuthSecretReplicaRegions is set on a secondary (GlobalDatastoreId): only the primary owns the AUTH-token secret")
		}
	}

	if p.RotationDays != 0 {
		switch {
		case p.secondary():
			add("RotationDays is set on a secondary (GlobalDatastoreId): the primary's rotation rotates the shared token")
		case p.RotationDays < limits.MinRotationDays || p.RotationDays > limits.MaxRotationDays:
			add("RotationDays %d must be 0 (no rotation) or %d-%d", p.RotationDays, limits.MinRotationDays, limits.MaxRotationDays)
		case p.RotationTagValue == "":
			add("RotationTagValue is required with RotationDays: it names the services the rotation redeploys")
		}
	}
	if p.AuthSecretName != "" && !limits.ValidSecretName(p.AuthSecretName) {
		add("AuthSecretName %q must be %s", p.AuthSecretName, limits.SecretNameRule)
	}
	if len(p.AuthSecretReplicaRegions) > 0 && p.AuthSecretName == "" {
		add("AuthSecretReplicaRegions needs AuthSecretName: secondaries find the replica by name")
	}
	for i, r := range p.AuthSecretReplicaRegions {
		switch {
		case !limits.ValidRegionName(r):
			add("AuthSecretReplicaRegions[%d] %q is not a region name such as \"eu-west-1\"", i, r)
		case slices.Index(p.AuthSecretReplicaRegions, r) < i:
			add("AuthSecretReplicaRegions[%d] %q is listed twice", i, r)
		}
	}
	return errors.Join(errs...)
}
