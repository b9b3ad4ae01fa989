package main

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/assembly"
)

const fixture = "../../internal/assembly/testdata/assembly"

func prices(t *testing.T) *Prices {
	t.Helper()
	p, err := parsePrices(pricesYAML)
	require.NoError(t, err)
	return p
}

// fixtureStage is the fixture without its made-up resource type.
func fixtureStage(t *testing.T) *assembly.Stage {
	t.Helper()
	stages, err := assembly.Read(fixture)
	require.NoError(t, err)
	require.Len(t, stages, 1)
	for _, st := range stages[0].Stacks {
		st.Resources = slicesDelete(st.Resources, func(r *assembly.Resource) bool { return r.Type == "AWS::Example::Thing" })
	}
	return stages[0]
}

func slicesDelete(rs []*assembly.Resource, drop func(*assembly.Resource) bool) []*assembly.Resource {
	var out []*assembly.Resource
	for _, r := range rs {
		if !drop(r) {
			out = append(out, r)
		}
	}
	return out
}

func monthly(t *testing.T, items []item, region, what string) float64 {
	t.Helper()
	for _, i := range items {
		if i.region == region && i.what == what {
			return i.monthly
		}
	}
	require.Failf(t, "no item", "%s %q in %+v", region, what, items)
	return 0
}

func TestEstimateItemizesTheFixture(t *testing.T) {
	e, err := estimate(fixtureStage(t), prices(t))
	require.NoError(t, err)
	assert.Equal(t, []string{"us-east-1", "eu-west-1"}, e.Regions)
	for _, c := range []struct {
		region, what string
		want         float64
	}{
		{"us-east-1", "NAT gateway", 730 * 0.045},
		{"us-east-1", "public IPv4 address (Elastic IP)", 730 * 0.005},
		{"us-east-1", "interface endpoint logs (2 AZs)", 2 * 730 * 0.01},
		{"us-east-1", "Application Load Balancer", 730 * 0.0225},
		{"us-east-1", "public IPv4 addresses of load balancers (one per AZ)", 2 * 730 * 0.005},
		{"us-east-1", "Fargate app: 2 tasks × 0.5 vCPU", 2 * 0.5 * 730 * 0.04048},
		{"us-east-1", "Fargate app: 2 tasks × 1 GB", 2 * 1 * 730 * 0.004445},
		{"us-east-1", "Aurora db.r6g.large", 730 * 0.26},
		{"eu-west-1", "Aurora db.r6g.large", 730 * 0.288},
		{"us-east-1", "ElastiCache redis cache.t4g.micro", 2 * 730 * 0.016},
		{"us-east-1", "KMS customer managed key", 1},
		{"us-east-1", "Secrets Manager secret", 0.40},
		{"global", "WAF web ACL", 5},
		{"global", "WAF rules", 2},
		{"global", "Route 53 health check", 0.50},
		{"global", "Route 53 health check features: HTTPS, fast interval, latency measurement", 3},
		{"global", "Route 53 hosted zone (existing, holds the records)", 0.50},
	} {
		assert.InDelta(t, c.want, monthly(t, e.Fixed, c.region, c.what), 1e-9, "%s %s", c.region, c.what)
	}
	for _, i := range e.Fixed {
		assert.NotContains(t, i.what, "endpoint s3", "gateway endpoints are free")
	}
	assert.InDelta(t, 50*0.045, monthly(t, e.Usage, "us-east-1", "NAT gateway data processing"), 1e-9)
	assert.InDelta(t, 4*5*0.023, monthly(t, e.Usage, "us-east-1", "S3 storage"), 1e-9, "every bucket stores the assumed GB")
	assert.InDelta(t, 100*0.085, monthly(t, e.Usage, "global", "CloudFront data transfer out"), 1e-9)

	var sum float64
	for _, r := range e.regions() {
		sum += total(e.Fixed, r)
	}
	assert.InDelta(t, total(e.Fixed, ""), sum, 1e-9, "the regions' totals add up to the environment's")
	assert.Equal(t, []string{"global", "us-east-1", "eu-west-1"}, e.regions())
}

