package apigateway

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// synthesized is the app every test reads: an API with the defaults and one with JWT on.
type synthesized struct {
	dir            string
	plain, jwt     awscdk.Stack
	plainOut       *HttpApi
	serviceGroupID string
}

var fixture cdktest.Once[*synthesized]

func TestMain(m *testing.M) { fixture.Main(m) }

// validProps builds the props of an API in stack over imported neighbours (no findings of theirs).
func validProps(stack awscdk.Stack) HttpApiProps {
	vpc := cdktest.ImportedVpc(stack, "us-east-1")
	group := func(id, sg string) ec2.ISecurityGroup {
		return ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String(id), jsii.String(sg), nil)
	}
	return HttpApiProps{
		Name: "stratus-test-us-east-1", Vpc: vpc, Subnets: *vpc.SelectSubnets(cdktest.Subnets("App")).Subnets,
		Namespace: servicediscovery.PrivateDnsNamespace_FromPrivateDnsNamespaceAttributes(stack, jsii.String("Ns"), &servicediscovery.PrivateDnsNamespaceAttributes{
			NamespaceArn: jsii.String("arn:aws:servicediscovery:us-east-1:111111111111:namespace/ns-abc"), NamespaceId: jsii.String("ns-abc"), NamespaceName: jsii.String("test.internal"),
		}),
		Routes: []Route{
			{Name: "orders", PathPattern: "/api/orders/*", Port: 8080, SecurityGroup: group("Orders", "sg-0123456789abcdef1")},
			{Name: "catalog", PathPattern: "/*", Port: 9000, SecurityGroup: group("Catalog", "sg-0123456789abcdef2")},
		},
		HostedZone: r53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &r53.HostedZoneAttributes{
			HostedZoneId: jsii.String("Z0123456789EXAMPLE"), ZoneName: jsii.String("example.com"),
		}),
		OriginName: "origin.example.com", RegionalName: "us-east-1.origin.example.com",
		HealthCheckerCidrs: []string{"15.177.0.0/18"},
		OriginSecretName:   "stratus/test/origin-verify",
		OriginSecretKey:    kms.Key_FromKeyArn(stack, jsii.String("SecretKey"), jsii.String("arn:aws:kms:us-east-1:111111111111:key/abc")),
	}
}

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "apigateway-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, plain: cdktest.NewStack(app, "Plain", "us-east-1"), jwt: cdktest.NewStack(app, "Jwt", "us-east-1")}
		var err error
		if s.plainOut, err = NewHttpApi(s.plain, "Api", validProps(s.plain)); err != nil {
			return nil, err
		}
		p := validProps(s.jwt)
		p.Jwt = &Jwt{Issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123", Audiences: []string{"client-a"}}
		p.RateLimit, p.BurstLimit = 50, 100
		if _, err = NewHttpApi(s.jwt, "Api", p); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func TestApiAnswersOnlyOnItsCustomDomains(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).plain)
	_, api := cdktest.Only(t, tpl, "AWS::ApiGatewayV2::Api")
	p := cdktest.Props(t, api)
	assert.Equal(t, "HTTP", p["ProtocolType"])
	assert.Equal(t, true, p["DisableExecuteApiEndpoint"], "the execute-api URL would bypass CloudFront's names")

	domains := cdktest.OfType(t, tpl, "AWS::ApiGatewayV2::DomainName")
	var names []string
	for _, d := range domains {
		dp := cdktest.Props(t, d)
		names = append(names, dp["DomainName"].(string))
		conf := cdktest.Path[[]any](t, dp, "DomainNameConfigurations")[0].(map[string]any)
		assert.Equal(t, "REGIONAL", conf["EndpointType"])
		assert.Equal(t, "TLS_1_2", conf["SecurityPolicy"])
	}
	assert.ElementsMatch(t, []string{"origin.example.com", "us-east-1.origin.example.com"}, names)
	assert.Len(t, cdktest.OfType(t, tpl, "AWS::ApiGatewayV2::ApiMapping"), 2)
	_, cert := cdktest.Only(t, tpl, "AWS::CertificateManager::Certificate")
	cp := cdktest.Props(t, cert)
	assert.Equal(t, "origin.example.com", cp["DomainName"])
	assert.Equal(t, []any{"us-east-1.origin.example.com"}, cp["SubjectAlternativeNames"])
	assert.Equal(t, "DNS", cp["ValidationMethod"])
}

