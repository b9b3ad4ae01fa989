package database

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// net is what the network layer would hand a database construct in one region.
type net struct {
	vpc             ec2.IVpc
	data, app       *ec2.SubnetSelection
	securityGroup   ec2.ISecurityGroup
	availabilityZns []string
}

// newTestStack is a stack with explicit account/region, answered AZ lookups and an imported
// three-tier VPC, so its template holds nothing but the construct under test and its database
// security group.
func newTestStack(app awscdk.App, name, region string) (awscdk.Stack, net) {
	stack := cdktest.NewStack(app, name, region)
	azs := []string{region + "a", region + "b", region + "c"} // what NewStack answers the AZ lookup with
	vpc := ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:                       jsii.String("vpc-0123456789abcdef0"),
		VpcCidrBlock:                jsii.String("10.9.0.0/16"),
		AvailabilityZones:           jsii.Strings(azs...),
		PrivateSubnetIds:            jsii.Strings("subnet-0a0000000000000a1", "subnet-0a0000000000000a2", "subnet-0a0000000000000a3"),
		PrivateSubnetRouteTableIds:  jsii.Strings("rtb-0a0000000000000a1", "rtb-0a0000000000000a2", "rtb-0a0000000000000a3"),
		PrivateSubnetNames:          jsii.Strings("App"),
		IsolatedSubnetIds:           jsii.Strings("subnet-0d0000000000000d1", "subnet-0d0000000000000d2", "subnet-0d0000000000000d3"),
		IsolatedSubnetRouteTableIds: jsii.Strings("rtb-0d0000000000000d1", "rtb-0d0000000000000d2", "rtb-0d0000000000000d3"),
		IsolatedSubnetNames:         jsii.Strings("Data"),
	})
	sg := ec2.NewSecurityGroup(stack, jsii.String("DatabaseSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc: vpc, Description: jsii.String("Databases: 5432 from the services only"), AllowAllOutbound: jsii.Bool(false),
	})
	ec2.NewSecurityGroup(stack, jsii.String("EndpointSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc: vpc, Description: jsii.String("Interface endpoints: HTTPS from the VPC"), AllowAllOutbound: jsii.Bool(false),
	})
	return stack, net{
		vpc:             vpc,
		data:            &ec2.SubnetSelection{SubnetGroupName: jsii.String("Data")},
		app:             &ec2.SubnetSelection{SubnetGroupName: jsii.String("App")},
		securityGroup:   sg,
		availabilityZns: azs,
	}
}

func primaryProps(n net) AuroraPostgresProps {
	return AuroraPostgresProps{
		Vpc: n.vpc, Subnets: n.data, SecurityGroup: n.securityGroup, AvailabilityZones: slices.Clone(n.availabilityZns),
		DatabaseName: "orders", RotationSubnets: n.app,
	}
}

func secondaryProps(n net) AuroraSecondaryProps {
	return AuroraSecondaryProps{
		Vpc: n.vpc, Subnets: n.data, SecurityGroup: n.securityGroup, AvailabilityZones: slices.Clone(n.availabilityZns),
		GlobalClusterIdentifier: "stratus-prod-orders", DatabaseName: "orders",
	}
}

func instanceProps(n net) PostgresInstanceProps {
	return PostgresInstanceProps{
		Vpc: n.vpc, Subnets: n.data, SecurityGroup: n.securityGroup, DatabaseName: "shop", RotationSubnets: n.app,
	}
}

// fixture is one app holding every configuration the tests look at, synthesized once with both
// cdk-nag packs applied: each synth costs about a second, so the tests share it.
type fixture struct {
	dir       string
	assembly  cxapi.CloudAssembly
	stacks    map[string]awscdk.Stack
	templates map[string]assertions.Template
	// byConstruct names the stacks of each construct, for the per-construct nag tests.
	byConstruct map[string][]string
	// built holds the construct of each stack (*AuroraPostgres, *AuroraSecondary, *PostgresInstance).
	built map[string]any
}

