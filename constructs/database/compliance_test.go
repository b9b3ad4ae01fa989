package database

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
)

// nagFindingsOf lists everything cdk-nag reported against stack: error and warning annotations,
// and non-compliant or unevaluable (UNKNOWN) lines of its CSV reports.
func nagFindingsOf(t *testing.T, f *fixture, stack string) []string {
	t.Helper()
	found := f.nagAnnotations(stack)
	report, err := gates.Nag(f.dir)
	require.NoError(t, err)
	for _, r := range report {
		if strings.HasSuffix(r.Where, "-"+stack+"-NagReport.csv") {
			found = append(found, r.String())
		}
	}
	return found
}

func assertNagClean(t *testing.T, construct string) {
	f := fixtures(t)
	stacks := f.byConstruct[construct]
	require.NotEmpty(t, stacks)
	for _, stack := range stacks {
		assert.Empty(t, nagFindingsOf(t, f, stack), stack)
	}
}

func TestAuroraPostgresIsNagClean(t *testing.T)   { assertNagClean(t, "AuroraPostgres") }
func TestAuroraSecondaryIsNagClean(t *testing.T)  { assertNagClean(t, "AuroraSecondary") }
func TestPostgresInstanceIsNagClean(t *testing.T) { assertNagClean(t, "PostgresInstance") }

func TestNagChecksSeeFindingsWhenThereAreSome(t *testing.T) {
	f := fixtures(t)
	annotations := strings.Join(f.nagAnnotations(stackCanary), "\n")
	for _, rule := range []string{"NIST.800.53.R5-CloudWatchLogGroupEncrypted", "NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod"} {
		assert.Contains(t, annotations, rule)
	}
	// 2 annotations + 2 report lines.
	assert.GreaterOrEqual(t, len(nagFindingsOf(t, f, stackCanary)), 4, "the CSV reports should list the canary's findings too: %v", nagFindingsOf(t, f, stackCanary))
}

func TestTemplatesPassCfnLint(t *testing.T) {
	cdktest.RequireTool(t, "cfn-lint", "pip install cfn-lint, as the README says")
	cdktest.NoFindings(t, gates.CfnLint, fixtures(t).dir)
}
