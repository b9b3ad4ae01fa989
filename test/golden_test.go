package test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden templates under test/testdata")

// TestGoldenTemplates compares every synthesized template with test/testdata/<stack>.template.json
// resource by resource, so a failure names the resource that changed. Review a diff like code;
// `go test ./test -run Golden -update` rewrites the files.
func TestGoldenTemplates(t *testing.T) {
	a := Shipped(t)
	for _, name := range a.StackNames() {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(a.Templates[name].Path)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".template.json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run `go test ./test -run Golden -update` to create it)", err)
			}
			compareTemplates(t, decode(t, want), decode(t, got))
		})
	}
}

func decode(t *testing.T, data []byte) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// compareTemplates reports each section entry (resource, output, parameter…) that was added,
// removed or changed.
func compareTemplates(t *testing.T, want, got map[string]any) {
	t.Helper()
	for _, section := range unionKeys(want, got) {
		w, _ := want[section].(map[string]any)
		g, _ := got[section].(map[string]any)
		if w == nil || g == nil { // a scalar section such as Description, or one side lacks it
			compareEntry(t, section, want, got)
			continue
		}
		for _, k := range unionKeys(w, g) {
			compareEntry(t, section+"."+k, w, g)
		}
	}
}

func compareEntry(t *testing.T, name string, want, got map[string]any) {
	t.Helper()
	k := name[strings.LastIndex(name, ".")+1:]
	w, inWant := want[k]
	g, inGot := got[k]
	switch {
	case !inWant:
		t.Errorf("%s is new: %s", name, compact(g))
	case !inGot:
		t.Errorf("%s was removed (was %s)", name, compact(w))
	case !reflect.DeepEqual(w, g):
		t.Errorf("%s changed:\n was %s\n now %s", name, compact(w), compact(g))
	}
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	var keys []string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func compact(v any) string {
	data, _ := json.Marshal(v)
	if len(data) > 2000 {
		return string(data[:2000]) + "…"
	}
	return string(data)
}
