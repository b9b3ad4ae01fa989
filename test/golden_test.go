package test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite the golden templates under test/testdata/golden")

// TestGoldenTemplates compares every template of the fixture configs and of the seed variants
// with test/testdata/golden/<stack>.template.json, section entry by section entry, so a failure
// names the stack and the resource that changed. Values a CDK upgrade changes without changing
// the infrastructure are masked. Review a diff like code; `go test ./test -run Golden -update`
// rewrites the files (and removes those of stacks that no longer exist).
func TestGoldenTemplates(t *testing.T) {
	dir := filepath.Join("testdata", "golden")
	want := map[string]bool{}
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, name := range a.StackNames() {
			want[name+".template.json"] = true
			t.Run(name, func(t *testing.T) {
				data, err := os.ReadFile(a.Templates[name].Path)
				require.NoError(t, err)
				got := masked(t, data)
				path := filepath.Join(dir, name+".template.json")
				if *update {
					out, err := json.MarshalIndent(got, "", " ")
					require.NoError(t, err)
					require.NoError(t, os.WriteFile(path, append(out, '\n'), 0o644))
					return
				}
				golden, err := os.ReadFile(path)
				require.NoError(t, err, "run `go test ./test -run Golden -update` to create it")
				compareTemplates(t, name, masked(t, golden), got)
			})
		}
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.template.json"))
	require.NoError(t, err)
	var stale []string
	for _, f := range files {
		if !want[filepath.Base(f)] {
			if *update {
				require.NoError(t, os.Remove(f))
				continue
			}
			stale = append(stale, f)
		}
	}
	assert.Empty(t, stale, "goldens of no stack (run with -update to remove them)")
}

// assetHash is the content hash aws-cdk-lib names an asset by.
var assetHash = regexp.MustCompile(`\b[0-9a-f]{64}\b`)

// masked decodes a template with its CDK-version-dependent values replaced: asset hashes, the
// bootstrap version parameter and rule, and the runtime of the CDK's own handler Lambdas.
func masked(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	require.NoError(t, json.Unmarshal(assetHash.ReplaceAll(data, []byte("<asset-hash>")), &doc))
	if params, ok := doc["Parameters"].(map[string]any); ok && params["BootstrapVersion"] != nil {
		params["BootstrapVersion"] = "<cdk-generated>"
	}
	if rules, ok := doc["Rules"].(map[string]any); ok && rules["CheckBootstrapVersion"] != nil {
		rules["CheckBootstrapVersion"] = "<cdk-generated>"
	}
	withoutCliMetadata(doc)
	resources, _ := doc["Resources"].(map[string]any)
	for _, r := range resources {
		p, _ := get(r, "Properties").(map[string]any)
		if str(get(r, "Type")) == "AWS::Lambda::Function" && str(get(p, "Code", "S3Key")) != "" && p["Runtime"] != nil {
			p["Runtime"] = "<cdk-generated>"
		}
	}
	return doc
}

// withoutCliMetadata removes from a decoded template what only the CDK CLI's synth adds (its
// version reporting: the CDKMetadata resource and the condition it may carry; and each
// resource's construct path and asset location), so that a template reads the same whether the tests synthesized it
// or make test's `cdk synth` did (the harness shares the latter's assembly).
func withoutCliMetadata(doc map[string]any) {
	resources, _ := doc["Resources"].(map[string]any)
	delete(resources, "CDKMetadata")
	if conditions, ok := doc["Conditions"].(map[string]any); ok {
		delete(conditions, "CDKMetadataAvailable")
		if len(conditions) == 0 {
			delete(doc, "Conditions")
		}
	}
	for _, r := range resources {
		if m, ok := get(r, "Metadata").(map[string]any); ok {
			for key := range m {
				if key == "aws:cdk:path" || strings.HasPrefix(key, "aws:asset:") {
					delete(m, key)
				}
			}
			if len(m) == 0 {
				delete(r.(map[string]any), "Metadata")
			}
		}
	}
}

// compareTemplates reports each section entry (resource, output, parameter…) of stack that was
// added, removed or changed, with a diff of the entry.
func compareTemplates(t *testing.T, stack string, want, got map[string]any) {
	t.Helper()
	for _, section := range unionKeys(want, got) {
		w, wok := want[section].(map[string]any)
		g, gok := got[section].(map[string]any)
		if !wok || !gok { // a scalar section such as Description, or one side lacks it
			assert.Equal(t, want[section], got[section], "%s: %s", stack, section)
			continue
		}
		for _, k := range unionKeys(w, g) {
			entry := stack + ": " + section + "." + k
			we, inWant := w[k]
			if assert.True(t, inWant, "%s is new: %s", entry, compact(g[k])) &&
				assert.NotNil(t, g[k], "%s was removed (was %s)", entry, compact(we)) {
				assert.Equal(t, we, g[k], entry)
			}
		}
	}
}

func unionKeys(a, b map[string]any) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
