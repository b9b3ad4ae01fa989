package database

import (
	rds "github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
)

// auroraVersions maps each version of limits.AuroraPostgresVersions (what EngineVersion accepts)
// to aws-cdk-lib's own value, not AuroraPostgresEngineVersion_Of, so the library's feature flags
// for each version stay right. A test keeps the keys equal to the limits list.
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

// instanceVersions maps each version of limits.PostgresVersions (what
// PostgresInstanceProps.EngineVersion accepts) to aws-cdk-lib's own value; a test keeps the keys
// equal to the limits list.
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
