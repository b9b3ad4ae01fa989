package regionswitch

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	arc "github.com/aws/aws-cdk-go/awscdk/v2/awsarcregionswitch"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	cdknag "github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Plan is the Region switch plan and its roles.
type Plan struct {
	constructs.Construct
	// Plan is the AWS::ARCRegionSwitch::Plan.
	Plan arc.CfnPlan
	// Role is the execution role Region switch assumes; Policy its managed policy.
	Role   iam.Role
	Policy iam.ManagedPolicy
	// Approver is the role whose holders approve the approval steps (nil without Approval, or
	// the imported ApprovalRoleArn).
	Approver iam.IRole
}

// NewPlan creates the plan, or returns every problem with props.
func NewPlan(scope constructs.Construct, id string, props PlanProps) (*Plan, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("region switch plan %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	pl := &Plan{Construct: this}

	pl.Role = iam.NewRole(this, jsii.String("ExecutionRole"), &iam.RoleProps{
		Description: jsii.String("Region switch runs plan " + p.Name + " with this role"),
		AssumedBy: iam.NewServicePrincipal(jsii.String("arc-region-switch.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
	})
	if p.Approval {
		pl.Approver = p.approver(this, stack)
	}

	props2 := &arc.CfnPlanProps{
		Name: jsii.String(p.Name), Description: jsii.String(p.Description),
		ExecutionRole: pl.Role.RoleArn(), RecoveryApproach: jsii.String(p.Approach),
		Regions: jsii.Strings(p.Regions...), PrimaryRegion: jsii.String(p.PrimaryRegion),
		RecoveryTimeObjectiveMinutes: jsii.Number(float64(p.RecoveryTimeObjectiveMinutes)),
		Workflows:                    p.workflows(pl.Approver),
	}
	if len(p.Alarms) > 0 {
		alarmType := "applicationHealth"
		if p.Triggers {
			alarmType = "trigger"
		}
		associated := map[string]any{}
		for _, a := range p.Alarms {
			associated[a.Name] = &arc.CfnPlan_AssociatedAlarmProperty{AlarmType: jsii.String(alarmType), ResourceIdentifier: jsii.String(a.Arn)}
		}
		props2.AssociatedAlarms = associated
	}
	if p.Triggers {
		props2.Triggers = p.triggers()
	}
	pl.Plan = arc.NewCfnPlan(this, jsii.String("Plan"), props2)
	// The plan checks its role when it is created; the policy must be there by then.
	pl.Policy = p.policy(this, pl.Role)
	pl.Plan.Node().AddDependency(pl.Policy)
	return pl, nil
}

// approver is ApprovalRoleArn, or a role the account's principals may assume (when their own
// policies allow sts:AssumeRole on it) that can approve this plan's steps and nothing else.
// ApprovePlanExecutionStep is this role's, not the execution role's: Region switch does not
// assume the execution role for an approval block (ARC's page on the execution role's trust
// policy), and whoever can use the block's approval role approves.
func (p PlanProps) approver(this constructs.Construct, stack awscdk.Stack) iam.IRole {
	if p.ApprovalRoleArn != "" {
		return iam.Role_FromRoleArn(this, jsii.String("Approver"), jsii.String(p.ApprovalRoleArn), &iam.FromRoleArnOptions{Mutable: jsii.Bool(false)})
	}
	role := iam.NewRole(this, jsii.String("Approver"), &iam.RoleProps{
		RoleName:    jsii.String(p.ApproverRoleName),
		Description: jsii.String("Approves the manual steps of Region switch plan " + p.Name),
		AssumedBy:   iam.NewAccountPrincipal(stack.Account()),
	})
	planArn := p.arn(stack)
	policy := iam.NewManagedPolicy(this, jsii.String("ApproverPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Approve and follow executions of Region switch plan " + p.Name),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("arc-region-switch:ApprovePlanExecutionStep", "arc-region-switch:GetPlanExecution",
				"arc-region-switch:ListPlanExecutionEvents", "arc-region-switch:GetPlan"),
			Resources: jsii.Strings(planArn),
		})},
	})
	suppressPlanArn(policy, p.Name)
	return role
}

