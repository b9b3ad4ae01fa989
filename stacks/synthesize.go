package stacks

import (
	"errors"
	"fmt"
	"regexp"
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
// refuses, as Build words it.
func Synthesize(props *awscdk.AppProps, envs []*config.Environment, delivery *config.Delivery) error {
	var bad error
	var dir string
	if err := thrown.Catch(func() {
		app := awscdk.NewApp(props)
		if _, bad = Build(app, envs, delivery); bad == nil {
			dir = *app.Synth(nil).Directory()
		}
	}); err != nil {
		return fmt.Errorf("synth failed: %w", withLimitHint(err, envs))
	}
	if bad != nil {
		return bad
	}
	// aws-cdk-lib only warns about a template CloudFormation would refuse.
	if err := assembly.OversizedTemplates(dir); err != nil {
		return fmt.Errorf("synth failed: %w", withFillers(err, envs))
	}
	return nil
}

// withFillers adds to err, for each stack of an environment of envs it names ("stack
// Prod-Network-us-east-1: …"), the environment's file and the keys that fill a stack of that kind.
func withFillers(err error, envs []*config.Environment) error {
	var hints []string
	for _, env := range envs {
		for kind, keys := range fillers {
			if strings.Contains(err.Error(), "stack "+StageID(env.Name)+"-"+kind+"-") {
				hints = append(hints, fmt.Sprintf("%s: %s fill its %s stacks: declare fewer", env.File, keys, kind))
			}
		}
	}
	if len(hints) == 0 {
		return err
	}
	slices.Sort(hints)
	return fmt.Errorf("%w\n%s", err, strings.Join(hints, "\n"))
}

// tooManyResources finds the stack of aws-cdk-lib's error for a stack over CloudFormation's
// resource limit: "… in stack 'Dev/Network-us-east-1': 521 is greater than …".
var tooManyResources = regexp.MustCompile(`Number of resources in stack '(?:([^/']+)/)?([^']+)': [0-9]+ is greater than allowed maximum`)

// fillers says which config keys fill a stack of each kind beyond what one service adds.
var fillers = map[string]string{
	"Network":     "services[] (a security group and its rules each) and services[].calls (two rules a path)",
	"App":         "services[] (target groups, listener rules and alarms each)",
	"Integration": "queues[] and topics[]",
}

// withLimitHint adds to an error over CloudFormation's resource limit the file and keys whose
// entries fill that stack, when the stack is one of an environment of envs.
func withLimitHint(err error, envs []*config.Environment) error {
	m := tooManyResources.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	kind, _, _ := strings.Cut(m[2], "-")
	for _, env := range envs {
		if StageID(env.Name) == m[1] && fillers[kind] != "" {
			return fmt.Errorf("%w\n%s: %s fill that stack: declare fewer", err, env.File, fillers[kind])
		}
	}
	return err
}
