package test

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/audit"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/rotation"
	"github.com/stratus-platform/stratus/stacks"
)

// Governance: audit trail, AWS Config, AWS Backup, key policies, container memory and subnet deny
// lists. Every expectation is read from the environment's config, so the same checks hold with
// the switches on (fixtures) and off (governanceOff).
var governanceChecks = []check{
	{"one multi-region trail per account, as configured", checkTrail},
	{"AWS Config records every region, global types once, with the promised rules", checkConfigRecorders},
	{"every database is in a backup plan with copies to another region", checkBackups},
	{"every customer key denies foreign grants and administration by others", checkKeyPolicies},
	{"every container has a hard memory limit within its task's", checkContainerMemory},
	{"the public and app subnets deny the configured ranges", checkDenyLists},
	{"the origin secret and the cache token rotate on schedule, alarmed, and find what they update by tag", checkRotation},
	{"every database master secret's rotation function is alarmed", checkDatabaseRotationAlarms},
	{"every database rotation function finds its log group made, encrypted and expiring", checkDatabaseRotationLogs},
}

// checkDatabaseRotationAlarms: a failed master-password rotation (for instance while the home
// region's cluster is not the writer) raises a ticket: an alarm on the errors of the function
// the rotation application creates, by the name it gives it, in the same stack.
func checkDatabaseRotationAlarms(c *C, a *Assembly) {
	for _, tpl := range a.stacksOf("ServiceData") {
		_, apps := tpl.OfType("AWS::Serverless::Application")
		var functions []string
		for _, app := range apps {
			functions = append(functions, str(get(app.Properties, "Parameters", "functionName")))
		}
		var watched []string
		_, all := tpl.OfType("AWS::CloudWatch::Alarm")
		for _, al := range all {
			if !strings.HasSuffix(str(al.Properties["AlarmName"]), "-databaseRotationFailed") {
				continue
			}
			assert.Equal(c, "AWS/Lambda", al.Properties["Namespace"], "%s", tpl.StackName)
			assert.Equal(c, "Errors", al.Properties["MetricName"], "%s", tpl.StackName)
			assert.NotEmpty(c, asList(al.Properties["AlarmActions"]), "%s: the rotation alarm notifies the topic", tpl.StackName)
			assert.Contains(c, str(al.Properties["AlarmDescription"]), "secret-rotation.md", tpl.StackName)
			for _, d := range asList(al.Properties["Dimensions"]) {
				if get(d, "Name") == "FunctionName" {
					watched = append(watched, str(get(d, "Value")))
				}
			}
		}
		assert.ElementsMatch(c, functions, watched, "%s: the rotation functions and the ones alarmed", tpl.StackName)
	}
}

// checkDatabaseRotationLogs: Lambda would create a rotation function's log group unencrypted and
// kept forever at the first rotation, so each ServiceData stack makes /aws/lambda/<function>
// first (the application waits for it), with a customer key and a retention, and retains it.
func checkDatabaseRotationLogs(c *C, a *Assembly) {
	apps := 0
	for _, tpl := range a.stacksOf("ServiceData") {
		groups := map[string]string{} // log group name → logical id
		_, logGroups := tpl.OfType("AWS::Logs::LogGroup")
		for id, g := range logGroups {
			groups[str(g.Properties["LogGroupName"])] = id
		}
		_, all := tpl.OfType("AWS::Serverless::Application")
		for appID, app := range all {
			apps++
			name := "/aws/lambda/" + str(get(app.Properties, "Parameters", "functionName"))
			id, ok := groups[name]
			if !assert.True(c, ok, "%s/%s: no log group %s", tpl.StackName, appID, name) {
				continue
			}
			g := logGroups[id]
			assert.NotNil(c, g.Properties["KmsKeyId"], "%s/%s: encrypted with a customer key", tpl.StackName, id)
			assert.NotNil(c, g.Properties["RetentionInDays"], "%s/%s: expires", tpl.StackName, id)
			assert.Equal(c, "Retain", g.DeletionPolicy, "%s/%s", tpl.StackName, id)
			assert.Contains(c, asList(app.DependsOn), id, "%s/%s: the function's application waits for its log group", tpl.StackName, appID)
		}
	}
	assert.NotZero(c, apps, "no rotation application in the ServiceData stacks")
}

// governanceStackNames are the Governance stacks env must have.
func governanceStackNames(env *config.Environment) []string {
	g := env.Governance
	var out []string
	for _, region := range env.BackupRegions() {
		own := slices.ContainsFunc(env.Regions, func(r config.Region) bool { return r.Name == region })
		trail := region == env.PrimaryRegion && g.CloudTrail.Enabled
		if g.Backup.Enabled || own && (g.AwsConfig.Enabled || trail) {
			out = append(out, stackName(env, "Governance", region))
		}
	}
	return out
}

