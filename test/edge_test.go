package test

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/stratus-platform/stratus/config"
)

func edgeStacks(t *testing.T) []*Template {
	a := Shipped(t)
	out := a.stacksOf("Edge")
	if len(out) != 3 {
		t.Fatalf("%d Edge stacks, want one per environment", len(out))
	}
	for _, tpl := range out {
		if tpl.Region != "us-east-1" {
			t.Errorf("%s is in %s; CloudFront's WebACL and certificate must be in us-east-1", tpl.StackName, tpl.Region)
		}
	}
	return out
}

func TestWebAclProtectsTheDistribution(t *testing.T) {
	for _, tpl := range edgeStacks(t) {
		env := tpl.Env
		_, acls := tpl.OfType("AWS::WAFv2::WebACL")
		if len(acls) != 1 {
			t.Fatalf("%s: %d WebACLs", tpl.StackName, len(acls))
		}
		for _, acl := range acls {
			p := acl.Properties
			if str(p["Scope"]) != "CLOUDFRONT" {
				t.Errorf("%s: WebACL scope %v", tpl.StackName, p["Scope"])
			}
			groups := map[string]bool{}
			rate := 0
			for _, r := range p["Rules"].([]any) {
				if name := str(get(r, "Statement", "ManagedRuleGroupStatement", "Name")); name != "" {
					groups[name] = true
				}
				if rb := get(r, "Statement", "RateBasedStatement"); rb != nil {
					rate = num(get(rb, "Limit"))
					if str(get(rb, "AggregateKeyType")) != "IP" {
						t.Errorf("%s: rate rule aggregates by %v", tpl.StackName, get(rb, "AggregateKeyType"))
					}
				}
				if get(r, "VisibilityConfig", "CloudWatchMetricsEnabled") != true {
					t.Errorf("%s: rule %v without metrics", tpl.StackName, get(r, "Name"))
				}
			}
			for _, g := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesSQLiRuleSet"} {
				if !groups[g] {
					t.Errorf("%s: managed group %s missing", tpl.StackName, g)
				}
			}
			if rate != env.WAF.RateLimit {
				t.Errorf("%s: rate limit %d, want %d", tpl.StackName, rate, env.WAF.RateLimit)
			}
		}
		_, logging := tpl.OfType("AWS::WAFv2::LoggingConfiguration")
		js := jsonOf(logging)
		if len(logging) != 1 || !strings.Contains(js, `"authorization"`) || !strings.Contains(js, `"cookie"`) {
			t.Errorf("%s: WAF logging %s", tpl.StackName, js)
		}
		for _, l := range logging {
			// WAF accepts only destinations whose name starts with aws-waf-logs-.
			dest := jsonOf(l.Properties["LogDestinationConfigs"])
			for id, g := range tpl.Resources {
				if strings.Contains(dest, `"`+id+`"`) && !strings.HasPrefix(str(g.Properties["LogGroupName"]), "aws-waf-logs-") {
					t.Errorf("%s: WAF logs to %s named %v, want aws-waf-logs-*", tpl.StackName, id, g.Properties["LogGroupName"])
				}
			}
			if !strings.Contains(dest, "log-group:") {
				t.Errorf("%s: WAF log destination %s is not a log group", tpl.StackName, dest)
			}
		}
	}
}

