package test

import (
	"fmt"
	"maps"
	"os"
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
)

// benchRow is one line of `make bench`'s summary.
type benchRow struct {
	name    string
	perOp   time.Duration
	largest stackSize // by resources
	biggest stackSize // by template bytes
	total   int       // resources in all stacks, as written
}

// BenchmarkSynth is `make bench`: in one run, the synth time of each shipped environment
// (config/), of prod's layout with 3, 10 and 40 services in each of its two regions (the marginal
// cost of a service follows, and the resources it adds), of bare L1 resources (what a resource
// costs with none of an L2's work: the floor a service's marginal cost is compared with), of the
// cheapest call into the jsii runtime, with the number of requests a service adds (counted, not
// timed), of the 10- and 40-service layouts as `cdk synth` runs them (the compliance packs
// included), and of the whole app as `cdk synth` runs it against an empty app.
// Each row's time is the median of its runs (-benchtime 3x gives three), and the scale layouts run
// in turns (benchInProcess), so drift and a slow run do not land on one row; the bare resource and
// the round trip are means over many calls.
// In-process synths build and synthesize without the compliance packs, as the tests do; the
// app and the empty app are whole processes (jsii runtime start included), the app with its
// compliance packs. Validation follows CDK_VALIDATION (make bench turns it off), except in the
// app/empty pair, which is measured both ways.
func BenchmarkSynth(b *testing.B) {
	envs, err := config.LoadDir(filepath.Join(repoRoot, "config"))
	if err != nil {
		b.Fatal(err)
	}
	// The first synth of a process also loads aws-cdk-lib's modules into the jsii runtime; done
	// once untimed, so no row pays for it.
	if _, err := synthFresh(envs[:1]); err != nil {
		b.Fatal(err)
	}
	var rows []benchRow
	for _, env := range envs {
		name := "env=" + env.Name
		rows = append(rows, benchInProcess(b, name, []benchLayout{{name, []*config.Environment{env}}})...)
	}
	dir := b.TempDir()
	sizes := []int{3, 10, scaleServices}
	layouts := make([]benchLayout, len(sizes))
	for i, n := range sizes {
		env, err := loadScale(dir, n)
		if err != nil {
			b.Fatal(err)
		}
		layouts[i] = benchLayout{fmt.Sprintf("services=%dx2", n), []*config.Environment{env}}
	}
	scaled := benchInProcess(b, "services=in-turns", layouts)
	scale := map[int]benchRow{}
	for i, n := range sizes {
		scale[n] = scaled[i]
	}
	rows = append(rows, scaled...)

	bare := benchBare(b)
	trip := benchRoundTrip(b)

	bin := buildApp(b)
	requests := jsiiRequestsPerService(b, bin, dir)
	empty := emptyAppBinary.build(b, "test/emptyapp", "emptyapp")
	process := map[string]time.Duration{}
	for _, validation := range []string{"false", "true"} {
		for name, path := range map[string]string{"app": bin, "empty": empty} {
			key := name + "/validation=" + validation
			process[key] = benchProcess(b, key, path, validation, cdkContext)
		}
	}
	// The 10- and 40-service rows again as `cdk synth` runs them: a process, the packs included.
	synth := map[int]time.Duration{}
	for _, n := range sizes[1:] {
		folder, err := scaleConfig(dir, n)
		if err != nil {
			b.Fatal(err)
		}
		ctx := maps.Clone(cdkContext)
		ctx["configDir"] = folder
		synth[n] = benchProcess(b, fmt.Sprintf("synth/services=%dx2", n), bin, "false", ctx)
	}

	out := &strings.Builder{}
	fmt.Fprintf(out, "\n%-22s %10s %28s %30s\n", "synth", "time", "most resources", "largest template")
	for _, r := range rows {
		fmt.Fprintf(out, "%-22s %9.2fs %28s %30s\n", r.name, r.perOp.Seconds(),
			fmt.Sprintf("%d (%s)", r.largest.resources, shortName(r.largest.name)),
			fmt.Sprintf("%.0f KB (%s)", float64(r.biggest.bytes)/1024, shortName(r.biggest.name)))
	}
	var perService time.Duration // the last pair's: 10 to 40 services
	for i := 1; i < len(sizes); i++ {
		lo, hi := sizes[i-1], sizes[i]
		perService = (scale[hi].perOp - scale[lo].perOp) / time.Duration(hi-lo)
		fmt.Fprintf(out, "marginal cost of a service (both regions), %d→%d services: %d ms\n", lo, hi, perService.Milliseconds())
	}
	lo, hi := scale[sizes[1]], scale[sizes[2]]
	added := float64(hi.total-lo.total) / float64(sizes[2]-sizes[1])
	fmt.Fprintf(out, "resources a service adds (both regions), %d→%d services: %.0f; a bare L1 resource costs %.2f ms, so %.0f of them %.0f ms: the marginal cost is %.1f× that\n",
		sizes[1], sizes[2], added, ms(bare), added, added*ms(bare), ms(perService)/(added*ms(bare)))
	fmt.Fprintf(out, "jsii requests a service adds (both regions), %d→%d services: %.0f; the cheapest round trip costs %.3f ms, so they take at least %.0f ms\n",
		requestsFrom, requestsTo, requests, ms(trip), requests*ms(trip))
	fmt.Fprintf(out, "as `cdk synth` runs it (a process, cdk-nag packs on, validation false): %d services × 2 regions %.2fs, %d × 2 %.2fs: %d ms a service\n",
		sizes[1], synth[sizes[1]].Seconds(), sizes[2], synth[sizes[2]].Seconds(), ((synth[sizes[2]] - synth[sizes[1]]) / time.Duration(sizes[2]-sizes[1])).Milliseconds())
	for _, v := range []string{"false", "true"} {
		app, floor := process["app/validation="+v], process["empty/validation="+v]
		fmt.Fprintf(out, "whole app (validation %s): %.2fs, empty app %.2fs: %.2f×\n", v, app.Seconds(), floor.Seconds(), app.Seconds()/floor.Seconds())
	}
	fmt.Print(out.String())
}

