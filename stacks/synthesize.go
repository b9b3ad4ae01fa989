package stacks

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/assembly"
	"github.com/stratus-platform/stratus/internal/clicontext"
	"github.com/stratus-platform/stratus/internal/thrown"
)

// LoadConfig loads the environments the context selects, configDir (default config) and env
// (comma-separated names; default every file in the folder), and the folder's delivery file (nil
// when there is none).
func LoadConfig(ctx clicontext.Context) ([]*config.Environment, *config.Delivery, error) {
	var names []string
	if env := ctx.String("env", ""); env != "" {
		names = strings.Split(env, ",")
	}
	dir := ctx.String("configDir", "config")
	envs, envErr := config.LoadDir(dir, names...)
	delivery, deliveryErr := config.LoadDelivery(dir)
	if err := errors.Join(envErr, deliveryErr); err != nil {
		return nil, nil, err
	}
	return envs, delivery, nil
}

// Synthesize makes an app with props, builds envs (and delivery's pipeline) into it and
// synthesizes it: the whole of a `cdk synth` but loading the config. Whatever aws-cdk-lib throws
// while building or synthesizing (a stack over a CloudFormation limit, a construct refusing its
// props) comes back as one error, "synth failed: …", not a stack trace; so does a config Build
// refuses, as Build words it, and a template over CloudFormation's size limit, which aws-cdk-lib
// only warns about. An error over a limit names the files and keys that fill the stack.
func Synthesize(props *awscdk.AppProps, envs []*config.Environment, delivery *config.Delivery) error {
	var bad error
	var dir string
	if err := thrown.Catch(func() {
		app := awscdk.NewApp(props)
		if _, bad = Build(app, envs, delivery); bad == nil {
			dir = *app.Synth(nil).Directory()
		}
	}); err != nil {
		return fmt.Errorf("synth failed: %w", withFillers(err, envs, delivery))
	}
	if bad != nil {
		return bad
	}
	if err := assembly.OversizedTemplates(dir); err != nil {
		return fmt.Errorf("synth failed: %w", withFillers(err, envs, delivery))
	}
	return nil
}

// fillers says which config keys fill an environment's stack of each kind beyond what one
// service adds.
var fillers = map[string]string{
	"Network":     "services[] (a security group and its rules each)",
	"App":         "services[] (target groups, listener rules and alarms each)",
	"Integration": "queues[] and topics[]",
}

// withFillers adds to err, for each stack over a CloudFormation limit it names (aws-cdk-lib's
// "Number of resources in stack 'Dev/Network-us-east-1'", the size check's "stack
// Dev-Network-us-east-1:"), the file and the keys whose entries fill it; err as it is when it
// names none.
func withFillers(err error, envs []*config.Environment, delivery *config.Delivery) error {
	msg := err.Error()
	// names reports whether msg names a stack by its construct path (aws-cdk-lib's "in stack
	// 'Dev/Network-us-east-1'") or by its name (the size check's "stack Dev-Network-us-east-1:"),
	// each a prefix of what msg writes.
	names := func(path, name string) bool {
		return strings.Contains(msg, "in stack '"+path) || strings.Contains(msg, "stack "+name)
	}
	var hints []string
	for _, env := range envs {
		for _, kind := range slices.Sorted(maps.Keys(fillers)) {
			if stage := StageID(env.Name); names(stage+"/"+kind+"-", stage+"-"+kind+"-") {
				hints = append(hints, fmt.Sprintf("%s: %s fill its %s stacks: declare fewer", env.File, fillers[kind], kind))
			}
		}
	}
	// A release pipeline's own stack grows only with its commands and the environments and
	// regions it deploys (the shared stack not at all).
	if delivery != nil {
		for _, name := range delivery.ReleasedServices() {
			stack := ReleaseServiceStackName(name)
			if names(stack+"'", stack+":") {
				hints = append(hints, fmt.Sprintf("%s: releases[%q]: its commands and the environments it deploys fill its %s stack: shorten the commands", delivery.File, name, stack))
			}
		}
	}
	if len(hints) == 0 {
		return err
	}
	return fmt.Errorf("%w\n%s", err, strings.Join(hints, "\n"))
}
