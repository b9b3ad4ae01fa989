package config

import "github.com/stratus-platform/stratus/internal/limits"

// EdgeRegion is where CloudFront's viewer certificate and CLOUDFRONT-scope WAF web ACLs must
// live: every environment has it among its regions.
const EdgeRegion = limits.EdgeRegion

// RegionFacts are AWS facts Stratus needs per supported region (see limits.RegionFacts).
type RegionFacts = limits.RegionFacts

// LookupRegion returns the facts for a supported region; false when Stratus does not support it.
func LookupRegion(name string) (RegionFacts, bool) { return limits.LookupRegion(name) }

// SupportedRegions returns the names of the supported regions, sorted, for messages and docs.
func SupportedRegions() []string { return limits.Regions() }

// Route53HealthCheckerRegions and Route53HealthCheckerCidrs are limits' lists, kept here for
// the stacks that read them through config.
var (
	Route53HealthCheckerRegions = limits.Route53HealthCheckerRegions
	Route53HealthCheckerCidrs   = limits.Route53HealthCheckerCidrs
)

// RegionNames are the names of the environment's regions, in order.
func (env *Environment) RegionNames() []string {
	names := make([]string, len(env.Regions))
	for i, r := range env.Regions {
		names[i] = r.Name
	}
	return names
}
