package test

import (
	"encoding/json"
	"strconv"
	"strings"
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
