package test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
)

// props walks a nested property path ("AliasTarget", "DNSName") of a JSON value.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func TestEveryRegionHasADataStackThatImportsTheNetwork(t *testing.T) {
	a := Shipped(t)
	want := []string{"Dev-Data-us-east-1", "Prod-Data-eu-west-1", "Prod-Data-us-east-1", "Staging-Data-us-east-1"}
	var got []string
	for _, tpl := range a.stacksOf("Data") {
		got = append(got, tpl.StackName)
		network := strings.Replace(tpl.StackName, "-Data-", "-Network-", 1)
		if !strings.Contains(jsonOf(tpl.Resources), `"Fn::ImportValue":"`+network+`:`) {
			t.Errorf("%s takes nothing from %s through Fn::ImportValue", tpl.StackName, network)
		}
		if env := tpl.Env; tpl.TerminationProtection != env.TerminationProtection {
			t.Errorf("%s: termination protection %v", tpl.StackName, tpl.TerminationProtection)
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("data stacks = %v, want %v", got, want)
	}
}

func TestProdRunsThreeGlobalAuroraDatabasesWithTheSeedSettings(t *testing.T) {
	a := Shipped(t)
	primary, secondary := a.Template(t, "Prod-Data-us-east-1"), a.Template(t, "Prod-Data-eu-west-1")

	_, globals := primary.OfType("AWS::RDS::GlobalCluster")
	var ids []string
	for _, g := range globals {
		ids = append(ids, str(g.Properties["GlobalClusterIdentifier"]))
		if ref(g.Properties["SourceDBClusterIdentifier"]) == "" {
			t.Errorf("global cluster %v has no source cluster in the primary stack", g.Properties)
		}
	}
	sort.Strings(ids)
	if want := "[stratus-prod-order stratus-prod-product stratus-prod-user]"; fmt.Sprint(ids) != want {
		t.Errorf("global clusters = %v, want %s", ids, want)
	}

	for _, tpl := range []*Template{primary, secondary} {
		_, clusters := tpl.OfType("AWS::RDS::DBCluster")
		_, keys := tpl.OfType("AWS::KMS::Key")
		if len(clusters) != 3 {
			t.Fatalf("%s: %d Aurora clusters, want 3", tpl.StackName, len(clusters))
		}
		var joined []string
		for id, c := range clusters {
			p := c.Properties
			if p["StorageEncrypted"] != true || keys[ref(p["KmsKeyId"])].Properties["EnableKeyRotation"] != true {
				t.Errorf("%s/%s: storage not encrypted with a rotating key of this stack", tpl.StackName, id)
			}
			if p["DeletionProtection"] != true || p["EnableIAMDatabaseAuthentication"] != true {
				t.Errorf("%s/%s: deletion protection %v, IAM auth %v", tpl.StackName, id, p["DeletionProtection"], p["EnableIAMDatabaseAuthentication"])
			}
			if num(p["BackupRetentionPeriod"]) != 35 || str(p["PreferredBackupWindow"]) != "03:00-04:00" {
				t.Errorf("%s/%s: backups %v days at %v, want 35 at 03:00-04:00", tpl.StackName, id, p["BackupRetentionPeriod"], p["PreferredBackupWindow"])
			}
			if fmt.Sprint(p["EnableCloudwatchLogsExports"]) != "[postgresql]" {
				t.Errorf("%s/%s: log exports %v", tpl.StackName, id, p["EnableCloudwatchLogsExports"])
			}
			if c.DeletionPolicy != "Retain" && c.DeletionPolicy != "Snapshot" {
				t.Errorf("%s/%s: DeletionPolicy %q", tpl.StackName, id, c.DeletionPolicy)
			}
			if g := str(p["GlobalClusterIdentifier"]); g != "" {
				joined = append(joined, g)
			}
			// Latency routing sends writes to eu-west-1's services too; they reach the primary's
			// writer through write forwarding.
			if tpl == secondary && p["EnableGlobalWriteForwarding"] != true {
				t.Errorf("%s/%s: write forwarding %v on a secondary that takes traffic", tpl.StackName, id, p["EnableGlobalWriteForwarding"])
			}
		}
		if tpl == secondary {
			sort.Strings(joined)
			if fmt.Sprint(joined) != "[stratus-prod-order stratus-prod-product stratus-prod-user]" {
				t.Errorf("secondary clusters join %v", joined)
			}
			if strings.Contains(jsonOf(secondary.Resources), "MasterUsername") {
				t.Errorf("a secondary cluster sets master credentials; it must inherit them")
			}
		}
	}
}

