package cluster

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stretchr/testify/assert"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// synthesized is the one app every test of this package reads: a cluster with the defaults and
// one with execute-command on and every optional prop set.
type synthesized struct {
	dir                  string
	defaults, exec       awscdk.Stack
	defaultsOut, execOut *Cluster
}

var fixture cdktest.Once[*synthesized]

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "cluster-test", func(app awscdk.App, dir string) (*synthesized, error) {
		var err error
		s := &synthesized{dir: dir, defaults: cdktest.NewStack(app, "Defaults", "us-east-1"), exec: cdktest.NewStack(app, "Exec", "us-east-1")}
		if s.defaultsOut, err = NewCluster(s.defaults, "Cluster", ClusterProps{Vpc: importedVpc(s.defaults), NamespaceName: "prod.internal"}); err != nil {
			return nil, err
		}
		if s.execOut, err = NewCluster(s.exec, "Cluster", ClusterProps{
			Vpc: importedVpc(s.exec), NamespaceName: "staging.internal",
			ExecuteCommand: true, LogRetention: logs.RetentionDays_ONE_MONTH,
		}); err != nil {
			return nil, err
		}
		return s, nil
	})
}

// importedVpc stands in for the Network stack's VPC without adding resources (or findings) here.
func importedVpc(stack awscdk.Stack) ec2.IVpc {
	return ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:                      jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:          jsii.Strings("us-east-1a", "us-east-1b"),
		PrivateSubnetIds:           jsii.Strings("subnet-0a", "subnet-0b"),
		PrivateSubnetRouteTableIds: jsii.Strings("rtb-0a", "rtb-0b"),
	})
}

func TestDefaultsAreSecure(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.defaults, nil)
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::ECS::Cluster"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), &map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}},
			"Configuration":   assertions.Match_Absent(),
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::ClusterCapacityProviderAssociations"), &map[string]any{
			"CapacityProviders": []any{"FARGATE", "FARGATE_SPOT"},
		})
		tpl.HasResourceProperties(jsii.String("AWS::ServiceDiscovery::PrivateDnsNamespace"), &map[string]any{
			"Name": "prod.internal", "Vpc": "vpc-0123456789abcdef0",
		})
		// Execute-command off: no key, no log group.
		tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(0))
	})
	assert.Nil(t, s.defaultsOut.ExecuteCommandKey, "ExecuteCommandKey with ExecuteCommand off")
	assert.Nil(t, s.defaultsOut.ExecuteCommandLogGroup, "ExecuteCommandLogGroup with ExecuteCommand off")
	assert.NotNil(t, s.defaultsOut.Cluster, "Cluster")
	assert.NotNil(t, s.defaultsOut.Namespace, "Namespace")
}

func TestExecuteCommandIsEncryptedAndLogged(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.exec, nil)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ServiceDiscovery::PrivateDnsNamespace"), &map[string]any{"Name": "staging.internal"})
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties": map[string]any{
				"RetentionInDays": 30,
				"KmsKeyId":        map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ClusterExecuteCommandKey")), "Arn"}},
			},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::ECS::Cluster"), &map[string]any{
			"ClusterSettings": []any{map[string]any{"Name": "containerInsights", "Value": "enhanced"}},
			"Configuration": map[string]any{"ExecuteCommandConfiguration": map[string]any{
				"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ClusterExecuteCommandKey")), "Arn"}},
				"Logging":  "OVERRIDE",
				"LogConfiguration": map[string]any{
					"CloudWatchEncryptionEnabled": true,
					"CloudWatchLogGroupName":      map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^ClusterExecuteCommandLogGroup"))},
				},
			}},
		})
		// CloudWatch Logs may use the key only for this account's log groups in this region.
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", "arn:aws:logs:us-east-1:111111111111:log-group:*"),
			})},
		})
	})
	assert.NotNil(t, s.execOut.ExecuteCommandKey, "ExecuteCommandKey with ExecuteCommand on")
	assert.NotNil(t, s.execOut.ExecuteCommandLogGroup, "ExecuteCommandLogGroup with ExecuteCommand on")
}

func TestInvalidPropsAreRejected(t *testing.T) {
	cases := []cdktest.Invalid[ClusterProps]{
		{Name: "a missing VPC", Mutate: func(p *ClusterProps) { p.Vpc = nil }, Want: "Vpc is required"},
		{Name: "an empty namespace name", Mutate: func(p *ClusterProps) { p.NamespaceName = "" }, Want: `NamespaceName "" is not a DNS name`},
		{Name: "an uppercase namespace name", Mutate: func(p *ClusterProps) { p.NamespaceName = "Prod.internal" }, Want: `NamespaceName "Prod.internal"`},
		{Name: "a namespace name with an empty label", Mutate: func(p *ClusterProps) { p.NamespaceName = "prod..internal" }, Want: `NamespaceName "prod..internal"`},
		{Name: "a namespace name with a trailing dot", Mutate: func(p *ClusterProps) { p.NamespaceName = "prod.internal." }, Want: `NamespaceName "prod.internal."`},
		{Name: "a namespace label starting with a hyphen", Mutate: func(p *ClusterProps) { p.NamespaceName = "-prod.internal" }, Want: `NamespaceName "-prod.internal"`},
		{Name: "a namespace label over 63 characters", Mutate: func(p *ClusterProps) { p.NamespaceName = strings.Repeat("a", 64) + ".internal" }, Want: "is not a DNS name"},
		{Name: "infinite log retention", Mutate: func(p *ClusterProps) { p.LogRetention = logs.RetentionDays_INFINITE }, Want: `LogRetention "INFINITE" is not a finite`},
		{Name: "an unknown log retention", Mutate: func(p *ClusterProps) { p.LogRetention = "FOREVER" }, Want: `LogRetention "FOREVER"`},
	}
	vpc := synth(t).defaultsOut.Cluster.Vpc()
	cdktest.Rejects(t, func() ClusterProps { return ClusterProps{Vpc: vpc, NamespaceName: "prod.internal"} },
		func(p ClusterProps) error { return p.withDefaults().validate() }, cases)

	t.Run("NewCluster returns every problem instead of panicking", func(t *testing.T) {
		var err error
		cdktest.NoPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			_, err = NewCluster(cdktest.NewStack(app, "Bad", "us-east-1"), "Cluster", ClusterProps{NamespaceName: "Bad Name"})
		})
		require.ErrorContains(t, err, "Vpc is required")
		require.ErrorContains(t, err, `NamespaceName "Bad Name"`)
	})
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.defaults, s.exec)
}
