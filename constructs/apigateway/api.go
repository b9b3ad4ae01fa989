package apigateway

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	apigw "github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	acm "github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// AccessLogFormat is what every request writes to the access log group: one JSON object per
// request (API Gateway $context variables; docs/ingress.md describes the fields).
var AccessLogFormat = mustJSON(map[string]string{
	"requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "requestTime": "$context.requestTime",
	"httpMethod": "$context.httpMethod", "routeKey": "$context.routeKey", "path": "$context.path",
	"status": "$context.status", "protocol": "$context.protocol", "responseLength": "$context.responseLength",
	"responseLatency": "$context.responseLatency", "integrationStatus": "$context.integration.status",
	"integrationLatency": "$context.integration.latency", "integrationError": "$context.integration.error",
	"authorizerError": "$context.authorizer.error", "domainName": "$context.domainName", "userAgent": "$context.identity.userAgent",
})

// authorizerTTL is how long API Gateway reuses a verdict for the same header values: CloudFront
// sends one secret, so the function runs about once per TTL (and per token with JWT).
const authorizerTTL = 300

// authorizerConcurrency bounds the function; with the cache it needs a handful at most.
const authorizerConcurrency = 100

// HttpApi is a region's HTTP API, its VPC link, routes, domains and authorizer.
type HttpApi struct {
	constructs.Construct

	Api   apigw.CfnApi
	Stage apigw.CfnStage
	// VpcLink sits in the app subnets with SecurityGroup, which may reach each route's service
	// on its port and nothing else.
	VpcLink       apigw.CfnVpcLink
	SecurityGroup ec2.SecurityGroup
	// Discovery maps each route's name to its Cloud Map service (SRV records: address and port,
	// which a private integration needs); the service's tasks register in it.
	Discovery map[string]servicediscovery.Service
	// Integrations and Routes map each route's name to its private integration and route;
	// RouteKeys to its route key (the Route dimension of its metrics). HealthRoute is the
	// GET route of HealthCheckPath.
	Integrations map[string]apigw.CfnIntegration
	Routes       map[string]apigw.CfnRoute
	RouteKeys    map[string]string
	HealthRoute  apigw.CfnRoute
	// Certificate covers OriginName and RegionalName; OriginDomain and RegionalDomain are the
	// custom domains (alias targets: AttrRegionalDomainName, AttrRegionalHostedZoneId).
	Certificate    acm.Certificate
	OriginDomain   apigw.CfnDomainName
	RegionalDomain apigw.CfnDomainName
	// Authorizer is the origin check; Function its code; LogKey encrypts AccessLogs and the
	// function's logs.
	Authorizer apigw.CfnAuthorizer
	Function   lambda.Function
	LogKey     kms.Key
	AccessLogs logs.LogGroup

	healthAuthorizer apigw.CfnAuthorizer
}

// NewHttpApi builds the API, or returns every problem with props.
func NewHttpApi(scope constructs.Construct, id string, props HttpApiProps) (*HttpApi, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("http api %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &HttpApi{Construct: this, Discovery: map[string]servicediscovery.Service{}, Integrations: map[string]apigw.CfnIntegration{},
		Routes: map[string]apigw.CfnRoute{}, RouteKeys: map[string]string{}}

	a.Api = apigw.NewCfnApi(this, jsii.String("Api"), &apigw.CfnApiProps{
		Name: jsii.String(p.Name), ProtocolType: jsii.String("HTTP"),
		Description: jsii.String("Private ingress behind CloudFront: routes to the services through a VPC link and Cloud Map"),
		// Only the custom domains answer: the execute-api URL would bypass their TLS policy and names.
		DisableExecuteApiEndpoint: jsii.Bool(true),
	})
	a.buildLogs(p)
	a.buildLink(p)
	a.buildAuthorizer(p)
	a.buildRoutes(p)
	a.buildStage(p)
	a.buildDomains(p)
	a.acceptByDesign()
	return a, nil
}