func TestDistributionIsHttpsOnlyAndReachesTheApiByName(t *testing.T) {
	for _, tpl := range edgeStacks(t) {
		env := tpl.Env
		_, dists := tpl.OfType("AWS::CloudFront::Distribution")
		if len(dists) != 1 {
			t.Fatalf("%s: %d distributions", tpl.StackName, len(dists))
		}
		for _, d := range dists {
			c := get(d.Properties, "DistributionConfig")
			vc := get(c, "ViewerCertificate")
			if str(get(vc, "MinimumProtocolVersion")) != "TLSv1.2_2021" || str(get(vc, "SslSupportMethod")) != "sni-only" ||
				str(get(c, "HttpVersion")) != "http2and3" || get(c, "IPV6Enabled") != true || get(c, "WebACLId") == nil || get(c, "Logging") == nil {
				t.Errorf("%s: distribution settings %s", tpl.StackName, compact(c))
			}
			behaviors := []any{get(c, "DefaultCacheBehavior")}
			if list, ok := get(c, "CacheBehaviors").([]any); ok {
				behaviors = append(behaviors, list...)
			}
			for _, b := range behaviors {
				if str(get(b, "ViewerProtocolPolicy")) != "redirect-to-https" {
					t.Errorf("%s: behavior %v allows %v", tpl.StackName, get(b, "PathPattern"), get(b, "ViewerProtocolPolicy"))
				}
			}
			// /api/* is never cached and forwards every viewer value but Host (AWS managed
			// policies CachingDisabled and AllViewerExceptHostHeader).
			const cachingDisabled, allViewerExceptHost = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", "b689b0a8-53d0-40ab-baf2-68738e2966ac"
			apiBehaviors := 0
			for _, b := range behaviors[1:] {
				if str(get(b, "PathPattern")) == "/api/*" {
					apiBehaviors++
					if str(get(b, "CachePolicyId")) != cachingDisabled || str(get(b, "OriginRequestPolicyId")) != allViewerExceptHost {
						t.Errorf("%s: /api/* cache policy %v, origin request policy %v", tpl.StackName, get(b, "CachePolicyId"), get(b, "OriginRequestPolicyId"))
					}
				}
			}
			if apiBehaviors != 1 || str(get(c, "PriceClass")) != env.CloudFront.PriceClass {
				t.Errorf("%s: %d /api/* behaviors, price class %v (want %s)", tpl.StackName, apiBehaviors, get(c, "PriceClass"), env.CloudFront.PriceClass)
			}
			var api any
			for _, o := range get(c, "Origins").([]any) {
				if str(get(o, "DomainName")) == "origin."+env.DNS.Domain {
					api = o
				} else if get(o, "S3OriginConfig") == nil || get(o, "OriginAccessControlId") == nil {
					t.Errorf("%s: non-API origin without OAC: %s", tpl.StackName, compact(o))
				}
			}
			if api == nil {
				t.Fatalf("%s: no origin named origin.%s", tpl.StackName, env.DNS.Domain)
			}
			cp := get(api, "CustomOriginConfig")
			if str(get(cp, "OriginProtocolPolicy")) != "https-only" || jsonOf(get(cp, "OriginSSLProtocols")) != `["TLSv1.2"]` {
				t.Errorf("%s: API origin %s", tpl.StackName, compact(cp))
			}
			if h := jsonOf(get(api, "OriginCustomHeaders")); !strings.Contains(h, "X-Origin-Verify") || !strings.Contains(h, "{{resolve:secretsmanager:stratus/"+env.Name+"/origin-verify") {
				t.Errorf("%s: API origin headers %s", tpl.StackName, h)
			}
		}
		_, rhp := tpl.OfType("AWS::CloudFront::ResponseHeadersPolicy")
		if js := jsonOf(rhp); !strings.Contains(js, "StrictTransportSecurity") || !strings.Contains(js, "FrameOptions") || !strings.Contains(js, "ContentTypeOptions") || !strings.Contains(js, "ReferrerPolicy") {
			t.Errorf("%s: response headers policy %s", tpl.StackName, compact(rhp))
		}
		_, policies := tpl.OfType("AWS::S3::BucketPolicy")
		if js := jsonOf(policies); !strings.Contains(js, "cloudfront.amazonaws.com") || !strings.Contains(js, "AWS:SourceArn") {
			t.Errorf("%s: no bucket policy limits reads to the distribution", tpl.StackName)
		}
	}
}

