package test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// binary is a command of this module compiled once per test binary.
type binary struct {
	once sync.Once
	path string
	err  error
}

var appBinary, emptyAppBinary binary

// buildApp compiles app.go once per test binary.
func buildApp(t testing.TB) string { return appBinary.build(t, ".", "stratus") }

// appCommand runs the app binary bin here as `cdk synth` runs the app: with ctx as its context
// (CDK_CONTEXT_JSON), writing its assembly into outdir, with this process's environment and env.
func appCommand(t testing.TB, bin string, ctx map[string]any, outdir string, env ...string) *exec.Cmd {
	t.Helper()
	data, err := json.Marshal(ctx)
	require.NoError(t, err)
	cmd := exec.Command(bin)
	cmd.Dir = repoRoot
	cmd.Env = append(append(os.Environ(), "CDK_OUTDIR="+outdir, "CDK_CONTEXT_JSON="+string(data)), env...)
	return cmd
}

// build compiles the package in dir (relative to the repository) once and returns its path.
// `go run -exec cp <pkg> <dest>` makes the go command "run" the executable as `cp <exe> <dest>`:
// a copy of its own, taken before go run removes a temporary build, and when `cdk synth` (go run .
// in cdk.json) or make test's .make/stratus (built the same way) has built the same code, straight
// from the go command's cache, so the link, the slowest step, happens once for all of them.
func (b *binary) build(t testing.TB, dir, name string) string {
	t.Helper()
	path, err := b.compile(dir, name)
	require.NoError(t, err)
	return path
}

// compile is build without a test to fail: it returns the error.
func (b *binary) compile(dir, name string) (string, error) {
	b.once.Do(func() {
		tmp, err := os.MkdirTemp("", "stratus-"+name+"-*")
		if err != nil {
			b.err = err
			return
		}
		b.path = filepath.Join(tmp, name)
		cmd := exec.Command("go", "run", "-exec", "cp", "./"+dir, b.path)
		cmd.Dir = repoRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = &buildError{err, string(out)}
		}
	})
	return b.path, b.err
}

type buildError struct {
	err    error
	output string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.output }

// badProd writes the fixture prod.yaml (test/testdata/config, a copy of the shipped one) with its eu-west-1 VPC moved onto us-east-1's CIDR.
func badProd(t *testing.T) string {
	t.Helper()
	return prodWith(t, "10.2.", "10.1.")
}

// prodWith writes the fixture prod.yaml with each old string replaced by the new one that
// follows it, into a new config folder, and returns the folder.
func prodWith(t *testing.T, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "test", "testdata", "config", "prod.yaml"))
	require.NoError(t, err)
	text := string(data)
	for i := 0; i+1 < len(oldNew); i += 2 {
		require.Contains(t, text, oldNew[i], "prod.yaml changed; update this test's mutation")
		text = strings.ReplaceAll(text, oldNew[i], oldNew[i+1])
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte(text), 0o644))
	return dir
}

// withCopy adds to the folder a copy of its prod.yaml as name.yaml in an account of its own:
// a new environment made by copying, which keeps prod's domain.
func withCopy(t *testing.T, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "prod.yaml"))
	require.NoError(t, err)
	text := strings.NewReplacer("name: prod\n", "name: "+name+"\n", `account: "111111111111"`, `account: "444444444444"`).Replace(string(data))
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(text), 0o644))
	return dir
}

// assertCleanFailure checks a failed run: non-zero exit, each expected line exactly once, no
// stack trace.
func assertCleanFailure(t *testing.T, err error, stderr string, want ...string) {
	t.Helper()
	require.Error(t, err, "the app succeeded; stderr:\n%s", stderr)
	for _, w := range want {
		assert.Equal(t, 1, strings.Count(stderr, w), "stderr holds %q once (the app ended with %v):\n%s", w, err, stderr)
	}
	for _, trace := range []string{"goroutine ", "panic:", "jsii", "at Object.", ".go:"} {
		assert.NotContains(t, stderr, trace, "stderr shows no stack trace")
	}
}

