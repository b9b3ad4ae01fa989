package cdktest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
)

// recorder is a testing.TB whose Fatalf records the failure instead of stopping the test.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Helper() {}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// recorded runs f against a recorder and returns its failures; f's own code after a recorded
// Fatalf may panic on the zero value it got, which counts as stopped.
func recorded(t *testing.T, f func(tb testing.TB)) []string {
	r := &recorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		f(r)
	}()
	return r.failures
}

func TestNoPanicTurnsAPanicIntoOneFailure(t *testing.T) {
	r := &recorder{TB: t}
	NoPanic(r, func() { panic("Template has 0 resources with type AWS::KMS::Key") })
	assert.Equal(t, []string{"Template has 0 resources with type AWS::KMS::Key"}, r.failures)
	ran := false
	NoPanic(r, func() { ran = true })
	assert.True(t, ran, "a passing check runs")
	assert.Len(t, r.failures, 1, "a passing check adds no failure")
}

var template = map[string]any{"Resources": map[string]any{
	"KeyA":   map[string]any{"Type": "AWS::KMS::Key", "Properties": map[string]any{"EnableKeyRotation": true, "Aliases": []any{"alias/a"}}},
	"KeyB":   map[string]any{"Type": "AWS::KMS::Key"},
	"Bucket": map[string]any{"Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain"},
}}

func TestOfTypeAndOnlySelectByType(t *testing.T) {
	keys := OfType(t, template, "AWS::KMS::Key")
	require.Len(t, keys, 2)
	assert.NotNil(t, keys["KeyA"]["Properties"])
	assert.NotNil(t, keys["KeyB"])
	assert.Empty(t, OfType(t, template, "AWS::SQS::Queue"))
	id, r := Only(t, template, "AWS::S3::Bucket")
	assert.Equal(t, "Bucket", id)
	assert.Equal(t, "Retain", r["DeletionPolicy"])
	assert.Equal(t, []string{"2 AWS::KMS::Key resources, want 1"},
		recorded(t, func(tb testing.TB) { Only(tb, template, "AWS::KMS::Key") }))
}

func TestPathAndAsCheckEveryStep(t *testing.T) {
	key := OfType(t, template, "AWS::KMS::Key")["KeyA"]
	assert.Equal(t, true, Path[bool](t, key, "Properties", "EnableKeyRotation"))
	assert.Equal(t, "alias/a", Path[string](t, key, "Properties", "Aliases", "0"))
	assert.Equal(t, true, Props(t, key)["EnableKeyRotation"])
	assert.Equal(t, "x", As[string](t, any("x")))
	cases := []struct {
		name string
		f    func(tb testing.TB)
		want string
	}{
		{"a missing key", func(tb testing.TB) { Path[bool](tb, key, "Properties", "Enabled") }, `Properties.Enabled: no key "Enabled"`},
		{"an index past the end", func(tb testing.TB) { Path[string](tb, key, "Properties", "Aliases", "1") }, `Properties.Aliases.1: no index "1" in a list of 1`},
		{"a value of another type", func(tb testing.TB) { Path[string](tb, key, "Properties", "EnableKeyRotation") }, "Properties.EnableKeyRotation: bool, want string"},
		{"a step into a scalar", func(tb testing.TB) { Path[any](tb, key, "Type", "x") }, "Type: string is neither a map nor a list"},
		{"an assertion to the wrong type", func(tb testing.TB) { As[map[string]any](tb, []any{}) }, "[]interface {} ([]), want map[string]interface {}"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			failures := recorded(t, c.f)
			require.NotEmpty(t, failures)
			assert.Contains(t, failures[0], c.want)
		})
	}
}

func TestDecodeFillsATypedValue(t *testing.T) {
	type resource struct {
		Type           string
		DeletionPolicy string
	}
	got := Decode[map[string]resource](t, OfType(t, template, "AWS::S3::Bucket"))
	assert.Equal(t, map[string]resource{"Bucket": {"AWS::S3::Bucket", "Retain"}}, got)
}

func TestContextIsCdkJSONsAndFreshEachTime(t *testing.T) {
	a, b := Context(), Context()
	require.NotEmpty(t, a, "cdk.json has a context")
	a["x"] = true
	assert.NotContains(t, b, "x", "Context returns a fresh map")
}

func TestCLIContextIsContextWithTheCLIsAdditions(t *testing.T) {
	ctx, want := CLIContext(), Context()
	maps.Copy(want, clicontext.CLIAdditions())
	assert.Equal(t, want, ctx)
	assert.Equal(t, true, ctx["aws:cdk:version-reporting"], "version reporting, as the CLI turns it on")
	ctx["x"] = 1
	assert.NotContains(t, CLIContext(), "x", "CLIContext returns a fresh map")
}

func TestStrReadsNilAsEmpty(t *testing.T) {
	s := "a"
	assert.Equal(t, "a", Str(&s))
	assert.Equal(t, "", Str(nil))
}

// keptRelay is why the environment the tests started in keeps jsii's relay ("" when nothing does),
// read before Main sets JSII_RUNTIME.
var keptRelay string

// TestMain stops the jsii runtime after the tests, so its temp folder goes with it.
func TestMain(m *testing.M) {
	keptRelay = jsiidirect.KeptRelay()
	Main(m)
}

// TestTheKernelRunsWithoutItsRelay checks what Main set up: the jsii kernel this binary talks to
// is its own child, running the kernel bundle directly, with no relay process between them.
func TestTheKernelRunsWithoutItsRelay(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads the process table from /proc")
	}
	if reason := keptRelay; reason != "" {
		t.Skip("this environment keeps the relay: " + reason) // a missing kernel bundle still fails
	}
	awscdk.NewApp(nil) // starts the kernel, if no test has yet
	var kernels []string
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	require.NoError(t, err)
	for _, stat := range stats {
		data, err := os.ReadFile(stat)
		if err != nil {
			continue // gone meanwhile
		}
		// pid (comm) state ppid …: comm may hold spaces, so the fields start after the last ')'.
		fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		cmdline, err := os.ReadFile(filepath.Join(filepath.Dir(stat), "cmdline"))
		if err == nil {
			kernels = append(kernels, strings.ReplaceAll(string(bytes.TrimRight(cmdline, "\x00")), "\x00", " "))
		}
	}
	require.Len(t, kernels, 1, "one child process: the kernel")
	assert.Contains(t, kernels[0], "program.js", "the kernel bundle runs in the child itself")
	assert.NotContains(t, kernels[0], "jsii-runtime.js", "not the relay")
}
