package backup

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
)

type synthesized struct {
	dir                  string
	primary, copies, dev awscdk.Stack
	primaryBackup        *Backup
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

const (
	copyVault  = "arn:aws:backup:eu-west-1:111111111111:backup-vault:stratus-prod-eu-west-1"
	alarmTopic = "arn:aws:sns:us-east-1:111111111111:stratus-prod-us-east-1-alarms"
)

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "backup-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, primary: cdktest.NewStack(app, "Primary", "us-east-1"),
			copies: cdktest.NewStack(app, "Copies", "eu-west-1"), dev: cdktest.NewStack(app, "Dev", "us-east-1")}
		var err error
		if s.primaryBackup, err = NewBackup(s.primary, "Backup", BackupProps{VaultName: "stratus-prod-us-east-1", LockDays: 35, Plan: &PlanProps{
			TagKey: "stratus:backup", TagValue: "prod", DailyRetentionDays: 35, MonthlyRetentionDays: 365, CopyToVaultArn: copyVault,
			StartTime: "07:45", FailureTopicArn: jsii.String(alarmTopic), RunbookBase: "runbooks/",
		}}); err != nil {
			return nil, err
		}
		if _, err := NewBackup(s.copies, "Backup", BackupProps{VaultName: "stratus-prod-eu-west-1", LockDays: 35}); err != nil {
			return nil, err
		}
		if _, err := NewBackup(s.dev, "Backup", BackupProps{VaultName: "stratus-dev-us-east-1", Plan: &PlanProps{TagKey: "stratus:backup", TagValue: "dev"}}); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func TestPlanBacksUpTaggedResourcesDailyAndMonthlyWithCopies(t *testing.T) {
	tpl := assertions.Template_FromStack(synth(t).primary, nil)
	copyAction := func(days int) []any {
		return []any{map[string]any{"DestinationBackupVaultArn": copyVault, "Lifecycle": map[string]any{"DeleteAfterDays": days}}}
	}
	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::Backup::BackupVault"), &map[string]any{
			"Properties": map[string]any{
				"BackupVaultName":   "stratus-prod-us-east-1",
				"EncryptionKeyArn":  map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^BackupKey")), "Arn"}},
				"LockConfiguration": map[string]any{"MinRetentionDays": 35},
			},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupPlan"), &map[string]any{"BackupPlan": map[string]any{
			"BackupPlanName": "stratus-prod-us-east-1",
			"BackupPlanRule": []any{
				assertions.Match_ObjectLike(&map[string]any{"RuleName": "Daily", "ScheduleExpression": "cron(45 7 * * ? *)",
					"Lifecycle": map[string]any{"DeleteAfterDays": 35}, "CopyActions": copyAction(35),
					"StartWindowMinutes": 60, "CompletionWindowMinutes": 480}),
				assertions.Match_ObjectLike(&map[string]any{"RuleName": "Monthly", "ScheduleExpression": "cron(45 7 1 * ? *)",
					"Lifecycle": map[string]any{"DeleteAfterDays": 365}, "CopyActions": copyAction(365)}),
			},
		}})
		tpl.HasResourceProperties(jsii.String("AWS::Backup::BackupSelection"), &map[string]any{"BackupSelection": assertions.Match_ObjectLike(&map[string]any{
			"ListOfTags": []any{map[string]any{"ConditionKey": "stratus:backup", "ConditionValue": "prod", "ConditionType": "STRINGEQUALS"}},
		})})
	})
}

// TestNoPrincipalMayDeleteARecoveryPoint: every vault (with a plan, a copy vault, a default one)
// denies everyone the deletion of a recovery point and the shortening of its lifecycle.
func TestNoPrincipalMayDeleteARecoveryPoint(t *testing.T) {
	s := synth(t)
	for name, stack := range map[string]awscdk.Stack{"primary": s.primary, "copies": s.copies, "dev": s.dev} {
		_, vault := cdktest.Only(t, cdktest.Template(t, stack), "AWS::Backup::BackupVault")
		statements := cdktest.Path[[]any](t, vault, "Properties", "AccessPolicy", "Statement")
		require.Len(t, statements, 1, name)
		assert.Equal(t, map[string]any{
			"Effect": "Deny", "Principal": map[string]any{"AWS": "*"}, "Resource": "*",
			"Action": []any{"backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"},
		}, statements[0], "%s: the vault keeps its recovery points until their lifecycle ends", name)
	}
}

func TestVaultOnlyAndDefaults(t *testing.T) {
	s := synth(t)
	copies := cdktest.Template(t, s.copies)
	assert.Empty(t, cdktest.OfType(t, copies, "AWS::Backup::BackupPlan"), "a copy vault has no plan")
	_, vault := cdktest.Only(t, copies, "AWS::Backup::BackupVault")
	assert.Equal(t, 35.0, cdktest.Path[float64](t, vault, "Properties", "LockConfiguration", "MinRetentionDays"))

	dev := cdktest.Template(t, s.dev)
	_, devVault := cdktest.Only(t, dev, "AWS::Backup::BackupVault")
	assert.NotContains(t, cdktest.Props(t, devVault), "LockConfiguration", "no lock by default")
	_, plan := cdktest.Only(t, dev, "AWS::Backup::BackupPlan")
	rules := cdktest.Path[[]any](t, plan, "Properties", "BackupPlan", "BackupPlanRule")
	require.Len(t, rules, 2)
	for i, keep := range []float64{35, 365} {
		r := cdktest.As[map[string]any](t, rules[i])
		assert.Equal(t, keep, cdktest.Path[float64](t, r, "Lifecycle", "DeleteAfterDays"))
		assert.Equal(t, []string{"cron(0 6 * * ? *)", "cron(0 6 1 * ? *)"}[i], cdktest.Path[string](t, r, "ScheduleExpression"),
			"the default start, %s UTC", limits.DefaultBackupStartTime)
		assert.NotContains(t, r, "CopyActions", "no copy without a copy vault")
	}
	assert.Equal(t, copyVault, VaultArn("aws", "eu-west-1", "111111111111", "stratus-prod-eu-west-1"))
}