// arn is the plan's ARN up to the suffix Region switch picks when it creates the plan.
func (p PlanProps) arn(stack awscdk.Stack) string {
	return fmt.Sprintf("arn:%s:arc-region-switch::%s:plan/%s:*", *stack.Partition(), *stack.Account(), p.Name)
}

// suppressPlanArn explains the one wildcard of a policy naming plan name.
func suppressPlanArn(policy iam.ManagedPolicy, name string) {
	stack := awscdk.Stack_Of(policy)
	// The ARN as cdk-nag reads it: the partition is literal in a stack of a known region.
	arn := fmt.Sprintf("arn:<AWS::Partition>:arc-region-switch::%s:plan/%s:*", *stack.Account(), name)
	if resolved, ok := stack.Resolve(jsii.String(PlanProps{Name: name}.arn(stack))).(string); ok {
		arn = resolved
	}
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("A plan's ARN ends in a suffix Region switch picks at creation; the policy names this one plan " +
			"by name and account (referencing the plan's Arn would be circular: the plan needs its role's policy first)"),
		AppliesTo: &[]any{jsii.String("Resource::" + arn)},
	}}, jsii.Bool(false))
}

// policy is the execution role's managed policy: exactly the actions the plan's blocks call, on
// the plan's resources.
func (p PlanProps) policy(this constructs.Construct, role iam.Role) iam.ManagedPolicy {
	stack := awscdk.Stack_Of(this)
	statement := func(actions []string, resources ...string) iam.PolicyStatement {
		return iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)})
	}
	own := []string{"arc-region-switch:GetPlan", "arc-region-switch:GetPlanExecution", "arc-region-switch:ListPlanExecutions"}
	if p.Triggers {
		// A trigger's alarm starts the plan as this role (ARC's page on the execution role's trust
		// policy: it is assumed "to start the plan execution when the trigger conditions are met").
		own = append(own, "arc-region-switch:StartPlanExecution")
	}
	statements := []iam.PolicyStatement{
		statement(own, p.arn(stack)),
		// Plan evaluation simulates the role's own policies.
		statement([]string{"iam:SimulatePrincipalPolicy"}, *role.RoleArn()),
		statement([]string{"route53:ListResourceRecordSets"}, fmt.Sprintf("arn:%s:route53:::hostedzone/%s", *stack.Partition(), p.HostedZoneID)),
	}
	var dbs []string
	for _, d := range p.Databases {
		dbs = append(dbs, fmt.Sprintf("arn:%s:rds::%s:global-cluster:%s", *stack.Partition(), *stack.Account(), d.GlobalClusterIdentifier))
		dbs = append(dbs, p.inRegions(d.ClusterArns)...)
	}
	if len(dbs) > 0 {
		// As AWS's sample policy for the Aurora Global Database block has them: the describes on
		// "*" (a describe that names no cluster is checked against "*", and a switch must not stop
		// on a read it was denied), the switchover and failover on the plan's clusters only.
		statements = append(statements, statement([]string{"rds:DescribeGlobalClusters", "rds:DescribeDBClusters"}, "*"),
			statement([]string{"rds:SwitchoverGlobalCluster", "rds:FailoverGlobalCluster"}, dbs...))
	}
	if len(p.Alarms) > 0 {
		var arns []string
		for _, a := range p.Alarms {
			arns = append(arns, a.Arn)
		}
		// ARC reads the alarms' state and, to time the recovery, their history (AWS's sample policy
		// for application health alarms and its managed execution policy list both).
		statements = append(statements, statement([]string{"cloudwatch:DescribeAlarmHistory", "cloudwatch:DescribeAlarms"}, arns...))
	}
	if c := p.Capacity; c != nil {
		statements = append(statements, statement([]string{"lambda:InvokeFunction", "lambda:GetFunction"}, p.inRegions(c.FunctionArns)...))
	}
	policy := iam.NewManagedPolicy(this, jsii.String("ExecutionPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("What Region switch plan " + p.Name + " does: switch its databases, scale its services, read its records and alarms"),
		Roles:       &[]iam.IRole{role},
		Statements:  &statements,
	})
	suppressPlanArn(policy, p.Name)
	if len(dbs) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-IAM5"),
			Reason: jsii.String("rds:DescribeGlobalClusters and rds:DescribeDBClusters only, read-only, as AWS's sample " +
				"policy for Region switch's Aurora Global Database block grants them: a describe that names no cluster " +
				"is checked against \"*\", and a switch must not stop on it. Switchover and failover name the plan's clusters."),
			AppliesTo: &[]any{jsii.String("Resource::*")},
		}}, jsii.Bool(false))
	}
	return policy
}

