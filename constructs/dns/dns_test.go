package dns

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cf "github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

const (
	testAccount = "111111111111"
	testZoneID  = "Z0123456789ABCDEFGHIJ"
	albZoneID   = "Z35SXDOTRQ7X7K" // us-east-1's ALB zone
	// planCheckID stands for a health check a Region switch plan created.
	planCheckID = "abcdef01-2345-6789-abcd-ef0123456789"
)

// cdkContext is cdk.json's context: the feature flags `cdk synth` sees.
var cdkContext = cdktest.Context()

// importZone and importAlb import once per stack and reuse the import after that.
var (
	zones = map[string]r53.IHostedZone{}
	albs  = map[string]elbv2.IApplicationLoadBalancer{}
)

func importZone(scope awscdk.Stack) r53.IHostedZone {
	key := *scope.Node().Path()
	if z, ok := zones[key]; ok {
		return z
	}
	zones[key] = r53.HostedZone_FromHostedZoneAttributes(scope, jsii.String("Zone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(testZoneID), ZoneName: jsii.String("example.com"),
	})
	return zones[key]
}

func importAlb(scope awscdk.Stack, region string) elbv2.IApplicationLoadBalancer {
	key := *scope.Node().Path()
	if lb, ok := albs[key]; ok {
		return lb
	}
	albs[key] = elbv2.ApplicationLoadBalancer_FromApplicationLoadBalancerAttributes(scope, jsii.String("Alb"), &elbv2.ApplicationLoadBalancerAttributes{
		LoadBalancerArn:                   jsii.String(fmt.Sprintf("arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/stratus/0123456789abcdef", region, testAccount)),
		SecurityGroupId:                   jsii.String("sg-0123456789abcdef0"),
		LoadBalancerDnsName:               jsii.String(fmt.Sprintf("stratus-123456.%s.elb.amazonaws.com", region)),
		LoadBalancerCanonicalHostedZoneId: jsii.String(albZoneID),
	})
	return albs[key]
}

func originProps(stack awscdk.Stack, region, routing string, primary bool) OriginRecordProps {
	return OriginRecordProps{
		Zone: importZone(stack), Name: "origin.example.com",
		RegionalName: region + ".origin.example.com", Region: region, Routing: routing, Primary: primary,
	}
}

// The stacks of the shared app.
const (
	apexStack      = "Apex"      // viewer names → CloudFront
	latencyStack   = "Latency"   // us-east-1, latency routing, defaults
	failoverStack  = "Failover"  // us-east-1, failover PRIMARY: same ids as latencyStack
	secondaryStack = "Secondary" // us-east-1, eu-west-1's failover SECONDARY, every option changed
)

type synthesized struct {
	dir    string
	stacks map[string]awscdk.Stack
}

type resource struct {
	Type       string         `json:"Type"`
	Properties map[string]any `json:"Properties"`
}

var fixture cdktest.Once[*synthesized]

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { fixture.Main(m) }

func shared(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "dns-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stacks: map[string]awscdk.Stack{}}
		newStack := func(name, region string) awscdk.Stack {
			stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String(testAccount), Region: jsii.String(region)},
			})
			s.stacks[name] = stack
			return stack
		}
		var err error
		check := func(_ any, e error) {
			if e != nil && err == nil {
				err = e
			}
		}

		apex := newStack(apexStack, "us-east-1")
		check(NewApexRecords(apex, "Apex", ApexProps{
			Zone: importZone(apex), Names: []string{"example.com", "www.example.com"},
			Distribution: cf.Distribution_FromDistributionAttributes(apex, jsii.String("Distribution"), &cf.DistributionAttributes{
				DomainName: jsii.String("d111111abcdef8.cloudfront.net"), DistributionId: jsii.String("E2QWRUHAPOMQZL"),
			}),
		}))
		for name, routing := range map[string]string{latencyStack: RoutingLatency, failoverStack: RoutingFailover} {
			stack := newStack(name, "us-east-1")
			check(NewOriginRecord(stack, "Origin", originProps(stack, "us-east-1", routing, true)))
			check(NewRegionalAlias(stack, "RegionalOrigin", RegionalAliasProps{
				Zone: importZone(stack), Name: "us-east-1.origin.example.com", LoadBalancer: importAlb(stack, "us-east-1"),
			}))
		}
		// Another region's record: it aliases a name, so it lives in any region.
		secondary := newStack(secondaryStack, "us-east-1")
		p := originProps(secondary, "eu-west-1", RoutingFailover, false)
		p.HealthCheckPath, p.HealthCheckIntervalSeconds, p.FailureThreshold, p.Ipv6 = "/healthz", 10, 2, true
		p.CheckerRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}
		p.AlsoHealthCheckID = planCheckID
		check(NewOriginRecord(secondary, "Origin", p))
		return s, err
	})
}

