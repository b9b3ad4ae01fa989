package cache

import (
	"fmt"
	"slices"
	"strings"
)

// globalDatastorePrefixes is the prefix ElastiCache puts before the suffix of a Global Datastore
// created in each region, as published in the ElastiCache guide ("Using global datastores (CLI)").
// The prefix depends only on the primary's region, so a secondary's GlobalDatastoreId is known at
// synth time without a lookup or a cross-region reference.
var globalDatastorePrefixes = map[string]string{
	"us-east-1":      "ldgnf",
	"us-east-2":      "fpkhr",
	"us-west-1":      "virxk",
	"us-west-2":      "sgaui",
	"ca-central-1":   "bxodz",
	"sa-east-1":      "juxlw",
	"eu-west-1":      "gxeiz",
	"eu-west-2":      "okuqm",
	"eu-west-3":      "fgjhi",
	"eu-central-1":   "iudkw",
	"ap-south-1":     "erpgt",
	"ap-east-1":      "knjmp",
	"ap-northeast-1": "quwsw",
	"ap-northeast-2": "lfqnh",
	"ap-northeast-3": "nlapn",
	"ap-southeast-1": "vlqxn",
	"ap-southeast-2": "vbgxd",
	"cn-north-1":     "emvgo",
	"cn-northwest-1": "ckbem",
}

// GlobalDatastoreID returns the id ElastiCache gives a Global Datastore created with suffix by a
// primary in primaryRegion, e.g. ("us-east-1", "stratus") → "ldgnf-stratus": the value a
// secondary's RedisProps.GlobalDatastoreId needs. For a region missing from the published table
// it returns an error; then deploy the primary, read its Redis.GlobalDatastoreId (a stack
// output) and put that id in the configuration of the secondaries.
func GlobalDatastoreID(primaryRegion, suffix string) (string, error) {
	prefix, ok := globalDatastorePrefixes[primaryRegion]
	if !ok {
		known := make([]string, 0, len(globalDatastorePrefixes))
		for r := range globalDatastorePrefixes {
			known = append(known, r)
		}
		slices.Sort(known)
		return "", fmt.Errorf("no published Global Datastore id prefix for region %q (known: %s): take the id from the primary's GlobalDatastoreId output after its first deploy",
			primaryRegion, strings.Join(known, ", "))
	}
	if !globalSuffixPattern.MatchString(suffix) || len(suffix) > maxGlobalSuffixLength {
		return "", fmt.Errorf("Global Datastore suffix %q must be lowercase letters, digits and single hyphens, start with a letter, at most %d characters", suffix, maxGlobalSuffixLength)
	}
	return prefix + "-" + suffix, nil
}
