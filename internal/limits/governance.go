package limits

// Containers.
const (
	// CollectorMemoryMiB is the hard memory limit of the adot sidecar; the application container
	// gets the rest of the task's memory as its own hard limit, so neither can starve the other.
	CollectorMemoryMiB = 256
	// CollectorMemoryReservationMiB is the sidecar's soft reservation.
	CollectorMemoryReservationMiB = 64
)

// Subnet deny lists: NACL rule numbers 1..MaxDeniedCidrs carry the denies, ahead of every allow.
const (
	// MaxDeniedCidrs is how many CIDRs one deny list may hold: a NACL takes 20 rules per
	// direction by default, and each deny-list NACL also needs its allow-all rule; ten leaves
	// headroom for rules an operator adds by hand in an incident.
	MaxDeniedCidrs = 10
	// DenyRuleBase is the first NACL rule number of a deny list; allows start above it.
	DenyRuleBase = 1
	// DenyListAllowRule is the allow-all rule behind the denies.
	DenyListAllowRule = 100
)

// Audit and backup bounds.
const (
	// MinTrailRetentionDays..MaxTrailRetentionDays bound how long the CloudTrail bucket keeps
	// log files (S3 lifecycle expiration).
	MinTrailRetentionDays = 90
	MaxTrailRetentionDays = 3653
	// DefaultTrailRetentionDays keeps a year of trail files, which most audit regimes ask for.
	DefaultTrailRetentionDays = 365
	// MaxObjectLockDays bounds the trail bucket's Object Lock default retention.
	MaxObjectLockDays = 3653

	// MinVaultDailyDays..MaxVaultRetentionDays bound AWS Backup retention.
	MinVaultDailyDays     = 1
	MaxVaultRetentionDays = 36500
	// MinVaultMonthlyDays: a monthly recovery point kept less than a month is pointless.
	MinVaultMonthlyDays     = 30
	DefaultVaultDailyDays   = 35
	DefaultVaultMonthlyDays = 365

	// MaxVaultLockDays bounds the vault lock's minimum retention (0 is no lock).
	MaxVaultLockDays = 36500
)
