// Package config turns the per-environment YAML files (config/<env>.yaml) into validated Go
// values with every default applied, so the rest of Stratus never sees a half-checked input.
//
// It deliberately knows nothing of CDK or jsii: a bad file must end in a plain, precise error
// message (file, key path, bad value, what is allowed), never in a panic from the CDK runtime.
//
// Loading happens in two passes. decode.go decodes the file with yaml.v3 into the tagged structs
// of file.go (unknown keys, wrong types and duplicate keys are errors) and keeps the line of every
// key path; validate.go then checks the values and their relations (CIDR layout, regions, ports,
// names) against internal/limits. Both passes keep going after a problem, so one run reports
// everything wrong with a file, each problem once, with its line.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// NatMode selects how many NAT gateways a region's VPC gets: one per AZ survives the loss of an
// AZ; a single shared one is cheaper and is meant for dev.
type NatMode string

const (
	// NatPerAZ gives every AZ its own NAT gateway, so app subnets egress through their own AZ.
	NatPerAZ NatMode = "per-az"
	// NatSingle shares one NAT gateway between all AZs (cheaper, but one AZ's failure cuts egress).
	NatSingle NatMode = "single"
)

// natModes lists the accepted NatMode values in the order error messages show them.
var natModes = []NatMode{NatPerAZ, NatSingle}

// DatabasePort is the PostgreSQL port every Stratus database listens on. It is fixed (not
// configurable) because NACLs and security groups for the data tier are built around it, and it
// is exported so the cache port and other layers can avoid colliding with it.
const DatabasePort = limits.DatabasePort

// DatabaseEngine is what a service keeps its data in.
type DatabaseEngine string

const (
	// EngineAuroraPostgres gives the service an Aurora PostgreSQL cluster (the default).
	EngineAuroraPostgres DatabaseEngine = "aurora-postgresql"
	// EnginePostgres gives the service a single-instance RDS PostgreSQL database (as in config/examples/seed-000.yaml).
	EnginePostgres DatabaseEngine = "postgres"
	// EngineNone gives the service no database.
	EngineNone DatabaseEngine = "none"
)

// databaseEngines lists the accepted DatabaseEngine values in the order messages show them.
var databaseEngines = []DatabaseEngine{EngineAuroraPostgres, EnginePostgres, EngineNone}

// RoutingMode is how Route 53 spreads origin.<domain> over the regions.
type RoutingMode string

const (
	// RoutingLatency sends each viewer to the closest healthy region (active-active).
	RoutingLatency RoutingMode = "latency"
	// RoutingFailover sends everything to the primary region while it is healthy and to the
	// others (which run app.warmCapacity) when it is not (active-warm).
	RoutingFailover RoutingMode = "failover"
)

// routingModes lists the accepted RoutingMode values in the order messages show them.
var routingModes = []RoutingMode{RoutingLatency, RoutingFailover}

// GeoMode is what the WAF does with requests from the countries in waf.geo.countries.
type GeoMode string

const (
	// GeoNone adds no geographic rule.
	GeoNone GeoMode = "none"
	// GeoBlock blocks requests from the listed countries.
	GeoBlock GeoMode = "block"
	// GeoAllow blocks requests from every country not listed.
	GeoAllow GeoMode = "allow"
)

// geoModes lists the accepted GeoMode values in the order messages show them.
var geoModes = []GeoMode{GeoNone, GeoBlock, GeoAllow}

// removalPolicies are the accepted database.removalPolicy values.
var removalPolicies = []string{"retain", "snapshot"}

// sidecarNames are the sidecars a service may list: adot is the AWS Distro for OpenTelemetry
// collector (traces to X-Ray, and to app.otlp when set).
var sidecarNames = []string{"adot"}

// geoRestrictionModes are the accepted cloudfront.geoRestriction.mode values.
var geoRestrictionModes = []string{"none", "allowlist", "denylist"}

// DefaultInterfaceEndpoints are the interface VPC endpoints created when network.interfaceEndpoints
// is absent, and SupportedInterfaceEndpoints the names it accepts (limits' lists). Treat them as
// read-only; Load copies them into each Environment.
var (
	DefaultInterfaceEndpoints   = limits.DefaultInterfaceEndpoints
	SupportedInterfaceEndpoints = limits.InterfaceEndpoints
)

