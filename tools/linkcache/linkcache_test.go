package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// elf starts what the fake tools write, as it does an executable.
const elf = "\x7fELF"

// fakeTools writes a "link" and a "compile" that log each call and write elf+"<tool> call N" to -o.
func fakeTools(t *testing.T) (link, compile string, calls func() int) {
	t.Helper()
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("the fake tools are shell scripts")
	}
	dir := t.TempDir()
	log := filepath.Join(dir, "calls")
	script := `#!/bin/sh
echo "$0" >> '` + log + `'
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    -o) out="$2"; shift ;;
    -fail) exit 3 ;;
  esac
  shift
done
[ -z "$out" ] || printf '\177ELF%s call %s\n' "$(basename "$0")" "$(wc -l < '` + log + `' | tr -d ' ')" > "$out"
`
	link, compile = filepath.Join(dir, "link"), filepath.Join(dir, "compile")
	for _, p := range []string{link, compile} {
		require.NoError(t, os.WriteFile(p, []byte(script), 0o755))
	}
	return link, compile, func() int {
		data, err := os.ReadFile(log)
		if os.IsNotExist(err) {
			return 0
		}
		require.NoError(t, err)
		return strings.Count(string(data), "\n")
	}
}

// work is one go command's work folder with a test binary's link inputs: the import config and
// the main package's archive in $WORK/b001, the other packages in a content-named cache folder.
type work struct {
	dir, cfg, main, out string
}

func newWork(t *testing.T, mainArchive string) work {
	t.Helper()
	dir := t.TempDir()
	b := filepath.Join(dir, "b001")
	require.NoError(t, os.Mkdir(b, 0o755))
	w := work{dir: dir, cfg: filepath.Join(b, "importcfg.link"), main: filepath.Join(b, "_pkg_.a"), out: filepath.Join(b, "service.test")}
	require.NoError(t, os.WriteFile(w.main, []byte(mainArchive), 0o644))
	cfg := "packagefile example.com/app/service.test=" + w.main + "\n" +
		"packagefile example.com/app/service=/cache/go-build/e1/e1f8-d\n" +
		"modinfo \"path\\texample.com/app/service.test\\n\"\n"
	require.NoError(t, os.WriteFile(w.cfg, []byte(cfg), 0o644))
	return w
}

func (w work) args(extra ...string) []string {
	args := []string{"-o", w.out, "-importcfg", w.cfg, "-s", "-w", "-buildmode=exe", "-buildid=AAAA/BBBB/CCCC/AAAA"}
	return append(append(args, extra...), w.main)
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

func kept(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			files = append(files, rel)
		}
		return err
	}))
	return files
}

func TestALinkIsKeptAndRestoredInAnotherWorkFolder(t *testing.T) {
	link, _, calls := fakeTools(t)
	cache := t.TempDir()

	first := newWork(t, "main archive")
	require.Equal(t, 0, run(cache, link, first.args()))
	require.Equal(t, 1, calls())
	assert.Equal(t, elf+"link call 1\n", read(t, first.out))
	files := kept(t, cache)
	require.Len(t, files, 1)
	assert.True(t, strings.HasPrefix(filepath.Dir(files[0]), "example.com_app_service.test-"), "kept under the main package's import path: %s", files[0])

	second := newWork(t, "main archive")
	require.Equal(t, 0, run(cache, link, second.args()))
	assert.Equal(t, 1, calls(), "the same inputs in another work folder: no link")
	assert.Equal(t, elf+"link call 1\n", read(t, second.out), "the kept binary")
	info, err := os.Stat(second.out)
	require.NoError(t, err)
	assert.NotZero(t, info.Mode()&0o100, "restored executable")
}

func TestAChangedInputLinksAgainAndReplacesThePackagesBinary(t *testing.T) {
	withExtraPackage := func(t *testing.T) []string {
		w := newWork(t, "main archive")
		require.NoError(t, os.WriteFile(w.cfg, []byte(read(t, w.cfg)+"packagefile example.com/app/extra=/cache/go-build/ab/ab12-d\n"), 0o644))
		return w.args()
	}
	cases := []struct {
		name    string
		changed func(t *testing.T) []string
	}{
		{"the main package's archive in the work folder changed", func(t *testing.T) []string { return newWork(t, "main archive, edited").args() }},
		{"a linker flag changed", func(t *testing.T) []string { return newWork(t, "main archive").args("-X", "main.version=2") }},
		{"another package in the import config", withExtraPackage},
		{"a variable the linker reads changed", func(t *testing.T) []string {
			t.Setenv("GOAMD64", "v3")
			return newWork(t, "main archive").args()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			link, _, calls := fakeTools(t)
			cache := t.TempDir()
			require.Equal(t, 0, run(cache, link, newWork(t, "main archive").args()))
			require.Equal(t, 0, run(cache, link, newWork(t, "main archive").args()))
			require.Equal(t, 1, calls(), "the unchanged inputs hit")

			require.Equal(t, 0, run(cache, link, c.changed(t)))
			assert.Equal(t, 2, calls(), "the changed inputs link")
			assert.Len(t, kept(t, cache), 1, "one binary per package")
		})
	}
}

