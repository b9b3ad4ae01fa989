package edge

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

const (
	testAccount = "111111111111"
	testZoneID  = "Z0123456789ABCDEFGHIJ"
	testSecret  = "{{resolve:secretsmanager:stratus/test/origin-verify:SecretString:::}}"
)

// cdkContext is cdk.json's context: the feature flags `cdk synth` sees.
var cdkContext = cdktest.Context()

// validProps are the required props only; zone must come from the stack the edge goes in.
func validProps(zone r53.IHostedZone) EdgeProps {
	return EdgeProps{
		HostedZone:        zone,
		ViewerNames:       []string{"example.com", "www.example.com"},
		ApiOriginName:     "origin.example.com",
		OriginHeaderName:  "X-Origin-Verify",
		OriginHeaderValue: jsii.String(testSecret),
	}
}

func importZone(stack awscdk.Stack) r53.IHostedZone {
	return r53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &r53.HostedZoneAttributes{
		HostedZoneId: jsii.String(testZoneID), ZoneName: jsii.String("example.com"),
	})
}

// optionProps turns every optional prop away from its default.
func optionProps(zone r53.IHostedZone) EdgeProps {
	p := validProps(zone)
	p.ApiPathPattern = "/v1/*"
	p.RateLimit = 500
	p.ExtraManagedRuleGroups = []string{"AWSManagedRulesAnonymousIpList", "AWSManagedRulesBotControlRuleSet"}
	p.CountOverrides = []RuleOverride{
		{Group: CommonGroup, Rule: "SizeRestrictions_BODY"},
		{Group: CommonGroup, Rule: "NoUserAgent_HEADER"},
		{Group: "AWSManagedRulesAnonymousIpList", Rule: "HostingProviderIPList"},
	}
	p.GeoMatch = GeoMatch{Mode: GeoAllow, Countries: []string{"US", "CA"}}
	p.GeoRestriction = GeoMatch{Mode: GeoAllow, Countries: []string{"US", "CA", "GB"}}
	p.PriceClass = "PriceClass_All"
	p.ShieldAdvanced = true
	p.ShieldResourceArns = []string{
		"arn:aws:route53:::hostedzone/" + testZoneID,
		"arn:aws:ec2:us-east-1:111111111111:eip-allocation/eipalloc-0123456789abcdef0",
	}
	p.FrontendSource = "testdata/site" // relative: resolved from the working directory
	p.LogRetentionDays = 90
	p.WafLogGroupName = "aws-waf-logs-stratus-test"
	p.ContentSecurityPolicy = "default-src 'self'"
	return p
}

// synthesized is one app holding a stack per prop set, synthesized once for the whole package
// with both cdk-nag packs applied.
type synthesized struct {
	dir    string
	stacks map[string]awscdk.Stack
	edges  map[string]*Edge
}

var fixture cdktest.Once[*synthesized]

// The stacks of the shared app.
const (
	defaultsStack = "Defaults" // required props only
	optionsStack  = "Options"  // every option changed (geo allow, Shield, upload…)
	geoBlockStack = "GeoBlock" // geo block lists
	regionalStack = "Regional" // eu-west-1: NewShieldProtection for an ALB
	apiOnlyStack  = "ApiOnly"  // WithoutFrontend: the API origin is the default behavior; WAF geo block only
)

const testAlbArn = "arn:aws:elasticloadbalancing:eu-west-1:111111111111:loadbalancer/app/stratus-prod/0123456789abcdef"

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { fixture.Main(m) }

func shared(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "edge-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stacks: map[string]awscdk.Stack{}, edges: map[string]*Edge{}}
		for name, props := range map[string]func(r53.IHostedZone) EdgeProps{
			defaultsStack: validProps,
			optionsStack:  optionProps,
			geoBlockStack: func(z r53.IHostedZone) EdgeProps {
				p := validProps(z)
				p.GeoMatch = GeoMatch{Mode: GeoBlock, Countries: []string{"KP", "IR"}}
				p.GeoRestriction = GeoMatch{Mode: GeoBlock, Countries: []string{"RU"}}
				return p
			},
			apiOnlyStack: func(z r53.IHostedZone) EdgeProps {
				p := validProps(z)
				p.WithoutFrontend = true
				p.GeoMatch = GeoMatch{Mode: GeoBlock, Countries: []string{"KP"}} // the web ACL's rule alone
				return p
			},
		} {
			stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String(testAccount), Region: jsii.String("us-east-1")},
			})
			e, err := NewEdge(stack, "Edge", props(importZone(stack)))
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			s.stacks[name], s.edges[name] = stack, e
		}
		regional := awscdk.NewStack(app, jsii.String(regionalStack), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String(testAccount), Region: jsii.String("eu-west-1")},
		})
		if _, err := NewShieldProtection(regional, "AlbProtection", ShieldProtectionProps{
			Name: "stratus-prod-alb-eu-west-1", ResourceArn: jsii.String(testAlbArn),
		}); err != nil {
			return nil, err
		}
		s.stacks[regionalStack] = regional
		return s, nil
	})
}
