package dns

import (
	"fmt"

	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	targets "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/naming"
)

// ApexRecords aliases the viewer names to the CloudFront distribution (A and AAAA each).
type ApexRecords struct {
	constructs.Construct

	// A and Aaaa hold each name's alias records, by name.
	A    map[string]r53.ARecord
	Aaaa map[string]r53.AaaaRecord
}

// NewApexRecords creates an A and an AAAA alias to the distribution for every name, or returns
// every problem with props.
func NewApexRecords(scope constructs.Construct, id string, props ApexProps) (*ApexRecords, error) {
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("apex records %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &ApexRecords{Construct: this, A: map[string]r53.ARecord{}, Aaaa: map[string]r53.AaaaRecord{}}
	target := r53.RecordTarget_FromAlias(targets.NewCloudFrontTarget(props.Distribution))
	for _, name := range props.Names {
		base := naming.Pascal(name)
		a.A[name] = r53.NewARecord(this, jsii.String(base+"A"), &r53.ARecordProps{
			Zone: props.Zone, RecordName: jsii.String(name + "."), Target: target,
		})
		a.Aaaa[name] = r53.NewAaaaRecord(this, jsii.String(base+"Aaaa"), &r53.AaaaRecordProps{
			Zone: props.Zone, RecordName: jsii.String(name + "."), Target: target,
		})
	}
	return a, nil
}

// OriginRecord is one region's health-checked answer for the shared API origin name.
type OriginRecord struct {
	constructs.Construct

	// HealthCheck requests https://<RegionalName><HealthCheckPath> from Route 53's checkers.
	HealthCheck r53.CfnHealthCheck
	// Combined is the calculated check the records use with AlsoHealthCheckID (else nil).
	Combined r53.CfnHealthCheck
	// Record is the A alias to the regional name; Ipv6Record the AAAA alias (nil unless Ipv6).
	Record     r53.CfnRecordSet
	Ipv6Record r53.CfnRecordSet
}

// NewOriginRecord creates the region's health check and its latency or failover alias record(s)
// for the origin name, or returns every problem with props. The records alias the region's own
// name in the same zone, so they can live in any stack and region (Stratus keeps every region's
// in us-east-1, where Route 53 publishes health-check metrics) without referencing the region's
// load balancer.
//
// Only the record sets depend on Routing: switching between latency and failover keeps every
// resource and the health check as they are and changes the records' Region/Failover.
func NewOriginRecord(scope constructs.Construct, id string, props OriginRecordProps) (*OriginRecord, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("origin record %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	o := &OriginRecord{Construct: this}

	o.HealthCheck = r53.NewCfnHealthCheck(this, jsii.String("HealthCheck"), &r53.CfnHealthCheckProps{
		HealthCheckConfig: &r53.CfnHealthCheck_HealthCheckConfigProperty{
			Type:                     jsii.String("HTTPS"),
			FullyQualifiedDomainName: jsii.String(p.RegionalName),
			Port:                     jsii.Number(443),
			ResourcePath:             jsii.String(p.HealthCheckPath),
			EnableSni:                jsii.Bool(true),
			RequestInterval:          jsii.Number(float64(p.HealthCheckIntervalSeconds)),
			FailureThreshold:         jsii.Number(float64(p.FailureThreshold)),
			MeasureLatency:           jsii.Bool(true),
			Regions:                  checkerRegions(p.CheckerRegions),
		},
		HealthCheckTags: &[]*r53.CfnHealthCheck_HealthCheckTagProperty{{
			Key: jsii.String("Name"), Value: jsii.String(fmt.Sprintf("%s in %s", p.Name, p.Region)),
		}},
	})

	recordCheck := o.HealthCheck.AttrHealthCheckId()
	if p.AlsoHealthCheckID != "" {
		o.Combined = r53.NewCfnHealthCheck(this, jsii.String("Combined"), &r53.CfnHealthCheckProps{
			HealthCheckConfig: &r53.CfnHealthCheck_HealthCheckConfigProperty{
				Type:              jsii.String("CALCULATED"),
				ChildHealthChecks: &[]*string{recordCheck, jsii.String(p.AlsoHealthCheckID)},
				HealthThreshold:   jsii.Number(2), // both
			},
			HealthCheckTags: &[]*r53.CfnHealthCheck_HealthCheckTagProperty{{
				Key: jsii.String("Name"), Value: jsii.String(fmt.Sprintf("%s in %s (HTTPS and %s)", p.Name, p.Region, p.AlsoHealthCheckID)),
			}},
		})
		recordCheck = o.Combined.AttrHealthCheckId()
	}

	record := func(id, recordType string) r53.CfnRecordSet {
		props := &r53.CfnRecordSetProps{
			HostedZoneId: p.Zone.HostedZoneId(),
			Name:         jsii.String(p.Name + "."),
			Type:         jsii.String(recordType),
			AliasTarget: &r53.CfnRecordSet_AliasTargetProperty{
				DnsName: jsii.String(p.RegionalName + "."), HostedZoneId: p.Zone.HostedZoneId(),
				// The end-to-end HTTPS check decides; the regional record's own health (none
				// today: it does not evaluate its target) would count too if it ever had one.
				EvaluateTargetHealth: jsii.Bool(true),
			},
			HealthCheckId: recordCheck,
			SetIdentifier: jsii.String(p.Region),
		}
		switch p.Routing {
		case RoutingLatency:
			props.Region = jsii.String(p.Region)
		case RoutingFailover:
			props.Failover = jsii.String("SECONDARY")
			if p.Primary {
				props.Failover = jsii.String("PRIMARY")
			}
		}
		return r53.NewCfnRecordSet(this, jsii.String(id), props)
	}
	o.Record = record("Record", "A")
	if p.Ipv6 {
		o.Ipv6Record = record("Ipv6Record", "AAAA")
	}
	return o, nil
}

// RegionalAlias is a plain alias from a per-region name to that region's ALB: the target of the
// region's health check, and a way to reach one region directly when debugging.
type RegionalAlias struct {
	constructs.Construct

	// Record is the A alias to the ALB.
	Record r53.CfnRecordSet
}

// NewRegionalAlias creates the alias, or returns every problem with props.
func NewRegionalAlias(scope constructs.Construct, id string, props RegionalAliasProps) (*RegionalAlias, error) {
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("regional alias %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	record := r53.NewCfnRecordSet(this, jsii.String("Record"), &r53.CfnRecordSetProps{
		HostedZoneId: props.Zone.HostedZoneId(),
		Name:         jsii.String(props.Name + "."),
		Type:         jsii.String("A"),
		// No target health here: the health check must see this region's real state.
		AliasTarget: aliasTarget(props.LoadBalancer, props.Target, false),
	})
	return &RegionalAlias{Construct: this, Record: record}, nil
}

// aliasTarget is target when given, else the ALB's alias.
func aliasTarget(lb elbv2.IApplicationLoadBalancer, target *AliasTarget, evaluateTargetHealth bool) *r53.CfnRecordSet_AliasTargetProperty {
	if target != nil {
		return &r53.CfnRecordSet_AliasTargetProperty{
			DnsName: target.DnsName, HostedZoneId: target.HostedZoneId, EvaluateTargetHealth: jsii.Bool(evaluateTargetHealth),
		}
	}
	return albTarget(lb, evaluateTargetHealth)
}

// albTarget aliases an ALB the way aws-cdk-lib's LoadBalancerTarget does ("dualstack." answers
// A and, for a dual-stack ALB, AAAA queries).
func albTarget(lb interface {
	LoadBalancerDnsName() *string
	LoadBalancerCanonicalHostedZoneId() *string
}, evaluateTargetHealth bool) *r53.CfnRecordSet_AliasTargetProperty {
	return &r53.CfnRecordSet_AliasTargetProperty{
		DnsName:              jsii.String("dualstack." + *lb.LoadBalancerDnsName()),
		HostedZoneId:         lb.LoadBalancerCanonicalHostedZoneId(),
		EvaluateTargetHealth: jsii.Bool(evaluateTargetHealth),
	}
}

// checkerRegions is nil (Route 53's defaults) or the given regions.
func checkerRegions(regions []string) *[]*string {
	if len(regions) == 0 {
		return nil
	}
	return jsii.Strings(regions...)
}
