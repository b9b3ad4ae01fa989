package test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/stacks"
)

var edgeChecks = []check{
	{"the WebACL protects the distribution", checkWebAcl},
	{"the distribution is HTTPS only and reaches the API by name", checkDistribution},
	{"viewer names alias the distribution", checkViewerNames},
	{"each region publishes one health-checked origin record", checkOriginRecords},
}

func edgeStacks(c *C, a *Assembly) []*Template {
	out := a.stacksOf("Edge")
	require.Len(c, out, len(a.Envs), "%s: one Edge stack per environment", a.Name)
	return out
}

func checkWebAcl(c *C, a *Assembly) {
	for _, tpl := range edgeStacks(c, a) {
		env := tpl.Env
		_, acls := tpl.OfType("AWS::WAFv2::WebACL")
		require.Len(c, acls, 1, "%s: WebACLs", tpl.StackName)
		for _, acl := range acls {
			p := acl.Properties
			assert.Equal(c, "CLOUDFRONT", str(p["Scope"]), "%s: WebACL scope", tpl.StackName)
			groups, rates := []string{}, []int{}
			for _, r := range asList(p["Rules"]) {
				if name := str(get(r, "Statement", "ManagedRuleGroupStatement", "Name")); name != "" {
					groups = append(groups, name)
					assert.NotNil(c, get(r, "OverrideAction", "None"), "%s: managed group %s does not act on its rules: %s", tpl.StackName, name, compact(get(r, "OverrideAction")))
				}
				if rb := get(r, "Statement", "RateBasedStatement"); rb != nil {
					rates = append(rates, num(get(rb, "Limit")))
					assert.Equal(c, "IP", str(get(rb, "AggregateKeyType")), "%s: rate rule aggregation", tpl.StackName)
					assert.NotNil(c, get(r, "Action", "Block"), "%s: the rate rule does not block: %s", tpl.StackName, compact(get(r, "Action")))
				}
				assert.Equal(c, true, get(r, "VisibilityConfig", "CloudWatchMetricsEnabled"), "%s: rule %v metrics", tpl.StackName, get(r, "Name"))
			}
			for _, g := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesSQLiRuleSet"} {
				assert.Contains(c, groups, g, "%s: managed rule groups", tpl.StackName)
			}
			assert.Equal(c, []int{env.WAF.RateLimit}, rates, "%s: rate limits", tpl.StackName)
			assert.NotNil(c, get(p, "DefaultAction", "Allow"), "%s: default action", tpl.StackName)
		}
		_, logging := tpl.OfType("AWS::WAFv2::LoggingConfiguration")
		require.Len(c, logging, 1, "%s: WAF logging", tpl.StackName)
		js := jsonOf(logging)
		assert.Contains(c, js, `"authorization"`, "%s: WAF logs redact the authorization header", tpl.StackName)
		assert.Contains(c, js, `"cookie"`, "%s: WAF logs redact cookies", tpl.StackName)
		for _, l := range logging {
			// WAF accepts only destinations whose name starts with aws-waf-logs-.
			dest := jsonOf(l.Properties["LogDestinationConfigs"])
			assert.Contains(c, dest, "log-group:", "%s: WAF log destination is not a log group", tpl.StackName)
			for id, g := range tpl.Resources {
				if strings.Contains(dest, `"`+id+`"`) {
					name := g.Properties["LogGroupName"] // a literal, or joined with the stack's id
					starts := strings.HasPrefix(str(name), "aws-waf-logs-") || strings.HasPrefix(jsonOf(name), `{"Fn::Join":["",["aws-waf-logs-`)
					assert.True(c, starts, "%s: WAF logs to %s named %v", tpl.StackName, id, name)
				}
			}
		}
	}
}

// The AWS-managed CloudFront policies of /api/*: never cached, every viewer value but Host.
const cachingDisabled, allViewerExceptHost = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "b689b0a8-53d0-40ab-baf2-68738e2966ac"

