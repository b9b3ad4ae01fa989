package test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// call is one declared service-to-service call and the port its callee admits it on.
type call struct {
	Caller, Callee string
	Port           int
}

// declaredCalls lists env's services[].calls as the config states them: on the callee's port,
// or with app.serviceConnect.tls on the TLS proxy's port (7443).
func declaredCalls(env *config.Environment) []call {
	ports := map[string]int{}
	for _, s := range env.Services {
		ports[s.Name] = s.Port
		if env.App.ServiceConnect.Tls {
			ports[s.Name] = 7443
		}
	}
	var out []call
	for _, s := range env.Services {
		for _, callee := range s.Calls {
			out = append(out, call{s.Name, callee, ports[callee]})
		}
	}
	return out
}

// connectOf is the ServiceConnectConfiguration of the one ECS service of a Service stack.
func connectOf(t *testing.T, tpl *Template) map[string]any {
	t.Helper()
	_, services := tpl.OfType("AWS::ECS::Service")
	require.Len(t, services, 1, tpl.StackName)
	for _, s := range services {
		cfg, _ := s.Properties["ServiceConnectConfiguration"].(map[string]any)
		return cfg
	}
	return nil
}

// TestSeed002CallsEachOtherThroughServiceConnectWithTls: checkout calls catalog, reporting
// calls catalog and checkout, over TLS (checkCallPaths asserts the exact paths).
func TestSeed002CallsEachOtherThroughServiceConnectWithTls(t *testing.T) {
	a := SeedVariants(t)
	env := a.Envs["seed-002"]
	require.NotNil(t, env)
	assert.Equal(t, []call{{"checkout", "catalog", 7443}, {"reporting", "catalog", 7443}, {"reporting", "checkout", 7443}}, declaredCalls(env))

	for _, region := range []string{"us-east-1", "us-west-2"} {
		app := a.Template(t, "Seed002-App-"+region)
		_, namespaces := app.OfType("AWS::ServiceDiscovery::HttpNamespace")
		require.Len(t, namespaces, 1, region)
		for _, ns := range namespaces {
			assert.Equal(t, "connect.seed-002.internal", str(ns.Properties["Name"]), region)
		}
		_, dns := app.OfType("AWS::ServiceDiscovery::PrivateDnsNamespace")
		assert.Len(t, dns, 1, "%s: the Cloud Map DNS namespace stays", region)
		_, cas := app.OfType("AWS::ACMPCA::CertificateAuthority")
		require.Len(t, cas, 1, "%s: one CA per region", region)
		for _, ca := range cas {
			assert.Equal(t, "SHORT_LIVED_CERTIFICATE", str(ca.Properties["UsageMode"]), region)
		}
		_, activations := app.OfType("AWS::ACMPCA::CertificateAuthorityActivation")
		assert.Len(t, activations, 1, region)

		for name, server := range map[string]bool{"catalog": true, "checkout": true, "reporting": false} {
			stack := fmt.Sprintf("Seed002-Service-%s-%s", name, region)
			cfg := connectOf(t, a.Template(t, stack))
			require.NotNil(t, cfg, "%s: every service here calls or is called", stack)
			assert.Equal(t, true, cfg["Enabled"], stack)
			assert.Contains(t, jsonOf(cfg["Namespace"]), "ServiceConnectNamespace", "%s: the App stack's HTTP namespace", stack)
			logs, _ := cfg["LogConfiguration"].(map[string]any)
			assert.Equal(t, "awslogs", str(logs["LogDriver"]), stack)
			assert.Equal(t, "service-connect", str(asMap(logs["Options"])["awslogs-stream-prefix"]), stack)
			services := asList(cfg["Services"])
			if !server {
				assert.Empty(t, services, "%s: nobody calls it, so a client only", stack)
				continue
			}
			require.Len(t, services, 1, stack)
			svc := asMap(services[0])
			assert.Equal(t, name, str(svc["DiscoveryName"]), stack)
			assert.Equal(t, name, str(svc["PortName"]), stack)
			assert.Equal(t, []any{map[string]any{"DnsName": name, "Port": 8080.0}}, svc["ClientAliases"], stack)
			assert.Equal(t, 7443, num(svc["IngressPortOverride"]), stack)
			tls := asMap(svc["Tls"])
			assert.Contains(t, jsonOf(tls["IssuerCertificateAuthority"]), "ServiceTlsCertificateAuthority", "%s: the region's CA", stack)
			assert.NotEmpty(t, tls["KmsKey"], stack)
			assert.NotEmpty(t, tls["RoleArn"], stack)
		}
	}
}

// TestWithoutCallsThereIsNoServiceConnect: the shipped environments declare no calls, so they
// get no proxies, no namespace and no CA.
func TestWithoutCallsThereIsNoServiceConnect(t *testing.T) {
	a := Fixtures(t)
	for name, tpl := range a.Templates {
		for _, typ := range []string{"AWS::ServiceDiscovery::HttpNamespace", "AWS::ACMPCA::CertificateAuthority"} {
			_, found := tpl.OfType(typ)
			assert.Empty(t, found, "%s: %s", name, typ)
		}
		_, services := tpl.OfType("AWS::ECS::Service")
		for id, s := range services {
			assert.Nil(t, s.Properties["ServiceConnectConfiguration"], "%s/%s", name, id)
		}
	}
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
