package test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

var dataChecks = []check{
	{"every Data stack imports its region's Network stack", checkDataImportsNetwork},
	{"databases are encrypted, protected and backed up as configured", checkDatabases},
	{"every database forces TLS", checkForceTls},
	{"each database admits its own services only", checkDatabaseGroups},
	{"database secrets are encrypted, retained and rotated", checkSecrets},
	{"every region has one hardened cache", checkCaches},
	{"nothing stateful is silently lost", checkNothingStatefulLost},
	{"a stack that may be destroyed and created again keeps no log group in its way", checkRebuildable},
	{"keys rotate and no key policy opens to everyone", checkKeys},
	{"buckets block public access, encrypt and refuse plain HTTP", checkBuckets},
}

func checkDataImportsNetwork(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		network := strings.Replace(tpl.StackName, "-Data-", "-Network-", 1)
		assert.True(c, importsFrom(tpl.Resources, network), "%s takes nothing from %s", tpl.StackName, network)
	}
}

// ownedDatabases are the services of env that own a database of engine.
func ownedDatabases(env *config.Environment, engine config.DatabaseEngine) []string {
	var out []string
	for _, s := range databaseOwners(env) {
		if s.Database == engine && s.OwnsDatabase() {
			out = append(out, s.Name)
		}
	}
	return out
}

// ownsWriter reports whether env's Data stack in region holds a writable database with a
// password secret for a database of engine: every region for PostgreSQL instances and for Aurora
// without a Global Database, only the primary region for a Global Database (its secondaries
// are read-only and reached with IAM authentication).
func ownsWriter(env *config.Environment, region string, engine config.DatabaseEngine) bool {
	// The home region (the first listed) holds each global cluster's original writer, whichever
	// region writes today (stacks.HomeRegion).
	return engine == config.EnginePostgres || region == env.Regions[0].Name || !env.Database.GlobalDatabase
}

// regionDatabases counts the databases env's Data stack in region holds: all and with a writer.
func regionDatabases(env *config.Environment, region string) (all, writers int) {
	for _, e := range []config.DatabaseEngine{config.EngineAuroraPostgres, config.EnginePostgres} {
		n := len(ownedDatabases(env, e))
		all += n
		if ownsWriter(env, region, e) {
			writers += n
		}
	}
	return all, writers
}

var deletionPolicy = map[string]string{"retain": "Retain", "snapshot": "Snapshot"}

