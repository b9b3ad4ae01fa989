package naming

import "testing"

func TestPascal(t *testing.T) {
	for in, want := range map[string]string{
		"prod": "Prod", "order-api": "OrderApi", "ecr.api": "EcrApi", "a--b": "AB", "": "",
	} {
		if got := Pascal(in); got != want {
			t.Errorf("Pascal(%q) = %q, want %q", in, got, want)
		}
	}
}
