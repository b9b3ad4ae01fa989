package database

import (
	_ "embed" // the users function's code

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/handler"
)

// usersCode is the custom resource's handler (users/index.py, unit-tested with
// `python3 -m unittest` in that folder).
//
//go:embed users/index.py
var usersCode []byte

// usersLogGroupName is where the users function logs; the cluster key's policy admits it.
func usersLogGroupName(identifier string) string { return "/stratus/database/" + identifier + "/users" }

// addUsers creates users in cluster's database at deploy time: a Python function in the VPC
// (HTTPS out only, to the RDS Data API and Secrets Manager) that CloudFormation invokes with the
// cluster ARN, the master secret ARN, the database and the user list, after every member of the
// cluster exists. The Data API needs no driver and no 5432 path to the database.
func addUsers(scope constructs.Construct, cluster rds.DatabaseCluster, key kms.IKey, identifier string, p AuroraPostgresProps) (awscdk.CustomResource, error) {
	code, err := handler.Folder("stratus-database-users", "index.py", usersCode)
	if err != nil {
		return nil, err
	}
	this := constructs.NewConstruct(scope, jsii.String("Users"))
	group := logs.NewLogGroup(this, jsii.String("Logs"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(usersLogGroupName(identifier)),
		EncryptionKey: key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN, // kept like every log: what ran against the database
	})
	sg := ec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Database users function: HTTPS to the RDS Data API, Secrets Manager and CloudFormation"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddEgressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the RDS Data API, Secrets Manager and the CloudFormation response URL"), nil)
	// The role's permissions are a customer managed policy (no inline policy) naming exactly
	// this cluster and its secret; the AWS managed VPC policy lets Lambda attach to the subnets
	// and write the logs.
	policy := iam.NewManagedPolicy(this, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Database users function of " + identifier + ": SQL through the Data API, the master secret"),
		Statements: &[]iam.PolicyStatement{
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("rds-data:ExecuteStatement"), Resources: &[]*string{cluster.ClusterArn()},
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
				Resources: &[]*string{cluster.Secret().SecretArn()},
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("kms:Decrypt"), Resources: &[]*string{key.KeyArn()},
				Conditions: &map[string]any{"StringEquals": map[string]any{
					"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(this).Region() + ".amazonaws.com",
				}},
			}),
		},
	})
	role := iam.NewRole(this, jsii.String("Role"), &iam.RoleProps{
		Description: jsii.String("Database users function of " + identifier),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		ManagedPolicies: &[]iam.IManagedPolicy{
			policy,
			iam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSLambdaVPCAccessExecutionRole")),
		},
	})
	fn := lambda.NewFunction(this, jsii.String("Function"), &lambda.FunctionProps{
		Description:    jsii.String("Creates the IAM-authenticated users of database " + p.DatabaseName + " of " + identifier),
		Runtime:        lambda.Runtime_PYTHON_3_14(),
		Handler:        jsii.String("index.handler"),
		Code:           lambda.Code_FromAsset(jsii.String(code), nil),
		Timeout:        duration.Minutes(5),
		MemorySize:     jsii.Number(256),
		Vpc:            p.Vpc,
		VpcSubnets:     p.RotationSubnets,
		SecurityGroups: &[]ec2.ISecurityGroup{sg},
		LogGroup:       group,
		Role:           role,
	})
	// The function references its role through Fn::GetAtt already (cfn-lint W3005).
	fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
	users := make([]any, len(p.Users))
	for i, u := range p.Users {
		users[i] = u
	}
	cr := awscdk.NewCustomResource(this, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::DatabaseUsers"),
		Properties: &map[string]any{
			"ClusterArn": cluster.ClusterArn(), "SecretArn": cluster.Secret().SecretArn(),
			"Database": p.DatabaseName, "Users": users,
		},
	})
	// The Data API needs the writer instance, not only the cluster the ARN already orders.
	res := cr.Node().DefaultChild().(awscdk.CfnResource)
	res.AddResourceDependency(cluster.Node().FindChild(jsii.String("Writer")).Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("the Data API runs the SQL on the writer instance"))
	res.AddResourceDependency(policy.Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("the function needs its grants when CloudFormation invokes it"))
	suppressUsersFunction(fn, role)
	return cr, nil
}
