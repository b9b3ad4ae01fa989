package test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
	"github.com/stratus-platform/stratus/stacks"
)

// Child syntheses. A test binary has one jsii runtime, a single-threaded Node process that every
// synthesis in it queues on. So a second process, a child, synthesizes beside it: this test
// binary again (childJobsEnv), fed one job at a time on its stdin.
//
//   - The largest syntheses, whose results the tests only read from disk (40 services × 2
//     regions, the generated fork, the fixtures as `cdk synth` writes them without delivery.yaml),
//     are the child's alone (childSynth): it synthesizes their config folders as app.go does, with
//     the context `cdk synth` gives the app.
//   - When it has done those, it takes the syntheses this binary would make itself (the variants
//     and the role swaps: prefetch), from the last test's backwards, while the tests take them
//     from the front as they reach them; whichever comes first makes it, and keeps it
//     (kept_test.go), where the other reads it. Under make test the tests wait for make's
//     assemblies first, so without this the child would be done and idle long before the tests
//     had synthesized their variants one after another.
//
// TestMain starts the child for the selected tests before any test runs. One child for all, not
// one each: a synthesis in a fresh process pays about 5 CPU-seconds before its first construct
// (Node starting, aws-cdk-lib and cdk-nag loading, their code compiled while cold), one in a warm
// runtime does not. Each synthesis is kept by its inputs, so a run that changed none of them
// reads the kept assembly instead.

// childSynth is one child synthesis of the configs prepare writes.
type childSynth struct {
	// what names it in messages, name in kept folders; tests are the tests that read it
	// (TestMain starts it for them).
	what, name string
	tests      []string
	// prepare writes the configs into a new folder and returns it.
	prepare func() (string, error)
	// synthesize runs the jobs work hands out, keptIn is the folder of kept syntheses and base
	// names the code (kept_test.go), for tests of the keeping. Default: the child process
	// (synthesizeInChild), keptSyntheses, keyBase.
	synthesize func(work childWork) error
	keptIn     string
	base       func() string

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
	childSyntheses = []*childSynth{forkChild, scaleChild, cliChild}
	// childLane runs one child process at a time: with this binary's own Node process that fills
	// the two cores of the reference machine; more would only share them. (Two at a time, tried in
	// three paired make test runs after a change to stacks/, gave medians of 105 s against 103 s.)
	childLane sync.Mutex
)

// childJob is one synthesis a child makes: the configs its Context names (configDir) into Out; or
// the prefetch named Prefetch.
type childJob struct {
	Out      string             `json:"out,omitempty"`
	Context  clicontext.Context `json:"context,omitempty"`
	Prefetch string             `json:"prefetch,omitempty"`
}

// childWork hands a child its jobs one at a time: next returns the next one (false: there is no
// more), done reports how it ended.
type childWork interface {
	next() (childJob, bool)
	done(err error)
}

// start runs the synthesis in the background, once.
func (c *childSynth) start() { startChildren([]*childSynth{c}, false) }

// startChildren starts, in the background, the syntheses of cs not started yet: one child process
// for those with the default synthesize (in the order given; then the prefetches when prefetch is
// set), and any other on its own.
func startChildren(cs []*childSynth, prefetch bool) {
	var batch []*childSynth
	for _, c := range cs {
		c.once.Do(func() {
			c.done = make(chan struct{})
			if c.synthesize != nil {
				go runChildren([]*childSynth{c}, c.synthesize, false)
			} else {
				batch = append(batch, c)
			}
		})
	}
	if len(batch) > 0 || prefetch {
		go runChildren(batch, synthesizeInChild, prefetch)
	}
}

// childFeed is the work of one child: the jobs of its childSyntheses, then (when prefetching) the
// prefetches nobody has taken yet.
type childFeed struct {
	jobs     []fedJob
	prefetch bool
	current  func(err error) // how the job handed out last ends; nil once it has
}

// fedJob is a job of a childSynth and how it ends.
type fedJob struct {
	job    childJob
	finish func(err error)
}

