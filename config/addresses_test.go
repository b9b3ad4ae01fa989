package config

import (
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
