package tier

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	autoscaling "github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
)

// Timings of the group and its health checks.
const (
	warmupSeconds      = 300 // boot, agent, application start
	cooldownSeconds    = 300
	healthyThreshold   = 2
	unhealthyThreshold = 3
	checkInterval      = 15
	checkTimeout       = 5
	drainSeconds       = 30
	signalSeconds      = 900 // boot plus the application's install, before a new instance counts as failed
)

// MetricNamespace is where the CloudWatch agent of every tier puts memory and disk metrics; the
// instance role may put metrics nowhere else.
const MetricNamespace = "Stratus/Tiers"

// ImageParameterName is the public SSM parameter holding the latest Amazon Linux 2023 AMI for
// instanceType's architecture: the image of a tier without a MachineImage. CloudFormation
// resolves it with the deploying caller's credentials, so whoever deploys the tier's stack needs
// ssm:GetParameters on it (arn:<partition>:ssm:<region>::parameter<name>).
func ImageParameterName(instanceType string) string {
	arch := "x86_64"
	if graviton.MatchString(instanceType) {
		arch = "arm64"
	}
	return "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-6.1-" + arch
}

// graviton matches instance types of arm64 families: a "g" among the attribute letters after
// the generation digit (t4g, m7g, c7gn, x2gd). A1, the first Graviton, has none, and Amazon Linux
// 2023 does not run on it (config refuses it).
var graviton = regexp.MustCompile(`^[a-z]+[0-9]+[a-z-]*g[a-z-]*\.`)

// Tier is an Auto Scaling group of instances behind a load balancer.
type Tier struct {
	constructs.Construct
	// AutoScalingGroup runs the instances.
	AutoScalingGroup autoscaling.AutoScalingGroup
	// LaunchTemplate describes every instance; a change to it replaces the instances in a rolling
	// update.
	LaunchTemplate ec2.LaunchTemplate
	// SecurityGroup is the instances' group: the tier's port from its load balancers only,
	// HTTPS out. Add rules for what the application calls (its database, another tier).
	SecurityGroup ec2.SecurityGroup
	// Role is the instance role: Session Manager, the log group and the metric namespace only.
	// Grant it what the application needs.
	Role iam.Role
	// Key encrypts the root volumes and the log group.
	Key kms.Key
	// LogGroup receives the application's and cloud-init's logs.
	LogGroup logs.LogGroup
	// LoadBalancer, LoadBalancerSecurityGroup, TargetGroup and Listener are the internal ALB, set only
	// with Internal.
	LoadBalancer              elbv2.ApplicationLoadBalancer
	LoadBalancerSecurityGroup ec2.SecurityGroup
	TargetGroup               elbv2.ApplicationTargetGroup
	Listener                  elbv2.ApplicationListener
}

