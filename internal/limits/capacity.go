package limits

import "regexp"

// The Region switch capacity step (constructs/capacity).
const (
	// DefaultMinimumRunningPercent is the share of a service's desired tasks that must run
	// before the capacity step succeeds: most of the capacity, without waiting on the last
	// task of a large service.
	DefaultMinimumRunningPercent = 80
	// MaxLambdaFunctionName is the longest Lambda function name.
	MaxLambdaFunctionName = 64
	// DefaultCapacityTimeoutMinutes is how long the plan's capacity step retries by default.
	DefaultCapacityTimeoutMinutes = 30
	// MaxCapacityTimeoutMinutes bounds that wait: a day, far beyond any recovery objective.
	MaxCapacityTimeoutMinutes = 1440
)

var lambdaFunctionNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// LambdaFunctionNameRule describes ValidLambdaFunctionName.
const LambdaFunctionNameRule = "1-64 letters, digits, hyphens and underscores"

// ValidLambdaFunctionName reports whether s can name a Lambda function.
func ValidLambdaFunctionName(s string) bool { return lambdaFunctionNameRE.MatchString(s) }