func (a *HttpApi) buildLogs(p HttpApiProps) {
	a.LogKey = kmsKey(a.Construct, "LogKey", "Encrypts the HTTP API's access logs and its authorizer's logs")
	a.AccessLogs = logs.NewLogGroup(a.Construct, jsii.String("AccessLogs"), &logs.LogGroupProps{
		EncryptionKey: a.LogKey, Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

// buildLink creates the VPC link and its security group: out only to each service's port, and
// each service's group admits it on that port.
func (a *HttpApi) buildLink(p HttpApiProps) {
	a.SecurityGroup = ec2.NewSecurityGroup(a.Construct, jsii.String("VpcLinkSecurityGroup"), &ec2.SecurityGroupProps{
		Vpc: p.Vpc, AllowAllOutbound: jsii.Bool(false),
		Description: jsii.String("HTTP API VPC link: reaches each service on its port only"),
	})
	for _, r := range p.Routes {
		port := jsii.Number(float64(r.Port))
		desc := jsii.String(fmt.Sprintf("HTTP API VPC link to %s", r.Name))
		ec2.NewCfnSecurityGroupEgress(a.Construct, jsii.String(naming.Pascal(r.Name)+"LinkEgress"), &ec2.CfnSecurityGroupEgressProps{
			GroupId: a.SecurityGroup.SecurityGroupId(), IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port,
			DestinationSecurityGroupId: r.SecurityGroup.SecurityGroupId(), Description: desc,
		})
		ec2.NewCfnSecurityGroupIngress(a.Construct, jsii.String(naming.Pascal(r.Name)+"LinkIngress"), &ec2.CfnSecurityGroupIngressProps{
			GroupId: r.SecurityGroup.SecurityGroupId(), IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port,
			SourceSecurityGroupId: a.SecurityGroup.SecurityGroupId(), Description: desc,
		})
	}
	subnets := make([]any, len(p.Subnets))
	for i, s := range p.Subnets {
		subnets[i] = s.SubnetId()
	}
	a.VpcLink = apigw.NewCfnVpcLink(a.Construct, jsii.String("VpcLink"), &apigw.CfnVpcLinkProps{
		Name: jsii.String(p.Name), SubnetIds: &subnets, SecurityGroupIds: &[]any{a.SecurityGroup.SecurityGroupId()},
	})
}

// buildAuthorizer creates the function that checks CloudFront's origin header (and the JWT)
// and the two authorizers using it: the cached one of the service routes, keyed by the headers
// it reads, and an uncached one on the health route, whose checkers send no header.
func (a *HttpApi) buildAuthorizer(p HttpApiProps) {
	stack := awscdk.Stack_Of(a.Construct)
	logGroup := logs.NewLogGroup(a.Construct, jsii.String("AuthorizerLogs"), &logs.LogGroupProps{
		EncryptionKey: a.LogKey, Retention: p.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := iam.NewRole(a.Construct, jsii.String("AuthorizerRole"), &iam.RoleProps{
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Reads the CloudFront origin secret and writes the authorizer's logs"),
	})
	allow := func(actions []string, resource *string, conditions *map[string]any) iam.PolicyStatement {
		return iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &[]*string{resource}, Conditions: conditions})
	}
	viaSecretsManager := &map[string]any{"StringEquals": map[string]any{"kms:ViaService": fmt.Sprintf("secretsmanager.%s.amazonaws.com", *stack.Region())}}
	policy := iam.NewManagedPolicy(a.Construct, jsii.String("AuthorizerPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("What the HTTP API's origin authorizer calls"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			allow([]string{"logs:CreateLogStream", "logs:PutLogEvents"}, logGroup.LogGroupArn(), nil),
			// Secrets Manager appends six random characters to a secret's ARN.
			allow([]string{"secretsmanager:GetSecretValue"}, stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"),
				ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME, ResourceName: jsii.String(p.OriginSecretName + "-??????"),
			}), nil),
			allow([]string{"kms:Decrypt"}, p.OriginSecretKey.KeyArn(), viaSecretsManager),
			// The function's environment is encrypted with the log key.
			allow([]string{"kms:Decrypt"}, a.LogKey.KeyArn(), nil),
		},
	})

	env := map[string]*string{
		"SECRET_NAME": jsii.String(p.OriginSecretName), "HEADER_NAME": jsii.String(p.OriginHeaderName),
		"HEALTH_ROUTE": jsii.String(healthRouteKey(p)), "CHECKER_CIDRS": jsii.String(strings.Join(p.HealthCheckerCidrs, ",")),
	}
	identity := []*string{jsii.String("$request.header." + p.OriginHeaderName)}
	if j := p.Jwt; j != nil {
		env["JWT_ISSUER"], env["JWT_AUDIENCES"] = jsii.String(j.Issuer), jsii.String(strings.Join(j.Audiences, ","))
		identity = append(identity, jsii.String("$request.header.Authorization"))
	}
	a.Function = lambda.NewFunction(a.Construct, jsii.String("Authorizer"), &lambda.FunctionProps{
		Description:  jsii.String("Admits only requests carrying CloudFront's origin secret (and a valid JWT when configured)"),
		Runtime:      lambda.Runtime_PYTHON_3_14(),
		Architecture: lambda.Architecture_ARM_64(),
		Handler:      jsii.String("origin.handler"),
		Code: lambda.Code_FromAsset(jsii.String(handlerDir()), &awss3assets.AssetOptions{
			Exclude: jsii.Strings("__pycache__", "*.pyc"),
		}),
		Timeout:                      duration.Seconds(10),
		MemorySize:                   jsii.Number(256),
		ReservedConcurrentExecutions: jsii.Number(authorizerConcurrency),
		Environment:                  &env,
		EnvironmentEncryption:        a.LogKey,
		LogGroup:                     logGroup,
		// The managed policy above is the whole grant: CDK's own grants would add an inline policy.
		Role: role.WithoutPolicyUpdates(&iam.WithoutPolicyUpdatesOptions{AddGrantsToResources: jsii.Bool(false)}),
	})
	// What the function needs in place before it runs is the policy (the role is implied by its ARN).
	a.Function.Node().DefaultChild().(awscdk.CfnResource).AddOverride(jsii.String("DependsOn"),
		[]any{stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))})
	a.Function.AddPermission(jsii.String("InvokeByApi"), &lambda.Permission{
		Principal: iam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		SourceArn: stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("execute-api"), Resource: a.Api.Ref(), ResourceName: jsii.String("authorizers/*"),
		}),
	})
	uri := jsii.String(fmt.Sprintf("arn:%s:apigateway:%s:lambda:path/2015-03-31/functions/%s/invocations",
		*stack.Partition(), *stack.Region(), *a.Function.FunctionArn()))
	authorizer := func(id string, ttl int, identity *[]*string) apigw.CfnAuthorizer {
		return apigw.NewCfnAuthorizer(a.Construct, jsii.String(id), &apigw.CfnAuthorizerProps{
			ApiId: a.Api.Ref(), Name: jsii.String(id), AuthorizerType: jsii.String("REQUEST"), AuthorizerUri: uri,
			AuthorizerPayloadFormatVersion: jsii.String("2.0"), EnableSimpleResponses: jsii.Bool(true),
			AuthorizerResultTtlInSeconds: jsii.Number(float64(ttl)), IdentitySource: identity,
		})
	}
	a.Authorizer = authorizer("OriginAuthorizer", authorizerTTL, &identity)
	a.healthAuthorizer = authorizer("HealthAuthorizer", 0, nil)
}

