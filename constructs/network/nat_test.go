package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// NatGatewayIDs lists exactly the VPC's NAT gateways: one per AZ, or the single shared one.
func TestNatGatewayIDsAreTheVpcsGateways(t *testing.T) {
	for mode, want := range map[NatMode]int{NatPerAZ: 2, NatSingle: 1} {
		p := validProps()
		p.NatGateways = mode
		stack := cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
		n, err := NewNetwork(stack, "Network", p)
		require.NoError(t, err)
		require.Len(t, n.NatGatewayIDs, want, string(mode))
		gateways := cdktest.OfType(t, cdktest.Template(t, stack), "AWS::EC2::NatGateway")
		for _, id := range n.NatGatewayIDs {
			ref := stack.Resolve(id).(map[string]any)["Ref"]
			assert.Contains(t, gateways, ref, "%s: %v is a NAT gateway of the template", mode, ref)
		}
	}
}