// Environment is one validated config/<env>.yaml with defaults applied.
type Environment struct {
	// File is the path the environment was loaded from (not a YAML key), for messages.
	File string
	// Name (yaml "name") is the environment's name; it must equal the file's base name, so
	// `-c env=<name>` and the file on disk can never disagree.
	Name string
	// Account (yaml "account") is the 12-digit AWS account id the environment deploys to.
	Account string
	// PrimaryRegion (yaml "primaryRegion") hosts the writer databases; it is one of Regions.
	PrimaryRegion string
	// TerminationProtection (yaml "terminationProtection", default false) protects the stacks.
	TerminationProtection bool
	// Regions (yaml "regions", at least one) are the regions the environment runs in.
	Regions []Region
	// Network (yaml "network") holds VPC-wide options shared by all regions.
	Network Network
	// Compute (yaml "compute", default fargate) chooses Fargate services or EC2 tiers.
	Compute Compute
	// Tiers (yaml "tiers") are the EC2 tiers, read when Compute is ComputeEC2 (see compute.go).
	Tiers Tiers
	// Users (yaml "users", default none), Queues (yaml "queues") and Topics (yaml "topics") are
	// the Cognito user pool, SQS queues and SNS topics (see messaging.go).
	Users  *Users
	Queues []Queue
	Topics []Topic
	// Services (yaml "services") are the Fargate services, in file order.
	Services []Service
	// Database (yaml "database") sizes and protects the services' databases.
	Database Database
	// Cache (yaml "cache") configures the Redis (or Valkey) replication group.
	Cache Cache
	// App (yaml "app") holds options shared by all services.
	App App
	// DNS (yaml "dns", required) names the hosted zone and how regions share traffic.
	DNS DNS
	// WAF (yaml "waf") configures the CloudFront WebACL.
	WAF WAF
	// CloudFront (yaml "cloudfront") configures the distribution and the frontend.
	CloudFront CloudFront
	// Governance (yaml "governance") is the audit trail, AWS Config and AWS Backup setup.
	Governance Governance
	// Ingress (yaml "ingress") is the ALB (default) or an API Gateway HTTP API (see ingress.go).
	Ingress Ingress
	// Tags (yaml "tags") are extra tags for every resource; "project" and "environment" are set
	// by the app itself and so cannot be given here. Never nil.
	Tags map[string]string
	// Observability (yaml "observability") configures alarms, notifications and SLOs.
	Observability Observability
	// RegionSwitch (yaml "regionSwitch") is the ARC Region switch plan of a two-region environment.
	RegionSwitch RegionSwitch
	// Released is what the folder's delivery file releases into this environment (not a YAML
	// key; Delivery.Attach sets it); nil when it releases nothing here.
	Released *Released
}

// Released says which release pipelines deploy into an environment: the environment then lets
// each one's build push its service's images (a push role per service).
type Released struct {
	// ToolingAccount is the account the release pipelines live in (delivery.yaml's account).
	ToolingAccount string
	// Services are the released services, sorted.
	Services []string
}

// Region is one region's VPC layout. Subnets are always filled in after Load, derived or not.
type Region struct {
	// Name (yaml "name") is a supported region (see SupportedRegions).
	Name string `yaml:"name" jsonschema:"required"`
	// CIDR (yaml "cidr") is the VPC's IPv4 block in canonical form, /16 to /24.
	CIDR string `yaml:"cidr" jsonschema:"required"`
	// AvailabilityZones (yaml "availabilityZones", at least 2) are explicit so synth never needs
	// AWS credentials or context lookups, and never emits dummy AZs.
	AvailabilityZones []AvailabilityZone `yaml:"availabilityZones" jsonschema:"required"`
}

