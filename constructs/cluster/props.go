// Package cluster provides Cluster, the per-region ECS cluster L3 of Stratus: Fargate capacity
// providers, Container Insights (enhanced observability), a Cloud Map private DNS namespace for
// service discovery and, when enabled, execute-command sessions that are encrypted and logged.
package cluster

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// ClusterProps configures a Cluster.
type ClusterProps struct {
	// Vpc is where the namespace resolves and the tasks run.
	Vpc ec2.IVpc
	// NamespaceName is the Cloud Map private DNS namespace created in Vpc, e.g. "prod.internal";
	// services register as <service>.<NamespaceName>.
	NamespaceName string

	// ExecuteCommand turns on ECS Exec support in the cluster: sessions encrypted with
	// ExecuteCommandKey and every session logged to a KMS-encrypted, retained log group.
	// Default: false (no exec configuration, no key, no log group).
	ExecuteCommand bool
	// LogRetention is how long the execute-command log group keeps session logs.
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
}

var namespaceName = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// finiteRetentions are the retention periods allowed: NIST 800-53 wants a set retention, so
// INFINITE is not among them.
var finiteRetentions = []logs.RetentionDays{
	logs.RetentionDays_ONE_DAY, logs.RetentionDays_THREE_DAYS, logs.RetentionDays_FIVE_DAYS,
	logs.RetentionDays_ONE_WEEK, logs.RetentionDays_TWO_WEEKS, logs.RetentionDays_ONE_MONTH,
	logs.RetentionDays_TWO_MONTHS, logs.RetentionDays_THREE_MONTHS, logs.RetentionDays_FOUR_MONTHS,
	logs.RetentionDays_FIVE_MONTHS, logs.RetentionDays_SIX_MONTHS, logs.RetentionDays_ONE_YEAR,
	logs.RetentionDays_THIRTEEN_MONTHS, logs.RetentionDays_EIGHTEEN_MONTHS, logs.RetentionDays_TWO_YEARS,
	logs.RetentionDays_THREE_YEARS, logs.RetentionDays_FIVE_YEARS, logs.RetentionDays_SIX_YEARS,
	logs.RetentionDays_SEVEN_YEARS, logs.RetentionDays_EIGHT_YEARS, logs.RetentionDays_NINE_YEARS,
	logs.RetentionDays_TEN_YEARS,
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p ClusterProps) withDefaults() ClusterProps {
	if p.LogRetention == "" {
		p.LogRetention = logs.RetentionDays_ONE_YEAR
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p ClusterProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Vpc == nil {
		add("Vpc is required")
	}
	if len(p.NamespaceName) > 253 || !namespaceName.MatchString(p.NamespaceName) {
		add("NamespaceName %q is not a DNS name: lowercase labels of a-z, 0-9 and inner '-' (1-63 characters each) "+
			"joined by '.', at most 253 characters, e.g. \"prod.internal\"", p.NamespaceName)
	}
	if !slices.Contains(finiteRetentions, p.LogRetention) {
		add("LogRetention %q is not a finite logs.RetentionDays value (ONE_DAY … TEN_YEARS)", p.LogRetention)
	}
	return errors.Join(errs...)
}
