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
)

// Engines Redis accepts.
const (
	// EngineRedis is Redis OSS.
	EngineRedis = "redis"
	// EngineValkey is Valkey, the open-source fork of Redis that ElastiCache also runs.
	EngineValkey = "valkey"
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
	// EngineVersion is the engine's major.minor version: redis 7.0 or 7.1; valkey 7.2, 8.0, 8.1
	// or 8.2 (older Redis lacks TransitEncryptionMode and engine-log delivery). The parameter-group
	// family follows it (redis7, valkey7, valkey8).
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
	// burstable t families cannot join a Global Datastore. Once the Global Datastore exists,
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
}

// Secure defaults, in one place.
const (
	defaultEngine          = EngineRedis
	defaultNodeType        = "cache.r7g.large"
	defaultReplicas        = 1
	defaultPort            = 6379
	defaultRetentionDays   = 15
	defaultSnapshotWindow  = "05:00-06:00"
	defaultMaintenance     = "sun:06:30-sun:07:30"
	defaultLogRetention    = logs.RetentionDays_ONE_YEAR
	defaultDescription     = "Stratus cache"
	authTokenLength        = 64
	minSnapshotRetention   = 15
	maxSnapshotRetention   = 35
	maxReplicas            = 5
	minWindowMinutes       = 60
	maxGlobalSuffixLength  = 34 // the 5-letter region prefix and a hyphen fill the id up to 40
	redisDefaultPort       = 6379
	transitEncryptionMode  = "required"
	clusterModeDisabled    = "disabled"
	globalPrimaryRole      = "PRIMARY"
	logFormat              = "json"
	logDestinationType     = "cloudwatch-logs"
	parameterClusterMode   = "cluster-enabled"
	parameterClusterModeNo = "no"
)

// engineSpec lists the versions this construct accepts for an engine and each version's
// parameter-group family. Versions older than these lack TransitEncryptionMode or engine logs.
type engineSpec struct {
	defaultVersion string
	families       map[string]string
}

var engines = map[string]engineSpec{
	EngineRedis:  {"7.1", map[string]string{"7.0": "redis7", "7.1": "redis7"}},
	EngineValkey: {"8.0", map[string]string{"7.2": "valkey7", "8.0": "valkey8", "8.1": "valkey8", "8.2": "valkey8"}},
}

