package gates

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/limits"
)

const nagHeader = "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n"

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func writeAll(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		write(t, dir, name, body)
	}
}

// manifest is a cloud assembly manifest holding artifacts (JSON members).
func manifest(artifacts string) string {
	return `{"version": "48.0.0", "artifacts": {` + artifacts + `}}`
}

// prodStage is an app's manifest with the stage Prod.
var prodStage = manifest(`"assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}}`)

func TestNag(t *testing.T) {
	clean := nagHeader +
		`"AwsSolutions-VPC7","Prod/Net/Vpc","Compliant","N/A","Warning","flow logs"` + "\n" +
		`"AwsSolutions-VPC3","Prod/Net/Nacl","Suppressed","defense in depth","Warning","nacl"` + "\n"
	cases := []struct {
		name    string
		files   map[string]string
		want    []string // substrings of the findings, in order
		wantErr string
	}{
		{"clean reports pass", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv":   clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
		}, nil, ""},
		{"a non-compliant line is a finding", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv": clean +
				`"AwsSolutions-EC23","Prod/Net/Open/Resource","Non-Compliant","N/A","Error","The Security Group allows 0.0.0.0/0"` + "\n",
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
		}, []string{"Error AwsSolutions-EC23 Non-Compliant on Prod/Net/Open/Resource: The Security Group allows 0.0.0.0/0"}, ""},
		{"a rule that could not be evaluated is a finding", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv": nagHeader,
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader +
				`"NIST.800.53.R5-EC2RestrictedSSH","Prod/Net/Sg","UNKNOWN","N/A","Error","SSH - (Control IDs: AC-17b)"` + "\n",
		}, []string{"NIST.800.53.R5-EC2RestrictedSSH UNKNOWN on Prod/Net/Sg: SSH"}, ""},
		{"findings in a nested assembly count", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv":   clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
			"examples/assembly-Seed/AwsSolutions-Seed-App-NagReport.csv": nagHeader +
				`"AwsSolutions-ECS2","Seed/App/Task","Non-Compliant","N/A","Error","env vars"` + "\n",
		}, []string{"AwsSolutions-ECS2 Non-Compliant on Seed/App/Task"}, ""},
		{"a missing pack is an error", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv": clean,
		}, nil, "no NIST.800.53.R5 cdk-nag report"},
		{"every stack of the app and its stages has both packs' reports", map[string]string{
			"manifest.json": manifest(`"Stratus-Pipeline": {"type": "aws:cloudformation:stack"},
				"assembly-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}}`),
			"assembly-Prod/manifest.json":                    manifest(`"ProdNet1A2B": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Prod-Net"}}`),
			"AwsSolutions--Stratus-Pipeline-NagReport.csv":   clean,
			"NIST.800.53.R5--Stratus-Pipeline-NagReport.csv": nagHeader,
			"AwsSolutions-Prod-Prod-Net-NagReport.csv":       clean,
			"NIST.800.53.R5-Prod-Prod-Net-NagReport.csv":     nagHeader,
		}, nil, ""},
		{"a stack without a pack's report is an error", map[string]string{
			"manifest.json": prodStage,
			"assembly-Prod/manifest.json": manifest(`"ProdNet1A2B": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Prod-Net"}},
				"ProdApp3C4D": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Prod-App"}},
				"ProdNet1A2B.assets": {"type": "cdk:asset-manifest"}`),
			"AwsSolutions-Prod-Prod-Net-NagReport.csv":   clean,
			"NIST.800.53.R5-Prod-Prod-Net-NagReport.csv": nagHeader,
			"AwsSolutions-Prod-Prod-App-NagReport.csv":   clean,
		}, nil, "stack Prod-App has no NIST.800.53.R5 cdk-nag report (NIST.800.53.R5-Prod-Prod-App-NagReport.csv)"},
		{"an app's own stack without a report is an error", map[string]string{
			"manifest.json": manifest(`"Stratus-Pipeline": {"type": "aws:cloudformation:stack"}`),
			"AwsSolutions--Stratus-Pipeline-NagReport.csv": clean,
			"AwsSolutions-Prod-Net-NagReport.csv":          clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv":        nagHeader,
		}, nil, "stack Stratus-Pipeline has no NIST.800.53.R5 cdk-nag report (NIST.800.53.R5--Stratus-Pipeline-NagReport.csv)"},
		{"another stage's report for a stack of the same name does not count", map[string]string{
			"manifest.json":                         manifest(`"assembly-Dev": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Dev", "displayName": "Dev"}}`),
			"assembly-Dev/manifest.json":            manifest(`"DevNet": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Net"}}`),
			"AwsSolutions-Prod-Net-NagReport.csv":   clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
			"AwsSolutions-Dev-Net-NagReport.csv":    clean,
		}, nil, "stack Net has no NIST.800.53.R5 cdk-nag report (NIST.800.53.R5-Dev-Net-NagReport.csv)"},
		{"a stage below a construct and a stage in a stage name their reports by their own ids, in the app's folder", map[string]string{
			"manifest.json": manifest(`"assembly-Group-Prod": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Group-Prod", "displayName": "Group/Prod"}}`),
			"assembly-Group-Prod/manifest.json": manifest(`"GroupProdNet": {"type": "aws:cloudformation:stack", "properties": {"stackName": "Net"}},
				"assembly-Group-Prod-Inner": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Group-Prod-Inner", "displayName": "Group/Prod/Inner"}}`),
			"assembly-Group-Prod/assembly-Group-Prod-Inner/manifest.json": manifest(`"GroupProdInnerApp": {"type": "aws:cloudformation:stack", "properties": {"stackName": "App"}}`),
			"AwsSolutions-Prod-Net-NagReport.csv":                         clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv":                       nagHeader,
			"AwsSolutions-Inner-App-NagReport.csv":                        clean,
			"NIST.800.53.R5-Inner-App-NagReport.csv":                      nagHeader,
		}, nil, ""},
		{"an asset's own manifest.json is not an assembly's", map[string]string{
			"manifest.json":                         prodStage,
			"assembly-Prod/manifest.json":           manifest(``),
			"asset.0123abcd/manifest.json":          "[not a cloud assembly]",
			"AwsSolutions-Prod-Net-NagReport.csv":   clean,
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
		}, nil, ""},
		{"a malformed line is an error", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv":   nagHeader + `"AwsSolutions-VPC7","Prod/Net/Vpc"` + "\n",
			"NIST.800.53.R5-Prod-Net-NagReport.csv": nagHeader,
		}, nil, "AwsSolutions-Prod-Net-NagReport.csv"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeAll(t, dir, c.files)
			found, err := Nag(dir)
			checkFindings(t, found, err, c.want, c.wantErr)
		})
	}
}

