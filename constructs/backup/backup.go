// Package backup provides Backup: an AWS Backup vault encrypted with a customer key (vault lock
// optional) and, optionally, a plan that backs up every resource carrying a tag daily and
// monthly, copying each recovery point to a vault in another region.
package backup

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	bk "github.com/aws/aws-cdk-go/awscdk/v2/awsbackup"
	events "github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// PlanProps configures the plan of a Backup.
type PlanProps struct {
	// TagKey and TagValue select the resources to back up (e.g. "stratus:backup" = "prod").
	TagKey, TagValue string
	// DailyRetentionDays keeps the daily recovery points.
	// Default: limits.DefaultVaultDailyDays.
	DailyRetentionDays int
	// MonthlyRetentionDays keeps the monthly recovery points (first of the month).
	// Default: limits.DefaultVaultMonthlyDays.
	MonthlyRetentionDays int
	// CopyToVaultArn is a vault in another region every recovery point is copied to, kept as
	// long as the original.
	// Default: "" (no copy).
	CopyToVaultArn string
	// StartTime schedules the daily and monthly rules, hh24:mi UTC; a job may start within
	// limits.BackupStartWindowMinutes after it. Keep that hour clear of the maintenance and
	// automated backup windows (and the hour before each) of any RDS instance the tag selects:
	// AWS Backup starts no backup of an instance then.
	// Default: limits.DefaultBackupStartTime.
	StartTime string
	// FailureTopicArn is an SNS topic told of every backup job of the vault that fails, aborts
	// or expires (a job that could not start in its window), and every copy out of it that
	// fails: an EventBridge rule each, so the topic must let this account's EventBridge publish.
	// Default: nil (nobody is told).
	FailureTopicArn *string
	// RunbookBase is where the failure messages' runbook (limits.BackupRunbook) is read, as for
	// every alarm (alarms.Description).
	// Default: alarms.DefaultRunbookBase.
	RunbookBase string
}

// BackupProps configures a Backup.
type BackupProps struct {
	// VaultName names the vault: 2-50 characters of letters, digits, "-" and "_". Use the same
	// scheme in every region, so a plan elsewhere can name it (VaultArn).
	VaultName string
	// LockDays locks the vault (governance mode): no recovery point may be deleted, or kept
	// less, than that many days.
	// Default: 0 (no lock).
	LockDays int
	// Plan backs up tagged resources into the vault.
	// Default: nil (the vault only receives copies).
	Plan *PlanProps
}

// Backup is a vault, its key, and the plan when one was asked for.
type Backup struct {
	constructs.Construct
	Vault bk.BackupVault
	Key   kms.Key
	// Plan and Selection are nil without BackupProps.Plan.
	Plan      bk.BackupPlan
	Selection bk.BackupSelection
	// FailureRules report failed jobs, keyed by the job kind ("backup", "copy"): empty without
	// PlanProps.FailureTopicArn. Alarm on their FailedInvocations: a message that cannot be
	// delivered is otherwise lost without a trace.
	FailureRules map[string]events.CfnRule
}

var (
	vaultName = regexp.MustCompile(`^[A-Za-z0-9_-]{2,50}$`)
	vaultArn  = regexp.MustCompile(`^arn:[a-z-]+:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_-]{2,50}$`)
	tagKey    = regexp.MustCompile(`^[A-Za-z0-9 _.:/=+@-]{1,128}$`)
)

// VaultArn is the ARN of the vault called name in another region of the same account.
func VaultArn(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:backup:%s:%s:backup-vault:%s", partition, region, account, name)
}

func (p BackupProps) withDefaults() BackupProps {
	if p.Plan != nil {
		plan := *p.Plan
		if plan.DailyRetentionDays == 0 {
			plan.DailyRetentionDays = limits.DefaultVaultDailyDays
		}
		if plan.MonthlyRetentionDays == 0 {
			plan.MonthlyRetentionDays = limits.DefaultVaultMonthlyDays
		}
		if plan.StartTime == "" {
			plan.StartTime = limits.DefaultBackupStartTime
		}
		p.Plan = &plan
	}
	return p
}