// naclParts returns the resources of typ (entries, associations) that belong to the NACL nacl.
func naclParts(tpl *Template, typ, nacl string) ([]string, map[string]Resource) {
	ids, all := tpl.OfType(typ)
	var out []string
	parts := map[string]Resource{}
	for _, id := range ids {
		if ref(all[id].Properties["NetworkAclId"]) == nacl {
			out = append(out, id)
			parts[id] = all[id]
		}
	}
	return out, parts
}

// envTemplates are env's stacks.
func envTemplates(a *Assembly, env *config.Environment) []*Template {
	var out []*Template
	for _, name := range a.StackNames() {
		if a.Templates[name].Env == env {
			out = append(out, a.Templates[name])
		}
	}
	return out
}

func checkTrail(c *C, a *Assembly) {
	for _, env := range a.Envs {
		var trails []*Template
		for _, tpl := range envTemplates(a, env) {
			if ids, _ := tpl.OfType("AWS::CloudTrail::Trail"); len(ids) > 0 {
				assert.Len(c, ids, 1, "%s: trails", tpl.StackName)
				trails = append(trails, tpl)
			}
		}
		ct := env.Governance.CloudTrail
		if !ct.Enabled {
			assert.Empty(c, trails, "%s: cloudTrail.enabled is false (an organization trail records the account)", env.Name)
			continue
		}
		require.Len(c, trails, 1, "%s: one trail for the account, not one per region", env.Name)
		tpl := trails[0]
		assert.Equal(c, stackName(env, "Governance", env.PrimaryRegion), tpl.StackName, "%s: the trail lives in the primary region", env.Name)
		_, all := tpl.OfType("AWS::CloudTrail::Trail")
		for _, trail := range all {
			p := trail.Properties
			for _, key := range []string{"IsMultiRegionTrail", "EnableLogFileValidation", "IncludeGlobalServiceEvents", "IsLogging"} {
				assert.Equal(c, true, p[key], "%s: trail %s", env.Name, key)
			}
			assert.NotEmpty(c, ref(p["KMSKeyId"]), "%s: trail encrypted with its key", env.Name)
			assert.NotEmpty(c, ref(p["CloudWatchLogsLogGroupArn"]), "%s: trail delivered to CloudWatch Logs", env.Name)
			selectors := jsonOf(p["AdvancedEventSelectors"])
			assert.Contains(c, selectors, `"Equals":["Management"]`, "%s: management events", env.Name)
			assert.Contains(c, selectors, `"Equals":["AWS::S3::Object"]`, "%s: S3 data events", env.Name)
			bucket, ok := tpl.Resources[ref(p["S3BucketName"])]
			require.True(c, ok, "%s: the trail's bucket is in its stack", env.Name)
			assert.Equal(c, "Retain", bucket.DeletionPolicy, "%s: trail bucket retained", env.Name)
			assert.Equal(c, "Enabled", str(get(bucket.Properties, "VersioningConfiguration", "Status")), "%s: trail bucket versioned", env.Name)
			assert.Equal(c, ct.RetentionDays, num(get(asList(get(bucket.Properties, "LifecycleConfiguration", "Rules"))[0], "ExpirationInDays")),
				"%s: trail bucket lifecycle", env.Name)
			lock := get(bucket.Properties, "ObjectLockConfiguration", "Rule", "DefaultRetention")
			if ct.ObjectLockDays > 0 {
				assert.Equal(c, "COMPLIANCE", str(get(lock, "Mode")), "%s: Object Lock", env.Name)
				assert.Equal(c, ct.ObjectLockDays, num(get(lock, "Days")), "%s: Object Lock days", env.Name)
			} else {
				assert.Nil(c, lock, "%s: no Object Lock when objectLockDays is 0", env.Name)
			}
			tlsOnly := false
			_, policies := tpl.OfType("AWS::S3::BucketPolicy")
			for _, bp := range policies {
				if ref(bp.Properties["Bucket"]) == ref(p["S3BucketName"]) {
					tlsOnly = strings.Contains(jsonOf(bp.Properties), `"aws:SecureTransport":"false"`)
				}
			}
			assert.True(c, tlsOnly, "%s: trail bucket denies plain HTTP", env.Name)
		}
	}
}

