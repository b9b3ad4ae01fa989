package stacks

import (
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/audit"
	"github.com/stratus-platform/stratus/constructs/backup"
	"github.com/stratus-platform/stratus/internal/limits"
)

// BackupTagKey tags the databases an environment's backup plan selects; its value is the
// environment's name.
const BackupTagKey = "stratus:backup"

// GovernanceStack holds one region's AWS Config recorder and backup vault; in the primary region
// also the backup plan and the account's trail. It depends on no other stack.
type GovernanceStack struct {
	awscdk.Stack
	// Trail, Recorder and Backup are nil where the environment's config switches them off (or,
	// for Trail, outside the primary region).
	Trail    *audit.Trail
	Recorder *audit.Recorder
	Backup   *backup.Backup
	// DeliveryAlarms watch the failed-backup rules' deliveries (primary region, with a plan).
	DeliveryAlarms *alarms.Alarms
}

// VaultName is the name of env's backup vault in region (the same scheme everywhere, so a plan
// names another region's vault without a cross-region reference).
func VaultName(env *config.Environment, region string) string {
	return fmt.Sprintf("stratus-%s-%s", env.Name, region)
}

// NewGovernanceStack builds the Governance stack of env in region (one of env's regions, or its
// backup DR region, which gets only a vault). It returns nil when nothing is switched on there.
func NewGovernanceStack(scope constructs.Construct, env *config.Environment, region string) (*GovernanceStack, error) {
	g := env.Governance
	// The account trail and the recording of global resources stay where they were created,
	// whichever region writes today (HomeRegion): moving them would recreate named resources.
	home := region == HomeRegion(env)
	ownRegion := slices.ContainsFunc(env.Regions, func(r config.Region) bool { return r.Name == region })
	if !g.Backup.Enabled && (!ownRegion || !g.AwsConfig.Enabled && !(home && g.CloudTrail.Enabled)) {
		return nil, nil
	}
	stack := newStack(scope, "Governance", env, config.Region{Name: region},
		fmt.Sprintf("Stratus %s governance in %s: AWS Config, backup vault and plan, account trail", env.Name, region))
	out := &GovernanceStack{Stack: stack}
	wrap := func(err error) error { return fmt.Errorf("%s: governance (%s): %w", env.File, region, err) }
	var err error
	if home && g.CloudTrail.Enabled {
		logRetention, err := retentionDays(g.CloudTrail.LogRetentionDays)
		if err != nil {
			return nil, wrap(err)
		}
		if out.Trail, err = audit.NewTrail(stack, "Trail", audit.TrailProps{
			TrailName: "stratus-" + env.Name, RetentionDays: g.CloudTrail.RetentionDays,
			ObjectLockDays: g.CloudTrail.ObjectLockDays, LogRetention: logRetention,
		}); err != nil {
			return nil, wrap(err)
		}
	}
	if ownRegion && g.AwsConfig.Enabled {
		if out.Recorder, err = audit.NewRecorder(stack, "Config", audit.RecorderProps{
			IncludeGlobalResourceTypes: home, RetentionDays: g.AwsConfig.RetentionDays, RuleNamePrefix: "stratus-" + env.Name + "-",
		}); err != nil {
			return nil, wrap(err)
		}
	}
	if g.Backup.Enabled {
		props := backup.BackupProps{VaultName: VaultName(env, region), LockDays: g.Backup.VaultLockDays}
		// The region's alarm topic, by its name: an import of the Network stack's would tie this
		// stack's deploys to it (a rule's or an alarm's target need not exist before it).
		topic := jsii.String(fmt.Sprintf("arn:%s:sns:%s:%s:%s", *stack.Partition(), region, env.Account, TopicName(env, region)))
		if reportsBackupFailures(env, region) {
			props.Plan = &backup.PlanProps{
				TagKey: BackupTagKey, TagValue: env.Name,
				DailyRetentionDays: g.Backup.DailyRetentionDays, MonthlyRetentionDays: g.Backup.MonthlyRetentionDays,
				StartTime: g.Backup.StartTime,
			}
			props.Plan.FailureTopicArn = topic
			props.Plan.RunbookBase = env.Observability.RunbookBaseURL
			if to := env.BackupCopyRegion(region); to != "" {
				props.Plan.CopyToVaultArn = backup.VaultArn(*stack.Partition(), to, env.Account, VaultName(env, to))
			}
		}
		if out.Backup, err = backup.NewBackup(stack, "Backup", props); err != nil {
			return nil, wrap(err)
		}
		if out.DeliveryAlarms, err = deliveryAlarms(stack, env, region, out.Backup, topic); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// deliveryAlarms raise a ticket when a failed-backup rule of b cannot deliver its message
// (FailedInvocations of the rule): the alarm reaches the topic through CloudWatch, which the
// broken path does not use.
func deliveryAlarms(stack awscdk.Stack, env *config.Environment, region string, b *backup.Backup, topic *string) (*alarms.Alarms, error) {
	var specs []alarms.Spec
	for _, kind := range slices.Sorted(maps.Keys(b.FailureRules)) {
		specs = append(specs, failureTicket(kind+"JobReportUndelivered",
			metric("AWS/Events", "FailedInvocations", "Sum", 300, map[string]*string{"RuleName": b.FailureRules[kind].Ref()}),
			limits.BackupRunbook, "The rule that reports failed AWS Backup "+kind+" jobs could not deliver to the alarm topic (FailedInvocations at or above 1 in 5 minutes)"))
	}
	if len(specs) == 0 {
		return nil, nil
	}
	return newAlarms(stack, env, "BackupDeliveryAlarms", alarms.AlarmsProps{Prefix: AlarmPrefix(env, region), Specs: specs}, topic)
}

// reportsBackupFailures reports whether env's Governance stack in region holds the backup plan,
// and so the rules that send its failed jobs to region's alarm topic, whose policy must then let
// EventBridge publish. Only the primary region holds writable databases (elsewhere they are
// Global Database secondaries), so only it has a plan.
func reportsBackupFailures(env *config.Environment, region string) bool {
	return env.Governance.Backup.Enabled && region == env.PrimaryRegion
}

// tagForBackup marks the database of a ServiceData stack for env's backup plan: the Aurora
// cluster (AWS Backup backs up clusters, not their instances) or the RDS instance. Only in the
// primary region: elsewhere the cluster is a Global Database secondary.
func tagForBackup(stack awscdk.Stack, env *config.Environment, region string, svc config.Service) {
	if !env.Governance.Backup.Enabled || region != env.PrimaryRegion {
		return
	}
	kind := "AWS::RDS::DBCluster"
	if svc.Database == config.EnginePostgres {
		kind = "AWS::RDS::DBInstance"
	}
	awscdk.Tags_Of(stack).Add(jsii.String(BackupTagKey), jsii.String(env.Name), &awscdk.TagProps{IncludeResourceTypes: jsii.Strings(kind)})
}
