// Package dns provides the Route 53 records of Stratus: the viewer names aliased to CloudFront
// (ApexRecords, in the Edge stack), and in every region the health-checked `origin.<domain>`
// record that CloudFront's API origin resolves through latency or failover routing
// (OriginRecord, every region's in the us-east-1 Edge stack beside its health check) aliasing
// a plain per-region name (RegionalAlias, in the region's App stack). The hosted zone is always
// imported by id and name: nothing is looked up.
package dns

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cf "github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Routing modes of OriginRecordProps.Routing.
const (
	// RoutingLatency answers with the healthy region closest (in latency) to the resolver:
	// every region serves traffic (active-active).
	RoutingLatency = "latency"
	// RoutingFailover answers with the primary region while it is healthy and with a secondary
	// one otherwise (active-warm).
	RoutingFailover = "failover"
)

// ApexProps configures ApexRecords.
type ApexProps struct {
	// Zone is the public hosted zone, imported by id and name.
	Zone r53.IHostedZone
	// Names are the viewer names to alias to the distribution, e.g. ["example.com",
	// "www.example.com"]; each gets an A and an AAAA alias record. 1 to 10, all in Zone.
	Names []string
	// Distribution is the CloudFront distribution serving Names.
	Distribution cf.IDistribution
}

// OriginRecordProps configures one region's OriginRecord.
type OriginRecordProps struct {
	// Zone is the public hosted zone, imported by id and name.
	Zone r53.IHostedZone
	// Name is the API origin name every region shares, e.g. "origin.example.com"; in Zone.
	Name string
	// RegionalName is a name in Zone that resolves to this region's origin only and is on its
	// certificate, e.g. "us-east-1.origin.example.com" (see RegionalAlias): the records' alias
	// target and the health check's host. It must differ from Name, which resolves to whichever
	// region Route 53 picks. With Ipv6 it must have an AAAA record too.
	RegionalName string
	// Region is the region the record answers for, e.g. "eu-west-1": its latency region and its
	// set identifier. The record itself may live in any stack (see NewOriginRecord).
	Region string
	// Routing is RoutingLatency or RoutingFailover; every region must use the same.
	Routing string
	// Primary marks the failover PRIMARY record (the primary region); other regions get
	// SECONDARY. Ignored with latency routing.
	Primary bool

	// HealthCheckPath is the path Route 53 requests over HTTPS.
	// Default: "/health".
	HealthCheckPath string
	// HealthCheckIntervalSeconds is 10 (fast, costs more) or 30.
	// Default: 30.
	HealthCheckIntervalSeconds int
	// FailureThreshold is how many consecutive failed checks (1 to 10) mark the region unhealthy.
	// Default: 3.
	FailureThreshold int
	// Ipv6 adds an AAAA alias with the same routing and health check, for a dual-stack ALB.
	// Default: false (A only: the ALBs are IPv4, and CloudFront reaches origins over IPv4).
	Ipv6 bool
	// AlsoHealthCheckID is a health check the record must pass too, e.g. one an ARC Region
	// switch plan created for this record set: the record then uses a calculated health check
	// that is healthy only when both are. HealthCheck stays the HTTPS check.
	// Default: "" (the record uses the HTTPS check alone).
	AlsoHealthCheckID string
	// CheckerRegions limits the health check to Route 53 checkers in these regions (at least 3),
	// so the ALB admits only their published ranges.
	// Default: none (Route 53's default set of checker regions).
	CheckerRegions []string
}

// RegionalAliasProps configures a RegionalAlias.
type RegionalAliasProps struct {
	// Zone is the public hosted zone, imported by id and name.
	Zone r53.IHostedZone
	// Name is this region's own name, e.g. "us-east-1.origin.example.com"; in Zone.
	Name string
	// LoadBalancer is this region's public ALB.
	LoadBalancer elbv2.IApplicationLoadBalancer
	// Target is the alias target instead of LoadBalancer (e.g. an API Gateway regional domain).
	Target *AliasTarget
}

// AliasTarget is an alias target other than an ALB: a DNS name and its canonical hosted zone.
type AliasTarget struct {
	DnsName, HostedZoneId *string
}

