package config

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Users is the users section: a Cognito user pool (in the primary region) the frontend (or, with
// an API-only edge, the clients of callbackUrls) signs in with.
type Users struct {
	// DomainPrefix (yaml "users.domainPrefix", required) names the hosted sign-in:
	// <domainPrefix>.auth.<primaryRegion>.amazoncognito.com.
	DomainPrefix string `yaml:"domainPrefix"`
	// Mfa (yaml "users.mfa", default optional) is optional or required (TOTP).
	Mfa string `yaml:"mfa"`
	// PasswordMinLength (yaml "users.passwordMinLength", default 12) is the shortest password.
	PasswordMinLength int `yaml:"passwordMinLength"`
	// CallbackUrls (yaml "users.callbackUrls", default [https://<first viewer name>/]; required
	// with an API-only edge) are where sign-in and sign-out return the app.
	CallbackUrls []string `yaml:"callbackUrls"`
}

// Queue is one entry of queues: an SQS queue with its dead-letter queue, in every region.
type Queue struct {
	// Name (yaml "name", required) is [a-z][a-z0-9-]{0,30}; the queue is stratus-<env>-<name>.
	Name string `yaml:"name"`
	// MaxReceiveCount (yaml "maxReceiveCount", default 5) receives before the dead-letter queue.
	MaxReceiveCount int `yaml:"maxReceiveCount"`
	// VisibilityTimeoutSeconds (yaml "visibilityTimeoutSeconds", default 30).
	VisibilityTimeoutSeconds int `yaml:"visibilityTimeoutSeconds"`
	// Producers and Consumers (yaml "producers", "consumers") name the services, or with compute
	// ec2 the tiers (web, app), that may send and receive.
	Producers []string `yaml:"producers"`
	Consumers []string `yaml:"consumers"`
}

// Topic is one entry of topics: an SNS topic in every region.
type Topic struct {
	// Name (yaml "name", required) is [a-z][a-z0-9-]{0,30}; the topic is stratus-<env>-<name>.
	Name string `yaml:"name"`
	// Publishers (yaml "publishers") name the services or tiers that may publish.
	Publishers []string `yaml:"publishers"`
}

// HasIntegration reports whether env has users, queues or topics (an Integration stack).
func (env *Environment) HasIntegration() bool {
	return env.Users != nil || len(env.Queues) > 0 || len(env.Topics) > 0
}

// messagingDefaults applies the defaults of users, queues and topics.
func messagingDefaults(env *Environment, present func(string) bool) {
	if u := env.Users; u != nil {
		if !present("users.mfa") {
			u.Mfa = "optional"
		}
		if !present("users.passwordMinLength") {
			u.PasswordMinLength = limits.DefaultPasswordLength
		}
		if !present("users.callbackUrls") && len(env.DNS.ViewerNames) > 0 {
			u.CallbackUrls = []string{"https://" + env.DNS.ViewerNames[0] + "/"}
		}
	}
	for i := range env.Queues {
		q, p := &env.Queues[i], fmt.Sprintf("queues[%d].", i)
		if !present(p + "maxReceiveCount") {
			q.MaxReceiveCount = limits.DefaultMaxReceiveCount
		}
		if !present(p + "visibilityTimeoutSeconds") {
			q.VisibilityTimeoutSeconds = limits.DefaultVisibilityTimeoutSeconds
		}
	}
}

// principals are the names queues and topics may grant to: the tiers or the services.
func (v *validator) principals() []string {
	if v.env.RunsTiers() {
		return limits.TierNames
	}
	var out []string
	for _, s := range v.env.Services {
		out = append(out, s.Name)
	}
	return out
}

// messaging checks users, queues and topics.
func (v *validator) messaging() {
	if u := v.env.Users; u != nil {
		if v.given("users.domainPrefix", "the hosted sign-in's prefix, "+limits.CognitoDomainPrefixRule) && !limits.ValidCognitoDomainPrefix(u.DomainPrefix) {
			v.errorf("users.domainPrefix %q: not a Cognito domain prefix (allowed: %s)", u.DomainPrefix, limits.CognitoDomainPrefixRule)
		}
		oneOf(v, "users.mfa", u.Mfa, limits.MfaModes, "unknown MFA mode")
		v.intRange("users.passwordMinLength", "", u.PasswordMinLength, limits.MinPasswordLength, limits.MaxPasswordLength, "characters")
		// The default returns sign-in to the frontend's root, which an API-only edge sends to
		// the load balancer's 403.
		if v.d.has("users.callbackUrls") && len(u.CallbackUrls) == 0 {
			v.errorf("users.callbackUrls: empty: list at least one URL sign-in may return to, or remove the key for the default https://<first viewer name>/")
		}
		if !v.env.CloudFront.FrontendEnabled && !v.d.has("users.callbackUrls") {
			v.errorf("users.callbackUrls: required with an API-only edge (cloudfront.frontend.enabled: false): the default, https://<first viewer name>/, would return sign-in to no page; list the URLs of the app that signs in (e.g. [https://app.example.com/callback])")
		}
		if n := len(u.CallbackUrls); n > limits.MaxCallbackUrls {
			v.errorf("users.callbackUrls: has %d URLs (allowed: at most %d, Cognito's limit for an app client)", n, limits.MaxCallbackUrls)
		}
		seen := map[string]int{}
		for i, cb := range u.CallbackUrls {
			j, dup := seen[cb]
			switch pu, err := url.Parse(cb); {
			case dup:
				v.errorf("users.callbackUrls[%d] %q: duplicate of users.callbackUrls[%d]", i, cb, j)
			case len(cb) > limits.MaxCallbackUrlLength:
				v.errorf("users.callbackUrls[%d]: has %d characters (allowed: at most %d)", i, len(cb), limits.MaxCallbackUrlLength)
			case err != nil || pu.Host == "" || pu.Fragment != "" || !(pu.Scheme == "https" || pu.Scheme == "http" && pu.Hostname() == "localhost"):
				v.errorf("users.callbackUrls[%d] %q: not an https URL without a fragment (http only for localhost)", i, cb)
			}
			if !dup {
				seen[cb] = i
			}
		}
	}
	if n := len(v.env.Queues); n > limits.MaxQueues {
		v.errorf("queues: has %d queues (allowed: at most %d: they share one Integration stack, which CloudFormation holds to 500 resources and 200 outputs)", n, limits.MaxQueues)
	}
	if n := len(v.env.Topics); n > limits.MaxTopics {
		v.errorf("topics: has %d topics (allowed: at most %d: they share one Integration stack, which CloudFormation holds to 500 resources and 200 outputs)", n, limits.MaxTopics)
	}
	names := map[string]named{}
	for i := range v.env.Queues {
		q, p := &v.env.Queues[i], fmt.Sprintf("queues[%d]", i)
		v.integrationName(p, q.Name, names)
		v.intRange(p+".maxReceiveCount", "", q.MaxReceiveCount, limits.MinMaxReceiveCount, limits.MaxMaxReceiveCount, "receives")
		v.intRange(p+".visibilityTimeoutSeconds", "", q.VisibilityTimeoutSeconds, 0, limits.MaxVisibilityTimeoutSeconds, "seconds")
		v.grantees(p+".producers", q.Producers)
		v.grantees(p+".consumers", q.Consumers)
	}
	// A queue's dead-letter queue is "<name>-dlq" in the same account and region.
	for i, q := range v.env.Queues {
		for j, o := range v.env.Queues {
			if o.Name == q.Name+"-dlq" {
				v.errorf("queues[%d].name %q: is the name of queues[%d]'s dead-letter queue (%s-dlq); name the queue otherwise", j, o.Name, i, q.Name)
			}
		}
	}
	topics := map[string]named{}
	for i := range v.env.Topics {
		t, p := &v.env.Topics[i], fmt.Sprintf("topics[%d]", i)
		v.integrationName(p, t.Name, topics)
		v.grantees(p+".publishers", t.Publishers)
	}
}

// integrationName checks the name of a queue or topic at p, unique among seen (the key paths of
// the names so far, by the construct id they give: naming.Pascal).
func (v *validator) integrationName(p, name string, seen map[string]named) {
	if !v.given(p+".name", limits.ServiceNameRule) {
		return
	}
	if earlier, dup := seen[naming.Pascal(name)]; dup {
		v.errorf("%s.name %q: %s", p, name, earlier.sameIDs(name))
		return
	}
	seen[naming.Pascal(name)] = named{p + ".name", name}
	if !limits.ValidServiceName(name) {
		v.errorf("%s.name %q: must be %s", p, name, limits.ServiceNameRule)
	}
}

// named is a name and its key path, e.g. queues[0].name "job-1".
type named struct{ path, name string }

// sameIDs says why name is refused when it gives the construct id (naming.Pascal) of n.
func (n named) sameIDs(name string) string {
	if n.name == name {
		return "duplicate of " + n.path
	}
	return fmt.Sprintf("gives the same resource ids as %s %q (names that differ only in a hyphen before a digit collide)", n.path, n.name)
}

// grantees checks that every name at p is a tier or service, once.
func (v *validator) grantees(p string, names []string) {
	allowed := v.principals()
	for i, n := range names {
		switch {
		case !slices.Contains(allowed, n):
			v.errorf("%s[%d] %q: not a %s of this environment (allowed: %s)", p, i, n, map[bool]string{true: "tier", false: "service"}[v.env.RunsTiers()], strings.Join(allowed, ", "))
		case slices.Index(names, n) < i:
			v.errorf("%s[%d] %q: listed twice", p, i, n)
		}
	}
}
