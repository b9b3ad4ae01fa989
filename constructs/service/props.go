// Package service provides Service, the Fargate microservice L3 of Stratus: a task definition
// with separate least-privilege execution and task roles, encrypted logs, configuration in the
// environment and credentials as ECS secrets, a rolling deployment guarded by the circuit
// breaker, Cloud Map registration, registration in the ALB target group, target-tracking
// autoscaling on CPU, memory and requests per target, and an optional ADOT collector sidecar.
package service

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/database"
	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// DefaultAdotImage is the pinned AWS Distro for OpenTelemetry collector the sidecar runs by default.
const DefaultAdotImage = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.1"

// ServiceProps configures a Service.
type ServiceProps struct {
	// Name is the service name, e.g. "product": [a-z][a-z0-9-]{0,30}. It names the main container,
	// the Cloud Map record (<Name>.<namespace>) and the default log group.
	Name string
	// Cluster runs the service.
	Cluster ecs.ICluster
	// Namespace is the Cloud Map namespace the tasks register in (A records, TTL 10 s).
	Namespace servicediscovery.INamespace
	// Vpc is the cluster's VPC; Subnets are selected from it.
	Vpc ec2.IVpc
	// Subnets selects the private-app subnets the tasks run in. Tasks never get a public IP, and a
	// selection that contains a public subnet is rejected. Services on the same Vpc and selection
	// (the same pointer) share one resolution of it: do not change a selection once it is used.
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the service's own security group (from the Network stack).
	SecurityGroup ec2.ISecurityGroup
	// Image is the main container's image, e.g. ecs.ContainerImage_FromEcrRepository(repo, tag)
	// (which also grants the execution role the pull) or ecs.ContainerImage_FromRegistry(uri).
	// It must be built for Architecture.
	Image ecs.ContainerImage
	// TargetGroup is the ALB target group (target type ip) the tasks register in.
	TargetGroup elbv2.IApplicationTargetGroup
	// LoadBalancer is the ALB that forwards to TargetGroup; its full name and the target group's
	// label the request-count scaling metric.
	LoadBalancer elbv2.IApplicationLoadBalancer
	// Discovery, for a service behind an API Gateway HTTP API instead of an ALB, is the Cloud
	// Map service (SRV records: address and port) the tasks register in instead of one of their
	// own in Namespace. TargetGroup and LoadBalancer must then be nil, and autoscaling tracks CPU
	// and memory only (request counts per target are an ALB metric).
	// Default: nil (an ALB target).
	Discovery servicediscovery.IService
	// Deployment is how ECS releases a new task definition (deployment.go).
	// Default: rolling, with the circuit breaker and no alarms.
	Deployment *Deployment
	deployment Deployment // Deployment with its defaults

	// Cpu is the task's CPU units; with Memory it must be a pair Fargate offers.
	// Default: 512.
	Cpu int
	// Memory is the task's memory in MiB.
	// Default: 1024.
	Memory int
	// Architecture is the CPU architecture of the task; every image must be built for it.
	// Default: ecs.CpuArchitecture_X86_64() (what CI runners and most base images build by default;
	// choose ARM64 for Graviton pricing once the service's images are built for arm64).
	Architecture ecs.CpuArchitecture
	// Port is the TCP port the main container listens on; the ALB forwards to it.
	// Default: 8080.
	Port int
	// StopTimeout is how long a container gets between SIGTERM and SIGKILL (at most 120 s on Fargate).
	// Default: 30 seconds.
	StopTimeout awscdk.Duration

	// DesiredCount is the number of tasks the service starts with; CloudFormation resets the
	// service to it on every update of the service resource, autoscaling moves it afterwards.
	// Default: 2.
	DesiredCount int
	// MinCount is the fewest tasks autoscaling keeps.
	// Default: 2.
	MinCount int
	// MaxCount is the most tasks autoscaling starts.
	// Default: 20.
	MaxCount int
	// CpuTarget is the average CPU utilization (percent) autoscaling tracks.
	// Default: 70.
	CpuTarget int
	// MemoryTarget is the average memory utilization (percent) autoscaling tracks.
	// Default: 75.
	MemoryTarget int
	// RequestsPerTarget is the ALB requests per task autoscaling tracks (ALBRequestCountPerTarget,
	// a per-minute sum; with a Deployment that shifts traffic, the same over both target groups).
	// Default: 1000.
	RequestsPerTarget int
	// ScaleOutCooldown is the wait after a scale-out before the next one.
	// Default: 60 seconds.
	ScaleOutCooldown awscdk.Duration
	// ScaleInCooldown is the wait after a scale-in before the next one: longer, so load spikes do
	// not make the service flap.
	// Default: 300 seconds.
	ScaleInCooldown awscdk.Duration

	// HealthCheckGracePeriod is how long ECS ignores failing ALB health checks of a new task.
	// Default: 60 seconds.
	HealthCheckGracePeriod awscdk.Duration
	// MinHealthyPercent is the share of DesiredCount that must stay running during a deployment,
	// 0 to 100 (a pointer: 0, stop every old task first, is a real choice).
	// Default: 100.
	MinHealthyPercent *int
	// MaxHealthyPercent is the share of DesiredCount that may run during a deployment.
	// Default: 200.
	MaxHealthyPercent int

	// Environment holds extra plain (non-secret) variables of the main container. Names that read
	// like credentials (…PASSWORD, …SECRET, …TOKEN, …API_KEY …) are rejected: pass those in Secrets.
	// Default: none.
	Environment map[string]*string
	// Secrets holds extra ECS secrets of the main container, by variable name: Secrets Manager
	// secrets the execution role may then read (and decrypt with their key) to inject them.
	// Default: none.
	Secrets map[string]SecretVariable

	// Database is the database the service uses, as a database construct returns it. Its host,
	// port and name become DB_HOST, DB_PORT and DB_NAME; the task role may rds-db:connect as
	// DatabaseUser (set as DB_IAM_USER) to it and nothing else. With a Secret, its "username" and
	// "password" fields become the ECS secrets DB_USER and DB_PASSWORD (a matching pair that
	// follows rotation at each task start) and the execution role may read exactly that secret;
	// without one, DB_USER is DatabaseUser and the application authenticates with IAM tokens.
	// Default: nil (a service without a database).
	Database *database.Connection
	// DatabaseUser is the only database user the task role may connect as with IAM
	// authentication. The user must exist in the database with the rds_iam role.
	// Default: Name.
	DatabaseUser string

	// RedisHost is the cache endpoint, set as REDIS_HOST (with REDIS_PORT).
	// Default: none (a service without a cache).
	RedisHost *string
	// RedisPort is set as REDIS_PORT.
	// Default: 6379.
	RedisPort float64
	// RedisAuthSecret holds the cache AUTH token, passed as the ECS secret REDIS_AUTH.
	// Default: none.
	RedisAuthSecret sm.ISecret
	// RedisAuthField is the JSON field of RedisAuthSecret that holds the token.
	// Default: "" (the whole secret string is the token).
	RedisAuthField string

	// ReadableSecrets are secrets the application itself reads at run time (e.g. to pick up a
	// rotation without a restart): the task role may read exactly these.
	// Default: none.
	ReadableSecrets []sm.ISecret

	// LogGroupName names the containers' log group. Two environments in one account and region
	// need different names (Stratus's config gives every environment its own account instead, so
	// the stacks keep the default).
	// Default: "/ecs/<Name>".
	LogGroupName string
	// LogRetention is how long the log group keeps logs (finite: NIST 800-53 wants one).
	// Default: logs.RetentionDays_ONE_YEAR.
	LogRetention logs.RetentionDays
	// LogKey encrypts the log group; CloudWatch Logs must be allowed to use it for this group.
	// Default: a new customer managed key with rotation, retained, whose policy lets CloudWatch
	// Logs use it for this log group only (through the encryption context).
	LogKey kms.IKey

	// ReadOnlyRootFilesystem mounts the containers' root filesystem read-only; a writable scratch
	// volume is mounted at /tmp of the main container. Set it to false explicitly to relax it.
	// Default: true.
	ReadOnlyRootFilesystem *bool
	// User runs the main container's process, as "uid", "uid:gid" or a name.
	// Default: "1000:1000" (non-root). A root user is rejected unless AllowRoot is true.
	User string
	// AllowRoot explicitly allows User to be root ("0", "root", "0:0" …).
	// Default: false.
	AllowRoot bool
	// HealthCheck is the main container's Docker health check (the ALB health check always applies).
	// Default: none (images need not ship a shell or curl).
	HealthCheck *ecs.HealthCheck

	// Adot adds an AWS Distro for OpenTelemetry collector sidecar.
	// Default: nil (no sidecar, and no X-Ray permissions).
	Adot *AdotSidecar

	// Connect joins the service to ECS Service Connect, as a client of the services it calls
	// and, when others call it, as a server (see Connect).
	// Default: nil (no Service Connect).
	Connect *Connect
}

