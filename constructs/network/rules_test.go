package network

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// CDK's stand-in rule for "no outbound traffic": a group without it and without any other
// egress rule would get EC2's default allow-all egress.
const noTraffic = "no traffic"

// tieredProps has the health checkers and two services, one with a database, so every tier's
// group exists.
func tieredProps() NetworkProps {
	p := validProps()
	p.Services = []ServicePort{{Name: "order", Port: 9090, Database: true}, {Name: "stock", Port: 9091}}
	p.HealthCheckerCidrs = []string{"15.177.0.0/18"}
	return p
}

// egressByGroup lists every egress rule of every security group of template, inline or a
// resource of its own, as "<protocol> <from>-<to> to <destination>", by the group's description.
// The destination is a CIDR, a prefix list or another group's description.
func egressByGroup(t *testing.T, template map[string]any) map[string][]string {
	t.Helper()
	groups := cdktest.OfType(t, template, "AWS::EC2::SecurityGroup")
	require.NotEmpty(t, groups)
	name := map[string]string{}
	for id, g := range groups {
		name[id] = cdktest.Path[string](t, g, "Properties", "GroupDescription")
	}
	groupOf := func(ref any) string {
		getAtt := cdktest.Path[[]any](t, ref, "Fn::GetAtt")
		require.Len(t, getAtt, 2)
		id, ok := getAtt[0].(string)
		require.True(t, ok, "GetAtt names a logical id: %v", getAtt)
		return name[id]
	}
	describe := func(rule map[string]any) string {
		if rule["Description"] == "Disallow all traffic" && rule["CidrIp"] == "255.255.255.255/32" {
			return noTraffic
		}
		var to string
		switch {
		case rule["CidrIp"] != nil:
			to = fmt.Sprint(rule["CidrIp"])
		case rule["DestinationPrefixListId"] != nil:
			to = fmt.Sprint(rule["DestinationPrefixListId"])
		case rule["DestinationSecurityGroupId"] != nil:
			to = groupOf(rule["DestinationSecurityGroupId"])
		default:
			require.Failf(t, "egress rule without a destination", "%v", rule)
		}
		return fmt.Sprintf("%v %v-%v to %s", rule["IpProtocol"], rule["FromPort"], rule["ToPort"], to)
	}
	out := map[string][]string{}
	for id, g := range groups {
		out[name[id]] = []string{}
		if inline, ok := cdktest.Props(t, g)["SecurityGroupEgress"]; ok {
			rules, ok := inline.([]any)
			require.True(t, ok, "SecurityGroupEgress of %s is a list", id)
			for _, r := range rules {
				rule, ok := r.(map[string]any)
				require.True(t, ok, "an egress rule of %s is an object", id)
				out[name[id]] = append(out[name[id]], describe(rule))
			}
		}
	}
	for id, r := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroupEgress") {
		props := cdktest.Props(t, r)
		owner := groupOf(props["GroupId"])
		require.NotEmpty(t, owner, "egress resource %s belongs to a group of the template", id)
		out[owner] = append(out[owner], describe(props))
	}
	for _, rules := range out {
		sort.Strings(rules)
	}
	return out
}

func TestEverySecurityGroupHasExactlyItsEgress(t *testing.T) {
	got := egressByGroup(t, synthJSON(t, tieredProps()))
	assert.Equal(t, map[string][]string{
		// The ALB reaches each service's port and nothing else. CDK drops the stand-in once a
		// group has a real rule, even one in a resource of its own.
		"Public ALB: HTTPS from CloudFront origin-facing servers only": {
			"tcp 9090-9090 to Service order: port 9090 from the ALB only",
			"tcp 9091-9091 to Service stock: port 9091 from the ALB only",
		},
		// Inbound-only groups keep the stand-in: no outbound traffic at all.
		"Public ALB: HTTPS from Route 53 health checkers (health-check rule only)": {noTraffic},
		"Databases: database port from the services only":                          {noTraffic},
		"Caches: cache port from the services only":                                {noTraffic},
		"Interface VPC endpoints: HTTPS from inside the VPC":                       {noTraffic},
		// A service calls AWS APIs and external services over HTTPS, its database and its cache.
		"Service order: port 9090 from the ALB only": {
			"tcp 443-443 to 0.0.0.0/0",
			"tcp 5432-5432 to Databases: database port from the services only",
			"tcp 6379-6379 to Caches: cache port from the services only",
		},
		// A service without a database cannot open a connection to one.
		"Service stock: port 9091 from the ALB only": {
			"tcp 443-443 to 0.0.0.0/0",
			"tcp 6379-6379 to Caches: cache port from the services only",
		},
	}, got)
}

