package rotation

import (
	"strconv"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir                       string
	origin, authorizer, cache awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

// secret is a KMS-encrypted secret like the ones the platform rotates.
func secret(stack awscdk.Stack) (sm.ISecret, kms.IKey) {
	key := kms.NewKey(stack, jsii.String("Key"), &kms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	s := sm.NewSecret(stack, jsii.String("Secret"), &sm.SecretProps{EncryptionKey: key})
	return s, key
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "rotation-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, origin: cdktest.NewStack(app, "Origin", "eu-west-1"),
			authorizer: cdktest.NewStack(app, "Authorizer", "eu-west-1"), cache: cdktest.NewStack(app, "Cache", "eu-west-1")}
		for _, o := range []struct {
			stack      awscdk.Stack
			authorizer bool
		}{{s.origin, false}, {s.authorizer, true}} {
			secretO, keyO := secret(o.stack)
			if _, err := NewRotator(o.stack, "Rotation", RotatorProps{
				Kind: Origin, Secret: secretO, SecretKey: keyO, Days: 30, Regions: []string{"eu-west-1", "us-east-1"},
				TagValue: "stratus/dev/origin-verify", HeaderName: "X-Origin-Verify", AuthorizerChecks: o.authorizer,
			}); err != nil {
				return nil, err
			}
		}
		secretC, keyC := secret(s.cache)
		if _, err := NewRotator(s.cache, "Rotation", RotatorProps{
			Kind: Cache, Secret: secretC, SecretKey: keyC, Days: 7, Regions: []string{"eu-west-1"},
			TagValue: "stratus/dev/cache", ReplicationGroupID: jsii.String("rg-1"),
		}); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func TestFunctionIsBoundedEncryptedAndScheduled(t *testing.T) {
	s := synth(t)
	for _, c := range []struct {
		stack   awscdk.Stack
		handler string
		days    float64
		env     []string
	}{
		{s.origin, "origin.handler", 30, []string{"CHECKED_BY", "HEADER_NAME", "REGIONS", "TAG_KEY", "TAG_VALUE"}},
		{s.authorizer, "origin.handler", 30, []string{"CHECKED_BY", "HEADER_NAME", "REGIONS", "TAG_KEY", "TAG_VALUE"}},
		{s.cache, "cache.handler", 7, []string{"REGIONS", "REPLICATION_GROUP_ID", "TAG_KEY", "TAG_VALUE"}},
	} {
		tpl := cdktest.Template(t, c.stack)
		_, fn := cdktest.Only(t, tpl, "AWS::Lambda::Function")
		props := cdktest.Props(t, fn)
		assert.Equal(t, c.handler, props["Handler"])
		assert.Equal(t, "python3.14", props["Runtime"])
		assert.EqualValues(t, 1, props["ReservedConcurrentExecutions"])
		assert.EqualValues(t, 900, props["Timeout"])
		assert.NotNil(t, props["KmsKeyArn"], "the environment is encrypted with the secret's key")
		assert.Nil(t, props["VpcConfig"])
		vars := cdktest.Path[map[string]any](t, props, "Environment", "Variables")
		assert.ElementsMatch(t, c.env, keysOf(vars))

		_, schedule := cdktest.Only(t, tpl, "AWS::SecretsManager::RotationSchedule")
		sp := cdktest.Props(t, schedule)
		assert.Equal(t, false, sp["RotateImmediatelyOnUpdate"])
		assert.Equal(t, map[string]any{"ScheduleExpression": "rate(" + itoa(c.days) + " days)"}, sp["RotationRules"])

		_, logGroup := cdktest.Only(t, tpl, "AWS::Logs::LogGroup")
		assert.NotNil(t, cdktest.Props(t, logGroup)["KmsKeyId"])
		assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")
		_, role := cdktest.Only(t, tpl, "AWS::IAM::Role")
		assert.Nil(t, cdktest.Props(t, role)["ManagedPolicyArns"], "no AWS managed policy")
	}
}

func TestPolicyNamesWhatEachKindChanges(t *testing.T) {
	s := synth(t)
	actions := func(stack awscdk.Stack) []string {
		_, policy := cdktest.Only(t, cdktest.Template(t, stack), "AWS::IAM::ManagedPolicy")
		var out []string
		for _, st := range cdktest.Path[[]any](t, cdktest.Props(t, policy), "PolicyDocument", "Statement") {
			switch a := st.(map[string]any)["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, x.(string))
				}
			}
		}
		return out
	}
	origin, authorizer, cache := actions(s.origin), actions(s.authorizer), actions(s.cache)
	assert.Contains(t, origin, "elasticloadbalancing:ModifyRule")
	assert.Contains(t, origin, "cloudfront:UpdateDistribution")
	assert.NotContains(t, origin, "elasticache:ModifyReplicationGroup")
	assert.Contains(t, authorizer, "cloudfront:UpdateDistribution")
	for _, a := range authorizer {
		assert.NotContains(t, a, "elasticloadbalancing:", "no load balancer checks the header: the rotation may not touch one")
	}
	assert.Contains(t, cache, "elasticache:ModifyReplicationGroup")
	assert.Contains(t, cache, "ecs:UpdateService")
	assert.Contains(t, cache, "secretsmanager:TagResource")
	assert.NotContains(t, cache, "cloudfront:UpdateDistribution")
}

// The function learns what checks the header from CHECKED_BY: rules it would look for and not
// find (an HTTP API has none) fail every rotation.
func TestTheFunctionIsToldWhatChecksTheHeader(t *testing.T) {
	s := synth(t)
	for stack, want := range map[awscdk.Stack]string{s.origin: "alb", s.authorizer: "authorizer"} {
		_, fn := cdktest.Only(t, cdktest.Template(t, stack), "AWS::Lambda::Function")
		assert.Equal(t, want, cdktest.Path[string](t, cdktest.Props(t, fn), "Environment", "Variables", "CHECKED_BY"), *stack.StackName())
	}
}

func TestTheWildcardReasonsNameOnlyWhatTheFunctionCalls(t *testing.T) {
	s := synth(t)
	reasons := func(stack awscdk.Stack) string {
		_, policy := cdktest.Only(t, cdktest.Template(t, stack), "AWS::IAM::ManagedPolicy")
		var out []string
		for _, rule := range cdktest.Path[[]any](t, policy, "Metadata", "cdk_nag", "rules_to_suppress") {
			if r := rule.(map[string]any); r["id"] == "AwsSolutions-IAM5" {
				out = append(out, r["reason"].(string))
			}
		}
		require.Len(t, out, 1, "one reason for the policy's wildcards")
		return out[0]
	}
	assert.Contains(t, reasons(s.origin), "Describe calls of Elastic Load Balancing")
	assert.Contains(t, reasons(s.origin), "the listener rules and distributions it changes")
	for _, stack := range []awscdk.Stack{s.authorizer, s.cache} {
		assert.NotContains(t, reasons(stack), "Elastic Load Balancing", "%s calls no load balancer", *stack.StackName())
	}
	assert.Contains(t, reasons(s.authorizer), "the distributions it changes")
	assert.Contains(t, reasons(s.cache), "the ECS services it redeploys")
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.origin, s.authorizer, s.cache)
}