func checkDistribution(c *C, a *Assembly) {
	for _, tpl := range edgeStacks(c, a) {
		env := tpl.Env
		_, dists := tpl.OfType("AWS::CloudFront::Distribution")
		require.Len(c, dists, 1, "%s: distributions", tpl.StackName)
		for _, d := range dists {
			cfg := get(d.Properties, "DistributionConfig")
			assert.Equal(c, "TLSv1.2_2021", str(get(cfg, "ViewerCertificate", "MinimumProtocolVersion")), "%s: viewer TLS", tpl.StackName)
			assert.Equal(c, "sni-only", str(get(cfg, "ViewerCertificate", "SslSupportMethod")), "%s: SNI", tpl.StackName)
			assert.Equal(c, "http2and3", str(get(cfg, "HttpVersion")), "%s: HTTP version", tpl.StackName)
			assert.Equal(c, true, get(cfg, "IPV6Enabled"), "%s: IPv6", tpl.StackName)
			assert.NotNil(c, get(cfg, "WebACLId"), "%s: WebACL", tpl.StackName)
			assert.NotNil(c, get(cfg, "Logging"), "%s: logging", tpl.StackName)
			assert.Equal(c, env.CloudFront.PriceClass, str(get(cfg, "PriceClass")), "%s: price class", tpl.StackName)
			behaviors := append([]any{get(cfg, "DefaultCacheBehavior")}, asList(get(cfg, "CacheBehaviors"))...)
			api := 0
			for i, b := range behaviors {
				// The frontend redirects browsers to HTTPS; the API answers plain HTTP with 403.
				want := map[bool]string{true: "redirect-to-https", false: "https-only"}[i == 0 && env.CloudFront.FrontendEnabled]
				assert.Equal(c, want, str(get(b, "ViewerProtocolPolicy")), "%s: behavior %v", tpl.StackName, get(b, "PathPattern"))
				if str(get(b, "PathPattern")) == "/api/*" {
					api++
					assert.Equal(c, cachingDisabled, str(get(b, "CachePolicyId")), "%s: /api/* cache policy", tpl.StackName)
					assert.Equal(c, allViewerExceptHost, str(get(b, "OriginRequestPolicyId")), "%s: /api/* origin request policy", tpl.StackName)
				}
			}
			assert.Equal(c, 1, api, "%s: /api/* behaviors", tpl.StackName)
			var origin any
			for _, o := range asList(get(cfg, "Origins")) {
				if str(get(o, "DomainName")) == "origin."+env.DNS.Domain {
					origin = o
					continue
				}
				assert.NotNil(c, get(o, "S3OriginConfig"), "%s: non-API origin %s", tpl.StackName, compact(o))
				assert.NotNil(c, get(o, "OriginAccessControlId"), "%s: non-API origin without OAC", tpl.StackName)
			}
			require.NotNil(c, origin, "%s: no origin named origin.%s", tpl.StackName, env.DNS.Domain)
			assert.Equal(c, "https-only", str(get(origin, "CustomOriginConfig", "OriginProtocolPolicy")), "%s: API origin protocol", tpl.StackName)
			assert.Equal(c, []any{"TLSv1.2"}, get(origin, "CustomOriginConfig", "OriginSSLProtocols"), "%s: API origin TLS", tpl.StackName)
			headers := jsonOf(get(origin, "OriginCustomHeaders"))
			assert.Contains(c, headers, "X-Origin-Verify", "%s: API origin headers", tpl.StackName)
			assert.Contains(c, headers, "{{resolve:secretsmanager:stratus/"+env.Name+"/origin-verify", "%s: API origin headers", tpl.StackName)
		}
		_, rhp := tpl.OfType("AWS::CloudFront::ResponseHeadersPolicy")
		js := jsonOf(rhp)
		for _, h := range []string{"StrictTransportSecurity", "FrameOptions", "ContentTypeOptions", "ReferrerPolicy"} {
			assert.Contains(c, js, h, "%s: response headers policy", tpl.StackName)
		}
		_, policies := tpl.OfType("AWS::S3::BucketPolicy")
		assert.Contains(c, jsonOf(policies), "cloudfront.amazonaws.com", "%s: no bucket policy limits reads to the distribution", tpl.StackName)
		assert.Contains(c, jsonOf(policies), "AWS:SourceArn", "%s: no bucket policy limits reads to the distribution", tpl.StackName)
	}
}

