// Package policydoc reads IAM policy documents as aws-cdk-lib renders them (decoded JSON), in Go,
// and rewrites one where aws-cdk-lib writes a grant it gives no way to change.
package policydoc

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
)

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

// Rewritten is document as rewrite returns it from the rendered JSON, resolved when the template
// is written (so a statement added to document later is in it too). Set it as the L1 policy's
// document property itself, not as an override: cdk-nag reads the property, so it checks what
// is written.
func Rewritten(document iam.PolicyDocument, rewrite func(doc map[string]any) map[string]any) awscdk.IResolvable {
	return awscdk.Lazy_UncachedAny(&rewritten{document, rewrite}, nil)
}

type rewritten struct {
	document iam.PolicyDocument
	rewrite  func(map[string]any) map[string]any
}

// Produce is called by aws-cdk-lib as it renders the template.
func (r *rewritten) Produce(ctx awscdk.IResolveContext) any {
	resolved := ctx.Resolve(r.document, nil)
	if doc, ok := resolved.(map[string]any); ok {
		return r.rewrite(doc)
	}
	return resolved
}
