// Package edge provides Edge, the global front door of Stratus for the us-east-1 Edge stack: a
// CLOUDFRONT-scope WAF web ACL with logging, the viewer certificate, the CloudFront distribution
// (API origin `origin.<domain>` for /api/*, private S3 frontend through Origin Access Control as
// the default, or, API-only, the API origin for every path), its log bucket, optional Shield
// Advanced protections and an optional upload of a built frontend.
//
// The single-page app's routes reach /index.html through a CloudFront Function on the default
// (frontend) behavior only, which rewrites paths without a file extension at viewer request. There
// are no distribution-wide custom error responses: they would also turn the API's 403/404 (and
// CloudFront's own geo-restriction 403) into 200 with the frontend's HTML. A missing file with an
// extension gets S3's 403 as is (the distribution may read objects, not list the bucket).
package edge

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// Geo modes of GeoMatch (the WAF rule) and of GeoRestriction (CloudFront's own restriction).
const (
	// GeoNone applies no geographic rule.
	GeoNone = "none"
	// GeoBlock blocks requests from the listed countries.
	GeoBlock = "block"
	// GeoAllow blocks requests from every country except the listed ones.
	GeoAllow = "allow"
)

// DefaultManagedRuleGroups are the AWS managed rule groups every web ACL gets, in rule order
// after the rate and geo rules (limits.DefaultManagedRuleGroups).
var DefaultManagedRuleGroups = limits.DefaultManagedRuleGroups

// The always-on groups by name, in DefaultManagedRuleGroups order.
var (
	IPReputationGroup   = DefaultManagedRuleGroups[0]
	CommonGroup         = DefaultManagedRuleGroups[1]
	KnownBadInputsGroup = DefaultManagedRuleGroups[2]
	SQLiGroup           = DefaultManagedRuleGroups[3]
)

// ExtraManagedRuleGroupNames are the AWS managed rule groups ExtraManagedRuleGroups may add: the
// ones that need no group-specific configuration (Bot Control gets inspection level COMMON).
var ExtraManagedRuleGroupNames = limits.ExtraManagedRuleGroups

// PriceClasses are the CloudFront price classes PriceClass accepts.
var PriceClasses = limits.PriceClasses

// GeoMatch is a list of countries and what to do with them.
type GeoMatch struct {
	// Mode is GeoNone, GeoBlock (block the listed countries) or GeoAllow (block all others).
	// Default: GeoNone.
	Mode string
	// Countries are ISO 3166-1 alpha-2 codes, e.g. "US"; required unless Mode is GeoNone.
	Countries []string
}

// RuleOverride puts one rule of one enabled managed rule group in COUNT mode.
type RuleOverride struct {
	// Group is the managed rule group's name, e.g. "AWSManagedRulesCommonRuleSet".
	Group string
	// Rule is the rule's name inside the group, e.g. "SizeRestrictions_BODY".
	Rule string
}

