package cdktest

import "strings"

// Pieces splits a string CloudFormation builds into its literal text and its tokens, in order:
// an Fn::Join's parts, or an Fn::Sub's template around its variables ("${!" is a literal "${");
// a plain string is one piece. Each piece is a string or a token (an intrinsic function); a
// variable the Fn::Sub does not define is a nil piece. Anything else gives nil.
func Pieces(v any) []any {
	if s, ok := v.(string); ok {
		return []any{s}
	}
	m, _ := v.(map[string]any)
	if join, ok := m["Fn::Join"].([]any); ok && len(join) == 2 {
		parts, _ := join[1].([]any)
		return parts
	}
	sub, ok := m["Fn::Sub"].([]any)
	if !ok || len(sub) != 2 {
		return nil
	}
	template, _ := sub[0].(string)
	variables, _ := sub[1].(map[string]any)
	var out []any
	text := ""
	for len(template) > 0 {
		i := strings.Index(template, "${")
		if i < 0 {
			text += template
			break
		}
		text += template[:i]
		template = template[i+2:]
		if strings.HasPrefix(template, "!") {
			text += "${"
			template = template[1:]
			continue
		}
		end := strings.Index(template, "}")
		if end < 0 {
			return nil
		}
		out = append(out, text, variables[template[:end]])
		text, template = "", template[end+1:]
	}
	return append(out, text)
}
