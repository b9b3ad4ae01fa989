package gates

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// LintCacheEnv names the folder where cfn-lint's verdict on each template is kept, by the
// template's content. make sets it to a folder per cfn-lint version (.make/cfn-lint/<version>),
// so a template linted once by that version is not linted again: most of a make test re-lints
// templates that did not change, and a cfn-lint start alone costs seconds of CPU. Unset (a plain
// go test or go run), every template is linted.
const LintCacheEnv = "STRATUS_CFNLINT_CACHE"

// CfnLintVersionEnv is where make records the cfn-lint on the PATH ("cfn-lint-1.51.0",
// tools/cfnlint-version), once per make run.
const CfnLintVersionEnv = "CFNLINT_VERSION"

// pinnedCfnLint refuses a cfn-lint of another version than limits.CfnLintVersion, as make found
// it: its rules, and so its findings, are another version's (and tagsUnknownToCfnLint is this
// one's). Unset (a plain go test), nothing is checked.
func pinnedCfnLint() error {
	got, want := os.Getenv(CfnLintVersionEnv), "cfn-lint-"+limits.CfnLintVersion
	if got == "" || got == want {
		return nil
	}
	return fmt.Errorf("cfn-lint: %s on the PATH, but the gates are pinned to %s (pip install cfn-lint==%s)",
		strings.TrimPrefix(got, "cfn-lint-"), limits.CfnLintVersion, limits.CfnLintVersion)
}

// lintCache holds cfn-lint's matches per template content in dir ("" disables it).
type lintCache struct{ dir string }

func newLintCache() lintCache { return lintCache{dir: os.Getenv(LintCacheEnv)} }

// entry is the cache file of a template: the hash of the arguments lint passes and its content;
// "" with the cache off or the template unreadable (cfn-lint then reports on it).
func (c lintCache) entry(template string) string {
	if c.dir == "" {
		return ""
	}
	data, err := os.ReadFile(template)
	if err != nil {
		return ""
	}
	h := sha256.New()
	h.Write([]byte(lintArgsVersion + "\x00"))
	h.Write(data)
	return filepath.Join(c.dir, hex.EncodeToString(h.Sum(nil))+".json")
}

// lintArgsVersion changes whenever lint's cfn-lint arguments do, so no entry outlives them.
const lintArgsVersion = "--format json"

// get returns the matches recorded in entry, under template's current file name, and whether
// there was one.
func (c lintCache) get(entry, template string) ([]lintMatch, bool) {
	if entry == "" {
		return nil, false
	}
	data, err := os.ReadFile(entry)
	if err != nil {
		return nil, false
	}
	var matches []lintMatch
	if json.Unmarshal(data, &matches) != nil {
		return nil, false
	}
	for i := range matches {
		matches[i].Filename = template
	}
	return matches, true
}

// put records the matches of the templates just linted, in their entries (template -> entry).
// An entry that cannot be written is only a lost saving.
func (c lintCache) put(entries map[string]string, matches []lintMatch) {
	// Nothing new, nothing touched: go test records the files a test looks at, and a look at the
	// folder (which every new entry changes) would keep its result out of the test cache.
	if c.dir == "" || len(entries) == 0 || os.MkdirAll(c.dir, 0o755) != nil {
		return
	}
	byFile := map[string][]lintMatch{}
	for _, m := range matches {
		byFile[m.Filename] = append(byFile[m.Filename], m)
	}
	for tpl, entry := range entries {
		if entry == "" {
			continue
		}
		data, err := json.Marshal(append([]lintMatch{}, byFile[tpl]...))
		if err != nil {
			continue
		}
		// Written aside and renamed: test packages run in parallel and may record the same entry.
		tmp, err := os.CreateTemp(c.dir, "entry-*")
		if err != nil {
			continue
		}
		_, werr := tmp.Write(data)
		if cerr := tmp.Close(); werr != nil || cerr != nil || os.Rename(tmp.Name(), entry) != nil {
			os.Remove(tmp.Name())
		}
	}
}