func TestValidation(t *testing.T) {
	cases := []struct {
		name    string
		report  string
		want    []string
		wantErr string
	}{
		{"a report without violations passes", `{"pluginReports":[{"summary":{"pluginName":"cfn-validate"},"violations":[]}]}`, nil, ""},
		{"a violation is a finding", `{"pluginReports":[{"summary":{"pluginName":"Construct Annotations"},"violations":[
			{"ruleName":"Annotation::warning-annotation","description":"minHealthyPercent unset\nmore","severity":"warning",
			 "violatingConstructs":[{"constructPath":"Prod/App/Service"}]}]}]}`,
			[]string{"Construct Annotations warning Annotation::warning-annotation: minHealthyPercent unset (Prod/App/Service)"}, ""},
		{"an unreadable report is an error", `{"pluginReports":`, nil, "validation-report.json"},
		{"no report at all is an error", "", nil, "no validation-report.json"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if c.report != "" {
				write(t, dir, "validation-report.json", c.report)
			}
			found, err := Validation(dir)
			checkFindings(t, found, err, c.want, c.wantErr)
		})
	}
}

func TestCfnLintFindsErrorsInNestedAssemblies(t *testing.T) {
	_, err := exec.LookPath("cfn-lint")
	require.NoError(t, err, "cfn-lint is required by `make test`: pip install cfn-lint=="+limits.CfnLintVersion)
	dir := t.TempDir()
	write(t, dir, "Good.template.json", `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`)
	write(t, dir, "assembly-Prod/Bad.template.json",
		`{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"BucketNam":"x"}}}}`)
	found, err := CfnLint(dir)
	checkFindings(t, found, err, []string{"E3002"}, "")
	assert.Equal(t, filepath.Join("assembly-Prod", "Bad.template.json"), found[0].Where)
}