func checkDatabases(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		env, db := tpl.Env, tpl.Env.Database
		primary := tpl.Region == env.PrimaryRegion
		_, clusters := tpl.OfType("AWS::RDS::DBCluster")
		_, instances := tpl.OfType("AWS::RDS::DBInstance")
		_, keys := tpl.OfType("AWS::KMS::Key")
		aurora, postgres := ownedDatabases(env, config.EngineAuroraPostgres), ownedDatabases(env, config.EnginePostgres)
		assert.Len(c, clusters, len(aurora), "%s: Aurora clusters", tpl.StackName)
		for id, cl := range clusters {
			p := cl.Properties
			assert.Equal(c, true, p["StorageEncrypted"], "%s/%s: storage encryption", tpl.StackName, id)
			assert.Equal(c, true, keys[ref(p["KmsKeyId"])].Properties["EnableKeyRotation"], "%s/%s: not encrypted with a rotating key of this stack", tpl.StackName, id)
			assert.Equal(c, db.DeletionProtection, p["DeletionProtection"], "%s/%s: deletion protection", tpl.StackName, id)
			assert.Equal(c, true, p["EnableIAMDatabaseAuthentication"], "%s/%s: IAM authentication", tpl.StackName, id)
			assert.Equal(c, db.BackupRetentionDays, num(p["BackupRetentionPeriod"]), "%s/%s: backup retention", tpl.StackName, id)
			if db.BackupWindow != "" {
				assert.Equal(c, db.BackupWindow, str(p["PreferredBackupWindow"]), "%s/%s: backup window", tpl.StackName, id)
			}
			assert.Equal(c, []any{"postgresql"}, p["EnableCloudwatchLogsExports"], "%s/%s: log exports", tpl.StackName, id)
			assert.Equal(c, deletionPolicy[db.RemovalPolicy], cl.DeletionPolicy, "%s/%s: DeletionPolicy", tpl.StackName, id)
			if !ownsWriter(env, tpl.Region, config.EngineAuroraPostgres) {
				assert.NotEmpty(c, str(p["GlobalClusterIdentifier"]), "%s/%s: a secondary cluster joins no Global Database", tpl.StackName, id)
				assert.Nil(c, p["MasterUsername"], "%s/%s: a secondary cluster inherits its credentials", tpl.StackName, id)
				if env.DNS.Routing == config.RoutingLatency {
					// Latency routing sends writes to every region's services; they reach the
					// primary's writer through write forwarding.
					assert.Equal(c, true, p["EnableGlobalWriteForwarding"], "%s/%s: write forwarding", tpl.StackName, id)
				}
			}
		}
		_, globals := tpl.OfType("AWS::RDS::GlobalCluster")
		if primary && db.GlobalDatabase {
			assert.Len(c, globals, len(aurora), "%s: Global Databases", tpl.StackName)
		} else {
			assert.Empty(c, globals, "%s: Global Databases", tpl.StackName)
		}
		standalone := 0
		for id, i := range instances {
			p := i.Properties
			assert.Equal(c, false, p["PubliclyAccessible"], "%s/%s: public", tpl.StackName, id)
			if ref(p["DBClusterIdentifier"]) != "" {
				continue
			}
			standalone++
			assert.Equal(c, true, p["StorageEncrypted"], "%s/%s: storage encryption", tpl.StackName, id)
			assertCustomerKey(c, tpl, p["KmsKeyId"], "%s/%s", tpl.StackName, id)
			assert.Equal(c, db.Postgres.MultiAZ, p["MultiAZ"], "%s/%s: Multi-AZ", tpl.StackName, id)
			assert.Equal(c, db.DeletionProtection, p["DeletionProtection"], "%s/%s: deletion protection", tpl.StackName, id)
			assert.Equal(c, db.BackupRetentionDays, num(p["BackupRetentionPeriod"]), "%s/%s: backup retention", tpl.StackName, id)
			assert.Equal(c, deletionPolicy[db.RemovalPolicy], i.DeletionPolicy, "%s/%s: DeletionPolicy", tpl.StackName, id)
		}
		assert.Equal(c, len(postgres), standalone, "%s: PostgreSQL instances", tpl.StackName)
	}
}

// checkForceTls: every cluster and every standalone instance uses a parameter group of its stack
// that sets rds.force_ssl.
func checkForceTls(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		checked := 0
		want, _ := regionDatabases(tpl.Env, tpl.Region)
		for id, r := range tpl.Resources {
			var group string
			switch {
			case r.Type == "AWS::RDS::DBCluster":
				group = ref(r.Properties["DBClusterParameterGroupName"])
			case r.Type == "AWS::RDS::DBInstance" && r.Properties["DBClusterIdentifier"] == nil:
				group = ref(r.Properties["DBParameterGroupName"])
			default:
				continue
			}
			checked++
			pg, ok := tpl.Resources[group]
			if assert.True(c, ok, "%s/%s: no parameter group of this stack", tpl.StackName, id) {
				assert.Equal(c, "1", str(get(pg.Properties, "Parameters", "rds.force_ssl")), "%s/%s: rds.force_ssl in %s", tpl.StackName, id, group)
			}
		}
		assert.Equal(c, want, checked, "%s: databases", tpl.StackName)
	}
}

// checkSecrets: every secret is retained under a customer key and each writable database's
// secret is rotated (directly or through its attachment to the database).
func checkSecrets(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		_, secrets := tpl.OfType("AWS::SecretsManager::Secret")
		_, schedules := tpl.OfType("AWS::SecretsManager::RotationSchedule")
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
			assert.Equal(c, "Retain", s.DeletionPolicy, "%s/%s: secret DeletionPolicy", tpl.StackName, id)
			assertCustomerKey(c, tpl, s.Properties["KmsKeyId"], "%s/%s", tpl.StackName, id)
			if strings.Contains(id, "Database") {
				dbSecrets++
				assert.True(c, rotated[id], "%s/%s: database secret without a rotation schedule", tpl.StackName, id)
			}
		}
		_, writers := regionDatabases(tpl.Env, tpl.Region)
		assert.Equal(c, writers, dbSecrets, "%s: database secrets, one per writable database", tpl.StackName)
	}
}

