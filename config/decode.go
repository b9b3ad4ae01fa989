package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The keys each mapping accepts, in the order messages list them (the order the files use).
var (
	rootKeys = []string{"name", "account", "primaryRegion", "terminationProtection", "regions", "network", "services",
		"database", "cache", "app", "dns", "waf", "cloudfront", "tags"}
	regionKeys  = []string{"name", "cidr", "availabilityZones"}
	azKeys      = []string{"name", "publicSubnet", "appSubnet", "dataSubnet"}
	networkKeys = []string{"natGateways", "interfaceEndpoints", "flowLogRetentionDays"}
	serviceKeys = []string{"name", "image", "port", "cpu", "memory", "desiredCount", "minCount", "maxCount", "scaling",
		"pathPattern", "healthCheckPath", "database", "shareDatabaseWith", "environment", "sidecars", "readOnlyRootFilesystem"}
	scalingKeys  = []string{"cpuTarget", "memoryTarget", "requestsPerTarget"}
	databaseKeys = []string{"engineVersion", "instanceClass", "readers", "serverlessV2", "backupRetentionDays", "backupWindow",
		"maintenanceWindow", "deletionProtection", "removalPolicy", "globalDatabase", "secondaryReaders", "postgres"}
	serverlessV2Keys = []string{"minCapacity", "maxCapacity"}
	postgresKeys     = []string{"engineVersion", "instanceClass", "allocatedStorageGiB", "maxAllocatedStorageGiB", "multiAz"}
	cacheKeys        = []string{"engine", "engineVersion", "nodeType", "port", "replicas", "snapshotRetentionDays",
		"snapshotWindow", "maintenanceWindow", "globalDatastore"}
	appKeys        = []string{"logRetentionDays", "namespace", "executeCommand", "otlp", "warmCapacity"}
	otlpKeys       = []string{"endpoint", "secretName"}
	capacityKeys   = []string{"desiredCount", "minCount", "maxCount"}
	dnsKeys        = []string{"domain", "hostedZoneId", "viewerNames", "routing", "healthCheck"}
	healthKeys     = []string{"intervalSeconds", "failureThreshold"}
	wafKeys        = []string{"rateLimit", "managedRuleGroups", "countOverrides", "geo"}
	geoKeys        = []string{"mode", "countries"}
	cloudfrontKeys = []string{"priceClass", "geoRestriction", "frontend", "shieldAdvanced"}
	frontendKeys   = []string{"enabled", "source"}
)

// problem is one line of a Load error. It keeps the underlying error (if any) so callers can
// still use errors.Is, e.g. with fs.ErrNotExist.
type problem struct {
	file string
	line int    // 0 when the problem has no single place in the file (a missing key, a relation)
	msg  string // starts with the key path
	err  error
}

func (p *problem) Error() string {
	if p.line > 0 {
		return fmt.Sprintf("%s:%d: %s", p.file, p.line, p.msg)
	}
	return p.file + ": " + p.msg
}

func (p *problem) Unwrap() error { return p.err }

// decoder walks a yaml.Node tree by hand (rather than yaml.Unmarshal into structs) so that every
// problem can name its key path and line, and so that decoding carries on past a bad value.
type decoder struct {
	file     string
	problems []error
	// present holds the key paths written in the file, so validation can tell "absent, use the
	// default" from "given".
	present map[string]bool
	// bad holds the key paths whose value was already reported as malformed, so validation does
	// not report a second, derived problem for them (e.g. a port "abc" being "out of range").
	bad map[string]bool
}

// errAt records a problem at a line (0: no line).
func (d *decoder) errAt(line int, format string, args ...any) {
	d.problems = append(d.problems, &problem{file: d.file, line: line, msg: fmt.Sprintf(format, args...)})
}

// err joins every recorded problem into one error, one per line.
func (d *decoder) err() error { return errors.Join(d.problems...) }

