package config

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// denied gives baseYAML's network a deniedCidrs list (line 13).
func denied(list string) edit {
	return edit{"  flowLogRetentionDays: 365\n", "  flowLogRetentionDays: 365\n  deniedCidrs: " + list + "\n"}
}

// loadProblems loads baseYAML with edits and returns its error lines without the file name.
func loadProblems(t *testing.T, edits ...edit) []string {
	t.Helper()
	p := writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, edits))
	env, err := Load(p)
	require.Error(t, err, "Load succeeded")
	assert.Nil(t, env)
	lines := errorLines(err)
	for i, l := range lines {
		lines[i] = strings.TrimPrefix(l, p)
	}
	return lines
}

func TestGovernanceBadInputIsRejected(t *testing.T) {
	// governance: is inserted at line 19; its keys follow.
	cases := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"a trail retention too short", []edit{section("governance", "  cloudTrail:\n    retentionDays: 30\n")},
			[]string{":21: governance.cloudTrail.retentionDays 30: out of range (allowed: 90-3653 days)"}},
		{"Object Lock longer than the retention", []edit{section("governance", "  cloudTrail:\n    retentionDays: 365\n    objectLockDays: 400\n")},
			[]string{":22: governance.cloudTrail.objectLockDays 400: longer than governance.cloudTrail.retentionDays 365 (a locked log file cannot expire; allowed: 0-365)"}},
		{"a negative Object Lock", []edit{section("governance", "  cloudTrail:\n    objectLockDays: -1\n")},
			[]string{":21: governance.cloudTrail.objectLockDays -1: out of range (allowed: 0-3653 days; 0 turns Object Lock off)"}},
		{"a log retention CloudWatch refuses", []edit{section("governance", "  cloudTrail:\n    logRetentionDays: 100\n")},
			[]string{":21: governance.cloudTrail.logRetentionDays 100: not a retention CloudWatch Logs accepts (allowed: " + joinInts(limits.LogRetentionDays) + ")"}},
		{"a switch that is not a bool", []edit{section("governance", "  cloudTrail:\n    enabled: maybe\n")},
			[]string{":21: governance.cloudTrail.enabled: must be a boolean (true or false), got a string \"maybe\""}},
		{"an unknown governance key", []edit{section("governance", "  guardDuty: true\n")},
			[]string{":20: governance.guardDuty: unknown key (allowed: cloudTrail, awsConfig, backup, rotation)"}},
		{"a Config retention too long", []edit{section("governance", "  awsConfig:\n    retentionDays: 4000\n")},
			[]string{":21: governance.awsConfig.retentionDays 4000: out of range (allowed: 90-3653 days)"}},
		{"no daily retention", []edit{section("governance", "  backup:\n    dailyRetentionDays: 0\n")},
			[]string{":21: governance.backup.dailyRetentionDays 0: out of range (allowed: 1-36500 days)"}},
		{"a monthly retention under a month", []edit{section("governance", "  backup:\n    monthlyRetentionDays: 7\n")},
			[]string{":21: governance.backup.monthlyRetentionDays 7: out of range (allowed: 30-36500 days)"}},
		{"a vault lock longer than a retention", []edit{section("governance", "  backup:\n    dailyRetentionDays: 7\n    vaultLockDays: 30\n")},
			[]string{":22: governance.backup.vaultLockDays 30: longer than the shortest retention, 7 days (the vault would refuse those recovery points; allowed: 0-7)"}},
		{"a DR region that is the environment's own", []edit{section("governance", "  backup:\n    drRegion: us-east-1\n")},
			[]string{`:21: governance.backup.drRegion "us-east-1": the environment's own region; a copy must go to another region`}},
		{"an unknown DR region", []edit{section("governance", "  backup:\n    drRegion: mars-1\n")},
			[]string{`:21: governance.backup.drRegion "mars-1": unknown region (allowed: ` + strings.Join(SupportedRegions(), ", ") + ")"}},
		{"a DR region in a multi-region environment", []edit{
			{"network:\n", "  - name: eu-west-1\n    cidr: 10.2.0.0/16\n    availabilityZones:\n      - name: eu-west-1a\n      - name: eu-west-1b\nnetwork:\n"},
			section("governance", "  backup:\n    drRegion: us-west-2\n"), {"cache:\n", "database:\n  globalDatabase: true\ncache:\n"}},
			[]string{`:28: governance.backup.drRegion "us-west-2": only for a single-region environment; with several regions each copies its recovery points to another of regions[] (remove drRegion)`}},
		{"no origin secret rotation", []edit{section("governance", "  rotation:\n    originSecretDays: 0\n")},
			[]string{":21: governance.rotation.originSecretDays 0: out of range (allowed: 1-365 days)"}},
		{"a cache token that lives too long", []edit{section("governance", "  rotation:\n    cacheTokenDays: 400\n")},
			[]string{":21: governance.rotation.cacheTokenDays 400: out of range (allowed: 1-365 days)"}},
		{"a rotation period that is not a number", []edit{section("governance", "  rotation:\n    cacheTokenDays: monthly\n")},
			[]string{":21: governance.rotation.cacheTokenDays: must be an integer, got a string \"monthly\" (allowed: 1–365)"}},
		{"an unknown rotation key", []edit{section("governance", "  rotation:\n    databaseDays: 30\n")},
			[]string{":21: governance.rotation.databaseDays: unknown key (allowed: originSecretDays, cacheTokenDays)"}},
		{"a denied range that is not a CIDR", []edit{denied("[203.0.113.9]")},
			[]string{`:13: network.deniedCidrs[0] "203.0.113.9": not an IPv4 network CIDR (e.g. 203.0.113.0/24)`}},
		{"a denied host with a network prefix", []edit{denied("[203.0.113.9/24]")},
			[]string{`:13: network.deniedCidrs[0] "203.0.113.9/24": not an IPv4 network CIDR (e.g. 203.0.113.0/24)`}},
		{"an IPv6 range", []edit{denied("[\"2001:db8::/32\"]")},
			[]string{`:13: network.deniedCidrs[0] "2001:db8::/32": not an IPv4 network CIDR (e.g. 203.0.113.0/24)`}},
		{"denying everything", []edit{denied("[0.0.0.0/0]")},
			[]string{`:13: network.deniedCidrs[0] "0.0.0.0/0": would deny every address (list the ranges to block)`}},
		{"denying the VPC", []edit{denied("[10.1.8.0/22]")},
			[]string{`:13: network.deniedCidrs[0] "10.1.8.0/22": overlaps the VPC of us-east-1 (10.1.0.0/16); a deny list blocks outside ranges only`}},
		{"denying Route 53's health checkers", []edit{denied("[15.177.0.0/16]")},
			[]string{`:13: network.deniedCidrs[0] "15.177.0.0/16": overlaps 15.177.0.0/18, a range Route 53's health checkers use; denying it makes every origin look unhealthy`}},
		{"a range twice", []edit{denied("[192.0.2.0/24, 192.0.2.0/24]")},
			[]string{`:13: network.deniedCidrs[1] "192.0.2.0/24": duplicate of network.deniedCidrs[0]`}},
		{"too many ranges", []edit{denied("[" + ranges(11) + "]")},
			[]string{":13: network.deniedCidrs: 11 entries; at most 10 are allowed (a NACL holds 20 rules per direction)"}},
		{"a range that is not a string", []edit{denied("{a: b}")},
			[]string{":13: network.deniedCidrs: must be a sequence (a list of - items), got a mapping"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, loadProblems(t, tc.edits...))
		})
	}
}