func checkCaches(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		env := tpl.Env
		_, groups := tpl.OfType("AWS::ElastiCache::ReplicationGroup")
		require.Len(c, groups, 1, "%s: replication groups", tpl.StackName)
		for id, g := range groups {
			p, name := g.Properties, tpl.StackName+"/"+id
			assert.Equal(c, true, p["AtRestEncryptionEnabled"], "%s: encryption at rest", name)
			assert.Equal(c, true, p["TransitEncryptionEnabled"], "%s: encryption in transit", name)
			assert.Equal(c, "required", str(p["TransitEncryptionMode"]), "%s: transit encryption mode", name)
			assertCustomerKey(c, tpl, p["KmsKeyId"], "%s", name)
			assert.Contains(c, jsonOf(p["AuthToken"]), "{{resolve:secretsmanager:", "%s: AuthToken is not a Secrets Manager dynamic reference", name)
			failover := env.Cache.Replicas > 0
			assert.Equal(c, failover, p["MultiAZEnabled"], "%s: Multi-AZ with %d replicas", name, env.Cache.Replicas)
			assert.Equal(c, failover, p["AutomaticFailoverEnabled"], "%s: failover with %d replicas", name, env.Cache.Replicas)
			assert.Equal(c, env.Cache.Replicas+1, num(p["NumCacheClusters"]), "%s: nodes", name)
			assert.Equal(c, env.Cache.Port, num(p["Port"]), "%s: port", name)
			assert.Equal(c, env.Cache.Engine, str(p["Engine"]), "%s: engine", name)
			assert.Equal(c, "Snapshot", g.DeletionPolicy, "%s: DeletionPolicy", name)
			assert.NotNil(c, p["LogDeliveryConfigurations"], "%s: log delivery", name)
			assert.Equal(c, env.Cache.SnapshotRetentionDays, num(p["SnapshotRetentionLimit"]), "%s: snapshot retention", name)
		}
	}
}

// checkRebuildable: the App, Edge and Service stacks can be destroyed and created again
// (docs/architecture.md), but a retained log group outlives its stack under its name. Each such
// group's name is generated or carries the stack's own id (retention.Rebuildable), except the two
// the README's "Adding back what was removed" names: a service's /ecs/<service> and the Region
// switch capacity function's /aws/lambda/…-region-switch-capacity.
func checkRebuildable(c *C, a *Assembly) {
	checked := 0
	for name, tpl := range a.Templates {
		if tpl.Env == nil {
			continue
		}
		kind, _, _ := strings.Cut(strings.TrimPrefix(name, stacks.StageID(tpl.Env.Name)+"-"), "-")
		if kind != "App" && kind != "Edge" && kind != "Service" {
			continue
		}
		for id, r := range tpl.Resources {
			if r.Type != "AWS::Logs::LogGroup" || r.DeletionPolicy != "Retain" || r.Properties["LogGroupName"] == nil {
				continue
			}
			checked++
			fixed, ok := r.Properties["LogGroupName"].(string)
			if !ok {
				// The UUID that ends AWS::StackId: the stack's name (index 1) a rebuilt stack shares.
				assert.Contains(c, jsonOf(r.Properties["LogGroupName"]), "-\","+jsonOf(cdktest.StackInstanceID)+"]]}",
					"%s/%s: a name made at deploy time ends in the stack's own id", name, id)
				continue
			}
			documented := kind == "Service" && strings.HasPrefix(fixed, "/ecs/") ||
				kind == "App" && strings.HasPrefix(fixed, "/aws/lambda/") && strings.HasSuffix(fixed, "-region-switch-capacity")
			assert.True(c, documented, "%s/%s: the retained log group %q would make the stack fail to create again after a destroy", name, id, fixed)
		}
	}
	assert.NotZero(c, checked, "no retained named log group in an App, Edge or Service stack")
}

