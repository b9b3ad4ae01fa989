// Command stratus synthesizes the Stratus platform: one Stage per environment config, and the
// Stratus-Pipeline stack when the config folder holds delivery.yaml (docs/pipeline.md).
//
//	npx cdk synth                      every config/<env>.yaml
//	npx cdk synth -c env=prod          one environment (comma-separate several)
//	npx cdk synth -c configDir=path    configs from another folder
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/thrown"
	"github.com/stratus-platform/stratus/stacks"
)

func main() {
	os.Exit(run())
}

// run returns the exit code, so the deferred jsii.Close still runs before os.Exit.
func run() int {
	defer closeRuntime()
	var bad error
	// Whatever aws-cdk-lib throws while building or synthesizing (a stack over a CloudFormation
	// limit, a construct refusing its props) reaches the user as one line, not a stack trace.
	if err := thrown.Catch(func() {
		app := awscdk.NewApp(nil)
		dir := contextString(app, "configDir", "config")
		var names []string
		if env := contextString(app, "env", ""); env != "" {
			names = strings.Split(env, ",")
		}
		if bad = build(app, dir, names); bad == nil {
			app.Synth(nil)
		}
	}); err != nil {
		fmt.Fprintln(os.Stderr, "synth failed:", err)
		return 1
	}
	if bad != nil {
		// Bad input is the user's to fix: print what is wrong, one problem per line, no trace.
		fmt.Fprintln(os.Stderr, bad)
		return 1
	}
	return 0
}

// build loads the selected environment configs and adds their stages and the compliance packs.
func build(app awscdk.App, dir string, names []string) error {
	envs, envErr := config.LoadDir(dir, names...)
	delivery, deliveryErr := config.LoadDelivery(dir)
	if err := errors.Join(envErr, deliveryErr); err != nil {
		return err
	}
	var errs []error
	byName := map[string]*stacks.EnvironmentStage{}
	for _, env := range envs {
		stage, err := stacks.NewEnvironmentStage(app, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Aspects do not cross Stage boundaries, so each stage gets the packs itself (and before
		// the pipeline adds it: adding a stage synthesizes it).
		stacks.ApplyCompliance(stage.Stage)
		byName[env.Name] = stage
	}
	if err := errors.Join(errs...); err != nil || delivery == nil {
		return err
	}
	_, err := stacks.AddPipeline(app, delivery, byName)
	return err
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

func contextString(app awscdk.App, key, fallback string) string {
	if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
		return v
	}
	return fallback
}
