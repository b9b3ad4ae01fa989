package test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/inputs"
)

// Kept syntheses. A synthesis the tests read from disk is kept in .make/syntheses under the key
// of its inputs (internal/inputs: the app's code and data, the Node and Go versions, the CDK_
// and JSII_ variables; plus the synthesis's own configs, context and, for one made in this
// binary, the harness that makes it), stamped as make stamps its assemblies (internal/gates). A
// run whose inputs are those of an earlier one (after a change to a test, or `go clean
// -testcache`) reads the kept assembly, as make test keeps its own, instead of synthesizing the
// same thing again; one whose kept folder no longer matches its stamp synthesizes afresh. Only a
// change to what a synthesis reads makes a new one. `make clean` forgets them.

// keptSyntheses is the folder of kept syntheses.
var keptSyntheses = filepath.Join(repoRoot, ".make", "syntheses")

// keptFolder is where the synthesis name with the given key material is kept under in (""
// for keptSyntheses), or "" when its inputs cannot be named.
func keptFolder(in, name string, configDirs []string, material ...string) string {
	key, err := inputs.Key(repoRoot, configDirs, append([]string{"synthesis " + name}, material...)...)
	if err != nil {
		return ""
	}
	if in == "" {
		in = keptSyntheses
	}
	return filepath.Join(in, name+"-"+key)
}

// newOut makes the empty folder a synthesis writes to: next to kept, to be renamed into it, or,
// when it is not kept (""), a temporary one (pattern as for os.MkdirTemp).
func newOut(kept, pattern string) (string, error) {
	if kept == "" {
		return os.MkdirTemp("", pattern)
	}
	if err := os.MkdirAll(filepath.Dir(kept), 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(filepath.Dir(kept), "tmp-"+keptName(kept)+"-")
}

// keptName is the synthesis name of a kept folder "<name>-<key>".
func keptName(kept string) string {
	base := filepath.Base(kept)
	return base[:strings.LastIndex(base, "-")]
}

// keep stamps the synthesis in out and moves it to kept, then removes the synthesis's other
// kept folders, and temporary ones a stopped run left, once they are ten minutes old (a test
// binary running beside this one may still read them). It returns where the assembly is.
func keep(out, kept string) (string, error) {
	if err := gates.Stamp(out); err != nil {
		return "", err
	}
	os.RemoveAll(kept) // one that no longer matched its stamp
	if err := os.Rename(out, kept); err != nil {
		return out, nil // read where it is; a later run keeps it
	}
	name := keptName(kept)
	others, _ := filepath.Glob(filepath.Join(filepath.Dir(kept), "*"+name+"-*"))
	for _, dir := range others {
		if dir == kept || keptName(strings.TrimPrefix(filepath.Base(dir), "tmp-")) != name {
			continue
		}
		if info, err := os.Stat(dir); err == nil && time.Since(info.ModTime()) > 10*time.Minute {
			os.RemoveAll(dir)
		}
	}
	return kept, nil
}

// inProcessMaterial is what a synthesis of envs in this binary (synthInto) reads besides the
// app's code: the environments as the tests hand them over (a test may change one after loading
// it), the context, the harness that synthesizes them and a frontend folder's files. The
// environments count without the file each was loaded from (a temporary folder's name).
func inProcessMaterial(envs []*config.Environment) ([]string, error) {
	var material []string
	for _, env := range envs {
		copied := *env
		copied.File = ""
		if src := env.CloudFront.FrontendSource; src != "" {
			sum, err := treeSum(src)
			if err != nil {
				return nil, err
			}
			copied.CloudFront.FrontendSource = "files " + sum
		}
		data, err := json.Marshal(copied)
		if err != nil {
			return nil, err
		}
		material = append(material, string(data))
	}
	data, err := json.Marshal(cdkContext)
	if err != nil {
		return nil, err
	}
	harness, err := os.ReadFile(filepath.Join(repoRoot, "test", "harness_test.go"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(harness)
	return append(material, string(data), "harness "+hex.EncodeToString(sum[:])), nil
}

// treeSum hashes the names and content of the files under dir.
func treeSum(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s\x00%x\n", filepath.ToSlash(rel), sha256.Sum256(data))
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// TestAnInProcessSynthesisIsKeyedByWhatItReads: the key of a synthesis in this binary follows
// the environments as handed over and a frontend folder's files, not the folders they came from.
func TestAnInProcessSynthesisIsKeyedByWhatItReads(t *testing.T) {
	dev, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, "dev.yaml"))
	require.NoError(t, err)
	load := func() *config.Environment {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "dev.yaml"), dev, 0o644))
		env, err := config.Load(filepath.Join(dir, "dev.yaml"))
		require.NoError(t, err)
		return env
	}
	site := func(html string) string {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte(html), 0o644))
		return dir
	}
	key := func(env *config.Environment) string {
		material, err := inProcessMaterial([]*config.Environment{env})
		require.NoError(t, err)
		kept := keptFolder(t.TempDir(), "synth", nil, material...)
		require.NotEmpty(t, kept)
		return filepath.Base(kept)
	}
	base := key(load())
	assert.Equal(t, base, key(load()), "the same environment loaded from another folder")

	changed := load()
	changed.Services[0].Image = "9.9.9"
	assert.NotEqual(t, base, key(changed), "an environment a test changed after loading it")

	withSite := func(html string) *config.Environment {
		env := load()
		env.CloudFront.FrontendSource = site(html)
		return env
	}
	first := key(withSite("<p>one</p>"))
	assert.NotEqual(t, base, first, "a frontend folder")
	assert.Equal(t, first, key(withSite("<p>one</p>")), "the same frontend files in another folder")
	assert.NotEqual(t, first, key(withSite("<p>two</p>")), "a changed frontend file")
}
