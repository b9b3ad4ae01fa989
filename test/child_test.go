package test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
)

// Child syntheses. A test binary has one jsii runtime, a single-threaded Node process that every
// synthesis in it queues on. The largest syntheses whose result the tests only read from disk
// (40 services × 2 regions, the generated fork, the fixtures as `cdk synth` writes them without
// delivery.yaml) run the app binary instead, each in a process of its own. TestMain starts the
// ones the selected tests read before any test runs, so they proceed on the other core while this
// binary synthesizes everything else; the tests then wait for them.

// childSynth is one synthesis by the app binary of the configs prepare writes.
type childSynth struct {
	// what names it in messages; tests are the tests that read it (TestMain starts it for them).
	what  string
	tests []string
	// prepare writes the configs into a new folder and returns it.
	prepare func() (string, error)
	// context is added to cdk.json's context and configDir.
	context map[string]any

	once      sync.Once
	done      chan struct{}
	configDir string
	out       string
	err       error
}

var (
	scaleChild = &childSynth{what: fmt.Sprintf("%d services × 2 regions", scaleServices), tests: []string{"TestFortyServicesPerRegionFit"},
		prepare: func() (string, error) { return scaleConfig(os.TempDir(), scaleServices) }}
	forkChild = &childSynth{what: "the generated fork", tests: []string{"TestAGeneratedForkPassesTheSuite"}, prepare: forkConfig}
	// cliChild is what `cdk deploy` deploys: synthesized with what the CLI adds (cliContext).
	cliChild = &childSynth{what: "the fixtures without delivery.yaml", tests: []string{"TestThePipelineDeploysTheCLIsTemplates", "TestNoDeliveryFileNoPipeline"},
		prepare: withoutDelivery, context: cliContext}
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
	bin, err := appBinary.compile(".", "stratus")
	if err != nil {
		return "", err
	}
	out, err := os.MkdirTemp("", "stratus-child-*")
	if err != nil {
		return "", err
	}
	ctx := cdktest.Context()
	for k, v := range c.context {
		ctx[k] = v
	}
	ctx["configDir"] = c.configDir
	data, err := json.Marshal(ctx)
	if err != nil {
		return "", err
	}
	// One child at a time: with this binary's own Node process that fills the two cores of the
	// reference machine; more would only share them.
	childLane.Lock()
	defer childLane.Unlock()
	cmd := exec.Command(bin)
	cmd.Dir = repoRoot
	// The child inherits CDK_VALIDATION and TMPDIR (TestMain's folder, removed at the end).
	cmd.Env = append(os.Environ(), "CDK_OUTDIR="+out, "CDK_CONTEXT_JSON="+string(data))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("the app failed (%v):\n%s", err, stderr.String())
	}
	return out, nil
}

// Dir waits for the synthesis (starting it when TestMain did not) and returns its cloud assembly.
func (c *childSynth) Dir(t testing.TB) string {
	t.Helper()
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
