package database

import (
	_ "embed" // the users functions' code
	"maps"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/handler"
)

// usersCode is the Aurora custom resource's handler (users/index.py, unit-tested with
// `python3 -m unittest` in that folder); instanceUsersCode the RDS for PostgreSQL one's
// (instanceusers/index.js, `node --test` there).
//
//go:embed users/index.py
var usersCode []byte

//go:embed instanceusers/index.js
var instanceUsersCode []byte

// usersLogGroupName is where the users function logs; the database key's policy admits it.
func usersLogGroupName(identifier string) string { return "/stratus/database/" + identifier + "/users" }

// usersFunction is what sets the two users functions apart: how they reach the database.
type usersFunction struct {
	file    string // the handler file, embedded as code
	code    []byte
	runtime lambda.Runtime
	env     map[string]*string
	// group describes its security group, egress its HTTPS egress rule and policy its policy
	// (resources of deployed stacks: a new group description would replace the group).
	group, egress, policy string
	database              string // "cluster" or "instance"
	// grants are the function's own permissions beside reading the master secret.
	grants []iam.PolicyStatement
	// properties are the custom resource's, beside Database, SecretArn and Users.
	properties map[string]any
}

// newUsers creates the users of database (Users) of the database identifier, whose master secret
// and key are given, at deploy time: a function in the VPC's subnets that CloudFormation invokes
// with the user list, and that only ever adds users. It returns the custom resource (which waits
// for the function's policy), the function's security group and the construct holding them.
func newUsers(scope constructs.Construct, f usersFunction, identifier, database string, users []string, secret sm.ISecret, key kms.IKey,
	vpc ec2.IVpc, subnets *ec2.SubnetSelection, retention logs.RetentionDays) (awscdk.CustomResource, ec2.SecurityGroup, constructs.Construct, error) {
	code, err := handler.Folder("stratus-database-users", f.file, f.code)
	if err != nil {
		return nil, nil, nil, err
	}
	this := constructs.NewConstruct(scope, jsii.String("Users"))
	group := logs.NewLogGroup(this, jsii.String("Logs"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(usersLogGroupName(identifier)),
		EncryptionKey: key,
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN, // kept like every log: what ran against the database
	})
	sg := ec2.NewSecurityGroup(this, jsii.String("SecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String(f.group),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddEgressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(443)), jsii.String(f.egress), nil)
	// The role's permissions are a customer managed policy (no inline policy) naming exactly
	// this database and its secret; the AWS managed VPC policy lets Lambda attach to the subnets
	// and write the logs.
	statements := append(f.grants,
		iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
			Resources: &[]*string{secret.SecretArn()},
		}),
		iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("kms:Decrypt"), Resources: &[]*string{key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{
				"kms:ViaService": "secretsmanager." + *awscdk.Stack_Of(this).Region() + ".amazonaws.com",
			}},
		}))
	policy := iam.NewManagedPolicy(this, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Database users function of " + identifier + ": " + f.policy),
		Statements:  &statements,
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
		Description:    jsii.String("Creates the IAM-authenticated users of database " + database + " of " + identifier),
		Runtime:        f.runtime,
		Handler:        jsii.String("index.handler"),
		Code:           lambda.Code_FromAsset(jsii.String(code), nil),
		Timeout:        duration.Minutes(5),
		MemorySize:     jsii.Number(256),
		Vpc:            vpc,
		VpcSubnets:     subnets,
		SecurityGroups: &[]ec2.ISecurityGroup{sg},
		LogGroup:       group,
		Role:           role,
	})
	for name, value := range f.env {
		fn.AddEnvironment(jsii.String(name), value, nil)
	}
	// The function references its role through Fn::GetAtt already (cfn-lint W3005).
	fn.Node().DefaultChild().(awscdk.CfnResource).AddDeletionOverride(jsii.String("DependsOn"))
	list := make([]any, len(users))
	for i, u := range users {
		list[i] = u
	}
	properties := map[string]any{"SecretArn": secret.SecretArn(), "Database": database, "Users": list}
	maps.Copy(properties, f.properties)
	cr := awscdk.NewCustomResource(this, jsii.String("Resource"), &awscdk.CustomResourceProps{
		ServiceToken: fn.FunctionArn(),
		ResourceType: jsii.String("Custom::DatabaseUsers"),
		Properties:   &properties,
	})
	cr.Node().DefaultChild().(awscdk.CfnResource).AddResourceDependency(policy.Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("the function needs its grants when CloudFormation invokes it"))
	suppressUsersFunction(fn, role, *f.runtime.Name(), f.database)
	return cr, sg, this, nil
}

