package config

import (
	"fmt"
	"math"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/stratus-platform/stratus/internal/limits"
)

var (
	envNameRE     = regexp.MustCompile(`^[a-z][a-z0-9-]{1,19}$`)
	accountRE     = regexp.MustCompile(`^[0-9]{12}$`)
	serviceNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	// tagCharsRE is the character set AWS accepts in tag keys and values across services.
	tagCharsRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)
)

// Prefix lengths AWS accepts for a VPC are /16–/28; Stratus narrows the VPC to /16–/24 so
// there is always room for three tiers of subnets in at least two AZs.
const (
	minVPCBits, maxVPCBits       = 16, 24
	minSubnetBits, maxSubnetBits = 16, 28
)

// reservedTagKeys are set by the app on every resource; letting a file set them too would make
// the effective value depend on tag precedence.
var reservedTagKeys = []string{"project", "environment"}

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
	v.services()
	v.database()
	v.cache()
	v.app()
	v.dns()
	v.multiRegionData()
	v.waf()
	v.cloudfront()
	v.tags()
}

// errorf records a value problem. It has no line: the key path locates it, and relations such as
// an overlap have no single line.
func (v *validator) errorf(format string, args ...any) { v.d.errAt(0, format, args...) }

// given reports whether the key at path has a usable value. An absent required key is reported
// with what it should hold; a key whose value already failed to decode is not reported again.
func (v *validator) given(path, required string) bool {
	switch {
	case v.d.bad[path]:
		return false
	case v.d.present[path]:
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
	case !envNameRE.MatchString(v.env.Name):
		v.errorf("name %q: must be 2-20 characters: a lowercase letter, then lowercase letters, digits or hyphens ([a-z][a-z0-9-]{1,19})", v.env.Name)
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
			if p, ok := v.prefix(path+".cidr", r.CIDR, minVPCBits, maxVPCBits); ok {
				cidr = p
				vpcs = append(vpcs, vpc{path + ".cidr", p})
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
	keys := azKeys[1:] // publicSubnet, appSubnet, dataSubnet
	values := []*string{&az.PublicSubnet, &az.AppSubnet, &az.DataSubnet}
	thirdOctet := []int{1 + j, 10 + j, 20 + j} // the seed layout: 10.x.1-3, 10.x.10-12, 10.x.20-22
	var given, missing []string
	for _, k := range keys {
		if v.d.present[p+"."+k] {
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
		if !v.d.present[kp] || v.d.bad[kp] {
			continue
		}
		s := *values[i]
		pfx, ok := v.prefix(kp, s, minSubnetBits, maxSubnetBits)
		if !ok {
			continue
		}
		if cidr.IsValid() && !(cidr.Contains(pfx.Addr()) && pfx.Bits() >= cidr.Bits()) {
			v.errorf("%s %q: outside the VPC %s.cidr %q", kp, s, regionPath, cidr)
			continue
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
	if v.given("network.natGateways", "") && !slices.Contains(natModes, nw.NatGateways) {
		v.errorf("network.natGateways %q: unknown NAT mode (allowed: %s, %s)", nw.NatGateways, NatPerAZ, NatSingle)
	}
	if v.given("network.interfaceEndpoints", "") {
		first := map[string]int{}
		for i, name := range nw.InterfaceEndpoints {
			p := fmt.Sprintf("network.interfaceEndpoints[%d]", i)
			if v.d.bad[p] {
				continue
			}
			switch j, dup := first[name]; {
			case dup:
				v.errorf("%s %q: duplicate of network.interfaceEndpoints[%d] (list each endpoint once)", p, name, j)
			case slices.Contains(gatewayEndpoints, name):
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
			if _, dup := first[name]; !dup {
				first[name] = i
			}
		}
	}
	if v.given("network.flowLogRetentionDays", "") && !slices.Contains(flowLogRetentionValues, nw.FlowLogRetentionDays) {
		v.errorf("network.flowLogRetentionDays %d: not a retention CloudWatch Logs accepts (allowed: %s)", nw.FlowLogRetentionDays, joinInts(flowLogRetentionValues))
	}
}

func (v *validator) services() {
	cachePortOK := !v.d.bad["cache"] && !v.d.bad["cache.port"]
	first := map[string]int{}
	for i := range v.env.Services {
		s := &v.env.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		if v.d.bad[p] {
			continue
		}
		if v.given(p+".name", "the service name, [a-z][a-z0-9-]{0,30}") {
			switch j, dup := first[s.Name]; {
			case !serviceNameRE.MatchString(s.Name):
				v.errorf("%s.name %q: must be a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30})", p, s.Name)
			case dup:
				v.errorf("%s.name %q: duplicate of services[%d].name (service names must be unique)", p, s.Name, j)
			default:
				first[s.Name] = i
			}
		}
		who := v.serviceLabel(p, s)
		v.servicePort(p, who, s, cachePortOK)
		v.image(p, who, s)
		v.fargateSize(p, who, s)
		v.counts(p, who, Capacity{DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount})
		v.intRange(p+".scaling.cpuTarget", who, s.CpuTarget, 1, 100, "percent")
		v.intRange(p+".scaling.memoryTarget", who, s.MemoryTarget, 1, 100, "percent")
		v.intRange(p+".scaling.requestsPerTarget", who, s.RequestsPerTarget, 1, 1000000, "requests per task per minute")
		if v.given(p+".pathPattern", "") && !validPathPattern(s.PathPattern) {
			v.errorf(`%s.pathPattern %q%s: not an ALB path pattern (allowed: starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * ?)`,
				p, s.PathPattern, who)
			v.d.bad[p+".pathPattern"] = true // not compared with the other services' patterns
		}
		if v.given(p+".healthCheckPath", "") && !validHealthCheckPath(s.HealthCheckPath) {
			v.errorf(`%s.healthCheckPath %q%s: not a health-check path (allowed: starting with "/", at most 1024 characters, no spaces or "*"; e.g. "/health")`,
				p, s.HealthCheckPath, who)
		}
		if v.given(p+".database", "") && !slices.Contains(databaseEngines, s.Database) {
			v.errorf("%s.database %q%s: unknown database engine (allowed: %s, %s, %s)", p, s.Database, who, EngineAuroraPostgres, EnginePostgres, EngineNone)
			v.d.bad[p+".database"] = true
		}
		v.environment(p, who, s)
		v.sidecars(p, who, s)
	}
	v.pathPatterns(first)
	v.sharedDatabases(first)
}

// serviceLabel returns ` (service "name")` for the service at key path p, to follow the value in
// its messages (a key path alone does not say which service services[3] is), or "" when the
// service has no usable name.
func (v *validator) serviceLabel(p string, s *Service) string {
	if !v.d.present[p+".name"] || v.d.bad[p+".name"] {
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
	case s.Port < 1 || s.Port > 65535:
		v.errorf("%s.port %d%s: out of range (%s)", p, s.Port, who, allowed)
	case s.Port == 80 || s.Port == 443:
		v.errorf("%s.port %d%s: reserved for the ALB's listeners (%s)", p, s.Port, who, allowed)
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
	case !v.d.present[kp]:
		v.errorf("%s%s: required: %s", kp, who, imageRequired)
	default:
		if msg := imageProblem(s.Image); msg != "" {
			v.errorf("%s %q%s: %s", kp, s.Image, who, msg)
		}
	}
}

// imageProblem says what is wrong with an image reference, or "" when it is fine. A value with
// none of "/", ":" and "@" is a bare tag in the service's own repository.
func imageProblem(img string) string {
	const tagRule = "1-128 characters of letters, digits, _ . and -, not starting with . or -"
	if !strings.ContainsAny(img, "/:@") {
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
		return "a full reference needs a registry and a repository (registry/repository:tag, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2 or docker.io/library/nginx:1.27); a bare tag has no : or @"
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
	mems, ok := fargateMemory[s.Cpu]
	switch {
	case !ok:
		v.errorf("%s.cpu %d%s: not a Fargate CPU size (allowed: %s)", p, s.Cpu, who, joinInts(fargateCpus))
	case slices.Contains(mems, s.Memory):
	case v.d.present[p+".memory"]:
		v.errorf("%s.memory %d%s: Fargate cpu %d allows memory %s", p, s.Memory, who, s.Cpu, joinInts(mems))
	default:
		v.errorf("%s.cpu %d%s: the default memory %d does not fit: Fargate cpu %d allows memory %s (give memory)", p, s.Cpu, who, s.Memory, s.Cpu, joinInts(mems))
	}
}

// counts checks the task counts under key path p (a service or app.warmCapacity):
// 1 <= minCount <= desiredCount <= maxCount <= 1000. A broken order is reported once, on a key
// the file gives.
func (v *validator) counts(p, who string, c Capacity) {
	const rule = "1 <= minCount <= desiredCount <= maxCount <= 1000"
	value := map[string]int{"desiredCount": c.DesiredCount, "minCount": c.MinCount, "maxCount": c.MaxCount}
	ok := true
	for _, k := range capacityKeys {
		kp := p + "." + k
		switch x := value[k]; {
		case v.d.bad[kp]:
			ok = false
		case x < 1 || x > 1000:
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
		if !v.d.present[p+"."+a] {
			a, b, rel = b, a, inv
		}
		other := fmt.Sprintf("%s %d", b, value[b])
		if !v.d.present[p+"."+b] {
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

// intRange reports a given integer outside lo..hi; unit (may be "") follows the range.
func (v *validator) intRange(path, who string, x, lo, hi int, unit string) {
	if !v.given(path, "") || (x >= lo && x <= hi) {
		return
	}
	if unit != "" {
		unit = " " + unit
	}
	v.errorf("%s %d%s: out of range (allowed: %d-%d%s)", path, x, who, lo, hi, unit)
}

// pathPatternRE is the character set of ALB path-pattern conditions.
var pathPatternRE = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$`)

func validPathPattern(s string) bool { return pathPatternRE.MatchString(s) }

func validHealthCheckPath(s string) bool {
	return strings.HasPrefix(s, "/") && len(s) <= 1024 && !strings.Contains(s, "*") &&
		!strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// pathPatterns reports two services routed by the same path pattern. first maps the usable
// service names to their index; a service without one has no usable default pattern.
func (v *validator) pathPatterns(first map[string]int) {
	owner := map[string]int{}
	for i := range v.env.Services {
		s := &v.env.Services[i]
		p := fmt.Sprintf("services[%d]", i)
		given := v.d.present[p+".pathPattern"]
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
		if !v.d.present[other] {
			other = "the default pathPattern of " + pb
		}
		v.errorf("%s.pathPattern %q%s: same as %s%s (each service needs its own path pattern)",
			pa, s.PathPattern, v.serviceLabel(pa, &v.env.Services[a]), other, v.serviceLabel(pb, &v.env.Services[b]))
	}
}

// envVarNameRE is the environment variable names Stratus accepts (POSIX style, uppercase).
var envVarNameRE = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,254}$`)

func (v *validator) environment(p, who string, s *Service) {
	names := make([]string, 0, len(s.Environment))
	for k := range s.Environment {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		kp := fmt.Sprintf("%s.environment[%q]", p, k)
		switch {
		case !envVarNameRE.MatchString(k):
			v.errorf("%s%s: not an environment variable name (allowed: [A-Z_][A-Z0-9_]{0,254}: uppercase letters, digits and _, not starting with a digit)", kp, who)
		case slices.Contains(reservedEnvNames, k) || hasAnyPrefix(k, reservedEnvPrefixes):
			v.errorf("%s%s: reserved: Stratus sets %s and AWS_*, ECS_* itself", kp, who, strings.Join(reservedEnvNames, ", "))
		}
	}
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func (v *validator) sidecars(p, who string, s *Service) {
	first := map[string]int{}
	for i, name := range s.Sidecars {
		kp := fmt.Sprintf("%s.sidecars[%d]", p, i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := first[name]
		switch {
		case dup:
			v.errorf("%s %q%s: duplicate of %s.sidecars[%d] (list each sidecar once)", kp, name, who, p, j)
		case !slices.Contains(sidecarNames, name):
			v.errorf("%s %q%s: unknown sidecar (allowed: %s)", kp, name, who, strings.Join(sidecarNames, ", "))
		}
		if !dup {
			first[name] = i
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
		case v.d.present[pj+".shareDatabaseWith"]:
			v.errorf("%s %q%s: that service shares the database of %q itself (name the owner of a database)", kp, s.ShareDatabaseWith, who, owner.ShareDatabaseWith)
		case v.d.bad[pj+".database"]:
			// the owner's engine is wrong and has been reported
		case owner.Database == EngineNone:
			v.errorf("%s %q%s: that service has database none, so there is no database to share", kp, s.ShareDatabaseWith, who)
		case !v.d.present[p+".database"]:
			s.Database = owner.Database
		case !v.d.bad[p+".database"] && s.Database != owner.Database:
			v.errorf("%s.database %q%s: differs from the database of %q, which it shares (%s); remove database or make them equal",
				p, s.Database, who, s.ShareDatabaseWith, owner.Database)
		}
	}
}

func (v *validator) database() {
	db := &v.env.Database
	if v.given("database.engineVersion", "") && !slices.Contains(auroraPostgresVersions, db.EngineVersion) {
		v.errorf("database.engineVersion %q: not a supported Aurora PostgreSQL version (allowed: %s)", db.EngineVersion, strings.Join(auroraPostgresVersions, ", "))
	}
	if v.given("database.instanceClass", "") {
		switch {
		case db.ServerlessV2 != nil:
			v.errorf("database.instanceClass %q: not allowed together with database.serverlessV2 (Serverless v2 instances have no instance class; remove one of the two)", db.InstanceClass)
		case db.InstanceClass == serverlessInstanceClass:
			v.errorf("database.instanceClass %q: for Serverless v2 give database.serverlessV2 {minCapacity, maxCapacity} instead", db.InstanceClass)
		default:
			v.instanceClass("database.instanceClass", db.InstanceClass, "db.r6g.large, db.t4g.medium, db.r7g.2xlarge")
		}
	}
	v.intRange("database.readers", "", db.Readers, 0, 15, "")
	if sv := db.ServerlessV2; sv != nil {
		v.serverlessV2(sv)
	}
	v.intRange("database.backupRetentionDays", "", db.BackupRetentionDays, 1, 35, "days")
	v.windows("database.backupWindow", db.BackupWindow, "database.maintenanceWindow", db.MaintenanceWindow, 30)
	if v.given("database.removalPolicy", "") && !slices.Contains(removalPolicies, db.RemovalPolicy) {
		v.errorf("database.removalPolicy %q: unknown removal policy (allowed: %s)", db.RemovalPolicy, strings.Join(removalPolicies, ", "))
	}
	if v.given("database.globalDatabase", "") && db.GlobalDatabase && v.singleRegion() {
		v.errorf("database.globalDatabase true: a Global Database needs a secondary region: add a second entry to regions")
	}
	if v.given("database.secondaryReaders", "") {
		switch {
		case db.SecondaryReaders < 0 || db.SecondaryReaders > 15:
			v.errorf("database.secondaryReaders %d: out of range (allowed: 0-15; 0 makes the secondary clusters headless)", db.SecondaryReaders)
		case !db.GlobalDatabase && !v.d.bad["database.globalDatabase"]:
			v.errorf("database.secondaryReaders %d: only applies to a Global Database (set database.globalDatabase: true, with at least two regions, or remove secondaryReaders)", db.SecondaryReaders)
		}
	}

	pg := &db.Postgres
	if v.given("database.postgres.engineVersion", "") && !slices.Contains(postgresVersions, pg.EngineVersion) {
		v.errorf("database.postgres.engineVersion %q: not a supported PostgreSQL version (allowed: %s)", pg.EngineVersion, strings.Join(postgresVersions, ", "))
	}
	if v.given("database.postgres.instanceClass", "") {
		v.instanceClass("database.postgres.instanceClass", pg.InstanceClass, "db.t3.medium, db.m6g.large, db.r6g.xlarge")
	}
	const (
		alloc    = "database.postgres.allocatedStorageGiB"
		maxAlloc = "database.postgres.maxAllocatedStorageGiB"
	)
	allocOK := !v.d.bad[alloc]
	if v.given(alloc, "") && (pg.AllocatedStorageGiB < 20 || pg.AllocatedStorageGiB > 65536) {
		v.errorf("%s %d: out of range (allowed: 20-65536 GiB)", alloc, pg.AllocatedStorageGiB)
		allocOK = false
	}
	switch {
	case v.d.bad[maxAlloc]:
	case pg.MaxAllocatedStorageGiB > 65536:
		v.errorf("%s %d: out of range (allowed: allocatedStorageGiB-65536 GiB)", maxAlloc, pg.MaxAllocatedStorageGiB)
	case !allocOK || pg.MaxAllocatedStorageGiB >= pg.AllocatedStorageGiB:
	case v.d.present[maxAlloc]:
		v.errorf("%s %d: below allocatedStorageGiB %d (allowed: %d-65536 GiB; storage autoscaling never shrinks)",
			maxAlloc, pg.MaxAllocatedStorageGiB, pg.AllocatedStorageGiB, pg.AllocatedStorageGiB)
	default:
		v.errorf("%s %d: above maxAllocatedStorageGiB %d, the default (give maxAllocatedStorageGiB, %d-65536)",
			alloc, pg.AllocatedStorageGiB, pg.MaxAllocatedStorageGiB, pg.AllocatedStorageGiB)
	}
}

var (
	dbInstanceClassRE = regexp.MustCompile(`^db\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
	cacheNodeTypeRE   = regexp.MustCompile(`^cache\.[a-z][a-z0-9-]*\.[a-z0-9]+$`)
)

func (v *validator) instanceClass(path, class, examples string) {
	if !dbInstanceClassRE.MatchString(class) {
		v.errorf("%s %q: not an RDS instance class (allowed: db.<family>.<size>, e.g. %s)", path, class, examples)
	}
}

func (v *validator) serverlessV2(sv *ServerlessV2) {
	const p = "database.serverlessV2"
	check := func(key string, x, lo float64, required string) bool {
		kp := p + "." + key
		if !v.given(kp, required) {
			return false
		}
		rule := fmt.Sprintf("allowed: %s-256 ACUs in steps of 0.5", formatFloat(lo))
		switch {
		case x < lo || x > 256:
			v.errorf("%s %s: out of range (%s)", kp, formatFloat(x), rule)
		case math.Mod(x*2, 1) != 0:
			v.errorf("%s %s: not a multiple of 0.5 (%s)", kp, formatFloat(x), rule)
		default:
			return true
		}
		return false
	}
	minOK := check("minCapacity", sv.MinCapacity, 0.5, "the minimum capacity, 0.5-256 ACUs in steps of 0.5")
	maxOK := check("maxCapacity", sv.MaxCapacity, 1, "the maximum capacity, 1-256 ACUs in steps of 0.5")
	if minOK && maxOK && sv.MinCapacity > sv.MaxCapacity {
		v.errorf("%s.minCapacity %s: above maxCapacity %s (allowed: minCapacity <= maxCapacity)", p, formatFloat(sv.MinCapacity), formatFloat(sv.MaxCapacity))
	}
}

func formatFloat(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

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
	if db.GlobalDatabase && db.SecondaryReaders == 0 && v.d.present["database.secondaryReaders"] && v.env.DNS.Routing != RoutingFailover && !v.d.bad["dns.routing"] {
		v.errorf("database.secondaryReaders 0: headless secondary clusters serve no queries, but with dns.routing %s the services of every region take traffic (allowed: 1-15, or dns.routing: failover, where the warm region waits for a reader to be added at failover)",
			v.env.DNS.Routing)
	}
}

func (v *validator) singleRegion() bool {
	return !v.d.bad["regions"] && len(v.env.Regions) == 1
}

var (
	dailyWindowRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$`)
	weeklyWindowRE = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])$`)
	weekdays       = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

const minutesPerDay, minutesPerWeek = 24 * 60, 7 * 24 * 60

// dailyWindow parses hh24:mi-hh24:mi into its start (minutes after midnight) and length; a
// window may wrap midnight.
func dailyWindow(s string) (start, length int, ok bool) {
	m := dailyWindowRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	start, end := atoi(m[1])*60+atoi(m[2]), atoi(m[3])*60+atoi(m[4])
	return start, (end - start + minutesPerDay) % minutesPerDay, true
}

// weeklyWindow parses ddd:hh24:mi-ddd:hh24:mi into its start (minutes after Monday 00:00) and
// length; a window may wrap the end of the week.
func weeklyWindow(s string) (start, length int, ok bool) {
	m := weeklyWindowRE.FindStringSubmatch(s)
	if m == nil {
		return 0, 0, false
	}
	start = slices.Index(weekdays, m[1])*minutesPerDay + atoi(m[2])*60 + atoi(m[3])
	end := slices.Index(weekdays, m[4])*minutesPerDay + atoi(m[5])*60 + atoi(m[6])
	return start, (end - start + minutesPerWeek) % minutesPerWeek, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// windows checks a daily window (backups, snapshots) and a weekly maintenance window: their
// syntax, a minimum length each, and that the daily window meets the weekly one on no day.
func (v *validator) windows(dailyPath, daily, weeklyPath, weekly string, minMinutes int) {
	dStart, dLen, dOK := dailyWindow(daily)
	if v.d.bad[dailyPath] {
		dOK = false
	} else if !dOK {
		v.errorf("%s %q: not a daily window (allowed: hh24:mi-hh24:mi in UTC, e.g. \"03:00-04:00\", at least %d minutes)", dailyPath, daily, minMinutes)
	} else if dLen < minMinutes {
		v.errorf("%s %q: %d minutes long (allowed: at least %d minutes)", dailyPath, daily, dLen, minMinutes)
		dOK = false
	}
	wStart, wLen, wOK := weeklyWindow(weekly)
	if v.d.bad[weeklyPath] {
		wOK = false
	} else if !wOK {
		v.errorf("%s %q: not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of %s, e.g. \"sun:04:30-sun:05:30\", at least %d minutes)",
			weeklyPath, weekly, strings.Join(weekdays, ", "), minMinutes)
	} else if wLen < minMinutes {
		v.errorf("%s %q: %d minutes long (allowed: at least %d minutes)", weeklyPath, weekly, wLen, minMinutes)
		wOK = false
	}
	if !dOK || !wOK {
		return
	}
	var inWeekly [minutesPerWeek]bool
	for m := range wLen {
		inWeekly[(wStart+m)%minutesPerWeek] = true
	}
	for day := range 7 {
		for m := range dLen {
			at := (day*minutesPerDay + dStart + m) % minutesPerWeek
			if !inWeekly[at] {
				continue
			}
			a, av, b, bv := dailyPath, daily, weeklyPath, weekly
			if !v.d.present[dailyPath] {
				a, av, b, bv = weeklyPath, weekly, dailyPath, daily
			}
			other := fmt.Sprintf("%s %q", b, bv)
			if !v.d.present[b] {
				other = "the default " + other
			}
			v.errorf("%s %q: overlaps %s on %s (the two windows must not overlap on any day)", a, av, other, weekdays[at/minutesPerDay])
			return
		}
	}
}

func (v *validator) cache() {
	c := &v.env.Cache
	if !v.d.bad["cache.port"] {
		port := c.Port
		allowed := fmt.Sprintf("allowed: 1024-65535 except %d", DatabasePort)
		switch {
		case port < 1024 || port > 65535:
			v.errorf("cache.port %d: out of range for ElastiCache (%s)", port, allowed)
		case port == DatabasePort:
			v.errorf("cache.port %d: is the database port (%s)", port, allowed)
		}
	}
	engineOK := !v.d.bad["cache.engine"]
	if v.given("cache.engine", "") && !slices.Contains(cacheEngines, c.Engine) {
		v.errorf("cache.engine %q: unknown cache engine (allowed: %s)", c.Engine, strings.Join(cacheEngines, ", "))
		engineOK = false
	}
	if engineOK && !v.d.bad["cache.engineVersion"] && !slices.Contains(cacheVersions[c.Engine], c.EngineVersion) {
		v.errorf("cache.engineVersion %q: not a supported %s version (allowed: %s)", c.EngineVersion, c.Engine, strings.Join(cacheVersions[c.Engine], ", "))
	}
	if v.given("cache.nodeType", "") && !cacheNodeTypeRE.MatchString(c.NodeType) {
		v.errorf("cache.nodeType %q: not an ElastiCache node type (allowed: cache.<family>.<size>, e.g. cache.r7g.large, cache.t4g.micro)", c.NodeType)
	}
	v.intRange("cache.replicas", "", c.Replicas, 0, 5, "")
	v.intRange("cache.snapshotRetentionDays", "", c.SnapshotRetentionDays, 15, 35, "days")
	v.windows("cache.snapshotWindow", c.SnapshotWindow, "cache.maintenanceWindow", c.MaintenanceWindow, 60)
	if v.given("cache.globalDatastore", "") && c.GlobalDatastore && v.singleRegion() {
		v.errorf("cache.globalDatastore true: a Global Datastore needs a secondary region: add a second entry to regions")
	}
}

// secretNameRE is the Secrets Manager secret name syntax.
var secretNameRE = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)

func (v *validator) app() {
	a := &v.env.App
	if v.given("app.logRetentionDays", "") && !slices.Contains(flowLogRetentionValues, a.LogRetentionDays) {
		v.errorf("app.logRetentionDays %d: not a retention CloudWatch Logs accepts (allowed: %s)", a.LogRetentionDays, joinInts(flowLogRetentionValues))
	}
	if v.given("app.namespace", "") && !validDNSName(a.Namespace, 1) {
		v.errorf("app.namespace %q: not a DNS name (allowed: %s)%s", a.Namespace, dnsNameRule, lowercaseHint(a.Namespace, 1))
	}
	if o := a.Otlp; o != nil {
		if v.given("app.otlp.endpoint", "the https:// URL of the OTLP endpoint") {
			if u, err := url.Parse(o.Endpoint); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
				v.errorf("app.otlp.endpoint %q: must be an https:// URL without credentials (e.g. \"https://otlp.example.com/otlp\"; credentials belong in the secret)", o.Endpoint)
			}
		}
		if v.given("app.otlp.secretName", "the name of the Secrets Manager secret with the endpoint's credentials") && !secretNameRE.MatchString(o.SecretName) {
			v.errorf("app.otlp.secretName %q: not a Secrets Manager secret name (allowed: 1-512 characters of letters, digits and / _ + = . @ -)", o.SecretName)
		}
		if !v.anyServiceRuns("adot") {
			v.errorf("app.otlp: no service runs the adot sidecar, which makes the OTLP export (add adot to a service's sidecars, or remove otlp)")
		}
	}
	const wp = "app.warmCapacity"
	if v.d.present[wp] && !v.d.bad[wp] {
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

var (
	dnsLabelRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	hostedZoneRE = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
)

const dnsNameRule = "lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot"

// validDNSName reports whether s is a lowercase DNS name of at least minLabels labels.
func validDNSName(s string, minLabels int) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < minLabels {
		return false
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// lowercaseHint suggests the fix for a DNS name that is only wrong in case or by a trailing dot.
func lowercaseHint(s string, minLabels int) string {
	if fixed := strings.TrimSuffix(strings.ToLower(s), "."); fixed != s && validDNSName(fixed, minLabels) {
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
		if domainOK = validDNSName(dn.Domain, 2); !domainOK {
			v.errorf("dns.domain %q: not a domain name (allowed: at least two %s)%s", dn.Domain, dnsNameRule, lowercaseHint(dn.Domain, 2))
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
		if n := len(dn.ViewerNames); n < 1 || n > 10 {
			v.errorf("dns.viewerNames: has %d names (allowed: 1-10 names, each dns.domain or a subdomain of it)", n)
		}
		first := map[string]int{}
		for i, name := range dn.ViewerNames {
			kp := fmt.Sprintf("dns.viewerNames[%d]", i)
			if v.d.bad[kp] {
				continue
			}
			j, dup := first[name]
			switch {
			case dup:
				v.errorf("%s %q: duplicate of dns.viewerNames[%d] (list each name once)", kp, name, j)
			case !validDNSName(name, 2):
				v.errorf("%s %q: not a domain name (allowed: %s)%s", kp, name, dnsNameRule, lowercaseHint(name, 2))
			case domainOK && name != dn.Domain && !strings.HasSuffix(name, "."+dn.Domain):
				v.errorf("%s %q: outside the domain (allowed: dns.domain %q or a subdomain of it)", kp, name, dn.Domain)
			}
			if !dup {
				first[name] = i
			}
		}
	}
	if v.given("dns.routing", "") {
		switch {
		case !slices.Contains(routingModes, dn.Routing):
			v.errorf("dns.routing %q: unknown routing (allowed: %s, %s)", dn.Routing, RoutingLatency, RoutingFailover)
		case dn.Routing == RoutingFailover && v.singleRegion():
			v.errorf("dns.routing %q: failover routing needs a secondary region: add a second entry to regions", dn.Routing)
		}
	}
	if v.given("dns.healthCheck.intervalSeconds", "") && dn.HealthCheckIntervalSeconds != 10 && dn.HealthCheckIntervalSeconds != 30 {
		v.errorf("dns.healthCheck.intervalSeconds %d: not an interval Route 53 health checks accept (allowed: 10, 30)", dn.HealthCheckIntervalSeconds)
	}
	v.intRange("dns.healthCheck.failureThreshold", "", dn.HealthCheckFailureThreshold, 1, 10, "failed checks")
}

// ruleNameRE is the syntax of a rule name inside an AWS managed rule group.
var ruleNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)

func (v *validator) waf() {
	w := &v.env.WAF
	v.intRange("waf.rateLimit", "", w.RateLimit, 100, 2000000000, "requests per 5 minutes per IP")
	enabled := slices.Clone(defaultRuleGroups)
	first := map[string]int{}
	for i, g := range w.ManagedRuleGroups {
		kp := fmt.Sprintf("waf.managedRuleGroups[%d]", i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := first[g]
		switch {
		case dup:
			v.errorf("%s %q: duplicate of waf.managedRuleGroups[%d] (list each group once)", kp, g, j)
		case slices.Contains(defaultRuleGroups, g):
			v.errorf("%s %q: always on (Stratus always enables %s; list only extra groups)", kp, g, strings.Join(defaultRuleGroups, ", "))
		case !slices.Contains(extraRuleGroups, g):
			v.errorf("%s %q: unknown managed rule group (allowed: %s)", kp, g, strings.Join(extraRuleGroups, ", "))
		default:
			enabled = append(enabled, g)
		}
		if !dup {
			first[g] = i
		}
	}
	groupsOK := !v.d.bad["waf.managedRuleGroups"]
	seen := map[string]int{}
	for i, o := range w.CountOverrides {
		kp := fmt.Sprintf("waf.countOverrides[%d]", i)
		if v.d.bad[kp] {
			continue
		}
		group, rule, ok := strings.Cut(o, ":")
		j, dup := seen[o]
		switch {
		case dup:
			v.errorf("%s %q: duplicate of waf.countOverrides[%d] (list each rule once)", kp, o, j)
		case !ok || group == "" || strings.Contains(rule, ":"):
			v.errorf("%s %q: must be <GroupName>:<RuleName> (e.g. \"AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY\")", kp, o)
		case !ruleNameRE.MatchString(rule):
			v.errorf("%s %q: rule name %q is not valid (allowed: 1-128 characters of letters, digits, _ and -)", kp, o, rule)
		case groupsOK && !slices.Contains(enabled, group):
			v.errorf("%s %q: rule group %q is not enabled (enabled: %s)", kp, o, group, strings.Join(enabled, ", "))
		}
		if !dup {
			seen[o] = i
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
	first := map[string]int{}
	for i, c := range countries {
		kp := fmt.Sprintf("%s[%d]", cp, i)
		if v.d.bad[kp] {
			continue
		}
		j, dup := first[c]
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
		if !dup {
			first[c] = i
		}
	}
}

func (v *validator) cloudfront() {
	c := &v.env.CloudFront
	if v.given("cloudfront.priceClass", "") && !slices.Contains(priceClasses, c.PriceClass) {
		v.errorf("cloudfront.priceClass %q: unknown price class (allowed: %s)", c.PriceClass, strings.Join(priceClasses, ", "))
	}
	v.geo("cloudfront.geoRestriction", c.GeoRestrictionMode, geoRestrictionModes, c.GeoRestrictionCountries)
	const sp = "cloudfront.frontend.source"
	if v.given(sp, "") {
		switch src := c.FrontendSource; {
		case !validRelativeDir(src):
			v.errorf("%s %q: must be a folder path relative to the repository root, without \"..\" (e.g. \"frontend/dist\")", sp, src)
		case !c.FrontendEnabled && !v.d.bad["cloudfront.frontend.enabled"]:
			v.errorf("%s %q: only used when cloudfront.frontend.enabled is true (enable the frontend or remove source)", sp, src)
		}
	}
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
	keys := make([]string, 0, len(v.env.Tags))
	for k := range v.env.Tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	const chars = "letters, digits, spaces and _ . : / = + - @"
	for _, k := range keys {
		val := v.env.Tags[k]
		p := fmt.Sprintf("tags[%q]", k)
		switch {
		case slices.Contains(reservedTagKeys, strings.ToLower(k)):
			v.errorf("%s: reserved: the app sets the %s and %s tags itself", p, reservedTagKeys[0], reservedTagKeys[1])
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
