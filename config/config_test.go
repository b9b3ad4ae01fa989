package config

import (
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
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
    image: "1.0.0"
cache:
  port: 6379
dns:
  domain: example.com
  hostedZoneId: Z0123456789EXAMPLE
tags:
  team: platform
`

// Edits that add to baseYAML. svc adds lines to the service web (4-space indent); section adds
// a top-level section before dns; addRegion adds the region eu-west-1 (10.2.0.0/16).
func svc(lines string) edit {
	const web = "  - name: web\n    port: 8080\n    image: \"1.0.0\"\n"
	return edit{web, web + lines}
}

func section(name, body string) edit { return edit{"dns:\n", name + ":\n" + body + "dns:\n"} }

// inDNS adds lines to the dns section; inCache to the cache section.
func inDNS(lines string) edit {
	return edit{"  hostedZoneId: Z0123456789EXAMPLE\n", "  hostedZoneId: Z0123456789EXAMPLE\n" + lines}
}

func inCache(lines string) edit { return edit{"  port: 6379\n", "  port: 6379\n" + lines} }

// globalDB makes the services' Aurora clusters one Global Database, as several regions need.
var globalDB = section("database", "  globalDatabase: true\n")

var addRegion = edit{"network:\n", "  - name: eu-west-1\n    cidr: 10.2.0.0/16\n    availabilityZones:\n      - name: eu-west-1a\n      - name: eu-west-1b\nnetwork:\n"}

// service adds a service with image "1.0.0" and the given lines at the end of the services.
func service(name, lines string) edit {
	return edit{"cache:\n", "  - name: " + name + "\n    image: \"1.0.0\"\n" + lines + "cache:\n"}
}

// edit replaces old (which must occur exactly once in the document) with new.
type edit struct{ old, new string }

func apply(t *testing.T, doc string, edits []edit) string {
	t.Helper()
	for _, e := range edits {
		require.Equal(t, 1, strings.Count(doc, e.old), "edit %q must match the base document exactly once", e.old)
		doc = strings.Replace(doc, e.old, e.new, 1)
	}
	return doc
}

// writeFile writes content to dir/name and returns the path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
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
	require.NoError(t, err)
	assert.Equal(t, "test", env.Name)
	assert.Equal(t, 8080, env.Services[0].Port)
	assert.Equal(t, "1.0.0", env.Services[0].Image)
	assert.Equal(t, "example.com", env.DNS.Domain)
	assert.Equal(t, "platform", env.Tags["team"])
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
				`:5: regions[0].cidr: required: the VPC's IPv4 CIDR, /16 to /24 (e.g. 10.1.0.0/16)`,
				`:6: regions[0].cidrr: unknown key (allowed: name, cidr, availabilityZones)`,
			},
		},
		{
			name:  "an unknown top-level key lists the top-level keys",
			edits: []edit{{"cache:\n", "alarms:\n  email: ops@example.com\ncache:\n"}},
			want:  []string{":17: alarms: unknown key (allowed: name, account, primaryRegion, terminationProtection, regions, network, services, database, cache, app, dns, waf, cloudfront, governance, ingress, tags, observability, regionSwitch, compute, tiers, users, queues, topics)"},
		},
		{
			name:  "a VPC in a range EC2 reserves is rejected",
			edits: []edit{{"    cidr: 10.1.0.0/16", "    cidr: 169.254.0.0/16"}},
			want:  []string{`:6: regions[0].cidr "169.254.0.0/16": inside 169.254.0.0/16, which a VPC cannot use (not 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 or 240.0.0.0/4; use a private range such as 10.0.0.0/8)`},
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
			want:  []string{`:15: services[0].port: must be an integer, got a string "abc" (allowed: 1–65535)`},
		},
		{
			name:  "a whole number too large for an integer is out of range, not a wrong type",
			edits: []edit{{"    port: 8080", "    port: 99999999999999999999"}},
			want:  []string{`:15: services[0].port 99999999999999999999: integer out of range (allowed: 1–65535)`},
		},
		{
			name:  "a quoted port is a wrong type with a hint to remove the quotes",
			edits: []edit{{"  port: 6379", `  port: "6379"`}},
			want:  []string{`:18: cache.port: must be an integer, got a string "6379" (remove the quotes; allowed: 1024–65535)`},
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
			edits: []edit{{"services:\n  - name: web\n    port: 8080\n    image: \"1.0.0\"\n", "services:\n  name: web\n"}},
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
			want:  []string{":12: network.flowLogRetentionDays: must be an integer, got null (give a value or remove the key; allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)"},
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
			want:  []string{`:14: services[0].name: required: the service name, a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)`},
		},
		{
			name:  "a key given twice in a mapping is reported with both lines",
			edits: []edit{{"    cidr: 10.1.0.0/16\n", "    cidr: 10.1.0.0/16\n    cidr: 10.9.0.0/16\n"}},
			want:  []string{":7: regions[0].cidr: duplicate key (first given at line 6; each key may appear once)"},
		},
		{
			name:  "a tag given twice is reported",
			edits: []edit{{"  team: platform\n", "  team: platform\n  team: data\n"}},
			want:  []string{`:24: tags["team"]: duplicate key (first given at line 23; each key may appear once)`},
		},
		{
			name: "an empty file is reported",
			doc:  ptr(""),
			want: []string{": empty file: expected a mapping with the keys name, account, primaryRegion, regions, services, dns (required; services unless compute is ec2) and terminationProtection, network, database, cache, app, waf, cloudfront, governance, ingress, tags, observability, regionSwitch, compute, tiers, users, queues, topics"},
		},
		{
			name: "a file of only comments is reported as empty",
			doc:  ptr("# nothing here yet\n"),
			want: []string{": empty file: expected a mapping with the keys name, account, primaryRegion, regions, services, dns (required; services unless compute is ec2) and terminationProtection, network, database, cache, app, waf, cloudfront, governance, ingress, tags, observability, regionSwitch, compute, tiers, users, queues, topics"},
		},
		{
			name:  "a YAML syntax error is reported with its approximate line",
			edits: []edit{{"  - name: web\n", "  - name: [web\n"}},
			want:  []string{`:14: YAML syntax error: did not find expected ',' or ']'`},
		},
		{
			name: "a YAML syntax error without a line is still reported",
			doc:  ptr("name: a: b\n"),
			want: []string{`:1: YAML syntax error: mapping values are not allowed in this context (check the indentation of this line and of the lines above it)`},
		},
		{
			name: "a document that is not a mapping is reported",
			doc:  ptr("- name: test\n"),
			want: []string{":1: top level: must be a mapping, got a sequence"},
		},
		{
			name:  "a second YAML document is reported",
			edits: []edit{{"  team: platform\n", "  team: platform\n---\nname: other\n"}},
			want:  []string{":24: a second YAML document starts here: a file holds exactly one environment"},
		},
		{
			name:  "a tag value that is a number must be quoted",
			edits: []edit{{"  team: platform\n", "  team: platform\n  cost-center: 4711\n"}},
			want:  []string{`:24: tags["cost-center"]: must be a string, got an integer 4711 (quote it: "4711")`},
		},

		// ---- limits that only a construct or AWS knew ----
		{
			name:  "a YAML syntax error points at the offending line, not the enclosing mapping, and suggests the indentation",
			edits: []edit{{"  port: 6379\n", "  port: 6379\n  - replicas\n"}},
			want:  []string{`:19: YAML syntax error: did not find expected key (check the indentation of this line and of the lines above it)`},
		},
		{
			name:  "a tab in the indentation is reported on its line",
			edits: []edit{{"  port: 6379\n", "  port: 6379\n\treplicas: 2\n"}},
			want:  []string{`:19: YAML syntax error: found a tab character that violates indentation`},
		},
		{
			name:  "a merge key that does not name a mapping is refused with one line",
			edits: []edit{{"  port: 6379\n", "  port: 6379\n  <<: 5\n"}},
			want:  []string{`:19: cache: a merge key (<<) takes an alias of a mapping (e.g. <<: *base), got an integer 5`},
		},
		{
			name:  "a merged key is checked like a key of its own",
			edits: []edit{{"network:\n", "x-base: &base\n  replicas: 9\nnetwork:\n"}, {"  port: 6379\n", "  port: 6379\n  <<: *base\n"}},
			want: []string{
				`:10: x-base: unknown key (allowed: name, account, primaryRegion, terminationProtection, regions, network, services, database, cache, app, dns, waf, cloudfront, governance, ingress, tags, observability, regionSwitch, compute, tiers, users, queues, topics)`,
				`:11: cache.replicas 9: out of range (allowed: 0-5)`,
			},
		},
		{
			name:  "Redis 6.2 is not offered: it has no in-transit encryption mode",
			edits: []edit{inCache("  engineVersion: \"6.2\"\n")},
			want:  []string{`:19: cache.engineVersion "6.2": not a supported redis version (allowed: 7.0, 7.1)`},
		},
		{
			name:  "an unquoted version that is not offered gets one line naming the allowed versions",
			edits: []edit{inCache("  engineVersion: 6.2\n")},
			want:  []string{`:19: cache.engineVersion "6.2": not a supported redis version (allowed: 7.0, 7.1) (and quote the value)`},
		},
		{
			name:  "an unquoted version that is offered only needs its quotes",
			edits: []edit{inCache("  engineVersion: 7.1\n")},
			want:  []string{`:19: cache.engineVersion: must be a string, got a number 7.1 (quote it: "7.1")`},
		},
		{
			name:  "a region with more zones than the network construct supports is rejected",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n      - name: us-east-1c\n      - name: us-east-1d\n      - name: us-east-1e\n      - name: us-east-1f\n"}},
			want:  []string{`:7: regions[0].availabilityZones: has 6 zones, at most 5 are allowed (the data subnets' network ACL holds a rule per zone and tier within its quota)`},
		},
		{
			name:  "a domain too long for the ALB certificate's first name is rejected",
			edits: []edit{{"domain: example.com", "domain: " + strings.Repeat("a", 46) + ".example.com"}},
			want:  []string{`:20: dns.domain "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com": 58 characters, too long for the ALB certificate, whose first name origin.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com may have at most 64 (allowed: at most 57 characters)`},
		},
		{
			name:  "a first viewer name too long for the CloudFront certificate is rejected",
			edits: []edit{inDNS("  viewerNames: [" + strings.Repeat("a", 53) + ".example.com, example.com]\n")},
			want:  []string{`:22: dns.viewerNames[0] "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example.com": 65 characters; the first viewer name is the CloudFront certificate's domain name, which allows at most 64 (list a shorter name first)`},
		},
		{
			name:  "a frontend folder that does not exist is rejected",
			edits: []edit{section("cloudfront", "  frontend:\n    source: web/dist\n")},
			want:  []string{`:21: cloudfront.frontend.source "web/dist": no such folder under the repository root, the folder holding cdk.json (build the frontend there first, or remove source)`},
		},
		{
			name:  "a frontend folder without index.html is rejected",
			edits: []edit{section("cloudfront", "  frontend:\n    source: frontend\n")},
			want:  []string{`:21: cloudfront.frontend.source "frontend": the folder has no index.html, which CloudFront serves as the default root object`},
		},
		{
			name:  "an image in another account's private ECR is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: 210987654321.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2`}},
			want:  []string{`:16: services[0].image "210987654321.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2" (service "web"): a private ECR repository of account 210987654321, which the tasks of account 123456789012 cannot pull from (their execution role may pull only from the service's own Stratus repository): push the image there and give its tag, e.g. image: "1.4.2"`},
		},
		{
			// A full reference gets no pull grant (only the service's own repository, by tag, does),
			// in this account too; the host is matched in any case and by its dual-stack name.
			name: "a private ECR repository named in full is rejected, whatever the account and host form",
			edits: []edit{{`image: "1.0.0"`, `image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4.2`},
				{"cache:\n", "  - name: order\n    image: 210987654321.DKR.ECR.us-east-1.amazonaws.com/x:1\n  - name: user\n    image: 123456789012.dkr-ecr.us-east-1.on.aws/x:1\ncache:\n"}},
			want: []string{
				`:16: services[0].image "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/web:1.4.2" (service "web"): a private ECR repository named in full, which the tasks cannot pull from (their execution role may pull only from the service's own Stratus repository, given by its tag): push the image to test/web and give its tag, e.g. image: "1.4.2"`,
				`:18: services[1].image "210987654321.DKR.ECR.us-east-1.amazonaws.com/x:1" (service "order"): a private ECR repository of account 210987654321, which the tasks of account 123456789012 cannot pull from (their execution role may pull only from the service's own Stratus repository): push the image there and give its tag, e.g. image: "1.4.2"`,
				`:20: services[2].image "123456789012.dkr-ecr.us-east-1.on.aws/x:1" (service "user"): a private ECR repository named in full, which the tasks cannot pull from (their execution role may pull only from the service's own Stratus repository, given by its tag): push the image to test/user and give its tag, e.g. image: "1.4.2"`,
			},
		},
		{
			name:  "a service port the adot collector listens on is rejected",
			edits: []edit{{"    port: 8080", "    port: 4317\n    sidecars: [adot]"}},
			want:  []string{`:15: services[0].port 4317 (service "web"): the adot sidecar listens on 4317, 4318 in the same task (allowed with adot: 1-65535 except 80, 443, 4317 and 4318)`},
		},
		{
			name:  "a service name with two hyphens in a row is rejected: ECR, RDS and ElastiCache names refuse it",
			edits: []edit{service("a--b", "")},
			want:  []string{`:17: services[1].name "a--b": must be a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)`},
		},
		{
			name:  "a service whose database name PostgreSQL reserves is rejected",
			edits: []edit{service("postgres", "")},
			want:  []string{`:17: services[1].name "postgres": its database would be named "postgres", which PostgreSQL or RDS reserves (reserved: postgres, rdsadmin, template0, template1; rename the service or set database: none)`},
		},
		{
			name:  "more services than a Network stack holds are rejected",
			edits: []edit{service("s49", services(49))}, // with web: 51
			want:  []string{`:13: services: has 51 services (allowed: 1-50 services per environment)`},
		},
		{
			name:  "an empty service list is rejected",
			edits: []edit{{"  - name: web\n    port: 8080\n    image: \"1.0.0\"\n", ""}, {"services:\n", "services: []\n"}},
			want:  []string{`:13: services: has 0 services (allowed: 1-50 services per environment)`},
		},
		{
			name:  "a file without services is rejected",
			edits: []edit{{"services:\n  - name: web\n    port: 8080\n    image: \"1.0.0\"\n", ""}},
			want:  []string{`: services: required: 1-50 services per environment`},
		},
		{
			name:  "a health-check path with non-ASCII characters is rejected",
			edits: []edit{svc("    healthCheckPath: /santé\n"), service("order", "    healthCheckPath: /santé\n")},
			want: []string{
				`:17: services[0].healthCheckPath "/santé" (service "web"): not a health-check path (allowed: starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health")`,
				`:20: services[1].healthCheckPath "/santé" (service "order"): not a health-check path (allowed: starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health")`,
			},
		},
		{
			name:  "the first service's health path must suit the Route 53 health check",
			edits: []edit{svc("    healthCheckPath: \"/health[1]\"\n")},
			want:  []string{`:17: services[0].healthCheckPath "/health[1]" (service "web"): the first service's health path is also the Route 53 health check's, which allows only paths starting with "/", at most 255 characters of letters, digits and _ - . ~ / % ? & = + : @ ! $ ' ( ) * , ;`},
		},
		{
			name:  "OTEL variables the service construct sets are reserved",
			edits: []edit{svc("    environment:\n      OTEL_SERVICE_NAME: web\n")},
			want:  []string{`:18: services[0].environment["OTEL_SERVICE_NAME"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`},
		},
		{
			name:  "a variable that reads like a credential is rejected with advice in YAML terms",
			edits: []edit{svc("    environment:\n      STRIPE_API_KEY: sk_live_x\n")},
			want:  []string{`:18: services[0].environment["STRIPE_API_KEY"] (service "web"): reads like a credential, and plain environment values are readable in the task definition (keep the value in AWS Secrets Manager and read it at runtime; rename the variable if it holds no secret)`},
		},
		{
			name:  "an instance class family Aurora does not offer is rejected",
			edits: []edit{section("database", "  instanceClass: db.m6g.large\n")},
			want:  []string{`:20: database.instanceClass "db.m6g.large": Aurora PostgreSQL offers no m6g classes for a cluster whose users the Data API creates (allowed families: r*, x*; e.g. db.r6g.large)`},
		},
		{
			name:  "a burstable Aurora class below medium is rejected for the Data API, not sent to medium",
			edits: []edit{section("database", "  instanceClass: db.t3.micro\n")},
			want:  []string{`:20: database.instanceClass "db.t3.micro": the RDS Data API, which creates the services' database users at deploy time, does not run on burstable (db.t*) classes; use a memory-optimised class (e.g. db.r6g.large) or Serverless v2`},
		},
		{
			name:  "a burstable Aurora class is rejected: the Data API that creates the users does not run on it",
			edits: []edit{section("database", "  instanceClass: db.t4g.medium\n")},
			want:  []string{`:20: database.instanceClass "db.t4g.medium": the RDS Data API, which creates the services' database users at deploy time, does not run on burstable (db.t*) classes; use a memory-optimised class (e.g. db.r6g.large) or Serverless v2`},
		},
		{
			name:  "a storage ceiling less than 10% above the allocated storage is rejected",
			edits: []edit{section("database", "  postgres:\n    allocatedStorageGiB: 100\n    maxAllocatedStorageGiB: 105\n")},
			want:  []string{`:22: database.postgres.maxAllocatedStorageGiB 105: too close to allocatedStorageGiB 100 (allowed: 100 (autoscaling off) or 110-65536 GiB, at least 10% above allocatedStorageGiB; storage autoscaling never shrinks)`},
		},
		{
			name:  "a burstable cache node cannot join a Global Datastore",
			edits: []edit{addRegion, globalDB, inCache("  nodeType: cache.t4g.medium\n  globalDatastore: true\n")},
			want:  []string{`:24: cache.nodeType "cache.t4g.medium": burstable (t) node types cannot join a Global Datastore (allowed with cache.globalDatastore: true: e.g. cache.r7g.large, cache.m7g.large)`},
		},
		{
			name:  "a previous-generation cache node cannot join a Global Datastore",
			edits: []edit{addRegion, globalDB, inCache("  nodeType: cache.r4.large\n  globalDatastore: true\n")},
			want:  []string{`:24: cache.nodeType "cache.r4.large": previous-generation node types (older than m5 and r5) cannot join a Global Datastore (allowed with cache.globalDatastore: true: e.g. cache.r7g.large, cache.m7g.large)`},
		},
		{
			name:  "a small size of a family that has none is rejected",
			edits: []edit{inCache("  nodeType: cache.r7g.micro\n")},
			want:  []string{`:19: cache.nodeType "cache.r7g.micro": not an ElastiCache node type (allowed: cache.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. cache.r7g.large, cache.t4g.micro))`},
		},
		{
			name:  "a cache node size AWS does not have is rejected",
			edits: []edit{inCache("  nodeType: cache.r7g.huge\n")},
			want:  []string{`:19: cache.nodeType "cache.r7g.huge": not an ElastiCache node type (allowed: cache.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. cache.r7g.large, cache.t4g.micro))`},
		},

		// ---- CIDRs and subnets ----
		{
			name:  "a malformed VPC CIDR is reported",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0/16"}},
			want:  []string{`:6: regions[0].cidr "10.1.0/16": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "an IPv6 VPC CIDR is rejected as not IPv4",
			edits: []edit{{"cidr: 10.1.0.0/16", `cidr: "fd00::/16"`}},
			want:  []string{`:6: regions[0].cidr "fd00::/16": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "a non-canonical VPC CIDR is reported with the canonical form",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.2.0/16"}},
			want:  []string{`:6: regions[0].cidr "10.1.2.0/16": not in canonical form: the network address of that /16 is 10.1.0.0 (write 10.1.0.0/16)`},
		},
		{
			name:  "a VPC larger than a /16 is rejected",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.0.0.0/8"}},
			want:  []string{`:6: regions[0].cidr "10.0.0.0/8": prefix /8 out of range (allowed: /16 to /24)`},
		},
		{
			name: "a VPC smaller than a /24 is rejected",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0.0/25"}, {"      - name: us-east-1a\n      - name: us-east-1b\n",
				"      - name: us-east-1a\n        publicSubnet: 10.1.0.0/28\n        appSubnet: 10.1.0.16/28\n        dataSubnet: 10.1.0.32/28\n" +
					"      - name: us-east-1b\n        publicSubnet: 10.1.0.48/28\n        appSubnet: 10.1.0.64/28\n        dataSubnet: 10.1.0.80/28\n"}},
			want: []string{`:6: regions[0].cidr "10.1.0.0/25": prefix /25 out of range (allowed: /16 to /24)`,
				// Reported together: a load balancer needs /27 public subnets, and /28 app subnets hold
				// 11 addresses (appSubnetRoom's own cases are below).
				`:9: regions[0].availabilityZones[0].publicSubnet "10.1.0.0/28": too small for the load balancer, which needs a /27 or larger in each of its subnets`,
				`:10: regions[0].availabilityZones[0].appSubnet "10.1.0.16/28": 11 usable addresses, fewer than the 38 its zone may need at once: ` +
					`20 for the services' tasks (200% of each maxCount over 2 zones: a deployment runs old and new tasks side by side), ` +
					`8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; give an appSubnet of at least /26, or lower maxCount`,
				`:13: regions[0].availabilityZones[1].publicSubnet "10.1.0.48/28": too small for the load balancer, which needs a /27 or larger in each of its subnets`,
				`:14: regions[0].availabilityZones[1].appSubnet "10.1.0.64/28": 11 usable addresses, fewer than the 38 its zone may need at once: ` +
					`20 for the services' tasks (200% of each maxCount over 2 zones: a deployment runs old and new tasks side by side), ` +
					`8 for the interface endpoints, 10 for Lambda and VPC-link interfaces; give an appSubnet of at least /26, or lower maxCount`},
		},
		{
			name:  "subnets are required when the VPC is not a /16",
			edits: []edit{{"cidr: 10.1.0.0/16", "cidr: 10.1.0.0/20"}},
			want: []string{
				`:8: regions[0].availabilityZones[0]: publicSubnet, appSubnet and dataSubnet are required when cidr is not a /16 (regions[0].cidr is "10.1.0.0/20"; only a /16 gets derived subnets)`,
				`:9: regions[0].availabilityZones[1]: publicSubnet, appSubnet and dataSubnet are required when cidr is not a /16 (regions[0].cidr is "10.1.0.0/20"; only a /16 gets derived subnets)`,
			},
		},
		{
			name:  "an AZ that gives only some of its subnets is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n"}},
			want:  []string{`:8: regions[0].availabilityZones[0]: appSubnet, dataSubnet missing: give all three of publicSubnet, appSubnet, dataSubnet, or none to derive them from a /16 cidr`},
		},
		{
			name:  "a malformed subnet is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`:9: regions[0].availabilityZones[0].publicSubnet "10.1.1.0": not an IPv4 CIDR (expected a.b.c.d/n, e.g. 10.1.0.0/16)`},
		},
		{
			name:  "a non-canonical subnet is reported with the canonical form",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.7/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`:10: regions[0].availabilityZones[0].appSubnet "10.1.10.7/24": not in canonical form: the network address of that /24 is 10.1.10.0 (write 10.1.10.0/24)`},
		},
		{
			name:  "a subnet smaller than a /28 is rejected",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/29\n"}},
			want:  []string{`:11: regions[0].availabilityZones[0].dataSubnet "10.1.20.0/29": prefix /29 out of range (allowed: /16 to /28)`},
		},
		{
			name:  "a subnet outside its VPC is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.9.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`:9: regions[0].availabilityZones[0].publicSubnet "10.9.1.0/24": outside the VPC regions[0].cidr "10.1.0.0/16"`},
		},
		{
			name:  "a subnet overlapping another subnet of the same AZ is reported",
			edits: []edit{{"      - name: us-east-1a\n", "      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.1.128/25\n        dataSubnet: 10.1.20.0/24\n"}},
			want:  []string{`:10: regions[0].availabilityZones[0].appSubnet "10.1.1.128/25" overlaps regions[0].availabilityZones[0].publicSubnet "10.1.1.0/24"`},
		},
		{
			name: "a subnet overlapping an explicit subnet of another AZ is reported",
			edits: []edit{{"      - name: us-east-1a\n      - name: us-east-1b\n",
				"      - name: us-east-1a\n        publicSubnet: 10.1.1.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.20.0/24\n" +
					"      - name: us-east-1b\n        publicSubnet: 10.1.2.0/24\n        appSubnet: 10.1.11.0/24\n        dataSubnet: 10.1.20.0/23\n"}},
			want: []string{`:15: regions[0].availabilityZones[1].dataSubnet "10.1.20.0/23" overlaps regions[0].availabilityZones[0].dataSubnet "10.1.20.0/24"`},
		},
		{
			name:  "a subnet overlapping a derived subnet of another AZ is reported",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n        publicSubnet: 10.1.2.0/24\n        appSubnet: 10.1.10.0/24\n        dataSubnet: 10.1.21.0/24\n"}},
			want:  []string{`:11: regions[0].availabilityZones[1].appSubnet "10.1.10.0/24" overlaps regions[0].availabilityZones[0].appSubnet (derived) "10.1.10.0/24"`},
		},

		// ---- regions and AZs ----
		{
			name:  "two regions with overlapping CIDRs are reported on one line naming both keys",
			edits: []edit{{"network:\n", "  - name: eu-west-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: eu-west-1a\n      - name: eu-west-1b\nnetwork:\n"}, globalDB},
			want:  []string{`:11: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`},
		},
		{
			name:  "a region listed twice is reported",
			edits: []edit{{"network:\n", "  - name: us-east-1\n    cidr: 10.2.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\nnetwork:\n"}, globalDB},
			want:  []string{`:10: regions[1].name "us-east-1": duplicate of regions[0].name (each region may be listed once)`},
		},
		{
			name: "an environment without us-east-1 has no home for its Edge stack",
			edits: []edit{{"  - name: us-east-1\n", "  - name: us-west-2\n"}, {"primaryRegion: us-east-1", "primaryRegion: us-west-2"},
				{"      - name: us-east-1a\n      - name: us-east-1b\n", "      - name: us-west-2a\n      - name: us-west-2b\n"}},
			want: []string{`:4: regions: us-east-1 is required: the Edge stack (WAF, CloudFront certificate) runs there and reads the origin secret's replica there (regions[].name: us-west-2)`},
		},
		{
			name: "an unknown region lists the supported regions",
			edits: []edit{{"  - name: us-east-1\n", "  - name: us-east-3\n"}, {"primaryRegion: us-east-1", "primaryRegion: us-east-3"},
				{"      - name: us-east-1a\n      - name: us-east-1b\n", "      - name: us-east-3a\n      - name: us-east-3b\n"}},
			want: []string{`:5: regions[0].name "us-east-3": unknown region (supported: ap-southeast-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)`},
		},
		{
			name:  "an AZ of another region is rejected",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: eu-west-1a\n"}},
			want:  []string{`:9: regions[0].availabilityZones[1].name "eu-west-1a": not an availability zone of us-east-1 (allowed: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f)`},
		},
		{
			name:  "an AZ letter the region does not have is rejected",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1z\n"}},
			want:  []string{`:9: regions[0].availabilityZones[1].name "us-east-1z": not an availability zone of us-east-1 (allowed: us-east-1a, us-east-1b, us-east-1c, us-east-1d, us-east-1e, us-east-1f)`},
		},
		{
			name:  "an AZ listed twice in a region is reported",
			edits: []edit{{"      - name: us-east-1b\n", "      - name: us-east-1b\n      - name: us-east-1a\n"}},
			want:  []string{`:10: regions[0].availabilityZones[2].name "us-east-1a": duplicate of regions[0].availabilityZones[0].name (each AZ may be listed once)`},
		},
		{
			name:  "a region with a single AZ is rejected",
			edits: []edit{{"      - name: us-east-1b\n", ""}},
			want:  []string{`:7: regions[0].availabilityZones: has 1 zone(s), at least 2 are required (the ALB and Multi-AZ databases need two AZs)`},
		},
		{
			name:  "an empty region list is rejected",
			edits: []edit{{"regions:\n  - name: us-east-1\n    cidr: 10.1.0.0/16\n    availabilityZones:\n      - name: us-east-1a\n      - name: us-east-1b\n", "regions: []\n"}},
			want:  []string{`:4: regions: at least one region is required (supported: ap-southeast-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-east-2, us-west-2)`},
		},
		{
			name:  "a primary region that is not among the regions is reported",
			edits: []edit{{"primaryRegion: us-east-1", "primaryRegion: eu-west-1"}},
			want:  []string{`:3: primaryRegion "eu-west-1": not one of the environment's regions (regions[].name: us-east-1)`},
		},

		// ---- identity ----
		{
			name:  "an account that is not 12 digits is reported",
			edits: []edit{{`account: "123456789012"`, `account: "12345"`}},
			want:  []string{`:2: account "12345": must be exactly 12 digits (the AWS account id, quoted)`},
		},
		{
			name:  "an environment name with capitals is rejected",
			file:  "Test.yaml",
			edits: []edit{{"name: test", "name: Test"}},
			want:  []string{`:1: name "Test": must be 2-20 characters: a lowercase letter, then lowercase letters, digits or hyphens ([a-z][a-z0-9-]{1,19}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)`},
		},
		{
			name:  "an environment name that differs from the file name is rejected",
			edits: []edit{{"name: test", "name: prod"}},
			want:  []string{`:1: name "prod": must equal the file name "test" (rename the file or change the name)`},
		},

		// ---- network ----
		{
			name:  "an unknown NAT mode lists the allowed modes",
			edits: []edit{{"natGateways: per-az", "natGateways: none"}},
			want:  []string{`:11: network.natGateways "none": unknown NAT mode (allowed: per-az, single)`},
		},
		{
			name:  "an unknown interface endpoint lists the allowed names",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [logs, ecr]\n"}},
			want:  []string{`:12: network.interfaceEndpoints[1] "ecr": unknown interface endpoint (allowed: application-autoscaling, autoscaling, cloudformation, cloudtrail, codebuild, codedeploy, codepipeline, config, ec2, ec2messages, ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, elasticache, elasticfilesystem, elasticloadbalancing, events, execute-api, kinesis-firehose, kinesis-streams, kms, lambda, logs, monitoring, rds, rds-data, secretsmanager, servicediscovery, sns, sqs, ssm, ssmmessages, states, sts, xray)`},
		},
		{
			name:  "a full endpoint service name is rejected with the short name suggested",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [com.amazonaws.us-east-1.ecr.api]\n"}},
			want:  []string{`:12: network.interfaceEndpoints[0] "com.amazonaws.us-east-1.ecr.api": unknown interface endpoint (write the short name "ecr.api"; allowed: application-autoscaling, autoscaling, cloudformation, cloudtrail, codebuild, codedeploy, codepipeline, config, ec2, ec2messages, ecr.api, ecr.dkr, ecs, ecs-agent, ecs-telemetry, elasticache, elasticfilesystem, elasticloadbalancing, events, execute-api, kinesis-firehose, kinesis-streams, kms, lambda, logs, monitoring, rds, rds-data, secretsmanager, servicediscovery, sns, sqs, ssm, ssmmessages, states, sts, xray)`},
		},
		{
			name:  "s3 and dynamodb as interface endpoints are rejected as gateway endpoints",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [s3, logs, dynamodb]\n"}},
			want: []string{
				`:12: network.interfaceEndpoints[0] "s3": s3 is a gateway endpoint, which Stratus always creates; remove it from interfaceEndpoints`,
				`:12: network.interfaceEndpoints[2] "dynamodb": dynamodb is a gateway endpoint, which Stratus always creates; remove it from interfaceEndpoints`,
			},
		},
		{
			name:  "an interface endpoint listed twice is reported",
			edits: []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [logs, kms, logs]\n"}},
			want:  []string{`:12: network.interfaceEndpoints[2] "logs": duplicate of network.interfaceEndpoints[0] (list each endpoint once)`},
		},
		{
			name:  "a flow log retention CloudWatch does not accept lists the accepted values",
			edits: []edit{{"flowLogRetentionDays: 365", "flowLogRetentionDays: 366"}},
			want:  []string{`:12: network.flowLogRetentionDays 366: not a retention CloudWatch Logs accepts (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)`},
		},

		// ---- services and cache ----
		{
			name:  "a service name used twice is reported",
			edits: []edit{service("web", "    port: 8081\n")},
			want:  []string{`:17: services[1].name "web": duplicate of services[0].name (service names must be unique)`},
		},
		{
			name:  "a service name with capitals is rejected",
			edits: []edit{{"  - name: web", "  - name: Web"}},
			want:  []string{`:14: services[0].name "Web": must be a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)`},
		},
		{
			name:  "a service port above 65535 is rejected",
			edits: []edit{{"    port: 8080", "    port: 65536"}},
			want:  []string{`:15: services[0].port 65536 (service "web"): out of range (allowed: 1-65535 except 80 and 443)`},
		},
		{
			name:  "a service port of 0 is rejected",
			edits: []edit{{"    port: 8080", "    port: 0"}},
			want:  []string{`:15: services[0].port 0 (service "web"): out of range (allowed: 1-65535 except 80 and 443)`},
		},
		{
			name:  "a service on the ALB's HTTPS port is rejected",
			edits: []edit{{"    port: 8080", "    port: 443"}},
			want:  []string{`:15: services[0].port 443 (service "web"): reserved for the ALB's listeners (allowed: 1-65535 except 80 and 443)`},
		},
		{
			name:  "a service on the ALB's HTTP port is rejected",
			edits: []edit{{"    port: 8080", "    port: 80"}},
			want:  []string{`:15: services[0].port 80 (service "web"): reserved for the ALB's listeners (allowed: 1-65535 except 80 and 443)`},
		},
		{
			name:  "a cache port below 1024 is rejected",
			edits: []edit{{"  port: 6379", "  port: 1023"}},
			want:  []string{`:18: cache.port 1023: out of range for ElastiCache (allowed: 1024-65535 except 5432)`},
		},
		{
			name:  "a cache on the database port is rejected",
			edits: []edit{{"  port: 6379", "  port: 5432"}},
			want:  []string{`:18: cache.port 5432: is the database port (allowed: 1024-65535 except 5432)`},
		},
		{
			name:  "a service port equal to the cache port is rejected",
			edits: []edit{{"    port: 8080", "    port: 6379"}},
			want:  []string{`:15: services[0].port 6379 (service "web"): equals cache.port 6379 (the app and cache security groups would share a port; pick another)`},
		},
		{
			name:  "a service port equal to the default cache port is rejected",
			edits: []edit{{"    port: 8080", "    port: 6379"}, {"cache:\n  port: 6379\n", ""}},
			want:  []string{`:15: services[0].port 6379 (service "web"): equals cache.port 6379 (the app and cache security groups would share a port; pick another)`},
		},

		// ---- limits AWS applies at deploy time ----
		{
			name:  "more tags than a Route 53 health check takes beside the platform's are rejected",
			edits: []edit{{"  team: platform", "  a: x\n  b: x\n  c: x\n  d: x\n  e: x\n  f: x\n  g: x\n  h: x"}},
			want:  []string{`:22: tags: 8 keys; at most 7 (Route 53 health checks take 10 tags, and Stratus adds project, environment and Name)`},
		},
		{
			name: "a Global Datastore over four regions is rejected: it takes two secondaries",
			edits: []edit{globalDB, addRegion,
				{"network:\n", "  - name: us-west-2\n    cidr: 10.3.0.0/16\n    availabilityZones:\n      - name: us-west-2a\n      - name: us-west-2b\n  - name: us-east-2\n    cidr: 10.4.0.0/16\n    availabilityZones:\n      - name: us-east-2a\n      - name: us-east-2b\nnetwork:\n"},
				inCache("  globalDatastore: true\n")},
			want: []string{`:34: cache.globalDatastore true: a Global Datastore spans at most 3 regions (a primary and two secondaries), the environment has 4`},
		},
		{
			name:  "failover routing over three regions is rejected: Route 53 failover has one primary and one secondary",
			edits: []edit{globalDB, addRegion, {"network:\n", "  - name: us-west-2\n    cidr: 10.3.0.0/16\n    availabilityZones:\n      - name: us-west-2a\n      - name: us-west-2b\nnetwork:\n"}, inDNS("  routing: failover\n")},
			want:  []string{`:34: dns.routing "failover": needs exactly two regions (Route 53 failover has one primary and one secondary record), the environment has 3: use latency`},
		},
		{
			name:  "a service named like a role PostgreSQL reserves is rejected when it has a database",
			edits: []edit{service("public", "")},
			want:  []string{`:17: services[1].name "public": PostgreSQL or RDS reserves it as a role name, and the service connects to its database as a role of its own name (reserved: none, public, rdsadmin, rdsrepladmin, rdstopmgr; rename the service or set database: none)`},
		},
		{
			name:  "a service named as RDS's administrator role is rejected",
			edits: []edit{service("rdsadmin", "    shareDatabaseWith: web\n")},
			want:  []string{`:17: services[1].name "rdsadmin": PostgreSQL or RDS reserves it as a role name, and the service connects to its database as a role of its own name (reserved: none, public, rdsadmin, rdsrepladmin, rdstopmgr; rename the service or set database: none)`},
		},
		{
			name:  "more readers than a Global Database primary takes with its secondaries are rejected",
			edits: []edit{section("database", "  globalDatabase: true\n  readers: 15\n"), addRegion},
			want:  []string{`:26: database.readers 15: a Global Database's primary cluster takes at most 14 readers with 1 secondary region(s) (15 minus the secondaries)`},
		},
		{
			name:  "a path pattern with more wildcards than an ALB rule takes is rejected",
			edits: []edit{svc("    pathPattern: /api/*/*/*/*/*/*\n")},
			want:  []string{`:17: services[0].pathPattern "/api/*/*/*/*/*/*" (service "web"): not an ALB path pattern (allowed: starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and at most 5 of the wildcards * ? (an ALB rule's quota))`},
		},
		{
			name:  "an environment name ending with a hyphen is rejected",
			edits: []edit{{"name: test", "name: te-"}},
			want:  []string{`:1: name "te-": must be 2-20 characters: a lowercase letter, then lowercase letters, digits or hyphens ([a-z][a-z0-9-]{1,19}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)`},
		},

		// ---- tags ----
		{
			name:  "the reserved tag key project is rejected",
			edits: []edit{{"  team: platform", "  project: stratus"}},
			want:  []string{`:23: tags["project"]: reserved: the app sets the project, environment and Name tags itself (Name labels health checks, subnets and security groups in the console)`},
		},
		{
			// It replaced the names Stratus gives, e.g. the health check's "origin.<domain> in <region>".
			name:  "the tag key Name is rejected",
			edits: []edit{{"  team: platform", "  Name: custom"}},
			want:  []string{`:23: tags["Name"]: reserved: the app sets the project, environment and Name tags itself (Name labels health checks, subnets and security groups in the console)`},
		},
		{
			name:  "the reserved tag key environment is rejected whatever its case",
			edits: []edit{{"  team: platform", "  Environment: prod"}},
			want:  []string{`:23: tags["Environment"]: reserved: the app sets the project, environment and Name tags itself (Name labels health checks, subnets and security groups in the console)`},
		},
		{
			name:  "a tag key starting with aws: is rejected",
			edits: []edit{{"  team: platform", `  "aws:owner": me`}},
			want:  []string{`:23: tags["aws:owner"]: keys starting with "aws:" are reserved by AWS`},
		},
		{
			name:  "a tag key with a character AWS does not accept is rejected",
			edits: []edit{{"  team: platform", `  "team*": platform`}},
			want:  []string{`:23: tags["team*"]: key has characters AWS does not accept in tags (allowed: letters, digits, spaces and _ . : / = + - @)`},
		},
		{
			name:  "an empty tag key is rejected",
			edits: []edit{{"  team: platform", `  "": platform`}},
			want:  []string{`:23: tags[""]: key must be 1-128 characters, got 0`},
		},
		{
			name:  "a tag key longer than 128 characters is rejected",
			edits: []edit{{"  team: platform", "  " + strings.Repeat("k", 129) + ": platform"}},
			want:  []string{`:23: tags["kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"]: key must be 1-128 characters, got 129`},
		},
		{
			name:  "a tag value with a character AWS does not accept is rejected",
			edits: []edit{{"  team: platform", `  team: "platform;ops"`}},
			want:  []string{`:23: tags["team"] "platform;ops": value has characters AWS does not accept in tags (allowed: letters, digits, spaces and _ . : / = + - @)`},
		},
		{
			name:  "a tag value longer than 256 characters is rejected",
			edits: []edit{{"  team: platform", "  team: " + strings.Repeat("v", 257)}},
			want:  []string{`:23: tags["team"]: value must be 0-256 characters, got 257`},
		},

		// ---- services: database ----
		{
			name:  "an unknown service database engine lists the engines",
			edits: []edit{svc("    database: mysql\n")},
			want:  []string{`:17: services[0].database "mysql" (service "web"): unknown database engine (allowed: aurora-postgresql, postgres, none)`},
		},
		{
			name:  "sharing the database of an unknown service lists the services",
			edits: []edit{svc("    shareDatabaseWith: api\n"), service("order", "")},
			want:  []string{`:17: services[0].shareDatabaseWith "api" (service "web"): no such service (services: web, order)`},
		},
		{
			name:  "a service sharing its own database is rejected",
			edits: []edit{svc("    shareDatabaseWith: web\n")},
			want:  []string{`:17: services[0].shareDatabaseWith "web" (service "web"): names the service itself (name another service, whose database this one uses)`},
		},
		{
			name:  "sharing the database of a service that shares one itself is rejected",
			edits: []edit{service("order", "    shareDatabaseWith: web\n"), service("user", "    shareDatabaseWith: order\n")},
			want:  []string{`:22: services[2].shareDatabaseWith "order" (service "user"): that service shares the database of "web" itself (name the owner of a database)`},
		},
		{
			name:  "sharing the database of a service without a database is rejected",
			edits: []edit{svc("    database: none\n"), service("order", "    shareDatabaseWith: web\n")},
			want:  []string{`:20: services[1].shareDatabaseWith "web" (service "order"): that service has database none, so there is no database to share`},
		},
		{
			name:  "a sharing service whose engine differs from the owner's is rejected",
			edits: []edit{svc("    database: postgres\n"), service("order", "    database: aurora-postgresql\n    shareDatabaseWith: web\n")},
			want:  []string{`:20: services[1].database "aurora-postgresql" (service "order"): differs from the database of "web", which it shares (postgres); remove database or make them equal`},
		},

		// ---- services: image ----
		{
			name:  "a service without an image is reported as required",
			edits: []edit{{"    image: \"1.0.0\"\n", ""}},
			want:  []string{`:14: services[0].image (service "web"): required: the image to run: a tag in the service's ECR repository (e.g. "1.4.2") or a full reference registry/repository:tag or registry/repository@sha256:<digest>`},
		},
		{
			name:  "an image tag with a space is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: "1.0 beta"`}},
			want:  []string{`:16: services[0].image "1.0 beta" (service "web"): not a valid image tag (allowed: 1-128 characters of letters, digits, _ . and -, not starting with . or -; or a full reference registry/repository:tag)`},
		},
		{
			name:  "an image tag starting with a dot is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: ".1"`}},
			want:  []string{`:16: services[0].image ".1" (service "web"): not a valid image tag (allowed: 1-128 characters of letters, digits, _ . and -, not starting with . or -; or a full reference registry/repository:tag)`},
		},
		{
			name:  "the image tag latest is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: latest`}},
			want:  []string{`:16: services[0].image "latest" (service "web"): the tag "latest" is not allowed: the service's ECR repository is immutable-tag, so pin a version (e.g. "1.4.2")`},
		},
		{
			name:  "a full image reference without a tag or digest is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/web`}},
			want:  []string{`:16: services[0].image "123456789012.dkr.ecr.us-east-1.amazonaws.com/web" (service "web"): a full reference needs a tag or a digest (registry/repository:tag or registry/repository@sha256:<64 hex digits>; there is no implicit latest)`},
		},
		{
			name:  "a full image reference with a malformed digest is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: public.ecr.aws/acme/web@sha256:abc123`}},
			want:  []string{`:16: services[0].image "public.ecr.aws/acme/web@sha256:abc123" (service "web"): the digest "sha256:abc123" is not valid (allowed: sha256: followed by 64 lowercase hex digits)`},
		},
		{
			name:  "a full image reference with the tag latest is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: docker.io/library/nginx:latest`}},
			want:  []string{`:16: services[0].image "docker.io/library/nginx:latest" (service "web"): the tag "latest" is not allowed: it moves, so a deployment could not be repeated; pin a version or a digest`},
		},
		{
			name:  "an image reference without a registry is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: "nginx:1.27"`}},
			want:  []string{`:16: services[0].image "nginx:1.27" (service "web"): a full reference needs a registry and a repository (registry/repository:tag, e.g. public.ecr.aws/nginx/nginx:1.27 or docker.io/library/nginx:1.27); a bare tag has no : or @`},
		},
		{
			name:  "an image reference whose first component is not a registry host is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: "bitnami/redis:7.2"`}},
			want:  []string{`:16: services[0].image "bitnami/redis:7.2" (service "web"): "bitnami" is not a registry host: name the registry explicitly (e.g. docker.io/bitnami/redis:7.2)`},
		},
		{
			name:  "an image reference with an uppercase repository is rejected",
			edits: []edit{{`image: "1.0.0"`, `image: "ghcr.io/Acme/web:1.0"`}},
			want:  []string{`:16: services[0].image "ghcr.io/Acme/web:1.0" (service "web"): the repository "Acme/web" is not valid (allowed: /-separated components of lowercase letters and digits, joined by . _ __ or -)`},
		},

		// ---- services: size, counts, scaling ----
		{
			name:  "a CPU size Fargate does not offer lists the sizes",
			edits: []edit{svc("    cpu: 300\n")},
			want:  []string{`:17: services[0].cpu 300 (service "web"): not a Fargate CPU size (allowed: 256, 512, 1024, 2048, 4096, 8192, 16384)`},
		},
		{
			name:  "a memory size that does not fit the CPU names the file, the service and the memory allowed",
			edits: []edit{service("order", "    memory: 3000\n")},
			want:  []string{`:19: services[1].memory 3000 (service "order"): Fargate cpu 512 allows memory 1024, 2048, 3072, 4096`},
		},
		{
			name:  "a memory size too small for a large CPU lists the memory allowed",
			edits: []edit{svc("    cpu: 8192\n    memory: 8192\n")},
			want:  []string{`:18: services[0].memory 8192 (service "web"): Fargate cpu 8192 allows memory 16384, 20480, 24576, 28672, 32768, 36864, 40960, 45056, 49152, 53248, 57344, 61440`},
		},
		{
			name:  "a memory size too large for a small CPU lists the memory allowed",
			edits: []edit{svc("    cpu: 256\n    memory: 4096\n")},
			want:  []string{`:18: services[0].memory 4096 (service "web"): Fargate cpu 256 allows memory 512, 1024, 2048`},
		},
		{
			name:  "a CPU size given without memory reports that the default memory does not fit",
			edits: []edit{svc("    cpu: 2048\n")},
			want:  []string{`:17: services[0].cpu 2048 (service "web"): the default memory 1024 does not fit: Fargate cpu 2048 allows memory 4096, 5120, 6144, 7168, 8192, 9216, 10240, 11264, 12288, 13312, 14336, 15360, 16384 (give memory)`},
		},
		{
			name:  "a desired count below the default minimum is rejected",
			edits: []edit{svc("    desiredCount: 1\n")},
			want:  []string{`:17: services[0].desiredCount 1 (service "web"): below minCount 2, the default (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`},
		},
		{
			name:  "a desired count above the maximum is rejected",
			edits: []edit{svc("    desiredCount: 8\n    maxCount: 6\n")},
			want:  []string{`:17: services[0].desiredCount 8 (service "web"): above maxCount 6 (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`},
		},
		{
			name:  "a minimum above the maximum is rejected",
			edits: []edit{svc("    desiredCount: 4\n    minCount: 5\n    maxCount: 3\n")},
			want:  []string{`:18: services[0].minCount 5 (service "web"): above maxCount 3 (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`},
		},
		{
			name:  "a minimum above the default desired count is reported on the minimum",
			edits: []edit{svc("    minCount: 3\n")},
			want:  []string{`:17: services[0].minCount 3 (service "web"): above desiredCount 2, the default (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`},
		},
		{
			name:  "task counts of zero and above 1000 are out of range",
			edits: []edit{svc("    desiredCount: 0\n    minCount: 0\n    maxCount: 1001\n")},
			want: []string{
				`:17: services[0].desiredCount 0 (service "web"): out of range (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`,
				`:18: services[0].minCount 0 (service "web"): out of range (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`,
				`:19: services[0].maxCount 1001 (service "web"): out of range (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`,
			},
		},
		{
			name:  "scaling targets outside 1-100 percent are rejected",
			edits: []edit{svc("    scaling:\n      cpuTarget: 0\n      memoryTarget: 101\n")},
			want: []string{
				`:18: services[0].scaling.cpuTarget 0 (service "web"): out of range (allowed: 1-100 percent)`,
				`:19: services[0].scaling.memoryTarget 101 (service "web"): out of range (allowed: 1-100 percent)`,
			},
		},
		{
			name:  "a requests-per-target outside its range is rejected",
			edits: []edit{svc("    scaling:\n      requestsPerTarget: 1000001\n")},
			want:  []string{`:18: services[0].scaling.requestsPerTarget 1000001 (service "web"): out of range (allowed: 1-1000000 requests per task per minute)`},
		},
		{
			name:  "an unknown scaling key lists the scaling keys",
			edits: []edit{svc("    scaling:\n      cpu: 70\n")},
			want:  []string{":18: services[0].scaling.cpu: unknown key (allowed: cpuTarget, memoryTarget, requestsPerTarget)"},
		},

		// ---- services: routing, health, environment, sidecars ----
		{
			name:  "a path pattern without a leading slash is rejected",
			edits: []edit{svc("    pathPattern: api/web/*\n")},
			want:  []string{`:17: services[0].pathPattern "api/web/*" (service "web"): not an ALB path pattern (allowed: starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and at most 5 of the wildcards * ? (an ALB rule's quota))`},
		},
		{
			name:  "a path pattern with a character ALBs do not accept is rejected",
			edits: []edit{svc("    pathPattern: \"/api/web/#\"\n")},
			want:  []string{`:17: services[0].pathPattern "/api/web/#" (service "web"): not an ALB path pattern (allowed: starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and at most 5 of the wildcards * ? (an ALB rule's quota))`},
		},
		{
			name:  "a path pattern longer than 128 characters is rejected",
			edits: []edit{svc("    pathPattern: /" + strings.Repeat("a", 128) + "\n")},
			want:  []string{`:17: services[0].pathPattern "/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" (service "web"): not an ALB path pattern (allowed: starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and at most 5 of the wildcards * ? (an ALB rule's quota))`},
		},
		{
			name:  "a path pattern CloudFront never sends to the services is rejected",
			edits: []edit{svc("    pathPattern: /v1/web/*\n")},
			want:  []string{`:17: services[0].pathPattern "/v1/web/*" (service "web"): matches no path CloudFront sends to the services (only /api/*), so it would route nothing: start it with "/api/" (e.g. "/api/web/*")`},
		},
		{
			name:  "a path pattern outside /api/ is rejected with an API-only edge too",
			edits: []edit{svc("    pathPattern: /v1/web/*\n"), section("cloudfront", "  frontend:\n    enabled: false\n")},
			want:  []string{`:17: services[0].pathPattern "/v1/web/*" (service "web"): matches no path under /api/*, which an API-only edge (cloudfront.frontend.enabled: false) holds services to as the edge with a frontend does, so turning the frontend on later cuts no service off: start it with "/api/" (e.g. "/api/web/*")`},
		},
		{
			name:  "two services on one path pattern are reported naming both services",
			edits: []edit{svc("    pathPattern: /api/*\n"), service("order", "    pathPattern: /api/*\n")},
			want:  []string{`:20: services[1].pathPattern "/api/*" (service "order"): same as services[0].pathPattern (service "web") (each service needs its own path pattern)`},
		},
		{
			name:  "a path pattern equal to another service's default is reported naming both services",
			edits: []edit{service("order", "    pathPattern: /api/web/*\n")},
			want:  []string{`:19: services[1].pathPattern "/api/web/*" (service "order"): same as the default pathPattern of services[0] (service "web") (each service needs its own path pattern)`},
		},
		{
			name:  "a health-check path without a leading slash is rejected",
			edits: []edit{svc("    healthCheckPath: health\n")},
			want:  []string{`:17: services[0].healthCheckPath "health" (service "web"): not a health-check path (allowed: starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health")`},
		},
		{
			name:  "a health-check path with a wildcard or a space is rejected",
			edits: []edit{svc("    healthCheckPath: /health/*\n"), service("order", "    healthCheckPath: /health check\n")},
			want: []string{
				`:17: services[0].healthCheckPath "/health/*" (service "web"): not a health-check path (allowed: starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health")`,
				`:20: services[1].healthCheckPath "/health check" (service "order"): not a health-check path (allowed: starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health")`,
			},
		},
		{
			// A listener rule's path pattern reads "?" as a wildcard and never sees the query, so
			// Route 53's checks of the first service's path would meet the 403 default instead.
			name:  "the first service's health-check path with a query string is rejected, another service's is not",
			edits: []edit{svc("    healthCheckPath: /health?deep=1\n"), service("order", "    healthCheckPath: /health?deep=1\n")},
			want: []string{
				`:17: services[0].healthCheckPath "/health?deep=1" (service "web"): the first service's path is also the load balancer's rule for Route 53's health checks, which matches no query string or fragment: give the path alone`,
			},
		},
		{
			name:  "with ingress.mode api no service's health-check path may hold a query string or a fragment",
			edits: []edit{section("ingress", "  mode: api\n"), service("order", "    healthCheckPath: /health#top\n")},
			want: []string{
				`:19: services[1].healthCheckPath "/health#top" (service "order"): with ingress.mode api the path is an API route, which matches no query string or fragment: give the path alone`,
			},
		},
		{
			// aws-cdk-lib would resolve the marker as the value of that number (here an import of a
			// subnet's AZ) or fail the synthesis naming no key.
			name:  "text holding aws-cdk-lib's token marker is rejected wherever it is",
			edits: []edit{svc("    environment:\n      FOO: \"x${Token[TOKEN.20]}y\"\n    healthCheckPath: \"/#{Token[TOKEN.21]}\"\n")},
			want: []string{
				`:18: services[0].environment["FOO"]: contains "${Token[", which aws-cdk-lib would read as a reference to one of its own values (write the text without it)`,
				`:19: services[0].healthCheckPath: contains "#{Token[", which aws-cdk-lib would read as a reference to one of its own values (write the text without it)`,
			},
		},
		{
			name:  "service names that give one construct id are rejected",
			edits: []edit{service("order-1", ""), service("order1", ""), service("health-check", ""), service("web-alternate", ""), service("web-test", "")},
			want: []string{
				`:19: services[2].name "order1": gives the same resource ids as services[1].name "order-1" (names that differ only in a hyphen before a digit collide)`,
				`:21: services[3].name "health-check": reserved: the load balancer's rule for Route 53's health checks takes that name (kept for it in every ingress mode, so a switch of mode breaks nothing)`,
				`:23: services[4].name "web-alternate": reserved: the load balancer names web's alternate target group that way (web-alternate), kept for it whatever its deployment strategy, so a later switch breaks nothing`,
				`:25: services[5].name "web-test": reserved: the load balancer names web's test-listener rule that way (web-test), kept for it whatever its deployment strategy, so a later switch breaks nothing`,
			},
		},
		{
			name:  "environment variables too large for a task definition are rejected",
			edits: []edit{svc("    environment:\n      BIG_A: \"" + strings.Repeat("a", 20000) + "\"\n      BIG_B: \"" + strings.Repeat("b", 20000) + "\"\n")},
			want:  []string{`:17: services[0].environment (service "web"): its names and values take 40010 bytes (allowed: at most 32768: they are written into the task definition, which ECS holds to 64 KiB with the sidecars' definitions; keep large values in SSM or S3)`},
		},
		{
			name:  "an environment variable name in lowercase or starting with a digit is rejected",
			edits: []edit{svc("    environment:\n      log_level: info\n      1ST: x\n")},
			want: []string{
				`:18: services[0].environment["log_level"] (service "web"): not an environment variable name (allowed: [A-Z_][A-Z0-9_]{0,254}: uppercase letters, digits and _, not starting with a digit)`,
				`:19: services[0].environment["1ST"] (service "web"): not an environment variable name (allowed: [A-Z_][A-Z0-9_]{0,254}: uppercase letters, digits and _, not starting with a digit)`,
			},
		},
		{
			name:  "environment variables Stratus sets are reserved",
			edits: []edit{svc("    environment:\n      DB_HOST: db\n      AWS_REGION: eu-west-1\n      ECS_ENABLE: \"true\"\n      REDIS_AUTH: x\n      DB_IAM_USER: me\n")},
			want: []string{
				`:18: services[0].environment["DB_HOST"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`,
				`:19: services[0].environment["AWS_REGION"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`,
				`:20: services[0].environment["ECS_ENABLE"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`,
				`:21: services[0].environment["REDIS_AUTH"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`,
				`:22: services[0].environment["DB_IAM_USER"] (service "web"): reserved: Stratus sets DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_IAM_USER, DB_PASSWORD, DB_WRITER_HOST, DB_READER_HOST, REDIS_HOST, REDIS_PORT, REDIS_AUTH, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL itself, and names starting with AWS_, ECS_ are reserved for AWS and ECS (rename the variable)`,
			},
		},
		{
			name:  "an environment variable value that is a number must be quoted",
			edits: []edit{svc("    environment:\n      WORKERS: 4\n")},
			want:  []string{`:18: services[0].environment["WORKERS"]: must be a string, got an integer 4 (quote it: "4")`},
		},
		{
			name:  "an unknown sidecar lists the allowed sidecars",
			edits: []edit{svc("    sidecars: [envoy]\n")},
			want:  []string{`:17: services[0].sidecars[0] "envoy" (service "web"): unknown sidecar (allowed: adot)`},
		},
		{
			name:  "a sidecar listed twice is reported",
			edits: []edit{svc("    sidecars: [adot, adot]\n")},
			want:  []string{`:17: services[0].sidecars[1] "adot" (service "web"): duplicate of services[0].sidecars[0] (list each sidecar once)`},
		},
		{
			name:  "an unknown service key lists the service keys",
			edits: []edit{svc("    replicas: 2\n")},
			want:  []string{":17: services[0].replicas: unknown key (allowed: name, image, port, cpu, memory, desiredCount, minCount, maxCount, scaling, pathPattern, healthCheckPath, database, shareDatabaseWith, environment, sidecars, readOnlyRootFilesystem, calls, deployment)"},
		},

		// ---- database ----
		{
			name:  "an unknown key in the database section lists its keys",
			edits: []edit{section("database", "  size: large\n")},
			want:  []string{":20: database.size: unknown key (allowed: engineVersion, instanceClass, readers, serverlessV2, backupRetentionDays, backupWindow, maintenanceWindow, deletionProtection, removalPolicy, globalDatabase, secondaryReaders, postgres)"},
		},
		{
			name:  "an engine version written as a number must be quoted",
			edits: []edit{section("database", "  engineVersion: 16.6\n")},
			want:  []string{`:20: database.engineVersion: must be a string, got a number 16.6 (quote it: "16.6")`},
		},
		{
			name:  "an unknown Aurora PostgreSQL version lists the known versions",
			edits: []edit{section("database", "  engineVersion: \"14.9\"\n")},
			want:  []string{`:20: database.engineVersion "14.9": not a supported Aurora PostgreSQL version (allowed: 15.8, 15.10, 15.12, 15.13, 15.14, 15.15, 15.17, 16.4, 16.6, 16.8, 16.9, 16.10, 16.11, 16.13, 17.4, 17.5, 17.6, 17.7, 17.9)`},
		},
		{
			name:  "an Aurora instance class in the wrong format is rejected",
			edits: []edit{section("database", "  instanceClass: r6g.large\n")},
			want:  []string{`:20: database.instanceClass "r6g.large": not an RDS instance class (allowed: db.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. db.r6g.large, db.t4g.medium))`},
		},
		{
			name:  "db.serverless as an instance class points at serverlessV2",
			edits: []edit{section("database", "  instanceClass: db.serverless\n")},
			want:  []string{`:20: database.instanceClass "db.serverless": for Serverless v2 give database.serverlessV2 {minCapacity, maxCapacity} instead`},
		},
		{
			name:  "more than 15 readers are rejected",
			edits: []edit{section("database", "  readers: 16\n")},
			want:  []string{`:20: database.readers 16: out of range (allowed: 0-15)`},
		},
		{
			name:  "a negative reader count is rejected",
			edits: []edit{section("database", "  readers: -1\n")},
			want:  []string{`:20: database.readers -1: out of range (allowed: 0-15)`},
		},
		{
			name:  "Serverless v2 capacities outside their bounds are rejected",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: 0.25\n    maxCapacity: 300\n")},
			want: []string{
				`:21: database.serverlessV2.minCapacity 0.25: out of range (allowed: 0.5-256 ACUs in steps of 0.5)`,
				`:22: database.serverlessV2.maxCapacity 300: out of range (allowed: 1-256 ACUs in steps of 0.5)`,
			},
		},
		{
			name:  "a capacity that is not a finite number is rejected",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: .nan\n    maxCapacity: .inf\n")},
			want: []string{
				`:21: database.serverlessV2.minCapacity .nan: must be a finite number`,
				`:22: database.serverlessV2.maxCapacity .inf: must be a finite number`,
			},
		},
		{
			name:  "a Serverless v2 maximum below 1 ACU is rejected",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: 0.5\n    maxCapacity: 0.5\n")},
			want:  []string{`:22: database.serverlessV2.maxCapacity 0.5: out of range (allowed: 1-256 ACUs in steps of 0.5)`},
		},
		{
			name:  "a Serverless v2 minimum above the maximum is rejected",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: 8\n    maxCapacity: 4\n")},
			want:  []string{`:21: database.serverlessV2.minCapacity 8: above maxCapacity 4 (allowed: minCapacity <= maxCapacity)`},
		},
		{
			name:  "Serverless v2 capacities that are not steps of 0.5 are rejected",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: 0.75\n    maxCapacity: 4.2\n")},
			want: []string{
				`:21: database.serverlessV2.minCapacity 0.75: not a multiple of 0.5 (allowed: 0.5-256 ACUs in steps of 0.5)`,
				`:22: database.serverlessV2.maxCapacity 4.2: not a multiple of 0.5 (allowed: 1-256 ACUs in steps of 0.5)`,
			},
		},
		{
			name:  "serverlessV2 without its capacities reports both as required",
			edits: []edit{section("database", "  serverlessV2: {}\n")},
			want: []string{
				`:20: database.serverlessV2.minCapacity: required: the minimum capacity, 0.5-256 ACUs in steps of 0.5`,
				`:20: database.serverlessV2.maxCapacity: required: the maximum capacity, 1-256 ACUs in steps of 0.5`,
			},
		},
		{
			name:  "a quoted Serverless v2 capacity is a wrong type with a hint to remove the quotes",
			edits: []edit{section("database", "  serverlessV2:\n    minCapacity: \"0.5\"\n    maxCapacity: 4\n")},
			want:  []string{`:21: database.serverlessV2.minCapacity: must be a number, got a string "0.5" (remove the quotes; allowed: 0.5–256)`},
		},
		{
			name:  "serverlessV2 together with an instance class is rejected",
			edits: []edit{section("database", "  instanceClass: db.r6g.large\n  serverlessV2: {minCapacity: 0.5, maxCapacity: 4}\n")},
			want:  []string{`:20: database.instanceClass "db.r6g.large": not allowed together with database.serverlessV2 (Serverless v2 instances have no instance class; remove one of the two)`},
		},
		{
			name:  "a backup retention of 0 days is rejected",
			edits: []edit{section("database", "  backupRetentionDays: 0\n")},
			want:  []string{`:20: database.backupRetentionDays 0: out of range (allowed: 1-35 days)`},
		},
		{
			name:  "a backup retention above 35 days is rejected",
			edits: []edit{section("database", "  backupRetentionDays: 36\n")},
			want:  []string{`:20: database.backupRetentionDays 36: out of range (allowed: 1-35 days)`},
		},
		{
			name:  "a backup window in the wrong format is rejected",
			edits: []edit{section("database", "  backupWindow: \"3:00-04:00\"\n")},
			want:  []string{`:20: database.backupWindow "3:00-04:00": not a daily window (allowed: hh24:mi-hh24:mi in UTC, e.g. "03:00-04:00", at least 30 minutes)`},
		},
		{
			name:  "a backup window with an hour past 23 is rejected",
			edits: []edit{section("database", "  backupWindow: \"23:30-24:00\"\n")},
			want:  []string{`:20: database.backupWindow "23:30-24:00": not a daily window (allowed: hh24:mi-hh24:mi in UTC, e.g. "03:00-04:00", at least 30 minutes)`},
		},
		{
			name:  "a backup window shorter than 30 minutes is rejected",
			edits: []edit{section("database", "  backupWindow: \"03:00-03:15\"\n")},
			want:  []string{`:20: database.backupWindow "03:00-03:15": 15 minutes long (allowed: at least 30 minutes)`},
		},
		{
			name:  "a backup window overlapping the default maintenance window is reported with the day",
			edits: []edit{section("database", "  backupWindow: \"04:00-05:00\"\n")},
			want:  []string{`:20: database.backupWindow "04:00-05:00": overlaps the default database.maintenanceWindow "sun:04:30-sun:05:30" on sun (the two windows must not overlap on any day)`},
		},
		{
			name:  "a backup window wrapping midnight into a maintenance window is reported with the day",
			edits: []edit{section("database", "  backupWindow: \"23:30-00:30\"\n  maintenanceWindow: \"tue:00:00-tue:01:00\"\n")},
			want:  []string{`:20: database.backupWindow "23:30-00:30": overlaps database.maintenanceWindow "tue:00:00-tue:01:00" on tue (the two windows must not overlap on any day)`},
		},
		{
			name:  "a maintenance window overlapping the default backup window is reported on the maintenance window",
			edits: []edit{section("database", "  maintenanceWindow: \"wed:03:30-wed:04:30\"\n")},
			want:  []string{`:20: database.maintenanceWindow "wed:03:30-wed:04:30": overlaps the default database.backupWindow "03:00-04:00" on wed (the two windows must not overlap on any day)`},
		},
		{
			name:  "a maintenance window in the wrong format lists the days",
			edits: []edit{section("database", "  maintenanceWindow: \"sunday:04:30-sunday:05:30\"\n")},
			want:  []string{`:20: database.maintenanceWindow "sunday:04:30-sunday:05:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of mon, tue, wed, thu, fri, sat, sun, e.g. "sun:04:30-sun:05:30", at least 30 minutes)`},
		},
		{
			name:  "a maintenance window shorter than 30 minutes is rejected",
			edits: []edit{section("database", "  maintenanceWindow: \"sun:04:30-sun:04:45\"\n")},
			want:  []string{`:20: database.maintenanceWindow "sun:04:30-sun:04:45": 15 minutes long (allowed: at least 30 minutes)`},
		},
		{
			name:  "an unknown removal policy lists the allowed policies",
			edits: []edit{section("database", "  removalPolicy: destroy\n")},
			want:  []string{`:20: database.removalPolicy "destroy": unknown removal policy (allowed: retain, snapshot)`},
		},
		{
			name:  "a Global Database with a single region is rejected",
			edits: []edit{section("database", "  globalDatabase: true\n")},
			want:  []string{`:20: database.globalDatabase true: a Global Database needs a secondary region: add a second entry to regions`},
		},
		{
			name:  "secondaryReaders without a Global Database is rejected",
			edits: []edit{addRegion, section("database", "  secondaryReaders: 1\n")},
			want: []string{
				`:24: database.globalDatabase false: services web run in every region, and without a Global Database each region would get its own unrelated writable database (set database.globalDatabase: true)`,
				`:25: database.secondaryReaders 1: only applies to a Global Database (set database.globalDatabase: true, with at least two regions, or remove secondaryReaders)`,
			},
		},
		{
			name:  "several regions without a Global Database are rejected",
			edits: []edit{addRegion, service("api", "")},
			want:  []string{": database.globalDatabase false: services web, api run in every region, and without a Global Database each region would get its own unrelated writable database (set database.globalDatabase: true)"},
		},
		{
			name:  "a single-instance RDS database in several regions is rejected",
			edits: []edit{addRegion, globalDB, svc("    database: postgres\n")},
			want:  []string{`:22: services[0].database "postgres" (service "web"): a single RDS PostgreSQL instance lives in one region, but the service runs in every region of the environment (allowed with several regions: aurora-postgresql with database.globalDatabase: true)`},
		},
		{
			name:  "headless secondaries with latency routing are rejected",
			edits: []edit{addRegion, section("database", "  globalDatabase: true\n  secondaryReaders: 0\n")},
			want:  []string{`:26: database.secondaryReaders 0: headless secondary clusters serve no queries, but with dns.routing latency the services of every region take traffic (allowed: 1-15, or dns.routing: failover, where the warm region waits for a reader to be added at failover)`},
		},
		{
			name:  "secondaryReaders with a single region is rejected",
			edits: []edit{section("database", "  secondaryReaders: 0\n")},
			want:  []string{`:20: database.secondaryReaders 0: only applies to a Global Database (set database.globalDatabase: true, with at least two regions, or remove secondaryReaders)`},
		},
		{
			name:  "more than 15 secondary readers are rejected",
			edits: []edit{addRegion, section("database", "  globalDatabase: true\n  secondaryReaders: 16\n")},
			want:  []string{`:26: database.secondaryReaders 16: out of range (allowed: 0-15; 0 makes the secondary clusters headless)`},
		},
		{
			name:  "an unknown PostgreSQL version lists the known versions",
			edits: []edit{section("database", "  postgres:\n    engineVersion: \"14.10\"\n")},
			want:  []string{`:21: database.postgres.engineVersion "14.10": not a supported PostgreSQL version (allowed: 15.7, 15.8, 15.10, 15.12, 15.13, 15.14, 15.15, 15.16, 15.17, 16.3, 16.4, 16.6, 16.8, 16.9, 16.10, 16.11, 16.12, 16.13, 17.2, 17.4, 17.5, 17.6, 17.7, 17.8, 17.9, 18.1, 18.2, 18.3)`},
		},
		{
			name:  "a PostgreSQL instance class in the wrong format is rejected",
			edits: []edit{section("database", "  postgres:\n    instanceClass: t3.medium\n")},
			want:  []string{`:21: database.postgres.instanceClass "t3.medium": not an RDS instance class (allowed: db.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. db.r6g.large, db.t4g.medium))`},
		},
		{
			name:  "PostgreSQL storage below 20 GiB is rejected",
			edits: []edit{section("database", "  postgres:\n    allocatedStorageGiB: 10\n")},
			want:  []string{`:21: database.postgres.allocatedStorageGiB 10: out of range (allowed: 20-65536 GiB)`},
		},
		{
			name:  "a PostgreSQL storage maximum below the allocated storage is rejected",
			edits: []edit{section("database", "  postgres:\n    allocatedStorageGiB: 200\n    maxAllocatedStorageGiB: 100\n")},
			want:  []string{`:22: database.postgres.maxAllocatedStorageGiB 100: too close to allocatedStorageGiB 200 (allowed: 200 (autoscaling off) or 220-65536 GiB, at least 10% above allocatedStorageGiB; storage autoscaling never shrinks)`},
		},
		{
			name:  "PostgreSQL storage above the default maximum asks for a maximum",
			edits: []edit{section("database", "  postgres:\n    allocatedStorageGiB: 1000\n")},
			want:  []string{`:21: database.postgres.allocatedStorageGiB 1000: the default maxAllocatedStorageGiB 500 does not fit (give maxAllocatedStorageGiB, allowed: 1000 (autoscaling off) or 1100-65536 GiB, at least 10% above allocatedStorageGiB; storage autoscaling never shrinks)`},
		},
		{
			name:  "a PostgreSQL storage maximum above 65536 GiB is rejected",
			edits: []edit{section("database", "  postgres:\n    maxAllocatedStorageGiB: 70000\n")},
			want:  []string{`:21: database.postgres.maxAllocatedStorageGiB 70000: out of range (allowed: allocatedStorageGiB-65536 GiB)`},
		},

		// ---- cache ----
		{
			name:  "an unknown cache engine lists the engines",
			edits: []edit{inCache("  engine: memcached\n")},
			want:  []string{`:19: cache.engine "memcached": unknown cache engine (allowed: redis, valkey)`},
		},
		{
			name:  "an unknown redis version lists the redis versions",
			edits: []edit{inCache("  engineVersion: \"7.2\"\n")},
			want:  []string{`:19: cache.engineVersion "7.2": not a supported redis version (allowed: 7.0, 7.1)`},
		},
		{
			name:  "a valkey version is checked against the valkey versions",
			edits: []edit{inCache("  engine: valkey\n  engineVersion: \"7.1\"\n")},
			want:  []string{`:20: cache.engineVersion "7.1": not a supported valkey version (allowed: 7.2, 8.0, 8.1, 8.2)`},
		},
		{
			name:  "a cache node type in the wrong format is rejected",
			edits: []edit{inCache("  nodeType: r7g.large\n")},
			want:  []string{`:19: cache.nodeType "r7g.large": not an ElastiCache node type (allowed: cache.<family>.<size> with size micro, small, medium, large, <n>xlarge or metal, micro to medium in burstable (t) families only (e.g. cache.r7g.large, cache.t4g.micro))`},
		},
		{
			name:  "more than 5 cache replicas are rejected",
			edits: []edit{inCache("  replicas: 6\n")},
			want:  []string{`:19: cache.replicas 6: out of range (allowed: 0-5)`},
		},
		{
			name:  "a snapshot retention outside 15-35 days is rejected",
			edits: []edit{inCache("  snapshotRetentionDays: 14\n")},
			want:  []string{`:19: cache.snapshotRetentionDays 14: out of range (allowed: 15-35 days)`},
		},
		{
			name:  "a snapshot window shorter than 60 minutes is rejected",
			edits: []edit{inCache("  snapshotWindow: \"05:00-05:30\"\n")},
			want:  []string{`:19: cache.snapshotWindow "05:00-05:30": 30 minutes long (allowed: at least 60 minutes)`},
		},
		{
			name:  "a snapshot window overlapping the cache maintenance window is rejected",
			edits: []edit{inCache("  snapshotWindow: \"06:00-07:00\"\n")},
			want:  []string{`:19: cache.snapshotWindow "06:00-07:00": overlaps the default cache.maintenanceWindow "sun:06:30-sun:07:30" on sun (the two windows must not overlap on any day)`},
		},
		{
			name:  "a cache maintenance window shorter than 60 minutes is rejected",
			edits: []edit{inCache("  maintenanceWindow: \"sun:06:30-sun:07:00\"\n")},
			want:  []string{`:19: cache.maintenanceWindow "sun:06:30-sun:07:00": 30 minutes long (allowed: at least 60 minutes)`},
		},
		{
			name:  "a Global Datastore with a single region is rejected",
			edits: []edit{inCache("  globalDatastore: true\n")},
			want:  []string{`:19: cache.globalDatastore true: a Global Datastore needs a secondary region: add a second entry to regions`},
		},

		// ---- app ----
		{
			name:  "an app log retention CloudWatch does not accept lists the accepted values",
			edits: []edit{section("app", "  logRetentionDays: 100\n")},
			want:  []string{`:20: app.logRetentionDays 100: not a retention CloudWatch Logs accepts (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)`},
		},
		{
			name:  "a namespace with capitals is rejected with the lowercase form",
			edits: []edit{section("app", "  namespace: Stratus.Internal\n")},
			want:  []string{`:20: app.namespace "Stratus.Internal": not a DNS name (allowed: lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot); write "stratus.internal"`},
		},
		{
			name:  "a namespace with an underscore is rejected",
			edits: []edit{section("app", "  namespace: my_app.internal\n")},
			want:  []string{`:20: app.namespace "my_app.internal": not a DNS name (allowed: lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot)`},
		},
		{
			name:  "a namespace that is the domain is rejected: it would hide the public names in the VPC",
			edits: []edit{section("app", "  namespace: example.com\n")},
			want:  []string{hidesPublicName("example.com", "example.com")},
		},
		{
			name:  "a namespace above the domain and amazonaws.com is rejected",
			edits: []edit{section("app", "  namespace: com\n")},
			want:  []string{hidesAWSEndpoints("com")},
		},
		{
			name:  "a namespace holding the origin names is rejected",
			edits: []edit{section("app", "  namespace: origin.example.com\n")},
			want:  []string{hidesPublicName("origin.example.com", "origin.example.com")},
		},
		{
			name:  "a namespace that is a viewer name is rejected",
			edits: []edit{section("app", "  namespace: www.example.com\n")},
			want:  []string{hidesPublicName("www.example.com", "www.example.com")},
		},
		{
			name:  "a namespace within amazonaws.com is rejected: it would hide AWS's endpoints",
			edits: []edit{section("app", "  namespace: ecr.us-east-1.amazonaws.com\n")},
			want:  []string{hidesAWSEndpoints("ecr.us-east-1.amazonaws.com")},
		},
		{
			name:  "an OTLP endpoint that is not https is rejected",
			edits: []edit{svc("    sidecars: [adot]\n"), section("app", "  otlp:\n    endpoint: http://collector.example.com:4318\n    secretName: otlp/grafana\n")},
			want:  []string{`:22: app.otlp.endpoint "http://collector.example.com:4318": must be an https:// URL without credentials, query or fragment (e.g. "https://otlp.example.com/otlp"; credentials belong in the secret)`},
		},
		{
			name:  "an OTLP endpoint with credentials in it is rejected",
			edits: []edit{svc("    sidecars: [adot]\n"), section("app", "  otlp:\n    endpoint: https://user:pass@otlp.example.com\n    secretName: otlp/grafana\n")},
			want:  []string{`:22: app.otlp.endpoint "https://user:pass@otlp.example.com": must be an https:// URL without credentials, query or fragment (e.g. "https://otlp.example.com/otlp"; credentials belong in the secret)`},
		},
		{
			// The service construct refused it later, naming no key: the collector appends its
			// paths to the endpoint.
			name:  "an OTLP endpoint with a query or a fragment is rejected",
			edits: []edit{svc("    sidecars: [adot]\n"), section("app", "  otlp:\n    endpoint: https://otlp.example.com/v1?tenant=a#frag\n    secretName: otlp/grafana\n")},
			want:  []string{`:22: app.otlp.endpoint "https://otlp.example.com/v1?tenant=a#frag": must be an https:// URL without credentials, query or fragment (e.g. "https://otlp.example.com/otlp"; credentials belong in the secret)`},
		},
		{
			// Cloud Map names each service <service>.<namespace>: 3 + 1 + 253 characters here.
			name:  "a namespace too long for the services' names under it is rejected",
			edits: []edit{section("app", "  namespace: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd\n")},
			want:  []string{`:20: app.namespace: 253 characters leave no room for the service name web.<namespace>, which DNS holds to 253 characters (allowed: at most 249 here)`},
		},
		{
			name:  "an OTLP secret name with a space is rejected",
			edits: []edit{svc("    sidecars: [adot]\n"), section("app", "  otlp:\n    endpoint: https://otlp.example.com/otlp\n    secretName: grafana cloud\n")},
			want:  []string{`:23: app.otlp.secretName "grafana cloud": not a Secrets Manager secret name (allowed: 1-512 characters of letters, digits and / _ + = . @ -)`},
		},
		{
			name:  "otlp without endpoint and secret name reports both as required",
			edits: []edit{svc("    sidecars: [adot]\n"), section("app", "  otlp: {}\n")},
			want: []string{
				`:21: app.otlp.endpoint: required: the https:// URL of the OTLP endpoint`,
				`:21: app.otlp.secretName: required: the name of the Secrets Manager secret with the endpoint's credentials`,
			},
		},
		{
			name:  "otlp without any service running the adot sidecar is rejected",
			edits: []edit{section("app", "  otlp:\n    endpoint: https://otlp.example.com/otlp\n    secretName: otlp/grafana\n")},
			want:  []string{`:20: app.otlp: no service runs the adot sidecar, which makes the OTLP export (add adot to a service's sidecars, or remove otlp)`},
		},
		{
			name:  "warmCapacity without failover routing is rejected",
			edits: []edit{addRegion, globalDB, section("app", "  warmCapacity: {desiredCount: 1, minCount: 1, maxCount: 2}\n")},
			want:  []string{`:27: app.warmCapacity: only applies with dns.routing failover (it is what services run in the non-primary regions; dns.routing is "latency"): set dns.routing: failover or remove warmCapacity`},
		},
		{
			name:  "warmCapacity follows the task count rules",
			edits: []edit{addRegion, globalDB, section("app", "  warmCapacity: {desiredCount: 5, minCount: 1}\n"), inDNS("  routing: failover\n")},
			want:  []string{`:27: app.warmCapacity.desiredCount 5: above maxCount 4, the default (allowed: 1 <= minCount <= desiredCount <= maxCount <= 1000)`},
		},

		// ---- dns ----
		{
			name:  "a file without dns is rejected",
			edits: []edit{{"dns:\n  domain: example.com\n  hostedZoneId: Z0123456789EXAMPLE\n", ""}},
			want:  []string{": dns: required: the public hosted zone: domain and hostedZoneId (e.g. dns: {domain: example.com, hostedZoneId: Z0123456789ABCDEFGHIJ})"},
		},
		{
			name:  "dns without domain and hosted zone id reports both as required",
			edits: []edit{{"dns:\n  domain: example.com\n  hostedZoneId: Z0123456789EXAMPLE\n", "dns: {}\n"}},
			want: []string{
				`:19: dns.domain: required: the environment's domain name, e.g. example.com (CloudFront serves it, the API origin is origin.<domain>)`,
				`:19: dns.hostedZoneId: required: the id of the domain's public Route 53 hosted zone, e.g. Z0123456789ABCDEFGHIJ`,
			},
		},
		{
			name:  "a domain whose last label is one character is rejected",
			edits: []edit{{"  domain: example.com", "  domain: stratus.x"}},
			want:  []string{`:20: dns.domain "stratus.x": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters)`},
		},
		{
			name:  "a domain whose last label starts with a digit is rejected",
			edits: []edit{{"  domain: example.com", "  domain: stratus.9z"}},
			want:  []string{`:20: dns.domain "stratus.9z": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters)`},
		},
		{
			name:  "a domain with capitals is rejected with the lowercase form",
			edits: []edit{{"domain: example.com", "domain: Example.com"}},
			want:  []string{`:20: dns.domain "Example.com": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters); write "example.com"`},
		},
		{
			name:  "a domain with a trailing dot is rejected with the form to write",
			edits: []edit{{"domain: example.com", "domain: example.com."}},
			want:  []string{`:20: dns.domain "example.com.": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters); write "example.com"`},
		},
		{
			name:  "a single-label domain is rejected",
			edits: []edit{{"domain: example.com", "domain: localhost"}},
			want:  []string{`:20: dns.domain "localhost": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters)`},
		},
		{
			name:  "a domain label starting with a hyphen is rejected",
			edits: []edit{{"domain: example.com", "domain: -shop.example.com"}},
			want:  []string{`:20: dns.domain "-shop.example.com": not a domain name (allowed: at least two lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot; the last label starts with a letter and has at least 2 characters)`},
		},
		{
			name:  "a hosted zone id in the wrong format is rejected",
			edits: []edit{{"hostedZoneId: Z0123456789EXAMPLE", "hostedZoneId: z0123456789example"}},
			want:  []string{`:21: dns.hostedZoneId "z0123456789example": not a Route 53 hosted zone id (allowed: Z followed by 1-31 uppercase letters and digits, e.g. Z0123456789ABCDEFGHIJ)`},
		},
		{
			name:  "a hosted zone id with the /hostedzone/ prefix is rejected with the bare id",
			edits: []edit{{"hostedZoneId: Z0123456789EXAMPLE", "hostedZoneId: /hostedzone/Z0123456789EXAMPLE"}},
			want:  []string{`:21: dns.hostedZoneId "/hostedzone/Z0123456789EXAMPLE": not a Route 53 hosted zone id (allowed: Z followed by 1-31 uppercase letters and digits, e.g. Z0123456789ABCDEFGHIJ; write only the id "Z0123456789EXAMPLE")`},
		},
		{
			name:  "a viewer name outside the domain is rejected",
			edits: []edit{inDNS("  viewerNames: [example.com, shop.example.org, badexample.com]\n")},
			want: []string{
				`:22: dns.viewerNames[1] "shop.example.org": outside the domain (allowed: dns.domain "example.com" or a subdomain of it)`,
				`:22: dns.viewerNames[2] "badexample.com": outside the domain (allowed: dns.domain "example.com" or a subdomain of it)`,
			},
		},
		{
			name:  "a viewer name that is not a domain name is rejected",
			edits: []edit{inDNS("  viewerNames: [example.com, \"shop..example.com\"]\n")},
			want:  []string{`:22: dns.viewerNames[1] "shop..example.com": not a domain name (allowed: ` + limits.DomainNameRule + `)`},
		},
		{
			name:  "a viewer name listed twice is reported",
			edits: []edit{inDNS("  viewerNames: [example.com, www.example.com, example.com]\n")},
			want:  []string{`:22: dns.viewerNames[2] "example.com": duplicate of dns.viewerNames[0] (list each name once)`},
		},
		{
			name:  "an empty viewer name list is rejected",
			edits: []edit{inDNS("  viewerNames: []\n")},
			want:  []string{`:22: dns.viewerNames: has 0 names (allowed: 1-10 names, each dns.domain or a subdomain of it)`},
		},
		{
			name:  "an unknown routing mode lists the modes",
			edits: []edit{inDNS("  routing: weighted\n")},
			want:  []string{`:22: dns.routing "weighted": unknown routing (allowed: latency, failover)`},
		},
		{
			name:  "failover routing with a single region is rejected",
			edits: []edit{inDNS("  routing: failover\n")},
			want:  []string{`:22: dns.routing "failover": failover routing needs a secondary region: add a second entry to regions`},
		},
		{
			name:  "a health-check interval other than 10 or 30 seconds is rejected",
			edits: []edit{inDNS("  healthCheck:\n    intervalSeconds: 20\n")},
			want:  []string{`:23: dns.healthCheck.intervalSeconds 20: not an interval Route 53 health checks accept (allowed: 10, 30)`},
		},
		{
			name:  "a health-check failure threshold above 10 is rejected",
			edits: []edit{inDNS("  healthCheck:\n    failureThreshold: 11\n")},
			want:  []string{`:23: dns.healthCheck.failureThreshold 11: out of range (allowed: 1-10 failed checks)`},
		},

		// ---- waf ----
		{
			name:  "a WAF rate limit below 10 is rejected",
			edits: []edit{section("waf", "  rateLimit: 9\n")},
			want:  []string{":20: waf.rateLimit 9: out of range (allowed: 10-2000000000 requests per 5 minutes per IP)"},
		},
		{
			name:  "a WAF rate limit above 2000000000 is rejected",
			edits: []edit{section("waf", "  rateLimit: 2000000001\n")},
			want:  []string{`:20: waf.rateLimit 2000000001: out of range (allowed: 10-2000000000 requests per 5 minutes per IP)`},
		},
		{
			name:  "an unknown managed rule group lists the allowed groups",
			edits: []edit{section("waf", "  managedRuleGroups: [AWSManagedRulesLinux]\n")},
			want:  []string{`:20: waf.managedRuleGroups[0] "AWSManagedRulesLinux": unknown managed rule group (allowed: AWSManagedRulesAdminProtectionRuleSet, AWSManagedRulesAnonymousIpList, AWSManagedRulesBotControlRuleSet, AWSManagedRulesLinuxRuleSet, AWSManagedRulesPHPRuleSet, AWSManagedRulesUnixRuleSet, AWSManagedRulesWindowsRuleSet, AWSManagedRulesWordPressRuleSet)`},
		},
		{
			name:  "a default managed rule group listed again is rejected as always on",
			edits: []edit{section("waf", "  managedRuleGroups: [AWSManagedRulesSQLiRuleSet]\n")},
			want:  []string{`:20: waf.managedRuleGroups[0] "AWSManagedRulesSQLiRuleSet": always on (Stratus always enables AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesSQLiRuleSet; list only extra groups)`},
		},
		{
			name:  "a managed rule group listed twice is reported",
			edits: []edit{section("waf", "  managedRuleGroups: [AWSManagedRulesLinuxRuleSet, AWSManagedRulesLinuxRuleSet]\n")},
			want:  []string{`:20: waf.managedRuleGroups[1] "AWSManagedRulesLinuxRuleSet": duplicate of waf.managedRuleGroups[0] (list each group once)`},
		},
		{
			name:  "a WAF rule counted twice is rejected",
			edits: []edit{section("waf", "  countOverrides: [AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY, AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY]\n")},
			want:  []string{`:20: waf.countOverrides[1] "AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY": duplicate of waf.countOverrides[0] (list each rule once)`},
		},
		{
			name:  "a count override without a group is rejected with the format",
			edits: []edit{section("waf", "  countOverrides: [SizeRestrictions_BODY]\n")},
			want:  []string{`:20: waf.countOverrides[0] "SizeRestrictions_BODY": must be <GroupName>:<RuleName> (e.g. "AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY")`},
		},
		{
			name:  "a count override with a bad rule name is rejected",
			edits: []edit{section("waf", "  countOverrides: [\"AWSManagedRulesCommonRuleSet:Size Restrictions\"]\n")},
			want:  []string{`:20: waf.countOverrides[0] "AWSManagedRulesCommonRuleSet:Size Restrictions": rule name "Size Restrictions" is not valid (allowed: 1-128 characters of letters, digits, _ and -)`},
		},
		{
			name:  "a count override of a group that is not enabled lists the enabled groups",
			edits: []edit{section("waf", "  managedRuleGroups: [AWSManagedRulesPHPRuleSet]\n  countOverrides: [AWSManagedRulesLinuxRuleSet:LFI_URIPATH]\n")},
			want:  []string{`:21: waf.countOverrides[0] "AWSManagedRulesLinuxRuleSet:LFI_URIPATH": rule group "AWSManagedRulesLinuxRuleSet" is not enabled (enabled: AWSManagedRulesAmazonIpReputationList, AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesSQLiRuleSet, AWSManagedRulesPHPRuleSet)`},
		},
		{
			name:  "an unknown WAF geo mode lists the modes",
			edits: []edit{section("waf", "  geo:\n    mode: deny\n")},
			want:  []string{`:21: waf.geo.mode "deny": unknown mode (allowed: none, block, allow)`},
		},
		{
			name:  "country codes that are not ISO 3166-1 alpha-2 are rejected",
			edits: []edit{section("waf", "  geo:\n    mode: block\n    countries: [UK, XX, usa, us, DE]\n")},
			want: []string{
				`:22: waf.geo.countries[0] "UK": not an ISO 3166-1 alpha-2 country code (the United Kingdom is GB)`,
				`:22: waf.geo.countries[1] "XX": not an ISO 3166-1 alpha-2 country code (two uppercase letters of an assigned code, e.g. US, DE, GB, JP)`,
				`:22: waf.geo.countries[2] "usa": not an ISO 3166-1 alpha-2 country code (two uppercase letters of an assigned code, e.g. US, DE, GB, JP)`,
				`:22: waf.geo.countries[3] "us": country codes are uppercase: write "US"`,
			},
		},
		{
			name:  "a country listed twice is reported",
			edits: []edit{section("waf", "  geo:\n    mode: allow\n    countries: [US, DE, US]\n")},
			want:  []string{`:22: waf.geo.countries[2] "US": duplicate of waf.geo.countries[0] (list each country once)`},
		},
		{
			name:  "countries with geo mode none are rejected",
			edits: []edit{section("waf", "  geo:\n    countries: [US]\n")},
			want:  []string{`:21: waf.geo.countries: only allowed when waf.geo.mode is block or allow (it is "none"): set the mode or remove the countries`},
		},
		{
			name:  "geo mode block without countries is rejected",
			edits: []edit{section("waf", "  geo:\n    mode: block\n")},
			want:  []string{`:20: waf.geo.countries: required when waf.geo.mode is "block": at least one ISO 3166-1 alpha-2 country code, e.g. [US, DE]`},
		},
		{
			name:  "geo mode allow with an empty country list is rejected",
			edits: []edit{section("waf", "  geo:\n    mode: allow\n    countries: []\n")},
			want:  []string{`:22: waf.geo.countries: required when waf.geo.mode is "allow": at least one ISO 3166-1 alpha-2 country code, e.g. [US, DE]`},
		},

		// ---- cloudfront ----
		{
			name:  "an unknown price class lists the price classes",
			edits: []edit{section("cloudfront", "  priceClass: PriceClass_50\n")},
			want:  []string{`:20: cloudfront.priceClass "PriceClass_50": unknown price class (allowed: PriceClass_100, PriceClass_200, PriceClass_All)`},
		},
		{
			name:  "an unknown geo restriction mode lists the modes",
			edits: []edit{section("cloudfront", "  geoRestriction:\n    mode: block\n    countries: [US]\n")},
			want:  []string{`:21: cloudfront.geoRestriction.mode "block": unknown mode (allowed: none, allowlist, denylist)`},
		},
		{
			name:  "geo restriction countries with mode none are rejected",
			edits: []edit{section("cloudfront", "  geoRestriction:\n    mode: none\n    countries: [US]\n")},
			want:  []string{`:22: cloudfront.geoRestriction.countries: only allowed when cloudfront.geoRestriction.mode is allowlist or denylist (it is "none"): set the mode or remove the countries`},
		},
		{
			name:  "a geo restriction allowlist without countries is rejected",
			edits: []edit{section("cloudfront", "  geoRestriction:\n    mode: allowlist\n")},
			want:  []string{`:20: cloudfront.geoRestriction.countries: required when cloudfront.geoRestriction.mode is "allowlist": at least one ISO 3166-1 alpha-2 country code, e.g. [US, DE]`},
		},
		{
			name:  "geo restriction countries are checked against ISO 3166-1 alpha-2",
			edits: []edit{section("cloudfront", "  geoRestriction:\n    mode: denylist\n    countries: [de, EU]\n")},
			want: []string{
				`:22: cloudfront.geoRestriction.countries[0] "de": country codes are uppercase: write "DE"`,
				`:22: cloudfront.geoRestriction.countries[1] "EU": not an ISO 3166-1 alpha-2 country code (EU is reserved, not a country; list the member states)`,
			},
		},
		{
			name:  "an absolute frontend source is rejected",
			edits: []edit{section("cloudfront", "  frontend:\n    source: /srv/www\n")},
			want:  []string{`:21: cloudfront.frontend.source "/srv/www": must be a folder path relative to the repository root, without ".." (e.g. "frontend/dist")`},
		},
		{
			name:  "a frontend source leaving the repository is rejected",
			edits: []edit{section("cloudfront", "  frontend:\n    source: frontend/../../www\n")},
			want:  []string{`:21: cloudfront.frontend.source "frontend/../../www": must be a folder path relative to the repository root, without ".." (e.g. "frontend/dist")`},
		},
		{
			name:  "an upload is refused without a frontend to upload to",
			edits: []edit{section("cloudfront", "  frontend:\n    enabled: false\n    source: frontend/dist\n")},
			want:  []string{`:22: cloudfront.frontend.source "frontend/dist": needs cloudfront.frontend.enabled: true (with false, CloudFront sends every path to the services and there is no frontend bucket to upload to); remove source or enabled: false`},
		},
		{
			name:  "an unknown frontend key lists the frontend keys",
			edits: []edit{section("cloudfront", "  frontend:\n    bucket: www\n")},
			want:  []string{":21: cloudfront.frontend.bucket: unknown key (allowed: enabled, source)"},
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
			assertLoadFails(t, writeFile(t, repository(t), file, doc), tc.want)
		})
	}
}

