package conformance

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/constructs/cache"
	"github.com/stratus-platform/stratus/constructs/cluster"
	"github.com/stratus-platform/stratus/constructs/database"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/network"
	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

const (
	zoneID = "Z0123456789ABCDEFGHIJ"
	albArn = "arn:aws:elasticloadbalancing:us-east-1:111111111111:loadbalancer/app/conformance/0123456789abcdef"
	tgArn  = "arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/conformance/0123456789abcdef"
)

// built counts the constructs each enumeration produced, so the test can tell that none of its
// loops ran over an empty list.
type built map[string]int

func TestEveryAllowedValueSynthesizes(t *testing.T) {
	app := cdktest.NewApp(t)
	count := built{}
	cdktest.NoPanic(t, func() {
		addDatabases(t, app, count)
		addServices(t, app, count)
		addCaches(t, app, count)
		addClusters(t, app, count)
		addEdges(t, app, count)
		addNetworks(t, app, count)
		addRecords(t, app, count)
		app.Synth(nil)
	})
	assert.Equal(t, built{
		"aurora versions": len(limits.AuroraPostgresVersions), "secondary versions": len(limits.AuroraPostgresVersions),
		"postgres versions": len(limits.PostgresVersions), "fargate sizes": fargateSizes(),
		"service retentions": len(limits.LogRetentionDays), "cache versions": cacheVersions(),
		"cluster retentions": len(limits.LogRetentionDays), "edge retentions": len(limits.LogRetentionDays),
		"price classes": len(limits.PriceClasses), "rate limits": 2, "zone counts": 2,
		"interface endpoints": len(limits.InterfaceEndpoints), "health-check settings": len(limits.HealthCheckIntervals),
	}, count)
}

func fargateSizes() int {
	n := 0
	for _, cpu := range limits.FargateCPUs {
		n += len(limits.FargateMemory(cpu))
	}
	return n
}

func cacheVersions() int {
	n := 0
	for _, e := range limits.CacheEngines {
		n += len(limits.CacheEngineVersions[e])
	}
	return n
}

// must fails the test on a construct's error, naming the value that caused it.
func must[T any](t *testing.T, what string) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		require.NoError(t, err, what)
		return v
	}
}

// regional is a stack with an imported VPC and a mutable security group of it.
func regional(app awscdk.App, id, region string) (awscdk.Stack, ec2.IVpc, ec2.ISecurityGroup) {
	stack := cdktest.NewStack(app, id, region)
	vpc := cdktest.ImportedVpc(stack, region)
	sg := ec2.NewSecurityGroup(stack, jsii.String("SecurityGroup"), &ec2.SecurityGroupProps{Vpc: vpc, AllowAllOutbound: jsii.Bool(false)})
	return stack, vpc, sg
}

func id(prefix, value string) string { return prefix + naming.Pascal(value) }

func ptr[T any](v T) *T { return &v }

func addDatabases(t *testing.T, app awscdk.App, count built) {
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		stack, vpc, sg := regional(app, "Databases-"+region, region)
		azs := []string{region + "a", region + "b", region + "c"}
		data, rotation := cdktest.Subnets("Data"), cdktest.Subnets("App")
		for _, v := range limits.AuroraPostgresVersions {
			if region == "us-east-1" {
				must[*database.AuroraPostgres](t, "Aurora "+v)(database.NewAuroraPostgres(stack, id("Aurora", v), database.AuroraPostgresProps{
					Vpc: vpc, Subnets: data, SecurityGroup: sg, AvailabilityZones: azs, DatabaseName: "app",
					RotationSubnets: rotation, EngineVersion: v, Readers: ptr(0),
				}))
				count["aurora versions"]++
				continue
			}
			must[*database.AuroraSecondary](t, "Aurora secondary "+v)(database.NewAuroraSecondary(stack, id("Secondary", v), database.AuroraSecondaryProps{
				Vpc: vpc, Subnets: data, SecurityGroup: sg, AvailabilityZones: azs, DatabaseName: "app",
				GlobalClusterIdentifier: "conformance-" + naming.Pascal(v), EngineVersion: v, Readers: ptr(0),
			}))
			count["secondary versions"]++
		}
	}
	stack, vpc, sg := regional(app, "PostgresVersions", "us-east-1")
	for _, v := range limits.PostgresVersions {
		must[*database.PostgresInstance](t, "PostgreSQL "+v)(database.NewPostgresInstance(stack, id("Postgres", v), database.PostgresInstanceProps{
			Vpc: vpc, Subnets: cdktest.Subnets("Data"), SecurityGroup: sg, DatabaseName: "app",
			RotationSubnets: cdktest.Subnets("App"), EngineVersion: v,
		}))
		count["postgres versions"]++
	}
}

