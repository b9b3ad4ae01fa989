// Package capacity provides Scaler: a Lambda function, with a fixed name, that raises one
// region's ECS services to their full configured capacity and succeeds once most of their tasks
// run. An ARC Region switch plan calls it, by that name, in the region it activates (see
// constructs/regionswitch), so the plan needs no reference to the region's generated cluster or
// service names: the function finds the services by their TagKey tag.
package capacity

import (
	"errors"
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
)

// TagKey is the tag by which the function finds a service; its value is the service's name.
const TagKey = "stratus:service"

// Tag marks an ECS service (its CfnService) as the service called name for the Scaler. Tags
// change without replacing the service.
func Tag(resource constructs.IConstruct, name string) {
	awscdk.Tags_Of(resource).Add(jsii.String(TagKey), jsii.String(name), nil)
}

// Capacity is a service's full capacity: the task count it runs and its autoscaling bounds.
type Capacity struct {
	DesiredCount int `json:"desiredCount"`
	MinCount     int `json:"minCount"`
	MaxCount     int `json:"maxCount"`
}

// ScalerProps configures a Scaler.
type ScalerProps struct {
	// FunctionName is the function's fixed name, the same in every region so a plan can name it
	// by ARN: 1-64 letters, digits, hyphens and underscores.
	FunctionName string
	// Cluster is the region's ECS cluster, in the same stack.
	Cluster ecs.ICluster
	// Services maps each service name (its TagKey tag) to its full capacity. At least one.
	Services map[string]Capacity
	// MinimumRunningPercent is the share of each service's desired tasks (rounded up) that must
	// run for the function to succeed, 1-100.
	// Default: 80.
	MinimumRunningPercent int
	// LogRetention is how long the function's log group keeps its events.
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
}

func (p ScalerProps) withDefaults() ScalerProps {
	if p.MinimumRunningPercent == 0 {
		p.MinimumRunningPercent = limits.DefaultMinimumRunningPercent
	}
	if p.LogRetention == "" {
		p.LogRetention = logs.RetentionDays_ONE_YEAR
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p ScalerProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !limits.ValidLambdaFunctionName(p.FunctionName) {
		add("FunctionName %q must be %s", p.FunctionName, limits.LambdaFunctionNameRule)
	}
	if p.Cluster == nil {
		add("Cluster is required: the function scales that cluster's services")
	}
	if len(p.Services) == 0 {
		add("Services is empty: name at least one service and its capacity")
	}
	for _, name := range sortedNames(p.Services) {
		c := p.Services[name]
		if !limits.ValidServiceName(name) {
			add("Services[%q]: the name must be %s", name, limits.ServiceNameRule)
		}
		if c.MinCount < 0 || c.MaxCount < 1 || c.MinCount > c.DesiredCount || c.DesiredCount > c.MaxCount {
			add("Services[%q]: need 0 <= MinCount <= DesiredCount <= MaxCount and MaxCount >= 1 (got %d <= %d <= %d)",
				name, c.MinCount, c.DesiredCount, c.MaxCount)
		}
	}
	if p.MinimumRunningPercent < 1 || p.MinimumRunningPercent > 100 {
		add("MinimumRunningPercent %d is outside 1-100", p.MinimumRunningPercent)
	}
	return errors.Join(errs...)
}

func sortedNames(m map[string]Capacity) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
