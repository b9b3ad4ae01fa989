package ingress

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/nagpacks"
)

const (
	account    = "111111111111"
	region     = "us-east-1"
	zoneID     = "Z0123456789ABCDEFGHIJ"
	zoneName   = "example.com"
	secretID   = "stratus/test/origin-verify"
	albGroupID = "sg-0123456789abcdef0"
	// checkerGroupID is the custom fixture's HealthCheckSecurityGroup.
	checkerGroupID = "sg-0fedcba9876543210"
)

var publicSubnets = []string{"subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"}

// cdkContext is cdk.json's context, so tests see the feature flags `cdk synth` sees.
var cdkContext = cdktest.Context()

// fixture is one synthesized test stack holding an OriginSecret and a LoadBalancer.
type fixture struct {
	dir    string
	stack  awscdk.Stack
	lb     *LoadBalancer
	secret *OriginSecret
	tpl    assertions.Template
	raw    string // the template as JSON text
}

// scene holds the references a LoadBalancer needs, imported into a fresh stack the way the
// stacks layer hands them over.
type scene struct {
	app   awscdk.App
	stack awscdk.Stack
	vpc   ec2.IVpc
	sg    ec2.ISecurityGroup
	zone  r53.IHostedZone
}

func newScene(dir string, withRegion bool) scene {
	app := awscdk.NewApp(&awscdk.AppProps{Context: &cdkContext, Outdir: jsii.String(dir)})
	var env *awscdk.Environment
	if withRegion {
		env = &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)}
	}
	stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{Env: env})
	if withRegion {
		stack.Node().SetContext(jsii.String("availability-zones:account="+account+":region="+region),
			jsii.Strings("us-east-1a", "us-east-1b"))
	}
	vpc := ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:                     jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones:         jsii.Strings("us-east-1a", "us-east-1b"),
		PublicSubnetIds:           jsii.Strings(publicSubnets...),
		PublicSubnetRouteTableIds: jsii.Strings("rtb-0aaaaaaaaaaaaaaaa", "rtb-0bbbbbbbbbbbbbbbb"),
	})
	// Mutable on purpose: any rule the construct tried to add would show up in the template.
	sg := ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("AlbSg"), jsii.String(albGroupID),
		&ec2.SecurityGroupImportOptions{AllowAllOutbound: jsii.Bool(false), Mutable: jsii.Bool(true)})
	zone := r53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(zoneID), ZoneName: jsii.String(zoneName),
	})
	return scene{app, stack, vpc, sg, zone}
}

func secretProps() OriginSecretProps {
	return OriginSecretProps{Name: secretID, ReplicaRegions: []Replica{{Region: "eu-west-1"}}}
}

func lbProps(s scene) LoadBalancerProps {
	return LoadBalancerProps{
		Vpc:               s.vpc,
		Subnets:           &ec2.SubnetSelection{SubnetType: ec2.SubnetType_PUBLIC},
		SecurityGroup:     s.sg,
		HostedZone:        s.zone,
		CertificateNames:  []string{"origin.example.com", "us-east-1.origin.example.com"},
		OriginHeaderValue: HeaderValue(secretID),
		Targets: []Target{
			{Name: "product", Port: 8080, PathPattern: "/api/product/*"},
			{Name: "order", Port: 8081, PathPattern: "/api/order/*"},
		},
	}
}

// build synthesizes a stack with both constructs and both cdk-nag packs applied.
func build(dir string, mutateSecret func(*OriginSecretProps, scene), mutateLB func(*LoadBalancerProps)) (f *fixture, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	s := newScene(dir, true)
	sp, lp := secretProps(), lbProps(s)
	if mutateSecret != nil {
		mutateSecret(&sp, s)
	}
	if mutateLB != nil {
		mutateLB(&lp)
	}
	secret, err := NewOriginSecret(s.stack, "OriginSecret", sp)
	if err != nil {
		return nil, err
	}
	lb, err := NewLoadBalancer(s.stack, "Ingress", lp)
	if err != nil {
		return nil, err
	}
	// Same stack: the rules resolve the secret by name, so they must wait for it (the stacks
	// layer does the same, or orders the stacks).
	lb.Node().AddDependency(secret.Construct)

	nagpacks.Apply(s.stack)

	asm := s.app.Synth(nil)
	data, err := os.ReadFile(filepath.Join(*asm.Directory(), *s.stack.TemplateFile()))
	if err != nil {
		return nil, err
	}
	return &fixture{dir: dir, stack: s.stack, lb: lb, secret: secret,
		tpl: assertions.Template_FromStack(s.stack, nil), raw: string(data)}, nil
}

