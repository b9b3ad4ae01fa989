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

// cdk.json keeps usage data to what the CDK always reports (its version and the construct types
// used): the CLI sends no telemetry ("cli-telemetry": false), and aws-cdk-lib records no construct
// properties or method calls (@aws-cdk/core:enableAdditionalMetadataCollection: false). With that
// flag on, every template's CDKMetadata carries the values of the L2 constructs' boolean, enum
// and number props (retention days, removal policies, …) to AWS at deploy, and every stack's
// metadata file lists them.

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
		// Types are listed as Name, or Name[props…] with the flag on.
		if strings.Contains(analytics, "[") {
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
		if strings.Contains(string(data), `"aws:cdk:analytics:`) {
			found = append(found, f+": records construct properties or method calls")
		}
	}
	return found
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