// checkNothingStatefulLost: every resource that holds data or protects it has a DeletionPolicy
// that keeps it (Retain) or its data (Snapshot). An Aurora instance holds no data: a retained
// cluster keeps exactly one of its instances (which keeps it serving), and deletes the others (a
// reader removed from the config goes); a snapshotted cluster deletes them all (CloudFormation
// cannot delete a cluster that still has instances).
func checkNothingStatefulLost(c *C, a *Assembly) {
	keep := map[string][]string{
		"AWS::RDS::DBCluster":                {"Retain", "Snapshot"},
		"AWS::RDS::GlobalCluster":            {"Retain"},
		"AWS::ElastiCache::ReplicationGroup": {"Snapshot"},
		"AWS::KMS::Key":                      {"Retain"},
		"AWS::SecretsManager::Secret":        {"Retain"},
		"AWS::Logs::LogGroup":                {"Retain"},
		"AWS::S3::Bucket":                    {"Retain"},
		"AWS::ECR::Repository":               {"Retain"},
		"AWS::RDS::DBInstance":               {"Retain", "Snapshot"},
		"AWS::SQS::Queue":                    {"Retain"}, // messages not yet consumed
		"AWS::Cognito::UserPool":             {"Retain"}, // every user's identity
		"AWS::Backup::BackupVault":           {"Retain"},
	}
	stateful := 0
	for name, tpl := range a.Templates {
		members := map[string][]string{} // a cluster's members' DeletionPolicy
		for id, r := range tpl.Resources {
			if cid := ref(r.Properties["DBClusterIdentifier"]); r.Type == "AWS::RDS::DBInstance" && cid != "" {
				_, ok := tpl.Resources[cid]
				if assert.True(c, ok, "%s/%s: DBClusterIdentifier %s is not a cluster of this stack", name, id, cid) {
					members[cid] = append(members[cid], r.DeletionPolicy)
				}
				continue
			}
			if allowed, ok := keep[r.Type]; ok {
				stateful++
				assert.Contains(c, allowed, r.DeletionPolicy, "%s/%s (%s): DeletionPolicy", name, id, r.Type)
			}
			if r.Type == "AWS::Cognito::UserPool" {
				assert.Equal(c, "ACTIVE", r.Properties["DeletionProtection"], "%s/%s: the pool cannot be deleted, even by hand", name, id)
			}
		}
		for cid, policies := range members {
			kept := 0
			if tpl.Resources[cid].DeletionPolicy == "Retain" {
				kept = 1
			}
			slices.Sort(policies)
			want := slices.Repeat([]string{"Delete"}, len(policies)-kept)
			want = append(want, slices.Repeat([]string{"Retain"}, kept)...)
			assert.Equal(c, want, policies, "%s: members of cluster %s (%s)", name, cid, tpl.Resources[cid].DeletionPolicy)
		}
	}
	assert.NotZero(c, stateful, "%s: no stateful resources", a.Name)
}

// checkKeys: every customer key rotates, and no key policy statement allows everyone ("*")
// without a condition.
func checkKeys(c *C, a *Assembly) {
	keys := 0
	for name, tpl := range a.Templates {
		_, ks := tpl.OfType("AWS::KMS::Key")
		for id, k := range ks {
			keys++
			assert.Equal(c, true, k.Properties["EnableKeyRotation"], "%s/%s: key rotation", name, id)
			for _, st := range asList(get(k.Properties["KeyPolicy"], "Statement")) {
				principal := jsonOf(get(st, "Principal"))
				everyone := principal == `"*"` || principal == `{"AWS":"*"}`
				if everyone && str(get(st, "Effect")) == "Allow" {
					assert.NotNil(c, get(st, "Condition"), "%s/%s: key policy allows everyone without a condition: %s", name, id, compact(st))
				}
			}
		}
	}
	assert.NotZero(c, keys, "%s: no keys", a.Name)
}