var (
	root = func() string {
		dir, err := os.MkdirTemp("", "ingress-test-*")
		if err != nil {
			panic(err)
		}
		return dir
	}()
	defaultsOnce, customOnce sync.Once
	defaultsFix, customFix   *fixture
	defaultsErr, customErr   error
)

// defaults is the stack built from the minimal valid props, synthesized once per test binary.
func defaults(t *testing.T) *fixture {
	t.Helper()
	defaultsOnce.Do(func() { defaultsFix, defaultsErr = build(filepath.Join(root, "defaults"), nil, nil) })
	require.NoError(t, defaultsErr)
	return defaultsFix
}

// custom sets every optional prop, synthesized once per test binary.
func custom(t *testing.T) *fixture {
	t.Helper()
	customOnce.Do(func() {
		customFix, customErr = build(filepath.Join(root, "custom"), func(p *OriginSecretProps, s scene) {
			p.Key = kms.NewKey(s.stack, jsii.String("SharedKey"), &kms.KeyProps{
				EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
			})
			p.ReplicaRegions = []Replica{
				{Region: "eu-west-1", Key: kms.Key_FromKeyArn(s.stack, jsii.String("ReplicaKey"), jsii.String("arn:aws:kms:eu-west-1:"+account+":alias/stratus"))},
				{Region: "us-west-2"},
			}
			p.RotationDays = 7
			p.HeaderName = "X-Stratus-Origin"
		}, func(p *LoadBalancerProps) {
			p.CertificateNames = []string{"api.example.com"}
			p.OriginHeaderName = "X-Stratus-Origin"
			p.AccessLogPrefix = "edge/alb"
			p.AccessLogExpirationDays = 30
			p.IdleTimeout = awscdk.Duration_Seconds(jsii.Number(120))
			p.Targets = []Target{{Name: "user-api", Port: 9090, PathPattern: "/users/*", HealthCheckPath: "/ready", Priority: 7}}
			p.HealthCheckHost = "api.example.com"
			p.HealthCheckSecurityGroup = ec2.SecurityGroup_FromSecurityGroupId(awscdk.Stack_Of(p.Vpc), jsii.String("CheckerSg"),
				jsii.String(checkerGroupID), &ec2.SecurityGroupImportOptions{AllowAllOutbound: jsii.Bool(false), Mutable: jsii.Bool(true)})
		})
	})
	require.NoError(t, customErr)
	return customFix
}

// TestMain removes the synthesized assemblies afterwards; set KEEP_INGRESS_OUT=1 to inspect them.
func TestMain(m *testing.M) {
	cdktest.Main(m, func() {
		if os.Getenv("KEEP_INGRESS_OUT") == "" {
			os.RemoveAll(root)
		}
	})
}

// hasAttributes asserts that one resource of type lists every key/value pair in attribute
// property prop, in any order.
func hasAttributes(tpl assertions.Template, typ, prop string, kv ...string) {
	var patterns []any
	for i := 0; i < len(kv); i += 2 {
		patterns = append(patterns, assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectEquals(&map[string]any{"Key": kv[i], "Value": kv[i+1]}),
		}))
	}
	for _, p := range patterns {
		tpl.HasResourceProperties(jsii.String(typ), &map[string]any{prop: p})
	}
}

const (
	albType = "AWS::ElasticLoadBalancingV2::LoadBalancer"
	albAttr = "LoadBalancerAttributes"
)

func TestLoadBalancerDefaultsAreSecure(t *testing.T) {
	f := defaults(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), jsii.Number(1))
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), &map[string]any{
			"Scheme":         "internet-facing",
			"Type":           "application",
			"Subnets":        publicSubnets,
			"SecurityGroups": []any{albGroupID},
		})
		hasAttributes(f.tpl, albType, albAttr,
			"deletion_protection.enabled", "true",
			"load_balancing.cross_zone.enabled", "true",
			"routing.http.drop_invalid_header_fields.enabled", "true",
			"routing.http.desync_mitigation_mode", "strictest",
			"idle_timeout.timeout_seconds", "60",
			"access_logs.s3.enabled", "true",
			"access_logs.s3.prefix", "alb",
		)
		// The ALB security group is the Network stack's: not one rule is added to it here.
		f.tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroup"), jsii.Number(0))
		f.tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(0))
		f.tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupEgress"), jsii.Number(0))
	})
}

