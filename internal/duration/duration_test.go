package duration

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func TestADurationIsCreatedOncePerUnitAndValue(t *testing.T) {
	a, b := Seconds(60), Seconds(60)
	require.NotNil(t, a)
	assert.Same(t, a, b, "the same unit and value")
	assert.NotSame(t, Seconds(1), Minutes(1), "another unit: it renders differently")
	assert.NotSame(t, a, Seconds(30), "another value")
}

func TestEachUnitRendersAsTheDirectCall(t *testing.T) {
	cases := []struct {
		name        string
		got, direct awscdk.Duration
	}{
		{"seconds", Seconds(90), awscdk.Duration_Seconds(ptr(90))},
		{"minutes", Minutes(5), awscdk.Duration_Minutes(ptr(5))},
		{"hours", Hours(1), awscdk.Duration_Hours(ptr(1))},
		{"days", Days(30), awscdk.Duration_Days(ptr(30))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, *c.direct.ToSeconds(nil), *c.got.ToSeconds(nil))
			assert.Equal(t, *c.direct.ToHumanString(), *c.got.ToHumanString())
			assert.Equal(t, *c.direct.UnitLabel(), *c.got.UnitLabel())
		})
	}
}

func ptr(n float64) *float64 { return &n }

func TestMain(m *testing.M) { cdktest.Main(m) }
