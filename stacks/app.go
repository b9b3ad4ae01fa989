package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/apigateway"
	"github.com/stratus-platform/stratus/constructs/cluster"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/servicetls"
)

// AppStack holds one region's shared stateless tier: the ECS cluster and namespace, the ALB with
// every service's target group and listener rule, and the region's own origin name
// (<region>.origin.<domain>). The shared origin record with its health check is in the Edge
// stack. The services themselves are in Service stacks (see ServiceStack).
type AppStack struct {
	awscdk.Stack
	Cluster *cluster.Cluster
	Ingress *ingress.LoadBalancer
	// Api replaces Ingress (then nil) with ingress.mode api (apimode.go).
	Api *apigateway.HttpApi
	// ServiceTls issues the Service Connect TLS certificates (app.serviceConnect.tls); nil when off.
	ServiceTls *servicetls.Authority
	// LogRetention is the retention of the region's log groups (app.logRetentionDays).
	LogRetention logs.RetentionDays
	// Observed is the region's load balancer alarms and composite (operations.go).
	Observed RegionAlarms
	// lbFullName caches Ingress's LoadBalancerFullName, which every service's metrics read
	// (loadBalancerFullName).
	lbFullName *string
	// metrics caches each service's request metrics, which its alarms and the region's dashboard
	// both read (requestMetrics).
	metrics map[string]requestMetrics
}

// loadBalancerFullName is the ALB's LoadBalancerFullName ("app/<name>/<id>"), read from the jsii
// runtime once for all the region's services.
func (a *AppStack) loadBalancerFullName() *string {
	if a.lbFullName == nil {
		a.lbFullName = a.Ingress.LoadBalancer.LoadBalancerFullName()
	}
	return a.lbFullName
}

// NewAppStack builds the App stack of env in region on the region's Network stack.
// primaryData is the primary region's Data stack, which holds the origin secret the ALB checks.
func NewAppStack(scope constructs.Construct, env *config.Environment, region config.Region, net *NetworkStack, primaryData *DataStack) (*AppStack, error) {
	if len(env.Services) == 0 && !env.RunsTiers() {
		return nil, fmt.Errorf("%s: services: the App stack needs at least one service (the ALB routes to services)", env.File)
	}
	stack := newStack(scope, "App", env, region,
		fmt.Sprintf("Stratus %s app tier in %s: ECS cluster, ALB, target groups, origin records", env.Name, region.Name))
	a := &AppStack{Stack: stack}
	n := net.Network
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	wrap := func(what string, err error) error { return fmt.Errorf("%s: %s: %w", where, what, err) }

	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	a.LogRetention = logRetention
	zone := importZone(stack, env)

	if !env.RunsTiers() { // EC2 tiers need no ECS cluster
		if a.Cluster, err = cluster.NewCluster(stack, "Cluster", cluster.ClusterProps{
			Vpc: n.Vpc, NamespaceName: env.App.Namespace, ExecuteCommand: env.App.ExecuteCommand, LogRetention: logRetention,
			ServiceConnectNamespaceName: connectNamespaceName(env),
		}); err != nil {
			return nil, wrap("cluster", err)
		}
		if a.ServiceTls, err = newServiceTls(stack, env, region); err != nil {
			return nil, wrap("service TLS", err)
		}
	}
	if err := a.addCapacity(env, region); err != nil { // capacity.go
		return nil, err
	}

	if env.UsesAPI() {
		return a.apiMode(env, region, net, zone, primaryData)
	}
	targets := ingressTargets(env)
	if a.Ingress, err = ingress.NewLoadBalancer(stack, "Ingress", ingress.LoadBalancerProps{
		Vpc: n.Vpc, Subnets: n.PublicSubnets, SecurityGroup: n.AlbSecurityGroup, HealthCheckSecurityGroup: n.HealthCheckSecurityGroup,
		HostedZone:        zone,
		CertificateNames:  []string{env.OriginName(), env.RegionalOriginName(region.Name)},
		OriginHeaderValue: ingress.HeaderValue(OriginSecretName(env)),
		Targets:           targets,
		HealthCheckHost:   env.RegionalOriginName(region.Name),
		// Pre-traffic checks (services[].deployment.testListener) reach the ALB from the NAT gateways.
		TestListenerSources: testListenerSources(env, n.Vpc),
	}); err != nil {
		return nil, wrap("ingress", err)
	}
	writeDeployments(a, env)
	if !env.RunsTiers() {
		// The services' alarms read the load balancer's full name from its own attribute; they
		// used to cut it out of the HTTPS listener's ARN. The export (same name as before) stays
		// so a deployed Service stack that still imports the ARN does not block this stack's
		// update. It can go once nothing imports it: `aws cloudformation list-imports
		// --export-name <name>` empty in every account and region the platform deployed to.
		stack.ExportValue(a.Ingress.HttpsListener.ListenerArn(), nil)
	}
	// The origin secret's rotation finds the ALB (and its rules) by this tag.
	ingress.Tag(a.Ingress.LoadBalancer.Node().DefaultChild(), OriginSecretName(env))
	// The listener rules read the origin secret by name, which CloudFormation cannot see.
	stack.AddStackDependency(primaryData.Stack, jsii.String("the ALB rules resolve the origin secret (or its replica) by name"))

	if err := a.addRecords(env, region, zone); err != nil {
		return nil, wrap("dns", err)
	}
	if env.CloudFront.ShieldAdvanced {
		if _, err := edge.NewShieldProtection(stack, "AlbShieldProtection", edge.ShieldProtectionProps{
			Name: fmt.Sprintf("stratus-%s-alb-%s", env.Name, region.Name), ResourceArn: a.Ingress.LoadBalancer.LoadBalancerArn(),
		}); err != nil {
			return nil, wrap("shield", err)
		}
	}
	if a.Observed, err = observeApp(a, env, region.Name, net.Observed); err != nil {
		return nil, err
	}
	return a, nil
}

// addRecords publishes this region's ALB (or API: apimode.go) as <region>.origin.<domain>: the
// name the certificate, the health check and the Edge stack's origin.<domain> records use.
func (a *AppStack) addRecords(env *config.Environment, region config.Region, zone r53.IHostedZone) error {
	lb, target := a.aliasTarget()
	_, err := dns.NewRegionalAlias(a.Stack, "RegionalOriginAlias", dns.RegionalAliasProps{
		Zone: zone, Name: env.RegionalOriginName(region.Name), LoadBalancer: lb, Target: target,
	})
	return err
}

// importZone references the environment's hosted zone by id and name: no lookup, no credentials.
func importZone(scope constructs.Construct, env *config.Environment) r53.IHostedZone {
	return r53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("HostedZone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(env.DNS.HostedZoneId), ZoneName: jsii.String(env.DNS.Domain),
	})
}
