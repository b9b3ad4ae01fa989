package test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNoCreationStackTraces: the app turns creation stack traces off (clicontext.AppDefaults):
// they would name jsii's JavaScript, never the Go code, and cost synth time. Under make test the
// assembly is the one `cdk synth` made through app.go.
func TestNoCreationStackTraces(t *testing.T) {
	a := Fixtures(t)
	files, err := filepath.Glob(filepath.Join(a.Dir, "assembly-*", "*.metadata.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files, "metadata files in %s", a.Dir)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.False(t, strings.Contains(string(data), "aws:cdk:creationStack"), "%s has creation stack traces", filepath.Base(f))
	}
}
