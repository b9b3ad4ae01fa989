package test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The seed variants in config/examples are shipped configs too: each synthesizes and passes
// the gates (make test synthesizes them into cdk.out/examples). These tests check that each is
// the variant its seed describes.

func TestSeedVariantsAreTheSeedsAndOnlyThem(t *testing.T) {
	want := []string{
		"Seed000-App-us-east-1", "Seed000-Data-us-east-1", "Seed000-Edge-us-east-1", "Seed000-Network-us-east-1", "Seed000-Registry-us-east-1",
		"Seed002-App-us-east-1", "Seed002-App-us-west-2", "Seed002-Data-us-east-1", "Seed002-Data-us-west-2",
		"Seed002-Edge-us-east-1", "Seed002-Network-us-east-1", "Seed002-Network-us-west-2", "Seed002-Registry-us-east-1", "Seed002-Registry-us-west-2",
	}
	if got := SeedVariants(t).StackNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stacks = %v, want %v", got, want)
	}
}

func TestSeed000IsOneRegionOnAMultiAzPostgresInstance(t *testing.T) {
	a := SeedVariants(t)
	net := a.Template(t, "Seed000-Network-us-east-1")
	want := map[string]string{
		"Public/us-east-1a": "10.0.1.0/24", "Public/us-east-1b": "10.0.2.0/24",
		"App/us-east-1a": "10.0.3.0/24", "App/us-east-1b": "10.0.4.0/24",
		"Data/us-east-1a": "10.0.5.0/24", "Data/us-east-1b": "10.0.6.0/24",
	}
	if got := subnetPlan(net); !reflect.DeepEqual(got, want) {
		t.Errorf("subnets = %v, want %v", got, want)
	}
	if ids, _ := net.OfType("AWS::EC2::NatGateway"); len(ids) != 2 {
		t.Errorf("%d NAT gateways, want one per AZ", len(ids))
	}

	data := a.Template(t, "Seed000-Data-us-east-1")
	if ids, _ := data.OfType("AWS::RDS::DBCluster"); len(ids) != 0 {
		t.Errorf("Aurora clusters %v, want none", ids)
	}
	_, instances := data.OfType("AWS::RDS::DBInstance")
	if len(instances) != 1 {
		t.Fatalf("%d DB instances, want 1", len(instances))
	}
	var instanceID string
	for id, db := range instances {
		instanceID = id
		p := db.Properties
		got := fmt.Sprint(p["Engine"], " ", p["MultiAZ"], " ", p["StorageType"], " ", p["StorageEncrypted"], " ", p["PubliclyAccessible"], " ", p["BackupRetentionPeriod"])
		if got != "postgres true gp3 true false 7" || p["KmsKeyId"] == nil || db.DeletionPolicy != "Snapshot" {
			t.Errorf("%s: engine, Multi-AZ, storage, encrypted, public, backups = %s; key %v; DeletionPolicy %q", id, got, p["KmsKeyId"], db.DeletionPolicy)
		}
	}
	_, groups := data.OfType("AWS::ElastiCache::ReplicationGroup")
	for id, g := range groups {
		if num(g.Properties["NumCacheClusters"]) != 2 || g.Properties["AutomaticFailoverEnabled"] != true {
			t.Errorf("%s: %v nodes, failover %v; want a primary and a replica", id, g.Properties["NumCacheClusters"], g.Properties["AutomaticFailoverEnabled"])
		}
	}

	app := a.Template(t, "Seed000-App-us-east-1")
	containers := mainContainers(t, app)
	if len(containers) != 1 {
		t.Fatalf("containers %v, want the one service", containers)
	}
	if host := jsonOf(containers["app"].env["DB_HOST"]); !strings.Contains(host, instanceID) {
		t.Errorf("DB_HOST %s is not the instance %s", host, instanceID)
	}
}

func TestSeed002IsActiveWarmWithReplicatedDatabases(t *testing.T) {
	a := SeedVariants(t)
	primary, warm := a.Template(t, "Seed002-App-us-east-1"), a.Template(t, "Seed002-App-us-west-2")
	for tpl, role := range map[*Template]string{primary: "PRIMARY", warm: "SECONDARY"} {
		_, records := tpl.OfType("AWS::Route53::RecordSet")
		found := false
		for _, r := range records {
			if str(r.Properties["Name"]) == "origin.dr.example.com." {
				found = str(r.Properties["Failover"]) == role && r.Properties["HealthCheckId"] != nil
			}
		}
		if !found {
			t.Errorf("%s: no health-checked %s record for origin.dr.example.com", tpl.StackName, role)
		}
	}
	_, targets := warm.OfType("AWS::ApplicationAutoScaling::ScalableTarget")
	for id, st := range targets {
		if num(st.Properties["MinCapacity"]) != 1 || num(st.Properties["MaxCapacity"]) != 10 {
			t.Errorf("warm %s scales %v-%v, want the warm capacity 1-10", id, st.Properties["MinCapacity"], st.Properties["MaxCapacity"])
		}
	}

	// Two databases (reporting shares checkout's), each a Global Database across both regions.
	_, globals := a.Template(t, "Seed002-Data-us-east-1").OfType("AWS::RDS::GlobalCluster")
	_, secondaries := a.Template(t, "Seed002-Data-us-west-2").OfType("AWS::RDS::DBCluster")
	if len(globals) != 2 || len(secondaries) != 2 {
		t.Errorf("%d global clusters and %d secondary clusters, want 2 and 2", len(globals), len(secondaries))
	}
	for _, tpl := range []*Template{primary, warm} {
		c := mainContainers(t, tpl)
		if jsonOf(c["reporting"].env["DB_HOST"]) != jsonOf(c["checkout"].env["DB_HOST"]) || !strings.Contains(jsonOf(c["checkout"].env["DB_HOST"]), "Checkout") {
			t.Errorf("%s: reporting DB_HOST %s, checkout DB_HOST %s; want checkout's database for both",
				tpl.StackName, jsonOf(c["reporting"].env["DB_HOST"]), jsonOf(c["checkout"].env["DB_HOST"]))
		}
	}
}