func TestListenersAnswerHttpsOnlyAndForbidByDefault(t *testing.T) {
	f := defaults(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), jsii.Number(2))
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), &map[string]any{
			"Port": 443, "Protocol": "HTTPS",
			"SslPolicy":    "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09",
			"Certificates": []any{map[string]any{"CertificateArn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^IngressCertificate"))}}},
			"DefaultActions": []any{map[string]any{
				"Type": "fixed-response",
				"FixedResponseConfig": map[string]any{
					"StatusCode": "403", "ContentType": "text/plain", "MessageBody": "Forbidden",
				},
			}},
		})
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::Listener"), &map[string]any{
			"Port": 80, "Protocol": "HTTP",
			"DefaultActions": []any{map[string]any{
				"Type": "redirect",
				"RedirectConfig": map[string]any{
					"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301",
				},
			}},
		})
	})
}

func TestEachTargetGetsAGuardedRuleAndAnIpTargetGroup(t *testing.T) {
	f := defaults(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), jsii.Number(2))
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), jsii.Number(2))
		for i, tg := range []struct {
			name, path string
			port       int
		}{{"Product", "/api/product/*", 8080}, {"Order", "/api/order/*", 8081}} {
			f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), &map[string]any{
				"Priority": (i + 1) * 10,
				"Conditions": []any{
					map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{tg.path}}},
					map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{
						"HttpHeaderName": DefaultHeaderName, "Values": []any{*HeaderValue(secretID)},
					}},
				},
				"Actions": []any{map[string]any{
					"Type":           "forward",
					"TargetGroupArn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^Ingress" + tg.name + "TargetGroup"))},
				}},
			})
			f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
				"TargetType": "ip", "Protocol": "HTTP", "Port": tg.port, "VpcId": "vpc-0123456789abcdef0",
				"HealthCheckEnabled": true, "HealthCheckPath": "/health", "HealthCheckProtocol": "HTTP",
				"Matcher":                    map[string]any{"HttpCode": "200"},
				"HealthyThresholdCount":      2,
				"UnhealthyThresholdCount":    3,
				"HealthCheckIntervalSeconds": 15,
				"HealthCheckTimeoutSeconds":  5,
				"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectEquals(&map[string]any{
					"Key": "deregistration_delay.timeout_seconds", "Value": "30",
				})}),
			})
		}
	})
	require.Len(t, f.lb.TargetGroups, 2)
	assert.NotNil(t, f.lb.TargetGroups["product"])
	assert.NotNil(t, f.lb.TargetGroups["order"])
}

// The ALB's accepted WAF finding (NIST.800.53.R5-ALBWAFEnabled) says every rule requires the
// origin header only where every rule does; otherwise it names the host of the health-check rule
// and the test listener, whichever do not.
func TestTheWafFindingIsAcceptedForTheRulesThereAre(t *testing.T) {
	for name, f := range map[string]*fixture{"defaults": defaults(t), "a health-check host": custom(t), "a test listener": alternates(t)} {
		t.Run(name, func(t *testing.T) {
			var tpl struct {
				Resources map[string]struct {
					Type       string
					Properties struct{ Conditions []map[string]any }
					Metadata   struct {
						CdkNag struct {
							Rules []struct{ Id, Reason string } `json:"rules_to_suppress"`
						} `json:"cdk_nag"`
					}
				}
			}
			require.NoError(t, json.Unmarshal([]byte(f.raw), &tpl))
			var hosts []string // the hosts of rules without the header
			tests, reason := 0, ""
			for _, r := range tpl.Resources {
				switch r.Type {
				case "AWS::ElasticLoadBalancingV2::ListenerRule":
					guarded, host := false, ""
					for _, c := range r.Properties.Conditions {
						guarded = guarded || c["Field"] == "http-header"
						if c["Field"] == "host-header" {
							host = fmt.Sprint(c["HostHeaderConfig"].(map[string]any)["Values"].([]any)[0])
						}
					}
					switch {
					case guarded:
					case host != "":
						hosts = append(hosts, host)
					default: // a rule of the test listener
						tests++
					}
				case "AWS::ElasticLoadBalancingV2::LoadBalancer":
					for _, rule := range r.Metadata.CdkNag.Rules {
						if rule.Id == "NIST.800.53.R5-ALBWAFEnabled" {
							reason = rule.Reason
						}
					}
				}
			}
			require.NotEmpty(t, reason)
			if len(hosts) == 0 && tests == 0 {
				assert.Contains(t, reason, "Every listener rule requires")
				return
			}
			assert.NotContains(t, reason, "Every listener rule requires")
			for _, host := range hosts {
				assert.Contains(t, reason, "requests for exactly "+host+" and the first service's health path")
			}
			if tests > 0 {
				assert.Contains(t, reason, "The test listener (port 8443) has no origin header either")
			} else {
				assert.NotContains(t, reason, "test listener")
			}
		})
	}
}

