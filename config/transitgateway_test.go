package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// twoRegions adds eu-west-1 (10.2.0.0/16) and the Global Database two regions need.
var twoRegions = []edit{addRegion, {"cache:\n", "database:\n  globalDatabase: true\ncache:\n"}}

// tgw gives network a transitGateway section (from line 18 with twoRegions, 13 without).
func tgw(body string) edit {
	return edit{"  flowLogRetentionDays: 365\n", "  flowLogRetentionDays: 365\n  transitGateway:\n" + body}
}

func TestTransitGatewayDefaults(t *testing.T) {
	p := writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, append(twoRegions, tgw("    enabled: true\n"))))
	env, err := Load(p)
	require.NoError(t, err)
	assert.True(t, env.TransitGatewayOn())
	assert.Equal(t, []TransitGatewayRegion{
		{Name: "us-east-1", Asn: 64512, AttachmentSubnets: []string{"10.1.30.0/28", "10.1.30.16/28"}},
		{Name: "eu-west-1", Asn: 64513, AttachmentSubnets: []string{"10.2.30.0/28", "10.2.30.16/28"}},
	}, env.Network.TransitGateway.Regions, "ASN 64512 + index; a /28 per AZ in <a>.<b>.30.0/24")
	r, ok := env.Network.TransitGateway.Region("eu-west-1")
	require.True(t, ok)
	assert.Equal(t, 64513, r.Asn)
	_, ok = env.Network.TransitGateway.Region("us-west-2")
	assert.False(t, ok)
}

func TestTransitGatewayExplicitSettings(t *testing.T) {
	p := writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, append(twoRegions, tgw(
		"    enabled: true\n    regions:\n      - name: eu-west-1\n        asn: 4200000001\n        attachmentSubnets: [10.2.40.0/28, 10.2.40.32/27]\n"))))
	env, err := Load(p)
	require.NoError(t, err)
	assert.Equal(t, []TransitGatewayRegion{
		{Name: "us-east-1", Asn: 64512, AttachmentSubnets: []string{"10.1.30.0/28", "10.1.30.16/28"}},
		{Name: "eu-west-1", Asn: 4200000001, AttachmentSubnets: []string{"10.2.40.0/28", "10.2.40.32/27"}},
	}, env.Network.TransitGateway.Regions, "listed in regions[] order whatever the order given")
}

func TestTransitGatewayOffByDefault(t *testing.T) {
	p := writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, twoRegions))
	env, err := Load(p)
	require.NoError(t, err)
	assert.False(t, env.TransitGatewayOn())
}

