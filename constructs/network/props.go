// Package network provides Network, the three-tier VPC L3 of Stratus: public, private-app and
// private-data subnets in every Availability Zone, NAT, VPC endpoints, flow logs, a data-tier
// network ACL and the security groups of every tier.
package network

import (
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// NatMode says how many NAT gateways the VPC gets.
type NatMode string

const (
	// NatPerAZ puts one NAT gateway in every AZ; each app subnet egresses through the NAT of its
	// own AZ, so losing an AZ never cuts the others off the internet.
	NatPerAZ NatMode = "per-az"
	// NatSingle shares one NAT gateway (in the first AZ) between all app subnets: cheaper, for dev.
	NatSingle NatMode = "single"
)

// Zone is one Availability Zone with the CIDRs of its three subnets.
type Zone struct {
	// Name is the AZ name, e.g. "us-east-1a".
	Name string
	// PublicCidr is the public subnet (ALB, NAT).
	PublicCidr string
	// AppCidr is the private-app subnet (Fargate tasks, interface endpoints).
	AppCidr string
	// DataCidr is the isolated private-data subnet (databases, caches).
	DataCidr string
}

// ServicePort names one microservice and the port its containers listen on.
type ServicePort struct {
	// Name is the service name, e.g. "product"; it names the service's security group.
	Name string
	// Port is the container port the ALB forwards to.
	Port int
	// Database gives the service's group the database port: to the database security group (which
	// admits it) and to the data subnets of peered regions.
	// Default: false (a service without a database cannot open a connection to one).
	Database bool
}

// NetworkProps configures a Network.
type NetworkProps struct {
	// VpcCidr is the VPC's IPv4 CIDR, a /16 to /24.
	VpcCidr string
	// Zones lists the AZs (at least 2, at most 5) with their subnet CIDRs. The AZ names are used
	// as they are: synth never looks AZs up, so it never needs credentials.
	Zones []Zone
	// CloudFrontPrefixListId is the id of the region's `com.amazonaws.global.cloudfront.origin-facing`
	// managed prefix list; the ALB security group admits HTTPS from it only. Required unless
	// WithoutLoadBalancer.
	CloudFrontPrefixListId string

	// NatGateways chooses one NAT per AZ or a single shared NAT.
	// Default: NatPerAZ.
	NatGateways NatMode
	// InterfaceEndpoints lists interface endpoint service names (`com.amazonaws.<region>.<name>`),
	// e.g. "ecr.api", "logs". They are placed in the app subnets with private DNS.
	// Default: none (the S3 and DynamoDB gateway endpoints are always created).
	InterfaceEndpoints []string
	// FlowLogRetention is how long the flow-log group keeps records, and the log group of the
	// function that empties the default security group.
	// Default: awslogs.RetentionDays_ONE_YEAR.
	FlowLogRetention awslogs.RetentionDays
	// Services gets one security group each, open on its port to the ALB security group only
	// (with WithoutLoadBalancer, to nothing until the caller admits a source).
	// Default: none.
	Services []ServicePort
	// DatabasePort is the port the database security group and the data-tier NACL admit.
	// Default: 5432.
	DatabasePort int
	// CachePort is the port the cache security group and the data-tier NACL admit.
	// Default: 6379.
	CachePort int
	// HealthCheckerCidrs are public IPv4 ranges admitted on 443 by HealthCheckSecurityGroup, a
	// second ALB group: the Route 53 health checkers, which cannot come through CloudFront. The
	// ALB answers them only on its header-less health-check rule.
	// Default: none.
	HealthCheckerCidrs []string
	// DeniedCidrs are IPv4 ranges the public and app subnets may neither receive from nor send
	// to, enforced by a NACL on each tier (deny rules ahead of an allow-all). They may not
	// overlap the VPC or be 0.0.0.0/0. The data tier keeps its own allow-list NACL.
	// Default: none (the public and app subnets keep the VPC's default NACL).
	DeniedCidrs []string
	// WithoutLoadBalancer leaves out the public ALB's groups (AlbSecurityGroup,
	// HealthCheckSecurityGroup) and the services' ingress from them: the services are reached
	// another way (an HTTP API's VPC link, whose group the API admits itself). CloudFrontPrefixListId
	// and HealthCheckerCidrs are then unused.
	// Default: false (an ALB fronts the services).
	WithoutLoadBalancer bool
}

var (
	prefixListID = regexp.MustCompile(`^pl-[0-9a-f]{8,17}$`)
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p NetworkProps) withDefaults() NetworkProps {
	if p.NatGateways == "" {
		p.NatGateways = NatPerAZ
	}
	if p.FlowLogRetention == "" {
		p.FlowLogRetention = retention.Default
	}
	if p.DatabasePort == 0 {
		p.DatabasePort = limits.DatabasePort
	}
	if p.CachePort == 0 {
		p.CachePort = limits.DefaultCachePort
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p NetworkProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	vpc, err := netip.ParsePrefix(p.VpcCidr)
	switch {
	case err != nil:
		add("VpcCidr %q is not an IPv4 CIDR", p.VpcCidr)
	case !vpc.Addr().Is4() || vpc.Bits() < limits.MinVPCPrefixBits || vpc.Bits() > limits.MaxVPCPrefixBits:
		add("VpcCidr %q must be an IPv4 /%d to /%d", p.VpcCidr, limits.MinVPCPrefixBits, limits.MaxVPCPrefixBits)
	case vpc.Masked() != vpc:
		add("VpcCidr %q is not a network address (use %s)", p.VpcCidr, vpc.Masked())
	}

	if n := len(p.Zones); n < limits.MinZones || n > limits.MaxZones {
		add("Zones has %d entries; %d to %d are allowed (the ALB needs 2 AZs; the data NACL quota allows %d)", n, limits.MinZones, limits.MaxZones, limits.MaxZones)
	}
	var subnets []namedPrefix
	seenZone := map[string]bool{}
	for i, z := range p.Zones {
		if z.Name == "" {
			add("Zones[%d].Name is empty", i)
		} else if seenZone[z.Name] {
			add("Zones[%d].Name %q is listed twice", i, z.Name)
		}
		seenZone[z.Name] = true
		for _, s := range []struct{ key, cidr string }{
			{"PublicCidr", z.PublicCidr}, {"AppCidr", z.AppCidr}, {"DataCidr", z.DataCidr},
		} {
			key := fmt.Sprintf("Zones[%d].%s", i, s.key)
			sn, err := netip.ParsePrefix(s.cidr)
			if err != nil || !sn.Addr().Is4() || sn.Masked() != sn || sn.Bits() > limits.MaxSubnetPrefixBits {
				add("%s %q must be an IPv4 network CIDR no smaller than /%d", key, s.cidr, limits.MaxSubnetPrefixBits)
				continue
			}
			if vpc.IsValid() && (sn.Bits() < vpc.Bits() || !vpc.Contains(sn.Addr())) {
				add("%s %q is outside VpcCidr %q", key, s.cidr, p.VpcCidr)
			}
			for _, other := range subnets {
				if other.prefix.Overlaps(sn) {
					add("%s %q overlaps %s %q", key, s.cidr, other.key, other.prefix)
				}
			}
			subnets = append(subnets, namedPrefix{key, sn})
		}
	}

	if !p.WithoutLoadBalancer && !prefixListID.MatchString(p.CloudFrontPrefixListId) {
		add("CloudFrontPrefixListId %q is not a prefix list id (pl-…)", p.CloudFrontPrefixListId)
	}
	if p.NatGateways != NatPerAZ && p.NatGateways != NatSingle {
		add("NatGateways %q is not one of %q, %q", p.NatGateways, NatPerAZ, NatSingle)
	}
	seenEndpoint := map[string]bool{}
	for i, e := range p.InterfaceEndpoints {
		switch {
		case slices.Contains(limits.GatewayEndpoints, e):
			add("InterfaceEndpoints[%d] %q is always created as a gateway endpoint", i, e)
		case !slices.Contains(limits.InterfaceEndpoints, e):
			add("InterfaceEndpoints[%d] %q is not an interface endpoint Stratus knows (allowed: %s)", i, e, strings.Join(limits.InterfaceEndpoints, ", "))
		case seenEndpoint[e]:
			add("InterfaceEndpoints[%d] %q is listed twice", i, e)
		}
		seenEndpoint[e] = true
	}

	checkPort := func(key string, port int) {
		if port < limits.MinPort || port > limits.MaxPort {
			add("%s %d is outside %d-%d", key, port, limits.MinPort, limits.MaxPort)
		}
	}
	checkPort("DatabasePort", p.DatabasePort)
	checkPort("CachePort", p.CachePort)
	if p.DatabasePort == p.CachePort {
		add("DatabasePort and CachePort are both %d", p.CachePort)
	}
	if err := retention.Check("FlowLogRetention", p.FlowLogRetention); err != nil {
		errs = append(errs, err)
	}
	for i, c := range p.HealthCheckerCidrs {
		pf, err := netip.ParsePrefix(c)
		if err != nil || !pf.Addr().Is4() || pf.Masked() != pf || pf.Bits() < 8 {
			add("HealthCheckerCidrs[%d] %q must be an IPv4 network CIDR of /8 or smaller", i, c)
		}
	}
	if n := len(p.DeniedCidrs); n > limits.MaxDeniedCidrs {
		add("DeniedCidrs has %d entries; at most %d are allowed", n, limits.MaxDeniedCidrs)
	}
	seenDenied := map[netip.Prefix]bool{}
	for i, c := range p.DeniedCidrs {
		pf, err := netip.ParsePrefix(c)
		switch {
		case err != nil || !pf.Addr().Is4() || pf.Masked() != pf:
			add("DeniedCidrs[%d] %q must be an IPv4 network CIDR, e.g. 203.0.113.0/24", i, c)
		case pf.Bits() == 0:
			add("DeniedCidrs[%d] %q would deny every address", i, c)
		case vpc.IsValid() && pf.Overlaps(vpc):
			add("DeniedCidrs[%d] %q overlaps VpcCidr %q", i, c, p.VpcCidr)
		case seenDenied[pf]:
			add("DeniedCidrs[%d] %q is listed twice", i, c)
		}
		seenDenied[pf] = true
	}
	seenService := map[string]bool{}
	for i, s := range p.Services {
		if !limits.ValidServiceName(s.Name) {
			add("Services[%d].Name %q must be %s", i, s.Name, limits.ServiceNameRule)
		} else if seenService[s.Name] {
			add("Services[%d].Name %q is listed twice", i, s.Name)
		}
		seenService[s.Name] = true
		checkPort(fmt.Sprintf("Services[%d].Port", i), s.Port)
	}
	return errors.Join(errs...)
}

type namedPrefix struct {
	key    string
	prefix netip.Prefix
}
