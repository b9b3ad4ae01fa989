// Package regionswitch provides Plan: an AWS ARC Region switch plan (AWS::ARCRegionSwitch::Plan)
// between two regions, with the workflows that approve, raise the activated region's ECS services
// to full capacity (through a function of each region, see constructs/capacity), switch over (or
// fail over) Aurora Global Databases and move Route 53 traffic, and a least-privilege execution
// role.
// Everything it acts on is named by deterministic identifiers and ARNs, so the plan's stack
// references no resource of either region.
package regionswitch

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Recovery approaches of PlanProps.Approach.
const (
	// ActiveActive: both regions serve; a region is deactivated (taken out of DNS) and activated.
	ActiveActive = "activeActive"
	// ActivePassive: one region serves; activating the other moves everything to it.
	ActivePassive = "activePassive"
)

// GlobalDatabase is one Aurora Global Database the plan switches over.
type GlobalDatabase struct {
	// GlobalClusterIdentifier is the global cluster's identifier, e.g. "stratus-prod-order".
	GlobalClusterIdentifier string
	// ClusterArns maps each of the plan's regions to its member cluster's ARN.
	ClusterArns map[string]string
}

// Capacity is the plan's capacity step: Region switch invokes, in the region being activated,
// that region's function, again every minute while it fails, until TimeoutMinutes. The function
// raises the region's services to full capacity and succeeds once they run (constructs/capacity).
type Capacity struct {
	// FunctionArns maps each of the plan's regions to its function's ARN, in that region.
	FunctionArns map[string]string
	// TimeoutMinutes is how long the step retries before the execution stops on it, 1-1440.
	// Default: 30.
	TimeoutMinutes int
}

// Alarm is a CloudWatch alarm the plan watches (and may be triggered by).
type Alarm struct {
	// Name is its name, e.g. "stratus-prod-eu-west-1-healthCheckFailed"; Arn its ARN.
	Name, Arn string
	// Region is the plan region whose health it tells.
	Region string
}

// PlanProps configures a Plan.
type PlanProps struct {
	// Name is the plan's name: 1-32 letters, digits and hyphens, not starting or ending with one.
	Name string
	// Description says what the plan switches.
	Description string
	// Regions are exactly two regions; PrimaryRegion is one of them.
	Regions       []string
	PrimaryRegion string
	// Approach is ActiveActive (latency routing) or ActivePassive (failover routing).
	Approach string
	// RecoveryTimeObjectiveMinutes is the declared RTO, 1-10080.
	// Default: 30.
	RecoveryTimeObjectiveMinutes int
	// Databases are switched over (graceful runs) or failed over (ungraceful runs), in parallel.
	Databases []GlobalDatabase
	// Capacity, when set, raises the activated region's services before the databases and the
	// traffic move.
	// Default: nil (no capacity step).
	Capacity *Capacity
	// HostedZoneID and RecordName name the health-checked records whose traffic the plan moves;
	// SetIdentifiers maps each region to its record's set identifier. Route 53 then follows
	// the health checks the plan creates, once they are attached to the records.
	HostedZoneID   string
	RecordName     string
	SetIdentifiers map[string]string
	// Approval starts every workflow with a manual approval step, approved by ApprovalRoleArn,
	// or, when that is empty, by a role the construct creates (ApproverRoleName), which the
	// account's principals may assume when their own policies allow it.
	Approval         bool
	ApprovalRoleArn  string
	ApproverRoleName string
	// Alarms are the plan's application-health alarms. With Triggers, each starts the plan: an
	// alarm of one region activates the other (ActivePassive) or deactivates its own
	// (ActiveActive).
	Alarms   []Alarm
	Triggers bool
	// TriggerDelayMinutes is the least time between two triggered executions.
	// Default: 60.
	TriggerDelayMinutes int
}

var (
	nameRE     = regexp.MustCompile(`^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,30}[a-zA-Z0-9])?$`)
	roleArnRE  = regexp.MustCompile(`^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$`)
	roleNameRE = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
)

