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
		v.subnetRoom(i, "appSubnet", func(int) (int, []string) { return need, parts }, "lower maxCount")
	}
}

// dataSubnetRoom reports a data subnet too small for what the environment places in it: in each
// region, every database instance and cache node (the transit gateway attaches to subnets of
// its own, and the databases' functions run in the app subnets). An Aurora cluster places its
// instances zone by zone from the first (the writer in the first zone, reader i in zone i+1, a
// Global Database secondary's reader i in zone i: constructs/database), so the first zones hold
// most; RDS places an instance and its Multi-AZ standby, and ElastiCache its primary and
// replicas, itself, counted here as spread evenly (a floor). RDS and ElastiCache refuse to create
// an instance or node in a subnet group with no free address, mid-deploy.
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
	perInstance := 1 // an RDS instance, with its standby under Multi-AZ
	if db.Postgres.MultiAZ {
		perInstance = 2
	}
	owners := env.Services
	if env.RunsTiers() {
		owners = nil
		if env.TierDatabase() {
			owners = []Service{{Name: "app", Database: EnginePostgres}} // the app tier's database
		}
	}
	for i, r := range env.Regions {
		zones := len(r.AvailabilityZones)
		if zones == 0 {
			continue
		}
		aurora := make([]int, zones) // instances in each zone
		rds, databases := 0, 0
		for _, s := range owners {
			k := 1 + db.Readers // the writer and readers
			switch {
			case !s.OwnsDatabase():
				continue
			case s.Database == EnginePostgres:
				rds += perInstance
				k = 0
			case db.GlobalDatabase && i > 0: // a secondary cluster: readers only
				k = db.SecondaryReaders
			}
			for j := range k {
				aurora[j%zones]++
			}
			databases++
		}
		nodes := 1 + env.Cache.Replicas
		v.subnetRoom(i, "dataSubnet", func(zone int) (int, []string) {
			var parts []string
			if instances := aurora[zone] + ceilDiv(rds, zones); instances > 0 {
				parts = append(parts, fmt.Sprintf("%d for the database instances (of %d databases: each Aurora cluster fills the zones in order from the first, RDS spreads over them)", instances, databases))
			}
			parts = append(parts, fmt.Sprintf("%d for the cache nodes (%d over %d zones)", ceilDiv(nodes, zones), nodes, zones))
			return aurora[zone] + ceilDiv(rds, zones) + ceilDiv(nodes, zones), parts
		}, "fewer readers or databases")
	}
}

// subnetRoom reports each zone j of region i whose subnet of kind ("appSubnet", "dataSubnet")
// has fewer usable addresses than needs(j) says it needs, with what needs them and the ways out:
// a larger subnet, or lower.
func (v *validator) subnetRoom(i int, kind string, needs func(zone int) (int, []string), lower string) {
	for j, az := range v.env.Regions[i].AvailabilityZones {
		need, parts := needs(j)
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
