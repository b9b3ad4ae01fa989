package limits

import (
	"regexp"
	"strings"
)

// Ingress modes (ingress.mode): the public ALB, or an API Gateway HTTP API reaching private
// services through a VPC link.
const (
	IngressALB = "alb"
	IngressAPI = "api"
)

// IngressModes are the accepted ingress.mode values, the default first.
var IngressModes = []string{IngressALB, IngressAPI}

// HTTP API route throttling (ingress.api.throttling): API Gateway's default account quota in a
// region is 10,000 requests per second with a burst of 5,000, and a route cannot exceed it.
const (
	MinApiRateLimit     = 1
	MaxApiRateLimit     = 10000
	DefaultApiRateLimit = 1000
	MinApiBurstLimit    = 1
	MaxApiBurstLimit    = 5000
	// DefaultApiBurstLimit lets a route absorb two seconds of its default rate at once.
	DefaultApiBurstLimit = 2000
	// MaxJwtAudiences is API Gateway's limit on a JWT authorizer's audiences.
	MaxJwtAudiences = 50
)

// apiPathRE is a path pattern an HTTP API route can express: "/*" (every path) or a prefix of
// literal segments followed by "/*", or a literal path without wildcards.
var apiPathRE = regexp.MustCompile(`^(/\*|(/[A-Za-z0-9_.~@:+&$'-]+)+(/\*)?)$`)

// ApiPathPatternRule says what ValidApiPathPattern accepts.
const ApiPathPatternRule = `"/*", or literal segments ("/api/orders") optionally ending in "/*"; no other wildcards`

// ValidApiPathPattern reports whether pattern (an ALB-style services[].pathPattern) maps onto an
// HTTP API route key.
func ValidApiPathPattern(pattern string) bool { return apiPathRE.MatchString(pattern) }

// ApiRouteKey maps a valid ALB-style path pattern onto an HTTP API route key: "/*" is the
// $default route, "/api/orders/*" is "ANY /api/orders/{proxy+}" (like the ALB pattern, it does
// not match "/api/orders" itself), a literal path is "ANY <path>".
func ApiRouteKey(pattern string) string {
	switch {
	case pattern == "/*":
		return "$default"
	case strings.HasSuffix(pattern, "/*"):
		return "ANY " + strings.TrimSuffix(pattern, "*") + "{proxy+}"
	default:
		return "ANY " + pattern
	}
}

// EdgeApiPrefix starts every path CloudFront sends to the services (the ALB or the HTTP API),
// the paths of EdgeApiPathPattern; every other path goes to the frontend bucket (with an
// API-only edge, to the services' origin too, where no service claims it).
const (
	EdgeApiPrefix      = "/api/"
	EdgeApiPathPattern = EdgeApiPrefix + "*"
)

// ReachableThroughEdge reports whether the ALB-style path pattern (* any run of characters, ?
// one) matches some path CloudFront sends to the services, one starting with EdgeApiPrefix. A
// pattern that cannot ("/v1/orders/*", "/api") would route nothing.
func ReachableThroughEdge(pattern string) bool {
	for i := 0; i < len(EdgeApiPrefix); i++ {
		switch {
		case i == len(pattern):
			return false
		case pattern[i] == '*':
			return true
		case pattern[i] != '?' && pattern[i] != EdgeApiPrefix[i]:
			return false
		}
	}
	return true
}