func checkViewerNames(c *C, a *Assembly) {
	for _, tpl := range edgeStacks(c, a) {
		env := tpl.Env
		_, records := tpl.OfType("AWS::Route53::RecordSet")
		got := []string{}
		for _, r := range records {
			if get(r.Properties, "AliasTarget") != nil {
				got = append(got, strings.TrimSuffix(str(r.Properties["Name"]), ".")+"/"+str(r.Properties["Type"]))
			}
		}
		require.NotEmpty(c, env.DNS.ViewerNames, "%s: no viewer names", tpl.StackName)
		for _, n := range env.DNS.ViewerNames {
			assert.Contains(c, got, n+"/A", "%s: viewer aliases", tpl.StackName)
			assert.Contains(c, got, n+"/AAAA", "%s: viewer aliases", tpl.StackName)
		}
		_, certs := tpl.OfType("AWS::CertificateManager::Certificate")
		require.Len(c, certs, 1, "%s: the viewer certificate", tpl.StackName)
		for id, cert := range certs {
			p := cert.Properties
			assert.Equal(c, "DNS", str(p["ValidationMethod"]), "%s/%s: validation", tpl.StackName, id)
			assert.Equal(c, env.DNS.ViewerNames, append([]string{str(p["DomainName"])}, stringList(p["SubjectAlternativeNames"])...), "%s/%s: names", tpl.StackName, id)
			var validated []string
			for _, o := range asList(p["DomainValidationOptions"]) {
				assert.Equal(c, env.DNS.HostedZoneId, str(get(o, "HostedZoneId")), "%s/%s: validation zone", tpl.StackName, id)
				validated = append(validated, str(get(o, "DomainName")))
			}
			assert.ElementsMatch(c, env.DNS.ViewerNames, validated, "%s/%s: validated names", tpl.StackName, id)
		}
	}
}

// originRecords returns the origin.<domain> record sets of a stack for one region (its set
// identifier).
func originRecords(tpl *Template, domain, region string) []Resource {
	_, records := tpl.OfType("AWS::Route53::RecordSet")
	var out []Resource
	for _, r := range records {
		if str(r.Properties["Name"]) == "origin."+domain+"." && str(r.Properties["SetIdentifier"]) == region {
			out = append(out, r)
		}
	}
	return out
}

// checkOriginRecords: the Edge stack publishes origin.<domain> for every region, routed as the
// config says and health-checked on the regional name with the configured interval and threshold.
func checkOriginRecords(c *C, a *Assembly) {
	for _, tpl := range requireStacks(c, a, "Edge") {
		env := tpl.Env
		_, checks := tpl.OfType("AWS::Route53::HealthCheck")
		require.Len(c, checks, len(env.Regions), "%s: health checks", tpl.StackName)
		for _, region := range env.Regions {
			what := tpl.StackName + " " + region.Name
			recs := originRecords(tpl, env.DNS.Domain, region.Name)
			require.Len(c, recs, 1, "%s: origin records", what)
			r := recs[0].Properties
			assert.Equal(c, true, get(r, "AliasTarget", "EvaluateTargetHealth"), "%s: evaluate target health", what)
			switch env.DNS.Routing {
			case config.RoutingLatency:
				assert.Equal(c, region.Name, str(r["Region"]), "%s: latency region", what)
			case config.RoutingFailover:
				role := map[bool]string{true: "PRIMARY", false: "SECONDARY"}[region.Name == env.PrimaryRegion]
				assert.Equal(c, role, str(r["Failover"]), "%s: failover role", what)
			}
			hc, ok := checks[ref(r["HealthCheckId"])]
			require.True(c, ok, "%s: the origin record is not health-checked by a check of the stack", what)
			cfg := get(hc.Properties, "HealthCheckConfig")
			assert.Equal(c, "HTTPS", str(get(cfg, "Type")), "%s: health check type", what)
			assert.Equal(c, publicTargets(env)[0].HealthCheckPath, str(get(cfg, "ResourcePath")), "%s: health check path", what)
			assert.Equal(c, env.RegionalOriginName(region.Name), str(get(cfg, "FullyQualifiedDomainName")), "%s: health check name", what)
			assert.Equal(c, env.DNS.HealthCheckIntervalSeconds, num(get(cfg, "RequestInterval")), "%s: health check interval", what)
			assert.Equal(c, env.DNS.HealthCheckFailureThreshold, num(get(cfg, "FailureThreshold")), "%s: failure threshold", what)
		}
	}
}