func TestProdAuroraInstancesAreTwoPrivateR6gLargeInDistinctZones(t *testing.T) {
	a := Shipped(t)
	tpl := a.Template(t, "Prod-Data-us-east-1")
	_, instances := tpl.OfType("AWS::RDS::DBInstance")
	byCluster := map[string][]Resource{}
	for _, i := range instances {
		byCluster[ref(i.Properties["DBClusterIdentifier"])] = append(byCluster[ref(i.Properties["DBClusterIdentifier"])], i)
	}
	if len(byCluster) != 3 {
		t.Fatalf("instances belong to %d clusters, want 3", len(byCluster))
	}
	for cluster, list := range byCluster {
		zones := map[string]bool{}
		for _, i := range list {
			zones[str(i.Properties["AvailabilityZone"])] = true
			if str(i.Properties["DBInstanceClass"]) != "db.r6g.large" || i.Properties["PubliclyAccessible"] != false {
				t.Errorf("%s: instance %v", cluster, i.Properties)
			}
			if i.Properties["EnablePerformanceInsights"] != true || num(i.Properties["MonitoringInterval"]) != 60 {
				t.Errorf("%s: instance without Performance Insights or enhanced monitoring", cluster)
			}
		}
		if len(list) != 2 || len(zones) != 2 {
			t.Errorf("%s: %d instances in %d AZs, want a writer and a reader in two AZs", cluster, len(list), len(zones))
		}
	}
}

func TestClusterParametersForceTls(t *testing.T) {
	for _, tpl := range Shipped(t).stacksOf("Data") {
		_, groups := tpl.OfType("AWS::RDS::DBClusterParameterGroup")
		if len(groups) == 0 {
			t.Errorf("%s: no cluster parameter group", tpl.StackName)
		}
		for id, g := range groups {
			if str(get(g.Properties, "Parameters", "rds.force_ssl")) != "1" {
				t.Errorf("%s/%s: rds.force_ssl = %v", tpl.StackName, id, get(g.Properties, "Parameters", "rds.force_ssl"))
			}
		}
	}
}

func TestPrimarySecretsAreEncryptedRetainedAndRotated(t *testing.T) {
	a := Shipped(t)
	for _, name := range []string{"Prod-Data-us-east-1", "Staging-Data-us-east-1", "Dev-Data-us-east-1"} {
		tpl := a.Template(t, name)
		_, secrets := tpl.OfType("AWS::SecretsManager::Secret")
		_, schedules := tpl.OfType("AWS::SecretsManager::RotationSchedule")
		// A schedule rotates a secret directly or through its attachment to the database.
		_, attachments := tpl.OfType("AWS::SecretsManager::SecretTargetAttachment")
		rotated := map[string]bool{}
		for _, s := range schedules {
			id := ref(s.Properties["SecretId"])
			if att, ok := attachments[id]; ok {
				id = ref(att.Properties["SecretId"])
			}
			rotated[id] = true
		}
		dbSecrets := 0
		for id, s := range secrets {
			if s.DeletionPolicy != "Retain" {
				t.Errorf("%s/%s: secret DeletionPolicy %q, want Retain", name, id, s.DeletionPolicy)
			}
			if s.Properties["KmsKeyId"] == nil {
				t.Errorf("%s/%s: secret without a customer key", name, id)
			}
			if strings.Contains(id, "Database") {
				dbSecrets++
				if !rotated[id] {
					t.Errorf("%s/%s: database secret without a rotation schedule", name, id)
				}
			}
		}
		if dbSecrets != 3 {
			t.Errorf("%s: %d database secrets, want one per service", name, dbSecrets)
		}
	}
}

