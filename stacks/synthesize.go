package stacks

import (
	"errors"
	"fmt"
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
		return fmt.Errorf("synth failed: %w", err)
	}
	if bad != nil {
		return bad
	}
	// aws-cdk-lib only warns about a template CloudFormation would refuse.
	if err := assembly.OversizedTemplates(dir); err != nil {
		return fmt.Errorf("synth failed: %w", err)
	}
	return nil
}
