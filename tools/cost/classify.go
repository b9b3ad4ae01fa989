package main

import (
	"fmt"
	"path"
	"strings"

	"github.com/stratus-platform/stratus/internal/assembly"
)

// line is one priced quantity: qty in the unit of the price row key, for a month.
type line struct {
	region string // "global" for CloudFront, WAF for CloudFront, Route 53 (priced as us-east-1)
	what   string
	key    string
	qty    float64
	// assumption is empty for a fixed monthly price and names the assumed usage otherwise.
	assumption string
}

// pricer returns the lines of one resource.
type pricer func(r *assembly.Resource, c *pricing) []line

// priced lists the resource types with a price: a fixed monthly one, or usage with an assumption.
var priced = map[string]pricer{
	"AWS::EC2::NatGateway":                       natGateway,
	"AWS::EC2::EIP":                              fixed("public IPv4 address (Elastic IP)", "public-ipv4-hour", true),
	"AWS::EC2::VPCEndpoint":                      vpcEndpoint,
	"AWS::EC2::TransitGatewayAttachment":         tgwAttachment,
	"AWS::EC2::TransitGatewayVpcAttachment":      tgwAttachment,
	"AWS::EC2::TransitGatewayPeeringAttachment":  tgwAttachment,
	"AWS::EC2::Instance":                         ec2Instance,
	"AWS::AutoScaling::AutoScalingGroup":         autoScalingGroup,
	"AWS::ElasticLoadBalancingV2::LoadBalancer":  loadBalancer,
	"AWS::ECS::Service":                          ecsService,
	"AWS::RDS::DBInstance":                       dbInstance,
	"AWS::RDS::DBCluster":                        dbCluster,
	"AWS::ElastiCache::ReplicationGroup":         replicationGroup,
	"AWS::CloudFront::Distribution":              distribution,
	"AWS::WAFv2::WebACL":                         webACL,
	"AWS::Route53::HostedZone":                   global(fixed("Route 53 hosted zone", "route53-zone-month", false)),
	"AWS::Route53::HealthCheck":                  healthCheck,
	"AWS::ServiceDiscovery::PrivateDnsNamespace": fixed("Cloud Map namespace (a private hosted zone)", "route53-zone-month", false),
	"AWS::KMS::Key":                              withUsage(fixed("KMS customer managed key", "kms-key-month", false), "KMS requests", "kms-requests-10k", "kmsRequests10k", "%g × 10,000 requests per key"),
	"AWS::SecretsManager::Secret":                withUsage(fixed("Secrets Manager secret", "secret-month", false), "Secrets Manager API calls", "secret-api-10k", "secretCalls10k", "%g × 10,000 calls per secret"),
	"AWS::CloudWatch::Alarm":                     alarm,
	"AWS::CloudWatch::CompositeAlarm":            fixed("CloudWatch composite alarm", "composite-alarm-month", false),
	"AWS::CloudWatch::Dashboard":                 fixed("CloudWatch dashboard", "dashboard-month", false),
	"AWS::CloudFront::MonitoringSubscription":    global(fixed("CloudFront additional metrics (origin latency and more)", "cloudfront-additional-metrics-month", false)),
	"AWS::Logs::LogGroup":                        usage("CloudWatch Logs ingestion", "logs-ingest-gb", "logsGB", "%g GB per log group"),
	"AWS::S3::Bucket":                            usage("S3 storage", "s3-gb", "s3GB", "%g GB per bucket"),
	"AWS::ECR::Repository":                       usage("ECR image storage", "ecr-gb", "ecrGB", "%g GB per repository"),
	"AWS::Config::ConfigurationRecorder":         usage("AWS Config configuration items", "config-item", "configItems", "%g items per recorder"),
	"AWS::Config::ConfigRule":                    usage("AWS Config rule evaluations", "config-evaluation", "configEvaluations", "%g evaluations per rule"),
	"AWS::Backup::BackupPlan":                    usage("AWS Backup storage", "backup-gb", "backupGB", "%g GB per backup plan"),
	"AWS::CloudTrail::Trail":                     usage("CloudTrail data events (the first copy of management events is free)", "cloudtrail-data-events-100k", "cloudtrailDataEvents100k", "%g × 100,000 data events per trail"),
	"AWS::KMS::ReplicaKey":                       fixed("KMS multi-Region replica key", "kms-key-month", false),
	"AWS::Synthetics::Canary":                    canary,
	"AWS::CodePipeline::Pipeline":                pipeline,
	"AWS::SQS::Queue":                            usage("SQS requests", "sqs-million", "sqsRequestsMillion", "%g million requests per queue"),
	"AWS::SNS::Topic":                            usage("SNS publishes", "sns-million", "snsPublishesMillion", "%g million publishes per topic"),
	"AWS::ApiGatewayV2::Api":                     usage("API Gateway HTTP API requests", "httpapi-million", "httpApiRequestsMillion", "%g million requests per API"),
	"AWS::ACMPCA::CertificateAuthority":          privateCA,
	"AWS::ARCRegionSwitch::Plan":                 global(fixed("ARC Region switch plan", "arc-region-switch-plan-month", false)),
}