func TestTheKeptBinaryIsACopyOfTheLinkersOutput(t *testing.T) {
	link, _, calls := fakeTools(t)
	cache := t.TempDir()
	first := newWork(t, "main archive")
	require.Equal(t, 0, run(cache, link, first.args()))
	// go writes the build ID into the output in place after the link
	require.NoError(t, os.WriteFile(first.out, []byte("rewritten in place\n"), 0o755))

	second := newWork(t, "main archive")
	require.Equal(t, 0, run(cache, link, second.args()))
	assert.Equal(t, 1, calls())
	assert.Equal(t, elf+"link call 1\n", read(t, second.out), "what the linker wrote, not what became of its output")
}

func TestABrokenKeptBinaryIsLinkedAgain(t *testing.T) {
	link, _, calls := fakeTools(t)
	cache := t.TempDir()
	require.Equal(t, 0, run(cache, link, newWork(t, "main archive").args()))
	files := kept(t, cache)
	require.Len(t, files, 1)
	require.NoError(t, os.WriteFile(filepath.Join(cache, files[0]), nil, 0o755), "cut short")
	stale := filepath.Join(cache, filepath.Dir(files[0]), "abc.123.tmp")
	require.NoError(t, os.WriteFile(stale, []byte("left by a stopped wrapper"), 0o644))
	old := time.Now().Add(-time.Hour)
	require.NoError(t, os.Chtimes(stale, old, old))

	w := newWork(t, "main archive")
	require.Equal(t, 0, run(cache, link, w.args()))
	assert.Equal(t, 2, calls(), "the empty kept file is not restored")
	assert.Equal(t, elf+"link call 2\n", read(t, w.out))
	assert.Equal(t, files, kept(t, cache), "kept again; the old temporary copy is gone")
}

func TestWhatIsNotAKeptLinkRunsAsIs(t *testing.T) {
	link, compile, calls := fakeTools(t)
	cache := t.TempDir()
	w := newWork(t, "main archive")

	require.Equal(t, 0, run(cache, compile, w.args()))
	assert.Equal(t, elf+"compile call 1\n", read(t, w.out), "another tool runs unchanged")
	require.Equal(t, 0, run(cache, link, []string{"-V=full"}))
	assert.Equal(t, 2, calls(), "go asking the linker's version")
	require.Equal(t, 0, run("", link, w.args()))
	require.Equal(t, 0, run("", link, w.args()))
	assert.Equal(t, 4, calls(), "no cache folder: every link runs")
	outside := filepath.Join(t.TempDir(), "service.test")
	require.Equal(t, 0, run(cache, link, []string{"-o", outside, "-importcfg", w.cfg, "-buildid=A/B", w.main}))
	assert.Equal(t, 5, calls(), "an output outside go's work folder")
	assert.Empty(t, kept(t, cache))

	assert.Equal(t, 3, run(cache, link, w.args("-fail")), "the linker's exit code")
	assert.Empty(t, kept(t, cache), "a failed link is not kept")
}

func TestTheWrappersOwnFolderArgument(t *testing.T) {
	dir, tool := splitArgs([]string{"-dir", "/c", "/go/pkg/tool/link", "-o", "x"})
	assert.Equal(t, "/c", dir)
	assert.Equal(t, []string{"/go/pkg/tool/link", "-o", "x"}, tool)
	dir, tool = splitArgs([]string{"/go/pkg/tool/compile", "-dir", "x"})
	assert.Empty(t, dir)
	assert.Equal(t, []string{"/go/pkg/tool/compile", "-dir", "x"}, tool)
}

func TestNothingIsKeptWhenTheDiskIsShort(t *testing.T) {
	link, _, calls := fakeTools(t)
	cache := t.TempDir()
	defer func(saved uint64) { minFree = saved }(minFree)
	minFree = 1 << 62

	require.Equal(t, 0, run(cache, link, newWork(t, "main archive").args()))
	require.Equal(t, 0, run(cache, link, newWork(t, "main archive").args()))
	assert.Equal(t, 2, calls())
	assert.Empty(t, kept(t, cache))
}
