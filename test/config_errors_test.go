package test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

var (
	appBinaryOnce sync.Once
	appBinary     string
	appBinaryErr  error
)

// buildApp compiles app.go once per test binary.
func buildApp(t *testing.T) string {
	t.Helper()
	appBinaryOnce.Do(func() {
		dir, err := os.MkdirTemp("", "stratus-app-*")
		if err != nil {
			appBinaryErr = err
			return
		}
		appBinary = filepath.Join(dir, "stratus")
		out, err := exec.Command("go", "build", "-o", appBinary, repoRoot).CombinedOutput()
		if err != nil {
			appBinaryErr = &buildError{err, string(out)}
		}
	})
	if appBinaryErr != nil {
		t.Fatal(appBinaryErr)
	}
	return appBinary
}

type buildError struct {
	err    error
	output string
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.output }

// badProd writes the shipped prod.yaml with its eu-west-1 VPC moved onto us-east-1's CIDR.
func badProd(t *testing.T) string {
	t.Helper()
	return prodWith(t, "10.2.", "10.1.")
}

// prodWith writes the shipped prod.yaml with each old string replaced by the new one that
// follows it, into a new config folder, and returns the folder.
func prodWith(t *testing.T, oldNew ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "config", "prod.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for i := 0; i+1 < len(oldNew); i += 2 {
		if !strings.Contains(text, oldNew[i]) {
			t.Fatalf("prod.yaml no longer contains %q; update this test's mutation", oldNew[i])
		}
		text = strings.ReplaceAll(text, oldNew[i], oldNew[i+1])
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prod.yaml"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// assertCleanFailure checks a failed run: non-zero exit, the expected lines, no stack trace.
func assertCleanFailure(t *testing.T, err error, stderr string, want ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("the app succeeded; stderr:\n%s", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, stderr)
		}
	}
	for _, trace := range []string{"goroutine ", "panic:", "jsii", "at Object.", ".go:"} {
		if strings.Contains(stderr, trace) {
			t.Errorf("stderr shows a stack trace (%q):\n%s", trace, stderr)
		}
	}
}

func TestTheAppRejectsABadConfigWithOneLinePerProblem(t *testing.T) {
	bin := buildApp(t)
	cases := []struct {
		name    string
		context map[string]string
		want    []string
	}{
		{"overlapping region CIDRs name the file and both keys",
			map[string]string{"configDir": badProd(t)},
			[]string{`prod.yaml: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`}},
		{"an environment without a file is named",
			map[string]string{"env": "qa"},
			[]string{"qa.yaml"}},
		{"a task size Fargate does not offer names the service and the allowed memory",
			map[string]string{"configDir": prodWith(t, "  - name: order\n", "  - name: order\n    cpu: 256\n    memory: 4096\n")},
			[]string{"prod.yaml: services[1].memory 4096 (service \"order\"): Fargate cpu 256 allows memory 512, 1024, 2048"}},
		{"an environment without us-east-1 has no home for its Edge stack",
			map[string]string{"configDir": prodWith(t, "us-east-1", "us-east-2")},
			[]string{"prod.yaml: regions: us-east-1 is required: the Edge stack (WAF, CloudFront certificate) runs there and reads the origin secret's replica there (regions[].name: us-east-2, eu-west-1)"}},
		{"two services on one path name both",
			map[string]string{"configDir": prodWith(t, "  - name: user\n", "  - name: user\n    pathPattern: /api/product/*\n")},
			[]string{`prod.yaml: services[2].pathPattern "/api/product/*" (service "user"): same as services[0].pathPattern (service "product")`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The CLI passes cdk.json's context (the feature flags) along with -c values.
			merged := cdktest.Context()
			for k, v := range c.context {
				merged[k] = v
			}
			ctx, _ := json.Marshal(merged)
			cmd := exec.Command(bin)
			cmd.Dir = repoRoot
			cmd.Env = append(os.Environ(), "CDK_OUTDIR="+t.TempDir(), "CDK_CONTEXT_JSON="+string(ctx))
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			assertCleanFailure(t, err, stderr.String(), c.want...)
		})
	}
}

// TestCdkSynthRejectsABadConfig runs the path users run: the pinned CLI, which compiles and
// runs app.go through cdk.json.
func TestCdkSynthRejectsABadConfig(t *testing.T) {
	cli := filepath.Join(repoRoot, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cli); err != nil {
		t.Skip("the pinned CDK CLI is not installed; `make synth` installs it")
	}
	cmd := exec.Command(cli, "synth", "--quiet", "-c", "configDir="+badProd(t), "--output", t.TempDir())
	cmd.Dir = repoRoot
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	assertCleanFailure(t, err, stderr.String(), `prod.yaml: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"`)
}
