package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// TransitGateway (yaml "network.transitGateway") peers the regions of an environment through a
// Transit Gateway in each, so services reach a database in another region (the Aurora global
// writer endpoint) over private addresses.
type TransitGateway struct {
	// Enabled (yaml "enabled", default false) creates the gateways, their VPC attachments, the
	// peerings and the routes; it needs two or more regions. Off by default because every
	// attachment is billed by the hour and by the gigabyte; prod turns it on.
	Enabled bool `yaml:"enabled"`
	// Regions (yaml "regions", default: derived for every region) overrides a region's ASN or
	// attachment subnets. After Load of an enabled gateway it lists every region of the
	// environment, in regions[] order, with the defaults filled in.
	Regions []TransitGatewayRegion `yaml:"regions"`
}

// TransitGatewayRegion is one region's transit gateway settings.
type TransitGatewayRegion struct {
	// Name (yaml "name") is one of regions[].name.
	Name string `yaml:"name" jsonschema:"required"`
	// Asn (yaml "asn", default 64512 + the region's index in regions[]) is the gateway's Amazon
	// side ASN: private (64512-65534 or 4200000000-4294967294) and distinct across regions.
	Asn int `yaml:"asn"`
	// AttachmentSubnets (yaml "attachmentSubnets", default for a /16 VPC: <a>.<b>.30.(16*i)/28
	// for AZ i) are the subnets of the VPC attachment, one per availability zone in the order of
	// availabilityZones: /24 to /28, inside the VPC, overlapping no other subnet.
	AttachmentSubnets []string `yaml:"attachmentSubnets"`
}

// Region returns the settings of region name (filled in by Load); false when there are none.
func (t TransitGateway) Region(name string) (TransitGatewayRegion, bool) {
	i := slices.IndexFunc(t.Regions, func(r TransitGatewayRegion) bool { return r.Name == name })
	if i < 0 {
		return TransitGatewayRegion{}, false
	}
	return t.Regions[i], true
}

// TransitGatewayOn reports whether env's regions are peered through transit gateways.
func (env *Environment) TransitGatewayOn() bool {
	return env.Network.TransitGateway.Enabled && len(env.Regions) > 1
}

// transitGateway checks network.transitGateway and fills in every region's settings.
func (v *validator) transitGateway() {
	const base = "network.transitGateway"
	t := &v.env.Network.TransitGateway
	if v.d.bad[base] || v.d.bad[base+".regions"] {
		return
	}
	if t.Enabled && len(v.env.Regions) < 2 {
		// A gateway in a lone region would have nothing to route: every route and rule it adds
		// leads to another region of the environment.
		v.errorf("%s.enabled: needs two or more regions; a transit gateway here only peers the environment's regions (set enabled: false or add a region)", base)
	}
	given := map[string]int{}
	for i, r := range t.Regions {
		p := fmt.Sprintf("%s.regions[%d]", base, i)
		switch j, dup := given[r.Name]; {
		case v.d.bad[p] || v.d.bad[p+".name"] || !v.given(p+".name", "one of regions[].name"):
		case dup:
			v.errorf("%s.name %q: duplicate of %s.regions[%d].name (list each region once)", p, r.Name, base, j)
		case !slices.ContainsFunc(v.env.Regions, func(x Region) bool { return x.Name == r.Name }):
			v.errorf("%s.name %q: not one of regions[].name (allowed: %s)", p, r.Name, strings.Join(v.regionNames(), ", "))
		default:
			given[r.Name] = i
		}
	}
	out := make([]TransitGatewayRegion, 0, len(v.env.Regions))
	asnPath := map[int]string{}
	for i, region := range v.env.Regions {
		r := TransitGatewayRegion{Name: region.Name, Asn: limits.DefaultTransitGatewayASN + i}
		p, explicit := "", false
		if j, ok := given[region.Name]; ok {
			p, explicit = fmt.Sprintf("%s.regions[%d]", base, j), true
			if v.d.has(p + ".asn") {
				r.Asn = t.Regions[j].Asn
			}
			r.AttachmentSubnets = t.Regions[j].AttachmentSubnets
		}
		label := fmt.Sprintf("%s (derived for %s)", base, region.Name)
		if explicit && v.d.has(p+".asn") {
			label = p + ".asn"
			if !v.d.bad[label] && !limits.ValidASN(r.Asn) {
				v.errorf("%s %d: not a private ASN (allowed: %d-%d or %d-%d)", label, r.Asn,
					limits.MinPrivateASN16, limits.MaxPrivateASN16, limits.MinPrivateASN32, limits.MaxPrivateASN32)
			}
		}
		if other, dup := asnPath[r.Asn]; dup {
			v.errorf("%s %d: same ASN as %s; each region's gateway needs its own (allowed: a private ASN no other region uses)", label, r.Asn, other)
		} else {
			asnPath[r.Asn] = label
		}
		if explicit && v.d.has(p+".attachmentSubnets") {
			v.attachmentSubnets(p+".attachmentSubnets", i, r.AttachmentSubnets)
		} else {
			r.AttachmentSubnets = v.deriveAttachmentSubnets(i)
		}
		out = append(out, r)
	}
	if t.Enabled {
		t.Regions = out
	}
}

