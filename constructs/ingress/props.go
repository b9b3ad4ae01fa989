// Package ingress provides the public entrance of a Stratus region: LoadBalancer, the
// internet-facing ALB that answers only CloudFront, and OriginSecret, the shared secret CloudFront
// sends in a custom header and the ALB checks.
package ingress

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// DefaultHeaderName is the custom header CloudFront adds to origin requests and the ALB checks.
const DefaultHeaderName = "X-Origin-Verify"

// Replica is one more region the origin secret is replicated to.
type Replica struct {
	// Region is the replica's region, e.g. "eu-west-1"; it must differ from the stack's region.
	Region string
	// Key is a customer key in Region that encrypts the replica. A key of another region is
	// imported by ARN (kms.Key_FromKeyArn, an alias ARN works), since no stack can hold it.
	// Default: the region's AWS managed key aws/secretsmanager.
	Key kms.IKey
}

// OriginSecretProps configures an OriginSecret.
type OriginSecretProps struct {
	// Name is the secret's deterministic name, e.g. "stratus/prod/origin-verify". Other regions and
	// the us-east-1 Edge stack reference the secret by this name (see HeaderValue), never by a
	// cross-region reference.
	Name string

	// ReplicaRegions lists the other regions of the environment; each gets a read-only replica
	// under the same name.
	// Default: none.
	ReplicaRegions []Replica
	// Key encrypts the primary copy (and, with RotationDays, the rotation's logs: its policy must
	// then let CloudWatch Logs use it).
	// Default: a new customer key with rotation on, retained on delete.
	Key kms.IKey
	// RotationDays rotates the secret every that many days (limits.MinRotationDays to
	// MaxRotationDays) with a constructs/rotation function, which updates the ALB listener rules
	// and CloudFront distributions tagged rotation.OriginTagKey=Name (see Tag) in this region and
	// every replica region; 0 never rotates it.
	// Default: 0.
	RotationDays int
	// HeaderName is the header CloudFront sends the secret in; the rotation looks for it.
	// Default: DefaultHeaderName.
	HeaderName string
	// AuthorizerChecks says an HTTP API authorizer checks the header (reading the secret's
	// current, pending and previous values itself) and no ALB listener rule does: the rotation
	// then changes only the distributions, and would fail looking for rules that are not there.
	// Default: false (the environment's ALBs check it).
	AuthorizerChecks bool
}

// Target is one service behind the ALB.
type Target struct {
	// Name is the service name, e.g. "product"; it names the target group and the rule.
	Name string
	// Port is the container port the target group forwards to.
	Port int
	// PathPattern routes requests to the service, e.g. "/api/product/*".
	PathPattern string
	// HealthCheckPath is the path the ALB checks on every target.
	// Default: "/health".
	HealthCheckPath string
	// Instances makes the target group's target type instance (an Auto Scaling group registers
	// with it) instead of ip (Fargate tasks).
	// Default: false.
	Instances bool
	// Priority is the listener rule's priority (1-50000, unique; lower is evaluated first).
	// Default: (position in Targets + 1) × 10, i.e. 10, 20, 30…
	Priority int
	// Alternate adds a second, equal target group and makes the target's rules forward to both,
	// weighted 100 (first) and 0 (alternate): the shape ECS blue/green, canary and linear
	// deployments need, which ECS then reweights. A deploy-time guard (see guard.go) keeps
	// CloudFormation from resetting ECS's weights. Only for ip targets.
	// Default: false.
	Alternate bool
	// TestListener adds a rule on the test listener (port limits.TestListenerPort) forwarding
	// the same way, ECS's test rule for pre-traffic checks. Needs Alternate and
	// TestListenerSources; not for the first target with HealthCheckHost, whose test rule is
	// the health-check rule.
	// Default: false.
	TestListener bool
}