// naclEntries lists the data NACL's entries of one direction as "<rule> <cidr> <from>-<to>
// <action>", in rule order.
func naclEntries(t *testing.T, template map[string]any, egress bool) []string {
	t.Helper()
	var out []string
	for _, e := range cdktest.OfType(t, template, "AWS::EC2::NetworkAclEntry") {
		p := cdktest.Props(t, e)
		if cdktest.Path[bool](t, p, "Egress") != egress {
			continue
		}
		require.Equal(t, 6.0, cdktest.Path[float64](t, p, "Protocol"), "every entry is TCP: %v", p)
		out = append(out, fmt.Sprintf("%v %v %v-%v %v", p["RuleNumber"], p["CidrBlock"],
			cdktest.Path[float64](t, p, "PortRange", "From"), cdktest.Path[float64](t, p, "PortRange", "To"), p["RuleAction"]))
	}
	sort.Strings(out)
	return out
}

func TestDataNaclAdmitsExactlyItsTraffic(t *testing.T) {
	tpl := synthJSON(t, tieredProps())
	_, nacl := cdktest.Only(t, tpl, "AWS::EC2::NetworkAcl")
	require.NotNil(t, nacl)
	// App subnets 10.9.10-11, data subnets 10.9.20-21 (validProps).
	assert.Equal(t, []string{
		"100 10.9.10.0/24 5432-5432 allow", "101 10.9.11.0/24 5432-5432 allow", // database from the app tier
		"110 10.9.10.0/24 6379-6379 allow", "111 10.9.11.0/24 6379-6379 allow", // cache from the app tier
		"120 10.9.20.0/24 1024-65535 allow", "121 10.9.21.0/24 1024-65535 allow", // replication inside the data tier
		"130 10.9.10.0/24 32768-65535 allow", "131 10.9.11.0/24 32768-65535 allow", // answers to the data tier's own calls
	}, naclEntries(t, tpl, false), "inbound")
	assert.Equal(t, []string{
		"100 10.9.10.0/24 1024-65535 allow", "101 10.9.11.0/24 1024-65535 allow", // responses to the app tier
		"110 10.9.20.0/24 1024-65535 allow", "111 10.9.21.0/24 1024-65535 allow", // replication inside the data tier
		"120 10.9.10.0/24 443-443 allow", "121 10.9.11.0/24 443-443 allow", // interface endpoints in the app subnets
	}, naclEntries(t, tpl, true), "outbound: nothing leaves for the internet or the public subnets")
}

func TestDenyListGuardsThePublicAndAppSubnets(t *testing.T) {
	t.Run("without a deny list the public and app subnets keep the default NACL", func(t *testing.T) {
		tpl := synthJSON(t, validProps())
		assert.Len(t, cdktest.OfType(t, tpl, "AWS::EC2::NetworkAcl"), 1, "only the data-tier NACL")
		assert.Len(t, cdktest.OfType(t, tpl, "AWS::EC2::SubnetNetworkAclAssociation"), 2, "the data subnets only")
	})

	p := validProps()
	p.DeniedCidrs = []string{"203.0.113.0/24", "198.51.100.7/32"}
	tpl := synthJSON(t, p)
	acls := cdktest.OfType(t, tpl, "AWS::EC2::NetworkAcl")
	require.Len(t, acls, 3, "data, public and app NACLs")
	entries := map[string][]string{} // by NACL logical id
	for _, e := range cdktest.OfType(t, tpl, "AWS::EC2::NetworkAclEntry") {
		p := cdktest.Props(t, e)
		acl := cdktest.Path[string](t, p, "NetworkAclId", "Ref")
		dir := "in"
		if cdktest.Path[bool](t, p, "Egress") {
			dir = "out"
		}
		entries[acl] = append(entries[acl], fmt.Sprintf("%s %v %v %v %v", dir, p["RuleNumber"], p["CidrBlock"], p["Protocol"], p["RuleAction"]))
	}
	associated := map[string][]string{}
	for _, a := range cdktest.OfType(t, tpl, "AWS::EC2::SubnetNetworkAclAssociation") {
		acl := cdktest.Path[string](t, cdktest.Props(t, a), "NetworkAclId", "Ref")
		associated[acl] = append(associated[acl], cdktest.Path[string](t, cdktest.Props(t, a), "SubnetId", "Ref"))
	}
	guarded := 0
	for id := range acls {
		if !strings.Contains(id, "PublicNacl") && !strings.Contains(id, "AppNacl") {
			assert.Contains(t, id, "DataNacl")
			assert.Len(t, entries[id], 14, "the data-tier NACL is unchanged")
			continue
		}
		guarded++
		got := entries[id]
		sort.Strings(got)
		assert.Equal(t, []string{
			"in 1 203.0.113.0/24 -1 deny", "in 100 0.0.0.0/0 -1 allow", "in 2 198.51.100.7/32 -1 deny",
			"out 1 203.0.113.0/24 -1 deny", "out 100 0.0.0.0/0 -1 allow", "out 2 198.51.100.7/32 -1 deny",
		}, got, "NACL %s: the denies come first, then what the default NACL allowed", id)
		require.Len(t, associated[id], 2, "NACL %s covers both zones' subnets", id)
		tier := "PublicSubnet"
		if strings.Contains(id, "AppNacl") {
			tier = "AppSubnet"
		}
		for _, subnet := range associated[id] {
			assert.Contains(t, subnet, tier, "NACL %s guards its own tier", id)
		}
	}
	assert.Equal(t, 2, guarded)
}
