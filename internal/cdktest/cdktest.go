// Package cdktest holds what the construct packages' unit tests share: a guard that turns a jsii
// panic into a test failure, cdk.json's feature flags, test stacks, a test app synthesized once
// per package, a synthesized template read as plain JSON, and the checks every test app must
// pass (annotations, cdk-nag reports, the validation report, cfn-lint). It is imported by _test
// files only.
package cdktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
	"github.com/stratus-platform/stratus/internal/nagpacks"
)

// Account is the account of the test stacks NewStack makes.
const Account = "111111111111"

// NoPanic runs f and turns a panic (a failed assertions check, or any jsii error) into a fatal
// test failure, so the other tests of the binary still run.
func NoPanic(t testing.TB, f func()) {
	t.Helper()
	var msg any
	func() {
		defer func() { msg = recover() }()
		f()
	}()
	if msg != nil {
		t.Fatalf("%v", msg)
	}
}

// Context returns a fresh copy of the context `cdk synth` gives the app before its own additions:
// the project's (cdk.json's feature flags, and ~/.cdk.json's and cdk.context.json's where they
// exist) over the app's defaults (clicontext.Project).
// It panics when cdk.json cannot be read, as a test app cannot be built without it.
func Context() map[string]any {
	ctx, err := clicontext.Project(repoRoot())
	if err != nil {
		panic(err)
	}
	return ctx
}

// CLIContext returns a fresh copy of the whole context `cdk synth` gives the app: Context and
// clicontext.CLIAdditions, as `stratus assemble` synthesizes with (clicontext.Synth).
// It panics when cdk.json cannot be read, as a test app cannot be built without it.
func CLIContext() map[string]any {
	ctx, err := clicontext.Synth(repoRoot())
	if err != nil {
		panic(err)
	}
	return ctx
}

// repoRoot is the repository's root folder, found from this file.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// NewApp is an app with cdk.json's context that synthesizes into a temporary folder of t.
func NewApp(t testing.TB) awscdk.App {
	t.Helper()
	ctx := Context()
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())})
}

// NewStack adds a stack to app in Account and region, with the AZ lookup answered
// (region+"a", "b", "c") so nothing needs credentials.
func NewStack(app awscdk.App, id, region string) awscdk.Stack {
	stack := awscdk.NewStack(app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(Account), Region: jsii.String(region)},
	})
	stack.Node().SetContext(jsii.String("availability-zones:account="+Account+":region="+region),
		jsii.Strings(region+"a", region+"b", region+"c"))
	return stack
}

// LogsKeyStatement is the key-policy statement keys.AllowCloudWatchLogs adds, as synthesized:
// CloudWatch Logs (principal, e.g. logs.us-east-1.amazonaws.com) may use the key for the log
// groups arns (one ARN pattern or a list). Actions are sorted, as cdk.json's minimizePolicies
// writes them.
func LogsKeyStatement(principal, arns any) map[string]any {
	return map[string]any{
		"Sid":       "AllowCloudWatchLogs",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": principal},
		"Action":    []any{"kms:Decrypt*", "kms:Describe*", "kms:Encrypt*", "kms:GenerateDataKey*", "kms:ReEncrypt*"},
		"Resource":  "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": arns}},
	}
}

// ImportedVpc imports (never creates) a three-tier VPC into scope, with the subnet groups the
// network construct names: Public, App (private with egress) and Data (isolated), one subnet
// each in region a, b and c. Constructs built on it add only their own resources to a template.
func ImportedVpc(scope constructs.Construct, region string) ec2.IVpc {
	ids := func(prefix string) *[]*string {
		return jsii.Strings(prefix+"0000000000000a1", prefix+"0000000000000a2", prefix+"0000000000000a3")
	}
	return ec2.Vpc_FromVpcAttributes(scope, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:                       jsii.String("vpc-0123456789abcdef0"),
		VpcCidrBlock:                jsii.String("10.9.0.0/16"),
		AvailabilityZones:           jsii.Strings(region+"a", region+"b", region+"c"),
		PublicSubnetIds:             ids("subnet-0p"),
		PublicSubnetRouteTableIds:   ids("rtb-0p"),
		PublicSubnetNames:           jsii.Strings("Public"),
		PrivateSubnetIds:            ids("subnet-0a"),
		PrivateSubnetRouteTableIds:  ids("rtb-0a"),
		PrivateSubnetNames:          jsii.Strings("App"),
		IsolatedSubnetIds:           ids("subnet-0d"),
		IsolatedSubnetRouteTableIds: ids("rtb-0d"),
		IsolatedSubnetNames:         jsii.Strings("Data"),
	})
}