// assertLoadFails loads the file p and requires exactly the error lines want, each after p.
func assertLoadFails(t *testing.T, p string, want []string) {
	t.Helper()
	env, err := Load(p)
	require.Error(t, err, "Load succeeded")
	assert.Nil(t, env, "no Environment together with an error")
	lines := make([]string, len(want))
	for i, w := range want {
		lines[i] = p + w
	}
	assert.Equal(t, lines, errorLines(err))
}

// badInput is one case of a section's bad-input table: edits of the base document and the error
// lines Load must print for it (each after the file's path).
type badInput struct {
	name  string
	edits []edit
	want  []string
}

// assertRejected runs a bad-input table against the base document.
func assertRejected(t *testing.T, cases []badInput) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assertLoadFails(t, writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, tc.edits)), tc.want)
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
		// In the file's order, though decoding finds the third and fifth, validation the others.
		p + `:2: account "1234": must be exactly 12 digits (the AWS account id, quoted)`,
		p + `:6: regions[0].cidr "10.1.2.0/16": not in canonical form: the network address of that /16 is 10.1.0.0 (write 10.1.0.0/16)`,
		p + ":7: regions[0].vpcName: unknown key (allowed: name, cidr, availabilityZones)",
		p + `:12: network.natGateways "nat": unknown NAT mode (allowed: per-az, single)`,
		p + `:16: services[0].port: must be an integer, got a string "abc" (allowed: 1–65535)`,
		p + ":19: cache.port 5432: is the database port (allowed: 1024-65535 except 5432)",
	}
	assert.Equal(t, want, errorLines(err))
}

func TestLoadMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(p)
	require.EqualError(t, err, p+": cannot read: no such file or directory")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLoadUnreadableFile(t *testing.T) {
	dir := t.TempDir() // a directory where a file is expected cannot be read as one
	p := filepath.Join(dir, "dir.yaml")
	require.NoError(t, os.Mkdir(p, 0o755))
	_, err := Load(p)
	assert.EqualError(t, err, p+": cannot read: is a directory")
}

// fixtureDir holds the project's copies of the seed configs: tests pin their values there, so a
// fork may edit config/ freely.
const fixtureDir = "../test/testdata/config"

// TestShippedFiles checks only what holds for any fork's config/: every file loads, and each
// names itself after its file (the schema line and schema validity: tools/configschema).
func TestShippedFiles(t *testing.T) {
	envs, err := LoadDir(".")
	require.NoError(t, err, "config/*.yaml load")
	require.NotEmpty(t, envs)
	for _, e := range envs {
		assert.Equal(t, strings.TrimSuffix(filepath.Base(e.File), ".yaml"), e.Name)
	}
}

func TestFixtureFiles(t *testing.T) {
	envs, err := LoadDir(fixtureDir)
	require.NoError(t, err, "fixture configs load")
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
		e.File = filepath.Base(e.File)
	}
	require.Equal(t, []string{"dev", "staging", "prod"}, names)
	dev, staging, prod := envs[0], envs[1], envs[2]

	az := func(name string, x, i int) AvailabilityZone {
		return AvailabilityZone{
			Name:         name,
			PublicSubnet: cidr(x, 1+i), AppSubnet: cidr(x, 10+i), DataSubnet: cidr(x, 20+i),
		}
	}
	// services returns product, order and user as the seeds size them, changed by edit.
	services := func(edit func(*Service)) []Service {
		var out []Service
		for _, name := range []string{"product", "order", "user"} {
			s := Service{
				Name: name, Port: 8080, Database: EngineAuroraPostgres, Image: "1.0.0",
				Cpu: 512, Memory: 1024, DesiredCount: 2, MinCount: 2, MaxCount: 20,
				CpuTarget: 70, MemoryTarget: 75, RequestsPerTarget: 1000,
				PathPattern: "/api/" + name + "/*", HealthCheckPath: "/health",
				Environment: map[string]string{}, Sidecars: []string{"adot"}, ReadOnlyRootFilesystem: true,
				Deployment: defaultDeployment(),
			}
			edit(&s)
			out = append(out, s)
		}
		return out
	}
	seedDatabase := Database{
		EngineVersion: "16.6", InstanceClass: "db.r6g.large", Readers: 1,
		BackupRetentionDays: 35, BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30",
		DeletionProtection: true, RemovalPolicy: "retain", GlobalDatabase: true, SecondaryReaders: 1,
		Postgres: PostgresInstance{EngineVersion: "16.8", InstanceClass: "db.t3.medium", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, MultiAZ: true},
	}
	seedCache := Cache{
		Port: 6379, Engine: "redis", EngineVersion: "7.1", NodeType: "cache.r7g.large", Replicas: 1,
		SnapshotRetentionDays: 15, SnapshotWindow: "05:00-06:00", MaintenanceWindow: "sun:06:30-sun:07:30",
	}
	dnsFor := func(domain, zone string) DNS {
		return DNS{
			Domain: domain, HostedZoneId: zone, ViewerNames: []string{domain, "www." + domain},
			Routing: RoutingLatency, HealthCheckIntervalSeconds: 30, HealthCheckFailureThreshold: 3,
		}
	}
	seedWAF := WAF{RateLimit: 2000, ManagedRuleGroups: []string{}, CountOverrides: []string{}, GeoMode: GeoNone, GeoCountries: []string{}}
	seedCloudFront := CloudFront{PriceClass: "PriceClass_100", GeoRestrictionMode: "none", GeoRestrictionCountries: []string{}, FrontendEnabled: true}

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
			DeniedCidrs:          []string{},
			TransitGateway: TransitGateway{Enabled: true, Regions: []TransitGatewayRegion{ // seed 004: peered regions
				{Name: "us-east-1", Asn: 64512, AttachmentSubnets: []string{"10.1.30.0/28", "10.1.30.16/28", "10.1.30.32/28"}},
				{Name: "eu-west-1", Asn: 64513, AttachmentSubnets: []string{"10.2.30.0/28", "10.2.30.16/28", "10.2.30.32/28"}},
			}},
		},
		Services: services(func(s *Service) { s.Deployment = prodDeployment }),
		Database: seedDatabase,
		Cache:    seedCache,
		App: App{LogRetentionDays: 365, Namespace: "prod.internal", WarmCapacity: Capacity{DesiredCount: 1, MinCount: 1, MaxCount: 4},
			Deployment: &DeploySettings{Strategy: ptr("canary"), CanaryPercent: new(10.0), StepMinutes: new(5), BakeMinutes: new(10)}},
		DNS:        dnsFor("stratus.example.com", "Z0123456789PRODEXAMPLE"),
		WAF:        seedWAF,
		CloudFront: seedCloudFront,
		Governance: Governance{
			CloudTrail: CloudTrail{Enabled: true, RetentionDays: 365, ObjectLockDays: 365, LogRetentionDays: 365},
			AwsConfig:  AwsConfig{Enabled: true, RetentionDays: 365},
			Backup:     Backup{Enabled: true, DailyRetentionDays: 35, MonthlyRetentionDays: 365, VaultLockDays: 35, StartTime: "06:00"},
			Rotation:   Rotation{OriginSecretDays: 30, CacheTokenDays: 30},
		},
		Ingress:       defaultIngress(),
		Tags:          map[string]string{"cost-center": "platform-prod"},
		Observability: defaultObservability(),
		RegionSwitch:  defaultRegionSwitch(),
		Compute:       ComputeFargate,
	}
	wantProd.Observability.Notifications.Emails = []string{"oncall@example.com"}
	assert.Equal(t, wantProd, prod)
	// The seed's exact subnets, spelled out rather than computed, so a helper bug cannot hide.
	assert.Equal(t, AvailabilityZone{Name: "us-east-1c", PublicSubnet: "10.1.3.0/24", AppSubnet: "10.1.12.0/24", DataSubnet: "10.1.22.0/24"},
		prod.Regions[0].AvailabilityZones[2])

	stagingDatabase := seedDatabase
	stagingDatabase.BackupRetentionDays, stagingDatabase.GlobalDatabase = 14, false
	stagingGovernance := defaultGovernance()
	stagingGovernance.Backup.DrRegion = "us-west-2"
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
			DeniedCidrs:          []string{"192.0.2.0/24", "198.51.100.0/24"},
		},
		Services:      services(func(*Service) {}),
		Database:      stagingDatabase,
		Cache:         seedCache,
		App:           App{LogRetentionDays: 365, Namespace: "staging.internal", WarmCapacity: Capacity{DesiredCount: 1, MinCount: 1, MaxCount: 4}},
		DNS:           dnsFor("staging.stratus.example.com", "Z0123456789STAGINGEXAMPLE"),
		WAF:           seedWAF,
		CloudFront:    seedCloudFront,
		Governance:    stagingGovernance,
		Ingress:       defaultIngress(),
		RegionSwitch:  defaultRegionSwitch(),
		Tags:          map[string]string{"cost-center": "platform-staging"},
		Observability: defaultObservability(),
		Compute:       ComputeFargate,
	}
	assert.Equal(t, wantStaging, staging)

	devCache := seedCache
	devCache.NodeType, devCache.Replicas = "cache.t4g.micro", 0
	devGovernance := defaultGovernance()
	devGovernance.Backup.DailyRetentionDays, devGovernance.Backup.MonthlyRetentionDays = 7, 30
	wantDev := &Environment{
		File: "dev.yaml", Name: "dev", Account: "333333333333", PrimaryRegion: "us-east-1",
		Regions: []Region{{Name: "us-east-1", CIDR: "10.21.0.0/16", AvailabilityZones: []AvailabilityZone{
			{"us-east-1a", "10.21.1.0/24", "10.21.10.0/24", "10.21.20.0/24"},
			{"us-east-1b", "10.21.2.0/24", "10.21.11.0/24", "10.21.21.0/24"},
		}}},
		Network: Network{
			NatGateways:          NatSingle,
			InterfaceEndpoints:   []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager"},
			FlowLogRetentionDays: 30,
			DeniedCidrs:          []string{},
		},
		Services: services(func(s *Service) {
			s.Cpu, s.Memory, s.DesiredCount, s.MinCount, s.MaxCount, s.Sidecars = 256, 512, 1, 1, 2, []string{}
		}),
		Database: Database{
			EngineVersion: "16.6", InstanceClass: "db.serverless", Readers: 0,
			ServerlessV2:        &ServerlessV2{MinCapacity: 0.5, MaxCapacity: 4},
			BackupRetentionDays: 7, BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30",
			DeletionProtection: false, RemovalPolicy: "snapshot", SecondaryReaders: 1,
			Postgres: seedDatabase.Postgres,
		},
		Cache:         devCache,
		App:           App{LogRetentionDays: 30, Namespace: "dev.internal", WarmCapacity: Capacity{DesiredCount: 1, MinCount: 1, MaxCount: 4}},
		DNS:           dnsFor("dev.stratus.example.com", "Z0123456789DEVEXAMPLE"),
		WAF:           seedWAF,
		CloudFront:    seedCloudFront,
		Governance:    devGovernance,
		Ingress:       defaultIngress(),
		RegionSwitch:  defaultRegionSwitch(),
		Tags:          map[string]string{"cost-center": "platform-dev"},
		Observability: defaultObservability(),
		Compute:       ComputeFargate,
	}
	assert.Equal(t, wantDev, dev)
}

