package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// baseServices is baseYAML's services section (lines 13-16); ec2 swaps it for compute and tiers
// on lines 13-18, so every later line moves down by two.
const baseServices = "services:\n  - name: web\n    port: 8080\n    image: \"1.0.0\"\n"

var ec2 = edit{baseServices, "compute: ec2\ntiers:\n  web:\n    instanceType: t3.small\n  app:\n    instanceType: t3.medium\n"}

// inWeb and inApp add lines to a tier of ec2 (4-space indent); inTiers adds tiers-level lines.
func inWeb(lines string) edit {
	return edit{"    instanceType: t3.small\n", "    instanceType: t3.small\n" + lines}
}

func inApp(lines string) edit {
	return edit{"    instanceType: t3.medium\n", "    instanceType: t3.medium\n" + lines}
}

func inTiers(lines string) edit { return edit{"tiers:\n", "tiers:\n" + lines} }

func loadDoc(t *testing.T, doc string) (*Environment, error) {
	t.Helper()
	return Load(writeFile(t, repository(t), "test.yaml", doc))
}

func TestTiersLoadWithDefaults(t *testing.T) {
	env, err := loadDoc(t, apply(t, baseYAML, []edit{ec2, inApp("    port: 5001\n    minCount: 3\n    maxCount: 6\n    userData: |\n      echo hi\n")}))
	require.NoError(t, err)
	assert.True(t, env.RunsTiers())
	assert.Empty(t, env.Services)
	assert.Equal(t, Tiers{
		Web:      Tier{InstanceType: "t3.small", Port: 3000, MinCount: 2, DesiredCount: 2, MaxCount: 4, CpuTarget: 60, HealthCheckPath: "/health", VolumeGiB: 20},
		App:      Tier{InstanceType: "t3.medium", Port: 5001, MinCount: 3, DesiredCount: 3, MaxCount: 6, CpuTarget: 60, HealthCheckPath: "/health", VolumeGiB: 20, UserData: "echo hi\n"},
		Database: EnginePostgres,
	}, env.Tiers, "desiredCount follows minCount")

	fargate, err := loadDoc(t, baseYAML)
	require.NoError(t, err)
	assert.Equal(t, ComputeFargate, fargate.Compute)
	assert.Equal(t, Tiers{}, fargate.Tiers, "no tiers without compute: ec2")
}

