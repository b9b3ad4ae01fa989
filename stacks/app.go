package stacks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/cluster"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/naming"
)

// AppStack holds one region's stateless tier: the ECS cluster and namespace, the ALB,
// the Fargate services and the region's origin DNS records.
type AppStack struct {
	awscdk.Stack
	Cluster  *cluster.Cluster
	Ingress  *ingress.LoadBalancer
	Services map[string]*service.Service
	// Registry is the region's Registry stack, whose repositories the services pull from.
	Registry *RegistryStack
}

// OriginName is the name CloudFront sends API requests to; each region publishes it.
func OriginName(env *config.Environment) string { return "origin." + env.DNS.Domain }

// RegionalOriginName resolves to one region's ALB only (health checks, debugging).
func RegionalOriginName(env *config.Environment, region string) string {
	return region + ".origin." + env.DNS.Domain
}

// NewAppStack builds the App stack of env in region on the region's Network, Data and Registry
// stacks.
// primaryData is the primary region's Data stack, which holds the origin secret the ALB checks.
func NewAppStack(scope constructs.Construct, env *config.Environment, region config.Region, net *NetworkStack, data, primaryData *DataStack, reg *RegistryStack) (*AppStack, error) {
	if len(env.Services) == 0 {
		return nil, fmt.Errorf("%s: services: the App stack needs at least one service (the ALB routes to services)", env.File)
	}
	stack := newStack(scope, "App", env, region,
		fmt.Sprintf("Stratus %s app tier in %s: ECS cluster, ALB, Fargate services, ECR, origin records", env.Name, region.Name))
	a := &AppStack{Stack: stack, Services: map[string]*service.Service{}, Registry: reg}
	n := net.Network
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	wrap := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", where, what, err) }

	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	zone := importZone(stack, env)

	if a.Cluster, err = cluster.NewCluster(stack, "Cluster", cluster.ClusterProps{
		Vpc: n.Vpc, NamespaceName: env.App.Namespace, ExecuteCommand: env.App.ExecuteCommand, LogRetention: logRetention,
	}); err != nil {
		return nil, wrap("cluster", err)
	}

	targets := make([]ingress.Target, len(env.Services))
	for i, s := range env.Services {
		targets[i] = ingress.Target{Name: s.Name, Port: s.Port, PathPattern: s.PathPattern, HealthCheckPath: s.HealthCheckPath}
	}
	if a.Ingress, err = ingress.NewLoadBalancer(stack, "Ingress", ingress.LoadBalancerProps{
		Vpc: n.Vpc, Subnets: n.PublicSubnets, SecurityGroup: n.AlbSecurityGroup, HealthCheckSecurityGroup: n.HealthCheckSecurityGroup,
		HostedZone:        zone,
		CertificateNames:  []string{OriginName(env), RegionalOriginName(env, region.Name)},
		OriginHeaderValue: ingress.HeaderValue(OriginSecretName(env)),
		Targets:           targets,
		HealthCheckHost:   RegionalOriginName(env, region.Name),
	}); err != nil {
		return nil, wrap("ingress", err)
	}
	// The listener rules read the origin secret by name, which CloudFormation cannot see.
	stack.AddStackDependency(primaryData.Stack, jsii.String("the ALB rules resolve the origin secret (or its replica) by name"))

	for _, s := range env.Services {
		svc, err := a.addService(env, region, net, data, s, logRetention)
		if err != nil {
			return nil, wrap("services "+s.Name, err)
		}
		a.Services[s.Name] = svc
	}

	if err := a.addRecords(env, region, zone); err != nil {
		return nil, wrap("dns", err)
	}
	if env.CloudFront.ShieldAdvanced {
		if _, err := edge.NewShieldProtection(stack, "AlbShieldProtection", edge.ShieldProtectionProps{
			Name: fmt.Sprintf("stratus-%s-alb-%s", env.Name, region.Name), ResourceArn: a.Ingress.LoadBalancer.LoadBalancerArn(),
		}); err != nil {
			return nil, wrap("shield", err)
		}
	}
	return a, nil
}

