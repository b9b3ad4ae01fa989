// Package gendoc writes generated documents, or checks that the committed ones still equal what
// the generator makes now, for the tools that draw the diagrams and estimate the costs.
package gendoc

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Files maps a path to the content the generator wants there.
type Files map[string]string

// Write writes every file, creating folders.
func (f Files) Write() error {
	for _, p := range f.paths() {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(f[p]), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Check returns one error per file that is missing or differs from what the generator makes,
// each saying which command regenerates it.
func (f Files) Check(regenerate string) error {
	var errs []error
	for _, p := range f.paths() {
		b, err := os.ReadFile(p)
		switch {
		case errors.Is(err, os.ErrNotExist):
			errs = append(errs, fmt.Errorf("%s: missing; run %s and commit it", p, regenerate))
		case err != nil:
			errs = append(errs, err)
		case string(b) != f[p]:
			errs = append(errs, fmt.Errorf("%s: stale (it differs from what the synthesized assembly gives at line %d); run %s and commit it", p, firstDiff(string(b), f[p]), regenerate))
		}
	}
	return errors.Join(errs...)
}

func (f Files) paths() []string {
	ps := make([]string, 0, len(f))
	for p := range f {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	return ps
}

func firstDiff(a, b string) int {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range min(len(al), len(bl)) {
		if al[i] != bl[i] {
			return i + 1
		}
	}
	return min(len(al), len(bl)) + 1
}

// Splice returns text with the lines between the marker lines "<!-- begin name -->" and
// "<!-- end name -->" replaced by content, so a generated part can live inside a hand-written
// document such as the README.
func Splice(text, name, content string) (string, error) {
	begin, end := "<!-- begin "+name+" -->\n", "<!-- end "+name+" -->"
	i := strings.Index(text, begin)
	j := strings.Index(text, end)
	if i < 0 || j < i {
		return "", fmt.Errorf("no %q … %q markers", strings.TrimSpace(begin), end)
	}
	if !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return text[:i+len(begin)] + content + text[j:], nil
}
