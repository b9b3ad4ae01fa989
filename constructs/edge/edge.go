package edge

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	acm "github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	cf "github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsshield"
	waf "github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/duration"

	"github.com/stratus-platform/stratus/constructs/keys"
)

// Edge is the WAF-protected CloudFront front door with its certificate, frontend bucket (unless
// WithoutFrontend) and logs.
type Edge struct {
	constructs.Construct

	// Distribution serves the viewer names; the DNS layer aliases them to it.
	Distribution cf.IDistribution
	// WebAcl is the CLOUDFRONT-scope web ACL attached to the distribution.
	WebAcl waf.CfnWebACL
	// Certificate covers the viewer names (us-east-1, DNS-validated).
	Certificate acm.ICertificate
	// FrontendBucket holds the static frontend; only the distribution can read it (OAC). Nil
	// with WithoutFrontend.
	FrontendBucket s3.IBucket
	// FrontendKey encrypts FrontendBucket (nil with WithoutFrontend).
	FrontendKey kms.IKey
	// LogBucket receives CloudFront standard logs (prefix "cloudfront/") and the frontend
	// bucket's S3 access logs (prefix "s3-access/frontend/"), when there is a frontend bucket.
	LogBucket s3.IBucket
	// WafLogGroup receives the web ACL's logs ("aws-waf-logs-…"); LogKey encrypts it (and the
	// frontend upload's Lambda log group).
	WafLogGroup logs.ILogGroup
	LogKey      kms.IKey
	// ShieldProtections are the Shield Advanced protections (empty unless ShieldAdvanced).
	ShieldProtections []awsshield.CfnProtection
	// FrontendDeployment uploads FrontendSource (nil unless FrontendSource is set).
	FrontendDeployment awss3deployment.BucketDeployment

	deploymentPolicy iam.ManagedPolicy
}

