package service

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	appscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/bootstrap"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Names inside the task.
const (
	collectorContainer = "adot-collector"
	collectorUser      = "10001:10001" // the collector image's own non-root user
	otlpAuthVariable   = "OTLP_AUTH_HEADER"
	scratchVolume      = "tmp"
)

// Service is one Fargate microservice.
type Service struct {
	constructs.Construct

	// Service is the ECS service, and Resource its CloudFormation resource.
	Service  ecs.FargateService
	Resource ecs.CfnService
	// ClusterName and ServiceName are the cluster's and the service's names (the dimensions of
	// the service's ECS metrics), read once: each read is a call into the jsii runtime.
	ClusterName, ServiceName *string
	// TaskDefinition is the service's task definition.
	TaskDefinition ecs.FargateTaskDefinition
	// TaskRole is what the application's code may do. Grant more to it as usual (e.g.
	// bucket.GrantRead(TaskRole)): MoveGrants moves its grants into a customer managed policy,
	// so the role never has an inline policy.
	TaskRole iam.IRole
	// ExecutionRole is what ECS may do to start the task: pull the images, write the logs,
	// read the secrets it injects.
	ExecutionRole iam.IRole
	// LogGroup receives every container's logs; LogKey encrypts it.
	LogGroup logs.ILogGroup
	LogKey   kms.IKey
	// Container is the main (application) container.
	Container ecs.ContainerDefinition
	// Collector is the ADOT collector sidecar; nil without Adot.
	Collector ecs.ContainerDefinition
	// Scaling is the service's scalable task count (for scheduled actions or more policies).
	Scaling appscaling.ScalableTarget
	// InfrastructureRole is what ECS moves blue/green traffic with; nil for rolling.
	InfrastructureRole iam.IRole

	taskRole, executionRole iam.Role
	// grantMoves are the roles MoveGrants has still to move.
	grantMoves []grantMove
	// stack is this construct's stack, and account, partition and region its environment, read
	// once: each read is a call into the jsii runtime.
	stack                      awscdk.Stack
	account, partition, region string
}

// NewService builds the service, or returns every problem with props.
func NewService(scope constructs.Construct, id string, props ServiceProps) (*Service, error) {
	p := props.withDefaults()
	errs := []error{p.validate()}
	var subnets *[]ec2.ISubnet
	if p.Vpc != nil && p.Subnets != nil {
		var err error
		subnets, err = selectSubnets(p)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("service %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	s := &Service{Construct: this, stack: awscdk.Stack_Of(this)}
	s.account, s.partition, s.region = *s.stack.Account(), *s.stack.Partition(), *s.stack.Region()
	p = s.localSecrets(p)
	s.buildLogs(p)
	s.buildRoles()
	s.buildTaskDefinition(p)
	s.grantTaskRole(p)
	s.buildService(p, subnets)
	s.buildCalls(p)
	s.buildScaling(p)
	s.acceptByDesign()
	return s, nil
}

// selectSubnets resolves the selection in the VPC and refuses public subnets. A VPC's subnets are
// fixed once it is built, so each VPC and selection is resolved once (seven calls into the jsii
// runtime: the call and a read of each field of its result), not once per service.
func selectSubnets(p ServiceProps) (*[]ec2.ISubnet, error) {
	key := subnetsKey{p.Vpc, p.Subnets}
	selectedMu.Lock()
	defer selectedMu.Unlock()
	if got, ok := selected[key]; ok {
		return got.subnets, got.err
	}
	subnets, err := resolveSubnets(p.Vpc, p.Subnets)
	selected[key] = selection{subnets, err}
	return subnets, err
}

type subnetsKey struct {
	vpc       ec2.IVpc
	selection *ec2.SubnetSelection
}

type selection struct {
	subnets *[]ec2.ISubnet
	err     error
}

var (
	selectedMu sync.Mutex
	selected   = map[subnetsKey]selection{}
)

func resolveSubnets(vpc ec2.IVpc, selection *ec2.SubnetSelection) (subnets *[]ec2.ISubnet, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("Subnets selects nothing in Vpc: %v", r)
		}
	}()
	selected := vpc.SelectSubnets(selection)
	switch {
	case selected.Subnets == nil || len(*selected.Subnets) == 0:
		return nil, fmt.Errorf("Subnets selects no subnet in Vpc")
	case selected.HasPublic != nil && *selected.HasPublic:
		return nil, fmt.Errorf("Subnets selects public subnets: tasks run in the private-app subnets")
	}
	return selected.Subnets, nil
}

