package config

import (
	"fmt"
	"math/bits"
	"net/netip"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// appSubnetRoom reports an app subnet too small for what the environment may place in it at
// once: every service's tasks at their ceiling during a deployment (ECS runs the old and the new
// tasks side by side: twice maxCount, spread over the region's zones), the EC2 tiers' instances
// (one more each while an instance is replaced), one address per interface endpoint and the
// Lambda and VPC-link interfaces (limits.AppSubnetInterfaces). A task or instance that finds no
// free address is never started (ECS: "insufficient free addresses"), which shows only under load,
// so it is a config error here. It is a floor: a zone that fails takes its share elsewhere.
func (v *validator) appSubnetRoom() {
	env := v.env
	if len(env.Services) > limits.MaxServices {
		return // reported: the count, not the room, is the problem
	}
	tasks := 0 // per region, before the spread over zones
	for i, s := range env.Services {
		if v.d.bad[fmt.Sprintf("services[%d].maxCount", i)] || s.MaxCount < limits.MinTaskCount || s.MaxCount > limits.MaxTaskCount {
			return // reported
		}
		tasks += limits.DeploymentPeakPercent * s.MaxCount / 100
	}
	instances := 0
	if env.RunsTiers() {
		for _, t := range []Tier{env.Tiers.Web, env.Tiers.App} {
			instances += t.MaxCount + 1
		}
	}
	endpoints := len(env.Network.InterfaceEndpoints)
	for i, r := range env.Regions {
		zones := len(r.AvailabilityZones)
		if zones == 0 {
			continue
		}
		need := ceilDiv(tasks, zones) + ceilDiv(instances, zones) + endpoints + limits.AppSubnetInterfaces
		for j, az := range r.AvailabilityZones {
			p := fmt.Sprintf("regions[%d].availabilityZones[%d]", i, j)
			pfx, err := netip.ParsePrefix(az.AppSubnet)
			if err != nil || v.d.bad[p+".appSubnet"] || !pfx.Addr().Is4() {
				continue // reported
			}
			usable := 1<<(32-pfx.Bits()) - limits.ReservedSubnetAddresses
			if usable >= need {
				continue
			}
			key, what, fix := p+".appSubnet", fmt.Sprintf("%q", az.AppSubnet), "an appSubnet"
			if !v.d.has(key) {
				key, what, fix = p, fmt.Sprintf("appSubnet %q (derived)", az.AppSubnet), "explicit subnets with an appSubnet"
			}
			var parts []string
			if tasks > 0 {
				parts = append(parts, fmt.Sprintf("%d for the services' tasks (%d%% of each maxCount over %d zones: a deployment runs old and new tasks side by side)",
					ceilDiv(tasks, zones), limits.DeploymentPeakPercent, zones))
			}
			if instances > 0 {
				parts = append(parts, fmt.Sprintf("%d for the EC2 tiers' instances (one more each during a replacement)", ceilDiv(instances, zones)))
			}
			if endpoints > 0 {
				parts = append(parts, fmt.Sprintf("%d for the interface endpoints", endpoints))
			}
			parts = append(parts, fmt.Sprintf("%d for Lambda and VPC-link interfaces", limits.AppSubnetInterfaces))
			v.errorf("%s %s: %d usable addresses, fewer than the %d its zone may need at once: %s; give %s of at least /%d, or lower maxCount",
				key, what, usable, need, strings.Join(parts, ", "), fix, fitBits(need+limits.ReservedSubnetAddresses))
		}
	}
}

// ceilDiv is a/b rounded up (b > 0).
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// fitBits is the longest IPv4 prefix with at least n addresses.
func fitBits(n int) int { return 32 - bits.Len(uint(n-1)) }
