package config

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// explicitSubnets gives baseYAML's two zones /27 subnets: 27 usable addresses in each app subnet.
var explicitSubnets = edit{"      - name: us-east-1a\n      - name: us-east-1b\n",
	"      - name: us-east-1a\n        publicSubnet: 10.1.0.0/27\n        appSubnet: 10.1.0.32/27\n        dataSubnet: 10.1.0.64/27\n" +
		"      - name: us-east-1b\n        publicSubnet: 10.1.0.96/27\n        appSubnet: 10.1.0.128/27\n        dataSubnet: 10.1.0.160/27\n"}

// TestAppSubnetsHoldEverythingAtItsPeak: an app subnet must hold, in each zone, the services'
// tasks at twice their maxCount (a deployment at the ceiling), the EC2 tiers' instances, the
// interface endpoints and the Lambda and VPC-link interfaces. baseYAML has two zones, /24 app
// subnets (251 usable addresses), 8 interface endpoints, and one service.
func TestAppSubnetsHoldEverythingAtItsPeak(t *testing.T) {
	fits := map[string][]edit{
		// 2 × 233 tasks over 2 zones + 8 + 10 = 251.
		"services that fill the derived subnets exactly": {svc("    maxCount: 233\n")},
		// (4+1 + 12+1) instances over 2 zones + 8 + 10 = 27.
		"tiers that fill explicit subnets exactly": {ec2, explicitSubnets, inApp("    maxCount: 12\n")},
		// 2 × 4 tasks over 2 zones + 8 + 10 = 22.
		"a small service fits /27 subnets": {svc("    maxCount: 4\n"), explicitSubnets},
	}
	for name, edits := range fits {
		t.Run(name, func(t *testing.T) {
			_, err := loadDoc(t, apply(t, baseYAML, edits))
			require.NoError(t, err)
		})
	}
	assertRejected(t, []badInput{
		{"one task more than the derived subnets hold is reported on each zone", []edit{svc("    maxCount: 234\n")}, []string{
			`:8: regions[0].availabilityZones[0] appSubnet "10.1.10.0/24" (derived): 251 usable addresses, fewer than the 252 its zone may need at once: ` +
				`234 for the services' tasks (200% of each maxCount over 2 zones: a deployment runs old and new tasks side by side), ` +
				`8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; give explicit subnets with an appSubnet of at least /23, or lower maxCount`,
			`:9: regions[0].availabilityZones[1] appSubnet "10.1.11.0/24" (derived): 251 usable addresses, fewer than the 252 its zone may need at once: ` +
				`234 for the services' tasks (200% of each maxCount over 2 zones: a deployment runs old and new tasks side by side), ` +
				`8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; give explicit subnets with an appSubnet of at least /23, or lower maxCount`,
		}},
		{"one instance more than explicit subnets hold is reported on the subnet", []edit{ec2, explicitSubnets, inApp("    maxCount: 14\n")}, []string{
			`:10: regions[0].availabilityZones[0].appSubnet "10.1.0.32/27": 27 usable addresses, fewer than the 28 its zone may need at once: ` +
				`10 for the EC2 tiers' instances (one more each during a replacement), 8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; ` +
				`give an appSubnet of at least /26, or lower maxCount`,
			`:14: regions[0].availabilityZones[1].appSubnet "10.1.0.128/27": 27 usable addresses, fewer than the 28 its zone may need at once: ` +
				`10 for the EC2 tiers' instances (one more each during a replacement), 8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; ` +
				`give an appSubnet of at least /26, or lower maxCount`,
		}},
	})
}

// secondExplicit adds the region eu-west-1 with /27 subnets in its two zones.
var secondExplicit = edit{"network:\n", "  - name: eu-west-1\n    cidr: 10.2.0.0/16\n    availabilityZones:\n" +
	"      - name: eu-west-1a\n        publicSubnet: 10.2.0.0/27\n        appSubnet: 10.2.0.32/27\n        dataSubnet: 10.2.0.64/27\n" +
	"      - name: eu-west-1b\n        publicSubnet: 10.2.0.96/27\n        appSubnet: 10.2.0.128/27\n        dataSubnet: 10.2.0.160/27\nnetwork:\n"}

// oneTask keeps a service at one task, so the app subnets are not what fills up.
const oneTask = "    minCount: 1\n    desiredCount: 1\n    maxCount: 1\n"

// owners gives web one task and adds n more such services, each owning a database (Aurora,
// baseYAML's default), named s1, s2, …
func owners(n int) []edit {
	out := []edit{svc(oneTask)}
	for i := 1; i <= n; i++ {
		out = append(out, service(fmt.Sprintf("s%d", i), oneTask))
	}
	return out
}

// bigApps gives baseYAML's two zones /27 public and data subnets and /24 app subnets: room for
// many services' tasks, so only the data subnets can fill up.
var bigApps = edit{"      - name: us-east-1a\n      - name: us-east-1b\n",
	"      - name: us-east-1a\n        publicSubnet: 10.1.0.0/27\n        appSubnet: 10.1.1.0/24\n        dataSubnet: 10.1.0.64/27\n" +
		"      - name: us-east-1b\n        publicSubnet: 10.1.0.96/27\n        appSubnet: 10.1.2.0/24\n        dataSubnet: 10.1.0.160/27\n"}

// rdsOwners adds n services s101, s102, … with an RDS PostgreSQL database each.
func rdsOwners(n int) []edit {
	var out []edit
	for i := 1; i <= n; i++ {
		out = append(out, service(fmt.Sprintf("s%d", 100+i), oneTask+"    database: postgres\n"))
	}
	return out
}