func TestVpcLinkReachesEachServiceOnItsPortOnly(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).plain)
	_, link := cdktest.Only(t, tpl, "AWS::ApiGatewayV2::VpcLink")
	assert.Equal(t, []any{"subnet-0a0000000000000a1", "subnet-0a0000000000000a2", "subnet-0a0000000000000a3"}, cdktest.Props(t, link)["SubnetIds"], "the app subnets")
	_, sg := cdktest.Only(t, tpl, "AWS::EC2::SecurityGroup")
	egress := cdktest.Path[[]any](t, cdktest.Props(t, sg), "SecurityGroupEgress")
	require.Len(t, egress, 1, "AllowAllOutbound off: CDK's placeholder rule only")
	assert.Equal(t, "255.255.255.255/32", egress[0].(map[string]any)["CidrIp"])

	rules := map[string]int{}
	for _, r := range cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroupEgress") {
		p := cdktest.Props(t, r)
		rules["out "+p["DestinationSecurityGroupId"].(string)] = int(p["FromPort"].(float64))
		assert.Equal(t, p["FromPort"], p["ToPort"])
	}
	for _, r := range cdktest.OfType(t, tpl, "AWS::EC2::SecurityGroupIngress") {
		p := cdktest.Props(t, r)
		rules["in "+p["GroupId"].(string)] = int(p["FromPort"].(float64))
		assert.Contains(t, jsonOf(p["SourceSecurityGroupId"]), "VpcLinkSecurityGroup")
	}
	assert.Equal(t, map[string]int{"out sg-0123456789abcdef1": 8080, "in sg-0123456789abcdef1": 8080, "out sg-0123456789abcdef2": 9000, "in sg-0123456789abcdef2": 9000}, rules)
}

func TestEachServiceHasAPrivateIntegrationThroughCloudMap(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).plain)
	discovery := cdktest.OfType(t, tpl, "AWS::ServiceDiscovery::Service")
	require.Len(t, discovery, 2)
	for id, d := range discovery {
		records := cdktest.Path[[]any](t, cdktest.Props(t, d), "DnsConfig", "DnsRecords")
		assert.Equal(t, []any{map[string]any{"TTL": float64(10), "Type": "SRV"}}, records, "%s: SRV carries the port a private integration needs", id)
	}
	integrations := cdktest.OfType(t, tpl, "AWS::ApiGatewayV2::Integration")
	require.Len(t, integrations, 2)
	for id, i := range integrations {
		p := cdktest.Props(t, i)
		assert.Equal(t, "VPC_LINK", p["ConnectionType"], id)
		assert.Equal(t, "HTTP_PROXY", p["IntegrationType"], id)
		assert.Contains(t, jsonOf(p["IntegrationUri"]), "Discovery", "%s: a Cloud Map service", id)
	}
	keys := map[string]string{}
	for _, r := range cdktest.OfType(t, tpl, "AWS::ApiGatewayV2::Route") {
		p := cdktest.Props(t, r)
		assert.Equal(t, "CUSTOM", p["AuthorizationType"], "every route is authorized")
		keys[p["RouteKey"].(string)] = jsonOf(p["AuthorizerId"])
	}
	require.Len(t, keys, 3)
	assert.Contains(t, keys["ANY /api/orders/{proxy+}"], "OriginAuthorizer")
	assert.Contains(t, keys["$default"], "OriginAuthorizer")
	assert.Contains(t, keys["GET /health"], "HealthAuthorizer")
	assert.Equal(t, map[string]string{"orders": "ANY /api/orders/{proxy+}", "catalog": "$default"}, synth(t).plainOut.RouteKeys)
}

func TestStageThrottlesMeasuresAndLogsEveryRoute(t *testing.T) {
	for stack, want := range map[awscdk.Stack][2]float64{synth(t).plain: {1000, 2000}, synth(t).jwt: {50, 100}} {
		tpl := cdktest.Template(t, stack)
		_, stage := cdktest.Only(t, tpl, "AWS::ApiGatewayV2::Stage")
		p := cdktest.Props(t, stage)
		settings := map[string]any{"DetailedMetricsEnabled": true, "ThrottlingRateLimit": want[0], "ThrottlingBurstLimit": want[1]}
		assert.Equal(t, settings, p["DefaultRouteSettings"])
		perRoute := cdktest.Path[map[string]any](t, p, "RouteSettings")
		assert.Len(t, perRoute, 3)
		for key, s := range perRoute {
			assert.Equal(t, settings, s, key)
		}
		logs := cdktest.Path[map[string]any](t, p, "AccessLogSettings")
		assert.Contains(t, jsonOf(logs["DestinationArn"]), "AccessLogs")
		var format map[string]string
		require.NoError(t, json.Unmarshal([]byte(logs["Format"].(string)), &format))
		assert.Equal(t, "$context.status", format["status"])
		assert.Equal(t, "$context.routeKey", format["routeKey"])
		for id, g := range cdktest.OfType(t, tpl, "AWS::Logs::LogGroup") {
			assert.NotNil(t, cdktest.Props(t, g)["KmsKeyId"], "%s is encrypted", id)
		}
	}
}

