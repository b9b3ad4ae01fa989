package alerting

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
	topic *Topic
	// plain is a topic without AllowEventBridge.
	plain *Topic
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "alerting-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Alerts", "eu-west-1")}
		var err error
		s.topic, err = NewTopic(s.stack, "AlarmTopic", TopicProps{
			Name: "stratus-prod-eu-west-1-alarms", Emails: []string{"oncall@example.com"},
			HTTPSEndpoints:   []string{"https://events.example.com/cloudwatch"},
			Slack:            &Slack{WorkspaceID: "T0123ABCD", ChannelID: "C0123ABCD"},
			AllowEventBridge: true,
		})
		if err != nil {
			return s, err
		}
		s.plain, err = NewTopic(s.stack, "EdgeTopic", TopicProps{Name: "stratus-prod-edge-alarms"})
		return s, err
	})
}

func TestTopicIsEncryptedTLSOnlyAndSubscribed(t *testing.T) {
	s := synth(t)
	cdktest.NoPanic(t, func() {
		tpl := assertions.Template_FromStack(s.stack, nil)
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Topic"), &map[string]any{
			"TopicName": "stratus-prod-eu-west-1-alarms", "KmsMasterKeyId": assertions.Match_AnyValue(),
		})
		tpl.HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Sid": "AllowCloudWatchAlarms", "Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cdktest.Account}},
			})})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}}}),
				assertions.Match_ObjectLike(&map[string]any{"Sid": "AllowCloudWatchAlarms", "Action": "sns:Publish", "Effect": "Allow"}),
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{"Protocol": "email", "Endpoint": "oncall@example.com"})
		tpl.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), &map[string]any{"Protocol": "https", "Endpoint": "https://events.example.com/cloudwatch"})
		tpl.HasResourceProperties(jsii.String("AWS::Chatbot::SlackChannelConfiguration"), &map[string]any{
			"SlackWorkspaceId": "T0123ABCD", "SlackChannelId": "C0123ABCD", "SnsTopicArns": assertions.Match_AnyValue(),
		})
		tpl.HasResourceProperties(jsii.String("AWS::IAM::ManagedPolicy"), &map[string]any{
			"PolicyDocument": map[string]any{"Statement": []any{map[string]any{"Effect": "Deny", "Action": "*", "Resource": "*"}}},
		})
	})
	var arn any
	cdktest.NoPanic(t, func() { arn = s.stack.Resolve(s.topic.Arn) })
	var id string
	for topicID, topic := range cdktest.OfType(t, cdktest.Template(t, s.stack), "AWS::SNS::Topic") {
		if cdktest.Props(t, topic)["TopicName"] == "stratus-prod-eu-west-1-alarms" {
			id = topicID
		}
	}
	require.NotEmpty(t, id, "the topic named stratus-prod-eu-west-1-alarms")
	assert.Equal(t, map[string]any{"Ref": id}, arn, "Arn is the topic's, the action of the alarms that notify it")
	cdktest.Gates(t, s.dir, s.stack)
}

// publishers lists, per statement id, the service principals the key and topic policies of the
// topic whose key's logical id starts with prefix let publish.
func publishers(t *testing.T, s *synthesized, prefix string) (key, topic map[string]any) {
	t.Helper()
	tpl := cdktest.Template(t, s.stack)
	allowed := func(doc any) map[string]any {
		out := map[string]any{}
		for _, st := range doc.(map[string]any)["Statement"].([]any) {
			st := st.(map[string]any)
			if p, ok := st["Principal"].(map[string]any); ok && st["Sid"] != nil {
				out[fmt.Sprint(st["Sid"])] = []any{p["Service"], st["Condition"], st["Effect"], st["Action"]}
			}
		}
		return out
	}
	for id, r := range cdktest.OfType(t, tpl, "AWS::KMS::Key") {
		if strings.HasPrefix(id, prefix) {
			key = allowed(r["Properties"].(map[string]any)["KeyPolicy"])
		}
	}
	for id, r := range cdktest.OfType(t, tpl, "AWS::SNS::TopicPolicy") {
		if strings.HasPrefix(id, prefix) {
			topic = allowed(r["Properties"].(map[string]any)["PolicyDocument"])
		}
	}
	return key, topic
}