// Subnets selects a subnet group of ImportedVpc (or of the network construct) by name.
func Subnets(group string) *ec2.SubnetSelection {
	return &ec2.SubnetSelection{SubnetGroupName: jsii.String(group)}
}

// Once is the app the tests of a package share, built and synthesized once per test binary
// (each synth costs seconds) into a temporary folder. The zero value is ready to use.
type Once[T any] struct {
	// Tweak, when set, changes the app's context (a copy of cdk.json's) before build runs.
	Tweak func(ctx map[string]any)

	once sync.Once
	dir  string
	out  T
	err  error
}

// Get builds the app on the first call and returns what build returned then. build gets a new app
// with cdk.json's context and dir, its output folder; it adds the stacks and returns what the
// tests read (and an error for a bad prop); it must not synthesize or read a template, or the app
// would be synthesized without the packs. Get then applies both cdk-nag packs (verbose, with
// reports) to the app and synthesizes it. The app's packs do not reach into a Stage: build gives
// a stage its own (nagpacks.Apply) before anything synthesizes it. An error or a panic fails
// every test that calls Get.
func (o *Once[T]) Get(t testing.TB, prefix string, build func(app awscdk.App, dir string) (T, error)) T {
	t.Helper()
	o.once.Do(func() {
		defer func() {
			if r := recover(); r != nil {
				o.err = fmt.Errorf("panic: %v", r)
			}
		}()
		if o.dir, o.err = os.MkdirTemp("", prefix+"-*"); o.err != nil {
			return
		}
		ctx := Context()
		if o.Tweak != nil {
			o.Tweak(ctx)
		}
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(o.dir)})
		out, err := build(app, o.dir)
		if err != nil {
			o.err = err
			return
		}
		nagpacks.Apply(app)
		app.Synth(nil)
		o.out = out
	})
	if o.err != nil {
		t.Fatalf("synthesizing the test app: %v", o.err)
	}
	return o.out
}

// Remove deletes the app's folder, unless KEEP_SYNTH is set (to inspect it); TestMain calls it
// after the tests.
func (o *Once[T]) Remove() {
	if o.dir != "" && os.Getenv("KEEP_SYNTH") == "" {
		os.RemoveAll(o.dir)
	}
}

// Template synthesizes stack's app (once: a synthesized app is reused) and returns the stack's
// template as plain JSON, for checks the assertions matchers cannot express.
func Template(t testing.TB, stack awscdk.Stack) map[string]any {
	t.Helper()
	var tpl map[string]any
	NoPanic(t, func() { tpl = *assertions.Template_FromStack(stack, nil).ToJSON() })
	return tpl
}

// Templates reads a stack's template once, the first time a test asks for it (Template), and
// hands every test the same map: a test that changes it changes a copy (maps.Clone). The zero
// value is ready to use; keep one beside a package's shared app.
type Templates struct {
	mu   sync.Mutex
	read map[awscdk.Stack]map[string]any
}

// Of is stack's template.
func (c *Templates) Of(t testing.TB, stack awscdk.Stack) map[string]any {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.read == nil {
		c.read = map[awscdk.Stack]map[string]any{}
	}
	if c.read[stack] == nil {
		c.read[stack] = Template(t, stack)
	}
	return c.read[stack]
}

// OfType returns the resources of CloudFormation type typ in template, by logical id.
func OfType(t testing.TB, template map[string]any, typ string) map[string]map[string]any {
	t.Helper()
	resources, ok := template["Resources"].(map[string]any)
	if !ok {
		t.Fatalf("the template has no Resources")
	}
	out := map[string]map[string]any{}
	for id, r := range resources {
		if res, ok := r.(map[string]any); ok && res["Type"] == typ {
			out[id] = res
		}
	}
	return out
}

