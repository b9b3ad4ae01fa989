// Package apigateway provides HttpApi, the private ingress of a Stratus region: an API Gateway
// HTTP API whose VPC link reaches the services in the app subnets through Cloud Map, behind
// CloudFront. A request authorizer admits only requests carrying CloudFront's origin secret (and,
// optionally, a valid JWT of an OIDC issuer); the default execute-api endpoint is off, so the
// API answers only on its regional custom domains.
package apigateway

import (
	"errors"
	"fmt"
	"net/netip"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"

	"github.com/stratus-platform/stratus/internal/limits"
)

// DefaultHeaderName is the header CloudFront sends the origin secret in (as the ALB expects it).
const DefaultHeaderName = "X-Origin-Verify"

// StageName is the API's only stage; metrics carry it in their Stage dimension.
const StageName = "$default"

// Route is one service behind the API.
type Route struct {
	// Name is the service name, e.g. "orders": its Cloud Map service and the construct ids.
	Name string
	// PathPattern is the service's ALB-style pattern, e.g. "/api/orders/*" (see
	// limits.ValidApiPathPattern); the route key is limits.ApiRouteKey(PathPattern).
	PathPattern string
	// Port is the container port the tasks register in Cloud Map (SRV) and listen on.
	Port int
	// SecurityGroup is the service's own group; it gets an ingress rule from the VPC link on Port.
	SecurityGroup ec2.ISecurityGroup
}

// Jwt is the OIDC issuer whose bearer tokens every route requires besides the origin secret.
type Jwt struct {
	// Issuer is the https:// issuer URL (the tokens' iss).
	Issuer string
	// Audiences are the accepted aud (or client_id) values, 1-50.
	Audiences []string
}

// HttpApiProps configures an HttpApi.
type HttpApiProps struct {
	// Name names the API, the VPC link and the log group, e.g. "stratus-prod-us-east-1".
	Name string
	// Vpc and Subnets place the VPC link (the app subnets, one per AZ).
	Vpc     ec2.IVpc
	Subnets []ec2.ISubnet
	// Namespace is the cluster's private DNS namespace; each route's Cloud Map service is made in it.
	Namespace servicediscovery.INamespace
	// Routes are the services, 1-50; the first also answers the health route.
	Routes []Route

	// HostedZone is the public zone the certificate is validated in and the records go to.
	HostedZone r53.IHostedZone
	// OriginName is the name CloudFront sends requests to, e.g. "origin.example.com"; and
	// RegionalName this region's own name, e.g. "us-east-1.origin.example.com", which the
	// health check requests. Each is a regional custom domain on one certificate.
	OriginName   string
	RegionalName string
	// HealthCheckPath is the path of the health route (GET, to Routes[0]).
	// Default: limits.DefaultHealthCheckPath.
	HealthCheckPath string
	// HealthCheckerCidrs are Route 53's health checker ranges, admitted on the health route
	// without the origin header (they cannot send one).
	HealthCheckerCidrs []string

	// OriginSecretName is the Secrets Manager secret (in this region) CloudFront's header must
	// match; OriginSecretKey is the key it is encrypted with here.
	OriginSecretName string
	OriginSecretKey  kms.IKey
	// OriginHeaderName is the header carrying it.
	// Default: DefaultHeaderName.
	OriginHeaderName string

	// RateLimit and BurstLimit throttle each route (requests per second, bucket size).
	// Default: limits.DefaultApiRateLimit and limits.DefaultApiBurstLimit.
	RateLimit  int
	BurstLimit int
	// Jwt adds bearer-token authorization of an OIDC issuer.
	// Default: none.
	Jwt *Jwt
	// LogRetention is the retention of the access and authorizer logs.
	// Default: one year.
	LogRetention logs.RetentionDays
}

