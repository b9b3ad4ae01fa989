// Command stratus synthesizes the Stratus platform: one Stage per environment config.
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
	"github.com/stratus-platform/stratus/stacks"
)

func main() {
	os.Exit(run())
}

// run returns the exit code, so the deferred jsii.Close still runs before os.Exit.
func run() int {
	defer jsii.Close()
	app := awscdk.NewApp(nil)

	dir := contextString(app, "configDir", "config")
	var names []string
	if env := contextString(app, "env", ""); env != "" {
		names = strings.Split(env, ",")
	}
	if err := build(app, dir, names); err != nil {
		// Bad input is the user's to fix: print what is wrong, one problem per line, no trace.
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	app.Synth(nil)
	return 0
}

// build loads the selected environment configs and adds their stages and the compliance packs.
func build(app awscdk.App, dir string, names []string) error {
	envs, err := config.LoadDir(dir, names...)
	if err != nil {
		return err
	}
	var errs []error
	for _, env := range envs {
		stage, err := stacks.NewEnvironmentStage(app, env)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		// Aspects do not cross Stage boundaries, so each stage gets the packs itself.
		stacks.ApplyCompliance(stage.Stage)
	}
	return errors.Join(errs...)
}

func contextString(app awscdk.App, key, fallback string) string {
	if v, ok := app.Node().TryGetContext(jsii.String(key)).(string); ok && v != "" {
		return v
	}
	return fallback
}
