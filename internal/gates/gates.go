// Package gates reads a synthesized cloud assembly and lists what the quality gates reject:
// cdk-nag findings, cfn-lint errors and warnings, and aws-cdk-lib's validation-report findings.
package gates

import (
	"cmp"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Finding is one problem a gate found, printable as one line.
type Finding struct {
	Gate   string // "cdk-nag", "cfn-lint", "validation"
	Where  string // report or template file, relative to the assembly
	Detail string
}

func (f Finding) String() string { return fmt.Sprintf("[%s] %s: %s", f.Gate, f.Where, f.Detail) }

// NagPacks are the packs whose reports must exist for every stack.
var NagPacks = []string{"AwsSolutions", "NIST.800.53.R5"}

// NagReportName is the file a cdk-nag pack writes its report of stack in, in the app's output
// folder: stage is the id of the stack's stage, "" for the app's own stacks.
func NagReportName(pack, stage, stack string) string {
	return fmt.Sprintf("%s-%s-%s-NagReport.csv", pack, stage, stack)
}

// Nag lists every non-compliant or unevaluable (UNKNOWN) cdk-nag report line under dir. It is an
// error when no report exists for a pack: a missing report would otherwise read as a clean one.
func Nag(dir string) ([]Finding, error) {
	reports, err := find(dir, func(name string) bool { return strings.HasSuffix(name, "-NagReport.csv") })
	if err != nil {
		return nil, err
	}
	for _, pack := range NagPacks {
		if !anyHasPrefix(reports, dir, pack+"-") {
			return nil, fmt.Errorf("%s: no %s cdk-nag report: the pack was not applied", dir, pack)
		}
	}
	if err := everyStackReported(dir); err != nil {
		return nil, err
	}
	var out []Finding
	for _, report := range reports {
		f, err := os.Open(report)
		if err != nil {
			return nil, err
		}
		rows, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", report, err)
		}
		for _, row := range rows[min(1, len(rows)):] { // skip the header
			if len(row) < 6 {
				return nil, fmt.Errorf("%s: malformed line %q", report, row)
			}
			if compliance := row[2]; compliance == "Non-Compliant" || compliance == "UNKNOWN" {
				out = append(out, Finding{"cdk-nag", rel(dir, report),
					fmt.Sprintf("%s %s %s on %s: %s", row[4], row[0], compliance, row[1], firstLine(row[5]))})
			}
		}
	}
	return out, nil
}

// everyStackReported fails for each stack of each cloud assembly under dir that lacks a report
// from one of NagPacks. The packs are applied stack by stack (stacks.ApplyCompliance), and a stack
// they were not applied to has no report at all, where a checked one without findings has a
// report of compliant lines. cdk-nag writes a report (NagReportName) in the app's output folder,
// the one that holds the top manifest: an app's stages are nested assemblies under it
// (their manifests' cdk:cloud-assembly artifacts), each named for its stage's id last.
func everyStackReported(dir string) error {
	manifests, err := find(dir, func(name string) bool { return name == "manifest.json" })
	if err != nil {
		return err
	}
	var errs []error
	for _, path := range manifests {
		// An app's output folder: not a stage's nested assembly (read from its app's) nor an
		// asset's content.
		if base := filepath.Base(filepath.Dir(path)); strings.HasPrefix(base, "assembly-") || strings.HasPrefix(base, "asset.") {
			continue
		}
		errs = append(errs, stacksReported(dir, filepath.Dir(path), filepath.Dir(path), "")...)
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Error() < errs[j].Error() })
	return errors.Join(errs...)
}

// stacksReported checks the stacks of the assembly in folder, a stage of id stage (or the app,
// ""), and of the stages nested in it, against the reports in the app's output folder, outdir.
func stacksReported(dir, outdir, folder, stage string) []error {
	path := filepath.Join(folder, "manifest.json")
	body, err := os.ReadFile(path)
	if err != nil {
		return []error{err}
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type       string `json:"type"`
			Properties struct {
				StackName     string `json:"stackName"`
				DirectoryName string `json:"directoryName"`
				DisplayName   string `json:"displayName"`
			} `json:"properties"`
		} `json:"artifacts"`
	}
	if err := json.Unmarshal(body, &manifest); err != nil {
		return []error{fmt.Errorf("%s: %w", rel(dir, path), err)}
	}
	var errs []error
	for id, artifact := range manifest.Artifacts {
		switch artifact.Type {
		case "cdk:cloud-assembly": // a stage: its display name is its path, its id last
			display := cmp.Or(artifact.Properties.DisplayName, id)
			errs = append(errs, stacksReported(dir, outdir, filepath.Join(folder, artifact.Properties.DirectoryName),
				display[strings.LastIndex(display, "/")+1:])...)
		case "aws:cloudformation:stack":
			name := cmp.Or(artifact.Properties.StackName, id)
			for _, pack := range NagPacks {
				report := filepath.Join(outdir, NagReportName(pack, stage, name))
				if _, err := os.Stat(report); err != nil {
					errs = append(errs, fmt.Errorf("%s: stack %s has no %s cdk-nag report (%s): the pack was not applied to it",
						rel(dir, path), name, pack, rel(dir, report)))
				}
			}
		}
	}
	return errs
}

