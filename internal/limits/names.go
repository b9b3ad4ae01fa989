package limits

import (
	"regexp"
	"strings"
)

// Names and paths that config accepts and the constructs then build: one predicate each, so a
// value config lets through never fails at synth.

var (
	serviceNameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,30}$`)
	// ALB path-pattern conditions: this character set, at most 128 characters.
	pathPatternRE = regexp.MustCompile(`^/[A-Za-z0-9_\-.$/~"'@:+&*?]{0,127}$`)
	// Target-group health-check paths: printable ASCII without spaces or "*" (not a pattern).
	healthCheckPathRE = regexp.MustCompile(`^/[\x21-\x29\x2b-\x7e]*$`)
	secretNameRE      = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	dnsLabelRE        = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Rules describing the predicates below, for messages and docs.
const (
	ServiceNameRule     = "a lowercase letter then up to 30 lowercase letters, digits or hyphens ([a-z][a-z0-9-]{0,30})"
	PathPatternRule     = `starting with "/", at most 128 characters of letters, digits, _ - . $ / ~ " ' @ : + & and the wildcards * ?`
	HealthCheckPathRule = `starting with "/", at most 1024 printable ASCII characters, no spaces or "*"; e.g. "/health"`
	SecretNameRule      = "1-512 characters of letters, digits and / _ + = . @ -"
	DNSNameRule         = "lowercase labels of a-z, 0-9 and -, each 1-63 characters, not starting or ending with -, joined by dots, at most 253 characters, no trailing dot"
	DomainNameRule      = "at least two " + DNSNameRule + "; the last label starts with a letter and has at least 2 characters"
)

// ValidServiceName reports whether s is a service name: it names stacks, log groups, security
// groups and a database, so it stays short and lowercase.
func ValidServiceName(s string) bool { return serviceNameRE.MatchString(s) }

// ValidPathPattern reports whether s is an ALB path-pattern condition value.
func ValidPathPattern(s string) bool { return pathPatternRE.MatchString(s) }

// ValidHealthCheckPath reports whether s is a path an ALB target group health check accepts.
func ValidHealthCheckPath(s string) bool {
	return len(s) <= MaxTargetHealthCheckPathLength && healthCheckPathRE.MatchString(s)
}

// ValidSecretName reports whether s is a Secrets Manager secret name.
func ValidSecretName(s string) bool { return secretNameRE.MatchString(s) }

// ValidDNSName reports whether s is a lowercase DNS name of at least minLabels labels.
func ValidDNSName(s string, minLabels int) bool {
	labels := strings.Split(s, ".")
	if len(s) > 253 || len(labels) < minLabels {
		return false
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// ValidDomainName reports whether s is a public host or domain name: at least two labels, the
// last (the top-level domain) starting with a letter and at least 2 characters long, as
// Route 53, ACM and CloudFront require.
func ValidDomainName(s string) bool {
	if !ValidDNSName(s, 2) {
		return false
	}
	tld := s[strings.LastIndex(s, ".")+1:]
	return len(tld) >= 2 && tld[0] >= 'a' && tld[0] <= 'z'
}
