package test

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	sns "github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
)

// benchRow is one line of `make bench`'s summary.
type benchRow struct {
	name    string
	runs    []time.Duration // in the order of the rounds
	largest stackSize       // by resources
	biggest stackSize       // by template bytes
	total   int             // resources in all stacks, as written
}

// BenchmarkSynth is `make bench`: in one run, the synth time of each shipped environment
// (config/), of prod's layout with 3, 10 and 40 services in each of its two regions (the marginal
// cost of a service follows, and the resources it adds), of bare L1 resources (what a resource
// costs with none of an L2's work: the floor a service's marginal cost is compared with), of the
// cheapest call into the jsii runtime, with the number of requests a service adds (counted, not
// timed), of the 10- and 40-service layouts as `cdk synth` runs them (the compliance packs
// included), and of the whole app against an empty app: the compiled apps alone and through the
// pinned CLI's `cdk synth`.
// Each row's time is the median of its runs (make bench's -benchtime 5x gives five), and the rows
// compared with each other run in turns (the scale layouts in benchFresh; the app and the empty
// app, and the 10- and 40-service processes, in benchProcesses; the two bare apps), so drift and
// a slow run do not land on one row; a marginal cost or a ratio is the median of the rounds' own.
// The round trip is a mean over many calls.
// The environment and scale rows build and synthesize as the tests do, without the compliance
// packs, each in a fresh jsii runtime whose start is not timed (benchFresh); the app and the empty
// app are whole processes (jsii runtime start included), the app with its compliance packs.
// Validation follows CDK_VALIDATION (make bench turns it off) in the environment, scale and bare
// rows; the `cdk synth` layouts and the request count run without it, and the app/empty pairs
// run three ways (wholeAppWays).
func BenchmarkSynth(b *testing.B) {
	envs, err := config.LoadDir(filepath.Join(repoRoot, "config"))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	sizes := []int{3, 10, scaleServices}
	layouts := make([]benchLayout, len(sizes))
	for i, n := range sizes {
		env, err := loadScale(dir, n)
		if err != nil {
			b.Fatal(err)
		}
		layouts[i] = benchLayout{scaleRowName(n), []*config.Environment{env}}
	}
	// Each timed synthesis runs in a fresh runtime after an untimed one of the smallest layout,
	// which loads aws-cdk-lib's modules: no row pays for that, and none for the rows before it.
	warm := layouts[0].envs[0]
	var rows []benchRow
	for _, env := range envs {
		name := "env=" + env.Name
		rows = append(rows, benchFresh(b, name, warm, []benchLayout{{name, []*config.Environment{env}}})...)
	}
	scaled := benchFresh(b, "services=in-turns", warm, layouts)
	scale := map[int]benchRow{}
	for i, n := range sizes {
		scale[n] = scaled[i]
	}
	rows = append(rows, scaled...)

	// The bare resources are synthesized in this process's runtime: the first synthesis also
	// loads aws-cdk-lib's modules into it, so one is done untimed first.
	if err := synthDiscarded(envs[:1]); err != nil {
		b.Fatal(err)
	}
	bare := benchBare(b)
	trip := benchRoundTrip(b)

	bin := buildApp(b)
	requests := jsiiRequestsPerService(b, bin, dir)
	empty := emptyAppBinary.build(b, "test/emptyapp", "emptyapp")
	// The app and the empty app, each way, in turns: their ratio compares
	// runs of the same minutes, not the app's runs with the empty app's a minute later.
	var pairs []benchRun
	for _, way := range wholeAppWays {
		for _, a := range []struct{ name, path string }{{"app", bin}, {"empty", empty}} {
			pairs = append(pairs, benchRun{a.name + "/" + way.name, a.path, way.validation, cdkContext, way.cli})
		}
	}
	process := benchProcesses(b, "whole-app/in-turns", pairs)
	// The 10- and 40-service rows again as `cdk synth` runs them (a process, the packs
	// included), in turns for the same reason, from the config folders the rows above read.
	var scaleRuns []benchRun
	for _, l := range layouts[1:] {
		ctx := maps.Clone(cdkContext)
		ctx["configDir"] = filepath.Dir(l.envs[0].File)
		scaleRuns = append(scaleRuns, benchRun{l.name, bin, "false", ctx, false})
	}
	synth := benchProcesses(b, "synth/in-turns", scaleRuns)
	synthLo, synthHi := synth[scaleRowName(sizes[1])], synth[scaleRowName(sizes[2])]

	out := &strings.Builder{}
	fmt.Fprintf(out, "\n%-22s %10s %28s %30s\n", "synth", "time", "most resources", "largest template")
	for _, r := range rows {
		fmt.Fprintf(out, "%-22s %9.2fs %28s %30s\n", r.name, median(r.runs).Seconds(),
			fmt.Sprintf("%d (%s)", r.largest.resources, shortName(r.largest.name)),
			fmt.Sprintf("%.0f KB (%s)", float64(r.biggest.bytes)/1024, shortName(r.biggest.name)))
	}
	var perService time.Duration // the last pair's: 10 to 40 services
	for i := 1; i < len(sizes); i++ {
		lo, hi := sizes[i-1], sizes[i]
		var rounds []time.Duration
		perService, rounds = marginal(scale[lo].runs, scale[hi].runs, hi-lo)
		fmt.Fprintf(out, "marginal cost of a service (both regions), %d→%d services: %d ms (rounds: %s)\n", lo, hi, wholeMs(perService), millis(rounds))
	}
	lo, hi := scale[sizes[1]], scale[sizes[2]]
	added := float64(hi.total-lo.total) / float64(sizes[2]-sizes[1])
	fmt.Fprintf(out, "resources a service adds (both regions), %d→%d services: %.0f; a bare L1 resource costs %.2f ms, so %.0f of them %.0f ms: the marginal cost is %.1f× that\n",
		sizes[1], sizes[2], added, ms(bare), added, added*ms(bare), ms(perService)/(added*ms(bare)))
	fmt.Fprintf(out, "jsii requests a service adds (both regions), %d→%d services: %.0f; the cheapest round trip costs %.3f ms, so they take at least %.0f ms\n",
		requestsFrom, requestsTo, requests, ms(trip), requests*ms(trip))
	synthService, synthRounds := marginal(synthLo, synthHi, sizes[2]-sizes[1])
	fmt.Fprintf(out, "as `cdk synth` runs it (a process, cdk-nag packs on, validation false): %d services × 2 regions %.2fs, %d × 2 %.2fs: %d ms a service (rounds: %s)\n",
		sizes[1], median(synthLo).Seconds(), sizes[2], median(synthHi).Seconds(), wholeMs(synthService), millis(synthRounds))
	for _, way := range wholeAppWays {
		app, floor := process["app/"+way.name], process["empty/"+way.name]
		ratios := make([]float64, len(app))
		for i := range app {
			ratios[i] = app[i].Seconds() / floor[i].Seconds()
		}
		fmt.Fprintf(out, "whole app (%s): %.2fs, empty app %.2fs: %.2f× (rounds: %s)\n",
			way.what, median(app).Seconds(), median(floor).Seconds(), median(ratios), joined(ratios, "%.2f×"))
	}
	fmt.Print(out.String())
}

