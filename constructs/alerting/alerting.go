// Package alerting provides Topic: the KMS-encrypted, TLS-only SNS topic alarms of one
// environment and region notify, with its e-mail, HTTPS and (optionally) AWS Chatbot Slack
// subscribers, and the alarm action that sends both ALARM and OK transitions to it.
package alerting

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	chatbot "github.com/aws/aws-cdk-go/awscdk/v2/awschatbot"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Slack is an AWS Chatbot Slack channel; its workspace must have been authorised in the Chatbot
// console once (CloudFormation cannot do that step).
type Slack struct {
	// WorkspaceID is the Slack team id, e.g. "T0123ABCD".
	WorkspaceID string
	// ChannelID is the channel id, e.g. "C0123ABCD".
	ChannelID string
}

// TopicProps configures a Topic.
type TopicProps struct {
	// Name is the topic's name, e.g. "stratus-prod-us-east-1-alarms": 1-256 letters, digits, _
	// and -. The Chatbot configuration, if any, has the same name.
	Name string
	// Emails each get an e-mail subscription.
	// Default: none.
	Emails []string
	// HTTPSEndpoints each get an HTTPS subscription.
	// Default: none.
	HTTPSEndpoints []string
	// Slack adds a Chatbot Slack channel that relays the topic's messages.
	// Default: none.
	Slack *Slack
	// AllowEventBridge lets this account's EventBridge rules publish to the topic (and use its
	// key), for events that are not alarms, such as a failed AWS Backup job.
	// Default: false (CloudWatch alarms only).
	AllowEventBridge bool
}

// Topic is an encrypted alarm topic and its subscriptions.
type Topic struct {
	constructs.Construct
	Topic sns.ITopic
	// Key encrypts the topic's messages at rest; CloudWatch (and, with AllowEventBridge,
	// EventBridge) may use it to publish.
	Key kms.IKey
	// Arn is Topic's ARN, read once: the alarm and OK action of every alarm that notifies it.
	Arn *string
}

var (
	topicNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)
	slackTeamRE = regexp.MustCompile(`^T[A-Z0-9]{2,20}$`)
	slackChanRE = regexp.MustCompile(`^[CG][A-Z0-9]{2,20}$`)
	emailRE     = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// Validate returns every problem with p.
func (p TopicProps) Validate() error {
	var errs []error
	if !topicNameRE.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("Name %q must be 1-256 letters, digits, _ and -", p.Name))
	}
	for _, e := range p.Emails {
		if !emailRE.MatchString(e) {
			errs = append(errs, fmt.Errorf("Emails: %q is not an e-mail address", e))
		}
	}
	for _, u := range p.HTTPSEndpoints {
		if v, err := url.Parse(u); err != nil || v.Scheme != "https" || v.Host == "" || v.User != nil {
			errs = append(errs, fmt.Errorf("HTTPSEndpoints: %q is not an https:// URL without credentials", u))
		}
	}
	if n := len(p.Emails) + len(p.HTTPSEndpoints); n > limits.MaxSubscriptions {
		errs = append(errs, fmt.Errorf("%d subscriptions: at most %d", n, limits.MaxSubscriptions))
	}
	if s := p.Slack; s != nil {
		if !slackTeamRE.MatchString(s.WorkspaceID) {
			errs = append(errs, fmt.Errorf("Slack.WorkspaceID %q is not a Slack team id (T and 2-20 capitals or digits)", s.WorkspaceID))
		}
		if !slackChanRE.MatchString(s.ChannelID) {
			errs = append(errs, fmt.Errorf("Slack.ChannelID %q is not a Slack channel id (C or G and 2-20 capitals or digits)", s.ChannelID))
		}
	}
	return errors.Join(errs...)
}

