package service

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
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

// callsTemplates synthesizes a service that calls stock (on 9091) and price (on its TLS port)
// into a stack of its own, beside a stack that holds all three services' groups, as the Network
// stack does; and the same service without calls. It returns the caller's and the groups'
// templates with calls, and the caller's without.
func callsTemplates(t *testing.T) (caller, groups, without map[string]any) {
	t.Helper()
	app := cdktest.NewApp(t)
	shared := cdktest.NewStack(app, "Groups", "us-east-1")
	vpc := ec2.Vpc_FromVpcAttributes(shared, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId: jsii.String("vpc-0123456789abcdef0"), AvailabilityZones: jsii.Strings("us-east-1a", "us-east-1b"),
	})
	group := func(name string) ec2.ISecurityGroup {
		return ec2.NewSecurityGroup(shared, jsii.String(name), &ec2.SecurityGroupProps{
			Vpc: vpc, Description: jsii.String("Service " + name), AllowAllOutbound: jsii.Bool(false),
		})
	}
	product, stock, price := group("Product"), group("Stock"), group("Price")
	build := func(id string, calls []Call) awscdk.Stack {
		stack := cdktest.NewStack(app, id, "us-east-1")
		p := connectProps(stack, false, false)
		p.SecurityGroup, p.Connect.Calls = product, calls
		svc, err := NewService(stack, "Service", p)
		require.NoError(t, err)
		svc.MoveGrants()
		return stack
	}
	with := build("Caller", []Call{{Name: "stock", Group: stock, Port: 9091}, {Name: "price", Group: price, Port: 7443}})
	alone := build("Alone", nil)
	return cdktest.Template(t, with), cdktest.Template(t, shared), cdktest.Template(t, alone)
}

func TestCallsOpenExactlyTheDeclaredPathsInTheCallersStack(t *testing.T) {
	caller, groups, without := callsTemplates(t)
	// groupOf names the group of the Groups stack a rule's side imports ("" for anything else).
	groupOf := func(v any) string {
		for _, name := range []string{"Product", "Stock", "Price"} {
			if imp, ok := v.(map[string]any)["Fn::ImportValue"].(string); ok && strings.Contains(imp, "GetAtt"+name) {
				return name
			}
		}
		return ""
	}
	rules := func(tpl map[string]any, typ, peer string) (ids, got []string) {
		for id, r := range cdktest.OfType(t, tpl, typ) {
			p := cdktest.Props(t, r)
			ids = append(ids, id)
			got = append(got, fmt.Sprintf("%s ← %s %v %v-%v: %v", groupOf(p["GroupId"]), groupOf(p[peer]), p["IpProtocol"], p["FromPort"], p["ToPort"], p["Description"]))
		}
		slices.Sort(got)
		return ids, got
	}
	inIDs, ingress := rules(caller, "AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupId")
	outIDs, egress := rules(caller, "AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId")
	assert.Equal(t, []string{
		"Price ← Product tcp 7443-7443: From service product: its declared call to price (Service Connect)",
		"Stock ← Product tcp 9091-9091: From service product: its declared call to stock (Service Connect)",
	}, ingress, "each callee admits the caller on the call's port, and nothing else is admitted")
	assert.Equal(t, []string{
		"Product ← Price tcp 7443-7443: From service product: its declared call to price (Service Connect)",
		"Product ← Stock tcp 9091-9091: From service product: its declared call to stock (Service Connect)",
	}, egress, "the caller sends to each callee on the call's port, and nowhere else")
	assert.Empty(t, cdktest.OfType(t, groups, "AWS::EC2::SecurityGroupIngress"), "the groups' stack does not grow with the calls")
	assert.Empty(t, cdktest.OfType(t, groups, "AWS::EC2::SecurityGroupEgress"), "the groups' stack does not grow with the calls")

	_, svc := cdktest.Only(t, caller, "AWS::ECS::Service")
	dependsOn := cdktest.Path[[]any](t, svc, "DependsOn")
	for _, id := range append(inIDs, outIDs...) {
		assert.Contains(t, dependsOn, id, "the service's tasks start once their paths are open")
	}

	assert.Empty(t, cdktest.OfType(t, without, "AWS::EC2::SecurityGroupIngress"), "without calls the service admits nothing new")
	assert.Empty(t, cdktest.OfType(t, without, "AWS::EC2::SecurityGroupEgress"), "without calls the service sends nowhere new")
}

func TestInvalidConnectIsRejected(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Bad", "us-east-1")
	built := connectProps(stack, true, true)
	built.Connect.Calls = []Call{{Name: "stock", Port: 9091, Group: ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("Stock"),
		jsii.String("sg-0aaaaaaaaaaaaaaaa"), &ec2.SecurityGroupImportOptions{Mutable: jsii.Bool(false)})}}
	base := func() ServiceProps { // a fresh copy of what the mutations change
		p, c, tls := built, *built.Connect, *built.Connect.Tls
		c.Tls, c.Calls, p.Connect = &tls, slices.Clone(c.Calls), &c
		return p
	}
	cases := []cdktest.Invalid[ServiceProps]{
		{Name: "a call without a name", Mutate: func(p *ServiceProps) { p.Connect.Calls[0].Name = "" }, Want: "Connect.Calls[0].Name is required"},
		{Name: "a service calling itself", Mutate: func(p *ServiceProps) { p.Connect.Calls[0].Name = "product" }, Want: `Connect.Calls[0] has service "product" call itself`},
		{Name: "a call twice", Mutate: func(p *ServiceProps) { p.Connect.Calls = append(p.Connect.Calls, p.Connect.Calls[0]) }, Want: "Connect.Calls[1] (stock) is listed twice"},
		{Name: "a call without the callee's group", Mutate: func(p *ServiceProps) { p.Connect.Calls[0].Group = nil }, Want: "Connect.Calls[0].Group is required"},
		{Name: "a call to the service's own group", Mutate: func(p *ServiceProps) { p.Connect.Calls[0].Group = p.SecurityGroup }, Want: "Connect.Calls[0].Group is the service's own SecurityGroup"},
		{Name: "a call's port out of range", Mutate: func(p *ServiceProps) { p.Connect.Calls[0].Port = 0 }, Want: "Connect.Calls[0].Port 0 is outside 1-65535"},
		{Name: "no namespace", Mutate: func(p *ServiceProps) { p.Connect.Namespace = nil }, Want: "Connect.Namespace is required"},
		{Name: "TLS on a client", Mutate: func(p *ServiceProps) { p.Connect.Server = false }, Want: "Connect.Tls applies to a server only"},
		{Name: "TLS without its role", Mutate: func(p *ServiceProps) { p.Connect.Tls.Role = nil }, Want: "Connect.Tls needs AuthorityArn, Key and Role"},
		{Name: "the app on the TLS port", Mutate: func(p *ServiceProps) { p.Port = 7443 }, Want: "Port 7443 is where the Service Connect proxy terminates TLS"},
	}
	cdktest.Rejects(t, base, func(p ServiceProps) error { return p.withDefaults().validate() }, cases)
}