// Bare resources: the shared stack's topic, then bareStacks stacks of bareEach topics.
const bareStacks, bareEach = 8, 50

// benchBare returns what one bare L1 resource adds to a synthesis here: an SNS topic whose
// display name is another stack's topic name, so each is a create across jsii and a cross-stack
// reference, as most of a service's resources are, with none of an L2's work. Two apps of
// bareStacks stacks, with one topic each and with bareEach, synthesized in turns in this
// process's runtime, give the cost per topic added (the median of the rounds'): the start and the
// stacks' own cost cancel out. The apps are small, so the runtime's growth over the rounds is too.
func benchBare(b *testing.B) time.Duration {
	var per time.Duration
	b.Run(fmt.Sprintf("bare=%dx1-and-%dx%d", bareStacks, bareStacks, bareEach), func(b *testing.B) {
		var small, large []time.Duration
		for b.Loop() {
			small = append(small, benchBareApp(b, bareStacks, 1))
			large = append(large, benchBareApp(b, bareStacks, bareEach))
		}
		per, _ = marginal(small, large, bareStacks*(bareEach-1))
		b.ReportMetric(float64(per.Microseconds()), "µs/resource")
		b.ReportMetric(0, "ns/op")
	})
	return per
}

// benchBareApp synthesizes an app of stacks stacks of each bare topics and returns how long that
// took.
func benchBareApp(b *testing.B, stacks, each int) time.Duration {
	dir, err := os.MkdirTemp("", "stratus-bench-*")
	if err != nil {
		b.Fatal(err)
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	app := NewTestApp(dir)
	env := &awscdk.Environment{Account: jsii.String("111111111111"), Region: jsii.String("us-east-1")}
	shared := awscdk.NewStack(app, jsii.String("Shared"), &awscdk.StackProps{Env: env})
	name := sns.NewCfnTopic(shared, jsii.String("Topic"), nil).AttrTopicName()
	for i := range stacks {
		stack := awscdk.NewStack(app, jsii.String(fmt.Sprintf("Bare%d", i)), &awscdk.StackProps{Env: env})
		for j := range each {
			sns.NewCfnTopic(stack, jsii.String(fmt.Sprintf("Topic%d", j)), &sns.CfnTopicProps{DisplayName: name})
		}
	}
	app.Synth(nil)
	return time.Since(start)
}

// benchRoundTrip returns what the cheapest call into the jsii runtime costs: a static method
// that takes a string and returns a bool, so nearly all of it is the round trip (the JSON, the
// pipes, both processes waking).
func benchRoundTrip(b *testing.B) time.Duration {
	const calls = 2000
	var per time.Duration
	b.Run("roundtrip", func(b *testing.B) {
		n, start := 0, time.Now()
		for b.Loop() {
			for range calls {
				awscdk.Token_IsUnresolved(jsii.String("plain"))
			}
			n++
		}
		per = time.Since(start) / time.Duration(n*calls)
	})
	return per
}

// countResponses, preloaded into the jsii kernel's Node (NODE_OPTIONS), counts the lines the
// kernel writes to fd 4, its response pipe when it runs without the relay (internal/jsiidirect):
// one per response to a request or callback to Go (and one hello). It writes the count to
// $STRATUS_RESPONSES at exit, if it counted any (another Node process would count none).
const countResponses = `const fs = require("fs"), write = fs.writeSync;
let lines = 0;
fs.writeSync = function (fd, buffer, offset, ...rest) {
	const written = write.call(this, fd, buffer, offset, ...rest);
	if (fd === 4 && Buffer.isBuffer(buffer)) {
		for (let i = offset || 0; i < (offset || 0) + written; i++) if (buffer[i] === 10) lines++;
	}
	return written;
};
process.on("exit", () => lines > 0 && fs.writeFileSync(process.env.STRATUS_RESPONSES, String(lines)));
`

// requestsFrom, requestsTo: the service counts the request count compares, one group of four of
// scaleConfig's services apart (one owning a database, one sharing it, two without).
const requestsFrom, requestsTo = 10, 14

// jsiiRequestsPerService counts the requests the app binary sends the jsii kernel for prod with
// requestsFrom and requestsTo services, and returns the difference per service: a measure of what
// a service costs that does not vary with the machine, as times do. The binary runs the
// compliance packs: giving each stack its pair takes five requests, and their checks none (they
// run inside the kernel).
func jsiiRequestsPerService(b *testing.B, bin, dir string) float64 {
	counter := filepath.Join(dir, "count-responses.js")
	if err := os.WriteFile(counter, []byte(countResponses), 0o644); err != nil {
		b.Fatal(err)
	}
	count := func(n int) int {
		folder, err := scaleConfig(dir, n)
		if err != nil {
			b.Fatal(err)
		}
		ctx := maps.Clone(cdkContext)
		ctx["configDir"] = folder
		responses := filepath.Join(folder, "responses")
		cmd := appCommand(b, bin, ctx, b.TempDir(), "CDK_VALIDATION=false",
			"NODE_OPTIONS="+strings.TrimSpace("--require="+strconv.Quote(counter)+" "+os.Getenv("NODE_OPTIONS")), "STRATUS_RESPONSES="+responses)
		// Without this process's JSII_RUNTIME the app builds its own direct kernel command.
		cmd.Env = slices.DeleteFunc(cmd.Env, func(v string) bool { return strings.HasPrefix(v, "JSII_RUNTIME=") })
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%s with %d services: %v\n%s", bin, n, err, out)
		}
		text, err := os.ReadFile(responses)
		if err != nil {
			b.Fatal(err)
		}
		lines, err := strconv.Atoi(string(text))
		if err != nil || lines == 0 {
			b.Fatalf("%s with %d services: %q responses: the count needs the kernel without its relay (internal/jsiidirect)", bin, n, text)
		}
		return lines
	}
	return float64(count(requestsTo)-count(requestsFrom)) / (requestsTo - requestsFrom)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// shortName drops the stage from a stack name for the table.
func shortName(stack string) string {
	_, rest, _ := strings.Cut(stack, "-")
	return rest
}

// benchFresh times the synthesis of each layout (a row's name and its environments), in
// turns when there are several: round after round (3, 10, 40, 3, 10, 40, …), each layout's time
// the median of its rounds. A machine that slows down or speeds up during the run, or one slow
// synth, then moves every layout alike, not one row, and the difference between two rows stays
// the services'. Each synthesis runs in a fresh jsii runtime (benchChild), after warm, an untimed
// synthesis that loads the modules. Only the synthesis is timed: not reading the templates back
// (the tests' work), nor deleting them. name names the sub-benchmark; each row reports its largest
// stack.
func benchFresh(b *testing.B, name string, warm *config.Environment, layouts []benchLayout) []benchRow {
	rows := make([]benchRow, len(layouts))
	b.Run(name, func(b *testing.B) {
		times := make([][]time.Duration, len(layouts))
		last := make([]string, len(layouts))
		for b.Loop() {
			for i, l := range layouts {
				dir, err := os.MkdirTemp("", "stratus-bench-*")
				if err != nil {
					b.Fatal(err)
				}
				took, err := benchChild(warm, l.envs, dir)
				if err != nil {
					b.Fatalf("%s: %v", l.name, err)
				}
				times[i] = append(times[i], took)
				os.RemoveAll(last[i])
				last[i] = dir
			}
		}
		for i, l := range layouts {
			rows[i] = benchRow{name: l.name, runs: times[i]}
			suffix := ""
			if len(layouts) > 1 {
				suffix = "-" + l.name
			}
			b.ReportMetric(float64(wholeMs(median(times[i]))), "ms"+suffix)
			measureRow(b, &rows[i], last[i], l.envs, suffix)
			os.RemoveAll(last[i])
		}
		// ns/op would be a child process's whole life (its start and warm-up included), not
		// the synthesis the ms metrics give.
		b.ReportMetric(0, "ns/op")
	})
	return rows
}

// A jsii runtime keeps every object a Go process created in it until the process ends
// (jsii-runtime-go never releases one), so a runtime that synthesizes layout after layout carries
// every earlier synthesis in its heap, and later syntheses cost more: in one process, 40 services
// × 2 regions after six syntheses of config/ took 9.1-9.7 s, a service 193-231 ms; without them
// 6.0-6.8 s and 110-150 ms. `cdk synth` synthesizes once in a process, so each timed synthesis of
// the bench runs in a child process of its own: this test binary again, with benchChildEnv set.
const benchChildEnv = "STRATUS_BENCH_CHILD"

// benchChildJob is what a child synthesizes: Warm (an environment file) untimed, then Envs (the
// environment files) into Out, timed.
type benchChildJob struct {
	Warm string
	Envs []string
	Out  string
}

// benchChild synthesizes envs into out in a child process, after warm, and returns how long the
// synthesis of envs took.
func benchChild(warm *config.Environment, envs []*config.Environment, out string) (time.Duration, error) {
	job := benchChildJob{Warm: warm.File, Out: out}
	for _, env := range envs {
		job.Envs = append(job.Envs, env.File)
	}
	data, err := json.Marshal(job)
	if err != nil {
		return 0, err
	}
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	cmd := exec.Command(self)
	cmd.Dir = repoRoot
	cmd.Env = childEnv(benchChildEnv + "=" + string(data))
	cmd.Stderr = os.Stderr
	text, err := cmd.Output()
	if err != nil {
		return 0, fmt.Errorf("bench child: %w", err)
	}
	// The last line: behind jsii's relay (internal/jsiidirect), what the kernel prints comes on
	// stdout too.
	lines := strings.Split(strings.TrimSpace(string(text)), "\n")
	ns, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bench child: its last line of output is not the nanoseconds its synthesis took: %q", text)
	}
	return time.Duration(ns), nil
}