// addUsers creates users in cluster's database through the RDS Data API: a Python function
// (HTTPS out only, to the Data API and Secrets Manager) that runs after every member of the
// cluster exists. The Data API needs no driver and no 5432 path to the database.
func addUsers(scope constructs.Construct, cluster rds.DatabaseCluster, key kms.IKey, identifier string, p AuroraPostgresProps) (awscdk.CustomResource, error) {
	cr, _, _, err := newUsers(scope, usersFunction{
		file: "index.py", code: usersCode, runtime: lambda.Runtime_PYTHON_3_14(),
		group:  "Database users function: HTTPS to the RDS Data API, Secrets Manager and CloudFormation",
		egress: "HTTPS to the RDS Data API, Secrets Manager and the CloudFormation response URL",
		policy: "SQL through the Data API, the master secret", database: "cluster",
		grants: []iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("rds-data:ExecuteStatement"), Resources: &[]*string{cluster.ClusterArn()},
		})},
		properties: map[string]any{"ClusterArn": cluster.ClusterArn()},
	}, identifier, p.DatabaseName, p.Users, cluster.Secret(), key, p.Vpc, p.RotationSubnets, p.LogRetention)
	if err != nil {
		return nil, err
	}
	// The Data API needs the writer instance, not only the cluster the ARN already orders.
	cr.Node().DefaultChild().(awscdk.CfnResource).AddResourceDependency(
		cluster.Node().FindChild(jsii.String("Writer")).Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("the Data API runs the SQL on the writer instance"))
	return cr, nil
}

// addInstanceUsers creates users in instance's database over PostgreSQL's own protocol: RDS for
// PostgreSQL has no Data API. A Node.js function (its runtime ships Amazon's CA certificates,
// which verify the instance's TLS certificate) connects to the instance's port from a security
// group the database security group db admits, as the master user.
func addInstanceUsers(scope constructs.Construct, instance rds.DatabaseInstance, key kms.IKey, db ec2.ISecurityGroup, identifier string, p PostgresInstanceProps) (awscdk.CustomResource, error) {
	cr, sg, users, err := newUsers(scope, usersFunction{
		file: "index.js", code: instanceUsersCode, runtime: lambda.Runtime_NODEJS_24_X(),
		// The runtime's Amazon CA certificates, which Node.js 20 and later runtimes do not load
		// by default; the RDS CAs are among them.
		env:    map[string]*string{"NODE_EXTRA_CA_CERTS": jsii.String("/var/runtime/ca-cert.pem")},
		group:  "Database users function: HTTPS to Secrets Manager and CloudFormation, PostgreSQL to the instance",
		egress: "HTTPS to Secrets Manager and the CloudFormation response URL",
		policy: "the master secret, with which it connects to the instance", database: "instance",
		properties: map[string]any{"Host": instance.DbInstanceEndpointAddress(), "Port": Port},
	}, identifier, p.DatabaseName, p.Users, instance.Secret(), key, p.Vpc, p.RotationSubnets, p.LogRetention)
	if err != nil {
		return nil, err
	}
	// The two rules as resources of their own, so the users wait for them too (its Host, the
	// instance's endpoint, orders it after the instance already).
	egress := ec2.NewCfnSecurityGroupEgress(users, jsii.String("ToDatabase"), &ec2.CfnSecurityGroupEgressProps{
		GroupId: sg.SecurityGroupId(), DestinationSecurityGroupId: db.SecurityGroupId(),
		IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(Port), ToPort: jsii.Number(Port),
		Description: jsii.String("PostgreSQL to the instance, as its master user"),
	})
	ingress := ec2.NewCfnSecurityGroupIngress(users, jsii.String("FromUsersFunction"), &ec2.CfnSecurityGroupIngressProps{
		GroupId: db.SecurityGroupId(), SourceSecurityGroupId: sg.SecurityGroupId(),
		IpProtocol: jsii.String("tcp"), FromPort: jsii.Number(Port), ToPort: jsii.Number(Port),
		Description: jsii.String("PostgreSQL from the database users function"),
	})
	cr.Node().AddDependency(egress, ingress)
	return cr, nil
}
