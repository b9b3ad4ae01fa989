package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzLoad feeds Load environment files mutated from the shipped ones: whatever the bytes, it
// returns an environment, or an error every line of which names the file, and never panics.
// make test runs the seeds; `go test ./config -run '^$' -fuzz FuzzLoad -fuzztime 5m` explores.
func FuzzLoad(f *testing.F) {
	f.Add(baseYAML)
	for _, pattern := range []string{"*.yaml", "examples/*.yaml"} {
		files, err := filepath.Glob(pattern)
		require.NoError(f, err)
		for _, file := range files {
			doc, err := os.ReadFile(file)
			require.NoError(f, err)
			f.Add(string(doc))
		}
	}
	dir := f.TempDir()
	require.NoError(f, os.WriteFile(filepath.Join(dir, "cdk.json"), []byte("{}"), 0o644))
	require.NoError(f, os.MkdirAll(filepath.Join(dir, "frontend", "dist"), 0o755))
	require.NoError(f, os.WriteFile(filepath.Join(dir, "frontend", "dist", "index.html"), []byte("<!doctype html>"), 0o644))
	// A file must be named after its environment, or Load stops at that: the file takes the
	// document's name where it can.
	named := regexp.MustCompile(`(?m)^name: *"?([a-z][a-z0-9-]{0,30})"? *$`)
	f.Fuzz(func(t *testing.T, doc string) {
		path := filepath.Join(dir, "fuzz.yaml")
		if m := named.FindStringSubmatch(doc); m != nil {
			path = filepath.Join(dir, m[1]+".yaml")
		}
		require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
		defer os.Remove(path)
		env, err := Load(path)
		if err == nil {
			require.NotNil(t, env)
			return
		}
		require.Nil(t, env)
		for _, line := range errorLines(err) {
			require.True(t, strings.HasPrefix(line, path), "an error line that does not name the file: %q", line)
		}
	})
}
