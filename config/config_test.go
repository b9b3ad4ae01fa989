package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// baseYAML is a small valid environment the error cases mutate. Line numbers matter: the
// expected messages below cite them.
const baseYAML = `name: test
account: "123456789012"
primaryRegion: us-east-1
regions:
  - name: us-east-1
    cidr: 10.1.0.0/16
    availabilityZones:
      - name: us-east-1a
      - name: us-east-1b
network:
  natGateways: per-az
  flowLogRetentionDays: 365
services:
  - name: web
    port: 8080
cache:
  port: 6379
tags:
  team: platform
`

// edit replaces old (which must occur exactly once in the document) with new.
type edit struct{ old, new string }

func apply(t *testing.T, doc string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		if n := strings.Count(doc, e.old); n != 1 {
			t.Fatalf("edit %q matches %d times in the base document, want exactly once", e.old, n)
		}
		doc = strings.Replace(doc, e.old, e.new, 1)
	}
	return doc
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// errorLines splits a Load error into its lines.
func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

func TestBaseDocumentIsValid(t *testing.T) {
	p := writeFile(t, t.TempDir(), "test.yaml", baseYAML)
	env, err := Load(p)
	if err != nil {
		t.Fatalf("base document: %v", err)
	}
	if env.Name != "test" || env.Services[0].Port != 8080 || env.Tags["team"] != "platform" {
		t.Fatalf("base document decoded wrongly: %+v", env)
	}
}