// unpriced lists the resource types (patterns as in path.Match) that carry no price of their own,
// with the reason. A type in neither list fails the estimate, so a new resource type is priced
// or explicitly let go, never silently left out.
var unpriced = map[string]string{
	"AWS::CDK::Metadata":                               "CDK bookkeeping",
	"AWS::IAM::*":                                      "IAM is free",
	"Custom::*":                                        "custom resources run a Lambda function at deployment only",
	"AWS::Lambda::Function":                            "billed per request and duration; these functions run at deployment or rotation, about once a minute during a Region switch (the capacity function), or (the HTTP API's authorizer) about once per cached verdict",
	"AWS::Lambda::Permission":                          "free",
	"AWS::StepFunctions::StateMachine":                 "the custom resource provider's waiter: a few state transitions while a deployment waits (the transit gateway peering's acceptance), $0.025 per 1,000",
	"AWS::CodeStarNotifications::NotificationRule":     "free (the SNS topic it publishes to is priced)",
	"AWS::Serverless::Application":                     "an application of Lambda functions (secret rotation): billed per request and duration",
	"AWS::ApplicationAutoScaling::ScalableTarget":      "free",
	"AWS::ApplicationAutoScaling::ScalingPolicy":       "free",
	"AWS::CertificateManager::Certificate":             "public ACM certificates are free",
	"AWS::CloudFront::Function":                        "billed per invocation ($0.10 per million)",
	"AWS::CloudFront::OriginAccessControl":             "free",
	"AWS::CloudFront::ResponseHeadersPolicy":           "free",
	"AWS::CloudFront::CachePolicy":                     "free",
	"AWS::CloudFront::OriginRequestPolicy":             "free",
	"AWS::WAFv2::LoggingConfiguration":                 "priced as its destination's log ingestion",
	"AWS::WAFv2::WebACLAssociation":                    "free; the web ACL is priced",
	"AWS::EC2::FlowLog":                                "priced as its destination's log ingestion",
	"AWS::EC2::InternetGateway":                        "free",
	"AWS::EC2::NetworkAcl":                             "free",
	"AWS::EC2::NetworkAclEntry":                        "free",
	"AWS::EC2::Route":                                  "free",
	"AWS::EC2::RouteTable":                             "free",
	"AWS::EC2::SecurityGroup":                          "free",
	"AWS::EC2::SecurityGroupEgress":                    "free",
	"AWS::EC2::SecurityGroupIngress":                   "free",
	"AWS::EC2::Subnet":                                 "free",
	"AWS::EC2::SubnetNetworkAclAssociation":            "free",
	"AWS::EC2::SubnetRouteTableAssociation":            "free",
	"AWS::EC2::VPC":                                    "free; its NAT gateways, endpoints and addresses are priced",
	"AWS::EC2::VPCGatewayAttachment":                   "free",
	"AWS::EC2::TransitGateway":                         "free; its attachments are priced",
	"AWS::EC2::TransitGatewayRoute":                    "free",
	"AWS::EC2::TransitGatewayRouteTable":               "free",
	"AWS::EC2::TransitGatewayRouteTableAssociation":    "free",
	"AWS::EC2::TransitGatewayRouteTablePropagation":    "free",
	"AWS::EC2::LaunchTemplate":                         "free; the instances launched from it are priced",
	"AWS::ECR::ReplicationConfiguration":               "replication is billed as data transfer (usage)",
	"AWS::ECS::Cluster":                                "free; its services' tasks are priced",
	"AWS::ACMPCA::Certificate":                         "the CA's own certificate: no fee (the certificates it issues are priced with the CA)",
	"AWS::ACMPCA::CertificateAuthorityActivation":      "free; the CA is priced",
	"AWS::ServiceDiscovery::HttpNamespace":             "free: an HTTP namespace has no hosted zone (Cloud Map bills registered instances, see its services)",
	"AWS::ECS::ClusterCapacityProviderAssociations":    "free",
	"AWS::ECS::TaskDefinition":                         "free; its service's tasks are priced",
	"AWS::ElastiCache::ParameterGroup":                 "free",
	"AWS::ElastiCache::SubnetGroup":                    "free",
	"AWS::ElastiCache::GlobalReplicationGroup":         "no fee of its own: its member groups' nodes are priced (replication is data transfer)",
	"AWS::ElasticLoadBalancingV2::Listener":            "free; the load balancer is priced",
	"AWS::ElasticLoadBalancingV2::ListenerRule":        "free",
	"AWS::ElasticLoadBalancingV2::TargetGroup":         "free",
	"AWS::KMS::Alias":                                  "free",
	"AWS::RDS::DBClusterParameterGroup":                "free",
	"AWS::RDS::DBParameterGroup":                       "free",
	"AWS::RDS::DBSubnetGroup":                          "free",
	"AWS::RDS::GlobalCluster":                          "no fee of its own: its clusters are priced (replicated writes are I/O usage)",
	"AWS::Route53::RecordSet":                          "records are free; the zone they live in is priced once per environment",
	"AWS::S3::BucketPolicy":                            "free",
	"AWS::SecretsManager::ResourcePolicy":              "free",
	"AWS::SecretsManager::RotationSchedule":            "free; rotation runs a Lambda function (usage)",
	"AWS::SecretsManager::SecretTargetAttachment":      "free",
	"AWS::ApiGatewayV2::ApiMapping":                    "free; the API's requests are priced",
	"AWS::ApiGatewayV2::Authorizer":                    "free; its Lambda function is usage",
	"AWS::ApiGatewayV2::DomainName":                    "free; the API's requests are priced",
	"AWS::ApiGatewayV2::Integration":                   "free; the API's requests are priced",
	"AWS::ApiGatewayV2::Route":                         "free; the API's requests are priced",
	"AWS::ApiGatewayV2::Stage":                         "free; the API's requests are priced",
	"AWS::ApiGatewayV2::VpcLink":                       "free for HTTP APIs",
	"AWS::ServiceDiscovery::Service":                   "Cloud Map bills $0.10 per registered instance-month, the running tasks (not counted)",
	"AWS::SNS::TopicPolicy":                            "free",
	"AWS::SNS::Subscription":                           "free; deliveries are usage",
	"AWS::SQS::QueuePolicy":                            "free",
	"AWS::Backup::BackupVault":                         "free; the stored backups are priced with the plan",
	"AWS::Backup::BackupSelection":                     "free; the stored backups are priced with the plan",
	"AWS::Backup::BackupVaultPolicy":                   "free",
	"AWS::Route53::RecordSetGroup":                     "records are free; the zone they live in is priced once per environment",
	"AWS::Logs::MetricFilter":                          "free",
	"AWS::Logs::SubscriptionFilter":                    "free; the destination is priced",
	"AWS::Logs::ResourcePolicy":                        "free",
	"AWS::Events::Rule":                                "free for AWS service events (custom events: $1.00 per million, usage)",
	"AWS::CloudWatch::AnomalyDetector":                 "billed through the alarm using it",
	"AWS::Config::DeliveryChannel":                     "free; the recorder is priced",
	"AWS::Config::ConformancePack":                     "billed per rule evaluation (usage, not estimated)",
	"AWS::Config::ConfigurationAggregator":             "free",
	"AWS::GuardDuty::Detector":                         "billed on the volume of events and logs analyzed (usage, not estimated; 30-day free trial)",
	"AWS::SecurityHub::Hub":                            "billed per security check and finding ingested (usage, not estimated)",
	"AWS::SecurityHub::Standard":                       "billed per security check (usage, not estimated)",
	"AWS::AccessAnalyzer::Analyzer":                    "external access analyzers are free (unused-access analyzers: $0.20 per role or user-month, not estimated)",
	"AWS::CloudTrail::EventDataStore":                  "billed per GB ingested and scanned (usage, not estimated)",
	"AWS::Cognito::UserPool":                           "billed per monthly active user beyond the free tier (usage, not estimated)",
	"AWS::Cognito::UserPoolClient":                     "free",
	"AWS::Cognito::UserPoolDomain":                     "free",
	"AWS::Cognito::UserPoolGroup":                      "free",
	"AWS::CodeBuild::Project":                          "billed per build minute (usage, not estimated)",
	"AWS::CodeStarConnections::Connection":             "free",
	"AWS::CodeDeploy::Application":                     "free for ECS and EC2 deployments",
	"AWS::CodeDeploy::DeploymentGroup":                 "free for ECS and EC2 deployments",
	"AWS::AutoScaling::ScalingPolicy":                  "free",
	"AWS::AutoScaling::LifecycleHook":                  "free",
	"AWS::AutoScaling::ScheduledAction":                "free",
	"AWS::ECS::CapacityProvider":                       "free; the instances it scales are priced",
	"AWS::ElasticLoadBalancingV2::ListenerCertificate": "free",
	"AWS::WAFv2::IPSet":                                "free",
	"AWS::WAFv2::RegexPatternSet":                      "free",
	"AWS::Shield::Protection":                          "needs the Shield Advanced subscription: $3,000 per month per organization, not counted per environment",
	"AWS::SSM::Parameter":                              "standard parameters are free",
	"AWS::Chatbot::SlackChannelConfiguration":          "AWS Chatbot is free (the SNS topics feeding it are priced)",
	"AWS::Chatbot::MicrosoftTeamsChannelConfiguration": "AWS Chatbot is free (the SNS topics feeding it are priced)",
	"AWS::RAM::ResourceShare":                          "free",
}

