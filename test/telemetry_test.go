package test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
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
	var templates []*Template
	for _, name := range a.StackNames() {
		templates = append(templates, a.Templates[name])
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
		tpl, err := readTemplate(filepath.Join(dir, "Probe.template.json"))
		require.NoError(t, err)
		found := propertiesReported(t, dir, []*Template{tpl})
		if flag {
			assert.Len(t, found, 2, "with the flag on: the template and the metadata: %v", found)
		} else {
			assert.Empty(t, found, "with cdk.json's context")
		}
	}
}

// propertiesReported lists the templates whose CDKMetadata reports construct properties and the
// metadata files under dir (and its nested assemblies) that record them.
func propertiesReported(t *testing.T, dir string, templates []*Template) []string {
	t.Helper()
	var found []string
	for _, tpl := range templates {
		analytics, err := decodeAnalytics(tpl.Analytics)
		require.NoError(t, err, tpl.Path)
		require.True(t, strings.HasPrefix(analytics, "2."), "%s: CDKMetadata names the aws-cdk-lib version first: %.40s", tpl.Path, analytics)
		if reportsProperties(analytics) {
			found = append(found, tpl.Path+": CDKMetadata reports construct properties")
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

// decodeAnalytics decodes CDKMetadata's Analytics ("v2:deflate64:" + base64 of its gzip): the
// aws-cdk-lib version, then the construct types used.
func decodeAnalytics(analytics string) (string, error) {
	encoded, ok := strings.CutPrefix(analytics, "v2:deflate64:")
	if !ok {
		return "", fmt.Errorf("no CDKMetadata analytics in the v2:deflate64 form: %.40q", analytics)
	}
	zipped, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return "", err
	}
	r, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		return "", err
	}
	text, err := io.ReadAll(r)
	return string(text), err
}