// Path walks decoded JSON (a template or part of one) down keys, each a map key or, for a
// list, a decimal index, and returns what it finds there as T. A missing key or a value of
// another type fails the test with the path, instead of panicking on an unchecked assertion.
func Path[T any](t testing.TB, v any, keys ...string) T {
	t.Helper()
	cur := v
	for i, k := range keys {
		switch node := cur.(type) {
		case map[string]any:
			next, ok := node[k]
			if !ok {
				t.Fatalf("%s: no key %q (keys: %v)", strings.Join(keys[:i+1], "."), k, slices.Sorted(maps.Keys(node)))
			}
			cur = next
		case []any:
			var n int
			if _, err := fmt.Sscan(k, &n); err != nil || n < 0 || n >= len(node) {
				t.Fatalf("%s: no index %q in a list of %d", strings.Join(keys[:i+1], "."), k, len(node))
			}
			cur = node[n]
		default:
			t.Fatalf("%s: %T is neither a map nor a list", strings.Join(keys[:i], "."), cur)
		}
	}
	out, ok := cur.(T)
	if !ok {
		var want T
		t.Fatalf("%s: %T, want %T", strings.Join(keys, "."), cur, want)
	}
	return out
}

// Props returns the Properties of a template resource (as OfType and Only return them).
func Props(t testing.TB, resource map[string]any) map[string]any {
	t.Helper()
	return Path[map[string]any](t, resource, "Properties")
}

// Only returns the logical id and body of the one resource of type typ in template, and fails
// the test when there is not exactly one.
func Only(t testing.TB, template map[string]any, typ string) (string, map[string]any) {
	t.Helper()
	found := OfType(t, template, typ)
	if len(found) != 1 {
		t.Fatalf("%d %s resources, want 1", len(found), typ)
	}
	for id, r := range found {
		return id, r
	}
	panic("unreachable")
}

// Decode converts decoded JSON (a template or part of one) into T, through a JSON round trip.
func Decode[T any](t testing.TB, v any) T {
	t.Helper()
	var out T
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, &out)
	}
	if err != nil {
		t.Fatalf("decoding into %T: %v", out, err)
	}
	return out
}

// NoAnnotations fails the test for each error or warning annotation on stacks (cdk-nag's
// findings and aws-cdk-lib's own).
func NoAnnotations(t testing.TB, stacks ...awscdk.Stack) {
	t.Helper()
	for _, stack := range stacks {
		var found []*cxapi.SynthesisMessage
		NoPanic(t, func() {
			a := assertions.Annotations_FromStack(stack)
			found = append(*a.FindError(jsii.String("*"), assertions.Match_AnyValue()),
				*a.FindWarning(jsii.String("*"), assertions.Match_AnyValue())...)
		})
		var messages []string
		for _, m := range found {
			messages = append(messages, fmt.Sprintf("%s at %s: %v", m.Level, *m.Id, m.Entry.Data))
		}
		assert.Empty(t, messages, "annotations of %s", *stack.StackName())
	}
}

// NoFindings runs a quality gate (gates.Nag, gates.CfnLint, …) over the assembly in dir: an
// error stops the test, each finding fails it.
func NoFindings(t testing.TB, gate func(dir string) ([]gates.Finding, error), dir string) {
	t.Helper()
	findings, err := gate(dir)
	require.NoError(t, err)
	assert.Empty(t, findings)
}

// PassesGates holds the app synthesized to dir to the app's quality gates: no error or warning
// annotation on any of stacks, no cdk-nag report finding (gates.Nag) and no cfn-lint error or
// warning (gates.CfnLint). Without cfn-lint on PATH the test fails (the README installs it).
func PassesGates(t testing.TB, dir string, stacks ...awscdk.Stack) {
	t.Helper()
	NoAnnotations(t, stacks...)
	NoFindings(t, gates.Nag, dir)
	requireCfnLint(t)
	NoFindings(t, gates.CfnLint, dir)
}

