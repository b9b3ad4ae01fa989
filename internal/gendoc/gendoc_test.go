package gendoc

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteThenCheck(t *testing.T) {
	dir := t.TempDir()
	f := Files{filepath.Join(dir, "a", "x.md"): "one\ntwo\n", filepath.Join(dir, "y.md"): "y\n"}

	err := f.Check("make it")
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "a", "x.md")+": missing; run make it and commit it")

	require.NoError(t, f.Write())
	require.NoError(t, f.Check("make it"))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "a", "x.md"), []byte("one\nTWO\n"), 0o644))
	err = f.Check("make it")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "x.md: stale (it differs from what the synthesized assembly gives at line 2)")
	assert.NotContains(t, err.Error(), "y.md")
}

func TestSplice(t *testing.T) {
	text := "head\n<!-- begin part -->\nold\n<!-- end part -->\ntail\n"
	got, err := Splice(text, "part", "new")
	require.NoError(t, err)
	assert.Equal(t, "head\n<!-- begin part -->\nnew\n<!-- end part -->\ntail\n", got)
	again, err := Splice(got, "part", "new\n")
	require.NoError(t, err)
	assert.Equal(t, got, again, "splicing is idempotent")

	for _, bad := range []string{"no markers", "<!-- end part -->\n<!-- begin part -->\n", "<!-- begin part -->\n"} {
		_, err := Splice(bad, "part", "x")
		assert.Error(t, err, bad)
	}
}
