package topic

import (
	"encoding/json"
	"strings"
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
	return fixture.Get(t, "topic-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Topics", "us-east-1")}
		publisher := iam.NewRole(s.stack, jsii.String("Publisher"), &iam.RoleProps{AssumedBy: iam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})
		_, err := NewTopic(s.stack, "Events", TopicProps{Description: "order events", TopicName: "stratus-test-events", Publishers: []iam.IGrantable{publisher}})
		// After the grants, so the suppression reaches the policy they created.
		cdknag.NagSuppressions_AddResourceSuppressions(publisher, &[]*cdknag.NagPackSuppression{{
			Id:     jsii.String("NIST.800.53.R5-IAMNoInlinePolicy"),
			Reason: jsii.String("A test stand-in for the tier and service roles, whose constructs move grants into managed policies."),
		}}, jsii.Bool(true))
		return s, err
	})
}

func TestGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.stack)
}

func TestTopicIsEncryptedTlsOnlyAndPublishableByItsPublishers(t *testing.T) {
	s := synth(t)
	tpl := cdktest.Template(t, s.stack)
	_, topic := cdktest.Only(t, tpl, "AWS::SNS::Topic")
	p := cdktest.Props(t, topic)
	assert.Equal(t, "stratus-test-events", p["TopicName"])
	assert.NotNil(t, p["KmsMasterKeyId"], "a customer key")
	_, policy := cdktest.Only(t, tpl, "AWS::SNS::TopicPolicy")
	assert.Contains(t, text(policy), `"aws:SecureTransport":"false"`, "requests without TLS are denied")
	_, key := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Contains(t, text(key), `"kms:ViaService":"sns.us-east-1.amazonaws.com"`)
	grants := text(cdktest.OfType(t, tpl, "AWS::IAM::Policy"))
	require.Contains(t, grants, "sns:Publish")
	assert.NotContains(t, grants, "kms:GenerateDataKey*", "exact actions, no wildcards")
}

func TestPropsRejected(t *testing.T) {
	cdktest.Rejects(t, func() TopicProps { return TopicProps{Description: "events"} }, TopicProps.validate, []cdktest.Invalid[TopicProps]{
		{Name: "description", Mutate: func(p *TopicProps) { p.Description = "" }, Want: "Description is required"},
		{Name: "long description", Mutate: func(p *TopicProps) { p.Description = strings.Repeat("d", 101) }, Want: "Description has 101 characters; SNS display names allow at most 100"},
		{Name: "name", Mutate: func(p *TopicProps) { p.TopicName = "events.fifo" }, Want: `TopicName "events.fifo"`},
		{Name: "publisher", Mutate: func(p *TopicProps) { p.Publishers = []iam.IGrantable{nil} }, Want: "Publishers[0] is nil"},
	})
}

func text(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
