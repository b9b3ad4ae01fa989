package edge

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	cf "github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// resource is one resource of a synthesized template, decoded from JSON.
type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	DependsOn      any            `json:"DependsOn"`
}

// ofType returns the resources of one type in the named stack's template, by logical id.
func ofType(t *testing.T, stack, typ string) map[string]resource {
	t.Helper()
	return cdktest.Decode[map[string]resource](t, cdktest.OfType(t, cdktest.Template(t, shared(t).stacks[stack]), typ))
}

// only returns the single resource of a type, or stops the test.
func only(t *testing.T, stack, typ string) (string, resource) {
	t.Helper()
	found := ofType(t, stack, typ)
	require.Len(t, found, 1)
	for id, r := range found {
		return id, r
	}
	panic("unreachable")
}

// get walks a decoded JSON value along keys (strings for objects, ints for arrays).
func get(v any, path ...any) any {
	for _, k := range path {
		switch key := k.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[key]
		case int:
			a, _ := v.([]any)
			if key >= len(a) {
				return nil
			}
			v = a[key]
		}
	}
	return v
}

func asJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func ruleNames(t *testing.T, rules []any) []string {
	var names []string
	for _, r := range rules {
		names = append(names, cdktest.As[string](t, get(r, "Name")))
	}
	return names
}

func findRule(t *testing.T, rules []any, name string) any {
	t.Helper()
	for _, r := range rules {
		if get(r, "Name") == name {
			return r
		}
	}
	require.Failf(t, "no such WAF rule", "no rule %q in %v", name, ruleNames(t, rules))
	return nil
}

func webAclRules(t *testing.T, stack string) (map[string]any, []any) {
	t.Helper()
	_, acl := only(t, stack, "AWS::WAFv2::WebACL")
	return acl.Properties, cdktest.As[[]any](t, acl.Properties["Rules"])
}

func TestWebAclHasTheRateRuleAndTheFourManagedGroupsInOrder(t *testing.T) {
	props, rules := webAclRules(t, defaultsStack)
	assert.Equal(t, "CLOUDFRONT", props["Scope"])
	assert.Equal(t, `{"Allow":{}}`, asJSON(props["DefaultAction"]))
	want := []string{RateLimitRule, IPReputationGroup, CommonGroup, KnownBadInputsGroup, SQLiGroup}
	require.Equal(t, want, ruleNames(t, rules))
	var priorities []float64
	require.NotEmpty(t, rules)
	for _, r := range rules {
		priorities = append(priorities, cdktest.As[float64](t, get(r, "Priority")))
	}
	assert.GreaterOrEqual(t, priorities[0], 0.0, "first rule priority")
	assert.IsIncreasing(t, priorities, "rule priorities of %v", want)

	rate := findRule(t, rules, RateLimitRule)
	assert.Equal(t, `{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":2000}`, asJSON(get(rate, "Statement", "RateBasedStatement")))
	assert.Equal(t, `{"Block":{"CustomResponse":{"CustomResponseBodyKey":"rate-limited","ResponseCode":429}}}`, asJSON(get(rate, "Action")))
	for _, group := range DefaultManagedRuleGroups {
		r := findRule(t, rules, group)
		assert.Equal(t, `{"Name":"`+group+`","VendorName":"AWS"}`, asJSON(get(r, "Statement", "ManagedRuleGroupStatement")))
		assert.Equal(t, `{"None":{}}`, asJSON(get(r, "OverrideAction")))
	}
	bodies := cdktest.As[map[string]any](t, props["CustomResponseBodies"])
	for _, key := range []string{blockedBody, rateLimitedBody} {
		assert.Equal(t, "APPLICATION_JSON", get(bodies, key, "ContentType"), "custom response body %q", key)
		assert.NotNil(t, get(bodies, key, "Content"), "custom response body %q", key)
	}
}

func TestEveryWebAclRuleHasMetricsAndSampledRequests(t *testing.T) {
	for _, stack := range []string{defaultsStack, optionsStack, geoBlockStack} {
		props, rules := webAclRules(t, stack)
		for _, v := range append([]any{props}, rules...) {
			vc := get(v, "VisibilityConfig")
			what := fmt.Sprintf("%s: %v VisibilityConfig = %s", stack, get(v, "Name"), asJSON(vc))
			assert.Equal(t, true, get(vc, "CloudWatchMetricsEnabled"), what)
			assert.Equal(t, true, get(vc, "SampledRequestsEnabled"), what)
			assert.NotNil(t, get(vc, "MetricName"), what)
		}
	}
}

