// Package servicetls provides Authority, the per-region TLS issuer of ECS Service Connect in
// Stratus: an AWS Private CA root in short-lived certificate mode (certificates valid at most
// seven days, no revocation needed, $50 a month per CA instead of $400), its self-signed CA
// certificate and activation, the KMS key that encrypts the certificates' private keys, and
// the ECS infrastructure role that issues and rotates them with least privilege.
package servicetls

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/stratus-platform/stratus/internal/limits"
)

// AuthorityProps configures an Authority.
type AuthorityProps struct {
	// CommonName is the CA certificate's subject common name, e.g. "Stratus prod services
	// us-east-1"; 1-64 characters (limits.MaxCaSubjectLength).
	CommonName string
	// Organization is the CA certificate's subject organization.
	// Default: "Stratus".
	Organization string
	// ValidityYears is how long the CA's own certificate is valid (the certificates it issues
	// are short-lived regardless). Replacing the CA before it expires is a planned change.
	// Default: 10.
	ValidityYears int
}

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p AuthorityProps) withDefaults() AuthorityProps {
	if p.Organization == "" {
		p.Organization = "Stratus"
	}
	if p.ValidityYears == 0 {
		p.ValidityYears = 10
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p AuthorityProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if n := utf8.RuneCountInString(p.CommonName); n < 1 || n > limits.MaxCaSubjectLength {
		add("CommonName %q must be 1-%d characters", p.CommonName, limits.MaxCaSubjectLength)
	}
	if n := utf8.RuneCountInString(p.Organization); n > limits.MaxCaSubjectLength {
		add("Organization %q must be at most %d characters", p.Organization, limits.MaxCaSubjectLength)
	}
	if p.ValidityYears < 1 || p.ValidityYears > limits.MaxCaValidityYears {
		add("ValidityYears %d is outside 1-%d", p.ValidityYears, limits.MaxCaValidityYears)
	}
	return errors.Join(errs...)
}