// yamlLine extracts the line from yaml.v3's "yaml: line N: msg" errors.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode parses data strictly into an Environment with defaults applied. It returns nil when the
// document as a whole is unusable; the decoder holds the problems either way.
func decode(file string, data []byte) (*Environment, *decoder) {
	d := &decoder{file: file, present: map[string]bool{}, bad: map[string]bool{}}
	const emptyMsg = "empty file: expected a mapping with the keys name, account, primaryRegion, regions, dns (required) " +
		"and terminationProtection, network, services, database, cache, app, waf, cloudfront, tags"

	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errAt(0, emptyMsg)
		} else {
			d.syntax(err)
		}
		return nil, d
	}
	var second yaml.Node
	if err := dec.Decode(&second); err == nil {
		d.errAt(second.Line, "a second YAML document starts here: a file holds exactly one environment")
	} else if !errors.Is(err, io.EOF) {
		d.syntax(err)
	}

	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		d.errAt(0, emptyMsg)
		return nil, d
	}
	fields := d.mapping("", root, rootKeys)
	if fields == nil {
		return nil, d
	}

	env := &Environment{
		File: file,
		Network: Network{
			NatGateways:          NatPerAZ,
			InterfaceEndpoints:   append([]string(nil), DefaultInterfaceEndpoints...),
			FlowLogRetentionDays: defaultFlowLogRetentionDays,
		},
		Database:   defaultDatabase(),
		Cache:      defaultCache(),
		App:        App{LogRetentionDays: defaultLogRetentionDays, WarmCapacity: defaultWarmCapacity},
		DNS:        defaultDNS(),
		WAF:        WAF{RateLimit: defaultRateLimit, ManagedRuleGroups: []string{}, CountOverrides: []string{}, GeoMode: GeoNone, GeoCountries: []string{}},
		CloudFront: CloudFront{PriceClass: defaultPriceClass, GeoRestrictionMode: "none", GeoRestrictionCountries: []string{}, FrontendEnabled: true},
		Tags:       map[string]string{},
	}
	if n := fields["name"]; n != nil {
		env.Name, _ = d.str("name", n)
	}
	if n := fields["account"]; n != nil {
		env.Account, _ = d.str("account", n)
	}
	if n := fields["primaryRegion"]; n != nil {
		env.PrimaryRegion, _ = d.str("primaryRegion", n)
	}
	if n := fields["terminationProtection"]; n != nil {
		env.TerminationProtection, _ = d.boolean("terminationProtection", n)
	}
	if n := fields["regions"]; n != nil {
		for i, item := range d.seq("regions", n) {
			env.Regions = append(env.Regions, d.region(fmt.Sprintf("regions[%d]", i), item))
		}
	}
	if n := fields["network"]; n != nil {
		d.network("network", n, &env.Network)
	}
	if n := fields["services"]; n != nil {
		env.Services = []Service{}
		for i, item := range d.seq("services", n) {
			env.Services = append(env.Services, d.service(fmt.Sprintf("services[%d]", i), item))
		}
	}
	if n := fields["database"]; n != nil {
		d.database("database", n, &env.Database)
	}
	if n := fields["cache"]; n != nil {
		d.cache("cache", n, &env.Cache)
	}
	if n := fields["app"]; n != nil {
		d.app("app", n, &env.App)
	}
	if !d.present["app.namespace"] && env.Name != "" {
		env.App.Namespace = env.Name + ".internal"
	}
	if n := fields["dns"]; n != nil {
		d.dns("dns", n, &env.DNS)
	}
	if n := fields["waf"]; n != nil {
		d.waf("waf", n, &env.WAF)
	}
	if n := fields["cloudfront"]; n != nil {
		d.cloudfront("cloudfront", n, &env.CloudFront)
	}
	if n := fields["tags"]; n != nil {
		d.tags("tags", n, env.Tags)
	}
	return env, d
}

