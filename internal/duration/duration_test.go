package duration

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
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
			s, ok := SecondsOf(c.got)
			assert.True(t, ok, "made here")
			assert.Equal(t, *c.direct.ToSeconds(nil), s, "its length is known without asking aws-cdk-lib")
			_, ok = SecondsOf(c.direct)
			assert.False(t, ok, "made elsewhere: only aws-cdk-lib knows its length")
		})
	}
}

func ptr(n float64) *float64 { return &n }

// TestTheAppAsksThisPackageForDurations keeps the round trips saved: a direct awscdk.Duration_*
// call in the app's code (constructs/, stacks/) would make a new jsii object for each use again.
func TestTheAppAsksThisPackageForDurations(t *testing.T) {
	direct := regexp.MustCompile(`awscdk\.Duration_(Seconds|Minutes|Hours|Days)\(`)
	var found []string
	for _, dir := range []string{"constructs", "stacks"} {
		err := filepath.WalkDir(filepath.Join("..", "..", dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(data), "\n") {
				if direct.MatchString(line) {
					found = append(found, fmt.Sprintf("%s:%d", path, i+1))
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	assert.Empty(t, found, "use duration.Seconds (Minutes, Hours, Days) instead")
}

func TestMain(m *testing.M) { cdktest.Main(m) }
