package ingress

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	acm "github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/naming"
)

// SslPolicy is the HTTPS listener's policy, ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09: TLS 1.3
// and 1.2 with ML-KEM post-quantum hybrid key exchange, restricted to forward-secret AEAD ciphers.
// It is the restricted ("Res") sibling of TLS13_12_PQ, which the cdk.json flag
// `@aws-cdk/aws-elasticloadbalancingv2:usePostQuantumTlsPolicy` picks when no policy is set;
// TLS 1.2 stays because CloudFront negotiates origin connections up to it.
const SslPolicy = elbv2.SslPolicy_TLS13_12_RES_PQ

// Health-check and draining settings of every target group.
const (
	healthyThreshold    = 2
	unhealthyThreshold  = 3
	healthCheckInterval = 15 // seconds
	healthCheckTimeout  = 5  // seconds
	deregistrationDelay = 30 // seconds
)

// LoadBalancer is the public ALB of a region: it answers HTTPS only, forwards a request to a
// service only when the request carries CloudFront's secret origin header, and returns 403 otherwise.
type LoadBalancer struct {
	constructs.Construct

	// LoadBalancer is the internet-facing ALB; alias the regional origin names to it.
	LoadBalancer elbv2.ApplicationLoadBalancer
	// HttpsListener listens on 443; its default action is a fixed 403.
	HttpsListener elbv2.ApplicationListener
	// TargetGroups maps a Target.Name to its target group (ip, or instance with Target.Instances).
	TargetGroups map[string]elbv2.ApplicationTargetGroup
	// AlternateTargetGroups maps the name of a Target with Alternate to its second target group.
	AlternateTargetGroups map[string]elbv2.ApplicationTargetGroup
	// ProductionRules maps a Target.Name to its listener rule on HttpsListener: ECS's production
	// rule for a Target with Alternate.
	ProductionRules map[string]elbv2.ApplicationListenerRule
	// TestRules maps the name of a Target with Alternate to the rule ECS uses as its test rule:
	// its rule on TestListener (Target.TestListener), or for the first target the health-check
	// rule (HealthCheckHost). A target without one is absent.
	TestRules map[string]elbv2.ApplicationListenerRule
	// TestListener is the HTTPS listener on limits.TestListenerPort; nil unless a Target has
	// TestListener.
	TestListener elbv2.ApplicationListener
	// Certificate is the DNS-validated certificate for CertificateNames.
	Certificate acm.ICertificate
	// AccessLogBucket receives the ALB access logs (SSE-S3).
	AccessLogBucket s3.IBucket

	// guardArn is the ARN of the guard function (guard.go), created with the first blue/green
	// rule and read once: every such rule's custom resource names it.
	guardArn *string
	// stack is the load balancer's stack, read once (guardWeights needs it for every rule).
	stack awscdk.Stack
	// listeners holds each listener's ARN and its resolved form, read once (listenerArn).
	listeners map[elbv2.IApplicationListener]knownListener
}

