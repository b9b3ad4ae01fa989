package network

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// callProps has three services: order calls stock, stock calls price, and nobody calls order.
func callProps() NetworkProps {
	p := validProps()
	p.Services = []ServicePort{{Name: "order", Port: 9090}, {Name: "stock", Port: 9091}, {Name: "price", Port: 9092}}
	p.Calls = []Call{{Caller: "order", Callee: "stock", Port: 9091}, {Caller: "stock", Callee: "price", Port: 7443}}
	return p
}

// serviceToService lists the rules between two service groups of template, as "<caller> →
// <callee> tcp <from>-<to>" from the ingress side (source group) and the egress side
// (destination group) separately.
func serviceToService(t *testing.T, template map[string]any) (ingress, egress []string) {
	t.Helper()
	service := map[string]string{} // logical id → service name, service groups only
	for id, g := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroup") {
		var name string
		if _, err := fmt.Sscanf(cdktest.Path[string](t, g, "Properties", "GroupDescription"), "Service %s", &name); err == nil {
			service[id] = name[:len(name)-1] // "order:" → "order"
		}
	}
	groupOf := func(ref any) string {
		m, ok := ref.(map[string]any)
		if !ok || m["Fn::GetAtt"] == nil {
			return ""
		}
		return service[cdktest.Path[[]any](t, ref, "Fn::GetAtt")[0].(string)]
	}
	rule := func(from, to string, p map[string]any) string {
		return fmt.Sprintf("%s → %s %v %v-%v", from, to, p["IpProtocol"], p["FromPort"], p["ToPort"])
	}
	for _, r := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroupIngress") {
		p := cdktest.Props(t, r)
		if from, to := groupOf(p["SourceSecurityGroupId"]), groupOf(p["GroupId"]); from != "" && to != "" {
			ingress = append(ingress, rule(from, to, p))
		}
	}
	for _, r := range cdktest.OfType(t, template, "AWS::EC2::SecurityGroupEgress") {
		p := cdktest.Props(t, r)
		if from, to := groupOf(p["GroupId"]), groupOf(p["DestinationSecurityGroupId"]); from != "" && to != "" {
			egress = append(egress, rule(from, to, p))
		}
	}
	sort.Strings(ingress)
	sort.Strings(egress)
	return ingress, egress
}

func TestServiceGroupsAdmitExactlyTheDeclaredCalls(t *testing.T) {
	tpl := synthJSON(t, callProps())
	ingress, egress := serviceToService(t, tpl)
	want := []string{"order → stock tcp 9091-9091", "stock → price tcp 7443-7443"}
	assert.Equal(t, want, ingress, "each callee admits exactly its callers, on the call's port")
	assert.Equal(t, want, egress, "each caller may send exactly to its callees, on the call's port")
	for _, undeclared := range []string{"order → price", "price → stock", "stock → order", "price → order"} {
		for _, r := range append(ingress, egress...) {
			assert.NotContains(t, r, undeclared+" ", "no rule for the undeclared pair %s", undeclared)
		}
	}

	without := callProps()
	without.Calls = nil
	ingress, egress = serviceToService(t, synthJSON(t, without))
	assert.Empty(t, ingress, "without calls no service admits another")
	assert.Empty(t, egress, "without calls no service sends to another")
}

func TestCallsAddOnlyRuleResources(t *testing.T) {
	with, without := synthJSON(t, callProps()), callProps()
	without.Calls = nil
	base := synthJSON(t, without)
	for _, kind := range []string{"AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"} {
		assert.Len(t, cdktest.OfType(t, with, kind), len(cdktest.OfType(t, base, kind))+2, "%s: one per call", kind)
	}
	groups := cdktest.OfType(t, base, "AWS::EC2::SecurityGroup")
	for id, g := range cdktest.OfType(t, with, "AWS::EC2::SecurityGroup") {
		require.Contains(t, groups, id)
		assert.Equal(t, groups[id], g, "calls leave group %s itself unchanged (a changed group would be replaced)", id)
	}
}

func TestInvalidCallsAreRejected(t *testing.T) {
	cases := []cdktest.Invalid[NetworkProps]{
		{Name: "an unknown callee", Mutate: func(p *NetworkProps) { p.Calls[0].Callee = "billing" }, Want: `Calls[0].Callee "billing" is not one of Services`},
		{Name: "an unknown caller", Mutate: func(p *NetworkProps) { p.Calls[1].Caller = "web" }, Want: `Calls[1].Caller "web" is not one of Services`},
		{Name: "a service calling itself", Mutate: func(p *NetworkProps) { p.Calls[0].Callee = "order" }, Want: `Calls[0] has service "order" call itself`},
		{Name: "a call twice", Mutate: func(p *NetworkProps) { p.Calls = append(p.Calls, p.Calls[0]) }, Want: "Calls[2] (order → stock) is listed twice"},
		{Name: "a port out of range", Mutate: func(p *NetworkProps) { p.Calls[0].Port = 0 }, Want: "Calls[0].Port 0 is outside 1-65535"},
	}
	cdktest.Rejects(t, callProps, func(p NetworkProps) error { return p.withDefaults().validate() }, cases)
}
