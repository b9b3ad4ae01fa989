package cluster

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// synthesized is the one app every test of this package reads: a cluster with the defaults and
// one with execute-command on and every optional prop set.
type synthesized struct {
	dir                  string
	defaults, exec       awscdk.Stack
	defaultsOut, execOut *Cluster
}

var (
	fixtureOnce sync.Once
	fixture     *synthesized
	fixtureErr  any
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture != nil && os.Getenv("KEEP_SYNTH") == "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	fixtureOnce.Do(func() {
		defer func() { fixtureErr = recover() }()
		dir, err := os.MkdirTemp("", "cluster-test-*")
		if err != nil {
			panic(err)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &cdkContext, Outdir: jsii.String(dir)})
		s := &synthesized{dir: dir, defaults: newStack(app, "Defaults"), exec: newStack(app, "Exec")}
		if s.defaultsOut, err = NewCluster(s.defaults, "Cluster", ClusterProps{Vpc: importedVpc(s.defaults), NamespaceName: "prod.internal"}); err != nil {
			panic(err)
		}
		if s.execOut, err = NewCluster(s.exec, "Cluster", ClusterProps{
			Vpc: importedVpc(s.exec), NamespaceName: "staging.internal",
			ExecuteCommand: true, LogRetention: logs.RetentionDays_ONE_MONTH,
		}); err != nil {
			panic(err)
		}
		for _, stack := range []awscdk.Stack{s.defaults, s.exec} {
			nag := &cdknag.NagPackProps{Verbose: jsii.Bool(true), Reports: jsii.Bool(true)}
			awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(nag), nil)
			awscdk.Aspects_Of(stack).Add(cdknag.NewNIST80053R5Checks(nag), nil)
		}
		app.Synth(nil)
		fixture = s
	})
	if fixtureErr != nil {
		t.Fatalf("synthesizing the test app: %v", fixtureErr)
	}
	return fixture
}

func newStack(app awscdk.App, id string) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")},
	})
	stack.Node().SetContext(jsii.String("availability-zones:account=111111111111:region=us-east-1"),
		jsii.Strings("us-east-1a", "us-east-1b", "us-east-1c"))
	return stack
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

// cdkContext is cdk.json's context: the feature flags `cdk synth` runs with.
var cdkContext = func() map[string]any {
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "cdk.json"))
	if err != nil {
		panic(err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		panic(err)
	}
	return doc.Context
}()

// noPanic turns a failed assertion (a panic) into a test failure so other tests still run.
func noPanic(t *testing.T, f func()) {
	t.Helper()
	var msg any
	func() {
		defer func() { msg = recover() }()
		f()
	}()
	if msg != nil {
		t.Fatalf("%v", msg)
	}
}

func TestDefaultsAreSecure(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.defaults, nil)
	noPanic(t, func() {
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
	if s.defaultsOut.ExecuteCommandKey != nil || s.defaultsOut.ExecuteCommandLogGroup != nil {
		t.Error("ExecuteCommandKey and ExecuteCommandLogGroup must be nil when ExecuteCommand is off")
	}
	if s.defaultsOut.Cluster == nil || s.defaultsOut.Namespace == nil {
		t.Error("Cluster and Namespace must be set")
	}
}

func TestExecuteCommandIsEncryptedAndLogged(t *testing.T) {
	s := synth(t)
	tpl := assertions.Template_FromStack(s.exec, nil)
	noPanic(t, func() {
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
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid":       "AllowCloudWatchLogs",
				"Principal": map[string]any{"Service": "logs.us-east-1.amazonaws.com"},
				"Condition": map[string]any{"ArnLike": map[string]any{
					"kms:EncryptionContext:aws:logs:arn": "arn:aws:logs:us-east-1:111111111111:log-group:*",
				}},
			})})},
		})
	})
	if s.execOut.ExecuteCommandKey == nil || s.execOut.ExecuteCommandLogGroup == nil {
		t.Error("ExecuteCommandKey and ExecuteCommandLogGroup must be set when ExecuteCommand is on")
	}
}

