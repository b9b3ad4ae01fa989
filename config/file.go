package config

import (
	"slices"

	"github.com/stratus-platform/stratus/internal/limits"
)

// File is the shape of an environment file, key for key: what the YAML decoder fills and what
// the JSON Schema (docs/config.schema.json) is generated from. Sections whose shape equals the
// Environment's types use those types directly; the others (services, dns, waf, cloudfront)
// nest keys the Environment keeps flat, and are mapped by environment.
type File struct {
	Name                  string            `yaml:"name" jsonschema:"required"`
	Account               string            `yaml:"account" jsonschema:"required"`
	PrimaryRegion         string            `yaml:"primaryRegion" jsonschema:"required"`
	TerminationProtection bool              `yaml:"terminationProtection"`
	Regions               []Region          `yaml:"regions" jsonschema:"required"`
	Network               Network           `yaml:"network"`
	Services              []FileService     `yaml:"services"`
	Database              Database          `yaml:"database"`
	Cache                 Cache             `yaml:"cache"`
	App                   App               `yaml:"app"`
	DNS                   FileDNS           `yaml:"dns" jsonschema:"required"`
	WAF                   FileWAF           `yaml:"waf"`
	CloudFront            FileCloudFront    `yaml:"cloudfront"`
	Governance            Governance        `yaml:"governance"`
	Ingress               Ingress           `yaml:"ingress"`
	Tags                  map[string]string `yaml:"tags"`
	Observability         Observability     `yaml:"observability"`
	RegionSwitch          RegionSwitch      `yaml:"regionSwitch"`
	Compute               Compute           `yaml:"compute"`
	Tiers                 Tiers             `yaml:"tiers"`
	Users                 *Users            `yaml:"users"`
	Queues                []Queue           `yaml:"queues"`
	Topics                []Topic           `yaml:"topics"`
}

// FileService is one entry of services. Pointers tell an absent key (the default applies) from
// a given one; the defaults are in service.
type FileService struct {
	Name                   string            `yaml:"name" jsonschema:"required"`
	Image                  string            `yaml:"image" jsonschema:"required"`
	Port                   *int              `yaml:"port"`
	Cpu                    *int              `yaml:"cpu"`
	Memory                 *int              `yaml:"memory"`
	DesiredCount           *int              `yaml:"desiredCount"`
	MinCount               *int              `yaml:"minCount"`
	MaxCount               *int              `yaml:"maxCount"`
	Scaling                FileScaling       `yaml:"scaling"`
	PathPattern            *string           `yaml:"pathPattern"`
	HealthCheckPath        *string           `yaml:"healthCheckPath"`
	Database               *DatabaseEngine   `yaml:"database"`
	ShareDatabaseWith      string            `yaml:"shareDatabaseWith"`
	Environment            map[string]string `yaml:"environment"`
	Sidecars               []string          `yaml:"sidecars"`
	ReadOnlyRootFilesystem *bool             `yaml:"readOnlyRootFilesystem"`
	Calls                  []string          `yaml:"calls"`
	Deployment             *DeploySettings   `yaml:"deployment"`
}

// FileScaling is services[].scaling.
type FileScaling struct {
	CpuTarget         *int `yaml:"cpuTarget"`
	MemoryTarget      *int `yaml:"memoryTarget"`
	RequestsPerTarget *int `yaml:"requestsPerTarget"`
}

// FileDNS is the dns section.
type FileDNS struct {
	Domain       string      `yaml:"domain" jsonschema:"required"`
	HostedZoneId string      `yaml:"hostedZoneId" jsonschema:"required"`
	ViewerNames  []string    `yaml:"viewerNames"`
	Routing      RoutingMode `yaml:"routing"`
	HealthCheck  struct {
		IntervalSeconds  int `yaml:"intervalSeconds"`
		FailureThreshold int `yaml:"failureThreshold"`
	} `yaml:"healthCheck"`
}

// FileGeo is waf.geo and cloudfront.geoRestriction.
type FileGeo struct {
	Mode      string   `yaml:"mode"`
	Countries []string `yaml:"countries"`
}