// addServices builds a service of every Fargate size, their log retentions taking every allowed
// value in turn.
func addServices(t *testing.T, app awscdk.App, count built) {
	var in serviceImports
	retentions := limits.LogRetentionDays
	seen := map[int]bool{}
	i := 0
	for _, cpu := range limits.FargateCPUs {
		for _, memory := range limits.FargateMemory(cpu) {
			if i%30 == 0 { // a service is 12 resources; CloudFormation allows 500 per stack
				in = importsForServices(app, fmt.Sprintf("Services%d", i/30))
			}
			days := retentions[i%len(retentions)]
			r, err := retention.FromDays(days)
			require.NoError(t, err)
			name := fmt.Sprintf("s%d-%d", cpu, memory)
			must[*service.Service](t, name)(service.NewService(in.stack, naming.Pascal(name), service.ServiceProps{
				Name: name, Cluster: in.cluster, Namespace: in.namespace, Vpc: in.vpc, Subnets: cdktest.Subnets("App"), SecurityGroup: in.sg,
				Image: ecs.ContainerImage_FromRegistry(jsii.String("public.ecr.aws/nginx/nginx:1.27"), nil), TargetGroup: in.tg, LoadBalancer: in.alb,
				Cpu: cpu, Memory: memory, LogRetention: r,
			})).MoveGrants()
			count["fargate sizes"]++
			if !seen[days] {
				seen[days] = true
				count["service retentions"]++
			}
			i++
		}
	}
}

// serviceImports is what a service takes from other stacks, imported into its own.
type serviceImports struct {
	stack     awscdk.Stack
	vpc       ec2.IVpc
	sg        ec2.ISecurityGroup
	cluster   ecs.ICluster
	namespace servicediscovery.INamespace
	tg        elbv2.IApplicationTargetGroup
	alb       elbv2.IApplicationLoadBalancer
}

func importsForServices(app awscdk.App, id string) serviceImports {
	stack, vpc, sg := regional(app, id, "us-east-1")
	imports := constructs.NewConstruct(stack, jsii.String("Imported"))
	return serviceImports{
		stack: stack, vpc: vpc, sg: sg,
		cluster: ecs.Cluster_FromClusterAttributes(imports, jsii.String("Cluster"), &ecs.ClusterAttributes{ClusterName: jsii.String("conformance"), Vpc: vpc}),
		namespace: servicediscovery.PrivateDnsNamespace_FromPrivateDnsNamespaceAttributes(imports, jsii.String("Namespace"), &servicediscovery.PrivateDnsNamespaceAttributes{
			NamespaceName: jsii.String("conformance.internal"), NamespaceId: jsii.String("ns-0123456789abcdef"),
			NamespaceArn: jsii.String("arn:aws:servicediscovery:us-east-1:111111111111:namespace/ns-0123456789abcdef"),
		}),
		tg: elbv2.ApplicationTargetGroup_FromTargetGroupAttributes(imports, jsii.String("TargetGroup"), &elbv2.TargetGroupAttributes{
			TargetGroupArn: jsii.String(tgArn), LoadBalancerArns: jsii.String(albArn),
		}),
		alb: elbv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(imports, jsii.String("Alb"), &elbv2.ApplicationLoadBalancerAttributes{
			LoadBalancerArn: jsii.String(albArn), SecurityGroupId: jsii.String("sg-0fedcba9876543210"),
		}),
	}
}

func addCaches(t *testing.T, app awscdk.App, count built) {
	stack, vpc, sg := regional(app, "Caches", "us-east-1")
	for _, engine := range limits.CacheEngines {
		for _, v := range limits.CacheEngineVersions[engine] {
			must[*cache.Redis](t, engine+" "+v)(cache.NewRedis(stack, id(naming.Pascal(engine), v), cache.RedisProps{
				Vpc: vpc, Subnets: cdktest.Subnets("Data"), SecurityGroup: sg, Engine: engine, EngineVersion: v,
			}))
			count["cache versions"]++
		}
	}
}

