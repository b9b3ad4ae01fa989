// Package tier provides Tier, the EC2 tier L3 of Stratus: a launch template (Amazon Linux 2023
// resolved at deploy time, IMDSv2 only, an encrypted gp3 root volume under a customer key, no SSH
// key pair, SSM Session Manager and the CloudWatch agent), an Auto Scaling group across the given
// subnets with target tracking on CPU, load-balancer health checks and a rolling update on every
// launch-template change (one instance at a time, each signalling its application healthy), a
// least-privilege instance role, and optionally an internal ALB in
// front of the tier that admits exactly the client security groups it is given.
package tier

import (
	"errors"
	"fmt"
	"regexp"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// InternalEntry puts an internal ALB in front of a tier.
type InternalEntry struct {
	// Clients are the security groups whose members may call the tier through the ALB, on the
	// tier's Port; no other source is admitted.
	Clients []ec2.ISecurityGroup
	// AccessLogBucket receives the ALB's access logs (an SSE-S3 bucket that ELB may write to).
	AccessLogBucket s3.IBucket
	// AccessLogPrefix is the key prefix of its access logs.
	// Default: "internal-<Name>".
	AccessLogPrefix string
}

// TierProps configures a Tier.
type TierProps struct {
	// Name names the tier, e.g. "web": a lowercase letter, then up to 30 lowercase letters,
	// digits or hyphens. It appears in descriptions and the CloudWatch agent's metric namespace.
	Name string
	// Vpc holds the tier.
	Vpc ec2.IVpc
	// Subnets selects the private subnets the instances (and an internal ALB) are placed in.
	Subnets *ec2.SubnetSelection
	// InstanceType is an EC2 instance type such as "t3.small". Graviton families (a "g" after
	// the generation digit, e.g. t4g) get the arm64 image.
	InstanceType string
	// Port is where the application on every instance listens for HTTP.
	Port int
	// MinCount and MaxCount bound the Auto Scaling group (at least 2, one per AZ).
	MinCount, MaxCount int
	// DesiredCount is the group's size at deployment; a deployment resets it.
	// Default: MinCount.
	DesiredCount int
	// CpuTarget is the average CPU utilisation (percent) target tracking holds.
	// Default: 60.
	CpuTarget int
	// HealthCheckPath is the path the load balancers check on every instance.
	// Default: "/health".
	HealthCheckPath string
	// UserData is shell script run (as root, by bash) at first boot after the CloudWatch agent
	// is set up: it installs and starts the application. Changing it replaces the instances in a
	// rolling update.
	// Default: "" (nothing beyond the agent).
	UserData string
	// Environment is written to /etc/stratus/app.env (NAME=value lines, values may be tokens such
	// as a database endpoint) before UserData runs, for the application to read. Never put a
	// credential here: user data is readable by anyone who may describe the launch template.
	// Default: none.
	Environment map[string]string
	// ReleaseBucket names an S3 bucket whose objects the instances may read (s3:GetObject), for
	// UserData to fetch the application's release from.
	// Default: "" (none).
	ReleaseBucket string
	// VolumeGiB is the size of the encrypted gp3 root volume.
	// Default: 20.
	VolumeGiB int
	// MachineImage is the instances' image.
	// Default: the latest Amazon Linux 2023 for the instance type's architecture, read from the
	// public SSM parameter when CloudFormation deploys (synth looks nothing up).
	MachineImage ec2.IMachineImage
	// LogRetention is how long the tier's log group keeps what the CloudWatch agent ships.
	// Default: retention.Default.
	LogRetention logs.RetentionDays
	// TargetGroups are load-balancer target groups of target type instance (for example the
	// public ALB's) the group registers its instances with.
	// Default: none.
	TargetGroups []elbv2.IApplicationTargetGroup
	// Internal, when set, adds an internal ALB in front of the tier.
	// Default: nil (no internal ALB). TargetGroups or Internal must give the tier a load
	// balancer: the group's health checks are the load balancer's.
	Internal *InternalEntry
	// SecurityGroup is the instances' group, for a caller that must name it before the tier
	// exists (as a client of another tier); the tier adds its rules to it. Create it without
	// outbound rules (AllowAllOutbound false).
	// Default: a new group.
	SecurityGroup ec2.SecurityGroup
	// Notifications receives the group's launch and termination events (encrypted, TLS-only).
	Notifications sns.ITopic
}

var (
	tierName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	envName  = regexp.MustCompile(`^[A-Z_][A-Z0-9_]{0,254}$`)
)

func (p TierProps) withDefaults() TierProps {
	if p.DesiredCount == 0 {
		p.DesiredCount = p.MinCount
	}
	if p.CpuTarget == 0 {
		p.CpuTarget = limits.DefaultTierCpuTarget
	}
	if p.HealthCheckPath == "" {
		p.HealthCheckPath = limits.DefaultHealthCheckPath
	}
	if p.VolumeGiB == 0 {
		p.VolumeGiB = limits.DefaultTierVolumeGiB
	}
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	if p.Internal != nil && p.Internal.AccessLogPrefix == "" {
		in := *p.Internal
		in.AccessLogPrefix = "internal-" + p.Name
		p.Internal = &in
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p TierProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !tierName.MatchString(p.Name) {
		add("Name %q must be a lowercase letter, then up to 30 lowercase letters, digits or hyphens", p.Name)
	}
	if p.Vpc == nil {
		add("Vpc is required")
	}
	if p.Subnets == nil {
		add("Subnets is required (the private app subnets)")
	}
	if !limits.ValidInstanceType(p.InstanceType) {
		add("InstanceType %q is not an EC2 instance type (allowed: %s)", p.InstanceType, limits.InstanceTypeRule)
	}
	if p.Port < limits.MinPort || p.Port > limits.MaxPort {
		add("Port %d is outside %d-%d", p.Port, limits.MinPort, limits.MaxPort)
	}
	if p.MinCount < limits.MinTierInstances || p.MaxCount > limits.MaxTierInstances || p.MinCount > p.MaxCount {
		add("MinCount %d and MaxCount %d must satisfy %d <= MinCount <= MaxCount <= %d", p.MinCount, p.MaxCount, limits.MinTierInstances, limits.MaxTierInstances)
	}
	if p.DesiredCount < p.MinCount || p.DesiredCount > p.MaxCount {
		add("DesiredCount %d is outside MinCount-MaxCount (%d-%d)", p.DesiredCount, p.MinCount, p.MaxCount)
	}
	if p.CpuTarget < limits.MinTargetPercent || p.CpuTarget > limits.MaxTargetPercent {
		add("CpuTarget %d is outside %d-%d percent", p.CpuTarget, limits.MinTargetPercent, limits.MaxTargetPercent)
	}
	if !limits.ValidHealthCheckPath(p.HealthCheckPath) {
		add("HealthCheckPath %q is not a health-check path (allowed: %s)", p.HealthCheckPath, limits.HealthCheckPathRule)
	}
	for name := range p.Environment {
		if !envName.MatchString(name) {
			add("Environment name %q must match %s", name, envName)
		}
	}
	if p.ReleaseBucket != "" && !limits.ValidBucketName(p.ReleaseBucket) {
		add("ReleaseBucket %q is not an S3 bucket name (%s)", p.ReleaseBucket, limits.BucketNameRule)
	}
	if n := len(p.UserData); n > limits.MaxConfigUserDataBytes {
		add("UserData has %d bytes; at most %d are allowed (EC2 takes %d, the agent set-up uses the rest)", n, limits.MaxConfigUserDataBytes, limits.MaxUserDataBytes)
	}
	if p.VolumeGiB < limits.MinTierVolumeGiB || p.VolumeGiB > limits.MaxTierVolumeGiB {
		add("VolumeGiB %d is outside %d-%d", p.VolumeGiB, limits.MinTierVolumeGiB, limits.MaxTierVolumeGiB)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	if len(p.TargetGroups) == 0 && p.Internal == nil {
		add("the tier has no load balancer: give TargetGroups or Internal (health checks come from the load balancer)")
	}
	for i, g := range p.TargetGroups {
		if g == nil {
			add("TargetGroups[%d] is nil", i)
		}
	}
	if in := p.Internal; in != nil {
		if len(in.Clients) == 0 {
			add("Internal.Clients is empty; an internal ALB nobody may call serves nothing")
		}
		if in.AccessLogBucket == nil {
			add("Internal.AccessLogBucket is required (ALB access logs)")
		}
	}
	if p.Notifications == nil {
		add("Notifications is required (the group's scaling events)")
	}
	return errors.Join(errs...)
}
