package database

import (
	"fmt"
	"testing"

	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestAuroraPostgresCreatesItsIAMUsersAtDeploy(t *testing.T) {
	f := fixtures(t)
	tpl := f.templates[stackPrimaryUsers]
	keyID, _ := f.only(t, stackPrimaryUsers, "AWS::KMS::Key")
	key := getAtt(keyID, "Arn")
	clusterID, cluster := f.only(t, stackPrimaryUsers, "AWS::RDS::DBCluster")
	identifier := cdktest.As[string](t, cdktest.As[map[string]any](t, cluster["Properties"])["DBClusterIdentifier"])
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::RDS::DBCluster"), &map[string]any{"EnableHttpEndpoint": true})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"LogGroupName": "/stratus/database/" + identifier + "/users", "KmsKeyId": key,
		})
	})
	_, cr := f.only(t, stackPrimaryUsers, "Custom::DatabaseUsers")
	props := cr["Properties"].(map[string]any)
	assert.Equal(t, []any{"orders", "billing-api"}, props["Users"])
	assert.Equal(t, "orders", props["Database"])
	clusterArn := props["ClusterArn"]
	assert.Contains(t, fmt.Sprint(clusterArn), "map[Ref:"+clusterID+"]", "the cluster's ARN")
	deps, _ := cr["DependsOn"].([]any)
	assert.Len(t, deps, 2, "the writer instance and the function's policy")

	fnID, fn := f.only(t, stackPrimaryUsers, "AWS::Lambda::Function")
	fp := fn["Properties"].(map[string]any)
	assert.Equal(t, getAtt(fnID, "Arn"), props["ServiceToken"])
	assert.Equal(t, "index.handler", fp["Handler"])
	assert.NotNil(t, fp["VpcConfig"], "the function runs in the VPC")

	// The function may run SQL on this cluster only, and read the master secret.
	policies := f.resources(t, stackPrimaryUsers, "AWS::IAM::ManagedPolicy")
	var statements []any
	for _, p := range policies {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		statements = append(statements, doc["Statement"].([]any)...)
	}
	assert.Contains(t, statements, map[string]any{
		"Action": "rds-data:ExecuteStatement", "Effect": "Allow", "Resource": clusterArn,
	})

	// Its clients get no secret: they authenticate with IAM as their user.
	built, ok := f.built[stackPrimaryUsers].(*AuroraPostgres)
	require.True(t, ok, "fixture keeps the built construct")
	assert.Nil(t, built.Connection.Secret)
	assert.NotNil(t, built.Users)
	plain, ok := f.built[stackPrimary].(*AuroraPostgres)
	require.True(t, ok)
	assert.NotNil(t, plain.Connection.Secret, "without users clients still get the master secret")
	assert.Empty(t, f.resources(t, stackPrimary, "Custom::DatabaseUsers"))
}

func TestAuroraPostgresRejectsUsersThatNeedQuoting(t *testing.T) {
	p := primaryProps(net{})
	p.Users = []string{"ok_user", `x"; drop`, "Upper"}
	err := p.withDefaults().validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Users: "x\"; drop" must match`)
	assert.Contains(t, err.Error(), `Users: "Upper" must match`)
	assert.NotContains(t, err.Error(), `"ok_user"`)
}