// SecretVariable is an ECS secret: a Secrets Manager secret, or one JSON field of it.
type SecretVariable struct {
	// Secret holds the value.
	Secret sm.ISecret
	// Field is the JSON field of Secret that holds the value.
	// Default: "" (the whole secret string).
	Field string
}

// AdotSidecar configures the ADOT collector sidecar. It receives OTLP on 127.0.0.1:4317 (gRPC)
// and 127.0.0.1:4318 (HTTP) and exports traces to X-Ray and, when OtlpEndpoint is set, every
// signal to that endpoint. The main container gets OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT
// and OTEL_EXPORTER_OTLP_PROTOCOL pointing at it.
type AdotSidecar struct {
	// Image is the collector image.
	// Default: ecs.ContainerImage_FromRegistry(DefaultAdotImage).
	Image ecs.ContainerImage
	// OtlpEndpoint is an https URL of an OTLP/HTTP receiver (e.g. Grafana Cloud's OTLP gateway).
	// Default: "" (X-Ray only).
	OtlpEndpoint string
	// OtlpSecret holds the endpoint's Authorization header value (e.g. "Basic …"), passed to the
	// collector as the ECS secret OTLP_AUTH_HEADER.
	// Default: none (no Authorization header).
	OtlpSecret sm.ISecret
	// OtlpSecretField is the JSON field of OtlpSecret that holds the header value.
	// Default: "" (the whole secret string).
	OtlpSecretField string
}

