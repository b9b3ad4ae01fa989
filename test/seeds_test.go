package test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The seed variants in config/examples are shipped configs too: each synthesizes, passes the
// app-level assertions and the gates (make test synthesizes them into cdk.out/examples), and has
// goldens. These tests check that each is the variant its seed describes.

func TestSeed000IsOneRegionOnAMultiAzPostgresInstance(t *testing.T) {
	a := SeedVariants(t)
	net := a.Template(t, "Seed000-Network-us-east-1")
	assert.Equal(t, map[string]string{
		"Public/us-east-1a": "10.0.1.0/24", "Public/us-east-1b": "10.0.2.0/24",
		"App/us-east-1a": "10.0.3.0/24", "App/us-east-1b": "10.0.4.0/24",
		"Data/us-east-1a": "10.0.5.0/24", "Data/us-east-1b": "10.0.6.0/24",
	}, subnetPlan(net))
	nats, _ := net.OfType("AWS::EC2::NatGateway")
	assert.Len(t, nats, 2, "one NAT gateway per AZ")

	data := a.Tier(t, "Seed000-Data-us-east-1")
	clusters, _ := data.OfType("AWS::RDS::DBCluster")
	assert.Empty(t, clusters, "no Aurora clusters")
	_, instances := data.OfType("AWS::RDS::DBInstance")
	require.Len(t, instances, 1)
	var instanceID string
	for id, db := range instances {
		instanceID = id
		p := db.Properties
		assert.Equal(t, "postgres", str(p["Engine"]))
		assert.Equal(t, true, p["MultiAZ"])
		assert.Equal(t, "gp3", str(p["StorageType"]))
		assert.Equal(t, 7, num(p["BackupRetentionPeriod"]))
		assert.Equal(t, "Snapshot", db.DeletionPolicy)
	}
	_, groups := data.OfType("AWS::ElastiCache::ReplicationGroup")
	require.Len(t, groups, 1)
	for id, g := range groups {
		assert.Equal(t, 2, num(g.Properties["NumCacheClusters"]), "%s: a primary and a replica", id)
		assert.Equal(t, true, g.Properties["AutomaticFailoverEnabled"], id)
	}

	containers := mainContainers(a.Tier(t, "Seed000-App-us-east-1"))
	require.Len(t, containers, 1, "the one service")
	require.Contains(t, containers, "app")
	assert.Contains(t, jsonOf(containers["app"].env["DB_HOST"]), instanceID, "DB_HOST is the instance")
}

func TestSeed002IsActiveWarmWithReplicatedDatabases(t *testing.T) {
	a := SeedVariants(t)
	primary, warm := a.Tier(t, "Seed002-App-us-east-1"), a.Tier(t, "Seed002-App-us-west-2")
	edge := a.Template(t, "Seed002-Edge-us-east-1")
	for region, role := range map[string]string{"us-east-1": "PRIMARY", "us-west-2": "SECONDARY"} {
		recs := originRecords(edge, "dr.example.com", region)
		require.Len(t, recs, 1, region)
		assert.Equal(t, role, str(recs[0].Properties["Failover"]), region)
		assert.NotNil(t, recs[0].Properties["HealthCheckId"], region)
	}
	_, targets := warm.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
	require.NotEmpty(t, targets)
	for id, st := range targets {
		assert.Equal(t, []int{1, 10}, []int{num(st.Properties["MinCapacity"]), num(st.Properties["MaxCapacity"])}, "warm %s scales with the warm capacity", id)
	}

	// Two databases (reporting shares checkout's), each a Global Database across both regions.
	_, globals := a.Tier(t, "Seed002-Data-us-east-1").OfType("AWS::RDS::GlobalCluster")
	_, secondaries := a.Tier(t, "Seed002-Data-us-west-2").OfType("AWS::RDS::DBCluster")
	assert.Len(t, globals, 2)
	assert.Len(t, secondaries, 2)
	for _, tpl := range []*Template{primary, warm} {
		c := mainContainers(tpl)
		require.Contains(t, c, "reporting")
		require.Contains(t, c, "checkout")
		assert.Equal(t, jsonOf(c["checkout"].env["DB_HOST"]), jsonOf(c["reporting"].env["DB_HOST"]), "%s: reporting uses checkout's database", tpl.StackName)
		assert.Contains(t, jsonOf(c["checkout"].env["DB_HOST"]), "Checkout", tpl.StackName)
	}
}
