package limits

import "regexp"

// SQS queues (queues[]).
const (
	MinMaxReceiveCount, MaxMaxReceiveCount = 1, 1000
	DefaultMaxReceiveCount                 = 5
	MaxVisibilityTimeoutSeconds            = 43200 // 12 hours
	DefaultVisibilityTimeoutSeconds        = 30
)

// Cognito user pools (users).
const (
	MinPasswordLength, MaxPasswordLength = 8, 99
	DefaultPasswordLength                = 12
)

// MfaModes are the accepted users.mfa values.
var MfaModes = []string{"optional", "required"}

// ValidCognitoDomainPrefix reports whether s can prefix a Cognito hosted domain
// (<prefix>.auth.<region>.amazoncognito.com): 1-63 lowercase letters, digits and hyphens, not
// starting or ending with a hyphen, and not containing "aws", "amazon" or "cognito".
func ValidCognitoDomainPrefix(s string) bool {
	return cognitoPrefixRE.MatchString(s) && !cognitoReservedRE.MatchString(s)
}

var (
	cognitoPrefixRE   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	cognitoReservedRE = regexp.MustCompile(`aws|amazon|cognito`)
)

// CognitoDomainPrefixRule describes an accepted prefix, for messages and docs.
const CognitoDomainPrefixRule = `1-63 lowercase letters, digits and hyphens, no leading or trailing hyphen, without "aws", "amazon" or "cognito"`

// Cognito's limits on an app client's callback URLs.
const (
	MaxCallbackUrls      = 100
	MaxCallbackUrlLength = 1024
)

// The most queues and topics an environment may declare: all live in its home region's
// Integration stack, a queue as 5 resources (its key, the queue and its dead-letter queue, their
// policies) and up to 3 outputs its users import, a topic as 3 and 2, so 40 and 30 keep the
// stack well under CloudFormation's 500 resources and 200 outputs.
const (
	MaxQueues = 40
	MaxTopics = 30
)
