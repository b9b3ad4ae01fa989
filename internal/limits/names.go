package limits

import (
	"regexp"
	"slices"
	"strings"
)

// Names and paths that config accepts and the constructs build: one predicate each, so a value
// config lets through never fails at synth.
var (
	serviceNameRE      = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	pathPatternRE      = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$`) // ALB path-pattern condition
	healthCheckPathRE  = regexp.MustCompile(`^/[\x21-\x29\x2b-\x7e]*$`)             // printable ASCII, no space or "*"
	secretNameRE       = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	ruleNameRE         = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`) // a rule inside a WAF rule group
	regionNameRE       = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	dnsLabelRE         = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	originHeaderNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,39}$`) // an ALB http-header condition allows 40
	// cloudFrontReservedHeaders cannot be custom origin headers (nor can X-Amz-* and X-Edge-*).
	cloudFrontReservedHeaders = []string{
		"cache-control", "connection", "content-length", "cookie", "host", "if-match", "if-modified-since",
		"if-none-match", "if-range", "if-unmodified-since", "max-forwards", "pragma", "proxy-authorization",
		"proxy-connection", "range", "request-range", "te", "trailer", "transfer-encoding", "upgrade", "via", "x-real-ip",
	}
)

// Rules describing the predicates, for messages and docs.
const (
	ServiceNameRule      = "a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30}), not ending with a hyphen or holding two in a row (ECR, RDS and ElastiCache names refuse those)"
	PathPatternRule      = `starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and at most 5 of the wildcards * ? (an ALB rule's quota)`
	HealthCheckPathRule  = `starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health"`
	SecretNameRule       = "1-512 characters of letters, digits and / _ + = . @ -"
	RuleNameRule         = "1-128 characters of letters, digits, _ and -"
	DNSNameRule          = "lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot"
	DomainNameRule       = "at least two " + DNSNameRule + "; the last label starts with a letter and has at least 2 characters"
	OriginHeaderNameRule = "1-40 letters, digits and dashes starting with a letter or digit, not a header CloudFront reserves (e.g. Host, X-Amz-*, X-Edge-*)"
	// DefaultHealthCheckPath is what a service answers health checks on unless configured.
	DefaultHealthCheckPath = "/health"
)

func ValidServiceName(s string) bool { return serviceNameRE.MatchString(s) && HyphensFit(s) }

// HyphensFit reports whether name neither ends with a hyphen nor holds two in a row, which ECR
// repository, RDS and ElastiCache identifiers built from it refuse.
func HyphensFit(name string) bool {
	return !strings.HasSuffix(name, "-") && !strings.Contains(name, "--")
}

// ReservedRoleNames are role names PostgreSQL refuses (none, public) or RDS holds for itself
// (rdsadmin, rdsrepladmin, rdstopmgr): a service whose database users are created connects as a
// role of its own name, and granting rds_iam to RDS's own would lock its administration out.
var ReservedRoleNames = []string{"none", "public", "rdsadmin", "rdsrepladmin", "rdstopmgr"}

// MaxRuleWildcards is how many wildcards (* and ?) an ALB rule's conditions take in all, a quota
// AWS does not raise.
const MaxRuleWildcards = 5

// MaxGlobalDatastoreRegions is how many regions an ElastiCache Global Datastore spans: its
// primary's and at most two secondaries'.
const MaxGlobalDatastoreRegions = 3

// MaxUserTags is how many tags of its own a configuration may set: Route 53 health checks take
// 10 tags, and Stratus adds project, environment and Name.
const MaxUserTags = 7

func ValidPathPattern(s string) bool {
	return pathPatternRE.MatchString(s) && strings.Count(s, "*")+strings.Count(s, "?") <= MaxRuleWildcards
}
func ValidSecretName(s string) bool { return secretNameRE.MatchString(s) }
func ValidRuleName(s string) bool   { return ruleNameRE.MatchString(s) }
func ValidRegionName(s string) bool { return regionNameRE.MatchString(s) } // the shape only, e.g. "eu-west-1"

func ValidHealthCheckPath(s string) bool {
	return len(s) <= MaxTargetHealthCheckPathLength && healthCheckPathRE.MatchString(s)
}

// ValidDNSName reports whether s is a lowercase DNS name of at least minLabels labels.
func ValidDNSName(s string, minLabels int) bool {
	labels := strings.Split(s, ".")
	if len(s) > MaxDNSNameLength || len(labels) < minLabels {
		return false
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// ValidDomainName reports whether s is a public name Route 53, ACM and CloudFront accept: a
// DNS name of two labels or more whose last starts with a letter and has 2 characters or more.
func ValidDomainName(s string) bool {
	tld := s[strings.LastIndex(s, ".")+1:]
	return ValidDNSName(s, 2) && len(tld) >= 2 && tld[0] >= 'a' && tld[0] <= 'z'
}

// ValidOriginHeaderName reports whether name can be the origin-verify header, which CloudFront
// adds to origin requests and the ALB rules match.
func ValidOriginHeaderName(name string) bool {
	lower := strings.ToLower(name)
	return originHeaderNameRE.MatchString(name) && !slices.Contains(cloudFrontReservedHeaders, lower) &&
		!strings.HasPrefix(lower, "x-amz-") && !strings.HasPrefix(lower, "x-edge-")
}

// MaxDNSNameLength is the longest DNS name, dots included, without the trailing dot.
const MaxDNSNameLength = 253

// MaxEnvironmentBytes bounds a service's environment variables, names and values together: they
// are written into its task definition, which ECS refuses over 64 KiB; Stratus's own container
// and sidecar definitions take under 10 KiB of it (4.5 KB as synthesized with every sidecar).
const MaxEnvironmentBytes = 32 * 1024