func TestGovernanceSwitchesAndCopyRegions(t *testing.T) {
	p := writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, []edit{
		section("governance", "  cloudTrail:\n    enabled: false\n  awsConfig:\n    enabled: false\n  backup:\n    enabled: false\n    drRegion: eu-west-1\n"),
		denied("[192.0.2.0/24]"),
	}))
	env, err := Load(p)
	require.NoError(t, err)
	assert.False(t, env.Governance.CloudTrail.Enabled)
	assert.False(t, env.Governance.AwsConfig.Enabled)
	assert.False(t, env.Governance.Backup.Enabled)
	assert.Equal(t, []string{"192.0.2.0/24"}, env.Network.DeniedCidrs)
	assert.Equal(t, "eu-west-1", env.BackupCopyRegion("us-east-1"), "a single region copies to drRegion")
	assert.Equal(t, []string{"us-east-1", "eu-west-1"}, env.BackupRegions())

	multi := &Environment{PrimaryRegion: "us-east-1", Regions: []Region{{Name: "us-east-1"}, {Name: "eu-west-1"}, {Name: "us-west-2"}}}
	assert.Equal(t, "eu-west-1", multi.BackupCopyRegion("us-east-1"), "the primary copies to the first other region")
	assert.Equal(t, "us-east-1", multi.BackupCopyRegion("us-west-2"), "a secondary copies to the primary")
	assert.Equal(t, []string{"us-east-1", "eu-west-1", "us-west-2"}, multi.BackupRegions())
	single := &Environment{PrimaryRegion: "us-east-1", Regions: []Region{{Name: "us-east-1"}}}
	assert.Equal(t, "", single.BackupCopyRegion("us-east-1"), "no DR region: no copy")
}

// ranges lists n distinct documentation-free /24s outside 10.0.0.0/8.
func ranges(n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("172.16.%d.0/24", i)
	}
	return strings.Join(out, ", ")
}