// syntax reports a YAML parse error. yaml.v3's line numbers are approximate (parser errors
// are often one line early, and errors on line 1 carry none), so the line is given as "near"
// in the message rather than as the file:line position the other problems use.
func (d *decoder) syntax(err error) {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		d.errAt(0, "YAML syntax error near line %s: %s", m[1], m[2])
		return
	}
	d.errAt(0, "YAML syntax error: %s", strings.TrimPrefix(msg, "yaml: "))
}

func (d *decoder) region(path string, n *yaml.Node) Region {
	var r Region
	f := d.mapping(path, n, regionKeys)
	if f == nil {
		return r
	}
	if v := f["name"]; v != nil {
		r.Name, _ = d.str(path+".name", v)
	}
	if v := f["cidr"]; v != nil {
		r.CIDR, _ = d.str(path+".cidr", v)
	}
	if v := f["availabilityZones"]; v != nil {
		for i, item := range d.seq(path+".availabilityZones", v) {
			r.AvailabilityZones = append(r.AvailabilityZones, d.az(fmt.Sprintf("%s.availabilityZones[%d]", path, i), item))
		}
	}
	return r
}

func (d *decoder) az(path string, n *yaml.Node) AvailabilityZone {
	var az AvailabilityZone
	f := d.mapping(path, n, azKeys)
	if f == nil {
		return az
	}
	dst := []*string{&az.Name, &az.PublicSubnet, &az.AppSubnet, &az.DataSubnet} // same order as azKeys
	for i, key := range azKeys {
		if v := f[key]; v != nil {
			*dst[i], _ = d.str(path+"."+key, v)
		}
	}
	return az
}

func (d *decoder) network(path string, n *yaml.Node, nw *Network) {
	f := d.mapping(path, n, networkKeys)
	if f == nil {
		return
	}
	if v := f["natGateways"]; v != nil {
		s, _ := d.str(path+".natGateways", v)
		nw.NatGateways = NatMode(s)
	}
	if v := f["interfaceEndpoints"]; v != nil {
		items := d.seq(path+".interfaceEndpoints", v)
		if !d.bad[path+".interfaceEndpoints"] {
			nw.InterfaceEndpoints = make([]string, 0, len(items)) // explicit [] means none
			for i, item := range items {
				s, _ := d.str(fmt.Sprintf("%s.interfaceEndpoints[%d]", path, i), item)
				nw.InterfaceEndpoints = append(nw.InterfaceEndpoints, s)
			}
		}
	}
	if v := f["flowLogRetentionDays"]; v != nil {
		if days, ok := d.integer(path+".flowLogRetentionDays", v); ok {
			nw.FlowLogRetentionDays = days
		}
	}
}

