package database

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	sam "github.com/aws/aws-cdk-go/awscdk/v2/awssam"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"

	"github.com/stratus-platform/stratus/constructs/keys"
)

const (
	// Port is the PostgreSQL port every construct listens on; the network layer's security
	// groups and data-tier NACL admit it.
	Port = 5432
	// MasterUsername is the admin user of every generated master secret: a platform-specific
	// name rather than the well-known "postgres", the first one a password-guessing client tries.
	MasterUsername = "stratus_admin"
	// auroraEngine is the engine name of Aurora PostgreSQL clusters and their instances.
	auroraEngine = "aurora-postgresql"
	// performanceInsightsDays is the free Performance Insights retention.
	performanceInsightsDays = 7
)

// engineParameters are the parameters every Stratus database gets, cluster or instance: TLS
// required, and enough logging to investigate an incident (connections and statements slower
// than one second).
func engineParameters(major int) map[string]string {
	p := map[string]string{
		"rds.force_ssl":              "1",
		"log_disconnections":         "1",
		"log_min_duration_statement": "1000",
	}
	// PostgreSQL 18 turned log_connections from a boolean into a list of aspects; leave its
	// default there rather than guess the value RDS accepts.
	if major < 18 {
		p["log_connections"] = "1"
	}
	return p
}

// newParameterGroup is the parameter group of a cluster or an instance (what names it, e.g.
// "PostgreSQL <identifier>"): engineParameters for the major of engineVersion, kept as long as
// the database (removal is the database's removal policy).
func newParameterGroup(scope constructs.Construct, id string, engine rds.IEngine, what, engineVersion string, removal awscdk.RemovalPolicy) rds.ParameterGroup {
	return rds.NewParameterGroup(scope, jsii.String(id), &rds.ParameterGroupProps{
		Engine:        engine,
		Description:   jsii.String(parametersDescription(what)),
		Parameters:    jsiiMap(engineParameters(limits.MajorVersion(engineVersion))),
		RemovalPolicy: dependentPolicy(removal),
	})
}

// parametersDescription describes the parameter group of what (e.g. "PostgreSQL <identifier>").
func parametersDescription(what string) string {
	return "Stratus " + what + ": TLS required, connection and slow-statement logging"
}

func jsiiMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}

// physicalName derives a stable, unique, lowercase RDS identifier from scope's path (≤ 63
// characters, a letter first, no "--", no trailing hyphen).
func physicalName(scope constructs.Construct) string {
	name := awscdk.Names_UniqueResourceName(scope, &awscdk.UniqueResourceNameOptions{
		MaxLength: jsii.Number(60), Separator: jsii.String("-"),
	})
	id := strings.ToLower(*name)
	for strings.Contains(id, "--") {
		id = strings.ReplaceAll(id, "--", "-")
	}
	id = strings.Trim(id, "-")
	if id == "" || id[0] < 'a' || id[0] > 'z' {
		id = "db-" + id
	}
	return id
}

// newKey creates the construct's own customer-managed key (rotating, retained with the data it
// protects). RDS, Performance Insights and Secrets Manager use it on behalf of the calling
// principal (through grants and kms:ViaService), which the default account statement delegates
// to IAM; CloudWatch Logs gets its own statement, limited to the database's exported log groups.
// logGroupNames must not be empty: no ARNs would widen the grant to every log group.
func newKey(scope constructs.Construct, description string, logGroupNames []string) kms.Key {
	if len(logGroupNames) == 0 {
		panic("database: newKey needs the exported log group names")
	}
	key := keys.NewKey(scope, "Key", description)
	stack := awscdk.Stack_Of(scope) // its environment read once: each read is a call into the jsii runtime
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	arns := make([]string, len(logGroupNames))
	for i, name := range logGroupNames {
		arns[i] = keys.LogGroupArnIn(partition, region, account, name)
	}
	keys.AllowCloudWatchLogsIn(key, region, arns[0], arns[1:]...)
	return key
}