// cidr returns 10.<x>.<y>.0/24.
func cidr(x, y int) string { return fmt.Sprintf("10.%d.%d.0/24", x, y) }

func TestDefaultsAreApplied(t *testing.T) {
	doc := `name: test
account: "123456789012"
primaryRegion: us-east-1
regions:
  - name: us-east-1
    cidr: 10.7.0.0/16
    availabilityZones:
      - name: us-east-1b
      - name: us-east-1c
      - name: us-east-1a
services:
  - name: api
    image: "2.3.4"
dns:
  domain: example.com
  hostedZoneId: Z0123456789EXAMPLE
`
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	require.NoError(t, err)
	// Derived subnets follow list position, not the AZ letter.
	assert.Equal(t, []AvailabilityZone{
		{Name: "us-east-1b", PublicSubnet: "10.7.1.0/24", AppSubnet: "10.7.10.0/24", DataSubnet: "10.7.20.0/24"},
		{Name: "us-east-1c", PublicSubnet: "10.7.2.0/24", AppSubnet: "10.7.11.0/24", DataSubnet: "10.7.21.0/24"},
		{Name: "us-east-1a", PublicSubnet: "10.7.3.0/24", AppSubnet: "10.7.12.0/24", DataSubnet: "10.7.22.0/24"},
	}, env.Regions[0].AvailabilityZones)
	want := Network{NatGateways: NatPerAZ, InterfaceEndpoints: DefaultInterfaceEndpoints, FlowLogRetentionDays: 365, DeniedCidrs: []string{}}
	assert.Equal(t, want, env.Network)
	assert.Equal(t, Governance{
		CloudTrail: CloudTrail{Enabled: true, RetentionDays: 365, LogRetentionDays: 365},
		AwsConfig:  AwsConfig{Enabled: true, RetentionDays: 365},
		Backup:     Backup{Enabled: true, DailyRetentionDays: 35, MonthlyRetentionDays: 365, StartTime: "06:00"},
		Rotation:   Rotation{OriginSecretDays: 30, CacheTokenDays: 30},
	}, env.Governance, "every switch on, no locks, no DR region, backups at 06:00 UTC")
	assert.False(t, env.TerminationProtection)
	assert.Equal(t, map[string]string{}, env.Tags)
	wantService := Service{
		Name: "api", Port: 8080, Database: EngineAuroraPostgres, Image: "2.3.4",
		Cpu: 512, Memory: 1024, DesiredCount: 2, MinCount: 2, MaxCount: 20,
		CpuTarget: 70, MemoryTarget: 75, RequestsPerTarget: 1000,
		PathPattern: "/api/api/*", HealthCheckPath: "/health",
		Environment: map[string]string{}, Sidecars: []string{}, ReadOnlyRootFilesystem: true,
		Deployment: defaultDeployment(),
	}
	assert.Equal(t, []Service{wantService}, env.Services)
	wantDatabase := Database{
		EngineVersion: "16.6", InstanceClass: "db.r6g.large", Readers: 1,
		BackupRetentionDays: 7, BackupWindow: "03:00-04:00", MaintenanceWindow: "sun:04:30-sun:05:30",
		DeletionProtection: true, RemovalPolicy: "retain", SecondaryReaders: 1,
		Postgres: PostgresInstance{EngineVersion: "16.8", InstanceClass: "db.t3.medium", AllocatedStorageGiB: 100, MaxAllocatedStorageGiB: 500, MultiAZ: true},
	}
	assert.Equal(t, wantDatabase, env.Database)
	wantCache := Cache{
		Port: 6379, Engine: "redis", EngineVersion: "7.1", NodeType: "cache.r7g.large", Replicas: 1,
		SnapshotRetentionDays: 15, SnapshotWindow: "05:00-06:00", MaintenanceWindow: "sun:06:30-sun:07:30",
	}
	assert.Equal(t, wantCache, env.Cache)
	wantApp := App{LogRetentionDays: 365, Namespace: "test.internal", WarmCapacity: Capacity{DesiredCount: 1, MinCount: 1, MaxCount: 4}}
	assert.Equal(t, wantApp, env.App)
	wantDNS := DNS{
		Domain: "example.com", HostedZoneId: "Z0123456789EXAMPLE", ViewerNames: []string{"example.com", "www.example.com"},
		Routing: RoutingLatency, HealthCheckIntervalSeconds: 30, HealthCheckFailureThreshold: 3,
	}
	assert.Equal(t, wantDNS, env.DNS)
	wantWAF := WAF{RateLimit: 2000, ManagedRuleGroups: []string{}, CountOverrides: []string{}, GeoMode: GeoNone, GeoCountries: []string{}}
	assert.Equal(t, wantWAF, env.WAF)
	wantCloudFront := CloudFront{PriceClass: "PriceClass_100", GeoRestrictionMode: "none", GeoRestrictionCountries: []string{}, FrontendEnabled: true}
	assert.Equal(t, wantCloudFront, env.CloudFront)
	// The default list is copied, so one environment cannot change another's (or the default).
	env.Network.InterfaceEndpoints[0] = "changed"
	assert.Equal(t, "ecr.api", DefaultInterfaceEndpoints[0], "DefaultInterfaceEndpoints is not changed through an Environment")
}