// LoadBalancerProps configures a LoadBalancer.
type LoadBalancerProps struct {
	// Vpc is the VPC the ALB and its target groups live in.
	Vpc ec2.IVpc
	// Subnets selects the public subnets the ALB is placed in (at least 2 AZs).
	Subnets *ec2.SubnetSelection
	// SecurityGroup is the ALB security group from the Network stack; it already admits 443 from
	// CloudFront's origin-facing prefix list only. This construct adds a rule to it only for the
	// test listener (TestListenerSources).
	SecurityGroup ec2.ISecurityGroup
	// HealthCheckSecurityGroup is a second ALB security group from the Network stack, admitting
	// the Route 53 health checkers that reach the HealthCheckHost rule.
	// Default: none.
	HealthCheckSecurityGroup ec2.ISecurityGroup
	// HostedZone validates the certificate by DNS; import it by id and name
	// (r53.HostedZone_FromHostedZoneAttributes), never look it up.
	HostedZone r53.IHostedZone
	// CertificateNames are the regional origin names the ALB answers, e.g. "origin.example.com" and
	// "us-east-1.origin.example.com": the first is the certificate's domain name, the rest its
	// subject alternative names. Each lies within HostedZone's name.
	CertificateNames []string
	// OriginHeaderValue is the secret header value as a Secrets Manager dynamic reference,
	// normally HeaderValue(secretName): it must never be a literal in the template.
	OriginHeaderValue *string
	// Targets lists the services, one listener rule and one target group each.
	Targets []Target

	// OriginHeaderName is the header carrying the secret.
	// Default: DefaultHeaderName ("X-Origin-Verify").
	OriginHeaderName string
	// AccessLogPrefix is the key prefix of the ALB access logs in their bucket.
	// Default: "alb".
	AccessLogPrefix string
	// AccessLogExpirationDays is how long access logs (and the bucket's own server access logs)
	// are kept. They move to Standard-IA after 30 days and to Glacier Flexible Retrieval after
	// 90 days when kept long enough for the move to pay off; noncurrent versions expire after 30 days.
	// Default: 365.
	AccessLogExpirationDays int
	// IdleTimeout is the ALB's connection idle timeout (1-4000 s).
	// Default: 60 seconds.
	IdleTimeout awscdk.Duration
	// HealthCheckHost, when set, lets requests for exactly this host and the first target's
	// health-check path through without the origin header (rule priority 1), forwarded to the
	// first target. Route 53 health checkers cannot send custom headers; give the region-only
	// name (e.g. "us-east-1.origin.example.com"), which must be one of CertificateNames.
	// Default: "" (every rule requires the origin header).
	HealthCheckHost string
	// TestListenerSources are the IPv4 CIDRs (tokens allowed) admitted to the test listener, e.g.
	// the region's NAT gateway addresses as /32: requests from inside the VPC reach the
	// internet-facing ALB through them. Rules are added to SecurityGroup in this stack.
	// Default: none (required with a Target with TestListener).
	TestListenerSources []*string
}

// healthCheckRulePriority is the priority of the header-less health-check rule; targets may not use it.
const healthCheckRulePriority = 1

// Defaults and AWS limits.
const (
	defaultAccessLogPrefix   = "alb"
	defaultAccessLogDays     = 365
	defaultIdleTimeoutSecond = 60
	noncurrentVersionDays    = 30
	maxRulePriority          = 50000
)

var (
	logPrefix     = regexp.MustCompile(`^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$`)
	dynamicSecret = regexp.MustCompile(`^\{\{resolve:secretsmanager:[^{}]+\}\}$`)
)

