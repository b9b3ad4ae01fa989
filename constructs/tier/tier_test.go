package tier

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/topic"
	"github.com/stratus-platform/stratus/internal/cdktest"
)

// synthesized is a web tier registered with a public target group and an app tier behind an
// internal ALB that admits the web tier only: the layout of compute: ec2.
type synthesized struct {
	dir      string
	stack    awscdk.Stack
	web, app *Tier
	public   elbv2.ApplicationTargetGroup
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "tier-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Tiers", "us-east-1")}
		vpc := cdktest.ImportedVpc(s.stack, "us-east-1")
		events, err := topic.NewTopic(s.stack, "Events", topic.TopicProps{Description: "tier scaling events"})
		if err != nil {
			return nil, err
		}
		s.public = elbv2.NewApplicationTargetGroup(s.stack, jsii.String("Public"), &elbv2.ApplicationTargetGroupProps{
			Vpc: vpc, TargetType: elbv2.TargetType_INSTANCE, Protocol: elbv2.ApplicationProtocol_HTTP, Port: jsii.Number(3000),
			HealthCheck: HealthCheck("/health"),
		})
		if s.web, err = NewTier(s.stack, "Web", TierProps{
			Name: "web", Vpc: vpc, Subnets: cdktest.Subnets("App"), InstanceType: "t3.small", Port: 3000,
			MinCount: 2, MaxCount: 4, UserData: "echo web > /var/log/stratus/web.log",
			Environment:  map[string]string{"API_URL": "http://app.internal:5000", "STAGE": "test"},
			TargetGroups: []elbv2.IApplicationTargetGroup{s.public}, Notifications: events.Topic,
		}); err != nil {
			return nil, err
		}
		logs := s3.Bucket_FromBucketName(s.stack, jsii.String("Logs"), jsii.String("stratus-test-alb-logs"))
		s.app, err = NewTier(s.stack, "App", TierProps{
			Name: "app", Vpc: vpc, Subnets: cdktest.Subnets("App"), InstanceType: "t4g.medium", Port: 5000,
			MinCount: 2, DesiredCount: 3, MaxCount: 6, CpuTarget: 50, VolumeGiB: 40, ReleaseBucket: "stratus-test-releases",
			Internal:      &InternalEntry{Clients: []ec2.ISecurityGroup{s.web.SecurityGroup}, AccessLogBucket: logs},
			Notifications: events.Topic,
		})
		return s, err
	})
}

func TestGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.stack)
}

// launchTemplates maps a tier's launch-template logical id prefix to its LaunchTemplateData.
func groupsAndTemplates(t *testing.T, s *synthesized) (groups, templates map[string]map[string]any) {
	tpl := cdktest.Template(t, s.stack)
	return cdktest.OfType(t, tpl, "AWS::AutoScaling::AutoScalingGroup"), cdktest.OfType(t, tpl, "AWS::EC2::LaunchTemplate")
}