// TestTierErrors: one case per rule of compute and tiers.
func TestTierErrors(t *testing.T) {
	cases := []badInput{
		{"unknown compute", []edit{{baseServices, "compute: lambda\n" + baseServices}},
			[]string{`:13: compute "lambda": unknown compute (allowed: fargate, ec2)`}},
		{"a Mac tier, which runs on Dedicated Hosts only", []edit{{baseServices, "compute: ec2\ntiers:\n  web:\n    instanceType: t3.small\n  app:\n    instanceType: mac2.metal\n"}},
			[]string{`:18: tiers.app.instanceType "mac2.metal": Mac instances run macOS on Dedicated Hosts only, not the tiers' Amazon Linux 2023 in an Auto Scaling group; take another family such as m7i or m7g`}},
		{"an A1 tier, which Amazon Linux 2023 does not run on", []edit{{baseServices, "compute: ec2\ntiers:\n  web:\n    instanceType: a1.large\n  app:\n    instanceType: t3.small\n"}},
			[]string{`:16: tiers.web.instanceType "a1.large": Amazon Linux 2023, the tiers' image, does not run on A1 (the first Graviton); take a later Graviton family such as t4g or m7g`}},
		{"tiers without ec2", []edit{{baseServices, "tiers:\n  web:\n    instanceType: t3.small\n" + baseServices}},
			[]string{":13: tiers: only read with compute: ec2 (compute is fargate; remove tiers or set compute: ec2)"}},
		{"services with ec2", []edit{{baseServices, "compute: ec2\ntiers:\n  web:\n    instanceType: t3.small\n  app:\n    instanceType: t3.small\n" + baseServices}},
			[]string{":19: services: compute ec2 runs tiers, not services (remove services, or set compute: fargate)"}},
		{"ec2 without tiers", []edit{{baseServices, "compute: ec2\n"}},
			[]string{": tiers: required: the web and app tiers (compute is ec2)"}},
		{"ec2 in two regions", []edit{ec2, addRegion, globalDB},
			[]string{`:18: compute "ec2": EC2 tiers run in one region (the environment has 2; use compute: fargate for several)`}},
		{"unknown tier database", []edit{ec2, inTiers("  database: aurora-postgresql\n")},
			[]string{`:15: tiers.database "aurora-postgresql": unknown tier database (allowed: postgres, none)`}},
		{"bad release bucket", []edit{ec2, inTiers("  releaseBucket: My_Releases\n")},
			[]string{`:15: tiers.releaseBucket "My_Releases": not an S3 bucket name (allowed: 3-63 lowercase letters, digits, hyphens and dots, starting and ending with a letter or digit)`}},
		{"missing instance type", []edit{ec2, {"    instanceType: t3.medium\n", "    port: 5000\n"}},
			[]string{":17: tiers.app.instanceType: required: an EC2 instance type, <family>.<size> with size micro, small, medium, large, <n>xlarge or metal (e.g. t3.small, m7i.large)"}},
		{"bad instance type", []edit{ec2, {"instanceType: t3.small", "instanceType: db.t3.small"}},
			[]string{`:16: tiers.web.instanceType "db.t3.small": not an EC2 instance type (allowed: <family>.<size> with size micro, small, medium, large, <n>xlarge or metal (e.g. t3.small, m7i.large))`}},
		{"port out of range", []edit{ec2, inWeb("    port: 70000\n")},
			[]string{":17: tiers.web.port 70000: out of range (allowed: 1-65535)"}},
		{"same ports", []edit{ec2, inWeb("    port: 5000\n")},
			[]string{":17: tiers.web.port 5000: the app tier listens on it too (the internal ALB and the web tier need distinct ports)"}},
		{"the app tier on the web tier's default port", []edit{ec2, inApp("    port: 3000\n")},
			[]string{":19: tiers.app.port 3000: the web tier listens on it too (its default; the internal ALB and the web tier need distinct ports)"}},
		{"Service Connect TLS with the EC2 tiers", []edit{ec2, section("app", "  serviceConnect:\n    tls: true\n")},
			[]string{":23: app.serviceConnect.tls: only with compute: fargate (the EC2 tiers do not use Service Connect; remove it)"}},
		{"one instance", []edit{ec2, inWeb("    minCount: 1\n")},
			[]string{":17: tiers.web.minCount 1: out of range (allowed: 2-100 instances (one per AZ at least))"}},
		{"counts out of order", []edit{ec2, inApp("    desiredCount: 5\n")},
			[]string{":17: tiers.app: minCount 2, desiredCount 5, maxCount 4 are out of order (allowed: 2 <= minCount <= desiredCount <= maxCount <= 100)"}},
		{"cpu target", []edit{ec2, inWeb("    cpuTarget: 0\n")},
			[]string{":17: tiers.web.cpuTarget 0: out of range (allowed: 1-100 percent)"}},
		{"volume", []edit{ec2, inApp("    volumeGiB: 4\n")},
			[]string{":19: tiers.app.volumeGiB 4: out of range (allowed: 8-16384 GiB)"}},
		{"health path", []edit{ec2, inApp("    healthCheckPath: health\n")},
			[]string{`:19: tiers.app.healthCheckPath "health": not a health-check path (allowed: ` + limits.HealthCheckPathRule + `)`}},
		{"web health path is Route 53's", []edit{ec2, inWeb("    healthCheckPath: \"/health[1]\"\n")},
			[]string{`:17: tiers.web.healthCheckPath "/health[1]": the web tier's health path is also the Route 53 health check's, which allows only paths ` + limits.Route53PathRule}},
		{"user data too long", []edit{ec2, inWeb("    userData: " + strings.Repeat("x", 12289) + "\n")},
			[]string{":17: tiers.web.userData: 12289 bytes (allowed: at most 12288; EC2 takes 16384 and the agent set-up uses the rest)"}},
		{"unknown tier key", []edit{ec2, inWeb("    image: ami-123\n")},
			[]string{":17: tiers.web.image: unknown key (allowed: instanceType, port, minCount, desiredCount, maxCount, cpuTarget, healthCheckPath, volumeGiB, userData)"}},
	}
	assertRejected(t, cases)
}