// The stacks of the fixture. Each variant changes many props at once, away from their defaults,
// so one synth shows what every prop does.
const (
	stackPrimary           = "Primary"           // AuroraPostgres defaults
	stackPrimaryGlobal     = "PrimaryGlobal"     // prod: larger class, 2 readers, global, 35-day backups, rotation through the endpoint
	stackPrimaryDev        = "PrimaryDev"        // dev: Serverless v2 writer only, snapshot, no deletion protection
	stackSecondary         = "Secondary"         // AuroraSecondary defaults
	stackSecondaryVariant  = "SecondaryVariant"  // Serverless v2 readers, snapshot, other windows
	stackSecondaryHeadless = "SecondaryHeadless" // no readers, no deletion protection
	stackPrimaryUsers      = "PrimaryUsers"      // a Global Database primary creating its IAM users
	stackInstance          = "Instance"          // PostgresInstance defaults
	stackInstanceVariant   = "InstanceVariant"   // provisioned IOPS, single-AZ, snapshot, PG 17, rotation through the endpoint
	stackInstanceUsers     = "InstanceUsers"     // an instance creating its IAM users, its security group in Network
	// stackNetwork holds only a database and an endpoint security group, used by PrimaryGlobal
	// and InstanceVariant as the real app does: from another stack.
	stackNetwork = "Network"
	// stackCanary holds a deliberately non-compliant log group: the nag tests prove on it that
	// they do see findings, so a clean result means something.
	stackCanary = "Canary"
)

// once is the fixture app. Its context is cdk.json's, except that annotations stay in the
// assembly, where the tests read them, and templates carry AWS::CDK::Metadata as the CLI's do
// (cfn-lint recognizes CDK templates by it).
var once = cdktest.Once[*fixture]{Tweak: func(ctx map[string]any) {
	ctx["@aws-cdk/core:annotationsInValidationReport"] = false
	ctx["aws:cdk:version-reporting"] = true
}}

// fixtures returns the synthesized fixture, reading its assembly and templates on first use.
func fixtures(t *testing.T) *fixture {
	t.Helper()
	f := once.Get(t, "stratus-database", build)
	if f.assembly == nil {
		cdktest.NoPanic(t, func() {
			f.assembly = cxapi.NewCloudAssembly(jsii.String(f.dir), nil)
			for name, s := range f.stacks {
				f.templates[name] = assertions.Template_FromStack(s, nil)
			}
		})
	}
	return f
}

