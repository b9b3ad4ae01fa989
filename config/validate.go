package config

import (
	"fmt"
	"io/fs"
	"maps"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

var (
	envNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)
	accountRE = regexp.MustCompile(`^[0-9]{12}$`)
	// tagCharsRE is the character set AWS accepts in tag keys and values across services.
	tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// reservedTagKeys are set by the app on every resource; letting a file set them too would make
// the effective value depend on tag precedence.
var reservedTagKeys = []string{"project", "environment", "name"}

// validator checks the values of a decoded Environment and fills in derived subnets. Problems are
// recorded on the decoder, after the decoding ones, so a file's problems are reported together.
type validator struct {
	d   *decoder
	env *Environment
}

// validate checks every value of env, fills in derived subnets and records problems on d.
func validate(env *Environment, d *decoder) {
	v := &validator{d: d, env: env}
	v.name()
	v.account()
	v.regions()
	v.primaryRegion()
	v.edgeRegion()
	v.network()
	v.compute()
	v.messaging()
	v.services()
	v.calls()
	v.deployments()
	v.appSubnetRoom()
	v.dataSubnetRoom()
	v.database()
	v.cache()
	v.app()
	v.dns()
	v.multiRegionData()
	v.waf()
	v.cloudfront()
	v.ingress()
	v.governance()
	v.tags()
	v.observability()
	v.regionSwitch()
}

// errorf records a value problem. Its message starts with the key path, which gives the line:
// the key's own, or that of the nearest enclosing key the file gives. A value written unquoted
// where a string belongs was reported as such; that report gives way to this one, which adds
// the hint.
func (v *validator) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	path := keyPath(msg)
	if i, ok := v.d.unquoted[path]; ok {
		v.d.problems[i] = nil
		msg += " (and quote the value)"
	}
	v.d.errAt(v.d.lineOf(path), "%s", msg)
}

// given reports whether the key at path has a usable value. An absent required key is reported
// with what it should hold; a key whose value already failed to decode is not reported again.
func (v *validator) given(path, required string) bool {
	switch {
	case v.d.bad[path]:
		return false
	case v.d.has(path):
		return true
	case required != "":
		v.errorf("%s: required: %s", path, required)
	}
	return false
}

func (v *validator) name() {
	if !v.given("name", `the environment name, equal to the file name without .yaml (e.g. "prod")`) {
		return
	}
	base := filepath.Base(v.env.File)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	switch {
	case !envNameRE.MatchString(v.env.Name) || !limits.HyphensFit(v.env.Name):
		v.errorf("name %q: must be 2-20 characters: a lowercase letter, then lowercase letters, digits or hyphens ([a-z][a-z0-9-]{1,19}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)", v.env.Name)
	case v.env.Name != base:
		v.errorf("name %q: must equal the file name %q (rename the file or change the name)", v.env.Name, base)
	}
}

func (v *validator) account() {
	if !v.given("account", "the 12-digit AWS account id") {
		return
	}
	if !accountRE.MatchString(v.env.Account) {
		v.errorf("account %q: must be exactly 12 digits (the AWS account id, quoted)", v.env.Account)
	}
}

// subnet is one subnet of a region, kept for the overlap check.
type subnet struct {
	path    string
	prefix  netip.Prefix
	derived bool
}

func (v *validator) regions() {
	supported := strings.Join(SupportedRegions(), ", ")
	if !v.given("regions", "at least one region (supported: "+supported+")") {
		return
	}
	if len(v.env.Regions) == 0 {
		v.errorf("regions: at least one region is required (supported: %s)", supported)
		return
	}
	firstName := map[string]int{}
	type vpc struct {
		path   string
		prefix netip.Prefix
	}
	var vpcs []vpc
	for i := range v.env.Regions {
		r := &v.env.Regions[i]
		path := fmt.Sprintf("regions[%d]", i)
		if v.d.bad[path] {
			continue
		}
		var facts RegionFacts
		known := false
		if v.given(path+".name", "one of "+supported) {
			facts, known = LookupRegion(r.Name)
			if j, dup := firstName[r.Name]; dup {
				v.errorf("%s.name %q: duplicate of regions[%d].name (each region may be listed once)", path, r.Name, j)
			} else {
				firstName[r.Name] = i
				if !known {
					v.errorf("%s.name %q: unknown region (supported: %s)", path, r.Name, supported)
				}
			}
		}
		var cidr netip.Prefix
		if v.given(path+".cidr", "the VPC's IPv4 CIDR, /16 to /24 (e.g. 10.1.0.0/16)") {
			if p, ok := v.prefix(path+".cidr", r.CIDR, limits.MinVPCPrefixBits, limits.MaxVPCPrefixBits); ok {
				if reserved, isReserved := limits.ReservedVPCRange(p); isReserved {
					v.errorf("%s.cidr %q: inside %s, which a VPC cannot use (%s)", path, r.CIDR, reserved, limits.ReservedVPCRangesRule)
				} else {
					cidr = p
					vpcs = append(vpcs, vpc{path + ".cidr", p})
				}
			}
		}
		v.zones(path, r, facts, known, cidr)
	}
	for j := range vpcs {
		for i := range j {
			if vpcs[j].prefix.Overlaps(vpcs[i].prefix) {
				v.errorf("%s %q overlaps %s %q", vpcs[j].path, vpcs[j].prefix, vpcs[i].path, vpcs[i].prefix)
			}
		}
	}
}

// zones checks a region's AZs and subnets and fills in derived subnets. facts is valid when
// known; cidr is valid when the VPC CIDR was.
func (v *validator) zones(path string, r *Region, facts RegionFacts, known bool, cidr netip.Prefix) {
	azPath := path + ".availabilityZones"
	if !v.given(azPath, "at least 2 availability zones, e.g. - name: us-east-1a") {
		return
	}
	if n := len(r.AvailabilityZones); n < 2 {
		v.errorf("%s: has %d zone(s), at least 2 are required (the ALB and Multi-AZ databases need two AZs)", azPath, n)
	} else if n > limits.MaxZones {
		v.errorf("%s: has %d zones, at most %d are allowed (the data subnets' network ACL holds a rule per zone and tier within its quota)", azPath, n, limits.MaxZones)
	}
	firstAZ := map[string]int{}
	var subnets []subnet
	for j := range r.AvailabilityZones {
		az := &r.AvailabilityZones[j]
		p := fmt.Sprintf("%s[%d]", azPath, j)
		if v.d.bad[p] {
			continue
		}
		if v.given(p+".name", "the AZ name, e.g. "+azExample(r.Name)) {
			if k, dup := firstAZ[az.Name]; dup {
				v.errorf("%s.name %q: duplicate of %s[%d].name (each AZ may be listed once)", p, az.Name, azPath, k)
			} else {
				firstAZ[az.Name] = j
				if known && !facts.HasAZ(az.Name) {
					v.errorf("%s.name %q: not an availability zone of %s (allowed: %s)", p, az.Name, r.Name, strings.Join(facts.AZNames(), ", "))
				}
			}
		}
		subnets = append(subnets, v.azSubnets(path, p, j, az, cidr)...)
	}
	for b := range subnets {
		for a := range b {
			if subnets[b].prefix.Overlaps(subnets[a].prefix) {
				v.errorf("%s %q overlaps %s %q", subnets[b].label(), subnets[b].prefix, subnets[a].label(), subnets[a].prefix)
			}
		}
	}
}

// label names a subnet in messages, marking derived ones (they appear nowhere in the file).
func (s subnet) label() string {
	if s.derived {
		return s.path + " (derived)"
	}
	return s.path
}

