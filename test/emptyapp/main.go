// Command emptyapp is the floor `make bench` measures the app against: one stack with one
// resource, built from this module (so with the app's aws-cdk-go, constructs and jsii versions)
// and run with cdk.json's context, as the app is. What it costs is the jsii runtime and
// aws-cdk-lib starting and writing a cloud assembly, which no app can avoid.
package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/jsiidirect"
)

func main() {
	jsiidirect.Enable() // as the app does
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Empty"), nil)
	awscdk.NewCfnWaitConditionHandle(stack, jsii.String("Nothing"), nil)
	app.Synth(nil)
}