// prodFailover is the fixture prod with routing: failover instead of latency.
var prodFailover = newVariant("prod with failover", func() ([]*config.Environment, error) {
	env, err := fixtureText("prod", func(text string) (string, error) {
		changed := strings.Replace(text, "  routing: latency\n", "  routing: failover\n", 1)
		if changed == text {
			return "", errors.New("no `  routing: latency` to switch; update prodFailover")
		}
		return changed, nil
	})
	return []*config.Environment{env}, err
})

// TestSwitchingToFailoverChangesOnlyTheRecordsAndTheWarmCapacity synthesizes the fixture prod a
// second time with routing: failover (prodFailover) and compares every template with the
// latency one.
func TestSwitchingToFailoverChangesOnlyTheRecordsAndTheWarmCapacity(t *testing.T) {
	latency := Fixtures(t)
	failover := prodFailover.Assembly(t)
	changed := map[string]bool{}
	for name, after := range failover.Templates {
		before := latency.Template(t, name)
		assert.Len(t, after.Resources, len(before.Resources), "%s: resources with failover and with latency", name)
		for id, r := range after.Resources {
			if !assert.ObjectsAreEqual(r, before.Resources[id]) {
				changed[tierName(after)+" "+r.Type] = true
			}
		}
	}
	var got []string
	for k := range changed {
		got = append(got, k)
	}
	assert.ElementsMatch(t, []string{
		"Prod-App-eu-west-1 AWS::ApplicationAutoScaling::ScalableTarget", // the warm region runs reduced
		"Prod-App-eu-west-1 AWS::ECS::Service",
		"Prod-Edge-us-east-1 AWS::Route53::RecordSet",
		// The routing decides the plan's recovery approach, hence its name, which its roles'
		// description and policies name.
		"Prod-Edge-us-east-1 AWS::ARCRegionSwitch::Plan",
		"Prod-Edge-us-east-1 AWS::IAM::Role",
		"Prod-Edge-us-east-1 AWS::IAM::ManagedPolicy",
	}, got)
	// The failover assembly passes the suite's record and scaling assertions too.
	for _, ch := range []check{{"origin records", checkOriginRecords}, {"scaling", checkScaling}} {
		assert.Empty(t, ch.runOn(failover), ch.name)
	}
}

// tierName names a stack by its region's tier: a Service stack by its App stack, a ServiceData
// stack by its Data stack, any other by itself.
func tierName(tpl *Template) string {
	for part, kind := range map[string]string{"Service": "App", "ServiceData": "Data"} {
		if strings.HasPrefix(tpl.StackName, stacks.StageID(tpl.Env.Name)+"-"+part+"-") {
			return stackName(tpl.Env, kind, tpl.Region)
		}
	}
	return tpl.StackName
}