// azSubnets checks (or derives) the three subnets of the AZ at key path p, index j of the region
// at regionPath, and returns the valid ones.
func (v *validator) azSubnets(regionPath, p string, j int, az *AvailabilityZone, cidr netip.Prefix) []subnet {
	keys := []string{"publicSubnet", "appSubnet", "dataSubnet"}
	values := []*string{&az.PublicSubnet, &az.AppSubnet, &az.DataSubnet}
	thirdOctet := []int{1 + j, 10 + j, 20 + j} // the seed layout: 10.x.1-3, 10.x.10-12, 10.x.20-22
	var given, missing []string
	for _, k := range keys {
		if v.d.has(p + "." + k) {
			given = append(given, k)
		} else {
			missing = append(missing, k)
		}
	}
	var out []subnet
	switch {
	case len(given) == 0:
		if !cidr.IsValid() {
			return nil // the VPC CIDR is missing or wrong, and has been reported
		}
		if cidr.Bits() != 16 {
			v.errorf("%s: publicSubnet, appSubnet and dataSubnet are required when cidr is not a /16 (%s.cidr is %q; only a /16 gets derived subnets)",
				p, regionPath, cidr)
			return nil
		}
		base := cidr.Addr().As4()
		for i, k := range keys {
			pfx := netip.PrefixFrom(netip.AddrFrom4([4]byte{base[0], base[1], byte(thirdOctet[i]), 0}), 24)
			*values[i] = pfx.String()
			out = append(out, subnet{path: p + "." + k, prefix: pfx, derived: true})
		}
		return out
	case len(missing) > 0:
		v.errorf("%s: %s missing: give all three of publicSubnet, appSubnet, dataSubnet, or none to derive them from a /16 cidr",
			p, strings.Join(missing, ", "))
	}
	for i, k := range keys {
		kp := p + "." + k
		if !v.d.has(kp) || v.d.bad[kp] {
			continue
		}
		s := *values[i]
		pfx, ok := v.prefix(kp, s, limits.MinSubnetPrefixBits, limits.MaxSubnetPrefixBits)
		if !ok {
			continue
		}
		if cidr.IsValid() && !(cidr.Contains(pfx.Addr()) && pfx.Bits() >= cidr.Bits()) {
			v.errorf("%s %q: outside the VPC %s.cidr %q", kp, s, regionPath, cidr)
			continue
		}
		if k == "publicSubnet" && !v.env.UsesAPI() && pfx.Bits() > limits.MaxLoadBalancerSubnetPrefixBits {
			v.errorf("%s %q: too small for the load balancer, which needs a /%d or larger in each of its subnets", kp, s, limits.MaxLoadBalancerSubnetPrefixBits)
		}
		out = append(out, subnet{path: kp, prefix: pfx})
	}
	return out
}

// prefix parses an IPv4 CIDR and checks its form and prefix length, reporting the first problem.
func (v *validator) prefix(path, s string, minBits, maxBits int) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	if err != nil || !p.Addr().Is4() {
		v.errorf("%s %q: not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/%d)", path, s, minBits)
		return netip.Prefix{}, false
	}
	if p.Bits() < minBits || p.Bits() > maxBits {
		v.errorf("%s %q: prefix /%d out of range (allowed: /%d to /%d)", path, s, p.Bits(), minBits, maxBits)
		return netip.Prefix{}, false
	}
	if m := p.Masked(); m != p {
		v.errorf("%s %q: not in canonical form: the network address of that /%d is %s (write %s)", path, s, p.Bits(), m.Addr(), m)
		return netip.Prefix{}, false
	}
	return p, true
}

func (v *validator) primaryRegion() {
	if !v.given("primaryRegion", "the region holding the writer databases, one of regions[].name") {
		return
	}
	var names []string
	for i, r := range v.env.Regions {
		if r.Name == "" || v.d.bad[fmt.Sprintf("regions[%d].name", i)] {
			continue
		}
		if r.Name == v.env.PrimaryRegion {
			return
		}
		names = append(names, r.Name)
	}
	if len(names) == 0 {
		return // no usable region: that is reported under regions, not again here
	}
	v.errorf("primaryRegion %q: not one of the environment's regions (regions[].name: %s)", v.env.PrimaryRegion, strings.Join(names, ", "))
}

// edgeRegion requires EdgeRegion among the regions: the environment's Edge stack lives there
// and reads the CloudFront origin secret's replica in that region.
func (v *validator) edgeRegion() {
	var names []string
	for i, r := range v.env.Regions {
		if _, known := LookupRegion(r.Name); !known || v.d.bad[fmt.Sprintf("regions[%d].name", i)] {
			return // a region with a problem of its own may be the one meant
		}
		if r.Name == EdgeRegion {
			return
		}
		names = append(names, r.Name)
	}
	if len(names) > 0 {
		v.errorf("regions: %s is required: the Edge stack (WAF, CloudFront certificate) runs there and reads the origin secret's replica there (regions[].name: %s)",
			EdgeRegion, strings.Join(names, ", "))
	}
}

func (v *validator) network() {
	nw := &v.env.Network
	oneOf(v, "network.natGateways", nw.NatGateways, natModes, "unknown NAT mode")
	if v.given("network.interfaceEndpoints", "") {
		for i, name := range nw.InterfaceEndpoints {
			p := fmt.Sprintf("network.interfaceEndpoints[%d]", i)
			if v.d.bad[p] {
				continue
			}
			switch j, dup := earlier(nw.InterfaceEndpoints, i); {
			case dup:
				v.errorf("%s %q: duplicate of network.interfaceEndpoints[%d] (list each endpoint once)", p, name, j)
			case slices.Contains(limits.GatewayEndpoints, name):
				v.errorf("%s %q: %s is a gateway endpoint, which Stratus always creates; remove it from interfaceEndpoints", p, name, name)
			case !slices.Contains(SupportedInterfaceEndpoints, name):
				hint := ""
				// A full service name com.amazonaws.<region>.<name> is a likely slip; point at the short one.
				if parts := strings.SplitN(name, ".", 4); len(parts) == 4 && parts[0] == "com" && parts[1] == "amazonaws" &&
					slices.Contains(SupportedInterfaceEndpoints, parts[3]) {
					hint = fmt.Sprintf("write the short name %q; ", parts[3])
				}
				v.errorf("%s %q: unknown interface endpoint (%sallowed: %s)", p, name, hint, strings.Join(SupportedInterfaceEndpoints, ", "))
			}
		}
	}
	oneOf(v, "network.flowLogRetentionDays", nw.FlowLogRetentionDays, limits.LogRetentionDays, "not a retention CloudWatch Logs accepts")
	v.transitGateway()
}

