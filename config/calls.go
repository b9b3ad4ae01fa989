package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// ServiceConnect is app.serviceConnect: how services call each other. The calls themselves are
// declared per service (services[].calls); every declared call runs through ECS Service Connect
// and is the only service-to-service path the security groups admit. With compute ec2 there
// are no services, so no calls: services (and with them calls) are rejected there, and the web
// tier's one path to the app tier is the internal load balancer.
type ServiceConnect struct {
	// Tls (yaml "app.serviceConnect.tls", default false) encrypts every call with TLS 1.3
	// between the Service Connect proxies, with short-lived certificates from one AWS Private CA
	// per region (short-lived certificate mode: a monthly fee per CA plus a fee per certificate,
	// see docs/service-contract.md). A called service's proxy then listens on its own port
	// (limits.ServiceConnectTlsPort), so the load balancer keeps reaching the service's port in
	// plain HTTP while callers can only reach it through TLS.
	Tls bool `yaml:"tls"`
}

// callsDefaults copies services[].calls into the services (nil when absent: no calls).
func callsDefaults(env *Environment, f *File) {
	for i := range env.Services {
		env.Services[i].Calls = slices.Clone(f.Services[i].Calls)
	}
}

// IsCalled reports whether some service of env calls the service name.
func (env *Environment) IsCalled(name string) bool {
	for _, s := range env.Services {
		if slices.Contains(s.Calls, name) {
			return true
		}
	}
	return false
}

// HasCalls reports whether any service of env calls another (Service Connect is in use).
func (env *Environment) HasCalls() bool {
	for _, s := range env.Services {
		if len(s.Calls) > 0 {
			return true
		}
	}
	return false
}

// CallPort is the port callers reach the service s on: its own port, or with
// app.serviceConnect.tls the port its Service Connect proxy terminates TLS on.
func (env *Environment) CallPort(s Service) int {
	if env.App.ServiceConnect.Tls {
		return limits.ServiceConnectTlsPort
	}
	return s.Port
}

// calls checks services[].calls and app.serviceConnect: every call names another service of
// the environment, once; TLS needs a call to protect and a port of its own.
func (v *validator) calls() {
	if v.env.RunsTiers() {
		if v.env.App.ServiceConnect.Tls && !v.d.bad["app.serviceConnect.tls"] {
			v.errorf("app.serviceConnect.tls: only with compute: fargate (the EC2 tiers do not use Service Connect; remove it)")
		}
		return // compute reports services (and so their calls) given with tiers
	}
	var names []string
	for i, s := range v.env.Services {
		if p := fmt.Sprintf("services[%d]", i); !v.d.bad[p] && !v.d.bad[p+".name"] && v.d.has(p+".name") {
			names = append(names, s.Name)
		}
	}
	for i, s := range v.env.Services {
		p := fmt.Sprintf("services[%d].calls", i)
		if v.d.bad[p] {
			continue
		}
		others := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == s.Name })
		for j, callee := range s.Calls {
			switch {
			case callee == s.Name:
				v.errorf("%s[%d] %q: a service cannot call itself (it reaches its own tasks without Service Connect; remove it)", p, j, callee)
			case !slices.Contains(names, callee):
				v.errorf("%s[%d] %q: not a service of this environment (allowed: %s)", p, j, callee, orNone(others))
			case slices.Index(s.Calls, callee) < j:
				v.errorf("%s[%d] %q: listed twice", p, j, callee)
			}
		}
	}
	if !v.env.App.ServiceConnect.Tls || v.d.bad["app.serviceConnect.tls"] {
		return
	}
	if !v.env.HasCalls() {
		v.errorf("app.serviceConnect.tls: no service calls another, so there is no traffic to encrypt (add services[].calls, or remove tls)")
	}
	for i, s := range v.env.Services {
		if s.Port == limits.ServiceConnectTlsPort && v.env.IsCalled(s.Name) {
			v.errorf("services[%d].port %d%s: with app.serviceConnect.tls the Service Connect proxy of a called service listens on %d (choose another port)",
				i, s.Port, v.serviceLabel(fmt.Sprintf("services[%d]", i), &v.env.Services[i]), limits.ServiceConnectTlsPort)
		}
	}
}

// orNone joins names, or says there are none.
func orNone(names []string) string {
	if len(names) == 0 {
		return "none: the environment has no other service"
	}
	return strings.Join(names, ", ")
}