func (p HttpApiProps) withDefaults() HttpApiProps {
	if p.HealthCheckPath == "" {
		p.HealthCheckPath = limits.DefaultHealthCheckPath
	}
	if p.OriginHeaderName == "" {
		p.OriginHeaderName = DefaultHeaderName
	}
	if p.RateLimit == 0 {
		p.RateLimit = limits.DefaultApiRateLimit
	}
	if p.BurstLimit == 0 {
		p.BurstLimit = limits.DefaultApiBurstLimit
	}
	if p.LogRetention == "" {
		p.LogRetention = logs.RetentionDays_ONE_YEAR
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p HttpApiProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Name == "" {
		add("Name is required")
	}
	for _, r := range []struct {
		name string
		set  bool
	}{
		{"Vpc", p.Vpc != nil}, {"Namespace", p.Namespace != nil}, {"HostedZone", p.HostedZone != nil},
		{"OriginSecretKey", p.OriginSecretKey != nil},
	} {
		if !r.set {
			add("%s is required", r.name)
		}
	}
	if len(p.Subnets) < 1 {
		add("Subnets is empty; the VPC link needs the app subnets")
	}
	if n := len(p.Routes); n < limits.MinServices || n > limits.MaxServices {
		add("Routes has %d entries (allowed: %d-%d)", n, limits.MinServices, limits.MaxServices)
	}
	keys := map[string]string{}
	for i, r := range p.Routes {
		at := fmt.Sprintf("Routes[%d]", i)
		if !limits.ValidServiceName(r.Name) {
			add("%s.Name %q must be %s", at, r.Name, limits.ServiceNameRule)
		}
		if !limits.ValidApiPathPattern(r.PathPattern) {
			add("%s.PathPattern %q: allowed: %s", at, r.PathPattern, limits.ApiPathPatternRule)
		} else if other, dup := keys[limits.ApiRouteKey(r.PathPattern)]; dup {
			add("%s.PathPattern %q: the same route as %s", at, r.PathPattern, other)
		} else {
			keys[limits.ApiRouteKey(r.PathPattern)] = r.Name
		}
		if r.Port < limits.MinPort || r.Port > limits.MaxPort {
			add("%s.Port %d is outside %d-%d", at, r.Port, limits.MinPort, limits.MaxPort)
		}
		if r.SecurityGroup == nil {
			add("%s.SecurityGroup is required", at)
		}
	}
	for key, name := range map[string]string{"OriginName": p.OriginName, "RegionalName": p.RegionalName} {
		if !limits.ValidDomainName(name) {
			add("%s %q is not a lowercase DNS name such as \"origin.example.com\"", key, name)
		}
	}
	if p.OriginName != "" && p.OriginName == p.RegionalName {
		add("RegionalName %q is OriginName; it must name this region only", p.RegionalName)
	}
	if !limits.ValidRoute53Path(p.HealthCheckPath) {
		add("HealthCheckPath %q is not a Route 53 health-check path (allowed: %s)", p.HealthCheckPath, limits.Route53PathRule)
	}
	for i, c := range p.HealthCheckerCidrs {
		if _, err := netip.ParsePrefix(c); err != nil {
			add("HealthCheckerCidrs[%d] %q is not a CIDR", i, c)
		}
	}
	if !limits.ValidSecretName(p.OriginSecretName) {
		add("OriginSecretName %q is not a secret name (allowed: %s)", p.OriginSecretName, limits.SecretNameRule)
	}
	if !limits.ValidOriginHeaderName(p.OriginHeaderName) {
		add("OriginHeaderName %q is not an origin header name (allowed: %s)", p.OriginHeaderName, limits.OriginHeaderNameRule)
	}
	if p.RateLimit < limits.MinApiRateLimit || p.RateLimit > limits.MaxApiRateLimit {
		add("RateLimit %d is outside %d-%d", p.RateLimit, limits.MinApiRateLimit, limits.MaxApiRateLimit)
	}
	if p.BurstLimit < limits.MinApiBurstLimit || p.BurstLimit > limits.MaxApiBurstLimit {
		add("BurstLimit %d is outside %d-%d", p.BurstLimit, limits.MinApiBurstLimit, limits.MaxApiBurstLimit)
	}
	if j := p.Jwt; j != nil {
		if !httpsURL(j.Issuer) {
			add("Jwt.Issuer %q is not an https:// URL", j.Issuer)
		}
		if n := len(j.Audiences); n < 1 || n > limits.MaxJwtAudiences {
			add("Jwt.Audiences has %d entries (allowed: 1-%d)", n, limits.MaxJwtAudiences)
		}
	}
	return errors.Join(errs...)
}