// FileWAF is the waf section.
type FileWAF struct {
	RateLimit         int      `yaml:"rateLimit"`
	ManagedRuleGroups []string `yaml:"managedRuleGroups"`
	CountOverrides    []string `yaml:"countOverrides"`
	Geo               FileGeo  `yaml:"geo"`
}

// FileCloudFront is the cloudfront section.
type FileCloudFront struct {
	PriceClass     string  `yaml:"priceClass"`
	GeoRestriction FileGeo `yaml:"geoRestriction"`
	Frontend       struct {
		Enabled bool   `yaml:"enabled"`
		Source  string `yaml:"source"`
	} `yaml:"frontend"`
	ShieldAdvanced bool `yaml:"shieldAdvanced"`
}

// defaultFile is what an empty file decodes to: every section default that does not depend on
// another key. Keys given in the file overwrite these values.
func defaultFile() *File {
	f := &File{
		Compute: ComputeFargate, Tiers: defaultTiers(),
		Network: Network{
			NatGateways:          NatPerAZ,
			InterfaceEndpoints:   slices.Clone(DefaultInterfaceEndpoints),
			FlowLogRetentionDays: limits.DefaultLogRetentionDays,
			DeniedCidrs:          []string{},
		},
		Governance: defaultGovernance(),
		Ingress:    defaultIngress(),
		Database: Database{
			EngineVersion: limits.DefaultAuroraPostgresVersion, InstanceClass: "db.r6g.large", Readers: 1,
			BackupRetentionDays: 7, BackupWindow: limits.DefaultBackupWindow, MaintenanceWindow: limits.DefaultDatabaseMaintenance,
			DeletionProtection: true, RemovalPolicy: "retain", SecondaryReaders: 1,
			Postgres: PostgresInstance{
				EngineVersion: limits.DefaultPostgresVersion, InstanceClass: "db.t3.medium",
				AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, MultiAZ: true,
			},
		},
		Cache: Cache{
			Port: limits.DefaultCachePort, Engine: limits.DefaultCacheEngine, NodeType: "cache.r7g.large", Replicas: 1,
			SnapshotRetentionDays: limits.MinSnapshotRetentionDays, SnapshotWindow: limits.DefaultCacheSnapshotWindow,
			MaintenanceWindow: limits.DefaultCacheMaintenanceWindow,
		},
		App:        App{LogRetentionDays: limits.DefaultLogRetentionDays, WarmCapacity: Capacity{DesiredCount: 1, MinCount: 1, MaxCount: 4}},
		DNS:        FileDNS{Routing: RoutingLatency},
		WAF:        FileWAF{RateLimit: limits.DefaultWAFRateLimit, ManagedRuleGroups: []string{}, CountOverrides: []string{}, Geo: FileGeo{Mode: string(GeoNone), Countries: []string{}}},
		CloudFront: FileCloudFront{PriceClass: limits.DefaultPriceClass, GeoRestriction: FileGeo{Mode: "none", Countries: []string{}}},
		Tags:       map[string]string{},
	}
	f.Observability = defaultObservability()
	f.RegionSwitch = defaultRegionSwitch()
	f.DNS.HealthCheck.IntervalSeconds, f.DNS.HealthCheck.FailureThreshold = 30, 3
	f.CloudFront.Frontend.Enabled = true
	return f
}