func TestViewerNamesAliasTheDistribution(t *testing.T) {
	for _, tpl := range edgeStacks(t) {
		env := tpl.Env
		_, records := tpl.OfType("AWS::Route53::RecordSet")
		got := map[string]bool{}
		for _, r := range records {
			if get(r.Properties, "AliasTarget") != nil {
				got[strings.TrimSuffix(str(r.Properties["Name"]), ".")+"/"+str(r.Properties["Type"])] = true
			}
		}
		for _, n := range env.DNS.ViewerNames {
			if !got[n+"/A"] || !got[n+"/AAAA"] {
				t.Errorf("%s: %s lacks A and AAAA aliases (have %v)", tpl.StackName, n, got)
			}
		}
		_, certs := tpl.OfType("AWS::CertificateManager::Certificate")
		if len(certs) != 1 {
			t.Fatalf("%s: %d certificates, want the viewer certificate", tpl.StackName, len(certs))
		}
		for id, c := range certs {
			p := c.Properties
			names := append([]string{str(p["DomainName"])}, stringList(p["SubjectAlternativeNames"])...)
			validated := map[string]bool{}
			for _, o := range asList(p["DomainValidationOptions"]) {
				if str(get(o, "HostedZoneId")) == env.DNS.HostedZoneId {
					validated[str(get(o, "DomainName"))] = true
				}
			}
			if str(p["ValidationMethod"]) != "DNS" || !reflect.DeepEqual(names, env.DNS.ViewerNames) || len(validated) != len(names) {
				t.Errorf("%s/%s: certificate for %v (want %v), validation %v in zone %v", tpl.StackName, id, names, env.DNS.ViewerNames, p["ValidationMethod"], validated)
			}
		}
	}
}

// originRecords returns the origin.<domain> record sets of an App stack.
func originRecords(tpl *Template, domain string) []Resource {
	_, records := tpl.OfType("AWS::Route53::RecordSet")
	var out []Resource
	for _, r := range records {
		if str(r.Properties["Name"]) == "origin."+domain+"." {
			out = append(out, r)
		}
	}
	return out
}

func TestProdPublishesOneHealthCheckedOriginRecordPerRegion(t *testing.T) {
	a := Shipped(t)
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		tpl := a.Template(t, "Prod-App-"+region)
		recs := originRecords(tpl, a.Envs["prod"].DNS.Domain)
		_, checks := tpl.OfType("AWS::Route53::HealthCheck")
		if len(recs) != 1 || len(checks) != 1 {
			t.Fatalf("%s: %d origin records, %d health checks", tpl.StackName, len(recs), len(checks))
		}
		r := recs[0].Properties
		if str(r["Region"]) != region || str(r["SetIdentifier"]) != region || ref(r["HealthCheckId"]) == "" || get(r, "AliasTarget", "EvaluateTargetHealth") != true {
			t.Errorf("%s: origin record %s", tpl.StackName, compact(r))
		}
		for _, hc := range checks {
			c := get(hc.Properties, "HealthCheckConfig")
			if str(get(c, "Type")) != "HTTPS" || str(get(c, "ResourcePath")) != "/health" || str(get(c, "FullyQualifiedDomainName")) != region+".origin.stratus.example.com" ||
				num(get(c, "RequestInterval")) != 30 || num(get(c, "FailureThreshold")) != 3 {
				t.Errorf("%s: health check %s", tpl.StackName, compact(c))
			}
		}
	}
}