// TestDataSubnetsHoldEveryDatabaseInstanceAndCacheNode: a data subnet must hold, in each zone,
// what the region places there: each Aurora cluster's instances zone by zone from the first (a
// Global Database secondary's readers only), and an even share of the RDS instances (two with
// Multi-AZ) and of the cache nodes. explicitSubnets gives /27 data subnets: 27 usable addresses
// in each of two zones.
func TestDataSubnetsHoldEveryDatabaseInstanceAndCacheNode(t *testing.T) {
	sixNodes := inCache("  replicas: 5\n")
	threeClusters := append([]edit{explicitSubnets, section("database", "  readers: 15\n"), sixNodes}, owners(2)...)
	secondaries := func(readers int) []edit {
		return append([]edit{explicitSubnets, secondExplicit, sixNodes,
			section("database", fmt.Sprintf("  globalDatabase: true\n  readers: 0\n  secondaryReaders: %d\n", readers))}, owners(3)...)
	}
	writersOnly := func(clusters int) []edit {
		return append([]edit{bigApps, section("database", "  readers: 0\n")}, owners(clusters-1)...)
	}
	withRDS := func(multiAZ bool) []edit {
		db := fmt.Sprintf("  readers: 15\n  postgres:\n    multiAz: %v\n", multiAZ)
		return append(append([]edit{bigApps, section("database", db), sixNodes}, owners(1)...), rdsOwners(16)...)
	}
	fits := map[string][]edit{
		// 3 clusters of 16 instances, 8 in each zone, + 6 nodes over 2 zones = 24 + 3 = 27.
		"clusters and nodes that fill /27 data subnets exactly": threeClusters,
		"services without a database of their own take no address": append(slices.Clone(threeClusters),
			service("c", oneTask+"    shareDatabaseWith: s1\n"), service("d", oneTask+"    database: none\n")),
		// Home: 4 writers in the first zone + 3 = 7; eu-west-1: 4 × 6 readers in each zone + 3 = 27.
		"a Global Database's secondaries hold only their readers": secondaries(12),
		// 26 writers, all in the first zone, + 1 of the 2 cache nodes = 27.
		"writers that fill the first zone exactly": writersOnly(26),
		// 2 clusters of 16 (8 a zone) + 16 RDS instances without standby (8 a zone) + 3 nodes = 27.
		"RDS instances without a standby take one address each": withRDS(false),
	}
	for name, edits := range fits {
		t.Run(name, func(t *testing.T) {
			_, err := loadDoc(t, apply(t, baseYAML, edits))
			require.NoError(t, err)
		})
	}
	reported := func(line, region, zone int, cidr string, usable, need, instances, databases, nodes int, fix string) string {
		return fmt.Sprintf(`:%d: regions[%d].availabilityZones[%d]%s: %d usable addresses, fewer than the %d its zone may need at once: `+
			`%d for the database instances (of %d databases: each Aurora cluster fills the zones in order from the first, RDS spreads over them), `+
			`%d for the cache nodes (%d over 2 zones); give %s, or fewer readers or databases`,
			line, region, zone, cidr, usable, need, instances, databases, (nodes+1)/2, nodes, fix)
	}
	const explicit = "a dataSubnet of at least /26"
	assertRejected(t, []badInput{
		{"an RDS instance and its standby more are reported on each zone", append(slices.Clone(threeClusters), service("c", oneTask+"    database: postgres\n")), []string{
			reported(11, 0, 0, `.dataSubnet "10.1.0.64/27"`, 27, 28, 25, 4, 6, explicit),
			reported(15, 0, 1, `.dataSubnet "10.1.0.160/27"`, 27, 28, 25, 4, 6, explicit),
		}},
		// 4 × 13 readers: 7 of each in the first zone (28 + 3 = 31), 6 in the second (24 + 3 = 27).
		{"a secondary region's readers are counted there, zone by zone", secondaries(13), []string{
			reported(22, 1, 0, `.dataSubnet "10.2.0.64/27"`, 27, 31, 28, 4, 6, explicit),
		}},
		{"one writer more than the first zone holds is reported there alone", writersOnly(27), []string{
			reported(11, 0, 0, `.dataSubnet "10.1.0.64/27"`, 27, 28, 27, 27, 2, explicit),
		}},
		// 8 + 16 RDS instances and standbys over 2 zones + 3 = 35.
		{"a Multi-AZ standby takes an address too", withRDS(true), []string{
			reported(11, 0, 0, `.dataSubnet "10.1.0.64/27"`, 27, 35, 32, 18, 6, "a dataSubnet of at least /26"),
			reported(15, 0, 1, `.dataSubnet "10.1.0.160/27"`, 27, 35, 32, 18, 6, "a dataSubnet of at least /26"),
		}},
		// 32 clusters of 16 instances, 8 a zone each, + 3 = 259.
		{"derived subnets are reported on the zone", append([]edit{section("database", "  readers: 15\n"), sixNodes}, owners(31)...), []string{
			reported(8, 0, 0, ` dataSubnet "10.1.20.0/24" (derived)`, 251, 259, 256, 32, 6, "explicit subnets with a dataSubnet of at least /23"),
			reported(9, 0, 1, ` dataSubnet "10.1.21.0/24" (derived)`, 251, 259, 256, 32, 6, "explicit subnets with a dataSubnet of at least /23"),
		}},
	})
}
