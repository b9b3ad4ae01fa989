package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestServiceConnectGetsAnHttpNamespaceBesideTheDnsOne(t *testing.T) {
	assert.Empty(t, cdktest.OfType(t, cdktest.Template(t, synth(t).defaults), "AWS::ServiceDiscovery::HttpNamespace"),
		"no Service Connect namespace unless asked for")
	assert.Nil(t, synth(t).defaultsOut.ServiceConnectNamespace)

	stack := cdktest.NewStack(cdktest.NewApp(t), "Connect", "us-east-1")
	c, err := NewCluster(stack, "Cluster", ClusterProps{Vpc: importedVpc(stack), NamespaceName: "prod.internal", ServiceConnectNamespaceName: "connect.prod.internal"})
	require.NoError(t, err)
	require.NotNil(t, c.ServiceConnectNamespace)
	tpl := cdktest.Template(t, stack)
	_, ns := cdktest.Only(t, tpl, "AWS::ServiceDiscovery::HttpNamespace")
	assert.Equal(t, "connect.prod.internal", cdktest.Props(t, ns)["Name"])
	_, dns := cdktest.Only(t, tpl, "AWS::ServiceDiscovery::PrivateDnsNamespace")
	assert.Equal(t, "prod.internal", cdktest.Props(t, dns)["Name"], "the DNS namespace (Cloud Map registration) stays")
}

func TestInvalidServiceConnectNamespaceIsRejected(t *testing.T) {
	vpc := synth(t).defaultsOut.Cluster.Vpc()
	cdktest.Rejects(t, func() ClusterProps { return ClusterProps{Vpc: vpc, NamespaceName: "prod.internal"} },
		func(p ClusterProps) error { return p.withDefaults().validate() }, []cdktest.Invalid[ClusterProps]{
			{Name: "not a DNS name", Mutate: func(p *ClusterProps) { p.ServiceConnectNamespaceName = "Connect NS" },
				Want: `ServiceConnectNamespaceName "Connect NS" must be a DNS name other than NamespaceName`},
			{Name: "the DNS namespace's name", Mutate: func(p *ClusterProps) { p.ServiceConnectNamespaceName = "prod.internal" },
				Want: `ServiceConnectNamespaceName "prod.internal" must be a DNS name other than NamespaceName`},
		})
}
