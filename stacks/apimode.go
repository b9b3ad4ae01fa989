package stacks

import (
	"fmt"
	"strings"

	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/apigateway"
	"github.com/stratus-platform/stratus/constructs/dashboard"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/limits"
)

// apiMode completes NewAppStack with ingress.mode api: the API, the region's records aliasing its
// custom domains (health checked on the first service's health path) and the observability.
func (a *AppStack) apiMode(env *config.Environment, region config.Region, net *NetworkStack, zone r53.IHostedZone, primaryData *DataStack) (*AppStack, error) {
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	if err := a.addApi(env, region, net, zone, primaryData); err != nil {
		return nil, fmt.Errorf("%s: ingress: %w", where, err)
	}
	if err := a.addRecords(env, region, zone); err != nil {
		return nil, fmt.Errorf("%s: dns: %w", where, err)
	}
	var err error
	if a.Observed, err = observeApp(a, env, region.Name, net.Observed); err != nil {
		return nil, err
	}
	return a, nil
}

// addApi makes the region's HTTP API (ingress.mode api) instead of the ALB: the services are
// reached through its VPC link and Cloud Map, and the region's names alias its custom domains.
func (a *AppStack) addApi(env *config.Environment, region config.Region, net *NetworkStack, zone r53.IHostedZone, primaryData *DataStack) error {
	routes := make([]apigateway.Route, len(env.Services))
	for i, s := range env.Services {
		routes[i] = apigateway.Route{Name: s.Name, PathPattern: s.PathPattern, Port: s.Port, SecurityGroup: net.Network.ServiceSecurityGroups[s.Name]}
	}
	// The origin secret is encrypted with the Data stack's key in the home region, and with the
	// region's secrets key in the replicas.
	var secretKey kms.IKey = net.SecretsKey.Key
	if region.Name == HomeRegion(env) {
		secretKey = primaryData.OriginSecret.Key
	}
	props := apigateway.HttpApiProps{
		Name: fmt.Sprintf("stratus-%s-%s", env.Name, region.Name), Vpc: net.Network.Vpc, Subnets: *net.Network.Vpc.SelectSubnets(net.Network.AppSubnets).Subnets,
		Namespace: a.Cluster.Namespace, Routes: routes, HostedZone: zone,
		OriginName: env.OriginName(), RegionalName: env.RegionalOriginName(region.Name),
		HealthCheckPath: env.Services[0].HealthCheckPath, HealthCheckerCidrs: config.Route53HealthCheckerCidrs,
		OriginSecretName: OriginSecretName(env), OriginSecretKey: secretKey,
		RateLimit: env.Ingress.Api.Throttling.RateLimit, BurstLimit: env.Ingress.Api.Throttling.BurstLimit,
		LogRetention: a.LogRetention,
	}
	if j := env.Ingress.Api.Jwt; j != nil {
		props.Jwt = &apigateway.Jwt{Issuer: j.Issuer, Audiences: j.Audiences}
	}
	var err error
	a.Api, err = apigateway.NewHttpApi(a.Stack, "Api", props)
	if err != nil {
		return err
	}
	// The authorizer reads the origin secret (or its replica), made with the primary Data stack.
	a.Stack.AddStackDependency(primaryData.Stack, jsii.String("the API's authorizer reads the origin secret (or its replica) by name"))
	return nil
}

// aliasTarget is what <region>.origin.<domain> aliases: the ALB (nil target), or the API's
// regional custom domain.
func (a *AppStack) aliasTarget() (elbv2.IApplicationLoadBalancer, *dns.AliasTarget) {
	if a.Api == nil {
		return a.Ingress.LoadBalancer, nil
	}
	// The regional name's own domain; origin.<domain> (the Edge stack's records, CloudFront's
	// Host) has a custom domain on the API too, which API Gateway picks by Host.
	d := a.Api.RegionalDomain
	return nil, &dns.AliasTarget{DnsName: d.AttrRegionalDomainName(), HostedZoneId: d.AttrRegionalHostedZoneId()}
}

// entrance fills in how service name's tasks are reached: an ALB target group, or the API's
// Cloud Map service.
func (a *AppStack) entrance(props *service.ServiceProps, name string) {
	if a.Api != nil {
		props.Discovery = a.Api.Discovery[name]
		return
	}
	props.TargetGroup, props.LoadBalancer = a.Ingress.TargetGroups[name], a.Ingress.LoadBalancer
}