func (v *validator) services() {
	cachePortOK := !v.d.bad["cache"] && !v.d.bad["cache.port"]
	first, ids := map[string]int{}, map[string]named{}
	allowed := fmt.Sprintf("%d-%d services per environment", limits.MinServices, limits.MaxServices)
	if v.env.RunsTiers() {
		return // compute reports services given with tiers
	}
	if n := len(v.env.Services); v.given("services", allowed) && (n < limits.MinServices || n > limits.MaxServices) {
		v.errorf("services: has %d services (allowed: %s)", n, allowed)
	}
	for i := range v.env.Services {
		s := &v.env.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		if v.d.bad[p] {
			continue
		}
		if v.given(p+".name", "the service name, "+limits.ServiceNameRule) {
			// The constructs build ids from the PascalCase name (naming.Pascal), where "order-1"
			// and "order1" are both Order1.
			j, dup := first[s.Name]
			earlier, sameID := ids[naming.Pascal(s.Name)]
			switch {
			case !limits.ValidServiceName(s.Name):
				v.errorf("%s.name %q: must be %s", p, s.Name, limits.ServiceNameRule)
			case dup:
				v.errorf("%s.name %q: duplicate of services[%d].name (service names must be unique)", p, s.Name, j)
			case sameID:
				v.errorf("%s.name %q: %s", p, s.Name, earlier.sameIDs(s.Name))
			default:
				first[s.Name] = i
				ids[naming.Pascal(s.Name)] = named{p + ".name", s.Name}
			}
		}
		who := v.serviceLabel(p, s)
		v.servicePort(p, who, s, cachePortOK)
		v.image(p, who, s)
		v.fargateSize(p, who, s)
		v.counts(p, who, Capacity{DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount})
		v.intRange(p+".scaling.cpuTarget", who, s.CpuTarget, limits.MinTargetPercent, limits.MaxTargetPercent, "percent")
		v.intRange(p+".scaling.memoryTarget", who, s.MemoryTarget, limits.MinTargetPercent, limits.MaxTargetPercent, "percent")
		v.intRange(p+".scaling.requestsPerTarget", who, s.RequestsPerTarget, limits.MinRequestsPerTarget, limits.MaxRequestsPerTarget, "requests per task per minute")
		switch {
		case !v.given(p+".pathPattern", ""):
		case !limits.ValidPathPattern(s.PathPattern):
			v.errorf("%s.pathPattern %q%s: not an ALB path pattern (allowed: %s)", p, s.PathPattern, who, limits.PathPatternRule)
			v.d.bad[p+".pathPattern"] = true // not compared with the other services' patterns
		case !limits.ReachableThroughEdge(s.PathPattern):
			why := fmt.Sprintf("matches no path CloudFront sends to the services (only %s), so it would route nothing", limits.EdgeApiPathPattern)
			if !v.env.CloudFront.FrontendEnabled {
				why = fmt.Sprintf("matches no path under %s, which an API-only edge (cloudfront.frontend.enabled: false) holds services to as the edge with a frontend does, so turning the frontend on later cuts no service off", limits.EdgeApiPathPattern)
			}
			v.errorf("%s.pathPattern %q%s: %s: start it with %q (e.g. \"%s%s/*\")", p, s.PathPattern, who, why, limits.EdgeApiPrefix, limits.EdgeApiPrefix, s.Name)
			v.d.bad[p+".pathPattern"] = true
		}
		switch hp := s.HealthCheckPath; {
		case !v.given(p+".healthCheckPath", ""):
		case !limits.ValidHealthCheckPath(hp):
			v.errorf("%s.healthCheckPath %q%s: not a health-check path (allowed: %s)", p, hp, who, limits.HealthCheckPathRule)
		case i == 0 && !limits.ValidRoute53Path(hp):
			v.errorf("%s.healthCheckPath %q%s: the first service's health path is also the Route 53 health check's, which allows only paths %s", p, hp, who, limits.Route53PathRule)
		case (i == 0 || v.env.UsesAPI()) && strings.ContainsAny(hp, "?#"):
			// The load balancer's rule for Route 53's checks (the first service's path) and an API
			// route (every service's, with ingress.mode api) match a path alone, and a rule reads
			// "?" as a wildcard; a target group's own check would take the query.
			v.errorf("%s.healthCheckPath %q%s: %s, which matches no query string or fragment: give the path alone", p, hp, who, pathMatcher(i, v.env.UsesAPI()))
		}
		if v.given(p+".database", "") && !slices.Contains(databaseEngines, s.Database) {
			v.errorf("%s.database %q%s: unknown database engine (allowed: %s, %s, %s)", p, s.Database, who, EngineAuroraPostgres, EnginePostgres, EngineNone)
			v.d.bad[p+".database"] = true
		}
		if s.UsesDatabase() && slices.Contains(limits.ReservedRoleNames, s.Name) {
			v.errorf("%s.name %q: PostgreSQL or RDS reserves it as a role name, and the service connects to its database as a role of its own name (reserved: %s; rename the service or set database: none)",
				p, s.Name, strings.Join(limits.ReservedRoleNames, ", "))
		}
		if db := s.DatabaseName(); s.OwnsDatabase() && slices.Contains(limits.ReservedDatabaseNames, db) {
			v.errorf("%s.name %q: its database would be named %q, which PostgreSQL or RDS reserves (reserved: %s; rename the service or set database: none)",
				p, s.Name, db, strings.Join(limits.ReservedDatabaseNames, ", "))
		}
		v.environment(p, who, s)
		v.sidecars(p, who, s)
	}
	v.pathPatterns(first)
	v.sharedDatabases(first)
	v.suffixedIDs(ids)
}

// pathMatcher names what matches service i's health-check path besides its target group.
func pathMatcher(i int, api bool) string {
	if api {
		return "with ingress.mode api the path is an API route"
	}
	return "the first service's path is also the load balancer's rule for Route 53's health checks"
}

// builtForAService are the ids the load balancer builds from a service's id and a suffix.
var builtForAService = []struct{ suffix, what string }{{"Alternate", "alternate target group"}, {"Test", "test-listener rule"}}

// suffixedIDs refuses a service name whose construct id is one the load balancer builds for
// another service (its alternate target group, its test rule) or for itself (the health-check
// rule): ids holds each valid service's naming.Pascal id.
func (v *validator) suffixedIDs(ids map[string]named) {
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		n := ids[id]
		if id == "HealthCheck" {
			v.errorf("%s %q: reserved: the load balancer's rule for Route 53's health checks takes that name (kept for it in every ingress mode, so a switch of mode breaks nothing)", n.path, n.name)
			continue
		}
		for _, b := range builtForAService {
			if other, ok := ids[strings.TrimSuffix(id, b.suffix)]; ok && strings.HasSuffix(id, b.suffix) {
				v.errorf("%s %q: reserved: the load balancer names %s's %s that way (%s-%s), kept for it whatever its deployment strategy, so a later switch breaks nothing",
					n.path, n.name, other.name, b.what, other.name, strings.ToLower(b.suffix))
			}
		}
	}
}

// serviceLabel returns ` (service "name")` for the service at key path p, to follow the value in
// its messages (a key path alone does not say which service services[3] is), or "" when the
// service has no usable name.
func (v *validator) serviceLabel(p string, s *Service) string {
	if !v.d.has(p+".name") || v.d.bad[p+".name"] {
		return ""
	}
	return fmt.Sprintf(" (service %q)", s.Name)
}

func (v *validator) servicePort(p, who string, s *Service, cachePortOK bool) {
	if v.d.bad[p+".port"] {
		return
	}
	const allowed = "allowed: 1-65535 except 80 and 443"
	switch {
	case s.Port < limits.MinPort || s.Port > limits.MaxPort:
		v.errorf("%s.port %d%s: out of range (%s)", p, s.Port, who, allowed)
	case slices.Contains(limits.ListenerPorts, s.Port):
		v.errorf("%s.port %d%s: reserved for the ALB's listeners (%s)", p, s.Port, who, allowed)
	case slices.Contains(limits.CollectorPorts, s.Port) && slices.Contains(s.Sidecars, "adot"):
		v.errorf("%s.port %d%s: the adot sidecar listens on %s in the same task (allowed with adot: 1-65535 except 80, 443, 4317 and 4318)", p, s.Port, who, joinInts(limits.CollectorPorts))
	case cachePortOK && s.Port == v.env.Cache.Port:
		v.errorf("%s.port %d%s: equals cache.port %d (the app and cache security groups would share a port; pick another)", p, s.Port, who, v.env.Cache.Port)
	}
}