// The secret header value must reach the template only as the by-name dynamic reference.
func TestHeaderValueIsOnlyADynamicReference(t *testing.T) {
	want := "{{resolve:secretsmanager:" + secretID + ":SecretString:::}}"
	require.Equal(t, want, *HeaderValue(secretID))
	f := defaults(t)
	var doc struct {
		Resources map[string]struct {
			Type       string
			Properties struct {
				Conditions []struct {
					Field            string
					HttpHeaderConfig *struct {
						HttpHeaderName string
						Values         []any
					}
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal([]byte(f.raw), &doc))
	headers := 0
	require.NotEmpty(t, doc.Resources)
	for id, r := range doc.Resources {
		for _, c := range r.Properties.Conditions {
			if c.HttpHeaderConfig == nil {
				continue
			}
			headers++
			assert.Equal(t, []any{want}, c.HttpHeaderConfig.Values, "%s: header values", id)
		}
	}
	assert.Equal(t, 2, headers, "%d http-header conditions, want one per target (2)", headers)
	// Nothing else in the template resolves or embeds the secret.
	assert.Equal(t, 2, strings.Count(f.raw, "{{resolve:"), "dynamic references in the template")
	// The template carries no literal secret string.
	assert.NotContains(t, f.raw, "SecretStringValue")
	assert.NotContains(t, f.raw, `"SecretString":`)
}

func TestCertificateCoversTheOriginNamesByDns(t *testing.T) {
	f := defaults(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::CertificateManager::Certificate"), jsii.Number(1))
		f.tpl.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), &map[string]any{
			"DomainName":              "origin.example.com",
			"SubjectAlternativeNames": []any{"us-east-1.origin.example.com"},
			"ValidationMethod":        "DNS",
			"DomainValidationOptions": []any{
				map[string]any{"DomainName": "origin.example.com", "HostedZoneId": zoneID},
				map[string]any{"DomainName": "us-east-1.origin.example.com", "HostedZoneId": zoneID},
			},
			"KeyAlgorithm": "RSA_2048",
			"CertificateTransparencyLoggingPreference": "ENABLED",
		})
	})
}

func TestAccessLogBucketIsPrivateTlsOnlyVersionedAndExpiring(t *testing.T) {
	f := defaults(t)
	private := map[string]any{
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{
			map[string]any{"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"}},
		}},
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"OwnershipControls": map[string]any{"Rules": []any{map[string]any{"ObjectOwnership": "BucketOwnerEnforced"}}},
		"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
			"Status": "Enabled", "ExpirationInDays": 365, "NoncurrentVersionExpiration": map[string]any{"NoncurrentDays": 30},
			"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 7},
			"Transitions": []any{
				map[string]any{"StorageClass": "STANDARD_IA", "TransitionInDays": 30},
				map[string]any{"StorageClass": "GLACIER", "TransitionInDays": 90},
			},
		})}},
	}
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::S3::Bucket"), jsii.Number(2))
		f.tpl.AllResources(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"Properties": assertions.Match_ObjectLike(&private), "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
		// The ALB log bucket sends its own server access logs to the second bucket.
		f.tpl.HasResourceProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"LoggingConfiguration": map[string]any{
				"DestinationBucketName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^IngressServerAccessLogBucket"))},
				"LogFilePrefix":         "access-log-bucket/",
			},
		})
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::LoadBalancer"), &map[string]any{
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectEquals(&map[string]any{
				"Key": "access_logs.s3.bucket", "Value": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^IngressAccessLogBucket"))},
			})}),
		})
	})
	// Both bucket policies deny plain HTTP and TLS below 1.2; the log bucket lets only ELB log
	// delivery write, under the prefix.
	var policies map[string]*map[string]any
	cdktest.NoPanic(t, func() { policies = *f.tpl.FindResources(jsii.String("AWS::S3::BucketPolicy"), nil) })
	require.Len(t, policies, 2)
	require.NotEmpty(t, policies)
	for id, p := range policies {
		text, _ := json.Marshal(p)
		for _, want := range []string{`"aws:SecureTransport":"false"`, `"s3:TlsVersion":1.2`} {
			assert.Contains(t, string(text), want)
		}
		if strings.HasPrefix(id, "IngressAccessLogBucket") {
			assert.Contains(t, string(text), `/alb/AWSLogs/`+account+`/*`, "%s scopes log delivery", id)
		}
	}
}