func TestWebAclOptionsAddGroupsOverridesAndAnAllowList(t *testing.T) {
	_, rules := webAclRules(t, optionsStack)
	want := []string{RateLimitRule, GeoAllowRule, IPReputationGroup, CommonGroup, KnownBadInputsGroup, SQLiGroup,
		"AWSManagedRulesAnonymousIpList", "AWSManagedRulesBotControlRuleSet"}
	require.Equal(t, want, ruleNames(t, rules))
	assert.Equal(t, 500.0, get(findRule(t, rules, RateLimitRule), "Statement", "RateBasedStatement", "Limit"))
	geo := findRule(t, rules, GeoAllowRule)
	assert.Equal(t, `{"NotStatement":{"Statement":{"GeoMatchStatement":{"CountryCodes":["US","CA"]}}}}`, asJSON(get(geo, "Statement")))
	assert.Equal(t, `{"Block":{"CustomResponse":{"CustomResponseBodyKey":"blocked","ResponseCode":403}}}`, asJSON(get(geo, "Action")))
	common := get(findRule(t, rules, CommonGroup), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides")
	assert.Equal(t, `[{"ActionToUse":{"Count":{}},"Name":"SizeRestrictions_BODY"},{"ActionToUse":{"Count":{}},"Name":"NoUserAgent_HEADER"}]`, asJSON(common))
	anon := get(findRule(t, rules, "AWSManagedRulesAnonymousIpList"), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides")
	assert.Equal(t, `[{"ActionToUse":{"Count":{}},"Name":"HostingProviderIPList"}]`, asJSON(anon))
	assert.Equal(t, nil, get(findRule(t, rules, KnownBadInputsGroup), "Statement", "ManagedRuleGroupStatement", "RuleActionOverrides"))
	bot := get(findRule(t, rules, "AWSManagedRulesBotControlRuleSet"), "Statement", "ManagedRuleGroupStatement", "ManagedRuleGroupConfigs")
	assert.Equal(t, `[{"AWSManagedRulesBotControlRuleSet":{"InspectionLevel":"COMMON"}}]`, asJSON(bot))
}

func TestGeoBlockModeBlocksTheListedCountries(t *testing.T) {
	_, rules := webAclRules(t, geoBlockStack)
	geo := findRule(t, rules, GeoBlockRule)
	assert.Equal(t, `{"GeoMatchStatement":{"CountryCodes":["KP","IR"]}}`, asJSON(get(geo, "Statement")))
	assert.Equal(t, 403.0, get(geo, "Action", "Block", "CustomResponse", "ResponseCode"))
	_, dist := only(t, geoBlockStack, "AWS::CloudFront::Distribution")
	assert.Equal(t, `{"GeoRestriction":{"Locations":["RU"],"RestrictionType":"blacklist"}}`, asJSON(get(dist.Properties, "DistributionConfig", "Restrictions")))
}

func TestSpaFallbackIsAViewerRequestFunctionOnTheFrontendBehaviorOnly(t *testing.T) {
	for _, stack := range []string{defaultsStack, optionsStack, geoBlockStack} {
		c := distributionConfig(t, stack)
		assert.Nil(t, c["CustomErrorResponses"])
		fnID, fn := only(t, stack, "AWS::CloudFront::Function")
		def := c["DefaultCacheBehavior"]
		assert.Equal(t, `[{"EventType":"viewer-request","FunctionARN":{"Fn::GetAtt":["`+fnID+`","FunctionARN"]}}]`, asJSON(get(def, "FunctionAssociations")))
		assert.Equal(t, nil, get(def, "LambdaFunctionAssociations"))
		behaviors, _ := c["CacheBehaviors"].([]any)
		assert.NotEmpty(t, behaviors)
		require.NotEmpty(t, behaviors)
		for _, b := range behaviors {
			// Responses pass through unchanged.
			assert.Nil(t, get(b, "FunctionAssociations"), "%s: the %v behavior", stack, get(b, "PathPattern"))
			assert.Nil(t, get(b, "LambdaFunctionAssociations"), "%s: the %v behavior", stack, get(b, "PathPattern"))
		}

		// JS 2.0, published to LIVE (what the distribution runs), with the rewrite.
		code, _ := fn.Properties["FunctionCode"].(string)
		assert.Equal(t, "cloudfront-js-2.0", get(fn.Properties, "FunctionConfig", "Runtime"), stack)
		assert.Equal(t, true, fn.Properties["AutoPublish"], stack)
		assert.Contains(t, code, "function handler(event)", stack)
		assert.Contains(t, code, "request.uri = '/index.html'", stack)
		// Named like the construct's other resources: the WAF log group's unique part (same path
		// hash) plus the suffix, within CloudFront's 64 characters.
		name, _ := fn.Properties["Name"].(string)
		assert.Regexp(t, `^[A-Za-z0-9_-]{1,64}$`, name, "%s: function name", stack)
		assert.True(t, strings.HasPrefix(name, stack+"-Edge-"), "%s: function name %q, want the prefix %s-Edge-", stack, name, stack)
		assert.True(t, strings.HasSuffix(name, spaRewriteSuffix), "%s: function name %q, want the suffix %s", stack, name, spaRewriteSuffix)
		if stack == defaultsStack {
			_, group := only(t, stack, "AWS::Logs::LogGroup")
			want := strings.TrimPrefix(cdktest.RebuildableName(t, group.Properties["LogGroupName"]), "aws-waf-logs-") + spaRewriteSuffix
			assert.Equal(t, want, name, "function name")
		}
	}
}

func TestSpaRewriteFunctionNameStaysDeterministicAndWithin64Characters(t *testing.T) {
	// The name an Edge with this id gets in a fresh app, in a stack with a long name.
	name := func(id string) string {
		app := awscdk.NewApp(&awscdk.AppProps{Context: &cdkContext, Outdir: jsii.String(t.TempDir())})
		stack := awscdk.NewStack(app, jsii.String("AVeryLongStackNameForAnEnvironmentWithAVeryLongName"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(testAccount), Region: jsii.String("us-east-1")},
		})
		return (&Edge{Construct: constructs.NewConstruct(stack, jsii.String(id))}).resourceNames(EdgeProps{}).spaRewriteFunction
	}
	var a, a2, b string
	cdktest.NoPanic(t, func() {
		a = name("AnEdgeConstructWhoseIdAloneIsLongerThanTheFunctionNameLimitOne")
		a2 = name("AnEdgeConstructWhoseIdAloneIsLongerThanTheFunctionNameLimitOne")
		b = name("AnEdgeConstructWhoseIdAloneIsLongerThanTheFunctionNameLimitTwo")
	})
	for _, n := range []string{a, b} {
		assert.LessOrEqual(t, len(n), 64, "function name %q", n)
		assert.Regexp(t, `^[A-Za-z0-9-]+$`, n, "function name")
		assert.True(t, strings.HasSuffix(n, spaRewriteSuffix), "function name %q, want the suffix %q", n, spaRewriteSuffix)
	}
	assert.Equal(t, a, a2, "the same path gives the same name")
	assert.NotEqual(t, a, b, "different paths give different names")
}

// TestSpaRewriteFunctionRewritesRoutesAndKeepsFiles runs the synthesized function code with node
// (its JavaScript is plain ES5, which both runtimes execute the same way).
func TestSpaRewriteFunctionRewritesRoutesAndKeepsFiles(t *testing.T) {
	cdktest.RequireTool(t, "node", "Node.js 20 or newer, as the README says")
	node, err := exec.LookPath("node")
	require.NoError(t, err)
	_, fn := only(t, defaultsStack, "AWS::CloudFront::Function")
	want := map[string]string{
		"/":                   "/index.html",
		"/orders":             "/index.html",
		"/orders/42":          "/index.html",
		"/orders/42/":         "/index.html",
		"/index.html":         "/index.html",
		"/assets/app.js":      "/assets/app.js",
		"/assets/app.3f2a.js": "/assets/app.3f2a.js",
		"/favicon.ico":        "/favicon.ico",
		"/missing.png":        "/missing.png", // a missing file stays a file: S3 answers 403
	}
	uris := slices.Sorted(maps.Keys(want))
	script := cdktest.As[string](t, fn.Properties["FunctionCode"]) + `
var uris = JSON.parse(process.argv[2]);
console.log(JSON.stringify(uris.map(function (uri) {
  return handler({version: '1.0', context: {eventType: 'viewer-request'},
    request: {method: 'GET', uri: uri, querystring: {}, headers: {}, cookies: {}}}).uri;
})));
`
	file := filepath.Join(t.TempDir(), "spa-rewrite.js")
	require.NoError(t, os.WriteFile(file, []byte(script), 0o644))
	var stderr strings.Builder
	cmd := exec.Command(node, file, asJSON(uris))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.Nil(t, err)
	var got []string
	require.NoError(t, json.Unmarshal(out, &got), "node printed %q", out)
	require.Len(t, got, len(uris), "node printed %q", out)
	for i, uri := range uris {
		assert.Equal(t, want[uri], got[i], uri)
	}
}

func TestWafLogsGoToAnEncryptedAwsWafLogsGroupWithoutSecrets(t *testing.T) {
	_, logging := only(t, defaultsStack, "AWS::WAFv2::LoggingConfiguration")
	aclID, _ := only(t, defaultsStack, "AWS::WAFv2::WebACL")
	groupID, group := only(t, defaultsStack, "AWS::Logs::LogGroup")
	assert.Equal(t, `{"Fn::GetAtt":["`+aclID+`","Arn"]}`, asJSON(logging.Properties["ResourceArn"]))
	assert.Equal(t, `[{"SingleHeader":{"Name":"authorization"}},{"SingleHeader":{"Name":"cookie"}}]`, asJSON(logging.Properties["RedactedFields"]))
	// The destination is the group's ARN without the ":*" that Fn::GetAtt would add.
	assert.Equal(t, `[{"Fn::Join":["",["arn:aws:logs:us-east-1:111111111111:log-group:",{"Ref":"`+groupID+`"}]]}]`, asJSON(logging.Properties["LogDestinationConfigs"]))
	// With the stack's id: retained, the group would block an Edge stack created again.
	name := cdktest.RebuildableName(t, group.Properties["LogGroupName"])
	assert.True(t, strings.HasPrefix(name, "aws-waf-logs-Defaults-Edge-"), "log group name %q, want aws-waf-logs-<unique>-<stack id>", name)
	assert.NotNil(t, group.Properties["KmsKeyId"], "WAF log group key")
	assert.Equal(t, 365.0, group.Properties["RetentionInDays"], "WAF log group retention")
	assert.Equal(t, "Retain", group.DeletionPolicy, "WAF log group")
	cdktest.NoPanic(t, func() {
		assertions.Template_FromStack(shared(t).stacks[defaultsStack], nil).HasResourceProperties(jsii.String("AWS::KMS::Key"), &map[string]any{
			"EnableKeyRotation": true,
			"KeyPolicy": assertions.Match_ObjectLike(&map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				// Exactly the WAF log group (no FrontendSource, so no deployment log group), and its
				// name before it carried the stack's id, whose kept group holds logs this key encrypted.
				cdktest.LogsKeyStatement("logs.us-east-1.amazonaws.com", []any{
					map[string]any{"Fn::Join": []any{"", []any{"arn:aws:logs:us-east-1:111111111111:log-group:" + name + "-", cdktest.StackInstanceID}}},
					"arn:aws:logs:us-east-1:111111111111:log-group:" + name,
				}),
			})}),
		})
	})

	// A name from props is used as given.
	_, opt := only(t, optionsStack, "AWS::WAFv2::LoggingConfiguration")
	assert.Contains(t, asJSON(opt.Properties["LogDestinationConfigs"]), "log-group:")
	found := false
	for _, g := range ofType(t, optionsStack, "AWS::Logs::LogGroup") {
		if g.Properties["LogGroupName"] == "aws-waf-logs-stratus-test" && g.Properties["RetentionInDays"] == 90.0 {
			found = true
		}
	}
	assert.True(t, found, "no log group aws-waf-logs-stratus-test with 90 days retention in the options stack")
}

