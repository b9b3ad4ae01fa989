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

// TestPostgresInstanceCreatesItsIAMUsersAtDeploy: RDS for PostgreSQL has no Data API, so a
// Node.js function in the VPC runs the same statements over the PostgreSQL protocol, reaching the
// instance's port through the database security group and nothing else but HTTPS.
func TestPostgresInstanceCreatesItsIAMUsersAtDeploy(t *testing.T) {
	f := fixtures(t)
	keyID, _ := f.only(t, stackInstanceUsers, "AWS::KMS::Key")
	instanceID, instance := f.only(t, stackInstanceUsers, "AWS::RDS::DBInstance")
	identifier := cdktest.As[string](t, cdktest.As[map[string]any](t, instance["Properties"])["DBInstanceIdentifier"])
	cdktest.NoPanic(t, func() {
		f.templates[stackInstanceUsers].HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"LogGroupName": "/stratus/database/" + identifier + "/users", "KmsKeyId": getAtt(keyID, "Arn"),
		})
	})
	_, cr := f.only(t, stackInstanceUsers, "Custom::DatabaseUsers")
	props := cr["Properties"].(map[string]any)
	assert.Equal(t, []any{"shop", "cart"}, props["Users"])
	assert.Equal(t, "shop", props["Database"])
	assert.Equal(t, getAtt(instanceID, "Endpoint.Address"), props["Host"])
	assert.Equal(t, 5432.0, props["Port"])

	fnID, fn := f.only(t, stackInstanceUsers, "AWS::Lambda::Function")
	fp := fn["Properties"].(map[string]any)
	assert.Equal(t, getAtt(fnID, "Arn"), props["ServiceToken"])
	assert.Equal(t, "nodejs24.x", fp["Runtime"])
	assert.Equal(t, map[string]any{"Variables": map[string]any{"NODE_EXTRA_CA_CERTS": "/var/runtime/ca-cert.pem"}}, fp["Environment"],
		"the runtime's Amazon CA certificates verify the instance's TLS certificate")
	require.NotNil(t, fp["VpcConfig"], "the function runs in the VPC")

	// Its security group: HTTPS anywhere (Secrets Manager, the response URL) and PostgreSQL to
	// the database security group only; and that group admits it on the database port.
	sgIDs := cdktest.Path[[]any](t, fp, "VpcConfig", "SecurityGroupIds")
	require.Len(t, sgIDs, 1)
	sgID := cdktest.As[[]any](t, cdktest.As[map[string]any](t, sgIDs[0])["Fn::GetAtt"])[0].(string)
	egress := cdktest.Path[[]any](t, f.resources(t, stackInstanceUsers, "AWS::EC2::SecurityGroup")[sgID]["Properties"].(map[string]any), "SecurityGroupEgress")
	var ruleIDs []string                                                                     // the users wait for both rules: invoked before them, the function could not connect
	for id, e := range f.resources(t, stackInstanceUsers, "AWS::EC2::SecurityGroupEgress") { // rules to another stack's group
		if ep := e["Properties"].(map[string]any); fmt.Sprint(ep["GroupId"]) == fmt.Sprint(getAtt(sgID, "GroupId")) {
			egress = append(egress, ep)
			ruleIDs = append(ruleIDs, id)
		}
	}
	var rules []string
	for _, r := range egress {
		r := r.(map[string]any)
		to := fmt.Sprint(r["CidrIp"])
		if r["DestinationSecurityGroupId"] != nil {
			to = "the database security group"
			assert.Contains(t, fmt.Sprint(r["DestinationSecurityGroupId"]), "Fn::ImportValue", "the Network stack's group")
		}
		rules = append(rules, fmt.Sprintf("%v %v %s", r["IpProtocol"], r["FromPort"], to))
	}
	assert.ElementsMatch(t, []string{"tcp 443 0.0.0.0/0", "tcp 5432 the database security group"}, rules)
	found := false
	for id, in := range f.resources(t, stackInstanceUsers, "AWS::EC2::SecurityGroupIngress") {
		ip := in["Properties"].(map[string]any)
		if fmt.Sprint(ip["SourceSecurityGroupId"]) == fmt.Sprint(getAtt(sgID, "GroupId")) {
			found = true
			ruleIDs = append(ruleIDs, id)
			assert.Equal(t, 5432.0, ip["FromPort"])
			assert.Equal(t, 5432.0, ip["ToPort"])
		}
	}
	assert.True(t, found, "the database security group admits the function")
	require.Len(t, ruleIDs, 2)
	for _, id := range ruleIDs {
		assert.Contains(t, cr["DependsOn"], id, "the users wait for the rule")
	}

	// The function reads the master secret, and may do nothing else of its own.
	var actions []string
	for _, p := range f.resources(t, stackInstanceUsers, "AWS::IAM::ManagedPolicy") {
		doc := p["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			actions = append(actions, fmt.Sprint(st.(map[string]any)["Action"]))
		}
	}
	assert.Contains(t, actions, "[secretsmanager:DescribeSecret secretsmanager:GetSecretValue]")
	assert.NotContains(t, fmt.Sprint(actions), "rds-data", "no Data API for an instance")

	built, ok := f.built[stackInstanceUsers].(*PostgresInstance)
	require.True(t, ok, "fixture keeps the built construct")
	assert.Nil(t, built.Connection.Secret, "clients authenticate with IAM")
	assert.NotNil(t, built.Users)
	plain, ok := f.built[stackInstance].(*PostgresInstance)
	require.True(t, ok)
	assert.NotNil(t, plain.Connection.Secret, "without users clients still get the master secret")
	assert.Empty(t, f.resources(t, stackInstance, "Custom::DatabaseUsers"))
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

func TestPostgresInstanceRejectsUsersThatNeedQuoting(t *testing.T) {
	p := instanceProps(net{})
	p.Users = []string{"ok_user", "Upper"}
	err := p.withDefaults().validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), `Users: "Upper" must match`)
	assert.NotContains(t, err.Error(), `"ok_user"`)
}
