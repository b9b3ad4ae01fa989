package database

import (
	"sort"
	"strconv"
	"strings"

	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
)

// auroraVersions are the Aurora PostgreSQL versions EngineVersion accepts: those aws-cdk-lib
// v2.270 defines and has not deprecated as "no longer supported by Amazon RDS", 15 and newer.
// The library's own values are used (not AuroraPostgresEngineVersion_Of) so its feature flags
// for each version stay right.
var auroraVersions = map[string]func() rds.AuroraPostgresEngineVersion{
	"15.8": rds.AuroraPostgresEngineVersion_VER_15_8, "15.10": rds.AuroraPostgresEngineVersion_VER_15_10,
	"15.12": rds.AuroraPostgresEngineVersion_VER_15_12, "15.13": rds.AuroraPostgresEngineVersion_VER_15_13,
	"15.14": rds.AuroraPostgresEngineVersion_VER_15_14, "15.15": rds.AuroraPostgresEngineVersion_VER_15_15,
	"15.17": rds.AuroraPostgresEngineVersion_VER_15_17,
	"16.4":  rds.AuroraPostgresEngineVersion_VER_16_4, "16.6": rds.AuroraPostgresEngineVersion_VER_16_6,
	"16.8": rds.AuroraPostgresEngineVersion_VER_16_8, "16.9": rds.AuroraPostgresEngineVersion_VER_16_9,
	"16.10": rds.AuroraPostgresEngineVersion_VER_16_10, "16.11": rds.AuroraPostgresEngineVersion_VER_16_11,
	"16.13": rds.AuroraPostgresEngineVersion_VER_16_13,
	"17.4":  rds.AuroraPostgresEngineVersion_VER_17_4, "17.5": rds.AuroraPostgresEngineVersion_VER_17_5,
	"17.6": rds.AuroraPostgresEngineVersion_VER_17_6, "17.7": rds.AuroraPostgresEngineVersion_VER_17_7,
	"17.9": rds.AuroraPostgresEngineVersion_VER_17_9,
}

// instanceVersions are the RDS for PostgreSQL versions PostgresInstanceProps.EngineVersion
// accepts: PostgreSQL 15 and newer that aws-cdk-lib v2.270 defines and has not deprecated.
var instanceVersions = map[string]func() rds.PostgresEngineVersion{
	"15.7": rds.PostgresEngineVersion_VER_15_7, "15.8": rds.PostgresEngineVersion_VER_15_8,
	"15.10": rds.PostgresEngineVersion_VER_15_10, "15.12": rds.PostgresEngineVersion_VER_15_12,
	"15.13": rds.PostgresEngineVersion_VER_15_13, "15.14": rds.PostgresEngineVersion_VER_15_14,
	"15.15": rds.PostgresEngineVersion_VER_15_15, "15.16": rds.PostgresEngineVersion_VER_15_16,
	"15.17": rds.PostgresEngineVersion_VER_15_17,
	"16.3":  rds.PostgresEngineVersion_VER_16_3, "16.4": rds.PostgresEngineVersion_VER_16_4,
	"16.6": rds.PostgresEngineVersion_VER_16_6, "16.8": rds.PostgresEngineVersion_VER_16_8,
	"16.9": rds.PostgresEngineVersion_VER_16_9, "16.10": rds.PostgresEngineVersion_VER_16_10,
	"16.11": rds.PostgresEngineVersion_VER_16_11, "16.12": rds.PostgresEngineVersion_VER_16_12,
	"16.13": rds.PostgresEngineVersion_VER_16_13,
	"17.2":  rds.PostgresEngineVersion_VER_17_2, "17.4": rds.PostgresEngineVersion_VER_17_4,
	"17.5": rds.PostgresEngineVersion_VER_17_5, "17.6": rds.PostgresEngineVersion_VER_17_6,
	"17.7": rds.PostgresEngineVersion_VER_17_7, "17.8": rds.PostgresEngineVersion_VER_17_8,
	"17.9": rds.PostgresEngineVersion_VER_17_9,
	"18.1": rds.PostgresEngineVersion_VER_18_1, "18.2": rds.PostgresEngineVersion_VER_18_2,
	"18.3": rds.PostgresEngineVersion_VER_18_3,
}

// majorVersion is the major of "16.6" (16), or 0 when v does not start with a number.
func majorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return 0
	}
	return n
}

// versionList lists the keys of a version table in version order, for error messages.
func versionList[T any](table map[string]T) string {
	keys := make([]string, 0, len(table))
	for k := range table {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		mi, mj := majorVersion(keys[i]), majorVersion(keys[j])
		if mi != mj {
			return mi < mj
		}
		_, a, _ := strings.Cut(keys[i], ".")
		_, b, _ := strings.Cut(keys[j], ".")
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x < y
	})
	return strings.Join(keys, ", ")
}
