package limits

// Secret rotation periods (governance.rotation): Secrets Manager schedules in whole days up to
// 1000; a year is the longest a platform secret should live.
const (
	MinRotationDays     = 1
	MaxRotationDays     = 365
	DefaultRotationDays = 30
)