// Bare resources: the shared stack's topic, then bareStacks stacks of bareEach topics.
const bareStacks, bareEach = 8, 50

// benchBare returns what one bare L1 resource adds to a synthesis here, in the conditions of the
// in-process rows: an SNS topic whose display name is another stack's topic name, so each is a
// create across jsii and a cross-stack reference, as most of a service's resources are, with
// none of an L2's work. Two apps of bareStacks stacks, with one topic each and with bareEach,
// give the cost per topic added: the start and the stacks' own cost cancel out.
func benchBare(b *testing.B) time.Duration {
	small, large := benchBareApp(b, bareStacks, 1), benchBareApp(b, bareStacks, bareEach)
	return (large - small) / time.Duration(bareStacks*(bareEach-1))
}

func benchBareApp(b *testing.B, stacks, each int) time.Duration {
	var per time.Duration
	b.Run(fmt.Sprintf("bare=%dx%d", stacks, each), func(b *testing.B) {
		var dirs []string
		n, start := 0, time.Now()
		for b.Loop() {
			dir, err := os.MkdirTemp("", "stratus-bench-*")
			if err != nil {
				b.Fatal(err)
			}
			dirs = append(dirs, dir)
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
			n++
		}
		per = time.Since(start) / time.Duration(n)
		removeAll(dirs)
	})
	return per
}

// removeAll deletes the assemblies a timed loop wrote, once the timing is done.
func removeAll(dirs []string) {
	for _, dir := range dirs {
		os.RemoveAll(dir)
	}
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

// benchInProcess times the synthesis of each layout (a row's name and its environments), in
// turns when there are several: round after round (3, 10, 40, 3, 10, 40, …), each layout's time
// the median of its rounds. A machine that slows down or speeds up during the run, or one slow
// synth, then moves every layout alike, not one row, and the difference between two rows stays
// the services'. Only the synthesis is timed: not reading the templates back (the tests' work),
// nor deleting them. name names the sub-benchmark; each row reports its largest stack.
func benchInProcess(b *testing.B, name string, layouts []benchLayout) []benchRow {
	rows := make([]benchRow, len(layouts))
	b.Run(name, func(b *testing.B) {
		times := make([][]time.Duration, len(layouts))
		last := make([]string, len(layouts))
		for b.Loop() {
			for i, l := range layouts {
				start := time.Now()
				dir, err := synthKeeping(l.envs, "")
				if err != nil {
					b.Fatal(err)
				}
				times[i] = append(times[i], time.Since(start))
				os.RemoveAll(last[i])
				last[i] = dir
			}
		}
		for i, l := range layouts {
			rows[i] = benchRow{name: l.name, perOp: median(times[i])}
			suffix := ""
			if len(layouts) > 1 {
				suffix = "-" + l.name
				b.ReportMetric(float64(rows[i].perOp.Milliseconds()), "ms"+suffix)
			}
			measureRow(b, &rows[i], last[i], l.envs, suffix)
			os.RemoveAll(last[i])
		}
	})
	return rows
}

// benchLayout is a row of in-process synths: its name and the environments synthesized.
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

// median is the middle of times (the mean of the two middle ones for an even count): on a
// machine whose speed swings, one slow run moves a mean, not a median.
func median(times []time.Duration) time.Duration {
	sorted := slices.Sorted(slices.Values(times))
	mid := len(sorted) / 2
	if len(sorted)%2 == 0 {
		return (sorted[mid-1] + sorted[mid]) / 2
	}
	return sorted[mid]
}

// benchProcess times runs of a compiled app with ctx, the context `cdk synth` gives it (cdkContext,
// with another configDir for a scale row).
func benchProcess(b *testing.B, name, path, validation string, ctx map[string]any) time.Duration {
	var per time.Duration
	b.Run(name, func(b *testing.B) {
		var times []time.Duration
		for b.Loop() {
			outdir, err := os.MkdirTemp("", "stratus-bench-*")
			if err != nil {
				b.Fatal(err)
			}
			start := time.Now()
			if out, err := appCommand(b, path, ctx, outdir, "CDK_VALIDATION="+validation).CombinedOutput(); err != nil {
				b.Fatalf("%s: %v\n%s", name, err, out)
			}
			times = append(times, time.Since(start))
			os.RemoveAll(outdir)
		}
		per = median(times)
	})
	return per
}

func TestMedianIsTheMiddleRun(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	cases := []struct {
		name  string
		times []time.Duration
		want  time.Duration
	}{
		{"one slow run of three does not move it", ms(100, 900, 110), 110 * time.Millisecond},
		{"an even count takes the mean of the middle two", ms(40, 10, 30, 20), 25 * time.Millisecond},
		{"a single run is itself", ms(7), 7 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, median(c.times))
		})
	}
}