func (s *Service) buildLogs(p ServiceProps) {
	key := p.LogKey
	if key == nil {
		newKey := keys.NewKey(s.Construct, "LogKey", "Encrypts the log group "+p.LogGroupName)
		// CloudWatch Logs uses the key on the log group's behalf, for this one log group only.
		keys.AllowCloudWatchLogsIn(newKey, s.region, keys.LogGroupArnIn(s.partition, s.region, s.account, p.LogGroupName))
		key = newKey
	}
	s.LogKey = key
	s.LogGroup = logs.NewLogGroup(s.Construct, jsii.String("LogGroup"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(p.LogGroupName),
		EncryptionKey: key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// buildRoles creates the two roles, each assumable by ECS tasks of this account and region only
// (confused-deputy protection). Their grants end up in customer managed policies.
func (s *Service) buildRoles() {
	// One principal for both roles: a principal is a value no role changes.
	principal := iam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), &iam.ServicePrincipalOpts{
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceAccount": s.account},
			"ArnLike":      map[string]any{"aws:SourceArn": fmt.Sprintf("arn:%s:ecs:%s:%s:*", s.partition, s.region, s.account)},
		},
	})
	execution := iam.NewRole(s.Construct, jsii.String("ExecutionRole"), &iam.RoleProps{
		Description: jsii.String("ECS starts this service's tasks with it: image pull, logs, injected secrets"),
		AssumedBy:   principal,
	})
	task := iam.NewRole(s.Construct, jsii.String("TaskRole"), &iam.RoleProps{
		Description: jsii.String("This service's application code runs with it"),
		AssumedBy:   principal,
	})
	s.managedGrants(execution, map[string]string{
		"ecr:GetAuthorizationToken": "ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource \"*\"); " +
			"it only issues the registry login token, and image pulls stay limited to the service's own repositories.",
	})
	s.managedGrants(task, nil)
	s.ExecutionRole, s.TaskRole, s.taskRole, s.executionRole = execution, task, task, execution
}

func (s *Service) buildTaskDefinition(p ServiceProps) {
	td := ecs.NewFargateTaskDefinition(s.Construct, jsii.String("TaskDefinition"), &ecs.FargateTaskDefinitionProps{
		Cpu:            jsii.Number(float64(p.Cpu)),
		MemoryLimitMiB: jsii.Number(float64(p.Memory)),
		RuntimePlatform: &ecs.RuntimePlatform{
			OperatingSystemFamily: ecs.OperatingSystemFamily_LINUX(),
			CpuArchitecture:       p.Architecture,
		},
		ExecutionRole: s.ExecutionRole,
		TaskRole:      s.TaskRole,
	})
	s.TaskDefinition = td
	root := isRoot(p.User)

	// The variables go in with the container: one call into the jsii runtime, where adding them
	// one by one was one each. They stay in name order (jsii hands a Go map over sorted).
	env, secrets := p.containerVariables()
	c := td.AddContainer(jsii.String(p.Name), &ecs.ContainerDefinitionOptions{
		Environment:   &env,
		Secrets:       &secrets,
		ContainerName: jsii.String(p.Name),
		Image:         p.Image,
		Essential:     jsii.Bool(true),
		// A hard limit on every container: the application gets what the sidecar cannot take.
		MemoryLimitMiB: jsii.Number(float64(p.appMemory())),
		PortMappings: &[]*ecs.PortMapping{{
			ContainerPort: jsii.Number(float64(p.Port)),
			Protocol:      ecs.Protocol_TCP,
			Name:          p.portMappingName(), AppProtocol: p.appProtocol(),
		}},
		Logging:                s.logDriver(p),
		ReadonlyRootFilesystem: p.ReadOnlyRootFilesystem,
		User:                   jsii.String(p.User),
		Privileged:             jsii.Bool(false),
		StopTimeout:            p.StopTimeout,
		HealthCheck:            p.HealthCheck,
		LinuxParameters:        s.linuxParameters("AppLinuxParameters", !root),
	})
	if *p.ReadOnlyRootFilesystem {
		// A writable scratch directory on the task's ephemeral storage, so a read-only root is
		// usable by runtimes that need a temp dir.
		td.AddVolume(&ecs.Volume{Name: jsii.String(scratchVolume)})
		c.AddMountPoints(&ecs.MountPoint{ContainerPath: jsii.String("/tmp"), SourceVolume: jsii.String(scratchVolume), ReadOnly: jsii.Bool(false)})
	}

	s.Container = c

	if p.Adot != nil {
		s.Collector = s.buildCollector(p)
		// Start the collector first; ECS then stops the application first, so its last spans
		// still reach the collector.
		c.AddContainerDependencies(&ecs.ContainerDependency{Container: s.Collector, Condition: ecs.ContainerDependencyCondition_START})
	}
}

