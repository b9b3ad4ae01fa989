package capacity

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

const acct = cdktest.Account

func validProps(stack awscdk.Stack) ScalerProps {
	return ScalerProps{
		FunctionName: "stratus-prod-region-switch-capacity",
		Cluster: ecs.Cluster_FromClusterAttributes(stack, jsii.String("Cluster"), &ecs.ClusterAttributes{
			ClusterName: jsii.String("app-cluster"), Vpc: cdktest.ImportedVpc(stack, *stack.Region()),
		}),
		Services: map[string]Capacity{"product": {DesiredCount: 3, MinCount: 2, MaxCount: 10}, "order": {DesiredCount: 2, MinCount: 2, MaxCount: 6}},
	}
}

type synthesized struct {
	dir              string
	defaults, custom awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func shared(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "capacity-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, defaults: cdktest.NewStack(app, "Defaults", "eu-west-1"), custom: cdktest.NewStack(app, "Custom", "us-east-1")}
		if _, err := NewScaler(s.defaults, "Capacity", validProps(s.defaults)); err != nil {
			return nil, err
		}
		p := validProps(s.custom)
		p.MinimumRunningPercent, p.LogRetention = 100, logs.RetentionDays_ONE_MONTH
		if _, err := NewScaler(s.custom, "Capacity", p); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func template(t *testing.T, stack string) map[string]any {
	t.Helper()
	s := shared(t)
	return cdktest.Template(t, map[string]awscdk.Stack{"Defaults": s.defaults, "Custom": s.custom}[stack])
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestFunctionHasItsFixedNameAndFullCapacity(t *testing.T) {
	_, fn := cdktest.Only(t, template(t, "Defaults"), "AWS::Lambda::Function")
	props := cdktest.Props(t, fn)
	assert.Equal(t, "stratus-prod-region-switch-capacity", props["FunctionName"])
	assert.Equal(t, "python3.14", props["Runtime"])
	assert.Equal(t, []any{"arm64"}, props["Architectures"])
	assert.Equal(t, "index.handler", props["Handler"])
	assert.Equal(t, 60.0, props["Timeout"])
	vars := cdktest.Path[map[string]any](t, props, "Environment", "Variables")
	assert.Equal(t, map[string]any{
		"CLUSTER":                 "app-cluster",
		"SERVICES":                `{"order":{"desiredCount":2,"minCount":2,"maxCount":6},"product":{"desiredCount":3,"minCount":2,"maxCount":10}}`,
		"MINIMUM_RUNNING_PERCENT": "80",
	}, vars)
	policyID, _ := cdktest.Only(t, template(t, "Defaults"), "AWS::IAM::ManagedPolicy")
	assert.Equal(t, policyID, fn["DependsOn"].([]any)[0], "the function waits for its grants")
	assert.Len(t, fn["DependsOn"], 1)

	_, custom := cdktest.Only(t, template(t, "Custom"), "AWS::Lambda::Function")
	assert.Equal(t, "100", cdktest.Path[string](t, cdktest.Props(t, custom), "Environment", "Variables", "MINIMUM_RUNNING_PERCENT"))
}

// TestPolicyGrantsOnlyTheClusterItScales: one managed policy, no inline policy; the services of
// this cluster only, ListServices only under the cluster condition.
func TestPolicyGrantsOnlyTheClusterItScales(t *testing.T) {
	tpl := template(t, "Defaults")
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")
	_, role := cdktest.Only(t, tpl, "AWS::IAM::Role")
	assert.Nil(t, cdktest.Props(t, role)["Policies"])
	assert.Contains(t, js(cdktest.Props(t, role)["AssumeRolePolicyDocument"]), `"Principal":{"Service":"lambda.amazonaws.com"}`)
	_, policy := cdktest.Only(t, tpl, "AWS::IAM::ManagedPolicy")
	statements := cdktest.Path[[]any](t, cdktest.Props(t, policy), "PolicyDocument", "Statement")
	require.Len(t, statements, 4)
	assert.Equal(t, `{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["CapacityLogGroup`,
		js(statements[0])[:len(`{"Action":["logs:CreateLogStream","logs:PutLogEvents"],"Effect":"Allow","Resource":{"Fn::GetAtt":["CapacityLogGroup`)])
	assert.Equal(t, `{"Action":"ecs:ListServices","Condition":{"ArnEquals":{"ecs:cluster":"arn:aws:ecs:eu-west-1:`+acct+`:cluster/app-cluster"}},"Effect":"Allow","Resource":"*"}`, js(statements[1]))
	assert.Equal(t, `{"Action":["ecs:DescribeServices","ecs:UpdateService"],"Effect":"Allow","Resource":"arn:aws:ecs:eu-west-1:`+acct+`:service/app-cluster/*"}`, js(statements[2]))
	assert.Equal(t, `{"Action":["application-autoscaling:DescribeScalableTargets","application-autoscaling:RegisterScalableTarget"],"Effect":"Allow","Resource":"*"}`, js(statements[3]))
}

func TestLogGroupIsEncryptedAndRetained(t *testing.T) {
	for stack, days := range map[string]float64{"Defaults": 365, "Custom": 30} {
		tpl := template(t, stack)
		_, group := cdktest.Only(t, tpl, "AWS::Logs::LogGroup")
		props := cdktest.Props(t, group)
		assert.Equal(t, "/aws/lambda/stratus-prod-region-switch-capacity", props["LogGroupName"], stack)
		assert.Equal(t, days, props["RetentionInDays"], stack)
		assert.Equal(t, "Retain", group["DeletionPolicy"], stack)
		assert.Equal(t, "Retain", group["UpdateReplacePolicy"], stack)
		keyID, key := cdktest.Only(t, tpl, "AWS::KMS::Key")
		assert.Equal(t, map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}, props["KmsKeyId"], stack)
		assert.Equal(t, true, cdktest.Props(t, key)["EnableKeyRotation"], stack)
		region := map[string]string{"Defaults": "eu-west-1", "Custom": "us-east-1"}[stack]
		assert.Contains(t, cdktest.Path[[]any](t, cdktest.Props(t, key), "KeyPolicy", "Statement"),
			cdktest.LogsKeyStatement("logs."+region+".amazonaws.com", "arn:aws:logs:"+region+":"+acct+":log-group:/aws/lambda/stratus-prod-region-switch-capacity"), stack)
	}
}

func TestTagNamesTheServiceTheHandlerLooksFor(t *testing.T) {
	// A bare service in an app of its own: it would have findings of its own in the gated app.
	stack := cdktest.NewStack(cdktest.NewApp(t), "Tagged", "eu-west-1")
	Tag(ecs.NewCfnService(stack, jsii.String("Service"), &ecs.CfnServiceProps{Cluster: jsii.String("app-cluster")}), "product")
	tags := cdktest.Path[[]any](t, cdktest.Props(t, cdktest.OfType(t, cdktest.Template(t, stack), "AWS::ECS::Service")["Service"]), "Tags")
	assert.Contains(t, tags, map[string]any{"Key": "stratus:service", "Value": "product"})
	assert.Contains(t, string(scalerCode), `TAG = "`+TagKey+`"`, "the handler finds services by the tag Tag sets")
}

func TestNoFindingsFromCdkNagOrCfnLint(t *testing.T) {
	s := shared(t)
	cdktest.Gates(t, s.dir, s.defaults, s.custom)
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Scratch", "eu-west-1")
	base := validProps(stack).withDefaults() // the stack can import its cluster only once
	valid := func() ScalerProps {
		p := base
		p.Services = map[string]Capacity{"product": {DesiredCount: 3, MinCount: 2, MaxCount: 10}}
		return p
	}
	cases := []cdktest.Invalid[ScalerProps]{
		{Name: "a name too long", Mutate: func(p *ScalerProps) { p.FunctionName = strings.Repeat("f", 65) }, Want: `FunctionName "` + strings.Repeat("f", 65) + `" must be 1-64 letters`},
		{Name: "a name with a dot", Mutate: func(p *ScalerProps) { p.FunctionName = "a.b" }, Want: `FunctionName "a.b" must be`},
		{Name: "no cluster", Mutate: func(p *ScalerProps) { p.Cluster = nil }, Want: "Cluster is required"},
		{Name: "no services", Mutate: func(p *ScalerProps) { p.Services = nil }, Want: "Services is empty"},
		{Name: "a bad service name", Mutate: func(p *ScalerProps) { p.Services["Order"] = Capacity{1, 1, 1} }, Want: `Services["Order"]: the name must be a lowercase letter`},
		{Name: "desired under min", Mutate: func(p *ScalerProps) { p.Services["product"] = Capacity{1, 2, 4} }, Want: `Services["product"]: need 0 <= MinCount <= DesiredCount <= MaxCount and MaxCount >= 1 (got 2 <= 1 <= 4)`},
		{Name: "desired over max", Mutate: func(p *ScalerProps) { p.Services["product"] = Capacity{5, 1, 4} }, Want: `(got 1 <= 5 <= 4)`},
		{Name: "a negative min", Mutate: func(p *ScalerProps) { p.Services["product"] = Capacity{0, -1, 4} }, Want: `(got -1 <= 0 <= 4)`},
		{Name: "no task at all", Mutate: func(p *ScalerProps) { p.Services["product"] = Capacity{0, 0, 0} }, Want: `(got 0 <= 0 <= 0)`},
		{Name: "a percent over 100", Mutate: func(p *ScalerProps) { p.MinimumRunningPercent = 101 }, Want: "MinimumRunningPercent 101 is outside 1-100"},
		{Name: "a negative percent", Mutate: func(p *ScalerProps) { p.MinimumRunningPercent = -1 }, Want: "MinimumRunningPercent -1 is outside 1-100"},
	}
	cdktest.Rejects(t, valid, ScalerProps.validate, cases)

	t.Run("the constructor returns every problem instead of panicking", func(t *testing.T) {
		var err error
		cdktest.NoPanic(t, func() { _, err = NewScaler(stack, "Bad", ScalerProps{FunctionName: "a b"}) })
		for _, want := range []string{`FunctionName "a b"`, "Cluster is required", "Services is empty"} {
			assert.ErrorContains(t, err, want)
		}
	})
}