// NewLoadBalancer builds the ALB, its certificate, listeners, rules, target groups and log
// buckets, or returns every problem with props.
func NewLoadBalancer(scope constructs.Construct, id string, props LoadBalancerProps) (*LoadBalancer, error) {
	p := props.withDefaults()
	if err := p.validate(concreteRegion(scope)); err != nil {
		return nil, fmt.Errorf("load balancer %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	l := &LoadBalancer{
		Construct: this, TargetGroups: map[string]elbv2.ApplicationTargetGroup{}, AlternateTargetGroups: map[string]elbv2.ApplicationTargetGroup{},
		ProductionRules: map[string]elbv2.ApplicationListenerRule{}, TestRules: map[string]elbv2.ApplicationListenerRule{},
	}
	serverLogs := l.buildLogBuckets(p)
	l.buildLoadBalancer(p)
	l.buildCertificate(p)
	http := l.buildListeners(p)
	l.buildTargets(p)
	l.acceptByDesign(p, serverLogs, http)
	return l, nil
}

// buildLogBuckets creates the access-log bucket and the bucket receiving its server access logs.
// Both use SSE-S3: ALB log delivery and S3 server access logging cannot write SSE-KMS buckets.
func (l *LoadBalancer) buildLogBuckets(p LoadBalancerProps) s3.Bucket {
	newBucket := func(id string, serverLogs s3.IBucket) s3.Bucket {
		props := &s3.BucketProps{
			Encryption:        s3.BucketEncryption_S3_MANAGED,
			EnforceSSL:        jsii.Bool(true),
			MinimumTLSVersion: jsii.Number(1.2),
			Versioned:         jsii.Bool(true),
			BlockPublicAccess: s3.BlockPublicAccess_BLOCK_ALL(),
			ObjectOwnership:   s3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
			LifecycleRules:    &[]*s3.LifecycleRule{logLifecycle(p.AccessLogExpirationDays)},
		}
		if serverLogs != nil {
			props.ServerAccessLogsBucket = serverLogs
			props.ServerAccessLogsPrefix = jsii.String("access-log-bucket/")
		}
		return s3.NewBucket(l.Construct, jsii.String(id), props)
	}
	serverLogs := newBucket("ServerAccessLogBucket", nil)
	l.AccessLogBucket = newBucket("AccessLogBucket", serverLogs)
	return serverLogs
}

// logLifecycle keeps logs for days, moving them to cheaper classes only when they stay long
// enough there to pay off (Standard-IA bills 30 days, Glacier 90 at least).
func logLifecycle(days int) *s3.LifecycleRule {
	var transitions []*s3.Transition
	if days > 60 {
		transitions = append(transitions, &s3.Transition{
			StorageClass: s3.StorageClass_INFREQUENT_ACCESS(), TransitionAfter: duration.Days(30),
		})
	}
	if days >= 180 {
		transitions = append(transitions, &s3.Transition{
			StorageClass: s3.StorageClass_GLACIER(), TransitionAfter: duration.Days(90),
		})
	}
	rule := &s3.LifecycleRule{
		Id:                                  jsii.String("ExpireLogs"),
		Expiration:                          duration.Days(float64(days)),
		NoncurrentVersionExpiration:         duration.Days(noncurrentVersionDays),
		AbortIncompleteMultipartUploadAfter: duration.Days(7),
	}
	if len(transitions) > 0 {
		rule.Transitions = &transitions
	}
	return rule
}

func (l *LoadBalancer) buildLoadBalancer(p LoadBalancerProps) {
	l.LoadBalancer = elbv2.NewApplicationLoadBalancer(l.Construct, jsii.String("LoadBalancer"), &elbv2.ApplicationLoadBalancerProps{
		Vpc:                     p.Vpc,
		VpcSubnets:              p.Subnets,
		InternetFacing:          jsii.Bool(true),
		SecurityGroup:           p.SecurityGroup,
		DeletionProtection:      jsii.Bool(true),
		CrossZoneEnabled:        jsii.Bool(true),
		DropInvalidHeaderFields: jsii.Bool(true),
		// CloudFront sends only RFC 7230-compliant requests, so the strictest mode costs nothing.
		DesyncMitigationMode: elbv2.DesyncMitigationMode_STRICTEST,
		IdleTimeout:          p.IdleTimeout,
	})
	if p.HealthCheckSecurityGroup != nil {
		// On the ALB but not in its Connections: the checkers' group only admits, and targets keep
		// trusting the ALB group alone (AddSecurityGroup would open every target to it too).
		cfn := l.LoadBalancer.Node().DefaultChild().(elbv2.CfnLoadBalancer)
		cfn.SetSecurityGroups(&[]*string{p.SecurityGroup.SecurityGroupId(), p.HealthCheckSecurityGroup.SecurityGroupId()})
	}
	l.LoadBalancer.LogAccessLogs(l.AccessLogBucket, jsii.String(p.AccessLogPrefix))
}

func (l *LoadBalancer) buildCertificate(p LoadBalancerProps) {
	var sans *[]*string
	if len(p.CertificateNames) > 1 {
		sans = jsii.Strings(p.CertificateNames[1:]...)
	}
	l.Certificate = acm.NewCertificate(l.Construct, jsii.String("Certificate"), &acm.CertificateProps{
		DomainName:              jsii.String(p.CertificateNames[0]),
		SubjectAlternativeNames: sans,
		Validation:              acm.CertificateValidation_FromDns(p.HostedZone),
		// RSA: every origin-facing CloudFront edge negotiates it.
		KeyAlgorithm:               acm.KeyAlgorithm_RSA_2048(),
		TransparencyLoggingEnabled: jsii.Bool(true),
	})
}

// buildListeners adds the HTTPS listener and returns the HTTP one, which only redirects.
func (l *LoadBalancer) buildListeners(p LoadBalancerProps) elbv2.ApplicationListener {
	// Open: false everywhere: the Network stack's security group already admits CloudFront's
	// prefix list on 443, and nothing else may be opened.
	l.HttpsListener = l.LoadBalancer.AddListener(jsii.String("Https"), &elbv2.BaseApplicationListenerProps{
		Port:         jsii.Number(443),
		Protocol:     elbv2.ApplicationProtocol_HTTPS,
		Certificates: &[]elbv2.IListenerCertificate{elbv2.ListenerCertificate_FromCertificateManager(l.Certificate)},
		SslPolicy:    SslPolicy,
		Open:         jsii.Bool(false),
		DefaultAction: elbv2.ListenerAction_FixedResponse(jsii.Number(403), &elbv2.FixedResponseOptions{
			ContentType: jsii.String("text/plain"),
			MessageBody: jsii.String("Forbidden"),
		}),
	})
	return l.LoadBalancer.AddListener(jsii.String("Http"), &elbv2.BaseApplicationListenerProps{
		Port:     jsii.Number(80),
		Protocol: elbv2.ApplicationProtocol_HTTP,
		Open:     jsii.Bool(false),
		DefaultAction: elbv2.ListenerAction_Redirect(&elbv2.RedirectOptions{
			Protocol: jsii.String("HTTPS"), Port: jsii.String("443"), Permanent: jsii.Bool(true),
		}),
	})
}

func (l *LoadBalancer) buildTargets(p LoadBalancerProps) {
	for _, t := range p.Targets {
		id := naming.Pascal(t.Name)
		group := newTargetGroup(l.Construct, id+"TargetGroup", p, t)
		l.TargetGroups[t.Name] = group
		if t.Alternate {
			l.AlternateTargetGroups[t.Name] = newTargetGroup(l.Construct, id+"AlternateTargetGroup", p, t)
		}
		r := rule{id: id + "Rule", listener: l.HttpsListener, priority: float64(t.Priority),
			conditions: []condition{pathPatterns(t.PathPattern), httpHeader(p.OriginHeaderName, *p.OriginHeaderValue)}}
		created := l.newRule(r, l.forward(t))
		l.ProductionRules[t.Name] = created
		if t.Alternate {
			l.guardWeights(t, r, created)
		}
	}
	l.addTestRules(p)
	if p.HealthCheckHost != "" {
		first := p.Targets[0]
		r := rule{id: "HealthCheckRule", listener: l.HttpsListener, priority: healthCheckRulePriority,
			conditions: []condition{hostHeaders(p.HealthCheckHost), pathPatterns(first.HealthCheckPath)}}
		created := l.newRule(r, l.forward(first))
		if first.Alternate {
			// ECS moves the first service's tasks between its two groups; as the service's ECS test
			// rule, this rule follows them (see TestRules).
			l.TestRules[first.Name] = created
			l.guardWeights(first, r, created)
		}
	}
}

// newTargetGroup is one target's (or its alternate's) target group.
func newTargetGroup(scope constructs.Construct, id string, p LoadBalancerProps, t Target) elbv2.ApplicationTargetGroup {
	targetType := elbv2.TargetType_IP
	if t.Instances {
		targetType = elbv2.TargetType_INSTANCE
	}
	return elbv2.NewApplicationTargetGroup(scope, jsii.String(id), &elbv2.ApplicationTargetGroupProps{
		Vpc:                 p.Vpc,
		TargetType:          targetType,
		Protocol:            elbv2.ApplicationProtocol_HTTP,
		Port:                jsii.Number(float64(t.Port)),
		DeregistrationDelay: duration.Seconds(deregistrationDelay),
		HealthCheck: &elbv2.HealthCheck{
			Enabled:                 jsii.Bool(true),
			Path:                    jsii.String(t.HealthCheckPath),
			Protocol:                elbv2.Protocol_HTTP,
			HealthyHttpCodes:        jsii.String("200"),
			HealthyThresholdCount:   jsii.Number(healthyThreshold),
			UnhealthyThresholdCount: jsii.Number(unhealthyThreshold),
			Interval:                duration.Seconds(healthCheckInterval),
			Timeout:                 duration.Seconds(healthCheckTimeout),
		},
	})
}
