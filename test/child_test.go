package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
)

// Child syntheses. A test binary has one jsii runtime, a single-threaded Node process that every
// synthesis in it queues on. The largest syntheses whose result the tests only read from disk
// (40 services × 2 regions, the generated fork, the fixtures as `cdk synth` writes them without
// delivery.yaml) run the app binary instead, each in a process of its own. TestMain starts the
// ones the selected tests read before any test runs, so they proceed on the other core while this
// binary synthesizes everything else; the tests then wait for them. Each is kept by its inputs
// (kept_test.go), so a run that changed none of them reads the kept assembly instead.

// childSynth is one synthesis by the app binary of the configs prepare writes.
type childSynth struct {
	// what names it in messages, name in kept folders; tests are the tests that read it
	// (TestMain starts it for them).
	what, name string
	tests      []string
	// prepare writes the configs into a new folder and returns it.
	prepare func() (string, error)
	// app builds the app binary, keptIn is the folder of kept syntheses and base names the code
	// (kept_test.go), for tests of the keeping. Default: the app (appBinary), keptSyntheses, keyBase.
	app    func() (string, error)
	keptIn string
	base   func() string

	once      sync.Once
	done      chan struct{}
	configDir string
	out       string
	err       error
}

var (
	scaleChild = &childSynth{what: fmt.Sprintf("%d services × 2 regions", scaleServices), name: "scale", tests: []string{"TestFortyServicesPerRegionFit"},
		prepare: func() (string, error) { return scaleConfig(os.TempDir(), scaleServices) }}
	forkChild = &childSynth{what: "the generated fork", name: "fork", tests: []string{"TestAGeneratedForkPassesTheSuite"}, prepare: forkConfig}
	// cliChild is what `cdk deploy` deploys without delivery.yaml.
	cliChild = &childSynth{what: "the fixtures without delivery.yaml", name: "cli", tests: []string{"TestThePipelineDeploysTheCLIsTemplates", "TestNoDeliveryFileNoPipeline"},
		prepare: withoutDelivery}
	childSyntheses = []*childSynth{scaleChild, forkChild, cliChild}
	childLane      sync.Mutex
)

// start runs the synthesis in the background, once.
func (c *childSynth) start() {
	c.once.Do(func() {
		c.done = make(chan struct{})
		go func() {
			defer close(c.done)
			c.out, c.err = c.run()
		}()
	})
}

func (c *childSynth) run() (string, error) {
	var err error
	if c.configDir, err = c.prepare(); err != nil {
		return "", err
	}
	ctx := cdktest.CLIContext()
	folder, err := c.keptFolder(ctx)
	if err != nil {
		return "", err
	}
	if dir := reuse(folder); dir != "" {
		return dir, nil
	}
	app := c.app
	if app == nil {
		app = func() (string, error) { return appBinary.compile(".", "stratus") }
	}
	bin, err := app()
	if err != nil {
		return "", err
	}
	out, err := newOut(folder, "stratus-child-*")
	if err != nil {
		return "", err
	}
	ctx["configDir"] = c.configDir
	data, err := json.Marshal(ctx)
	if err != nil {
		return "", err
	}
	// One app at a time: with this binary's own Node process that fills the two cores of the
	// reference machine; more would only share them. (Two at a time, tried in three paired make
	// test runs after a change to stacks/, gave medians of 105 s against 103 s.)
	if c.app == nil {
		childLane.Lock()
		defer childLane.Unlock()
	}
	cmd := exec.Command(bin)
	cmd.Dir = repoRoot
	// The child inherits CDK_VALIDATION and TMPDIR (TestMain's folder, removed at the end).
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(data))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		os.RemoveAll(out)
		return "", fmt.Errorf("the app failed (%v):\n%s", err, stderr.String())
	}
	if folder == "" {
		return out, nil
	}
	return keep(out, folder)
}

// keptFolder is where the synthesis with context ctx (configDir not yet set: the configs count by
// content) is kept, or "" when it is not: its code cannot be named, or a config names a frontend
// folder (which the app would read relative to the repository, outside the configs).
func (c *childSynth) keptFolder(ctx map[string]any) (string, error) {
	envs, err := config.LoadDir(c.configDir)
	if err != nil {
		return "", err
	}
	for _, env := range envs {
		if env.CloudFront.FrontendSource != "" {
			return "", nil
		}
	}
	context, err := json.Marshal(ctx)
	if err != nil {
		return "", err
	}
	configs, err := treeSum(c.configDir)
	if err != nil {
		return "", err
	}
	base := c.base
	if base == nil {
		base = keyBase
	}
	return keptFolder(base(), c.keptIn, c.name, string(context), "configs "+configs), nil
}