// NagPacksRan checks that both cdk-nag packs wrote their report for each named stack of the
// app synthesized to dir, with its header line at least (a pack with no applicable rule writes
// nothing else): an annotation-free stack proves nothing if the packs never ran.
func NagPacksRan(t testing.TB, dir string, stacks ...string) {
	t.Helper()
	for _, stack := range stacks {
		for _, pack := range gates.NagPacks {
			data, err := os.ReadFile(filepath.Join(dir, gates.NagReportName(pack, "", stack))) // the app's own stack
			if assert.NoError(t, err, "%s report of %s", pack, stack) {
				assert.True(t, strings.HasPrefix(string(data), "Rule ID,"), "%s report of %s starts %.40q, want its header line", pack, stack, data)
			}
		}
	}
}

// NagReportsClean fails the test for each non-compliant (or unevaluable) line of the cdk-nag
// reports under dir, as make test's gates do over the shipped assemblies. The annotations alone
// (NoAnnotations) miss a finding on a construct an aspect removed from the tree after the packs
// had visited it: the report keeps it.
func NagReportsClean(t testing.TB, dir string) {
	t.Helper()
	findings, err := gates.Nag(dir)
	require.NoError(t, err)
	assert.Empty(t, findings, "cdk-nag findings")
}

// ValidationReportClean fails the test for each violation in the validation report of the app
// synthesized to dir with the validator on: the annotations land there
// (@aws-cdk/core:annotationsInValidationReport), and the CloudFormation validator's findings. A
// missing report fails too (ValidationViolations).
func ValidationReportClean(t testing.TB, dir string) {
	t.Helper()
	violations, _ := ValidationViolations(t, dir) // fails t itself when the report is missing
	assert.Empty(t, violations, "validation report")
}

// ValidationViolations returns the violations in the validation report of the app synthesized
// to dir, each as "<plugin>: <violation JSON>", and whether there is a report. The report may be
// missing only with CDK_VALIDATION=false, where the validator does not run and aws-cdk-lib
// writes it for annotations alone; otherwise a missing report fails t, so that no check passes
// unread.
func ValidationViolations(t require.TestingT, dir string) (violations []string, found bool) {
	data, err := os.ReadFile(filepath.Join(dir, "validation-report.json"))
	if os.IsNotExist(err) && os.Getenv("CDK_VALIDATION") == "false" {
		return nil, false
	}
	require.NoError(t, err, "%s: the validator ran (CDK_VALIDATION is not false) but wrote no report", dir)
	var report struct {
		PluginReports []struct {
			PluginName string           `json:"pluginName"`
			Violations []map[string]any `json:"violations"`
		} `json:"pluginReports"`
	}
	require.NoError(t, json.Unmarshal(data, &report), "%s: validation-report.json", dir)
	for _, plugin := range report.PluginReports {
		for _, v := range plugin.Violations {
			b, _ := json.Marshal(v)
			violations = append(violations, plugin.PluginName+": "+string(b))
		}
	}
	return violations, true
}

// CfnLintClean runs cfn-lint over the templates of the app synthesized to dir, which must number
// templates, and fails the test on any error or warning, or when cfn-lint is not on PATH.
func CfnLintClean(t testing.TB, dir string, templates int) {
	t.Helper()
	requireCfnLint(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.Len(t, files, templates, "templates")
	matches, err := gates.CfnLintFiles(files)
	require.NoError(t, err)
	assert.Empty(t, matches, "cfn-lint")
}

// Str is the value of a jsii string, "" for nil.
func Str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// As is v as T, or a test failure naming both types: the checked form of v.(T) for decoded JSON.
func As[T any](t testing.TB, v any) T {
	t.Helper()
	out, ok := v.(T)
	if !ok {
		t.Fatalf("%T (%v), want %T", v, v, out)
	}
	return out
}

// Invalid is one broken prop of a props table: a sentence naming it, the change that breaks a
// valid P, and what the error must contain.
type Invalid[P any] struct {
	Name   string
	Mutate func(*P)
	Want   string
}

// Rejects requires validate to accept valid() and, for each case, to reject its mutation of a
// fresh valid() with an error containing Want (fresh, so a case that edits a slice in place
// cannot leak into the next).
func Rejects[P any](t *testing.T, valid func() P, validate func(P) error, cases []Invalid[P]) {
	t.Helper()
	require.NoError(t, validate(valid()), "the valid props are rejected")
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			p := valid()
			c.Mutate(&p)
			assert.ErrorContains(t, validate(p), c.Want)
		})
	}
}