// classify returns the pricer of a type, or the reason it has no price, or an error.
func classify(typ string) (pricer, string, error) {
	if p, ok := priced[typ]; ok {
		return p, "", nil
	}
	if reason, ok := unpriced[typ]; ok {
		return nil, reason, nil
	}
	for pattern, reason := range unpriced {
		if ok, _ := path.Match(pattern, typ); ok {
			return nil, reason, nil
		}
	}
	return nil, "", fmt.Errorf("resource type %s is not classified: give it a pricer in tools/cost/classify.go (priced) or say why it has no monthly price (unpriced)", typ)
}

func fixed(what, key string, hourly bool) pricer {
	return func(_ *assembly.Resource, c *pricing) []line {
		qty := 1.0
		if hourly {
			qty = c.hours
		}
		return []line{{what: what, key: key, qty: qty}}
	}
}

func usage(what, key, assumption, text string) pricer {
	return func(_ *assembly.Resource, c *pricing) []line {
		n := c.assume(assumption)
		return []line{{what: what, key: key, qty: n, assumption: fmt.Sprintf(text, n)}}
	}
}

func withUsage(p pricer, what, key, assumption, text string) pricer {
	u := usage(what, key, assumption, text)
	return func(r *assembly.Resource, c *pricing) []line {
		return append(p(r, c), u(r, c)...)
	}
}

