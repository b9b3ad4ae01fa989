package stacks

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/tier"
	"github.com/stratus-platform/stratus/constructs/topic"
)

// appTierDatabase owns the app tier's database (compute: ec2) the way a service owns its own: its
// stack is ServiceData-app-<region> and the database is named "app".
var appTierDatabase = config.Service{Name: "app", Database: config.EnginePostgres}

// TiersStack holds one region's EC2 tiers (compute: ec2): the web tier, registered with the
// public ALB's instance target group, the app tier behind its internal ALB, the security group
// rules web → internal ALB → app → database and cache, and the topic of their scaling events.
type TiersStack struct {
	awscdk.Stack
	Web, App *tier.Tier
	Events   *topic.Topic
}

// ingressTargets are what the public ALB forwards to: every service, or with compute ec2 the web
// tier's instances.
func ingressTargets(env *config.Environment) []ingress.Target {
	if env.RunsTiers() {
		w := env.Tiers.Web
		return []ingress.Target{{Name: "web", Port: w.Port, PathPattern: config.TierPathPattern, HealthCheckPath: w.HealthCheckPath, Instances: true}}
	}
	targets := make([]ingress.Target, len(env.Services))
	for i, s := range env.Services {
		targets[i] = ingress.Target{Name: s.Name, Port: s.Port, PathPattern: s.PathPattern, HealthCheckPath: s.HealthCheckPath,
			Alternate: true, TestListener: s.Deployment.TestListener} // deployment.go
	}
	return targets
}

// buildTierData adds the app tier's database stack (ServiceData-app) in the region, when it has one.
func (s *EnvironmentStage) buildTierData(region config.Region) error {
	if !s.Config.TierDatabase() {
		return nil
	}
	st, err := NewServiceDataStack(s.Stage, s.Config, region, appTierDatabase, s.Networks[region.Name])
	if err != nil {
		return err
	}
	tagForBackup(st.Stack, s.Config, region.Name, appTierDatabase)
	s.ServiceData[region.Name][appTierDatabase.Name] = st
	return nil
}

// buildTiers adds the Tiers stack of every region, after its App stack (fourth layer).
func (s *EnvironmentStage) buildTiers() error {
	if !s.Config.RunsTiers() {
		return nil
	}
	var err error
	s.Tiers, err = perRegion(s.Config.Regions, func(r config.Region) (*TiersStack, error) {
		return NewTiersStack(s.Stage, s.Config, r, s.Networks[r.Name], s.Apps[r.Name], s.Data[r.Name], s.ServiceData[r.Name][appTierDatabase.Name])
	})
	return err
}

