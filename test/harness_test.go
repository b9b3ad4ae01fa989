// Package test holds the app-level tests: assertions across the synthesized environments (run on
// the project's fixture configs, the seed variants, the user's config/ and a generated fork),
// golden snapshots of the fixtures and seeds, a mutation suite proving the assertions can fail,
// the compliance gates and the config error paths.
package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/assembly"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
	"github.com/stratus-platform/stratus/stacks"
)

// repoRoot is the repository's root folder, found from this file so tests run from anywhere.
var repoRoot = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}()

// Template is one synthesized stack, parsed.
type Template struct {
	StackName string
	Region    string
	// Env is the environment whose stage holds the stack.
	Env                   *config.Environment
	TerminationProtection bool
	// DependsOn names the stacks deployed before this one (the cloud assembly's dependencies).
	DependsOn []string
	Path      string
	// Resources are the template's resources but the CDKMetadata the CLI's version reporting adds;
	// Written counts them as written, CDKMetadata included (what CloudFormation's limit counts).
	Resources map[string]Resource
	Written   int `json:"-"`
	// Analytics is CDKMetadata's Analytics as written ("v2:deflate64:…"; "" without it).
	Analytics  string `json:"-"`
	Outputs    map[string]any
	Parameters map[string]any
}

// Resource is one CloudFormation resource of a Template.
type Resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy,omitempty"`
	DependsOn      any            `json:"DependsOn,omitempty"`
}

// Assembly is a set of environments synthesized once per test binary.
type Assembly struct {
	Name      string // what was synthesized, for messages: "fixtures", "seed variants", …
	Dir       string
	Envs      map[string]*config.Environment
	Templates map[string]*Template // by stack name, e.g. "Prod-Network-us-east-1"
}

// eachResource calls visit with every resource of type typ in every stack of the fixtures and the
// seed variants, and returns how many it visited.
func eachResource(t testing.TB, typ string, visit func(tpl *Template, id string, r Resource)) int {
	n := 0
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, name := range a.StackNames() {
			tpl := a.Templates[name]
			_, resources := tpl.OfType(typ)
			for id, r := range resources {
				n++
				visit(tpl, id, r)
			}
		}
	}
	return n
}

// sharedSynth synthesizes a set of environments once per test binary.
type sharedSynth struct {
	once sync.Once
	a    *Assembly
	err  error
}

var fixtures, seedVariants, userConfigs sharedSynth

// fixtureDir holds the project's own copies of the shipped configs: the goldens and the
// seed-specific assertions pin these, so a fork's edits to config/ keep the tests green.
const fixtureDir = "test/testdata/config"

// Fixtures synthesizes the fixture configs (test/testdata/config) once and shares the result.
func Fixtures(t testing.TB) *Assembly {
	return fixtures.getOrRead(t, "fixtures", sharedFixtures, loadDir(fixtureDir))
}

// sharedFixtures is make test's assembly of config/ while config/ is the fixtures (delivery.yaml
// included), so it stands for theirs; "" when there is none or config/ differs.
func sharedFixtures() (string, error) {
	if same, err := sameYAML(filepath.Join(repoRoot, "config"), filepath.Join(repoRoot, fixtureDir)); err == nil && same {
		return shared("config")
	}
	return "", nil
}

// SeedVariants synthesizes the seed variants in config/examples once and shares the result.
func SeedVariants(t testing.TB) *Assembly {
	return seedVariants.getOrRead(t, "seed variants", func() (string, error) { return shared("config/examples") }, loadDir("config/examples"))
}

// UserConfigs is config/ synthesized: whatever environments this checkout has. While config/
// still equals the fixtures it is the fixtures' assembly, so the unchanged project synthesizes
// them once.
func UserConfigs(t testing.TB) *Assembly {
	same, err := sameYAML(filepath.Join(repoRoot, "config"), filepath.Join(repoRoot, fixtureDir))
	require.NoError(t, err)
	if same {
		return Fixtures(t)
	}
	return userConfigs.getOrRead(t, "config", func() (string, error) { return shared("config") }, loadDir("config"))
}