func (p PlanProps) withDefaults() PlanProps {
	if p.RecoveryTimeObjectiveMinutes == 0 {
		p.RecoveryTimeObjectiveMinutes = limits.DefaultRecoveryTimeObjectiveMinutes
	}
	if p.TriggerDelayMinutes == 0 {
		p.TriggerDelayMinutes = 60
	}
	if p.Capacity != nil && p.Capacity.TimeoutMinutes == 0 {
		c := *p.Capacity
		c.TimeoutMinutes = limits.DefaultCapacityTimeoutMinutes
		p.Capacity = &c
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p PlanProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(p.Name) {
		add("Name %q must be 1-%d letters, digits and hyphens, starting and ending with a letter or digit", p.Name, limits.MaxRegionSwitchPlanName)
	}
	regionsOK := len(p.Regions) == limits.RegionSwitchRegions && p.Regions[0] != p.Regions[1]
	for _, r := range p.Regions {
		regionsOK = regionsOK && limits.ValidRegionName(r)
	}
	if !regionsOK {
		add("Regions %v must be %d different region names", p.Regions, limits.RegionSwitchRegions)
	}
	if !slices.Contains(p.Regions, p.PrimaryRegion) {
		add("PrimaryRegion %q is not one of Regions %v", p.PrimaryRegion, p.Regions)
	}
	if p.Approach != ActiveActive && p.Approach != ActivePassive {
		add("Approach %q is not one of %q, %q", p.Approach, ActiveActive, ActivePassive)
	}
	if p.RecoveryTimeObjectiveMinutes < limits.MinRecoveryTimeObjectiveMinutes || p.RecoveryTimeObjectiveMinutes > limits.MaxRecoveryTimeObjectiveMinutes {
		add("RecoveryTimeObjectiveMinutes %d is outside %d-%d", p.RecoveryTimeObjectiveMinutes, limits.MinRecoveryTimeObjectiveMinutes, limits.MaxRecoveryTimeObjectiveMinutes)
	}
	for i, d := range p.Databases {
		if d.GlobalClusterIdentifier == "" {
			add("Databases[%d].GlobalClusterIdentifier is required", i)
		}
		p.perRegion(add, fmt.Sprintf("Databases[%d].ClusterArns", i), d.ClusterArns, ":rds:", ":cluster:")
	}
	if c := p.Capacity; c != nil {
		p.perRegion(add, "Capacity.FunctionArns", c.FunctionArns, ":lambda:", ":function:")
		if c.TimeoutMinutes < 1 || c.TimeoutMinutes > limits.MaxCapacityTimeoutMinutes {
			add("Capacity.TimeoutMinutes %d is outside 1-%d", c.TimeoutMinutes, limits.MaxCapacityTimeoutMinutes)
		}
	}
	if p.HostedZoneID == "" || p.RecordName == "" {
		add("HostedZoneID and RecordName are required: the plan moves traffic through Route 53")
	}
	for _, r := range p.Regions {
		if p.SetIdentifiers[r] == "" {
			add("SetIdentifiers has no record set identifier for %q", r)
		}
	}
	switch {
	case p.ApprovalRoleArn != "" && !p.Approval:
		add("ApprovalRoleArn is set without Approval")
	case p.ApprovalRoleArn != "" && !roleArnRE.MatchString(p.ApprovalRoleArn):
		add("ApprovalRoleArn %q is not an IAM role ARN", p.ApprovalRoleArn)
	case p.Approval && p.ApprovalRoleArn == "" && !roleNameRE.MatchString(p.ApproverRoleName):
		add("ApproverRoleName %q must be 1-64 IAM role name characters (it names the approver role made when ApprovalRoleArn is empty)", p.ApproverRoleName)
	}
	for i, a := range p.Alarms {
		if a.Name == "" || !strings.HasPrefix(a.Arn, "arn:") || !strings.Contains(a.Arn, ":alarm:") {
			add("Alarms[%d] needs a Name and a CloudWatch alarm Arn (got %q, %q)", i, a.Name, a.Arn)
		}
		if !slices.Contains(p.Regions, a.Region) {
			add("Alarms[%d].Region %q is not one of Regions %v", i, a.Region, p.Regions)
		}
	}
	if p.Triggers && len(p.Alarms) == 0 {
		add("Triggers needs Alarms to trigger on")
	}
	return errors.Join(errs...)
}

// perRegion checks that arns has an ARN of service and kind for each of the plan's regions, in
// that region.
func (p PlanProps) perRegion(add func(string, ...any), key string, arns map[string]string, service, kind string) {
	for _, r := range p.Regions {
		arn := arns[r]
		if !strings.HasPrefix(arn, "arn:") || !strings.Contains(arn, service+r+":") || !strings.Contains(arn, kind) {
			add("%s[%q] %q is not an ARN of a %s in %s", key, r, arn, strings.Trim(kind, ":/"), r)
		}
	}
	if len(arns) != len(p.Regions) {
		add("%s has %d entries; one per region of %v", key, len(arns), p.Regions)
	}
}
