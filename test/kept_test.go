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
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/inputs"
)

// Kept syntheses. A synthesis the tests read from disk is kept in .make/syntheses under a key of
// its inputs, stamped as make stamps its assemblies (internal/gates). A run whose inputs are those
// of an earlier one (after a change to a test, or `go clean -testcache`) reads the kept assembly,
// as make test keeps its own, instead of synthesizing the same thing again; one whose kept folder
// no longer matches its stamp synthesizes afresh. `make clean` forgets them.
//
// The key is the code's (keyBase) and the synthesis's own material: its configs, context and, for
// one made in this binary, the environments as the test handed them over and the harness. A
// synthesis is named by what it synthesizes (a child's name, or a hash of an in-process one's
// material), so a change to the code keeps a new folder of the same name, and the older ones of
// that name go once unread for ten minutes; any folder unread for a day goes too.

// keptSyntheses is the folder of kept syntheses.
var keptSyntheses = filepath.Join(repoRoot, ".make", "syntheses")

// keyBase names the app's code and tools. Under make test it is make's inputs key (internal/inputs:
// the repository but test/, docs and Go test files; the Node and Go versions; the CDK_ and JSII_
// variables), taken before go test compiled this binary, so a file saved during the run counts as
// a change next time. Without make it is the same key taken at this binary's first synthesis. ""
// (keep nothing) when the inputs cannot be named.
var keyBase = sync.OnceValue(func() string {
	if k, child := os.LookupEnv(childKeyEnv); child {
		return k // a child: its parent's (child_test.go)
	}
	if k := os.Getenv(sharedAssemblyKeyEnv); k != "" {
		if strings.HasPrefix(k, "unkept-") { // make could not name them
			return ""
		}
		return "make " + k
	}
	k, err := inputs.Key(repoRoot, nil)
	if err != nil {
		return ""
	}
	return k
})

// codeRead takes the code's inputs key again within a test, once per binary, when make did not
// hand one over. go test caches a package's result by the files and variables its tests read,
// and only what they read once the tests run counts: keyBase may have read the code's files
// before (TestMain starts the child syntheses, child_test.go), and would not read them again.
// The key must also be the one the syntheses were kept under: a change to the code while the
// tests ran would leave results of the older code.
var codeReadOnce sync.Once

func codeRead(t testing.TB) {
	t.Helper()
	codeReadOnce.Do(func() {
		if os.Getenv(sharedAssemblyKeyEnv) != "" || keyBase() == "" {
			return
		}
		k, err := inputs.Key(repoRoot, nil)
		require.NoError(t, err)
		require.Equal(t, keyBase(), k, "the app's code changed while the tests ran: run them again")
	})
}

// keptFolder is where the synthesis name with material is kept under in ("": keptSyntheses), for
// the code named base (keyBase, or a test's own), or "" when base is "" (the code's inputs cannot
// be named).
func keptFolder(base, in, name string, material ...string) string {
	if base == "" {
		return ""
	}
	h := sha256.New()
	for _, m := range append([]string{base, name}, material...) {
		fmt.Fprintf(h, "%q\n", m)
	}
	if in == "" {
		in = keptSyntheses
	}
	return filepath.Join(in, name+"-"+hex.EncodeToString(h.Sum(nil)))
}

// reuse returns the kept folder when it still holds what its stamp recorded, marking it read now
// (so no run prunes it while this one may read it), or "".
func reuse(folder string) string {
	if folder == "" || gates.Fresh(folder) != nil {
		return ""
	}
	now := time.Now()
	os.Chtimes(folder, now, now)
	return folder
}

// newOut makes the empty folder a synthesis writes to: next to kept, to be renamed into it, or,
// when it is not kept (""), a temporary one (pattern as for os.MkdirTemp).
func newOut(folder, pattern string) (string, error) {
	if folder == "" {
		return os.MkdirTemp("", pattern)
	}
	if err := os.MkdirAll(filepath.Dir(folder), 0o755); err != nil {
		return "", err
	}
	return os.MkdirTemp(filepath.Dir(folder), "tmp-"+keptName(folder)+"-")
}

// keptName is the synthesis name of a kept folder "<name>-<key>".
func keptName(folder string) string {
	base := filepath.Base(folder)
	return base[:max(strings.LastIndex(base, "-"), 0)]
}

