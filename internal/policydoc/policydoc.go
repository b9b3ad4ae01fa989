// Package policydoc reads IAM policy documents as aws-cdk-lib renders them (decoded JSON), in Go.
package policydoc

// Strings is a policy element that may be one string or a list (Action, Resource, a condition's
// values) as the strings it holds; anything else in a list (an intrinsic function) is left out.
func Strings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