func TestInvalidPropsAreRejected(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*ClusterProps)
		want   string
	}{
		{"a missing VPC", func(p *ClusterProps) { p.Vpc = nil }, "Vpc is required"},
		{"an empty namespace name", func(p *ClusterProps) { p.NamespaceName = "" }, `NamespaceName "" is not a DNS name`},
		{"an uppercase namespace name", func(p *ClusterProps) { p.NamespaceName = "Prod.internal" }, `NamespaceName "Prod.internal"`},
		{"a namespace name with an empty label", func(p *ClusterProps) { p.NamespaceName = "prod..internal" }, `NamespaceName "prod..internal"`},
		{"a namespace name with a trailing dot", func(p *ClusterProps) { p.NamespaceName = "prod.internal." }, `NamespaceName "prod.internal."`},
		{"a namespace label starting with a hyphen", func(p *ClusterProps) { p.NamespaceName = "-prod.internal" }, `NamespaceName "-prod.internal"`},
		{"a namespace label over 63 characters", func(p *ClusterProps) { p.NamespaceName = strings.Repeat("a", 64) + ".internal" }, "is not a DNS name"},
		{"infinite log retention", func(p *ClusterProps) { p.LogRetention = logs.RetentionDays_INFINITE }, `LogRetention "INFINITE" is not a finite`},
		{"an unknown log retention", func(p *ClusterProps) { p.LogRetention = "FOREVER" }, `LogRetention "FOREVER"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := ClusterProps{Vpc: synth(t).defaultsOut.Cluster.Vpc(), NamespaceName: "prod.internal"}
			c.mutate(&p)
			err := p.withDefaults().validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error = %v, want it to contain %q", err, c.want)
			}
		})
	}

	t.Run("NewCluster returns every problem instead of panicking", func(t *testing.T) {
		var err error
		noPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			_, err = NewCluster(newStack(app, "Bad"), "Cluster", ClusterProps{NamespaceName: "Bad Name"})
		})
		if err == nil || !strings.Contains(err.Error(), "Vpc is required") || !strings.Contains(err.Error(), `NamespaceName "Bad Name"`) {
			t.Fatalf("error = %v, want both problems", err)
		}
	})
}

func TestNagAndCdkAnnotationsAreClean(t *testing.T) {
	s := synth(t)
	for _, stack := range []awscdk.Stack{s.defaults, s.exec} {
		annotations := assertions.Annotations_FromStack(stack)
		for kind, find := range map[string]func(*string, any) *[]*cxapi.SynthesisMessage{
			"error":   annotations.FindError,
			"warning": annotations.FindWarning,
		} {
			for _, m := range *find(jsii.String("*"), assertions.Match_AnyValue()) {
				t.Errorf("%s %s at %s: %v", *stack.StackName(), kind, *m.Id, m.Entry.Data)
			}
		}
	}
}

// TestNagPacksRan guards the test above: an annotation-free stack proves nothing if the packs
// never ran, so each pack's report must exist (with its header line at least; a pack with no
// applicable rule writes nothing else).
func TestNagPacksRan(t *testing.T) {
	s := synth(t)
	for _, stack := range []string{"Defaults", "Exec"} {
		for _, pack := range []string{"AwsSolutions", "NIST.800.53.R5"} {
			// The file is <pack>-<stage>-<stack>-NagReport.csv; the app's stage has no name.
			data, err := os.ReadFile(filepath.Join(s.dir, pack+"--"+stack+"-NagReport.csv"))
			if err != nil || !strings.HasPrefix(string(data), "Rule ID,") {
				t.Errorf("%s report of %s: %v (%d bytes)", pack, stack, err, len(data))
			}
		}
	}
}

// TestValidationReportIsClean reads aws-cdk-lib's validation report when synth wrote one: the
// annotations always land there (@aws-cdk/core:annotationsInValidationReport), the CloudFormation
// validator's findings too unless CDK_VALIDATION=false.
func TestValidationReportIsClean(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(synth(t).dir, "validation-report.json"))
	if os.IsNotExist(err) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	var report struct {
		PluginReports []struct {
			PluginName string           `json:"pluginName"`
			Violations []map[string]any `json:"violations"`
		} `json:"pluginReports"`
	}
	if err := json.Unmarshal(data, &report); err != nil {
		t.Fatal(err)
	}
	for _, plugin := range report.PluginReports {
		for _, v := range plugin.Violations {
			b, _ := json.Marshal(v)
			t.Errorf("%s: %s", plugin.PluginName, b)
		}
	}
}

func TestCfnLintIsClean(t *testing.T) {
	s := synth(t)
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Skip("cfn-lint is not on PATH")
	}
	templates, _ := filepath.Glob(filepath.Join(s.dir, "*.template.json"))
	if len(templates) != 2 {
		t.Fatalf("templates = %v, want 2", templates)
	}
	if out, err := exec.Command("cfn-lint", templates...).CombinedOutput(); err != nil {
		t.Fatalf("cfn-lint: %v\n%s", err, out)
	}
}