func (a *AppStack) addService(env *config.Environment, region config.Region, net *NetworkStack, data *DataStack, s config.Service, logRetention logs.RetentionDays) (*service.Service, error) {
	capacity := config.Capacity{DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount}
	if env.DNS.Routing == config.RoutingFailover && region.Name != env.PrimaryRegion {
		capacity = env.App.WarmCapacity // the warm standby runs reduced until it takes over
	}
	var image ecs.ContainerImage
	if isBareTag(s.Image) {
		image = ecs.ContainerImage_FromEcrRepository(a.Registry.Repositories[s.Name].Repository, jsii.String(s.Image))
	} else {
		image = ecs.ContainerImage_FromRegistry(jsii.String(s.Image), nil)
	}
	envVars := map[string]*string{}
	for k, v := range s.Environment {
		envVars[k] = jsii.String(v)
	}
	props := service.ServiceProps{
		Name: s.Name, Cluster: a.Cluster.Cluster, Namespace: a.Cluster.Namespace,
		Vpc: net.Network.Vpc, Subnets: net.Network.AppSubnets, SecurityGroup: net.Network.ServiceSecurityGroups[s.Name],
		Image: image, TargetGroup: a.Ingress.TargetGroups[s.Name], LoadBalancer: a.Ingress.LoadBalancer,
		Cpu: s.Cpu, Memory: s.Memory, Port: s.Port,
		DesiredCount: capacity.DesiredCount, MinCount: capacity.MinCount, MaxCount: capacity.MaxCount,
		CpuTarget: s.CpuTarget, MemoryTarget: s.MemoryTarget, RequestsPerTarget: s.RequestsPerTarget,
		Environment: envVars, LogRetention: logRetention, ReadOnlyRootFilesystem: jsii.Bool(s.ReadOnlyRootFilesystem),
		RedisHost: data.Cache.PrimaryEndpoint, RedisPort: data.Cache.Port,
		RedisAuthSecret: data.Cache.AuthSecret, Database: data.DatabaseFor(s),
	}
	if slices.Contains(s.Sidecars, "adot") {
		props.Adot = &service.AdotSidecar{}
		if o := env.App.Otlp; o != nil {
			props.Adot.OtlpEndpoint = o.Endpoint
			// The operator creates the secret in every region under the region's secrets key
			// (docs/config.md), so the execution role gets decrypt on exactly that key.
			id := naming.Pascal(s.Name) + "OtlpSecret"
			props.Adot.OtlpSecret = sm.Secret_FromSecretAttributes(a.Stack, jsii.String(id), &sm.SecretAttributes{
				SecretPartialArn: a.Stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"),
					ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME, ResourceName: jsii.String(o.SecretName),
				}),
				EncryptionKey: net.SecretsKey.Key,
			})
		}
	}
	return service.NewService(a.Stack, naming.Pascal(s.Name)+"Service", props)
}

// addRecords publishes this region's ALB as origin.<domain> (latency or failover, health
// checked) and as <region>.origin.<domain>, the name the health check and the certificate use.
func (a *AppStack) addRecords(env *config.Environment, region config.Region, zone r53.IHostedZone) error {
	if _, err := dns.NewRegionalAlias(a.Stack, "RegionalOriginAlias", dns.RegionalAliasProps{
		Zone: zone, Name: RegionalOriginName(env, region.Name), LoadBalancer: a.Ingress.LoadBalancer,
	}); err != nil {
		return err
	}
	_, err := dns.NewOriginRecord(a.Stack, "OriginRecord", dns.OriginRecordProps{
		Zone: zone, Name: OriginName(env), LoadBalancer: a.Ingress.LoadBalancer,
		HealthCheckFqdn: RegionalOriginName(env, region.Name), Region: region.Name,
		Routing: string(env.DNS.Routing), Primary: region.Name == env.PrimaryRegion,
		HealthCheckIntervalSeconds: env.DNS.HealthCheckIntervalSeconds, FailureThreshold: env.DNS.HealthCheckFailureThreshold,
		HealthCheckPath: env.Services[0].HealthCheckPath, CheckerRegions: config.Route53HealthCheckerRegions,
	})
	return err
}

// importZone references the environment's hosted zone by id and name: no lookup, no credentials.
func importZone(scope constructs.Construct, env *config.Environment) r53.IHostedZone {
	return r53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("HostedZone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(env.DNS.HostedZoneId), ZoneName: jsii.String(env.DNS.Domain),
	})
}

// isBareTag reports whether a service image is a tag of the service's own repository (see
// config.Service.Image).
func isBareTag(image string) bool { return !strings.ContainsAny(image, "/:@") }