func TestLaunchTemplatesAreHardened(t *testing.T) {
	s := synth(t)
	_, templates := groupsAndTemplates(t, s)
	require.Len(t, templates, 2)
	types := map[string]bool{}
	for id, lt := range templates {
		data := cdktest.Path[map[string]any](t, lt, "Properties", "LaunchTemplateData")
		types[data["InstanceType"].(string)] = true
		assert.Equal(t, "required", cdktest.Path[string](t, data, "MetadataOptions", "HttpTokens"), "%s: IMDSv2 only", id)
		assert.Nil(t, data["KeyName"], "%s: no SSH key pair", id)
		assert.Equal(t, true, data["EbsOptimized"], id)
		assert.Equal(t, true, cdktest.Path[bool](t, data, "Monitoring", "Enabled"), "%s: detailed monitoring", id)
		devices := cdktest.Path[[]any](t, data, "BlockDeviceMappings")
		require.Len(t, devices, 1, id)
		ebs := cdktest.Path[map[string]any](t, devices[0], "Ebs")
		assert.Equal(t, "gp3", ebs["VolumeType"], id)
		assert.Equal(t, true, ebs["Encrypted"], id)
		assert.NotNil(t, ebs["KmsKeyId"], "%s: a customer key", id)
		image := cdktest.Path[map[string]any](t, data, "ImageId")
		assert.Contains(t, image, "Ref", "%s: the AMI is an SSM parameter resolved at deploy time", id)
	}
	assert.Equal(t, map[string]bool{"t3.small": true, "t4g.medium": true}, types)

	params := cdktest.Template(t, s.stack)["Parameters"].(map[string]any)
	var arm, x86 bool
	for _, p := range params {
		def, _ := p.(map[string]any)["Default"].(string)
		arm = arm || strings.HasPrefix(def, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-") && strings.HasSuffix(def, "-arm64")
		x86 = x86 || strings.HasPrefix(def, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-") && strings.HasSuffix(def, "-x86_64")
	}
	assert.True(t, arm && x86, "graviton t4g gets arm64, t3 x86_64: %v", params)
}

func TestGroupsScaleAndRefresh(t *testing.T) {
	s := synth(t)
	groups, _ := groupsAndTemplates(t, s)
	require.Len(t, groups, 2)
	sizes := map[string][]string{}
	for id, g := range groups {
		p := cdktest.Props(t, g)
		sizes[p["MaxSize"].(string)] = []string{p["MinSize"].(string), p["DesiredCapacity"].(string)}
		assert.Equal(t, "ELB", p["HealthCheckType"], "%s: the load balancer's health checks", id)
		assert.NotEmpty(t, p["NotificationConfigurations"], id)
		assert.NotEmpty(t, p["TargetGroupARNs"], "%s: registered with a target group", id)
		assert.Len(t, p["VPCZoneIdentifier"], 3, "%s: every app subnet", id)
		rolling := cdktest.Path[map[string]any](t, g, "UpdatePolicy", "AutoScalingRollingUpdate")
		assert.Equal(t, true, rolling["WaitOnResourceSignals"], "%s: each replacement proves itself healthy", id)
		assert.Equal(t, 1.0, rolling["MaxBatchSize"], id)
		assert.Equal(t, 2.0, rolling["MinInstancesInService"], "%s: capacity never drops below the minimum", id)
	}
	assert.Equal(t, map[string][]string{"4": {"2", "2"}, "6": {"2", "3"}}, sizes, "max → min, desired")

	policies := cdktest.OfType(t, cdktest.Template(t, s.stack), "AWS::AutoScaling::ScalingPolicy")
	targets := map[float64]bool{}
	for _, p := range policies {
		c := cdktest.Path[map[string]any](t, p, "Properties", "TargetTrackingConfiguration")
		assert.Equal(t, "ASGAverageCPUUtilization", cdktest.Path[string](t, c, "PredefinedMetricSpecification", "PredefinedMetricType"))
		targets[c["TargetValue"].(float64)] = true
	}
	assert.Equal(t, map[float64]bool{60: true, 50: true}, targets, "web defaults to 60 %, app set to 50 %")
}

// TestSecurityGroupsChainWebToInternalAlbToApp: the internal ALB admits the web tier only, the
// app tier admits the internal ALB only, each on the app port.
func TestSecurityGroupsChainWebToInternalAlbToApp(t *testing.T) {
	s := synth(t)
	tpl := cdktest.Template(t, s.stack)
	ingress := cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroupIngress")
	type rule struct{ to, from string }
	var rules []rule
	for _, r := range ingress {
		p := cdktest.Props(t, r)
		assert.Equal(t, 5000.0, p["FromPort"])
		assert.Equal(t, 5000.0, p["ToPort"])
		rules = append(rules, rule{jsonRef(p["GroupId"]), jsonRef(p["SourceSecurityGroupId"])})
	}
	id := func(sg ec2.SecurityGroup) string {
		return *awscdk.Stack_Of(sg).GetLogicalId(sg.Node().DefaultChild().(ec2.CfnSecurityGroup))
	}
	web, alb, app := id(s.web.SecurityGroup), id(s.app.LoadBalancerSecurityGroup), id(s.app.SecurityGroup)
	assert.ElementsMatch(t, []rule{{alb, web}, {app, alb}}, rules)

	groups := cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroup")
	for sgID, g := range groups {
		assert.Nil(t, cdktest.Props(t, g)["SecurityGroupIngress"], "%s: no inline ingress (every ingress is one of the chain's rules)", sgID)
	}
}

func TestInternalLoadBalancerListensOnTheAppPort(t *testing.T) {
	s := synth(t)
	tpl := cdktest.Template(t, s.stack)
	_, lb := cdktest.Only(t, tpl, "AWS::ElasticLoadBalancingV2::LoadBalancer")
	assert.Equal(t, "internal", cdktest.Props(t, lb)["Scheme"])
	_, l := cdktest.Only(t, tpl, "AWS::ElasticLoadBalancingV2::Listener")
	assert.Equal(t, 5000.0, cdktest.Props(t, l)["Port"])
	groups := cdktest.OfType(t, tpl, "AWS::ElasticLoadBalancingV2::TargetGroup")
	for id, g := range groups {
		assert.Equal(t, "instance", cdktest.Props(t, g)["TargetType"], id)
	}
}

func jsonRef(v any) string {
	if m, ok := v.(map[string]any); ok {
		if a, ok := m["Fn::GetAtt"].([]any); ok {
			return a[0].(string)
		}
		if r, ok := m["Ref"].(string); ok {
			return r
		}
	}
	return ""
}

func TestPropsRejected(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := cdktest.NewStack(app, "Props", "us-east-1")
	vpc := cdktest.ImportedVpc(stack, "us-east-1")
	events := sns.NewTopic(stack, jsii.String("Events"), nil)
	tg := elbv2.NewApplicationTargetGroup(stack, jsii.String("Tg"), &elbv2.ApplicationTargetGroupProps{Vpc: vpc, Port: jsii.Number(80)})
	valid := func() TierProps {
		return TierProps{Name: "web", Vpc: vpc, Subnets: cdktest.Subnets("App"), InstanceType: "t3.small", Port: 3000,
			MinCount: 2, MaxCount: 4, TargetGroups: []elbv2.IApplicationTargetGroup{tg}, Notifications: events}.withDefaults()
	}
	cdktest.Rejects(t, valid, TierProps.validate, []cdktest.Invalid[TierProps]{
		{Name: "name", Mutate: func(p *TierProps) { p.Name = "Web" }, Want: `Name "Web"`},
		{Name: "vpc", Mutate: func(p *TierProps) { p.Vpc = nil }, Want: "Vpc is required"},
		{Name: "subnets", Mutate: func(p *TierProps) { p.Subnets = nil }, Want: "Subnets is required"},
		{Name: "instance type", Mutate: func(p *TierProps) { p.InstanceType = "t3" }, Want: `InstanceType "t3"`},
		{Name: "port", Mutate: func(p *TierProps) { p.Port = 0 }, Want: "Port 0"},
		{Name: "one instance", Mutate: func(p *TierProps) { p.MinCount = 1 }, Want: "MinCount 1"},
		{Name: "min above max", Mutate: func(p *TierProps) { p.MinCount = 5 }, Want: "MinCount 5 and MaxCount 4"},
		{Name: "desired", Mutate: func(p *TierProps) { p.DesiredCount = 5 }, Want: "DesiredCount 5"},
		{Name: "cpu", Mutate: func(p *TierProps) { p.CpuTarget = 101 }, Want: "CpuTarget 101"},
		{Name: "health path", Mutate: func(p *TierProps) { p.HealthCheckPath = "health" }, Want: `HealthCheckPath "health"`},
		{Name: "user data", Mutate: func(p *TierProps) { p.UserData = string(make([]byte, 12289)) }, Want: "UserData has 12289 bytes"},
		{Name: "volume", Mutate: func(p *TierProps) { p.VolumeGiB = 4 }, Want: "VolumeGiB 4"},
		{Name: "retention", Mutate: func(p *TierProps) { p.LogRetention = "12" }, Want: "LogRetention"},
		{Name: "no load balancer", Mutate: func(p *TierProps) { p.TargetGroups = nil }, Want: "no load balancer"},
		{Name: "nil target group", Mutate: func(p *TierProps) { p.TargetGroups = []elbv2.IApplicationTargetGroup{nil} }, Want: "TargetGroups[0] is nil"},
		{Name: "internal without clients", Mutate: func(p *TierProps) {
			p.Internal = &InternalEntry{AccessLogBucket: s3.Bucket_FromBucketName(stack, jsii.String("B1"), jsii.String("stratus-test-logs"))}
		}, Want: "Internal.Clients is empty"},
		{Name: "internal without logs", Mutate: func(p *TierProps) { p.Internal = &InternalEntry{Clients: []ec2.ISecurityGroup{nil}} }, Want: "Internal.AccessLogBucket is required"},
		{Name: "environment name", Mutate: func(p *TierProps) { p.Environment = map[string]string{"db-host": "x"} }, Want: `Environment name "db-host"`},
		{Name: "release bucket", Mutate: func(p *TierProps) { p.ReleaseBucket = "Releases" }, Want: `ReleaseBucket "Releases"`},
		{Name: "notifications", Mutate: func(p *TierProps) { p.Notifications = nil }, Want: "Notifications is required"},
	})
}

func TestUserDataSetsUpTheAgentEnvironmentAndSignal(t *testing.T) {
	s := synth(t)
	_, templates := groupsAndTemplates(t, s)
	var web string
	for _, lt := range templates {
		data := cdktest.Path[map[string]any](t, lt, "Properties", "LaunchTemplateData")
		if data["InstanceType"] == "t3.small" {
			web = jsonText(data["UserData"])
		}
	}
	require.NotEmpty(t, web)
	for _, want := range []string{
		"dnf install -y amazon-cloudwatch-agent aws-cfn-bootstrap",
		"API_URL=http://app.internal:5000\\nSTAGE=test",
		"echo web > /var/log/stratus/web.log",
		"http://127.0.0.1:3000/health",
		"/opt/aws/bin/cfn-signal",
	} {
		assert.Contains(t, web, want)
	}
	assert.Less(t, strings.Index(web, "amazon-cloudwatch-agent-ctl"), strings.Index(web, "echo web"), "the agent runs before the application's user data")
	assert.Less(t, strings.Index(web, "echo web"), strings.Index(web, "cfn-signal"), "the signal comes last")
}

// jsonText is v as JSON, with <, > and & as they are.
func jsonText(v any) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}

// TestImageArchitectureFollowsTheInstanceFamily: Graviton families get the arm64 image, the rest
// x86_64 (a g5 is a GPU family, not a Graviton one).
func TestImageArchitectureFollowsTheInstanceFamily(t *testing.T) {
	for instanceType, arch := range map[string]string{
		"t4g.medium": "arm64", "m7g.large": "arm64", "c7gn.xlarge": "arm64", "x2gd.large": "arm64",
		"t3.small": "x86_64", "m7i.large": "x86_64", "c5n.xlarge": "x86_64", "g5.xlarge": "x86_64",
	} {
		assert.Equal(t, "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-"+arch, ImageParameterName(instanceType), instanceType)
	}
}