// Gates runs, as subtests, every check a construct package's test app must pass: no error or
// warning annotation on stacks, both cdk-nag packs ran on each of them and their reports hold no
// finding, cfn-lint finds nothing in the templates synthesized to dir, and, when the validator
// ran, its report is clean. Under CDK_VALIDATION=false (make unit) the validator does not run, so
// that subtest does not exist rather than pass unread; the validator's gate over every shipped
// assembly runs in make test's validated synths.
func Gates(t *testing.T, dir string, stacks ...awscdk.Stack) {
	t.Helper()
	names := make([]string, len(stacks))
	for i, s := range stacks {
		names[i] = *s.StackName()
	}
	t.Run("no error or warning annotation", func(t *testing.T) { NoAnnotations(t, stacks...) })
	t.Run("both cdk-nag packs ran", func(t *testing.T) { NagPacksRan(t, dir, names...) })
	t.Run("the cdk-nag reports hold no finding", func(t *testing.T) { NagReportsClean(t, dir) })
	if os.Getenv("CDK_VALIDATION") != "false" {
		t.Run("the validation report is clean", func(t *testing.T) { ValidationReportClean(t, dir) })
	}
	t.Run("cfn-lint is clean", func(t *testing.T) { CfnLintClean(t, dir, len(stacks)) })
}

// requireCfnLint stops the test when cfn-lint is missing: a gate that cannot run must not pass
// by skipping.
func requireCfnLint(t testing.TB) {
	t.Helper()
	RequireTool(t, "cfn-lint", "pip install cfn-lint, as the README says")
}

// RequireTool fails the test, naming how to install it, when tool is not on PATH: `make test`
// runs every check, so a missing tool is an error to fix, never a silent skip.
func RequireTool(t testing.TB, tool, install string) {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Fatalf("%s is required by the tests and is not on PATH: %s", tool, install)
	}
}

// Main is a package's TestMain for a package with one shared app: it runs the tests, removes the
// app's folder (unless KEEP_SYNTH is set) and exits with the tests' code.
func (o *Once[T]) Main(m *testing.M) { Main(m, o.Remove) }

// Main is every CDK test package's TestMain: it starts the jsii kernel without its relay process
// (internal/jsiidirect), runs the tests and the cleanups, then stops the jsii runtime before
// exiting. Only jsii.Close removes the runtime's folder in the temp folder, so a test binary that
// exits without it leaves one behind on every run.
func Main(m *testing.M, cleanups ...func()) {
	jsiidirect.Enable()
	code := m.Run()
	for _, cleanup := range cleanups {
		cleanup()
	}
	jsii.Close()
	os.Exit(code)
}

// StackInstanceID is how a template reads the id CloudFormation gave its stack when it created
// it: the UUID that ends AWS::StackId (retention.Rebuildable).
var StackInstanceID = map[string]any{"Fn::Select": []any{2.0, map[string]any{"Fn::Split": []any{"/", map[string]any{"Ref": "AWS::StackId"}}}}}

// RebuildableName returns the literal part of a name that retention.Rebuildable made: v must be
// that literal, a "-" and StackInstanceID, joined.
func RebuildableName(t testing.TB, v any) string {
	t.Helper()
	join, _ := v.(map[string]any)["Fn::Join"].([]any)
	require.Len(t, join, 2, "a name joined with the stack's id: %v", v)
	parts, _ := join[1].([]any)
	require.Len(t, parts, 2, "a literal and the stack's id: %v", v)
	require.Equal(t, StackInstanceID, parts[1], "the stack's own id ends the name")
	literal, _ := parts[0].(string)
	require.True(t, strings.HasSuffix(literal, "-"), "%q ends in a - before the stack's id", literal)
	return strings.TrimSuffix(literal, "-")
}