// frontendFixture is a frontend build folder, relative to the repository root.
const frontendFixture = "test/testdata/frontend"

// stagingOptions is the fixture staging environment with every opt-in turned on (an OTLP
// export, Shield Advanced, a frontend upload).
var stagingOptions = newVariant("staging with every option", func() ([]*config.Environment, error) {
	env, err := fixture("staging")
	if err != nil {
		return nil, err
	}
	env.App.Otlp = &config.Otlp{Endpoint: "https://otlp.example.com", SecretName: "stratus/staging/otlp"}
	// As a config gives it: relative to the repository root, which is not the tests' working
	// directory (test/), so a source read from there would not be found.
	env.CloudFront.ShieldAdvanced, env.CloudFront.FrontendSource = true, frontendFixture
	return []*config.Environment{env}, nil
})

// StagingWithOptions is stagingOptions synthesized.
func StagingWithOptions(t testing.TB) *Assembly { return stagingOptions.Assembly(t) }

// fixture loads the fixture environment name (test/testdata/config/<name>.yaml).
func fixture(name string) (*config.Environment, error) {
	return loadReleased(filepath.Join(repoRoot, fixtureDir, name+".yaml"), fixtureDir)
}

// loadReleased loads the environment file path with what the delivery file of folder dir (from
// the repository root) releases into it, as the app loads every environment of its folder.
func loadReleased(path, dir string) (*config.Environment, error) {
	env, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	delivery, err := config.LoadDelivery(filepath.Join(repoRoot, dir))
	delivery.Attach([]*config.Environment{env})
	return env, err
}

// fixtureText loads the fixture environment name after edit has changed its YAML (written to a
// new folder under the test binary's temporary root), so config reads it as it would a user's file.
func fixtureText(name string, edit func(text string) (string, error)) (*config.Environment, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, name+".yaml"))
	if err != nil {
		return nil, err
	}
	text, err := edit(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s/%s.yaml: %w", fixtureDir, name, err)
	}
	dir, err := os.MkdirTemp("", "stratus-test-config-*")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(text), 0o644); err != nil {
		return nil, err
	}
	return loadReleased(filepath.Join(dir, name+".yaml"), fixtureDir) // a variant of a fixture is still one of them
}

// variant is a config the tests derive from a fixture or a seed variant (an option turned on, a
// key changed), synthesized once, by the first test that reads it or, when every test runs, by
// the child ahead of it (a prefetch). (Synthesizing every variant in TestMain instead, while
// make's syntheses and the child apps ran, was tried: in paired make test runs after a change to
// stacks/ it was no faster, medians 107 s against 104 s. It cannot run beside the tests in this
// binary: the jsii runtime is not safe for calls from two goroutines at once.)
type variant struct {
	prefetch
	s sharedSynth
}

// newVariant declares a variant.
func newVariant(what string, load func() ([]*config.Environment, error)) *variant {
	v := &variant{prefetch: prefetch{what: what, load: load}}
	variants = append(variants, v)
	return v
}

// Assembly synthesizes the variant once (or reads what the child made, prefetch_test.go) and
// returns it.
func (v *variant) Assembly(t testing.TB) *Assembly {
	t.Helper()
	v.claim()
	return v.s.getOrRead(t, v.what, noSharedDir, v.load)
}

func loadDir(dir string) func() ([]*config.Environment, error) {
	return func() ([]*config.Environment, error) {
		envs, err := config.LoadDir(filepath.Join(repoRoot, dir))
		if err != nil {
			return nil, err
		}
		// What the folder's delivery file releases into them, as the app loads them.
		delivery, err := config.LoadDelivery(filepath.Join(repoRoot, dir))
		delivery.Attach(envs)
		return envs, err
	}
}

// sameYAML reports whether two folders hold the same *.yaml files, byte for byte.
func sameYAML(a, b string) (bool, error) {
	read := func(dir string) (map[string][]byte, error) {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		out := map[string][]byte{}
		for _, f := range files {
			data, rerr := os.ReadFile(f)
			if rerr != nil {
				return nil, rerr
			}
			out[filepath.Base(f)] = data
		}
		return out, err
	}
	x, err := read(a)
	if err != nil {
		return false, err
	}
	y, err := read(b)
	if err != nil || len(x) != len(y) {
		return false, err
	}
	for name, data := range x {
		if !bytes.Equal(data, y[name]) {
			return false, nil
		}
	}
	return true, nil
}