// appMemory is the application container's hard memory limit (MiB): the task's memory less the
// sidecar's hard limit.
func (p ServiceProps) appMemory() int {
	if p.Adot != nil {
		return p.Memory - limits.CollectorMemoryMiB
	}
	return p.Memory
}

// containerVariables returns the main container's plain variables and ECS secrets.
func (p ServiceProps) containerVariables() (map[string]*string, map[string]ecs.Secret) {
	env := map[string]*string{}
	for k, v := range p.Environment {
		env[k] = v
	}
	secrets := map[string]ecs.Secret{}
	for k, v := range p.Secrets {
		secrets[k] = ecs.Secret_FromSecretsManager(v.Secret, optional(v.Field))
	}
	if db := p.Database; db != nil {
		env["DB_HOST"] = db.Host
		env["DB_PORT"] = jsii.String(strconv.Itoa(db.Port))
		env["DB_IAM_USER"] = jsii.String(p.DatabaseUser)
		if db.WriterHost != nil {
			env["DB_WRITER_HOST"] = db.WriterHost
		}
		if db.ReaderHost != nil {
			env["DB_READER_HOST"] = db.ReaderHost
		}
		if db.DatabaseName != "" {
			env["DB_NAME"] = jsii.String(db.DatabaseName)
		}
		if db.Secret != nil {
			secrets["DB_USER"] = ecs.Secret_FromSecretsManager(db.Secret, jsii.String("username"))
			secrets["DB_PASSWORD"] = ecs.Secret_FromSecretsManager(db.Secret, jsii.String("password"))
		} else {
			env["DB_USER"] = jsii.String(p.DatabaseUser)
		}
	}
	if p.RedisHost != nil {
		env["REDIS_HOST"] = p.RedisHost
		env["REDIS_PORT"] = jsii.String(strconv.FormatFloat(p.RedisPort, 'f', -1, 64))
		if p.RedisAuthSecret != nil {
			secrets["REDIS_AUTH"] = ecs.Secret_FromSecretsManager(p.RedisAuthSecret, optional(p.RedisAuthField))
		}
	}
	if p.Adot != nil {
		env["OTEL_SERVICE_NAME"] = jsii.String(p.Name)
		env["OTEL_EXPORTER_OTLP_ENDPOINT"] = jsii.String("http://127.0.0.1:4318")
		env["OTEL_EXPORTER_OTLP_PROTOCOL"] = jsii.String("http/protobuf")
	}
	return env, secrets
}

func (s *Service) buildCollector(p ServiceProps) ecs.ContainerDefinition {
	a := p.Adot
	col := s.TaskDefinition.AddContainer(jsii.String("AdotCollector"), &ecs.ContainerDefinitionOptions{
		ContainerName: jsii.String(collectorContainer),
		Image:         a.Image,
		// Telemetry must never take the service down: a failed collector loses traces, not requests.
		Essential:              jsii.Bool(false),
		MemoryReservationMiB:   jsii.Number(limits.CollectorMemoryReservationMiB),
		MemoryLimitMiB:         jsii.Number(limits.CollectorMemoryMiB),
		Logging:                s.logDriver(p),
		ReadonlyRootFilesystem: jsii.Bool(true),
		User:                   jsii.String(collectorUser),
		Privileged:             jsii.Bool(false),
		StopTimeout:            p.StopTimeout,
		LinuxParameters:        s.linuxParameters("CollectorLinuxParameters", true),
	})
	col.AddEnvironment(jsii.String("AOT_CONFIG_CONTENT"), collectorValue(collectorConfig(a.OtlpEndpoint, a.OtlpSecret != nil)))
	if a.OtlpSecret != nil {
		col.AddSecret(jsii.String(otlpAuthVariable), ecs.Secret_FromSecretsManager(a.OtlpSecret, optional(a.OtlpSecretField)))
	}
	return col
}