// TestLoadErrors: one case per rule. want holds every expected line of the error exactly, minus
// the file path that starts each line (":<line>: …" or ": …").
func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		file  string // file name in the temp dir; default test.yaml
		doc   *string
		edits []edit
		want  []string
	}{
		// ---- decoding: structure, types, keys ----
		{
			name:  "an unknown key is reported with its line and the allowed keys",
			edits: []edit{{"    cidr: 10.1.0.0/16", "    cidrr: 10.1.0.0/16"}},
			want: []string{
				":6: regions[0].cidrr: unknown key (allowed: name, cidr, availabilityZones)",
				": regions[0].cidr: required: the VPC's IPv4 CIDR, /16 to /24 (e.g. 10.1.0.0/16)",
			},
		},
		{
			name:  "an unknown top-level key lists the top-level keys",
			edits: []edit{{"cache:\n", "database:\n  port: 1\ncache:\n"}},
			want:  []string{":16: database: unknown key (allowed: name, account, primaryRegion, terminationProtection, regions, network, services, cache, tags)"},
		},
		{
			name:  "an unknown key in an availability zone lists the AZ keys",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n        privateSubnet: 10.1.50.0/24\n"}},
			want:  []string{":10: regions[0].availabilityZones[1].privateSubnet: unknown key (allowed: name, publicSubnet, appSubnet, dataSubnet)"},
		},
		{
			name:  "a sequence where a string belongs is a wrong type",
			edits: []edit{{"    cidr: 10.1.0.0/16", "    cidr: [10.1.0.0/16]"}},
			want:  []string{":6: regions[0].cidr: must be a string, got a sequence"},
		},
		{
			name:  "a port given as a word is a wrong type",
			edits: []edit{{"    port: 8080", "    port: abc"}},
			want:  []string{`:15: services[0].port: must be an integer, got a string "abc"`},
		},
		{
			name:  "a quoted port is a wrong type with a hint to remove the quotes",
			edits: []edit{{"  port: 6379", `  port: "6379"`}},
			want:  []string{`:17: cache.port: must be an integer, got a string "6379" (remove the quotes)`},
		},
		{
			name:  "an unquoted account number is a wrong type with a hint to quote it",
			edits: []edit{{`account: "123456789012"`, "account: 123456789012"}},
			want:  []string{`:2: account: must be a string, got an integer 123456789012 (quote it: "123456789012")`},
		},
		{
			name:  "an unquoted account with a leading zero keeps its digits in the hint",
			edits: []edit{{`account: "123456789012"`, "account: 012345678901"}},
			want:  []string{`:2: account: must be a string, got a number 012345678901 (quote it: "012345678901")`},
		},
		{
			name:  "a boolean given as a word is a wrong type",
			edits: []edit{{"name: test\n", "name: test\nterminationProtection: yes\n"}},
			want:  []string{`:2: terminationProtection: must be a boolean (true or false), got a string "yes"`},
		},
		{
			name:  "a list given as a mapping is a wrong type",
			edits: []edit{{"services:\n  - name: web\n    port: 8080\n", "services:\n  name: web\n"}},
			want:  []string{":14: services: must be a sequence (a list of - items), got a mapping"},
		},
		{
			name:  "a region given as a plain string is a wrong type and nothing else is reported about it",
			edits: []edit{{"regions:\n  - name: us-east-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\n", "regions:\n  - us-east-1\n"}},
			want:  []string{`:5: regions[0]: must be a mapping, got a string "us-east-1"`},
		},
		{
			name:  "a key with no value is a wrong type with a hint to remove it",
			edits: []edit{{"  flowLogRetentionDays: 365", "  flowLogRetentionDays:"}},
			want:  []string{":12: network.flowLogRetentionDays: must be an integer, got null (give a value or remove the key)"},
		},
		{
			name:  "a missing account is reported as required",
			edits: []edit{{"account: \"123456789012\"\n", ""}},
			want:  []string{": account: required: the 12-digit AWS account id"},
		},
		{
			name:  "missing name, primary region and regions are each reported as required",
			edits: []edit{{"name: test\n", ""}, {"primaryRegion: us-east-1\n", ""}, {"regions:\n  - name: us-east-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\n", ""}},
			want: []string{
				`: name: required: the environment name, equal to the file name without .yaml (e.g. "prod")`,
				": regions: required: at least one region (supported: ap-southeast-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)",
				": primaryRegion: required: the region holding the writer databases, one of regions[].name",
			},
		},
		{
			name:  "a service without a name is reported as required",
			edits: []edit{{"  - name: web\n    port: 8080", "  - port: 8080"}},
			want:  []string{": services[0].name: required: the service name, [a-z][a-z0-9-]{0,30}"},
		},
		{
			name:  "a key given twice in a mapping is reported with both lines",
			edits: []edit{{"    cidr: 10.1.0.0/16\n", "    cidr: 10.1.0.0/16\n    cidr: 10.9.0.0/16\n"}},
			want:  []string{":7: regions[0].cidr: duplicate key (first given at line 6; each key may appear once)"},
		},
		{
			name:  "a tag given twice is reported",
			edits: []edit{{"  team: platform\n", "  team: platform\n  team: data\n"}},
			want:  []string{`:20: tags["team"]: duplicate key (first given at line 19; each key may appear once)`},
		},
		{
			name: "an empty file is reported",
			doc:  ptr(""),
			want: []string{": empty file: expected a mapping with the keys name, account, primaryRegion, regions (required) and terminationProtection, network, services, cache, tags"},
		},
		{
			name: "a file of only comments is reported as empty",
			doc:  ptr("# nothing here yet\n"),
			want: []string{": empty file: expected a mapping with the keys name, account, primaryRegion, regions (required) and terminationProtection, network, services, cache, tags"},
		},
		{
			name:  "a YAML syntax error is reported with its approximate line",
			edits: []edit{{"  - name: web\n", "  - name: [web\n"}},
			want:  []string{": YAML syntax error near line 13: did not find expected ',' or ']'"},
		},
		{
			name: "a YAML syntax error without a line is still reported",
			doc:  ptr("name: a: b\n"),
			want: []string{": YAML syntax error: mapping values are not allowed in this context"},
		},
		{
			name: "a document that is not a mapping is reported",
			doc:  ptr("- name: test\n"),
			want: []string{":1: top level: must be a mapping, got a sequence"},
		},
		{
			name:  "a second YAML document is reported",
			edits: []edit{{"  team: platform\n", "  team: platform\n---\nname: other\n"}},
			want:  []string{":20: a second YAML document starts here: a file holds exactly one environment"},
		},
		{
			name:  "a tag value that is a number must be quoted",
			edits: []edit{{"  team: platform\n", "  team: platform\n  cost-center: 4711\n"}},
			want:  []string{`:20: tags["cost-center"]: must be a string, got an integer 4711 (quote it: "4711")`},
		},

		// ---- CIDRs and subnets ----
		{
			name:  "a malformed VPC CIDR is reported",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0/16"}},
			want:  []string{`: regions[0].cidr "10.1.0/16": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "an IPv6 VPC CIDR is rejected as not IPv4",
			edits: []edit{{"cidr: 10.1.0.0/16", `cidr: "fd00::/16"`}},
			want:  []string{`: regions[0].cidr "fd00::/16": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "a non-canonical VPC CIDR is reported with the canonical form",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.2.0/16"}},
			want:  []string{`: regions[0].cidr "10.1.2.0/16": not in canonical form: the network address of that /16 is 10.1.0.0 (write 10.1.0.0/16)`},
		},
		{
			name:  "a VPC larger than a /16 is rejected",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.0.0.0/8"}},
			want:  []string{`: regions[0].cidr "10.0.0.0/8": prefix /8 out of range (allowed: /16 to /24)`},
		},
		{
			name: "a VPC smaller than a /24 is rejected",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0.0/25"}, {"      - name: us-east-1a\n      - name: us-east-1b\n",
				"      - name: us-east-1a\n        publicSubnet: 10.1.0.0/28\n        appSubnet: 10.1.0.16/28\n        dataSubnet: 10.1.0.32/28\n" +
					"      - name: us-east-1b\n        publicSubnet: 10.1.0.48/28\n        appSubnet: 10.1.0.64/28\n        dataSubnet: 10.1.0.80/28\n"}},
			want: []string{`: regions[0].cidr "10.1.0.0/25": prefix /25 out of range (allowed: /16 to /24)`},
		},
		{
			name:  "subnets are required when the VPC is not a /16",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0.0/20"}},
			want: []string{
				`: regions[0].availabilityZones[0]: publicSubnet, appSubnet and dataSubnet are required when cidr is not a /16 (regions[0].cidr is "10.1.0.0/20"; only a /16 gets derived subnets)`,
				`: regions[0].availabilityZones[1]: publicSubnet, appSubnet and dataSubnet are required when cidr is not a /16 (regions[0].cidr is "10.1.0.0/20"; only a /16 gets derived subnets)`,
			},
		},
		{
			name:  "an AZ that gives only some of its subnets is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n"}},
			want:  []string{": regions[0].availabilityZones[0]: appSubnet, dataSubnet missing: give all three of publicSubnet, appSubnet, dataSubnet, or none to derive them from a /16 cidr"},
		},
		{
			name:  "a malformed subnet is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`: regions[0].availabilityZones[0].publicSubnet "10.1.1.0": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "a non-canonical subnet is reported with the canonical form",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.7/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`: regions[0].availabilityZones[0].appSubnet "10.1.10.7/24": not in canonical form: the network address of that /24 is 10.1.10.0 (write 10.1.10.0/24)`},
		},
		{
			name:  "a subnet smaller than a /28 is rejected",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/29\n"}},
			want:  []string{`: regions[0].availabilityZones[0].dataSubnet "10.1.20.0/29": prefix /29 out of range (allowed: /16 to /28)`},
		},
		{
			name:  "a subnet outside its VPC is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.9.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`: regions[0].availabilityZones[0].publicSubnet "10.9.1.0/24": outside the VPC regions[0].cidr "10.1.0.0/16"`},
		},
		{
			name:  "a subnet overlapping another subnet of the same AZ is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.1.128/25\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`: regions[0].availabilityZones[0].appSubnet "10.1.1.128/25" overlaps regions[0].availabilityZones[0].publicSubnet "10.1.1.0/24"`},
		},
		{
			name: "a subnet overlapping an explicit subnet of another AZ is reported",
			edits: []edit{{"      - name: us-east-1a\n      - name: us-east-1b\n",
				"      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n" +
					"      - name: us-east-1b\n        publicSubnet: 10.1.2.0/24\n        appSubnet: 10.1.11.0/24\n        dataSubnet: 10.1.20.0/23\n"}},
			want: []string{`: regions[0].availabilityZones[1].dataSubnet "10.1.20.0/23" overlaps regions[0].availabilityZones[0].dataSubnet "10.1.20.0/24"`},
		},
		{
			name:  "a subnet overlapping a derived subnet of another AZ is reported",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n        publicSubnet: 10.1.2.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.21.0/24\n"}},
			want:  []string{`: regions[0].availabilityZones[1].appSubnet "10.1.10.0/24" overlaps regions[0].availabilityZones[0].appSubnet (derived) "10.1.10.0/24"`},
		},

		// ---- regions and AZs ----
		{
			name:  "two regions with overlapping CIDRs are reported on one line naming both keys",
			edits: []edit{{"network:\n", "  - name: eu-west-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: eu-west-1a\n      - name: eu-west-1b\nnetwork:\n"}},
			want:  []string{`: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`},
		},
		{
			name:  "a region listed twice is reported",
			edits: []edit{{"network:\n", "  - name: us-east-1\n    cidr: 10.2.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\nnetwork:\n"}},
			want:  []string{`: regions[1].name "us-east-1": duplicate of regions[0].name (each region may be listed once)`},
		},
		{
			name: "an unknown region lists the supported regions",
			edits: []edit{{"  - name: us-east-1\n", "  - name: us-east-3\n"}, {"primaryRegion: us-east-1", "primaryRegion: us-east-3"},
				{"      - name: us-east-1a\n      - name: us-east-1b\n", "      - name: us-east-3a\n      - name: us-east-3b\n"}},
			want: []string{`: regions[0].name "us-east-3": unknown region (supported: ap-southeast-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)`},
		},
		{
			name:  "an AZ of another region is rejected",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: eu-west-1a\n"}},
			want:  []string{`: regions[0].availabilityZones[1].name "eu-west-1a": not an availability zone of us-east-1 (allowed: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f)`},
		},
		{
			name:  "an AZ letter the region does not have is rejected",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1z\n"}},
			want:  []string{`: regions[0].availabilityZones[1].name "us-east-1z": not an availability zone of us-east-1 (allowed: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f)`},
		},
		{
			name:  "an AZ listed twice in a region is reported",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n      - name: us-east-1a\n"}},
			want:  []string{`: regions[0].availabilityZones[2].name "us-east-1a": duplicate of regions[0].availabilityZones[0].name (each AZ may be listed once)`},
		},
		{
			name:  "a region with a single AZ is rejected",
			edits: []edit{{"      - name: us-east-1b\n", ""}},
			want:  []string{": regions[0].availabilityZones: has 1 zone(s), at least 2 are required (the ALB and Multi-AZ databases need two AZs)"},
		},
		{
			name:  "an empty region list is rejected",
			edits: []edit{{"regions:\n  - name: us-east-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\n", "regions: []\n"}},
			want:  []string{": regions: at least one region is required (supported: ap-southeast-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)"},
		},
		{
			name:  "a primary region that is not among the regions is reported",
			edits: []edit{{"primaryRegion: us-east-1", "primaryRegion: eu-west-1"}},
			want:  []string{`: primaryRegion "eu-west-1": not one of the environment's regions (regions[].name: us-east-1)`},
		},

		// ---- identity ----
		{
			name:  "an account that is not 12 digits is reported",
			edits: []edit{{`account: "123456789012"`, `account: "12345"`}},
			want:  []string{`: account "12345": must be exactly 12 digits (the AWS account id, quoted)`},
		},
		{
			name:  "an environment name with capitals is rejected",
			file:  "Test.yaml",
			edits: []edit{{"name: test", "name: Test"}},
			want:  []string{`: name "Test": must be 2-20 characters: a lowercase letter, then lowercase letters, digits or hyphens ([a-z][a-z0-9-]{1,19})`},
		},
		{
			name:  "an environment name that differs from the file name is rejected",
			edits: []edit{{"name: test", "name: prod"}},
			want:  []string{`: name "prod": must equal the file name "test" (rename the file or change the name)`},
		},

		// ---- network ----
		{
			name:  "an unknown NAT mode lists the allowed modes",
			edits: []edit{{"natGateways: per-az", "natGateways: none"}},
			want:  []string{`: network.natGateways "none": unknown NAT mode (allowed: per-az, single)`},
		},
		{
			name:  "an unknown interface endpoint lists the allowed names",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [logs, ecr]\n"}},
			want:  []string{`: network.interfaceEndpoints[1] "ecr": unknown interface endpoint (allowed: ` + strings.Join(SupportedInterfaceEndpoints, ", ") + ")"},
		},
		{
			name:  "a full endpoint service name is rejected with the short name suggested",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [com.amazonaws.us-east-1.ecr.api]\n"}},
			want:  []string{`: network.interfaceEndpoints[0] "com.amazonaws.us-east-1.ecr.api": unknown interface endpoint (write the short name "ecr.api"; allowed: ` + strings.Join(SupportedInterfaceEndpoints, ", ") + ")"},
		},
		{
			name:  "s3 and dynamodb as interface endpoints are rejected as gateway endpoints",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [s3, logs, dynamodb]\n"}},
			want: []string{
				`: network.interfaceEndpoints[0] "s3": s3 is a gateway endpoint, which Stratus always creates; remove it from interfaceEndpoints`,
				`: network.interfaceEndpoints[2] "dynamodb": dynamodb is a gateway endpoint, which Stratus always creates; remove it from interfaceEndpoints`,
			},
		},
		{
			name:  "an interface endpoint listed twice is reported",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [logs, kms, logs]\n"}},
			want:  []string{`: network.interfaceEndpoints[2] "logs": duplicate of network.interfaceEndpoints[0] (list each endpoint once)`},
		},
		{
			name:  "a flow log retention CloudWatch does not accept lists the accepted values",
			edits: []edit{{"flowLogRetentionDays: 365", "flowLogRetentionDays: 366"}},
			want:  []string{": network.flowLogRetentionDays 366: not a retention CloudWatch Logs accepts (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)"},
		},

		// ---- services and cache ----
		{
			name:  "a service name used twice is reported",
			edits: []edit{{"    port: 8080\n", "    port: 8080\n  - name: web\n    port: 8081\n"}},
			want:  []string{`: services[1].name "web": duplicate of services[0].name (service names must be unique)`},
		},
		{
			name:  "a service name with capitals is rejected",
			edits: []edit{{"  - name: web", "  - name: Web"}},
			want:  []string{`: services[0].name "Web": must be a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30})`},
		},
		{
			name:  "a service port above 65535 is rejected",
			edits: []edit{{"    port: 8080", "    port: 65536"}},
			want:  []string{": services[0].port 65536: out of range (allowed: 1-65535 except 80 and 443)"},
		},
		{
			name:  "a service port of 0 is rejected",
			edits: []edit{{"    port: 8080", "    port: 0"}},
			want:  []string{": services[0].port 0: out of range (allowed: 1-65535 except 80 and 443)"},
		},
		{
			name:  "a service on the ALB's HTTPS port is rejected",
			edits: []edit{{"    port: 8080", "    port: 443"}},
			want:  []string{": services[0].port 443: reserved for the ALB's listeners (allowed: 1-65535 except 80 and 443)"},
		},
		{
			name:  "a service on the ALB's HTTP port is rejected",
			edits: []edit{{"    port: 8080", "    port: 80"}},
			want:  []string{": services[0].port 80: reserved for the ALB's listeners (allowed: 1-65535 except 80 and 443)"},
		},
		{
			name:  "a cache port below 1024 is rejected",
			edits: []edit{{"  port: 6379", "  port: 1023"}},
			want:  []string{": cache.port 1023: out of range for ElastiCache (allowed: 1024-65535 except 5432)"},
		},
		{
			name:  "a cache on the database port is rejected",
			edits: []edit{{"  port: 6379", "  port: 5432"}},
			want:  []string{": cache.port 5432: is the database port (allowed: 1024-65535 except 5432)"},
		},
		{
			name:  "a service port equal to the cache port is rejected",
			edits: []edit{{"    port: 8080", "    port: 6379"}},
			want:  []string{": services[0].port 6379: equals cache.port 6379 (the app and cache security groups would share a port; pick another)"},
		},
		{
			name:  "a service port equal to the default cache port is rejected",
			edits: []edit{{"    port: 8080", "    port: 6379"}, {"cache:\n  port: 6379\n", ""}},
			want:  []string{": services[0].port 6379: equals cache.port 6379 (the app and cache security groups would share a port; pick another)"},
		},

		// ---- tags ----
		{
			name:  "the reserved tag key project is rejected",
			edits: []edit{{"  team: platform", "  project: stratus"}},
			want:  []string{`: tags["project"]: reserved: the app sets the project and environment tags itself`},
		},
		{
			name:  "the reserved tag key environment is rejected whatever its case",
			edits: []edit{{"  team: platform", "  Environment: prod"}},
			want:  []string{`: tags["Environment"]: reserved: the app sets the project and environment tags itself`},
		},
		{
			name:  "a tag key starting with aws: is rejected",
			edits: []edit{{"  team: platform", `  "aws:owner": me`}},
			want:  []string{`: tags["aws:owner"]: keys starting with "aws:" are reserved by AWS`},
		},
		{
			name:  "a tag key with a character AWS does not accept is rejected",
			edits: []edit{{"  team: platform", `  "team*": platform`}},
			want:  []string{`: tags["team*"]: key has characters AWS does not accept in tags (allowed: letters, digits, spaces and _ . : / = + - @)`},
		},
		{
			name:  "an empty tag key is rejected",
			edits: []edit{{"  team: platform", `  "": platform`}},
			want:  []string{`: tags[""]: key must be 1-128 characters, got 0`},
		},
		{
			name:  "a tag key longer than 128 characters is rejected",
			edits: []edit{{"  team: platform", "  " + strings.Repeat("k", 129) + ": platform"}},
			want:  []string{`: tags["` + strings.Repeat("k", 129) + `"]: key must be 1-128 characters, got 129`},
		},
		{
			name:  "a tag value longer than 256 characters is rejected",
			edits: []edit{{"  team: platform", "  team: " + strings.Repeat("v", 257)}},
			want:  []string{`: tags["team"]: value must be 0-256 characters, got 257`},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := baseYAML
			if tc.doc != nil {
				doc = *tc.doc
			}
			doc = apply(t, doc, tc.edits)
			file := tc.file
			if file == "" {
				file = "test.yaml"
			}
			p := writeFile(t, t.TempDir(), file, doc)
			env, err := Load(p)
			if err == nil {
				t.Fatalf("Load succeeded, want errors:\n%s", strings.Join(tc.want, "\n"))
			}
			if env != nil {
				t.Errorf("Load returned an Environment together with an error")
			}
			want := make([]string, len(tc.want))
			for i, w := range tc.want {
				want[i] = p + w
			}
			if got := errorLines(err); !slices.Equal(got, want) {
				t.Errorf("error lines differ\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestLoadReportsEveryProblemInAFile(t *testing.T) {
	doc := apply(t, baseYAML, []edit{
		{"    cidr: 10.1.0.0/16\n", "    cidr: 10.1.2.0/16\n    vpcName: main\n"},
		{`account: "123456789012"`, `account: "1234"`},
		{"    port: 8080", "    port: abc"},
		{"natGateways: per-az", "natGateways: nat"},
		{"  port: 6379", "  port: 5432"},
	})
	p := writeFile(t, t.TempDir(), "test.yaml", doc)
	_, err := Load(p)
	want := []string{
		p + ":7: regions[0].vpcName: unknown key (allowed: name, cidr, availabilityZones)",
		p + `:16: services[0].port: must be an integer, got a string "abc"`,
		p + `: account "1234": must be exactly 12 digits (the AWS account id, quoted)`,
		p + `: regions[0].cidr "10.1.2.0/16": not in canonical form: the network address of that /16 is 10.1.0.0 (write 10.1.0.0/16)`,
		p + `: network.natGateways "nat": unknown NAT mode (allowed: per-az, single)`,
		p + ": cache.port 5432: is the database port (allowed: 1024-65535 except 5432)",
	}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("error lines differ\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(p)
	if want := p + ": cannot read: no such file or directory"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error does not match fs.ErrNotExist: %v", err)
	}
}

func TestLoadUnreadableFile(t *testing.T) {
	dir := t.TempDir() // a directory where a file is expected cannot be read as one
	p := filepath.Join(dir, "dir.yaml")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	if want := p + ": cannot read: is a directory"; err == nil || err.Error() != want {
		t.Fatalf("got %v, want %s", err, want)
	}
}

func TestShippedFiles(t *testing.T) {
	envs, err := LoadDir(".")
	if err != nil {
		t.Fatalf("shipped configs do not load:\n%v", err)
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	if want := []string{"dev", "staging", "prod"}; !slices.Equal(names, want) {
		t.Fatalf("environments %v, want %v", names, want)
	}
	dev, staging, prod := envs[0], envs[1], envs[2]

	az := func(name string, x, i int) AvailabilityZone {
		return AvailabilityZone{
			Name:         name,
			PublicSubnet: cidr(x, 1+i), AppSubnet: cidr(x, 10+i), DataSubnet: cidr(x, 20+i),
		}
	}
	wantProd := &Environment{
		File: "prod.yaml", Name: "prod", Account: "111111111111", PrimaryRegion: "us-east-1",
		TerminationProtection: true,
		Regions: []Region{
			{Name: "us-east-1", CIDR: "10.1.0.0/16", AvailabilityZones: []AvailabilityZone{
				az("us-east-1a", 1, 0), az("us-east-1b", 1, 1), az("us-east-1c", 1, 2)}},
			{Name: "eu-west-1", CIDR: "10.2.0.0/16", AvailabilityZones: []AvailabilityZone{
				az("eu-west-1a", 2, 0), az("eu-west-1b", 2, 1), az("eu-west-1c", 2, 2)}},
		},
		Network: Network{
			NatGateways:          NatPerAZ,
			InterfaceEndpoints:   []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "ssm", "xray"},
			FlowLogRetentionDays: 365,
		},
		Services: []Service{{"product", 8080}, {"order", 8080}, {"user", 8080}},
		Cache:    Cache{Port: 6379},
		Tags:     map[string]string{"cost-center": "platform-prod"},
	}
	if !reflect.DeepEqual(prod, wantProd) {
		t.Errorf("prod.yaml\n got %+v\nwant %+v", *prod, *wantProd)
	}
	// The seed's exact subnets, spelled out rather than computed, so a helper bug cannot hide.
	if got := prod.Regions[0].AvailabilityZones[2]; got != (AvailabilityZone{"us-east-1c", "10.1.3.0/24", "10.1.12.0/24", "10.1.22.0/24"}) {
		t.Errorf("prod us-east-1c = %+v", got)
	}

	wantStaging := &Environment{
		File: "staging.yaml", Name: "staging", Account: "222222222222", PrimaryRegion: "us-east-1",
		Regions: []Region{{Name: "us-east-1", CIDR: "10.11.0.0/16", AvailabilityZones: []AvailabilityZone{
			{"us-east-1a", "10.11.1.0/24", "10.11.10.0/24", "10.11.20.0/24"},
			{"us-east-1b", "10.11.2.0/24", "10.11.11.0/24", "10.11.21.0/24"},
			{"us-east-1c", "10.11.3.0/24", "10.11.12.0/24", "10.11.22.0/24"},
		}}},
		Network: Network{
			NatGateways:          NatPerAZ,
			InterfaceEndpoints:   DefaultInterfaceEndpoints,
			FlowLogRetentionDays: 365,
		},
		Services: []Service{{"product", 8080}, {"order", 8080}, {"user", 8080}},
		Cache:    Cache{Port: 6379},
		Tags:     map[string]string{"cost-center": "platform-staging"},
	}
	if !reflect.DeepEqual(staging, wantStaging) {
		t.Errorf("staging.yaml\n got %+v\nwant %+v", *staging, *wantStaging)
	}

	if dev.Account != "333333333333" || dev.TerminationProtection {
		t.Errorf("dev account/protection = %q/%v", dev.Account, dev.TerminationProtection)
	}
	if len(dev.Regions) != 1 || dev.Regions[0].CIDR != "10.21.0.0/16" || len(dev.Regions[0].AvailabilityZones) != 2 {
		t.Fatalf("dev regions = %+v, want us-east-1 10.21.0.0/16 with 2 AZs", dev.Regions)
	}
	if got, want := dev.Regions[0].AvailabilityZones, []AvailabilityZone{
		{"us-east-1a", "10.21.1.0/24", "10.21.10.0/24", "10.21.20.0/24"},
		{"us-east-1b", "10.21.2.0/24", "10.21.11.0/24", "10.21.21.0/24"},
	}; !slices.Equal(got, want) {
		t.Errorf("dev AZs = %+v, want %+v", got, want)
	}
	if dev.Network.NatGateways != NatSingle || dev.Network.FlowLogRetentionDays != 30 {
		t.Errorf("dev network = %+v, want single NAT and 30-day retention", dev.Network)
	}
	if got := []string{dev.Services[0].Name, dev.Services[1].Name, dev.Services[2].Name}; !slices.Equal(got, []string{"product", "order", "user"}) {
		t.Errorf("dev services = %v", got)
	}
}

// cidr returns 10.<x>.<y>.0/24.
func cidr(x, y int) string { return fmt.Sprintf("10.%d.%d.0/24", x, y) }

func TestDefaultsAreApplied(t *testing.T) {
	doc := `name: test
account: "123456789012"
primaryRegion: eu-west-1
regions:
  - name: eu-west-1
    cidr: 10.7.0.0/16
    availabilityZones:
      - name: eu-west-1b
      - name: eu-west-1c
      - name: eu-west-1a
services:
  - name: api
`
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	if err != nil {
		t.Fatal(err)
	}
	// Derived subnets follow list position, not the AZ letter.
	if got, want := env.Regions[0].AvailabilityZones, []AvailabilityZone{
		{"eu-west-1b", "10.7.1.0/24", "10.7.10.0/24", "10.7.20.0/24"},
		{"eu-west-1c", "10.7.2.0/24", "10.7.11.0/24", "10.7.21.0/24"},
		{"eu-west-1a", "10.7.3.0/24", "10.7.12.0/24", "10.7.22.0/24"},
	}; !slices.Equal(got, want) {
		t.Errorf("derived subnets = %+v, want %+v", got, want)
	}
	if env.Services[0].Port != 8080 {
		t.Errorf("service port = %d, want 8080", env.Services[0].Port)
	}
	want := Network{NatGateways: NatPerAZ, InterfaceEndpoints: DefaultInterfaceEndpoints, FlowLogRetentionDays: 365}
	if !reflect.DeepEqual(env.Network, want) {
		t.Errorf("network = %+v, want %+v", env.Network, want)
	}
	if env.Cache.Port != 6379 || env.TerminationProtection || env.Tags == nil || len(env.Tags) != 0 {
		t.Errorf("cache/protection/tags = %d/%v/%v, want 6379/false/empty map", env.Cache.Port, env.TerminationProtection, env.Tags)
	}
	// The default list is copied, so one environment cannot change another's (or the default).
	env.Network.InterfaceEndpoints[0] = "changed"
	if DefaultInterfaceEndpoints[0] != "ecr.api" {
		t.Errorf("DefaultInterfaceEndpoints was modified through an Environment")
	}
}

func TestExplicitEmptyEndpointListMeansNone(t *testing.T) {
	doc := apply(t, baseYAML, []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: []\n"}})
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	if err != nil {
		t.Fatal(err)
	}
	if env.Network.InterfaceEndpoints == nil || len(env.Network.InterfaceEndpoints) != 0 {
		t.Errorf("interfaceEndpoints = %#v, want an empty, non-nil list", env.Network.InterfaceEndpoints)
	}
}

func TestAnchorsAndAliasesAreFollowed(t *testing.T) {
	doc := apply(t, baseYAML, []edit{
		{"services:\n  - name: web\n    port: 8080\n", "services:\n  - name: web\n    port: &port 8081\n  - name: api\n    port: *port\n"},
	})
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	if err != nil {
		t.Fatal(err)
	}
	if got := env.Services; !slices.Equal(got, []Service{{"web", 8081}, {"api", 8081}}) {
		t.Errorf("services = %+v", got)
	}
}

func TestLoadDirOrdersDevStagingProdThenAlphabetically(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"zeta", "prod", "alpha", "staging", "dev"} {
		writeFile(t, dir, n+".yaml", strings.Replace(baseYAML, "name: test", "name: "+n, 1))
	}
	writeFile(t, dir, "notes.yml", "not: loaded\n") // only *.yaml counts
	if err := os.Mkdir(filepath.Join(dir, "examples.yaml"), 0o755); err != nil {
		t.Fatal(err) // a directory is skipped, and nothing below dir is read
	}
	envs, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range envs {
		got = append(got, e.Name)
	}
	if want := []string{"dev", "staging", "prod", "alpha", "zeta"}; !slices.Equal(got, want) {
		t.Errorf("order = %v, want %v", got, want)
	}
	if want := filepath.Join(dir, "dev.yaml"); envs[0].File != want {
		t.Errorf("File = %q, want %q", envs[0].File, want)
	}
}

func TestLoadDirWithNamesKeepsTheirOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"prod", "dev"} {
		writeFile(t, dir, n+".yaml", strings.Replace(baseYAML, "name: test", "name: "+n, 1))
	}
	envs, err := LoadDir(dir, "prod", "dev")
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 || envs[0].Name != "prod" || envs[1].Name != "dev" {
		t.Errorf("got %d environments, want prod then dev", len(envs))
	}
}

func TestLoadDirWithANameThatHasNoFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev.yaml", strings.Replace(baseYAML, "name: test", "name: dev", 1))
	writeFile(t, dir, "prod.yaml", strings.Replace(baseYAML, "name: test", "name: prod", 1))
	envs, err := LoadDir(dir, "dev", "qa")
	if envs != nil {
		t.Errorf("got environments together with an error")
	}
	want := filepath.Join(dir, "qa.yaml") + ": cannot read: no such environment file (environments in " + dir + ": dev, prod)"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error does not match fs.ErrNotExist")
	}
}

func TestLoadDirCollectsErrorsAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev.yaml", strings.Replace(baseYAML, "name: test", "name: dev", 1))
	writeFile(t, dir, "prod.yaml", strings.Replace(baseYAML, "name: test", "name: prod\nregion: x", 1))
	writeFile(t, dir, "staging.yaml", strings.Replace(baseYAML, "name: test", "name: stage", 1))
	_, err := LoadDir(dir)
	want := []string{
		filepath.Join(dir, "staging.yaml") + `: name "stage": must equal the file name "staging" (rename the file or change the name)`,
		filepath.Join(dir, "prod.yaml") + ":2: region: unknown key (allowed: name, account, primaryRegion, terminationProtection, regions, network, services, cache, tags)",
	}
	if got := errorLines(err); !slices.Equal(got, want) {
		t.Errorf("error lines differ\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestLoadDirWithoutEnvironmentFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadDir(dir)
	if want := dir + ": no environment files (*.yaml) found"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

func TestRegionFacts(t *testing.T) {
	want := map[string]RegionFacts{
		"us-east-1":      {"us-east-1", "abcdef", "pl-3b927c52"},
		"us-east-2":      {"us-east-2", "abc", "pl-b6a144df"},
		"us-west-2":      {"us-west-2", "abcd", "pl-82a045eb"},
		"eu-west-1":      {"eu-west-1", "abc", "pl-4fa04526"},
		"eu-west-2":      {"eu-west-2", "abc", "pl-93a247fa"},
		"eu-central-1":   {"eu-central-1", "abc", "pl-a3a144ca"},
		"ap-southeast-1": {"ap-southeast-1", "abc", "pl-31a34658"},
	}
	for name, w := range want {
		if got, ok := LookupRegion(name); !ok || got != w {
			t.Errorf("LookupRegion(%q) = %+v, %v; want %+v", name, got, ok, w)
		}
	}
	if _, ok := LookupRegion("us-west-1"); ok {
		t.Errorf("LookupRegion(us-west-1) found a region Stratus has no prefix list id for")
	}
	if got, want := SupportedRegions(), []string{"ap-southeast-1", "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1", "us-east-2", "us-west-2"}; !slices.Equal(got, want) {
		t.Errorf("SupportedRegions() = %v, want %v", got, want)
	}
}

func TestEndpointLists(t *testing.T) {
	if !slices.IsSorted(SupportedInterfaceEndpoints) {
		t.Errorf("SupportedInterfaceEndpoints is not sorted")
	}
	if got := len(slices.Compact(slices.Clone(SupportedInterfaceEndpoints))); got != len(SupportedInterfaceEndpoints) {
		t.Errorf("SupportedInterfaceEndpoints has duplicates")
	}
	for _, e := range DefaultInterfaceEndpoints {
		if !slices.Contains(SupportedInterfaceEndpoints, e) {
			t.Errorf("default endpoint %q is not supported", e)
		}
	}
	for _, e := range []string{"s3", "dynamodb"} {
		if slices.Contains(SupportedInterfaceEndpoints, e) {
			t.Errorf("%s must not be an interface endpoint: it is always a gateway endpoint", e)
		}
	}
}
