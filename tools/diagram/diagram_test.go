package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/assembly"
)

const fixture = "../../internal/assembly/testdata/assembly"

func drawFixture(t *testing.T) string {
	t.Helper()
	stages, err := assembly.Read(fixture)
	require.NoError(t, err)
	require.Len(t, stages, 1)
	return Draw(stages[0])
}

func TestDrawConnectsWhatMatters(t *testing.T) {
	chart := drawFixture(t)
	for _, want := range []string{
		"Edge_us_east_1_Distribution --> Edge_us_east_1_Acl",                                   // CloudFront → WAF
		"Edge_us_east_1_Acl --> Edge_us_east_1_Frontend",                                       // → S3 origin
		"Edge_us_east_1_Acl --> App_us_east_1_Lb",                                              // → ALB origin, through its DNS name
		"App_us_east_1_Lb --> Service_app_us_east_1_Service",                                   // through listener, rule, target group
		"Service_app_us_east_1_Service --> Data_us_east_1_Cluster",                             // through the task definition's import
		"Service_app_us_east_1_Service --> Data_us_east_1_Cache",                               //
		"Data_us_east_1_Cluster -.->|replicates| Data_eu_west_1_Cluster",                       // primary → secondary
		"App_us_east_1_Check -.->|checks| App_us_east_1_Lb",                                    //
		`Network_us_east_1_AWS_EC2_NatGateway["NAT gateway"]`,                                  //
		`Network_us_east_1_AWS_EC2_VPCEndpoint["VPC endpoint ×2"]`,                             // aggregated per stack
		`Service_app_us_east_1_Service["ECS service<br/>app<br/>fargate 2 × 0.5 vCPU / 1 GB"]`, //
		`Data_eu_west_1_Thing["AWS::Example::Thing"]`,                                          // a type nobody listed still shows
	} {
		assert.Contains(t, chart, want)
	}
	for _, unwanted := range []string{"Edge_us_east_1_Distribution --> Edge_us_east_1_Frontend", "Logs", "AccessLogs", "LogBucket", "TaskDefinition", "Listener", "Subnet", "Eip", "Key"} {
		assert.NotContains(t, chart, unwanted)
	}
	assert.Less(t, strings.Index(chart, `"us-east-1"`), strings.Index(chart, `"eu-west-1"`), "the primary region first")
	assert.Equal(t, chart, drawFixture(t), "the same assembly draws the same text")
}

func TestCheckFailsOnAStaleDiagram(t *testing.T) {
	dir := t.TempDir()
	out, readme := filepath.Join(dir, "diagrams"), filepath.Join(dir, "README.md")
	require.NoError(t, os.WriteFile(readme, []byte("# R\n<!-- begin diagram -->\nold\n<!-- end diagram -->\ntail\n"), 0o644))

	err := run([]string{fixture}, out, readme, "test", true)
	require.Error(t, err, "nothing written yet")
	assert.Contains(t, err.Error(), filepath.Join(out, "test.md")+": missing")
	assert.Contains(t, err.Error(), "README.md: stale")

	require.NoError(t, run([]string{fixture}, out, readme, "test", false))
	require.NoError(t, run([]string{fixture}, out, readme, "test", true))
	b, err := os.ReadFile(readme)
	require.NoError(t, err)
	assert.Contains(t, string(b), "```mermaid\nflowchart LR\n")
	assert.True(t, strings.HasSuffix(string(b), "<!-- end diagram -->\ntail\n"))

	doc := filepath.Join(out, "test.md")
	b, err = os.ReadFile(doc)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(doc, []byte(strings.Replace(string(b), "NAT gateway", "NAT gateways", 1)), 0o644))
	err = run([]string{fixture}, out, readme, "test", true)
	require.Error(t, err)
	assert.Contains(t, err.Error(), doc+": stale")
	assert.Contains(t, err.Error(), "run make diagram")
}

func TestReadmeNeedsMarkersAndTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	readme := filepath.Join(dir, "README.md")
	require.NoError(t, os.WriteFile(readme, []byte("# no markers\n"), 0o644))
	err := run([]string{fixture}, dir, readme, "test", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "<!-- begin diagram -->")

	err = run([]string{fixture}, dir, readme, "prod", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no environment "prod"`)
}

// A link names drawn types and passes through hidden ones only: a typo in a type name would
// otherwise silently drop a connection.
func TestTypeTablesAgree(t *testing.T) {
	for _, l := range links {
		assert.Contains(t, kinds, l.from, "link from")
		assert.Contains(t, kinds, l.to, "link to")
	}
	for typ := range through {
		assert.True(t, hiddenType(typ), "%s is passed through, so it is not drawn", typ)
	}
	for from, to := range regionLinks {
		assert.True(t, hiddenType(from), from)
		assert.Contains(t, kinds, to)
	}
	assert.False(t, hiddenType("AWS::Example::Thing"), "unknown types are drawn")
	assert.True(t, hiddenType("AWS::IAM::Role"))
}

func TestAnEnvironmentTwiceIsAnError(t *testing.T) {
	err := run([]string{fixture, fixture}, t.TempDir(), "", "test", false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `a second environment named "test"`)
}
