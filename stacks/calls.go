package stacks

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/network"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/constructs/servicetls"
)

// serviceCalls are the declared calls of s (services[].calls) as paths to the callees' groups,
// on the port each callee admits its callers on. The caller's Service stack holds their rules,
// so the Network stack does not grow with the calls (docs/service-contract.md).
// A callee config does not know (config rejects it) gets no group and no port, which the
// construct reports.
func serviceCalls(env *config.Environment, s config.Service, net *network.Network) []service.Call {
	var out []service.Call
	for _, name := range s.Calls {
		call := service.Call{Name: name, Group: net.ServiceSecurityGroups[name]}
		if i := slices.IndexFunc(env.Services, func(c config.Service) bool { return c.Name == name }); i >= 0 {
			call.Port = env.CallPort(env.Services[i])
		}
		out = append(out, call)
	}
	return out
}

// connectNamespaceName names the region's Service Connect namespace, or is "" when no service
// calls another (no namespace, no proxies).
func connectNamespaceName(env *config.Environment) string {
	if !env.HasCalls() {
		return ""
	}
	return "connect." + env.App.Namespace
}

// serviceConnect places s in Service Connect: a client of the services it calls (with their
// paths), a server when it is called (with TLS when app.serviceConnect.tls is on), nil when
// neither.
func serviceConnect(env *config.Environment, s config.Service, app *AppStack, net *network.Network) *service.Connect {
	called := env.IsCalled(s.Name)
	if len(s.Calls) == 0 && !called {
		return nil
	}
	c := &service.Connect{Namespace: app.Cluster.ServiceConnectNamespace, Server: called, Calls: serviceCalls(env, s, net)}
	if called && app.ServiceTls != nil {
		t := app.ServiceTls
		c.Tls = &service.ConnectTls{AuthorityArn: t.AuthorityArn(), Key: t.Key, Role: t.Role}
	}
	return c
}

// newServiceTls builds the region's Service Connect CA when app.serviceConnect.tls is on.
func newServiceTls(stack awscdk.Stack, env *config.Environment, region config.Region) (*servicetls.Authority, error) {
	if !env.App.ServiceConnect.Tls {
		return nil, nil
	}
	return servicetls.NewAuthority(stack, "ServiceTls", servicetls.AuthorityProps{
		CommonName: fmt.Sprintf("Stratus %s services %s", env.Name, region.Name),
	})
}
