package test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/thrown"
)

// What aws-cdk-lib throws reaches the user the way app.go prints it: one line naming the stack,
// no JavaScript stack trace, no Go panic. Config catches every input problem it knows of first, so
// these throw on purpose from a bare app.
func TestWhatAwsCdkLibThrowsIsOneLine(t *testing.T) {
	cases := []struct {
		name  string
		build func()
		want  string
	}{
		{"a stack over CloudFormation's 500-resource limit, at synth", func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := awscdk.NewStack(app, jsii.String("Crowded"), nil)
			for i := range 501 {
				awscdk.NewCfnWaitConditionHandle(stack, jsii.String(fmt.Sprintf("Handle%d", i)), nil)
			}
			app.Synth(nil)
		}, "Number of resources in stack 'Crowded': 501 is greater than allowed maximum of 500"},
		{"two constructs with one id, while building", func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			awscdk.NewStack(app, jsii.String("Twice"), nil)
			awscdk.NewStack(app, jsii.String("Twice"), nil)
		}, "There is already a Construct with name 'Twice'"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := thrown.Catch(c.build)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			for _, trace := range []string{" at ", ".js:", "goroutine", "@jsii"} {
				assert.NotContains(t, err.Error(), trace, "no stack trace")
			}
		})
	}
}
