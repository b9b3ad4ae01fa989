// Command stratus synthesizes the Stratus platform: one Stage per environment config, and the
// Stratus-Pipeline stack when the config folder holds delivery.yaml (docs/pipeline.md).
//
//	npx cdk synth                      every config/<env>.yaml
//	npx cdk synth -c env=prod          one environment (comma-separate several)
//	npx cdk synth -c configDir=path    configs from another folder
//
// `stratus assemble <folder>=<output> …` (what make test runs) synthesizes several config folders
// in one process, each into a cloud assembly of its own, as `cdk synth -c configDir=<folder>
// --output <output>` in this directory would write it.
package main

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/jsiidirect"
	"github.com/stratus-platform/stratus/stacks"
)

func main() {
	if len(os.Args) > 1 {
		os.Exit(assemble(os.Args[1:]))
	}
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

// assembly is one config folder `stratus assemble` synthesizes, and where to.
type assembly struct {
	configDir, out string
	ctx            clicontext.Context
	envs           []*config.Environment
	delivery       *config.Delivery
}

// assemble runs `stratus assemble <folder>=<output> …`. One process instead of a `cdk synth`
// per folder: the CLI's Node start, the jsii runtime's start with aws-cdk-lib's modules and the
// built-in validator's start are paid once (docs/performance.md). The context is the one
// `cdk synth` gives the app (clicontext.Synth, which the tests hold to the pinned CLI's). The CLI
// fails on validation errors after the app has run; here aws-cdk-lib fails the synth itself, its
// default without the CLI. Every folder's config is loaded and checked before the jsii runtime
// starts; a folder whose synthesis fails does not stop the others. Exit status: 2 for bad
// arguments, 1 for a config or synth error.
func assemble(args []string) int {
	assemblies, err := parseAssemble(args)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	if err := loadAssemblies(assemblies); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// Under CDK_APP_MODE=process aws-cdk-lib would only set the Node process's exit code on a
	// validation error, which this process never sees; unset, it throws.
	os.Unsetenv("CDK_APP_MODE")
	jsiidirect.Enable()
	defer closeRuntime()
	status := 0
	for _, a := range assemblies {
		props := &awscdk.AppProps{Context: (*map[string]any)(&a.ctx), Outdir: jsii.String(a.out)}
		if err := stacks.Synthesize(props, a.envs, a.delivery); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", a.configDir, err)
			status = 1
		}
	}
	return status
}

const assembleUsage = "usage: stratus assemble <config folder>=<output folder> …"

// parseAssemble reads assemble's arguments, reporting every one that is not
// <config folder>=<output folder> and outputs named twice.
func parseAssemble(args []string) ([]*assembly, error) {
	switch {
	case args[0] != "assemble":
		return nil, fmt.Errorf("stratus takes no arguments but `assemble`, got %q\n%s", args, assembleUsage)
	case len(args) == 1:
		return nil, fmt.Errorf("assemble: name at least one config folder\n%s", assembleUsage)
	}
	var out []*assembly
	var problems []error
	seen := map[string]bool{} // outputs as absolute, clean paths: x, ./x and x/ are one folder
	for _, arg := range args[1:] {
		dir, output, ok := strings.Cut(arg, "=")
		abs, err := filepath.Abs(output)
		switch {
		case !ok || dir == "" || output == "" || err != nil:
			problems = append(problems, fmt.Errorf("assemble: %q is not <config folder>=<output folder>", arg))
		case seen[abs]:
			problems = append(problems, fmt.Errorf("assemble: output folder %s is named twice", output))
		default:
			seen[abs] = true
			out = append(out, &assembly{configDir: dir, out: output})
		}
	}
	if len(problems) > 0 {
		return nil, errors.Join(append(problems, errors.New(assembleUsage))...)
	}
	return out, nil
}

// loadAssemblies gives each assembly the context `cdk synth -c configDir=<folder>` would (with
// this directory's cdk.json) and loads its configs, reporting every folder's problems together.
func loadAssemblies(assemblies []*assembly) error {
	base, err := clicontext.Synth(".")
	if err != nil {
		return fmt.Errorf("assemble: %w", err)
	}
	var problems []error
	for _, a := range assemblies {
		a.ctx = maps.Clone(base)
		a.ctx["configDir"] = a.configDir
		if a.envs, a.delivery, err = stacks.LoadConfig(a.ctx); err != nil {
			problems = append(problems, err)
		}
	}
	return errors.Join(problems...)
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
