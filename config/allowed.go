package config

import (
	"fmt"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Allowed maps the key paths of an environment file whose values come from a fixed list (list
// entries written []) to that list, from internal/limits and this package. docs/config.md and
// docs/config.schema.json are checked against it.
func Allowed() map[string][]any {
	return map[string][]any{
		"regions[].name":                         anys(SupportedRegions()),
		"network.natGateways":                    anys(natModes),
		"network.interfaceEndpoints[]":           anys(limits.InterfaceEndpoints),
		"network.flowLogRetentionDays":           anys(limits.LogRetentionDays),
		"services[].cpu":                         anys(limits.FargateCPUs),
		"services[].database":                    anys(databaseEngines),
		"services[].sidecars[]":                  anys(sidecarNames),
		"database.engineVersion":                 anys(limits.AuroraPostgresVersions),
		"database.removalPolicy":                 anys(removalPolicies),
		"database.postgres.engineVersion":        anys(limits.PostgresVersions),
		"cache.engine":                           anys(limits.CacheEngines),
		"cache.engineVersion":                    anys(cacheVersions()),
		"app.logRetentionDays":                   anys(limits.LogRetentionDays),
		"dns.routing":                            anys(routingModes),
		"ingress.mode":                           anys(limits.IngressModes),
		"dns.healthCheck.intervalSeconds":        anys(limits.HealthCheckIntervals),
		"waf.managedRuleGroups[]":                anys(limits.ExtraManagedRuleGroups),
		"waf.geo.mode":                           anys(geoModes),
		"waf.geo.countries[]":                    anys(limits.CountryCodes),
		"cloudfront.priceClass":                  anys(limits.PriceClasses),
		"cloudfront.geoRestriction.mode":         anys(geoRestrictionModes),
		"cloudfront.geoRestriction.countries[]":  anys(limits.CountryCodes),
		"governance.cloudTrail.logRetentionDays": anys(limits.LogRetentionDays),
		"governance.backup.drRegion":             anys(SupportedRegions()),
		"compute":                                anys(computeModes),
		"tiers.database":                         anys(tierDatabases),
		"users.mfa":                              anys(limits.MfaModes),
		"services[].deployment.strategy":         anys(limits.Strategies),
	}
}

// Ranges maps the key paths of numbers (and list lengths, written [#]) limited to a range to
// their bounds, from internal/limits.
func Ranges() map[string][2]float64 {
	counts := [2]float64{limits.MinTaskCount, limits.MaxTaskCount}
	tierCounts := [2]float64{limits.MinTierInstances, limits.MaxTierInstances}
	return map[string][2]float64{
		"regions[].availabilityZones[#]":           {limits.MinZones, limits.MaxZones},
		"services[#]":                              {limits.MinServices, limits.MaxServices},
		"services[].port":                          {limits.MinPort, limits.MaxPort},
		"services[].desiredCount":                  counts,
		"services[].minCount":                      counts,
		"services[].maxCount":                      counts,
		"app.warmCapacity.desiredCount":            counts,
		"app.warmCapacity.minCount":                counts,
		"app.warmCapacity.maxCount":                counts,
		"database.readers":                         {limits.MinReaders, limits.MaxReaders},
		"database.secondaryReaders":                {limits.MinReaders, limits.MaxReaders},
		"database.backupRetentionDays":             {limits.MinBackupRetentionDays, limits.MaxBackupRetentionDays},
		"database.serverlessV2.minCapacity":        {limits.MinServerlessACU, limits.MaxServerlessACU},
		"database.serverlessV2.maxCapacity":        {limits.MinServerlessMaxACU, limits.MaxServerlessACU},
		"database.postgres.allocatedStorageGiB":    {limits.MinAllocatedStorageGiB, limits.MaxAllocatedStorageGiB},
		"database.postgres.maxAllocatedStorageGiB": {limits.MinAllocatedStorageGiB, limits.MaxAllocatedStorageGiB},
		"cache.port":                               {limits.MinCachePort, limits.MaxPort},
		"cache.replicas":                           {limits.MinCacheReplicas, limits.MaxCacheReplicas},
		"cache.snapshotRetentionDays":              {limits.MinSnapshotRetentionDays, limits.MaxSnapshotRetentionDays},
		"dns.viewerNames[#]":                       {limits.MinViewerNames, limits.MaxViewerNames},
		"dns.healthCheck.failureThreshold":         {limits.MinHealthCheckFailures, limits.MaxHealthCheckFailures},
		"waf.rateLimit":                            {limits.MinWAFRateLimit, limits.MaxWAFRateLimit},
		"ingress.api.throttling.rateLimit":         {limits.MinApiRateLimit, limits.MaxApiRateLimit},
		"ingress.api.throttling.burstLimit":        {limits.MinApiBurstLimit, limits.MaxApiBurstLimit},
		"ingress.api.jwt.audiences[#]":             {1, limits.MaxJwtAudiences},
		"network.deniedCidrs[#]":                   {0, limits.MaxDeniedCidrs},
		"governance.cloudTrail.retentionDays":      {limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays},
		"governance.cloudTrail.objectLockDays":     {0, limits.MaxObjectLockDays},
		"governance.awsConfig.retentionDays":       {limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays},
		"governance.backup.dailyRetentionDays":     {limits.MinVaultDailyDays, limits.MaxVaultRetentionDays},
		"governance.backup.monthlyRetentionDays":   {limits.MinVaultMonthlyDays, limits.MaxVaultRetentionDays},
		"governance.backup.vaultLockDays":          {0, limits.MaxVaultLockDays},
		"tiers.web.minCount":                       tierCounts,
		"tiers.web.desiredCount":                   tierCounts,
		"tiers.web.maxCount":                       tierCounts,
		"tiers.app.minCount":                       tierCounts,
		"tiers.app.desiredCount":                   tierCounts,
		"tiers.app.maxCount":                       tierCounts,
		"governance.rotation.originSecretDays":     {limits.MinRotationDays, limits.MaxRotationDays},
		"governance.rotation.cacheTokenDays":       {limits.MinRotationDays, limits.MaxRotationDays},
		"services[].deployment.bakeMinutes":        {limits.MinBakeMinutes, limits.MaxBakeMinutes},
		"services[].deployment.stepMinutes":        {limits.MinStepMinutes, limits.MaxStepMinutes},
		"services[].deployment.canaryPercent":      {limits.MinCanaryPercent, limits.MaxCanaryPercent},
		"services[].deployment.linearStepPercent":  {limits.MinLinearStepPercent, limits.MaxLinearStepPercent},

		"regionSwitch.recoveryTimeObjectiveMinutes": {limits.MinRecoveryTimeObjectiveMinutes, limits.MaxRecoveryTimeObjectiveMinutes},
	}
}

// AllowedText renders what Allowed and limits say a key accepts, as docs/config.md shows it;
// ok is false for a key with no such text.
func AllowedText(key string) (string, bool) {
	switch key {
	case "services[].memory":
		var parts []string
		for _, cpu := range limits.FargateCPUs {
			parts = append(parts, fmt.Sprintf("%d → %s", cpu, joinInts(limits.FargateMemory(cpu))))
		}
		return strings.Join(parts, "; "), true
	case "cache.engineVersion":
		var parts []string
		for _, e := range limits.CacheEngines {
			parts = append(parts, e+" "+strings.Join(limits.CacheEngineVersions[e], ", "))
		}
		return strings.Join(parts, "; "), true
	case "waf.managedRuleGroups[]+":
		return strings.Join(limits.DefaultManagedRuleGroups, ", "), true
	case "environment.reserved":
		return strings.Join(limits.ReservedEnvNames, ", ") + "; names starting with " + strings.Join(limits.ReservedEnvPrefixes, ", "), true
	}
	if r, ok := Ranges()[key]; ok {
		return formatFloat(r[0]) + "–" + formatFloat(r[1]), true
	}
	values, ok := Allowed()[key]
	if !ok {
		return "", false
	}
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ", "), true
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// cacheVersions lists every engine's versions, engine by engine.
func cacheVersions() []string {
	var out []string
	for _, e := range limits.CacheEngines {
		out = append(out, limits.CacheEngineVersions[e]...)
	}
	return out
}
