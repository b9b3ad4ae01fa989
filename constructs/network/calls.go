package network

import (
	"fmt"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Call is one declared service-to-service path.
type Call struct {
	// Caller and Callee name two different services of Services.
	Caller, Callee string
	// Port is where the callee admits the caller: the callee's own port, or the port its
	// Service Connect proxy terminates TLS on.
	Port int
}

// buildCalls opens exactly the declared paths: an ingress rule on the callee's group whose
// source is the caller's group, and the matching egress rule on the caller's group (service
// groups allow no outbound traffic by default). Both are rule resources of their own, so the
// groups' descriptions, and with them the groups, stay as they were.
func (n *Network) buildCalls(p NetworkProps) {
	for _, c := range p.Calls {
		callee, caller := n.ServiceSecurityGroups[c.Callee], n.ServiceSecurityGroups[c.Caller]
		callee.Connections().AllowFrom(caller, ec2.Port_Tcp(jsii.Number(float64(c.Port))),
			jsii.String(fmt.Sprintf("From service %s: its declared call to %s (Service Connect)", c.Caller, c.Callee)))
	}
}

// callProblems reports calls that name an unknown service, a service calling itself, a pair
// listed twice or a port out of range; services holds the valid service names.
func (p NetworkProps) callProblems(services map[string]bool) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	seen := map[[2]string]bool{}
	for i, c := range p.Calls {
		for _, who := range []struct{ key, name string }{{"Caller", c.Caller}, {"Callee", c.Callee}} {
			if !services[who.name] {
				add("Calls[%d].%s %q is not one of Services", i, who.key, who.name)
			}
		}
		pair := [2]string{c.Caller, c.Callee}
		switch {
		case c.Caller == c.Callee:
			add("Calls[%d] has service %q call itself", i, c.Caller)
		case seen[pair]:
			add("Calls[%d] (%s → %s) is listed twice", i, c.Caller, c.Callee)
		}
		seen[pair] = true
		if c.Port < limits.MinPort || c.Port > limits.MaxPort {
			add("Calls[%d].Port %d is outside %d-%d", i, c.Port, limits.MinPort, limits.MaxPort)
		}
	}
	return errs
}