func TestAuthorizerChecksTheOriginHeaderAndTheToken(t *testing.T) {
	for stack, identity := range map[awscdk.Stack][]any{
		synth(t).plain: {"$request.header.X-Origin-Verify"},
		synth(t).jwt:   {"$request.header.X-Origin-Verify", "$request.header.Authorization"},
	} {
		tpl := cdktest.Template(t, stack)
		authorizers := map[string]map[string]any{}
		for _, a := range cdktest.OfType(t, tpl, "AWS::ApiGatewayV2::Authorizer") {
			p := cdktest.Props(t, a)
			authorizers[p["Name"].(string)] = p
			assert.Equal(t, "REQUEST", p["AuthorizerType"])
		}
		assert.Equal(t, identity, authorizers["OriginAuthorizer"]["IdentitySource"])
		assert.EqualValues(t, 300, authorizers["OriginAuthorizer"]["AuthorizerResultTtlInSeconds"])
		assert.EqualValues(t, 0, authorizers["HealthAuthorizer"]["AuthorizerResultTtlInSeconds"], "checkers send no header to cache on")

		_, fn := cdktest.Only(t, tpl, "AWS::Lambda::Function")
		vars := cdktest.Path[map[string]any](t, cdktest.Props(t, fn), "Environment", "Variables")
		assert.Equal(t, "stratus/test/origin-verify", vars["SECRET_NAME"])
		assert.Equal(t, "GET /health", vars["HEALTH_ROUTE"])
		assert.Equal(t, "15.177.0.0/18", vars["CHECKER_CIDRS"])
		if len(identity) == 2 {
			assert.Equal(t, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_AbC123", vars["JWT_ISSUER"])
			assert.Equal(t, "client-a", vars["JWT_AUDIENCES"])
		} else {
			assert.NotContains(t, vars, "JWT_ISSUER")
		}
		assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")
	}
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.plain, s.jwt)
}

func TestRejectsBadProps(t *testing.T) {
	stack := cdktest.NewStack(cdktest.NewApp(t), "Bad", "us-east-1")
	base := validProps(stack).withDefaults()
	valid := func() HttpApiProps {
		p := base
		p.Routes = slices.Clone(base.Routes)
		return p
	}
	cdktest.Rejects(t, valid, HttpApiProps.validate, []cdktest.Invalid[HttpApiProps]{
		{Name: "no routes", Mutate: func(p *HttpApiProps) { p.Routes = nil }, Want: "Routes has 0 entries"},
		{Name: "a wildcard inside", Mutate: func(p *HttpApiProps) { p.Routes[0].PathPattern = "/api/*/x" }, Want: `Routes[0].PathPattern "/api/*/x"`},
		{Name: "two routes on one key", Mutate: func(p *HttpApiProps) { p.Routes[1].PathPattern = "/api/orders/*" }, Want: "the same route as orders"},
		{Name: "no subnets", Mutate: func(p *HttpApiProps) { p.Subnets = nil }, Want: "Subnets is empty"},
		{Name: "the regional name is the origin", Mutate: func(p *HttpApiProps) { p.RegionalName = p.OriginName }, Want: "must name this region only"},
		{Name: "rate out of range", Mutate: func(p *HttpApiProps) { p.RateLimit = 10001 }, Want: "RateLimit 10001 is outside 1-10000"},
		{Name: "burst out of range", Mutate: func(p *HttpApiProps) { p.BurstLimit = 5001 }, Want: "BurstLimit 5001 is outside 1-5000"},
		{Name: "plain-http issuer", Mutate: func(p *HttpApiProps) { p.Jwt = &Jwt{Issuer: "http://x.example.com", Audiences: []string{"a"}} }, Want: "is not an https:// URL"},
		{Name: "no audiences", Mutate: func(p *HttpApiProps) { p.Jwt = &Jwt{Issuer: "https://x.example.com"} }, Want: "Jwt.Audiences has 0 entries"},
		{Name: "bad checker range", Mutate: func(p *HttpApiProps) { p.HealthCheckerCidrs = []string{"15.177.0.0"} }, Want: "is not a CIDR"},
		{Name: "no secret key", Mutate: func(p *HttpApiProps) { p.OriginSecretKey = nil }, Want: "OriginSecretKey is required"},
	})
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
