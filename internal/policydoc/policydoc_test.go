package policydoc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStringsReadsOneOrAList(t *testing.T) {
	cases := []struct {
		name string
		in   any
		want []string
	}{
		{"one string is a list of one", "kms:Decrypt", []string{"kms:Decrypt"}},
		{"a list keeps its strings in order", []any{"*", "kms:Encrypt"}, []string{"*", "kms:Encrypt"}},
		{"an intrinsic in a list is left out", []any{map[string]any{"Fn::GetAtt": []any{"Key", "Arn"}}, "*"}, []string{"*"}},
		{"an intrinsic alone holds no string", map[string]any{"Ref": "Key"}, nil},
		{"an absent element holds none", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, Strings(c.in))
		})
	}
}
