package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/identity"
	"github.com/stratus-platform/stratus/constructs/queue"
	"github.com/stratus-platform/stratus/constructs/topic"
	"github.com/stratus-platform/stratus/internal/naming"
)

// IntegrationStack holds one region's identity and messaging: the Cognito user pool (primary
// region only: one user base), the SQS queues and the SNS topics. It depends on nothing; the
// Service and Tiers stacks whose roles config grants access follow it.
type IntegrationStack struct {
	awscdk.Stack
	Users  *identity.UserPool
	Queues map[string]*queue.Queue
	Topics map[string]*topic.Topic
}

// IntegrationName is the physical name of a queue or topic of env: stratus-<env>-<name>.
func IntegrationName(env *config.Environment, name string) string {
	return fmt.Sprintf("stratus-%s-%s", env.Name, name)
}

// buildIntegration adds the Integration stack of every region of an environment with users,
// queues or topics, after the Service and Tiers stacks whose roles it grants to.
func (s *EnvironmentStage) buildIntegration() error {
	if !s.Config.HasIntegration() {
		return nil
	}
	var err error
	s.Integration, err = perRegion(s.Config.Regions, func(r config.Region) (*IntegrationStack, error) {
		return NewIntegrationStack(s.Stage, s.Config, r, s.rolesIn(r.Name))
	})
	return err
}

// rolesIn maps the names config grants to (tiers or services) to their roles in region.
func (s *EnvironmentStage) rolesIn(region string) map[string]iam.IRole {
	out := map[string]iam.IRole{}
	if t := s.Tiers[region]; t != nil {
		out["web"], out["app"] = t.Web.Role, t.App.Role
	}
	for name, st := range s.Services[region] {
		out[name] = st.Service.TaskRole
	}
	return out
}

// NewIntegrationStack builds env's user pool (in the primary region), queues and topics in
// region, granting each to the roles config names.
func NewIntegrationStack(scope constructs.Construct, env *config.Environment, region config.Region, roles map[string]iam.IRole) (*IntegrationStack, error) {
	stack := newStack(scope, "Integration", env, region,
		fmt.Sprintf("Stratus %s identity and messaging in %s: user pool, queues, topics", env.Name, region.Name))
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	st := &IntegrationStack{Stack: stack, Queues: map[string]*queue.Queue{}, Topics: map[string]*topic.Topic{}}
	grantees := func(names []string) []iam.IGrantable {
		out := make([]iam.IGrantable, len(names))
		for i, n := range names {
			out[i] = roles[n]
		}
		return out
	}
	if u := env.Users; u != nil && region.Name == env.PrimaryRegion {
		pool, err := identity.NewUserPool(stack, "Users", identity.UserPoolProps{
			DomainPrefix: u.DomainPrefix, CallbackUrls: u.CallbackUrls, MfaRequired: u.Mfa == "required", PasswordMinLength: u.PasswordMinLength,
		})
		if err != nil {
			return nil, fmt.Errorf("%s: users: %w", where, err)
		}
		st.Users = pool
		// What the single-page app needs to start the hosted sign-in.
		awscdk.NewCfnOutput(stack, jsii.String("UserPoolId"), &awscdk.CfnOutputProps{Value: pool.UserPool.UserPoolId()})
		awscdk.NewCfnOutput(stack, jsii.String("UserPoolClientId"), &awscdk.CfnOutputProps{Value: pool.Client.UserPoolClientId()})
		awscdk.NewCfnOutput(stack, jsii.String("UserPoolDomain"), &awscdk.CfnOutputProps{Value: pool.Domain.BaseUrl(nil)})
	}
	for _, q := range env.Queues {
		built, err := queue.NewQueue(stack, naming.Pascal(q.Name)+"Queue", queue.QueueProps{
			QueueName: IntegrationName(env, q.Name), MaxReceiveCount: q.MaxReceiveCount, VisibilityTimeoutSeconds: q.VisibilityTimeoutSeconds,
			Producers: grantees(q.Producers), Consumers: grantees(q.Consumers),
		})
		if err != nil {
			return nil, fmt.Errorf("%s: queues %s: %w", where, q.Name, err)
		}
		st.Queues[q.Name] = built
	}
	for _, t := range env.Topics {
		built, err := topic.NewTopic(stack, naming.Pascal(t.Name)+"Topic", topic.TopicProps{
			Description: fmt.Sprintf("Stratus %s %s", env.Name, t.Name), TopicName: IntegrationName(env, t.Name), Publishers: grantees(t.Publishers),
		})
		if err != nil {
			return nil, fmt.Errorf("%s: topics %s: %w", where, t.Name, err)
		}
		st.Topics[t.Name] = built
	}
	return st, nil
}