// AvailabilityZone is one AZ of a region with its three tier subnets.
type AvailabilityZone struct {
	// Name (yaml "name") is the AZ name, e.g. us-east-1a.
	Name string `yaml:"name" jsonschema:"required"`
	// PublicSubnet (yaml "publicSubnet") holds the ALB and NAT gateway.
	PublicSubnet string `yaml:"publicSubnet"`
	// AppSubnet (yaml "appSubnet") holds the Fargate tasks; egress via the NAT.
	AppSubnet string `yaml:"appSubnet"`
	// DataSubnet (yaml "dataSubnet") holds databases and caches; no route to the internet.
	DataSubnet string `yaml:"dataSubnet"`
}

// Network holds the VPC options that apply to every region of an environment.
type Network struct {
	// NatGateways (yaml "natGateways", default per-az) is the NAT layout.
	NatGateways NatMode `yaml:"natGateways"`
	// InterfaceEndpoints (yaml "interfaceEndpoints", default DefaultInterfaceEndpoints) are the
	// interface endpoints to create; empty (from an explicit []) means none. Never nil.
	InterfaceEndpoints []string `yaml:"interfaceEndpoints"`
	// FlowLogRetentionDays (yaml "flowLogRetentionDays", default 365) is the flow-log retention.
	FlowLogRetentionDays int `yaml:"flowLogRetentionDays"`
	// DeniedCidrs (yaml "deniedCidrs", default []) are IPv4 ranges the public and app subnets
	// deny both ways (NACLs); see governance.go. Never nil.
	DeniedCidrs []string `yaml:"deniedCidrs"`
	// TransitGateway (yaml "transitGateway", default off) peers the regions (transitgateway.go).
	TransitGateway TransitGateway `yaml:"transitGateway"`
}

// Service is one Fargate service.
type Service struct {
	// Name (yaml "name") names the service, its ECR repository, log group and Cloud Map entry.
	Name string
	// Port (yaml "port", default 8080) is the container port the ALB forwards to.
	Port int
	// Database (yaml "database", default aurora-postgresql) is the service's database engine.
	// For a service that shares another's database it is the owner's engine.
	Database DatabaseEngine
	// ShareDatabaseWith (yaml "shareDatabaseWith", default "") names another service whose
	// database this one uses instead of getting its own; that service owns a database (its
	// engine is not none and it does not share itself).
	ShareDatabaseWith string
	// Image (yaml "image", required) is either a bare tag, meaning that tag in the service's own
	// Stratus ECR repository, or a full reference registry/repository:tag or
	// registry/repository@sha256:<64 hex>. It is a bare tag exactly when it contains none of
	// "/", ":" and "@". Never the tag "latest": the repositories are immutable-tag.
	Image string
	// Cpu (yaml "cpu", default 512) is the task's CPU units.
	Cpu int
	// Memory (yaml "memory", default 1024) is the task's memory in MiB; (Cpu, Memory) is a
	// combination Fargate accepts.
	Memory int
	// DesiredCount (yaml "desiredCount", default 2) is the task count at deployment.
	DesiredCount int
	// MinCount (yaml "minCount", default 2) is the autoscaling floor.
	MinCount int
	// MaxCount (yaml "maxCount", default 20) is the autoscaling ceiling;
	// 1 <= MinCount <= DesiredCount <= MaxCount <= 1000.
	MaxCount int
	// CpuTarget (yaml "scaling.cpuTarget", default 70) is the target average CPU, percent.
	CpuTarget int
	// MemoryTarget (yaml "scaling.memoryTarget", default 75) is the target average memory, percent.
	MemoryTarget int
	// RequestsPerTarget (yaml "scaling.requestsPerTarget", default 1000) is the target ALB
	// request count per task per minute.
	RequestsPerTarget int
	// PathPattern (yaml "pathPattern", default "/api/<name>/*") is the ALB (and CloudFront)
	// path pattern routed to the service; unique across services.
	PathPattern string
	// HealthCheckPath (yaml "healthCheckPath", default "/health") is the target group's check.
	HealthCheckPath string
	// Environment (yaml "environment", default {}) holds plain environment variables for the
	// container; names Stratus sets itself are reserved. Never nil.
	Environment map[string]string
	// Sidecars (yaml "sidecars", default []) are extra containers: "adot" is the OpenTelemetry
	// collector. Never nil.
	Sidecars []string
	// ReadOnlyRootFilesystem (yaml "readOnlyRootFilesystem", default true) mounts the app
	// container's root filesystem read-only.
	ReadOnlyRootFilesystem bool
	// Calls (yaml "calls", default none) names the services this one calls (see calls.go).
	Calls []string
	// Deployment (yaml "deployment", default app.deployment's) is how ECS releases the service.
	Deployment Deployment
}