// TestValidValuesAreAccepted covers values at the edges of the rules, and what Load derives
// from them.
func TestValidValuesAreAccepted(t *testing.T) {
	cases := []struct {
		name  string
		edits []edit
		check func(t *testing.T, env *Environment)
	}{
		{
			name: "a service sharing another's database takes the owner's engine",
			edits: []edit{svc("    database: postgres\n"), service("order", "    shareDatabaseWith: web\n"),
				service("user", "    shareDatabaseWith: web\n    database: postgres\n")},
			check: func(t *testing.T, env *Environment) {
				for i := range 3 {
					assert.Equal(t, EnginePostgres, env.Services[i].Database, "services[%d]", i)
				}
				assert.Equal(t, "", env.Services[0].ShareDatabaseWith)
				assert.Equal(t, "web", env.Services[1].ShareDatabaseWith)
			},
		},
		{
			name: "full image references with a tag or a digest are accepted",
			edits: []edit{{`image: "1.0.0"`, `image: public.ecr.aws/team/web:2024.06.01_rc-1`},
				service("order", "")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, "public.ecr.aws/team/web:2024.06.01_rc-1", env.Services[0].Image)
			},
		},
		{
			name:  "an image pinned by digest on a registry with a port is accepted",
			edits: []edit{{`image: "1.0.0"`, `image: registry.example.com:5000/web@sha256:` + strings.Repeat("ab", 32)}},
		},
		{
			name:  "every Fargate size of the table is accepted",
			edits: []edit{svc("    cpu: 16384\n    memory: 122880\n"), service("a", "    cpu: 256\n    memory: 512\n"), service("b", "    cpu: 4096\n    memory: 30720\n")},
		},
		{
			name:  "one task is a valid service size",
			edits: []edit{svc("    desiredCount: 1\n    minCount: 1\n    maxCount: 1\n")},
		},
		{
			name:  "a backup window may wrap midnight",
			edits: []edit{section("database", "  backupWindow: \"23:30-00:30\"\n  maintenanceWindow: \"sat:22:00-sat:23:00\"\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, "23:30-00:30", env.Database.BackupWindow)
			},
		},
		{
			name:  "windows that touch do not overlap",
			edits: []edit{section("database", "  backupWindow: \"04:00-04:30\"\n")},
		},
		{
			name:  "Serverless v2 makes the instance class db.serverless",
			edits: []edit{section("database", "  serverlessV2: {minCapacity: 0.5, maxCapacity: 256}\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, &ServerlessV2{MinCapacity: 0.5, MaxCapacity: 256}, env.Database.ServerlessV2)
				assert.Equal(t, "db.serverless", env.Database.InstanceClass)
			},
		},
		{
			name:  "a Global Database with two regions and headless secondaries under failover routing is accepted",
			edits: []edit{addRegion, section("database", "  globalDatabase: true\n  secondaryReaders: 0\n"), inCache("  globalDatastore: true\n"), inDNS("  routing: failover\n")},
		},
		{
			name:  "valkey defaults to its own version",
			edits: []edit{inCache("  engine: valkey\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, "8.0", env.Cache.EngineVersion)
			},
		},
		{
			name: "failover routing with warm capacity in two regions is accepted",
			edits: []edit{addRegion, globalDB, section("app", "  warmCapacity: {desiredCount: 2, minCount: 1, maxCount: 2}\n"),
				inDNS("  routing: failover\n  healthCheck: {intervalSeconds: 10, failureThreshold: 1}\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, RoutingFailover, env.DNS.Routing)
				assert.Equal(t, Capacity{DesiredCount: 2, MinCount: 1, MaxCount: 2}, env.App.WarmCapacity)
				assert.Equal(t, 10, env.DNS.HealthCheckIntervalSeconds)
			},
		},
		{
			name: "otlp with an adot sidecar is accepted",
			edits: []edit{svc("    sidecars: [adot]\n    environment:\n      LOG_LEVEL: debug\n      _X: \"1\"\n"),
				section("app", "  otlp:\n    endpoint: https://otlp-gateway.grafana.net/otlp\n    secretName: stratus/otlp-credentials\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, &Otlp{Endpoint: "https://otlp-gateway.grafana.net/otlp", SecretName: "stratus/otlp-credentials"}, env.App.Otlp)
				assert.Equal(t, map[string]string{"LOG_LEVEL": "debug", "_X": "1"}, env.Services[0].Environment)
			},
		},
		{
			name:  "viewer names may be the domain and any subdomain",
			edits: []edit{inDNS("  viewerNames: [app.example.com, a.b.example.com]\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, []string{"app.example.com", "a.b.example.com"}, env.DNS.ViewerNames)
			},
		},
		{
			name: "country codes that YAML could misread, such as NO for Norway, are accepted",
			edits: []edit{section("waf", "  managedRuleGroups: [AWSManagedRulesLinuxRuleSet]\n  countOverrides: [AWSManagedRulesLinuxRuleSet:LFI_URIPATH, AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY]\n  geo:\n    mode: allow\n    countries: [NO, DE]\n"),
				section("cloudfront", "  geoRestriction:\n    mode: denylist\n    countries: [KP]\n  frontend:\n    source: ./frontend/dist\n")},
			check: func(t *testing.T, env *Environment) {
				assert.Equal(t, []string{"NO", "DE"}, env.WAF.GeoCountries)
				assert.Equal(t, "./frontend/dist", env.CloudFront.FrontendSource)
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := repository(t)
			env, err := Load(writeFile(t, dir, "test.yaml", apply(t, baseYAML, tc.edits)))
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, env)
			}
		})
	}
}

func TestExplicitEmptyEndpointListMeansNone(t *testing.T) {
	doc := apply(t, baseYAML, []edit{{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: []\n"}})
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	require.NoError(t, err)
	assert.Equal(t, []string{}, env.Network.InterfaceEndpoints, "an empty, non-nil list")
}

func TestAnchorsAndAliasesAreFollowed(t *testing.T) {
	doc := apply(t, baseYAML, []edit{
		{"services:\n  - name: web\n    port: 8080\n    image: \"1.0.0\"\n",
			"services:\n  - name: web\n    port: &port 8081\n    image: &image \"1.0.0\"\n  - name: api\n    port: *port\n    image: *image\n"},
	})
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	require.NoError(t, err)
	require.Len(t, env.Services, 2)
	for i, name := range []string{"web", "api"} {
		assert.Equal(t, name, env.Services[i].Name)
		assert.Equal(t, 8081, env.Services[i].Port)
		assert.Equal(t, "1.0.0", env.Services[i].Image)
	}
}

func TestMergeKeysWork(t *testing.T) {
	doc := apply(t, baseYAML, []edit{
		{"services:\n  - name: web\n    port: 8080\n    image: \"1.0.0\"\n",
			"services:\n  - &web\n    name: web\n    port: 8081\n    image: \"1.0.0\"\n    cpu: 1024\n    memory: 2048\n  - <<: *web\n    name: api\n    memory: 4096\n"},
	})
	env, err := Load(writeFile(t, t.TempDir(), "test.yaml", doc))
	require.NoError(t, err)
	require.Len(t, env.Services, 2)
	api := env.Services[1]
	assert.Equal(t, "api", api.Name, "a key of the mapping itself wins over the merged one")
	assert.Equal(t, 8081, api.Port)
	assert.Equal(t, 1024, api.Cpu)
	assert.Equal(t, 4096, api.Memory)
	assert.Equal(t, "/api/api/*", api.PathPattern)
}

// envYAML is baseYAML as environment name, in an account of its own (derived from the name),
// with the domain <name>.example.com.
func envYAML(name string) string {
	account := fmt.Sprintf("%012d", crc32.ChecksumIEEE([]byte(name)))
	return strings.NewReplacer("name: test", "name: "+name, `account: "123456789012"`, `account: "`+account+`"`,
		"domain: example.com", "domain: "+name+".example.com").Replace(baseYAML)
}

// repository returns a temporary folder laid out like the repository: a cdk.json, and a built
// frontend under frontend/dist.
func repository(t *testing.T) string {
	dir := t.TempDir()
	writeFile(t, dir, "cdk.json", "{}")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "frontend", "dist"), 0o755))
	writeFile(t, dir, "frontend/dist/index.html", "<!doctype html>")
	return dir
}

func TestValuesSharedAcrossTheFolderAreRejectedNamingBothFiles(t *testing.T) {
	const (
		whyAccount = " (each environment needs its own account: service log groups /ecs/<service> and the ECR replication configuration are named per account)"
		whyName    = " (each environment needs its own domain and viewer names: CloudFront alternate domain names are unique across AWS, so a copy would collide at deploy)"
		whyPrefix  = " (each environment with its user pool in the same primary region needs its own: Cognito's hosted sign-in prefixes are unique in a region across AWS, so the second deploy would fail)"
	)
	// sharedAccount gives an environment file the account 123456789012.
	sharedAccount := func(name string) string {
		own := fmt.Sprintf(`account: "%012d"`, crc32.ChecksumIEEE([]byte(name)))
		return strings.Replace(envYAML(name), own, `account: "123456789012"`, 1)
	}
	for _, tc := range []struct {
		name         string
		dev, staging string
		selected     []string
		want         []string // lines after the folder path
	}{
		{
			name: "an environment keeping another's account is reported on both files",
			dev:  sharedAccount("dev"), staging: sharedAccount("staging"),
			want: []string{
				`/dev.yaml:2: account "123456789012": also the account of staging.yaml` + whyAccount,
				`/staging.yaml:2: account "123456789012": also the account of dev.yaml` + whyAccount,
			},
		},
		{
			name: "a deploy selecting one environment still sees its neighbours",
			dev:  sharedAccount("dev"), staging: sharedAccount("staging"), selected: []string{"staging"},
			want: []string{`/staging.yaml:2: account "123456789012": also the account of dev.yaml` + whyAccount},
		},
		{
			name: "an environment without a shared value loads beside the others",
			dev:  sharedAccount("dev"), staging: sharedAccount("staging"), selected: []string{"prod"},
		},
		{
			name: "a copied environment keeping another's domain is reported once per file",
			dev:  envYAML("dev"), staging: strings.Replace(envYAML("staging"), "domain: staging.", "domain: dev.", 1),
			want: []string{
				`/dev.yaml:20: dns.domain "dev.example.com": also the dns.domain of staging.yaml` + whyName,
				`/staging.yaml:20: dns.domain "dev.example.com": also the dns.domain of dev.yaml` + whyName,
			},
		},
		{
			name: "two environments with one Cognito domain prefix are reported on both files",
			dev:  envYAML("dev") + "users:\n  domainPrefix: stratus-users\n", staging: envYAML("staging") + "users:\n  domainPrefix: stratus-users\n",
			want: []string{
				`/dev.yaml:25: users.domainPrefix "stratus-users": also the users.domainPrefix of staging.yaml` + whyPrefix,
				`/staging.yaml:25: users.domainPrefix "stratus-users": also the users.domainPrefix of dev.yaml` + whyPrefix,
			},
		},
		{
			name: "a viewer name of another environment is reported, given or derived from the domain",
			dev: strings.Replace(envYAML("dev"), "  hostedZoneId: Z0123456789EXAMPLE\n",
				"  hostedZoneId: Z0123456789EXAMPLE\n  viewerNames:\n    - dev.example.com\n    - staging.dev.example.com\n", 1),
			staging: strings.Replace(envYAML("staging"), "domain: staging.", "domain: staging.dev.", 1),
			want: []string{
				`/dev.yaml:24: dns.viewerNames[1] "staging.dev.example.com": also a viewer name of staging.yaml` + whyName,
				`/staging.yaml:19: dns.viewerNames[0] "staging.dev.example.com": also a viewer name of dev.yaml` + whyName,
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, dir, "dev.yaml", tc.dev)
			writeFile(t, dir, "staging.yaml", tc.staging)
			writeFile(t, dir, "prod.yaml", envYAML("prod"))
			_, err := LoadDir(dir, tc.selected...)
			var want []string
			for _, w := range tc.want {
				want = append(want, dir+w)
			}
			assert.Equal(t, want, errorLines(err))
		})
	}
}

func TestLoadDirOrdersDevStagingProdThenAlphabetically(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"zeta", "prod", "alpha", "staging", "dev"} {
		writeFile(t, dir, n+".yaml", envYAML(n))
	}
	writeFile(t, dir, "notes.txt", "not: loaded\n")                          // only *.yaml counts (a .yml file is an error)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "examples.yaml"), 0o755)) // a directory is skipped, and nothing below dir is read
	envs, err := LoadDir(dir)
	require.NoError(t, err)
	var got []string
	for _, e := range envs {
		got = append(got, e.Name)
	}
	assert.Equal(t, []string{"dev", "staging", "prod", "alpha", "zeta"}, got)
	assert.Equal(t, filepath.Join(dir, "dev.yaml"), envs[0].File)
}

func TestLoadDirWithNamesKeepsTheirOrder(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"prod", "dev"} {
		writeFile(t, dir, n+".yaml", envYAML(n))
	}
	envs, err := LoadDir(dir, "prod", "dev")
	require.NoError(t, err)
	require.Len(t, envs, 2)
	assert.Equal(t, "prod", envs[0].Name)
	assert.Equal(t, "dev", envs[1].Name)
}

