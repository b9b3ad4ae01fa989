// Package inputs names everything a synthesis of the app reads, as one key, so make can keep an
// assembly whose inputs have not changed since it synthesized it (make test's assemblies)
// instead of synthesizing the same thing again.
//
// The key errs towards change. It covers every file of the repository's working tree that git
// tracks or would track, except what no synthesis reads: the app-level tests (test/), the
// documentation (docs/, runbooks/, the Markdown files at the root), CI scripts (.ci/) and Go
// test files. Of the files git ignores it covers those a synthesis is known to read:
// cdk.context.json, ~/.cdk.json (the CLI's context) and the frontend folders the configs name.
// Then the Node and Go versions and every CDK_ and JSII_ environment variable.
package inputs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/gates"
)

// skipped reports whether no synthesis reads the repository file path (slash-separated,
// relative to the root).
func skipped(path string) bool {
	for _, dir := range []string{"test/", "docs/", "runbooks/", ".ci/"} {
		if strings.HasPrefix(path, dir) {
			return true
		}
	}
	return strings.HasSuffix(path, "_test.go") || (!strings.Contains(path, "/") && strings.HasSuffix(path, ".md"))
}

// Key returns the key of a synthesis run in root, the repository (the folder holding cdk.json),
// of the configs in configDirs (relative to root), with extra (e.g. the make context) added.
// An error means the inputs cannot be named (no git, a config that does not load): synthesize.
func Key(root string, configDirs []string, extra ...string) (string, error) {
	listed, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return "", fmt.Errorf("listing the repository's files: %w", err)
	}
	files := map[string]string{} // key path -> file path
	for _, p := range strings.Split(strings.TrimRight(string(listed), "\x00"), "\x00") {
		if p != "" && !skipped(p) {
			files[p] = filepath.Join(root, p)
		}
	}
	files["cdk.context.json"] = filepath.Join(root, "cdk.context.json")
	if home, err := os.UserHomeDir(); err == nil {
		files["~/.cdk.json"] = filepath.Join(home, ".cdk.json")
	}
	for _, dir := range configDirs {
		envs, err := config.LoadDir(filepath.Join(root, dir))
		if err != nil {
			return "", err
		}
		for _, env := range envs {
			if err := addTree(files, root, config.FrontendDir(env)); err != nil {
				return "", err
			}
		}
	}
	h := sha256.New()
	for _, p := range slices.Sorted(maps.Keys(files)) {
		data, err := os.ReadFile(files[p])
		switch {
		case os.IsNotExist(err):
			data = []byte("\x00absent")
		case err != nil:
			return "", err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(h, "%s\x00%x\n", p, sum)
	}
	node, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "", fmt.Errorf("node --version: %w", err)
	}
	fmt.Fprintf(h, "node %s\ngo %s\n", bytes.TrimSpace(node), runtime.Version())
	var vars []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "CDK_") || strings.HasPrefix(kv, "JSII_") {
			vars = append(vars, kv)
		}
	}
	slices.Sort(vars)
	for _, s := range append(vars, extra...) {
		fmt.Fprintf(h, "%q\n", s)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// addTree adds every file under dir (a frontend folder; "" for none) to files.
func addTree(files map[string]string, root, dir string) error {
	if dir == "" {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			rel = path
		}
		files[filepath.ToSlash(rel)] = path
		return nil
	})
}

// record is what make kept: the key of the inputs and the stamp of each assembly it made from
// them (the hash of its gates stamp file).
type record struct {
	Key    string            `json:"key"`
	Stamps map[string]string `json:"stamps"`
}

// Save records in file that the assemblies in dirs were made from the inputs of key.
func Save(file, key string, dirs []string) error {
	r := record{Key: key, Stamps: map[string]string{}}
	for _, dir := range dirs {
		sum, err := stampSum(dir)
		if err != nil {
			return err
		}
		r.Stamps[dir] = sum
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		return err
	}
	return os.WriteFile(file, append(data, '\n'), 0o644)
}

// Recorded reports whether file records key and, for each of dirs, the stamp dir holds now:
// the assemblies there were made from these very inputs. (Whether their files still match
// their stamps is the gates' Fresh.)
func Recorded(file, key string, dirs []string) bool {
	data, err := os.ReadFile(file)
	if err != nil || key == "" {
		return false
	}
	var r record
	if json.Unmarshal(data, &r) != nil || r.Key != key || len(r.Stamps) != len(dirs) {
		return false
	}
	for _, dir := range dirs {
		sum, err := stampSum(dir)
		if err != nil || r.Stamps[dir] != sum {
			return false
		}
	}
	return true
}

// stampSum is the hash of dir's gates stamp file.
func stampSum(dir string) (string, error) {
	data, err := os.ReadFile(filepath.Join(dir, gates.StampFile))
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}
