package service

import (
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
)

// cloudMap is the service's own Cloud Map entry (A records, TTL 10 s), or nil when it registers
// in a given Discovery service instead.
func (p ServiceProps) cloudMap() *ecs.CloudMapOptions {
	if p.Discovery != nil {
		return nil
	}
	return &ecs.CloudMapOptions{
		CloudMapNamespace: p.Namespace,
		Name:              jsii.String(p.Name),
		DnsRecordType:     servicediscovery.DnsRecordType_A,
		DnsTtl:            duration.Seconds(10),
	}
}

// attachDiscovery registers the tasks in p.Discovery with the main container's port, which its
// SRV records carry to an HTTP API's private integration.
func (s *Service) attachDiscovery(svc ecs.FargateService, p ServiceProps) {
	svc.AssociateCloudMapService(&ecs.AssociateCloudMapServiceOptions{
		Service: p.Discovery, Container: s.Container, ContainerPort: jsii.Number(float64(p.Port)),
	})
}

// checkEntrance requires exactly one way in: an ALB target (TargetGroup and LoadBalancer) or a
// Discovery service.
func (p ServiceProps) checkEntrance(add func(string, ...any)) {
	switch {
	case p.Discovery != nil && (p.TargetGroup != nil || p.LoadBalancer != nil):
		add("Discovery is set together with TargetGroup or LoadBalancer; a service is behind either an ALB or an HTTP API")
	case p.Discovery == nil && p.TargetGroup == nil:
		add("TargetGroup is required (or Discovery)")
	case p.Discovery == nil && p.LoadBalancer == nil:
		add("LoadBalancer is required (or Discovery)")
	}
}