// OriginName is the name CloudFront sends API requests to; each region publishes it.
func (e *Environment) OriginName() string { return "origin." + e.DNS.Domain }

// RegionalOriginName resolves to one region's load balancer only (health checks, debugging).
func (e *Environment) RegionalOriginName(region string) string {
	return region + "." + e.OriginName()
}

// PublicNames are the names the environment publishes in its public zone: its domain, the
// viewer names and the origin names.
func (e *Environment) PublicNames() []string {
	names := append([]string{e.DNS.Domain}, e.DNS.ViewerNames...)
	names = append(names, e.OriginName())
	for _, r := range e.Regions {
		names = append(names, e.RegionalOriginName(r.Name))
	}
	return names
}

// PullsOwnRepository reports whether the service's image is a bare tag, a tag of the service's
// own Stratus ECR repository (Registry stack), rather than a full image reference.
func (s Service) PullsOwnRepository() bool { return isBareTag(s.Image) }

// OwnsDatabase reports whether the service has a database of its own: not shared, not none.
func (s Service) OwnsDatabase() bool { return s.ShareDatabaseWith == "" && s.Database != EngineNone }

// UsesDatabase reports whether the service reaches a database: its own or the one it shares.
func (s Service) UsesDatabase() bool { return s.OwnsDatabase() || s.ShareDatabaseWith != "" }

// DatabaseOwner names the service whose database s uses: s itself, or the one it shares.
func (s Service) DatabaseOwner() string {
	if s.ShareDatabaseWith != "" {
		return s.ShareDatabaseWith
	}
	return s.Name
}

// DatabaseName is the PostgreSQL database a service that owns one gets: its name with "_" for
// "-" (a hyphen needs quoting in SQL).
func (s Service) DatabaseName() string { return strings.ReplaceAll(s.Name, "-", "_") }

// isBareTag: an image reference with none of "/", ":" and "@" is a bare tag.
func isBareTag(image string) bool { return !strings.ContainsAny(image, "/:@") }

// ServerlessV2 is the capacity range of Aurora Serverless v2 instances, in ACUs.
type ServerlessV2 struct {
	// MinCapacity (yaml "minCapacity", required) is 0.5-256 in steps of 0.5.
	MinCapacity float64 `yaml:"minCapacity" jsonschema:"required"`
	// MaxCapacity (yaml "maxCapacity", required) is 1-256 in steps of 0.5, at least MinCapacity.
	MaxCapacity float64 `yaml:"maxCapacity" jsonschema:"required"`
}

// PostgresInstance sizes the single-instance RDS PostgreSQL databases (services with
// database: postgres).
type PostgresInstance struct {
	// EngineVersion (yaml "engineVersion", default "16.8") is a known PostgreSQL 15+ version.
	EngineVersion string `yaml:"engineVersion"`
	// InstanceClass (yaml "instanceClass", default "db.t3.medium") is the RDS instance class.
	InstanceClass string `yaml:"instanceClass"`
	// AllocatedStorageGiB (yaml "allocatedStorageGiB", default 100) is the initial gp3 storage.
	AllocatedStorageGiB int `yaml:"allocatedStorageGiB"`
	// MaxAllocatedStorageGiB (yaml "maxAllocatedStorageGiB", default 500) caps storage
	// autoscaling; at least AllocatedStorageGiB.
	MaxAllocatedStorageGiB int `yaml:"maxAllocatedStorageGiB"`
	// MultiAZ (yaml "multiAz", default true) keeps a synchronous standby in another AZ.
	MultiAZ bool `yaml:"multiAz"`
}

