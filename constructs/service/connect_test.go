package service

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

const (
	connectNs   = "arn:aws:servicediscovery:us-east-1:111111111111:namespace/ns-connect0123456"
	caArn       = "arn:aws:acm-pca:us-east-1:111111111111:certificate-authority/11111111-2222-3333-4444-555555555555"
	tlsKeyArn   = "arn:aws:kms:us-east-1:111111111111:key/77777777-8888-9999-0000-111111111111"
	tlsRoleArn  = "arn:aws:iam::111111111111:role/prod-service-connect-tls"
	connectPort = 9090
)

// connectProps is requiredProps on port 9090 with Service Connect: a server when server, with
// TLS when tls.
func connectProps(stack awscdk.Stack, server, tls bool) ServiceProps {
	p := requiredProps(stack)
	p.Port = connectPort
	ns := servicediscovery.HttpNamespace_FromHttpNamespaceAttributes(stack, jsii.String("ConnectNs"), &servicediscovery.HttpNamespaceAttributes{
		NamespaceArn: jsii.String(connectNs), NamespaceId: jsii.String("ns-connect0123456"), NamespaceName: jsii.String("connect.prod.internal"),
	})
	p.Connect = &Connect{Namespace: ns, Server: server}
	if tls {
		p.Connect.Tls = &ConnectTls{
			AuthorityArn: jsii.String(caArn),
			Key:          kms.Key_FromKeyArn(stack, jsii.String("TlsKey"), jsii.String(tlsKeyArn)),
			Role:         iam.Role_FromRoleArn(stack, jsii.String("TlsRole"), jsii.String(tlsRoleArn), nil),
		}
	}
	return p
}

// connectTemplates synthesizes a client, a server and a TLS server in one app.
func connectTemplates(t *testing.T) (client, server, tls map[string]any) {
	t.Helper()
	app := cdktest.NewApp(t)
	build := func(id string, server, tls bool) awscdk.Stack {
		stack := cdktest.NewStack(app, id, "us-east-1")
		svc, err := NewService(stack, "Service", connectProps(stack, server, tls))
		require.NoError(t, err)
		svc.MoveGrants()
		return stack
	}
	c, s, st := build("Client", false, false), build("Server", true, false), build("TlsServer", true, true)
	return cdktest.Template(t, c), cdktest.Template(t, s), cdktest.Template(t, st)
}

// connectConfig is the ECS service's ServiceConnectConfiguration, or nil.
func connectConfig(t *testing.T, tpl map[string]any) map[string]any {
	t.Helper()
	_, svc := cdktest.Only(t, tpl, "AWS::ECS::Service")
	cfg, _ := cdktest.Props(t, svc)["ServiceConnectConfiguration"].(map[string]any)
	return cfg
}

// appPortMapping is the main container's one port mapping.
func appPortMapping(t *testing.T, tpl map[string]any) map[string]any {
	t.Helper()
	_, td := cdktest.Only(t, tpl, "AWS::ECS::TaskDefinition")
	return cdktest.Path[map[string]any](t, td, "Properties", "ContainerDefinitions", "0", "PortMappings", "0")
}