// logDriver sends a container's output to the service's log group. Non-blocking: a slow
// CloudWatch Logs never stalls the application's writes (the buffer absorbs bursts).
func (s *Service) logDriver(p ServiceProps) ecs.LogDriver {
	return ecs.LogDrivers_AwsLogs(&ecs.AwsLogDriverProps{
		LogGroup:      s.LogGroup,
		StreamPrefix:  jsii.String(p.Name),
		Mode:          ecs.AwsLogDriverMode_NON_BLOCKING,
		MaxBufferSize: awscdk.Size_Mebibytes(jsii.Number(25)),
	})
}

// linuxParameters runs an init process (signals reach the application, zombies are reaped) and,
// for a non-root user, drops every Linux capability so a setuid binary cannot regain privileges.
func (s *Service) linuxParameters(id string, dropAll bool) ecs.LinuxParameters {
	lp := ecs.NewLinuxParameters(s.Construct, jsii.String(id), &ecs.LinuxParametersProps{InitProcessEnabled: jsii.Bool(true)})
	if dropAll {
		lp.DropCapabilities(ecs.Capability_ALL)
	}
	return lp
}

// grantTaskRole gives the application exactly what it uses.
func (s *Service) grantTaskRole(p ServiceProps) {
	if p.Database != nil {
		p.Database.GrantConnect(s.TaskRole, p.DatabaseUser)
	}
	for _, secret := range p.ReadableSecrets {
		secret.GrantRead(s.TaskRole, nil)
	}
	s.grantDecryptViaSecretsManager(s.taskRole, p.ReadableSecrets)
	s.grantDecryptViaSecretsManager(s.executionRole, p.injectedSecrets())
	if p.Adot != nil {
		// X-Ray's write and sampling APIs have no resource-level permissions: they live in a policy
		// of their own, so the Resource "*" suppression covers exactly these actions.
		policy := iam.NewManagedPolicy(s.taskRole, jsii.String("TracingPolicy"), &iam.ManagedPolicyProps{
			Description: jsii.String(fmt.Sprintf("The ADOT collector of service %s sends traces to X-Ray", p.Name)),
			Roles:       &[]iam.IRole{s.TaskRole},
			Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions: jsii.Strings("xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules",
					"xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries"),
				Resources: jsii.Strings("*"),
			})},
		})
		suppressTracingWildcard(policy)
	}
}

func (s *Service) buildService(p ServiceProps, subnets *[]ec2.ISubnet) {
	props := &ecs.FargateServiceProps{
		Cluster:                     p.Cluster,
		TaskDefinition:              s.TaskDefinition,
		PlatformVersion:             ecs.FargatePlatformVersion_LATEST,
		DesiredCount:                jsii.Number(float64(p.DesiredCount)),
		MinHealthyPercent:           jsii.Number(float64(*p.MinHealthyPercent)),
		MaxHealthyPercent:           jsii.Number(float64(p.MaxHealthyPercent)),
		HealthCheckGracePeriod:      p.HealthCheckGracePeriod,
		DeploymentController:        &ecs.DeploymentController{Type: ecs.DeploymentControllerType_ECS},
		CircuitBreaker:              &ecs.DeploymentCircuitBreaker{Enable: jsii.Bool(true), Rollback: jsii.Bool(true)},
		AvailabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing_ENABLED,
		VpcSubnets:                  &ec2.SubnetSelection{Subnets: subnets},
		SecurityGroups:              &[]ec2.ISecurityGroup{p.SecurityGroup},
		AssignPublicIp:              jsii.Bool(false),
		PropagateTags:               ecs.PropagatedTagSource_SERVICE,
		EnableECSManagedTags:        jsii.Bool(true),
		EnableExecuteCommand:        jsii.Bool(false),
		ServiceConnectConfiguration: s.connectConfiguration(p),
		CloudMapOptions:             p.cloudMap(),
	}
	p.deployment.applyTo(props)
	svc := ecs.NewFargateService(s.Construct, jsii.String("Service"), props)
	s.Service, s.Resource = svc, svc.Node().DefaultChild().(ecs.CfnService)
	s.ClusterName, s.ServiceName = p.Cluster.ClusterName(), svc.ServiceName()
	if p.Discovery != nil {
		s.attachDiscovery(svc, p)
	} else {
		// Through the target group: AttachToApplicationTargetGroup returns a struct, and Go reads
		// each of its fields back (a call into the jsii runtime each).
		p.TargetGroup.AddTarget(svc.LoadBalancerTarget(&ecs.LoadBalancerTargetOptions{
			ContainerName: jsii.String(p.Name), ContainerPort: jsii.Number(float64(p.Port)), Protocol: ecs.Protocol_TCP,
		}))
		s.addAlternate(p, svc)
	}
	// Tasks start only once both roles have their policies (CDK waits for the task role alone).
	s.Resource.Node().AddDependency(s.ExecutionRole, s.TaskRole)
}