func global(p pricer) pricer {
	return func(r *assembly.Resource, c *pricing) []line {
		lines := p(r, c)
		for i := range lines {
			lines[i].region = "global"
		}
		return lines
	}
}

func natGateway(r *assembly.Resource, c *pricing) []line {
	n := c.assume("natGB")
	return []line{
		{what: "NAT gateway", key: "nat-gateway-hour", qty: c.hours},
		{what: "NAT gateway data processing", key: "nat-gateway-gb", qty: n, assumption: fmt.Sprintf("%g GB per NAT gateway", n)},
	}
}

func vpcEndpoint(r *assembly.Resource, c *pricing) []line {
	subnets, _ := r.Prop("SubnetIds").([]any)
	if r.Str("VpcEndpointType") != "Interface" && (r.Str("VpcEndpointType") != "" || len(subnets) == 0) {
		return nil // gateway endpoints (S3, DynamoDB) are free
	}
	n := c.assume("endpointGB")
	service := r.Str("ServiceName")
	service = service[strings.LastIndex(service, ".")+1:]
	if i := strings.Index(r.Str("ServiceName"), r.Stack.Region+"."); i >= 0 {
		service = r.Str("ServiceName")[i+len(r.Stack.Region)+1:]
	}
	return []line{
		{what: fmt.Sprintf("interface endpoint %s (%d AZs)", service, len(subnets)), key: "interface-endpoint-hour", qty: float64(len(subnets)) * c.hours},
		{what: "interface endpoint data processing", key: "interface-endpoint-gb", qty: n, assumption: fmt.Sprintf("%g GB per endpoint", n)},
	}
}