var (
	variableName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	dbIdentifier  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_$-]{0,62}$`)
	logGroupName  = regexp.MustCompile(`^[A-Za-z0-9_/.#-]{1,512}$`)
	resourceID    = regexp.MustCompile(`^(cluster|db)-[A-Z0-9]+$`)
	jsonFieldName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p ServiceProps) withDefaults() ServiceProps {
	for _, d := range []struct {
		v *int
		d int
	}{
		{&p.Cpu, limits.DefaultServiceCpu}, {&p.Memory, limits.DefaultServiceMemory}, {&p.Port, limits.DefaultServicePort},
		{&p.DesiredCount, limits.DefaultDesiredCount}, {&p.MinCount, limits.DefaultMinCount}, {&p.MaxCount, limits.DefaultMaxCount},
		{&p.CpuTarget, limits.DefaultCpuTarget}, {&p.MemoryTarget, limits.DefaultMemoryTarget},
		{&p.RequestsPerTarget, limits.DefaultRequestsPerTarget}, {&p.MaxHealthyPercent, limits.DeploymentPeakPercent},
	} {
		if *d.v == 0 {
			*d.v = d.d
		}
	}
	p.deployment = deploymentWithDefaults(p.Deployment)
	if p.Architecture == nil {
		p.Architecture = ecs.CpuArchitecture_X86_64()
	}
	if p.StopTimeout == nil {
		p.StopTimeout = duration.Seconds(30)
	}
	if p.ScaleOutCooldown == nil {
		p.ScaleOutCooldown = duration.Seconds(60)
	}
	if p.ScaleInCooldown == nil {
		p.ScaleInCooldown = duration.Seconds(300)
	}
	if p.HealthCheckGracePeriod == nil {
		p.HealthCheckGracePeriod = duration.Seconds(60)
	}
	if p.MinHealthyPercent == nil {
		p.MinHealthyPercent = ptr(100)
	}
	if p.DatabaseUser == "" {
		p.DatabaseUser = p.Name
	}
	if p.RedisPort == 0 {
		p.RedisPort = limits.DefaultCachePort
	}
	if p.LogGroupName == "" {
		p.LogGroupName = "/ecs/" + p.Name
	}
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	if p.ReadOnlyRootFilesystem == nil {
		p.ReadOnlyRootFilesystem = jsii.Bool(true)
	}
	if p.User == "" {
		p.User = "1000:1000"
	}
	if p.Adot != nil {
		adot := *p.Adot
		if adot.Image == nil {
			adot.Image = ecs.ContainerImage_FromRegistry(jsii.String(DefaultAdotImage), nil)
		}
		p.Adot = &adot
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p ServiceProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !limits.ValidServiceName(p.Name) {
		add("Name %q must be %s", p.Name, limits.ServiceNameRule)
	}
	for _, r := range []struct {
		name string
		set  bool
	}{
		{"Cluster", p.Cluster != nil}, {"Namespace", p.Namespace != nil}, {"Vpc", p.Vpc != nil},
		{"Subnets", p.Subnets != nil}, {"SecurityGroup", p.SecurityGroup != nil}, {"Image", p.Image != nil},
	} {
		if !r.set {
			add("%s is required", r.name)
		}
	}
	p.checkEntrance(add)

	if !slices.Contains(limits.FargateCPUs, p.Cpu) {
		add("Cpu %d is not a Fargate CPU value (allowed: %v)", p.Cpu, limits.FargateCPUs)
	} else if !limits.ValidFargateSize(p.Cpu, p.Memory) {
		add("Memory %d is not offered with Cpu %d on Fargate (allowed: %v MiB)", p.Memory, p.Cpu, limits.FargateMemory(p.Cpu))
	}
	checkPort := func(key string, port float64) {
		if port < limits.MinPort || port > limits.MaxPort || port != math.Trunc(port) {
			add("%s %v is outside %d-%d", key, port, limits.MinPort, limits.MaxPort)
		}
	}
	checkPort("Port", float64(p.Port))
	if p.Adot != nil && slices.Contains(limits.CollectorPorts, p.Port) {
		add("Port %d is taken by the ADOT collector (it listens on %v in the task)", p.Port, limits.CollectorPorts)
	}
	p.checkDuration(add, "StopTimeout", p.StopTimeout, 2, 120)
	p.checkDuration(add, "HealthCheckGracePeriod", p.HealthCheckGracePeriod, 0, 2147483647)
	p.checkDuration(add, "ScaleOutCooldown", p.ScaleOutCooldown, 0, 86400)
	p.checkDuration(add, "ScaleInCooldown", p.ScaleInCooldown, 0, 86400)

	if p.MinCount > p.DesiredCount || p.DesiredCount > p.MaxCount {
		add("MinCount %d, DesiredCount %d and MaxCount %d must satisfy MinCount <= DesiredCount <= MaxCount", p.MinCount, p.DesiredCount, p.MaxCount)
	}
	for _, t := range []struct {
		key       string
		v, lo, hi int
	}{
		{"MinCount", p.MinCount, limits.MinTaskCount, limits.MaxTaskCount},
		{"MaxCount", p.MaxCount, limits.MinTaskCount, limits.MaxTaskCount},
		{"CpuTarget", p.CpuTarget, limits.MinTargetPercent, limits.MaxTargetPercent},
		{"MemoryTarget", p.MemoryTarget, limits.MinTargetPercent, limits.MaxTargetPercent},
		{"RequestsPerTarget", p.RequestsPerTarget, limits.MinRequestsPerTarget, limits.MaxRequestsPerTarget},
	} {
		if t.v < t.lo || t.v > t.hi {
			add("%s %d is outside %d-%d", t.key, t.v, t.lo, t.hi)
		}
	}
	if m := *p.MinHealthyPercent; m < 0 || m > 100 {
		add("MinHealthyPercent %d is outside 0-100", m)
	}
	if p.MaxHealthyPercent < 100 || p.MaxHealthyPercent > limits.DeploymentPeakPercent {
		add("MaxHealthyPercent %d is outside 100-%d", p.MaxHealthyPercent, limits.DeploymentPeakPercent)
	}
	if p.MaxHealthyPercent <= *p.MinHealthyPercent {
		add("MaxHealthyPercent %d must be above MinHealthyPercent %d, or a rolling deployment cannot start a new task", p.MaxHealthyPercent, *p.MinHealthyPercent)
	}

	p.validateVariables(add)
	p.validateConnect(add)
	if err := p.deployment.validate(); err != nil {
		errs = append(errs, err)
	}

	if db := p.Database; db != nil {
		if db.Host == nil || *db.Host == "" {
			add("Database.Host is required")
		}
		checkPort("Database.Port", float64(db.Port))
		if db.DatabaseName != "" && !dbIdentifier.MatchString(db.DatabaseName) {
			add("Database.DatabaseName %q must match %s", db.DatabaseName, dbIdentifier)
		}
		switch id := db.ResourceId; {
		case id == nil:
			add("Database.ResourceId is required: the task role connects with IAM authentication")
		case !unresolved(id) && !resourceID.MatchString(*id):
			add("Database.ResourceId %q is not a DbClusterResourceId (cluster-…) or DbiResourceId (db-…)", *id)
		}
	}
	if !dbIdentifier.MatchString(p.DatabaseUser) {
		add("DatabaseUser %q must match %s", p.DatabaseUser, dbIdentifier)
	}
	if p.RedisHost == nil && (p.RedisAuthSecret != nil || p.RedisAuthField != "") {
		add("RedisAuthSecret is set but RedisHost is not")
	}
	if p.RedisAuthSecret == nil && p.RedisAuthField != "" {
		add("RedisAuthField %q is set but RedisAuthSecret is not", p.RedisAuthField)
	}
	if p.RedisAuthField != "" && !jsonFieldName.MatchString(p.RedisAuthField) {
		add("RedisAuthField %q is not a JSON field name", p.RedisAuthField)
	}
	checkPort("RedisPort", p.RedisPort)
	for i, s := range p.ReadableSecrets {
		if s == nil {
			add("ReadableSecrets[%d] is nil", i)
		}
	}

	if !logGroupName.MatchString(p.LogGroupName) {
		add("LogGroupName %q must be 1-512 of A-Z a-z 0-9 _ - / . #", p.LogGroupName)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	if p.User == "" || strings.ContainsAny(p.User, " \t") || strings.Count(p.User, ":") > 1 {
		add("User %q is not \"uid\", \"uid:gid\", \"user\" or \"user:group\"", p.User)
	} else if isRoot(p.User) && !p.AllowRoot {
		add("User %q runs the container as root; set AllowRoot to allow it explicitly", p.User)
	}

	if a := p.Adot; a != nil {
		if a.OtlpEndpoint != "" {
			if !limits.ValidOtlpEndpoint(a.OtlpEndpoint) {
				add("Adot.OtlpEndpoint %q must be %s", a.OtlpEndpoint, limits.OtlpEndpointRule)
			}
		}
		if a.OtlpSecret != nil && a.OtlpEndpoint == "" {
			add("Adot.OtlpSecret is set but Adot.OtlpEndpoint is not")
		}
		if a.OtlpSecret == nil && a.OtlpSecretField != "" {
			add("Adot.OtlpSecretField %q is set but Adot.OtlpSecret is not", a.OtlpSecretField)
		}
		if a.OtlpSecretField != "" && !jsonFieldName.MatchString(a.OtlpSecretField) {
			add("Adot.OtlpSecretField %q is not a JSON field name", a.OtlpSecretField)
		}
	}
	return errors.Join(errs...)
}

// validateVariables checks the names of the extra environment variables and secrets: valid, not
// one the construct sets, and no credential in the plain environment.
func (p ServiceProps) validateVariables(add func(string, ...any)) {
	check := func(field, name string) {
		switch {
		case !variableName.MatchString(name):
			add("%s[%q] is not a variable name ([A-Za-z_][A-Za-z0-9_]*)", field, name)
		case slices.Contains(limits.ReservedEnvNames, strings.ToUpper(name)):
			add("%s[%q] is set by the construct itself (from the Database, Redis or Adot props)", field, name)
		case limits.ReservedEnvName(name):
			add("%s[%q]: the prefixes %v are reserved for the platform", field, name, limits.ReservedEnvPrefixes)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Environment)) {
		check("Environment", name)
		if limits.LooksLikeCredential(name) {
			add("Environment[%q] reads like a credential: pass it in Secrets (an ECS secret), never as a plain variable", name)
		}
		if p.Environment[name] == nil {
			add("Environment[%q] is nil", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(p.Secrets)) {
		check("Secrets", name)
		if p.Environment[name] != nil {
			add("Secrets[%q] is also in Environment", name)
		}
		if p.Secrets[name].Secret == nil {
			add("Secrets[%q].Secret is nil", name)
		}
		if f := p.Secrets[name].Field; f != "" && !jsonFieldName.MatchString(f) {
			add("Secrets[%q].Field %q is not a JSON field name", name, f)
		}
	}
}

// checkDuration checks a resolved duration lies within [min, max] seconds, in whole seconds.
func (p ServiceProps) checkDuration(add func(string, ...any), key string, d awscdk.Duration, min, max float64) {
	if d == nil {
		return
	}
	s, known := duration.SecondsOf(d)
	if !known {
		if *d.IsUnresolved() {
			return
		}
		s = *d.ToMilliseconds(nil) / 1000
	}
	if s < min || s > max || s != math.Trunc(s) {
		add("%s %s is outside %v-%v whole seconds", key, *d.ToHumanString(), min, max)
	}
}

func isRoot(user string) bool {
	for _, part := range strings.Split(user, ":") {
		if part == "0" || strings.EqualFold(part, "root") {
			return true
		}
	}
	return false
}

func unresolved(s *string) bool { return *awscdk.Token_IsUnresolved(s) }

func ptr[T any](v T) *T { return &v }
