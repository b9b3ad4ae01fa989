package config

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// RegionSwitch (yaml "regionSwitch") is the environment's AWS ARC Region switch plan: the
// failover plan that scales, switches the databases over and moves DNS traffic between the
// environment's two regions. It exists only in an environment with exactly two regions (the
// service switches between two).
type RegionSwitch struct {
	// Enabled (yaml "enabled", default true) creates the plan in a two-region environment;
	// setting it true in an environment with another number of regions is an error.
	Enabled bool `yaml:"enabled"`
	// RecoveryTimeObjectiveMinutes (yaml "recoveryTimeObjectiveMinutes", default 30) is the RTO
	// the plan declares; Region switch reports executions that take longer. 1-10080.
	RecoveryTimeObjectiveMinutes int `yaml:"recoveryTimeObjectiveMinutes"`
	// Approval (yaml "approval", default true) starts every workflow with a manual approval step.
	Approval bool `yaml:"approval"`
	// ApprovalRoleArn (yaml "approvalRoleArn", default "": a role the platform creates, assumable
	// by the account's administrators) is the IAM role whose holders approve the step.
	ApprovalRoleArn string `yaml:"approvalRoleArn"`
	// Triggers (yaml "triggers", default false) lets the plan start itself: the activate
	// workflow of a region when the other region's Route 53 health check alarm is in ALARM.
	Triggers bool `yaml:"triggers"`
	// HealthCheckIDs (yaml "healthCheckIds", default {}) maps each of the two regions to the
	// Route 53 health check the plan created for its origin record (`aws arc-region-switch
	// list-route53-health-checks`). Given, each region's origin.<domain> record follows that
	// check as well as its HTTPS check, so the plan's Route 53 step moves traffic. Both regions
	// or none.
	HealthCheckIDs map[string]string `yaml:"healthCheckIds"`
}

// defaultRegionSwitch is on, with approval and without triggers.
func defaultRegionSwitch() RegionSwitch {
	return RegionSwitch{Enabled: true, RecoveryTimeObjectiveMinutes: limits.DefaultRecoveryTimeObjectiveMinutes, Approval: true}
}

// HasRegionSwitch reports whether env gets a Region switch plan: enabled, with two regions.
func (env *Environment) HasRegionSwitch() bool {
	return env.RegionSwitch.Enabled && len(env.Regions) == limits.RegionSwitchRegions
}

var iamRoleArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}$`)

// regionSwitch checks the regionSwitch section.
func (v *validator) regionSwitch() {
	const p = "regionSwitch."
	rs := &v.env.RegionSwitch
	if v.given(p+"enabled", "") && rs.Enabled && len(v.env.Regions) != limits.RegionSwitchRegions {
		v.errorf("%senabled: true needs exactly %d regions, the environment has %d (Region switch plans switch between two; remove the key or set it false)",
			p, limits.RegionSwitchRegions, len(v.env.Regions))
	}
	v.intRange(p+"recoveryTimeObjectiveMinutes", "", rs.RecoveryTimeObjectiveMinutes,
		limits.MinRecoveryTimeObjectiveMinutes, limits.MaxRecoveryTimeObjectiveMinutes, "minutes")
	v.planHealthChecks(p + "healthCheckIds")
	if !v.given(p+"approvalRoleArn", "") {
		return
	}
	switch {
	case !iamRoleArnRE.MatchString(rs.ApprovalRoleArn):
		v.errorf("%sapprovalRoleArn %q: not an IAM role ARN (e.g. \"arn:aws:iam::%s:role/dr-approver\")", p, rs.ApprovalRoleArn, v.env.Account)
	case !rs.Approval:
		v.errorf("%sapprovalRoleArn %q: set but approval is false (remove the role or set approval: true)", p, rs.ApprovalRoleArn)
	case accountRE.MatchString(v.env.Account) && strings.Split(rs.ApprovalRoleArn, ":")[4] != v.env.Account:
		v.errorf("%sapprovalRoleArn %q: in account %s, not the environment's %s (allowed: a role of the environment's account)",
			p, rs.ApprovalRoleArn, strings.Split(rs.ApprovalRoleArn, ":")[4], v.env.Account)
	}
}

var healthCheckIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// planHealthChecks checks regionSwitch.healthCheckIds: one Route 53 health check id per region
// of a plan.
func (v *validator) planHealthChecks(path string) {
	ids := v.env.RegionSwitch.HealthCheckIDs
	if v.d.bad[path] || len(ids) == 0 {
		return
	}
	if !v.env.HasRegionSwitch() {
		v.errorf("%s: only with a Region switch plan (two regions and regionSwitch.enabled)", path)
		return
	}
	var regions []string
	for _, r := range v.env.Regions {
		regions = append(regions, r.Name)
	}
	for _, r := range regions {
		if _, ok := ids[r]; !ok {
			v.errorf("%s: no health check for %s (allowed: one for each of %s, or none)", path, r, strings.Join(regions, ", "))
		}
	}
	first := map[string]string{} // id → the region it was first given for
	for _, region := range slices.Sorted(maps.Keys(ids)) {
		switch id := ids[region]; {
		case !slices.Contains(regions, region):
			v.errorf("%s.%s: not a region of the environment (allowed: %s)", path, region, strings.Join(regions, ", "))
		case !healthCheckIDRE.MatchString(id):
			v.errorf("%s.%s %q: not a Route 53 health check id (a lowercase UUID such as \"abcdef01-2345-6789-abcd-ef0123456789\")", path, region, id)
		case first[id] != "":
			// One check under both records would take both down together, and Route 53 answers
			// as if all were healthy when none is: the plan could never move traffic.
			v.errorf("%s.%s %q: also given for %s; each region has a check of its own (aws arc-region-switch list-route53-health-checks lists one per region)", path, region, id, first[id])
		default:
			first[id] = region
		}
	}
}