func TestLoadDirWithANameRequestedTwice(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev.yaml", envYAML("dev"))
	envs, err := LoadDir(dir, "dev", "dev")
	assert.Nil(t, envs)
	require.EqualError(t, err, filepath.Join(dir, "dev.yaml")+`: environment "dev" requested twice`)
}

func TestLoadDirWithANameThatHasNoFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev.yaml", envYAML("dev"))
	writeFile(t, dir, "prod.yaml", envYAML("prod"))
	envs, err := LoadDir(dir, "dev", "qa")
	assert.Nil(t, envs, "no environments together with an error")
	require.EqualError(t, err, filepath.Join(dir, "qa.yaml")+": cannot read: no such environment file (environments in "+dir+": dev, prod)")
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestLoadDirCollectsErrorsAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev.yaml", envYAML("dev"))
	writeFile(t, dir, "prod.yaml", strings.Replace(envYAML("prod"), "name: prod", "name: prod\nregion: x", 1))
	writeFile(t, dir, "staging.yaml", strings.Replace(envYAML("staging"), "name: staging", "name: stage", 1))
	_, err := LoadDir(dir)
	want := []string{
		filepath.Join(dir, "staging.yaml") + `:1: name "stage": must equal the file name "staging" (rename the file or change the name)`,
		filepath.Join(dir, "prod.yaml") + ":2: region: unknown key (allowed: name, account, primaryRegion, terminationProtection, regions, network, services, database, cache, app, dns, waf, cloudfront, governance, ingress, tags, observability, regionSwitch, compute, tiers, users, queues, topics)",
	}
	assert.Equal(t, want, errorLines(err))
}

