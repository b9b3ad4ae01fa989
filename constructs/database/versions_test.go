package database

import (
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

// The enum tables map exactly the versions limits allows: a version added to limits without its
// aws-cdk-lib value, or a mapping limits does not allow, fails here.
func TestVersionTablesMapExactlyTheLimitsVersions(t *testing.T) {
	cases := []struct {
		name   string
		limits []string
		mapped []string
	}{
		{"Aurora PostgreSQL", limits.AuroraPostgresVersions, slices.Collect(maps.Keys(auroraVersions))},
		{"RDS for PostgreSQL", limits.PostgresVersions, slices.Collect(maps.Keys(instanceVersions))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NotEmpty(t, c.limits)
			assert.ElementsMatch(t, c.limits, c.mapped)
		})
	}
}