func TestCertificateCoversTheViewerNamesValidatedInTheZone(t *testing.T) {
	_, cert := only(t, defaultsStack, "AWS::CertificateManager::Certificate")
	p := cert.Properties
	assert.Equal(t, "example.com", p["DomainName"], "certificate")
	assert.Equal(t, `["www.example.com"]`, asJSON(p["SubjectAlternativeNames"]), "certificate")
	assert.Equal(t, "DNS", p["ValidationMethod"], "certificate")
	assert.Equal(t, `[{"DomainName":"example.com","HostedZoneId":"`+testZoneID+`"},{"DomainName":"www.example.com","HostedZoneId":"`+testZoneID+`"}]`, asJSON(p["DomainValidationOptions"]))
}

func distributionConfig(t *testing.T, stack string) map[string]any {
	t.Helper()
	_, dist := only(t, stack, "AWS::CloudFront::Distribution")
	return cdktest.As[map[string]any](t, dist.Properties["DistributionConfig"])
}

func TestDistributionIsHttpsOnlyModernAndProtected(t *testing.T) {
	c := distributionConfig(t, defaultsStack)
	aclID, _ := only(t, defaultsStack, "AWS::WAFv2::WebACL")
	certID, _ := only(t, defaultsStack, "AWS::CertificateManager::Certificate")
	checks := map[string]string{
		"Aliases":           `["example.com","www.example.com"]`,
		"ViewerCertificate": `{"AcmCertificateArn":{"Ref":"` + certID + `"},"MinimumProtocolVersion":"TLSv1.2_2021","SslSupportMethod":"sni-only"}`,
		"HttpVersion":       `"http2and3"`,
		"IPV6Enabled":       `true`,
		"WebACLId":          `{"Fn::GetAtt":["` + aclID + `","Arn"]}`,
		"PriceClass":        `"PriceClass_100"`,
		"DefaultRootObject": `"index.html"`,
		// No distribution-wide error mapping: it would rewrite the API's 403/404 too.
		"CustomErrorResponses": `null`,
	}
	for key, want := range checks {
		assert.Equal(t, want, asJSON(c[key]))
	}
	assert.Nil(t, c["Restrictions"])
	logging := asJSON(c["Logging"])
	for _, part := range []string{`"IncludeCookies":false`, `"Prefix":"cloudfront/"`, `LogBucket`} {
		assert.Contains(t, logging, part, "Logging")
	}

	behaviors := append([]any{c["DefaultCacheBehavior"]}, cdktest.As[[]any](t, c["CacheBehaviors"])...)
	require.NotEmpty(t, behaviors)
	for i, b := range behaviors {
		what := fmt.Sprintf("behavior %v", get(b, "PathPattern"))
		want := "https-only" // the API: no plain-HTTP request reaches it, not even to be redirected
		if i == 0 {
			want = "redirect-to-https" // the default: the frontend, for browsers
		}
		assert.Equal(t, want, get(b, "ViewerProtocolPolicy"), what)
		assert.Equal(t, true, get(b, "Compress"), what)
		assert.NotNil(t, get(b, "ResponseHeadersPolicyId"), "%s: security headers", what)
	}
}