// NewTiersStack builds the tiers of env in region. db is the app tier's database stack, or nil.
func NewTiersStack(scope constructs.Construct, env *config.Environment, region config.Region, net *NetworkStack, app *AppStack, data *DataStack, db *ServiceDataStack) (*TiersStack, error) {
	stack := newStack(scope, "Tiers", env, region,
		fmt.Sprintf("Stratus %s EC2 tiers in %s: web and app Auto Scaling groups, the internal ALB", env.Name, region.Name))
	where := fmt.Sprintf("%s: regions %s: tiers", env.File, region.Name)
	t := &TiersStack{Stack: stack}
	n := net.Network
	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	if t.Events, err = topic.NewTopic(stack, "ScalingEvents", topic.TopicProps{Description: fmt.Sprintf("Stratus %s tier scaling events", env.Name)}); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}

	w, a := env.Tiers.Web, env.Tiers.App
	webGroup := tier.NewSecurityGroup(stack, "WebSecurityGroup", n.Vpc, "web", w.Port)
	appEnv := map[string]string{"STRATUS_ENV": env.Name, "PORT": strconv.Itoa(a.Port)}
	if db != nil {
		c := db.Connection
		appEnv["DB_HOST"], appEnv["DB_PORT"], appEnv["DB_NAME"] = *c.Host, strconv.Itoa(c.Port), c.DatabaseName
		appEnv["DB_SECRET_ARN"] = *c.Secret.SecretArn()
	}
	if c := data.Cache; c != nil {
		appEnv["REDIS_HOST"], appEnv["REDIS_PORT"] = *c.PrimaryEndpoint, strconv.Itoa(int(c.Port))
		if c.AuthSecret != nil {
			appEnv["REDIS_AUTH_SECRET_ARN"] = *c.AuthSecret.SecretArn()
		}
	}
	props := func(name string, c config.Tier, subnets *ec2.SubnetSelection) tier.TierProps {
		return tier.TierProps{
			Name: name, Vpc: n.Vpc, Subnets: subnets, InstanceType: c.InstanceType, Port: c.Port,
			MinCount: c.MinCount, DesiredCount: c.DesiredCount, MaxCount: c.MaxCount, CpuTarget: c.CpuTarget,
			HealthCheckPath: c.HealthCheckPath, UserData: c.UserData, VolumeGiB: c.VolumeGiB,
			LogRetention: logRetention, Notifications: t.Events.Topic, ReleaseBucket: env.Tiers.ReleaseBucket,
		}
	}
	appProps := props("app", a, n.AppSubnets)
	appProps.Environment = appEnv
	appProps.Internal = &tier.InternalEntry{Clients: []ec2.ISecurityGroup{webGroup}, AccessLogBucket: app.Ingress.AccessLogBucket}
	if t.App, err = tier.NewTier(stack, "App", appProps); err != nil {
		return nil, fmt.Errorf("%s: app: %w", where, err)
	}
	webProps := props("web", w, n.AppSubnets)
	webProps.SecurityGroup = webGroup
	webProps.TargetGroups = []elbv2.IApplicationTargetGroup{app.Ingress.TargetGroups["web"]}
	webProps.Environment = map[string]string{
		"STRATUS_ENV": env.Name, "PORT": strconv.Itoa(w.Port),
		"APP_URL": fmt.Sprintf("http://%s:%d", *t.App.LoadBalancer.LoadBalancerDnsName(), a.Port),
	}
	if t.Web, err = tier.NewTier(stack, "Web", webProps); err != nil {
		return nil, fmt.Errorf("%s: web: %w", where, err)
	}

	// The groups of other stacks are only referenced: each rule is a resource of this stack.
	allow(stack, "AlbToWeb", n.AlbSecurityGroup, webGroup, w.Port, "public ALB to the web tier")
	if db != nil {
		allow(stack, "AppToDatabase", t.App.SecurityGroup, n.DatabaseSecurityGroup, config.DatabasePort, "app tier to its database")
		allowSecretRead(t.App.Role, db.Connection.Secret)
	}
	if c := data.Cache; c != nil {
		allow(stack, "AppToCache", t.App.SecurityGroup, n.CacheSecurityGroup, int(c.Port), "app tier to the cache")
		if c.AuthSecret != nil {
			allowSecretRead(t.App.Role, c.AuthSecret)
		}
	}
	return t, nil
}

// allowSecretRead lets role read secret and decrypt it through Secrets Manager. Secret.GrantRead
// would also add role to the key policy in the secret's stack, which this stack follows: a cycle.
// The default key policy already lets the account's IAM policies use the key.
func allowSecretRead(role iam.IRole, secret sm.ISecret) {
	role.AddToPrincipalPolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
		Resources: &[]*string{secret.SecretArn()},
	}))
	if key := secret.EncryptionKey(); key != nil {
		stack := awscdk.Stack_Of(role)
		role.AddToPrincipalPolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions:    jsii.Strings("kms:Decrypt"),
			Resources:  &[]*string{key.KeyArn()},
			Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", *stack.Region())}},
		}))
	}
}

// allow adds the egress rule from → to and the ingress rule to ← from on port, in stack.
func allow(stack awscdk.Stack, id string, from, to ec2.ISecurityGroup, port int, what string) {
	p := jsii.Number(float64(port))
	ec2.NewCfnSecurityGroupEgress(stack, jsii.String(id+"Egress"), &ec2.CfnSecurityGroupEgressProps{
		GroupId: from.SecurityGroupId(), DestinationSecurityGroupId: to.SecurityGroupId(),
		IpProtocol: jsii.String("tcp"), FromPort: p, ToPort: p, Description: jsii.String(what),
	})
	ec2.NewCfnSecurityGroupIngress(stack, jsii.String(id+"Ingress"), &ec2.CfnSecurityGroupIngressProps{
		GroupId: to.SecurityGroupId(), SourceSecurityGroupId: from.SecurityGroupId(),
		IpProtocol: jsii.String("tcp"), FromPort: p, ToPort: p, Description: jsii.String(what),
	})
}

// grantTierImages lets region's CDK deploy role read the public AMI parameters the Tiers stack
// resolves. In the Network stack, which deploys before the Tiers stack.
func grantTierImages(stack awscdk.Stack, env *config.Environment, region string) {
	var arns []string
	for _, t := range []config.Tier{env.Tiers.Web, env.Tiers.App} {
		if arn := parameterArn(region, "", tier.ImageParameterName(t.InstanceType)); !slices.Contains(arns, arn) {
			arns = append(arns, arn)
		}
	}
	deployRolePolicy(stack, env, region, "TierImageAccess", "the CDK deploy role resolves the EC2 tiers' AMI parameters",
		[]iam.PolicyStatement{resolveParameters("ResolveTierImages", arns)})
}