func TestCfnLintRefusesAnotherVersionThanThePinnedOne(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "Good.template.json", `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`)
	t.Setenv(CfnLintVersionEnv, "cfn-lint-0.99.1")
	_, err := CfnLint(dir)
	require.Error(t, err)
	assert.Equal(t, "cfn-lint: 0.99.1 on the PATH, but the gates are pinned to "+limits.CfnLintVersion+
		" (pip install cfn-lint=="+limits.CfnLintVersion+")", err.Error())
	for _, v := range []string{"cfn-lint-" + limits.CfnLintVersion, ""} {
		t.Setenv(CfnLintVersionEnv, v)
		assert.NoError(t, pinnedCfnLint(), "%q", v)
	}
}

func TestCfnLintKeepsEachVerdictByTemplateContent(t *testing.T) {
	_, err := exec.LookPath("cfn-lint")
	require.NoError(t, err, "cfn-lint is required by `make test`: pip install cfn-lint=="+limits.CfnLintVersion)
	t.Setenv(LintCacheEnv, t.TempDir())
	dir := t.TempDir()
	good := `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`
	bad := `{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"BucketNam":"x"}}}}`
	write(t, dir, "Good.template.json", good)
	write(t, dir, "Bad.template.json", bad)
	found, err := CfnLint(dir)
	checkFindings(t, found, err, []string{"E3002 line 1"}, "")

	// Without cfn-lint, the verdicts come from the cache, findings included, under the
	// template's current name.
	t.Setenv("PATH", "")
	require.NoError(t, os.Rename(filepath.Join(dir, "Bad.template.json"), filepath.Join(dir, "Renamed.template.json")))
	found, err = CfnLint(dir)
	checkFindings(t, found, err, []string{"E3002 line 1"}, "")
	assert.Equal(t, "Renamed.template.json", found[0].Where)

	// A template whose content changed is linted again (and here cannot be).
	write(t, dir, "Good.template.json", good+"\n")
	_, err = CfnLint(dir)
	assert.ErrorContains(t, err, "cfn-lint")

	// Without the cache folder nothing is remembered.
	write(t, dir, "Good.template.json", good)
	t.Setenv(LintCacheEnv, "")
	_, err = CfnLint(dir)
	assert.ErrorContains(t, err, "cfn-lint")
}

// scalableTarget is a valid ECS scalable target with extra properties spliced in.
func scalableTarget(service, extra string) string {
	return `{"Type":"AWS::ApplicationAutoScaling::ScalableTarget","Properties":{"MaxCapacity":2,"MinCapacity":1,
		"ResourceId":"service/c/` + service + `","ScalableDimension":"ecs:service:DesiredCount","ServiceNamespace":"ecs",` + extra + `}}`
}

func TestCfnLintExcludesOnlyTheKnownTagsGaps(t *testing.T) {
	_, err := exec.LookPath("cfn-lint")
	require.NoError(t, err, "cfn-lint is required by `make test`: pip install cfn-lint=="+limits.CfnLintVersion)
	tags := `"Tags":[{"Key":"project","Value":"stratus"}]`
	dir := t.TempDir()
	// The two gaps: top-level Tags on these two types is what aws-cdk-lib renders.
	write(t, dir, "assembly-Prod/Gaps.template.json", `{"Resources":{
		"Target":`+scalableTarget("a", tags)+`,
		"Global":{"Type":"AWS::ElastiCache::GlobalReplicationGroup","Properties":{
			"Members":[{"ReplicationGroupId":"rg","Role":"PRIMARY"}],`+tags+`}}}}`)
	// Every other E3002 stays a finding: another property of the same type, Tags nested below the
	// top level, and Tags on a type not in the list.
	write(t, dir, "assembly-Prod/Others.template.json", `{"Resources":{
		"Misspelt":`+scalableTarget("b", `"Tagz":[]`)+`,
		"Nested":`+scalableTarget("c", `"ScheduledActions":[{"ScheduledActionName":"a","Schedule":"rate(1 day)",`+tags+`}]`)+`,
		"Policy":{"Type":"AWS::ApplicationAutoScaling::ScalingPolicy","Properties":{"PolicyName":"p",
			"PolicyType":"StepScaling","ScalingTargetId":"t",`+tags+`}}}}`)
	found, err := CfnLint(dir)
	checkFindings(t, found, err, []string{
		"E3002 line 3: Additional properties are not allowed ('Tagz' was unexpected)",
		"E3002 line 5: Additional properties are not allowed ('Tags' was unexpected)",
		"E3002 line 7: Additional properties are not allowed ('Tags' was unexpected)",
	}, "")
	for _, f := range found {
		assert.Equal(t, filepath.Join("assembly-Prod", "Others.template.json"), f.Where)
	}
}