func TestTransitGatewayBadInputIsRejected(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"one region", []edit{tgw("    enabled: true\n")},
			[]string{":14: network.transitGateway.enabled: needs two or more regions; a transit gateway here only peers the environment's regions (set enabled: false or add a region)"}},
		{"a public ASN", append(twoRegions, tgw("    regions:\n      - name: us-east-1\n        asn: 65000\n      - name: eu-west-1\n        asn: 16509\n")),
			[]string{":23: network.transitGateway.regions[1].asn 16509: not a private ASN (allowed: 64512-65534 or 4200000000-4294967294)"}},
		{"an ASN past the 32-bit range", append(twoRegions, tgw("    regions:\n      - name: us-east-1\n        asn: 4294967295\n")),
			[]string{":21: network.transitGateway.regions[0].asn 4294967295: not a private ASN (allowed: 64512-65534 or 4200000000-4294967294)"}},
		{"the same ASN twice", append(twoRegions, tgw("    regions:\n      - name: us-east-1\n        asn: 65000\n      - name: eu-west-1\n        asn: 65000\n")),
			[]string{":23: network.transitGateway.regions[1].asn 65000: same ASN as network.transitGateway.regions[0].asn; each region's gateway needs its own (allowed: a private ASN no other region uses)"}},
		{"an explicit ASN equal to a derived one", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        asn: 64512\n")),
			[]string{":21: network.transitGateway.regions[0].asn 64512: same ASN as network.transitGateway (derived for us-east-1); each region's gateway needs its own (allowed: a private ASN no other region uses)"}},
		{"a region not in regions", append(twoRegions, tgw("    regions:\n      - name: us-west-2\n")),
			[]string{`:20: network.transitGateway.regions[0].name "us-west-2": not one of regions[].name (allowed: us-east-1, eu-west-1)`}},
		{"a region twice", append(twoRegions, tgw("    regions:\n      - name: us-east-1\n      - name: us-east-1\n")),
			[]string{`:21: network.transitGateway.regions[1].name "us-east-1": duplicate of network.transitGateway.regions[0].name (list each region once)`}},
		{"an attachment subnet outside the VPC", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        attachmentSubnets: [10.2.30.0/28, 10.3.0.0/28]\n")),
			[]string{`:21: network.transitGateway.regions[0].attachmentSubnets[1] "10.3.0.0/28": outside the VPC regions[1].cidr "10.2.0.0/16"`}},
		{"an attachment subnet on the app tier", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        attachmentSubnets: [10.2.30.0/28, 10.2.11.0/28]\n")),
			[]string{`:21: network.transitGateway.regions[0].attachmentSubnets[1] "10.2.11.0/28": overlaps regions[1].availabilityZones[1].appSubnet "10.2.11.0/24" (an attachment subnet holds only the gateway's interfaces)`}},
		{"two attachment subnets overlapping", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        attachmentSubnets: [10.2.30.0/27, 10.2.30.16/28]\n")),
			[]string{`:21: network.transitGateway.regions[0].attachmentSubnets[1] "10.2.30.16/28": overlaps network.transitGateway.regions[0].attachmentSubnets[0] "10.2.30.0/27" (an attachment subnet holds only the gateway's interfaces)`}},
		{"an attachment subnet too small", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        attachmentSubnets: [10.2.30.0/29, 10.2.30.16/28]\n")),
			[]string{`:21: network.transitGateway.regions[0].attachmentSubnets[0] "10.2.30.0/29": prefix /29 out of range (allowed: /24 to /28)`}},
		{"one attachment subnet for two zones", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        attachmentSubnets: [10.2.30.0/28]\n")),
			[]string{`:21: network.transitGateway.regions[0].attachmentSubnets: 1 subnet(s) for 2 availability zones of eu-west-1 (allowed: exactly one per zone, in the order of regions[1].availabilityZones)`}},
		{"a derived attachment subnet on a tier", append(twoRegions, tgw("    enabled: true\n"),
			edit{"      - name: eu-west-1b\n", "      - name: eu-west-1b\n        publicSubnet: 10.2.2.0/24\n        appSubnet: 10.2.30.0/24\n        dataSubnet: 10.2.22.0/24\n"},
			edit{"      - name: eu-west-1a\n", "      - name: eu-west-1a\n        publicSubnet: 10.2.1.0/24\n        appSubnet: 10.2.10.0/24\n        dataSubnet: 10.2.20.0/24\n"}),
			[]string{
				`:24: network.transitGateway (derived for eu-west-1) attachment subnet 0 "10.2.30.0/28": overlaps regions[1].availabilityZones[1].appSubnet "10.2.30.0/24" (an attachment subnet holds only the gateway's interfaces)`,
				`:24: network.transitGateway (derived for eu-west-1) attachment subnet 1 "10.2.30.16/28": overlaps regions[1].availabilityZones[1].appSubnet "10.2.30.0/24" (an attachment subnet holds only the gateway's interfaces)`,
			}},
		{"a VPC too small to derive from", append(twoRegions, tgw("    enabled: true\n"),
			edit{"    cidr: 10.2.0.0/16\n    availabilityZones:\n      - name: eu-west-1a\n      - name: eu-west-1b\n",
				"    cidr: 10.2.0.0/20\n    availabilityZones:\n      - name: eu-west-1a\n        publicSubnet: 10.2.0.0/24\n        appSubnet: 10.2.1.0/24\n        dataSubnet: 10.2.2.0/24\n      - name: eu-west-1b\n        publicSubnet: 10.2.3.0/24\n        appSubnet: 10.2.4.0/24\n        dataSubnet: 10.2.5.0/24\n"}),
			[]string{":24: network.transitGateway: regions[1] (eu-west-1) has a /20 cidr; only a /16 gets derived attachment subnets (give network.transitGateway.regions[].attachmentSubnets for eu-west-1)"}},
		{"peered VPCs that overlap", append(twoRegions, tgw("    enabled: true\n"), edit{"    cidr: 10.2.0.0/16\n", "    cidr: 10.1.0.0/16\n"}),
			[]string{`:11: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`}},
		{"an ASN that is not a number", append(twoRegions, tgw("    regions:\n      - name: eu-west-1\n        asn: private\n")),
			[]string{`:21: network.transitGateway.regions[0].asn: must be an integer, got a string "private"`}},
		{"an unknown key", append(twoRegions, tgw("    asn: 64600\n")),
			[]string{":19: network.transitGateway.asn: unknown key (allowed: enabled, regions)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, loadProblems(t, tc.edits...))
		})
	}
}