// buildScaling tracks CPU, memory and ALB requests per task; the most demanding policy wins
// scale-out, and scale-in happens only when every policy agrees.
func (s *Service) buildScaling(p ServiceProps) {
	// Application Auto Scaling's service-linked role for ECS, as ecs.BaseService.autoScaleTaskCount uses it.
	// What stack.FormatArn builds, from the environment already read.
	role := iam.Role_FromRoleArn(s.Construct, jsii.String("ScalingRole"), jsii.String(bootstrap.Arn(s.partition, s.account,
		"aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService")), nil)
	target := appscaling.NewScalableTarget(s.Construct, jsii.String("Scaling"), &appscaling.ScalableTargetProps{
		ServiceNamespace:  appscaling.ServiceNamespace_ECS,
		ResourceId:        jsii.String(fmt.Sprintf("service/%s/%s", *s.ClusterName, *s.ServiceName)),
		ScalableDimension: jsii.String("ecs:service:DesiredCount"),
		MinCapacity:       jsii.Number(float64(p.MinCount)),
		MaxCapacity:       jsii.Number(float64(p.MaxCount)),
		Role:              role,
	})
	track := func(id string, metric appscaling.PredefinedMetric, value int, label *string) appscaling.TargetTrackingScalingPolicy {
		return target.ScaleToTrackMetric(jsii.String(id), &appscaling.BasicTargetTrackingScalingPolicyProps{
			PredefinedMetric: metric,
			ResourceLabel:    label,
			TargetValue:      jsii.Number(float64(value)),
			ScaleOutCooldown: p.ScaleOutCooldown,
			ScaleInCooldown:  p.ScaleInCooldown,
		})
	}
	track("CpuScaling", appscaling.PredefinedMetric_ECS_SERVICE_AVERAGE_CPU_UTILIZATION, p.CpuTarget, nil)
	track("MemoryScaling", appscaling.PredefinedMetric_ECS_SERVICE_AVERAGE_MEMORY_UTILIZATION, p.MemoryTarget, nil)
	if p.Discovery != nil {
		s.Scaling = target
		return
	}
	// The label is "<ALB full name>/<target group full name>".
	lbFullName, tgFullName := loadBalancerFullName(p.LoadBalancer), TargetGroupFullName(p.TargetGroup.TargetGroupArn())
	policy := track("RequestCountScaling", appscaling.PredefinedMetric_ALB_REQUEST_COUNT_PER_TARGET, p.RequestsPerTarget,
		jsii.String(fmt.Sprintf("%s/%s", *lbFullName, *tgFullName)))
	if p.deployment.shifts() {
		// After a blue/green, canary or linear release the tasks may stay behind the alternate
		// group, where the primary's ALBRequestCountPerTarget sees no request: track both groups'
		// requests over both groups' healthy targets (the same policy, so its logical id and name stay).
		cfn := policy.Node().DefaultChild().(awscdk.CfnResource)
		cfn.AddPropertyDeletionOverride(jsii.String("TargetTrackingScalingPolicyConfiguration.PredefinedMetricSpecification"))
		cfn.AddPropertyOverride(jsii.String("TargetTrackingScalingPolicyConfiguration.CustomizedMetricSpecification"),
			requestsPerTarget(lbFullName, []*string{tgFullName, TargetGroupFullName(p.deployment.AlternateTargetGroupArn)}))
	}
	s.Scaling = target
}

// TargetGroupFullName is a target group's full name ("targetgroup/<name>/<id>"), the last field
// of its ARN: the TargetGroup dimension of its metrics, for a group known only by its ARN.
func TargetGroupFullName(arn *string) *string {
	return awscdk.Fn_Select(jsii.Number(5), awscdk.Fn_Split(jsii.String(":"), arn, nil))
}

