package naming

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestPascal(t *testing.T) {
	for in, want := range map[string]string{
		"prod": "Prod", "order-api": "OrderApi", "ecr.api": "EcrApi", "a--b": "AB", "": "",
	} {
		assert.Equal(t, want, Pascal(in))
	}
}