var (
	nodeTypePattern     = regexp.MustCompile(`^cache\.([a-z]+[0-9]+[a-z]*)\.(micro|small|medium|large|[0-9]*xlarge|metal)$`)
	globalSuffixPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	globalIDPattern     = regexp.MustCompile(`^[a-z]{5}-[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	secretNamePattern   = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,256}$`)
	regionPattern       = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	snapshotPattern     = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$`)
	maintenancePattern  = regexp.MustCompile(`^(sun|mon|tue|wed|thu|fri|sat):([01][0-9]|2[0-3]):([0-5][0-9])-(sun|mon|tue|wed|thu|fri|sat):([01][0-9]|2[0-3]):([0-5][0-9])$`)
	weekdays            = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p RedisProps) withDefaults() RedisProps {
	if p.Engine == "" {
		p.Engine = defaultEngine
	}
	if p.EngineVersion == "" {
		if spec, ok := engines[p.Engine]; ok {
			p.EngineVersion = spec.defaultVersion
		}
	}
	if p.NodeType == "" {
		p.NodeType = defaultNodeType
	}
	if p.Replicas == nil {
		n := defaultReplicas
		p.Replicas = &n
	}
	if p.Port == 0 {
		p.Port = defaultPort
	}
	if p.SnapshotRetentionDays == 0 {
		p.SnapshotRetentionDays = defaultRetentionDays
	}
	if p.SnapshotWindow == "" {
		p.SnapshotWindow = defaultSnapshotWindow
	}
	if p.MaintenanceWindow == "" {
		p.MaintenanceWindow = defaultMaintenance
	}
	if p.LogRetention == "" {
		p.LogRetention = defaultLogRetention
	}
	if p.Description == "" {
		p.Description = defaultDescription
	}
	return p
}

// secondary reports whether the group joins an existing Global Datastore.
func (p RedisProps) secondary() bool { return p.GlobalDatastoreId != "" }

// family is the parameter-group family of the (valid) engine and version.
func (p RedisProps) family() string { return engines[p.Engine].families[p.EngineVersion] }

// dataTiering reports whether NodeType is a data-tiering (r6gd-style) type.
func (p RedisProps) dataTiering() bool {
	m := nodeTypePattern.FindStringSubmatch(p.NodeType)
	return m != nil && strings.HasSuffix(m[1], "gd")
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

	if spec, ok := engines[p.Engine]; !ok {
		add("Engine %q is not one of %q, %q", p.Engine, EngineRedis, EngineValkey)
	} else if _, ok := spec.families[p.EngineVersion]; !ok {
		add("EngineVersion %q is not a supported %s version (allowed: %s)", p.EngineVersion, p.Engine, strings.Join(versions(spec), ", "))
	}
	m := nodeTypePattern.FindStringSubmatch(p.NodeType)
	if m == nil {
		add("NodeType %q is not of the form cache.<family>.<size>, e.g. %q", p.NodeType, defaultNodeType)
	}
	if r := *p.Replicas; r < 0 || r > maxReplicas {
		add("Replicas %d is outside 0-%d", r, maxReplicas)
	}
	if p.Port < 1024 || p.Port > 65535 {
		add("Port %d is outside 1024-65535", p.Port)
	}
	if d := p.SnapshotRetentionDays; d < minSnapshotRetention || d > maxSnapshotRetention {
		add("SnapshotRetentionDays %d is outside %d-%d (NIST 800-53 R5 asks for at least %d days of automatic backups; ElastiCache keeps at most %d)",
			d, minSnapshotRetention, maxSnapshotRetention, minSnapshotRetention, maxSnapshotRetention)
	}
	snapStart, snapLen, snapErr := parseSnapshotWindow(p.SnapshotWindow)
	if snapErr != nil {
		add("SnapshotWindow %q %v", p.SnapshotWindow, snapErr)
	}
	mainStart, mainLen, mainErr := parseMaintenanceWindow(p.MaintenanceWindow)
	if mainErr != nil {
		add("MaintenanceWindow %q %v", p.MaintenanceWindow, mainErr)
	}
	if snapErr == nil && mainErr == nil && windowsOverlap(snapStart, snapLen, mainStart, mainLen) {
		add("SnapshotWindow %q overlaps MaintenanceWindow %q on %s (ElastiCache rejects overlapping windows)",
			p.SnapshotWindow, p.MaintenanceWindow, weekdays[mainStart/minutesPerDay])
	}
	if p.LogRetention == logs.RetentionDays_INFINITE {
		add("LogRetention INFINITE is not allowed: give the log groups an explicit retention (NIST 800-53 R5)")
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
		if m != nil && strings.HasPrefix(m[1], "t") {
			add("NodeType %q cannot join a Global Datastore (burstable t families are not supported; use e.g. %q)", p.NodeType, defaultNodeType)
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

	if p.AuthSecretName != "" && !secretNamePattern.MatchString(p.AuthSecretName) {
		add("AuthSecretName %q must be 1-256 characters of letters, digits and /_+=.@-", p.AuthSecretName)
	}
	if len(p.AuthSecretReplicaRegions) > 0 && p.AuthSecretName == "" {
		add("AuthSecretReplicaRegions needs AuthSecretName: secondaries find the replica by name")
	}
	for i, r := range p.AuthSecretReplicaRegions {
		switch {
		case !regionPattern.MatchString(r):
			add("AuthSecretReplicaRegions[%d] %q is not a region name such as \"eu-west-1\"", i, r)
		case slices.Index(p.AuthSecretReplicaRegions, r) < i:
			add("AuthSecretReplicaRegions[%d] %q is listed twice", i, r)
		}
	}
	return errors.Join(errs...)
}

func versions(spec engineSpec) []string {
	out := make([]string, 0, len(spec.families))
	for v := range spec.families {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
)

// parseSnapshotWindow returns the start (minute of the day) and length in minutes of a daily
// hh24:mi-hh24:mi window; a window may cross midnight.
func parseSnapshotWindow(w string) (start, length int, err error) {
	m := snapshotPattern.FindStringSubmatch(w)
	if m == nil {
		return 0, 0, errors.New("is not of the form hh24:mi-hh24:mi (UTC), e.g. \"05:00-06:00\"")
	}
	start, end := clock(m[1], m[2]), clock(m[3], m[4])
	length = (end - start + minutesPerDay) % minutesPerDay
	if length < minWindowMinutes {
		return 0, 0, fmt.Errorf("lasts %d minutes; it must last at least %d", length, minWindowMinutes)
	}
	return start, length, nil
}

// parseMaintenanceWindow returns the start (minute of the week from Sunday 00:00) and length in
// minutes of a weekly ddd:hh24:mi-ddd:hh24:mi window; a window may cross Saturday night.
func parseMaintenanceWindow(w string) (start, length int, err error) {
	m := maintenancePattern.FindStringSubmatch(w)
	if m == nil {
		return 0, 0, errors.New("is not of the form ddd:hh24:mi-ddd:hh24:mi (UTC, ddd is sun…sat), e.g. \"sun:06:30-sun:07:30\"")
	}
	start = slices.Index(weekdays, m[1])*minutesPerDay + clock(m[2], m[3])
	end := slices.Index(weekdays, m[4])*minutesPerDay + clock(m[5], m[6])
	length = (end - start + minutesPerWeek) % minutesPerWeek
	if length < minWindowMinutes {
		return 0, 0, fmt.Errorf("lasts %d minutes; it must last at least %d", length, minWindowMinutes)
	}
	return start, length, nil
}

func clock(hh, mm string) int {
	var h, m int
	fmt.Sscanf(hh+" "+mm, "%d %d", &h, &m)
	return h*60 + m
}

// windowsOverlap reports whether the daily snapshot window, repeated on each day of the week,
// overlaps the weekly maintenance window (both half-open, on a circular week).
func windowsOverlap(snapStart, snapLen, mainStart, mainLen int) bool {
	for day := range 7 {
		s := day*minutesPerDay + snapStart
		if (mainStart-s+minutesPerWeek)%minutesPerWeek < snapLen || (s-mainStart+minutesPerWeek)%minutesPerWeek < mainLen {
			return true
		}
	}
	return false
}
