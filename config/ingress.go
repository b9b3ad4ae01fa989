package config

import (
	"fmt"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Ingress (yaml "ingress") chooses how requests from CloudFront reach the services of each
// region: the public ALB (mode alb), or an API Gateway HTTP API (mode api) whose VPC link reaches
// the services privately through Cloud Map. docs/ingress.md compares the two.
type Ingress struct {
	// Mode (yaml "mode", default alb) is alb or api.
	Mode string `yaml:"mode"`
	// Api (yaml "api") configures the HTTP API; only with mode api.
	Api ApiIngress `yaml:"api"`
}

// ApiIngress configures the HTTP API of ingress mode api.
type ApiIngress struct {
	// Throttling (yaml "throttling") limits every route (each service's route and the health
	// route) separately.
	Throttling ApiThrottling `yaml:"throttling"`
	// Jwt (yaml "jwt", default none) makes every route require a valid bearer token from an OIDC
	// issuer, besides the CloudFront origin header.
	Jwt *Jwt `yaml:"jwt"`
}

// ApiThrottling is one route's token bucket.
type ApiThrottling struct {
	// RateLimit (yaml "rateLimit", default 1000) is the steady requests per second of a route;
	// 1-10000.
	RateLimit int `yaml:"rateLimit"`
	// BurstLimit (yaml "burstLimit", default 2000) is the bucket's size; 1-5000.
	BurstLimit int `yaml:"burstLimit"`
}

// Jwt is an OIDC issuer whose tokens the API accepts (e.g. a Cognito user pool's
// https://cognito-idp.<region>.amazonaws.com/<pool id>).
type Jwt struct {
	// Issuer (yaml "issuer", required) is the issuer's https:// URL, the tokens' iss claim; its
	// keys are read from <issuer>/.well-known/openid-configuration.
	Issuer string `yaml:"issuer" jsonschema:"required"`
	// Audiences (yaml "audiences", required) are the accepted aud (or, for Cognito access
	// tokens, client_id) values; 1-50.
	Audiences []string `yaml:"audiences" jsonschema:"required"`
}

// defaultIngress is the ALB, and the throttling an HTTP API gets unless configured.
func defaultIngress() Ingress {
	return Ingress{Mode: limits.IngressALB, Api: ApiIngress{
		Throttling: ApiThrottling{RateLimit: limits.DefaultApiRateLimit, BurstLimit: limits.DefaultApiBurstLimit},
	}}
}

// UsesAPI reports whether env's ingress is the HTTP API (no load balancer).
func (env *Environment) UsesAPI() bool { return env.Ingress.Mode == limits.IngressAPI }

// ingress checks the ingress section and, in API mode, what the HTTP API needs of the services.
func (v *validator) ingress() {
	in := &v.env.Ingress
	if !oneOf(v, "ingress.mode", in.Mode, limits.IngressModes, "unknown ingress mode") {
		return
	}
	if in.Mode != limits.IngressAPI {
		if v.d.has("ingress.api") {
			v.errorf("ingress.api: applies only with ingress.mode api (the mode is %q): set ingress.mode: api or remove api", in.Mode)
		}
		return
	}
	if v.env.RunsTiers() {
		v.errorf("ingress.mode %q: the HTTP API reaches Fargate services through Cloud Map; compute %q has none (allowed with compute ec2: %s)",
			in.Mode, v.env.Compute, limits.IngressALB)
		return
	}
	t := in.Api.Throttling
	v.intRange("ingress.api.throttling.rateLimit", "", t.RateLimit, limits.MinApiRateLimit, limits.MaxApiRateLimit, "requests per second")
	v.intRange("ingress.api.throttling.burstLimit", "", t.BurstLimit, limits.MinApiBurstLimit, limits.MaxApiBurstLimit, "requests")
	if j := in.Api.Jwt; j != nil {
		const p = "ingress.api.jwt"
		if v.given(p+".issuer", "the OIDC issuer's https:// URL (its tokens' iss claim)") && !httpsURL(j.Issuer) {
			v.errorf("%s.issuer %q: not an https:// URL (allowed: an OIDC issuer's https URL, e.g. \"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123\")", p, j.Issuer)
		}
		if v.given(p+".audiences", "the accepted audiences (client ids), e.g. [my-client-id]") {
			if n := len(j.Audiences); n < 1 || n > limits.MaxJwtAudiences {
				v.errorf("%s.audiences: has %d entries (allowed: 1-%d)", p, n, limits.MaxJwtAudiences)
			}
			for i, a := range j.Audiences {
				kp := fmt.Sprintf("%s.audiences[%d]", p, i)
				if k, dup := earlier(j.Audiences, i); dup {
					v.errorf("%s %q: duplicate of audiences[%d]", kp, a, k)
				} else if a == "" {
					v.errorf("%s: empty (allowed: a client id or audience string)", kp)
				}
			}
		}
	}
	for i, s := range v.env.Services {
		kp := fmt.Sprintf("services[%d].pathPattern", i)
		if !v.d.bad[kp] && limits.ValidPathPattern(s.PathPattern) && !limits.ValidApiPathPattern(s.PathPattern) {
			v.errorf("%s %q: an HTTP API route cannot express it (ingress.mode api; allowed: %s)", kp, s.PathPattern, limits.ApiPathPatternRule)
		}
	}
}