func TestEstimateFailsOnAnUnclassifiedType(t *testing.T) {
	stages, err := assembly.Read(fixture)
	require.NoError(t, err)
	_, err = estimate(stages[0], prices(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Data-eu-west-1/Thing (AWS::Example::Thing)")
	assert.Contains(t, err.Error(), "not classified")
}

func TestEstimateFailsOnAMissingPrice(t *testing.T) {
	p := prices(t)
	delete(p.Rows, "nat-gateway-hour")
	delete(p.Rows["aurora-postgresql-instance-hour/db.r6g.large"].Regions, "eu-west-1")
	_, err := estimate(fixtureStage(t), p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "tools/cost/prices.yaml: no row prices.nat-gateway-hour (needed for us-east-1)")
	assert.Contains(t, err.Error(), "prices.aurora-postgresql-instance-hour/db.r6g.large has no price for eu-west-1")

	p = prices(t)
	delete(p.Assumptions, "natGB")
	_, err = estimate(fixtureStage(t), p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no assumptions.natGB")
}

func TestPricesAreStrictAndComplete(t *testing.T) {
	_, err := parsePrices([]byte("taken: x\ncurrency: USD\nhoursPerMonth: 730\nprices:\n  a: {unit: u, us-east-1: 1}\ntypo: 1\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "typo")
	_, err = parsePrices([]byte("taken: x\ncurrency: USD\nhoursPerMonth: 730\nprices:\n  a: {us-east-1: 1}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "prices.a")

	// Every row prices the regions of the shipped configs and examples; the date is written down.
	p := prices(t)
	assert.Regexp(t, `^\d{4}-\d{2}-\d{2}$`, p.Taken)
	for key, row := range p.Rows {
		for _, region := range []string{"us-east-1", "eu-west-1", "us-west-2"} {
			assert.Contains(t, row.Regions, region, "prices.%s", key)
		}
	}
}

// The goldens hold every template the shipped environments synthesize (the app tests keep them
// current), so this fails when a resource type appears that is neither priced nor unpriced, or
// when a shipped environment needs a price row the table lacks.
func TestEveryShippedResourceTypeIsClassifiedAndPriced(t *testing.T) {
	files, err := filepath.Glob("../../test/testdata/golden/*.template.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	region := regexp.MustCompile(`-([a-z]{2}-[a-z]+-\d)\.template\.json$`)
	stages := map[string]*assembly.Stage{}
	types := map[string]bool{}
	for _, f := range files {
		base := filepath.Base(f)
		m := region.FindStringSubmatch(base)
		require.NotNil(t, m, base)
		env, name, _ := strings.Cut(strings.TrimSuffix(base, ".template.json"), "-")
		st, err := assembly.ReadStack(f, name, "123456789012", m[1])
		require.NoError(t, err)
		if stages[env] == nil {
			stages[env] = &assembly.Stage{ID: env, Env: strings.ToLower(env)}
		}
		stages[env].Stacks = append(stages[env].Stacks, st)
		for _, r := range st.Resources {
			types[r.Type] = true
		}
	}
	for typ := range types {
		_, _, err := classify(typ)
		assert.NoError(t, err)
	}
	envs := make([]string, 0, len(stages))
	for env := range stages {
		envs = append(envs, env)
	}
	sort.Strings(envs)
	for _, env := range envs {
		e, err := estimate(stages[env], prices(t))
		require.NoError(t, err, env)
		assert.Positive(t, total(e.Fixed, ""), env)
	}
}

func TestClassificationIsExplicit(t *testing.T) {
	for typ := range priced {
		_, reason := unpriced[typ]
		assert.False(t, reason, "%s is both priced and unpriced", typ)
	}
	for pattern, reason := range unpriced {
		assert.NotEmpty(t, reason, pattern)
		if strings.Contains(pattern, "*") {
			// Wildcards only for services that are free as a whole, so that a new, priced type
			// of a partly priced service (EC2, RDS, …) cannot hide under one.
			assert.Contains(t, []string{"AWS::IAM::*", "Custom::*"}, pattern)
		}
	}
	_, _, err := classify("AWS::EC2::SomethingNew")
	assert.Error(t, err)
	_, reason, err := classify("AWS::IAM::Role")
	require.NoError(t, err)
	assert.Equal(t, "IAM is free", reason)
}

// pricedFixture copies the fixture without the secondary region's stack (and so without its
// made-up resource type) and returns the copy's folder.
func pricedFixture(t *testing.T) string {
	t.Helper()
	stages := filepath.Join(t.TempDir(), "cdk.out")
	copyDir(t, fixture, stages)
	require.NoError(t, os.Remove(filepath.Join(stages, "assembly-Test", "TestDataeuwest1.template.json")))
	manifest := filepath.Join(stages, "assembly-Test", "manifest.json")
	b, err := os.ReadFile(manifest)
	require.NoError(t, err)
	b = regexp.MustCompile(`(?s)"TestDataeuwest1": \{.*?"type": "aws:cloudformation:stack"\n  \},`).ReplaceAll(b, nil)
	require.NoError(t, os.WriteFile(manifest, b, 0o644))
	return stages
}

func TestCheckFailsOnAStaleEstimate(t *testing.T) {
	stages := pricedFixture(t)
	dir := t.TempDir()
	out, readme := filepath.Join(dir, "cost.md"), filepath.Join(dir, "README.md")
	require.NoError(t, os.WriteFile(readme, []byte("<!-- begin cost -->\n<!-- end cost -->\n"), 0o644))
	files, doc, err := generate([]string{stages}, out, readme)
	require.NoError(t, err)
	require.Error(t, files.Check("make cost"), "nothing written yet")
	require.NoError(t, files.Write())
	require.NoError(t, files.Check("make cost"))
	assert.Contains(t, doc, "| **test** |")
	readmeText, err := os.ReadFile(readme)
	require.NoError(t, err)
	assert.Contains(t, string(readmeText), "| [test](cost.md#test) | us-east-1 |")

	require.NoError(t, os.WriteFile(out, []byte(strings.Replace(doc, "NAT gateway", "NAT", 1)), 0o644))
	err = files.Check("make cost")
	require.Error(t, err)
	assert.Contains(t, err.Error(), out+": stale")
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	require.NoError(t, filepath.Walk(from, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		if info.IsDir() {
			return os.MkdirAll(filepath.Join(to, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(to, rel), b, 0o644)
	}))
}

func TestMoneyAndQuantities(t *testing.T) {
	assert.Equal(t, "$3,356.39", money(3356.385))
	assert.Equal(t, "$0.50", money(0.5))
	assert.Equal(t, "$1,234,567.00", money(1234567))
	assert.Equal(t, "$0.004445", money4(0.004445))
	assert.Equal(t, "$5.00", money4(5))
	assert.Equal(t, "3 × 730", quantity(item{count: 3, qty: 2190, per: 730}))
	assert.Equal(t, "2,190", quantity(item{count: 3, qty: 2190, per: 100, mixed: true}))
	assert.Equal(t, "182.5", quantity(item{count: 1, qty: 182.5, per: 182.5}))
	assert.False(t, math.IsNaN(total(nil, "")))
}

// The pricers of types the shipped configs do not use yet (EC2 tiers, canaries, RDS instances,
// Serverless v2, Valkey) read their sizes from the template.
func TestPricersReadSizesFromTheTemplate(t *testing.T) {
	template := `{"Resources": {
	  "Lt": {"Type": "AWS::EC2::LaunchTemplate", "Properties": {"LaunchTemplateData": {"InstanceType": "t3.small",
	    "BlockDeviceMappings": [{"Ebs": {"VolumeSize": 30, "VolumeType": "gp3"}}]}}},
	  "Asg": {"Type": "AWS::AutoScaling::AutoScalingGroup", "Properties": {"MinSize": "2", "MaxSize": "4", "LaunchTemplate": {"LaunchTemplateId": {"Ref": "Lt"}}}},
	  "Canary": {"Type": "AWS::Synthetics::Canary", "Properties": {"Schedule": {"Expression": "rate(5 minutes)"}}},
	  "Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"PipelineType": "V1"}},
	  "PipelineV2": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"PipelineType": "V2"}},
	  "Cache": {"Type": "AWS::ElastiCache::ReplicationGroup", "Properties": {"Engine": "valkey", "CacheNodeType": "cache.r7g.large", "NumNodeGroups": 2, "ReplicasPerNodeGroup": 1}},
	  "Db": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "postgres", "DBInstanceClass": "db.t3.medium", "MultiAZ": true, "AllocatedStorage": "100"}},
	  "Serverless": {"Type": "AWS::RDS::DBCluster", "Properties": {"Engine": "aurora-postgresql", "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 4}}},
	  "Writer": {"Type": "AWS::RDS::DBInstance", "Properties": {"Engine": "aurora-postgresql", "DBInstanceClass": "db.serverless", "DBClusterIdentifier": {"Ref": "Serverless"}}},
	  "Alarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Metrics": [{"MetricStat": {}}, {"MetricStat": {}}, {"Expression": "m1+m2"}]}},
	  "FastAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Period": 10}},
	  "AnomalyAlarm": {"Type": "AWS::CloudWatch::Alarm", "Properties": {"ThresholdMetricId": "ad1", "Metrics": [{"Id": "m1", "MetricStat": {}}, {"Id": "ad1", "Expression": "ANOMALY_DETECTION_BAND(m1, 2)"}]}}
	}}`
	path := filepath.Join(t.TempDir(), "t.template.json")
	require.NoError(t, os.WriteFile(path, []byte(template), 0o644))
	st, err := assembly.ReadStack(path, "Tier-us-east-1", "123456789012", "us-east-1")
	require.NoError(t, err)
	e, err := estimate(&assembly.Stage{ID: "T", Env: "t", Stacks: []*assembly.Stack{st}}, prices(t))
	require.NoError(t, err)
	for _, c := range []struct {
		what string
		want float64
	}{
		{"EC2 t3.small", 2 * 730 * 0.0208},
		{"EBS gp3", 2 * 30 * 0.08},
		{"Synthetics canary every 5 minutes", 730 * 12 * 0.0012},
		{"CodePipeline V1 pipeline", 1},
		{"ElastiCache valkey cache.r7g.large", 4 * 730 * 0.1752},
		{"RDS postgres db.t3.medium Multi-AZ", 2 * 730 * 0.072},
		{"RDS storage", 2 * 100 * 0.115},
		{"Aurora Serverless v2 instance at its minimum 0.5 ACU", 0.5 * 730 * 0.12},
		{"CloudWatch alarm metrics", (2 + 3) * 0.10}, // two metrics of the math alarm, three of the anomaly band
		{"CloudWatch alarm metrics (high resolution)", 0.30},
	} {
		assert.InDelta(t, c.want, monthly(t, e.Fixed, "us-east-1", c.what), 1e-9, c.what)
	}
	assert.Len(t, e.Fixed, 10, "a V2 pipeline has no fixed price")

	bad := strings.Replace(template, "rate(5 minutes)", "cron(0 * * * ? *)", 1)
	require.NoError(t, os.WriteFile(path, []byte(bad), 0o644))
	st, err = assembly.ReadStack(path, "Tier-us-east-1", "123456789012", "us-east-1")
	require.NoError(t, err)
	_, err = estimate(&assembly.Stage{ID: "T", Env: "t", Stacks: []*assembly.Stack{st}}, prices(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Tier-us-east-1/Canary (AWS::Synthetics::Canary): schedule "cron(0 * * * ? *)" is not rate(<n> minutes|hours)`)
}

func TestAnEnvironmentTwiceIsAnError(t *testing.T) {
	dir := pricedFixture(t)
	_, _, err := generate([]string{dir}, filepath.Join(t.TempDir(), "cost.md"), "")
	require.NoError(t, err)
	_, _, err = generate([]string{dir, dir}, filepath.Join(t.TempDir(), "cost.md"), "")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `a second environment named "test"`)
}
