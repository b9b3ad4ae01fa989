package queue

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "queue-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Queues", "us-east-1")}
		var roles []iam.Role
		role := func(id string) iam.Role {
			r := iam.NewRole(s.stack, jsii.String(id), &iam.RoleProps{AssumedBy: iam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})
			roles = append(roles, r)
			return r
		}
		_, err := NewQueue(s.stack, "Orders", QueueProps{QueueName: "orders", MaxReceiveCount: 3,
			Producers: []iam.IGrantable{role("Producer")}, Consumers: []iam.IGrantable{role("Consumer")}})
		for _, r := range roles {
			cdknag.NagSuppressions_AddResourceSuppressions(r, &[]*cdknag.NagPackSuppression{{
				Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
				Reason: jsii.String("Test stand-ins for the tier and service roles, whose constructs move grants into managed policies."),
			}}, jsii.Bool(true))
		}
		return s, err
	})
}

func TestGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.stack)
}

func TestQueueHasAnEncryptedDeadLetterQueueAndRefusesPlainHttp(t *testing.T) {
	s := synth(t)
	tpl := cdktest.Template(t, s.stack)
	queues := cdktest.OfType(t, tpl, "AWS::SQS::Queue")
	require.Len(t, queues, 2)
	names := map[string]map[string]any{}
	for _, q := range queues {
		p := cdktest.Props(t, q)
		names[p["QueueName"].(string)] = p
		assert.NotNil(t, p["KmsMasterKeyId"], "%s: customer key", p["QueueName"])
		assert.Equal(t, "Retain", q["DeletionPolicy"], "%s: messages not yet consumed outlive the stack", p["QueueName"])
		assert.Equal(t, "Retain", q["UpdateReplacePolicy"], p["QueueName"])
	}
	require.Contains(t, names, "orders")
	require.Contains(t, names, "orders-dlq")
	redrive := cdktest.Path[map[string]any](t, names["orders"], "RedrivePolicy")
	assert.Equal(t, 3.0, redrive["maxReceiveCount"])
	assert.Equal(t, 1209600.0, names["orders-dlq"]["MessageRetentionPeriod"])

	policies := cdktest.OfType(t, tpl, "AWS::SQS::QueuePolicy")
	require.Len(t, policies, 2, "both queues refuse requests without TLS")
	for id, p := range policies {
		assert.Contains(t, jsonOf(p), `"aws:SecureTransport":"false"`, id)
	}
	grants := jsonOf(cdktest.OfType(t, tpl, "AWS::IAM::Policy"))
	assert.Contains(t, grants, "sqs:SendMessage")
	assert.Contains(t, grants, "sqs:ReceiveMessage")
}

func TestPropsRejected(t *testing.T) {
	cdktest.Rejects(t, func() QueueProps { return QueueProps{QueueName: "orders"}.withDefaults() }, QueueProps.validate, []cdktest.Invalid[QueueProps]{
		{Name: "name", Mutate: func(p *QueueProps) { p.QueueName = "orders.fifo" }, Want: `QueueName "orders.fifo"`},
		{Name: "receives", Mutate: func(p *QueueProps) { p.MaxReceiveCount = 1001 }, Want: "MaxReceiveCount 1001"},
		{Name: "visibility", Mutate: func(p *QueueProps) { p.VisibilityTimeoutSeconds = 43201 }, Want: "VisibilityTimeoutSeconds 43201"},
		{Name: "nil consumer", Mutate: func(p *QueueProps) { p.Consumers = []iam.IGrantable{nil} }, Want: "entry 0 is nil"},
	})
}