func tgwAttachment(_ *assembly.Resource, c *pricing) []line {
	n := c.assume("tgwGB")
	return []line{
		{what: "Transit Gateway attachment", key: "tgw-attachment-hour", qty: c.hours},
		{what: "Transit Gateway data processing", key: "tgw-gb", qty: n, assumption: fmt.Sprintf("%g GB per attachment", n)},
	}
}

func ec2Instance(r *assembly.Resource, c *pricing) []line {
	return instances(r.Str("InstanceType"), 1, r.Prop("BlockDeviceMappings"), c)
}

func autoScalingGroup(r *assembly.Resource, c *pricing) []line {
	n, ok := r.Num("DesiredCapacity")
	if !ok {
		n, _ = r.Num("MinSize")
	}
	for _, t := range c.graph.Refs(r) {
		if t.Type == "AWS::EC2::LaunchTemplate" {
			return instances(t.Str("LaunchTemplateData", "InstanceType"), n, t.Prop("LaunchTemplateData", "BlockDeviceMappings"), c)
		}
	}
	c.fail(fmt.Errorf("%s: no launch template with an instance type found", r))
	return nil
}

// instances prices n instances of a type and their EBS volumes.
func instances(typ string, n float64, mappings any, c *pricing) []line {
	lines := []line{{what: "EC2 " + typ, key: "ec2-hour/" + typ, qty: n * c.hours}}
	list, _ := mappings.([]any)
	for _, m := range list {
		ebs, _ := m.(map[string]any)["Ebs"].(map[string]any)
		size, _ := ebs["VolumeSize"].(float64)
		kind, _ := ebs["VolumeType"].(string)
		if kind == "" {
			kind = "gp3"
		}
		if size > 0 {
			lines = append(lines, line{what: "EBS " + kind, key: "ebs-" + kind + "-gb", qty: n * size})
		}
	}
	return lines
}

func loadBalancer(r *assembly.Resource, c *pricing) []line {
	var lines []line
	switch t := r.Str("Type"); t {
	case "", "application":
		n := c.assume("albLCU")
		lines = append(lines,
			line{what: "Application Load Balancer", key: "alb-hour", qty: c.hours},
			line{what: "ALB capacity units", key: "lcu-hour", qty: n * c.hours, assumption: fmt.Sprintf("%g LCU on average per ALB", n)})
	case "network":
		lines = append(lines, line{what: "Network Load Balancer", key: "nlb-hour", qty: c.hours})
	default:
		c.fail(fmt.Errorf("%s: load balancer type %q has no price row", r, t))
	}
	if r.Str("Scheme") == "internet-facing" {
		subnets, _ := r.Prop("Subnets").([]any)
		if m, _ := r.Prop("SubnetMappings").([]any); len(m) > 0 {
			subnets = m
		}
		lines = append(lines, line{what: "public IPv4 addresses of load balancers (one per AZ)", key: "public-ipv4-hour", qty: float64(len(subnets)) * c.hours})
	}
	return lines
}

