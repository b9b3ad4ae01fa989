package gates

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// StampFile records what a validated `make synth` (or `make seeds`) wrote into an assembly
// folder: every file's SHA-256. The gates read an assembly only while it still holds exactly
// that content, so a later plain `npx cdk synth` (which may skip validation and leaves older
// reports and the examples folder behind) is never judged as if make had written it.
const StampFile = "stratus-stamp.json"

type stampDoc struct {
	// Files maps each file's slash-separated path, relative to the stamped folder, to its hash.
	// A subfolder with a stamp of its own (cdk.out/examples) is left to that stamp.
	Files map[string]string `json:"files"`
}

// Stamp records the content of dir in dir/StampFile.
func Stamp(dir string) error {
	files, _, err := contents(dir)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(stampDoc{Files: files}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, StampFile), append(data, '\n'), 0o644)
}

// Fresh fails unless dir, and every stamped folder under it, holds exactly what its stamp
// recorded: no file changed, added or removed since.
func Fresh(dir string) error {
	data, err := os.ReadFile(filepath.Join(dir, StampFile))
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: no %s: the gates judge only what `make synth` and `make seeds` wrote; run `make gates`", dir, StampFile)
	}
	if err != nil {
		return err
	}
	var stamp stampDoc
	if err := json.Unmarshal(data, &stamp); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, StampFile), err)
	}
	files, nested, err := contents(dir)
	if err != nil {
		return err
	}
	if diff := compare(stamp.Files, files); diff != "" {
		return fmt.Errorf("%s changed after make synthesized it (%s), e.g. by a plain `npx cdk synth`: run `make gates`", dir, diff)
	}
	for _, sub := range nested {
		if err := Fresh(sub); err != nil {
			return err
		}
	}
	return nil
}

// contents hashes every file under dir except the stamp itself and the stamped subfolders,
// which it returns apart.
func contents(dir string) (files map[string]string, nested []string, err error) {
	files = map[string]string{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && exists(filepath.Join(path, StampFile)) {
				nested = append(nested, path)
				return filepath.SkipDir
			}
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil || rel == StampFile {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".metadata.json") {
			// Creation traces name the jsii runtime's random temporary folder: two synths of the
			// same code differ only there, and that must not count as a change.
			data = jsiiKernel.ReplaceAll(data, []byte("jsii-kernel"))
		}
		sum := sha256.Sum256(data)
		files[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	return files, nested, err
}

// jsiiKernel is the jsii runtime's temporary folder name in a creation trace.
var jsiiKernel = regexp.MustCompile(`jsii-kernel-[A-Za-z0-9]+`)

// compare describes how got differs from want, naming a few files of each kind; "" when equal.
func compare(want, got map[string]string) string {
	var changed, added, removed []string
	for name, sum := range got {
		switch old, ok := want[name]; {
		case !ok:
			added = append(added, name)
		case old != sum:
			changed = append(changed, name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			removed = append(removed, name)
		}
	}
	var parts []string
	for _, kind := range []struct {
		verb  string
		names []string
	}{{"changed", changed}, {"added", added}, {"removed", removed}} {
		if len(kind.names) == 0 {
			continue
		}
		sort.Strings(kind.names)
		shown := kind.names[:min(3, len(kind.names))]
		more := ""
		if n := len(kind.names) - len(shown); n > 0 {
			more = fmt.Sprintf(" and %d more", n)
		}
		parts = append(parts, fmt.Sprintf("%s: %s%s", kind.verb, strings.Join(shown, ", "), more))
	}
	return strings.Join(parts, "; ")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
