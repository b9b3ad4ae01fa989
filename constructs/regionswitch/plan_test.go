package regionswitch

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

const acct = cdktest.Account

func clusterArn(region, id string) string {
	return "arn:aws:rds:" + region + ":" + acct + ":cluster:" + id
}

func validProps() PlanProps {
	return PlanProps{
		Name: "stratus-prod", Description: "prod", Regions: []string{"us-east-1", "eu-west-1"}, PrimaryRegion: "us-east-1",
		Approach: ActivePassive,
		Databases: []GlobalDatabase{
			{GlobalClusterIdentifier: "stratus-prod-order", ClusterArns: map[string]string{"us-east-1": clusterArn("us-east-1", "order-a"), "eu-west-1": clusterArn("eu-west-1", "order-b")}},
			{GlobalClusterIdentifier: "stratus-prod-billing", ClusterArns: map[string]string{"us-east-1": clusterArn("us-east-1", "billing-a"), "eu-west-1": clusterArn("eu-west-1", "billing-b")}},
		},
		HostedZoneID: "Z0123456789EXAMPLE", RecordName: "origin.example.com",
		SetIdentifiers: map[string]string{"us-east-1": "us-east-1", "eu-west-1": "eu-west-1"},
		Approval:       true, ApproverRoleName: "stratus-prod-region-switch-approver",
		Alarms: []Alarm{
			{Name: "stratus-prod-us-east-1-healthCheckFailed", Arn: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:stratus-prod-us-east-1-healthCheckFailed", Region: "us-east-1"},
			{Name: "stratus-prod-eu-west-1-healthCheckFailed", Arn: "arn:aws:cloudwatch:us-east-1:" + acct + ":alarm:stratus-prod-eu-west-1-healthCheckFailed", Region: "eu-west-1"},
		},
		Triggers: true,
	}
}

func functionArn(region string) string {
	return "arn:aws:lambda:" + region + ":" + acct + ":function:stratus-prod-region-switch-capacity"
}

// capacityProps is an active/active plan with a capacity step and an imported approver.
func capacityProps() PlanProps {
	p := validProps()
	p.Name, p.Approach, p.Triggers, p.ApprovalRoleArn = "stratus-aa", ActiveActive, false, "arn:aws:iam::"+acct+":role/dr"
	p.Databases = p.Databases[:1]
	p.Capacity = &Capacity{FunctionArns: map[string]string{"us-east-1": functionArn("us-east-1"), "eu-west-1": functionArn("eu-west-1")}}
	return p
}

// passiveCapacityProps is the active/passive plan with a capacity step of 45 minutes.
func passiveCapacityProps() PlanProps {
	p := validProps()
	p.Name = "stratus-ap"
	p.Capacity = &Capacity{FunctionArns: capacityProps().Capacity.FunctionArns, TimeoutMinutes: 45}
	return p
}

type synthesized struct {
	dir    string
	stacks map[string]awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func shared(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "regionswitch-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stacks: map[string]awscdk.Stack{}}
		for name, props := range map[string]PlanProps{"Passive": validProps(), "Active": capacityProps(), "PassiveScaled": passiveCapacityProps()} {
			s.stacks[name] = cdktest.NewStack(app, name, "us-east-1")
			if _, err := NewPlan(s.stacks[name], "RegionSwitch", props); err != nil {
				return nil, err
			}
		}
		return s, nil
	})
}