func TestOnlyATopicThatAllowsEventBridgeTakesItsEvents(t *testing.T) {
	s := synth(t)
	account := map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": cdktest.Account}}
	rules := map[string]any{"ArnLike": map[string]any{"aws:SourceArn": "arn:aws:events:eu-west-1:" + cdktest.Account + ":rule/*"}}
	encrypt := []any{"kms:Decrypt", "kms:GenerateDataKey*"}
	key, topic := publishers(t, s, "AlarmTopic")
	assert.Equal(t, map[string]any{
		"AllowCloudWatchAlarms": []any{"cloudwatch.amazonaws.com", account, "Allow", encrypt},
		// SNS's guide: no aws:Source* condition for EventBridge in the key policy of an encrypted topic.
		"AllowEventBridgeRules": []any{"events.amazonaws.com", nil, "Allow", encrypt},
	}, key, "the key of a topic that allows EventBridge")
	assert.Equal(t, map[string]any{
		"AllowCloudWatchAlarms": []any{"cloudwatch.amazonaws.com", account, "Allow", "sns:Publish"},
		"AllowEventBridgeRules": []any{"events.amazonaws.com", rules, "Allow", "sns:Publish"},
	}, topic, "the policy of a topic that allows EventBridge: this account's rules in its region")
	key, topic = publishers(t, s, "EdgeTopic")
	assert.Equal(t, map[string]any{"AllowCloudWatchAlarms": []any{"cloudwatch.amazonaws.com", account, "Allow", encrypt}}, key,
		"a plain topic's key: CloudWatch only")
	assert.Equal(t, map[string]any{"AllowCloudWatchAlarms": []any{"cloudwatch.amazonaws.com", account, "Allow", "sns:Publish"}}, topic,
		"a plain topic's policy: CloudWatch only")
}

func TestTopicPropsAreValidated(t *testing.T) {
	valid := func() TopicProps {
		return TopicProps{Name: "alarms", Emails: []string{"a@example.com"}, HTTPSEndpoints: []string{"https://x.example.com"}, Slack: &Slack{WorkspaceID: "T01", ChannelID: "C01"}}
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = "a@example.com"
	}
	cdktest.Rejects(t, valid, TopicProps.Validate, []cdktest.Invalid[TopicProps]{
		{Name: "an empty name", Mutate: func(p *TopicProps) { p.Name = "" }, Want: `Name "" must be 1-256`},
		{Name: "a name with a dot", Mutate: func(p *TopicProps) { p.Name = "a.b" }, Want: `Name "a.b"`},
		{Name: "an address without @", Mutate: func(p *TopicProps) { p.Emails = []string{"oncall"} }, Want: `"oncall" is not an e-mail address`},
		{Name: "an http endpoint", Mutate: func(p *TopicProps) { p.HTTPSEndpoints = []string{"http://x.example.com"} }, Want: "not an https:// URL"},
		{Name: "too many subscriptions", Mutate: func(p *TopicProps) { p.Emails = many }, Want: "22 subscriptions: at most 20"},
		{Name: "a bad workspace", Mutate: func(p *TopicProps) { p.Slack.WorkspaceID = "x" }, Want: "Slack.WorkspaceID"},
		{Name: "a bad channel", Mutate: func(p *TopicProps) { p.Slack.ChannelID = "general" }, Want: "Slack.ChannelID"},
	})
	cdktest.NoPanic(t, func() {
		_, err := NewTopic(awscdk.NewStack(cdktest.NewApp(t), jsii.String("S"), nil), "T", TopicProps{})
		require.ErrorContains(t, err, "topic T: invalid props")
	})
}