func ecsService(r *assembly.Resource, c *pricing) []line {
	fargate := r.Str("LaunchType") == "FARGATE"
	strategy, _ := r.Prop("CapacityProviderStrategy").([]any)
	for _, s := range strategy {
		if p, _ := s.(map[string]any)["CapacityProvider"].(string); strings.HasPrefix(p, "FARGATE") {
			fargate = true // Fargate Spot is priced as Fargate: an upper bound
		}
	}
	if !fargate {
		return nil // tasks on EC2 capacity: the instances are priced
	}
	desired, ok := r.Num("DesiredCount")
	if !ok {
		desired = 1
	}
	for _, t := range c.graph.Refs(r) {
		if t.Type != "AWS::ECS::TaskDefinition" {
			continue
		}
		cpu, _ := t.Num("Cpu")
		mem, _ := t.Num("Memory")
		name := r.Stack.Name
		if cs, _ := t.Prop("ContainerDefinitions").([]any); len(cs) > 0 {
			if n, ok := cs[0].(map[string]any)["Name"].(string); ok {
				name = n
			}
		}
		arch := ""
		if t.Str("RuntimePlatform", "CpuArchitecture") == "ARM64" {
			arch = "arm-"
		}
		return []line{
			{what: fmt.Sprintf("Fargate %s: %s × %g vCPU", name, tasks(desired), cpu/1024), key: "fargate-" + arch + "vcpu-hour", qty: desired * cpu / 1024 * c.hours},
			{what: fmt.Sprintf("Fargate %s: %s × %g GB", name, tasks(desired), mem/1024), key: "fargate-" + arch + "gb-hour", qty: desired * mem / 1024 * c.hours},
		}
	}
	c.fail(fmt.Errorf("%s: no task definition found", r))
	return nil
}

func dbInstance(r *assembly.Resource, c *pricing) []line {
	class, engine := r.Str("DBInstanceClass"), r.Str("Engine")
	if r.Prop("DBClusterIdentifier") != nil {
		if class == "db.serverless" {
			for _, t := range c.graph.Refs(r) {
				if lo, ok := t.Num("ServerlessV2ScalingConfiguration", "MinCapacity"); ok && t.Type == "AWS::RDS::DBCluster" {
					return []line{{what: fmt.Sprintf("Aurora Serverless v2 instance at its minimum %g ACU", lo), key: "aurora-acu-hour", qty: lo * c.hours,
						assumption: ""}}
				}
			}
			c.fail(fmt.Errorf("%s: serverless instance without a cluster scaling configuration", r))
			return nil
		}
		return []line{{what: "Aurora " + class, key: engine + "-instance-hour/" + class, qty: c.hours}}
	}
	copies, what := 1.0, "RDS "+engine+" "+class
	if r.Prop("MultiAZ") == true || r.Str("MultiAZ") == "true" {
		copies, what = 2, what+" Multi-AZ"
	}
	lines := []line{{what: what, key: engine + "-instance-hour/" + class, qty: copies * c.hours}}
	if gb, ok := r.Num("AllocatedStorage"); ok {
		lines = append(lines, line{what: "RDS storage", key: "rds-storage-gb", qty: copies * gb})
	}
	return lines
}

func dbCluster(r *assembly.Resource, c *pricing) []line {
	if !strings.HasPrefix(r.Str("Engine"), "aurora") {
		return nil
	}
	gb, io := c.assume("auroraStorageGB"), c.assume("auroraIOMillion")
	return []line{
		{what: "Aurora storage", key: "aurora-storage-gb", qty: gb, assumption: fmt.Sprintf("%g GB per cluster", gb)},
		{what: "Aurora I/O", key: "aurora-io-million", qty: io, assumption: fmt.Sprintf("%g million I/O requests per cluster", io)},
	}
}

func replicationGroup(r *assembly.Resource, c *pricing) []line {
	nodes, ok := r.Num("NumCacheClusters")
	if !ok {
		groups, ok := r.Num("NumNodeGroups")
		if !ok {
			groups = 1
		}
		replicas, _ := r.Num("ReplicasPerNodeGroup")
		nodes = groups * (replicas + 1)
	}
	typ, engine := r.Str("CacheNodeType"), r.Str("Engine")
	return []line{{what: fmt.Sprintf("ElastiCache %s %s", engine, typ), key: engine + "-node-hour/" + typ, qty: nodes * c.hours}}
}

func distribution(_ *assembly.Resource, c *pricing) []line {
	gb, req := c.assume("cloudfrontGB"), c.assume("cloudfrontRequestsMillion")
	return []line{
		{region: "global", what: "CloudFront data transfer out", key: "cloudfront-gb", qty: gb, assumption: fmt.Sprintf("%g GB per distribution", gb)},
		{region: "global", what: "CloudFront HTTPS requests", key: "cloudfront-https-million", qty: req, assumption: fmt.Sprintf("%g million requests per distribution", req)},
	}
}