func (d *decoder) service(path string, n *yaml.Node) Service {
	s := Service{
		Port:                   defaultServicePort,
		Database:               EngineAuroraPostgres,
		Cpu:                    defaultServiceCpu,
		Memory:                 defaultServiceMemory,
		DesiredCount:           defaultDesiredCount,
		MinCount:               defaultMinCount,
		MaxCount:               defaultMaxCount,
		CpuTarget:              defaultCpuTarget,
		MemoryTarget:           defaultMemoryTarget,
		RequestsPerTarget:      defaultRequestsPerTarget,
		HealthCheckPath:        defaultHealthCheckPath,
		Environment:            map[string]string{},
		Sidecars:               []string{},
		ReadOnlyRootFilesystem: true,
	}
	f := d.mapping(path, n, serviceKeys)
	if f == nil {
		return s
	}
	if v := f["name"]; v != nil {
		s.Name, _ = d.str(path+".name", v)
	}
	if v := f["port"]; v != nil {
		if p, ok := d.integer(path+".port", v); ok {
			s.Port = p
		}
	}
	d.setStr(path+".image", f["image"], &s.Image)
	if v := f["database"]; v != nil {
		str, _ := d.str(path+".database", v)
		s.Database = DatabaseEngine(str)
	}
	d.setStr(path+".shareDatabaseWith", f["shareDatabaseWith"], &s.ShareDatabaseWith)
	d.setInt(path+".cpu", f["cpu"], &s.Cpu)
	d.setInt(path+".memory", f["memory"], &s.Memory)
	d.setInt(path+".desiredCount", f["desiredCount"], &s.DesiredCount)
	d.setInt(path+".minCount", f["minCount"], &s.MinCount)
	d.setInt(path+".maxCount", f["maxCount"], &s.MaxCount)
	if v := f["scaling"]; v != nil {
		if sf := d.mapping(path+".scaling", v, scalingKeys); sf != nil {
			d.setInt(path+".scaling.cpuTarget", sf["cpuTarget"], &s.CpuTarget)
			d.setInt(path+".scaling.memoryTarget", sf["memoryTarget"], &s.MemoryTarget)
			d.setInt(path+".scaling.requestsPerTarget", sf["requestsPerTarget"], &s.RequestsPerTarget)
		}
	}
	d.setStr(path+".pathPattern", f["pathPattern"], &s.PathPattern)
	if !d.present[path+".pathPattern"] && s.Name != "" {
		s.PathPattern = "/api/" + s.Name + "/*"
	}
	d.setStr(path+".healthCheckPath", f["healthCheckPath"], &s.HealthCheckPath)
	if v := f["environment"]; v != nil {
		d.stringMap(path+".environment", v, "variable name", s.Environment)
	}
	d.setStrings(path+".sidecars", f["sidecars"], &s.Sidecars)
	d.setBool(path+".readOnlyRootFilesystem", f["readOnlyRootFilesystem"], &s.ReadOnlyRootFilesystem)
	return s
}

// defaultDatabase returns the database section's defaults.
func defaultDatabase() Database {
	return Database{
		EngineVersion:       defaultAuroraVersion,
		InstanceClass:       defaultAuroraInstanceClass,
		Readers:             defaultReaders,
		BackupRetentionDays: defaultBackupRetentionDays,
		BackupWindow:        defaultBackupWindow,
		MaintenanceWindow:   defaultDBMaintenanceWindow,
		DeletionProtection:  true,
		RemovalPolicy:       defaultRemovalPolicy,
		SecondaryReaders:    defaultSecondaryReaders,
		Postgres: PostgresInstance{
			EngineVersion:          defaultPostgresVersion,
			InstanceClass:          defaultPostgresClass,
			AllocatedStorageGiB:    defaultAllocatedStorageGiB,
			MaxAllocatedStorageGiB: defaultMaxStorageGiB,
			MultiAZ:                true,
		},
	}
}

func (d *decoder) database(path string, n *yaml.Node, db *Database) {
	f := d.mapping(path, n, databaseKeys)
	if f == nil {
		return
	}
	d.setStr(path+".engineVersion", f["engineVersion"], &db.EngineVersion)
	d.setStr(path+".instanceClass", f["instanceClass"], &db.InstanceClass)
	d.setInt(path+".readers", f["readers"], &db.Readers)
	if v := f["serverlessV2"]; v != nil {
		if sf := d.mapping(path+".serverlessV2", v, serverlessV2Keys); sf != nil {
			db.ServerlessV2 = &ServerlessV2{}
			d.setNumber(path+".serverlessV2.minCapacity", sf["minCapacity"], &db.ServerlessV2.MinCapacity)
			d.setNumber(path+".serverlessV2.maxCapacity", sf["maxCapacity"], &db.ServerlessV2.MaxCapacity)
			if !d.present[path+".instanceClass"] {
				db.InstanceClass = serverlessInstanceClass
			}
		}
	}
	d.setInt(path+".backupRetentionDays", f["backupRetentionDays"], &db.BackupRetentionDays)
	d.setStr(path+".backupWindow", f["backupWindow"], &db.BackupWindow)
	d.setStr(path+".maintenanceWindow", f["maintenanceWindow"], &db.MaintenanceWindow)
	d.setBool(path+".deletionProtection", f["deletionProtection"], &db.DeletionProtection)
	d.setStr(path+".removalPolicy", f["removalPolicy"], &db.RemovalPolicy)
	d.setBool(path+".globalDatabase", f["globalDatabase"], &db.GlobalDatabase)
	d.setInt(path+".secondaryReaders", f["secondaryReaders"], &db.SecondaryReaders)
	if v := f["postgres"]; v != nil {
		p, pg := path+".postgres", &db.Postgres
		if pf := d.mapping(p, v, postgresKeys); pf != nil {
			d.setStr(p+".engineVersion", pf["engineVersion"], &pg.EngineVersion)
			d.setStr(p+".instanceClass", pf["instanceClass"], &pg.InstanceClass)
			d.setInt(p+".allocatedStorageGiB", pf["allocatedStorageGiB"], &pg.AllocatedStorageGiB)
			d.setInt(p+".maxAllocatedStorageGiB", pf["maxAllocatedStorageGiB"], &pg.MaxAllocatedStorageGiB)
			d.setBool(p+".multiAz", pf["multiAz"], &pg.MultiAZ)
		}
	}
}