// inRegions lists a per-region value in the order of the plan's regions.
func (p PlanProps) inRegions(byRegion map[string]string) []string {
	out := make([]string, len(p.Regions))
	for i, r := range p.Regions {
		out[i] = byRegion[r]
	}
	return out
}

// other is the plan region that is not r.
func (p PlanProps) other(r string) string {
	if p.Regions[0] == r {
		return p.Regions[1]
	}
	return p.Regions[0]
}

func step(name, blockType, description string, config *arc.CfnPlan_ExecutionBlockConfigurationProperty) *arc.CfnPlan_StepProperty {
	return &arc.CfnPlan_StepProperty{Name: jsii.String(name), ExecutionBlockType: jsii.String(blockType), Description: jsii.String(description), ExecutionBlockConfiguration: config}
}

// workflows are, for each region: activate (ActivePassive: move everything there; ActiveActive:
// take it back into DNS) and, with ActiveActive, deactivate (take it out of DNS and move the
// databases' writers away). Each starts with the approval step when there is one.
func (p PlanProps) workflows(approver iam.IRole) []any {
	var out []any
	for _, r := range p.Regions {
		actions := []string{"activate"}
		if p.Approach == ActiveActive {
			actions = append(actions, "deactivate")
		}
		for _, action := range actions {
			var steps []any
			if approver != nil {
				steps = append(steps, step("approve", "ManualApproval", "An approver confirms the "+action+" of "+r,
					&arc.CfnPlan_ExecutionBlockConfigurationProperty{ExecutionApprovalConfig: &arc.CfnPlan_ExecutionApprovalConfigurationProperty{
						ApprovalRole: approver.RoleArn(), TimeoutMinutes: jsii.Number(60),
					}}))
			}
			moveWriters := p.Approach == ActivePassive || action == "deactivate"
			if s := p.capacityStep(); s != nil && (p.Approach == ActivePassive || action == "activate") {
				steps = append(steps, s)
			}
			if s := p.databaseStep(); s != nil && moveWriters {
				steps = append(steps, s)
			}
			steps = append(steps, p.dnsStep())
			out = append(out, &arc.CfnPlan_WorkflowProperty{
				WorkflowTargetAction: jsii.String(action), WorkflowTargetRegion: jsii.String(r),
				WorkflowDescription: jsii.String(fmt.Sprintf("%s %s", action, r)), Steps: steps,
			})
		}
	}
	return out
}

// capacityStep invokes the activated region's capacity function until it succeeds (nil without
// Capacity). Region switch runs it in the region being activated, so it does not depend on the
// region being left. It has no ungraceful behaviour: Lambda's only one is to skip the step, and
// a failover is when the activated region needs its capacity most.
func (p PlanProps) capacityStep() *arc.CfnPlan_StepProperty {
	if p.Capacity == nil {
		return nil
	}
	var lambdas []any
	for _, arn := range p.inRegions(p.Capacity.FunctionArns) {
		lambdas = append(lambdas, &arc.CfnPlan_LambdasProperty{Arn: jsii.String(arn)})
	}
	return step("scale-services", "CustomActionLambda", "Raise the activated region's ECS services to full capacity and wait until they run",
		&arc.CfnPlan_ExecutionBlockConfigurationProperty{CustomActionLambdaConfig: &arc.CfnPlan_CustomActionLambdaConfigurationProperty{
			Lambdas: lambdas, RegionToRun: jsii.String("activatingRegion"),
			RetryIntervalMinutes: jsii.Number(1), TimeoutMinutes: jsii.Number(float64(p.Capacity.TimeoutMinutes)),
		}})
}

