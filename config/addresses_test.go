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

// TestDataSubnetsHoldEveryDatabaseInstanceAndCacheNode: a data subnet must hold, in each zone,
// its share of the region's database instances (an Aurora cluster's writer and readers, a
// Global Database secondary's readers, an RDS instance and its standby) and cache nodes.
// explicitSubnets gives /27 data subnets: 27 usable addresses in each of two zones.
func TestDataSubnetsHoldEveryDatabaseInstanceAndCacheNode(t *testing.T) {
	fifteenReaders := section("database", "  readers: 15\n")
	sixNodes := inCache("  replicas: 5\n")
	threeClusters := append([]edit{explicitSubnets, fifteenReaders, sixNodes}, owners(2)...)
	secondaries := func(readers int) []edit {
		return append([]edit{explicitSubnets, secondExplicit, sixNodes,
			section("database", fmt.Sprintf("  globalDatabase: true\n  readers: 0\n  secondaryReaders: %d\n", readers))}, owners(3)...)
	}
	fits := map[string][]edit{
		// 3 clusters of 16 instances over 2 zones + 6 nodes over 2 zones = 24 + 3 = 27.
		"clusters and nodes that fill /27 data subnets exactly": threeClusters,
		"services without a database of their own take no address": append(slices.Clone(threeClusters),
			service("c", oneTask+"    shareDatabaseWith: s1\n"), service("d", oneTask+"    database: none\n")),
		// Home: 4 writers over 2 zones + 3 = 5; eu-west-1: 4 × 12 readers over 2 zones + 3 = 27.
		"a Global Database's secondaries hold only their readers": secondaries(12),
	}
	for name, edits := range fits {
		t.Run(name, func(t *testing.T) {
			_, err := loadDoc(t, apply(t, baseYAML, edits))
			require.NoError(t, err)
		})
	}
	reported := func(line, region, zone int, cidr string, usable, need, instances, databases int, fix string) string {
		return fmt.Sprintf(`:%d: regions[%d].availabilityZones[%d]%s: %d usable addresses, fewer than the %d its zone may need at once: `+
			`%d for the database instances (%d over 2 zones, of %d databases), 3 for the cache nodes (6 over 2 zones); give %s, or fewer readers or databases`,
			line, region, zone, cidr, usable, need, (instances+1)/2, instances, databases, fix)
	}
	const explicit = "a dataSubnet of at least /26"
	assertRejected(t, []badInput{
		{"an RDS instance and its standby more are reported on each zone", append(slices.Clone(threeClusters), service("c", oneTask+"    database: postgres\n")), []string{
			reported(11, 0, 0, `.dataSubnet "10.1.0.64/27"`, 27, 28, 50, 4, explicit),
			reported(15, 0, 1, `.dataSubnet "10.1.0.160/27"`, 27, 28, 50, 4, explicit),
		}},
		{"a secondary region's readers are counted there", secondaries(13), []string{
			reported(22, 1, 0, `.dataSubnet "10.2.0.64/27"`, 27, 29, 52, 4, explicit),
			reported(26, 1, 1, `.dataSubnet "10.2.0.160/27"`, 27, 29, 52, 4, explicit),
		}},
		// 32 clusters of 16 instances over 2 zones + 3 = 259.
		{"derived subnets are reported on the zone", append([]edit{fifteenReaders, sixNodes}, owners(31)...), []string{
			reported(8, 0, 0, ` dataSubnet "10.1.20.0/24" (derived)`, 251, 259, 512, 32, "explicit subnets with a dataSubnet of at least /23"),
			reported(9, 0, 1, ` dataSubnet "10.1.21.0/24" (derived)`, 251, 259, 512, 32, "explicit subnets with a dataSubnet of at least /23"),
		}},
	})
}