// defaultCache returns the cache section's defaults.
func defaultCache() Cache {
	return Cache{
		Port:                  defaultCachePort,
		Engine:                defaultCacheEngine,
		EngineVersion:         cacheDefaultVersion[defaultCacheEngine],
		NodeType:              defaultCacheNodeType,
		Replicas:              defaultCacheReplicas,
		SnapshotRetentionDays: defaultSnapshotRetention,
		SnapshotWindow:        defaultSnapshotWindow,
		MaintenanceWindow:     defaultCacheMaintenance,
	}
}

func (d *decoder) cache(path string, n *yaml.Node, c *Cache) {
	f := d.mapping(path, n, cacheKeys)
	if f == nil {
		return
	}
	d.setStr(path+".engine", f["engine"], &c.Engine)
	// The default version follows the engine; an unknown engine (reported later) gets none.
	c.EngineVersion = cacheDefaultVersion[c.Engine]
	d.setStr(path+".engineVersion", f["engineVersion"], &c.EngineVersion)
	d.setStr(path+".nodeType", f["nodeType"], &c.NodeType)
	d.setInt(path+".port", f["port"], &c.Port)
	d.setInt(path+".replicas", f["replicas"], &c.Replicas)
	d.setInt(path+".snapshotRetentionDays", f["snapshotRetentionDays"], &c.SnapshotRetentionDays)
	d.setStr(path+".snapshotWindow", f["snapshotWindow"], &c.SnapshotWindow)
	d.setStr(path+".maintenanceWindow", f["maintenanceWindow"], &c.MaintenanceWindow)
	d.setBool(path+".globalDatastore", f["globalDatastore"], &c.GlobalDatastore)
}

func (d *decoder) app(path string, n *yaml.Node, a *App) {
	f := d.mapping(path, n, appKeys)
	if f == nil {
		return
	}
	d.setInt(path+".logRetentionDays", f["logRetentionDays"], &a.LogRetentionDays)
	d.setStr(path+".namespace", f["namespace"], &a.Namespace)
	d.setBool(path+".executeCommand", f["executeCommand"], &a.ExecuteCommand)
	if v := f["otlp"]; v != nil {
		if of := d.mapping(path+".otlp", v, otlpKeys); of != nil {
			a.Otlp = &Otlp{}
			d.setStr(path+".otlp.endpoint", of["endpoint"], &a.Otlp.Endpoint)
			d.setStr(path+".otlp.secretName", of["secretName"], &a.Otlp.SecretName)
		}
	}
	if v := f["warmCapacity"]; v != nil {
		p, c := path+".warmCapacity", &a.WarmCapacity
		if cf := d.mapping(p, v, capacityKeys); cf != nil {
			d.setInt(p+".desiredCount", cf["desiredCount"], &c.DesiredCount)
			d.setInt(p+".minCount", cf["minCount"], &c.MinCount)
			d.setInt(p+".maxCount", cf["maxCount"], &c.MaxCount)
		}
	}
}