// requestMetrics are service name's request metrics: its target group's or its API route's,
// built once (they read attributes through the jsii runtime).
func (a *AppStack) requestMetrics(name string) requestMetrics {
	if m, ok := a.metrics[name]; ok {
		return m
	}
	var m requestMetrics
	if a.Api == nil {
		m = targetGroupMetrics(a.Ingress.TargetGroups[name], a.loadBalancerFullName())
	} else {
		m = apiMetrics(a.Api.Api.Ref(), a.Api.RouteKeys[name])
	}
	if a.metrics == nil {
		a.metrics = map[string]requestMetrics{}
	}
	a.metrics[name] = m
	return m
}

// apiMetrics reads an HTTP API's metrics (namespace AWS/ApiGateway): one route's with the
// stage's detailed metrics, or the whole API's when route is "".
func apiMetrics(apiID *string, route string) requestMetrics {
	dims := map[string]*string{"ApiId": apiID, "Stage": jsii.String(apigateway.StageName)}
	if route != "" {
		dims["Route"] = jsii.String(route)
	}
	m := func(name, stat string, p int) alarms.Metric {
		return metric("AWS/ApiGateway", name, stat, p, dims)
	}
	return requestMetrics{
		errors:   func(p int) alarms.Metric { return m("5xx", "Sum", p) },
		requests: func(p int) alarms.Metric { return m("Count", "Sum", p) },
		// IntegrationLatency is the service's own time (like the ALB's target response time), in ms.
		latency: func(stat string, p int) alarms.Query {
			// One id per statistic: a widget may show several.
			id := "latency_" + strings.ReplaceAll(stat, ".", "_")
			return expression(id+" / 1000", "integration latency "+stat+" (s)", p, map[string]alarms.Query{id: m("IntegrationLatency", stat, p)})
		},
		within: func(bound float64, p int) alarms.Metric {
			return m("IntegrationLatency", percentileRank(bound*1000), p)
		},
	}
}

// apiAlarms watches the region's API as loadBalancerAlarms watches an ALB: its 5xx responses
// (the catalog's elb5xx: the entrance's 5xx) and the region's composite over them and others.
func apiAlarms(a *AppStack, env *config.Environment, region string, others []*alarms.Alarm, action *string) (*alarms.Alarms, error) {
	m := apiMetrics(a.Api.Api.Ref(), "")
	return newAlarms(a.Stack, env, "LoadBalancerAlarms", alarms.AlarmsProps{
		Prefix: AlarmPrefix(env, region),
		Specs:  []alarms.Spec{spec(env, "elb5xx", 1, func(p int) alarms.Query { return m.errors(p) })},
		Composite: &alarms.Composite{
			Name: limits.RegionUnhealthy.Name, Members: []string{"elb5xx"}, Others: others,
			Severity: limits.RegionUnhealthy.Severity, Runbook: limits.RegionUnhealthy.Runbook, What: limits.RegionUnhealthy.What + " in " + region,
		},
	}, action)
}

// entranceRow is the dashboard row of the region's ALB or API.
func (a *AppStack) entranceRow() dashboard.Row {
	if a.Api == nil {
		// The metrics aws-cdk-lib's load balancer metrics give (its full name as the dimension).
		lb := map[string]*string{"LoadBalancer": a.loadBalancerFullName()}
		sum := func(name string) []dashboard.Line {
			return []dashboard.Line{metric("AWS/ApplicationELB", name, "Sum", 60, lb)}
		}
		return dashboard.Row{Title: "Load balancer", Widgets: []dashboard.Widget{
			{Title: "Requests", Left: sum("RequestCount"), Width: 6},
			{Title: "ELB 5xx", Left: sum("HTTPCode_ELB_5XX_Count"), Width: 6},
			{Title: "Rejected connections", Left: sum("RejectedConnectionCount"), Width: 6},
			{Title: "Client TLS negotiation errors", Left: sum("ClientTLSNegotiationErrorCount"), Width: 6},
		}}
	}
	m := apiMetrics(a.Api.Api.Ref(), "")
	all := func(name string) dashboard.Line {
		return metric("AWS/ApiGateway", name, "Sum", 60, map[string]*string{"ApiId": a.Api.Api.Ref(), "Stage": jsii.String(apigateway.StageName)})
	}
	return dashboard.Row{Title: "HTTP API", Widgets: []dashboard.Widget{
		{Title: "Requests", Left: []dashboard.Line{m.requests(60)}, Width: 6},
		{Title: "5xx", Left: []dashboard.Line{m.errors(60)}, Width: 6},
		{Title: "4xx (throttled, unauthorized)", Left: []dashboard.Line{all("4xx")}, Width: 6},
		{Title: "Integration latency p99 (s)", Left: []dashboard.Line{m.latency("p99", 60)}, Width: 6},
	}}
}