// Dir waits for the synthesis (starting it when TestMain did not) and returns its cloud assembly.
func (c *childSynth) Dir(t testing.TB) string {
	t.Helper()
	codeRead(t)
	c.start()
	<-c.done
	require.NoError(t, c.err, "synthesizing %s", c.what)
	return c.out
}

// Assembly is Dir read as an Assembly of the environments in its config folder.
func (c *childSynth) Assembly(t testing.TB) *Assembly {
	t.Helper()
	dir := c.Dir(t)
	envs, err := config.LoadDir(c.configDir)
	require.NoError(t, err)
	a, err := ReadAssembly(dir, envs)
	require.NoError(t, err)
	a.Name = c.what
	return a
}

// startChildSyntheses starts, before any test runs, the child syntheses the tests selected by
// -run (and not -skip) read.
func startChildSyntheses() {
	flag.Parse()
	selected := func(name string) bool {
		return matchesTop(flag.Lookup("test.run"), name, true) && !matchesTop(flag.Lookup("test.skip"), name, false)
	}
	for _, c := range childSyntheses {
		for _, name := range c.tests {
			if selected(name) {
				c.start()
				break
			}
		}
	}
}

// matchesTop reports whether the top-level part of a -run or -skip pattern matches a test name
// (empty: whenEmpty; unparsable: true, so a wanted synthesis still starts early).
func matchesTop(f *flag.Flag, name string, whenEmpty bool) bool {
	if f == nil || f.Value.String() == "" {
		return whenEmpty
	}
	re, err := regexp.Compile(strings.Split(f.Value.String(), "/")[0])
	return err != nil || re.MatchString(name)
}

// TestAChildSynthesisIsKeptUntilItsInputsChange: a child synthesis whose configs and context are
// those of a kept one reads the kept assembly; a changed config, or a kept folder that no longer
// matches its stamp, runs the app again.
func TestAChildSynthesisIsKeptUntilItsInputsChange(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	app := filepath.Join(dir, "app")
	script := "#!/bin/sh\necho run >> '" + runs + "'\nprintf '{}' > \"$CDK_OUTDIR/manifest.json\"\n"
	require.NoError(t, os.WriteFile(app, []byte(script), 0o755))
	dev, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, "dev.yaml"))
	require.NoError(t, err)
	synth := func(text string) string {
		t.Helper()
		c := &childSynth{what: "a test child", name: "keeping", keptIn: filepath.Join(dir, "kept"),
			// Its own code key, so the test holds where make could not name the code (no git).
			base: func() string { return "test code" },
			app:  func() (string, error) { return app, nil },
			prepare: func() (string, error) {
				folder, err := os.MkdirTemp(dir, "config-")
				if err != nil {
					return "", err
				}
				return folder, os.WriteFile(filepath.Join(folder, "dev.yaml"), []byte(text), 0o644)
			}}
		return c.Dir(t)
	}
	appRuns := func() int {
		data, _ := os.ReadFile(runs)
		return strings.Count(string(data), "run")
	}

	first := synth(string(dev))
	require.Equal(t, 1, appRuns())
	require.FileExists(t, filepath.Join(first, gates.StampFile), "kept stamped")
	assert.Equal(t, first, synth(string(dev)), "the same configs in another folder read the kept assembly")
	assert.Equal(t, 1, appRuns(), "without running the app")

	require.NoError(t, os.WriteFile(filepath.Join(first, "manifest.json"), []byte(`{"changed":true}`), 0o644))
	assert.Equal(t, first, synth(string(dev)))
	assert.Equal(t, 2, appRuns(), "a kept folder changed since its stamp is synthesized again")
	assert.NoError(t, gates.Fresh(first), "and kept anew")

	other := synth(string(dev) + "# changed\n")
	assert.NotEqual(t, first, other)
	assert.Equal(t, 3, appRuns(), "a changed config runs the app")
	assert.DirExists(t, first, "a kept folder stays while a run beside this one may read it")
}