// runBenchChild is the child's side of benchChild: it prints the nanoseconds the synthesis took.
func runBenchChild(spec string) int {
	var job benchChildJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		fmt.Fprintln(os.Stderr, benchChildEnv, err)
		return 2
	}
	warm, err := loadFiles(job.Warm)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	envs, err := loadFiles(job.Envs...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	jsiidirect.Enable()
	defer jsii.Close()
	if err := synthDiscarded(warm); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	start := time.Now()
	if err := synthInto(job.Out, envs); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println(time.Since(start).Nanoseconds())
	return 0
}

// loadFiles loads the environment files.
func loadFiles(files ...string) ([]*config.Environment, error) {
	envs := make([]*config.Environment, len(files))
	for i, f := range files {
		env, err := config.Load(f)
		if err != nil {
			return nil, err
		}
		envs[i] = env
	}
	return envs, nil
}

// synthDiscarded synthesizes envs and deletes the assembly unread: a synthesis that only warms
// the runtime up.
func synthDiscarded(envs []*config.Environment) error {
	dir, err := synthKeeping(envs, "")
	os.RemoveAll(dir)
	return err
}

// scaleRowName names the row of the scale layout with n services in each region.
func scaleRowName(n int) string { return fmt.Sprintf("services=%dx2", n) }

