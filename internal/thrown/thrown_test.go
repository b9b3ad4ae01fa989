package thrown

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMessageDropsTheJavaScriptTrace(t *testing.T) {
	cases := []struct {
		name, thrown, want string
	}{
		{"a trace after the message is dropped",
			"Error: Number of resources in stack 'Prod/App-us-east-1': 615 is greater than allowed maximum of 500\n    at validateLimits (/tmp/jsii/lib/stack.js:1:1)\n    at Object.synth (/tmp/x.js:2:2)",
			"Number of resources in stack 'Prod/App-us-east-1': 615 is greater than allowed maximum of 500"},
		{"a message over several lines becomes one",
			"Validation failed with the following errors:\n  [Prod/Data] bad value\n    at Stack.validate (x.js:1:1)",
			"Validation failed with the following errors: [Prod/Data] bad value"},
		{"jsii's kernel frames are dropped too",
			"RuntimeError: something\n@jsii/kernel.RuntimeError: something",
			"RuntimeError: something"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, Message(errors.New(c.thrown)))
		})
	}
}

func TestCatchReturnsWhatWasThrown(t *testing.T) {
	err := Catch(func() { panic(errors.New("Error: refused\n    at x (y.js:1:1)")) })
	require.Error(t, err)
	assert.Equal(t, "refused", err.Error())
	assert.NoError(t, Catch(func() {}))
}

func TestCatchKeepsGoBugsPanicking(t *testing.T) {
	assert.Panics(t, func() {
		_ = Catch(func() {
			var m map[string]int
			m["x"] = 1 // a runtime error: a Stratus bug, not something aws-cdk-lib threw
		})
	})
}