// ofType returns the resources of one type in the named stack's template, by logical id.
func ofType(t *testing.T, stack, typ string) map[string]resource {
	t.Helper()
	return cdktest.Decode[map[string]resource](t, cdktest.OfType(t, cdktest.Template(t, shared(t).stacks[stack]), typ))
}

// resources returns every resource of the named stack's template, by logical id.
func resources(t *testing.T, stack string) map[string]resource {
	t.Helper()
	return cdktest.Decode[map[string]resource](t, cdktest.Template(t, shared(t).stacks[stack])["Resources"])
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// recordsNamed returns the record sets of a stack with one name, by logical id.
func recordsNamed(t *testing.T, stack, name string) map[string]resource {
	t.Helper()
	out := map[string]resource{}
	for id, r := range ofType(t, stack, "AWS::Route53::RecordSet") {
		if r.Properties["Name"] == name {
			out[id] = r
		}
	}
	return out
}

func TestApexNamesGetAAndAaaaAliasesToCloudFront(t *testing.T) {
	assert.Len(t, ofType(t, apexStack, "AWS::Route53::RecordSet"), 4, "record sets: A and AAAA for 2 names")
	for _, name := range []string{"example.com.", "www.example.com."} {
		var types []string
		for _, r := range recordsNamed(t, apexStack, name) {
			types = append(types, cdktest.As[string](t, r.Properties["Type"]))
			assert.Equal(t, testZoneID, r.Properties["HostedZoneId"], "%s %s", name, r.Properties["Type"])
			assert.Equal(t, `{"DNSName":"d111111abcdef8.cloudfront.net","HostedZoneId":{"Fn::FindInMap":["AWSCloudFrontPartitionHostedZoneIdMap",{"Ref":"AWS::Partition"},"zoneId"]}}`,
				asJSON(r.Properties["AliasTarget"]), "%s %s", name, r.Properties["Type"])
		}
		sort.Strings(types)
		assert.Equal(t, []string{"A", "AAAA"}, types, "records of %s", name)
	}
}

func TestLatencyRecordAliasesTheRegionalNameWithTheHealthCheck(t *testing.T) {
	hcs := ofType(t, latencyStack, "AWS::Route53::HealthCheck")
	require.Len(t, hcs, 1)
	var hcID string
	require.NotEmpty(t, hcs)
	for id, hc := range hcs {
		hcID = id
		want := `{"EnableSNI":true,"FailureThreshold":3,"FullyQualifiedDomainName":"us-east-1.origin.example.com",` +
			`"MeasureLatency":true,"Port":443,"RequestInterval":30,"ResourcePath":"/health","Type":"HTTPS"}`
		assert.Equal(t, want, asJSON(hc.Properties["HealthCheckConfig"]))
	}
	records := recordsNamed(t, latencyStack, "origin.example.com.")
	require.Len(t, records, 1)
	require.NotEmpty(t, records)
	for _, r := range records {
		want := `{"AliasTarget":{"DNSName":"us-east-1.origin.example.com.","EvaluateTargetHealth":true,"HostedZoneId":"` + testZoneID + `"},` +
			`"HealthCheckId":{"Fn::GetAtt":["` + hcID + `","HealthCheckId"]},"HostedZoneId":"` + testZoneID + `","Name":"origin.example.com.",` +
			`"Region":"us-east-1","SetIdentifier":"us-east-1","Type":"A"}`
		assert.Equal(t, want, asJSON(r.Properties))
	}
}

func TestFailoverRecordsArePrimaryInThePrimaryRegionAndSecondaryElsewhere(t *testing.T) {
	for stack, want := range map[string]string{failoverStack: "PRIMARY", secondaryStack: "SECONDARY"} {
		records := recordsNamed(t, stack, "origin.example.com.")
		require.NotEmpty(t, records, stack)
		for _, r := range records {
			what := fmt.Sprintf("%s %s record = %s", stack, r.Properties["Type"], asJSON(r.Properties))
			assert.Equal(t, want, r.Properties["Failover"], what)
			assert.Nil(t, r.Properties["Region"], what)
			assert.NotNil(t, r.Properties["HealthCheckId"], what)
			assert.Equal(t, true, get(r.Properties, "AliasTarget", "EvaluateTargetHealth"), what)
		}
	}
}

func get(v any, path ...string) any {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	return v
}

func TestOriginRecordOptionsChangeWhatTheySay(t *testing.T) {
	var types []string
	for _, r := range recordsNamed(t, secondaryStack, "origin.example.com.") {
		types = append(types, cdktest.As[string](t, r.Properties["Type"]))
		assert.Equal(t, "eu-west-1", r.Properties["SetIdentifier"], "secondary record = %s", asJSON(r.Properties))
		assert.Equal(t, "eu-west-1.origin.example.com.", get(r.Properties, "AliasTarget", "DNSName"), "secondary record = %s", asJSON(r.Properties))
		assert.Equal(t, testZoneID, get(r.Properties, "AliasTarget", "HostedZoneId"), "secondary record = %s", asJSON(r.Properties))
	}
	sort.Strings(types)
	assert.Equal(t, []string{"A", "AAAA"}, types, "Ipv6 records")
	hcs := ofType(t, secondaryStack, "AWS::Route53::HealthCheck")
	require.Len(t, hcs, 2, "the HTTPS check and the calculated one")
	for _, hc := range hcs {
		c := hc.Properties["HealthCheckConfig"]
		if get(c, "Type") == "CALCULATED" {
			continue // TestAlsoHealthCheckMakesTheRecordsNeedBoth
		}
		what := "secondary health check = " + asJSON(c)
		assert.Equal(t, "/healthz", get(c, "ResourcePath"), what)
		assert.Equal(t, 10.0, get(c, "RequestInterval"), what)
		assert.Equal(t, 2.0, get(c, "FailureThreshold"), what)
		assert.Equal(t, "eu-west-1.origin.example.com", get(c, "FullyQualifiedDomainName"), what)
		assert.Equal(t, `["us-east-1","us-west-2","eu-west-1"]`, asJSON(get(c, "Regions")), what)
	}
}

// TestAlsoHealthCheckMakesTheRecordsNeedBoth: with AlsoHealthCheckID the records use a
// calculated check healthy only when the HTTPS check and the other one both are.
func TestAlsoHealthCheckMakesTheRecordsNeedBoth(t *testing.T) {
	byType := map[string]string{}
	hcs := ofType(t, secondaryStack, "AWS::Route53::HealthCheck")
	for id, hc := range hcs {
		byType[fmt.Sprint(get(hc.Properties["HealthCheckConfig"], "Type"))] = id
	}
	https, combined := byType["HTTPS"], byType["CALCULATED"]
	require.NotEmpty(t, https)
	require.NotEmpty(t, combined)
	assert.Equal(t, `{"ChildHealthChecks":[{"Fn::GetAtt":["`+https+`","HealthCheckId"]},"`+planCheckID+`"],"HealthThreshold":2,"Type":"CALCULATED"}`,
		asJSON(hcs[combined].Properties["HealthCheckConfig"]))
	records := recordsNamed(t, secondaryStack, "origin.example.com.")
	require.NotEmpty(t, records)
	for _, r := range records {
		assert.Equal(t, `{"Fn::GetAtt":["`+combined+`","HealthCheckId"]}`, asJSON(r.Properties["HealthCheckId"]))
	}
}

// TestSwitchingRoutingChangesOnlyTheRecordSets: from latency to failover, the same resources
// exist with the same logical ids, the health check and the regional alias are untouched, and
// the origin record changes only its routing properties.
func TestSwitchingRoutingChangesOnlyTheRecordSets(t *testing.T) {
	latency, failover := resources(t, latencyStack), resources(t, failoverStack)
	ids := func(rs map[string]resource) []string {
		var out []string
		require.NotEmpty(t, rs)
		for id, r := range rs {
			out = append(out, id+" "+r.Type)
		}
		sort.Strings(out)
		return out
	}
	require.Equal(t, ids(latency), ids(failover), "resources of the latency and the failover stacks")
	var changed []string
	require.NotEmpty(t, latency)
	for id, l := range latency {
		f := failover[id]
		if reflect.DeepEqual(l.Properties, f.Properties) {
			continue
		}
		changed = append(changed, id)
		if !assert.Equal(t, "AWS::Route53::RecordSet", l.Type, "%s changed:\n%s\n%s", id, asJSON(l.Properties), asJSON(f.Properties)) {
			continue
		}
		for _, key := range unionKeys(l.Properties, f.Properties) {
			if key != "Region" && key != "Failover" {
				assert.Equal(t, l.Properties[key], f.Properties[key], "%s: %s changed", id, key)
			}
		}
		assert.Equal(t, "us-east-1", l.Properties["Region"], "%s: latency Region", id)
		assert.Equal(t, "PRIMARY", f.Properties["Failover"], "%s: failover routing", id)
	}
	assert.Len(t, changed, 1)
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	var out []string
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestRegionalAliasPointsAtThisRegionsAlbOnly(t *testing.T) {
	records := recordsNamed(t, latencyStack, "us-east-1.origin.example.com.")
	require.Len(t, records, 1)
	require.NotEmpty(t, records)
	for _, r := range records {
		want := `{"AliasTarget":{"DNSName":"dualstack.stratus-123456.us-east-1.elb.amazonaws.com","EvaluateTargetHealth":false,"HostedZoneId":"` + albZoneID + `"},` +
			`"HostedZoneId":"` + testZoneID + `","Name":"us-east-1.origin.example.com.","Type":"A"}`
		assert.Equal(t, want, asJSON(r.Properties))
	}
}

func TestNoFindingsFromCdkNagOrCfnLint(t *testing.T) {
	s := shared(t)
	cdktest.PassesGates(t, s.dir, slices.Collect(maps.Values(s.stacks))...)
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Scratch", "us-east-1")
	var dist cf.IDistribution
	cdktest.NoPanic(t, func() {
		dist = cf.Distribution_FromDistributionAttributes(stack, jsii.String("Distribution"), &cf.DistributionAttributes{
			DomainName: jsii.String("d111111abcdef8.cloudfront.net"), DistributionId: jsii.String("E2QWRUHAPOMQZL"),
		})
	})
	valid := originProps(stack, "us-east-1", RoutingLatency, false)

	origin := []cdktest.Invalid[OriginRecordProps]{
		{Name: "a missing zone", Mutate: func(p *OriginRecordProps) { p.Zone = nil }, Want: "Zone is required"},
		{Name: "an empty name", Mutate: func(p *OriginRecordProps) { p.Name = "" }, Want: `Name "" is not a lowercase DNS name`},
		{Name: "a name outside the zone", Mutate: func(p *OriginRecordProps) { p.Name = "origin.example.org" }, Want: `Name "origin.example.org" is not in the hosted zone "example.com"`},
		{Name: "a malformed regional name", Mutate: func(p *OriginRecordProps) { p.RegionalName = "https://x" }, Want: `RegionalName "https://x" is not a lowercase DNS name`},
		{Name: "the routed name as the regional name", Mutate: func(p *OriginRecordProps) { p.RegionalName = p.Name }, Want: "it must resolve to this region's origin only"},
		{Name: "a regional name in another zone", Mutate: func(p *OriginRecordProps) { p.RegionalName = "us-east-1.origin.example.org" }, Want: `RegionalName "us-east-1.origin.example.org" is not in the hosted zone "example.com"`},
		{Name: "a malformed region", Mutate: func(p *OriginRecordProps) { p.Region = "useast1" }, Want: `Region "useast1" is not an AWS region name`},
		{Name: "a second health check that is not an id", Mutate: func(p *OriginRecordProps) { p.AlsoHealthCheckID = "hc-1" }, Want: `AlsoHealthCheckID "hc-1" is not a Route 53 health check id`},
		{Name: "an unknown routing mode", Mutate: func(p *OriginRecordProps) { p.Routing = "weighted" }, Want: `Routing "weighted" is not one of "latency", "failover"`},
		{Name: "an empty routing mode", Mutate: func(p *OriginRecordProps) { p.Routing = "" }, Want: `Routing "" is not one of`},
		{Name: "a health-check path without a slash", Mutate: func(p *OriginRecordProps) { p.HealthCheckPath = "health" }, Want: `HealthCheckPath "health" is not a Route 53 health-check path (allowed: starting with "/"`},
		{Name: "an interval other than 10 or 30", Mutate: func(p *OriginRecordProps) { p.HealthCheckIntervalSeconds = 20 }, Want: "HealthCheckIntervalSeconds 20 is not one of [10 30]"},
		{Name: "a failure threshold above 10", Mutate: func(p *OriginRecordProps) { p.FailureThreshold = 11 }, Want: "FailureThreshold 11 is outside 1-10"},
		{Name: "a negative failure threshold", Mutate: func(p *OriginRecordProps) { p.FailureThreshold = -1 }, Want: "FailureThreshold -1 is outside 1-10"},
		{Name: "fewer than three checker regions", Mutate: func(p *OriginRecordProps) { p.CheckerRegions = []string{"us-east-1", "eu-west-1"} }, Want: "CheckerRegions has 2 entries; Route 53 needs at least 3"},
	}
	t.Run("origin record", func(t *testing.T) {
		cdktest.Rejects(t, func() OriginRecordProps { return valid },
			func(p OriginRecordProps) error { return p.withDefaults().validate() }, origin)
	})

	apex := []cdktest.Invalid[ApexProps]{
		{Name: "no names", Mutate: func(p *ApexProps) { p.Names = nil }, Want: "Names has 0 entries; 1 to 10 are allowed"},
		{Name: "a name outside the zone", Mutate: func(p *ApexProps) { p.Names = []string{"example.net"} }, Want: `Names[0] "example.net" is not in the hosted zone "example.com"`},
		{Name: "an uppercase name", Mutate: func(p *ApexProps) { p.Names = []string{"WWW.example.com"} }, Want: `Names[0] "WWW.example.com" is not a lowercase DNS name`},
		{Name: "a one-letter top-level domain", Mutate: func(p *ApexProps) { p.Names = []string{"stratus.x"} }, Want: `Names[0] "stratus.x" is not a lowercase DNS name`},
		{Name: "a name listed twice", Mutate: func(p *ApexProps) { p.Names = []string{"example.com", "example.com"} }, Want: `Names[1] "example.com" is listed twice`},
		{Name: "a missing distribution", Mutate: func(p *ApexProps) { p.Distribution = nil }, Want: "Distribution is required"},
		{Name: "a missing zone", Mutate: func(p *ApexProps) { p.Zone = nil }, Want: "Zone is required"},
	}
	t.Run("apex records", func(t *testing.T) {
		cdktest.Rejects(t, func() ApexProps {
			return ApexProps{Zone: valid.Zone, Names: []string{"example.com", "www.example.com"}, Distribution: dist}
		}, ApexProps.validate, apex)
	})

	t.Run("regional alias: a name outside the zone and no load balancer", func(t *testing.T) {
		err := RegionalAliasProps{Zone: valid.Zone, Name: "us-east-1.origin.example.org"}.validate()
		for _, want := range []string{`Name "us-east-1.origin.example.org" is not in the hosted zone`, "LoadBalancer is required"} {
			assert.ErrorContains(t, err, want)
		}
	})

	t.Run("constructors return every problem instead of panicking", func(t *testing.T) {
		var errs []error
		cdktest.NoPanic(t, func() {
			p := valid
			p.Routing, p.HealthCheckIntervalSeconds = "geo", 5
			_, err := NewOriginRecord(stack, "BadOrigin", p)
			errs = append(errs, err)
			_, err = NewApexRecords(stack, "BadApex", ApexProps{Zone: valid.Zone})
			errs = append(errs, err)
			_, err = NewRegionalAlias(stack, "BadAlias", RegionalAliasProps{Zone: valid.Zone, Name: "x"})
			errs = append(errs, err)
		})
		for i, want := range [][]string{
			{`Routing "geo"`, "HealthCheckIntervalSeconds 5"},
			{"Names has 0 entries", "Distribution is required"},
			{`Name "x"`, "LoadBalancer is required"},
		} {
			for _, w := range want {
				assert.ErrorContains(t, errs[i], w, "error %d", i)
			}
		}
	})
}