// NewTopic creates the key, the topic, its policy and subscriptions, or returns every problem
// with props.
func NewTopic(scope constructs.Construct, id string, props TopicProps) (*Topic, error) {
	if err := props.Validate(); err != nil {
		return nil, fmt.Errorf("topic %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	key := keys.NewKey(this, "Key", "Stratus alarm topic "+props.Name+": encrypts notifications at rest")
	// CloudWatch publishes alarm transitions as a service principal, which the account statement
	// of the default key policy does not cover; the source account condition keeps other
	// accounts' alarms out.
	// EventBridge, where allowed, likewise, but SNS's guide says a key policy may not put a source
	// condition on EventBridge publishing to an encrypted topic (delivery fails): its key statement
	// has none, and the topic policy admits this account's rules only.
	type publisher struct {
		sid, service   string
		key, topicCond *map[string]any
	}
	sourceAccount := &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}}
	publishers := []publisher{{"AllowCloudWatchAlarms", "cloudwatch.amazonaws.com", sourceAccount, sourceAccount}}
	if props.AllowEventBridge {
		rules := fmt.Sprintf("arn:%s:events:%s:%s:rule/*", *stack.Partition(), *stack.Region(), *stack.Account())
		publishers = append(publishers, publisher{"AllowEventBridgeRules", "events.amazonaws.com", nil,
			&map[string]any{"ArnLike": map[string]any{"aws:SourceArn": rules}}})
	}
	for _, p := range publishers {
		key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Sid:        jsii.String(p.sid),
			Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String(p.service), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
			Conditions: p.key,
		}), nil)
	}

	topic := sns.NewTopic(this, jsii.String("Topic"), &sns.TopicProps{
		TopicName:   jsii.String(props.Name),
		DisplayName: jsii.String(props.Name),
		MasterKey:   key,
		EnforceSSL:  jsii.Bool(true), // denies every publish or subscribe that is not over TLS
	})
	for _, p := range publishers {
		topic.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Sid:        jsii.String(p.sid),
			Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String(p.service), nil)},
			Actions:    jsii.Strings("sns:Publish"),
			Resources:  &[]*string{topic.TopicArn()},
			Conditions: p.topicCond,
		}))
	}
	for i, e := range props.Emails {
		sns.NewSubscription(this, jsii.String(fmt.Sprintf("Email%d", i)), &sns.SubscriptionProps{
			Topic: topic, Protocol: sns.SubscriptionProtocol_EMAIL, Endpoint: jsii.String(e),
		})
	}
	for i, u := range props.HTTPSEndpoints {
		sns.NewSubscription(this, jsii.String(fmt.Sprintf("Https%d", i)), &sns.SubscriptionProps{
			Topic: topic, Protocol: sns.SubscriptionProtocol_HTTPS, Endpoint: jsii.String(u),
		})
	}
	if s := props.Slack; s != nil {
		newSlackChannel(this, props.Name, *s, topic)
	}
	return &Topic{Construct: this, Topic: topic, Key: key, Arn: topic.TopicArn()}, nil
}

// newSlackChannel relays topic to a Slack channel. Its role and guardrail allow nothing: the
// channel only shows notifications, nobody runs commands through it.
func newSlackChannel(scope constructs.Construct, name string, s Slack, topic sns.ITopic) {
	role := iam.NewRole(scope, jsii.String("ChatbotRole"), &iam.RoleProps{
		AssumedBy:   iam.NewServicePrincipal(jsii.String("chatbot.amazonaws.com"), nil),
		Description: jsii.String("AWS Chatbot channel " + name + ": relays notifications only"),
	})
	guardrail := iam.NewManagedPolicy(scope, jsii.String("ChatbotGuardrail"), &iam.ManagedPolicyProps{
		Description: jsii.String("Denies every action through the Chatbot channel " + name),
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Effect: iam.Effect_DENY, Actions: jsii.Strings("*"), Resources: jsii.Strings("*"),
		})},
	})
	chatbot.NewSlackChannelConfiguration(scope, jsii.String("Slack"), &chatbot.SlackChannelConfigurationProps{
		SlackChannelConfigurationName: jsii.String(name),
		SlackWorkspaceId:              jsii.String(s.WorkspaceID),
		SlackChannelId:                jsii.String(s.ChannelID),
		NotificationTopics:            &[]sns.ITopic{topic},
		Role:                          role,
		GuardrailPolicies:             &[]iam.IManagedPolicy{guardrail},
	})
}