// validate reports every problem of the (defaulted) props together. stackRegion is the region of
// the stack the secret is created in, or "" when the stack is region-agnostic.
func (p OriginSecretProps) validate(stackRegion string) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if !limits.ValidSecretName(p.Name) {
		add("Name %q must be %s (other stacks reference the secret by it)", p.Name, limits.SecretNameRule)
	}
	if p.RotationDays != 0 && (p.RotationDays < limits.MinRotationDays || p.RotationDays > limits.MaxRotationDays) {
		add("RotationDays %d must be 0 (no rotation) or %d-%d", p.RotationDays, limits.MinRotationDays, limits.MaxRotationDays)
	}
	seen := map[string]bool{}
	for i, r := range p.ReplicaRegions {
		key := fmt.Sprintf("ReplicaRegions[%d]", i)
		switch {
		case !limits.ValidRegionName(r.Region):
			add("%s.Region %q is not a region name such as \"eu-west-1\"", key, r.Region)
		case r.Region == stackRegion:
			add("%s.Region %q is the stack's own region, which holds the primary secret", key, r.Region)
		case seen[r.Region]:
			add("%s.Region %q is listed twice", key, r.Region)
		}
		seen[r.Region] = true
		if r.Key == nil {
			continue
		}
		if kr := r.Key.Env().Region; kr != nil && !*awscdk.Token_IsUnresolved(kr) && *kr != r.Region {
			add("%s.Key %s is in %s, not in the replica's region %q", key, *r.Key.KeyArn(), *kr, r.Region)
		}
	}
	return errors.Join(errs...)
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p LoadBalancerProps) withDefaults() LoadBalancerProps {
	if p.OriginHeaderName == "" {
		p.OriginHeaderName = DefaultHeaderName
	}
	if p.AccessLogPrefix == "" {
		p.AccessLogPrefix = defaultAccessLogPrefix
	}
	if p.AccessLogExpirationDays == 0 {
		p.AccessLogExpirationDays = defaultAccessLogDays
	}
	if p.IdleTimeout == nil {
		p.IdleTimeout = duration.Seconds(defaultIdleTimeoutSecond)
	}
	targets := make([]Target, len(p.Targets))
	for i, t := range p.Targets {
		if t.HealthCheckPath == "" {
			t.HealthCheckPath = limits.DefaultHealthCheckPath
		}
		if t.Priority == 0 {
			t.Priority = (i + 1) * 10
		}
		targets[i] = t
	}
	p.Targets = targets
	return p
}

