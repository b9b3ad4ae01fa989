package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/stratus-platform/stratus/config"
)

var update = flag.Bool("update", false, "rewrite docs/config.schema.json")

const root = "../.."

func TestTheCommittedSchemaIsTheGeneratedOne(t *testing.T) {
	want, err := generate(root)
	require.NoError(t, err)
	file := filepath.Join(root, schemaFile)
	if *update {
		require.NoError(t, os.WriteFile(file, want, 0o644))
	}
	got, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Equal(t, string(want), string(got), "docs/config.schema.json is stale: go run ./tools/configschema (or go test ./tools/configschema -update)")
}

// compile compiles the committed schema.
func compile(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	s, err := c.Compile(filepath.Join(root, schemaFile))
	require.NoError(t, err)
	return s
}

// asJSON turns a YAML document into the values a JSON Schema validator takes.
func asJSON(t *testing.T, data []byte) any {
	t.Helper()
	var doc any
	require.NoError(t, yaml.Unmarshal(data, &doc))
	j, err := json.Marshal(doc)
	require.NoError(t, err)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	require.NoError(t, err)
	return v
}

func TestShippedConfigsNameAndPassTheSchema(t *testing.T) {
	schema := compile(t)
	files, err := filepath.Glob(filepath.Join(root, "config", "*.yaml"))
	require.NoError(t, err)
	examples, err := filepath.Glob(filepath.Join(root, "config", "examples", "*.yaml"))
	require.NoError(t, err)
	files = slices.DeleteFunc(append(files, examples...), func(f string) bool {
		return filepath.Base(f) == config.DeliveryFile // not an environment file (docs/pipeline.md)
	})
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			first, _, _ := strings.Cut(string(data), "\n")
			ref, ok := strings.CutPrefix(first, "# yaml-language-server: $schema=")
			require.True(t, ok, "the first line points the YAML language server at the schema")
			assert.Equal(t, filepath.Clean(filepath.Join(root, schemaFile)), filepath.Join(filepath.Dir(f), ref), "the $schema path leads to docs/config.schema.json")
			assert.NoError(t, schema.Validate(asJSON(t, data)))
		})
	}
}

func TestTheSchemaRejectsWhatConfigRejects(t *testing.T) {
	schema := compile(t)
	// The project's own fixture, not the user's config/, whose values a fork changes.
	data, err := os.ReadFile(filepath.Join(root, "test", "testdata", "config", "dev.yaml"))
	require.NoError(t, err)
	dev := string(data)
	require.NoError(t, schema.Validate(asJSON(t, data)), "the base document passes")
	for _, tc := range []struct{ name, old, new string }{
		{"an unknown key", "name: dev\n", "name: dev\nregion: us-east-1\n"},
		{"a Fargate size that does not exist", "    cpu: 256\n", "    cpu: 300\n"},
		{"an engine version the constructs cannot build", "cache:\n", "cache:\n  engineVersion: \"6.2\"\n"},
		{"a WAF rate limit below the AWS minimum", "  rateLimit: 2000\n", "  rateLimit: 9\n"},
		{"a missing required key", "account: \"333333333333\"\n", ""},
		{"a number where a string belongs", "account: \"333333333333\"\n", "account: 333333333333\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Contains(t, dev, tc.old)
			assert.Error(t, schema.Validate(asJSON(t, []byte(strings.Replace(dev, tc.old, tc.new, 1)))))
		})
	}
	// compute decides between services and tiers; seed-003, an ec2 environment, passes
	// (TestShippedConfigsNameAndPassTheSchema).
	t.Run("a Fargate environment without services", func(t *testing.T) {
		assert.Error(t, schema.Validate(asJSON(t, []byte(withoutSection(t, dev, "services")))))
	})
	t.Run("a Fargate environment with tiers", func(t *testing.T) {
		assert.Error(t, schema.Validate(asJSON(t, []byte(dev+"tiers: {}\n"))))
	})
	t.Run("an ec2 environment with services and no tiers", func(t *testing.T) {
		assert.Error(t, schema.Validate(asJSON(t, []byte("compute: ec2\n"+dev))))
	})
	t.Run("an ec2 environment with tiers and services", func(t *testing.T) {
		seed, err := os.ReadFile(filepath.Join(root, "config", "examples", "seed-003.yaml"))
		require.NoError(t, err)
		require.Contains(t, string(seed), "\ncompute: ec2\n")
		require.NoError(t, schema.Validate(asJSON(t, seed)))
		start, end := sectionBounds(t, dev, "services")
		assert.Error(t, schema.Validate(asJSON(t, append(seed, dev[start:end]...))), "dev's services in seed-003")
	})
}

// withoutSection is doc without the top-level key and its block.
func withoutSection(t *testing.T, doc, key string) string {
	start, end := sectionBounds(t, doc, key)
	return doc[:start] + doc[end:]
}

// sectionBounds are where the top-level key's block (its line and the indented, blank and comment
// lines after it) starts and ends in doc.
func sectionBounds(t *testing.T, doc, key string) (start, end int) {
	t.Helper()
	start = strings.Index(doc, "\n"+key+":\n")
	require.GreaterOrEqual(t, start, 0, "the document has %s", key)
	start++
	end = start
	for i, line := range strings.SplitAfter(doc[start:], "\n") {
		if i > 0 && line != "" && line != "\n" && line[0] != ' ' && line[0] != '#' {
			break
		}
		end += len(line)
	}
	return start, end
}