// noSharedDir names no assembly to read: the environments are synthesized.
func noSharedDir() (string, error) { return "", nil }

// getOrRead reads the assembly in the folder sharedDir names, or synthesizes the environments
// load returns when it names none, once.
func (s *sharedSynth) getOrRead(t testing.TB, what string, sharedDir func() (string, error), load func() ([]*config.Environment, error)) *Assembly {
	t.Helper()
	codeRead(t)
	s.once.Do(func() {
		// A load that panics fails every test that reads it, by name, not only the first.
		defer recoverInto(&s.err)
		dir, err := sharedDir()
		if err != nil {
			s.err = err
			return
		}
		envs, err := load()
		if err != nil {
			s.err = err
			return
		}
		if dir != "" {
			s.a, s.err = ReadAssembly(dir, envs)
		} else {
			s.a, s.err = Synth(envs)
		}
		if s.a != nil {
			s.a.Name = what
		}
	})
	require.NoError(t, s.err, "synthesizing %s", what)
	return s.a
}

// Synth builds an app holding envs, the way app.go does, or reads the one kept from an earlier
// synthesis of the same inputs (kept_test.go).
func Synth(envs []*config.Environment) (*Assembly, error) {
	dir, err := synthesized(envs)
	if err != nil {
		return nil, err
	}
	return ReadAssembly(dir, envs)
}

// synthesized returns the folder of envs' assembly: the kept one, or a new synthesis, kept
// unless the code's inputs cannot be named.
func synthesized(envs []*config.Environment) (string, error) {
	material, err := inProcessMaterial(envs)
	if err != nil {
		return "", err
	}
	folder := keptFolder(keyBase(), "", inProcessName(material), material...)
	if dir := reuse(folder); dir != "" {
		return dir, nil
	}
	return synthKeeping(envs, folder)
}

// synthFresh is Synth into a new folder under the test binary's temporary root (which TestMain
// removes), never kept.
func synthFresh(envs []*config.Environment) (*Assembly, error) {
	dir, err := synthKeeping(envs, "")
	if err != nil {
		return nil, err
	}
	return ReadAssembly(dir, envs)
}

// synthKeeping synthesizes envs and keeps the assembly in folder ("": not kept), returning where
// it is.
func synthKeeping(envs []*config.Environment, folder string) (string, error) {
	dir, err := newOut(folder, "stratus-test-*")
	if err != nil {
		return "", err
	}
	if err := synthInto(dir, envs); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	if folder == "" {
		return dir, nil
	}
	return keep(dir, folder)
}

// synthInto synthesizes envs' stages into dir.
func synthInto(dir string, envs []*config.Environment) (err error) {
	defer recoverInto(&err)
	app := NewTestApp(dir)
	for _, env := range envs {
		if _, err := stacks.NewEnvironmentStage(app, env); err != nil {
			return err
		}
	}
	app.Synth(nil)
	return nil
}

// sharedAssemblyEnv names the folder of the assembly `make test` synthesizes, with validation,
// from config/ (and config/examples into its examples/ folder) while the unit tests run. The
// harness reads it instead of synthesizing the same configs again; without the variable (a plain
// `go test`) every assembly is synthesized here.
const sharedAssemblyEnv = "STRATUS_SHARED_ASSEMBLY"

// Make runs its synthesis and the unit tests side by side (most tests need no assembly), so:
//   - sharedAssemblyPendingEnv names a file that exists while make synthesizes the assembly and
//     holds "failed" when the synthesis failed; shared waits until it is gone.
//   - sharedAssemblyKeyEnv is make's key of everything the synthesis reads (internal/inputs).
//     go test decides whether a cached result of this package still holds before make has placed
//     the new assembly, so the tests that read the assembly read the key too, and the result is
//     cached by it.
const (
	sharedAssemblyPendingEnv = "STRATUS_SHARED_ASSEMBLY_PENDING"
	sharedAssemblyKeyEnv     = "STRATUS_SHARED_ASSEMBLY_KEY"
)

