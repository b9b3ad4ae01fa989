package test

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
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