// checkBuckets: every bucket blocks all public access, is encrypted, and its policy denies
// requests without TLS.
func checkBuckets(c *C, a *Assembly) {
	buckets := 0
	for name, tpl := range a.Templates {
		_, bs := tpl.OfType("AWS::S3::Bucket")
		_, policies := tpl.OfType("AWS::S3::BucketPolicy")
		tlsOnly := map[string]bool{}
		for _, p := range policies {
			for _, st := range asList(get(p.Properties, "PolicyDocument", "Statement")) {
				if str(get(st, "Effect")) == "Deny" && str(get(st, "Condition", "Bool", "aws:SecureTransport")) == "false" {
					tlsOnly[ref(p.Properties["Bucket"])] = true
				}
			}
		}
		for id, b := range bs {
			buckets++
			block := map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true}
			assert.Equal(c, block, b.Properties["PublicAccessBlockConfiguration"], "%s/%s: public access block", name, id)
			assert.NotEmpty(c, asList(get(b.Properties, "BucketEncryption", "ServerSideEncryptionConfiguration")), "%s/%s: encryption", name, id)
			assert.True(c, tlsOnly[id], "%s/%s: no policy denies plain HTTP", name, id)
		}
	}
	assert.NotZero(c, buckets, "%s: no buckets", a.Name)
}

// TestFixtureProdRunsThreeGlobalAuroraDatabasesWithTheSeedSettings pins the seed's prod data tier.
func TestFixtureProdRunsThreeGlobalAuroraDatabasesWithTheSeedSettings(t *testing.T) {
	a := Fixtures(t)
	primary, secondary := a.Tier(t, "Prod-Data-us-east-1"), a.Tier(t, "Prod-Data-eu-west-1")
	_, globals := primary.OfType("AWS::RDS::GlobalCluster")
	var ids []string
	for _, g := range globals {
		ids = append(ids, str(g.Properties["GlobalClusterIdentifier"]))
		assert.NotEmpty(t, ref(g.Properties["SourceDBClusterIdentifier"]), "global cluster without a source cluster in the primary stack")
	}
	want := []string{"stratus-prod-order", "stratus-prod-product", "stratus-prod-user"}
	assert.ElementsMatch(t, want, ids)
	for _, tpl := range []*Template{primary, secondary} {
		_, clusters := tpl.OfType("AWS::RDS::DBCluster")
		require.Len(t, clusters, 3, tpl.StackName)
		var joined []string
		for id, cl := range clusters {
			assert.Equal(t, 35, num(cl.Properties["BackupRetentionPeriod"]), "%s/%s", tpl.StackName, id)
			assert.Equal(t, "03:00-04:00", str(cl.Properties["PreferredBackupWindow"]), "%s/%s", tpl.StackName, id)
			assert.Equal(t, true, cl.Properties["DeletionProtection"], "%s/%s", tpl.StackName, id)
			joined = append(joined, str(cl.Properties["GlobalClusterIdentifier"]))
		}
		if tpl == secondary {
			assert.ElementsMatch(t, want, joined)
		}
	}
	_, instances := primary.OfType("AWS::RDS::DBInstance")
	byCluster := map[string]map[string]bool{}
	for _, i := range instances {
		cl := ref(i.Properties["DBClusterIdentifier"])
		if byCluster[cl] == nil {
			byCluster[cl] = map[string]bool{}
		}
		byCluster[cl][str(i.Properties["AvailabilityZone"])] = true
		assert.Equal(t, "db.r6g.large", str(i.Properties["DBInstanceClass"]))
		assert.Equal(t, true, i.Properties["EnablePerformanceInsights"])
		assert.Equal(t, 60, num(i.Properties["MonitoringInterval"]))
	}
	require.Len(t, byCluster, 3)
	for cl, zones := range byCluster {
		assert.Len(t, zones, 2, "%s: a writer and a reader in two AZs", cl)
	}
}

// TestFixtureDevTradesProtectionForCost pins dev's cheaper data tier.
func TestFixtureDevTradesProtectionForCost(t *testing.T) {
	tpl := Fixtures(t).Tier(t, "Dev-Data-us-east-1")
	_, clusters := tpl.OfType("AWS::RDS::DBCluster")
	require.Len(t, clusters, 3)
	for id, cl := range clusters {
		assert.Equal(t, false, cl.Properties["DeletionProtection"], id)
		assert.Equal(t, "Snapshot", cl.DeletionPolicy, id)
		assert.NotNil(t, cl.Properties["ServerlessV2ScalingConfiguration"], id)
	}
	_, instances := tpl.OfType("AWS::RDS::DBInstance")
	require.Len(t, instances, 3, "one Serverless v2 writer per service")
	for id, i := range instances {
		assert.Equal(t, "db.serverless", str(i.Properties["DBInstanceClass"]), id)
	}
}