var makesSynthesis struct {
	once sync.Once
	err  error
}

// sharedDirs holds shared's answer for each configDir: checking a folder fresh reads all of it.
var sharedDirs sync.Map

// shared returns the stamped assembly of make test holding the configs in configDir (config or
// config/examples), or "" when there is none to share. It waits for make to finish synthesizing it,
// and checks it once per test binary, when first asked.
func shared(configDir string) (string, error) {
	check, _ := sharedDirs.LoadOrStore(configDir, sync.OnceValues(func() (string, error) { return checkShared(configDir) }))
	return check.(func() (string, error))()
}

// checkShared is shared's first answer for configDir.
func checkShared(configDir string) (string, error) {
	root := os.Getenv(sharedAssemblyEnv)
	if root == "" {
		return "", nil
	}
	_ = os.Getenv(sharedAssemblyKeyEnv) // read, so go test caches the result by it
	makesSynthesis.once.Do(func() {
		if pending := os.Getenv(sharedAssemblyPendingEnv); pending != "" {
			// Within go test's default 10-minute timeout, so a hung synthesis fails with this.
			makesSynthesis.err = waitForSynthesis(inRepo(pending), 250*time.Millisecond, 8*time.Minute)
		}
	})
	if makesSynthesis.err != nil {
		return "", makesSynthesis.err
	}
	root = inRepo(root)
	dir := root
	if configDir != "config" {
		dir = filepath.Join(root, strings.TrimPrefix(configDir, "config/"))
	}
	// Only what make stamped right after synthesizing it, unchanged since, stands in for a synth.
	if err := gates.Fresh(dir); err != nil {
		return "", fmt.Errorf("%s=%s: %w", sharedAssemblyEnv, root, err)
	}
	return dir, nil
}

// inRepo is path, read from the repository's root when it is relative (as make names it).
func inRepo(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(repoRoot, path)
}

// waitForSynthesis returns once the file pending is gone, looking every poll, and fails when it
// says the synthesis failed or is still there after limit.
func waitForSynthesis(pending string, poll, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		data, err := os.ReadFile(pending)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil
		case err != nil:
			return err
		case strings.TrimSpace(string(data)) == "failed":
			return fmt.Errorf("make test's synthesis of the shared assemblies failed (its output is above): %s says so", pending)
		case time.Now().After(deadline):
			return fmt.Errorf("make test's synthesis of the shared assemblies did not finish within %v: %s is still there", limit, pending)
		}
		time.Sleep(poll)
	}
}

// ReadAssembly reads the stacks of envs from the cloud assembly in dir (its manifests through
// internal/assembly, the templates into Template).
func ReadAssembly(dir string, envs []*config.Environment) (*Assembly, error) {
	a := &Assembly{Dir: dir, Envs: map[string]*config.Environment{}, Templates: map[string]*Template{}}
	for _, env := range envs {
		a.Envs[env.Name] = env
	}
	artifacts, err := assembly.Artifacts(dir)
	if err != nil {
		return nil, err
	}
	names := map[string]string{} // artifact id -> stack name
	for _, s := range artifacts {
		names[s.ID] = s.StackName
	}
	for _, s := range artifacts {
		var owner *config.Environment
		for _, env := range envs {
			if strings.HasPrefix(s.StackName, stacks.StageID(env.Name)+"-") {
				owner = env
			}
		}
		if owner == nil {
			continue // not an environment's stack: the pipeline's, in make test's shared assembly
		}
		tpl, err := readTemplate(s.TemplatePath)
		if err != nil {
			return nil, err
		}
		tpl.StackName, tpl.Region, tpl.TerminationProtection, tpl.Env = s.StackName, s.Region, s.TerminationProtection, owner
		for _, d := range s.DependsOn {
			tpl.DependsOn = append(tpl.DependsOn, names[d])
		}
		sort.Strings(tpl.DependsOn)
		a.Templates[tpl.StackName] = tpl
	}
	if len(a.Templates) == 0 {
		return nil, fmt.Errorf("%s: the assembly holds no stack", dir)
	}
	return a, nil
}