// EdgeProps configures an Edge.
type EdgeProps struct {
	// HostedZone is the public zone of the domain, imported by id and name; the certificate is
	// DNS-validated in it and every viewer name must be inside it.
	HostedZone r53.IHostedZone
	// ViewerNames are the names viewers use, e.g. ["example.com", "www.example.com"]: the
	// certificate's names (the first is its subject) and the distribution's aliases. 1 to 10.
	ViewerNames []string
	// ApiOriginName is the API origin's DNS name, "origin.<domain>", which the regional Route 53
	// latency or failover records resolve to a healthy regional ALB. No value crosses regions.
	ApiOriginName string
	// OriginHeaderName is the header CloudFront adds to every API origin request, e.g.
	// "X-Origin-Verify"; the ALBs answer 403 without it.
	OriginHeaderName string
	// OriginHeaderValue is the header's value: a token or a
	// `{{resolve:secretsmanager:<name>:SecretString:::}}` dynamic reference (by name, so it
	// resolves to the us-east-1 replica). Never a literal. When the secret rotates
	// (constructs/rotation), its function rewrites the header on the live distribution, which it
	// finds by tag (ingress.Tag); a later deploy resolves the then-current value again.
	OriginHeaderValue *string

	// ApiPathPattern is the path pattern routed to the API origin.
	// Default: "/api/*".
	ApiPathPattern string
	// RateLimit is the most requests one client IP may make in 5 minutes before it is blocked
	// (429); limits.MinWAFRateLimit (10) to limits.MaxWAFRateLimit (2,000,000,000).
	// Default: 2000.
	RateLimit int
	// ExtraManagedRuleGroups adds AWS managed rule groups (from ExtraManagedRuleGroupNames) after
	// the four always-on ones, in the order given. More than 1,500 WCU in total costs extra.
	// Default: none.
	ExtraManagedRuleGroups []string
	// CountOverrides puts single rules of enabled managed groups in COUNT mode (e.g. a rule that
	// blocks legitimate uploads while it is being tuned).
	// Default: none.
	CountOverrides []RuleOverride
	// GeoMatch is the WAF geo rule: block the listed countries, or block all others.
	// Default: GeoMatch{Mode: GeoNone}.
	GeoMatch GeoMatch
	// PriceClass is the distribution's price class, one of PriceClasses.
	// Default: "PriceClass_100".
	PriceClass string
	// GeoRestriction is CloudFront's own restriction: GeoAllow is an allowlist, GeoBlock a
	// denylist. CloudFront answers 403 to the others, on every behavior.
	// Default: GeoMatch{Mode: GeoNone}.
	GeoRestriction GeoMatch
	// ShieldAdvanced creates an AWS::Shield::Protection for the distribution (and one per
	// ShieldResourceArns entry). Needs an active Shield Advanced subscription, which costs
	// USD 3,000 a month per organization.
	// Default: false.
	ShieldAdvanced bool
	// ShieldResourceArns are further resources to protect from this stack, e.g. the hosted zone
	// ("arn:aws:route53:::hostedzone/<id>"; a zone shared by several environments must be
	// protected by one of them only), Elastic IPs or Global Accelerators. ALBs are protected from
	// their own regional stack with NewShieldProtection: their ARNs end in a random id.
	// Default: none.
	ShieldResourceArns []string
	// WithoutFrontend builds an API-only edge: no frontend bucket, its key or the single-page
	// app's rewrite function, and the API origin as the default behavior (every path, every
	// method, nothing cached), so ApiPathPattern routes nothing of its own.
	// Default: false (the frontend bucket is the default origin, the API origin serves
	// ApiPathPattern).
	WithoutFrontend bool
	// FrontendSource is a local folder (relative to the working directory, or absolute)
	// holding a built frontend (with index.html) that an
	// s3deployment.BucketDeployment uploads to the frontend bucket at deploy time, pruning old
	// files and invalidating the distribution.
	// Default: "" (nothing uploaded; the pipeline publishes the frontend).
	FrontendSource string
	// LogRetentionDays is how long WAF logs (and the upload's Lambda logs) are kept in CloudWatch
	// Logs and how long CloudFront and S3 access logs are kept in the log bucket. One of the
	// periods CloudWatch Logs accepts.
	// Default: 365.
	LogRetentionDays int
	// WafLogGroupName names the WAF log group; WAF requires the "aws-waf-logs-" prefix.
	// Default: "aws-waf-logs-" followed by a name unique to this construct's path and, as the
	// group is retained, the stack's own id (retention.Rebuildable).
	WafLogGroupName string
	// ContentSecurityPolicy, when set, is sent as the Content-Security-Policy header on every
	// response.
	// Default: "" (no CSP: it depends on the frontend).
	ContentSecurityPolicy string
}

var (
	pathPattern   = regexp.MustCompile(`^/[A-Za-z0-9_\-.*$/~"'@:+&?=]{1,254}$`)
	logGroupName  = regexp.MustCompile(`^aws-waf-logs-[A-Za-z0-9_./#-]{1,499}$`)
	arnPattern    = regexp.MustCompile(`^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$`)
	secretRefHead = "{{resolve:secretsmanager:"
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p EdgeProps) withDefaults() EdgeProps {
	if p.ApiPathPattern == "" {
		p.ApiPathPattern = limits.EdgeApiPathPattern
	}
	if p.RateLimit == 0 {
		p.RateLimit = limits.DefaultWAFRateLimit
	}
	if p.GeoMatch.Mode == "" {
		p.GeoMatch.Mode = GeoNone
	}
	if p.GeoRestriction.Mode == "" {
		p.GeoRestriction.Mode = GeoNone
	}
	if p.PriceClass == "" {
		p.PriceClass = limits.DefaultPriceClass
	}
	if p.LogRetentionDays == 0 {
		p.LogRetentionDays = limits.DefaultLogRetentionDays
	}
	return p
}