func TestServiceConnectConfiguresClientsAndServers(t *testing.T) {
	client, server, tls := connectTemplates(t)
	logGroupID, group := cdktest.Only(t, client, "AWS::Logs::LogGroup")
	require.NotNil(t, cdktest.Props(t, group)["KmsKeyId"], "the proxy's log group is KMS-encrypted")
	wantLog := map[string]any{
		"LogDriver": "awslogs",
		"Options": map[string]any{
			"awslogs-group": map[string]any{"Ref": logGroupID}, "awslogs-stream-prefix": "service-connect",
			"awslogs-region": "us-east-1", "mode": "non-blocking", "max-buffer-size": "26214400b",
		},
	}

	t.Run("a client uses the namespace and logs its proxy, and registers nothing", func(t *testing.T) {
		assert.Equal(t, map[string]any{"Enabled": true, "Namespace": connectNs, "LogConfiguration": wantLog}, connectConfig(t, client))
		assert.NotContains(t, appPortMapping(t, client), "Name", "a client's port needs no name")
	})
	t.Run("a server registers its name and port as discovery name and client alias", func(t *testing.T) {
		cfg := connectConfig(t, server)
		require.NotNil(t, cfg)
		assert.Equal(t, connectNs, cfg["Namespace"])
		assert.Equal(t, []any{map[string]any{
			"PortName": "product", "DiscoveryName": "product",
			"ClientAliases": []any{map[string]any{"DnsName": "product", "Port": float64(connectPort)}},
		}}, cfg["Services"], "no TLS and no port override without TLS")
		assert.Equal(t, map[string]any{"ContainerPort": float64(connectPort), "Protocol": "tcp", "Name": "product", "AppProtocol": "http"},
			appPortMapping(t, server), "the named HTTP port gives layer-7 metrics and retries")
	})
	t.Run("a TLS server takes certificates from the CA and terminates TLS on its own port", func(t *testing.T) {
		svc := cdktest.Path[map[string]any](t, connectConfig(t, tls), "Services", "0")
		assert.Equal(t, map[string]any{
			"IssuerCertificateAuthority": map[string]any{"AwsPcaAuthorityArn": caArn},
			"KmsKey":                     tlsKeyArn, "RoleArn": tlsRoleArn,
		}, svc["Tls"])
		assert.Equal(t, 7443.0, svc["IngressPortOverride"], "callers reach the TLS proxy port; the ALB keeps the app port")
		assert.Equal(t, []any{map[string]any{"DnsName": "product", "Port": float64(connectPort)}}, svc["ClientAliases"],
			"callers still call http://product:9090 (their own proxy encrypts)")
	})
	t.Run("Cloud Map registration stays in every case", func(t *testing.T) {
		for name, tpl := range map[string]map[string]any{"client": client, "server": server, "tls": tls} {
			_, svc := cdktest.Only(t, tpl, "AWS::ECS::Service")
			assert.Len(t, cdktest.Path[[]any](t, svc, "Properties", "ServiceRegistries"), 1, name)
			assert.Len(t, cdktest.OfType(t, tpl, "AWS::ServiceDiscovery::Service"), 1, name)
		}
	})
}

func TestWithoutConnectThereIsNoServiceConnect(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).minimal)
	assert.Nil(t, connectConfig(t, tpl))
	assert.NotContains(t, appPortMapping(t, tpl), "Name")
	assert.NotContains(t, appPortMapping(t, tpl), "AppProtocol")
}

func TestInvalidConnectIsRejected(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Bad", "us-east-1")
	built := connectProps(stack, true, true)
	base := func() ServiceProps { // a fresh copy of what the mutations change
		p, c, tls := built, *built.Connect, *built.Connect.Tls
		c.Tls, p.Connect = &tls, &c
		return p
	}
	cases := []cdktest.Invalid[ServiceProps]{
		{Name: "no namespace", Mutate: func(p *ServiceProps) { p.Connect.Namespace = nil }, Want: "Connect.Namespace is required"},
		{Name: "TLS on a client", Mutate: func(p *ServiceProps) { p.Connect.Server = false }, Want: "Connect.Tls applies to a server only"},
		{Name: "TLS without its role", Mutate: func(p *ServiceProps) { p.Connect.Tls.Role = nil }, Want: "Connect.Tls needs AuthorityArn, Key and Role"},
		{Name: "the app on the TLS port", Mutate: func(p *ServiceProps) { p.Port = 7443 }, Want: "Port 7443 is where the Service Connect proxy terminates TLS"},
	}
	cdktest.Rejects(t, base, func(p ServiceProps) error { return p.withDefaults().validate() }, cases)
}