func ofType(t *testing.T, stack, typ string) map[string]map[string]any {
	t.Helper()
	return cdktest.OfType(t, cdktest.Template(t, shared(t).stacks[stack]), typ)
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// plan returns the one plan's properties of a stack.
func plan(t *testing.T, stack string) map[string]any {
	t.Helper()
	plans := ofType(t, stack, "AWS::ARCRegionSwitch::Plan")
	require.Len(t, plans, 1)
	for _, p := range plans {
		return p["Properties"].(map[string]any)
	}
	return nil
}

// stepsOf lists a workflow's step types, a parallel step as Parallel[types…].
func stepsOf(w map[string]any) []string {
	var out []string
	for _, s := range w["Steps"].([]any) {
		step := s.(map[string]any)
		typ := step["ExecutionBlockType"].(string)
		if typ == "Parallel" {
			var inner []string
			for _, in := range step["ExecutionBlockConfiguration"].(map[string]any)["ParallelConfig"].(map[string]any)["Steps"].([]any) {
				inner = append(inner, in.(map[string]any)["ExecutionBlockType"].(string))
			}
			typ += "[" + strings.Join(inner, ",") + "]"
		}
		out = append(out, typ)
	}
	return out
}

func TestActivePassivePlanApprovesMovesEveryWriterThenTraffic(t *testing.T) {
	p := plan(t, "Passive")
	assert.Equal(t, "activePassive", p["RecoveryApproach"])
	assert.Equal(t, []any{"us-east-1", "eu-west-1"}, p["Regions"])
	assert.Equal(t, "us-east-1", p["PrimaryRegion"])
	assert.Equal(t, 30.0, p["RecoveryTimeObjectiveMinutes"])
	workflows := p["Workflows"].([]any)
	require.Len(t, workflows, 2, "one activate workflow per region")
	for i, region := range []string{"us-east-1", "eu-west-1"} {
		w := workflows[i].(map[string]any)
		assert.Equal(t, "activate", w["WorkflowTargetAction"])
		assert.Equal(t, region, w["WorkflowTargetRegion"])
		assert.Equal(t, []string{"ManualApproval", "Parallel[AuroraGlobalDatabase,AuroraGlobalDatabase]", "Route53HealthCheck"}, stepsOf(w), region)
	}
	body := js(workflows[0])
	// Graceful runs switch over (switchoverOnly: no data loss; "failover" would allow data loss
	// even in a graceful run), ungraceful ones fail over; both members of each database.
	assert.Contains(t, body, `"GlobalAuroraConfig":{"Behavior":"switchoverOnly","DatabaseClusterArns":["`+clusterArn("us-east-1", "billing-a")+`","`+clusterArn("eu-west-1", "billing-b")+`"],"GlobalClusterIdentifier":"stratus-prod-billing","Ungraceful":{"Ungraceful":"failover"}}`)
	assert.Contains(t, body, `"GlobalClusterIdentifier":"stratus-prod-order"`)
	assert.Contains(t, body, `"Route53HealthCheckConfig":{"HostedZoneId":"Z0123456789EXAMPLE","RecordName":"origin.example.com","RecordSets":[{"RecordSetIdentifier":"us-east-1","Region":"us-east-1"},{"RecordSetIdentifier":"eu-west-1","Region":"eu-west-1"}]}`)
	assert.Contains(t, body, `"ExecutionApprovalConfig":{"ApprovalRole":{"Fn::GetAtt":["RegionSwitchApprover`)
}

func TestTriggersActivateTheOtherRegionOnARedAlarm(t *testing.T) {
	p := plan(t, "Passive")
	alarms := p["AssociatedAlarms"].(map[string]any)
	require.Len(t, alarms, 2)
	assert.Equal(t, `{"AlarmType":"trigger","ResourceIdentifier":"arn:aws:cloudwatch:us-east-1:`+acct+`:alarm:stratus-prod-eu-west-1-healthCheckFailed"}`, js(alarms["stratus-prod-eu-west-1-healthCheckFailed"]))
	triggers := p["Triggers"].([]any)
	require.Len(t, triggers, 2)
	first := triggers[0].(map[string]any)
	assert.Equal(t, "activate", first["Action"])
	assert.Equal(t, "eu-west-1", first["TargetRegion"], "us-east-1's alarm activates eu-west-1")
	assert.Equal(t, `[{"AssociatedAlarmName":"stratus-prod-us-east-1-healthCheckFailed","Condition":"red"}]`, js(first["Conditions"]))
	assert.Equal(t, 60.0, first["MinDelayMinutesBetweenExecutions"])
}

func TestActiveActivePlanDeactivatesAndScales(t *testing.T) {
	p := plan(t, "Active")
	assert.Equal(t, "activeActive", p["RecoveryApproach"])
	assert.Nil(t, p["Triggers"])
	assert.Equal(t, "applicationHealth", p["AssociatedAlarms"].(map[string]any)["stratus-prod-us-east-1-healthCheckFailed"].(map[string]any)["AlarmType"])
	got := map[string][]string{}
	for _, w := range p["Workflows"].([]any) {
		wf := w.(map[string]any)
		got[wf["WorkflowTargetAction"].(string)+" "+wf["WorkflowTargetRegion"].(string)] = stepsOf(wf)
	}
	activate := []string{"ManualApproval", "CustomActionLambda", "Route53HealthCheck"}
	deactivate := []string{"ManualApproval", "AuroraGlobalDatabase", "Route53HealthCheck"}
	assert.Equal(t, map[string][]string{"activate us-east-1": activate, "deactivate us-east-1": deactivate, "activate eu-west-1": activate, "deactivate eu-west-1": deactivate}, got)
	assert.Contains(t, js(p["Workflows"]), `"ApprovalRole":"arn:aws:iam::`+acct+`:role/dr"`, "the configured approver")
	assert.Empty(t, ofType(t, "Active", "AWS::IAM::Role")["RegionSwitchApprover"], "no approver role is made")
}

// TestCapacityStepRunsTheActivatedRegionsFunctionBeforeTheWriters: both regions' functions, run
// in the region being activated, retried every minute until the timeout; no ungraceful skip;
// before the database and traffic steps.
func TestCapacityStepRunsTheActivatedRegionsFunctionBeforeTheWriters(t *testing.T) {
	for stack, timeout := range map[string]string{"Active": "30", "PassiveScaled": "45"} {
		p := plan(t, stack)
		var activates int
		for _, w := range p["Workflows"].([]any) {
			wf := w.(map[string]any)
			if wf["WorkflowTargetAction"] != "activate" {
				assert.NotContains(t, stepsOf(wf), "CustomActionLambda", "%s: only activations scale", stack)
				continue
			}
			activates++
			steps := wf["Steps"].([]any)
			require.GreaterOrEqual(t, len(steps), 2, stack)
			assert.Equal(t, `{"Description":"Raise the activated region's ECS services to full capacity and wait until they run",`+
				`"ExecutionBlockConfiguration":{"CustomActionLambdaConfig":{"Lambdas":[{"Arn":"`+functionArn("us-east-1")+`"},{"Arn":"`+functionArn("eu-west-1")+`"}],`+
				`"RegionToRun":"activatingRegion","RetryIntervalMinutes":1,"TimeoutMinutes":`+timeout+`}},`+
				`"ExecutionBlockType":"CustomActionLambda","Name":"scale-services"}`, js(steps[1]), "%s: right after the approval", stack)
		}
		assert.Equal(t, 2, activates, stack)
	}
	var passive []string
	for _, w := range plan(t, "PassiveScaled")["Workflows"].([]any) {
		passive = stepsOf(w.(map[string]any))
	}
	assert.Equal(t, []string{"ManualApproval", "CustomActionLambda", "Parallel[AuroraGlobalDatabase,AuroraGlobalDatabase]", "Route53HealthCheck"}, passive,
		"capacity first, then the writers, then the traffic")
}

// TestExecutionRoleMayInvokeExactlyTheCapacityFunctions: invoke and read the two functions, no
// ECS grant and no wildcard.
func TestExecutionRoleMayInvokeExactlyTheCapacityFunctions(t *testing.T) {
	doc := executionPolicy(t, "Active")
	assert.Contains(t, doc, `{"Action":["lambda:GetFunction","lambda:InvokeFunction"],"Effect":"Allow","Resource":["`+functionArn("eu-west-1")+`","`+functionArn("us-east-1")+`"]}`, "sorted, as minimizePolicies writes them")
	assert.Equal(t, 1, strings.Count(doc, "lambda:"+"InvokeFunction"))
	assert.NotContains(t, doc, "ecs:")
	assert.NotContains(t, doc, "application-autoscaling:")
	assert.NotContains(t, strings.Replace(doc, describes, "", 1), `"Resource":"*"`)
	assert.NotContains(t, executionPolicy(t, "Passive"), "lambda:", "no capacity step, no grant")
}

// executionPolicy is the execution policy document of a stack's plan, as JSON.
func executionPolicy(t *testing.T, stack string) string {
	t.Helper()
	var doc string
	for id, p := range ofType(t, stack, "AWS::IAM::ManagedPolicy") {
		if strings.HasPrefix(id, "RegionSwitchExecutionPolicy") {
			doc = js(p["Properties"].(map[string]any)["PolicyDocument"])
		}
	}
	require.NotEmpty(t, doc)
	return doc
}

// describes is the execution policy's one statement on Resource "*".
const describes = `{"Action":["rds:DescribeDBClusters","rds:DescribeGlobalClusters"],"Effect":"Allow","Resource":"*"}`

// TestExecutionRoleIsLeastPrivilege: assumed by Region switch of this account only; one managed
// policy (no inline policy) granting the switchover and failover on exactly the plan's clusters,
// the records' zone and the alarms; the databases' describes on "*", as AWS's sample policy
// grants them.
func TestExecutionRoleIsLeastPrivilege(t *testing.T) {
	roles := ofType(t, "Passive", "AWS::IAM::Role")
	var exec map[string]any
	for id, r := range roles {
		if strings.HasPrefix(id, "RegionSwitchExecutionRole") {
			exec = r["Properties"].(map[string]any)
		}
	}
	require.NotNil(t, exec)
	assert.Equal(t, `{"Statement":[{"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"`+acct+`"}},"Effect":"Allow","Principal":{"Service":"arc-region-switch.amazonaws.com"}}],"Version":"2012-10-17"}`, js(exec["AssumeRolePolicyDocument"]))
	assert.Nil(t, exec["Policies"], "no inline policy")
	assert.Empty(t, ofType(t, "Passive", "AWS::IAM::Policy"), "no inline policy resource")
	doc := executionPolicy(t, "Passive")
	// The describes on "*", as AWS's sample policy for the Aurora block has them; nothing else.
	assert.Contains(t, doc, describes)
	assert.NotContains(t, strings.Replace(doc, describes, "", 1), `"Resource":"*"`, "no other wildcard resource")
	assert.Contains(t, doc, `"Action":["rds:FailoverGlobalCluster","rds:SwitchoverGlobalCluster"]`)
	for _, arn := range []string{":global-cluster:stratus-prod-order", ":global-cluster:stratus-prod-billing", clusterArn("us-east-1", "order-a"), clusterArn("eu-west-1", "billing-b")} {
		assert.Contains(t, doc, arn)
	}
	assert.Contains(t, doc, `{"Action":"route53:ListResourceRecordSets","Effect":"Allow","Resource":"arn:aws:route53:::hostedzone/Z0123456789EXAMPLE"}`)
	assert.Contains(t, doc, `{"Action":["cloudwatch:DescribeAlarmHistory","cloudwatch:DescribeAlarms"],"Effect":"Allow","Resource":["arn:aws:cloudwatch:us-east-1:`+acct+`:alarm:stratus-prod-eu-west-1-healthCheckFailed","arn:aws:cloudwatch:us-east-1:`+acct+`:alarm:stratus-prod-us-east-1-healthCheckFailed"]}`)
	assert.Contains(t, doc, `"Action":"iam:SimulatePrincipalPolicy"`)
	assert.Contains(t, doc, `{"Action":["arc-region-switch:GetPlan","arc-region-switch:GetPlanExecution","arc-region-switch:ListPlanExecutions","arc-region-switch:StartPlanExecution"],"Effect":"Allow","Resource":"arn:aws:arc-region-switch::`+acct+`:plan/stratus-prod:*"}`,
		"its triggers start the plan as this role")
	assert.NotContains(t, executionPolicy(t, "Active"), "StartPlanExecution", "a plan without triggers is started by people only")
}

func TestNoFindingsFromCdkNagOrCfnLint(t *testing.T) {
	s := shared(t)
	cdktest.Gates(t, s.dir, s.stacks["Passive"], s.stacks["Active"], s.stacks["PassiveScaled"])
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	cases := []cdktest.Invalid[PlanProps]{
		{Name: "a long name", Mutate: func(p *PlanProps) { p.Name = strings.Repeat("a", 33) }, Want: "Name \"" + strings.Repeat("a", 33) + "\" must be 1-32"},
		{Name: "three regions", Mutate: func(p *PlanProps) { p.Regions = append(p.Regions, "us-west-2") }, Want: "must be 2 different region names"},
		{Name: "the same region twice", Mutate: func(p *PlanProps) { p.Regions = []string{"us-east-1", "us-east-1"} }, Want: "must be 2 different region names"},
		{Name: "a primary outside the plan", Mutate: func(p *PlanProps) { p.PrimaryRegion = "us-west-2" }, Want: `PrimaryRegion "us-west-2" is not one of Regions`},
		{Name: "an unknown approach", Mutate: func(p *PlanProps) { p.Approach = "pilotLight" }, Want: `Approach "pilotLight" is not one of "activeActive", "activePassive"`},
		{Name: "an RTO over a week", Mutate: func(p *PlanProps) { p.RecoveryTimeObjectiveMinutes = 10081 }, Want: "RecoveryTimeObjectiveMinutes 10081 is outside 1-10080"},
		{Name: "a database without a member in a region", Mutate: func(p *PlanProps) {
			p.Databases = []GlobalDatabase{{GlobalClusterIdentifier: "g", ClusterArns: map[string]string{"us-east-1": clusterArn("us-east-1", "a")}}}
		}, Want: `Databases[0].ClusterArns["eu-west-1"] "" is not an ARN of a cluster in eu-west-1`},
		{Name: "a cluster ARN of the wrong region", Mutate: func(p *PlanProps) {
			p.Databases = []GlobalDatabase{{GlobalClusterIdentifier: "g", ClusterArns: map[string]string{"us-east-1": clusterArn("eu-west-1", "a"), "eu-west-1": clusterArn("eu-west-1", "b")}}}
		}, Want: `Databases[0].ClusterArns["us-east-1"]`},
		{Name: "a capacity function missing in a region", Mutate: func(p *PlanProps) {
			p.Capacity = &Capacity{FunctionArns: map[string]string{"us-east-1": functionArn("us-east-1")}}
		}, Want: `Capacity.FunctionArns["eu-west-1"] "" is not an ARN of a function in eu-west-1`},
		{Name: "a capacity function of the wrong region", Mutate: func(p *PlanProps) {
			p.Capacity = &Capacity{FunctionArns: map[string]string{"us-east-1": functionArn("eu-west-1"), "eu-west-1": functionArn("eu-west-1")}}
		}, Want: `Capacity.FunctionArns["us-east-1"] "` + functionArn("eu-west-1") + `" is not an ARN of a function in us-east-1`},
		{Name: "a capacity function of a third region", Mutate: func(p *PlanProps) {
			p.Capacity = capacityProps().Capacity
			p.Capacity.FunctionArns["us-west-2"] = functionArn("us-west-2")
		}, Want: `Capacity.FunctionArns has 3 entries; one per region of [us-east-1 eu-west-1]`},
		{Name: "not a function", Mutate: func(p *PlanProps) {
			p.Capacity = capacityProps().Capacity
			p.Capacity.FunctionArns["eu-west-1"] = "arn:aws:lambda:eu-west-1:" + acct + ":layer:x"
		}, Want: `Capacity.FunctionArns["eu-west-1"]`},
		{Name: "a capacity timeout over a day", Mutate: func(p *PlanProps) {
			p.Capacity = capacityProps().Capacity
			p.Capacity.TimeoutMinutes = 1441
		}, Want: "Capacity.TimeoutMinutes 1441 is outside 1-1440"},
		{Name: "a negative capacity timeout", Mutate: func(p *PlanProps) {
			p.Capacity = capacityProps().Capacity
			p.Capacity.TimeoutMinutes = -1
		}, Want: "Capacity.TimeoutMinutes -1 is outside 1-1440"},
		{Name: "no record to move", Mutate: func(p *PlanProps) { p.RecordName = "" }, Want: "HostedZoneID and RecordName are required"},
		{Name: "a region without its record", Mutate: func(p *PlanProps) { p.SetIdentifiers = map[string]string{"us-east-1": "us-east-1"} }, Want: `SetIdentifiers has no record set identifier for "eu-west-1"`},
		{Name: "an approver without approval", Mutate: func(p *PlanProps) { p.Approval, p.ApprovalRoleArn = false, "arn:aws:iam::"+acct+":role/x" }, Want: "ApprovalRoleArn is set without Approval"},
		{Name: "a malformed approver", Mutate: func(p *PlanProps) { p.ApprovalRoleArn = "dr" }, Want: `ApprovalRoleArn "dr" is not an IAM role ARN`},
		{Name: "no approver role name", Mutate: func(p *PlanProps) { p.ApproverRoleName = "" }, Want: `ApproverRoleName "" must be 1-64`},
		{Name: "triggers without alarms", Mutate: func(p *PlanProps) { p.Alarms = nil }, Want: "Triggers needs Alarms"},
		{Name: "an alarm of another region", Mutate: func(p *PlanProps) { p.Alarms[0].Region = "us-west-2" }, Want: `Alarms[0].Region "us-west-2" is not one of Regions`},
	}
	cdktest.Rejects(t, validProps, func(p PlanProps) error { return p.withDefaults().validate() }, cases)

	t.Run("the constructor returns every problem instead of panicking", func(t *testing.T) {
		stack := cdktest.NewStack(cdktest.NewApp(t), "Scratch", "us-east-1")
		var err error
		cdktest.NoPanic(t, func() { _, err = NewPlan(stack, "Bad", PlanProps{Name: "-", Approach: "x"}) })
		for _, want := range []string{`Name "-"`, `Approach "x"`, "HostedZoneID and RecordName are required"} {
			assert.ErrorContains(t, err, want)
		}
	})
}