// NewEdge builds the edge, or returns every problem with props.
func NewEdge(scope constructs.Construct, id string, props EdgeProps) (*Edge, error) {
	p := props.withDefaults()
	if err := errors.Join(p.validate(), checkRegion(awscdk.Stack_Of(scope))); err != nil {
		return nil, fmt.Errorf("edge %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	e := &Edge{Construct: this}
	names := e.resourceNames(p)
	e.buildLogging(p, names)
	e.buildWebAcl(p)
	e.buildCertificate(p)
	if !p.WithoutFrontend {
		e.buildFrontendBucket()
	}
	e.buildDistribution(p, names)
	e.buildShield(p, names)
	e.buildDeployment(p, names)
	e.acceptByDesign(p)
	return e, nil
}

// physicalNames are the names this construct gives resources itself, so that policies can name
// them exactly without a reference cycle. They derive from the construct path: unique per stack
// and stable across deployments.
type physicalNames struct {
	base               string // the path with a hash, e.g. "Prod-Edge-Edge-1A2B3C4D"
	wafLogGroup        string
	deploymentLogGroup string
	// keptLogGroups are the names the log groups had before they carried the stack's id: a group
	// kept from then still holds logs the log key encrypted, which it must go on decrypting.
	keptLogGroups      []string
	spaRewriteFunction string // at most 64 characters (CloudFront Function names), same hash as base
}

// spaRewriteSuffix ends the SPA rewrite function's name.
const spaRewriteSuffix = "-spa-rewrite"

func (e *Edge) resourceNames(p EdgeProps) physicalNames {
	// Longer paths are shortened in the middle; the hash of the full path is always kept.
	unique := func(maxLength int) string {
		return *awscdk.Names_UniqueResourceName(e.Construct, &awscdk.UniqueResourceNameOptions{
			MaxLength: jsii.Number(float64(maxLength)), Separator: jsii.String("-"),
		})
	}
	base := unique(100)
	// The log groups are retained: with the stack's id in their names, an Edge stack destroyed and
	// created again makes groups of its own.
	deployment := "/stratus/edge/" + base + "/frontend-deployment"
	n := physicalNames{
		base: base, wafLogGroup: p.WafLogGroupName, deploymentLogGroup: retention.Rebuildable(e.Construct, deployment),
		spaRewriteFunction: unique(64-len(spaRewriteSuffix)) + spaRewriteSuffix,
	}
	if p.FrontendSource != "" {
		n.keptLogGroups = append(n.keptLogGroups, deployment)
	}
	if n.wafLogGroup == "" {
		n.wafLogGroup = retention.Rebuildable(e.Construct, "aws-waf-logs-"+base)
		n.keptLogGroups = append(n.keptLogGroups, "aws-waf-logs-"+base)
	}
	return n
}

func (e *Edge) buildLogging(p EdgeProps, names physicalNames) {
	stack := awscdk.Stack_Of(e.Construct)
	partition, region, account := *stack.Partition(), *stack.Region(), *stack.Account()
	named := []string{names.wafLogGroup}
	if p.FrontendSource != "" {
		named = append(named, names.deploymentLogGroup)
	}
	var groups []string
	for _, name := range append(named, names.keptLogGroups...) {
		groups = append(groups, keys.LogGroupArnIn(partition, region, account, name))
	}

	key := keys.NewKey(e.Construct, "LogKey", "Encrypts the edge's CloudWatch log groups (WAF logs)")
	// CloudWatch Logs encrypts on the log groups' behalf (WAF delivers through it); the grant is
	// pinned to this construct's log groups by name.
	keys.AllowCloudWatchLogs(key, groups...)
	e.LogKey = key

	e.WafLogGroup = logs.NewLogGroup(e.Construct, jsii.String("WafLogGroup"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(names.wafLogGroup),
		EncryptionKey: key,
		Retention:     logRetention(p.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	// CloudFront standard logging writes through bucket ACLs, so ACLs stay enabled
	// (BucketOwnerPreferred: the bucket owner still owns every object).
	e.LogBucket = s3.NewBucket(e.Construct, jsii.String("LogBucket"), &s3.BucketProps{
		Encryption:        s3.BucketEncryption_S3_MANAGED,
		ObjectOwnership:   s3.ObjectOwnership_BUCKET_OWNER_PREFERRED,
		BlockPublicAccess: s3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		MinimumTLSVersion: jsii.Number(1.2),
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		LifecycleRules: &[]*s3.LifecycleRule{{
			Id:                                  jsii.String("ExpireLogs"),
			Expiration:                          duration.Days(float64(p.LogRetentionDays)),
			NoncurrentVersionExpiration:         duration.Days(30),
			AbortIncompleteMultipartUploadAfter: duration.Days(7),
		}},
	})
}

func (e *Edge) buildCertificate(p EdgeProps) {
	var sans *[]*string
	if len(p.ViewerNames) > 1 {
		sans = jsii.Strings(p.ViewerNames[1:]...)
	}
	e.Certificate = acm.NewCertificate(e.Construct, jsii.String("Certificate"), &acm.CertificateProps{
		DomainName:              jsii.String(p.ViewerNames[0]),
		SubjectAlternativeNames: sans,
		Validation:              acm.CertificateValidation_FromDns(p.HostedZone),
	})
}

func (e *Edge) buildFrontendBucket() {
	key := kms.NewKey(e.Construct, jsii.String("FrontendKey"), &kms.KeyProps{
		Description:       jsii.String("Encrypts the static frontend bucket"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	e.FrontendKey = key
	e.FrontendBucket = s3.NewBucket(e.Construct, jsii.String("FrontendBucket"), &s3.BucketProps{
		Encryption:             s3.BucketEncryption_KMS,
		EncryptionKey:          key,
		BucketKeyEnabled:       jsii.Bool(true), // one data key per bucket, not per object: far fewer KMS calls
		ObjectOwnership:        s3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
		BlockPublicAccess:      s3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:             jsii.Bool(true),
		MinimumTLSVersion:      jsii.Number(1.2),
		Versioned:              jsii.Bool(true),
		RemovalPolicy:          awscdk.RemovalPolicy_RETAIN,
		ServerAccessLogsBucket: e.LogBucket,
		ServerAccessLogsPrefix: jsii.String("s3-access/frontend/"),
		LifecycleRules: &[]*s3.LifecycleRule{{
			Id:                                  jsii.String("ExpireOldFrontendVersions"),
			NoncurrentVersionExpiration:         duration.Days(90),
			AbortIncompleteMultipartUploadAfter: duration.Days(7),
		}},
	})
	// The policy (TLS only, TLS 1.2 or later, and later the distribution's read grant) stays with
	// the bucket it guards: the bucket is retained when the frontend is turned off or the stack
	// deleted, and without its policy it would accept plain HTTP. EnforceSSL has just made it.
	e.FrontendBucket.Policy().ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN)
}

func (e *Edge) buildDistribution(p EdgeProps, names physicalNames) {
	headers := e.buildResponseHeadersPolicy(p)
	api := awscloudfrontorigins.NewHttpOrigin(jsii.String(p.ApiOriginName), &awscloudfrontorigins.HttpOriginProps{
		ProtocolPolicy:     cf.OriginProtocolPolicy_HTTPS_ONLY,
		OriginSslProtocols: &[]cf.OriginSslPolicy{cf.OriginSslPolicy_TLS_V1_2},
		CustomHeaders:      &map[string]*string{p.OriginHeaderName: p.OriginHeaderValue},
	})
	// What the API paths get, and with WithoutFrontend every path: all methods, nothing cached,
	// the viewer's headers but Host (the origin's certificate is for the origin name). HTTPS only:
	// a redirect would come after a plain-HTTP request had already sent its body and credentials
	// in the clear, and API clients do not follow a redirect of a POST anyway; CloudFront answers
	// HTTP with 403. The browser-facing frontend keeps the redirect.
	apiBehavior := &cf.BehaviorOptions{
		Origin:                api,
		ViewerProtocolPolicy:  cf.ViewerProtocolPolicy_HTTPS_ONLY,
		AllowedMethods:        cf.AllowedMethods_ALLOW_ALL(),
		CachePolicy:           cf.CachePolicy_CACHING_DISABLED(),
		OriginRequestPolicy:   cf.OriginRequestPolicy_ALL_VIEWER_EXCEPT_HOST_HEADER(),
		ResponseHeadersPolicy: headers,
		Compress:              jsii.Bool(true),
	}

	var geo cf.GeoRestriction
	switch p.GeoRestriction.Mode {
	case GeoAllow:
		geo = cf.GeoRestriction_Allowlist(*jsii.Strings(p.GeoRestriction.Countries...)...)
	case GeoBlock:
		geo = cf.GeoRestriction_Denylist(*jsii.Strings(p.GeoRestriction.Countries...)...)
	}

	props := &cf.DistributionProps{
		Comment:                jsii.String(fmt.Sprintf("Stratus edge for %s", p.ViewerNames[0])),
		DomainNames:            jsii.Strings(p.ViewerNames...),
		Certificate:            e.Certificate,
		MinimumProtocolVersion: cf.SecurityPolicyProtocol_TLS_V1_2_2021,
		SslSupportMethod:       cf.SSLMethod_SNI,
		HttpVersion:            cf.HttpVersion_HTTP2_AND_3,
		EnableIpv6:             jsii.Bool(true),
		PriceClass:             priceClasses[p.PriceClass],
		GeoRestriction:         geo,
		WebAclId:               e.WebAcl.AttrArn(),
		EnableLogging:          jsii.Bool(true),
		LogBucket:              e.LogBucket,
		LogFilePrefix:          jsii.String("cloudfront/"),
		LogIncludesCookies:     jsii.Bool(false),
		DefaultBehavior:        apiBehavior,
	}
	if !p.WithoutFrontend {
		// The single-page app's routes reach index.html through a function on the default
		// (frontend) behavior only: distribution-wide custom error responses would also answer
		// the API's 403/404 with the frontend's HTML and 200.
		spaRewrite := cf.NewFunction(e.Construct, jsii.String("SpaRewrite"), &cf.FunctionProps{
			FunctionName: jsii.String(names.spaRewriteFunction),
			Comment:      jsii.String("Serve index.html for the single-page app's routes"),
			Runtime:      cf.FunctionRuntime_JS_2_0(),
			Code:         cf.FunctionCode_FromInline(jsii.String(spaRewriteCode)),
		})
		props.DefaultRootObject = jsii.String("index.html")
		props.DefaultBehavior = &cf.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(e.FrontendBucket, nil),
			ViewerProtocolPolicy:  cf.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        cf.AllowedMethods_ALLOW_GET_HEAD_OPTIONS(),
			CachePolicy:           cf.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: headers,
			Compress:              jsii.Bool(true),
			FunctionAssociations: &[]*cf.FunctionAssociation{{
				EventType: cf.FunctionEventType_VIEWER_REQUEST, Function: spaRewrite,
			}},
		}
		props.AdditionalBehaviors = &map[string]*cf.BehaviorOptions{p.ApiPathPattern: apiBehavior}
	}
	e.Distribution = cf.NewDistribution(e.Construct, jsii.String("Distribution"), props)
}

// spaRewriteCode is the viewer-request handler of the default behavior (cloudfront-js-2.0). A URI
// whose last segment has no "." (/, /orders/42) is a route of the app and gets /index.html; a
// file (/assets/app.3f2a.js, /favicon.ico) passes through, so a missing one gets S3's 403 as is.
const spaRewriteCode = `// Single-page app routes -> /index.html; files pass through (Stratus edge).
function handler(event) {
  var request = event.request;
  // The last path segment: "" for "/", "42" for "/orders/42", "app.js" for "/assets/app.js".
  var last = request.uri.substring(request.uri.lastIndexOf('/') + 1);
  // No extension: a route the app handles in the browser.
  if (last.indexOf('.') === -1) {
    request.uri = '/index.html';
  }
  return request;
}
`

func (e *Edge) buildResponseHeadersPolicy(p EdgeProps) cf.ResponseHeadersPolicy {
	security := &cf.ResponseSecurityHeadersBehavior{
		StrictTransportSecurity: &cf.ResponseHeadersStrictTransportSecurity{
			AccessControlMaxAge: duration.Days(730),
			IncludeSubdomains:   jsii.Bool(true),
			Preload:             jsii.Bool(true),
			Override:            jsii.Bool(true),
		},
		ContentTypeOptions: &cf.ResponseHeadersContentTypeOptions{Override: jsii.Bool(true)},
		FrameOptions:       &cf.ResponseHeadersFrameOptions{FrameOption: cf.HeadersFrameOption_DENY, Override: jsii.Bool(true)},
		ReferrerPolicy: &cf.ResponseHeadersReferrerPolicy{
			ReferrerPolicy: cf.HeadersReferrerPolicy_STRICT_ORIGIN_WHEN_CROSS_ORIGIN, Override: jsii.Bool(true),
		},
		XssProtection: &cf.ResponseHeadersXSSProtection{Protection: jsii.Bool(true), ModeBlock: jsii.Bool(true), Override: jsii.Bool(true)},
	}
	if p.ContentSecurityPolicy != "" {
		security.ContentSecurityPolicy = &cf.ResponseHeadersContentSecurityPolicy{
			ContentSecurityPolicy: jsii.String(p.ContentSecurityPolicy), Override: jsii.Bool(true),
		}
	}
	return cf.NewResponseHeadersPolicy(e.Construct, jsii.String("SecurityHeaders"), &cf.ResponseHeadersPolicyProps{
		Comment:                 jsii.String("Security headers on every response"),
		SecurityHeadersBehavior: security,
	})
}

func (e *Edge) buildShield(p EdgeProps, names physicalNames) {
	if !p.ShieldAdvanced {
		return
	}
	protect := func(id, label string, arn *string) {
		e.ShieldProtections = append(e.ShieldProtections, awsshield.NewCfnProtection(e.Construct, jsii.String(id), &awsshield.CfnProtectionProps{
			Name:        jsii.String(names.base + "-" + label),
			ResourceArn: arn,
		}))
	}
	protect("DistributionProtection", "distribution", e.Distribution.DistributionArn())
	for i, arn := range p.ShieldResourceArns {
		protect(fmt.Sprintf("ResourceProtection%d", i), fmt.Sprintf("resource-%d", i), jsii.String(arn))
	}
}

func (e *Edge) buildDeployment(p EdgeProps, names physicalNames) {
	if p.FrontendSource == "" {
		return
	}
	logGroup := logs.NewLogGroup(e.Construct, jsii.String("FrontendDeploymentLogGroup"), &logs.LogGroupProps{
		LogGroupName:  jsii.String(names.deploymentLogGroup),
		EncryptionKey: e.LogKey,
		Retention:     logRetention(p.LogRetentionDays),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// Absolute, because the jsii runtime resolves relative paths from its own working folder.
	source, _ := filepath.Abs(p.FrontendSource)
	asset := awss3assets.NewAsset(e.Construct, jsii.String("FrontendAsset"), &awss3assets.AssetProps{
		Path: jsii.String(source),
	})

	// The upload handler's role gets exactly what `aws s3 sync` and the invalidation need, on these
	// resources only, in a customer-managed policy. BucketDeployment is handed an immutable view
	// of the role, so its own broader grants (s3:*Object*, cloudfront:* on "*", the AWS managed
	// basic-execution policy) are never added.
	role := iam.NewRole(e.Construct, jsii.String("FrontendDeploymentRole"), &iam.RoleProps{
		Description: jsii.String("Uploads the built frontend to its bucket and invalidates the distribution"),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	stack := awscdk.Stack_Of(e.Construct)
	groupArn := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(names.deploymentLogGroup),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	statement := func(actions []string, resources ...*string) iam.PolicyStatement {
		return iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources})
	}
	policy := iam.NewManagedPolicy(e.Construct, jsii.String("FrontendDeploymentPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Upload the built frontend and invalidate the distribution"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			statement([]string{"s3:GetObject"}, asset.Bucket().ArnForObjects(asset.S3ObjectKey())),
			statement([]string{"s3:ListBucket", "s3:GetBucketLocation"}, e.FrontendBucket.BucketArn()),
			statement([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}, e.FrontendBucket.ArnForObjects(jsii.String("*"))),
			statement([]string{"kms:Decrypt", "kms:GenerateDataKey"}, e.FrontendKey.KeyArn()),
			statement([]string{"cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"}, e.Distribution.DistributionArn()),
			statement([]string{"logs:CreateLogStream"}, groupArn),
			statement([]string{"logs:PutLogEvents"}, jsii.String(*groupArn+":log-stream:*")),
		},
	})
	e.FrontendDeployment = awss3deployment.NewBucketDeployment(e.Construct, jsii.String("FrontendDeployment"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Bucket(asset.Bucket(), asset.S3ObjectKey())},
		DestinationBucket: e.FrontendBucket,
		Distribution:      e.Distribution,
		DistributionPaths: jsii.Strings("/*"),
		Role:              role.WithoutPolicyUpdates(nil),
		LogGroup:          logGroup,
		Prune:             jsii.Bool(true),
		RetainOnDelete:    jsii.Bool(true),
	})
	// The handler must not run before its permissions exist.
	e.FrontendDeployment.Node().AddDependency(policy)
	e.deploymentPolicy = policy
	// The function references its role through Fn::GetAtt already; the extra DependsOn that
	// aws-cdk-lib adds is redundant (cfn-lint W3005).
	if handler := e.deploymentHandler(); handler != nil {
		handler.AddDeletionOverride(jsii.String("DependsOn"))
	}
}

// deploymentHandler is the Lambda function of BucketDeployment: a singleton that aws-cdk-lib
// puts directly under the stack, named after its purpose.
func (e *Edge) deploymentHandler() awscdk.CfnResource {
	for _, child := range *awscdk.Stack_Of(e.Construct).Node().Children() {
		c := child.(constructs.IConstruct)
		if strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			if fn, ok := c.Node().DefaultChild().(awscdk.CfnResource); ok {
				return fn
			}
		}
	}
	return nil
}

// priceClasses maps the CloudFormation names PriceClass takes to the CDK enum.
var priceClasses = map[string]cf.PriceClass{
	"PriceClass_100": cf.PriceClass_PRICE_CLASS_100,
	"PriceClass_200": cf.PriceClass_PRICE_CLASS_200,
	"PriceClass_All": cf.PriceClass_PRICE_CLASS_ALL,
}

// logRetention turns a day count that validate() accepted into the CDK enum.
func logRetention(days int) logs.RetentionDays {
	r, _ := retention.FromDays(days)
	return r
}