// defaultDNS returns the dns section's defaults (domain and hosted zone have none).
func defaultDNS() DNS {
	return DNS{
		Routing:                     RoutingLatency,
		HealthCheckIntervalSeconds:  defaultHealthCheckInterval,
		HealthCheckFailureThreshold: defaultFailureThreshold,
	}
}

func (d *decoder) dns(path string, n *yaml.Node, dn *DNS) {
	f := d.mapping(path, n, dnsKeys)
	if f == nil {
		return
	}
	d.setStr(path+".domain", f["domain"], &dn.Domain)
	d.setStr(path+".hostedZoneId", f["hostedZoneId"], &dn.HostedZoneId)
	if d.present[path+".viewerNames"] {
		d.setStrings(path+".viewerNames", f["viewerNames"], &dn.ViewerNames)
	} else if dn.Domain != "" {
		dn.ViewerNames = []string{dn.Domain, "www." + dn.Domain}
	}
	if v := f["routing"]; v != nil {
		s, _ := d.str(path+".routing", v)
		dn.Routing = RoutingMode(s)
	}
	if v := f["healthCheck"]; v != nil {
		p := path + ".healthCheck"
		if hf := d.mapping(p, v, healthKeys); hf != nil {
			d.setInt(p+".intervalSeconds", hf["intervalSeconds"], &dn.HealthCheckIntervalSeconds)
			d.setInt(p+".failureThreshold", hf["failureThreshold"], &dn.HealthCheckFailureThreshold)
		}
	}
}

func (d *decoder) waf(path string, n *yaml.Node, w *WAF) {
	f := d.mapping(path, n, wafKeys)
	if f == nil {
		return
	}
	d.setInt(path+".rateLimit", f["rateLimit"], &w.RateLimit)
	d.setStrings(path+".managedRuleGroups", f["managedRuleGroups"], &w.ManagedRuleGroups)
	d.setStrings(path+".countOverrides", f["countOverrides"], &w.CountOverrides)
	if v := f["geo"]; v != nil {
		p := path + ".geo"
		if gf := d.mapping(p, v, geoKeys); gf != nil {
			if m := gf["mode"]; m != nil {
				s, _ := d.str(p+".mode", m)
				w.GeoMode = GeoMode(s)
			}
			d.setStrings(p+".countries", gf["countries"], &w.GeoCountries)
		}
	}
}

func (d *decoder) cloudfront(path string, n *yaml.Node, c *CloudFront) {
	f := d.mapping(path, n, cloudfrontKeys)
	if f == nil {
		return
	}
	d.setStr(path+".priceClass", f["priceClass"], &c.PriceClass)
	if v := f["geoRestriction"]; v != nil {
		p := path + ".geoRestriction"
		if gf := d.mapping(p, v, geoKeys); gf != nil {
			d.setStr(p+".mode", gf["mode"], &c.GeoRestrictionMode)
			d.setStrings(p+".countries", gf["countries"], &c.GeoRestrictionCountries)
		}
	}
	if v := f["frontend"]; v != nil {
		p := path + ".frontend"
		if ff := d.mapping(p, v, frontendKeys); ff != nil {
			d.setBool(p+".enabled", ff["enabled"], &c.FrontendEnabled)
			d.setStr(p+".source", ff["source"], &c.FrontendSource)
		}
	}
	d.setBool(path+".shieldAdvanced", f["shieldAdvanced"], &c.ShieldAdvanced)
}

// tags decodes a free-form string→string mapping. Tag keys are data, not schema, so their paths
// are written tags["key"] (a key may contain dots or colons).
func (d *decoder) tags(path string, n *yaml.Node, dst map[string]string) {
	d.stringMap(path, n, "tag key", dst)
}

