package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
)

// The app-level assertions are functions over a parsed Assembly that report failures to a C
// instead of a *testing.T, so the same assertion runs on a real assembly (TestAppLevelAssertions,
// TestAGeneratedForkPassesTheSuite) and on a mutant (TestMutantsAreCaught) without stopping the
// test. Every expectation comes from the assembly's own configs, never from a fixed list of
// environments, so the suite holds for whatever environments a fork has.

// check is one app-level assertion.
type check struct {
	name string
	run  func(c *C, a *Assembly)
}

// C collects an assertion's failures. It satisfies testify's assert.TestingT and
// require.TestingT: a require failure stops only the assertion it is in.
type C struct{ failures []string }

func (c *C) Errorf(format string, args ...any) {
	c.failures = append(c.failures, fmt.Sprintf(format, args...))
}

func (c *C) FailNow() { panic(stopCheck{}) }

// Helper lets testify treat C like a *testing.T.
func (c *C) Helper() {}

type stopCheck struct{}

// runOn runs one assertion on a; a panic (a property of an unexpected shape) is one more failure.
func (ch check) runOn(a *Assembly) (failures []string) {
	c := &C{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				if _, ok := r.(stopCheck); !ok {
					c.failures = append(c.failures, fmt.Sprintf("panic: %v", r))
				}
			}
		}()
		ch.run(c, a)
	}()
	return c.failures
}

// appChecks is every app-level assertion, in the files of their topics.
func appChecks() []check {
	var all []check
	for _, group := range [][]check{networkChecks, appStackChecks, dataChecks, edgeChecks, assemblyChecks, layoutChecks, governanceChecks, tierChecks, transitChecks} {
		all = append(all, group...)
	}
	return all
}

// runSuite runs every assertion on a as subtests.
func runSuite(t *testing.T, a *Assembly) {
	for _, ch := range appChecks() {
		t.Run(ch.name, func(t *testing.T) {
			assert.Empty(t, ch.runOn(a))
		})
	}
}

// TestAppLevelAssertions runs the suite on the fixture configs, the seed variants and the
// user's config/ (skipped as a duplicate while config/ equals the fixtures).
func TestAppLevelAssertions(t *testing.T) {
	t.Run("fixtures", func(t *testing.T) { runSuite(t, Fixtures(t)) })
	t.Run("seed variants", func(t *testing.T) { runSuite(t, SeedVariants(t)) })
	t.Run("config", func(t *testing.T) {
		a := UserConfigs(t)
		if a == Fixtures(t) {
			t.Log("config/ equals test/testdata/config: its assembly is the fixtures'")
			return
		}
		runSuite(t, a)
	})
}

// A generated fork of the fixtures: every account, domain and hosted zone changed, and a fourth
// environment qa copied from dev with its own account, domain, zone and address space.
var (
	accountLine    = regexp.MustCompile(`(?m)^account: "\d{12}"`)
	hostedZoneLine = regexp.MustCompile(`(?m)^  hostedZoneId: \S+$`)
	forkDomains    = map[string]string{"dev": "dev.acme.test", "staging": "staging.acme.test", "prod": "www.acme.test", "qa": "qa.acme.test"}
)

