package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planCheck stands for a health check id a Region switch plan created.
const planCheck, otherCheck = "0123abcd-4567-89ab-cdef-0123456789ab", "89abcdef-0123-4567-89ab-cdef01234567"

func TestRegionSwitchBadInputIsRejected(t *testing.T) {
	// regionSwitch: is inserted at line 19; its keys follow.
	cases := []struct {
		name  string
		edits []edit
		want  []string
	}{
		{"a plan in a single-region environment", []edit{section("regionSwitch", "  enabled: true\n")},
			[]string{":20: regionSwitch.enabled: true needs exactly 2 regions, the environment has 1 (Region switch plans switch between two; remove the key or set it false)"}},
		{"an RTO of zero", []edit{section("regionSwitch", "  recoveryTimeObjectiveMinutes: 0\n")},
			[]string{":20: regionSwitch.recoveryTimeObjectiveMinutes 0: out of range (allowed: 1-10080 minutes)"}},
		{"an RTO over a week", []edit{section("regionSwitch", "  recoveryTimeObjectiveMinutes: 20000\n")},
			[]string{":20: regionSwitch.recoveryTimeObjectiveMinutes 20000: out of range (allowed: 1-10080 minutes)"}},
		{"an approval role that is not a role ARN", []edit{section("regionSwitch", "  approvalRoleArn: dr-approver\n")},
			[]string{`:20: regionSwitch.approvalRoleArn "dr-approver": not an IAM role ARN (e.g. "arn:aws:iam::123456789012:role/dr-approver")`}},
		{"an approval role of another account", []edit{section("regionSwitch", "  approvalRoleArn: arn:aws:iam::999999999999:role/dr\n")},
			[]string{`:20: regionSwitch.approvalRoleArn "arn:aws:iam::999999999999:role/dr": in account 999999999999, not the environment's 123456789012 (allowed: a role of the environment's account)`}},
		{"an approval role without approval", []edit{section("regionSwitch", "  approval: false\n  approvalRoleArn: arn:aws:iam::123456789012:role/dr\n")},
			[]string{`:21: regionSwitch.approvalRoleArn "arn:aws:iam::123456789012:role/dr": set but approval is false (remove the role or set approval: true)`}},
		{"triggers that are not a bool", []edit{section("regionSwitch", "  triggers: sometimes\n")},
			[]string{`:20: regionSwitch.triggers: must be a boolean (true or false), got a string "sometimes"`}},
		{"an unknown key", []edit{section("regionSwitch", "  routingControl: true\n")},
			[]string{":20: regionSwitch.routingControl: unknown key (allowed: enabled, recoveryTimeObjectiveMinutes, approval, approvalRoleArn, triggers, healthCheckIds)"}},
		{"plan health checks without a plan", []edit{section("regionSwitch", "  healthCheckIds: {us-east-1: "+planCheck+"}\n")},
			[]string{":20: regionSwitch.healthCheckIds: only with a Region switch plan (two regions and regionSwitch.enabled)"}},
		{"a plan health check for one region only", []edit{addRegion, globalDB, section("regionSwitch", "  healthCheckIds: {us-east-1: "+planCheck+"}\n")},
			[]string{":27: regionSwitch.healthCheckIds: no health check for eu-west-1 (allowed: one for each of us-east-1, eu-west-1, or none)"}},
		{"a plan health check of another region", []edit{addRegion, globalDB, section("regionSwitch", "  healthCheckIds:\n    us-east-1: "+planCheck+"\n    eu-west-1: "+otherCheck+"\n    us-west-2: "+planCheck+"\n")},
			[]string{":27: regionSwitch.healthCheckIds.us-west-2: not a region of the environment (allowed: us-east-1, eu-west-1)"}},
		{"one plan health check for both regions", []edit{addRegion, globalDB, section("regionSwitch", "  healthCheckIds:\n    us-east-1: "+planCheck+"\n    eu-west-1: "+planCheck+"\n")},
			[]string{`:27: regionSwitch.healthCheckIds.us-east-1 "` + planCheck + `": also given for eu-west-1; each region has a check of its own (aws arc-region-switch list-route53-health-checks lists one per region)`}},
		{"a plan health check that is not an id", []edit{addRegion, globalDB, section("regionSwitch", "  healthCheckIds:\n    us-east-1: "+planCheck+"\n    eu-west-1: hc-1\n")},
			[]string{`:27: regionSwitch.healthCheckIds.eu-west-1 "hc-1": not a Route 53 health check id (a lowercase UUID such as "abcdef01-2345-6789-abcd-ef0123456789")`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, loadProblems(t, c.edits...))
		})
	}
}

// TestRegionSwitchDefaults: on by default, effective only with two regions; the file's values
// replace the defaults.
func TestRegionSwitchDefaults(t *testing.T) {
	load := func(edits ...edit) *Environment {
		t.Helper()
		env, err := Load(writeFile(t, repository(t), "test.yaml", apply(t, baseYAML, edits)))
		require.NoError(t, err)
		return env
	}
	single := load()
	assert.Equal(t, RegionSwitch{Enabled: true, RecoveryTimeObjectiveMinutes: 30, Approval: true}, single.RegionSwitch)
	assert.False(t, single.HasRegionSwitch(), "one region: no plan")
	two := load(addRegion, globalDB)
	assert.True(t, two.HasRegionSwitch(), "two regions: a plan by default")
	off := load(addRegion, globalDB,
		section("regionSwitch", "  enabled: false\n  recoveryTimeObjectiveMinutes: 45\n  triggers: true\n  approvalRoleArn: arn:aws:iam::123456789012:role/dr\n"))
	assert.False(t, off.HasRegionSwitch())
	assert.Equal(t, RegionSwitch{RecoveryTimeObjectiveMinutes: 45, Approval: true, Triggers: true, ApprovalRoleArn: "arn:aws:iam::123456789012:role/dr"}, off.RegionSwitch)
}
