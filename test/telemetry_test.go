package test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// cdk.json keeps usage data to the CDK's default version reporting (the aws-cdk-lib version and
// the construct types used, in each template's CDKMetadata; cfn-lint recognises a CDK template by
// it): the CLI sends no telemetry ("cli-telemetry": false), and aws-cdk-lib records no construct
// properties or method calls (@aws-cdk/core:enableAdditionalMetadataCollection: false). With that
// flag on, every template's CDKMetadata carries the L2 constructs' property names with their
// boolean and enum values (removal policies, retention periods, …; other values as "*") to AWS at
// deploy, and every stack's metadata file lists them.

func TestTheCLISendsNoTelemetry(t *testing.T) {
	assert.Equal(t, false, cdktest.Context()["cli-telemetry"], "cdk.json: cli-telemetry")
}

func TestTemplatesReportNoConstructProperties(t *testing.T) {
	a := Fixtures(t)
	var templates []string
	for _, name := range a.StackNames() {
		templates = append(templates, a.Templates[name].Path)
	}
	require.NotEmpty(t, templates)
	assert.Empty(t, propertiesReported(t, a.Dir, templates))
}

// TestThePropertiesCheckCanFail: an app with the flag on (cdk.json's context otherwise) reports
// a key's properties in its template and its metadata, and the check says so; with cdk.json's
// context it reports none.
func TestThePropertiesCheckCanFail(t *testing.T) {
	for _, flag := range []bool{true, false} {
		ctx := cdktest.CLIContext()
		ctx["@aws-cdk/core:enableAdditionalMetadataCollection"] = flag
		dir := t.TempDir()
		app := awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(dir)})
		stack := cdktest.NewStack(app, "Probe", "us-east-1")
		awskms.NewKey(stack, jsii.String("Key"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		cdktest.NoPanic(t, func() { app.Synth(nil) })
		found := propertiesReported(t, dir, []string{filepath.Join(dir, "Probe.template.json")})
		if flag {
			assert.Len(t, found, 2, "with the flag on: the template and the metadata: %v", found)
		} else {
			assert.Empty(t, found, "with cdk.json's context")
		}
	}
}

// propertiesReported lists the templates whose CDKMetadata reports construct properties and the
// metadata files under dir (and its nested assemblies) that record them.
func propertiesReported(t *testing.T, dir string, templates []string) []string {
	t.Helper()
	var found []string
	for _, f := range templates {
		analytics, err := analyticsOf(f)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(analytics, "2."), "%s: CDKMetadata names the aws-cdk-lib version first: %.40s", f, analytics)
		if reportsProperties(analytics) {
			found = append(found, f+": CDKMetadata reports construct properties")
		}
	}
	var metadata []string
	for _, pattern := range []string{"*.metadata.json", "*/*.metadata.json"} {
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		require.NoError(t, err)
		metadata = append(metadata, files...)
	}
	require.NotEmpty(t, metadata, "%s: no stack metadata files", dir)
	for _, f := range metadata {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, kind := range analyticsKinds {
			if strings.Contains(string(data), `"aws:cdk:analytics:`+kind+`"`) {
				found = append(found, f+": records construct properties or method calls")
				break
			}
		}
	}
	return found
}

// analyticsKinds are the metadata entries the flag adds; aws-cdk-lib records the use of a mixin
// ("aws:cdk:analytics:mixin") whatever it says.
var analyticsKinds = []string{"construct", "method", "featureflag"}

// reportsProperties reports whether a decoded CDKMetadata analytics lists a construct with its
// properties or calls, Name[…], as the flag writes it; a mixin's use, [{"mixin":…}], does not
// count.
func reportsProperties(analytics string) bool {
	for rest := analytics; ; {
		i := strings.Index(rest, "[")
		if i < 0 {
			return false
		}
		rest = rest[i+1:]
		if !strings.HasPrefix(rest, `{"mixin"`) {
			return true
		}
	}
}

// analyticsOf is the CDKMetadata resource's Analytics of the template in file, decoded: the
// aws-cdk-lib version, then the construct types used ("v2:deflate64:" + base64 of its gzip).
func analyticsOf(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	var tpl struct {
		Resources struct {
			CDKMetadata struct {
				Properties struct{ Analytics string }
			}
		}
	}
	if err := json.Unmarshal(data, &tpl); err != nil {
		return "", err
	}
	encoded, ok := strings.CutPrefix(tpl.Resources.CDKMetadata.Properties.Analytics, "v2:deflate64:")
	if !ok {
		return "", fmt.Errorf("%s: no CDKMetadata analytics in the v2:deflate64 form", file)
	}
	zipped, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	r, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		return "", fmt.Errorf("%s: %w", file, err)
	}
	text, err := io.ReadAll(r)
	return string(text), err
}

func TestReportsPropertiesReadsTheFlagsForm(t *testing.T) {
	for analytics, want := range map[string]bool{
		`2.277.0!aws-cdk-lib.{Stack,aws_kms.{Key,CfnKey}}`:                                  false,
		`2.277.0!aws-cdk-lib.{Stack,aws_kms.{Key[{"mixin":"Tagged"}],CfnKey}}`:              false,
		`2.277.0!aws-cdk-lib.{Stack,aws_kms.{Key[{"enableKeyRotation":true}],CfnKey}}`:      true,
		`2.277.0!aws-cdk-lib.{Resource["*","*"],Stack}`:                                     true,
		`2.277.0!aws-cdk-lib.{Key[{"mixin":"Tagged"}],Role[{"assumedBy":"*"}],Stack,Topic}`: true,
	} {
		assert.Equal(t, want, reportsProperties(analytics), analytics)
	}
}
