// Command stratus synthesizes the Stratus platform: one Stage per environment config, and the
// Stratus-Pipeline stack when the config folder holds delivery.yaml (docs/pipeline.md).
//
//	npx cdk synth                      every config/<env>.yaml
//	npx cdk synth -c env=prod          one environment (comma-separate several)
//	npx cdk synth -c configDir=path    configs from another folder
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
	"github.com/stratus-platform/stratus/stacks"
)

func main() {
	os.Exit(run())
}

// run returns the exit code, so the deferred jsii.Close still runs before os.Exit.
func run() int {
	// One Node process for the jsii kernel instead of two: a quarter less CPU per synth.
	jsiidirect.Enable()
	defer closeRuntime()
	// The config is loaded and checked before the jsii runtime starts, so bad input fails in
	// milliseconds: the user's to fix, one problem per line, no trace.
	envs, delivery, err := loadConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defaults := clicontext.AppDefaults()
	if err := stacks.Synthesize(&awscdk.AppProps{Context: &defaults}, envs, delivery); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// loadConfig loads the environments and the delivery file the CLI's context selects
// (stacks.LoadConfig).
func loadConfig() ([]*config.Environment, *config.Delivery, error) {
	ctx, err := clicontext.Read()
	if err != nil {
		return nil, nil, err
	}
	return stacks.LoadConfig(ctx)
}

// closeRuntime stops the jsii runtime. On shutdown jsii waits for its Node process twice and the
// loser prints "Runtime process exited abnormally: waitid: no child processes" (without a
// newline) from a goroutine; by then everything of use has been written, so stderr goes to
// /dev/null first.
func closeRuntime() {
	if devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0); err == nil {
		os.Stderr = devNull
	}
	jsii.Close()
}
