package test

import (
	"github.com/stratus-platform/stratus/internal/cdktest"

	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Helpers to read CloudFormation JSON without a panic on an unexpected shape: a missing or
// mistyped property reads as a zero value, which an assertion then reports.

func str(v any) string {
	s, _ := v.(string)
	return s
}

// num reads a number or a numeric string; anything else is -1, which no assertion expects.
func num(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case string:
		if i, err := strconv.Atoi(n); err == nil {
			return i
		}
	}
	return -1
}

// get walks a nested property path ("AliasTarget", "DNSName") of a JSON value.
func get(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// ref returns the logical id a {"Ref": id} or {"Fn::GetAtt": [id, attr]} points at, or "".
func ref(v any) string {
	if id := str(get(v, "Ref")); id != "" {
		return id
	}
	return str(firstOf(get(v, "Fn::GetAtt")))
}

// literal is the text of a string, an Fn::Sub template or an Fn::Join's literal parts.
func literal(v any) string {
	s := str(v) + str(get(v, "Fn::Sub"))
	if join := asList(get(v, "Fn::Join")); len(join) == 2 {
		for _, part := range asList(join[1]) {
			s += str(part)
		}
	}
	return s
}

// pieces splits a string CloudFormation builds into literal text and tokens (cdktest.Pieces).
func pieces(v any) []any { return cdktest.Pieces(v) }

// expanded is the string of pieces(v), each token written as its JSON.
func expanded(v any) string {
	var b strings.Builder
	for _, p := range pieces(v) {
		if s, ok := p.(string); ok {
			b.WriteString(s)
		} else {
			b.WriteString(jsonOf(p))
		}
	}
	return b.String()
}

// tags turns a resource's Tags list into a map.
func tags(r Resource) map[string]string {
	out := map[string]string{}
	list := asList(r.Properties["Tags"])
	if r.Type == "AWS::Route53::HealthCheck" {
		list = asList(r.Properties["HealthCheckTags"])
	}
	for _, item := range list {
		out[str(get(item, "Key"))] = str(get(item, "Value"))
	}
	return out
}

// withPrefix returns the one logical id of typ that starts with prefix, or "".
func (tpl *Template) withPrefix(typ, prefix string) string {
	ids, _ := tpl.OfType(typ)
	var found []string
	for _, id := range ids {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

// jsonOf is v as JSON, whole (compact truncates for messages).
func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// mentions reports whether a string anywhere in decoded JSON v (a key or a value) contains sub:
// what strings.Contains(jsonOf(v), sub) answers for text without JSON escapes, without encoding
// every template of an assembly again.
func mentions(v any, sub string) bool {
	switch x := v.(type) {
	case string:
		return strings.Contains(x, sub)
	case []any:
		return slices.ContainsFunc(x, func(e any) bool { return mentions(e, sub) })
	case map[string]any:
		for k, e := range x {
			if strings.Contains(k, sub) || mentions(e, sub) {
				return true
			}
		}
		return false
	case map[string]Resource:
		for id, r := range x {
			if strings.Contains(id, sub) || mentions(r, sub) {
				return true
			}
		}
		return false
	case Resource:
		return strings.Contains(x.Type, sub) || strings.Contains(x.DeletionPolicy, sub) ||
			mentions(x.Properties, sub) || mentions(x.DependsOn, sub)
	case nil, bool, float64:
		return false
	}
	return strings.Contains(jsonOf(v), sub) // a shape decoded JSON does not have: encode it
}

func compact(v any) string {
	s := jsonOf(v)
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

// container is a service's own container: its task, its definition, and its environment and
// ECS secrets by variable name.
type container struct {
	task    Resource
	def     map[string]any
	env     map[string]any
	secrets map[string]any
}

// mainContainers returns each task's application container (the one with port mappings; the
// ADOT collector has none) by container name, which is the service's name.
func mainContainers(tpl *Template) map[string]container {
	out := map[string]container{}
	_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
	for _, task := range tasks {
		for _, d := range asList(task.Properties["ContainerDefinitions"]) {
			def, _ := d.(map[string]any)
			if def["PortMappings"] == nil {
				continue
			}
			c := container{task: task, def: def, env: map[string]any{}, secrets: map[string]any{}}
			for _, e := range asList(def["Environment"]) {
				c.env[str(get(e, "Name"))] = get(e, "Value")
			}
			for _, s := range asList(def["Secrets"]) {
				c.secrets[str(get(s, "Name"))] = get(s, "ValueFrom")
			}
			out[str(def["Name"])] = c
		}
	}
	return out
}

// importsFrom reports whether one of resources imports an export of stack: an Fn::ImportValue of
// "<stack>:…" anywhere in its properties.
func importsFrom(resources map[string]Resource, stack string) bool {
	found := false
	for _, r := range resources {
		walkRefs(r.Properties, func(kind, target string) {
			found = found || kind == "Fn::ImportValue" && strings.HasPrefix(target, stack+":")
		})
	}
	return found
}

// TestImportsFromFindsAnImportOfTheStackOnly: importsFrom finds an import of the stack's exports
// wherever a property holds it, and nothing else that names the stack.
func TestImportsFromFindsAnImportOfTheStackOnly(t *testing.T) {
	with := func(v any) map[string]Resource {
		return map[string]Resource{"Service": {Type: "AWS::ECS::Service", Properties: map[string]any{"Network": v}}}
	}
	imp := func(name string) map[string]any { return map[string]any{"Fn::ImportValue": name} }
	cases := []struct {
		name      string
		resources map[string]Resource
		want      bool
	}{
		{"a property that imports", with(imp("Prod-Network-us-east-1:ExportsOutputVpc")), true},
		{"an import deep in a list", with([]any{"a", map[string]any{"Fn::Join": []any{"", []any{imp("Prod-Network-us-east-1:Subnet")}}}}), true},
		{"an import of another stack", with(imp("Prod-Network-eu-west-1:ExportsOutputVpc")), false},
		{"a stack whose name only starts alike", with(imp("Prod-Network-us-east-1b:Vpc")), false},
		{"the name as a plain value", with("Prod-Network-us-east-1:ExportsOutputVpc"), false},
		{"no import", with(map[string]any{"Ref": "Vpc"}), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, importsFrom(c.resources, "Prod-Network-us-east-1"))
		})
	}
}

// TestMentionsFindsAStringWhereverTheJSONHasIt: mentions answers as a search of the encoded JSON
// does, for a string in each place a template can hold one.
func TestMentionsFindsAStringWhereverTheJSONHasIt(t *testing.T) {
	nested := map[string]any{"AvailabilityZones": []any{"us-east-1a", map[string]any{"Fn::Select": []any{0.0, "dummy1a"}}}}
	cases := []struct {
		name string
		v    any
		want bool
	}{
		{"a value deep in a property", map[string]Resource{"Vpc": {Type: "AWS::EC2::Subnet", Properties: nested}}, true},
		{"a property's name", map[string]Resource{"Vpc": {Type: "AWS::EC2::Subnet", Properties: map[string]any{"dummyKey": 1.0}}}, true},
		{"a logical id", map[string]Resource{"dummySubnet": {Type: "AWS::EC2::Subnet"}}, true},
		{"a type", map[string]Resource{"Subnet": {Type: "Custom::dummy"}}, true},
		{"a dependency", map[string]Resource{"Subnet": {Type: "AWS::EC2::Subnet", DependsOn: []any{"dummyVpc"}}}, true},
		{"a deletion policy", map[string]Resource{"Subnet": {Type: "AWS::EC2::Subnet", DeletionPolicy: "dummy"}}, true},
		{"a value of a shape decoded JSON does not have", map[string]Resource{"Subnet": {Type: "AWS::EC2::Subnet", Properties: map[string]any{"Zones": []string{"dummy1a"}}}}, true},
		{"nowhere", map[string]Resource{"Subnet": {Type: "AWS::EC2::Subnet", Properties: map[string]any{"Zone": "us-east-1a", "Count": 2.0, "On": true}}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Equal(t, c.want, strings.Contains(jsonOf(c.v), "dummy"), "the case itself")
			assert.Equal(t, c.want, mentions(c.v, "dummy"))
		})
	}
}