// NewTestApp is an app as `cdk synth` runs one, writing to dir: with cdk.json's context (the
// feature flags) and what the CLI adds to it (cdkContext).
func NewTestApp(dir string) awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: &cdkContext, Outdir: jsii.String(dir)})
}

// cdkContext is the context `cdk synth` gives the app, so what the tests check is what the CLI
// writes (the built-in validator reports the databases' zones, W3010, only without the CLI's
// additions).
var cdkContext = cdktest.CLIContext()

func readTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tpl := &Template{Path: path}
	if err := json.Unmarshal(data, tpl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	tpl.Written = len(tpl.Resources)
	tpl.Analytics, _ = tpl.Resources["CDKMetadata"].Properties["Analytics"].(string)
	delete(tpl.Resources, "CDKMetadata") // the CLI's version reporting (see withoutCliMetadata)
	return tpl, nil
}

// Template returns the stack named name or stops the test.
func (a *Assembly) Template(t require.TestingT, name string) *Template {
	tpl, ok := a.Templates[name]
	require.True(t, ok, "%s: no stack %q; have %v", a.Name, name, a.StackNames())
	return tpl
}

// StackNames lists the stacks, sorted.
func (a *Assembly) StackNames() []string {
	var names []string
	for n := range a.Templates {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// stackName is the name of env's stack of kind ("Network", "App", …) in region.
func stackName(env *config.Environment, kind, region string) string {
	return stacks.StackName(env.Name, kind, region)
}

// OfType returns the logical ids (sorted) and resources of one type.
func (tpl *Template) OfType(typ string) ([]string, map[string]Resource) {
	var ids []string
	out := map[string]Resource{}
	for id, r := range tpl.Resources {
		if r.Type == typ {
			ids = append(ids, id)
			out[id] = r
		}
	}
	sort.Strings(ids)
	return ids, out
}

func recoverInto(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("panic: %v", r)
	}
}

// stacksOf returns the templates of one kind ("Data", "App", …), sorted by name.
func (a *Assembly) stacksOf(kind string) []*Template {
	var out []*Template
	for _, name := range a.StackNames() {
		if strings.Contains(name, "-"+kind+"-") {
			out = append(out, a.Templates[name])
		}
	}
	return out
}

// requireStacks returns every kind stack of a (every environment, every region) and fails c
// when there is none.
func requireStacks(c *C, a *Assembly, kind string) []*Template {
	var out []*Template
	switch kind {
	case "App":
		out = a.regionView(c, "App", "Service")
	case "Data":
		out = a.regionView(c, "Data", "ServiceData")
	default:
		out = a.stacksOf(kind)
	}
	require.NotEmpty(c, out, "%s: no %s stacks", a.Name, kind)
	return out
}

// regionView is one region's tier as a single template: the shared stack of kind with every
// per-service stack of partKind in the same environment and region merged in ("App" with the
// "Service-<name>" stacks, "Data" with the "ServiceData-<name>" stacks). The tier's assertions
// then hold whatever the layout: built fresh on every call, so a mutant applied to any of the
// stacks shows. A logical id in two merged stacks fails the check: ids are per service.
func (a *Assembly) regionView(t require.TestingT, kind, partKind string) []*Template {
	var out []*Template
	for _, shared := range a.stacksOf(kind) {
		out = append(out, a.merge(t, shared, partKind))
	}
	return out
}

// Tier is the region view (see regionView) of the App or Data stack named name.
func (a *Assembly) Tier(t require.TestingT, name string) *Template {
	shared := a.Template(t, name)
	if strings.Contains(name, "-Data-") {
		return a.merge(t, shared, "ServiceData")
	}
	require.Contains(t, name, "-App-", "Tier: %s is neither an App nor a Data stack", name)
	return a.merge(t, shared, "Service")
}

func (a *Assembly) merge(t require.TestingT, shared *Template, partKind string) *Template {
	view := *shared
	view.Resources, view.Outputs = maps.Clone(shared.Resources), maps.Clone(shared.Outputs)
	view.DependsOn = slices.Clone(shared.DependsOn)
	for _, part := range a.partsOf(shared, partKind) {
		for id, r := range part.Resources {
			_, dup := view.Resources[id]
			require.False(t, dup, "%s: logical id %s is also in %s", part.StackName, id, shared.StackName)
			view.Resources[id] = r
		}
		maps.Copy(view.Outputs, part.Outputs)
		view.DependsOn = append(view.DependsOn, part.DependsOn...)
	}
	return &view
}

// partsOf returns the per-service stacks of partKind ("Service", "ServiceData") beside shared:
// same environment, same region.
func (a *Assembly) partsOf(shared *Template, partKind string) []*Template {
	prefix := stacks.StageID(shared.Env.Name) + "-" + partKind + "-"
	var out []*Template
	for _, name := range a.StackNames() {
		tpl := a.Templates[name]
		if strings.HasPrefix(name, prefix) && strings.HasSuffix(name, "-"+shared.Region) && tpl.Region == shared.Region {
			out = append(out, tpl)
		}
	}
	return out
}

// requireTool fails the test, saying how to install it, when a tool `make test` needs is
// missing: the one skip policy is no skip.
// pinnedCLI is the path of the pinned CDK CLI, which `make synth` installs; the test fails when
// it is missing.
func pinnedCLI(t testing.TB) string {
	t.Helper()
	cli := filepath.Join(repoRoot, "node_modules", ".bin", "cdk")
	requireTool(t, cli, "`make synth` installs the pinned CDK CLI (npm ci)")
	return cli
}

func requireTool(t testing.TB, path, install string) {
	t.Helper()
	if filepath.IsAbs(path) {
		_, err := os.Stat(path)
		require.NoError(t, err, "%s is required by `make test`: %s", path, install)
		return
	}
	_, err := exec.LookPath(path)
	require.NoError(t, err, "%s is required by `make test`: %s", path, install)
}

// TestMain points the temporary folder at one root per test binary and removes it afterwards,
// so nothing a test writes (assemblies, a compiled app, the jsii runtime) outlives the run.
// KEEP_SYNTH=1 keeps it to inspect.
func TestMain(m *testing.M) {
	if os.Getenv(childJobsEnv) != "" {
		os.Exit(runChildJobs()) // a child (child_test.go), not a test run
	}
	if job := os.Getenv(benchChildEnv); job != "" {
		os.Exit(runBenchChild(job)) // a synthesis of make bench (bench_test.go)
	}
	jsiidirect.Enable() // before any jsii call; the child syntheses inherit its JSII_RUNTIME
	root, err := os.MkdirTemp("", "stratus-test-run-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("TMPDIR", root)
	startChildSyntheses()
	code := m.Run()
	stopChildren()
	jsii.Close()
	if os.Getenv("KEEP_SYNTH") == "" {
		os.RemoveAll(root)
	} else {
		fmt.Fprintln(os.Stderr, "kept the synthesized assemblies in", root)
	}
	os.Exit(code)
}

func TestTheHarnessWaitsForMakesSynthesis(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pending := filepath.Join(dir, "assemblies.pending")

	require.NoError(t, waitForSynthesis(pending, time.Millisecond, time.Second), "nothing pending: no wait")

	require.NoError(t, os.WriteFile(pending, nil, 0o644))
	start := time.Now()
	go func() {
		time.Sleep(200 * time.Millisecond)
		os.Remove(pending)
	}()
	require.NoError(t, waitForSynthesis(pending, 10*time.Millisecond, time.Minute))
	assert.GreaterOrEqual(t, time.Since(start), 200*time.Millisecond, "returns only once the file is gone")

	require.NoError(t, os.WriteFile(pending, []byte("failed\n"), 0o644))
	err := waitForSynthesis(pending, time.Millisecond, time.Minute)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "failed")

	require.NoError(t, os.WriteFile(pending, nil, 0o644))
	err = waitForSynthesis(pending, time.Millisecond, 20*time.Millisecond)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did not finish")
}