func TestApiBehaviorGoesToTheOriginNameWithTheSecretHeader(t *testing.T) {
	c := distributionConfig(t, defaultsStack)
	api := get(c, "CacheBehaviors", 0)
	require.Len(t, cdktest.As[[]any](t, c["CacheBehaviors"]), 1, "CacheBehaviors")
	require.Equal(t, "/api/*", get(api, "PathPattern"), "CacheBehaviors")
	var cachingDisabled, allViewerExceptHost string
	cdktest.NoPanic(t, func() {
		cachingDisabled = *cf.CachePolicy_CACHING_DISABLED().CachePolicyId()
		allViewerExceptHost = *cf.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER().OriginRequestPolicyId()
	})
	assert.Equal(t, cachingDisabled, get(api, "CachePolicyId"), "API cache policy")
	assert.Equal(t, allViewerExceptHost, get(api, "OriginRequestPolicyId"), "API origin request policy")
	assert.Equal(t, `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]`, asJSON(get(api, "AllowedMethods")))
	origins := map[string]any{}
	require.NotEmpty(t, cdktest.As[[]any](t, c["Origins"]))
	for _, o := range cdktest.As[[]any](t, c["Origins"]) {
		origins[cdktest.As[string](t, get(o, "Id"))] = o
	}
	origin := origins[cdktest.As[string](t, get(api, "TargetOriginId"))]
	want := `{"CustomOriginConfig":{"OriginProtocolPolicy":"https-only","OriginSSLProtocols":["TLSv1.2"]},` +
		`"DomainName":"origin.example.com","Id":"` + cdktest.As[string](t, get(api, "TargetOriginId")) + `",` +
		`"OriginCustomHeaders":[{"HeaderName":"X-Origin-Verify","HeaderValue":"` + testSecret + `"}]}`
	assert.Equal(t, want, asJSON(origin))

	// The default behavior reads the bucket through Origin Access Control.
	bucketID := ""
	for id := range ofType(t, defaultsStack, "AWS::S3::Bucket") {
		if strings.Contains(id, "FrontendBucket") {
			bucketID = id
		}
	}
	oacID, oac := only(t, defaultsStack, "AWS::CloudFront::OriginAccessControl")
	oacConfig := asJSON(oac.Properties["OriginAccessControlConfig"])
	assert.Contains(t, oacConfig, `"OriginAccessControlOriginType":"s3"`, "OAC")
	assert.Contains(t, oacConfig, `"SigningBehavior":"always"`, "OAC")
	def := origins[cdktest.As[string](t, get(c, "DefaultCacheBehavior", "TargetOriginId"))]
	assert.Equal(t, `{"Fn::GetAtt":["`+bucketID+`","RegionalDomainName"]}`, asJSON(get(def, "DomainName")), "default origin")
	assert.Equal(t, `{"Fn::GetAtt":["`+oacID+`","Id"]}`, asJSON(get(def, "OriginAccessControlId")), "default origin")
}

// TestAnApiOnlyEdgeSendsEveryPathToTheOrigin: without a frontend, the API behavior is the
// default one, and nothing of the frontend (bucket, key, OAC, rewrite function, root object) is
// built; the log bucket stays.
func TestAnApiOnlyEdgeSendsEveryPathToTheOrigin(t *testing.T) {
	c := distributionConfig(t, apiOnlyStack)
	assert.Nil(t, c["CacheBehaviors"], "no behavior but the default")
	assert.Nil(t, c["DefaultRootObject"], "no index.html to serve")
	def := get(c, "DefaultCacheBehavior")
	var cachingDisabled, allViewerExceptHost string
	cdktest.NoPanic(t, func() {
		cachingDisabled = *cf.CachePolicy_CACHING_DISABLED().CachePolicyId()
		allViewerExceptHost = *cf.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER().OriginRequestPolicyId()
	})
	assert.Equal(t, cachingDisabled, get(def, "CachePolicyId"))
	assert.Equal(t, allViewerExceptHost, get(def, "OriginRequestPolicyId"))
	assert.Equal(t, `["GET","HEAD","OPTIONS","PUT","PATCH","POST","DELETE"]`, asJSON(get(def, "AllowedMethods")))
	assert.Equal(t, "https-only", get(def, "ViewerProtocolPolicy"), "an API answers plain HTTP with 403, not a redirect")
	assert.Nil(t, get(def, "FunctionAssociations"), "no single-page app to rewrite for")
	assert.NotNil(t, get(def, "ResponseHeadersPolicyId"), "the security headers on every response")
	origins := cdktest.As[[]any](t, c["Origins"])
	require.Len(t, origins, 1, "the API origin only")
	assert.Equal(t, "origin.example.com", get(origins[0], "DomainName"))
	assert.Equal(t, get(def, "TargetOriginId"), get(origins[0], "Id"))
	assert.Equal(t, `[{"HeaderName":"X-Origin-Verify","HeaderValue":"`+testSecret+`"}]`, asJSON(get(origins[0], "OriginCustomHeaders")))

	for _, typ := range []string{"AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::Function", "AWS::S3::BucketPolicy"} {
		for id := range ofType(t, apiOnlyStack, typ) {
			assert.NotContains(t, id, "Frontend", "%s %s", typ, id)
		}
	}
	assert.Empty(t, ofType(t, apiOnlyStack, "AWS::CloudFront::OriginAccessControl"))
	assert.Empty(t, ofType(t, apiOnlyStack, "AWS::CloudFront::Function"))
	buckets := ofType(t, apiOnlyStack, "AWS::S3::Bucket")
	require.Len(t, buckets, 1, "the log bucket alone")
	for id := range buckets {
		assert.Contains(t, id, "LogBucket")
	}
	_, key := only(t, apiOnlyStack, "AWS::KMS::Key")
	assert.Contains(t, asJSON(key.Properties["Description"]), "log groups", "the log key alone")
	e := shared(t).edges[apiOnlyStack]
	assert.Nil(t, e.FrontendBucket)
	assert.Nil(t, e.FrontendKey)
}