// keep stamps the synthesis in out and moves it to folder, then prunes (see above). When another
// run kept the same synthesis meanwhile, that one stays and out goes. It returns where the
// assembly is.
func keep(out, folder string) (string, error) {
	if reuse(folder) != "" {
		os.RemoveAll(out)
		return folder, nil
	}
	if err := gates.Stamp(out); err != nil {
		os.RemoveAll(out)
		return "", err
	}
	os.RemoveAll(folder) // one that no longer matched its stamp
	if err := os.Rename(out, folder); err != nil {
		return out, nil // read where it is; a later prune removes it
	}
	prune(folder)
	return folder, nil
}

// prune removes, beside folder, the other folders of its name (and temporary ones a stopped run
// left) unread for ten minutes, and any folder unread for a day.
func prune(folder string) {
	name := keptName(folder)
	entries, _ := os.ReadDir(filepath.Dir(folder))
	for _, e := range entries {
		dir := filepath.Join(filepath.Dir(folder), e.Name())
		info, err := e.Info()
		if dir == folder || err != nil {
			continue
		}
		idle := time.Since(info.ModTime())
		if idle > 24*time.Hour || (idle > 10*time.Minute && keptName(strings.TrimPrefix(e.Name(), "tmp-")) == name) {
			os.RemoveAll(dir)
		}
	}
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
		if env.CloudFront.FrontendSource != "" {
			sum, err := treeSum(config.FrontendDir(env))
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
	shared, err := harnessMaterial()
	if err != nil {
		return nil, err
	}
	return append(material, shared...), nil
}

// harnessMaterial is what every in-process synthesis shares: the context and the harness that
// synthesizes (read once per binary).
var harnessMaterial = sync.OnceValues(func() ([]string, error) {
	data, err := json.Marshal(cdkContext)
	if err != nil {
		return nil, err
	}
	harness, err := os.ReadFile(filepath.Join(repoRoot, "test", "harness_test.go"))
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(harness)
	return []string{string(data), "harness " + hex.EncodeToString(sum[:])}, nil
})

// inProcessName names an in-process synthesis by its material: the same variant of the configs
// keeps one folder whatever the code.
func inProcessName(material []string) string {
	sum := sha256.Sum256([]byte(strings.Join(material, "\x00")))
	return "synth-" + hex.EncodeToString(sum[:4])
}

// treeSum hashes the names and content of the files under dir.
func treeSum(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if info, err := os.Stat(path); err == nil && info.IsDir() { // a link to a folder
			fmt.Fprintf(h, "%s\x00folder\n", filepath.ToSlash(rel))
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
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
		// The test's own code key: the material decides, even where make could not name the code.
		folder := keptFolder("test code", t.TempDir(), inProcessName(material), material...)
		require.NotEmpty(t, folder)
		return filepath.Base(folder)
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

// TestKeepingPrunesWhatNoRunReads: keeping a synthesis removes the older folders of its name (and
// temporary ones a stopped run left) once unread for ten minutes, and any folder unread for a
// day; one read lately stays. What another run kept meanwhile is kept, not replaced.
func TestKeepingPrunesWhatNoRunReads(t *testing.T) {
	dir := t.TempDir()
	folder := func(name string, idle time.Duration) string {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(path, 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(path, "manifest.json"), []byte(name), 0o644))
		then := time.Now().Add(-idle)
		require.NoError(t, os.Chtimes(path, then, then))
		return path
	}
	older := folder("scale-0ld", time.Hour)
	readLately := folder("scale-1ate", time.Minute)
	leftBehind := folder("tmp-scale-123", time.Hour)
	otherName := folder("fork-0ld", time.Hour)
	unreadForDays := folder("fork-d4ys", 48*time.Hour)

	want := filepath.Join(dir, "scale-new")
	got, err := keep(folder("tmp-scale-456", 0), want)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.NoError(t, gates.Fresh(got), "kept stamped")
	assert.NoDirExists(t, older, "an older folder of the name, unread for an hour")
	assert.NoDirExists(t, leftBehind, "a temporary folder of the name, an hour old")
	assert.DirExists(t, readLately, "a folder of the name read a minute ago")
	assert.DirExists(t, otherName, "another name's folder, unread for an hour")
	assert.NoDirExists(t, unreadForDays, "any folder unread for two days")

	again := folder("tmp-scale-789", 0)
	got, err = keep(again, want)
	require.NoError(t, err)
	assert.Equal(t, want, got)
	assert.NoDirExists(t, again, "the second synthesis of what was kept meanwhile goes")
	data, err := os.ReadFile(filepath.Join(want, "manifest.json"))
	require.NoError(t, err)
	assert.Equal(t, "tmp-scale-456", string(data), "the first stays")
}