// stringMap decodes a free-form string→string mapping (tags, environment variables); noun names
// its keys in messages. Entry paths are written path["key"].
func (d *decoder) stringMap(path string, n *yaml.Node, noun string, dst map[string]string) {
	for _, kv := range d.pairs(path, n, func(k string) string { return fmt.Sprintf("%s[%q]", path, k) }) {
		kp := fmt.Sprintf("%s[%q]", path, kv.key)
		if tag := kv.keyNode.ShortTag(); tag != "!!str" {
			d.errAt(kv.keyNode.Line, "%s: %s must be a string, got %s (quote it: %q)", kp, noun, describe(kv.keyNode), kv.key)
			d.bad[kp] = true
			continue
		}
		v, ok := d.str(kp, kv.value)
		if ok {
			dst[kv.key] = v
		}
	}
}

// setStr, setInt, setBool, setNumber and setStrings decode an optional value into dst, which
// holds the default: an absent key (nil node) or a malformed value leaves it unchanged.
func (d *decoder) setStr(path string, n *yaml.Node, dst *string) {
	if n == nil {
		return
	}
	if v, ok := d.str(path, n); ok {
		*dst = v
	}
}

func (d *decoder) setInt(path string, n *yaml.Node, dst *int) {
	if n == nil {
		return
	}
	if v, ok := d.integer(path, n); ok {
		*dst = v
	}
}

func (d *decoder) setBool(path string, n *yaml.Node, dst *bool) {
	if n == nil {
		return
	}
	if v, ok := d.boolean(path, n); ok {
		*dst = v
	}
}

func (d *decoder) setNumber(path string, n *yaml.Node, dst *float64) {
	if n == nil {
		return
	}
	if v, ok := d.number(path, n); ok {
		*dst = v
	}
}

// setStrings decodes a list of strings; an explicit [] gives an empty list. Items that are not
// strings are reported and kept as "" so indexes stay aligned with the file.
func (d *decoder) setStrings(path string, n *yaml.Node, dst *[]string) {
	if n == nil {
		return
	}
	items := d.seq(path, n)
	if d.bad[path] {
		return
	}
	out := make([]string, 0, len(items))
	for i, item := range items {
		s, _ := d.str(fmt.Sprintf("%s[%d]", path, i), item)
		out = append(out, s)
	}
	*dst = out
}

// pair is one key/value of a mapping node.
type pair struct {
	key     string
	keyNode *yaml.Node
	value   *yaml.Node
}

// pairs checks that n is a mapping with no key given twice and returns its entries in file order.
// child turns a key into its key path. It returns nil (after reporting) when n is not a mapping.
func (d *decoder) pairs(path string, n *yaml.Node, child func(string) string) []pair {
	n = deref(n)
	if n.Kind != yaml.MappingNode {
		d.wrongType(path, n, "a mapping", "")
		return nil
	}
	out := make([]pair, 0, len(n.Content)/2)
	first := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errAt(k.Line, "%s: keys must be plain strings, got %s", displayPath(path), describe(k))
			continue
		}
		if line, dup := first[k.Value]; dup {
			d.errAt(k.Line, "%s: duplicate key (first given at line %d; each key may appear once)", child(k.Value), line)
			continue
		}
		first[k.Value] = k.Line
		out = append(out, pair{key: k.Value, keyNode: k, value: v})
	}
	return out
}

// mapping checks that n is a mapping using only the allowed keys, each at most once, records
// which keys are present and returns the value nodes by key. It returns nil (after reporting)
// when n is not a mapping.
func (d *decoder) mapping(path string, n *yaml.Node, allowed []string) map[string]*yaml.Node {
	join := func(k string) string {
		if path == "" {
			return k
		}
		return path + "." + k
	}
	n2 := deref(n)
	if n2.Kind != yaml.MappingNode {
		d.wrongType(path, n2, "a mapping", "")
		return nil
	}
	out := map[string]*yaml.Node{}
	for _, kv := range d.pairs(path, n2, join) {
		kp := join(kv.key)
		if !slices.Contains(allowed, kv.key) {
			d.errAt(kv.keyNode.Line, "%s: unknown key (allowed: %s)", kp, strings.Join(allowed, ", "))
			continue
		}
		d.present[kp] = true
		out[kv.key] = kv.value
	}
	return out
}