// validate reports every problem of the (defaulted) props together. WafLogGroupName is checked
// only when set: its default is built from the construct path in NewEdge.
func (p EdgeProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	zone := ""
	if p.HostedZone == nil {
		add("HostedZone is required")
	} else if name := p.HostedZone.ZoneName(); name != nil && !unresolved(name) {
		zone = strings.TrimSuffix(strings.ToLower(*name), ".")
	}

	if n := len(p.ViewerNames); n < limits.MinViewerNames || n > limits.MaxViewerNames {
		add("ViewerNames has %d entries; %d to %d are allowed (ACM's default quota of names per certificate)", n, limits.MinViewerNames, limits.MaxViewerNames)
	}
	seen := map[string]bool{}
	for i, name := range p.ViewerNames {
		switch {
		case !limits.ValidDomainName(name):
			add("ViewerNames[%d] %q is not a lowercase DNS name such as \"www.example.com\"", i, name)
		case zone != "" && !inZone(name, zone):
			add("ViewerNames[%d] %q is not in the hosted zone %q", i, name, zone)
		case seen[name]:
			add("ViewerNames[%d] %q is listed twice", i, name)
		}
		seen[name] = true
	}
	switch {
	case !limits.ValidDomainName(p.ApiOriginName):
		add("ApiOriginName %q is not a lowercase DNS name such as \"origin.example.com\"", p.ApiOriginName)
	case seen[p.ApiOriginName]:
		add("ApiOriginName %q is also a viewer name: CloudFront would send API requests to itself", p.ApiOriginName)
	}

	if !limits.ValidOriginHeaderName(p.OriginHeaderName) {
		add("OriginHeaderName %q is not an origin header name (allowed: %s)", p.OriginHeaderName, limits.OriginHeaderNameRule)
	}
	switch v := p.OriginHeaderValue; {
	case v == nil || *v == "":
		add("OriginHeaderValue is required: a {{resolve:secretsmanager:<name>:SecretString:::}} reference")
	case unresolved(v):
	case !strings.HasPrefix(*v, secretRefHead) || !strings.HasSuffix(*v, "}}"):
		add("OriginHeaderValue must be a token or a {{resolve:secretsmanager:<name>:SecretString:::}} reference, never a literal value")
	}

	switch {
	case !pathPattern.MatchString(p.ApiPathPattern):
		add("ApiPathPattern %q is not a CloudFront path pattern starting with \"/\"", p.ApiPathPattern)
	case p.ApiPathPattern == "/*":
		add("ApiPathPattern %q would replace the default (frontend) behavior; WithoutFrontend sends every path to the API origin", p.ApiPathPattern)
	}
	if p.RateLimit < limits.MinWAFRateLimit || p.RateLimit > limits.MaxWAFRateLimit {
		add("RateLimit %d is outside %d-%d requests per 5 minutes", p.RateLimit, limits.MinWAFRateLimit, limits.MaxWAFRateLimit)
	}

	groups := slices.Clone(DefaultManagedRuleGroups)
	for i, g := range p.ExtraManagedRuleGroups {
		switch {
		case slices.Contains(DefaultManagedRuleGroups, g):
			add("ExtraManagedRuleGroups[%d] %q is always on already", i, g)
		case !slices.Contains(ExtraManagedRuleGroupNames, g):
			add("ExtraManagedRuleGroups[%d] %q is not one of %s", i, g, strings.Join(ExtraManagedRuleGroupNames, ", "))
		case slices.Contains(groups, g):
			add("ExtraManagedRuleGroups[%d] %q is listed twice", i, g)
		}
		groups = append(groups, g)
	}
	seenOverride := map[RuleOverride]bool{}
	for i, o := range p.CountOverrides {
		if !slices.Contains(groups, o.Group) {
			add("CountOverrides[%d].Group %q is not an enabled managed rule group (%s)", i, o.Group, strings.Join(groups, ", "))
		}
		if !limits.ValidRuleName(o.Rule) {
			add("CountOverrides[%d].Rule %q is not a rule name (letters, digits, _ and -)", i, o.Rule)
		}
		if seenOverride[o] {
			add("CountOverrides[%d] %s/%s is listed twice", i, o.Group, o.Rule)
		}
		seenOverride[o] = true
	}

	validateGeo(add, "GeoMatch", p.GeoMatch)
	validateGeo(add, "GeoRestriction", p.GeoRestriction)
	if !slices.Contains(PriceClasses, p.PriceClass) {
		add("PriceClass %q is not one of %s", p.PriceClass, strings.Join(PriceClasses, ", "))
	}

	if len(p.ShieldResourceArns) > 0 && !p.ShieldAdvanced {
		add("ShieldResourceArns is set but ShieldAdvanced is false")
	}
	seenArn := map[string]bool{}
	for i, arn := range p.ShieldResourceArns {
		switch {
		case !arnPattern.MatchString(arn):
			add("ShieldResourceArns[%d] %q is not an ARN", i, arn)
		case strings.Contains(arn, ":cloudfront::"):
			add("ShieldResourceArns[%d] %q is a CloudFront distribution: ShieldAdvanced protects this one already", i, arn)
		case seenArn[arn]:
			add("ShieldResourceArns[%d] %q is listed twice", i, arn)
		}
		seenArn[arn] = true
	}

	switch {
	case p.FrontendSource != "" && p.WithoutFrontend:
		add("FrontendSource %q has nowhere to go: WithoutFrontend builds no frontend bucket", p.FrontendSource)
	case p.FrontendSource != "":
		if info, err := os.Stat(p.FrontendSource); err != nil || !info.IsDir() {
			add("FrontendSource %q is not a folder", p.FrontendSource)
		} else if _, err := os.Stat(filepath.Join(p.FrontendSource, "index.html")); err != nil {
			add("FrontendSource %q has no index.html (the default root object)", p.FrontendSource)
		}
	}
	if _, err := retention.FromDays(p.LogRetentionDays); err != nil {
		add("LogRetentionDays: %v", err)
	}
	if p.WafLogGroupName != "" && !logGroupName.MatchString(p.WafLogGroupName) {
		add("WafLogGroupName %q must start with \"aws-waf-logs-\" and use only letters, digits and _ . / # -", p.WafLogGroupName)
	}
	if strings.ContainsAny(p.ContentSecurityPolicy, "\r\n\"") {
		add("ContentSecurityPolicy must be one line without double quotes")
	}
	return errors.Join(errs...)
}

