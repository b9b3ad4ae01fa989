package gates

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const nagHeader = "Rule ID,Resource ID,Compliance,Exception Reason,Rule Level,Rule Info\n"

func write(t *testing.T, dir, name, body string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

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
		{"a missing pack is an error", map[string]string{
			"AwsSolutions-Prod-Net-NagReport.csv": clean,
		}, nil, "no NIST.800.53.R5 cdk-nag report"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range c.files {
				write(t, dir, name, body)
			}
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
	if _, err := exec.LookPath("cfn-lint"); err != nil {
		t.Fatal("cfn-lint is required by `make test`: pip install cfn-lint")
	}
	dir := t.TempDir()
	write(t, dir, "Good.template.json", `{"Resources":{"Topic":{"Type":"AWS::SNS::Topic"}}}`)
	write(t, dir, "assembly-Prod/Bad.template.json",
		`{"Resources":{"Bucket":{"Type":"AWS::S3::Bucket","Properties":{"BucketNam":"x"}}}}`)
	found, err := CfnLint(dir)
	checkFindings(t, found, err, []string{"E3002"}, "")
	if len(found) > 0 && found[0].Where != filepath.Join("assembly-Prod", "Bad.template.json") {
		t.Errorf("finding names %q, want the nested template", found[0].Where)
	}
}

func checkFindings(t *testing.T, found []Finding, err error, want []string, wantErr string) {
	t.Helper()
	if wantErr != "" {
		if err == nil || !strings.Contains(err.Error(), wantErr) {
			t.Fatalf("error = %v, want %q", err, wantErr)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != len(want) {
		t.Fatalf("findings = %v, want %d", found, len(want))
	}
	for i, w := range want {
		if !strings.Contains(found[i].String(), w) {
			t.Errorf("finding %d = %q, want it to contain %q", i, found[i], w)
		}
	}
}