// TestLoadDirRefusesFilesItCannotUse: dev-2 and dev2 would both be the stage Dev2, and a .yml
// file would be left out without a word.
func TestLoadDirRefusesFilesItCannotUse(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "dev-2.yaml", envYAML("dev-2"))
	writeFile(t, dir, "dev2.yaml", envYAML("dev2"))
	writeFile(t, dir, "staging.yml", envYAML("staging"))
	_, err := LoadDir(dir)
	want := []string{
		filepath.Join(dir, "dev2.yaml") + ": gives the same stage and stack names as dev-2.yaml (names that differ only in a hyphen before a digit collide): rename one",
		filepath.Join(dir, "staging.yml") + ": not read: environment files end in .yaml (rename it, or move it out of the folder)",
	}
	assert.Equal(t, want, errorLines(err))
	// Selected by name (cdk synth -c env=dev-2,dev2), too.
	_, err = LoadDir(dir, "dev-2", "dev2")
	assert.Equal(t, want[:1], errorLines(err))
	// Asked for by name, a .yml file is named (cdk synth -c env=staging).
	_, err = LoadDir(dir, "staging")
	assert.Equal(t, []string{filepath.Join(dir, "staging.yaml") +
		": cannot read: no such environment file, but staging.yml exists: environment files end in .yaml (rename it)"}, errorLines(err))
}

