package inputs

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/gates"
)

// repo makes a git repository like this one: cdk.json, a Go file, dev.yaml in config/ (copied
// from the fixtures, with a frontend folder "site" that git ignores), docs and tests.
func repo(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	_, here, _, _ := runtime.Caller(0)
	fixture, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "test", "testdata", "config", "dev.yaml"))
	require.NoError(t, err)
	dev := strings.Replace(string(fixture), "cloudfront:\n", "cloudfront:\n  frontend:\n    source: site\n", 1)
	require.NotEqual(t, string(fixture), dev, "dev.yaml has no cloudfront section to add the frontend to")
	root := t.TempDir()
	for path, text := range map[string]string{
		"cdk.json": "{}\n", ".gitignore": "site/\ncdk.context.json\n", "app.go": "package main\n",
		"config/dev.yaml": dev, "site/index.html": "<!doctype html>\n",
		"docs/guide.md": "# Guide\n", "README.md": "# Read me\n", "test/app_test.go": "package test\n",
		"stacks/app_test.go": "package stacks\n",
	} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(root, path)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(root, path), []byte(text), 0o644))
	}
	out, err := exec.Command("git", "-C", root, "init", "-q").CombinedOutput()
	require.NoError(t, err, string(out))
	out, err = exec.Command("git", "-C", root, "add", ".").CombinedOutput()
	require.NoError(t, err, string(out))
	return root
}

func key(t *testing.T, root string) string {
	t.Helper()
	k, err := Key(root, []string{"config"})
	require.NoError(t, err)
	require.Len(t, k, 64)
	return k
}

func TestTheKeyFollowsWhatASynthesisReads(t *testing.T) {
	root := repo(t)
	base := key(t, root)
	assert.Equal(t, base, key(t, root), "the same inputs, the same key")
	cases := []struct {
		name    string
		path    string
		text    string
		changes bool
	}{
		{"a Go file of the app", "app.go", "package main\n\n// changed\n", true},
		{"a config", "config/dev.yaml", "", true},
		{"a new file git would track", "constructs/new.go", "package constructs\n", true},
		{"the CLI's context file, which git ignores", "cdk.context.json", "{}\n", true},
		{"a file of the frontend folder a config names, which git ignores", "site/app.js", "1\n", true},
		{"an app-level test", "test/app_test.go", "package test\n\n// changed\n", false},
		{"a Go test file", "stacks/app_test.go", "package stacks\n\n// changed\n", false},
		{"the docs", "docs/guide.md", "# Guide, changed\n", false},
		{"the README", "README.md", "# Read me, changed\n", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(root, c.path)
			before, readErr := os.ReadFile(path)
			text := c.text
			if text == "" {
				text = string(before) + "# changed\n"
			}
			require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
			require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
			if c.changes {
				assert.NotEqual(t, base, key(t, root))
			} else {
				assert.Equal(t, base, key(t, root))
			}
			if readErr == nil {
				require.NoError(t, os.WriteFile(path, before, 0o644))
			} else {
				require.NoError(t, os.Remove(path))
			}
			assert.Equal(t, base, key(t, root), "restored, the key is the first again")
		})
	}
	t.Run("a CDK environment variable", func(t *testing.T) {
		t.Setenv("CDK_STRATUS_TEST", "1")
		assert.NotEqual(t, base, key(t, root))
	})
	t.Run("extra context", func(t *testing.T) {
		k, err := Key(root, []string{"config"}, "-c env=dev")
		require.NoError(t, err)
		assert.NotEqual(t, base, k)
	})
}

func TestNoKeyWithoutLoadableConfigs(t *testing.T) {
	root := repo(t)
	require.NoError(t, os.WriteFile(filepath.Join(root, "config", "dev.yaml"), []byte("name: [\n"), 0o644))
	_, err := Key(root, []string{"config"})
	assert.Error(t, err, "a config that does not load: no key, so make synthesizes and reports it")
	_, err = Key(t.TempDir(), nil)
	assert.Error(t, err, "not a git repository: no key")
}

func TestARecordHoldsOnlyForItsKeyAndStamps(t *testing.T) {
	dirs := []string{t.TempDir(), t.TempDir()}
	for _, d := range dirs {
		require.NoError(t, os.WriteFile(filepath.Join(d, gates.StampFile), []byte(`{"a":"1"}`), 0o644))
	}
	file := filepath.Join(t.TempDir(), "kept.json")
	assert.False(t, Recorded(file, "k1", dirs), "no record yet")
	require.NoError(t, Save(file, "k1", dirs))
	assert.True(t, Recorded(file, "k1", dirs))
	assert.False(t, Recorded(file, "k2", dirs), "other inputs")
	assert.False(t, Recorded(file, "", dirs), "no key")
	assert.False(t, Recorded(file, "k1", dirs[:1]), "other assemblies")
	require.NoError(t, os.WriteFile(filepath.Join(dirs[1], gates.StampFile), []byte(`{"a":"2"}`), 0o644))
	assert.False(t, Recorded(file, "k1", dirs), "an assembly synthesized again since")
}