func TestRejectsBadProps(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "Bad", "eu-west-1")
	s, key := secret(stack)
	valid := func() RotatorProps {
		return RotatorProps{Kind: Origin, Secret: s, SecretKey: key, Days: 30, Regions: []string{"eu-west-1"},
			TagValue: "stratus/dev/origin-verify", HeaderName: "X-Origin-Verify"}
	}
	cdktest.Rejects(t, valid, RotatorProps.validate, []cdktest.Invalid[RotatorProps]{
		{Name: "unknown kind", Mutate: func(p *RotatorProps) { p.Kind = "db" }, Want: `Kind "db" must be "origin" or "cache"`},
		{Name: "no secret", Mutate: func(p *RotatorProps) { p.Secret = nil }, Want: "Secret is required"},
		{Name: "no key", Mutate: func(p *RotatorProps) { p.SecretKey = nil }, Want: "SecretKey is required"},
		{Name: "zero days", Mutate: func(p *RotatorProps) { p.Days = 0 }, Want: "Days 0 must be 1-365"},
		{Name: "too many days", Mutate: func(p *RotatorProps) { p.Days = 366 }, Want: "Days 366 must be 1-365"},
		{Name: "no regions", Mutate: func(p *RotatorProps) { p.Regions = nil }, Want: "Regions needs at least one region"},
		{Name: "bad region", Mutate: func(p *RotatorProps) { p.Regions = []string{"Europe"} }, Want: `"Europe" is not a region name`},
		{Name: "bad tag", Mutate: func(p *RotatorProps) { p.TagValue = "" }, Want: "TagValue"},
		{Name: "origin without header", Mutate: func(p *RotatorProps) { p.HeaderName = "" }, Want: "HeaderName is required"},
		{Name: "cache without group", Mutate: func(p *RotatorProps) { p.Kind = Cache }, Want: "ReplicationGroupID is required"},
		{Name: "cache checked by an authorizer", Mutate: func(p *RotatorProps) {
			p.Kind, p.ReplicationGroupID, p.AuthorizerChecks = Cache, jsii.String("rg-1"), true
		}, Want: "AuthorizerChecks applies to an origin secret only"},
	})
	_, err := NewRotator(stack, "R", RotatorProps{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "rotator R: invalid props")
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func itoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
