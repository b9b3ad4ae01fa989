// Package cluster provides Cluster, the per-region ECS cluster L3 of Stratus: Fargate capacity
// providers, Container Insights (enhanced observability), a Cloud Map private DNS namespace for
// service discovery and, when enabled, execute-command sessions that are encrypted and logged.
package cluster

import (
	"errors"
	"fmt"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// ClusterProps configures a Cluster.
type ClusterProps struct {
	// Vpc is where the namespace resolves and the tasks run.
	Vpc ec2.IVpc
	// NamespaceName is the Cloud Map private DNS namespace created in Vpc, e.g. "prod.internal";
	// services register as <service>.<NamespaceName>.
	NamespaceName string
	// ServiceConnectNamespaceName, when set, creates a Cloud Map HTTP namespace of that name for
	// ECS Service Connect (see connect.go).
	// Default: "" (no Service Connect namespace).
	ServiceConnectNamespaceName string

	// ExecuteCommand turns on ECS Exec support in the cluster: sessions encrypted with
	// ExecuteCommandKey and every session logged to a KMS-encrypted, retained log group.
	// Default: false (no exec configuration, no key, no log group).
	ExecuteCommand bool
	// LogRetention is how long the execute-command log group keeps session logs.
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p ClusterProps) withDefaults() ClusterProps {
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
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
	if !limits.ValidDNSName(p.NamespaceName, 1) {
		add("NamespaceName %q is not a DNS name (allowed: %s; e.g. \"prod.internal\")", p.NamespaceName, limits.DNSNameRule)
	}
	if n := p.ServiceConnectNamespaceName; n != "" && (!limits.ValidDNSName(n, 1) || n == p.NamespaceName) {
		add("ServiceConnectNamespaceName %q must be a DNS name other than NamespaceName (allowed: %s)", n, limits.DNSNameRule)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