// benchLayout is a row of benchFresh's syntheses: its name and the environments synthesized.
type benchLayout struct {
	name string
	envs []*config.Environment
}

// measureRow fills row's largest stacks and resource count from the assembly in dir, and reports
// them as metrics named with suffix.
func measureRow(b *testing.B, row *benchRow, dir string, envs []*config.Environment, suffix string) {
	a, err := ReadAssembly(dir, envs)
	if err != nil {
		b.Fatal(err)
	}
	if row.largest, row.biggest, err = a.largest(); err != nil {
		b.Fatal(err)
	}
	for _, tpl := range a.Templates {
		row.total += tpl.Written
	}
	b.ReportMetric(float64(row.largest.resources), "max-resources"+suffix)
	b.ReportMetric(float64(row.biggest.bytes)/1024, "max-KB"+suffix)
}

// median is the middle of values (the mean of the two middle ones for an even count): on a
// machine whose speed swings, one slow run moves a mean, not a median.
func median[T time.Duration | float64](values []T) T {
	if len(values) == 0 {
		return 0 // a row -bench left out
	}
	sorted := slices.Sorted(slices.Values(values))
	mid := len(sorted) / 2
	if len(sorted)%2 == 0 {
		return (sorted[mid-1] + sorted[mid]) / 2
	}
	return sorted[mid]
}

