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
	"runtime"
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
func run() (code int) {
	defer closeRuntime()
	defer func() {
		// aws-cdk-lib reports what it refuses during synth (a stack over a CloudFormation limit, a
		// construct rejecting its props) by throwing; jsii turns that into a Go panic carrying a
		// JavaScript stack trace. The user needs the message, not the trace. A Go runtime error
		// is a bug in Stratus itself and keeps its trace.
		r := recover()
		if r == nil {
			return
		}
		if _, bug := r.(runtime.Error); bug {
			panic(r)
		}
		fmt.Fprintln(os.Stderr, "synth failed:", synthMessage(r))
		code = 1
	}()
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

// synthMessage is what aws-cdk-lib threw, without the JavaScript stack trace jsii appends and
// without jsii's own wrapping.
func synthMessage(thrown any) string {
	var lines []string
	for _, line := range strings.Split(fmt.Sprint(thrown), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "at ") || strings.HasPrefix(trimmed, "@jsii/kernel") {
			break
		}
		if trimmed != "" {
			lines = append(lines, trimmed)
		}
	}
	return strings.TrimPrefix(strings.Join(lines, " "), "Error: ")
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
