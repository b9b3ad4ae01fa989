package limits

// ARC Region switch plans (AWS::ARCRegionSwitch::Plan).
const (
	// RegionSwitchRegions is how many regions a plan switches between: exactly two.
	RegionSwitchRegions = 2
	// MinRecoveryTimeObjectiveMinutes and MaxRecoveryTimeObjectiveMinutes bound a plan's RTO
	// (the resource schema's 1-10080, a week).
	MinRecoveryTimeObjectiveMinutes = 1
	MaxRecoveryTimeObjectiveMinutes = 10080
	// DefaultRecoveryTimeObjectiveMinutes is the RTO Stratus plans declare unless configured.
	DefaultRecoveryTimeObjectiveMinutes = 30
	// MaxRegionSwitchPlanName is the longest plan name ([a-zA-Z0-9-], 1-32 characters).
	MaxRegionSwitchPlanName = 32
	// RegionSwitchRunbook is the DR runbook the plan's associated alarms name.
	RegionSwitchRunbook = "region-switch.md"
)
