package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// minFree is what the disk keeps free: a CDK test binary is about 110 MB, one per package.
var minFree uint64 = 5 << 30

// run runs tool with args; when tool is the linker and dir is set, through the cache in dir.
func run(dir, tool string, args []string) int {
	l, ok := parseLink(tool, args)
	if dir == "" || !ok {
		return runTool(tool, args)
	}
	key, err := l.key()
	if err != nil {
		return runTool(tool, args) // inputs it cannot name: link as usual
	}
	kept := filepath.Join(dir, l.name(), key)
	if restore(kept, l.out) == nil {
		return 0
	}
	if code := runTool(tool, args); code != 0 {
		return code
	}
	keep(kept, l.out)
	return 0
}

func runTool(tool string, args []string) int {
	cmd := exec.Command(tool, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() > 0 {
			return exit.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "linkcache:", err)
		return 1
	}
	return 0
}

// link is one invocation of the linker that can be kept.
type link struct {
	tool      string
	args      []string
	out       string // -o
	importcfg string // -importcfg
	cfg       string // what it holds
	work      string // the go command's work folder ($WORK), which holds both
}

// parseLink reads a linker invocation as go runs it: -o and -importcfg inside the work folder,
// and a -buildid, with an import config it can read. Anything else (another tool, `link -V=full`)
// is not a link to keep.
func parseLink(tool string, args []string) (*link, bool) {
	if strings.TrimSuffix(filepath.Base(tool), ".exe") != "link" {
		return nil, false
	}
	l := &link{tool: tool, args: args}
	buildID := false
	for i, a := range args {
		switch {
		case a == "-o" && i+1 < len(args):
			l.out = args[i+1]
		case a == "-importcfg" && i+1 < len(args):
			l.importcfg = args[i+1]
		case strings.HasPrefix(a, "-buildid="):
			buildID = true
		}
	}
	if l.out == "" || l.importcfg == "" || !buildID {
		return nil, false
	}
	// go writes both into $WORK/bNNN/.
	l.work = filepath.Dir(filepath.Dir(l.out))
	if filepath.Dir(filepath.Dir(l.importcfg)) != l.work || !filepath.IsAbs(l.work) || l.work == filepath.Dir(l.work) {
		return nil, false
	}
	cfg, err := os.ReadFile(l.importcfg)
	if err != nil {
		return nil, false
	}
	l.cfg = string(cfg)
	return l, true
}

// key hashes what the linked binary is made of: the tool, its arguments and the import config,
// with the work folder masked, plus the content of every file named under the work folder (go
// names packages in its build cache by their content, so their names are enough).
func (l *link) key() (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "tool %s\n", l.tool)
	for _, name := range []string{"GOROOT", "GOOS", "GOARCH", "GOAMD64", "GOARM64", "GOEXPERIMENT", "GOFIPS140", "CGO_ENABLED", "CC", "GO_EXTLINK_ENABLED", "GO_LDSO"} {
		fmt.Fprintf(h, "env %s=%s\n", name, os.Getenv(name))
	}
	for _, a := range l.args {
		fmt.Fprintf(h, "arg %s\n", l.mask(a))
	}
	fmt.Fprintf(h, "importcfg %d\n%s\n", len(l.cfg), l.mask(l.cfg))
	named := append(append([]string{}, l.args...), strings.Fields(strings.ReplaceAll(l.cfg, "=", " "))...)
	for _, path := range named {
		if path == l.out || path == l.importcfg || !strings.HasPrefix(path, l.work+string(filepath.Separator)) {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "file %s %x\n", l.mask(path), sha256.Sum256(data))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func (l *link) mask(s string) string { return strings.ReplaceAll(s, l.work, "$WORK") }

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// name is the folder of the package's kept binary: the import path of the main package (for a
// test binary, "<package>.test"), else the output's file name.
func (l *link) name() string {
	name := filepath.Base(l.out)
	main := l.args[len(l.args)-1] // the main package's archive comes last
	for _, line := range strings.Split(l.cfg, "\n") {
		if pkg, file, ok := strings.Cut(strings.TrimPrefix(line, "packagefile "), "="); ok && file == main {
			name = pkg
			break
		}
	}
	sum := sha256.Sum256([]byte(name))
	return unsafeName.ReplaceAllString(name, "_") + "-" + hex.EncodeToString(sum[:4])
}

// restore copies the kept binary to the link's output, when it is one: a file cut short (the
// machine stopped while it was written) is removed, and the linker runs.
func restore(kept, out string) error {
	f, err := os.Open(kept)
	if err != nil {
		return err
	}
	magic := make([]byte, 4)
	_, err = io.ReadFull(f, magic)
	f.Close()
	if err != nil || !executable(magic) {
		os.Remove(kept)
		return fmt.Errorf("%s: not an executable", kept)
	}
	return copyFile(kept, out, false)
}

// executable reports whether a file starting with magic is an ELF or Mach-O executable.
func executable(magic []byte) bool {
	for _, m := range [][]byte{{0x7f, 'E', 'L', 'F'}, {0xcf, 0xfa, 0xed, 0xfe}, {0xfe, 0xed, 0xfa, 0xcf}} {
		if bytes.Equal(magic, m) {
			return true
		}
	}
	return false
}

// copyFile copies src to dst (a new file, executable), through the kernel where it can; with
// sync, onto the disk before it returns.
func copyFile(src, dst string, sync bool) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil && sync {
		err = out.Sync()
	}
	if err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

// keep stores the linked binary as kept (copied before go writes its build ID into the output,
// which go then does to a restored copy alike; written beside it and synced, then renamed into
// place, so a reader sees all of it or nothing) and removes the package's earlier binaries, and
// copies left by a wrapper that was stopped while it wrote one.
func keep(kept, linked string) {
	dir := filepath.Dir(kept)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	prune(dir, kept)
	if info, err := os.Stat(linked); err != nil || !roomFor(dir, uint64(info.Size())) {
		return
	}
	tmp := fmt.Sprintf("%s.%d.tmp", kept, os.Getpid())
	if copyFile(linked, tmp, true) != nil || os.Rename(tmp, kept) != nil {
		os.Remove(tmp)
	}
}

// prune removes from dir every file but kept, except copies being written now by another wrapper.
func prune(dir, kept string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || e.Name() == filepath.Base(kept) || strings.HasSuffix(e.Name(), ".tmp") && time.Since(info.ModTime()) < 10*time.Minute {
			continue
		}
		os.Remove(filepath.Join(dir, e.Name()))
	}
}