// or returns *p, or def when the key was absent.
func or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// environment maps a decoded file to an Environment and applies the defaults that depend on
// other keys (a service's path pattern, the namespace, the viewer names, the cache version).
// present reports whether the file gives a key path.
func (f *File) environment(file string, present func(string) bool) *Environment {
	env := &Environment{
		File: file, Name: f.Name, Account: f.Account, PrimaryRegion: f.PrimaryRegion,
		TerminationProtection: f.TerminationProtection, Regions: f.Regions, Network: f.Network,
		Database: f.Database, Cache: f.Cache, App: f.App, Tags: f.Tags, Observability: f.Observability, Governance: f.Governance, RegionSwitch: f.RegionSwitch,
		Ingress: f.Ingress,
		Compute: f.Compute, Tiers: f.Tiers, Users: f.Users, Queues: f.Queues, Topics: f.Topics,
		DNS: DNS{
			Domain: f.DNS.Domain, HostedZoneId: f.DNS.HostedZoneId, ViewerNames: f.DNS.ViewerNames, Routing: f.DNS.Routing,
			HealthCheckIntervalSeconds: f.DNS.HealthCheck.IntervalSeconds, HealthCheckFailureThreshold: f.DNS.HealthCheck.FailureThreshold,
		},
		WAF: WAF{
			RateLimit: f.WAF.RateLimit, ManagedRuleGroups: f.WAF.ManagedRuleGroups, CountOverrides: f.WAF.CountOverrides,
			GeoMode: GeoMode(f.WAF.Geo.Mode), GeoCountries: f.WAF.Geo.Countries,
		},
		CloudFront: CloudFront{
			PriceClass: f.CloudFront.PriceClass, GeoRestrictionMode: f.CloudFront.GeoRestriction.Mode,
			GeoRestrictionCountries: f.CloudFront.GeoRestriction.Countries, FrontendEnabled: f.CloudFront.Frontend.Enabled,
			FrontendSource: f.CloudFront.Frontend.Source, ShieldAdvanced: f.CloudFront.ShieldAdvanced,
		},
	}
	if f.Services != nil {
		env.Services = make([]Service, len(f.Services))
		for i, s := range f.Services {
			env.Services[i] = s.service()
		}
	}
	tierDefaults(env, present)
	callsDefaults(env, f)
	deploymentDefaults(env, f.Services)
	defer messagingDefaults(env, present) // after the viewer names' default
	if !present("app.namespace") && env.Name != "" {
		env.App.Namespace = env.Name + ".internal"
	}
	if !present("dns.viewerNames") && env.DNS.Domain != "" {
		env.DNS.ViewerNames = []string{env.DNS.Domain, "www." + env.DNS.Domain}
	}
	if !present("cache.engineVersion") {
		env.Cache.EngineVersion = limits.CacheDefaultVersions[env.Cache.Engine] // "" for an unknown engine, reported as such
	}
	if f.Database.ServerlessV2 != nil && !present("database.instanceClass") {
		env.Database.InstanceClass = limits.ServerlessInstanceClass
	}
	return env
}

// service applies a service's defaults.
func (s FileService) service() Service {
	out := Service{
		Name: s.Name, Image: s.Image, ShareDatabaseWith: s.ShareDatabaseWith,
		Port: or(s.Port, limits.DefaultServicePort), Database: or(s.Database, EngineAuroraPostgres),
		Cpu: or(s.Cpu, limits.DefaultServiceCpu), Memory: or(s.Memory, limits.DefaultServiceMemory),
		DesiredCount: or(s.DesiredCount, limits.DefaultDesiredCount), MinCount: or(s.MinCount, limits.DefaultMinCount),
		MaxCount: or(s.MaxCount, limits.DefaultMaxCount), CpuTarget: or(s.Scaling.CpuTarget, limits.DefaultCpuTarget),
		MemoryTarget: or(s.Scaling.MemoryTarget, limits.DefaultMemoryTarget), RequestsPerTarget: or(s.Scaling.RequestsPerTarget, limits.DefaultRequestsPerTarget),
		PathPattern: or(s.PathPattern, ""), HealthCheckPath: or(s.HealthCheckPath, limits.DefaultHealthCheckPath),
		Environment: s.Environment, Sidecars: s.Sidecars, ReadOnlyRootFilesystem: or(s.ReadOnlyRootFilesystem, true),
	}
	if s.PathPattern == nil && s.Name != "" {
		out.PathPattern = "/api/" + s.Name + "/*"
	}
	if out.Environment == nil {
		out.Environment = map[string]string{}
	}
	if out.Sidecars == nil {
		out.Sidecars = []string{}
	}
	return out
}