func (v *validator) regionNames() []string { return v.env.RegionNames() }

// deriveAttachmentSubnets gives every AZ of region i a /28 in the /24 at the third octet
// TransitGatewaySubnetOctet of a /16 VPC, and checks them against the region's other subnets.
func (v *validator) deriveAttachmentSubnets(i int) []string {
	region := v.env.Regions[i]
	vpc, err := netip.ParsePrefix(region.CIDR)
	if err != nil || !vpc.Addr().Is4() {
		return nil // reported by regions()
	}
	path := fmt.Sprintf("network.transitGateway (derived for %s)", region.Name)
	if vpc.Bits() != 16 {
		if v.env.Network.TransitGateway.Enabled {
			v.errorf("network.transitGateway: regions[%d] (%s) has a /%d cidr; only a /16 gets derived attachment subnets (give network.transitGateway.regions[].attachmentSubnets for %s)",
				i, region.Name, vpc.Bits(), region.Name)
		}
		return nil
	}
	b := vpc.Addr().As4()
	out := make([]string, len(region.AvailabilityZones))
	for j := range out {
		size := 1 << (32 - limits.TransitGatewaySubnetBits)
		out[j] = netip.PrefixFrom(netip.AddrFrom4([4]byte{b[0], b[1], limits.TransitGatewaySubnetOctet, byte(j * size)}), limits.TransitGatewaySubnetBits).String()
	}
	if v.env.Network.TransitGateway.Enabled {
		v.checkAttachmentSubnets(path, i, out)
	}
	return out
}

// attachmentSubnets checks explicit attachment subnets of region i at path.
func (v *validator) attachmentSubnets(path string, i int, list []string) {
	region := v.env.Regions[i]
	if len(list) != len(region.AvailabilityZones) {
		v.errorf("%s: %d subnet(s) for %d availability zones of %s (allowed: exactly one per zone, in the order of regions[%d].availabilityZones)",
			path, len(list), len(region.AvailabilityZones), region.Name, i)
		return
	}
	v.checkAttachmentSubnets(path, i, list)
}

// checkAttachmentSubnets reports attachment subnets that are malformed, outside region i's VPC
// or overlapping its other subnets or each other. path names them in messages.
func (v *validator) checkAttachmentSubnets(path string, i int, list []string) {
	region := v.env.Regions[i]
	vpc, vpcErr := netip.ParsePrefix(region.CIDR)
	type named struct {
		key    string
		prefix netip.Prefix
	}
	var taken []named
	for j, az := range region.AvailabilityZones {
		for _, s := range []struct{ key, cidr string }{{"publicSubnet", az.PublicSubnet}, {"appSubnet", az.AppSubnet}, {"dataSubnet", az.DataSubnet}} {
			if pf, err := netip.ParsePrefix(s.cidr); err == nil {
				taken = append(taken, named{fmt.Sprintf("regions[%d].availabilityZones[%d].%s", i, j, s.key), pf})
			}
		}
	}
	derived := strings.HasSuffix(path, ")")
	for j, c := range list {
		key := fmt.Sprintf("%s[%d]", path, j)
		if derived {
			key = fmt.Sprintf("%s attachment subnet %d", path, j)
		} else if v.d.bad[key] {
			continue
		}
		pf, ok := v.prefix(key, c, limits.MinAttachmentSubnetBits, limits.MaxAttachmentSubnetBits)
		if !ok {
			continue
		}
		if vpcErr == nil && !(vpc.Contains(pf.Addr()) && pf.Bits() >= vpc.Bits()) {
			v.errorf("%s %q: outside the VPC regions[%d].cidr %q", key, c, i, region.CIDR)
			continue
		}
		for _, t := range taken {
			if t.prefix.Overlaps(pf) {
				v.errorf("%s %q: overlaps %s %q (an attachment subnet holds only the gateway's interfaces)", key, c, t.key, t.prefix)
			}
		}
		taken = append(taken, named{key, pf})
	}
}