// Database sizes and protects the services' databases: Aurora PostgreSQL clusters, and the
// single-instance RDS PostgreSQL databases under Postgres.
type Database struct {
	// EngineVersion (yaml "engineVersion", default "16.6") is a known Aurora PostgreSQL version.
	EngineVersion string `yaml:"engineVersion"`
	// InstanceClass (yaml "instanceClass", default "db.r6g.large") is the writer's and readers'
	// instance class. When ServerlessV2 is set it is "db.serverless" (and may not be given).
	InstanceClass string `yaml:"instanceClass"`
	// Readers (yaml "readers", default 1) is the number of reader instances, 0-15.
	Readers int `yaml:"readers"`
	// ServerlessV2 (yaml "serverlessV2", default nil) makes the instances Serverless v2.
	ServerlessV2 *ServerlessV2 `yaml:"serverlessV2"`
	// BackupRetentionDays (yaml "backupRetentionDays", default 7) is 1-35.
	BackupRetentionDays int `yaml:"backupRetentionDays"`
	// BackupWindow (yaml "backupWindow", default "03:00-04:00") is the daily UTC backup window,
	// hh24:mi-hh24:mi, at least 30 minutes, not overlapping MaintenanceWindow.
	BackupWindow string `yaml:"backupWindow"`
	// MaintenanceWindow (yaml "maintenanceWindow", default "sun:04:30-sun:05:30") is the weekly
	// UTC window, ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes.
	MaintenanceWindow string `yaml:"maintenanceWindow"`
	// DeletionProtection (yaml "deletionProtection", default true) protects the databases.
	DeletionProtection bool `yaml:"deletionProtection"`
	// RemovalPolicy (yaml "removalPolicy", default "retain") is "retain" or "snapshot": what
	// happens to a database when its stack deletes it.
	RemovalPolicy string `yaml:"removalPolicy"`
	// GlobalDatabase (yaml "globalDatabase", default false) makes each Aurora cluster a Global
	// Database: the global cluster and its first writer in the home region Regions[0] (the writer
	// moves with a switchover; PrimaryRegion records where it is), a secondary cluster that
	// forwards writes in each other region.
	GlobalDatabase bool `yaml:"globalDatabase"`
	// SecondaryReaders (yaml "secondaryReaders", default 1) is the reader count of each
	// secondary cluster, 0-15 (0: headless). Only meaningful with GlobalDatabase.
	SecondaryReaders int `yaml:"secondaryReaders"`
	// Postgres (yaml "postgres") sizes the single-instance RDS PostgreSQL databases.
	Postgres PostgresInstance `yaml:"postgres"`
}

// Cache configures the Redis (or Valkey) replication group.
type Cache struct {
	// Port (yaml "port", default 6379) is the port Redis listens on.
	Port int `yaml:"port"`
	// Engine (yaml "engine", default "redis") is "redis" or "valkey".
	Engine string `yaml:"engine"`
	// EngineVersion (yaml "engineVersion", default "7.1" for redis, "8.0" for valkey).
	EngineVersion string `yaml:"engineVersion"`
	// NodeType (yaml "nodeType", default "cache.r7g.large") is the ElastiCache node type.
	NodeType string `yaml:"nodeType"`
	// Replicas (yaml "replicas", default 1) is the number of replicas, 0-5 (0: no failover).
	Replicas int `yaml:"replicas"`
	// SnapshotRetentionDays (yaml "snapshotRetentionDays", default 15) is 15-35: NIST 800-53
	// (cdk-nag's ElastiCache backup rule) asks for at least 15 days of snapshots.
	SnapshotRetentionDays int `yaml:"snapshotRetentionDays"`
	// SnapshotWindow (yaml "snapshotWindow", default "05:00-06:00") is the daily UTC window,
	// hh24:mi-hh24:mi, at least 60 minutes, not overlapping MaintenanceWindow.
	SnapshotWindow string `yaml:"snapshotWindow"`
	// MaintenanceWindow (yaml "maintenanceWindow", default "sun:06:30-sun:07:30") is the weekly
	// UTC window, ddd:hh24:mi-ddd:hh24:mi, at least 60 minutes.
	MaintenanceWindow string `yaml:"maintenanceWindow"`
	// GlobalDatastore (yaml "globalDatastore", default false) replicates the cache to every
	// other region; it needs two or three regions and a node type of size large or above, m5/r5
	// or newer.
	GlobalDatastore bool `yaml:"globalDatastore"`
}

