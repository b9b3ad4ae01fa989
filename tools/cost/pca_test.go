package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/assembly"
)

// TestPrivateCaIsPricedByItsMode: Service Connect TLS runs one short-lived CA per region; two
// regions cost 2 × $50 a month plus the certificates.
func TestPrivateCaIsPricedByItsMode(t *testing.T) {
	const short = `{"Resources": {"Ca": {"Type": "AWS::ACMPCA::CertificateAuthority", "Properties": {"Type": "ROOT", "UsageMode": "SHORT_LIVED_CERTIFICATE"}}}}`
	const general = `{"Resources": {"Ca": {"Type": "AWS::ACMPCA::CertificateAuthority", "Properties": {"Type": "ROOT"}}}}`
	var stacks []*assembly.Stack
	for _, s := range []struct{ name, region, template string }{
		{"App-us-east-1", "us-east-1", short}, {"App-eu-west-1", "eu-west-1", short}, {"Other-us-west-2", "us-west-2", general},
	} {
		path := filepath.Join(t.TempDir(), s.name+".template.json")
		require.NoError(t, os.WriteFile(path, []byte(s.template), 0o644))
		st, err := assembly.ReadStack(path, s.name, "123456789012", s.region)
		require.NoError(t, err)
		stacks = append(stacks, st)
	}
	e, err := estimate(&assembly.Stage{ID: "T", Env: "t", Stacks: stacks}, prices(t))
	require.NoError(t, err)
	const ca, cert = "AWS Private CA (short-lived certificate mode)", "AWS Private CA certificates (short-lived certificate mode)"
	twoRegions := monthly(t, e.Fixed, "us-east-1", ca) + monthly(t, e.Fixed, "eu-west-1", ca)
	assert.InDelta(t, 100.0, twoRegions, 1e-9, "$50 a month per short-lived CA, two regions")
	assert.InDelta(t, 60*0.058, monthly(t, e.Usage, "us-east-1", cert), 1e-9, "60 assumed certificates at $0.058")
	assert.InDelta(t, 400.0, monthly(t, e.Fixed, "us-west-2", "AWS Private CA (general-purpose mode)"), 1e-9)
}