// seq returns the items of a sequence node, or nil (after reporting) when n is not a sequence.
func (d *decoder) seq(path string, n *yaml.Node) []*yaml.Node {
	n = deref(n)
	if n.Kind != yaml.SequenceNode {
		d.wrongType(path, n, "a sequence (a list of - items)", "")
		return nil
	}
	return n.Content
}

// str returns a string scalar. A number, boolean or date where a string belongs is an error
// (with a hint to quote it) rather than a silent conversion: an account id written unquoted
// would otherwise lose its leading zeros.
func (d *decoder) str(path string, n *yaml.Node) (string, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return n.Value, true
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
		hint = fmt.Sprintf("quote it: %q", n.Value)
	}
	d.wrongType(path, n, "a string", hint)
	return "", false
}

// integer returns an integer scalar; a quoted number is a string, and so an error.
func (d *decoder) integer(path string, n *yaml.Node) (int, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		var v int
		if err := n.Decode(&v); err == nil {
			return v, true
		}
		d.errAt(n.Line, "%s %s: integer out of range", displayPath(path), n.Value)
		d.bad[path] = true
		return 0, false
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if _, err := strconv.Atoi(strings.TrimSpace(n.Value)); err == nil {
			hint = "remove the quotes"
		}
	}
	d.wrongType(path, n, "an integer", hint)
	return 0, false
}

// number returns an integer or decimal scalar as a float64 (e.g. ACUs); .nan and .inf are errors.
func (d *decoder) number(path string, n *yaml.Node) (float64, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && (n.ShortTag() == "!!int" || n.ShortTag() == "!!float") {
		var v float64
		if err := n.Decode(&v); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
		d.errAt(n.Line, "%s %s: must be a finite number", displayPath(path), n.Value)
		d.bad[path] = true
		return 0, false
	}
	hint := ""
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		if _, err := strconv.ParseFloat(strings.TrimSpace(n.Value), 64); err == nil {
			hint = "remove the quotes"
		}
	}
	d.wrongType(path, n, "a number", hint)
	return 0, false
}

// boolean returns a true/false scalar.
func (d *decoder) boolean(path string, n *yaml.Node) (bool, bool) {
	n = deref(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!bool" {
		var v bool
		if err := n.Decode(&v); err == nil {
			return v, true
		}
	}
	d.wrongType(path, n, "a boolean (true or false)", "")
	return false, false
}

// wrongType reports that the value at path is not of the expected kind and marks it bad.
func (d *decoder) wrongType(path string, n *yaml.Node, want, hint string) {
	if hint == "" && n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		hint = "give a value or remove the key"
	}
	if hint != "" {
		hint = " (" + hint + ")"
	}
	d.errAt(n.Line, "%s: must be %s, got %s%s", displayPath(path), want, describe(n), hint)
	d.bad[path] = true
}

// displayPath names the document root, which has the empty key path.
func displayPath(path string) string {
	if path == "" {
		return "top level"
	}
	return path
}

// describe says what a node is, in words an operator recognises.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return fmt.Sprintf("a string %q", n.Value)
		case "!!int":
			return "an integer " + n.Value
		case "!!float":
			return "a number " + n.Value
		case "!!bool":
			return "a boolean " + n.Value
		case "!!null":
			return "null"
		case "!!timestamp":
			return "a date " + n.Value
		default:
			return fmt.Sprintf("a value tagged %s", n.ShortTag())
		}
	}
	return "nothing"
}

// deref follows YAML aliases (*name) to the anchored node, so anchors work everywhere.
func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}
