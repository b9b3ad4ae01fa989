package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/regionswitch"
)

// The Region switch plan of a two-region environment lives in the Edge stack (us-east-1):
//
//   - It references no resource of either region: the databases by their global cluster
//     identifiers and their clusters' fixed identifiers, the records by zone, name and set
//     identifier, the alarms by name, the capacity functions (capacity.go) by their fixed name.
//     Its role is IAM, which is global.
//   - The plan is a global resource (its ARN has no region) and Region switch runs it from the
//     region being activated, so an impaired us-east-1 (even when it is one of the plan's
//     regions) stops changes to the plan, never its execution.
//   - The health checks and their alarms it watches are already in that stack, and it adds no
//     deployment layer.

// PlanName is the Region switch plan of env: "stratus-<env>-aa" (latency routing, activeActive)
// or "-ap" (failover, activePassive). The name, the approach, the regions and the primary region
// cannot change without replacing the plan, and a named resource cannot be replaced under the
// same name: the approach is in the name so switching dns.routing creates the new plan before
// deleting the old one.
func PlanName(env *config.Environment) string {
	if env.DNS.Routing == config.RoutingFailover {
		return "stratus-" + env.Name + "-ap"
	}
	return "stratus-" + env.Name + "-aa"
}

// ApproverRoleName is the role the platform creates to approve the plan's steps.
func ApproverRoleName(env *config.Environment) string {
	return fmt.Sprintf("stratus-%s-region-switch-approver", env.Name)
}

// addRegionSwitch adds the plan to the Edge stack when the environment has one.
func (s *EnvironmentStage) addRegionSwitch() error {
	env := s.Config
	if !env.HasRegionSwitch() || s.Edge == nil {
		return nil
	}
	stack := s.Edge.Stack
	regions := make([]string, len(env.Regions))
	sets := map[string]string{}
	for i, r := range env.Regions {
		regions[i], sets[r.Name] = r.Name, r.Name // the origin records' set identifier is their region
	}
	approach := regionswitch.ActiveActive
	if env.DNS.Routing == config.RoutingFailover {
		approach = regionswitch.ActivePassive
	}
	props := regionswitch.PlanProps{
		// The home region, not primaryRegion: the plan's primary region cannot change without a
		// replacement, and primaryRegion changes after every switchover.
		Name: PlanName(env), Regions: regions, PrimaryRegion: HomeRegion(env), Approach: approach,
		Description:                  fmt.Sprintf("Stratus %s: scale the services, move the writers and the traffic between %s and %s", env.Name, regions[0], regions[1]),
		RecoveryTimeObjectiveMinutes: env.RegionSwitch.RecoveryTimeObjectiveMinutes,
		HostedZoneID:                 env.DNS.HostedZoneId, RecordName: env.OriginName(), SetIdentifiers: sets,
		Approval: env.RegionSwitch.Approval, ApprovalRoleArn: env.RegionSwitch.ApprovalRoleArn, ApproverRoleName: ApproverRoleName(env),
		Triggers: env.RegionSwitch.Triggers,
	}
	for _, r := range regions {
		name := HealthCheckAlarmName(env, r)
		props.Alarms = append(props.Alarms, regionswitch.Alarm{
			Name: name, Region: r,
			Arn: fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", *stack.Partition(), config.EdgeRegion, env.Account, name),
		})
	}
	if arns := capacityFunctionArns(env, *stack.Partition(), regions); arns != nil {
		props.Capacity = &regionswitch.Capacity{FunctionArns: arns}
	}
	var err error
	if props.Databases, err = s.globalDatabases(regions); err != nil {
		return err
	}
	plan, err := regionswitch.NewPlan(stack, "RegionSwitch", props)
	if err != nil {
		return fmt.Errorf("%s: regionSwitch: %w", env.File, err)
	}
	s.Edge.RegionSwitch = plan
	awscdk.NewCfnOutput(stack, jsii.String("RegionSwitchPlanArn"), &awscdk.CfnOutputProps{
		Value: plan.Plan.AttrArn(), Description: jsii.String("The ARC Region switch plan (runbooks/region-switch.md)"),
	})
	return nil
}

// globalDatabases are env's Aurora Global Databases with their clusters' ARNs in regions, from
// the identifiers the ServiceData stacks give their clusters (fixed strings, not references).
func (s *EnvironmentStage) globalDatabases(regions []string) ([]regionswitch.GlobalDatabase, error) {
	env := s.Config
	if !env.Database.GlobalDatabase {
		return nil, nil
	}
	var out []regionswitch.GlobalDatabase
	for _, svc := range env.Services {
		if !svc.OwnsDatabase() || svc.Database != config.EngineAuroraPostgres {
			continue
		}
		db := regionswitch.GlobalDatabase{GlobalClusterIdentifier: GlobalClusterID(env, svc.Name), ClusterArns: map[string]string{}}
		for _, r := range regions {
			id, err := clusterIdentifier(s.ServiceData[r][svc.Name])
			if err != nil {
				return nil, fmt.Errorf("%s: regionSwitch: %s in %s: %w", env.File, svc.Name, r, err)
			}
			db.ClusterArns[r] = fmt.Sprintf("arn:%s:rds:%s:%s:cluster:%s", *s.Edge.Partition(), r, env.Account, id)
		}
		out = append(out, db)
	}
	return out, nil
}

// clusterIdentifier is the fixed identifier of the Aurora cluster of a ServiceData stack.
func clusterIdentifier(st *ServiceDataStack) (string, error) {
	if st == nil {
		return "", fmt.Errorf("no ServiceData stack")
	}
	for _, c := range *st.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if db, ok := c.(rds.CfnDBCluster); ok {
			if id := db.DbClusterIdentifier(); id != nil && !*awscdk.Token_IsUnresolved(id) {
				return *id, nil
			}
		}
	}
	return "", fmt.Errorf("no Aurora cluster with a fixed identifier in %s", *st.StackName())
}
