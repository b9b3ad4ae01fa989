package limits

import (
	"maps"
	"slices"
	"strings"
)

// EdgeRegion is where CloudFront's viewer certificate and CLOUDFRONT-scope WAF web ACLs must
// live: every environment has it among its regions.
const EdgeRegion = "us-east-1"

// RegionFacts are AWS facts Stratus needs per supported region. They are kept in code, not looked
// up, because synth must never need AWS credentials.
type RegionFacts struct {
	// Name is the region code, e.g. us-east-1.
	Name string
	// AZLetters are the letters of the region's AZ names, e.g. "abcdef" for us-east-1a…f.
	AZLetters string
	// CloudFrontOriginPrefixList is the id of the AWS-managed prefix list
	// com.amazonaws.global.cloudfront.origin-facing in this region; the ALB security group admits
	// only it. The id differs per region, which is why only regions listed here are supported.
	CloudFrontOriginPrefixList string
}

// regions is the table behind LookupRegion. To support a new region, add it here with its
// CloudFront origin-facing prefix list id (aws ec2 describe-managed-prefix-lists in that region).
var regions = map[string]RegionFacts{
	"us-east-1":      {Name: "us-east-1", AZLetters: "abcdef", CloudFrontOriginPrefixList: "pl-3b927c52"},
	"us-east-2":      {Name: "us-east-2", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-b6a144df"},
	"us-west-2":      {Name: "us-west-2", AZLetters: "abcd", CloudFrontOriginPrefixList: "pl-82a045eb"},
	"eu-west-1":      {Name: "eu-west-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-4fa04526"},
	"eu-west-2":      {Name: "eu-west-2", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-93a247fa"},
	"eu-central-1":   {Name: "eu-central-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-a3a144ca"},
	"ap-southeast-1": {Name: "ap-southeast-1", AZLetters: "abc", CloudFrontOriginPrefixList: "pl-31a34658"},
}

// LookupRegion returns the facts for a supported region; false when Stratus does not support it.
func LookupRegion(name string) (RegionFacts, bool) {
	f, ok := regions[name]
	return f, ok
}

// Regions returns the names of the supported regions, sorted.
func Regions() []string { return slices.Sorted(maps.Keys(regions)) }

// AZNames returns the AZ names of a region, e.g. us-east-1a, us-east-1b, ….
func (f RegionFacts) AZNames() []string {
	names := make([]string, 0, len(f.AZLetters))
	for _, l := range f.AZLetters {
		names = append(names, f.Name+string(l))
	}
	return names
}

// HasAZ reports whether az is one of the region's AZ names.
func (f RegionFacts) HasAZ(az string) bool {
	suffix, ok := strings.CutPrefix(az, f.Name)
	return ok && len(suffix) == 1 && strings.Contains(f.AZLetters, suffix)
}

// Route53HealthCheckerRegions are the regions Stratus's Route 53 health checks run from (Route 53
// needs at least three). Limiting them keeps the ALB's exception for the checkers small.
var Route53HealthCheckerRegions = []string{"us-east-1", "us-west-2", "eu-west-1"}

// Route53HealthCheckerCidrs are the source ranges of Route 53's health checkers in
// Route53HealthCheckerRegions, as AWS publishes them (ip-ranges.json, service
// ROUTE53_HEALTHCHECKS): the two legacy /26 ranges of each region plus 15.177.0.0/18, the block
// all checkers have used since 2019. The per-region managed prefix list
// com.amazonaws.<region>.route53-healthchecks would track changes for us, but its id differs per
// region and synth must not look it up. Review this list when AWS announces a change.
var Route53HealthCheckerCidrs = []string{
	"15.177.0.0/18",
	"107.23.255.0/26", "54.243.31.192/26", // us-east-1
	"54.244.52.192/26", "54.245.168.0/26", // us-west-2
	"54.228.16.0/26", "176.34.159.192/26", // eu-west-1
}