func TestOriginSecretIsGeneratedReplicatedAndRetained(t *testing.T) {
	f := defaults(t)
	cdktest.NoPanic(t, func() {
		f.tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(1))
		f.tpl.HasResource(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"Properties": map[string]any{
				"Name":        secretID,
				"Description": assertions.Match_AnyValue(),
				"GenerateSecretString": map[string]any{
					"PasswordLength": 64, "ExcludePunctuation": true, "IncludeSpace": false,
				},
				"KmsKeyId":       map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^OriginSecretKey")), "Arn"}},
				"ReplicaRegions": []any{map[string]any{"Region": "eu-west-1"}},
			},
			"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
		f.tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
	})
	require.NotNil(t, f.secret.Key, "OriginSecret exposes Key")
	require.NotNil(t, f.secret.Secret, "OriginSecret exposes Secret")
}

func TestPropsChangeWhatTheySay(t *testing.T) {
	f := custom(t)
	cdktest.NoPanic(t, func() {
		// The health-checker group joins the ALB group; neither gains a rule here.
		f.tpl.HasResourceProperties(jsii.String(albType), &map[string]any{"SecurityGroups": []any{albGroupID, checkerGroupID}})
		f.tpl.ResourceCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), jsii.Number(0))
		hasAttributes(f.tpl, albType, albAttr, "idle_timeout.timeout_seconds", "120", "access_logs.s3.prefix", "edge/alb")
		f.tpl.HasResourceProperties(jsii.String("AWS::CertificateManager::Certificate"), &map[string]any{
			"DomainName": "api.example.com", "SubjectAlternativeNames": assertions.Match_Absent(),
		})
		f.tpl.ResourceCountIs(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), jsii.Number(2))
		// Route 53's checkers send no custom header: only this host and exact path pass without it.
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), &map[string]any{
			"Priority": 1,
			"Conditions": []any{
				map[string]any{"Field": "host-header", "HostHeaderConfig": map[string]any{"Values": []any{"api.example.com"}}},
				map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/ready"}}},
			},
		})
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::ListenerRule"), &map[string]any{
			"Priority": 7,
			"Conditions": []any{
				map[string]any{"Field": "path-pattern", "PathPatternConfig": map[string]any{"Values": []any{"/users/*"}}},
				map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{
					"HttpHeaderName": "X-Stratus-Origin", "Values": []any{*HeaderValue(secretID)},
				}},
			},
		})
		f.tpl.HasResourceProperties(jsii.String("AWS::ElasticLoadBalancingV2::TargetGroup"), &map[string]any{
			"Port": 9090, "HealthCheckPath": "/ready",
		})
		// 30 days is too short for any storage-class move to pay off.
		f.tpl.AllResourcesProperties(jsii.String("AWS::S3::Bucket"), &map[string]any{
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
				"ExpirationInDays": 30, "Transitions": assertions.Match_Absent(),
			})}},
		})
		// The given key replaces the created one; replicas carry their own keys.
		f.tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
		f.tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"KmsKeyId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^SharedKey")), "Arn"}},
			"ReplicaRegions": []any{
				map[string]any{"Region": "eu-west-1", "KmsKeyId": "arn:aws:kms:eu-west-1:" + account + ":alias/stratus"},
				map[string]any{"Region": "us-west-2"},
			},
		})
	})
	var policies map[string]*map[string]any
	cdktest.NoPanic(t, func() { policies = *f.tpl.FindResources(jsii.String("AWS::S3::BucketPolicy"), nil) })
	found := false
	require.NotEmpty(t, policies)
	for _, p := range policies {
		text, _ := json.Marshal(p)
		found = found || strings.Contains(string(text), "/edge/alb/AWSLogs/"+account+"/*")
	}
	assert.True(t, found, "no bucket policy lets ELB write under edge/alb/AWSLogs/")
	require.NotNil(t, f.lb.TargetGroups["user-api"], "TargetGroups[user-api]")
}