// Otlp is an extra OpenTelemetry export of the adot sidecars, besides X-Ray.
type Otlp struct {
	// Endpoint (yaml "endpoint", required) is the https:// OTLP endpoint.
	Endpoint string `yaml:"endpoint" jsonschema:"required"`
	// SecretName (yaml "secretName", required) names the Secrets Manager secret holding the
	// endpoint's credentials.
	SecretName string `yaml:"secretName" jsonschema:"required"`
}

// Capacity is a service's task counts: 1 <= MinCount <= DesiredCount <= MaxCount <= 1000.
type Capacity struct {
	DesiredCount int `yaml:"desiredCount"`
	MinCount     int `yaml:"minCount"`
	MaxCount     int `yaml:"maxCount"`
}

// App holds the options shared by all services.
type App struct {
	// LogRetentionDays (yaml "logRetentionDays", default 365) is the services' log retention,
	// a value CloudWatch Logs accepts.
	LogRetentionDays int `yaml:"logRetentionDays"`
	// Namespace (yaml "namespace", default "<name>.internal") is the Cloud Map private DNS
	// namespace the services register in.
	Namespace string `yaml:"namespace"`
	// ExecuteCommand (yaml "executeCommand", default false) enables ECS Exec into the tasks.
	ExecuteCommand bool `yaml:"executeCommand"`
	// Deployment (yaml "deployment", default rolling) is every service's default deployment.
	Deployment *DeploySettings `yaml:"deployment"`
	// Otlp (yaml "otlp", default nil) adds an OTLP export to the adot sidecars.
	Otlp *Otlp `yaml:"otlp"`
	// ServiceConnect (yaml "serviceConnect") configures the service-to-service calls (calls.go).
	ServiceConnect ServiceConnect `yaml:"serviceConnect"`
	// WarmCapacity (yaml "warmCapacity", default {1, 1, 4}) is what each service runs in the
	// non-primary regions when DNS.Routing is failover (elsewhere it is unused).
	WarmCapacity Capacity `yaml:"warmCapacity"`
}

// DNS names the public hosted zone and how regions share traffic.
type DNS struct {
	// Domain (yaml "domain", required) is the environment's domain, e.g. example.com; the API
	// origin is origin.<Domain>.
	Domain string
	// HostedZoneId (yaml "hostedZoneId", required) is the id of the public hosted zone of Domain.
	HostedZoneId string
	// ViewerNames (yaml "viewerNames", default [Domain, "www."+Domain]) are the names
	// CloudFront serves: Domain or subdomains of it, 1-10, distinct.
	ViewerNames []string
	// Routing (yaml "routing", default latency) is latency or failover.
	Routing RoutingMode
	// HealthCheckIntervalSeconds (yaml "healthCheck.intervalSeconds", default 30) is 10 or 30.
	HealthCheckIntervalSeconds int
	// HealthCheckFailureThreshold (yaml "healthCheck.failureThreshold", default 3) is 1-10.
	HealthCheckFailureThreshold int
	// (No record TTL: every record Stratus writes is an alias, which answers with its target's
	// TTL — 60 seconds for ALBs and CloudFront — and takes no TTL of its own.)
}

// WAF configures the CLOUDFRONT-scope WebACL.
type WAF struct {
	// RateLimit (yaml "rateLimit", default 2000) is the requests per 5 minutes per IP above
	// which an IP is blocked.
	RateLimit int
	// ManagedRuleGroups (yaml "managedRuleGroups", default []) are AWS managed rule groups added
	// to the four that are always on. Never nil.
	ManagedRuleGroups []string
	// CountOverrides (yaml "countOverrides", default []) are "<GroupName>:<RuleName>" rules of
	// enabled groups set to COUNT instead of their action. Never nil.
	CountOverrides []string
	// GeoMode (yaml "geo.mode", default none) blocks or allows GeoCountries.
	GeoMode GeoMode
	// GeoCountries (yaml "geo.countries") are ISO 3166-1 alpha-2 codes. Never nil.
	GeoCountries []string
}

