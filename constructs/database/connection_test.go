package database

import (
	"fmt"
	"testing"

	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// assertConnection checks what a construct hands its clients: the given endpoint, the
// PostgreSQL port, the database, the secret (or none) and the resource id IAM grants name.
func assertConnection(t *testing.T, c *Connection, host *string, database string, secret sm.ISecret, resourceID *string) {
	t.Helper()
	require.NotNil(t, c, "Connection")
	assert.Equal(t, cdktest.Str(host), cdktest.Str(c.Host), "Host")
	assert.Equal(t, Port, c.Port, "Port")
	assert.Equal(t, database, c.DatabaseName, "DatabaseName")
	assert.Equal(t, secret, c.Secret, "Secret")
	assert.Equal(t, cdktest.Str(resourceID), cdktest.Str(c.ResourceId), "ResourceId")
}

func TestGrantConnectAllowsOneUserOnOneDatabase(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "Grant", "eu-west-1")
	var statements []any
	cdktest.NoPanic(t, func() {
		role := iam.NewRole(stack, jsii.String("Role"), &iam.RoleProps{AssumedBy: iam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
		c := &Connection{Host: jsii.String("db.example.internal"), Port: Port, DatabaseName: "orders", ResourceId: jsii.String("cluster-ABCDEFGHIJ")}
		grant := c.GrantConnect(role, "order_svc")
		require.True(t, *grant.Success())
		_, policy := cdktest.Only(t, cdktest.Template(t, stack), "AWS::IAM::Policy")
		statements = cdktest.Path[[]any](t, policy, "Properties", "PolicyDocument", "Statement")
	})
	assert.Equal(t, []any{map[string]any{
		"Action": "rds-db:connect", "Effect": "Allow",
		"Resource": "arn:aws:rds-db:eu-west-1:" + cdktest.Account + ":dbuser:cluster-ABCDEFGHIJ/order_svc",
	}}, statements)
}

// Through the global writer endpoint a connection reaches whichever cluster is the writer, and
// IAM checks it against that cluster's region and resource id.
func TestGrantConnectThroughTheWriterEndpointReachesTheWriterInEveryRegion(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "Writer", "eu-west-1")
	var local, writer []any
	var suppressed []any
	cdktest.NoPanic(t, func() {
		role := iam.NewRole(stack, jsii.String("Role"), &iam.RoleProps{AssumedBy: iam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil)})
		c := &Connection{
			Host: jsii.String("db.example.internal"), Port: Port, DatabaseName: "orders", ResourceId: jsii.String("cluster-ABCDEFGHIJ"),
			WriterHost: jsii.String("orders.global-abc.global.rds.amazonaws.com"), WriterRegions: []string{"us-east-1", "eu-west-1", "us-west-2"},
		}
		require.True(t, *c.GrantConnect(role, "order_svc").Success())
		tpl := cdktest.Template(t, stack)
		_, policy := cdktest.Only(t, tpl, "AWS::IAM::Policy")
		local = cdktest.Path[[]any](t, policy, "Properties", "PolicyDocument", "Statement")
		_, managed := cdktest.Only(t, tpl, "AWS::IAM::ManagedPolicy")
		writer = cdktest.Path[[]any](t, managed, "Properties", "PolicyDocument", "Statement")
		suppressed = cdktest.Path[[]any](t, managed, "Metadata", "cdk_nag", "rules_to_suppress")
	})
	arn := "arn:aws:rds-db:%s:" + cdktest.Account + ":dbuser:%s/order_svc"
	assert.Equal(t, []any{map[string]any{"Action": "rds-db:connect", "Effect": "Allow", "Resource": fmt.Sprintf(arn, "eu-west-1", "cluster-ABCDEFGHIJ")}}, local,
		"this region's cluster, by its resource id")
	assert.Equal(t, []any{map[string]any{"Action": "rds-db:connect", "Effect": "Allow", "Resource": []any{
		fmt.Sprintf(arn, "us-east-1", "cluster-*"), fmt.Sprintf(arn, "us-west-2", "cluster-*"),
	}}}, writer, "the other regions' clusters, the user exactly")
	require.Len(t, suppressed, 1)
	rule := suppressed[0].(map[string]any)
	assert.Equal(t, "AwsSolutions-IAM5", rule["id"])
	assert.Equal(t, []any{map[string]any{"regex": `/^Resource::arn:[^:]+:rds-db:(us-east-1|us-west-2):[^:]+:dbuser:cluster-\*\/order_svc$/`}}, rule["applies_to"],
		"the suppression covers exactly the cluster wildcard of this user in those regions")
}

func TestGrantConnectThroughAWriterEndpointWithoutRegionsIsAProgrammingError(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "NoRegions", "eu-west-1")
	role := iam.NewRole(stack, jsii.String("Role"), &iam.RoleProps{AssumedBy: iam.NewAccountRootPrincipal()})
	assert.PanicsWithValue(t, `database: GrantConnect("app") through a WriterHost needs a role and the WriterRegions`, func() {
		(&Connection{Host: jsii.String("h"), ResourceId: jsii.String("cluster-X"), WriterHost: jsii.String("w")}).GrantConnect(role, "app")
	})
}

func TestGrantConnectWithoutAResourceIdIsAProgrammingError(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "NoId", "eu-west-1")
	role := iam.NewRole(stack, jsii.String("Role"), &iam.RoleProps{AssumedBy: iam.NewAccountRootPrincipal()})
	assert.PanicsWithValue(t, `database: GrantConnect("app") on a connection without a ResourceId`, func() {
		(&Connection{Host: jsii.String("h")}).GrantConnect(role, "app")
	})
}