// marginal is what each of added services costs: the median, over the rounds, of the round's
// difference between hi's time and lo's, both synthesized in that round (in turns), and those
// differences. Pairing runs of one round keeps a slow minute out of the difference.
func marginal(lo, hi []time.Duration, added int) (time.Duration, []time.Duration) {
	rounds := make([]time.Duration, min(len(lo), len(hi)))
	for i := range rounds {
		rounds[i] = (hi[i] - lo[i]) / time.Duration(added)
	}
	return median(rounds), rounds
}

// wholeMs is d rounded to whole milliseconds.
func wholeMs(d time.Duration) int64 { return d.Round(time.Millisecond).Milliseconds() }

// millis lists durations in whole milliseconds.
func millis(d []time.Duration) string {
	ms := make([]float64, len(d))
	for i, x := range d {
		ms[i] = float64(wholeMs(x))
	}
	return joined(ms, "%.0f ms")
}

// joined formats each of values with format, comma-separated.
func joined(values []float64, format string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = fmt.Sprintf(format, v)
	}
	return strings.Join(parts, ", ")
}

// wholeAppWays are the ways the whole app and the empty app are run: the compiled app alone,
// with the context `cdk synth` gives it, the validator off and on; and through the pinned CLI,
// `cdk synth --quiet` with the validator on, as a user synthesizes (the CLI's start and its
// reading of the assembly included; the app given as its compiled binary, so go's build check
// is not).
var wholeAppWays = []struct {
	name, what, validation string
	cli                    bool
}{
	{"validation=false", "validation false", "false", false},
	{"validation=true", "validation true", "true", false},
	{"cdk-synth", "`cdk synth`, validation true", "true", true},
}

