// Package limits is the single source of truth for every enumerated or limited value Stratus
// knows: what AWS accepts (Fargate sizes, log retentions, windows, quotas) and what the
// constructs can build (engine versions, managed rule groups, interface endpoints, regions).
//
// Both the config package (which reports problems in YAML terms) and the constructs (which
// validate their props) read these values, so the two cannot drift apart. The package has no
// CDK import and no dependencies beyond the standard library.
//
// The API is plain values and functions. It only grows: names are never renamed or removed,
// because config, constructs and docs all depend on them.
package limits

import (
	"slices"
	"strconv"
	"strings"
)

// Fargate task sizes.
var (
	// FargateCPUs are the task CPU sizes (CPU units) Fargate accepts, ascending.
	FargateCPUs = []int{256, 512, 1024, 2048, 4096, 8192, 16384}
	// fargateMemory maps each CPU size to the memory sizes (MiB) Fargate accepts with it.
	fargateMemory = map[int][]int{
		256:   {512, 1024, 2048},
		512:   steps(1024, 4096, 1024),
		1024:  steps(2048, 8192, 1024),
		2048:  steps(4096, 16384, 1024),
		4096:  steps(8192, 30720, 1024),
		8192:  steps(16384, 61440, 4096),
		16384: steps(32768, 122880, 8192),
	}
)

// FargateMemory returns the memory sizes (MiB, ascending) Fargate accepts with cpu units, or nil
// when cpu is not a Fargate CPU size. The result is a fresh copy.
func FargateMemory(cpu int) []int { return slices.Clone(fargateMemory[cpu]) }

// ValidFargateSize reports whether (cpu, memory) is a task size Fargate accepts.
func ValidFargateSize(cpu, memory int) bool { return slices.Contains(fargateMemory[cpu], memory) }

func steps(from, to, step int) []int {
	var out []int
	for x := from; x <= to; x += step {
		out = append(out, x)
	}
	return out
}

// Engine versions: the union of what AWS offers and the CDK (aws-cdk-lib v2.277) names without
// deprecation, from 15 on. The constructs map each to the library's own version value; a version
// here that a construct cannot map is a bug caught by the constructs' tests.
var (
	// AuroraPostgresVersions are the Aurora PostgreSQL versions database.engineVersion accepts.
	AuroraPostgresVersions = []string{
		"15.8", "15.10", "15.12", "15.13", "15.14", "15.15", "15.17",
		"16.4", "16.6", "16.8", "16.9", "16.10", "16.11", "16.13",
		"17.4", "17.5", "17.6", "17.7", "17.9",
	}
	// PostgresVersions are the RDS for PostgreSQL versions database.postgres.engineVersion accepts.
	PostgresVersions = []string{
		"15.7", "15.8", "15.10", "15.12", "15.13", "15.14", "15.15", "15.16", "15.17",
		"16.3", "16.4", "16.6", "16.8", "16.9", "16.10", "16.11", "16.12", "16.13",
		"17.2", "17.4", "17.5", "17.6", "17.7", "17.8", "17.9",
		"18.1", "18.2", "18.3",
	}
	// DefaultAuroraPostgresVersion and DefaultPostgresVersion are the versions used when none is given.
	DefaultAuroraPostgresVersion = "16.6"
	DefaultPostgresVersion       = "16.8"
)

// Cache engines. Redis before 7.0 lacks TransitEncryptionMode (needed to enforce TLS on a
// replication group) and so is not offered.
const (
	CacheEngineRedis  = "redis"
	CacheEngineValkey = "valkey"
)

var (
	// CacheEngines are the accepted cache.engine values.
	CacheEngines = []string{CacheEngineRedis, CacheEngineValkey}
	// CacheEngineVersions are the accepted cache.engineVersion values per engine, ascending.
	CacheEngineVersions = map[string][]string{
		CacheEngineRedis:  {"7.0", "7.1"},
		CacheEngineValkey: {"7.2", "8.0", "8.1", "8.2"},
	}
	// CacheDefaultVersions are the versions used per engine when none is given.
	CacheDefaultVersions = map[string]string{CacheEngineRedis: "7.1", CacheEngineValkey: "8.0"}
	// DefaultCacheEngine is the engine used when none is given.
	DefaultCacheEngine = CacheEngineRedis
)

// CacheParameterGroupFamily returns the ElastiCache parameter-group family of an engine version
// (e.g. "redis7", "valkey8"), or false when the pair is not accepted.
func CacheParameterGroupFamily(engine, version string) (string, bool) {
	if !slices.Contains(CacheEngineVersions[engine], version) {
		return "", false
	}
	major, _, _ := strings.Cut(version, ".")
	return engine + major, true
}

// CompareVersions orders "major.minor" version strings numerically (15.10 after 15.8).
func CompareVersions(a, b string) int {
	am, an, _ := strings.Cut(a, ".")
	bm, bn, _ := strings.Cut(b, ".")
	if c := atoi(am) - atoi(bm); c != 0 {
		return c
	}
	return atoi(an) - atoi(bn)
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// MajorVersion is the major of "16.6" (16), or 0 when v does not start with a number.
func MajorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	return atoi(major)
}