// TestSwitchingToFailoverChangesOnlyTheRecordsAndTheWarmCapacity synthesizes prod a second time
// with routing: failover and compares every template with the shipped (latency) one.
func TestSwitchingToFailoverChangesOnlyTheRecordsAndTheWarmCapacity(t *testing.T) {
	latency := Shipped(t)
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), "  routing: latency\n", "  routing: failover\n", 1)
	if text == string(data) {
		t.Fatal("prod.yaml does not say `  routing: latency`; update this test")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env, err := config.Load(filepath.Join(dir, "prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	failover, err := Synth([]*config.Environment{env})
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string]bool{}
	for name, after := range failover.Templates {
		before := latency.Template(t, name)
		for id, r := range after.Resources {
			if !reflect.DeepEqual(r, before.Resources[id]) {
				changed[name+" "+r.Type] = true
			}
		}
		if len(after.Resources) != len(before.Resources) {
			t.Errorf("%s: %d resources with failover, %d with latency", name, len(after.Resources), len(before.Resources))
		}
	}
	var got []string
	for c := range changed {
		got = append(got, c)
	}
	sort.Strings(got)
	want := []string{
		"Prod-App-eu-west-1 AWS::ApplicationAutoScaling::ScalableTarget", // the warm region runs reduced
		"Prod-App-eu-west-1 AWS::ECS::Service",
		"Prod-App-eu-west-1 AWS::Route53::RecordSet",
		"Prod-App-us-east-1 AWS::Route53::RecordSet",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("switching to failover changed\n %v\nwant\n %v", got, want)
	}
	roles := map[string]string{}
	for _, region := range []string{"us-east-1", "eu-west-1"} {
		for _, r := range originRecords(failover.Template(t, "Prod-App-"+region), env.DNS.Domain) {
			roles[region] = str(r.Properties["Failover"])
		}
	}
	if roles["us-east-1"] != "PRIMARY" || roles["eu-west-1"] != "SECONDARY" {
		t.Errorf("failover roles = %v", roles)
	}
}

// TestShieldAdvancedAndTheFrontendUploadAreOptIn: the shipped configs buy no Shield Advanced and
// upload nothing; turning both on protects the distribution, the hosted zone and the ALB, and
// uploads the folder into the frontend bucket with an invalidation.
func TestShieldAdvancedAndTheFrontendUploadAreOptIn(t *testing.T) {
	for _, name := range Shipped(t).StackNames() {
		tpl := Shipped(t).Templates[name]
		if ids, _ := tpl.OfType("AWS::Shield::Protection"); len(ids) > 0 {
			t.Errorf("%s: Shield Advanced protections %v without the toggle", name, ids)
		}
		if ids, _ := tpl.OfType("Custom::CDKBucketDeployment"); len(ids) > 0 {
			t.Errorf("%s: frontend upload %v without a source", name, ids)
		}
	}

	a := StagingWithOptions(t)
	env := a.Envs["staging"]
	edge, app := a.Template(t, "Staging-Edge-us-east-1"), a.Template(t, "Staging-App-us-east-1")
	protected := map[string]bool{}
	for _, tpl := range []*Template{edge, app} {
		_, protections := tpl.OfType("AWS::Shield::Protection")
		for _, p := range protections {
			arn := jsonOf(p.Properties["ResourceArn"])
			switch {
			case strings.Contains(arn, "Distribution"):
				protected["distribution"] = true
			case strings.Contains(arn, "hostedzone/"+env.DNS.HostedZoneId):
				protected["hosted zone"] = true
			case strings.Contains(arn, "Ingress") && tpl == app:
				protected["ALB"] = true
			default:
				t.Errorf("%s: unexpected Shield protection of %s", tpl.StackName, arn)
			}
		}
	}
	if len(protected) != 3 {
		t.Errorf("Shield Advanced protects %v, want the distribution, the hosted zone and the ALB", protected)
	}
	_, uploads := edge.OfType("Custom::CDKBucketDeployment")
	if len(uploads) != 1 {
		t.Fatalf("%d frontend uploads, want 1", len(uploads))
	}
	for id, u := range uploads {
		if !strings.Contains(jsonOf(u.Properties["DestinationBucketName"]), "Frontend") || compact(u.Properties["DistributionPaths"]) != `["/*"]` {
			t.Errorf("%s: uploads to %s, invalidates %s", id, jsonOf(u.Properties["DestinationBucketName"]), compact(u.Properties["DistributionPaths"]))
		}
	}
}