func TestLoadDirWithoutEnvironmentFiles(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadDir(dir)
	assert.EqualError(t, err, dir+": no environment files (*.yaml) found")
}

func TestRegionFacts(t *testing.T) {
	want := map[string]RegionFacts{
		"us-east-1":      {Name: "us-east-1", AZLetters: "abcdef", CloudFrontOriginPrefixList: "pl-3b927c52"},
		"us-east-2":      {Name: "us-east-2", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-b6a144df"},
		"us-west-2":      {Name: "us-west-2", AZLetters: "abcd", CloudFrontOriginPrefixList: "pl-82a045eb"},
		"eu-west-1":      {Name: "eu-west-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-4fa04526"},
		"eu-west-2":      {Name: "eu-west-2", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-93a247fa"},
		"eu-central-1":   {Name: "eu-central-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-a3a144ca"},
		"ap-southeast-1": {Name: "ap-southeast-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-31a34658"},
	}
	for name, w := range want {
		got, ok := LookupRegion(name)
		assert.True(t, ok, name)
		assert.Equal(t, w, got)
	}
	_, ok := LookupRegion("us-west-1")
	assert.False(t, ok, "Stratus has no prefix list id for us-west-1")
	assert.Equal(t, []string{"ap-southeast-1", "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1", "us-east-2", "us-west-2"}, SupportedRegions())
}

func TestImageReferences(t *testing.T) {
	ok := []string{
		"1.4.2", "v2", "2024-06-01_build.7", strings.Repeat("a", 128),
		"123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1.4.2",
		"public.ecr.aws/aws-observability/aws-otel-collector:v0.40.0",
		"docker.io/library/nginx:1.27@sha256:" + strings.Repeat("0f", 32),
		"localhost/web:dev", "registry.example.com:5000/team/web__x:1",
	}
	for _, img := range ok {
		assert.Empty(t, imageProblem(img), img)
	}
	bad := []string{
		"latest", strings.Repeat("a", 129), "-1", "1.0 beta", "nginx:1.27", "web@sha256:" + strings.Repeat("0f", 32),
		"ecr.example.com/web", "ecr.example.com/web:", "ecr.example.com/Web:1", "ecr.example.com/web:latest",
		"ecr.example.com/web@sha256:" + strings.Repeat("0F", 32), "ecr.example.com/web@md5:00",
		"ecr.example.com//web:1", "-bad.example.com/web:1",
	}
	for _, img := range bad {
		assert.NotEmpty(t, imageProblem(img), img)
	}
}

// TestEveryAllowedValueIsAccepted feeds each value internal/limits allows through Load: what the
// docs and the schema list must load.
func TestEveryAllowedValueIsAccepted(t *testing.T) {
	type value struct {
		name  string
		edits []edit
	}
	var values []value
	add := func(name string, edits ...edit) { values = append(values, value{name, edits}) }
	for _, cpu := range limits.FargateCPUs {
		for _, mem := range limits.FargateMemory(cpu) {
			add(fmt.Sprintf("Fargate %d/%d", cpu, mem), svc(fmt.Sprintf("    cpu: %d\n    memory: %d\n", cpu, mem)))
		}
	}
	for _, v := range limits.AuroraPostgresVersions {
		add("Aurora PostgreSQL "+v, section("database", fmt.Sprintf("  engineVersion: %q\n", v)))
	}
	for _, v := range limits.PostgresVersions {
		add("RDS PostgreSQL "+v, section("database", fmt.Sprintf("  postgres:\n    engineVersion: %q\n", v)))
	}
	for _, engine := range limits.CacheEngines {
		for _, v := range limits.CacheEngineVersions[engine] {
			add(engine+" "+v, inCache(fmt.Sprintf("  engine: %s\n  engineVersion: %q\n", engine, v)))
		}
	}
	for _, days := range limits.LogRetentionDays {
		add(fmt.Sprintf("log retention %d", days), section("app", fmt.Sprintf("  logRetentionDays: %d\n", days)),
			edit{"  flowLogRetentionDays: 365", fmt.Sprintf("  flowLogRetentionDays: %d", days)})
	}
	for _, pc := range limits.PriceClasses {
		add(pc, section("cloudfront", "  priceClass: "+pc+"\n"))
	}
	add("every extra managed rule group", section("waf", "  managedRuleGroups: ["+strings.Join(limits.ExtraManagedRuleGroups, ", ")+"]\n"))
	add("every interface endpoint", edit{"  natGateways: per-az\n", "  natGateways: per-az\n  interfaceEndpoints: [" + strings.Join(limits.InterfaceEndpoints, ", ") + "]\n"})
	add("the lowest WAF rate limit", section("waf", fmt.Sprintf("  rateLimit: %d\n", limits.MinWAFRateLimit)))
	add("the highest WAF rate limit", section("waf", fmt.Sprintf("  rateLimit: %d\n", limits.MaxWAFRateLimit)))
	add("five zones", edit{"      - name: us-east-1b\n", "      - name: us-east-1b\n      - name: us-east-1c\n      - name: us-east-1d\n      - name: us-east-1e\n"})
	add("a 57-character domain", edit{"domain: example.com", "domain: " + strings.Repeat("a", 45) + ".example.com"})
	for _, v := range values {
		t.Run(v.name, func(t *testing.T) {
			_, err := Load(writeFile(t, t.TempDir(), "test.yaml", apply(t, baseYAML, v.edits)))
			assert.NoError(t, err)
		})
	}
}

func TestFrontendDirIsResolvedAgainstTheRepositoryRoot(t *testing.T) {
	dir := repository(t)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	doc := apply(t, baseYAML, []edit{section("cloudfront", "  frontend:\n    source: frontend/dist\n")})
	env, err := Load(writeFile(t, dir, "config/test.yaml", doc))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "frontend", "dist"), FrontendDir(env))
	env.CloudFront.FrontendSource = ""
	assert.Empty(t, FrontendDir(env))
}

// TestFrontendFolderLinksStayInsideIt: the upload follows links. One that leaves the folder
// publishes what it reaches (the fuzz pass's: a link to a folder holding an SSH key put the key
// in the bucket), one to a folder that holds it loops, one to nothing would publish whatever is
// there later. A link to a file or folder inside, and a source that is itself a link, are fine.
func TestFrontendFolderLinksStayInsideIt(t *testing.T) {
	dir := repository(t)
	dist := filepath.Join(dir, "frontend", "dist")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "config"), 0o755))
	require.NoError(t, os.MkdirAll(filepath.Join(dist, "static"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("key"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "keys"), 0o755))
	require.NoError(t, os.Symlink(filepath.Join(dist, "static"), filepath.Join(dist, "assets")))
	require.NoError(t, os.Symlink("index.html", filepath.Join(dist, "home.html")))
	require.NoError(t, os.Symlink(dist, filepath.Join(dir, "site")))
	load := func(source string) error {
		doc := apply(t, baseYAML, []edit{section("cloudfront", "  frontend:\n    source: "+source+"\n")})
		_, err := Load(writeFile(t, dir, "config/test.yaml", doc))
		return err
	}
	require.NoError(t, load("frontend/dist"), "links to a folder and a file inside the folder")
	require.NoError(t, load("site"), "a source that is itself a link")
	file := filepath.Join(dir, "config", "test.yaml")
	resolved := func(path string) string { // as the message names it, with the temporary folder's own links resolved
		real, err := filepath.EvalSymlinks(path)
		require.NoError(t, err)
		return real
	}
	loop := "links to a folder that holds it, a loop the upload's packaging follows until the path is too long: remove the link"
	for _, tc := range []struct{ name, target, want string }{
		{"a link to the folder itself", "..", loop},
		{"a link to the folder that holds it, inside", ".", loop},
		{"a link above the folder", "../..", "links outside the folder, to " + resolved(filepath.Join(dir, "frontend")) + ", which the upload would publish: copy what the frontend needs into the folder, or remove the link"},
		{"a link to a folder outside", filepath.Join(dir, "keys"), "links outside the folder, to " + resolved(filepath.Join(dir, "keys")) + ", which the upload would publish: copy what the frontend needs into the folder, or remove the link"},
		{"a link to a file outside", filepath.Join(dir, "secret.txt"), "links outside the folder, to " + resolved(filepath.Join(dir, "secret.txt")) + ", which the upload would publish: copy what the frontend needs into the folder, or remove the link"},
		{"a link to nothing", filepath.Join(dir, "gone"), "links to nothing, which the upload leaves out now and would publish whatever is there when it runs: remove the link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			link := filepath.Join(dist, "static", "bad")
			require.NoError(t, os.Symlink(tc.target, link))
			defer os.Remove(link)
			assert.Equal(t, []string{file + `:21: cloudfront.frontend.source "site": static/bad ` + tc.want}, errorLines(load("site")))
		})
	}
}

// services is the YAML of n more services, s0 to s<n-1>.
func services(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "  - name: s%d\n    image: \"1.0.0\"\n", i)
	}
	return b.String()
}

// TestWhoUsesADatabase: a service uses a database when it owns one or shares another's; the
// network rules to the database port and the database users follow this.
func TestWhoUsesADatabase(t *testing.T) {
	cases := []struct {
		name       string
		svc        Service
		owns, uses bool
	}{
		{"an Aurora database of its own", Service{Name: "order", Database: EngineAuroraPostgres}, true, true},
		{"an RDS database of its own", Service{Name: "order", Database: EnginePostgres}, true, true},
		{"another service's database", Service{Name: "stock", Database: EngineAuroraPostgres, ShareDatabaseWith: "order"}, false, true},
		{"none", Service{Name: "web", Database: EngineNone}, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.owns, c.svc.OwnsDatabase(), "owns")
			assert.Equal(t, c.uses, c.svc.UsesDatabase(), "uses")
		})
	}
}

// TestANamespaceBelowTheDomainIsAccepted: a private zone for a subdomain of the environment's
// domain hides only the names under it (namespaceHidesNothing's rule is about equal and parent
// names).
func TestANamespaceBelowTheDomainIsAccepted(t *testing.T) {
	env, err := loadDoc(t, apply(t, baseYAML, []edit{section("app", "  namespace: svc.example.com\n")}))
	require.NoError(t, err)
	assert.Equal(t, "svc.example.com", env.App.Namespace)
}

// hidesPublicName and hidesAWSEndpoints are namespaceHidesNothing's two messages for baseYAML
// (environment "test", app.namespace on line 20).
func hidesPublicName(ns, name string) string {
	return fmt.Sprintf(`:20: app.namespace %q: the services' private zone would answer for %q, a name the environment publishes, inside the VPCs `+
		`(Route 53 Resolver answers every name in a private zone from that zone alone), so the tasks could not resolve it; use a name outside dns.domain or beside those names, e.g. "test.internal"`, ns, name)
}

func hidesAWSEndpoints(ns string) string {
	return fmt.Sprintf(`:20: app.namespace %q: the services' private zone would answer for AWS's service endpoints (amazonaws.com) inside the VPCs, `+
		`so the tasks could not reach ECR, Secrets Manager or CloudWatch; use a name outside it, e.g. "test.internal"`, ns)
}

// TestAnApiOnlyEdgeLoads: frontend.enabled false is an environment of its own (the Edge stack
// sends every path to the services), not an error.
func TestAnApiOnlyEdgeLoads(t *testing.T) {
	doc := apply(t, baseYAML, []edit{section("cloudfront", "  frontend:\n    enabled: false\n")})
	env, err := Load(writeFile(t, repository(t), "test.yaml", doc))
	require.NoError(t, err)
	assert.False(t, env.CloudFront.FrontendEnabled)
	assert.Empty(t, env.CloudFront.FrontendSource)
}
