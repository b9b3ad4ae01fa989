// Package rotation provides Rotator, a Secrets Manager rotation schedule and the Lambda function
// behind it, for the two secrets whose value also lives outside Secrets Manager: the CloudFront
// origin secret (in ALB listener rules and a distribution's origin header) and the cache AUTH
// token (in the replication group). The function's code is Python in handler/ (tests in tests/).
package rotation

import (
	"errors"
	"fmt"
	"regexp"

	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Kind is what a Rotator rotates.
type Kind string

const (
	// Origin rotates the CloudFront origin secret: every ALB listener rule checking HeaderName on
	// a load balancer tagged TagKey=TagValue (in every region of Regions) first accepts the old and
	// the new value, then every distribution so tagged sends the new one. With AuthorizerChecks,
	// only the distributions change.
	Origin Kind = "origin"
	// Cache rotates a cache AUTH token with ElastiCache's ROTATE then SET, redeploying every ECS
	// service tagged TagKey=TagValue in Regions so its tasks read the new token.
	Cache Kind = "cache"
)

// Tag keys the functions look resources up by (their value is the secret's TagValue).
const (
	// OriginTagKey marks the load balancers and distributions that use an origin secret.
	OriginTagKey = "stratus:origin-secret"
	// CacheTagKey marks the ECS services that read a cache AUTH token.
	CacheTagKey = "stratus:cache-secret"
)

// RotatorProps configures a Rotator.
type RotatorProps struct {
	// Kind is Origin or Cache.
	Kind Kind
	// Secret is the secret to rotate (the primary copy; replicas follow it).
	Secret sm.ISecret
	// SecretKey is the KMS key encrypting Secret; it also encrypts the function's environment and
	// log group (its policy must let CloudWatch Logs use it).
	SecretKey kms.IKey
	// Days is the rotation period, limits.MinRotationDays-limits.MaxRotationDays.
	Days int
	// Regions are the regions the function updates (ALB rules, ECS services), e.g. every region of
	// the environment.
	Regions []string
	// TagValue is the value of OriginTagKey or CacheTagKey on the resources to update.
	TagValue string
	// HeaderName is the origin header (Origin only).
	// Default: none.
	HeaderName string
	// AuthorizerChecks says an HTTP API authorizer checks the origin header, reading the secret's
	// current, pending and previous values itself, and no ALB listener rule does (Origin only):
	// the function changes only the distributions, and may not read or change a load balancer.
	// Default: false (ALB listener rules check it, and must accept a value before CloudFront sends it).
	AuthorizerChecks bool
	// ReplicationGroupID is the replication group whose token rotates (Cache only).
	// Default: none.
	ReplicationGroupID *string
	// LogRetention is the retention of the function's log group.
	// Default: one year.
	LogRetention logs.RetentionDays
}

var (
	tagRE = regexp.MustCompile(`^[\w .:/=+\-@]{1,256}$`)
)

// validate returns every problem with p.
func (p RotatorProps) validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if p.Kind != Origin && p.Kind != Cache {
		add("Kind %q must be %q or %q", p.Kind, Origin, Cache)
	}
	if p.Secret == nil {
		add("Secret is required")
	}
	if p.SecretKey == nil {
		add("SecretKey is required")
	}
	if p.Days < limits.MinRotationDays || p.Days > limits.MaxRotationDays {
		add("Days %d must be %d-%d", p.Days, limits.MinRotationDays, limits.MaxRotationDays)
	}
	if len(p.Regions) == 0 {
		add("Regions needs at least one region")
	}
	for _, r := range p.Regions {
		if !limits.ValidRegionName(r) {
			add("Regions: %q is not a region name", r)
		}
	}
	if !tagRE.MatchString(p.TagValue) {
		add("TagValue %q must be 1-256 letters, digits, spaces and _.:/=+-@", p.TagValue)
	}
	if p.Kind == Origin && p.HeaderName == "" {
		add("HeaderName is required for an origin secret")
	}
	if p.Kind == Cache && p.AuthorizerChecks {
		add("AuthorizerChecks applies to an origin secret only")
	}
	if p.Kind == Cache && p.ReplicationGroupID == nil {
		add("ReplicationGroupID is required for a cache token")
	}
	return errors.Join(errs...)
}

func (p RotatorProps) withDefaults() RotatorProps {
	if p.LogRetention == "" {
		p.LogRetention = logs.RetentionDays_ONE_YEAR
	}
	return p
}

// checker is what checks an origin secret's header, as the function's CHECKED_BY names it.
func (p RotatorProps) checker() string {
	if p.AuthorizerChecks {
		return "authorizer"
	}
	return "alb"
}
