package retention

import (
	"maps"
	"slices"
	"testing"

	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/limits"
)

// TestMain stops the jsii runtime after the tests, so its temp folder goes with it.
func TestMain(m *testing.M) { cdktest.Main(m) }

func TestEveryLimitsRetentionHasItsEnumValue(t *testing.T) {
	require.NotEmpty(t, limits.LogRetentionDays)
	assert.Equal(t, limits.LogRetentionDays, slices.Sorted(maps.Keys(byDays)), "the enum table and limits list the same periods")
	for _, days := range limits.LogRetentionDays {
		r, err := FromDays(days)
		require.NoError(t, err, "%d days", days)
		assert.NoError(t, Check("LogRetention", r), "%d days", days)
	}
	assert.Equal(t, logs.RetentionDays_ONE_YEAR, Default)
}

func TestRetentionsOutsideLimitsAreRejected(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"a day count CloudWatch Logs does not offer", func() error { _, err := FromDays(2); return err }(), "2 days is not a CloudWatch Logs retention (allowed: [1 3 5"},
		{"infinite retention", Check("LogRetention", logs.RetentionDays_INFINITE), `LogRetention "INFINITE" is not a finite logs.RetentionDays value`},
		{"an unset retention", Check("FlowLogRetention", ""), `FlowLogRetention "" is not a finite`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			assert.Contains(t, c.err.Error(), c.want)
		})
	}
}