func checkConfigRecorders(c *C, a *Assembly) {
	for _, env := range a.Envs {
		for _, r := range env.Regions {
			var recorders, channels, rules []Resource
			for _, tpl := range envTemplates(a, env) {
				if tpl.Region != r.Name {
					continue
				}
				_, rec := tpl.OfType("AWS::Config::ConfigurationRecorder")
				_, ch := tpl.OfType("AWS::Config::DeliveryChannel")
				_, ru := tpl.OfType("AWS::Config::ConfigRule")
				for _, m := range []struct {
					from map[string]Resource
					to   *[]Resource
				}{{rec, &recorders}, {ch, &channels}, {ru, &rules}} {
					for _, res := range m.from {
						*m.to = append(*m.to, res)
					}
				}
			}
			if !env.Governance.AwsConfig.Enabled {
				assert.Empty(c, recorders, "%s %s: awsConfig.enabled is false", env.Name, r.Name)
				assert.Empty(c, rules, "%s %s: awsConfig.enabled is false", env.Name, r.Name)
				continue
			}
			require.Len(c, recorders, 1, "%s %s: one recorder", env.Name, r.Name)
			assert.Len(c, channels, 1, "%s %s: one delivery channel", env.Name, r.Name)
			group := recorders[0].Properties["RecordingGroup"]
			assert.Equal(c, true, get(group, "AllSupported"), "%s %s: every resource type", env.Name, r.Name)
			assert.Equal(c, r.Name == env.PrimaryRegion, get(group, "IncludeGlobalResourceTypes"), "%s %s: global types in the primary region only", env.Name, r.Name)
			var identifiers []string
			for _, rule := range rules {
				identifiers = append(identifiers, str(get(rule.Properties, "Source", "SourceIdentifier")))
			}
			want := slices.Clone(audit.RegionalRules)
			if r.Name == env.PrimaryRegion {
				want = append(want, audit.GlobalRules...)
			}
			assert.ElementsMatch(c, want, identifiers, "%s %s: managed rules", env.Name, r.Name)
		}
	}
}