// forkConfig writes the fork's configs into a new folder.
func forkConfig() (string, error) {
	dir, err := os.MkdirTemp("", "stratus-fork-*")
	if err != nil {
		return "", err
	}
	files, err := filepath.Glob(filepath.Join(repoRoot, fixtureDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return "", fmt.Errorf("%s: no configs (%v)", fixtureDir, err)
	}
	texts := map[string]string{}
	for _, f := range files {
		if filepath.Base(f) == config.DeliveryFile {
			continue // the fork's environments; the pipeline is tested in pipeline_test.go
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return "", err
		}
		texts[strings.TrimSuffix(filepath.Base(f), ".yaml")] = string(data)
	}
	if _, ok := texts["dev"]; !ok {
		return "", fmt.Errorf("%s has no dev.yaml: the fork copies dev into qa", fixtureDir)
	}
	qa := strings.Replace(texts["dev"], "name: dev\n", "name: qa\n", 1)
	// qa gets its own address space, so nothing overlaps dev's.
	texts["qa"] = strings.ReplaceAll(qa, "10.21.", "10.31.")
	if qa == texts["qa"] {
		return "", fmt.Errorf("dev.yaml no longer uses 10.21.0.0/16; update the fork")
	}
	for i, name := range slices.Sorted(maps.Keys(texts)) {
		if _, ok := forkDomains[name]; !ok {
			return "", fmt.Errorf("the fork needs a domain for %s", name)
		}
		text := texts[name]
		replaced := accountLine.ReplaceAllString(text, fmt.Sprintf(`account: "%d"`, 900000000001+i))
		domain := regexp.MustCompile(`(?m)^  domain: (\S+)$`).FindStringSubmatch(replaced)
		if replaced == text || len(domain) != 2 {
			return "", fmt.Errorf("%s.yaml has no account line or no dns.domain to change", name)
		}
		replaced = strings.ReplaceAll(replaced, domain[1], forkDomains[name])
		replaced = hostedZoneLine.ReplaceAllString(replaced, "  hostedZoneId: Z0FORK"+strings.ToUpper(name))
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(replaced), 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// TestAGeneratedForkPassesTheSuite: a fork with its own accounts and domains and a fourth
// environment passes every app-level assertion, so a fork's first edits keep `make test` green.
func TestAGeneratedForkPassesTheSuite(t *testing.T) {
	t.Parallel() // it reads a child synthesis (child_test.go): last, when that is done
	a := forkChild.Assembly(t)
	require.Len(t, a.Envs, 4)
	accounts := map[string]bool{}
	for name, domain := range forkDomains {
		require.Contains(t, a.Envs, name)
		assert.Equal(t, domain, a.Envs[name].DNS.Domain)
		accounts[a.Envs[name].Account] = true
	}
	for _, env := range Fixtures(t).Envs {
		assert.NotContains(t, accounts, env.Account, "the fork keeps %s's account", env.Name)
	}
	assert.Len(t, accounts, 4, "one account per environment")
	runSuite(t, a)
}

var assemblyChecks = []check{
	{"the assembly carries no error or warning annotation", checkAnnotations},
}

// checkAnnotations reads what synth recorded in the cloud assembly itself: any violation in the
// validation report fails, and so does an error or warning annotation in a manifest's metadata
// (where annotations go without @aws-cdk/core:annotationsInValidationReport). With CDK_VALIDATION
// on the built-in validator always writes the report, so it must exist; with CDK_VALIDATION=false
// (`make unit`) aws-cdk-lib writes it only when there are annotations to report.
func checkAnnotations(c *C, a *Assembly) {
	manifests, err := filepath.Glob(filepath.Join(a.Dir, "*", "manifest.json"))
	require.NoError(c, err)
	top := filepath.Join(a.Dir, "manifest.json")
	manifests = append(manifests, top)
	for _, m := range manifests {
		data, err := os.ReadFile(m)
		if os.IsNotExist(err) && m != top {
			continue
		}
		require.NoError(c, err)
		var manifest struct {
			Artifacts map[string]struct {
				Metadata map[string][]struct {
					Type string `json:"type"`
					Data any    `json:"data"`
				} `json:"metadata"`
			} `json:"artifacts"`
		}
		require.NoError(c, json.Unmarshal(data, &manifest), m)
		for artifact, body := range manifest.Artifacts {
			for path, entries := range body.Metadata {
				for _, e := range entries {
					assert.NotContains(c, []string{"aws:cdk:error", "aws:cdk:warning"}, e.Type, "%s %s: %v", artifact, path, e.Data)
				}
			}
		}
	}
	violations, _ := cdktest.ValidationViolations(c, a.Dir)
	assert.Empty(c, violations, "%s: validation report", a.Name)
}
