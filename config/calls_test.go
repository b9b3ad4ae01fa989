package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// withOrders adds the service orders (line 17 on) to baseYAML, after web; web's calls go on
// line 17 and move orders down by one line.
var withOrders = service("orders", "    port: 9000\n")

func TestCallsLoad(t *testing.T) {
	env, err := loadDoc(t, apply(t, baseYAML, []edit{svc("    calls: [orders]\n"), withOrders}))
	require.NoError(t, err)
	require.Len(t, env.Services, 2)
	assert.Equal(t, []string{"orders"}, env.Services[0].Calls)
	assert.Empty(t, env.Services[1].Calls)
	assert.True(t, env.IsCalled("orders"))
	assert.False(t, env.IsCalled("web"), "nobody calls web")
	assert.True(t, env.HasCalls())
	assert.False(t, env.App.ServiceConnect.Tls, "TLS is off by default")
	assert.Equal(t, 9000, env.CallPort(env.Services[1]), "without TLS callers reach the service's own port")

	tls, err := loadDoc(t, apply(t, baseYAML, []edit{svc("    calls: [orders]\n"), withOrders, section("app", "  serviceConnect:\n    tls: true\n")}))
	require.NoError(t, err)
	assert.True(t, tls.App.ServiceConnect.Tls)
	assert.Equal(t, 7443, tls.CallPort(tls.Services[1]), "with TLS callers reach the proxy's TLS port")

	plain, err := loadDoc(t, baseYAML)
	require.NoError(t, err)
	assert.False(t, plain.HasCalls())
}

// TestCallErrors: one case per rule of services[].calls and app.serviceConnect.
func TestCallErrors(t *testing.T) {
	calls := func(list string) edit { return svc("    calls: " + list + "\n") }
	tlsOn := section("app", "  serviceConnect:\n    tls: true\n")
	assertRejected(t, []badInput{
		{"a call to an unknown service", []edit{calls("[billing]"), withOrders},
			[]string{`:17: services[0].calls[0] "billing": not a service of this environment (allowed: orders)`}},
		{"a call with no other service", []edit{calls("[billing]")},
			[]string{`:17: services[0].calls[0] "billing": not a service of this environment (allowed: none: the environment has no other service)`}},
		{"a service calling itself", []edit{calls("[web]")},
			[]string{`:17: services[0].calls[0] "web": a service cannot call itself (it reaches its own tasks without Service Connect; remove it)`}},
		{"a duplicate call", []edit{calls("[orders, orders]"), withOrders},
			[]string{`:17: services[0].calls[1] "orders": listed twice`}},
		{"calls not a list", []edit{calls("orders"), withOrders},
			[]string{`:17: services[0].calls: must be a sequence (a list of - items), got a string "orders"`}},
		{"TLS without calls", []edit{tlsOn},
			[]string{":21: app.serviceConnect.tls: no service calls another, so there is no traffic to encrypt (add services[].calls, or remove tls)"}},
		{"TLS on the proxy's port", []edit{calls("[orders]"), service("orders", "    port: 7443\n"), tlsOn},
			[]string{`:20: services[1].port 7443 (service "orders"): with app.serviceConnect.tls the Service Connect proxy of a called service listens on 7443 (choose another port)`}},
		{"unknown serviceConnect key", []edit{section("app", "  serviceConnect:\n    mtls: true\n")},
			[]string{":21: app.serviceConnect.mtls: unknown key (allowed: tls)"}},
		{"calls with compute ec2", []edit{{baseServices, "compute: ec2\ntiers:\n  web:\n    instanceType: t3.small\n  app:\n    instanceType: t3.small\n" + baseServices + "    calls: [app]\n"}},
			[]string{":19: services: compute ec2 runs tiers, not services (remove services, or set compute: fargate)"}},
	})
}
