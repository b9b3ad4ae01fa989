package assembly

import (
	"regexp"
	"strings"
)

// Graph holds the references between the resources of one stage: Ref, Fn::GetAtt, Fn::Sub,
// Fn::ImportValue (followed to the exporting stack's resource) and physical names (a string
// property equal to another resource's name or identifier, e.g. a CloudFront origin's domain and
// the Route 53 record of that name, or a secondary cluster's global cluster identifier).
type Graph struct {
	refs, referrers map[*Resource][]*Resource
}

// nameKeys are the top-level properties that give a resource a physical name others may use.
var nameKeys = []string{
	"Name", "BucketName", "ClusterName", "DBClusterIdentifier", "DBInstanceIdentifier",
	"FunctionName", "GlobalClusterIdentifier", "QueueName", "ReplicationGroupId",
	"RepositoryName", "ServiceName", "TopicName",
}

// minNameLen keeps short, common words (a container called "app") from linking resources.
const minNameLen = 8

var subVar = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[A-Za-z0-9.]+)?\}`)

// NewGraph indexes the references of the stage's resources.
func NewGraph(s *Stage) *Graph {
	g := &Graph{refs: map[*Resource][]*Resource{}, referrers: map[*Resource][]*Resource{}}
	byID := map[*Stack]map[string]*Resource{}
	exports := map[string]*Resource{}
	names := map[string][]*Resource{}
	for _, st := range s.Stacks {
		byID[st] = map[string]*Resource{}
		for _, r := range st.Resources {
			byID[st][r.LogicalID] = r
			for _, k := range nameKeys {
				if n := normName(r.Str(k)); len(n) >= minNameLen {
					names[n] = append(names[n], r)
				}
			}
		}
	}
	for _, st := range s.Stacks {
		for name, v := range st.outputs {
			var found []*Resource
			walk(v, func(id string) {
				if r := byID[st][id]; r != nil {
					found = append(found, r)
				}
			}, func(string) {}, func(string) {})
			if len(found) > 0 {
				exports[st.Account+"/"+st.Region+"/"+name] = found[0]
			}
		}
	}
	for _, r := range s.Resources() {
		seen := map[*Resource]bool{r: true}
		add := func(t *Resource) {
			if t != nil && !seen[t] {
				seen[t] = true
				g.refs[r] = append(g.refs[r], t)
				g.referrers[t] = append(g.referrers[t], r)
			}
		}
		walk(r.Properties,
			func(id string) { add(byID[r.Stack][id]) },
			func(exp string) { add(exports[r.Stack.Account+"/"+r.Stack.Region+"/"+exp]) },
			func(s string) {
				if n := normName(s); len(n) >= minNameLen {
					for _, t := range names[n] {
						// Resources of one type share names by design (a record per region
						// answering the same name); a name links different kinds only.
						if t.Type != r.Type {
							add(t)
						}
					}
				}
			})
	}
	return g
}

// Refs lists the resources r refers to, in the order found.
func (g *Graph) Refs(r *Resource) []*Resource { return g.refs[r] }

// Referrers lists the resources that refer to r.
func (g *Graph) Referrers(r *Resource) []*Resource { return g.referrers[r] }

// Neighbors lists the resources r refers to and those referring to it.
func (g *Graph) Neighbors(r *Resource) []*Resource {
	return append(append([]*Resource(nil), g.refs[r]...), g.referrers[r]...)
}

func normName(s string) string {
	return strings.TrimSuffix(strings.ToLower(s), ".")
}

// walk calls local for every Ref, Fn::GetAtt and Fn::Sub variable, imported for every
// Fn::ImportValue of a literal name, and literal for every other string. It skips tags and
// logging settings: a log bucket or log group is not a connection worth drawing or following.
func walk(v any, local, imported, literal func(string)) {
	switch v := v.(type) {
	case string:
		literal(v)
	case []any:
		for _, e := range v {
			walk(e, local, imported, literal)
		}
	case map[string]any:
		if len(v) == 1 {
			switch {
			case v["Ref"] != nil:
				if id, ok := v["Ref"].(string); ok {
					local(id)
				}
				return
			case v["Fn::GetAtt"] != nil:
				switch a := v["Fn::GetAtt"].(type) {
				case []any:
					if len(a) > 0 {
						if id, ok := a[0].(string); ok {
							local(id)
						}
					}
				case string:
					id, _, _ := strings.Cut(a, ".")
					local(id)
				}
				return
			case v["Fn::ImportValue"] != nil:
				if name, ok := v["Fn::ImportValue"].(string); ok {
					imported(name)
					return
				}
			case v["Fn::Sub"] != nil:
				s, _ := v["Fn::Sub"].(string)
				if a, ok := v["Fn::Sub"].([]any); ok && len(a) == 2 {
					s, _ = a[0].(string)
					walk(a[1], local, imported, literal)
				}
				for _, m := range subVar.FindAllStringSubmatch(s, -1) {
					local(m[1])
				}
				return
			}
		}
		if isLogSetting(v) {
			return
		}
		for k, e := range v {
			if k == "Tags" || k == "HealthCheckTags" || strings.Contains(strings.ToLower(k), "log") {
				continue
			}
			walk(e, local, imported, literal)
		}
	}
}

// isLogSetting matches key/value attribute pairs about logs, e.g. an ALB's
// {"Key": "access_logs.s3.bucket", "Value": {"Ref": …}}.
func isLogSetting(m map[string]any) bool {
	k, ok := m["Key"].(string)
	return ok && len(m) == 2 && m["Value"] != nil && strings.Contains(strings.ToLower(k), "log")
}