// buildRoutes gives every service a Cloud Map service, a private integration and its route, and
// the first service the health route.
func (a *HttpApi) buildRoutes(p HttpApiProps) {
	for _, r := range p.Routes {
		id := naming.Pascal(r.Name)
		d := servicediscovery.NewService(a.Construct, jsii.String(id+"Discovery"), &servicediscovery.ServiceProps{
			Namespace: p.Namespace, Name: jsii.String(r.Name),
			Description:   jsii.String(fmt.Sprintf("Tasks of %s (address and port), for the HTTP API's private integration", r.Name)),
			DnsRecordType: servicediscovery.DnsRecordType_SRV, DnsTtl: duration.Seconds(10),
			// ECS reports task health to Cloud Map (as it does for services it registers itself).
			CustomHealthCheck: &servicediscovery.HealthCheckCustomConfig{FailureThreshold: jsii.Number(1)},
		})
		integration := apigw.NewCfnIntegration(a.Construct, jsii.String(id+"Integration"), &apigw.CfnIntegrationProps{
			ApiId: a.Api.Ref(), IntegrationType: jsii.String("HTTP_PROXY"), IntegrationMethod: jsii.String("ANY"),
			IntegrationUri: d.ServiceArn(), ConnectionType: jsii.String("VPC_LINK"), ConnectionId: a.VpcLink.Ref(),
			PayloadFormatVersion: jsii.String("1.0"), Description: jsii.String("Private integration to " + r.Name),
		})
		key := limits.ApiRouteKey(r.PathPattern)
		a.Discovery[r.Name], a.Integrations[r.Name], a.RouteKeys[r.Name] = d, integration, key
		a.Routes[r.Name] = a.route(id+"Route", key, integration, a.Authorizer)
	}
	a.HealthRoute = a.route("HealthRoute", healthRouteKey(p), a.Integrations[p.Routes[0].Name], a.healthAuthorizer)
}