func TestLogsMoveToColderStorageOnlyWhenTheyStayLongEnough(t *testing.T) {
	for days, want := range map[int]int{30: 0, 60: 0, 61: 1, 179: 1, 180: 2, 365: 2} {
		got := 0
		if r := logLifecycle(days); r.Transitions != nil {
			got = len(*r.Transitions)
		}
		assert.Equal(t, want, got, "logLifecycle(%d) has %d transitions, want %d", days, got, want)
	}
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	s := newScene(t.TempDir(), true)
	lbCases := []cdktest.Invalid[LoadBalancerProps]{
		{Name: "no VPC", Mutate: func(p *LoadBalancerProps) { p.Vpc = nil }, Want: "Vpc is required"},
		{Name: "no subnets", Mutate: func(p *LoadBalancerProps) { p.Subnets = nil }, Want: "Subnets is required"},
		{Name: "no security group", Mutate: func(p *LoadBalancerProps) { p.SecurityGroup = nil }, Want: "SecurityGroup is required"},
		{Name: "no hosted zone", Mutate: func(p *LoadBalancerProps) { p.HostedZone = nil }, Want: "HostedZone is required"},
		{Name: "no certificate names", Mutate: func(p *LoadBalancerProps) { p.CertificateNames = nil }, Want: "CertificateNames is empty"},
		{Name: "an empty certificate name", Mutate: func(p *LoadBalancerProps) { p.CertificateNames = []string{"origin.example.com", ""} }, Want: "CertificateNames[1] is empty"},
		{Name: "an uppercase certificate name", Mutate: func(p *LoadBalancerProps) { p.CertificateNames = []string{"Origin.example.com"} }, Want: `CertificateNames[0] "Origin.example.com" is not a lowercase DNS name`},
		{Name: "a certificate name outside the zone", Mutate: func(p *LoadBalancerProps) { p.CertificateNames = []string{"origin.example.org"} }, Want: `CertificateNames[0] "origin.example.org" is outside the hosted zone "example.com"`},
		{Name: "a name that only ends like the zone", Mutate: func(p *LoadBalancerProps) { p.CertificateNames = []string{"notexample.com"} }, Want: "is outside the hosted zone"},
		{Name: "a certificate name listed twice", Mutate: func(p *LoadBalancerProps) {
			p.CertificateNames = []string{"origin.example.com", "origin.example.com"}
		}, Want: `CertificateNames[1] "origin.example.com" is listed twice`},
		{Name: "a domain name too long for the certificate", Mutate: func(p *LoadBalancerProps) {
			p.CertificateNames = []string{strings.Repeat("a", 60) + ".origin.example.com"}
		}, Want: "the certificate's domain name allows at most 64"},
		{Name: "no header value", Mutate: func(p *LoadBalancerProps) { p.OriginHeaderValue = nil }, Want: "OriginHeaderValue is required"},
		{Name: "a literal header value", Mutate: func(p *LoadBalancerProps) { p.OriginHeaderValue = jsii.String("s3cr3t") }, Want: "OriginHeaderValue is not a Secrets Manager dynamic reference"},
		{Name: "an SSM dynamic reference as header value", Mutate: func(p *LoadBalancerProps) {
			p.OriginHeaderValue = jsii.String("{{resolve:ssm:/stratus/origin}}")
		}, Want: "OriginHeaderValue is not a Secrets Manager dynamic reference"},
		{Name: "a token as header value", Mutate: func(p *LoadBalancerProps) { p.OriginHeaderValue = awscdk.Aws_STACK_NAME() }, Want: "is a token; pass HeaderValue(secretName)"},
		{Name: "a malformed header name", Mutate: func(p *LoadBalancerProps) { p.OriginHeaderName = "X Origin" }, Want: `OriginHeaderName "X Origin" is not an origin header name (allowed: 1-40 letters`},
		{Name: "a header CloudFront cannot send", Mutate: func(p *LoadBalancerProps) { p.OriginHeaderName = "X-Amz-Verify" }, Want: `OriginHeaderName "X-Amz-Verify" is not an origin header name`},
		{Name: "a log prefix with a leading slash", Mutate: func(p *LoadBalancerProps) { p.AccessLogPrefix = "/alb" }, Want: `AccessLogPrefix "/alb"`},
		{Name: "a log prefix holding AWSLogs", Mutate: func(p *LoadBalancerProps) { p.AccessLogPrefix = "AWSLogs" }, Want: `without "AWSLogs"`},
		{Name: "a negative log retention", Mutate: func(p *LoadBalancerProps) { p.AccessLogExpirationDays = -1 }, Want: "AccessLogExpirationDays -1 must be at least 1"},
		{Name: "an idle timeout over 4000 s", Mutate: func(p *LoadBalancerProps) { p.IdleTimeout = awscdk.Duration_Hours(jsii.Number(2)) }, Want: "IdleTimeout 7200 s"},
		{Name: "no targets", Mutate: func(p *LoadBalancerProps) { p.Targets = nil }, Want: "Targets is empty"},
		{Name: "a health-check host without a certificate", Mutate: func(p *LoadBalancerProps) { p.HealthCheckHost = "health.example.com" }, Want: `HealthCheckHost "health.example.com" is not one of CertificateNames`},
		{Name: "a target on the health-check rule's priority", Mutate: func(p *LoadBalancerProps) {
			p.HealthCheckHost, p.Targets[0].Priority = p.CertificateNames[0], 1
		}, Want: "Targets[0].Priority 1 is reserved for the health-check rule"},
		{Name: "a bad target name", Mutate: func(p *LoadBalancerProps) { p.Targets[0].Name = "Product" }, Want: `Targets[0].Name "Product" must be a lowercase letter`},
		{Name: "duplicate target names", Mutate: func(p *LoadBalancerProps) { p.Targets[1].Name = "product" }, Want: `Targets[1].Name "product" is already Targets[0].Name`},
		{Name: "a target name with two hyphens in a row", Mutate: func(p *LoadBalancerProps) {
			p.Targets[0].Name, p.Targets[1].Name = "user-api", "user--api"
		}, Want: `Targets[1].Name "user--api" must be a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30}), not ending with a hyphen`},
		{Name: "a port of zero", Mutate: func(p *LoadBalancerProps) { p.Targets[0].Port = 0 }, Want: "Targets[0].Port 0 is outside 1-65535"},
		{Name: "a port above 65535", Mutate: func(p *LoadBalancerProps) { p.Targets[1].Port = 70000 }, Want: "Targets[1].Port 70000 is outside 1-65535"},
		{Name: "a path pattern without a leading slash", Mutate: func(p *LoadBalancerProps) { p.Targets[0].PathPattern = "api/product/*" }, Want: `Targets[0].PathPattern "api/product/*" is not an ALB path pattern (allowed: starting with "/"`},
		{Name: "a path pattern with a space", Mutate: func(p *LoadBalancerProps) { p.Targets[0].PathPattern = "/api/my product/*" }, Want: "Targets[0].PathPattern"},
		{Name: "duplicate path patterns", Mutate: func(p *LoadBalancerProps) { p.Targets[1].PathPattern = "/api/product/*" }, Want: `Targets[1].PathPattern "/api/product/*" is already Targets[0].PathPattern`},
		{Name: "a relative health check path", Mutate: func(p *LoadBalancerProps) { p.Targets[0].HealthCheckPath = "health" }, Want: `Targets[0].HealthCheckPath "health"`},
		{Name: "a health check path with non-ASCII characters", Mutate: func(p *LoadBalancerProps) { p.Targets[0].HealthCheckPath = "/santé" }, Want: `Targets[0].HealthCheckPath "/santé" is not a health-check path (allowed: starting with "/", at most 1024 printable ASCII`},
		{Name: "a health check path with a wildcard", Mutate: func(p *LoadBalancerProps) { p.Targets[0].HealthCheckPath = "/health/*" }, Want: `Targets[0].HealthCheckPath "/health/*" is not a health-check path`},
		{Name: "a priority out of range", Mutate: func(p *LoadBalancerProps) { p.Targets[0].Priority = 50001 }, Want: "Targets[0].Priority 50001 is outside 1-50000"},
		{Name: "a priority equal to a default one", Mutate: func(p *LoadBalancerProps) { p.Targets[0].Priority = 20 }, Want: "Targets[1].Priority 20 is already Targets[0].Priority"},
	}
	cdktest.Rejects(t, func() LoadBalancerProps {
		p := lbProps(s)
		p.Targets = append([]Target(nil), p.Targets...)
		return p
	}, func(p LoadBalancerProps) error {
		var err error
		cdktest.NoPanic(t, func() { err = p.withDefaults().validate(region) })
		if err != nil {
			assert.NotContains(t, err.Error(), "s3cr3t", "the error repeats the secret")
		}
		return err
	}, lbCases)

	secretCases := []cdktest.Invalid[OriginSecretProps]{
		{Name: "an empty secret name", Mutate: func(p *OriginSecretProps) { p.Name = "" }, Want: `Name "" must be 1-512 characters`},
		{Name: "a secret name with a space", Mutate: func(p *OriginSecretProps) { p.Name = "stratus/prod origin" }, Want: `Name "stratus/prod origin" must be 1-512 characters`},
		{Name: "a replica in the stack's own region", Mutate: func(p *OriginSecretProps) { p.ReplicaRegions = []Replica{{Region: region}} }, Want: `ReplicaRegions[0].Region "us-east-1" is the stack's own region`},
		{Name: "a malformed replica region", Mutate: func(p *OriginSecretProps) { p.ReplicaRegions = []Replica{{Region: "Ireland"}} }, Want: `ReplicaRegions[0].Region "Ireland" is not a region name`},
		{Name: "a rotation period over a year", Mutate: func(p *OriginSecretProps) { p.RotationDays = 400 }, Want: "RotationDays 400 must be 0 (no rotation) or 1-365"},
		{Name: "a negative rotation period", Mutate: func(p *OriginSecretProps) { p.RotationDays = -1 }, Want: "RotationDays -1 must be 0"},
		{Name: "a replica region listed twice", Mutate: func(p *OriginSecretProps) {
			p.ReplicaRegions = []Replica{{Region: "eu-west-1"}, {Region: "eu-west-1"}}
		}, Want: `ReplicaRegions[1].Region "eu-west-1" is listed twice`},
		{Name: "a replica key in another region", Mutate: func(p *OriginSecretProps) {
			key := kms.Key_FromKeyArn(cdktest.NewStack(cdktest.NewApp(t), "Keys", region), jsii.String("Key"),
				jsii.String("arn:aws:kms:us-west-2:111111111111:alias/stratus"))
			p.ReplicaRegions = []Replica{{Region: "eu-west-1", Key: key}}
		}, Want: `ReplicaRegions[0].Key arn:aws:kms:us-west-2:111111111111:alias/stratus is in us-west-2, not in the replica's region "eu-west-1"`},
	}
	cdktest.Rejects(t, secretProps, func(p OriginSecretProps) error { return p.validate(region) }, secretCases)

	t.Run("the constructors return every problem instead of panicking", func(t *testing.T) {
		s := newScene(t.TempDir(), false) // region-agnostic: access logs cannot be set up
		p := lbProps(s)
		p.Targets = nil
		var lbErr, secretErr error
		cdktest.NoPanic(t, func() {
			_, lbErr = NewLoadBalancer(s.stack, "Ingress", p)
			_, secretErr = NewOriginSecret(s.stack, "OriginSecret", OriginSecretProps{Name: "a b", ReplicaRegions: []Replica{{Region: "x"}}})
		})
		assert.ErrorContains(t, lbErr, "no explicit region", "NewLoadBalancer")
		assert.ErrorContains(t, lbErr, "Targets is empty", "NewLoadBalancer")
		assert.ErrorContains(t, secretErr, `Name "a b"`, "NewOriginSecret")
		assert.ErrorContains(t, secretErr, `Region "x"`, "NewOriginSecret")
	})
}