func TestCfnLintNeedsTemplates(t *testing.T) {
	_, err := CfnLint(t.TempDir())
	assert.ErrorContains(t, err, "no templates to lint")
}

// cleanAssembly is a synthesized folder every gate passes, with a nested examples assembly.
var cleanAssembly = map[string]string{
	"AwsSolutions-Dev-Net-NagReport.csv":                         nagHeader,
	"NIST.800.53.R5-Dev-Net-NagReport.csv":                       nagHeader,
	"validation-report.json":                                     `{"pluginReports":[]}`,
	"assembly-Dev/Dev-Net.template.json":                         `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`,
	"examples/AwsSolutions-Seed-Net-NagReport.csv":               nagHeader,
	"examples/NIST.800.53.R5-Seed-Net-NagReport.csv":             nagHeader,
	"examples/validation-report.json":                            `{"pluginReports":[]}`,
	"examples/assembly-Seed/Seed-Net.template.json":              `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`,
	"examples/assembly-Seed/manifest.json":                       `{}`,
	"examples/assembly-Seed/AwsSolutions-Seed-App-NagReport.csv": nagHeader,
}

// stamped writes cleanAssembly as make does: the examples folder stamped on its own, then the
// top level.
func stamped(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeAll(t, dir, cleanAssembly)
	require.NoError(t, Stamp(filepath.Join(dir, "examples")))
	require.NoError(t, Stamp(dir))
	require.NoError(t, Fresh(dir), "a folder just stamped is fresh")
	return dir
}

func TestFreshRefusesWhatMakeDidNotWrite(t *testing.T) {
	cases := []struct {
		name    string
		change  func(t *testing.T, dir string)
		wantErr string
	}{
		{"a template rewritten by a plain synth", func(t *testing.T, dir string) {
			write(t, dir, "assembly-Dev/Dev-Net.template.json", `{"Resources":{}}`)
		}, "changed: assembly-Dev/Dev-Net.template.json"},
		{"a stack added by a plain synth", func(t *testing.T, dir string) {
			write(t, dir, "assembly-Qa/Qa-Net.template.json", `{"Resources":{}}`)
		}, "added: assembly-Qa/Qa-Net.template.json"},
		{"a report the new synth did not write", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "validation-report.json")))
		}, "removed: validation-report.json"},
		{"stale seed output", func(t *testing.T, dir string) {
			write(t, dir, "examples/assembly-Seed/Seed-Net.template.json", `{"Resources":{}}`)
		}, "examples changed after make synthesized it (changed: assembly-Seed/Seed-Net.template.json)"},
		{"seed output whose stamp was lost", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "examples", StampFile)))
		}, "added: examples/AwsSolutions-Seed-Net-NagReport.csv, examples/NIST.800.53.R5-Seed-Net-NagReport.csv, examples/assembly-Seed/AwsSolutions-Seed-App-NagReport.csv and 3 more"},
		{"no stamp at all", func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, StampFile)))
		}, "no " + StampFile},
		{"a broken stamp", func(t *testing.T, dir string) {
			write(t, dir, StampFile, "{")
		}, StampFile},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := stamped(t)
			c.change(t, dir)
			assert.ErrorContains(t, Fresh(dir), c.wantErr)
			_, err := All(dir)
			assert.ErrorContains(t, err, c.wantErr, "All must refuse what Fresh refuses")
		})
	}
}

// TestFreshIgnoresOnlyJsiisTemporaryFolder: two synths of the same code differ in the creation
// traces of the stacks' metadata files, which name jsii's random temporary folder; that alone is
// no change, anything else in those files is.
func TestFreshIgnoresOnlyJsiisTemporaryFolder(t *testing.T) {
	trace := func(kernel, line string) string {
		return `{"/Dev/Net/Vpc":[{"type":"aws:cdk:creationStack","data":[".../tmp/jsii-kernel-` + kernel + `/node_modules/aws-cdk-lib/aws-ec2/lib/vpc.js:1:` + line + `"]}]}`
	}
	dir := stamped(t)
	write(t, dir, "assembly-Dev/DevNet.metadata.json", trace("9is7Mu", "291"))
	require.NoError(t, Stamp(dir))

	write(t, dir, "assembly-Dev/DevNet.metadata.json", trace("hAWRHp", "291"))
	assert.NoError(t, Fresh(dir), "another synth's temporary folder is no change")
	write(t, dir, "assembly-Dev/DevNet.metadata.json", trace("hAWRHp", "229"))
	assert.ErrorContains(t, Fresh(dir), "changed: assembly-Dev/DevNet.metadata.json")
}