func checkBackups(c *C, a *Assembly) {
	for _, env := range a.Envs {
		b := env.Governance.Backup
		vaults := map[string]Resource{}
		var plans []Resource
		var planRegions []string
		for _, tpl := range envTemplates(a, env) {
			_, vs := tpl.OfType("AWS::Backup::BackupVault")
			for _, v := range vs {
				vaults[tpl.Region] = v
			}
			_, ps := tpl.OfType("AWS::Backup::BackupPlan")
			for _, p := range ps {
				plans = append(plans, p)
				planRegions = append(planRegions, tpl.Region)
			}
			// Only the primary region's writable databases carry the backup tag.
			for _, typ := range []string{"AWS::RDS::DBCluster", "AWS::RDS::DBInstance"} {
				_, dbs := tpl.OfType(typ)
				for id, db := range dbs {
					tagged := tags(db)[stacks.BackupTagKey] == env.Name
					aurora := typ == "AWS::RDS::DBCluster"
					member := typ == "AWS::RDS::DBInstance" && db.Properties["DBClusterIdentifier"] != nil
					secondary := db.Properties["GlobalClusterIdentifier"] != nil && tpl.Region != env.PrimaryRegion
					want := b.Enabled && tpl.Region == env.PrimaryRegion && (aurora || !member) && !secondary
					assert.Equal(c, want, tagged, "%s: %s %s tagged %s=%s", tpl.StackName, typ, id, stacks.BackupTagKey, env.Name)
				}
			}
		}
		if !b.Enabled {
			assert.Empty(c, vaults, "%s: backup.enabled is false", env.Name)
			assert.Empty(c, plans, "%s: backup.enabled is false", env.Name)
			continue
		}
		assert.ElementsMatch(c, env.BackupRegions(), keysOf(vaults), "%s: a vault in every region and the DR region", env.Name)
		for region, v := range vaults {
			assert.Equal(c, stacks.VaultName(env, region), str(v.Properties["BackupVaultName"]), "%s %s: vault name", env.Name, region)
			assert.NotEmpty(c, ref(v.Properties["EncryptionKeyArn"]), "%s %s: vault encrypted with a customer key", env.Name, region)
			lock := get(v.Properties, "LockConfiguration", "MinRetentionDays")
			if b.VaultLockDays > 0 {
				assert.Equal(c, b.VaultLockDays, num(lock), "%s %s: vault lock", env.Name, region)
			} else {
				assert.Nil(c, lock, "%s %s: no vault lock", env.Name, region)
			}
			assert.Equal(c, "Retain", v.DeletionPolicy, "%s %s: vault retained", env.Name, region)
			assert.Equal(c, []any{map[string]any{
				"Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Resource": "*",
				"Action": []any{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"},
			}}, get(v.Properties, "AccessPolicy", "Statement"), "%s %s: no one deletes a recovery point before its lifecycle ends", env.Name, region)
		}
		require.Len(c, plans, 1, "%s: one plan, in the primary region (%v)", env.Name, planRegions)
		assert.Equal(c, env.PrimaryRegion, planRegions[0], "%s: the plan's region", env.Name)
		checkBackupFailuresReported(c, a, env)
		rules := asList(get(plans[0].Properties, "BackupPlan", "BackupPlanRule"))
		require.Len(c, rules, 2, "%s: daily and monthly rules", env.Name)
		copyTo := env.BackupCopyRegion(env.PrimaryRegion)
		for i, keep := range []int{b.DailyRetentionDays, b.MonthlyRetentionDays} {
			assert.Equal(c, keep, num(get(rules[i], "Lifecycle", "DeleteAfterDays")), "%s: rule %d retention", env.Name, i)
			copies := asList(get(rules[i], "CopyActions"))
			if copyTo == "" {
				assert.Empty(c, copies, "%s: a single-region environment without drRegion copies nothing", env.Name)
				continue
			}
			if assert.Len(c, copies, 1, "%s: rule %d copies", env.Name, i) {
				dest := literal(get(copies[0], "DestinationBackupVaultArn"))
				assert.Contains(c, dest, fmt.Sprintf(":backup:%s:%s:backup-vault:%s", copyTo, env.Account, stacks.VaultName(env, copyTo)), "%s: copy destination", env.Name)
				assert.Equal(c, keep, num(get(copies[0], "Lifecycle", "DeleteAfterDays")), "%s: copies kept as long", env.Name)
			}
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// guardedAdminActions are the key-administration actions whose loss would let another principal
// take a key over or destroy it: the policy, deletion, disabling, rotation and aliases.
var guardedAdminActions = []string{
	"kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:DisableKeyRotation",
	"kms:CreateAlias", "kms:UpdateAlias", "kms:DeleteAlias",
}

func checkKeyPolicies(c *C, a *Assembly) {
	for _, tpl := range a.Templates {
		assertKeysGuarded(c, tpl, fmt.Sprintf("-cfn-exec-role-%s-%s", tpl.Env.Account, tpl.Region))
	}
}

// assertKeysGuarded checks that every customer key of tpl carries keys.Guard's statements, with
// the role that deploys the stack (named by role) as the only administrator, and returns how many
// keys it checked.
func assertKeysGuarded(c assert.TestingT, tpl *Template, role string) int {
	_, all := tpl.OfType("AWS::KMS::Key")
	for id, key := range all {
		bySid := map[string]any{}
		for _, st := range asList(get(key.Properties, "KeyPolicy", "Statement")) {
			bySid[str(get(st, "Sid"))] = st
		}
		grants, admin := bySid[keys.GrantsForAWSResourcesSid], bySid[keys.AdministratorOnlySid]
		if assert.NotNil(c, grants, "%s: key %s lets grants go to any principal", tpl.StackName, id) {
			assert.Equal(c, "Deny", str(get(grants, "Effect")))
			assert.Equal(c, "false", str(get(grants, "Condition", "Bool", "kms:GrantIsForAWSResource")), "%s: key %s", tpl.StackName, id)
		}
		if assert.NotNil(c, admin, "%s: key %s can be administered by anyone", tpl.StackName, id) {
			assert.Equal(c, "Deny", str(get(admin, "Effect")))
			assert.Subset(c, stringList(get(admin, "Action")), guardedAdminActions, "%s: key %s: what only its administrator may do", tpl.StackName, id)
			assert.Contains(c, literal(get(admin, "Condition", "ArnNotEquals", "aws:PrincipalArn")), role, "%s: key %s administrator", tpl.StackName, id)
		}
	}
	return len(all)
}

func checkContainerMemory(c *C, a *Assembly) {
	tasks := 0
	for _, tpl := range a.Templates {
		_, all := tpl.OfType("AWS::ECS::TaskDefinition")
		for id, task := range all {
			tasks++
			total := 0
			for _, d := range asList(task.Properties["ContainerDefinitions"]) {
				limit := num(get(d, "Memory"))
				assert.Positive(c, limit, "%s: %s container %s has no hard memory limit", tpl.StackName, id, str(get(d, "Name")))
				total += limit
			}
			assert.LessOrEqual(c, total, num(task.Properties["Memory"]), "%s: %s containers' limits exceed the task's memory", tpl.StackName, id)
		}
	}
	assert.Positive(c, tasks, "%s: no task definitions", a.Name)
}

func checkDenyLists(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		denied := tpl.Env.Network.DeniedCidrs
		ids, _ := tpl.OfType("AWS::EC2::NetworkAcl")
		var guards []string
		for _, id := range ids {
			if !strings.HasPrefix(id, "NetworkDataNacl") {
				guards = append(guards, id)
			}
		}
		if len(denied) == 0 {
			assert.Empty(c, guards, "%s: no deny list, no extra NACL", tpl.StackName)
			continue
		}
		require.Len(c, guards, 2, "%s: a NACL each for the public and app subnets", tpl.StackName)
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		var tiers []string
		for _, nacl := range guards {
			_, assocs := naclParts(tpl, "AWS::EC2::SubnetNetworkAclAssociation", nacl)
			tier := ""
			for _, as := range assocs {
				tier = tags(subnets[ref(as.Properties["SubnetId"])])["aws-cdk:subnet-name"]
			}
			assert.Len(c, assocs, len(region.AvailabilityZones), "%s: %s covers every zone", tpl.StackName, nacl)
			tiers = append(tiers, tier)
			_, entries := naclParts(tpl, "AWS::EC2::NetworkAclEntry", nacl)
			var got []string
			for _, e := range entries {
				p := e.Properties
				dir := "in"
				if p["Egress"] == true {
					dir = "out"
				}
				got = append(got, fmt.Sprintf("%s %d %s %s", dir, num(p["RuleNumber"]), str(p["CidrBlock"]), str(p["RuleAction"])))
			}
			var want []string
			for _, dir := range []string{"in", "out"} {
				for i, cidr := range denied {
					want = append(want, fmt.Sprintf("%s %d %s deny", dir, i+1, cidr))
				}
				want = append(want, dir+" 100 0.0.0.0/0 allow")
			}
			assert.ElementsMatch(c, want, got, "%s: %s entries", tpl.StackName, nacl)
		}
		assert.ElementsMatch(c, []string{"Public", "App"}, tiers, "%s: guarded tiers", tpl.StackName)
	}
}

// governanceOff is the fixture environments as accounts under an organization trail and Control
// Tower would run them: trail and AWS Config off everywhere, backups off in dev and staging, and
// prod's backups on without a vault lock; dev gains a deny list and staging loses its own.
var governanceOff = newVariant("governance off", func() ([]*config.Environment, error) {
	var envs []*config.Environment
	for _, name := range []string{"dev", "staging", "prod"} {
		env, err := fixture(name)
		if err != nil {
			return nil, err
		}
		g := &env.Governance
		g.CloudTrail.Enabled, g.AwsConfig.Enabled = false, false
		g.Backup.Enabled, g.Backup.VaultLockDays = name == "prod", 0
		env.Network.DeniedCidrs = map[string][]string{"dev": {"203.0.113.0/24"}, "staging": {}, "prod": {"198.51.100.0/24"}}[name]
		envs = append(envs, env)
	}
	return envs, nil
})

// TestGovernanceSwitchesOff: with governance off (governanceOff) the governance checks hold too,
// only prod has Governance stacks and backup tags.
func TestGovernanceSwitchesOff(t *testing.T) {
	a := governanceOff.Assembly(t)
	for _, ch := range governanceChecks {
		t.Run(ch.name, func(t *testing.T) { assert.Empty(t, ch.runOn(a)) })
	}
	var governance []string
	for _, name := range a.StackNames() {
		if strings.Contains(name, "-Governance-") {
			governance = append(governance, name)
		}
	}
	assert.Equal(t, []string{"Prod-Governance-eu-west-1", "Prod-Governance-us-east-1"}, governance, "only prod's backups are on")
	tagged := map[string]int{}
	for _, tpl := range a.Templates {
		for _, r := range tpl.Resources {
			if _, ok := tags(r)[stacks.BackupTagKey]; ok {
				tagged[tpl.Env.Name]++
			}
		}
	}
	assert.Equal(t, map[string]int{"prod": 3}, tagged, "backup tags on prod's three primary clusters only")
}

// isDenyListNacl reports whether nacl is a public or app subnet NACL whose first rules deny the
// environment's configured ranges.
func isDenyListNacl(tpl *Template, nacl string) bool {
	if tpl.Env == nil || len(tpl.Env.Network.DeniedCidrs) == 0 || strings.HasPrefix(nacl, "NetworkDataNacl") {
		return false
	}
	_, entries := naclParts(tpl, "AWS::EC2::NetworkAclEntry", nacl)
	denies := 0
	for _, e := range entries {
		if str(e.Properties["RuleAction"]) == "deny" && num(e.Properties["RuleNumber"]) <= len(tpl.Env.Network.DeniedCidrs) {
			denies++
		}
	}
	return denies == 2*len(tpl.Env.Network.DeniedCidrs)
}

// checkBackupFailuresReported: the primary region's failed backup jobs (and failed copies, where
// the plan copies) reach its alarm topic, whose key and policy let EventBridge publish there only.
func checkBackupFailuresReported(c *C, a *Assembly, env *config.Environment) {
	want := []string{"Backup Job State Change"}
	if env.BackupCopyRegion(env.PrimaryRegion) != "" {
		want = append(want, "Copy Job State Change")
	}
	var got []string
	for _, tpl := range envTemplates(a, env) {
		_, rules := tpl.OfType("AWS::Events::Rule")
		_, alarms := tpl.OfType("AWS::CloudWatch::Alarm")
		for id, r := range rules {
			pattern := r.Properties["EventPattern"]
			if jsonOf(get(pattern, "source")) != `["aws.backup"]` {
				continue
			}
			assert.Equal(c, env.PrimaryRegion, tpl.Region, "%s %s: backup rules are in the primary region", tpl.StackName, id)
			got = append(got, str(asList(get(pattern, "detail-type"))[0]))
			targets := asList(r.Properties["Targets"])
			if assert.Len(c, targets, 1, "%s %s", tpl.StackName, id) {
				topic := fmt.Sprintf("arn:aws:sns:%s:%s:%s", tpl.Region, env.Account, stacks.TopicName(env, tpl.Region))
				assert.Equal(c, topic, str(get(targets[0], "Arn")), "%s %s: the region's alarm topic", tpl.StackName, id)
			}
			assert.NotEmpty(c, asList(get(pattern, "detail", "state")), "%s %s: failures only", tpl.StackName, id)
			// A message the rule cannot deliver raises a ticket through CloudWatch instead.
			watched := false
			for _, al := range alarms {
				if str(al.Properties["MetricName"]) == "FailedInvocations" && jsonOf(al.Properties["Dimensions"]) == `[{"Name":"RuleName","Value":{"Ref":"`+id+`"}}]` {
					watched = true
					assert.Equal(c, jsonOf(al.Properties["AlarmActions"]), jsonOf(al.Properties["OKActions"]), "%s %s: the delivery alarm's actions", tpl.StackName, id)
					assert.Contains(c, jsonOf(al.Properties["AlarmActions"]), stacks.TopicName(env, tpl.Region), "%s %s: the delivery alarm notifies the region's topic", tpl.StackName, id)
				}
			}
			assert.True(c, watched, "%s %s: no alarm on the rule's FailedInvocations", tpl.StackName, id)
		}
		if tpl.StackName != stacks.StackName(env.Name, "Network", tpl.Region) {
			continue
		}
		eventsMayPublish := false
		_, policies := tpl.OfType("AWS::SNS::TopicPolicy")
		for _, p := range policies {
			eventsMayPublish = eventsMayPublish || strings.Contains(jsonOf(p.Properties), "events.amazonaws.com")
		}
		assert.Equal(c, tpl.Region == env.PrimaryRegion, eventsMayPublish, "%s: EventBridge may publish to the alarm topic only where the backup rules are", tpl.StackName)
	}
	assert.ElementsMatch(c, want, got, "%s: rules for failed backup jobs (and copies)", env.Name)
}

// governanceMutants join the mutation suite: each governance check must catch a plausible
// regression of what it guards.
var governanceMutants = []mutant{
	{"failed backup jobs stop reaching on-call", false, "Prod-Governance-us-east-1", "AWS::Events::Rule", "BackupBackupJobFailures",
		set("Targets", []any{})},
	{"nothing notices when the failed-copy messages cannot be delivered", false, "Prod-Governance-us-east-1", "AWS::CloudWatch::Alarm", "BackupDeliveryAlarmsCopyJobReportUndelivered",
		set("Dimensions", []any{})},
	{"the trail stops validating log files", false, "Prod-Governance-us-east-1", "AWS::CloudTrail::Trail", "Trail",
		set("EnableLogFileValidation", false)},
	{"the trail stops logging S3 data events", false, "Prod-Governance-us-east-1", "AWS::CloudTrail::Trail", "Trail",
		set("AdvancedEventSelectors", []any{map[string]any{"FieldSelectors": []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Management"}}}}})},
	{"the trail bucket loses its Object Lock", false, "Prod-Governance-us-east-1", "AWS::S3::Bucket", "TrailArchive7",
		set("ObjectLockConfiguration", nil)},
	{"the primary region's recorder stops recording IAM", false, "Prod-Governance-us-east-1", "AWS::Config::ConfigurationRecorder", "Config",
		set("RecordingGroup.IncludeGlobalResourceTypes", false)},
	{"a promised Config rule disappears", false, "Staging-Governance-us-east-1", "AWS::Config::ConfigRule", "ConfigRDS",
		func(_ *Resource, tpl *Template) {
			delete(tpl.Resources, tpl.withFirst("AWS::Config::ConfigRule", "ConfigRDS"))
		}},
	{"daily recovery points expire early", false, "Prod-Governance-us-east-1", "AWS::Backup::BackupPlan", "Backup",
		set("BackupPlan.BackupPlanRule.0.Lifecycle.DeleteAfterDays", float64(7))},
	{"monthly recovery points are no longer copied to the other region", false, "Prod-Governance-us-east-1", "AWS::Backup::BackupPlan", "Backup",
		set("BackupPlan.BackupPlanRule.1.CopyActions", nil)},
	{"the DR vault loses its lock", false, "Prod-Governance-eu-west-1", "AWS::Backup::BackupVault", "Backup",
		set("LockConfiguration", nil)},
	{"a vault lets its recovery points be deleted", false, "Staging-Governance-us-east-1", "AWS::Backup::BackupVault", "Backup",
		set("AccessPolicy", nil)},
	{"a database drops out of the backup plan", false, "Prod-ServiceData-order-us-east-1", "AWS::RDS::DBCluster", "OrderDatabaseCluster",
		set("Tags", nil)},
	{"a key lets grants go to any principal", false, "Prod-Data-us-east-1", "AWS::KMS::Key", "",
		func(r *Resource, _ *Template) {
			var kept []any
			for _, st := range asList(get(r.Properties, "KeyPolicy", "Statement")) {
				if str(get(st, "Sid")) != keys.GrantsForAWSResourcesSid {
					kept = append(kept, st)
				}
			}
			setPath(r.Properties, "KeyPolicy.Statement", kept)
		}},
	{"the application container loses its hard memory limit", false, "Dev-Service-order-us-east-1", "AWS::ECS::TaskDefinition", "",
		set("ContainerDefinitions.0.Memory", nil)},
	{"a deny-list entry allows its range", false, "Staging-Network-us-east-1", "AWS::EC2::NetworkAclEntry", "NetworkPublicNaclDenyIn0",
		set("RuleAction", "allow")},
}

func init() { mutants = append(mutants, governanceMutants...) }

// rotatedSecrets are the logical-id prefixes of the secrets constructs/rotation rotates.
var rotatedSecrets = map[string]bool{"OriginSecret": true, "CacheAuthSecret": true}

// checkRotation: the primary region rotates the origin secret, every region owning a cache token
// (all without a Global Datastore, its primary with one) rotates it, each with a function with
// reserved concurrency and an alarm to the region's topic, and no secret keeps the no-rotation
// suppression; the ALBs, the distribution and the services carry the tags the functions look for.
func checkRotation(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Data") {
		env, rot := tpl.Env, tpl.Env.Governance.Rotation
		want := map[string]string{}
		if tpl.Region == env.PrimaryRegion {
			want["OriginSecret"] = fmt.Sprintf("rate(%d days)", rot.OriginSecretDays)
		}
		if !env.Cache.GlobalDatastore || tpl.Region == env.PrimaryRegion {
			want["CacheAuthSecret"] = fmt.Sprintf("rate(%d days)", rot.CacheTokenDays)
		}
		got := map[string]string{}
		_, schedules := tpl.OfType("AWS::SecretsManager::RotationSchedule")
		for _, s := range schedules {
			secret := ref(s.Properties["SecretId"])
			owner := ""
			for o := range rotatedSecrets {
				if strings.HasPrefix(secret, o) {
					owner = o
				}
			}
			if owner == "" {
				continue // a database master secret: hosted rotation, checked with the databases
			}
			got[owner] = str(get(s.Properties["RotationRules"], "ScheduleExpression"))
			assert.Equal(c, false, s.Properties["RotateImmediatelyOnUpdate"], "%s: %s must not rotate at deploy", tpl.StackName, secret)
		}
		assert.Equal(c, want, got, "%s: rotation schedules", tpl.StackName)

		_, functions := tpl.OfType("AWS::Lambda::Function")
		rotators := 0
		for id, f := range functions {
			if strings.HasPrefix(id, "OriginSecretRotation") || strings.HasPrefix(id, "CacheRotation") {
				rotators++
				assert.EqualValues(c, 1, f.Properties["ReservedConcurrentExecutions"], "%s: %s", tpl.StackName, id)
				assert.Nil(c, f.Properties["VpcConfig"], "%s: %s needs no VPC", tpl.StackName, id)
			}
		}
		assert.Equal(c, len(want), rotators, "%s: one rotation function per schedule", tpl.StackName)

		_, alarms := tpl.OfType("AWS::CloudWatch::Alarm")
		alarmed := 0
		for _, al := range alarms {
			// The region's view holds the databases' too (checkDatabaseRotationAlarms).
			if name := str(al.Properties["AlarmName"]); strings.HasSuffix(name, "RotationFailed") && !strings.HasSuffix(name, "-databaseRotationFailed") {
				alarmed++
				assert.NotEmpty(c, asList(al.Properties["AlarmActions"]), "%s: a rotation alarm notifies the topic", tpl.StackName)
				assert.Contains(c, str(al.Properties["AlarmDescription"]), "secret-rotation.md")
			}
		}
		assert.Equal(c, len(want), alarmed, "%s: one alarm per rotation", tpl.StackName)

		raw, err := os.ReadFile(tpl.Path)
		require.NoError(c, err)
		assert.NotContains(c, string(raw), "AwsSolutions-SMG4", "%s: a rotated secret needs no rotation suppression", tpl.StackName)
		assert.NotContains(c, string(raw), "SecretsManagerRotationEnabled", tpl.StackName)
	}
	for _, tpl := range requireStacks(c, a, "App") {
		_, lbs := tpl.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer")
		for id, lb := range lbs {
			assert.Equal(c, stacks.OriginSecretName(tpl.Env), tags(lb)[rotation.OriginTagKey], "%s: %s", tpl.StackName, id)
		}
	}
	for _, tpl := range requireStacks(c, a, "Edge") {
		_, dists := tpl.OfType("AWS::CloudFront::Distribution")
		require.Len(c, dists, 1, tpl.StackName)
		for _, d := range dists {
			assert.Equal(c, stacks.OriginSecretName(tpl.Env), tags(d)[rotation.OriginTagKey], tpl.StackName)
		}
	}
	for _, tpl := range requireStacks(c, a, "Service") {
		_, services := tpl.OfType("AWS::ECS::Service")
		for id, svc := range services {
			assert.Equal(c, stacks.CacheAuthSecretName(tpl.Env), tags(svc)[rotation.CacheTagKey], "%s: %s", tpl.StackName, id)
		}
	}
}

// TestServicesActOnlyForThisAccount: the AWS services whose guides ask for confused-deputy
// conditions act only for the environment's account: RDS enhanced monitoring and AWS Config
// assume their roles under aws:SourceAccount, Secrets Manager invokes the rotation functions
// with SourceAccount on their permission, and CloudTrail may write to the trail's archive bucket
// only for the environment's trail (aws:SourceArn).
func TestServicesActOnlyForThisAccount(t *testing.T) {
	conditioned := map[string]int{}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, name := range a.StackNames() {
			tpl := a.Templates[name]
			_, roles := tpl.OfType("AWS::IAM::Role")
			for id, r := range roles {
				for _, s := range asList(get(r.Properties, "AssumeRolePolicyDocument", "Statement")) {
					service := fmt.Sprint(get(s, "Principal", "Service"))
					if service != "monitoring.rds.amazonaws.com" && service != "config.amazonaws.com" {
						continue
					}
					conditioned[service]++
					assert.Equal(t, tpl.Env.Account, get(s, "Condition", "StringEquals", "aws:SourceAccount"),
						"%s: %s: %s assumes the role for any account", name, id, service)
				}
			}
			_, bucketPolicies := tpl.OfType("AWS::S3::BucketPolicy")
			for id, p := range bucketPolicies {
				for _, s := range asList(get(p.Properties, "PolicyDocument", "Statement")) {
					if get(s, "Principal", "Service") == "cloudtrail.amazonaws.com" && get(s, "Effect") == "Allow" {
						conditioned["cloudtrail"]++
						trail := fmt.Sprintf("arn:aws:cloudtrail:%s:%s:trail/stratus-%s", tpl.Region, tpl.Env.Account, tpl.Env.Name)
						assert.Equal(t, trail, get(s, "Condition", "StringEquals", "aws:SourceArn"),
							"%s: %s: CloudTrail may write %v for any trail", name, id, get(s, "Action"))
					}
				}
			}
			_, permissions := tpl.OfType("AWS::Lambda::Permission")
			for id, p := range permissions {
				if p.Properties["Principal"] == "secretsmanager.amazonaws.com" {
					conditioned["secretsmanager"]++
					assert.Equal(t, tpl.Env.Account, p.Properties["SourceAccount"], "%s: %s: Secrets Manager may invoke for any account", name, id)
				}
			}
		}
	}
	for _, service := range []string{"monitoring.rds.amazonaws.com", "config.amazonaws.com", "secretsmanager", "cloudtrail"} {
		assert.NotZero(t, conditioned[service], "no %s grant was checked", service)
	}
}