// Both cdk-nag packs and CDK itself must have nothing to say about either stack.
func TestNagAndAnnotationsAreClean(t *testing.T) {
	for _, f := range []*fixture{defaults(t), custom(t)} {
		cdktest.NoAnnotations(t, f.stack)
		cdktest.NoFindings(t, gates.Nag, f.dir)
	}
}

func TestCfnLintIsClean(t *testing.T) {
	cdktest.RequireTool(t, "cfn-lint", "pip install cfn-lint, as the README says")
	defaults(t)
	custom(t)
	cdktest.NoFindings(t, gates.CfnLint, root)
}

func TestOriginSecretRotatesOnlyWhenAsked(t *testing.T) {
	d, c := defaults(t), custom(t)
	assert.Nil(t, d.secret.Rotation)
	assert.Contains(t, d.raw, "AwsSolutions-SMG4", "an unrotated secret keeps its reasoned suppression")
	assert.NotContains(t, d.raw, "AWS::SecretsManager::RotationSchedule")

	require.NotNil(t, c.secret.Rotation)
	assert.NotContains(t, c.raw, "AwsSolutions-SMG4", "a rotated secret needs no suppression")
	cdktest.NoPanic(t, func() {
		c.tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(7 days)"}, "RotateImmediatelyOnUpdate": false,
		})
		c.tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
			"Handler": "origin.handler",
			"Environment": map[string]any{"Variables": map[string]any{
				"REGIONS": "us-east-1,eu-west-1,us-west-2", "HEADER_NAME": "X-Stratus-Origin", "TAG_VALUE": secretID,
				"TAG_KEY": "stratus:origin-secret", "CHECKED_BY": "alb",
			}},
		})
	})
}
