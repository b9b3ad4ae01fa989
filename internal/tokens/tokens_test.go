package tokens

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTokensAreFoundAsAwsCdkLibEncodesThem(t *testing.T) {
	for s, want := range map[string][][]int{
		"plain text":             nil,
		"${Token[AWS.Region.9]}": {{0, 22}},
		"arn:${Token[AWS.Partition.4]}:x:${Token[TOKEN.12]}": {{4, 29}, {32, 50}},
		"${Token[not a token]}":                              nil,
		"$[Token[TOKEN.1]]":                                  nil,
	} {
		assert.Equal(t, want, Locate(s), s)
		assert.Equal(t, want != nil, In(s), s)
	}
}