// TestShieldAdvancedAndTheFrontendUploadAreOptIn: the fixtures buy no Shield Advanced and upload
// nothing; turning both on protects the distribution, the hosted zone and the ALB, and uploads
// the folder into the frontend bucket with an invalidation.
func TestShieldAdvancedAndTheFrontendUploadAreOptIn(t *testing.T) {
	for name, tpl := range Fixtures(t).Templates {
		ids, _ := tpl.OfType("AWS::Shield::Protection")
		assert.Empty(t, ids, "%s: Shield Advanced protections without the toggle", name)
		ids, _ = tpl.OfType("Custom::CDKBucketDeployment")
		assert.Empty(t, ids, "%s: frontend upload without a source", name)
	}

	a := StagingWithOptions(t)
	env := a.Envs["staging"]
	edge, app := a.Template(t, "Staging-Edge-us-east-1"), a.Template(t, "Staging-App-us-east-1")
	var protected []string
	for _, tpl := range []*Template{edge, app} {
		_, protections := tpl.OfType("AWS::Shield::Protection")
		for _, p := range protections {
			arn := jsonOf(p.Properties["ResourceArn"])
			switch {
			case strings.Contains(arn, "Distribution"):
				protected = append(protected, "distribution")
			case strings.Contains(arn, "hostedzone/"+env.DNS.HostedZoneId):
				protected = append(protected, "hosted zone")
			case strings.Contains(arn, "Ingress") && tpl == app:
				protected = append(protected, "ALB")
			default:
				assert.Failf(t, "unexpected Shield protection", "%s: %s", tpl.StackName, arn)
			}
		}
	}
	assert.ElementsMatch(t, []string{"distribution", "hosted zone", "ALB"}, protected)
	_, uploads := edge.OfType("Custom::CDKBucketDeployment")
	require.Len(t, uploads, 1, "frontend uploads")
	for id, u := range uploads {
		assert.Contains(t, jsonOf(u.Properties["DestinationBucketName"]), "Frontend", id)
		assert.Equal(t, []any{"/*"}, u.Properties["DistributionPaths"], id)
	}
}

// devApiOnly is the fixture dev with cloudfront.frontend.enabled: false.
var devApiOnly = newVariant("dev with an API-only edge", func() ([]*config.Environment, error) {
	env, err := fixture("dev")
	if err != nil {
		return nil, err
	}
	env.CloudFront.FrontendEnabled, env.CloudFront.FrontendSource = false, ""
	return []*config.Environment{env}, nil
})

// TestAnApiOnlyEdgeChangesOnlyTheEdge synthesizes the fixture dev without its frontend
// (devApiOnly): only the Edge stack changes, where the frontend's bucket, key, origin access
// control and rewrite function are gone and every path goes to the services' origin, and the
// environment holds no error or warning annotation (cdk-nag's findings among them).
func TestAnApiOnlyEdgeChangesOnlyTheEdge(t *testing.T) {
	fixtures := Fixtures(t)
	a := devApiOnly.Assembly(t)
	for _, f := range (check{"no annotation", checkAnnotations}).runOn(a) {
		t.Error(f)
	}
	var changed []string
	for name, after := range a.Templates {
		if !assert.ObjectsAreEqual(after.Resources, fixtures.Template(t, name).Resources) {
			changed = append(changed, name)
		}
	}
	assert.Equal(t, []string{"Dev-Edge-us-east-1"}, changed, "only the Edge stack changes")

	edge := a.Template(t, "Dev-Edge-us-east-1")
	for _, typ := range []string{"AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::Function"} {
		ids, _ := edge.OfType(typ)
		assert.Empty(t, ids, typ)
	}
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::S3::BucketPolicy", "AWS::KMS::Key"} {
		ids, _ := edge.OfType(typ)
		before, _ := fixtures.Template(t, "Dev-Edge-us-east-1").OfType(typ)
		assert.Len(t, ids, len(before)-1, "%s: the frontend's one is gone", typ)
		for _, id := range ids {
			assert.NotContains(t, id, "Frontend", "%s %s", typ, id)
		}
	}
	ids, dists := edge.OfType("AWS::CloudFront::Distribution")
	require.Len(t, ids, 1)
	cfg := get(dists[ids[0]].Properties, "DistributionConfig")
	assert.Nil(t, get(cfg, "CacheBehaviors"), "the default behavior is the only one")
	origins := asList(get(cfg, "Origins"))
	require.Len(t, origins, 1, "the services' origin only")
	assert.Equal(t, fixtures.Envs["dev"].OriginName(), str(get(origins[0], "DomainName")))
	assert.Equal(t, str(get(origins[0], "Id")), str(get(cfg, "DefaultCacheBehavior", "TargetOriginId")))
	assert.Equal(t, `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]`, jsonOf(get(cfg, "DefaultCacheBehavior", "AllowedMethods")))
}
