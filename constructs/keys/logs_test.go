package keys

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/nagpacks"
)

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

func TestNewKeyRotatesAndIsRetained(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := cdktest.NewApp(t)
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
		app := cdktest.NewApp(t)
		stack = cdktest.NewStack(app, "Test", "eu-west-1")
		nagpacks.Apply(stack)
		key := NewKey(stack, "LogKey", "Encrypts the test log group")
		assert.False(t, !AllowCloudWatchLogs(key), "AllowCloudWatchLogs on a new key returned false")
		logs.NewLogGroup(stack, jsii.String("Group"), &logs.LogGroupProps{
			EncryptionKey: key, Retention: logs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
	})
	assert.Equal(t, cdktest.LogsKeyStatement("logs.eu-west-1.amazonaws.com", "arn:aws:logs:eu-west-1:111111111111:log-group:*"),
		logsStatement(t, stack))
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
				app := cdktest.NewApp(t)
				stack = cdktest.NewStack(app, "Test", "us-east-1")
				key := NewKey(stack, "LogKey", "Encrypts the test log groups")
				arns := make([]string, len(tc.names))
				for i, n := range tc.names {
					arns[i] = LogGroupArn(key, n)
				}
				AllowCloudWatchLogs(key, arns...)
			})
			assert.Equal(t, cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", tc.want), logsStatement(t, stack))
		})
	}
}

func TestLogGroupArnInNamesTheLogGroupInThatEnvironment(t *testing.T) {
	assert.Equal(t, "arn:aws-cn:logs:cn-north-1:111111111111:log-group:/ecs/product",
		LogGroupArnIn("aws-cn", "cn-north-1", "111111111111", "/ecs/product"))
	assert.Equal(t, "arn:aws:logs:eu-west-1:222222222222:log-group:*", LogGroupArnIn("aws", "eu-west-1", "222222222222", "*"))
}

func TestAllowCloudWatchLogsResolvesTokensOfAnEnvironmentAgnosticStack(t *testing.T) {
	var stack awscdk.Stack
	cdktest.NoPanic(t, func() {
		app := cdktest.NewApp(t)
		stack = awscdk.NewStack(app, jsii.String("Test"), nil)
		AllowCloudWatchLogs(NewKey(stack, "LogKey", "Encrypts the test log groups"))
	})
	join := func(parts ...any) any { return map[string]any{"Fn::Join": []any{"", parts}} }
	ref := func(p string) any { return map[string]any{"Ref": "AWS::" + p} }
	assert.Equal(t, cdktest.LogsKeyStatement(
		join("logs.", ref("Region"), ".amazonaws.com"),
		join("arn:", ref("Partition"), ":logs:", ref("Region"), ":", ref("AccountId"), ":log-group:*"),
	), logsStatement(t, stack))
}

func TestAllowCloudWatchLogsCannotChangeAnImportedKey(t *testing.T) {
	cdktest.NoPanic(t, func() {
		app := cdktest.NewApp(t)
		stack := cdktest.NewStack(app, "Test", "us-east-1")
		imported := kms.Key_FromKeyArn(stack, jsii.String("Imported"),
			jsii.String("arn:aws:kms:us-east-1:111111111111:key/00000000-0000-0000-0000-000000000000"))
		assert.False(t, AllowCloudWatchLogs(imported), "AllowCloudWatchLogs on an imported key returned true")
	})
}

func TestAllowCloudWatchLogsReachesTheKeyBehindAnAlias(t *testing.T) {
	var stack awscdk.Stack
	cdktest.NoPanic(t, func() {
		stack = cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
		alias := NewKey(stack, "LogKey", "Encrypts the test log groups").AddAlias(jsii.String("alias/test-logs"))
		assert.True(t, AllowCloudWatchLogsIn(alias, "us-east-1", LogGroupArnIn("aws", "us-east-1", "111111111111", "/test")),
			"an alias of a key of this app passes the statement on")
	})
	assert.Equal(t, cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", "arn:aws:logs:us-east-1:111111111111:log-group:/test"),
		logsStatement(t, stack))
}
