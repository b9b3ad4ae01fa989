// Package transitgateway provides TransitGateway, the L3 that gives one region's VPC a Transit
// Gateway with its own route table, a VPC attachment in dedicated subnets and VPC routes to the
// peer regions, and the parts of an inter-region peering, each placed in the stack of its deploy
// step: PeeringRequest (the requester's attachment), PeeringAccepter (the accepter's custom
// resource and routes) and PeeringRoutes (the requester's routes, once accepted).
package transitgateway

import (
	"errors"
	"fmt"
	"net/netip"

	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// AttachmentSubnet is one dedicated subnet of the VPC attachment.
type AttachmentSubnet struct {
	// Zone is the availability zone, e.g. "us-east-1a".
	Zone string
	// Cidr is the subnet's IPv4 block, /24 to /28 inside the VPC.
	Cidr string
}

// TransitGatewayProps configures a TransitGateway.
type TransitGatewayProps struct {
	// Vpc is the VPC the gateway attaches.
	Vpc ec2.IVpc
	// VpcCidr is Vpc's IPv4 block; the attachment subnets must lie inside it.
	VpcCidr string
	// Asn is the gateway's Amazon side ASN, private: 64512-65534 or 4200000000-4294967294.
	Asn int
	// AttachmentSubnets are the attachment's subnets, one per AZ the VPC uses.
	AttachmentSubnets []AttachmentSubnet
	// RoutedSubnets are the subnets whose route tables get a route to every peer CIDR through
	// the gateway (the app and data subnets).
	RoutedSubnets []ec2.ISubnet
	// PeerCidrs are the VPC blocks of the other regions.
	PeerCidrs []string
	// ParameterName is the SSM parameter (in this region) that publishes the gateway's id to the
	// other regions, e.g. "/stratus/prod/transit-gateway/id".
	ParameterName string
	// Description describes the gateway.
	// Default: "Stratus transit gateway".
	Description string
}

func (p TransitGatewayProps) withDefaults() TransitGatewayProps {
	if p.Description == "" {
		p.Description = "Stratus transit gateway"
	}
	return p
}

func (p TransitGatewayProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if p.Vpc == nil {
		add("Vpc is required")
	}
	if !limits.ValidASN(p.Asn) {
		add("Asn %d is not a private ASN (%d-%d or %d-%d)", p.Asn, limits.MinPrivateASN16, limits.MaxPrivateASN16, limits.MinPrivateASN32, limits.MaxPrivateASN32)
	}
	vpc, err := netip.ParsePrefix(p.VpcCidr)
	if err != nil || !vpc.Addr().Is4() || vpc.Masked() != vpc {
		add("VpcCidr %q is not an IPv4 network CIDR", p.VpcCidr)
	}
	if len(p.AttachmentSubnets) < limits.MinZones {
		add("AttachmentSubnets has %d entries; one per AZ, at least %d, are required", len(p.AttachmentSubnets), limits.MinZones)
	}
	var seen []netip.Prefix
	zones := map[string]bool{}
	for i, s := range p.AttachmentSubnets {
		if s.Zone == "" || zones[s.Zone] {
			add("AttachmentSubnets[%d].Zone %q is empty or listed twice", i, s.Zone)
		}
		zones[s.Zone] = true
		pf, err := netip.ParsePrefix(s.Cidr)
		switch {
		case err != nil || !pf.Addr().Is4() || pf.Masked() != pf || pf.Bits() < limits.MinAttachmentSubnetBits || pf.Bits() > limits.MaxAttachmentSubnetBits:
			add("AttachmentSubnets[%d].Cidr %q must be an IPv4 network CIDR, /%d to /%d", i, s.Cidr, limits.MinAttachmentSubnetBits, limits.MaxAttachmentSubnetBits)
			continue
		case vpc.IsValid() && !(vpc.Contains(pf.Addr()) && pf.Bits() >= vpc.Bits()):
			add("AttachmentSubnets[%d].Cidr %q is outside VpcCidr %q", i, s.Cidr, p.VpcCidr)
		}
		for _, o := range seen {
			if o.Overlaps(pf) {
				add("AttachmentSubnets[%d].Cidr %q overlaps %s", i, s.Cidr, o)
			}
		}
		seen = append(seen, pf)
	}
	if len(p.RoutedSubnets) == 0 {
		add("RoutedSubnets is empty: no subnet would route to the peers")
	}
	errs = append(errs, checkPeerCidrs("PeerCidrs", p.PeerCidrs, vpc)...)
	if p.ParameterName == "" || p.ParameterName[0] != '/' {
		add("ParameterName %q must be an SSM parameter path starting with /", p.ParameterName)
	}
	return errors.Join(errs...)
}

// checkPeerCidrs reports peer blocks that are malformed, repeated or overlapping vpc (routes to
// them would shadow or duplicate the VPC's local route).
func checkPeerCidrs(key string, cidrs []string, vpc netip.Prefix) []error {
	var errs []error
	if len(cidrs) == 0 {
		errs = append(errs, fmt.Errorf("%s is empty: a transit gateway needs a peer region", key))
	}
	var seen []netip.Prefix
	for i, c := range cidrs {
		pf, err := netip.ParsePrefix(c)
		if err != nil || !pf.Addr().Is4() || pf.Masked() != pf || pf.Bits() == 0 {
			errs = append(errs, fmt.Errorf("%s[%d] %q must be an IPv4 network CIDR other than 0.0.0.0/0", key, i, c))
			continue
		}
		if vpc.IsValid() && vpc.Overlaps(pf) {
			errs = append(errs, fmt.Errorf("%s[%d] %q overlaps the VPC %s", key, i, c, vpc))
		}
		for _, o := range seen {
			if o.Overlaps(pf) {
				errs = append(errs, fmt.Errorf("%s[%d] %q overlaps %s", key, i, c, o))
			}
		}
		seen = append(seen, pf)
	}
	return errs
}

// FunctionProps places the peering custom resources' functions.
type FunctionProps struct {
	// Vpc and Subnets hold the functions; the subnets need HTTPS egress (NAT) to reach the EC2
	// and SSM APIs of the other regions.
	Vpc     ec2.IVpc
	Subnets *ec2.SubnetSelection
	// LogRetention is how long the functions' encrypted log group keeps records.
	// Default: retention.Default.
	LogRetention awslogs.RetentionDays
}

func (f FunctionProps) withDefaults() FunctionProps {
	if f.LogRetention == "" {
		f.LogRetention = retention.Default
	}
	return f
}

func (f FunctionProps) validate() []error {
	var errs []error
	if f.Vpc == nil || f.Subnets == nil {
		errs = append(errs, errors.New("Function.Vpc and Function.Subnets are required"))
	}
	if err := retention.Check("Function.LogRetention", f.LogRetention); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// netipNone stands for "no VPC to compare with".
var netipNone netip.Prefix
