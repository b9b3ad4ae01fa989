package edge

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	waf "github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/jsii-runtime-go"
)

// Rule names (and CloudWatch metric names) of the web ACL's own rules.
const (
	RateLimitRule = "RateLimitPerIp"
	GeoBlockRule  = "GeoBlock"
	GeoAllowRule  = "GeoAllowList"
)

// Keys of the web ACL's custom response bodies.
const (
	blockedBody     = "blocked"
	rateLimitedBody = "rate-limited"
)

// WebAclMetricName is the web ACL's CloudWatch metric name: the WebACL dimension of its metrics.
const WebAclMetricName = "EdgeWebAcl"

// RedactedHeaders are the request headers WAF logs never contain.
var RedactedHeaders = []string{"authorization", "cookie"}

// Rule priorities: the cheap rules first (rate, geo), then the managed groups in
// DefaultManagedRuleGroups order, then the extras. Fixed numbers keep a rule's priority stable
// when another rule is switched on or off.
const (
	rateLimitPriority   = 0
	geoPriority         = 1
	managedBasePriority = 10
)

func visibility(metric string) *waf.CfnWebACL_VisibilityConfigProperty {
	return &waf.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		SampledRequestsEnabled:   jsii.Bool(true),
		MetricName:               jsii.String(metric),
	}
}

// block is a Block action answering status with one of the custom response bodies.
func block(status int, body string) *waf.CfnWebACL_RuleActionProperty {
	return &waf.CfnWebACL_RuleActionProperty{Block: &waf.CfnWebACL_BlockActionProperty{
		CustomResponse: &waf.CfnWebACL_CustomResponseProperty{
			ResponseCode: jsii.Number(float64(status)), CustomResponseBodyKey: jsii.String(body),
		},
	}}
}

func (e *Edge) buildWebAcl(p EdgeProps) {
	rules := []any{
		&waf.CfnWebACL_RuleProperty{
			Name:     jsii.String(RateLimitRule),
			Priority: jsii.Number(rateLimitPriority),
			Statement: &waf.CfnWebACL_StatementProperty{RateBasedStatement: &waf.CfnWebACL_RateBasedStatementProperty{
				Limit: jsii.Number(float64(p.RateLimit)), AggregateKeyType: jsii.String("IP"), EvaluationWindowSec: jsii.Number(300),
			}},
			Action:           block(429, rateLimitedBody),
			VisibilityConfig: visibility(RateLimitRule),
		},
	}

	if p.GeoMatch.Mode != GeoNone {
		match := &waf.CfnWebACL_StatementProperty{GeoMatchStatement: &waf.CfnWebACL_GeoMatchStatementProperty{
			CountryCodes: jsii.Strings(p.GeoMatch.Countries...),
		}}
		name, statement := GeoBlockRule, match
		if p.GeoMatch.Mode == GeoAllow {
			name = GeoAllowRule
			statement = &waf.CfnWebACL_StatementProperty{NotStatement: &waf.CfnWebACL_NotStatementProperty{Statement: match}}
		}
		rules = append(rules, &waf.CfnWebACL_RuleProperty{
			Name: jsii.String(name), Priority: jsii.Number(geoPriority), Statement: statement,
			Action: block(403, blockedBody), VisibilityConfig: visibility(name),
		})
	}

	for i, group := range append(append([]string{}, DefaultManagedRuleGroups...), p.ExtraManagedRuleGroups...) {
		rules = append(rules, managedRule(group, managedBasePriority+i, p.CountOverrides))
	}

	e.WebAcl = waf.NewCfnWebACL(e.Construct, jsii.String("WebAcl"), &waf.CfnWebACLProps{
		Scope:            jsii.String("CLOUDFRONT"),
		Description:      jsii.String("Stratus edge: rate limit, geo rule and AWS managed rule groups"),
		DefaultAction:    &waf.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: visibility(WebAclMetricName),
		CustomResponseBodies: map[string]any{
			blockedBody: &waf.CfnWebACL_CustomResponseBodyProperty{
				ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(`{"message":"Request blocked."}`),
			},
			rateLimitedBody: &waf.CfnWebACL_CustomResponseBodyProperty{
				ContentType: jsii.String("APPLICATION_JSON"), Content: jsii.String(`{"message":"Too many requests; retry later."}`),
			},
		},
		Rules: &rules,
	})

	// WAF wants the log group ARN without the ":*" suffix that Fn::GetAtt returns: build it from
	// the name (a Ref, so CloudFormation still creates the group first).
	stack := awscdk.Stack_Of(e.Construct)
	destination := stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: e.WafLogGroup.LogGroupName(),
		ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
	})
	redacted := make([]any, len(RedactedHeaders))
	for i, h := range RedactedHeaders {
		redacted[i] = &waf.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h}}
	}
	waf.NewCfnLoggingConfiguration(e.Construct, jsii.String("WafLogging"), &waf.CfnLoggingConfigurationProps{
		ResourceArn:           e.WebAcl.AttrArn(),
		LogDestinationConfigs: &[]any{destination},
		RedactedFields:        &redacted,
	})
}

func managedRule(group string, priority int, overrides []RuleOverride) *waf.CfnWebACL_RuleProperty {
	statement := &waf.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(group)}
	var counted []any
	for _, o := range overrides {
		if o.Group == group {
			counted = append(counted, &waf.CfnWebACL_RuleActionOverrideProperty{
				Name: jsii.String(o.Rule), ActionToUse: &waf.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
			})
		}
	}
	if len(counted) > 0 {
		statement.RuleActionOverrides = &counted
	}
	if group == "AWSManagedRulesBotControlRuleSet" {
		// COMMON inspects self-identifying bots only; TARGETED costs far more per request.
		statement.ManagedRuleGroupConfigs = &[]any{&waf.CfnWebACL_ManagedRuleGroupConfigProperty{
			AwsManagedRulesBotControlRuleSet: &waf.CfnWebACL_AWSManagedRulesBotControlRuleSetProperty{InspectionLevel: jsii.String("COMMON")},
		}}
	}
	return &waf.CfnWebACL_RuleProperty{
		Name:             jsii.String(group),
		Priority:         jsii.Number(float64(priority)),
		Statement:        &waf.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: statement},
		OverrideAction:   &waf.CfnWebACL_OverrideActionProperty{None: map[string]any{}},
		VisibilityConfig: visibility(strings.TrimPrefix(group, "AWSManagedRules")),
	}
}