func validateGeo(add func(string, ...any), key string, g GeoMatch) {
	switch g.Mode {
	case GeoNone:
		if len(g.Countries) > 0 {
			add("%s.Countries is set but %s.Mode is %q", key, key, GeoNone)
		}
		return
	case GeoBlock, GeoAllow:
		if len(g.Countries) == 0 {
			add("%s.Countries is empty; mode %q needs at least one country", key, g.Mode)
		}
	default:
		add("%s.Mode %q is not one of %q, %q, %q", key, g.Mode, GeoNone, GeoBlock, GeoAllow)
	}
	seen := map[string]bool{}
	for i, c := range g.Countries {
		switch {
		case !slices.Contains(limits.CountryCodes, c):
			add("%s.Countries[%d] %q is not an assigned ISO 3166-1 alpha-2 code such as \"US\"", key, i, c)
		case seen[c]:
			add("%s.Countries[%d] %q is listed twice", key, i, c)
		}
		seen[c] = true
	}
}

func inZone(name, zone string) bool { return name == zone || strings.HasSuffix(name, "."+zone) }

// checkRegion rejects a stack outside us-east-1: CloudFront only uses certificates from there
// and CLOUDFRONT-scope web ACLs exist only there.
func checkRegion(stack awscdk.Stack) error {
	region := stack.Region()
	if unresolved(region) || *region != "us-east-1" {
		return fmt.Errorf("the stack's region is %s; Edge must be in a stack with the explicit region us-east-1 "+
			"(CloudFront certificates and CLOUDFRONT-scope web ACLs live there)", describe(region))
	}
	return nil
}

func describe(s *string) string {
	if unresolved(s) {
		return "not set (environment-agnostic)"
	}
	return fmt.Sprintf("%q", *s)
}

func unresolved(s *string) bool { return *awscdk.Token_IsUnresolved(s) }