// Validation lists every violation in the validation-report.json files under dir and fails
// when there is none to read (validation turned off must not pass as clean).
func Validation(dir string) ([]Finding, error) {
	reports, err := find(dir, func(name string) bool { return name == "validation-report.json" })
	if err != nil {
		return nil, err
	}
	if len(reports) == 0 {
		return nil, fmt.Errorf("%s: no validation-report.json: synthesize with CDK_VALIDATION unset or true", dir)
	}
	var out []Finding
	for _, report := range reports {
		data, err := os.ReadFile(report)
		if err != nil {
			return nil, err
		}
		var doc validationReport
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", report, err)
		}
		for _, plugin := range doc.PluginReports {
			for _, v := range plugin.Violations {
				var where []string
				for _, r := range v.ViolatingConstructs {
					where = append(where, r.ConstructPath)
				}
				out = append(out, Finding{"validation", rel(dir, report), fmt.Sprintf("%s %s %s: %s (%s)",
					plugin.Summary.PluginName, v.Severity, v.RuleName, firstLine(v.Description), strings.Join(where, ", "))})
			}
		}
	}
	return out, nil
}

type validationReport struct {
	PluginReports []struct {
		Summary struct {
			PluginName string `json:"pluginName"`
		} `json:"summary"`
		Violations []struct {
			RuleName            string `json:"ruleName"`
			Description         string `json:"description"`
			Severity            string `json:"severity"`
			ViolatingConstructs []struct {
				ConstructPath string `json:"constructPath"`
			} `json:"violatingConstructs"`
		} `json:"violations"`
	} `json:"pluginReports"`
}

// CfnLint runs cfn-lint over every template under dir (nested assembly-* folders included) and
// lists each error and warning. Informational matches are not findings, nor are the known schema
// gaps of the pinned cfn-lint (see schemaGap).
func CfnLint(dir string) ([]Finding, error) {
	if err := pinnedCfnLint(); err != nil {
		return nil, err
	}
	templates, err := find(dir, func(name string) bool { return strings.HasSuffix(name, ".template.json") })
	if err != nil {
		return nil, err
	}
	if len(templates) == 0 {
		return nil, fmt.Errorf("%s: no templates to lint", dir)
	}
	matches, err := lintConcurrently(templates)
	if err != nil {
		return nil, err
	}
	types := resourceTypes{}
	var out []Finding
	for _, m := range matches {
		if strings.HasPrefix(m.Rule.ID, "I") {
			continue
		}
		if gap, err := schemaGap(m, types); err != nil {
			return nil, err
		} else if gap {
			continue
		}
		out = append(out, Finding{"cfn-lint", rel(dir, m.Filename),
			fmt.Sprintf("%s line %d: %s", m.Rule.ID, m.Location.Start.LineNumber, m.Message)})
	}
	return out, nil
}

// lintConcurrently lints the templates in one cfn-lint process per CPU: cfn-lint is
// single-threaded and most of a gates run is spent in it. Matches come back in template order.
// Templates whose verdict is in the lint cache (LintCacheEnv) are not linted again.
func lintConcurrently(templates []string) ([]lintMatch, error) {
	cache := newLintCache()
	var todo []string
	var found []lintMatch
	entries := map[string]string{} // of the templates to lint
	for _, tpl := range templates {
		entry := cache.entry(tpl)
		if m, ok := cache.get(entry, tpl); ok {
			found = append(found, m...)
		} else {
			todo = append(todo, tpl)
			entries[tpl] = entry
		}
	}
	linted, err := lintInChunks(todo)
	if err != nil {
		return nil, err
	}
	cache.put(entries, linted)
	all := append(found, linted...)
	sort.SliceStable(all, func(i, j int) bool { return all[i].Filename < all[j].Filename })
	return all, nil
}

// CfnLintFiles lints the given templates (through the lint cache) and returns every match,
// informational ones included, as "file line N: rule: message" lines: what a construct test
// holds to nothing.
func CfnLintFiles(templates []string) ([]string, error) {
	matches, err := lintConcurrently(templates)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(matches))
	for i, m := range matches {
		out[i] = fmt.Sprintf("%s line %d: %s: %s", m.Filename, m.Location.Start.LineNumber, m.Rule.ID, m.Message)
	}
	return out, nil
}