func (f *childFeed) next() (childJob, bool) {
	if len(f.jobs) > 0 {
		var fed fedJob
		fed, f.jobs = f.jobs[0], f.jobs[1:]
		f.current = fed.finish
		return fed.job, true
	}
	if !f.prefetch {
		return childJob{}, false
	}
	if p, done := takeForChild(); p != nil {
		f.current = func(error) { close(done) } // the test reads it kept, or makes it itself
		return childJob{Prefetch: p.what}, true
	}
	return childJob{}, false
}

func (f *childFeed) done(err error) {
	if f.current != nil {
		f.current(err)
		f.current = nil
	}
}

// runChildren reads the kept synthesis of each of cs, or has synthesize make it, keeping it, and
// ends each as soon as its own is done; then, with prefetch, it has synthesize make the
// prefetches.
func runChildren(cs []*childSynth, synthesize func(work childWork) error, prefetch bool) {
	feed := &childFeed{prefetch: prefetch}
	for _, c := range cs {
		finish := func(out string, err error) {
			c.out, c.err = out, err
			close(c.done)
		}
		job, folder, dir, err := c.plan()
		if err != nil || dir != "" {
			finish(dir, err)
			continue
		}
		feed.jobs = append(feed.jobs, fedJob{job, func(err error) {
			switch {
			case err != nil:
				os.RemoveAll(job.Out)
				finish("", err)
			case folder == "":
				finish(job.Out, nil)
			default:
				finish(keep(job.Out, folder))
			}
		}})
	}
	if len(feed.jobs) == 0 && !prefetch {
		return
	}
	err := synthesize(feed)
	if err == nil {
		err = errors.New("it reported no result")
	}
	// The job in hand when the child ended, and those it never got.
	ended := fmt.Errorf("the child ended before it synthesized this: %w", err)
	feed.done(ended)
	for _, fed := range feed.jobs {
		fed.finish(ended)
	}
}

// plan prepares c's configs and returns the job that synthesizes them and the folder it is kept
// in, or the kept assembly that holds it already (dir).
func (c *childSynth) plan() (job childJob, folder, dir string, err error) {
	if c.configDir, err = c.prepare(); err != nil {
		return job, "", "", err
	}
	ctx := clicontext.Context(cdktest.CLIContext())
	if folder, err = c.keptFolder(ctx); err != nil {
		return job, "", "", err
	}
	if dir := reuse(folder); dir != "" {
		return job, "", dir, nil
	}
	out, err := newOut(folder, "stratus-child-*")
	if err != nil {
		return job, "", "", err
	}
	ctx["configDir"] = c.configDir // as `cdk synth -c configDir=…` gives it
	return childJob{Out: out, Context: ctx}, folder, "", nil
}

// childJobsEnv, set, makes this test binary a child: TestMain runs the jobs on stdin
// (runChildJobs) instead of the tests. childKeyEnv hands it the parent's keyBase, so both keep
// and look up the same folders.
const (
	childJobsEnv = "STRATUS_TEST_CHILD"
	childKeyEnv  = "STRATUS_TEST_CHILD_KEY"
)

// runningChild is the child process while it runs, for stopChildren.
var runningChild struct {
	sync.Mutex
	cmd *exec.Cmd
}

// stopChildren ends the child when the tests are done: what it would still make (a prefetch no
// test read, after a failure or with -failfast) is of no use, and it must not outlive the run.
func stopChildren() {
	stopPrefetching()
	runningChild.Lock()
	defer runningChild.Unlock()
	if runningChild.cmd != nil {
		runningChild.cmd.Process.Kill()
	}
}

// childResult is what a child prints on stdout for each job, as soon as it is done.
type childResult struct {
	Error string `json:"error,omitempty"`
}

