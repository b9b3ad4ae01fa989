package test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Seed 001 runs ingress.mode api: these tests check the HTTP API in place of the ALB, end to end
// through the App, Service and Network stacks of the synthesized example.

func TestSeed001HasNoLoadBalancerAtAll(t *testing.T) {
	a := SeedVariants(t)
	for _, name := range a.StackNames() {
		if !strings.HasPrefix(name, "Seed001-") {
			continue
		}
		for _, r := range a.Template(t, name).Resources {
			assert.False(t, strings.HasPrefix(r.Type, "AWS::ElasticLoadBalancingV2::"), "%s has a %s", name, r.Type)
		}
	}
	_, services := a.Tier(t, "Seed001-App-us-east-1").OfType("AWS::ECS::Service")
	require.Len(t, services, 2)
	for id, s := range services {
		assert.Empty(t, s.Properties["LoadBalancers"], id)
		registries := asList(s.Properties["ServiceRegistries"])
		require.Len(t, registries, 1, id)
		assert.Equal(t, 8080, num(get(registries[0], "ContainerPort")), "%s registers its port (SRV) for the integration", id)
		assert.Contains(t, jsonOf(get(registries[0], "RegistryArn")), "Discovery", "%s: in the API's Cloud Map service", id)
	}
	// Nor the load balancer's security groups: nothing would use the one that admits CloudFront,
	// and the services would still trust it.
	network := a.Template(t, "Seed001-Network-us-east-1")
	for id, r := range network.Resources {
		text := jsonOf(r.Properties)
		assert.False(t, strings.HasPrefix(id, "NetworkAlbSecurityGroup") || strings.HasPrefix(id, "NetworkHealthCheckSecurityGroup"), "%s: an ALB group", id)
		assert.NotContains(t, text, "AlbSecurityGroup", "%s refers to an ALB group", id)
		assert.NotContains(t, text, "pl-", "%s admits a prefix list (CloudFront's)", id)
	}
}

func TestSeed001ApiReachesEachServiceThroughTheVpcLink(t *testing.T) {
	a := SeedVariants(t)
	app := a.Template(t, "Seed001-App-us-east-1")
	_, apis := app.OfType("AWS::ApiGatewayV2::Api")
	require.Len(t, apis, 1)
	for _, api := range apis {
		assert.Equal(t, "HTTP", str(api.Properties["ProtocolType"]))
		assert.Equal(t, true, api.Properties["DisableExecuteApiEndpoint"])
	}
	_, links := app.OfType("AWS::ApiGatewayV2::VpcLink")
	require.Len(t, links, 1)
	for _, l := range links {
		subnets := asList(l.Properties["SubnetIds"])
		require.Len(t, subnets, 2, "one app subnet per AZ")
		for _, s := range subnets {
			assert.Contains(t, jsonOf(s), "AppSubnet", "the VPC link sits in the app subnets")
		}
	}
	_, integrations := app.OfType("AWS::ApiGatewayV2::Integration")
	assert.Len(t, integrations, 2, "one integration per service")
	routes := map[string]bool{}
	_, rs := app.OfType("AWS::ApiGatewayV2::Route")
	for _, r := range rs {
		routes[str(r.Properties["RouteKey"])] = true
		assert.Equal(t, "CUSTOM", str(r.Properties["AuthorizationType"]), "the CloudFront-only check on every route")
	}
	assert.Equal(t, map[string]bool{"ANY /api/orders/{proxy+}": true, "ANY /api/catalog/{proxy+}": true, "GET /health": true}, routes)

	// Each service's group admits the VPC link's on its port (and the link's reaches it only).
	_, ingress := app.OfType("AWS::EC2::SecurityGroupIngress")
	_, egress := app.OfType("AWS::EC2::SecurityGroupEgress")
	assert.Len(t, ingress, 2)
	assert.Len(t, egress, 2)
	for id, r := range ingress {
		assert.Contains(t, jsonOf(r.Properties["SourceSecurityGroupId"]), "VpcLinkSecurityGroup", id)
		assert.Equal(t, 8080, num(r.Properties["FromPort"]), id)
	}
}

