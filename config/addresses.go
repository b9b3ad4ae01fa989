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
		need := ceilDiv(tasks, zones) + ceilDiv(instances, zones) + endpoints + limits.AppSubnetInterfaces
		v.subnetRoom(i, "appSubnet", need, parts, "lower maxCount")
	}
}

// dataSubnetRoom reports a data subnet too small for what the environment places in it: in each
// region, every database instance (an Aurora cluster's writer and readers, or a Global
// Database secondary's readers; an RDS instance and its Multi-AZ standby, the EC2 app tier's
// too) and cache node (the primary and its replicas), spread over the region's zones (the
// transit gateway attaches to subnets of its own, and the databases' functions run in the app
// subnets). RDS and ElastiCache refuse to create an instance or node in a subnet group with no
// free address, mid-deploy. Like appSubnetRoom it is a floor: AWS does not promise an even
// spread.
func (v *validator) dataSubnetRoom() {
	env, db := v.env, v.env.Database
	for _, key := range []string{"database.readers", "database.secondaryReaders", "database.postgres.multiAz", "cache.replicas"} {
		if v.d.bad[key] {
			return // reported
		}
	}
	if db.Readers < limits.MinReaders || db.Readers > limits.MaxReaders || db.SecondaryReaders < limits.MinReaders ||
		db.SecondaryReaders > limits.MaxReaders || env.Cache.Replicas < limits.MinCacheReplicas || env.Cache.Replicas > limits.MaxCacheReplicas {
		return // reported
	}
	rds := 1 // an RDS instance, with its standby under Multi-AZ
	if db.Postgres.MultiAZ {
		rds = 2
	}
	owners := env.Services
	if env.RunsTiers() {
		owners = []Service{{Name: "app", Database: EnginePostgres}} // the app tier's database
	}
	for i, r := range env.Regions {
		zones := len(r.AvailabilityZones)
		if zones == 0 {
			continue
		}
		instances, databases := 0, 0
		for _, s := range owners {
			switch {
			case !s.OwnsDatabase():
				continue
			case s.Database == EnginePostgres:
				instances += rds
			case db.GlobalDatabase && i > 0: // a secondary cluster: readers only
				instances += db.SecondaryReaders
			default:
				instances += 1 + db.Readers
			}
			databases++
		}
		nodes := 1 + env.Cache.Replicas
		var parts []string
		if instances > 0 {
			parts = append(parts, fmt.Sprintf("%d for the database instances (%d over %d zones, of %d databases)", ceilDiv(instances, zones), instances, zones, databases))
		}
		parts = append(parts, fmt.Sprintf("%d for the cache nodes (%d over %d zones)", ceilDiv(nodes, zones), nodes, zones))
		need := ceilDiv(instances, zones) + ceilDiv(nodes, zones)
		v.subnetRoom(i, "dataSubnet", need, parts, "fewer readers or databases")
	}
}

// subnetRoom reports each zone of region i whose subnet of kind ("appSubnet", "dataSubnet")
// has fewer than need usable addresses, with what needs them (parts) and the ways out: a larger
// subnet, or lower.
func (v *validator) subnetRoom(i int, kind string, need int, parts []string, lower string) {
	for j, az := range v.env.Regions[i].AvailabilityZones {
		p := fmt.Sprintf("regions[%d].availabilityZones[%d]", i, j)
		cidr := az.AppSubnet
		if kind == "dataSubnet" {
			cidr = az.DataSubnet
		}
		pfx, err := netip.ParsePrefix(cidr)
		if err != nil || v.d.bad[p+"."+kind] || !pfx.Addr().Is4() {
			continue // reported
		}
		usable := 1<<(32-pfx.Bits()) - limits.ReservedSubnetAddresses
		if usable >= need {
			continue
		}
		article := "a "
		if kind == "appSubnet" {
			article = "an "
		}
		key, what, fix := p+"."+kind, fmt.Sprintf("%q", cidr), article+kind
		if !v.d.has(key) {
			key, what, fix = p, fmt.Sprintf("%s %q (derived)", kind, cidr), "explicit subnets with "+article+kind
		}
		v.errorf("%s %s: %d usable addresses, fewer than the %d its zone may need at once: %s; give %s of at least /%d, or %s",
			key, what, usable, need, strings.Join(parts, ", "), fix, fitBits(need+limits.ReservedSubnetAddresses), lower)
	}
}

// ceilDiv is a/b rounded up (b > 0).
func ceilDiv(a, b int) int { return (a + b - 1) / b }

// fitBits is the longest IPv4 prefix with at least n addresses.
func fitBits(n int) int { return 32 - bits.Len(uint(n-1)) }