// childEnv is the environment of a child synthesis (this test binary, again): this process's,
// but for the context and output folder a CLI may have set (aws-cdk-lib would read them over the
// app's own), with extra added.
func childEnv(extra ...string) []string {
	return append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "CDK_CONTEXT_JSON=") || strings.HasPrefix(kv, "CDK_OUTDIR=") || strings.HasPrefix(kv, "CONTEXT_OVERFLOW_LOCATION_ENV=")
	}), extra...)
}

// synthesizeInChild runs the jobs work hands out in a child process (this test binary, again),
// one at a time. It returns why the child ended when that was before work ran out, nil otherwise.
func synthesizeInChild(work childWork) error {
	childLane.Lock()
	defer childLane.Unlock()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	// Its own temporary folder inside TestMain's (removed at the end), so nothing the two jsii
	// runtimes write there meets.
	tmp, err := os.MkdirTemp("", "child-*")
	if err != nil {
		return err
	}
	cmd := exec.Command(self)
	cmd.Dir = repoRoot
	// The child inherits CDK_VALIDATION, JSII_RUNTIME (jsiidirect) and make's key.
	cmd.Env = childEnv(childJobsEnv+"=1", "TMPDIR="+tmp, childKeyEnv+"="+keyBase())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	runningChild.Lock()
	runningChild.cmd = cmd
	runningChild.Unlock()
	defer func() {
		runningChild.Lock()
		runningChild.cmd = nil
		runningChild.Unlock()
	}()
	// The stream is broken: stop the child rather than wait for a job nobody reads.
	ended := func(why error) error {
		cmd.Process.Kill()
		stdin.Close()
		cmd.Wait()
		return fmt.Errorf("%v:\n%s", why, stderr.String())
	}
	requests, results := json.NewEncoder(stdin), json.NewDecoder(stdout)
	for {
		job, ok := work.next()
		if !ok {
			break
		}
		if err := requests.Encode(job); err != nil {
			return ended(err)
		}
		var r childResult
		if err := results.Decode(&r); err != nil {
			return ended(err)
		}
		if r.Error != "" {
			work.done(errors.New(r.Error))
		} else {
			work.done(nil)
		}
	}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%v:\n%s", err, stderr.String())
	}
	return nil
}

// runChildJobs is a child's whole run: it synthesizes each job its stdin brings, one after another
// in one jsii runtime, and answers each with a childResult on stdout. It returns the exit code.
func runChildJobs() int {
	jsiidirect.Enable()
	defer jsii.Close()
	requests, results := json.NewDecoder(os.Stdin), json.NewEncoder(os.Stdout)
	for {
		var job childJob
		if err := requests.Decode(&job); err == io.EOF {
			return 0
		} else if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		var r childResult
		if err := runChildJob(job); err != nil {
			r.Error = err.Error()
		}
		if err := results.Encode(r); err != nil {
			return 1
		}
	}
}