// lintInChunks lints templates in one cfn-lint process per CPU.
func lintInChunks(templates []string) ([]lintMatch, error) {
	n := min(runtime.NumCPU(), len(templates))
	if n == 0 {
		return nil, nil
	}
	chunks := make([][]string, n)
	for i, tpl := range templates {
		chunks[i%n] = append(chunks[i%n], tpl)
	}
	results := make([][]lintMatch, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, chunk := range chunks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = lint(chunk)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	var matches []lintMatch
	for _, r := range results {
		matches = append(matches, r...)
	}
	return matches, nil
}

// lint runs one cfn-lint process over templates and returns its matches.
func lint(templates []string) ([]lintMatch, error) {
	args := append([]string{"--format", "json", "--"}, templates...)
	cmd := exec.Command("cfn-lint", args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return nil, fmt.Errorf("cfn-lint: %w (install it with `pip install cfn-lint==%s`)", err, limits.CfnLintVersion)
	}
	if exit != nil && exit.ExitCode()&^(2|4|8) != 0 {
		return nil, fmt.Errorf("cfn-lint failed (exit %d): %s", exit.ExitCode(), stderr.String())
	}
	var matches []lintMatch
	if err := json.Unmarshal(stdout, &matches); err != nil {
		return nil, fmt.Errorf("cfn-lint: unreadable output: %w: %s", err, stderr.String())
	}
	if exit != nil && exit.ExitCode()&(2|4) != 0 && len(matches) == 0 {
		return nil, fmt.Errorf("cfn-lint reported errors it did not print: %s", stderr.String())
	}
	return matches, nil
}

// lintMatch is one entry of cfn-lint's --format json output.
type lintMatch struct {
	Filename string
	Message  string
	Rule     struct {
		ID string `json:"Id"`
	}
	Location struct {
		Path  []any
		Start struct{ LineNumber int }
	}
}

// tagsUnknownToCfnLint lists the resource types whose top-level Tags property CloudFormation's
// resource specification (and so aws-cdk-lib 2.277, unlike 2.270) has but cfn-lint 1.51.0's
// schemas lack, so it reports E3002 for Tags the templates rightly carry. Drop a type once the
// pinned cfn-lint is a release whose schema knows its Tags.
var tagsUnknownToCfnLint = map[string]bool{
	"AWS::ApplicationAutoScaling::ScalableTarget": true,
	"AWS::ElastiCache::GlobalReplicationGroup":    true,
}

// schemaGap reports whether m is exactly a known gap: E3002 rejecting the top-level Tags property
// of a resource whose type is in tagsUnknownToCfnLint. Any other E3002 is a finding.
func schemaGap(m lintMatch, types resourceTypes) (bool, error) {
	p := m.Location.Path
	if m.Rule.ID != "E3002" || len(p) != 4 || p[0] != "Resources" || p[2] != "Properties" || p[3] != "Tags" ||
		m.Message != "Additional properties are not allowed ('Tags' was unexpected)" {
		return false, nil
	}
	id, _ := p[1].(string)
	typ, err := types.of(m.Filename, id)
	return tagsUnknownToCfnLint[typ], err
}

// resourceTypes caches the Type of every resource of each template read, by file and logical id.
type resourceTypes map[string]map[string]string

func (r resourceTypes) of(file, id string) (string, error) {
	if _, ok := r[file]; !ok {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		var t struct {
			Resources map[string]struct{ Type string }
		}
		if err := json.Unmarshal(data, &t); err != nil {
			return "", fmt.Errorf("%s: %w", file, err)
		}
		r[file] = map[string]string{}
		for id, res := range t.Resources {
			r[file][id] = res.Type
		}
	}
	return r[file][id], nil
}

// All runs every gate over dir, once Fresh has confirmed that dir is what make synthesized.
func All(dir string) ([]Finding, error) {
	if err := Fresh(dir); err != nil {
		return nil, err
	}
	var all []Finding
	for _, gate := range []func(string) ([]Finding, error){Nag, CfnLint, Validation} {
		found, err := gate(dir)
		if err != nil {
			return all, err
		}
		all = append(all, found...)
	}
	return all, nil
}

func find(dir string, match func(name string) bool) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && match(d.Name()) {
			out = append(out, path)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}

func anyHasPrefix(paths []string, dir, prefix string) bool {
	for _, p := range paths {
		if strings.HasPrefix(filepath.Base(p), prefix) {
			return true
		}
	}
	return false
}

func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil {
		return r
	}
	return path
}

// firstLine keeps a finding to one readable line: the first line, without NIST control lists.
func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	s, _, _ = strings.Cut(s, " - (Control IDs:")
	return s
}