// databaseStep switches over (graceful) or fails over (ungraceful) every Global Database in
// parallel (nil without databases).
func (p PlanProps) databaseStep() *arc.CfnPlan_StepProperty {
	if len(p.Databases) == 0 {
		return nil
	}
	dbs := sortedDatabases(p.Databases)
	var blocks []any
	for _, d := range dbs {
		arns := p.inRegions(d.ClusterArns)
		blocks = append(blocks, step(d.GlobalClusterIdentifier, "AuroraGlobalDatabase", "Move the writer of "+d.GlobalClusterIdentifier,
			&arc.CfnPlan_ExecutionBlockConfigurationProperty{GlobalAuroraConfig: &arc.CfnPlan_GlobalAuroraConfigurationProperty{
				GlobalClusterIdentifier: jsii.String(d.GlobalClusterIdentifier), DatabaseClusterArns: jsii.Strings(arns...),
				// Graceful runs switch over (SwitchoverGlobalCluster: the secondary catches up first,
				// no data loss); ungraceful runs fail over (FailoverGlobalCluster with AllowDataLoss).
				// Behavior "failover" would fail over with data loss in graceful runs too.
				Behavior:   jsii.String("switchoverOnly"),
				Ungraceful: &arc.CfnPlan_GlobalAuroraUngracefulProperty{Ungraceful: jsii.String("failover")},
			}}))
	}
	return parallel("move-writers", "Switch over or fail over every Aurora Global Database", blocks)
}

// dnsStep moves Route 53 traffic through the health checks the plan creates for the records.
func (p PlanProps) dnsStep() *arc.CfnPlan_StepProperty {
	var sets []any
	for _, r := range p.Regions {
		sets = append(sets, &arc.CfnPlan_Route53ResourceRecordSetProperty{RecordSetIdentifier: jsii.String(p.SetIdentifiers[r]), Region: jsii.String(r)})
	}
	return step("move-traffic", "Route53HealthCheck", "Set the plan's health checks of "+p.RecordName+" so Route 53 answers with the active region(s)",
		&arc.CfnPlan_ExecutionBlockConfigurationProperty{Route53HealthCheckConfig: &arc.CfnPlan_Route53HealthCheckConfigurationProperty{
			HostedZoneId: jsii.String(p.HostedZoneID), RecordName: jsii.String(p.RecordName), RecordSets: sets,
		}})
}

// parallel runs blocks in parallel, or is the one block itself.
func parallel(name, description string, blocks []any) *arc.CfnPlan_StepProperty {
	if len(blocks) == 1 {
		return blocks[0].(*arc.CfnPlan_StepProperty)
	}
	return step(name, "Parallel", description, &arc.CfnPlan_ExecutionBlockConfigurationProperty{
		ParallelConfig: &arc.CfnPlan_ParallelExecutionBlockConfigurationProperty{Steps: blocks},
	})
}

// triggers start the plan when a region's alarm is red: ActivePassive activates the other
// region, ActiveActive deactivates the alarming one.
func (p PlanProps) triggers() []any {
	var out []any
	for _, a := range p.Alarms {
		action, target := "activate", p.other(a.Region)
		if p.Approach == ActiveActive {
			action, target = "deactivate", a.Region
		}
		out = append(out, &arc.CfnPlan_TriggerProperty{
			Action: jsii.String(action), TargetRegion: jsii.String(target),
			Description:                      jsii.String(fmt.Sprintf("%s %s when %s is in ALARM", action, target, a.Name)),
			Conditions:                       []any{&arc.CfnPlan_TriggerConditionProperty{AssociatedAlarmName: jsii.String(a.Name), Condition: jsii.String("red")}},
			MinDelayMinutesBetweenExecutions: jsii.Number(float64(p.TriggerDelayMinutes)),
		})
	}
	return out
}

// sortedDatabases orders databases by identifier, so the template does not depend on map order.
func sortedDatabases(dbs []GlobalDatabase) []GlobalDatabase {
	out := append([]GlobalDatabase(nil), dbs...)
	sort.Slice(out, func(i, j int) bool { return out[i].GlobalClusterIdentifier < out[j].GlobalClusterIdentifier })
	return out
}
