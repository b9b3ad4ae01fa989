package test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// Helpers to read CloudFormation JSON without a panic on an unexpected shape.

func str(v any) string {
	s, _ := v.(string)
	return s
}

func num(v any) int {
	switch n := v.(type) {
	case float64:
		return int(n)
	case string:
		var i int
		fmt.Sscan(n, &i)
		return i
	}
	return -1
}

// ref returns the logical id a {"Ref": id} or {"Fn::GetAtt": [id, attr]} points at, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	if id, ok := m["Ref"].(string); ok {
		return id
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		return str(ga[0])
	}
	return ""
}

// tags turns a resource's Tags list into a map.
func tags(r Resource) map[string]string {
	out := map[string]string{}
	list, _ := r.Properties["Tags"].([]any)
	if r.Type == "AWS::Route53::HealthCheck" {
		list, _ = r.Properties["HealthCheckTags"].([]any)
	}
	for _, item := range list {
		m, _ := item.(map[string]any)
		out[str(m["Key"])] = str(m["Value"])
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

// IngressRule is one security-group ingress rule, inline or a separate resource.
type IngressRule struct {
	Group, SourceGroup, Cidr, CidrV6, PrefixList string
	Protocol                                     string
	From, To                                     int
}

func (r IngressRule) String() string {
	src := r.SourceGroup + r.Cidr + r.CidrV6 + r.PrefixList
	return fmt.Sprintf("%s <- %s %s %d-%d", r.Group, src, r.Protocol, r.From, r.To)
}

func (tpl *Template) IngressRules() []IngressRule {
	var out []IngressRule
	parse := func(group string, m map[string]any) IngressRule {
		return IngressRule{Group: group, SourceGroup: ref(m["SourceSecurityGroupId"]), Cidr: str(m["CidrIp"]),
			CidrV6: str(m["CidrIpv6"]), PrefixList: str(m["SourcePrefixListId"]), Protocol: str(m["IpProtocol"]),
			From: num(m["FromPort"]), To: num(m["ToPort"])}
	}
	for id, r := range tpl.Resources {
		switch r.Type {
		case "AWS::EC2::SecurityGroup":
			list, _ := r.Properties["SecurityGroupIngress"].([]any)
			for _, item := range list {
				m, _ := item.(map[string]any)
				out = append(out, parse(id, m))
			}
		case "AWS::EC2::SecurityGroupIngress":
			out = append(out, parse(ref(r.Properties["GroupId"]), r.Properties))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out
}

// jsonOf is v as JSON, whole (compact truncates for messages).
func jsonOf(v any) string {
	data, _ := json.Marshal(v)
	return string(data)
}

// container is a service's own container: its definition, and its environment and ECS secrets
// by variable name.
type container struct {
	def     map[string]any
	env     map[string]any
	secrets map[string]any
}

// mainContainers returns each task's application container (the one with port mappings; the
// ADOT collector has none) by container name, which is the service's name.
func mainContainers(t *testing.T, tpl *Template) map[string]container {
	t.Helper()
	out := map[string]container{}
	_, tasks := tpl.OfType("AWS::ECS::TaskDefinition")
	for _, task := range tasks {
		for _, d := range asList(task.Properties["ContainerDefinitions"]) {
			def, _ := d.(map[string]any)
			if def["PortMappings"] == nil {
				continue
			}
			c := container{def: def, env: map[string]any{}, secrets: map[string]any{}}
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

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func has(m map[string]any, key string) bool {
	_, ok := m[key]
	return ok
}