// requestsPerTarget is the metric math a target tracking policy follows for requests per task
// over several target groups of load balancer lb: what ALBRequestCountPerTarget is for one (the
// requests of a minute over the healthy targets), summed over the groups. A group without data
// (no request, no target) counts 0; with no healthy target at all, the requests count as one
// target's, so a service whose tasks all fail their checks still scales out on its traffic.
func requestsPerTarget(lb *string, groups []*string) map[string]any {
	var queries []any
	var requests, healthy []string
	for i, g := range groups {
		dims := []any{map[string]any{"Name": "LoadBalancer", "Value": lb}, map[string]any{"Name": "TargetGroup", "Value": g}}
		for _, m := range []struct {
			id, name, stat string
			into           *[]string
		}{{fmt.Sprintf("r%d", i), "RequestCount", "Sum", &requests}, {fmt.Sprintf("h%d", i), "HealthyHostCount", "Average", &healthy}} {
			queries = append(queries, map[string]any{"Id": m.id, "ReturnData": false, "MetricStat": map[string]any{
				"Metric": map[string]any{"Namespace": "AWS/ApplicationELB", "MetricName": m.name, "Dimensions": dims}, "Stat": m.stat,
			}})
			*m.into = append(*m.into, "FILL("+m.id+", 0)")
		}
	}
	queries = append(queries,
		map[string]any{"Id": "requests", "ReturnData": false, "Expression": strings.Join(requests, " + ")},
		map[string]any{"Id": "healthy", "ReturnData": false, "Expression": strings.Join(healthy, " + ")},
		map[string]any{"Id": "perTarget", "ReturnData": true, "Label": "Requests per healthy target (all target groups)",
			"Expression": "IF(healthy > 0, requests / healthy, requests)"})
	return map[string]any{"Metrics": queries}
}

// loadBalancerFullName is "app/<name>/<id>": the ALB's own attribute when it has one (an ALB of
// this app), or else the part of its ARN after "loadbalancer/" (an imported ALB).
func loadBalancerFullName(lb elbv2.IApplicationLoadBalancer) *string {
	if named, ok := lb.(interface{ LoadBalancerFullName() *string }); ok {
		return named.LoadBalancerFullName()
	}
	return awscdk.Fn_Select(jsii.Number(1), awscdk.Fn_Split(jsii.String("loadbalancer/"), lb.LoadBalancerArn(), jsii.Number(2)))
}

// injectedSecrets are the Secrets Manager secrets ECS reads into the containers at task start.
func (p ServiceProps) injectedSecrets() []sm.ISecret {
	var out []sm.ISecret
	for _, name := range slices.Sorted(maps.Keys(p.Secrets)) {
		out = append(out, p.Secrets[name].Secret)
	}
	if p.Database != nil && p.Database.Secret != nil {
		out = append(out, p.Database.Secret)
	}
	if p.RedisHost != nil && p.RedisAuthSecret != nil {
		out = append(out, p.RedisAuthSecret)
	}
	if p.Adot != nil && p.Adot.OtlpSecret != nil {
		out = append(out, p.Adot.OtlpSecret)
	}
	return out
}

// grantDecryptViaSecretsManager lets role (one of the service's) decrypt with the customer keys
// of secrets, only through Secrets Manager. The secrets' own grantRead grants this in the key's
// policy alone, through a kms:ViaService principal that never reaches the role's identity policy:
// enough when the key lives in the same stack, but a key in another stack (the Data stack) then
// trusts only the account, and without this statement the read fails at task start.
func (s *Service) grantDecryptViaSecretsManager(role iam.Role, secrets []sm.ISecret) {
	var keys []*string
	seen := map[string]bool{}
	for _, secret := range secrets {
		key := secret.EncryptionKey()
		if key == nil {
			continue
		}
		if arn := key.KeyArn(); !seen[*arn] { // read once: a call into the jsii runtime
			seen[*arn] = true
			keys = append(keys, arn)
		}
	}
	if len(keys) == 0 {
		return
	}
	// AddToPolicy, not AddToPrincipalPolicy: the same grant, and a bool is one value to read back
	// where a result struct is one read per field (calls into the jsii runtime).
	role.AddToPolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:Decrypt"),
		Resources: &keys,
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", s.region)},
		},
	}))
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return jsii.String(s)
}