func (p BackupProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !vaultName.MatchString(p.VaultName) {
		add("VaultName %q must be 2-50 characters of letters, digits, '-' and '_'", p.VaultName)
	}
	if p.LockDays < 0 || p.LockDays > limits.MaxVaultLockDays {
		add("LockDays %d is outside 0-%d", p.LockDays, limits.MaxVaultLockDays)
	}
	if plan := p.Plan; plan != nil {
		if !tagKey.MatchString(plan.TagKey) || plan.TagValue == "" {
			add("Plan.TagKey %q and Plan.TagValue %q must both be set (the tag that selects resources)", plan.TagKey, plan.TagValue)
		}
		if d := plan.DailyRetentionDays; d < limits.MinVaultDailyDays || d > limits.MaxVaultRetentionDays {
			add("Plan.DailyRetentionDays %d is outside %d-%d", d, limits.MinVaultDailyDays, limits.MaxVaultRetentionDays)
		}
		if m := plan.MonthlyRetentionDays; m < limits.MinVaultMonthlyDays || m > limits.MaxVaultRetentionDays {
			add("Plan.MonthlyRetentionDays %d is outside %d-%d", m, limits.MinVaultMonthlyDays, limits.MaxVaultRetentionDays)
		}
		if shortest := min(plan.DailyRetentionDays, plan.MonthlyRetentionDays); p.LockDays > shortest {
			add("LockDays %d is longer than the shortest retention (%d days): the vault would refuse those recovery points", p.LockDays, shortest)
		}
		if _, err := limits.ParseTimeOfDay(plan.StartTime); err != nil {
			add("Plan.StartTime %q: %v", plan.StartTime, err)
		}
		if plan.CopyToVaultArn != "" && !vaultArn.MatchString(plan.CopyToVaultArn) {
			add("Plan.CopyToVaultArn %q is not a backup vault ARN", plan.CopyToVaultArn)
		}
	}
	return errors.Join(errs...)
}