// CloudFront configures the distribution and the static frontend.
type CloudFront struct {
	// PriceClass (yaml "priceClass", default "PriceClass_100").
	PriceClass string
	// GeoRestrictionMode (yaml "geoRestriction.mode", default "none") is none, allowlist or
	// denylist.
	GeoRestrictionMode string
	// GeoRestrictionCountries (yaml "geoRestriction.countries") are ISO 3166-1 alpha-2 codes.
	// Never nil.
	GeoRestrictionCountries []string
	// FrontendEnabled (yaml "frontend.enabled", default true) is the frontend bucket as the
	// default origin; false builds an API-only edge, which sends every path to the services.
	FrontendEnabled bool
	// FrontendSource (yaml "frontend.source", default "") is a folder, relative to the
	// repository root, with a built frontend to upload; "" uploads nothing.
	FrontendSource string
	// ShieldAdvanced (yaml "shieldAdvanced", default false) adds Shield Advanced protections.
	ShieldAdvanced bool
}

// Load reads and validates one file. Every problem found is returned together (errors.Join),
// one per line, each line starting with the file path as given, for example
//
//	config/prod.yaml:24: regions[0].cidrr: unknown key (allowed: name, cidr, availabilityZones)
//	config/prod.yaml:39: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"
//
// The line is where the key path's value is (for a missing key, where its mapping is; a missing
// top-level key has none). On any problem the Environment is nil. A file that cannot be read
// yields an error that matches fs.ErrNotExist etc. via errors.Is.
func Load(path string) (*Environment, error) {
	env, _, err := load(path)
	return env, err
}

// load is Load, also returning the decoder (for the lines of the keys) of a valid file.
func load(path string) (*Environment, *decoder, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		cause := err
		if errors.As(err, &pe) {
			cause = pe.Err // the path is already the prefix of the message
		}
		return nil, nil, &problem{file: path, msg: "cannot read: " + cause.Error(), err: err}
	}
	env, d := decode(path, data)
	if env != nil { // nil: the document was unusable (syntax error, empty, not a mapping)
		validate(env, d)
	}
	if err := d.err(); err != nil {
		return nil, nil, err
	}
	return env, d, nil
}

// LoadDir loads <dir>/<name>.yaml for each name; with no names, every *.yaml in dir
// (non-recursive), ordered dev, staging, prod first, then the rest alphabetically. The result
// follows the order of names when they are given. Problems across all files are collected into
// one error; on any problem the result is nil.
func LoadDir(dir string, names ...string) ([]*Environment, error) {
	var errs []error
	whole := len(names) == 0 // no names: every environment file of the folder
	if whole {
		found, err := envNames(dir)
		if err != nil {
			return nil, &problem{file: dir, msg: "cannot list environments: " + err.Error(), err: err}
		}
		if len(found) == 0 {
			return nil, &problem{file: dir, msg: "no environment files (*.yaml) found"}
		}
		names = found
	}
	var paths []string
	seen, stages := map[string]bool{}, map[string]string{} // stages: the stage id a name gives (naming.Pascal) → its file
	for _, n := range names {
		path := filepath.Join(dir, n+".yaml")
		other, clash := stages[naming.Pascal(n)]
		switch {
		case seen[n]:
			errs = append(errs, &problem{file: path, msg: fmt.Sprintf("environment %q requested twice", n)})
		case clash:
			errs = append(errs, &problem{file: path, msg: fmt.Sprintf("gives the same stage and stack names as %s "+
				"(names that differ only in a hyphen before a digit collide): rename one", other)})
		default:
			seen[n], stages[naming.Pascal(n)] = true, filepath.Base(path)
			paths = append(paths, path)
		}
	}
	if whole {
		errs = append(errs, misnamedFiles(dir)...)
	}

	var envs []*Environment
	decoders := map[*Environment]*decoder{}
	for _, p := range paths {
		env, d, err := load(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// Most likely a typo in -c env=<name>: say which environments do exist.
				yml := strings.TrimSuffix(p, ".yaml") + ".yml"
				if _, serr := os.Stat(yml); serr == nil {
					err = &problem{file: p, msg: fmt.Sprintf("cannot read: no such environment file, but %s exists: environment files end in .yaml (rename it)",
						filepath.Base(yml)), err: err}
				} else if found, lerr := envNames(dir); lerr == nil && len(found) > 0 {
					err = &problem{file: p, msg: fmt.Sprintf("cannot read: no such environment file (environments in %s: %s)",
						dir, strings.Join(found, ", ")), err: err}
				}
			}
			errs = append(errs, err)
			continue
		}
		envs = append(envs, env)
		decoders[env] = d
	}
	errs = append(errs, unshared(dir, envs, decoders)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return envs, nil
}

