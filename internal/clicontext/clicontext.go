// Package clicontext reads the context the CDK CLI hands an app (cdk.json's context and every
// `-c key=value`) straight from the process environment, without the jsii runtime, and composes
// the same context from the project's files for a synthesis without the CLI (Synth).
//
// The app reads its configDir and env keys this way so that it can load and validate the config
// before it starts the runtime: a bad file then fails in milliseconds rather than after a Node
// process has loaded aws-cdk-lib. aws-cdk-lib's App reads the same two sources.
package clicontext

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
)

const (
	// Env is the variable holding the context as a JSON object.
	Env = "CDK_CONTEXT_JSON"
	// OverflowEnv names a JSON file with the keys that did not fit into Env (the CLI splits the
	// context when the environment would pass the operating system's size limit).
	OverflowEnv = "CONTEXT_OVERFLOW_LOCATION_ENV"
)

// Context is the CLI's context: the keys of Env and of the overflow file.
type Context map[string]any

// Read returns the context of this process's environment; it is empty when the app was not
// started by the CLI and no variable is set.
func Read() (Context, error) {
	ctx := Context{}
	if raw := os.Getenv(Env); raw != "" {
		if err := json.Unmarshal([]byte(raw), &ctx); err != nil {
			return nil, fmt.Errorf("%s: not a JSON object: %w", Env, err)
		}
	}
	if file := os.Getenv(OverflowEnv); file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", OverflowEnv, err)
		}
		overflow := Context{}
		if err := json.Unmarshal(data, &overflow); err != nil {
			return nil, fmt.Errorf("%s (%s): not a JSON object: %w", OverflowEnv, file, err)
		}
		maps.Copy(ctx, overflow)
	}
	return ctx, nil
}

// String is the key's value when it is a non-empty string, else fallback.
func (c Context) String(key, fallback string) string {
	if v, ok := c[key].(string); ok && v != "" {
		return v
	}
	return fallback
}

// AppDefaults is the context the app sets itself (awscdk.AppProps.Context; the CLI's context
// wins over it). Creation stack traces are off: each resource's would point into the jsii
// runtime's JavaScript, never at the Go code that made it, and capturing them costs synth time.
// The key is one the CLI reserves, so it cannot live in cdk.json (the CLI warns on every run).
func AppDefaults() map[string]any {
	return map[string]any{"aws:cdk:disable-creation-stack-traces": true}
}

// CLIAdditions returns what `cdk synth` adds to the context: construct paths and asset paths in
// the resources' metadata, and version reporting (the CDKMetadata resource, by which cfn-lint
// recognises a CDK template). The built-in validator, for one, reports warnings without them that
// it does not report under the CLI. (The CLI also names which stacks bundle assets, none here,
// and turns off failing the synth on validation errors, reading the report itself instead.)
func CLIAdditions() map[string]any {
	return map[string]any{"aws:cdk:enable-path-metadata": true, "aws:cdk:enable-asset-metadata": true, "aws:cdk:version-reporting": true}
}

// Project returns the context `cdk synth` run in dir gives the app before any -c and the CLI's
// additions: the app's own defaults (AppDefaults), then the context of ~/.cdk.json, of dir's
// cdk.json and of dir's cdk.context.json, each over the one before, as the CLI ranks them. Only
// cdk.json must exist.
func Project(dir string) (Context, error) {
	type source struct {
		file, key string // key "": the whole file is context
		optional  bool
	}
	var sources []source
	if home, err := os.UserHomeDir(); err == nil {
		sources = append(sources, source{filepath.Join(home, ".cdk.json"), "context", true})
	}
	sources = append(sources,
		source{filepath.Join(dir, "cdk.json"), "context", false},
		source{filepath.Join(dir, "cdk.context.json"), "", true}, // the CLI's cache of lookups
	)
	ctx := Context(AppDefaults())
	for _, src := range sources {
		data, err := os.ReadFile(src.file)
		if src.optional && os.IsNotExist(err) {
			continue
		} else if err != nil {
			return nil, err
		}
		doc := Context{}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("%s: not a JSON object: %w", src.file, err)
		}
		if src.key != "" {
			nested, ok := doc[src.key].(map[string]any)
			if !ok && doc[src.key] != nil {
				return nil, fmt.Errorf("%s: %q is not a JSON object", src.file, src.key)
			}
			doc = nested
		}
		maps.Copy(ctx, doc)
	}
	return ctx, nil
}

// Synth returns the context the app synthesizes with under `cdk synth` run in dir without -c:
// Project and CLIAdditions.
func Synth(dir string) (Context, error) {
	ctx, err := Project(dir)
	if err != nil {
		return nil, err
	}
	maps.Copy(ctx, CLIAdditions())
	return ctx, nil
}