// runChildJob makes one job: a prefetch as the test that reads it would (Synth, keeping it), a
// config folder as app.go synthesizes the one the CLI names (stacks.LoadConfig and Synthesize,
// which app.go runs too).
func runChildJob(job childJob) (err error) {
	if job.Prefetch != "" {
		defer recoverInto(&err)
		p, err := prefetchNamed(job.Prefetch)
		if err != nil {
			return err
		}
		envs, err := p.load()
		if err != nil {
			return err
		}
		_, err = synthesized(envs) // kept: startPrefetching made sure
		return err
	}
	envs, delivery, err := stacks.LoadConfig(job.Context) // configDir is in the context
	if err != nil {
		return err
	}
	return stacks.Synthesize(&awscdk.AppProps{Context: (*map[string]any)(&job.Context), Outdir: jsii.String(job.Out)}, envs, delivery)
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
	var wanted []*childSynth
	for _, c := range childSyntheses {
		if slices.ContainsFunc(c.tests, selected) {
			wanted = append(wanted, c)
		}
	}
	// Prefetching only when every test runs: with a selection, most prefetches would go unread.
	unset := func(name string) bool { f := flag.Lookup(name); return f == nil || f.Value.String() == "" }
	startChildren(wanted, unset("test.run") && unset("test.skip") && startPrefetching())
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
// matches its stamp, runs the child again.
func TestAChildSynthesisIsKeptUntilItsInputsChange(t *testing.T) {
	dir := t.TempDir()
	runs := 0
	// It stands for a child: it writes a manifest into each job's folder.
	synthesize := func(work childWork) error {
		for job, ok := work.next(); ok; job, ok = work.next() {
			runs++
			work.done(os.WriteFile(filepath.Join(job.Out, "manifest.json"), []byte("{}"), 0o644))
		}
		return nil
	}
	dev, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, "dev.yaml"))
	require.NoError(t, err)
	synth := func(text string) string {
		t.Helper()
		c := &childSynth{what: "a test child", name: "keeping", keptIn: filepath.Join(dir, "kept"),
			// Its own code key, so the test holds where make could not name the code (no git).
			base:       func() string { return "test code" },
			synthesize: synthesize,
			prepare: func() (string, error) {
				folder, err := os.MkdirTemp(dir, "config-")
				if err != nil {
					return "", err
				}
				return folder, os.WriteFile(filepath.Join(folder, "dev.yaml"), []byte(text), 0o644)
			}}
		return c.Dir(t)
	}
	childRuns := func() int { return runs }

	first := synth(string(dev))
	require.Equal(t, 1, childRuns())
	require.FileExists(t, filepath.Join(first, gates.StampFile), "kept stamped")
	assert.Equal(t, first, synth(string(dev)), "the same configs in another folder read the kept assembly")
	assert.Equal(t, 1, childRuns(), "without running the child")

	require.NoError(t, os.WriteFile(filepath.Join(first, "manifest.json"), []byte(`{"changed":true}`), 0o644))
	assert.Equal(t, first, synth(string(dev)))
	assert.Equal(t, 2, childRuns(), "a kept folder changed since its stamp is synthesized again")
	assert.NoError(t, gates.Fresh(first), "and kept anew")

	other := synth(string(dev) + "# changed\n")
	assert.NotEqual(t, first, other)
	assert.Equal(t, 3, childRuns(), "a changed config runs the child")
	assert.DirExists(t, first, "a kept folder stays while a run beside this one may read it")
}

// TestAChildReportsEachJobAndGoesOn: the child process answers every job with its own result, a
// failed one included, and takes the next; each test reads its own. (The fixture dev with a
// delivery file config refuses: the child fails before anything reaches the jsii runtime, so it
// costs a process start.)
func TestAChildReportsEachJobAndGoesOn(t *testing.T) {
	t.Parallel() // the child process runs one at a time (childLane): last, after the others
	dev, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, "dev.yaml"))
	require.NoError(t, err)
	dir := t.TempDir()
	child := func(delivery string) *childSynth {
		return &childSynth{what: "a refused delivery file", name: "refused", keptIn: filepath.Join(dir, "kept"),
			base: func() string { return "test code" },
			prepare: func() (string, error) {
				folder, err := os.MkdirTemp(dir, "config-")
				if err == nil {
					err = os.WriteFile(filepath.Join(folder, "dev.yaml"), dev, 0o644)
				}
				if err == nil {
					err = os.WriteFile(filepath.Join(folder, config.DeliveryFile), []byte(delivery), 0o644)
				}
				return folder, err
			}}
	}
	first, second := child("noSuchKey: 1\n"), child("otherUnknownKey: 2\n")
	startChildren([]*childSynth{first, second}, false)
	for _, c := range []*childSynth{first, second} {
		<-c.done
		require.Error(t, c.err, "the child refuses the delivery file")
	}
	assert.Contains(t, first.err.Error(), "noSuchKey", "the first job's own error")
	assert.Contains(t, second.err.Error(), "otherUnknownKey", "the second job ran after the first failed, with its own error")
	assert.NotContains(t, second.err.Error(), "noSuchKey")
}