// checkDatabaseGroups: each database sits in a security group of its own stack that admits the
// database port from the services that use it (its owner and the services sharing it), whose
// groups send to it, its own deploy-time functions (rotation, users) and, for a Global Database
// member over the transit gateway, the peer regions' app subnets; from no other service. It waits
// for its services' rules and is kept with a retained database. The EC2 app tier's database, the
// only one of its environment, keeps the region's shared group, which the Network stack keeps
// exporting for the ServiceData stacks deployed before the groups of their own.
func checkDatabaseGroups(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		env := tpl.Env
		network := a.Templates[strings.Replace(tpl.StackName, "-Data-", "-Network-", 1)]
		require.NotNil(c, network, "%s: no Network stack", tpl.StackName)
		shared := network.group("NetworkDatabaseSecurityGroup")
		require.NotEmpty(c, shared, "%s: no shared database group", network.StackName)
		if slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) {
			assert.True(c, exportsGroup(network, shared), "%s: stops exporting the shared database group that older ServiceData stacks import", network.StackName)
		}
		ingress := map[string][]Rule{}
		for _, r := range tpl.rules(false) {
			ingress[r.Group] = append(ingress[r.Group], r)
		}
		checked := 0
		for id, r := range tpl.Resources {
			if r.Type != "AWS::RDS::DBCluster" && (r.Type != "AWS::RDS::DBInstance" || r.Properties["DBClusterIdentifier"] != nil) {
				continue
			}
			checked++
			groups := asList(r.Properties["VpcSecurityGroupIds"]) // a cluster's; an instance's:
			if r.Type == "AWS::RDS::DBInstance" {
				groups = asList(r.Properties["VPCSecurityGroups"])
			}
			if !assert.Len(c, groups, 1, "%s/%s: security groups", tpl.StackName, id) {
				continue
			}
			if env.RunsTiers() {
				assert.Contains(c, str(get(groups[0], "Fn::ImportValue")), "NetworkDatabaseSecurityGroup", "%s/%s: the app tier's database is in the shared group", tpl.StackName, id)
				continue
			}
			group := ref(groups[0])
			if !assert.Equal(c, "AWS::EC2::SecurityGroup", tpl.Resources[group].Type, "%s/%s: not in a group of its own stack", tpl.StackName, id) {
				continue
			}
			var owner config.Service
			for _, s := range env.Services {
				if s.OwnsDatabase() && strings.HasPrefix(id, naming.Pascal(s.Name)+"Database") {
					owner = s
				}
			}
			require.NotEmpty(c, owner.Name, "%s/%s: whose database?", tpl.StackName, id)
			var clients []string
			for _, s := range env.Services {
				if s.Name == owner.Name || s.ShareDatabaseWith == owner.Name {
					clients = append(clients, "service "+s.Name)
				}
			}
			want := slices.Clone(clients)
			if env.TransitGatewayOn() && owner.Database == config.EngineAuroraPostgres && env.Database.GlobalDatabase {
				for _, p := range peers(env, tpl.Region) {
					for _, az := range p.AvailabilityZones {
						want = append(want, "peer app subnet "+az.AppSubnet)
					}
				}
			}
			var got, sending []string
			for _, rule := range ingress[group] {
				assert.Equal(c, []any{"tcp", config.DatabasePort, config.DatabasePort}, []any{rule.Protocol, rule.From, rule.To}, "%s/%s: rule %s", tpl.StackName, id, rule)
				switch local := tpl.Resources[rule.Peer]; {
				case local.Type == "AWS::EC2::SecurityGroup":
					assert.True(c, strings.HasPrefix(rule.Peer, naming.Pascal(owner.Name)+"Database"), "%s/%s: admits %s, a group of another construct", tpl.StackName, id, rule.Peer)
				case strings.HasPrefix(rule.Peer, "import:"):
					got = append(got, "service "+importedService(env, rule.Peer))
				default:
					got = append(got, "peer app subnet "+rule.Peer)
				}
			}
			// The rules between the group and a service's group of the Network stack (an import):
			// the service's egress to it names who sends, and the database waits for each of them.
			for rid, rule := range tpl.Resources {
				p := rule.Properties
				ingress := rule.Type == "AWS::EC2::SecurityGroupIngress" && ref(p["GroupId"]) == group && str(get(p["SourceSecurityGroupId"], "Fn::ImportValue")) != ""
				egress := str(get(p["GroupId"], "Fn::ImportValue"))
				if rule.Type != "AWS::EC2::SecurityGroupEgress" || ref(p["DestinationSecurityGroupId"]) != group {
					egress = ""
				}
				if egress != "" {
					sending = append(sending, "service "+importedService(env, egress))
				}
				if ingress || egress != "" {
					assert.Contains(c, r.DependsOn, rid, "%s/%s: does not wait for the rule %s of its group", tpl.StackName, id, rid)
				}
			}
			assert.ElementsMatch(c, want, got, "%s/%s: who reaches the database", tpl.StackName, id)
			assert.ElementsMatch(c, clients, sending, "%s/%s: whose group sends to the database", tpl.StackName, id)
			retained := map[bool]string{true: "Retain", false: ""}[env.Database.RemovalPolicy == "retain"]
			assert.Equal(c, retained, tpl.Resources[group].DeletionPolicy, "%s/%s: the group's DeletionPolicy (removalPolicy %s)", tpl.StackName, id, env.Database.RemovalPolicy)
		}
		all, _ := regionDatabases(env, tpl.Region)
		assert.Equal(c, all, checked, "%s: databases", tpl.StackName)
	}
}