// benchRun is one process row: a compiled app run with ctx, the context `cdk synth` gives it
// (cdkContext, with another configDir for a scale row), and CDK_VALIDATION set to validation;
// with cli, run by the pinned CLI's `cdk synth`, which gives the app cdk.json's context and its
// own.
type benchRun struct {
	name, path, validation string
	ctx                    map[string]any
	cli                    bool
}

// command is the command of one run of r, writing its assembly into outdir.
func (r benchRun) command(b *testing.B, outdir string) *exec.Cmd {
	if !r.cli {
		return appCommand(b, r.path, r.ctx, outdir, "CDK_VALIDATION="+r.validation)
	}
	cmd := exec.Command(pinnedCLI(b), "synth", "--quiet", "--app", r.path, "--output", outdir)
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CDK_VALIDATION="+r.validation)
	return cmd
}

// benchProcesses times the runs in turns, round after round as benchFresh does, and returns
// each run's times, in the order of the rounds, by its name. name names the sub-benchmark, which
// reports each run's median time.
func benchProcesses(b *testing.B, name string, runs []benchRun) map[string][]time.Duration {
	out := map[string][]time.Duration{}
	b.Run(name, func(b *testing.B) {
		times := make([][]time.Duration, len(runs))
		for b.Loop() {
			for i, r := range runs {
				outdir, err := os.MkdirTemp("", "stratus-bench-*")
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				if out, err := r.command(b, outdir).CombinedOutput(); err != nil {
					b.Fatalf("%s: %v\n%s", r.name, err, out)
				}
				times[i] = append(times[i], time.Since(start))
				os.RemoveAll(outdir)
			}
		}
		for i, r := range runs {
			out[r.name] = times[i]
			b.ReportMetric(float64(wholeMs(median(times[i]))), "ms-"+r.name)
		}
		b.ReportMetric(0, "ns/op") // a round of every run, not one run
	})
	return out
}

// msList is durations in milliseconds, for the tests of the bench's arithmetic.
func msList(v ...int) []time.Duration {
	out := make([]time.Duration, len(v))
	for i, x := range v {
		out[i] = time.Duration(x) * time.Millisecond
	}
	return out
}

func TestMedianIsTheMiddleRun(t *testing.T) {
	cases := []struct {
		name  string
		times []time.Duration
		want  time.Duration
	}{
		{"one slow run of three does not move it", msList(100, 900, 110), 110 * time.Millisecond},
		{"an even count takes the mean of the middle two", msList(40, 10, 30, 20), 25 * time.Millisecond},
		{"a single run is itself", msList(7), 7 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, median(c.times))
		})
	}
}

func TestMarginalComparesRunsOfTheSameRound(t *testing.T) {
	// The machine slowed down from round to round: the runs of a round are alike, those of
	// different rounds not. Paired by round, each difference is its round's; the difference of
	// the two medians (400 - 200) would pair runs of different rounds and give 20 ms.
	per, rounds := marginal(msList(100, 200, 200), msList(400, 400, 800), 10)
	assert.Equal(t, msList(30, 20, 60), rounds)
	assert.Equal(t, 30*time.Millisecond, per)
	// A run missing on one side pairs only the rounds both have.
	_, rounds = marginal(msList(100, 200), msList(400), 10)
	assert.Equal(t, msList(30), rounds)
}

func TestMedianOfRatios(t *testing.T) {
	assert.InDelta(t, 2.5, median([]float64{9, 2, 3, 1}), 1e-9)
	assert.Zero(t, median([]float64{}), "a row -bench left out has no runs")
}
