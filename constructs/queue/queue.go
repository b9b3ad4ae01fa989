// Package queue provides Queue, the SQS L3 of Stratus: a queue and its dead-letter queue, both
// encrypted with a customer key and TLS-only, with send and consume permissions for exactly the
// principals its props name.
package queue

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	sqs "github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// QueueProps configures a Queue.
type QueueProps struct {
	// QueueName is the queue's name; the dead-letter queue is "<QueueName>-dlq". 1-76 letters,
	// digits, hyphens and underscores (the suffix must fit SQS's 80).
	QueueName string
	// MaxReceiveCount is how many times a message is received before it moves to the dead-letter queue.
	// Default: 5.
	MaxReceiveCount int
	// VisibilityTimeoutSeconds hides a received message from other consumers for this long.
	// Default: 30.
	VisibilityTimeoutSeconds int
	// Key encrypts both queues.
	// Default: a new customer key with rotation on, retained on delete.
	Key kms.IKey
	// Producers may send messages; Consumers may receive and delete them (and read the
	// dead-letter queue, to inspect and redrive).
	// Default: none.
	Producers, Consumers []iam.IGrantable
}

var queueName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,76}$`)

func (p QueueProps) withDefaults() QueueProps {
	if p.MaxReceiveCount == 0 {
		p.MaxReceiveCount = limits.DefaultMaxReceiveCount
	}
	if p.VisibilityTimeoutSeconds == 0 {
		p.VisibilityTimeoutSeconds = limits.DefaultVisibilityTimeoutSeconds
	}
	return p
}

func (p QueueProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !queueName.MatchString(p.QueueName) {
		add("QueueName %q must be 1-76 letters, digits, hyphens or underscores", p.QueueName)
	}
	if p.MaxReceiveCount < limits.MinMaxReceiveCount || p.MaxReceiveCount > limits.MaxMaxReceiveCount {
		add("MaxReceiveCount %d is outside %d-%d", p.MaxReceiveCount, limits.MinMaxReceiveCount, limits.MaxMaxReceiveCount)
	}
	if p.VisibilityTimeoutSeconds < 0 || p.VisibilityTimeoutSeconds > limits.MaxVisibilityTimeoutSeconds {
		add("VisibilityTimeoutSeconds %d is outside 0-%d", p.VisibilityTimeoutSeconds, limits.MaxVisibilityTimeoutSeconds)
	}
	for i, g := range append(append([]iam.IGrantable{}, p.Producers...), p.Consumers...) {
		if g == nil {
			add("Producers and Consumers: entry %d is nil", i)
		}
	}
	return errors.Join(errs...)
}

// Queue is an encrypted, TLS-only SQS queue with its dead-letter queue.
type Queue struct {
	constructs.Construct
	Queue, DeadLetterQueue sqs.Queue
	Key                    kms.IKey
}

// NewQueue builds the queues and their key, or returns every problem with props.
func NewQueue(scope constructs.Construct, id string, props QueueProps) (*Queue, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("queue %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	q := &Queue{Construct: this, Key: p.Key}
	if q.Key == nil {
		q.Key = keys.NewKey(this, "Key", "Stratus queue "+p.QueueName)
	}
	q.DeadLetterQueue = sqs.NewQueue(this, jsii.String("DeadLetterQueue"), &sqs.QueueProps{
		QueueName:           jsii.String(p.QueueName + "-dlq"),
		Encryption:          sqs.QueueEncryption_KMS,
		EncryptionMasterKey: q.Key,
		EnforceSSL:          jsii.Bool(true),
		RetentionPeriod:     duration.Days(14), // the most SQS keeps: time to inspect and redrive
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	q.Queue = sqs.NewQueue(this, jsii.String("Queue"), &sqs.QueueProps{
		QueueName:           jsii.String(p.QueueName),
		Encryption:          sqs.QueueEncryption_KMS,
		EncryptionMasterKey: q.Key,
		EnforceSSL:          jsii.Bool(true),
		VisibilityTimeout:   duration.Seconds(float64(p.VisibilityTimeoutSeconds)),
		DeadLetterQueue:     &sqs.DeadLetterQueue{Queue: q.DeadLetterQueue, MaxReceiveCount: jsii.Number(float64(p.MaxReceiveCount))},
		RemovalPolicy:       awscdk.RemovalPolicy_RETAIN,
	})
	// Exact actions, no wildcards: SQS encrypts with a data key (GenerateDataKey) and decrypts it.
	for _, g := range p.Producers {
		grant(g, []*string{q.Queue.QueueArn()}, q.Key, "kms:GenerateDataKey", "sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
	}
	for _, g := range p.Consumers {
		grant(g, []*string{q.Queue.QueueArn(), q.DeadLetterQueue.QueueArn()}, q.Key, "sqs:ReceiveMessage", "sqs:DeleteMessage",
			"sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes", "sqs:GetQueueUrl")
	}
	return q, nil
}

// grant gives g the sqs actions on queues and kms:Decrypt (plus the kms actions among actions) on key.
func grant(g iam.IGrantable, queues []*string, key kms.IKey, actions ...string) {
	var sqsActions, kmsActions []string
	for _, a := range actions {
		if a[:4] == "kms:" {
			kmsActions = append(kmsActions, a)
		} else {
			sqsActions = append(sqsActions, a)
		}
	}
	iam.Grant_AddToPrincipal(&iam.GrantOnPrincipalOptions{Grantee: g, Actions: jsii.Strings(sqsActions...), ResourceArns: &queues})
	iam.Grant_AddToPrincipal(&iam.GrantOnPrincipalOptions{Grantee: g, Actions: jsii.Strings(append(kmsActions, "kms:Decrypt")...), ResourceArns: &[]*string{key.KeyArn()}})
}