func TestAllChecksEveryGateOfAFreshAssembly(t *testing.T) {
	_, err := exec.LookPath("cfn-lint")
	require.NoError(t, err, "cfn-lint is required by `make test`: pip install cfn-lint=="+limits.CfnLintVersion)
	dir := stamped(t)
	found, err := All(dir)
	require.NoError(t, err)
	assert.Empty(t, found)

	// The same folder, with a finding in the seed output, stamped again as make would.
	write(t, dir, "examples/validation-report.json", `{"pluginReports":[{"summary":{"pluginName":"cfn-validate"},"violations":[
		{"ruleName":"R1","description":"bad","severity":"error","violatingConstructs":[{"constructPath":"Seed/Net/Topic"}]}]}]}`)
	require.NoError(t, Stamp(filepath.Join(dir, "examples")))
	found, err = All(dir)
	require.NoError(t, err)
	require.Len(t, found, 1)
	assert.Equal(t, "[validation] examples/validation-report.json: cfn-validate error R1: bad (Seed/Net/Topic)", found[0].String())
}

func checkFindings(t *testing.T, found []Finding, err error, want []string, wantErr string) {
	t.Helper()
	if wantErr != "" {
		require.ErrorContains(t, err, wantErr)
		return
	}
	require.NoError(t, err)
	require.Len(t, found, len(want), "findings: %v", found)
	for i, w := range want {
		assert.Contains(t, found[i].String(), w, "finding %d", i)
	}
}

// TestTheVersionProbeAnswersAsCfnLintDoes: tools/cfnlint-version, which make keys the lint cache by,
// prints what `cfn-lint --version` prints: asking cfn-lint's Python for the package's version, or
// cfn-lint itself when its script names no Python, or nothing without a cfn-lint on the PATH.
func TestTheVersionProbeAnswersAsCfnLintDoes(t *testing.T) {
	probe, err := filepath.Abs(filepath.Join("..", "..", "tools", "cfnlint-version"))
	require.NoError(t, err)
	_, err = os.ReadFile(probe) // so go test's cache knows the script: an edit runs this again
	require.NoError(t, err)
	run := func(path string) string {
		t.Helper()
		cmd := exec.Command("sh", probe)
		cmd.Env = append(os.Environ(), "PATH="+path)
		out, err := cmd.Output()
		require.NoError(t, err)
		return string(out)
	}

	want, err := exec.Command("cfn-lint", "--version").Output()
	require.NoError(t, err, "cfn-lint is needed (make test lints every template)")
	assert.Equal(t, string(want), run(os.Getenv("PATH")), "the installed cfn-lint")

	// The probe's own tools, and no cfn-lint but a fake.
	tools := t.TempDir()
	for _, name := range []string{"head", "sed", "tr"} {
		path, err := exec.LookPath(name)
		require.NoError(t, err)
		require.NoError(t, os.Symlink(path, filepath.Join(tools, name)))
	}
	fake := t.TempDir()
	executable := func(name, body string) string {
		write(t, fake, name, body)
		require.NoError(t, os.Chmod(filepath.Join(fake, name), 0o755))
		return filepath.Join(fake, name)
	}
	executable("cfn-lint", "#!/bin/sh\necho 'cfn-lint 9.9.9'\n")
	assert.Equal(t, "cfn-lint 9.9.9\n", run(fake+":"+tools), "a script no Python runs: cfn-lint answers")

	// A Python that says 7.7.7 when asked for the package's version, while cfn-lint would say
	// 9.9.9: the answer shows which one the probe asked.
	python := executable("python3-fake", "#!/bin/sh\nif [ \"$1\" = -c ]; then echo 7.7.7; else echo 'cfn-lint 9.9.9'; fi\n")
	executable("cfn-lint", "#!"+python+"\n")
	assert.Equal(t, "cfn-lint 7.7.7\n", run(fake+":"+tools), "a Python script: its interpreter answers")

	assert.Empty(t, run(tools), "no cfn-lint on the PATH")
}
