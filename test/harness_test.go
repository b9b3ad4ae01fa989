// Package test holds the app-level tests: assertions across the synthesized environments,
// golden snapshots, the compliance gates and the config error paths.
package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
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
	Resources map[string]Resource
	Outputs   map[string]any
}

// Resource is one CloudFormation resource of a Template.
type Resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	DependsOn      any            `json:"DependsOn"`
}

// Assembly is the shipped configs synthesized once per test binary.
type Assembly struct {
	Dir       string
	Envs      map[string]*config.Environment
	Templates map[string]*Template // by stack name, e.g. "Prod-Network-us-east-1"
}

// sharedSynth synthesizes a set of environments once per test binary.
type sharedSynth struct {
	once sync.Once
	a    *Assembly
	err  error
}

var shipped, seedVariants, stagingOptions sharedSynth

// Shipped synthesizes every environment in config/ once and shares the result.
func Shipped(t testing.TB) *Assembly { return shipped.get(t, "config", loadDir("config")) }

// SeedVariants synthesizes the seed variants in config/examples once and shares the result.
func SeedVariants(t testing.TB) *Assembly {
	dir := filepath.Join("config", "examples")
	return seedVariants.get(t, dir, loadDir(dir))
}

// StagingWithOptions is the shipped staging environment with every opt-in turned on (an OTLP
// export, Shield Advanced, a frontend upload), synthesized once.
func StagingWithOptions(t testing.TB) *Assembly {
	return stagingOptions.get(t, "staging with every option", func() ([]*config.Environment, error) {
		env, err := config.Load(filepath.Join(repoRoot, "config", "staging.yaml"))
		if err != nil {
			return nil, err
		}
		site, err := os.MkdirTemp("", "stratus-test-site-*")
		if err != nil {
			return nil, err
		}
		synthDirs.add(site)
		if err := os.WriteFile(filepath.Join(site, "index.html"), []byte("<!doctype html><title>Stratus</title>"), 0o644); err != nil {
			return nil, err
		}
		env.App.Otlp = &config.Otlp{Endpoint: "https://otlp.example.com", SecretName: "stratus/staging/otlp"}
		env.CloudFront.ShieldAdvanced, env.CloudFront.FrontendSource = true, site
		return []*config.Environment{env}, nil
	})
}

func loadDir(dir string) func() ([]*config.Environment, error) {
	return func() ([]*config.Environment, error) { return config.LoadDir(filepath.Join(repoRoot, dir)) }
}

func (s *sharedSynth) get(t testing.TB, what string, load func() ([]*config.Environment, error)) *Assembly {
	t.Helper()
	s.once.Do(func() {
		envs, err := load()
		if err != nil {
			s.err = err
			return
		}
		s.a, s.err = Synth(envs)
	})
	if s.err != nil {
		t.Fatalf("synthesizing %s: %v", what, s.err)
	}
	return s.a
}

// Synth builds an app holding envs, the way app.go does, into a fresh absolute outdir.
func Synth(envs []*config.Environment) (a *Assembly, err error) {
	defer recoverInto(&err)
	dir, err := os.MkdirTemp("", "stratus-test-*")
	if err != nil {
		return nil, err
	}
	synthDirs.add(dir)
	app := NewTestApp(dir)
	a = &Assembly{Dir: dir, Envs: map[string]*config.Environment{}, Templates: map[string]*Template{}}
	for _, env := range envs {
		if _, err := stacks.NewEnvironmentStage(app, env); err != nil {
			return nil, err
		}
		a.Envs[env.Name] = env
	}
	stackArtifacts := *app.Synth(nil).StacksRecursively()
	names := map[string]string{} // artifact id -> stack name
	for _, s := range stackArtifacts {
		names[*s.Id()] = *s.StackName()
	}
	for _, s := range stackArtifacts {
		tpl, err := readTemplate(*s.TemplateFullPath())
		if err != nil {
			return nil, err
		}
		tpl.StackName, tpl.Region = *s.StackName(), *s.Environment().Region
		for _, env := range envs {
			if strings.HasPrefix(tpl.StackName, stacks.StageID(env.Name)+"-") {
				tpl.Env = env
			}
		}
		tpl.TerminationProtection = s.TerminationProtection() != nil && *s.TerminationProtection()
		for _, d := range *s.Dependencies() {
			if name, ok := names[*d.Id()]; ok {
				tpl.DependsOn = append(tpl.DependsOn, name)
			}
		}
		sort.Strings(tpl.DependsOn)
		a.Templates[tpl.StackName] = tpl
	}
	return a, nil
}

// NewTestApp is an app with cdk.json's context (the feature flags `cdk synth` sees) writing to dir.
func NewTestApp(dir string) awscdk.App {
	return awscdk.NewApp(&awscdk.AppProps{Context: &cdkContext, Outdir: jsii.String(dir)})
}

var cdkContext = cdktest.Context()

func readTemplate(path string) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	tpl := &Template{Path: path}
	if err := json.Unmarshal(data, tpl); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tpl, nil
}

// Template returns the stack named name or stops the test.
func (a *Assembly) Template(t testing.TB, name string) *Template {
	t.Helper()
	tpl, ok := a.Templates[name]
	if !ok {
		t.Fatalf("no stack %q; have %v", name, a.StackNames())
	}
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

// NoPanic runs f and turns a panic (a failed aws-cdk-lib assertion, a jsii error) into t.Fatalf,
// so one failure does not kill the test binary and every later test still runs.
func NoPanic(t testing.TB, f func()) {
	t.Helper()
	var err error
	func() {
		defer recoverInto(&err)
		f()
	}()
	if err != nil {
		t.Fatalf("%v", err)
	}
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

// everyTemplate returns the templates of the shipped environments and of the seed variants, by
// stack name, for the rules that hold for every config.
func everyTemplate(t testing.TB) map[string]*Template {
	out := map[string]*Template{}
	for _, a := range []*Assembly{Shipped(t), SeedVariants(t)} {
		for name, tpl := range a.Templates {
			out[name] = tpl
		}
	}
	return out
}

// synthDirs are the folders Synth and the fixtures wrote; TestMain removes them (set KEEP_SYNTH=1
// to inspect them).
var synthDirs dirList

type dirList struct {
	sync.Mutex
	list []string
}

func (d *dirList) add(dir string) {
	d.Lock()
	defer d.Unlock()
	d.list = append(d.list, dir)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("KEEP_SYNTH") == "" {
		for _, dir := range synthDirs.list {
			os.RemoveAll(dir)
		}
	}
	os.Exit(code)
}
