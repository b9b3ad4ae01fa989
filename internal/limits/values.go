package limits

import (
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// LogRetentionDays are the only retention periods (days) CloudWatch Logs accepts. Stratus never
// keeps logs forever (NIST 800-53 asks for an explicit retention).
var LogRetentionDays = []int{
	1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
}

// DefaultLogRetentionDays is the retention of every Stratus log group unless configured.
const DefaultLogRetentionDays = 365

// Environment variables of the service containers.
var (
	// DatabaseEnvNames are set by the service construct from the service's database.
	DatabaseEnvNames = []string{"DB_HOST", "DB_PORT", "DB_NAME", "DB_USER", "DB_IAM_USER", "DB_PASSWORD", "DB_WRITER_HOST", "DB_READER_HOST"}
	// CacheEnvNames are set by the service construct from the cache.
	CacheEnvNames = []string{"REDIS_HOST", "REDIS_PORT", "REDIS_AUTH"}
	// OtelEnvNames are set by the service construct when the adot sidecar runs.
	OtelEnvNames = []string{"OTEL_SERVICE_NAME", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_PROTOCOL"}
	// ReservedEnvNames are every name the platform sets itself (the three lists above).
	ReservedEnvNames = slices.Concat(DatabaseEnvNames, CacheEnvNames, OtelEnvNames)
	// ReservedEnvPrefixes are reserved for AWS and the ECS agent.
	ReservedEnvPrefixes = []string{"AWS_", "ECS_"}
	// CredentialWords mark a variable name as a credential when they are one of its
	// _-separated words; CredentialParts when they appear anywhere in it.
	CredentialWords = []string{"PASSWORD", "PASSWD", "PWD", "SECRET", "SECRETS", "TOKEN", "CREDENTIAL", "CREDENTIALS", "PRIVATE", "APIKEY"}
	CredentialParts = []string{"API_KEY", "PRIVATE_KEY", "ACCESS_KEY"}
)

// ReservedEnvName reports whether the platform sets name itself (compared case-insensitively).
func ReservedEnvName(name string) bool {
	upper := strings.ToUpper(name)
	if slices.Contains(ReservedEnvNames, upper) {
		return true
	}
	for _, p := range ReservedEnvPrefixes {
		if strings.HasPrefix(upper, p) {
			return true
		}
	}
	return false
}

// LooksLikeCredential reports whether a variable name reads like a credential, which must never
// travel as a plain environment variable (it would show in the task definition).
func LooksLikeCredential(name string) bool {
	upper := strings.ToUpper(name)
	for _, p := range CredentialParts {
		if strings.Contains(upper, p) {
			return true
		}
	}
	for _, w := range strings.Split(upper, "_") {
		if slices.Contains(CredentialWords, w) {
			return true
		}
	}
	return false
}

// Ports.
const (
	// DatabasePort is the PostgreSQL port of every Stratus database (fixed: NACLs and security
	// groups of the data tier are built around it).
	DatabasePort = 5432
	// MinPort and MaxPort bound any TCP port.
	MinPort, MaxPort = 1, 65535
	// MinCachePort is the lowest port ElastiCache accepts.
	MinCachePort = 1024
	// DefaultServicePort and DefaultCachePort apply when no port is given.
	DefaultServicePort = 8080
	DefaultCachePort   = 6379
)

var (
	// ListenerPorts are the ALB's listener ports; a container may not use them.
	ListenerPorts = []int{80, 443}
	// CollectorPorts are where the adot sidecar listens inside the task (OTLP gRPC and HTTP); a
	// service running adot may not use them.
	CollectorPorts = []int{4317, 4318}
)

// Task counts and scaling.
const (
	MinTaskCount, MaxTaskCount = 1, 1000
	// MaxServices bounds services per environment. Each service adds 5 resources to its region's
	// Network stack (its security group, the ALB's and the cache's rules) and 2 more with a
	// database; with every service on a database the stack (about 120 resources of its own)
	// passes CloudFormation's 500-resource limit past 54 services. 50 leaves headroom (the ALB's
	// 100 rules are not the limit).
	MinServices, MaxServices                   = 1, 50
	MinTargetPercent, MaxTargetPercent         = 1, 100 // scaling cpu and memory targets
	MinRequestsPerTarget, MaxRequestsPerTarget = 1, 1_000_000
)

// Service defaults, applied by config and by the service construct alike.
const (
	DefaultServiceCpu, DefaultServiceMemory               = 512, 1024
	DefaultDesiredCount, DefaultMinCount, DefaultMaxCount = 2, 2, 20
	DefaultCpuTarget, DefaultMemoryTarget                 = 70, 75
	DefaultRequestsPerTarget                              = 1000
)

// Aurora and RDS.
const (
	MinReaders, MaxReaders                   = 0, 15
	MinBackupRetentionDays                   = 1
	MaxBackupRetentionDays                   = 35
	MinServerlessACU, MaxServerlessACU       = 0.5, 256.0
	MinServerlessMaxACU                      = 1.0
	ServerlessACUStep                        = 0.5
	MinAllocatedStorageGiB                   = 20
	MaxAllocatedStorageGiB                   = 65536
	MinSnapshotRetentionDays                 = 15 // NIST 800-53 (cdk-nag's ElastiCache backup rule)
	MaxSnapshotRetentionDays                 = 35
	MinCacheReplicas, MaxCacheReplicas       = 0, 5
	MinHealthCheckFailures                   = 1
	MaxHealthCheckFailures                   = 10
	MaxHealthCheckPathLength                 = 255 // Route 53 ResourcePath
	MaxTargetHealthCheckPathLength           = 1024
	MaxPathPatternLength                     = 128
	MinZones, MaxZones                       = 2, 5 // the ALB needs 2 AZs; the data NACL rule quota allows 5
	MinViewerNames, MaxViewerNames           = 1, 10
	MaxCertificateNames                      = 100
	MaxCertificateCommonNameLength           = 64 // ACM: the first name of a certificate is its subject CN
	MinWAFRateLimit, MaxWAFRateLimit         = 10, 2_000_000_000
	DefaultWAFRateLimit                      = 2000
	MinVPCPrefixBits, MaxVPCPrefixBits       = 16, 24 // AWS allows /28; /24 keeps room for 3 tiers in 2+ AZs
	MinSubnetPrefixBits, MaxSubnetPrefixBits = 16, 28
	// MaxLoadBalancerSubnetPrefixBits: an ALB needs a /27 or larger (8 free addresses) in each
	// subnet it is placed in.
	MaxLoadBalancerSubnetPrefixBits = 27
	// ReservedSubnetAddresses are the addresses AWS keeps in every subnet: the network address,
	// the router, DNS, one for future use and the last.
	ReservedSubnetAddresses = 5
	// AppSubnetInterfaces are the app subnet addresses set aside for the network interfaces of
	// the VPC Lambdas (one per security group and subnet: the secret rotations, the transit
	// gateway's functions) and of an HTTP API's VPC link.
	AppSubnetInterfaces = 10
	// DeploymentPeakPercent is the most of a service's tasks that run during a deployment, in
	// percent of its count: the ceiling and default of the service construct's MaxHealthyPercent.
	DeploymentPeakPercent = 200
)

// MinMaxAllocatedStorageGiB is the smallest storage-autoscaling ceiling RDS accepts above
// allocated GiB: at least 10% more (a ceiling equal to allocated turns autoscaling off).
func MinMaxAllocatedStorageGiB(allocated int) int { return (allocated*11 + 9) / 10 }

// HealthCheckIntervals are the Route 53 health-check intervals (seconds).
var HealthCheckIntervals = []int{10, 30}

// WAF managed rule groups.
var (
	// DefaultManagedRuleGroups are always on, in this order.
	DefaultManagedRuleGroups = []string{
		"AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesCommonRuleSet",
		"AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet",
	}
	// ExtraManagedRuleGroups are the groups waf.managedRuleGroups may add: those that need no
	// group-specific configuration.
	ExtraManagedRuleGroups = []string{
		"AWSManagedRulesAdminProtectionRuleSet", "AWSManagedRulesAnonymousIpList",
		"AWSManagedRulesBotControlRuleSet", "AWSManagedRulesLinuxRuleSet", "AWSManagedRulesPHPRuleSet",
		"AWSManagedRulesUnixRuleSet", "AWSManagedRulesWindowsRuleSet", "AWSManagedRulesWordPressRuleSet",
	}
)

// CloudFront.
var (
	// PriceClasses are the CloudFront price classes.
	PriceClasses = []string{"PriceClass_100", "PriceClass_200", "PriceClass_All"}
	// DefaultPriceClass is used when none is given.
	DefaultPriceClass = "PriceClass_100"
)

// VPC endpoints.
var (
	// DefaultInterfaceEndpoints are created when none are configured: what Fargate tasks need to
	// pull images, log, read secrets and trace without a NAT.
	DefaultInterfaceEndpoints = []string{"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "ssm", "xray"}
	// InterfaceEndpoints are the accepted interface endpoint names (sorted): each is a real
	// service com.amazonaws.<region>.<name>. The list is short on purpose so a typo fails early.
	InterfaceEndpoints = []string{
		"application-autoscaling", "autoscaling", "cloudformation", "cloudtrail", "codebuild",
		"codedeploy", "codepipeline", "config", "ec2", "ec2messages", "ecr.api", "ecr.dkr", "ecs",
		"ecs-agent", "ecs-telemetry", "elasticache", "elasticfilesystem", "elasticloadbalancing",
		"events", "execute-api", "kinesis-firehose", "kinesis-streams", "kms", "lambda", "logs",
		"monitoring", "rds", "rds-data", "secretsmanager", "servicediscovery", "sns", "sqs", "ssm",
		"ssmmessages", "states", "sts", "xray",
	}
	// GatewayEndpoints are always created as (free) gateway endpoints.
	GatewayEndpoints = []string{"dynamodb", "s3"}
)

// ReservedDatabaseNames exist in every PostgreSQL server or belong to RDS; a service's database
// is named after the service (dashes as underscores), so these service names cannot own one.
var ReservedDatabaseNames = []string{"postgres", "rdsadmin", "template0", "template1"}

// route53PathRE is the resource path a Route 53 HTTPS health check accepts.
var route53PathRE = regexp.MustCompile(`^/[A-Za-z0-9_\-.~/%?&=+:@!$'()*,;]{0,254}$`)

// Route53PathRule describes ValidRoute53Path, for messages and docs.
const Route53PathRule = `starting with "/", at most 255 characters of letters, digits and _ - . ~ / % ? & = + : @ ! $ ' ( ) * , ;`

// ValidRoute53Path reports whether s is a path Route 53 health checks accept.
func ValidRoute53Path(s string) bool { return route53PathRE.MatchString(s) }

// OtlpEndpointRule describes ValidOtlpEndpoint, for messages and docs.
const OtlpEndpointRule = `an https:// URL without credentials, query or fragment (e.g. "https://otlp.example.com/otlp"; credentials belong in the secret)`

// ValidOtlpEndpoint reports whether s is an endpoint the ADOT collector's exporter takes: the
// collector appends its signal paths, so a query or fragment would end up inside the path.
func ValidOtlpEndpoint(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != "" && u.User == nil && u.RawQuery == "" && !u.ForceQuery && u.Fragment == "" && !strings.HasSuffix(s, "#")
}

// reservedVPCRanges are IPv4 ranges EC2 refuses for a VPC: "this network", loopback, link-local
// (the instance metadata service's), multicast and the reserved class E.
var reservedVPCRanges = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"), netip.MustParsePrefix("240.0.0.0/4"),
}

// ReservedVPCRangesRule names the ranges ReservedVPCRange refuses, for messages and docs.
const ReservedVPCRangesRule = "not 0.0.0.0/8, 127.0.0.0/8, 169.254.0.0/16, 224.0.0.0/4 or 240.0.0.0/4; use a private range such as 10.0.0.0/8"

// ReservedVPCRange returns the reserved range p overlaps, if any.
func ReservedVPCRange(p netip.Prefix) (netip.Prefix, bool) {
	for _, r := range reservedVPCRanges {
		if r.Overlaps(p) {
			return r, true
		}
	}
	return netip.Prefix{}, false
}