func TestFailedJobsReachTheFailureTopic(t *testing.T) {
	s := synth(t)
	rules := cdktest.OfType(t, cdktest.Template(t, s.primary), "AWS::Events::Rule")
	require.Len(t, rules, 2, "backup jobs and copy jobs")
	vaultID, _ := cdktest.Only(t, cdktest.Template(t, s.primary), "AWS::Backup::BackupVault")
	vaultArn := map[string]any{"Fn::GetAtt": []any{vaultID, "BackupVaultArn"}}
	want := map[string]struct {
		pattern map[string]any
		job     string
	}{
		"BackupJobFailures": {map[string]any{"source": []any{"aws.backup"}, "detail-type": []any{"Backup Job State Change"},
			"detail": map[string]any{"state": []any{"ABORTED", "EXPIRED", "FAILED"}, "backupVaultName": []any{"stratus-prod-us-east-1"}}}, "backupJobId"},
		"CopyJobFailures": {map[string]any{"source": []any{"aws.backup"}, "detail-type": []any{"Copy Job State Change"},
			"detail": map[string]any{"state": []any{"FAILED"}, "sourceBackupVaultArn": []any{vaultArn}}}, "copyJobId"},
	}
	for id, r := range rules {
		name := id[len("Backup") : len(id)-8] // BackupBackupJobFailures1A2B3C4D: the construct id between
		w, ok := want[name]
		if !assert.True(t, ok, "unexpected rule %s", id) {
			continue
		}
		props := cdktest.Props(t, r)
		assert.Equal(t, w.pattern, props["EventPattern"], name)
		assert.Equal(t, "ENABLED", props["State"], name)
		targets := cdktest.As[[]any](t, props["Targets"])
		require.Len(t, targets, 1, name)
		target := cdktest.As[map[string]any](t, targets[0])
		assert.Equal(t, alarmTopic, target["Arn"], name)
		transform := cdktest.As[map[string]any](t, target["InputTransformer"])
		assert.Equal(t, map[string]any{"job": "$.detail." + w.job, "state": "$.detail.state", "region": "$.region",
			"resource": "$.detail.resourceArn"}, transform["InputPathsMap"], name)
		template := cdktest.As[string](t, transform["InputTemplate"])
		assert.NotContains(t, template, "<message>", "%s: statusMessage may hold quotes EventBridge does not escape", name)
		assert.Regexp(t, `^"\[ticket\] AWS Backup: (backup|copy) job <job> of vault stratus-prod-us-east-1 is <state> in <region> for <resource>\. Runbook: runbooks/backup-failure.md"$`, template, name)
	}
	dev := cdktest.Template(t, s.dev)
	assert.Empty(t, cdktest.OfType(t, dev, "AWS::Events::Rule"), "no failure topic, no rule")
	var ids []string
	cdktest.NoPanic(t, func() {
		for _, kind := range []string{"backup", "copy"} {
			ids = append(ids, *s.primary.GetLogicalId(s.primaryBackup.FailureRules[kind]))
		}
	})
	assert.Equal(t, []string{"BackupBackupJobFailures", "BackupCopyJobFailures"}, []string{ids[0][:len(ids[0])-8], ids[1][:len(ids[1])-8]},
		"FailureRules holds each rule under its job kind")
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	valid := func() BackupProps {
		return BackupProps{VaultName: "v1", Plan: &PlanProps{TagKey: "k", TagValue: "v"}}.withDefaults()
	}
	cdktest.Rejects(t, valid, BackupProps.validate, []cdktest.Invalid[BackupProps]{
		{Name: "a vault name with a space", Mutate: func(p *BackupProps) { p.VaultName = "my vault" }, Want: `VaultName "my vault"`},
		{Name: "a negative lock", Mutate: func(p *BackupProps) { p.LockDays = -1 }, Want: "LockDays -1 is outside"},
		{Name: "a lock past the daily retention", Mutate: func(p *BackupProps) { p.LockDays = 40 }, Want: "LockDays 40 is longer than the shortest retention (35 days)"},
		{Name: "no tag", Mutate: func(p *BackupProps) { p.Plan.TagKey = "" }, Want: "Plan.TagKey"},
		{Name: "no daily retention", Mutate: func(p *BackupProps) { p.Plan.DailyRetentionDays = -3 }, Want: "Plan.DailyRetentionDays -3"},
		{Name: "a short monthly retention", Mutate: func(p *BackupProps) { p.Plan.MonthlyRetentionDays = 7 }, Want: "Plan.MonthlyRetentionDays 7 is outside 30-36500"},
		{Name: "a start time past midnight", Mutate: func(p *BackupProps) { p.Plan.StartTime = "24:00" }, Want: `Plan.StartTime "24:00": not a time of day`},
		{Name: "a copy target that is not a vault", Mutate: func(p *BackupProps) { p.Plan.CopyToVaultArn = "arn:aws:s3:::bucket" }, Want: `Plan.CopyToVaultArn "arn:aws:s3:::bucket"`},
	})
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.primary, s.copies, s.dev)
}