func TestBackupsStartClearOfTheInstancesWindows(t *testing.T) {
	instance := svc("    database: postgres\n")
	startAt := func(at string) edit { return section("governance", "  backup:\n    startTime: \""+at+"\"\n") }
	const why = `AWS Backup starts no backup of an RDS instance (web) then, and a job that cannot start within its hour fails or expires`
	const allowed = ` (allowed: a start whose hour is clear of database.maintenanceWindow, database.backupWindow and the hour before each; e.g. "05:30")`
	const meetsMaintenance = ` meets the default database.maintenanceWindow "sun:04:30-sun:05:30" or the hour before it: ` + why + allowed
	cases := []struct {
		name  string
		edits []edit
		want  []string // nil: the file loads
	}{
		{"a start that is not a time of day", []edit{startAt("6am")},
			[]string{`:21: governance.backup.startTime "6am": not a time of day (allowed: hh24:mi in UTC, e.g. "06:00")`}},
		{"a start inside an instance's maintenance window", []edit{instance, startAt("05:00")},
			[]string{`:22: governance.backup.startTime "05:00": on sun the hour backup jobs may start in, 05:00-06:00 UTC,` + meetsMaintenance}},
		{"a start whose hour ends in the hour before maintenance", []edit{instance, startAt("02:31")},
			[]string{`:22: governance.backup.startTime "02:31": on sun the hour backup jobs may start in, 02:31-03:31 UTC,` + meetsMaintenance}},
		{"a start whose hour ends in the hour before the automated backups", []edit{instance, startAt("01:01")},
			[]string{`:22: governance.backup.startTime "01:01": every day the hour backup jobs may start in, 01:01-02:01 UTC, meets the default database.backupWindow "03:00-04:00" or the hour before it: ` +
				why + allowed}},
		{"a start whose hour ends as the hour before the automated backups begins", []edit{instance, startAt("01:00")}, nil},
		{"a start as maintenance ends", []edit{instance, startAt("05:30")}, nil},
		{"a maintenance window moved onto the default start", []edit{instance, section("database", "  maintenanceWindow: sun:06:30-sun:07:30\n")},
			[]string{`:21: database.maintenanceWindow "sun:06:30-sun:07:30": on sun it or the hour before it meets the hour backup jobs may start in after the default governance.backup.startTime "06:00", 06:00-07:00 UTC: ` +
				why + ` (allowed: a governance.backup.startTime whose hour is clear of database.maintenanceWindow, database.backupWindow and the hour before each; e.g. "07:30")`}},
		{"automated backups moved onto the default start", []edit{instance, section("database", "  backupWindow: 06:30-07:00\n")},
			[]string{`:21: database.backupWindow "06:30-07:00": every day it or the hour before it meets the hour backup jobs may start in after the default governance.backup.startTime "06:00", 06:00-07:00 UTC: ` +
				why + ` (allowed: a governance.backup.startTime whose hour is clear of database.maintenanceWindow, database.backupWindow and the hour before each; e.g. "07:00")`}},
		{"a maintenance window across the end of the week", []edit{instance, section("database", "  maintenanceWindow: sun:23:30-mon:00:30\n"), startAt("22:00")},
			[]string{`:24: governance.backup.startTime "22:00": on sun the hour backup jobs may start in, 22:00-23:00 UTC, meets database.maintenanceWindow "sun:23:30-mon:00:30" or the hour before it: ` +
				why + strings.Replace(allowed, `"05:30"`, `"00:30"`, 1)}},
		{"a start clear of a maintenance window across the end of the week", []edit{instance, section("database", "  maintenanceWindow: sun:23:30-mon:00:30\n"), startAt("21:30")}, nil},
		{"windows that leave no start", []edit{instance, section("database", "  maintenanceWindow: mon:00:30-mon:23:00\n  backupWindow: 23:00-23:30\n"), startAt("20:00")},
			[]string{`:25: governance.backup.startTime "20:00": on mon the hour backup jobs may start in, 20:00-21:00 UTC, meets database.maintenanceWindow "mon:00:30-mon:23:00" or the hour before it: ` +
				why + ` (allowed: a start whose hour is clear of database.maintenanceWindow, database.backupWindow and the hour before each; no start fits: shorten database.maintenanceWindow or database.backupWindow)`}},
		{"a start inside the maintenance of the app tier's instance", []edit{ec2, startAt("05:00")},
			[]string{`:23: governance.backup.startTime "05:00": on sun the hour backup jobs may start in, 05:00-06:00 UTC,` + strings.Replace(meetsMaintenance, "(web)", "(tiers)", 1)}},
		{"the same start with Aurora clusters only, which AWS Backup exempts", []edit{startAt("05:00")}, nil},
		{"the same start with backups off", []edit{instance, section("governance", "  backup:\n    enabled: false\n    startTime: \"05:00\"\n")}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.want == nil {
				env, err := Load(writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, tc.edits)))
				require.NoError(t, err)
				assert.NotEmpty(t, env.Governance.Backup.StartTime)
				return
			}
			assert.Equal(t, tc.want, loadProblems(t, tc.edits...))
		})
	}
}