// validate reports every problem of the (defaulted) props together. stackRegion is the region of
// the stack the ALB is created in, or "" when the stack is region-agnostic.
func (p LoadBalancerProps) validate(stackRegion string) error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if stackRegion == "" {
		add("the stack has no explicit region; the access-log bucket policy names the region's ELB log-delivery principal")
	}
	if p.HealthCheckHost != "" {
		if !slices.Contains(p.CertificateNames, p.HealthCheckHost) {
			add("HealthCheckHost %q is not one of CertificateNames", p.HealthCheckHost)
		}
		for i, t := range p.Targets {
			if t.Priority == healthCheckRulePriority {
				add("Targets[%d].Priority %d is reserved for the health-check rule", i, t.Priority)
			}
		}
	}
	if p.Vpc == nil {
		add("Vpc is required")
	}
	if p.Subnets == nil {
		add("Subnets is required (the public subnets)")
	}
	if p.SecurityGroup == nil {
		add("SecurityGroup is required (the ALB security group from the Network stack)")
	}

	zone := ""
	if p.HostedZone == nil {
		add("HostedZone is required (imported by id and name) to validate the certificate")
	} else if name := p.HostedZone.ZoneName(); name != nil && !*awscdk.Token_IsUnresolved(name) {
		zone = strings.TrimSuffix(strings.ToLower(*name), ".")
	}
	switch n := len(p.CertificateNames); {
	case n == 0:
		add("CertificateNames is empty; give at least the regional origin name, e.g. \"origin.example.com\"")
	case n > limits.MaxCertificateNames:
		add("CertificateNames has %d names; ACM allows at most %d", n, limits.MaxCertificateNames)
	case len(p.CertificateNames[0]) > limits.MaxCertificateCommonNameLength:
		add("CertificateNames[0] %q has %d characters; the certificate's domain name allows at most %d (put longer names after it)",
			p.CertificateNames[0], len(p.CertificateNames[0]), limits.MaxCertificateCommonNameLength)
	}
	seenName := map[string]bool{}
	for i, name := range p.CertificateNames {
		key := fmt.Sprintf("CertificateNames[%d]", i)
		switch {
		case name == "":
			add("%s is empty", key)
		case !limits.ValidDNSName(strings.TrimPrefix(name, "*."), 2):
			add("%s %q is not a lowercase DNS name (a leading \"*.\" is allowed)", key, name)
		case seenName[name]:
			add("%s %q is listed twice", key, name)
		case zone != "" && name != zone && !strings.HasSuffix(name, "."+zone):
			add("%s %q is outside the hosted zone %q, so DNS validation cannot answer for it", key, name, zone)
		}
		seenName[name] = true
	}

	switch v := p.OriginHeaderValue; {
	case v == nil || *v == "":
		add("OriginHeaderValue is required: the secret as a dynamic reference, HeaderValue(secretName)")
	case *awscdk.Token_IsUnresolved(v):
		add("OriginHeaderValue %q is a token; pass HeaderValue(secretName) so every region and the Edge stack use the same by-name dynamic reference", *v)
	case !dynamicSecret.MatchString(*v):
		// Never echo the value: it may be the secret itself.
		add("OriginHeaderValue is not a Secrets Manager dynamic reference such as %q; never pass the secret itself", *HeaderValue("stratus/prod/origin-verify"))
	}
	if !limits.ValidOriginHeaderName(p.OriginHeaderName) {
		add("OriginHeaderName %q is not an origin header name (allowed: %s)", p.OriginHeaderName, limits.OriginHeaderNameRule)
	}

	if !logPrefix.MatchString(p.AccessLogPrefix) || strings.Contains(p.AccessLogPrefix, "AWSLogs") {
		add("AccessLogPrefix %q must be S3-safe key segments without leading or trailing \"/\" and without \"AWSLogs\"", p.AccessLogPrefix)
	}
	if p.AccessLogExpirationDays < 1 {
		add("AccessLogExpirationDays %d must be at least 1", p.AccessLogExpirationDays)
	}
	if s := *p.IdleTimeout.ToSeconds(&awscdk.TimeConversionOptions{Integral: jsii.Bool(false)}); s != float64(int(s)) || s < 1 || s > 4000 {
		add("IdleTimeout %v s must be a whole number of seconds from 1 to 4000", s)
	}

	switch n := len(p.Targets); {
	case n == 0:
		add("Targets is empty; the ALB needs at least one service to forward to")
	case n > limits.MaxServices:
		add("Targets has %d services; at most %d are allowed per environment", n, limits.MaxServices)
	}
	seenTarget, seenPath, seenPriority := map[string]int{}, map[string]int{}, map[int]int{}
	for i, t := range p.Targets {
		key := fmt.Sprintf("Targets[%d]", i)
		// Construct ids come from naming.Pascal, which folds "a-b" and "a--b" together.
		if !limits.ValidServiceName(t.Name) {
			add("%s.Name %q must be %s", key, t.Name, limits.ServiceNameRule)
		} else if j, dup := seenTarget[naming.Pascal(t.Name)]; dup {
			add("%s.Name %q is already Targets[%d].Name (or differs from it only in dashes)", key, t.Name, j)
		} else {
			seenTarget[naming.Pascal(t.Name)] = i
		}
		if t.Port < limits.MinPort || t.Port > limits.MaxPort {
			add("%s.Port %d is outside %d-%d", key, t.Port, limits.MinPort, limits.MaxPort)
		}
		if !limits.ValidPathPattern(t.PathPattern) {
			add("%s.PathPattern %q is not an ALB path pattern (allowed: %s)", key, t.PathPattern, limits.PathPatternRule)
		} else if j, dup := seenPath[t.PathPattern]; dup {
			add("%s.PathPattern %q is already Targets[%d].PathPattern", key, t.PathPattern, j)
		} else {
			seenPath[t.PathPattern] = i
		}
		if !limits.ValidHealthCheckPath(t.HealthCheckPath) {
			add("%s.HealthCheckPath %q is not a health-check path (allowed: %s)", key, t.HealthCheckPath, limits.HealthCheckPathRule)
		}
		if t.Priority < 1 || t.Priority > maxRulePriority {
			add("%s.Priority %d is outside 1-%d", key, t.Priority, maxRulePriority)
		} else if j, dup := seenPriority[t.Priority]; dup {
			add("%s.Priority %d is already Targets[%d].Priority", key, t.Priority, j)
		} else {
			seenPriority[t.Priority] = i
		}
	}
	errs = append(errs, p.validateAlternates()...)
	return errors.Join(errs...)
}