// newLogGroups creates the log groups RDS exports to (/aws/rds/<kind>/<identifier>/<type>)
// before the database exists, so they are encrypted with key and expire after retention from
// the first line on; RDS would otherwise create them unencrypted and kept forever.
func newLogGroups(scope constructs.Construct, kind, identifier string, types []string, key kms.IKey, retention logs.RetentionDays) []logs.LogGroup {
	groups := make([]logs.LogGroup, len(types))
	for i, t := range types {
		groups[i] = logs.NewLogGroup(scope, jsii.String(strings.ToUpper(t[:1])+t[1:]+"Logs"), &logs.LogGroupProps{
			LogGroupName:  jsii.String(logGroupName(kind, identifier, t)),
			EncryptionKey: key,
			Retention:     retention,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
	}
	return groups
}

func logGroupName(kind, identifier, logType string) string {
	return fmt.Sprintf("/aws/rds/%s/%s/%s", kind, identifier, logType)
}

// dependOn makes resource wait for every log group, so RDS never creates them itself first.
func dependOn(resource awscdk.CfnResource, groups []logs.LogGroup) {
	for _, g := range groups {
		resource.AddResourceDependency(g.Node().DefaultChild().(awscdk.CfnResource),
			jsii.String("RDS must find its export log group already encrypted and with its retention"))
	}
}

// waitForRules makes resource wait for every rule resource made so far under its security
// group's construct (its clients' ingress and their egress to it, the rotation function's
// ingress): a database moving into a new group of its own then never sits in it before the group
// admits its clients. Its reference to the group already orders the group itself, and a group of
// another stack (the region's shared one) is that stack's, which this one follows.
func waitForRules(resource awscdk.CfnResource, group ec2.ISecurityGroup) {
	if *awscdk.Stack_Of(group).Node().Path() != *awscdk.Stack_Of(resource).Node().Path() {
		return
	}
	for _, child := range *group.Node().Children() {
		if rule, ok := child.(awscdk.CfnResource); ok && *rule.CfnResourceType() != "AWS::EC2::SecurityGroup" {
			resource.AddResourceDependency(rule, jsii.String("the database moves into the group once it admits its clients"))
		}
	}
}

// newMonitoringRole is the role RDS enhanced monitoring assumes to write OS metrics, kept as long
// as the database (removal is the database's removal policy).
func newMonitoringRole(scope constructs.Construct, removal awscdk.RemovalPolicy) iam.Role {
	role := iam.NewRole(scope, jsii.String("MonitoringRole"), &iam.RoleProps{
		Description: jsii.String("RDS enhanced monitoring writes this database's OS metrics to CloudWatch Logs"),
		// Only for this account's databases (RDS's guide to confused-deputy prevention).
		AssumedBy: iam.NewServicePrincipal(jsii.String("monitoring.rds.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(scope).Account()}},
		}),
		ManagedPolicies: &[]iam.IManagedPolicy{
			iam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonRDSEnhancedMonitoringRole")),
		},
	})
	suppressMonitoringPolicy(role)
	role.ApplyRemovalPolicy(dependentPolicy(removal))
	return role
}

// excludedPasswordCharacters keeps generated passwords safe in connection strings, URLs and
// shells; the rotation function must exclude the same ones (rds' own default list).
const excludedPasswordCharacters = " %+~`#$&*()|[]{}:;<>?!'/@\"\\"

// newSecret generates the master credentials, encrypted with key and retained: a snapshot or a
// retained database is useless without them.
func newSecret(scope constructs.Construct, key kms.IKey, databaseName string) rds.DatabaseSecret {
	secret := rds.NewDatabaseSecret(scope, jsii.String("Secret"), &rds.DatabaseSecretProps{
		Username:          jsii.String(MasterUsername),
		Dbname:            jsii.String(databaseName),
		EncryptionKey:     key,
		ExcludeCharacters: jsii.String(excludedPasswordCharacters),
	})
	secret.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
	return secret
}

// addRotation rotates the master password (secret, attached to the database) every days with the
// single-user PostgreSQL rotation function AWS publishes in the Serverless Application
// Repository. The function runs in subnets with its own security group: HTTPS out to the Secrets
// Manager API (to its interface endpoint's group when there is one, else anywhere: NAT or other
// endpoints) and 5432 to the database security group, which in turn admits it.
//
// The two 5432 rules are added here, not by SecretRotation: the database security group usually
// lives in the Network stack, and CDK would put an ingress rule on it there, referencing this
// stack's rotation group — a Network → Data → Network cycle. Added as a remote rule, the ingress
// lands in the rotation group's (this) stack. The port is a literal, not the endpoint-port token
// the L2s use, so the rules are reviewable and cdk-nag can evaluate them.
//
// The function is named name (rotationFunctionName) and logs to a group of this stack, encrypted
// with key, whose policy must allow its rotationLogGroupName. It returns the function's security
// group.
func addRotation(scope constructs.Construct, secret sm.ISecret, vpc ec2.IVpc, subnets *ec2.SubnetSelection, db, endpoint ec2.ISecurityGroup, days int,
	name string, key kms.IKey, retention logs.RetentionDays) ec2.SecurityGroup {
	sg := ec2.NewSecurityGroup(scope, jsii.String("RotationSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Master-secret rotation function: HTTPS to AWS APIs, PostgreSQL to the database"),
		AllowAllOutbound: jsii.Bool(false),
	})
	postgres, https := ec2.Port_Tcp(jsii.Number(Port)), ec2.Port_Tcp(jsii.Number(443))
	if endpoint != nil {
		sg.AddEgressRule(endpoint, https, jsii.String("HTTPS to the Secrets Manager API through its interface endpoint"), jsii.Bool(false))
	} else {
		sg.AddEgressRule(ec2.Peer_AnyIpv4(), https, jsii.String("HTTPS to the Secrets Manager and KMS APIs"), nil)
	}
	sg.AddEgressRule(db, postgres, jsii.String("PostgreSQL to the database"), jsii.Bool(false))
	db.AddIngressRule(sg, postgres, jsii.String("PostgreSQL from the master-secret rotation function"), jsii.Bool(true))

	// SecretRotation needs a target with a default port; one without security groups makes it
	// add no rules of its own.
	target := ec2.NewConnections(&ec2.ConnectionsProps{DefaultPort: postgres})
	rotation := sm.NewSecretRotation(scope, jsii.String("Rotation"), &sm.SecretRotationProps{
		Application:        sm.SecretRotationApplication_POSTGRES_ROTATION_SINGLE_USER(),
		Secret:             secret,
		Target:             target,
		Vpc:                vpc,
		VpcSubnets:         subnets,
		SecurityGroup:      sg,
		AutomaticallyAfter: durationDays(days),
		ExcludeCharacters:  jsii.String(excludedPasswordCharacters),
	})
	// The function lives in the nested stack of AWS's Serverless Application Repository
	// application, whose template sets no log group: Lambda would create /aws/lambda/<name> at
	// the first rotation, unencrypted and kept forever. The application gets a name of ours and
	// waits for its log group, encrypted with the database's key and expiring with its logs.
	app := rotation.Node().DefaultChild().(sam.CfnApplication)
	app.AddPropertyOverride(jsii.String("Parameters.functionName"), name)
	group := logs.NewLogGroup(scope, jsii.String("RotationLogs"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(rotationLogGroupName(name)),
		EncryptionKey: key,
		Retention:     retention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	app.AddResourceDependency(group.Node().DefaultChild().(awscdk.CfnResource),
		jsii.String("Lambda must find the rotation function's log group already encrypted and with its retention"))
	return sg
}

// rotationFunctionName is the name of the master-secret rotation function of the database
// construct scope: unique in the app (its path, with a hash of it) and within Lambda's 64
// characters. Not aws-cdk-lib's own name for it (the path without separators), so that an
// environment deployed with that name gets a new function, whose log group is not there yet.
func rotationFunctionName(scope constructs.Construct) string {
	return *awscdk.Names_UniqueResourceName(scope, &awscdk.UniqueResourceNameOptions{
		MaxLength: jsii.Number(64 - len("-rotation")), Separator: jsii.String("-"),
	}) + "-rotation"
}

// rotationLogGroupName is the log group Lambda writes the logs of the function named function to.
func rotationLogGroupName(function string) string {
	return "/aws/lambda/" + function
}

// memberPolicies sets what CloudFormation does with an Aurora cluster member. Instances hold no
// data (the cluster volume does), and CloudFormation rejects Snapshot on them. The first member
// (the primary's writer, a secondary's first reader) follows the cluster: with a retained cluster
// it is retained too, so deleting the stack never takes the database offline; with a snapshotted
// cluster it is deleted. Every further member is deleted, so lowering the reader count removes
// the readers instead of leaving them in the cluster, serving and billed, outside the template
// (on a stack deletion the first member keeps serving). A replaced instance is always deleted,
// for the same reason.
func memberPolicies(instance awscdk.CfnResource, removal awscdk.RemovalPolicy, first bool) {
	deletion := awscdk.CfnDeletionPolicy_DELETE
	if first && removal == awscdk.RemovalPolicy_RETAIN {
		deletion = awscdk.CfnDeletionPolicy_RETAIN
	}
	instance.CfnOptions().SetDeletionPolicy(deletion)
	instance.CfnOptions().SetUpdateReplacePolicy(awscdk.CfnDeletionPolicy_DELETE)
}

// spread returns the AZ of instance i: round-robin from offset, so consecutive instances land
// in different AZs.
func spread(azs []string, i, offset int) *string {
	return jsii.String(azs[(i+offset)%len(azs)])
}

// durationDays and durationSeconds keep the L2 prop conversions short.
func durationDays(n int) awscdk.Duration    { return duration.Days(float64(n)) }
func durationSeconds(n int) awscdk.Duration { return duration.Seconds(float64(n)) }

// instanceType turns "db.r6g.large" into the ec2.InstanceType the rds L2s want ("r6g.large").
func instanceType(class string) ec2.InstanceType {
	return ec2.NewInstanceType(jsii.String(strings.TrimPrefix(class, "db.")))
}