// exportsGroup reports whether tpl exports the GroupId of its security group id.
func exportsGroup(tpl *Template, id string) bool {
	for _, o := range tpl.Outputs {
		getAtt := asList(get(o, "Value", "Fn::GetAtt"))
		if id != "" && get(o, "Export") != nil && len(getAtt) == 2 && str(getAtt[0]) == id && str(getAtt[1]) == "GroupId" {
			return true
		}
	}
	return false
}

// importedService names the service whose Network security group an import names, or gives the
// import back.
func importedService(env *config.Environment, imp string) string {
	for _, s := range env.Services {
		if strings.Contains(imp, "Network"+naming.Pascal(s.Name)+"ServiceSecurityGroup") {
			return s.Name
		}
	}
	return imp
}

// TestRotationFunctionsReachSecretsManagerThroughItsEndpoint: a database's master-secret rotation
// function calls only the Secrets Manager API. Where the VPC has that interface endpoint (every
// shipped config and seed), its HTTPS goes to the endpoints' security group alone; without it,
// anywhere (NAT), as the construct's test shows.
func TestRotationFunctionsReachSecretsManagerThroughItsEndpoint(t *testing.T) {
	checked := 0
	eachResource(t, "AWS::EC2::SecurityGroup", func(tpl *Template, id string, g Resource) {
		if !strings.HasPrefix(str(g.Properties["GroupDescription"]), "Master-secret rotation") {
			return
		}
		name := tpl.StackName
		endpoint := slices.Contains(tpl.Env.Network.InterfaceEndpoints, "secretsmanager")
		if endpoint {
			checked++
		}
		var https []string
		for _, r := range tpl.rules(true) {
			if r.Group != id {
				continue
			}
			if r.From == 443 {
				https = append(https, r.Peer)
			} else {
				assert.NotContains(t, r.Peer, "/", "%s/%s: a rule to addresses: %s", name, id, r)
			}
		}
		want := `^import:.*NetworkEndpointSecurityGroup`
		if !endpoint {
			want = `^0\.0\.0\.0/0$`
		}
		if assert.Len(t, https, 1, "%s/%s: HTTPS rules", name, id) {
			assert.Regexp(t, want, https[0], "%s/%s: where HTTPS goes", name, id)
		}
	})
	assert.NotZero(t, checked, "no rotation function with the endpoint to check")
}

// assertCustomerKey checks that key (a resource's key property) names a customer key of tpl:
// not missing, not an AWS managed key (alias/aws/…), which no key policy of ours governs.
func assertCustomerKey(c assert.TestingT, tpl *Template, key any, format string, args ...any) {
	what := fmt.Sprintf(format, args...)
	id := ref(key)
	if assert.NotEmpty(c, id, "%s: not encrypted with a customer key of this stack (%s)", what, jsonOf(key)) {
		assert.Equal(c, "AWS::KMS::Key", tpl.Resources[id].Type, "%s: its key %s", what, id)
	}
}