// NewTier builds the tier, or returns every problem with props.
func NewTier(scope constructs.Construct, id string, props TierProps) (*Tier, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("tier %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	t := &Tier{Construct: this}
	t.buildKeyAndLogs(p)
	t.buildRole(p)
	t.SecurityGroup = p.SecurityGroup
	if t.SecurityGroup == nil {
		t.SecurityGroup = NewSecurityGroup(this, "SecurityGroup", p.Vpc, p.Name, p.Port)
	}
	// Session Manager, CloudWatch, the package repositories: all HTTPS.
	t.SecurityGroup.AddEgressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs and package repositories"), nil)
	t.buildLaunchTemplate(p)
	t.buildGroup(p)
	if p.Internal != nil {
		t.buildInternal(p)
	}
	t.acceptByDesign(p)
	return t, nil
}

func (t *Tier) buildKeyAndLogs(p TierProps) {
	t.Key = keys.NewKey(t.Construct, "Key", fmt.Sprintf("Stratus tier %s: root volumes and logs", p.Name))
	// EC2 uses the key for the Auto Scaling service-linked role when it launches an instance;
	// any principal of the account may use it, but only through EC2 in this region.
	stack := awscdk.Stack_Of(t.Construct)
	t.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowEc2InThisAccount"),
		Principals: &[]iam.IPrincipal{iam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{
			"kms:CallerAccount": stack.Account(),
			"kms:ViaService":    fmt.Sprintf("ec2.%s.amazonaws.com", *stack.Region()),
		}},
	}), nil)
	keys.AllowCloudWatchLogs(t.Key)
	t.LogGroup = logs.NewLogGroup(t.Construct, jsii.String("LogGroup"), &logs.LogGroupProps{
		EncryptionKey: t.Key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// buildRole gives the instances Session Manager, their log group and the agent's metric
// namespace, in a customer managed policy (no inline policy, no AWS managed policy).
func (t *Tier) buildRole(p TierProps) {
	t.Role = iam.NewRole(t.Construct, jsii.String("InstanceRole"), &iam.RoleProps{
		AssumedBy:   iam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Stratus tier instances: Session Manager, CloudWatch agent"),
	})
	policy := iam.NewManagedPolicy(t.Construct, jsii.String("InstancePolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Stratus tier instances: Session Manager, the tier's log group, the agent's metrics"),
		Roles:       &[]iam.IRole{t.Role},
		Statements: &[]iam.PolicyStatement{
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Sid:     jsii.String("SessionManagerRegistration"),
				Actions: jsii.Strings("ssm:UpdateInstanceInformation"),
				Resources: &[]*string{awscdk.Stack_Of(t.Construct).FormatArn(&awscdk.ArnComponents{
					Service: jsii.String("ec2"), Resource: jsii.String("instance"), ResourceName: jsii.String("*"),
				})},
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Sid: jsii.String("SessionManager"),
				Actions: jsii.Strings("ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
					"ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
					"ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
					"ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply"),
				Resources: jsii.Strings("*"),
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Sid:       jsii.String("AgentLogs"),
				Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
				Resources: &[]*string{t.LogGroup.LogGroupArn()},
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Sid:        jsii.String("AgentMetrics"),
				Actions:    jsii.Strings("cloudwatch:PutMetricData"),
				Resources:  jsii.Strings("*"),
				Conditions: &map[string]any{"StringEquals": map[string]any{"cloudwatch:namespace": MetricNamespace}},
			}),
		},
	})
	if p.ReleaseBucket != "" {
		policy.AddStatements(iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Sid:       jsii.String("ReadReleases"),
			Actions:   jsii.Strings("s3:GetObject"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:s3:::%s/*", *awscdk.Stack_Of(t.Construct).Partition(), p.ReleaseBucket)),
		}))
	}
	t.acceptWildcards(policy, p.ReleaseBucket)
	// Grants to the role (cfn-signal's, and whatever the caller grants the application) would
	// land in an inline DefaultPolicy, which NIST 800-53 refuses; move them at synth.
	awscdk.Aspects_Of(t.Role).Add(&grantMover{role: t.Role}, &awscdk.AspectOptions{Priority: awscdk.AspectPriority_MUTATING()})
}

// grantMover moves the role's DefaultPolicy, once, into a customer managed policy with the same
// document (a statement added after the move still lands in it).
type grantMover struct {
	role iam.Role
	done bool
}

// Visit implements awscdk.IAspect; it acts on the role itself.
func (g *grantMover) Visit(node constructs.IConstruct) {
	// Local: jsii hands Go the same object for the same construct, so no path is read.
	if g.done || node != constructs.IConstruct(g.role) {
		return
	}
	defaultPolicy, ok := g.role.Node().TryFindChild(jsii.String("DefaultPolicy")).(iam.Policy)
	if !ok {
		return
	}
	g.done = true
	iam.NewManagedPolicy(g.role, jsii.String("Grants"), &iam.ManagedPolicyProps{
		Description: jsii.String("Grants to " + *g.role.Node().Path()),
		Document:    defaultPolicy.Document(),
		Roles:       &[]iam.IRole{g.role},
	})
	g.role.Node().TryRemoveChild(jsii.String("DefaultPolicy"))
}

func (t *Tier) buildLaunchTemplate(p TierProps) {
	image := p.MachineImage
	if image == nil {
		image = ec2.MachineImage_FromSsmParameter(jsii.String(ImageParameterName(p.InstanceType)), &ec2.SsmParameterImageOptions{
			Os: ec2.OperatingSystemType_LINUX, CachedInContext: jsii.Bool(false),
		})
	}
	userData := ec2.UserData_ForLinux(nil)
	userData.AddCommands(*jsii.Strings(agentSetup(p.Name, *t.LogGroup.LogGroupName())...)...)
	userData.AddCommands(jsii.String(envFile(p.Environment)))
	if strings.TrimSpace(p.UserData) != "" {
		userData.AddCommands(jsii.String(p.UserData))
	}
	t.LaunchTemplate = ec2.NewLaunchTemplate(t.Construct, jsii.String("LaunchTemplate"), &ec2.LaunchTemplateProps{
		InstanceType:       ec2.NewInstanceType(jsii.String(p.InstanceType)),
		MachineImage:       image,
		UserData:           userData,
		Role:               t.Role,
		SecurityGroup:      t.SecurityGroup,
		RequireImdsv2:      jsii.Bool(true),
		HttpTokens:         ec2.LaunchTemplateHttpTokens_REQUIRED,
		DetailedMonitoring: jsii.Bool(true),
		EbsOptimized:       jsii.Bool(true),
		BlockDevices: &[]*ec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: ec2.BlockDeviceVolume_Ebs(jsii.Number(float64(p.VolumeGiB)), &ec2.EbsDeviceOptions{
				VolumeType: ec2.EbsDeviceVolumeType_GP3, Encrypted: jsii.Bool(true), KmsKey: t.Key, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
}

// NewSecurityGroup is the group a tier's instances get by default: no rules but what the tier
// adds (port from its load balancers, HTTPS out).
func NewSecurityGroup(scope constructs.Construct, id string, vpc ec2.IVpc, tier string, port int) ec2.SecurityGroup {
	return ec2.NewSecurityGroup(scope, jsii.String(id), &ec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String(fmt.Sprintf("Tier %s: port %d from its load balancers only", tier, port)),
		AllowAllOutbound: jsii.Bool(false),
	})
}

// agentSetup installs the CloudWatch agent and ships cloud-init's output and the application's
// logs (/var/log/stratus/*.log) to logGroup, memory and disk use to MetricNamespace.
func agentSetup(tier, logGroup string) []string {
	config := fmt.Sprintf(`{"agent":{"metrics_collection_interval":60},`+
		`"metrics":{"namespace":%q,"append_dimensions":{"InstanceId":"${aws:InstanceId}"},`+
		`"metrics_collected":{"mem":{"measurement":["mem_used_percent"]},"disk":{"measurement":["used_percent"],"resources":["/"]}}},`+
		`"logs":{"logs_collected":{"files":{"collect_list":[`+
		`{"file_path":"/var/log/cloud-init-output.log","log_group_name":"%s","log_stream_name":"{instance_id}/cloud-init"},`+
		`{"file_path":"/var/log/stratus/*.log","log_group_name":"%s","log_stream_name":"{instance_id}/%s"}]}}}}`,
		MetricNamespace, logGroup, logGroup, tier)
	return []string{
		"mkdir -p /var/log/stratus",
		"dnf install -y amazon-cloudwatch-agent aws-cfn-bootstrap",
		"cat > /opt/aws/amazon-cloudwatch-agent/etc/stratus.json <<'AGENT'\n" + config + "\nAGENT",
		"/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c file:/opt/aws/amazon-cloudwatch-agent/etc/stratus.json",
	}
}

// signal reports the instance to CloudFormation once the application answers its health check
// on localhost (success) or after signalSeconds minus a margin (failure), so a bad AMI or user
// data stops a rolling update instead of replacing every instance.
func signal(p TierProps, stackName, groupID, region string) []string {
	tries := (signalSeconds - 60) / 5
	return []string{
		"status=1",
		fmt.Sprintf("for _ in $(seq %d); do curl -fsS -o /dev/null http://127.0.0.1:%d%s && { status=0; break; }; sleep 5; done", tries, p.Port, p.HealthCheckPath),
		fmt.Sprintf("/opt/aws/bin/cfn-signal -e \"$status\" --stack %s --resource %s --region %s", stackName, groupID, region),
	}
}

// envFile writes env, sorted, to /etc/stratus/app.env.
func envFile(env map[string]string) string {
	names := slices.Sorted(maps.Keys(env))
	lines := make([]string, len(names))
	for i, n := range names {
		lines[i] = n + "=" + env[n]
	}
	return "mkdir -p /etc/stratus\ncat > /etc/stratus/app.env <<'ENV'\n" + strings.Join(lines, "\n") + "\nENV"
}

func (t *Tier) buildGroup(p TierProps) {
	warmup := duration.Seconds(warmupSeconds)
	t.AutoScalingGroup = autoscaling.NewAutoScalingGroup(t.Construct, jsii.String("Group"), &autoscaling.AutoScalingGroupProps{
		Vpc:            p.Vpc,
		VpcSubnets:     p.Subnets,
		LaunchTemplate: t.LaunchTemplate,
		MinCapacity:    jsii.Number(float64(p.MinCount)),
		MaxCapacity:    jsii.Number(float64(p.MaxCount)),
		HealthChecks: autoscaling.HealthChecks_WithAdditionalChecks(&autoscaling.AdditionalHealthChecksOptions{
			AdditionalTypes: &[]autoscaling.AdditionalHealthCheckType{autoscaling.AdditionalHealthCheckType_ELB},
			GracePeriod:     warmup,
		}),
		Cooldown:              duration.Seconds(cooldownSeconds),
		DefaultInstanceWarmup: warmup,
		GroupMetrics:          &[]autoscaling.GroupMetrics{autoscaling.GroupMetrics_All()},
		Notifications:         &[]*autoscaling.NotificationConfiguration{{Topic: p.Notifications, ScalingEvents: autoscaling.ScalingEvents_ALL()}},
		// A new launch-template version (AMI, user data, instance type) replaces the instances one
		// at a time, launching before terminating: CloudFormation waits for each new instance to
		// report its application healthy (cfn-signal, below) and rolls the stack back otherwise.
		UpdatePolicy: autoscaling.UpdatePolicy_RollingUpdate(&autoscaling.RollingUpdateOptions{
			MaxBatchSize:          jsii.Number(1),
			MinInstancesInService: jsii.Number(float64(min(p.MinCount, p.MaxCount-1))),
			WaitOnResourceSignals: jsii.Bool(true),
			PauseTime:             duration.Seconds(signalSeconds),
			SuspendProcesses: &[]autoscaling.ScalingProcess{autoscaling.ScalingProcess_HEALTH_CHECK, autoscaling.ScalingProcess_REPLACE_UNHEALTHY,
				autoscaling.ScalingProcess_AZ_REBALANCE, autoscaling.ScalingProcess_ALARM_NOTIFICATION, autoscaling.ScalingProcess_SCHEDULED_ACTIONS},
		}),
		Signals: autoscaling.Signals_WaitForMinCapacity(&autoscaling.SignalsOptions{Timeout: duration.Seconds(signalSeconds)}),
	})
	cfn := t.AutoScalingGroup.Node().DefaultChild().(autoscaling.CfnAutoScalingGroup)
	// Set on the resource, not the L2 prop, which only warns that a deployment resets it: that
	// is the intent here, as config states the size at deployment.
	cfn.SetDesiredCapacity(jsii.String(fmt.Sprint(p.DesiredCount)))
	stack := awscdk.Stack_Of(t.Construct)
	t.LaunchTemplate.UserData().AddCommands(*jsii.Strings(signal(p, *stack.StackName(), *stack.GetLogicalId(cfn), *stack.Region())...)...)
	if len(p.TargetGroups) > 0 {
		arns := make([]*string, len(p.TargetGroups))
		for i, g := range p.TargetGroups {
			arns[i] = g.TargetGroupArn()
		}
		cfn.SetTargetGroupArns(&arns)
	}
	t.AutoScalingGroup.ScaleOnCpuUtilization(jsii.String("CpuScaling"), &autoscaling.CpuUtilizationScalingProps{
		TargetUtilizationPercent: jsii.Number(float64(p.CpuTarget)),
	})
}

func (t *Tier) buildInternal(p TierProps) {
	in := p.Internal
	port := ec2.Port_Tcp(jsii.Number(float64(p.Port)))
	t.LoadBalancerSecurityGroup = ec2.NewSecurityGroup(t.Construct, jsii.String("LoadBalancerSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String(fmt.Sprintf("Internal ALB of tier %s: port %d from its clients only", p.Name, p.Port)),
		AllowAllOutbound: jsii.Bool(false),
	})
	for _, c := range in.Clients {
		t.LoadBalancerSecurityGroup.Connections().AllowFrom(c, port, jsii.String("From a client of tier "+p.Name))
	}
	t.LoadBalancer = elbv2.NewApplicationLoadBalancer(t.Construct, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		VpcSubnets:              p.Subnets,
		InternetFacing:          jsii.Bool(false),
		SecurityGroup:           t.LoadBalancerSecurityGroup,
		DeletionProtection:      jsii.Bool(true),
		CrossZoneEnabled:        jsii.Bool(true),
		DropInvalidHeaderFields: jsii.Bool(true),
		DesyncMitigationMode:    elbv2.DesyncMitigationMode_STRICTEST,
	})
	t.LoadBalancer.LogAccessLogs(in.AccessLogBucket, jsii.String(in.AccessLogPrefix))
	t.TargetGroup = elbv2.NewApplicationTargetGroup(t.Construct, jsii.String("TargetGroup"), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Vpc,
		TargetType:          elbv2.TargetType_INSTANCE,
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Port:                jsii.Number(float64(p.Port)),
		DeregistrationDelay: duration.Seconds(drainSeconds),
		HealthCheck:         HealthCheck(p.HealthCheckPath),
	})
	// Registers the group and opens the ALB group to the instances on the target port.
	t.AutoScalingGroup.AttachToApplicationTargetGroup(t.TargetGroup)
	t.Listener = t.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:                jsii.Number(float64(p.Port)),
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Open:                jsii.Bool(false),
		DefaultTargetGroups: &[]elbv2.IApplicationTargetGroup{t.TargetGroup},
	})
}

// HealthCheck is the target-group health check of a tier, for its internal ALB and for a public
// target group the caller creates.
func HealthCheck(path string) *elbv2.HealthCheck {
	return &elbv2.HealthCheck{
		Enabled:                 jsii.Bool(true),
		Path:                    jsii.String(path),
		Protocol:                elbv2.Protocol_HTTP,
		HealthyHttpCodes:        jsii.String("200"),
		HealthyThresholdCount:   jsii.Number(healthyThreshold),
		UnhealthyThresholdCount: jsii.Number(unhealthyThreshold),
		Interval:                duration.Seconds(checkInterval),
		Timeout:                 duration.Seconds(checkTimeout),
	}
}