func (p ApexProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	zone := checkZone(add, "Zone", p.Zone)
	if n := len(p.Names); n < limits.MinViewerNames || n > limits.MaxViewerNames {
		add("Names has %d entries; %d to %d are allowed", n, limits.MinViewerNames, limits.MaxViewerNames)
	}
	seen := map[string]bool{}
	for i, name := range p.Names {
		checkName(add, fmt.Sprintf("Names[%d]", i), name, zone)
		if seen[name] {
			add("Names[%d] %q is listed twice", i, name)
		}
		seen[name] = true
	}
	if p.Distribution == nil {
		add("Distribution is required")
	}
	return errors.Join(errs...)
}

// healthCheckIDRE is a Route 53 health check id.
var healthCheckIDRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p OriginRecordProps) withDefaults() OriginRecordProps {
	if p.HealthCheckPath == "" {
		p.HealthCheckPath = limits.DefaultHealthCheckPath
	}
	if p.HealthCheckIntervalSeconds == 0 {
		p.HealthCheckIntervalSeconds = 30
	}
	if p.FailureThreshold == 0 {
		p.FailureThreshold = 3
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p OriginRecordProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	zone := checkZone(add, "Zone", p.Zone)
	checkName(add, "Name", p.Name, zone)
	switch {
	case !limits.ValidDomainName(p.RegionalName):
		add("RegionalName %q is not a lowercase DNS name such as \"us-east-1.origin.example.com\"", p.RegionalName)
	case p.RegionalName == p.Name:
		add("RegionalName %q is the routed name itself; it must resolve to this region's origin only", p.RegionalName)
	case zone != "" && !strings.HasSuffix(p.RegionalName, "."+zone):
		add("RegionalName %q is not in the hosted zone %q: the records alias it in their own zone", p.RegionalName, zone)
	}
	if p.AlsoHealthCheckID != "" && !healthCheckIDRE.MatchString(p.AlsoHealthCheckID) {
		add("AlsoHealthCheckID %q is not a Route 53 health check id (a UUID such as \"abcdef01-2345-6789-abcd-ef0123456789\")", p.AlsoHealthCheckID)
	}
	if !limits.ValidRegionName(p.Region) {
		add("Region %q is not an AWS region name such as \"eu-west-1\"", p.Region)
	}
	if p.Routing != RoutingLatency && p.Routing != RoutingFailover {
		add("Routing %q is not one of %q, %q", p.Routing, RoutingLatency, RoutingFailover)
	}
	if !limits.ValidRoute53Path(p.HealthCheckPath) {
		add("HealthCheckPath %q is not a Route 53 health-check path (allowed: %s)", p.HealthCheckPath, limits.Route53PathRule)
	}
	if !slices.Contains(limits.HealthCheckIntervals, p.HealthCheckIntervalSeconds) {
		add("HealthCheckIntervalSeconds %d is not one of %v", p.HealthCheckIntervalSeconds, limits.HealthCheckIntervals)
	}
	if n := len(p.CheckerRegions); n > 0 && n < 3 {
		add("CheckerRegions has %d entries; Route 53 needs at least 3", n)
	}
	if p.FailureThreshold < limits.MinHealthCheckFailures || p.FailureThreshold > limits.MaxHealthCheckFailures {
		add("FailureThreshold %d is outside %d-%d", p.FailureThreshold, limits.MinHealthCheckFailures, limits.MaxHealthCheckFailures)
	}
	return errors.Join(errs...)
}

func (p RegionalAliasProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	zone := checkZone(add, "Zone", p.Zone)
	checkName(add, "Name", p.Name, zone)
	if (p.LoadBalancer == nil) == (p.Target == nil) {
		add("LoadBalancer is required (or Target, not both)")
	}
	return errors.Join(errs...)
}

// checkZone requires a zone and returns its name when known at synth time (imported zones'
// names are), "" otherwise.
func checkZone(add func(string, ...any), key string, zone r53.IHostedZone) string {
	if zone == nil {
		add("%s is required", key)
		return ""
	}
	name := zone.ZoneName()
	if name == nil || *awscdk.Token_IsUnresolved(name) {
		return ""
	}
	return strings.TrimSuffix(strings.ToLower(*name), ".")
}

func checkName(add func(string, ...any), key, name, zone string) {
	switch {
	case !limits.ValidDomainName(name):
		add("%s %q is not a lowercase DNS name such as \"origin.example.com\"", key, name)
	case zone != "" && name != zone && !strings.HasSuffix(name, "."+zone):
		add("%s %q is not in the hosted zone %q", key, name, zone)
	}
}
