package config

import (
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
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
	v.network()
	v.services()
	v.cache()
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
				if known && !facts.hasAZ(az.Name) {
					v.errorf("%s.name %q: not an availability zone of %s (allowed: %s)", p, az.Name, r.Name, strings.Join(facts.azNames(), ", "))
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
	for i, s := range v.env.Services {
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
		if v.d.bad[p+".port"] {
			continue
		}
		const allowed = "allowed: 1-65535 except 80 and 443"
		switch {
		case s.Port < 1 || s.Port > 65535:
			v.errorf("%s.port %d: out of range (%s)", p, s.Port, allowed)
		case s.Port == 80 || s.Port == 443:
			v.errorf("%s.port %d: reserved for the ALB's listeners (%s)", p, s.Port, allowed)
		case cachePortOK && s.Port == v.env.Cache.Port:
			v.errorf("%s.port %d: equals cache.port %d (the app and cache security groups would share a port; pick another)", p, s.Port, v.env.Cache.Port)
		}
	}
}

func (v *validator) cache() {
	if v.d.bad["cache.port"] {
		return
	}
	port := v.env.Cache.Port
	allowed := fmt.Sprintf("allowed: 1024-65535 except %d", DatabasePort)
	switch {
	case port < 1024 || port > 65535:
		v.errorf("cache.port %d: out of range for ElastiCache (%s)", port, allowed)
	case port == DatabasePort:
		v.errorf("cache.port %d: is the database port (%s)", port, allowed)
	}
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
