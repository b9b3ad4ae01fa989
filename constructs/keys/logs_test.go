package keys

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// logsActions are the statement's actions as synthesized (cdk.json's minimizePolicies sorts them).
var logsActions = []any{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"}

// logsStatement returns the AllowCloudWatchLogs statement of the only key in stack, failing the
// test unless there is exactly one.
func logsStatement(t *testing.T, stack awscdk.Stack) map[string]any {
	t.Helper()
	_, key := cdktest.Only(t, cdktest.Template(t, stack), "AWS::KMS::Key")
	props := cdktest.As[map[string]any](t, key["Properties"])
	var found []map[string]any
	require.NotEmpty(t, cdktest.As[[]any](t, cdktest.As[map[string]any](t, props["KeyPolicy"])["Statement"]))
	for _, s := range cdktest.As[[]any](t, cdktest.As[map[string]any](t, props["KeyPolicy"])["Statement"]) {
		if st := cdktest.As[map[string]any](t, s); st["Sid"] == "AllowCloudWatchLogs" {
			found = append(found, st)
		}
	}
	require.Len(t, found, 1)
	return found[0]
}

// newApp is an app with cdk.json's feature flags, as `cdk synth` runs it.
func newApp(t *testing.T) awscdk.App {
	ctx := cdktest.Context()
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
}

func wantStatement(principal, arns any) map[string]any {
	return map[string]any{
		"Sid":       "AllowCloudWatchLogs",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": principal},
		"Action":    logsActions,
		"Resource":  "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": arns}},
	}
}

func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	assert.Equal(t, want, got, what)

}

func TestNewKeyRotatesAndIsRetained(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := newApp(t)
		stack := cdktest.NewStack(app, "Test", "eu-west-1")
		NewKey(stack, "LogKey", "Encrypts the test log group")
		assertions.Template_FromStack(stack, nil).HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties":          map[string]any{"EnableKeyRotation": true, "Description": "Encrypts the test log group"},
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
		})
	})
}

func TestAllowCloudWatchLogsWithoutArnsCoversTheAccountsLogGroupsInTheRegion(t *testing.T) {
	var stack awscdk.Stack
	cdktest.NoPanic(t, func() {
		app := newApp(t)
		stack = cdktest.NewStack(app, "Test", "eu-west-1")
		awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nil), nil)
		awscdk.Aspects_Of(stack).Add(cdknag.NewNIST80053R5Checks(nil), nil)
		key := NewKey(stack, "LogKey", "Encrypts the test log group")
		assert.False(t, !AllowCloudWatchLogs(key), "AllowCloudWatchLogs on a new key returned false")
		logs.NewLogGroup(stack, jsii.String("Group"), &logs.LogGroupProps{
			EncryptionKey: key, Retention: logs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
	})
	sameJSON(t, "statement", logsStatement(t, stack),
		wantStatement("logs.eu-west-1.amazonaws.com", "arn:aws:logs:eu-west-1:111111111111:log-group:*"))
	cdktest.NoAnnotations(t, stack)
}

func TestAllowCloudWatchLogsKeepsExplicitArnsExact(t *testing.T) {
	for name, tc := range map[string]struct {
		names []string
		want  any
	}{
		"one ARN is a single value": {
			names: []string{"/ecs/product"},
			want:  "arn:aws:logs:us-east-1:111111111111:log-group:/ecs/product",
		},
		"several ARNs are a list, in order": {
			names: []string{"/aws/rds/instance/db/postgresql", "/aws/rds/instance/db/upgrade"},
			want: []any{
				"arn:aws:logs:us-east-1:111111111111:log-group:/aws/rds/instance/db/postgresql",
				"arn:aws:logs:us-east-1:111111111111:log-group:/aws/rds/instance/db/upgrade",
			},
		},
	} {
		t.Run(name, func(t *testing.T) {
			var stack awscdk.Stack
			cdktest.NoPanic(t, func() {
				app := newApp(t)
				stack = cdktest.NewStack(app, "Test", "us-east-1")
				key := NewKey(stack, "LogKey", "Encrypts the test log groups")
				arns := make([]string, len(tc.names))
				for i, n := range tc.names {
					arns[i] = LogGroupArn(key, n)
				}
				AllowCloudWatchLogs(key, arns...)
			})
			sameJSON(t, "statement", logsStatement(t, stack), wantStatement("logs.us-east-1.amazonaws.com", tc.want))
		})
	}
}

func TestAllowCloudWatchLogsResolvesTokensOfAnEnvironmentAgnosticStack(t *testing.T) {
	var stack awscdk.Stack
	cdktest.NoPanic(t, func() {
		app := newApp(t)
		stack = awscdk.NewStack(app, jsii.String("Test"), nil)
		AllowCloudWatchLogs(NewKey(stack, "LogKey", "Encrypts the test log groups"))
	})
	join := func(parts ...any) any { return map[string]any{"Fn::Join": []any{"", parts}} }
	ref := func(p string) any { return map[string]any{"Ref": "AWS::" + p} }
	sameJSON(t, "statement", logsStatement(t, stack), wantStatement(
		join("logs.", ref("Region"), ".amazonaws.com"),
		join("arn:", ref("Partition"), ":logs:", ref("Region"), ":", ref("AccountId"), ":log-group:*"),
	))
}

func TestAllowCloudWatchLogsCannotChangeAnImportedKey(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := newApp(t)
		stack := cdktest.NewStack(app, "Test", "us-east-1")
		imported := kms.Key_FromKeyArn(stack, jsii.String("Imported"),
			jsii.String("arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"))
		assert.False(t, AllowCloudWatchLogs(imported), "AllowCloudWatchLogs on an imported key returned true")
	})
}