func webACL(r *assembly.Resource, c *pricing) []line {
	rules, _ := r.Prop("Rules").([]any)
	req := c.assume("cloudfrontRequestsMillion")
	region := ""
	if r.Str("Scope") == "CLOUDFRONT" {
		region = "global"
	}
	return []line{
		{region: region, what: "WAF web ACL", key: "waf-web-acl-month", qty: 1},
		{region: region, what: "WAF rules", key: "waf-rule-month", qty: float64(len(rules))},
		{region: region, what: "WAF requests", key: "waf-requests-million", qty: req, assumption: fmt.Sprintf("%g million requests per web ACL", req)},
	}
}

func healthCheck(r *assembly.Resource, c *pricing) []line {
	t := r.Str("HealthCheckConfig", "Type")
	var features []string
	if strings.HasPrefix(t, "HTTPS") {
		features = append(features, "HTTPS")
	}
	if strings.HasSuffix(t, "STR_MATCH") {
		features = append(features, "string matching")
	}
	if n, _ := r.Num("HealthCheckConfig", "RequestInterval"); n == 10 {
		features = append(features, "fast interval")
	}
	if r.Prop("HealthCheckConfig", "MeasureLatency") == true {
		features = append(features, "latency measurement")
	}
	lines := []line{{region: "global", what: "Route 53 health check", key: "route53-health-check-month", qty: 1}}
	if len(features) > 0 {
		lines = append(lines, line{region: "global", what: "Route 53 health check features: " + strings.Join(features, ", "), key: "route53-health-check-feature-month", qty: float64(len(features))})
	}
	return lines
}

func alarm(r *assembly.Resource, _ *pricing) []line {
	metrics := 1.0
	if list, _ := r.Prop("Metrics").([]any); len(list) > 0 {
		metrics = 0
		for _, m := range list {
			entry, _ := m.(map[string]any)
			if _, ok := entry["MetricStat"]; ok {
				metrics++
			}
			// An anomaly detection band bills as the two metrics of its bounds.
			if e, _ := entry["Expression"].(string); strings.Contains(e, "ANOMALY_DETECTION_BAND") {
				metrics += 2
			}
		}
	}
	if p, ok := r.Num("Period"); ok && p < 60 {
		return []line{{what: "CloudWatch alarm metrics (high resolution)", key: "alarm-metric-high-resolution-month", qty: metrics}}
	}
	return []line{{what: "CloudWatch alarm metrics", key: "alarm-metric-month", qty: metrics}}
}

func tasks(n float64) string {
	if n == 1 {
		return "1 task"
	}
	return fmt.Sprintf("%g tasks", n)
}

// canary prices a Synthetics canary's runs from its schedule, "rate(<n> minute[s]|hour[s])".
func canary(r *assembly.Resource, c *pricing) []line {
	var n float64
	var unit string
	if _, err := fmt.Sscanf(r.Str("Schedule", "Expression"), "rate(%g %s", &n, &unit); err != nil || n <= 0 {
		c.fail(fmt.Errorf("%s: schedule %q is not rate(<n> minutes|hours)", r, r.Str("Schedule", "Expression")))
		return nil
	}
	minutes := n
	if strings.HasPrefix(unit, "hour") {
		minutes = n * 60
	}
	return []line{{what: fmt.Sprintf("Synthetics canary every %g minutes", minutes), key: "canary-run", qty: c.hours * 60 / minutes}}
}

// pipeline prices a V1 pipeline per month; V2 pipelines are billed per action minute (usage).
func pipeline(r *assembly.Resource, _ *pricing) []line {
	if r.Str("PipelineType") == "V1" {
		return []line{{what: "CodePipeline V1 pipeline", key: "codepipeline-v1-month", qty: 1}}
	}
	return nil
}

// privateCA is an AWS Private CA: its monthly fee and the certificates it issues, both priced by
// its mode (Service Connect TLS uses short-lived certificate mode).
func privateCA(r *assembly.Resource, c *pricing) []line {
	mode, key := "general-purpose", "pca-general"
	if r.Str("UsageMode") == "SHORT_LIVED_CERTIFICATE" {
		mode, key = "short-lived certificate", "pca-short-lived"
	}
	n := c.assume("pcaCertificates")
	return []line{
		{what: "AWS Private CA (" + mode + " mode)", key: key + "-month", qty: 1},
		{what: "AWS Private CA certificates (" + mode + " mode)", key: key + "-certificate", qty: n, assumption: fmt.Sprintf("%g certificates per CA", n)},
	}
}