// Why values must differ between the environments of a folder.
const (
	whyAccount = "each environment needs its own account: service log groups /ecs/<service> and the ECR replication configuration are named per account"
	whyName    = "each environment needs its own domain and viewer names: CloudFront alternate domain names are unique across AWS, so a copy would collide at deploy"
	whyPrefix  = "each environment with its user pool in the same primary region needs its own: Cognito's hosted sign-in prefixes are unique in a region across AWS, so the second deploy would fail"
)

// unshared reports an account, dns.domain or viewer name that an environment shares with
// another environment file of dir, loaded or not (a deploy selects one environment, and its
// neighbours still count). Each is reported on the environment's own file and names the other.
func unshared(dir string, envs []*Environment, decoders map[*Environment]*decoder) []error {
	names, _ := envNames(dir)
	all := map[string]*Environment{} // by file name; a neighbour with problems of its own is peeked at
	for _, env := range envs {
		all[filepath.Base(env.File)] = env
	}
	for _, n := range names {
		if file := n + ".yaml"; all[file] == nil {
			if data, err := os.ReadFile(filepath.Join(dir, file)); err == nil {
				all[file], _ = decode(file, data)
			}
		}
	}
	var errs []error
	for _, env := range envs {
		d := decoders[env]
		clash := func(path, what, value, why string, same func(o *Environment) bool) bool {
			for _, n := range names {
				if o := all[n+".yaml"]; o != nil && o != env && n+".yaml" != filepath.Base(env.File) && same(o) {
					errs = append(errs, &problem{file: env.File, line: d.lineOf(path),
						msg: fmt.Sprintf("%s %q: also %s of %s (%s)", path, value, what, n+".yaml", why)})
					return true
				}
			}
			return false
		}
		clash("account", "the account", env.Account, whyAccount, func(o *Environment) bool { return o.Account == env.Account })
		if u := env.Users; u != nil && u.DomainPrefix != "" {
			clash("users.domainPrefix", "the users.domainPrefix", u.DomainPrefix, whyPrefix, func(o *Environment) bool {
				return o.Users != nil && o.Users.DomainPrefix == u.DomainPrefix && o.PrimaryRegion == env.PrimaryRegion
			})
		}
		domain := clash("dns.domain", "the dns.domain", env.DNS.Domain, whyName, func(o *Environment) bool { return o.DNS.Domain == env.DNS.Domain })
		if domain && !d.has("dns.viewerNames") {
			continue // the default viewer names follow the domain, which is reported
		}
		for i, name := range env.DNS.ViewerNames {
			clash(fmt.Sprintf("dns.viewerNames[%d]", i), "a viewer name", name, whyName,
				func(o *Environment) bool { return slices.Contains(o.DNS.ViewerNames, name) })
		}
	}
	return errs
}

// misnamedFiles reports the files of dir that look like environment files but are not read:
// only *.yaml is.
func misnamedFiles(dir string) []error {
	entries, _ := os.ReadDir(dir) // envNames has read it
	var errs []error
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".yml") {
			errs = append(errs, &problem{file: filepath.Join(dir, e.Name()),
				msg: "not read: environment files end in .yaml (rename it, or move it out of the folder)"})
		}
	}
	return errs
}

// envNames returns the base names of the *.yaml files directly in dir, in LoadDir order.
func envNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") || e.Name() == DeliveryFile {
			continue // the delivery file configures the pipeline, not an environment
		}
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	rank := func(n string) int {
		switch n {
		case "dev":
			return 0
		case "staging":
			return 1
		case "prod":
			return 2
		}
		return 3
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return names, nil
}