func addClusters(t *testing.T, app awscdk.App, count built) {
	stack, vpc, _ := regional(app, "Clusters", "us-east-1")
	for _, days := range limits.LogRetentionDays {
		r, err := retention.FromDays(days)
		require.NoError(t, err)
		must[*cluster.Cluster](t, fmt.Sprint(days, " days"))(cluster.NewCluster(stack, fmt.Sprintf("Cluster%d", days), cluster.ClusterProps{
			Vpc: vpc, NamespaceName: fmt.Sprintf("c%d.internal", days), ExecuteCommand: true, LogRetention: r,
		}))
		count["cluster retentions"]++
	}
}

// addEdges builds one edge per log retention, taking every price class and both rate-limit
// bounds in turn.
func addEdges(t *testing.T, app awscdk.App, count built) {
	stack := cdktest.NewStack(app, "Edges", limits.EdgeRegion)
	zone := r53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zoneID), ZoneName: jsii.String("example.com"),
	})
	rates := []int{limits.MinWAFRateLimit, limits.MaxWAFRateLimit}
	prices, rateSeen := map[string]bool{}, map[int]bool{}
	for i, days := range limits.LogRetentionDays {
		price, rate := limits.PriceClasses[i%len(limits.PriceClasses)], rates[i%len(rates)]
		must[*edge.Edge](t, fmt.Sprint(days, " days"))(edge.NewEdge(stack, fmt.Sprintf("Edge%d", days), edge.EdgeProps{
			HostedZone: zone, ViewerNames: []string{fmt.Sprintf("e%d.example.com", days)}, ApiOriginName: "origin.example.com",
			OriginHeaderName: "X-Origin-Verify", OriginHeaderValue: jsii.String("{{resolve:secretsmanager:conformance:SecretString:::}}"),
			LogRetentionDays: days, PriceClass: price, RateLimit: rate, ExtraManagedRuleGroups: limits.ExtraManagedRuleGroups,
		}))
		count["edge retentions"]++
		if !prices[price] {
			prices[price] = true
			count["price classes"]++
		}
		if !rateSeen[rate] {
			rateSeen[rate] = true
			count["rate limits"]++
		}
	}
}

// addNetworks builds the fewest and the most zones, the larger with every interface endpoint.
func addNetworks(t *testing.T, app awscdk.App, count built) {
	for _, zones := range []int{limits.MinZones, limits.MaxZones} {
		stack := cdktest.NewStack(app, fmt.Sprintf("Network%d", zones), "us-east-1")
		// us-east-1 has six AZs; NewStack answers the lookup with three.
		stack.Node().SetContext(jsii.String("availability-zones:account="+cdktest.Account+":region=us-east-1"),
			jsii.Strings("us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"))
		props := network.NetworkProps{VpcCidr: "10.9.0.0/16", CloudFrontPrefixListId: "pl-3b927c52"}
		for z := 0; z < zones; z++ {
			props.Zones = append(props.Zones, network.Zone{
				Name: fmt.Sprintf("us-east-1%c", 'a'+z), PublicCidr: fmt.Sprintf("10.9.%d.0/24", z),
				AppCidr: fmt.Sprintf("10.9.%d.0/24", 10+z), DataCidr: fmt.Sprintf("10.9.%d.0/24", 20+z),
			})
		}
		if zones == limits.MaxZones {
			props.InterfaceEndpoints = limits.InterfaceEndpoints
			count["interface endpoints"] = len(props.InterfaceEndpoints)
		}
		must[*network.Network](t, fmt.Sprint(zones, " zones"))(network.NewNetwork(stack, "Network", props))
		count["zone counts"]++
	}
}

// addRecords builds an origin record per health-check interval, with the failure-threshold
// bounds.
func addRecords(t *testing.T, app awscdk.App, count built) {
	stack := cdktest.NewStack(app, "Records", "us-east-1")
	zone := r53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zoneID), ZoneName: jsii.String("example.com"),
	})
	thresholds := []int{limits.MinHealthCheckFailures, limits.MaxHealthCheckFailures}
	for i, interval := range limits.HealthCheckIntervals {
		must[*dns.OriginRecord](t, fmt.Sprint(interval, " s"))(dns.NewOriginRecord(stack, fmt.Sprintf("Origin%d", interval), dns.OriginRecordProps{
			Zone: zone, Name: fmt.Sprintf("origin%d.example.com", interval),
			RegionalName: fmt.Sprintf("us-east-1.origin%d.example.com", interval), Region: "us-east-1", Routing: dns.RoutingLatency,
			HealthCheckIntervalSeconds: interval, FailureThreshold: thresholds[i%len(thresholds)],
		}))
		count["health-check settings"]++
	}
}

// TestMain stops the jsii runtime after the tests, so its temp folder goes with it.
func TestMain(m *testing.M) { cdktest.Main(m) }
