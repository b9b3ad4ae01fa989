package database

import (
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

func TestGrantConnectWithoutAResourceIdIsAProgrammingError(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "NoId", "eu-west-1")
	role := iam.NewRole(stack, jsii.String("Role"), &iam.RoleProps{AssumedBy: iam.NewAccountRootPrincipal()})
	assert.PanicsWithValue(t, `database: GrantConnect("app") on a connection without a ResourceId`, func() {
		(&Connection{Host: jsii.String("h")}).GrantConnect(role, "app")
	})
}