// NewBackup builds the vault (and plan), or returns every problem with props.
func NewBackup(scope constructs.Construct, id string, props BackupProps) (*Backup, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("backup %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	b := &Backup{Construct: this}
	b.Key = keys.NewKey(this, "Key", "Encrypts the recovery points of backup vault "+p.VaultName)
	vault := &bk.BackupVaultProps{
		BackupVaultName: jsii.String(p.VaultName),
		EncryptionKey:   b.Key,
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
		// The vault's access policy denies every principal the deletion of a recovery point and any
		// change of its lifecycle: only the lifecycle it was made with expires it (docs/governance.md
		// says how to delete one on purpose).
		BlockRecoveryPointDeletion: jsii.Bool(true),
	}
	if p.LockDays > 0 {
		vault.LockConfiguration = &bk.LockConfiguration{MinRetention: days(p.LockDays)}
	}
	b.Vault = bk.NewBackupVault(this, jsii.String("Vault"), vault)
	if p.Plan != nil {
		b.buildPlan(p)
	}
	return b, nil
}

func (b *Backup) buildPlan(p BackupProps) {
	plan := p.Plan
	b.Plan = bk.NewBackupPlan(b.Construct, jsii.String("Plan"), &bk.BackupPlanProps{
		BackupPlanName: jsii.String(p.VaultName),
		BackupVault:    b.Vault,
	})
	var destination bk.IBackupVault
	if plan.CopyToVaultArn != "" {
		destination = bk.BackupVault_FromBackupVaultArn(b.Construct, jsii.String("CopyVault"), jsii.String(plan.CopyToVaultArn))
	}
	rule := func(name string, cron *events.CronOptions, keep int) {
		props := &bk.BackupPlanRuleProps{
			RuleName:           jsii.String(name),
			ScheduleExpression: events.Schedule_Cron(cron),
			DeleteAfter:        days(keep),
			StartWindow:        duration.Minutes(limits.BackupStartWindowMinutes),
			CompletionWindow:   duration.Hours(8),
		}
		if destination != nil {
			props.CopyActions = &[]*bk.BackupPlanCopyActionProps{{DestinationBackupVault: destination, DeleteAfter: days(keep)}}
		}
		b.Plan.AddRule(bk.NewBackupPlanRule(props))
	}
	start, _ := limits.ParseTimeOfDay(plan.StartTime) // validated
	hour, minute := jsii.String(strconv.Itoa(start/60)), jsii.String(strconv.Itoa(start%60))
	rule("Daily", &events.CronOptions{Minute: minute, Hour: hour}, plan.DailyRetentionDays)
	rule("Monthly", &events.CronOptions{Minute: minute, Hour: hour, Day: jsii.String("1")}, plan.MonthlyRetentionDays)

	if plan.FailureTopicArn != nil {
		b.reportFailures(p)
	}

	b.Selection = b.Plan.AddSelection(jsii.String("Tagged"), &bk.BackupSelectionOptions{
		Resources:     &[]bk.BackupResource{bk.BackupResource_FromTag(jsii.String(plan.TagKey), jsii.String(plan.TagValue), bk.TagOperation_STRING_EQUALS)},
		AllowRestores: jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(b.Selection, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("AWS Backup's service-role policies are maintained by AWS for every resource type it backs up " +
			"and restores; this role is assumable by AWS Backup only."),
		AppliesTo: &[]any{
			jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"),
			jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"),
		},
	}}, jsii.Bool(true))
}

// reportFailures sends the plan's failed jobs to its failure topic, one line each: a job that
// ends so is not run again before the next scheduled one, and a day without a recovery point is
// otherwise seen only in the console. AWS Backup's reason (statusMessage) is left out: it can
// hold double quotes, which EventBridge would not escape inside the message's JSON string; the
// runbook reads it with the job.
func (b *Backup) reportFailures(p BackupProps) {
	plan := p.Plan
	b.FailureRules = map[string]events.CfnRule{}
	rule := func(id, kind, detailType string, detail map[string]any, job string) {
		message := alarms.Description(limits.SeverityTicket,
			fmt.Sprintf("AWS Backup: %s job <job> of vault %s is <state> in <region> for <resource>", kind, p.VaultName),
			plan.RunbookBase, limits.BackupRunbook)
		b.FailureRules[kind] = events.NewCfnRule(b.Construct, jsii.String(id), &events.CfnRuleProps{
			Description:  jsii.String(detailType + " events of vault " + p.VaultName + " that need someone"),
			EventPattern: map[string]any{"source": []string{"aws.backup"}, "detail-type": []string{detailType}, "detail": detail},
			State:        jsii.String("ENABLED"),
			Targets: &[]*events.CfnRule_TargetProperty{{
				Id: jsii.String("FailureTopic"), Arn: plan.FailureTopicArn,
				InputTransformer: &events.CfnRule_InputTransformerProperty{
					InputPathsMap: map[string]string{"job": "$.detail." + job, "state": "$.detail.state", "region": "$.region",
						"resource": "$.detail.resourceArn"},
					InputTemplate: jsii.String(strconv.Quote(message)),
				},
			}},
		})
	}
	rule("BackupJobFailures", "backup", "Backup Job State Change",
		map[string]any{"state": limits.BackupJobFailureStates, "backupVaultName": []string{p.VaultName}}, "backupJobId")
	if plan.CopyToVaultArn != "" {
		rule("CopyJobFailures", "copy", "Copy Job State Change",
			map[string]any{"state": []string{"FAILED"}, "sourceBackupVaultArn": []*string{b.Vault.BackupVaultArn()}}, "copyJobId")
	}
}

func days(n int) awscdk.Duration { return duration.Days(float64(n)) }