func TestEveryRegionHasOneHardenedRedisReplicationGroup(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Data") {
		env := tpl.Env
		_, groups := tpl.OfType("AWS::ElastiCache::ReplicationGroup")
		if len(groups) != 1 {
			t.Fatalf("%s: %d replication groups, want 1", tpl.StackName, len(groups))
		}
		for id, g := range groups {
			p := g.Properties
			if p["AtRestEncryptionEnabled"] != true || p["TransitEncryptionEnabled"] != true || str(p["TransitEncryptionMode"]) != "required" || p["KmsKeyId"] == nil {
				t.Errorf("%s/%s: encryption at rest %v, in transit %v, key %v", tpl.StackName, id, p["AtRestEncryptionEnabled"], p["TransitEncryptionEnabled"], p["KmsKeyId"])
			}
			if !strings.Contains(jsonOf(p["AuthToken"]), "{{resolve:secretsmanager:") {
				t.Errorf("%s/%s: AuthToken is not a Secrets Manager dynamic reference: %s", tpl.StackName, id, jsonOf(p["AuthToken"]))
			}
			failover := env.Cache.Replicas > 0
			if p["MultiAZEnabled"] != failover || p["AutomaticFailoverEnabled"] != failover {
				t.Errorf("%s/%s: Multi-AZ %v, failover %v with %d replicas", tpl.StackName, id, p["MultiAZEnabled"], p["AutomaticFailoverEnabled"], env.Cache.Replicas)
			}
			if num(p["NumCacheClusters"]) != env.Cache.Replicas+1 || num(p["Port"]) != env.Cache.Port || str(p["Engine"]) != env.Cache.Engine {
				t.Errorf("%s/%s: nodes %v port %v engine %v", tpl.StackName, id, p["NumCacheClusters"], p["Port"], p["Engine"])
			}
			if g.DeletionPolicy != "Snapshot" || p["LogDeliveryConfigurations"] == nil || num(p["SnapshotRetentionLimit"]) != env.Cache.SnapshotRetentionDays {
				t.Errorf("%s/%s: DeletionPolicy %q, log delivery %v, snapshots %v", tpl.StackName, id, g.DeletionPolicy, p["LogDeliveryConfigurations"] != nil, p["SnapshotRetentionLimit"])
			}
		}
	}
}

// TestNothingStatefulIsSilentlyLost: every resource that holds data or protects it has a
// DeletionPolicy that keeps it (Retain) or its data (Snapshot). An Aurora instance follows its
// cluster: kept with a retained cluster (which stays usable), deleted with a snapshotted one
// (CloudFormation cannot delete a cluster that still has instances).
func TestNothingStatefulIsSilentlyLost(t *testing.T) {
	keep := map[string][]string{
		"AWS::RDS::DBCluster":                {"Retain", "Snapshot"},
		"AWS::RDS::GlobalCluster":            {"Retain"},
		"AWS::ElastiCache::ReplicationGroup": {"Snapshot"},
		"AWS::KMS::Key":                      {"Retain"},
		"AWS::SecretsManager::Secret":        {"Retain"},
		"AWS::Logs::LogGroup":                {"Retain"},
		"AWS::S3::Bucket":                    {"Retain"},
		"AWS::ECR::Repository":               {"Retain"},
		"AWS::RDS::DBInstance(standalone)":   {"Retain", "Snapshot"},
	}
	memberPolicy := map[string]string{"Retain": "Retain", "Snapshot": "Delete"}
	for name, tpl := range everyTemplate(t) {
		for id, r := range tpl.Resources {
			typ := r.Type
			if typ == "AWS::RDS::DBInstance" {
				typ += "(standalone)"
				if c := ref(r.Properties["DBClusterIdentifier"]); c != "" {
					cluster, ok := tpl.Resources[c]
					if !ok {
						t.Fatalf("%s/%s: DBClusterIdentifier %v is not a cluster of this stack", name, id, r.Properties["DBClusterIdentifier"])
					}
					if want := memberPolicy[cluster.DeletionPolicy]; r.DeletionPolicy != want {
						t.Errorf("%s/%s: DeletionPolicy %q with cluster %s %q, want %q", name, id, r.DeletionPolicy, c, cluster.DeletionPolicy, want)
					}
					continue
				}
			}
			allowed, stateful := keep[typ]
			if stateful && !slices.Contains(allowed, r.DeletionPolicy) {
				t.Errorf("%s/%s (%s): DeletionPolicy %q, want one of %v", name, id, typ, r.DeletionPolicy, allowed)
			}
		}
	}
}

func TestDevTradesProtectionForCost(t *testing.T) {
	tpl := Shipped(t).Template(t, "Dev-Data-us-east-1")
	_, clusters := tpl.OfType("AWS::RDS::DBCluster")
	for id, c := range clusters {
		if c.Properties["DeletionProtection"] != false || c.DeletionPolicy != "Snapshot" || c.Properties["ServerlessV2ScalingConfiguration"] == nil {
			t.Errorf("%s: dev cluster deletion protection %v, policy %q, serverless %v", id, c.Properties["DeletionProtection"], c.DeletionPolicy, c.Properties["ServerlessV2ScalingConfiguration"])
		}
	}
	_, instances := tpl.OfType("AWS::RDS::DBInstance")
	if len(instances) != 3 {
		t.Errorf("dev has %d instances, want one Serverless v2 writer per service", len(instances))
	}
	for id, i := range instances {
		if str(i.Properties["DBInstanceClass"]) != "db.serverless" {
			t.Errorf("%s: class %v", id, i.Properties["DBInstanceClass"])
		}
	}
}