// build adds the fixture's stacks to app; cdktest.Once applies the cdk-nag packs and synthesizes.
func build(app awscdk.App, dir string) (*fixture, error) {
	f := &fixture{dir: dir, stacks: map[string]awscdk.Stack{}, templates: map[string]assertions.Template{}, byConstruct: map[string][]string{}, built: map[string]any{}}
	add := func(construct, name, region string, build func(awscdk.Stack, net) error) error {
		stack, n := newTestStack(app, name, region)
		f.stacks[name] = stack
		f.byConstruct[construct] = append(f.byConstruct[construct], name)
		if err := build(stack, n); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	primary := builder(f.built, primaryProps, NewAuroraPostgres, "Orders")
	secondary := builder(f.built, secondaryProps, NewAuroraSecondary, "Orders")
	instance := builder(f.built, instanceProps, NewPostgresInstance, "Shop")
	networkStack, _ := newTestStack(app, stackNetwork, "us-east-1")
	f.stacks[stackNetwork] = networkStack
	otherStackSG, ok := networkStack.Node().FindChild(jsii.String("DatabaseSecurityGroup")).(ec2.ISecurityGroup)
	if !ok {
		return nil, fmt.Errorf("the Network stack has no DatabaseSecurityGroup")
	}
	endpointSG, ok := networkStack.Node().FindChild(jsii.String("EndpointSecurityGroup")).(ec2.ISecurityGroup)
	if !ok {
		return nil, fmt.Errorf("the Network stack has no EndpointSecurityGroup")
	}
	for _, err := range []error{
		add("AuroraPostgres", stackPrimary, "us-east-1", primary(func(*AuroraPostgresProps) {})),
		add("AuroraPostgres", stackPrimaryGlobal, "us-east-1", primary(func(p *AuroraPostgresProps) {
			p.InstanceClass, p.Readers, p.GlobalClusterIdentifier = "db.r6g.xlarge", ptr(2), "stratus-prod-orders"
			p.BackupRetentionDays, p.BackupWindow = 35, "02:00-02:30"
			p.SecurityGroup, p.RotationEndpoint = otherStackSG, endpointSG
		})),
		add("AuroraPostgres", stackPrimaryUsers, "us-east-1", primary(func(p *AuroraPostgresProps) {
			p.GlobalClusterIdentifier, p.Users = "stratus-prod-orders", []string{"orders", "billing-api"}
		})),
		add("AuroraPostgres", stackPrimaryDev, "us-east-1", primary(func(p *AuroraPostgresProps) {
			p.ServerlessV2, p.Readers = &ServerlessV2Capacity{MinACU: 0.5, MaxACU: 8}, ptr(0)
			p.RemovalPolicy, p.DeletionProtection = awscdk.RemovalPolicy_SNAPSHOT, jsii.Bool(false)
			p.EngineVersion, p.MaintenanceWindow, p.MonitoringInterval = "17.4", "mon:07:00-mon:08:00", 15
			p.LogRetention, p.RotationDays, p.ClusterIdentifier = logs.RetentionDays_ONE_MONTH, 7, "dev-orders"
		})),
		add("AuroraSecondary", stackSecondary, "eu-west-1", secondary(func(*AuroraSecondaryProps) {})),
		add("AuroraSecondary", stackSecondaryVariant, "eu-west-1", secondary(func(p *AuroraSecondaryProps) {
			p.ServerlessV2, p.Readers = &ServerlessV2Capacity{MinACU: 1, MaxACU: 16}, ptr(2)
			p.RemovalPolicy, p.BackupRetentionDays = awscdk.RemovalPolicy_SNAPSHOT, 35
			p.BackupWindow, p.MaintenanceWindow, p.MonitoringInterval = "22:00-23:00", "sat:01:00-sat:02:00", 30
			p.WriteForwarding = jsii.Bool(false)
		})),
		add("AuroraSecondary", stackSecondaryHeadless, "eu-west-1", secondary(func(p *AuroraSecondaryProps) {
			p.Readers, p.DeletionProtection, p.InstanceClass = ptr(0), jsii.Bool(false), "db.r6g.2xlarge"
		})),
		add("PostgresInstance", stackInstance, "us-east-1", instance(func(*PostgresInstanceProps) {})),
		add("PostgresInstance", stackInstanceVariant, "us-east-1", instance(func(p *PostgresInstanceProps) {
			p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB, p.Iops = 400, 400, 12000
			p.MultiAZ, p.RemovalPolicy, p.DeletionProtection = jsii.Bool(false), awscdk.RemovalPolicy_SNAPSHOT, jsii.Bool(false)
			p.EngineVersion, p.InstanceClass, p.BackupRetentionDays = "17.5", "db.m6g.large", 14
			p.InstanceIdentifier, p.RotationDays = "shop-db", 90
			p.SecurityGroup, p.RotationEndpoint = otherStackSG, endpointSG
		})),
		add("PostgresInstance", stackInstanceUsers, "us-east-1", instance(func(p *PostgresInstanceProps) {
			p.Users, p.SecurityGroup = []string{"shop", "cart"}, otherStackSG
		})),
		add("Canary", stackCanary, "us-east-1", func(s awscdk.Stack, _ net) error {
			logs.NewLogGroup(s, jsii.String("PlainLogs"), &logs.LogGroupProps{Retention: logs.RetentionDays_INFINITE})
			return nil
		}),
	} {
		if err != nil {
			return nil, err
		}
	}
	return f, nil
}

var nagRule = regexp.MustCompile(`AwsSolutions-|NIST\.800\.53\.R5-|CdkNagValidationFailure`)

// nagAnnotations lists the error and warning annotations cdk-nag left on a stack (what
// assertions.Annotations would find, read from the one synth instead of synthesizing again).
func (f *fixture) nagAnnotations(stack string) []string {
	var out []string
	for _, m := range *f.assembly.GetStackArtifact(f.stacks[stack].ArtifactId()).Messages() {
		if m.Level != cxapi.SynthesisMessageLevel_ERROR && m.Level != cxapi.SynthesisMessageLevel_WARNING {
			continue
		}
		if data := fmt.Sprint(m.Entry.Data); nagRule.MatchString(data) {
			out = append(out, fmt.Sprintf("%s %s: %s", m.Level, *m.Id, data))
		}
	}
	return out
}

// resources returns the resources of type typ in a stack's template, by logical id.
func (f *fixture) resources(t *testing.T, stack, typ string) map[string]map[string]any {
	t.Helper()
	return cdktest.OfType(t, cdktest.Template(t, f.stacks[stack]), typ)
}

func TestMain(m *testing.M) {
	cdktest.Main(m, func() {
		if propsDir != "" {
			os.RemoveAll(propsDir)
		}
	}, once.Remove) // KEEP_SYNTH=1 keeps the assembly to inspect
}

// only returns the logical id and body of the one resource of typ in stack.
func (f *fixture) only(t *testing.T, stack, typ string) (string, map[string]any) {
	t.Helper()
	return cdktest.Only(t, cdktest.Template(t, f.stacks[stack]), typ)
}

// getAtt and ref are the intrinsics a template uses to point at a resource.
// auroraParts returns what the defaults tests of an Aurora stack refer to: the logical ids of its
// one cluster, log group and monitoring role, the ARN of its one key, and the cluster identifier.
func (f *fixture) auroraParts(t *testing.T, stack string) (clusterID, logsID, roleID string, key map[string]any, identifier string) {
	t.Helper()
	keyID, _ := f.only(t, stack, "AWS::KMS::Key")
	clusterID, cluster := f.only(t, stack, "AWS::RDS::DBCluster")
	exported := f.exportLogGroups(t, stack)
	require.Len(t, exported, 1, "%s: one log group RDS exports to", stack)
	logsID = exported[0]
	roleID, _ = f.only(t, stack, "AWS::IAM::Role")
	identifier = cdktest.As[string](t, cdktest.As[map[string]any](t, cluster["Properties"])["DBClusterIdentifier"])
	return clusterID, logsID, roleID, getAtt(keyID, "Arn"), identifier
}

// exportLogGroups are the logical ids, sorted, of stack's log groups that RDS exports to
// (/aws/rds/…), not the rotation function's or the users function's.
func (f *fixture) exportLogGroups(t *testing.T, stack string) []string {
	t.Helper()
	var ids []string
	for id, r := range f.resources(t, stack, "AWS::Logs::LogGroup") {
		if strings.HasPrefix(fmt.Sprint(cdktest.Props(t, r)["LogGroupName"]), "/aws/rds/") {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func getAtt(id, attr string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, attr}} }
func ref(id string) map[string]any          { return map[string]any{"Ref": id} }

// availabilityZones lists the AvailabilityZone of every DB instance of stack.
func (f *fixture) availabilityZones(t *testing.T, stack string) []string {
	t.Helper()
	var azs []string
	for _, r := range f.resources(t, stack, "AWS::RDS::DBInstance") {
		azs = append(azs, cdktest.As[string](t, cdktest.As[map[string]any](t, r["Properties"])["AvailabilityZone"]))
	}
	sort.Strings(azs)
	return azs
}

// builder returns, for a change to the props, the step that builds one construct with id in a
// stack: base props for the stack's network, changed by mutate, made by newC and recorded in built.
func builder[P, C any](built map[string]any, base func(net) P, newC func(constructs.Construct, string, P) (C, error), id string) func(mutate func(*P)) func(awscdk.Stack, net) error {
	return func(mutate func(*P)) func(awscdk.Stack, net) error {
		return func(s awscdk.Stack, n net) error {
			p := base(n)
			mutate(&p)
			c, err := newC(s, id, p)
			built[*s.StackName()] = c
			return err
		}
	}
}