func TestSeed001ApiIsThrottledLoggedAndNamed(t *testing.T) {
	app := SeedVariants(t).Template(t, "Seed001-App-us-east-1")
	_, stages := app.OfType("AWS::ApiGatewayV2::Stage")
	require.Len(t, stages, 1)
	for _, s := range stages {
		want := map[string]any{"DetailedMetricsEnabled": true, "ThrottlingRateLimit": float64(500), "ThrottlingBurstLimit": float64(1000)}
		assert.Equal(t, want, s.Properties["DefaultRouteSettings"])
		for key, rs := range get(s.Properties, "RouteSettings").(map[string]any) {
			assert.Equal(t, want, rs, key)
		}
		dest := jsonOf(get(s.Properties, "AccessLogSettings", "DestinationArn"))
		_, groups := app.OfType("AWS::Logs::LogGroup")
		found := false
		for id, g := range groups {
			if strings.Contains(dest, id) {
				found = true
				assert.NotNil(t, g.Properties["KmsKeyId"], "the access log group is encrypted")
			}
		}
		assert.True(t, found, "the access logs go to a log group of the stack")
	}
	_, domains := app.OfType("AWS::ApiGatewayV2::DomainName")
	names := map[string]bool{}
	for _, d := range domains {
		names[str(d.Properties["DomainName"])] = true
	}
	assert.Equal(t, map[string]bool{"origin.private.example.com": true, "us-east-1.origin.private.example.com": true}, names)

	_, records := app.OfType("AWS::Route53::RecordSet")
	aliases := map[string]string{}
	for _, r := range records {
		aliases[str(r.Properties["Name"])] = jsonOf(get(r.Properties, "AliasTarget", "DNSName"))
	}
	assert.Contains(t, aliases["us-east-1.origin.private.example.com."], "ApiRegionalDomain", "the regional name is the API's regional domain")
	assert.NotContains(t, aliases, "origin.private.example.com.", "the routed name lives in the Edge stack")

	// The Edge stack routes origin.<domain> to the regional name, health checked on the first
	// service's health path; API Gateway answers origin.<domain> by its own custom domain.
	edge := SeedVariants(t).Template(t, "Seed001-Edge-us-east-1")
	_, edgeRecords := edge.OfType("AWS::Route53::RecordSet")
	routed := map[string]string{}
	for _, r := range edgeRecords {
		routed[str(r.Properties["Name"])] = jsonOf(get(r.Properties, "AliasTarget", "DNSName"))
	}
	assert.Equal(t, `"us-east-1.origin.private.example.com."`, routed["origin.private.example.com."])
	_, checks := edge.OfType("AWS::Route53::HealthCheck")
	require.Len(t, checks, 1)
	for _, c := range checks {
		assert.Equal(t, "/health", str(get(c.Properties, "HealthCheckConfig", "ResourcePath")))
		assert.Equal(t, "us-east-1.origin.private.example.com", str(get(c.Properties, "HealthCheckConfig", "FullyQualifiedDomainName")))
	}
}

// TestSeed001AlarmsReadTheApiRoutes: in API mode the service alarms and SLOs read the route's
// API Gateway metrics (no target group exists) and the region's composite the API's 5xx.
func TestSeed001AlarmsReadTheApiRoutes(t *testing.T) {
	a := SeedVariants(t)
	tier := a.Tier(t, "Seed001-App-us-east-1")
	_, alarms := tier.OfType("AWS::CloudWatch::Alarm")
	byName := map[string]Resource{}
	for _, al := range alarms {
		byName[str(al.Properties["AlarmName"])] = al
	}
	five := byName["stratus-seed-001-us-east-1-orders-target5xxRate"]
	require.NotNil(t, five.Properties, "have %d alarms", len(byName))
	metrics := jsonOf(five.Properties["Metrics"])
	assert.Contains(t, metrics, `"Namespace":"AWS/ApiGateway"`)
	assert.Contains(t, metrics, `"MetricName":"5xx"`)
	assert.Contains(t, metrics, `"Value":"ANY /api/orders/{proxy+}"`, "the orders route's own metrics")
	assert.NotContains(t, metrics, "TargetGroup")
	assert.NotContains(t, byName, "stratus-seed-001-us-east-1-orders-unhealthyTargets", "no target health behind the API")
	assert.Contains(t, jsonOf(byName["stratus-seed-001-us-east-1-orders-p99ResponseTime"].Properties), "IntegrationLatency")
	region := byName["stratus-seed-001-us-east-1-elb5xx"]
	require.NotNil(t, region.Properties)
	assert.Contains(t, jsonOf(region.Properties), `"MetricName":"5xx"`)
	for name, al := range byName {
		assert.NotContains(t, jsonOf(al.Properties), "AWS/ApplicationELB", name)
	}
}

// The origin secret's rotation looks for ALB listener rules only where an environment has load
// balancers: with the HTTP API (seed 001) it would find none and fail every rotation, and it may
// not touch a load balancer at all.
func TestTheOriginRotationLooksForRulesOnlyWhereLoadBalancersAre(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		albs, checkedBy, policies := map[string]bool{}, map[string]string{}, map[string]string{}
		for _, name := range a.StackNames() {
			env, _, _ := strings.Cut(name, "-")
			tpl := a.Template(t, name)
			roles := map[string]string{} // the rotation function's role, by its environment
			for _, r := range tpl.Resources {
				switch {
				case r.Type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
					albs[env] = true
				case r.Type == "AWS::Lambda::Function" && r.Properties["Handler"] == "origin.handler":
					checkedBy[env] = str(get(r.Properties, "Environment", "Variables", "CHECKED_BY"))
					if ref := asList(get(r.Properties, "Role", "Fn::GetAtt")); len(ref) > 0 {
						roles[env] = str(ref[0])
					}
				}
			}
			for env, role := range roles {
				_, managed := tpl.OfType("AWS::IAM::ManagedPolicy")
				for _, p := range managed {
					if strings.Contains(jsonOf(p.Properties["Roles"]), `"Ref":"`+role+`"`) {
						policies[env] += jsonOf(p.Properties["PolicyDocument"])
					}
				}
			}
		}
		for env, got := range checkedBy {
			want := "authorizer"
			if albs[env] {
				want = "alb"
			}
			assert.Equal(t, want, got, "%s: CHECKED_BY of its origin secret's rotation", env)
			require.NotEmpty(t, policies[env], "%s: the rotation's policy", env)
			assert.Equal(t, albs[env], strings.Contains(policies[env], "elasticloadbalancing:ModifyRule"), "%s: the rotation's policy", env)
			seen[got] = true
		}
	}
	assert.Equal(t, map[string]bool{"alb": true, "authorizer": true}, seen, "both kinds of environment are checked")
}