func TestTheAppRejectsABadConfigWithOneLinePerProblem(t *testing.T) {
	bin := buildApp(t)
	cases := []struct {
		name    string
		context map[string]string
		want    []string
	}{
		{"overlapping region CIDRs name the file, the line and both keys",
			map[string]string{"configDir": badProd(t)},
			[]string{`prod.yaml:39: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`}},
		{"an environment without a file is named",
			map[string]string{"env": "no-such-env"},
			[]string{"no-such-env.yaml: cannot read: no such environment file"}},
		{"a task size Fargate does not offer names the service and the allowed memory",
			map[string]string{"configDir": prodWith(t, "  - name: order\n", "  - name: order\n    cpu: 256\n    memory: 4096\n")},
			[]string{"prod.yaml:113: services[1].memory 4096 (service \"order\"): Fargate cpu 256 allows memory 512, 1024, 2048"}},
		{"an environment without us-east-1 has no home for its Edge stack",
			map[string]string{"configDir": prodWith(t, "us-east-1", "us-east-2")},
			[]string{"prod.yaml:22: regions: us-east-1 is required: the Edge stack (WAF, CloudFront certificate) runs there and reads the origin secret's replica there (regions[].name: us-east-2, eu-west-1)"}},
		{"two services on one path name both",
			map[string]string{"configDir": prodWith(t, "  - name: user\n", "  - name: user\n    pathPattern: /api/product/*\n")},
			[]string{`prod.yaml:115: services[2].pathPattern "/api/product/*" (service "user"): same as services[0].pathPattern (service "product")`}},
		// Limits a construct or AWS used to find first: config, not a construct, rejects them, once, in YAML terms.
		{"Redis 6.2 fails config once, with the versions the cache construct builds",
			map[string]string{"configDir": prodWith(t, "cache:\n", "cache:\n  engineVersion: \"6.2\"\n")},
			[]string{`prod.yaml:151: cache.engineVersion "6.2": not a supported redis version (allowed: 7.0, 7.1)`}},
		{"an unquoted 6.2 is one problem that names the allowed versions",
			map[string]string{"configDir": prodWith(t, "cache:\n", "cache:\n  engineVersion: 6.2\n")},
			[]string{`prod.yaml:151: cache.engineVersion "6.2": not a supported redis version (allowed: 7.0, 7.1) (and quote the value)`}},
		{"OTEL_SERVICE_NAME fails config with advice in YAML terms",
			map[string]string{"configDir": prodWith(t, "  - name: order\n", "  - name: order\n    environment:\n      OTEL_SERVICE_NAME: order\n")},
			[]string{`prod.yaml:113: services[1].environment["OTEL_SERVICE_NAME"] (service "order"): reserved: Stratus sets`, "(rename the variable)"}},
		{"an image in another account's private ECR fails config",
			map[string]string{"configDir": prodWith(t, "  - name: order\n    image: \"1.0.0\"\n", "  - name: order\n    image: 999999999999.dkr.ecr.us-east-1.amazonaws.com/order:1.0.0\n")},
			[]string{`prod.yaml:112: services[1].image "999999999999.dkr.ecr.us-east-1.amazonaws.com/order:1.0.0" (service "order"): a private ECR repository of account 999999999999`}},
		{"more services than a region's Network stack can hold fail config, naming the limit",
			map[string]string{"configDir": prodWith(t, "  - name: order\n", extraServices(48)+"  - name: order\n")},
			[]string{`prod.yaml:75: services: has 51 services (allowed: 1-50 services per environment)`}},
		{"a copied environment keeping prod's domain names both files",
			map[string]string{"configDir": withCopy(t, prodWith(t), "qa"), "env": "qa"},
			[]string{`qa.yaml:197: dns.domain "stratus.example.com": also the dns.domain of prod.yaml`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The CLI passes cdk.json's context (the feature flags) along with -c values.
			merged := cdktest.Context()
			for k, v := range c.context {
				merged[k] = v
			}
			// JSII_DEBUG makes a started jsii runtime log its requests ("[@jsii/kernel] load"), which
			// assertCleanFailure rejects: config must fail before the runtime starts (a package-level
			// jsii call would start it in every run, a second each).
			cmd := appCommand(t, bin, merged, t.TempDir(), "JSII_DEBUG=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			assertCleanFailure(t, cmd.Run(), stderr.String(), c.want...)
		})
	}
}

// TestAssembleRejectsBadArgumentsAndConfigs: `stratus assemble` (make test's synthesis of
// config/ and config/examples in one process) names every bad argument, and every folder's config
// problems, before the jsii runtime starts.
func TestAssembleRejectsBadArgumentsAndConfigs(t *testing.T) {
	bin := buildApp(t)
	out := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int // 2: bad arguments, 1: a bad config
		want []string
	}{
		{"an argument the app does not take is named, with the usage",
			[]string{"synth"}, 2, []string{"stratus takes no arguments but `assemble`, got [\"synth\"]", assembleUsage}},
		{"assemble without a folder asks for one",
			[]string{"assemble"}, 2, []string{"assemble: name at least one config folder", assembleUsage}},
		{"every argument that is not folder=output is named, and an output named twice in other words",
			[]string{"assemble", "config", "=" + out, "config/examples=", "config=" + out, "config/examples=" + out + "/./"},
			2, []string{`assemble: "config" is not <config folder>=<output folder>`, `assemble: "=` + out + `" is not`,
				`assemble: "config/examples=" is not`, "assemble: output folder " + out + "/./ is named twice", assembleUsage}},
		{"each folder's config problems are reported together",
			[]string{"assemble", badProd(t) + "=" + filepath.Join(out, "a"), filepath.Join(out, "none") + "=" + filepath.Join(out, "b")},
			1, []string{`prod.yaml:39: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`,
				filepath.Join(out, "none") + ": cannot list environments"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cmd := exec.Command(bin, c.args...)
			cmd.Dir = repoRoot
			// JSII_DEBUG: a started runtime would log its requests, which assertCleanFailure rejects.
			cmd.Env = append(os.Environ(), "JSII_DEBUG=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			assertCleanFailure(t, cmd.Run(), stderr.String(), c.want...)
			assert.Equal(t, c.code, cmd.ProcessState.ExitCode(), "exit status")
		})
	}
	entries, err := os.ReadDir(out)
	require.NoError(t, err)
	assert.Empty(t, entries, "nothing is written when an argument or a config is bad")
}

// assembleUsage is the line `stratus assemble` ends every refusal of its arguments with.
const assembleUsage = "usage: stratus assemble <config folder>=<output folder> …"

// TestCdkSynthRejectsABadConfig runs the path users run: the pinned CLI, which compiles and
// runs app.go through cdk.json.
func TestCdkSynthRejectsABadConfig(t *testing.T) {
	cli := pinnedCLI(t)
	cmd := exec.Command(cli, "synth", "--quiet", "-c", "configDir="+badProd(t), "--output", t.TempDir())
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	assertCleanFailure(t, cmd.Run(), stderr.String(), `prod.yaml:39: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`)
}

// extraServices is the YAML of n more services without databases.
func extraServices(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "  - name: extra%02d\n    image: \"1.0.0\"\n    database: none\n", i)
	}
	return b.String()
}