func TestFrontendBucketIsPrivateEncryptedAndReadableOnlyByTheDistribution(t *testing.T) {
	buckets := ofType(t, defaultsStack, "AWS::S3::Bucket")
	var frontendID string
	var frontend resource
	require.NotEmpty(t, buckets)
	for id, b := range buckets {
		if strings.Contains(id, "FrontendBucket") {
			frontendID, frontend = id, b
		}
	}
	p := frontend.Properties
	sse := get(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault")
	assert.Equal(t, `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}`, asJSON(p["PublicAccessBlockConfiguration"]), "frontend bucket")
	assert.Equal(t, "aws:kms", get(sse, "SSEAlgorithm"), "frontend bucket encryption")
	assert.NotNil(t, get(sse, "KMSMasterKeyID"), "frontend bucket key")
	assert.Equal(t, "Enabled", get(p, "VersioningConfiguration", "Status"), "frontend bucket versioning")
	assert.Equal(t, "s3-access/frontend/", get(p, "LoggingConfiguration", "LogFilePrefix"), "frontend bucket access logs")
	assert.Equal(t, "BucketOwnerEnforced", get(p, "OwnershipControls", "Rules", 0, "ObjectOwnership"), "frontend bucket ownership")
	assert.Equal(t, "Retain", frontend.DeletionPolicy, "frontend bucket")

	distID, _ := only(t, defaultsStack, "AWS::CloudFront::Distribution")
	sourceArn := `{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":cloudfront::",{"Ref":"AWS::AccountId"},":distribution/",{"Ref":"` + distID + `"}]]}`
	var allows, secureTransport int
	for _, policy := range ofType(t, defaultsStack, "AWS::S3::BucketPolicy") {
		if asJSON(policy.Properties["Bucket"]) != `{"Ref":"`+frontendID+`"}` {
			continue
		}
		assert.Equal(t, "Retain", policy.DeletionPolicy, "the policy stays with the retained bucket it guards")
		require.NotEmpty(t, cdktest.As[[]any](t, get(policy.Properties, "PolicyDocument", "Statement")))
		for _, s := range cdktest.As[[]any](t, get(policy.Properties, "PolicyDocument", "Statement")) {
			switch get(s, "Effect") {
			case "Allow":
				allows++
				// Anything else would allow more than this distribution.
				assert.Equal(t, `{"Service":"cloudfront.amazonaws.com"}`, asJSON(get(s, "Principal")), "bucket policy Allow")
				assert.Equal(t, "s3:GetObject", get(s, "Action"), "bucket policy Allow")
				assert.Equal(t, `{"StringEquals":{"AWS:SourceArn":`+sourceArn+`}}`, asJSON(get(s, "Condition")), "bucket policy Allow")
			case "Deny":
				if asJSON(get(s, "Condition")) == `{"Bool":{"aws:SecureTransport":"false"}}` {
					secureTransport++
				}
			}
		}
	}
	assert.Equal(t, 1, allows, "frontend bucket policy: Allow statements")
	assert.Equal(t, 1, secureTransport, "frontend bucket policy: TLS-only Deny statements")
}

func TestLogBucketAcceptsCloudFrontLogsAndExpiresThem(t *testing.T) {
	for stack, days := range map[string]float64{defaultsStack: 365, optionsStack: 90} {
		logBuckets := 0
		for id, b := range ofType(t, stack, "AWS::S3::Bucket") {
			if !strings.Contains(id, "LogBucket") {
				continue
			}
			logBuckets++
			p := b.Properties
			what := stack + " log bucket " + id
			assert.Equal(t, "BucketOwnerPreferred", get(p, "OwnershipControls", "Rules", 0, "ObjectOwnership"), what)
			assert.Equal(t, "AES256", get(p, "BucketEncryption", "ServerSideEncryptionConfiguration", 0, "ServerSideEncryptionByDefault", "SSEAlgorithm"), what)
			assert.Equal(t, "Enabled", get(p, "VersioningConfiguration", "Status"), what)
			assert.Equal(t, true, get(p, "PublicAccessBlockConfiguration", "BlockPublicAcls"), what)
			assert.Equal(t, days, get(p, "LifecycleConfiguration", "Rules", 0, "ExpirationInDays"), what)
			assert.Equal(t, "Retain", b.DeletionPolicy, what)
		}
		assert.Equal(t, 1, logBuckets, "%s: the access log bucket", stack)
	}
}

func TestResponseHeadersPolicySetsTheSecurityHeaders(t *testing.T) {
	_, policy := only(t, defaultsStack, "AWS::CloudFront::ResponseHeadersPolicy")
	want := `{"ContentTypeOptions":{"Override":true},"FrameOptions":{"FrameOption":"DENY","Override":true},` +
		`"ReferrerPolicy":{"Override":true,"ReferrerPolicy":"strict-origin-when-cross-origin"},` +
		`"StrictTransportSecurity":{"AccessControlMaxAgeSec":63072000,"IncludeSubdomains":true,"Override":true,"Preload":true},` +
		`"XSSProtection":{"ModeBlock":true,"Override":true,"Protection":true}}`
	assert.Equal(t, want, asJSON(get(policy.Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig")))
	_, opt := only(t, optionsStack, "AWS::CloudFront::ResponseHeadersPolicy")
	assert.Equal(t, `{"ContentSecurityPolicy":"default-src 'self'","Override":true}`, asJSON(get(opt.Properties, "ResponseHeadersPolicyConfig", "SecurityHeadersConfig", "ContentSecurityPolicy")))
}

func TestDistributionOptionsChangeWhatTheySay(t *testing.T) {
	c := distributionConfig(t, optionsStack)
	assert.Equal(t, "PriceClass_All", c["PriceClass"])
	assert.Equal(t, `{"GeoRestriction":{"Locations":["US","CA","GB"],"RestrictionType":"whitelist"}}`, asJSON(c["Restrictions"]))
	assert.Equal(t, "/v1/*", get(c, "CacheBehaviors", 0, "PathPattern"))
}

func TestShieldAdvancedProtectsTheDistributionAndTheListedResources(t *testing.T) {
	assert.Empty(t, ofType(t, defaultsStack, "AWS::Shield::Protection"), "Shield protections by default: Shield Advanced is opt-in")
	distID, _ := only(t, optionsStack, "AWS::CloudFront::Distribution")
	var arns []string
	for _, p := range ofType(t, optionsStack, "AWS::Shield::Protection") {
		arns = append(arns, asJSON(p.Properties["ResourceArn"]))
		name, _ := p.Properties["Name"].(string)
		assert.True(t, strings.HasPrefix(name, "Options-Edge-"), "protection name %q, want the prefix Options-Edge-", name)
	}
	all := strings.Join(arns, "\n")
	for _, want := range []string{
		`"arn:aws:cloudfront::111111111111:distribution/",{"Ref":"` + distID + `"}`,
		`arn:aws:route53:::hostedzone/` + testZoneID,
		`"arn:aws:ec2:us-east-1:111111111111:eip-allocation/eipalloc-0123456789abcdef0"`,
	} {
		assert.Contains(t, all, want)
	}
	assert.Len(t, arns, 3)
	_, alb := only(t, regionalStack, "AWS::Shield::Protection")
	assert.Equal(t, testAlbArn, alb.Properties["ResourceArn"], "ALB protection")
	assert.Equal(t, "stratus-prod-alb-eu-west-1", alb.Properties["Name"], "ALB protection")
}

func TestFrontendUploadUsesALeastPrivilegeRole(t *testing.T) {
	assert.Empty(t, ofType(t, defaultsStack, "Custom::CDKBucketDeployment"), "the defaults upload no frontend")
	_, dep := only(t, optionsStack, "Custom::CDKBucketDeployment")
	assert.Equal(t, `["/*"]`, asJSON(dep.Properties["DistributionPaths"]), "deployment")
	assert.Equal(t, true, dep.Properties["Prune"], "deployment")
	assert.Empty(t, ofType(t, optionsStack, "AWS::IAM::Policy"), "inline IAM policies")
	_, policy := only(t, optionsStack, "AWS::IAM::ManagedPolicy")
	doc := asJSON(get(policy.Properties, "PolicyDocument", "Statement"))
	for _, bad := range []string{`"Resource":"*"`, `s3:*`, `GetObject*`, `cloudfront:*`} {
		assert.NotContains(t, doc, bad)
	}
	for _, role := range ofType(t, optionsStack, "AWS::IAM::Role") {
		assert.Nil(t, role.Properties["ManagedPolicyArns"])
	}
	for id, fn := range ofType(t, optionsStack, "AWS::Lambda::Function") {
		// Its own log group, and no redundant DependsOn.
		assert.Nil(t, fn.DependsOn, id)
		assert.NotNil(t, get(fn.Properties, "LoggingConfig", "LogGroup"), "%s log group", id)
	}
}

// A distribution without CloudFront's own geo restriction is accepted (AwsSolutions-CFR1) with a
// reason that says what the config does: the web ACL restricts, or nothing does.
func TestTheGeoRestrictionFindingIsAcceptedForWhatTheConfigDoes(t *testing.T) {
	cases := []struct {
		name, stack string
		want        string // in the reason; "" means no suppression
	}{
		{"neither the web ACL nor CloudFront restricts", defaultsStack, "restricts no country"},
		{"only the web ACL restricts", apiOnlyStack, "GeoMatch rule (waf.geo) restricts by country instead"},
		{"CloudFront restricts itself", geoBlockStack, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id, _ := only(t, c.stack, "AWS::CloudFront::Distribution")
			raw := cdktest.Template(t, shared(t).stacks[c.stack])
			var reasons []string
			rules, _ := get(raw, "Resources", id, "Metadata", "cdk_nag", "rules_to_suppress").([]any)
			for _, rule := range rules {
				if get(rule, "id") == "AwsSolutions-CFR1" {
					reasons = append(reasons, cdktest.As[string](t, get(rule, "reason")))
				}
			}
			if c.want == "" {
				assert.Empty(t, reasons)
				return
			}
			require.Len(t, reasons, 1)
			assert.Contains(t, reasons[0], c.want)
		})
	}
}

// TestNoFindingsFromCdkNagOrCfnLint holds every test stack to the app's gates: no error or
// warning annotation (cdk-nag's or aws-cdk-lib's), no non-compliant nag report line, and no
// cfn-lint error or warning.
func TestNoFindingsFromCdkNagOrCfnLint(t *testing.T) {
	s := shared(t)
	cdktest.PassesGates(t, s.dir, slices.Collect(maps.Values(s.stacks))...)
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	app := cdktest.NewApp(t)
	stack := cdktest.NewStack(app, "Scratch", "us-east-1")
	zone := importZone(stack)
	noIndex := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(noIndex, "app.js"), []byte("x"), 0o644))
	cases := []cdktest.Invalid[EdgeProps]{
		{Name: "a missing hosted zone", Mutate: func(p *EdgeProps) { p.HostedZone = nil }, Want: "HostedZone is required"},
		{Name: "no viewer names", Mutate: func(p *EdgeProps) { p.ViewerNames = nil }, Want: "ViewerNames has 0 entries; 1 to 10"},
		{Name: "a viewer name that is not a DNS name", Mutate: func(p *EdgeProps) { p.ViewerNames = []string{"Example.com"} }, Want: `ViewerNames[0] "Example.com" is not a lowercase DNS name`},
		{Name: "a viewer name outside the zone", Mutate: func(p *EdgeProps) { p.ViewerNames = []string{"example.org"} }, Want: `ViewerNames[0] "example.org" is not in the hosted zone "example.com"`},
		{Name: "a viewer name listed twice", Mutate: func(p *EdgeProps) { p.ViewerNames = []string{"example.com", "example.com"} }, Want: `ViewerNames[1] "example.com" is listed twice`},
		{Name: "a malformed API origin name", Mutate: func(p *EdgeProps) { p.ApiOriginName = "origin" }, Want: `ApiOriginName "origin" is not a lowercase DNS name`},
		{Name: "the API origin as a viewer name", Mutate: func(p *EdgeProps) { p.ApiOriginName = "www.example.com" }, Want: "CloudFront would send API requests to itself"},
		{Name: "a malformed origin header name", Mutate: func(p *EdgeProps) { p.OriginHeaderName = "X Origin" }, Want: `OriginHeaderName "X Origin" is not an origin header name (allowed: 1-40 letters`},
		{Name: "a header CloudFront reserves", Mutate: func(p *EdgeProps) { p.OriginHeaderName = "X-Amz-Secret" }, Want: `OriginHeaderName "X-Amz-Secret" is not an origin header name`},
		{Name: "a header name the ALB rule cannot match", Mutate: func(p *EdgeProps) { p.OriginHeaderName = "X-" + strings.Repeat("a", 39) }, Want: "is not an origin header name"},
		{Name: "a missing header value", Mutate: func(p *EdgeProps) { p.OriginHeaderValue = nil }, Want: "OriginHeaderValue is required"},
		{Name: "a literal header value", Mutate: func(p *EdgeProps) { p.OriginHeaderValue = jsii.String("hunter2") }, Want: "never a literal value"},
		{Name: "an upload without a frontend", Mutate: func(p *EdgeProps) { p.WithoutFrontend, p.FrontendSource = true, "testdata/site" },
			Want: `FrontendSource "testdata/site" has nowhere to go: WithoutFrontend builds no frontend bucket`},
		{Name: "a path pattern without a slash", Mutate: func(p *EdgeProps) { p.ApiPathPattern = "api/*" }, Want: `ApiPathPattern "api/*" is not a CloudFront path pattern`},
		{Name: "a path pattern that replaces the default", Mutate: func(p *EdgeProps) { p.ApiPathPattern = "/*" }, Want: "would replace the default"},
		{Name: "a rate limit below WAF's minimum of 10", Mutate: func(p *EdgeProps) { p.RateLimit = 9 }, Want: "RateLimit 9 is outside 10-2000000000"},
		{Name: "a rate limit above 2 billion", Mutate: func(p *EdgeProps) { p.RateLimit = 2_000_000_001 }, Want: "RateLimit 2000000001 is outside"},
		{Name: "an unknown managed group", Mutate: func(p *EdgeProps) { p.ExtraManagedRuleGroups = []string{"AWSManagedRulesMadeUp"} }, Want: `ExtraManagedRuleGroups[0] "AWSManagedRulesMadeUp" is not one of`},
		{Name: "a default group repeated", Mutate: func(p *EdgeProps) { p.ExtraManagedRuleGroups = []string{SQLiGroup} }, Want: `ExtraManagedRuleGroups[0] "AWSManagedRulesSQLiRuleSet" is always on already`},
		{Name: "an extra group listed twice", Mutate: func(p *EdgeProps) {
			p.ExtraManagedRuleGroups = []string{"AWSManagedRulesLinuxRuleSet", "AWSManagedRulesLinuxRuleSet"}
		}, Want: `ExtraManagedRuleGroups[1] "AWSManagedRulesLinuxRuleSet" is listed twice`},
		{Name: "an override of a group that is not enabled", Mutate: func(p *EdgeProps) {
			p.CountOverrides = []RuleOverride{{Group: "AWSManagedRulesLinuxRuleSet", Rule: "LFI_URIPATH"}}
		}, Want: `CountOverrides[0].Group "AWSManagedRulesLinuxRuleSet" is not an enabled managed rule group`},
		{Name: "an override with a malformed rule name", Mutate: func(p *EdgeProps) { p.CountOverrides = []RuleOverride{{Group: CommonGroup, Rule: "Size Restrictions"}} }, Want: `CountOverrides[0].Rule "Size Restrictions" is not a rule name`},
		{Name: "an override listed twice", Mutate: func(p *EdgeProps) {
			p.CountOverrides = []RuleOverride{{Group: CommonGroup, Rule: "SizeRestrictions_BODY"}, {Group: CommonGroup, Rule: "SizeRestrictions_BODY"}}
		}, Want: "CountOverrides[1] AWSManagedRulesCommonRuleSet/SizeRestrictions_BODY is listed twice"},
		{Name: "an unknown geo mode", Mutate: func(p *EdgeProps) { p.GeoMatch = GeoMatch{Mode: "deny", Countries: []string{"US"}} }, Want: `GeoMatch.Mode "deny" is not one of "none", "block", "allow"`},
		{Name: "a geo mode without countries", Mutate: func(p *EdgeProps) { p.GeoMatch = GeoMatch{Mode: GeoBlock} }, Want: `GeoMatch.Countries is empty; mode "block" needs at least one country`},
		{Name: "countries without a geo mode", Mutate: func(p *EdgeProps) { p.GeoMatch = GeoMatch{Countries: []string{"US"}} }, Want: `GeoMatch.Countries is set but GeoMatch.Mode is "none"`},
		{Name: "a lowercase country code", Mutate: func(p *EdgeProps) { p.GeoMatch = GeoMatch{Mode: GeoAllow, Countries: []string{"us"}} }, Want: `GeoMatch.Countries[0] "us" is not an assigned ISO 3166-1 alpha-2 code`},
		{Name: "a three-letter country code", Mutate: func(p *EdgeProps) { p.GeoRestriction = GeoMatch{Mode: GeoAllow, Countries: []string{"USA"}} }, Want: `GeoRestriction.Countries[0] "USA" is not an assigned ISO 3166-1 alpha-2 code`},
		{Name: "an unassigned country code", Mutate: func(p *EdgeProps) { p.GeoMatch = GeoMatch{Mode: GeoBlock, Countries: []string{"UK"}} }, Want: `GeoMatch.Countries[0] "UK" is not an assigned ISO 3166-1 alpha-2 code`},
		{Name: "a country listed twice", Mutate: func(p *EdgeProps) { p.GeoRestriction = GeoMatch{Mode: GeoBlock, Countries: []string{"RU", "RU"}} }, Want: `GeoRestriction.Countries[1] "RU" is listed twice`},
		{Name: "an unknown price class", Mutate: func(p *EdgeProps) { p.PriceClass = "PriceClass_50" }, Want: `PriceClass "PriceClass_50" is not one of PriceClass_100, PriceClass_200, PriceClass_All`},
		{Name: "Shield ARNs without Shield", Mutate: func(p *EdgeProps) { p.ShieldResourceArns = []string{testAlbArn} }, Want: "ShieldResourceArns is set but ShieldAdvanced is false"},
		{Name: "a Shield ARN that is not an ARN", Mutate: func(p *EdgeProps) { p.ShieldAdvanced, p.ShieldResourceArns = true, []string{"eipalloc-123"} }, Want: `ShieldResourceArns[0] "eipalloc-123" is not an ARN`},
		{Name: "a distribution as an extra Shield ARN", Mutate: func(p *EdgeProps) {
			p.ShieldAdvanced, p.ShieldResourceArns = true, []string{"arn:aws:cloudfront::111111111111:distribution/E2QWRUHAPOMQZL"}
		}, Want: "ShieldAdvanced protects this one already"},
		{Name: "a Shield ARN listed twice", Mutate: func(p *EdgeProps) {
			p.ShieldAdvanced, p.ShieldResourceArns = true, []string{testAlbArn, testAlbArn}
		}, Want: "ShieldResourceArns[1] " + `"` + testAlbArn + `"` + " is listed twice"},
		{Name: "a frontend folder that does not exist", Mutate: func(p *EdgeProps) { p.FrontendSource = "/nonexistent/build" }, Want: `FrontendSource "/nonexistent/build" is not a folder`},
		{Name: "a frontend folder without index.html", Mutate: func(p *EdgeProps) { p.FrontendSource = noIndex }, Want: "has no index.html"},
		{Name: "a retention CloudWatch Logs does not offer", Mutate: func(p *EdgeProps) { p.LogRetentionDays = 100 }, Want: "LogRetentionDays: 100 days is not a CloudWatch Logs retention (allowed: [1 3 5"},
		{Name: "a WAF log group without the required prefix", Mutate: func(p *EdgeProps) { p.WafLogGroupName = "waf-logs" }, Want: `WafLogGroupName "waf-logs" must start with "aws-waf-logs-"`},
		{Name: "a content security policy over two lines", Mutate: func(p *EdgeProps) { p.ContentSecurityPolicy = "default-src 'self';\nimg-src *" }, Want: "ContentSecurityPolicy must be one line"},
	}
	cdktest.Rejects(t, func() EdgeProps { return validProps(zone) }, func(p EdgeProps) error { return p.withDefaults().validate() }, cases)

	t.Run("valid props pass, with a token as the header value", func(t *testing.T) {
		p := validProps(zone)
		cdktest.NoPanic(t, func() {
			p.OriginHeaderValue = awscdk.SecretValue_SecretsManager(jsii.String("stratus/origin"), nil).UnsafeUnwrap()
		})
		require.NoError(t, p.withDefaults().validate())
	})

	t.Run("NewEdge returns every problem instead of panicking, including the region", func(t *testing.T) {
		p := validProps(zone)
		p.RateLimit, p.PriceClass = 5, "cheap"
		var err error
		cdktest.NoPanic(t, func() {
			eu := cdktest.NewStack(app, "Europe", "eu-west-1")
			_, err = NewEdge(eu, "Edge", p)
		})
		for _, want := range []string{"RateLimit 5", `PriceClass "cheap"`, `region is "eu-west-1"; Edge must be in a stack with the explicit region us-east-1`} {
			assert.ErrorContains(t, err, want)
		}
		cdktest.NoPanic(t, func() { _, err = NewEdge(awscdk.NewStack(app, jsii.String("Agnostic"), nil), "Edge", validProps(zone)) })
		assert.ErrorContains(t, err, "not set (environment-agnostic)", "the environment-agnostic stack is rejected")
	})

	t.Run("NewShieldProtection rejects a bad name and a non-ARN", func(t *testing.T) {
		var err error
		cdktest.NoPanic(t, func() {
			_, err = NewShieldProtection(stack, "Bad", ShieldProtectionProps{Name: "alb/eu", ResourceArn: jsii.String("my-alb")})
		})
		for _, want := range []string{`Name "alb/eu"`, `ResourceArn "my-alb" is not an ARN`} {
			assert.ErrorContains(t, err, want)
		}
		cdktest.NoPanic(t, func() { _, err = NewShieldProtection(stack, "Missing", ShieldProtectionProps{Name: "alb"}) })
		assert.ErrorContains(t, err, "ResourceArn is required")
	})
}

// TestTheFrontendDeploymentLogGroupSurvivesARebuild: with an upload (the options stack), the
// deployment's retained log group carries the stack's id, as the WAF's, and the log key still
// decrypts the group's name from before that.
func TestTheFrontendDeploymentLogGroupSurvivesARebuild(t *testing.T) {
	var deployment string
	for _, g := range ofType(t, optionsStack, "AWS::Logs::LogGroup") {
		if strings.Contains(asJSON(g.Properties["LogGroupName"]), "frontend-deployment") {
			assert.Equal(t, "Retain", g.DeletionPolicy)
			deployment = cdktest.RebuildableName(t, g.Properties["LogGroupName"])
		}
	}
	require.Regexp(t, `^/stratus/edge/Options-Edge-[A-F0-9]{8}/frontend-deployment$`, deployment)
	key := ofType(t, optionsStack, "AWS::KMS::Key")
	var logKey resource
	for id, k := range key {
		if strings.HasPrefix(id, "EdgeLogKey") {
			logKey = k
		}
	}
	statement := asJSON(logKey.Properties["KeyPolicy"])
	assert.Contains(t, statement, `"arn:aws:logs:us-east-1:111111111111:log-group:`+deployment+`-",`, "the group as it is named now")
	assert.Contains(t, statement, `"arn:aws:logs:us-east-1:111111111111:log-group:`+deployment+`"`, "the group as it was named before")
}