func (a *HttpApi) route(id, key string, integration apigw.CfnIntegration, authorizer apigw.CfnAuthorizer) apigw.CfnRoute {
	return apigw.NewCfnRoute(a.Construct, jsii.String(id), &apigw.CfnRouteProps{
		ApiId: a.Api.Ref(), RouteKey: jsii.String(key), Target: jsii.String("integrations/" + *integration.Ref()),
		AuthorizationType: jsii.String("CUSTOM"), AuthorizerId: authorizer.Ref(),
	})
}

// healthRouteKey is the GET route Route 53's checks use.
func healthRouteKey(p HttpApiProps) string { return "GET " + p.HealthCheckPath }

// buildStage deploys every change at once, throttles and measures each route (detailed metrics
// give the Route dimension the per-service alarms read) and writes the access log.
func (a *HttpApi) buildStage(p HttpApiProps) {
	settings := func() *apigw.CfnStage_RouteSettingsProperty {
		return &apigw.CfnStage_RouteSettingsProperty{
			DetailedMetricsEnabled: jsii.Bool(true),
			ThrottlingRateLimit:    jsii.Number(float64(p.RateLimit)),
			ThrottlingBurstLimit:   jsii.Number(float64(p.BurstLimit)),
		}
	}
	// RouteSettings is a plain JSON object to CloudFormation: its keys are written out here (a
	// typed property struct inside it would be serialized with jsii's lowercase names).
	plain := map[string]any{
		"DetailedMetricsEnabled": true, "ThrottlingRateLimit": p.RateLimit, "ThrottlingBurstLimit": p.BurstLimit,
	}
	perRoute := map[string]any{healthRouteKey(p): plain}
	for _, key := range a.RouteKeys {
		perRoute[key] = plain
	}
	a.Stage = apigw.NewCfnStage(a.Construct, jsii.String("Stage"), &apigw.CfnStageProps{
		ApiId: a.Api.Ref(), StageName: jsii.String(StageName), AutoDeploy: jsii.Bool(true),
		Description:          jsii.String("The only stage; the custom domains map to it"),
		DefaultRouteSettings: settings(),
		RouteSettings:        perRoute,
		AccessLogSettings: &apigw.CfnStage_AccessLogSettingsProperty{
			DestinationArn: a.AccessLogs.LogGroupArn(), Format: jsii.String(AccessLogFormat),
		},
	})
	// Route settings name routes by key: the routes must exist first.
	for _, r := range a.Routes {
		a.Stage.Node().AddDependency(r)
	}
	a.Stage.Node().AddDependency(a.HealthRoute)
}

// buildDomains creates the certificate and the two regional custom domains mapped to the stage.
func (a *HttpApi) buildDomains(p HttpApiProps) {
	a.Certificate = acm.NewCertificate(a.Construct, jsii.String("Certificate"), &acm.CertificateProps{
		DomainName: jsii.String(p.OriginName), SubjectAlternativeNames: jsii.Strings(p.RegionalName),
		Validation:   acm.CertificateValidation_FromDns(p.HostedZone),
		KeyAlgorithm: acm.KeyAlgorithm_RSA_2048(),
	})
	domain := func(id, name string) apigw.CfnDomainName {
		d := apigw.NewCfnDomainName(a.Construct, jsii.String(id), &apigw.CfnDomainNameProps{
			DomainName: jsii.String(name),
			DomainNameConfigurations: &[]any{&apigw.CfnDomainName_DomainNameConfigurationProperty{
				CertificateArn: a.Certificate.CertificateArn(), EndpointType: jsii.String("REGIONAL"),
				SecurityPolicy: jsii.String("TLS_1_2"),
			}},
		})
		apigw.NewCfnApiMapping(a.Construct, jsii.String(id+"Mapping"), &apigw.CfnApiMappingProps{
			ApiId: a.Api.Ref(), DomainName: d.Ref(), Stage: a.Stage.Ref(),
		})
		return d
	}
	a.OriginDomain = domain("OriginDomain", p.OriginName)
	a.RegionalDomain = domain("RegionalDomain", p.RegionalName)
}

func handlerDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "authorizer")
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