var (
	// imageTagRE is the tag syntax of the OCI distribution spec (and of ECR).
	imageTagRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	// registryRE is a registry host name with an optional port.
	registryRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$`)
	// repoComponentRE is one /-separated component of a repository name.
	repoComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	digestRE        = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

const imageRequired = `the image to run: a tag in the service's ECR repository (e.g. "1.4.2") or a full reference registry/repository:tag or registry/repository@sha256:<digest>`

func (v *validator) image(p, who string, s *Service) {
	kp := p + ".image"
	switch {
	case v.d.bad[kp]:
	case !v.d.has(kp):
		v.errorf("%s%s: required: %s", kp, who, imageRequired)
	default:
		if msg := imageProblem(s.Image); msg != "" {
			v.errorf("%s %q%s: %s", kp, s.Image, who, msg)
		} else if m := ecrRegistryRE.FindStringSubmatch(s.Image); m != nil && m[1] != v.env.Account && accountRE.MatchString(v.env.Account) {
			v.errorf("%s %q%s: a private ECR repository of account %s, which the tasks of account %s cannot pull from (their execution role may pull only from the service's own Stratus repository): push the image there and give its tag, e.g. image: \"1.4.2\"",
				kp, s.Image, who, m[1], v.env.Account)
		} else if m != nil {
			// A full reference gets no pull grant, even to the service's own repository.
			v.errorf("%s %q%s: a private ECR repository named in full, which the tasks cannot pull from (their execution role may pull only from the service's own Stratus repository, given by its tag): push the image to %s/%s and give its tag, e.g. image: \"1.4.2\"",
				kp, s.Image, who, v.env.Name, s.Name)
		}
	}
}

// ecrRegistryRE matches a private ECR registry host, in any case (a DNS name) and by its IPv4 or
// dual-stack name, and captures its account.
var ecrRegistryRE = regexp.MustCompile(`(?i)^([0-9]{12})\.(?:dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?|dkr-ecr(?:-fips)?\.[a-z0-9-]+\.on\.aws)/`)

// imageProblem says what is wrong with an image reference, or "" when it is fine. A value with
// none of "/", ":" and "@" is a bare tag in the service's own repository.
func imageProblem(img string) string {
	const tagRule = "1-128 characters of letters, digits, _ . and -, not starting with . or -"
	if isBareTag(img) {
		switch {
		case img == "latest":
			return `the tag "latest" is not allowed: the service's ECR repository is immutable-tag, so pin a version (e.g. "1.4.2")`
		case !imageTagRE.MatchString(img):
			return "not a valid image tag (allowed: " + tagRule + "; or a full reference registry/repository:tag)"
		}
		return ""
	}
	name, digest, hasDigest := strings.Cut(img, "@")
	tag, hasTag := "", false
	if c := strings.LastIndex(name, ":"); c > strings.LastIndex(name, "/") {
		name, tag, hasTag = name[:c], name[c+1:], true
	}
	registry, repo, ok := strings.Cut(name, "/")
	switch {
	case !ok:
		return "a full reference needs a registry and a repository (registry/repository:tag, e.g. public.ecr.aws/nginx/nginx:1.27 or docker.io/library/nginx:1.27); a bare tag has no : or @"
	case !registryRE.MatchString(registry) || !(strings.ContainsAny(registry, ".:") || registry == "localhost"):
		return fmt.Sprintf("%q is not a registry host: name the registry explicitly (e.g. docker.io/%s)", registry, strings.TrimPrefix(img, "docker.io/"))
	}
	for _, c := range strings.Split(repo, "/") {
		if !repoComponentRE.MatchString(c) {
			return fmt.Sprintf("the repository %q is not valid (allowed: /-separated components of lowercase letters and digits, joined by . _ __ or -)", repo)
		}
	}
	switch {
	case !hasTag && !hasDigest:
		return "a full reference needs a tag or a digest (registry/repository:tag or registry/repository@sha256:<64 hex digits>; there is no implicit latest)"
	case hasTag && tag == "latest":
		return `the tag "latest" is not allowed: it moves, so a deployment could not be repeated; pin a version or a digest`
	case hasTag && !imageTagRE.MatchString(tag):
		return fmt.Sprintf("the tag %q is not valid (allowed: %s)", tag, tagRule)
	case hasDigest && !digestRE.MatchString(digest):
		return fmt.Sprintf("the digest %q is not valid (allowed: sha256: followed by 64 lowercase hex digits)", digest)
	}
	return ""
}

// fargateSize checks that (cpu, memory) is a task size Fargate accepts.
func (v *validator) fargateSize(p, who string, s *Service) {
	if v.d.bad[p+".cpu"] || v.d.bad[p+".memory"] {
		return
	}
	mems := limits.FargateMemory(s.Cpu)
	switch {
	case mems == nil:
		v.errorf("%s.cpu %d%s: not a Fargate CPU size (allowed: %s)", p, s.Cpu, who, joinInts(limits.FargateCPUs))
	case slices.Contains(mems, s.Memory):
	case v.d.has(p + ".memory"):
		v.errorf("%s.memory %d%s: Fargate cpu %d allows memory %s", p, s.Memory, who, s.Cpu, joinInts(mems))
	default:
		v.errorf("%s.cpu %d%s: the default memory %d does not fit: Fargate cpu %d allows memory %s (give memory)", p, s.Cpu, who, s.Memory, s.Cpu, joinInts(mems))
	}
}

// counts checks the task counts under key path p (a service or app.warmCapacity):
// 1 <= minCount <= desiredCount <= maxCount <= 1000. A broken order is reported once, on a key
// the file gives.
func (v *validator) counts(p, who string, c Capacity) {
	rule := fmt.Sprintf("%d <= minCount <= desiredCount <= maxCount <= %d", limits.MinTaskCount, limits.MaxTaskCount)
	value := map[string]int{"desiredCount": c.DesiredCount, "minCount": c.MinCount, "maxCount": c.MaxCount}
	ok := true
	for _, k := range []string{"desiredCount", "minCount", "maxCount"} {
		kp := p + "." + k
		switch x := value[k]; {
		case v.d.bad[kp]:
			ok = false
		case x < limits.MinTaskCount || x > limits.MaxTaskCount:
			v.errorf("%s %d%s: out of range (allowed: %s)", kp, x, who, rule)
			ok = false
		}
	}
	if !ok {
		return
	}
	// order reports that key a (value below b's when below, else above) breaks the order, on a
	// if the file gives it and otherwise on b.
	order := func(a, b string) {
		rel, inv := "below", "above"
		if value[a] > value[b] {
			rel, inv = "above", "below"
		}
		if !v.d.has(p + "." + a) {
			a, b, rel = b, a, inv
		}
		other := fmt.Sprintf("%s %d", b, value[b])
		if !v.d.has(p + "." + b) {
			other += ", the default"
		}
		v.errorf("%s.%s %d%s: %s %s (allowed: %s)", p, a, value[a], who, rel, other, rule)
	}
	switch {
	case c.MinCount > c.MaxCount:
		order("minCount", "maxCount")
	case c.DesiredCount < c.MinCount:
		order("desiredCount", "minCount")
	case c.DesiredCount > c.MaxCount:
		order("desiredCount", "maxCount")
	}
}

// earlier returns the index of the first entry of xs equal to xs[i], and whether it is before i.
func earlier[T comparable](xs []T, i int) (int, bool) {
	j := slices.Index(xs, xs[i])
	return j, j < i
}

// oneOf reports a given value of path that is not among allowed, saying what it is not; it
// returns whether the value is usable.
func oneOf[T comparable](v *validator, path string, x T, allowed []T, what string) bool {
	if v.d.bad[path] {
		return false
	}
	if !v.d.has(path) || slices.Contains(allowed, x) {
		return true
	}
	list := make([]string, len(allowed))
	for i, a := range allowed {
		list[i] = fmt.Sprint(a)
	}
	v.errorf("%s %#v: %s (allowed: %s)", path, x, what, strings.Join(list, ", "))
	return false
}

// intRange reports a given integer outside lo..hi; unit (may be "") follows the range.
// It returns whether the value is usable.
func (v *validator) intRange(path, who string, x, lo, hi int, unit string) bool {
	if v.d.bad[path] {
		return false
	}
	if !v.d.has(path) || (x >= lo && x <= hi) {
		return true
	}
	if unit != "" {
		unit = " " + unit
	}
	v.errorf("%s %d%s: out of range (allowed: %d-%d%s)", path, x, who, lo, hi, unit)
	return false
}

// pathPatterns reports two services routed by the same path pattern. first maps the usable
// service names to their index; a service without one has no usable default pattern.
func (v *validator) pathPatterns(first map[string]int) {
	owner := map[string]int{}
	for i := range v.env.Services {
		s := &v.env.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		given := v.d.has(p + ".pathPattern")
		if v.d.bad[p] || v.d.bad[p+".pathPattern"] || (!given && first[s.Name] != i) || s.PathPattern == "" {
			continue
		}
		j, dup := owner[s.PathPattern]
		if !dup {
			owner[s.PathPattern] = i
			continue
		}
		a, b := i, j // report on a pattern the file gives: this one if it does, else the earlier one
		if !given {
			a, b = j, i
		}
		pa, pb := fmt.Sprintf("services[%d]", a), fmt.Sprintf("services[%d]", b)
		other := pb + ".pathPattern"
		if !v.d.has(other) {
			other = "the default pathPattern of " + pb
		}
		v.errorf("%s.pathPattern %q%s: same as %s%s (each service needs its own path pattern)",
			pa, s.PathPattern, v.serviceLabel(pa, &v.env.Services[a]), other, v.serviceLabel(pb, &v.env.Services[b]))
	}
}

// envVarNameRE is the environment variable names Stratus accepts (POSIX style, uppercase).
var envVarNameRE = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,254}$`)

func (v *validator) environment(p, who string, s *Service) {
	size := 0
	for k, val := range s.Environment {
		size += len(strconv.Quote(k)) + len(strconv.Quote(val)) - 4 // as escaped in the task definition's JSON
	}
	if size > limits.MaxEnvironmentBytes {
		v.errorf("%s.environment%s: its names and values take %d bytes (allowed: at most %d: they are written into the task definition, which ECS holds to 64 KiB with the sidecars' definitions; keep large values in SSM or S3)",
			p, who, size, limits.MaxEnvironmentBytes)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Environment)) {
		kp := fmt.Sprintf("%s.environment[%q]", p, k)
		switch {
		case !envVarNameRE.MatchString(k):
			v.errorf("%s%s: not an environment variable name (allowed: [A-Z_][A-Z0-9_]{0,254}: uppercase letters, digits and _, not starting with a digit)", kp, who)
		case limits.ReservedEnvName(k):
			v.errorf("%s%s: reserved: Stratus sets %s itself, and names starting with %s are reserved for AWS and ECS (rename the variable)",
				kp, who, strings.Join(limits.ReservedEnvNames, ", "), strings.Join(limits.ReservedEnvPrefixes, ", "))
		case limits.LooksLikeCredential(k):
			v.errorf("%s%s: reads like a credential, and plain environment values are readable in the task definition (keep the value in AWS Secrets Manager and read it at runtime; rename the variable if it holds no secret)", kp, who)
		}
	}
}

func (v *validator) sidecars(p, who string, s *Service) {
	for i, name := range s.Sidecars {
		kp := fmt.Sprintf("%s.sidecars[%d]", p, i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := earlier(s.Sidecars, i)
		switch {
		case dup:
			v.errorf("%s %q%s: duplicate of %s.sidecars[%d] (list each sidecar once)", kp, name, who, p, j)
		case !slices.Contains(sidecarNames, name):
			v.errorf("%s %q%s: unknown sidecar (allowed: %s)", kp, name, who, strings.Join(sidecarNames, ", "))
		}
	}
}

// sharedDatabases checks shareDatabaseWith and gives each sharer its owner's engine.
func (v *validator) sharedDatabases(first map[string]int) {
	var names []string // the usable service names, in file order
	for i, s := range v.env.Services {
		if j, ok := first[s.Name]; ok && j == i {
			names = append(names, s.Name)
		}
	}
	for i := range v.env.Services {
		s := &v.env.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		kp := p + ".shareDatabaseWith"
		if v.d.bad[p] || !v.given(kp, "") {
			continue
		}
		who := v.serviceLabel(p, s)
		j, known := first[s.ShareDatabaseWith]
		var owner *Service
		if known {
			owner = &v.env.Services[j]
		}
		pj := fmt.Sprintf("services[%d]", j)
		switch {
		case s.ShareDatabaseWith == s.Name:
			v.errorf("%s %q%s: names the service itself (name another service, whose database this one uses)", kp, s.ShareDatabaseWith, who)
		case !known:
			v.errorf("%s %q%s: no such service (services: %s)", kp, s.ShareDatabaseWith, who, strings.Join(names, ", "))
		case v.d.bad[pj+".shareDatabaseWith"]:
			// the owner's own shareDatabaseWith is malformed and has been reported
		case v.d.has(pj + ".shareDatabaseWith"):
			v.errorf("%s %q%s: that service shares the database of %q itself (name the owner of a database)", kp, s.ShareDatabaseWith, who, owner.ShareDatabaseWith)
		case v.d.bad[pj+".database"]:
			// the owner's engine is wrong and has been reported
		case owner.Database == EngineNone:
			v.errorf("%s %q%s: that service has database none, so there is no database to share", kp, s.ShareDatabaseWith, who)
		case !v.d.has(p + ".database"):
			s.Database = owner.Database
		case !v.d.bad[p+".database"] && s.Database != owner.Database:
			v.errorf("%s.database %q%s: differs from the database of %q, which it shares (%s); remove database or make them equal",
				p, s.Database, who, s.ShareDatabaseWith, owner.Database)
		}
	}
}

func (v *validator) database() {
	db := &v.env.Database
	oneOf(v, "database.engineVersion", db.EngineVersion, limits.AuroraPostgresVersions, "not a supported Aurora PostgreSQL version")
	if v.given("database.instanceClass", "") {
		switch {
		case db.ServerlessV2 != nil:
			v.errorf("database.instanceClass %q: not allowed together with database.serverlessV2 (Serverless v2 instances have no instance class; remove one of the two)", db.InstanceClass)
		case db.InstanceClass == limits.ServerlessInstanceClass:
			v.errorf("database.instanceClass %q: for Serverless v2 give database.serverlessV2 {minCapacity, maxCapacity} instead", db.InstanceClass)
		case limits.AuroraUsersClassProblem(db.InstanceClass) != "":
			v.errorf("database.instanceClass %q: %s", db.InstanceClass, limits.AuroraUsersClassProblem(db.InstanceClass))
		}
	}
	v.intRange("database.readers", "", db.Readers, limits.MinReaders, limits.MaxReaders, "")
	if secondaries := len(v.env.Regions) - 1; db.GlobalDatabase && secondaries > 0 && db.Readers > limits.MaxReaders-secondaries && db.Readers <= limits.MaxReaders {
		v.errorf("database.readers %d: a Global Database's primary cluster takes at most %d readers with %d secondary region(s) (%d minus the secondaries)",
			db.Readers, limits.MaxReaders-secondaries, secondaries, limits.MaxReaders)
	}
	if sv := db.ServerlessV2; sv != nil {
		v.serverlessV2(sv)
	}
	v.intRange("database.backupRetentionDays", "", db.BackupRetentionDays, limits.MinBackupRetentionDays, limits.MaxBackupRetentionDays, "days")
	v.windows("database.backupWindow", db.BackupWindow, "database.maintenanceWindow", db.MaintenanceWindow, limits.MinDatabaseWindowMinutes)
	oneOf(v, "database.removalPolicy", db.RemovalPolicy, removalPolicies, "unknown removal policy")
	if v.given("database.globalDatabase", "") && db.GlobalDatabase && v.singleRegion() {
		v.errorf("database.globalDatabase true: a Global Database needs a secondary region: add a second entry to regions")
	}
	if v.given("database.secondaryReaders", "") {
		switch {
		case db.SecondaryReaders < limits.MinReaders || db.SecondaryReaders > limits.MaxReaders:
			v.errorf("database.secondaryReaders %d: out of range (allowed: 0-15; 0 makes the secondary clusters headless)", db.SecondaryReaders)
		case !db.GlobalDatabase && !v.d.bad["database.globalDatabase"]:
			v.errorf("database.secondaryReaders %d: only applies to a Global Database (set database.globalDatabase: true, with at least two regions, or remove secondaryReaders)", db.SecondaryReaders)
		}
	}

	pg := &db.Postgres
	oneOf(v, "database.postgres.engineVersion", pg.EngineVersion, limits.PostgresVersions, "not a supported PostgreSQL version")
	if v.given("database.postgres.instanceClass", "") && !limits.ValidInstanceClass(pg.InstanceClass) {
		v.errorf("database.postgres.instanceClass %q: not an RDS instance class (allowed: %s)", pg.InstanceClass, limits.InstanceClassRule)
	}
	const (
		alloc    = "database.postgres.allocatedStorageGiB"
		maxAlloc = "database.postgres.maxAllocatedStorageGiB"
	)
	allocOK := v.intRange(alloc, "", pg.AllocatedStorageGiB, limits.MinAllocatedStorageGiB, limits.MaxAllocatedStorageGiB, "GiB")
	a, m, minMax := pg.AllocatedStorageGiB, pg.MaxAllocatedStorageGiB, limits.MinMaxAllocatedStorageGiB(pg.AllocatedStorageGiB)
	rule := fmt.Sprintf("allowed: %d (autoscaling off) or %d-%d GiB, at least 10%% above allocatedStorageGiB; storage autoscaling never shrinks", a, minMax, limits.MaxAllocatedStorageGiB)
	switch {
	case v.d.bad[maxAlloc]:
	case m > limits.MaxAllocatedStorageGiB:
		v.errorf("%s %d: out of range (allowed: allocatedStorageGiB-%d GiB)", maxAlloc, m, limits.MaxAllocatedStorageGiB)
	case !allocOK || m == a || m >= minMax:
	case v.d.has(maxAlloc):
		v.errorf("%s %d: too close to allocatedStorageGiB %d (%s)", maxAlloc, m, a, rule)
	default:
		v.errorf("%s %d: the default maxAllocatedStorageGiB %d does not fit (give maxAllocatedStorageGiB, %s)", alloc, a, m, rule)
	}
}

func (v *validator) serverlessV2(sv *ServerlessV2) {
	const p = "database.serverlessV2"
	step := formatFloat(limits.ServerlessACUStep)
	check := func(key string, x, lo float64, what string) bool {
		kp, rule := p+"."+key, fmt.Sprintf("%s-%s ACUs in steps of %s", formatFloat(lo), formatFloat(limits.MaxServerlessACU), step)
		switch {
		case !v.given(kp, "the "+what+" capacity, "+rule):
		case x < lo || x > limits.MaxServerlessACU:
			v.errorf("%s %s: out of range (allowed: %s)", kp, formatFloat(x), rule)
		case math.Mod(x, limits.ServerlessACUStep) != 0:
			v.errorf("%s %s: not a multiple of %s (allowed: %s)", kp, formatFloat(x), step, rule)
		default:
			return true
		}
		return false
	}
	minOK := check("minCapacity", sv.MinCapacity, limits.MinServerlessACU, "minimum")
	maxOK := check("maxCapacity", sv.MaxCapacity, limits.MinServerlessMaxACU, "maximum")
	if minOK && maxOK && sv.MinCapacity > sv.MaxCapacity {
		v.errorf("%s.minCapacity %s: above maxCapacity %s (allowed: minCapacity <= maxCapacity)", p, formatFloat(sv.MinCapacity), formatFloat(sv.MaxCapacity))
	}
}

// formatFloat prints whole numbers as integers (2000000000, never 2e+09).
func formatFloat(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// singleRegion reports whether the environment has exactly one usable region list entry (zero
// means regions is missing or broken, which is reported under regions).
// multiRegionData keeps an environment of several regions on one data set: every region runs
// every service, so each service's database must be one Global Database, readable in every
// region that takes traffic.
func (v *validator) multiRegionData() {
	if v.d.bad["regions"] || len(v.env.Regions) < 2 {
		return
	}
	db := v.env.Database
	var aurora []string
	for i, s := range v.env.Services {
		p := fmt.Sprintf("services[%d]", i)
		if v.d.bad[p] || v.d.bad[p+".database"] || s.ShareDatabaseWith != "" {
			continue
		}
		switch s.Database {
		case EnginePostgres:
			v.errorf(`%s.database %q (service %q): a single RDS PostgreSQL instance lives in one region, but the service runs in every region of the environment (allowed with several regions: aurora-postgresql with database.globalDatabase: true)`,
				p, s.Database, s.Name)
		case EngineAuroraPostgres:
			aurora = append(aurora, s.Name)
		}
	}
	if len(aurora) > 0 && !db.GlobalDatabase && !v.d.bad["database.globalDatabase"] {
		v.errorf("database.globalDatabase false: services %s run in every region, and without a Global Database each region would get its own unrelated writable database (set database.globalDatabase: true)",
			strings.Join(aurora, ", "))
	}
	if db.GlobalDatabase && db.SecondaryReaders == 0 && v.d.has("database.secondaryReaders") && v.env.DNS.Routing != RoutingFailover && !v.d.bad["dns.routing"] {
		v.errorf("database.secondaryReaders 0: headless secondary clusters serve no queries, but with dns.routing %s the services of every region take traffic (allowed: 1-15, or dns.routing: failover, where the warm region waits for a reader to be added at failover)",
			v.env.DNS.Routing)
	}
}

func (v *validator) singleRegion() bool {
	return !v.d.bad["regions"] && len(v.env.Regions) == 1
}

// windows checks a daily window (backups, snapshots) and a weekly maintenance window: their
// syntax, a minimum length each, and that the daily window meets the weekly one on no day.
func (v *validator) windows(dailyPath, daily, weeklyPath, weekly string, minMinutes int) {
	parse := func(path, s string, f func(string, int) (limits.Window, error)) (limits.Window, bool) {
		if v.d.bad[path] {
			return limits.Window{}, false
		}
		w, err := f(s, minMinutes)
		if err != nil {
			v.errorf("%s %q: %v", path, s, err)
		}
		return w, err == nil
	}
	dw, dOK := parse(dailyPath, daily, limits.ParseDailyWindow)
	ww, wOK := parse(weeklyPath, weekly, limits.ParseWeeklyWindow)
	if day, overlap := limits.DailyOverlapsWeekly(dw, ww); dOK && wOK && overlap {
		a, av, b, bv := dailyPath, daily, weeklyPath, weekly
		if !v.d.has(dailyPath) {
			a, av, b, bv = weeklyPath, weekly, dailyPath, daily
		}
		other := fmt.Sprintf("%s %q", b, bv)
		if !v.d.has(b) {
			other = "the default " + other
		}
		v.errorf("%s %q: overlaps %s on %s (the two windows must not overlap on any day)", a, av, other, day)
	}
}

func (v *validator) cache() {
	c := &v.env.Cache
	if !v.d.bad["cache.port"] {
		allowed := fmt.Sprintf("allowed: %d-%d except %d", limits.MinCachePort, limits.MaxPort, DatabasePort)
		switch port := c.Port; {
		case port < limits.MinCachePort || port > limits.MaxPort:
			v.errorf("cache.port %d: out of range for ElastiCache (%s)", port, allowed)
		case port == DatabasePort:
			v.errorf("cache.port %d: is the database port (%s)", port, allowed)
		}
	}
	if oneOf(v, "cache.engine", c.Engine, limits.CacheEngines, "unknown cache engine") {
		oneOf(v, "cache.engineVersion", c.EngineVersion, limits.CacheEngineVersions[c.Engine], "not a supported "+c.Engine+" version")
	}
	if v.given("cache.nodeType", "") {
		switch problem := limits.GlobalDatastoreNodeTypeProblem(c.NodeType); {
		case !limits.ValidCacheNodeType(c.NodeType):
			v.errorf("cache.nodeType %q: not an ElastiCache node type (allowed: %s)", c.NodeType, limits.CacheNodeTypeRule)
		case c.GlobalDatastore && problem != "":
			v.errorf("cache.nodeType %q: %s (allowed with cache.globalDatastore: true: e.g. cache.r7g.large, cache.m7g.large)", c.NodeType, problem)
		}
	}
	v.intRange("cache.replicas", "", c.Replicas, limits.MinCacheReplicas, limits.MaxCacheReplicas, "")
	v.intRange("cache.snapshotRetentionDays", "", c.SnapshotRetentionDays, limits.MinSnapshotRetentionDays, limits.MaxSnapshotRetentionDays, "days")
	v.windows("cache.snapshotWindow", c.SnapshotWindow, "cache.maintenanceWindow", c.MaintenanceWindow, limits.MinCacheWindowMinutes)
	if n := len(v.env.Regions); v.given("cache.globalDatastore", "") && c.GlobalDatastore && n > limits.MaxGlobalDatastoreRegions {
		v.errorf("cache.globalDatastore true: a Global Datastore spans at most %d regions (a primary and two secondaries), the environment has %d", limits.MaxGlobalDatastoreRegions, n)
	}
	if v.given("cache.globalDatastore", "") && c.GlobalDatastore && v.singleRegion() {
		v.errorf("cache.globalDatastore true: a Global Datastore needs a secondary region: add a second entry to regions")
	}
}

func (v *validator) app() {
	a := &v.env.App
	oneOf(v, "app.logRetentionDays", a.LogRetentionDays, limits.LogRetentionDays, "not a retention CloudWatch Logs accepts")
	if v.given("app.namespace", "") {
		longest := ""
		for _, s := range v.env.Services {
			if len(s.Name) > len(longest) {
				longest = s.Name
			}
		}
		switch {
		case !validNamespace(a.Namespace):
			v.errorf("app.namespace %q: not a DNS name (allowed: %s)%s", a.Namespace, limits.DNSNameRule, lowercaseHint(a.Namespace, validNamespace))
		case len(longest)+1+len(a.Namespace) > limits.MaxDNSNameLength:
			// Cloud Map registers each service as <service>.<namespace>.
			v.errorf("app.namespace: %d characters leave no room for the service name %s.<namespace>, which DNS holds to %d characters (allowed: at most %d here)",
				len(a.Namespace), longest, limits.MaxDNSNameLength, limits.MaxDNSNameLength-1-len(longest))
		default:
			v.namespaceHidesNothing(a.Namespace)
		}
	}
	if o := a.Otlp; o != nil {
		if v.given("app.otlp.endpoint", "the https:// URL of the OTLP endpoint") {
			if !limits.ValidOtlpEndpoint(o.Endpoint) {
				v.errorf("app.otlp.endpoint %q: must be %s", o.Endpoint, limits.OtlpEndpointRule)
			}
		}
		if v.given("app.otlp.secretName", "the name of the Secrets Manager secret with the endpoint's credentials") && !limits.ValidSecretName(o.SecretName) {
			v.errorf("app.otlp.secretName %q: not a Secrets Manager secret name (allowed: %s)", o.SecretName, limits.SecretNameRule)
		}
		if !v.anyServiceRuns("adot") {
			v.errorf("app.otlp: no service runs the adot sidecar, which makes the OTLP export (add adot to a service's sidecars, or remove otlp)")
		}
	}
	const wp = "app.warmCapacity"
	if v.d.has(wp) && !v.d.bad[wp] {
		v.counts(wp, "", a.WarmCapacity)
		routingOK := !v.d.bad["dns"] && !v.d.bad["dns.routing"] && slices.Contains(routingModes, v.env.DNS.Routing)
		if routingOK && v.env.DNS.Routing != RoutingFailover {
			v.errorf("%s: only applies with dns.routing failover (it is what services run in the non-primary regions; dns.routing is %q): set dns.routing: failover or remove warmCapacity", wp, v.env.DNS.Routing)
		}
	}
}

// anyServiceRuns reports whether a service lists the sidecar.
func (v *validator) anyServiceRuns(sidecar string) bool {
	for _, s := range v.env.Services {
		if slices.Contains(s.Sidecars, sidecar) {
			return true
		}
	}
	return false
}

var hostedZoneRE = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)

func validNamespace(s string) bool { return limits.ValidDNSName(s, 1) }

// namespaceHidesNothing reports a namespace whose private zone would answer, inside the VPCs, for
// names the tasks must resolve publicly: Route 53 Resolver answers every name within a private
// zone associated with the VPC from that zone alone, never from public DNS. A namespace at or
// above a name the environment publishes (its domain, the origin names, the viewer names) hides
// it; one that holds, or lies within, amazonaws.com hides AWS's service endpoints (ECR, Secrets
// Manager, CloudWatch…). A namespace beside them under the domain is fine.
func (v *validator) namespaceHidesNothing(ns string) {
	within := func(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }
	const aws = "amazonaws.com"
	if within(aws, ns) || within(ns, aws) {
		v.errorf("app.namespace %q: the services' private zone would answer for AWS's service endpoints (%s) inside the VPCs, so the tasks "+
			"could not reach ECR, Secrets Manager or CloudWatch; use a name outside it, e.g. %q", ns, aws, v.env.Name+".internal")
		return
	}
	if v.env.DNS.Domain == "" {
		return // reported by dns
	}
	for _, name := range v.env.PublicNames() {
		if within(name, ns) {
			v.errorf("app.namespace %q: the services' private zone would answer for %q, a name the environment publishes, inside the VPCs "+
				"(Route 53 Resolver answers every name in a private zone from that zone alone), so the tasks could not resolve it; "+
				"use a name outside dns.domain or beside those names, e.g. %q", ns, name, v.env.Name+".internal")
			return
		}
	}
}

// lowercaseHint suggests the fix for a DNS name that is only wrong in case or by a trailing dot.
func lowercaseHint(s string, valid func(string) bool) string {
	if fixed := strings.TrimSuffix(strings.ToLower(s), "."); fixed != s && valid(fixed) {
		return fmt.Sprintf("; write %q", fixed)
	}
	return ""
}

func (v *validator) dns() {
	if !v.given("dns", "the public hosted zone: domain and hostedZoneId (e.g. dns: {domain: example.com, hostedZoneId: Z0123456789ABCDEFGHIJ})") {
		return
	}
	dn := &v.env.DNS
	domainOK := false
	if v.given("dns.domain", "the environment's domain name, e.g. example.com (CloudFront serves it, the API origin is origin.<domain>)") {
		switch origin := "origin." + dn.Domain; {
		case !limits.ValidDomainName(dn.Domain):
			v.errorf("dns.domain %q: not a domain name (allowed: %s)%s", dn.Domain, limits.DomainNameRule, lowercaseHint(dn.Domain, limits.ValidDomainName))
		case len(origin) > limits.MaxCertificateCommonNameLength:
			v.errorf("dns.domain %q: %d characters, too long for the ALB certificate, whose first name %s may have at most %d (allowed: at most %d characters)",
				dn.Domain, len(dn.Domain), origin, limits.MaxCertificateCommonNameLength, limits.MaxCertificateCommonNameLength-len("origin."))
		default:
			domainOK = true
		}
	}
	if v.given("dns.hostedZoneId", "the id of the domain's public Route 53 hosted zone, e.g. Z0123456789ABCDEFGHIJ") && !hostedZoneRE.MatchString(dn.HostedZoneId) {
		hint := ""
		if id, ok := strings.CutPrefix(dn.HostedZoneId, "/hostedzone/"); ok && hostedZoneRE.MatchString(id) {
			hint = fmt.Sprintf("; write only the id %q", id)
		}
		v.errorf("dns.hostedZoneId %q: not a Route 53 hosted zone id (allowed: Z followed by 1-31 uppercase letters and digits, e.g. Z0123456789ABCDEFGHIJ%s)", dn.HostedZoneId, hint)
	}
	if v.given("dns.viewerNames", "") {
		if n := len(dn.ViewerNames); n < limits.MinViewerNames || n > limits.MaxViewerNames {
			v.errorf("dns.viewerNames: has %d names (allowed: %d-%d names, each dns.domain or a subdomain of it)", n, limits.MinViewerNames, limits.MaxViewerNames)
		}
		for i, name := range dn.ViewerNames {
			kp := fmt.Sprintf("dns.viewerNames[%d]", i)
			if v.d.bad[kp] {
				continue
			}
			j, dup := earlier(dn.ViewerNames, i)
			switch {
			case dup:
				v.errorf("%s %q: duplicate of dns.viewerNames[%d] (list each name once)", kp, name, j)
			case !limits.ValidDomainName(name):
				v.errorf("%s %q: not a domain name (allowed: %s)%s", kp, name, limits.DomainNameRule, lowercaseHint(name, limits.ValidDomainName))
			case domainOK && name != dn.Domain && !strings.HasSuffix(name, "."+dn.Domain):
				v.errorf("%s %q: outside the domain (allowed: dns.domain %q or a subdomain of it)", kp, name, dn.Domain)
			case i == 0 && len(name) > limits.MaxCertificateCommonNameLength:
				v.errorf("%s %q: %d characters; the first viewer name is the CloudFront certificate's domain name, which allows at most %d (list a shorter name first)",
					kp, name, len(name), limits.MaxCertificateCommonNameLength)
			}
		}
	}
	if oneOf(v, "dns.routing", dn.Routing, routingModes, "unknown routing") && v.d.has("dns.routing") && dn.Routing == RoutingFailover {
		switch {
		case v.singleRegion():
			v.errorf("dns.routing %q: failover routing needs a secondary region: add a second entry to regions", dn.Routing)
		case len(v.env.Regions) > 2:
			v.errorf("dns.routing %q: needs exactly two regions (Route 53 failover has one primary and one secondary record), the environment has %d: use latency", dn.Routing, len(v.env.Regions))
		}
	}
	oneOf(v, "dns.healthCheck.intervalSeconds", dn.HealthCheckIntervalSeconds, limits.HealthCheckIntervals, "not an interval Route 53 health checks accept")
	v.intRange("dns.healthCheck.failureThreshold", "", dn.HealthCheckFailureThreshold, limits.MinHealthCheckFailures, limits.MaxHealthCheckFailures, "failed checks")
}

func (v *validator) waf() {
	w := &v.env.WAF
	v.intRange("waf.rateLimit", "", w.RateLimit, limits.MinWAFRateLimit, limits.MaxWAFRateLimit, "requests per 5 minutes per IP")
	enabled := slices.Clone(limits.DefaultManagedRuleGroups)
	for i, g := range w.ManagedRuleGroups {
		kp := fmt.Sprintf("waf.managedRuleGroups[%d]", i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := earlier(w.ManagedRuleGroups, i)
		switch {
		case dup:
			v.errorf("%s %q: duplicate of waf.managedRuleGroups[%d] (list each group once)", kp, g, j)
		case slices.Contains(limits.DefaultManagedRuleGroups, g):
			v.errorf("%s %q: always on (Stratus always enables %s; list only extra groups)", kp, g, strings.Join(limits.DefaultManagedRuleGroups, ", "))
		case !slices.Contains(limits.ExtraManagedRuleGroups, g):
			v.errorf("%s %q: unknown managed rule group (allowed: %s)", kp, g, strings.Join(limits.ExtraManagedRuleGroups, ", "))
		default:
			enabled = append(enabled, g)
		}
	}
	groupsOK := !v.d.bad["waf.managedRuleGroups"]
	for i, o := range w.CountOverrides {
		kp := fmt.Sprintf("waf.countOverrides[%d]", i)
		if v.d.bad[kp] {
			continue
		}
		group, rule, ok := strings.Cut(o, ":")
		j, dup := earlier(w.CountOverrides, i)
		switch {
		case dup:
			v.errorf("%s %q: duplicate of waf.countOverrides[%d] (list each rule once)", kp, o, j)
		case !ok || group == "" || strings.Contains(rule, ":"):
			v.errorf("%s %q: must be <GroupName>:<RuleName> (e.g. \"AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY\")", kp, o)
		case !limits.ValidRuleName(rule):
			v.errorf("%s %q: rule name %q is not valid (allowed: %s)", kp, o, rule, limits.RuleNameRule)
		case groupsOK && !slices.Contains(enabled, group):
			v.errorf("%s %q: rule group %q is not enabled (enabled: %s)", kp, o, group, strings.Join(enabled, ", "))
		}
	}
	modes := make([]string, len(geoModes))
	for i, m := range geoModes {
		modes[i] = string(m)
	}
	v.geo("waf.geo", string(w.GeoMode), modes, w.GeoCountries)
}

// geo checks a geographic mode and its country list (waf.geo, cloudfront.geoRestriction):
// countries are required unless the mode is none, and forbidden when it is.
func (v *validator) geo(p, mode string, modes, countries []string) {
	mp, cp := p+".mode", p+".countries"
	if v.given(mp, "") && !slices.Contains(modes, mode) {
		v.errorf("%s %q: unknown mode (allowed: %s)", mp, mode, strings.Join(modes, ", "))
		return
	}
	if v.d.bad[mp] || v.d.bad[cp] {
		return
	}
	switch {
	case mode == "none" && len(countries) > 0:
		v.errorf("%s: only allowed when %s is %s (it is %q): set the mode or remove the countries", cp, mp, strings.Join(modes[1:], " or "), mode)
		return
	case mode != "none" && len(countries) == 0:
		v.errorf("%s: required when %s is %q: at least one ISO 3166-1 alpha-2 country code, e.g. [US, DE]", cp, mp, mode)
		return
	}
	for i, c := range countries {
		kp := fmt.Sprintf("%s[%d]", cp, i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := earlier(countries, i)
		switch up := strings.ToUpper(c); {
		case dup:
			v.errorf("%s %q: duplicate of %s[%d] (list each country once)", kp, c, cp, j)
		case slices.Contains(limits.CountryCodes, c):
		case up != c && slices.Contains(limits.CountryCodes, up):
			v.errorf("%s %q: country codes are uppercase: write %q", kp, c, up)
		case limits.CountryHints[up] != "":
			v.errorf("%s %q: not an ISO 3166-1 alpha-2 country code (%s)", kp, c, limits.CountryHints[up])
		default:
			v.errorf("%s %q: not an ISO 3166-1 alpha-2 country code (two uppercase letters of an assigned code, e.g. US, DE, GB, JP)", kp, c)
		}
	}
}

func (v *validator) cloudfront() {
	c := &v.env.CloudFront
	oneOf(v, "cloudfront.priceClass", c.PriceClass, limits.PriceClasses, "unknown price class")
	v.geo("cloudfront.geoRestriction", c.GeoRestrictionMode, geoRestrictionModes, c.GeoRestrictionCountries)
	const sp = "cloudfront.frontend.source"
	// enabled: false builds an API-only edge, with no bucket to upload to.
	if v.given(sp, "") && !c.FrontendEnabled && !v.d.bad["cloudfront.frontend.enabled"] {
		v.errorf("%s %q: needs cloudfront.frontend.enabled: true (with false, CloudFront sends every path to the services and there is no frontend bucket to upload to); remove source or enabled: false", sp, c.FrontendSource)
	}
	if v.given(sp, "") && c.FrontendEnabled {
		switch src := c.FrontendSource; {
		case !validRelativeDir(src):
			v.errorf("%s %q: must be a folder path relative to the repository root, without \"..\" (e.g. \"frontend/dist\")", sp, src)
		default:
			dir := FrontendDir(v.env)
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				v.errorf("%s %q: no such folder under the repository root, the folder holding cdk.json (build the frontend there first, or remove source)", sp, src)
			} else if _, err := os.Stat(filepath.Join(dir, "index.html")); err != nil {
				v.errorf("%s %q: the folder has no index.html, which CloudFront serves as the default root object", sp, src)
			} else if link, why := frontendLink(dir); link != "" {
				v.errorf("%s %q: %s %s", sp, src, link, why)
			}
		}
	}
}

// FrontendDir is the folder the Edge stack uploads: cloudfront.frontend.source resolved against
// the repository root, as Load checked it; "" when there is none. Pass it to the construct
// rather than the source, which is relative to the repository root and not to the working
// directory of a test.
func FrontendDir(env *Environment) string {
	switch src := env.CloudFront.FrontendSource; {
	case src == "":
		return ""
	case filepath.IsAbs(src): // set by code: Load refuses an absolute source
		return src
	default:
		return filepath.Join(repositoryRoot(env.File), src)
	}
}

// repositoryRoot is the folder holding cdk.json above an environment file: cdk runs the app
// there, so the Edge stack resolves frontend.source against it. Without one, the working
// directory.
func repositoryRoot(file string) string {
	dir, err := filepath.Abs(filepath.Dir(file))
	for err == nil {
		if _, serr := os.Stat(filepath.Join(dir, "cdk.json")); serr == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "."
}

// frontendLink is the first symbolic link under dir (relative to it) that the upload must not
// follow, with why, or "": the upload follows links, so one that leaves dir (to a file, a folder
// or a folder above dir) publishes what it reaches (the bucket is CloudFront's origin), one to a
// folder that holds it is a loop the packaging follows until the path is too long, and one to
// nothing is left out now but would publish whatever is there when the upload runs. A link to a
// file or another folder inside dir is uploaded as what it links to. dir may itself be a link.
// A Windows junction is not a symbolic link to Go (fs.ModeIrregular) but is to Node: both count.
func frontendLink(dir string) (link, why string) {
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", ""
	}
	sep := string(filepath.Separator)
	inside := func(path, folder string) bool { return path == folder || strings.HasPrefix(path, folder+sep) }
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || path == root || d.Type()&(fs.ModeSymlink|fs.ModeIrregular) == 0 {
			return nil
		}
		target, err := filepath.EvalSymlinks(path)
		holder, herr := filepath.EvalSymlinks(filepath.Dir(path))
		switch {
		case err != nil || herr != nil:
			why = "links to nothing, which the upload leaves out now and would publish whatever is there when it runs: remove the link"
		case !inside(target, root):
			why = "links outside the folder, to " + target + ", which the upload would publish: copy what the frontend needs into the folder, or remove the link"
		case inside(holder, target):
			why = "links to a folder that holds it, a loop the upload's packaging follows until the path is too long: remove the link"
		default:
			return nil
		}
		link, _ = filepath.Rel(root, path)
		return filepath.SkipAll
	})
	return link, why
}

// validRelativeDir reports whether s is a non-empty relative path that stays inside its root.
func validRelativeDir(s string) bool {
	if s == "" || strings.HasPrefix(s, "/") || strings.HasPrefix(s, `\`) || filepath.IsAbs(s) || filepath.VolumeName(s) != "" ||
		(len(s) >= 2 && s[1] == ':') {
		return false
	}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '/' || r == '\\' }) {
		if part == ".." {
			return false
		}
	}
	return true
}

func (v *validator) tags() {
	keys := slices.Sorted(maps.Keys(v.env.Tags))
	if len(keys) > limits.MaxUserTags {
		v.errorf("tags: %d keys; at most %d (Route 53 health checks take 10 tags, and Stratus adds project, environment and Name)", len(keys), limits.MaxUserTags)
	}
	const chars = "letters, digits, spaces and _ . : / = + - @"
	for _, k := range keys {
		val := v.env.Tags[k]
		p := fmt.Sprintf("tags[%q]", k)
		switch {
		case slices.Contains(reservedTagKeys, strings.ToLower(k)):
			v.errorf("%s: reserved: the app sets the project, environment and Name tags itself (Name labels health checks, subnets and security groups in the console)", p)
		case strings.HasPrefix(strings.ToLower(k), "aws:"):
			v.errorf(`%s: keys starting with "aws:" are reserved by AWS`, p)
		case utf8.RuneCountInString(k) < 1 || utf8.RuneCountInString(k) > 128:
			v.errorf("%s: key must be 1-128 characters, got %d", p, utf8.RuneCountInString(k))
		case !tagCharsRE.MatchString(k):
			v.errorf("%s: key has characters AWS does not accept in tags (allowed: %s)", p, chars)
		}
		switch {
		case utf8.RuneCountInString(val) > 256:
			v.errorf("%s: value must be 0-256 characters, got %d", p, utf8.RuneCountInString(val))
		case !tagCharsRE.MatchString(val):
			v.errorf("%s %q: value has characters AWS does not accept in tags (allowed: %s)", p, val, chars)
		}
	}
}

// azExample gives an example AZ name for a region, for "required" messages.
func azExample(region string) string {
	if region == "" {
		return "us-east-1a"
	}
	return region + "a"
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
