package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/cache"
	scaling "github.com/stratus-platform/stratus/constructs/capacity"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/naming"
)

// ServiceStack holds one service in one region: its task definition, ECS service, autoscaling,
// log group and Cloud Map entry. One stack per service keeps every stack's size independent of
// the number of services, lets the services deploy in parallel, and keeps each service's logical
// ids to itself: adding or removing a service touches no other service's stack.
type ServiceStack struct {
	awscdk.Stack
	Service *service.Service
	// Observed is the service's alarms (reusable, e.g. as ECS deployment alarms) and SLOs.
	Observed *ServiceObservability
}

// ServiceStackKind is the stack kind of service name: its stacks are "<Stage>-Service-<name>-<region>".
func ServiceStackKind(name string) string { return "Service-" + name }

// RegionStacks are the shared stacks of one region a Service stack builds on.
type RegionStacks struct {
	Network  *NetworkStack
	Data     *DataStack
	Registry *RegistryStack
	App      *AppStack
	// WriterHosts are the global writer endpoints read in this region (transit.go), by the name
	// of the service owning the database; nil in the home region, whose databases carry them.
	WriterHosts map[string]*string
}

// NewServiceStack builds the Service stack of s in region on the region's shared stacks; db is
// the database s uses (its own or the one it shares), or nil.
func NewServiceStack(scope constructs.Construct, env *config.Environment, region config.Region, s config.Service, rs RegionStacks, db *ServiceDataStack) (*ServiceStack, error) {
	stack := newStack(scope, ServiceStackKind(s.Name), env, region,
		fmt.Sprintf("Stratus %s service %s in %s: task definition, ECS service, scaling, logs", env.Name, s.Name, region.Name))
	capacity := config.Capacity{DesiredCount: s.DesiredCount, MinCount: s.MinCount, MaxCount: s.MaxCount}
	if env.DNS.Routing == config.RoutingFailover && region.Name != env.PrimaryRegion {
		capacity = env.App.WarmCapacity // the warm standby runs reduced until it takes over
	}
	image := serviceImage(stack, env, s) // the image parameter: docs/release.md
	envVars := map[string]*string{}
	for k, v := range s.Environment {
		envVars[k] = jsii.String(v)
	}
	net, data, app := rs.Network, rs.Data, rs.App
	wiring := readDeployment(stack, app, env, s.Name)
	props := service.ServiceProps{
		Name: s.Name, Cluster: app.Cluster.Cluster, Namespace: app.Cluster.Namespace,
		Vpc: net.Network.Vpc, Subnets: net.Network.AppSubnets, SecurityGroup: net.Network.ServiceSecurityGroups[s.Name],
		Image: image, Cpu: s.Cpu, Memory: s.Memory, Port: s.Port,
		DesiredCount: capacity.DesiredCount, MinCount: capacity.MinCount, MaxCount: capacity.MaxCount,
		CpuTarget: s.CpuTarget, MemoryTarget: s.MemoryTarget, RequestsPerTarget: s.RequestsPerTarget,
		Environment: envVars, LogRetention: app.LogRetention, ReadOnlyRootFilesystem: jsii.Bool(s.ReadOnlyRootFilesystem),
		RedisHost: data.Cache.PrimaryEndpoint, RedisPort: data.Cache.Port, RedisAuthSecret: data.Cache.AuthSecret,
		Deployment: serviceDeployment(env, region.Name, s, wiring),
	}
	app.entrance(&props, s.Name)
	if db != nil {
		props.Database = db.Connection
		if w := rs.WriterHosts[s.DatabaseOwner()]; w != nil {
			conn := *db.Connection
			conn.WriterHost = w                    // DB_WRITER_HOST: over the transit gateway to the current writer
			conn.WriterRegions = env.RegionNames() // the Global Database has a cluster in every region
			props.Database = &conn
		}
	}
	props.Connect = serviceConnect(env, s, app, net.Network)
	if slices.Contains(s.Sidecars, "adot") {
		props.Adot = &service.AdotSidecar{}
		if o := env.App.Otlp; o != nil {
			props.Adot.OtlpEndpoint = o.Endpoint
			// The operator creates the secret in every region under the region's secrets key
			// (docs/config.md), so the execution role gets decrypt on exactly that key.
			id := naming.Pascal(s.Name) + "OtlpSecret"
			props.Adot.OtlpSecret = sm.Secret_FromSecretAttributes(stack, jsii.String(id), &sm.SecretAttributes{
				SecretPartialArn: stack.FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"),
					ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME, ResourceName: jsii.String(o.SecretName),
				}),
				EncryptionKey: net.SecretsKey.Key,
			})
		}
	}
	// The construct id is the one the service had in the shared App stack, so its logical ids
	// are the same and depend on its own name only.
	svc, err := service.NewService(stack, naming.Pascal(s.Name)+"Service", props)
	if err != nil {
		return nil, fmt.Errorf("%s: regions %s: services %s: %w", env.File, region.Name, s.Name, err)
	}
	grantImagePull(svc, s, rs.Registry)
	// Its tasks read the cache AUTH token at start: the token's rotation redeploys it by this tag.
	cache.Tag(svc.Resource, CacheAuthSecretName(env))
	scaling.Tag(svc.Resource, s.Name) // the Region switch capacity function finds it by this tag
	observed, err := serviceAlarms(stack, env, region.Name, s.Name, serviceRequestMetrics(app, s.Name, wiring),
		svc.ClusterName, svc.ServiceName, net.Observed.Topic.Arn)
	if err != nil {
		return nil, err
	}
	return &ServiceStack{Stack: stack, Service: svc, Observed: observed}, nil
}
