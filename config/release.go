package config

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Release (delivery.yaml releases.<service>) is how one service's release pipeline builds,
// gates and promotes its image. It lives beside the platform pipeline's settings, not in the
// environment files: one pipeline carries one image through every environment, so its settings
// are given once.
type Release struct {
	// Source (yaml "source") is the service's own repository, read through the delivery
	// connection (source.connectionArn).
	Source ReleaseSource `yaml:"source" jsonschema:"required"`
	// Test (yaml "test", default none) are the commands that test the code before the image is
	// built; any failure stops the release.
	Test []string `yaml:"test"`
	// SecurityScan (yaml "securityScan", default none) are the commands that scan the source
	// (dependencies, secrets, static analysis) before the image is built.
	SecurityScan []string `yaml:"securityScan"`
	// FailOn (yaml "failOn", default HIGH) is the ECR scan severity at and above which the scan
	// gate stops the release: CRITICAL, HIGH, MEDIUM or LOW.
	FailOn string `yaml:"failOn"`
	// IntegrationTest (yaml "integrationTest", default none) run after each environment but the
	// last deployed the image, with ENTRY_URL set to that environment's public entry.
	IntegrationTest []string `yaml:"integrationTest"`
}

// ReleaseSource is where a release starts: a service repository (the connection is the
// delivery file's), or an image pushed to the tooling account.
type ReleaseSource struct {
	// Type (yaml "type", default repository) is repository (build the repository on every commit)
	// or ecr-push (release every image pushed with the tag "release" to the tooling account's ECR
	// repository release/<service>, which the service's Release stack creates).
	Type string `yaml:"type"`
	// Repository (yaml "repository", type repository only) is owner/name.
	Repository string `yaml:"repository"`
	// Branch (yaml "branch", default main) is the branch whose every commit is released.
	Branch string `yaml:"branch"`
}

// ReleasedServices returns the names of the services with a release pipeline, sorted.
func (d *Delivery) ReleasedServices() []string {
	names := make([]string, 0, len(d.Releases))
	for name := range d.Releases {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// Attach records on each of envs that d releases into it (Environment.Released): the
// environments d deploys, when d has releases. d may be nil: nothing is released anywhere.
func (d *Delivery) Attach(envs []*Environment) {
	for _, env := range envs {
		env.Released = nil
		if d != nil && len(d.Releases) > 0 && slices.Contains(d.Environments, env.Name) {
			env.Released = &Released{ToolingAccount: d.Account, Services: d.ReleasedServices()}
		}
	}
}

// releasePath is the key path of service's release, as the decoder records it.
func releasePath(service string) string { return fmt.Sprintf("releases[%q]", service) }

// releaseDefaults fills the defaults of every release the file gives.
func releaseDefaults(d *Delivery, dec *decoder) {
	for name, r := range d.Releases {
		path := releasePath(name)
		if !dec.has(path + ".source.type") {
			r.Source.Type = limits.SourceRepository
		}
		if !dec.has(path+".source.branch") && r.Source.Type == limits.SourceRepository {
			r.Source.Branch = limits.DefaultBranch
		}
		if !dec.has(path + ".failOn") {
			r.FailOn = limits.DefaultScanFailOn
		}
		d.Releases[name] = r
	}
}

// validateReleases checks every release's values. Whether each names a service of every
// environment the pipeline deploys, pulling its own repository, is CheckReleases' question.
func validateReleases(d *Delivery, dec *decoder) {
	bad := func(path, format string, args ...any) {
		if !dec.bad[path] {
			dec.errAt(dec.lineOf(path), "%s: %s", path, fmt.Sprintf(format, args...))
		}
	}
	for _, name := range d.ReleasedServices() {
		r, path := d.Releases[name], releasePath(name)
		if !limits.ValidServiceName(name) {
			bad(path, "%q is not a service name (allowed: %s)", name, limits.ServiceNameRule)
		}
		switch {
		case !slices.Contains(limits.SourceTypes, r.Source.Type):
			bad(path+".source.type", "%q is not a source type (allowed: %s)", r.Source.Type, strings.Join(limits.SourceTypes, ", "))
		case r.Source.Type == limits.SourceEcrPush:
			// The image arrives built: no repository to read, no commands to run on it.
			for _, k := range []struct {
				key   string
				given bool
			}{{"source.repository", r.Source.Repository != ""}, {"source.branch", r.Source.Branch != ""}, {"test", len(r.Test) > 0}, {"securityScan", len(r.SecurityScan) > 0}} {
				if k.given {
					bad(path+"."+k.key, "not allowed with source.type %s (the image arrives built; allowed with source.type %s)", limits.SourceEcrPush, limits.SourceRepository)
				}
			}
		case r.Source.Repository == "" && !dec.bad[path+".source.repository"]:
			bad(path+".source.repository", "missing (%s)", limits.RepositoryRule)
		case r.Source.Repository != "" && !limits.RepositoryRE.MatchString(r.Source.Repository):
			bad(path+".source.repository", "%q is not a repository (allowed: %s)", r.Source.Repository, limits.RepositoryRule)
		}
		if r.Source.Type == limits.SourceRepository && !limits.ValidBranch(r.Source.Branch) {
			bad(path+".source.branch", "%q is not a branch name (allowed: %s)", r.Source.Branch, limits.BranchRule)
		}
		if !slices.Contains(limits.ScanSeverities, r.FailOn) {
			bad(path+".failOn", "%q is not a scan severity (allowed: %s)", r.FailOn, strings.Join(limits.ScanSeverities, ", "))
		}
		for key, list := range map[string][]string{"test": r.Test, "securityScan": r.SecurityScan, "integrationTest": r.IntegrationTest} {
			if len(list) > limits.MaxReleaseCommands {
				bad(path+"."+key, "%d commands; at most %d", len(list), limits.MaxReleaseCommands)
			}
			for i, c := range list {
				if strings.TrimSpace(c) == "" {
					bad(fmt.Sprintf("%s.%s[%d]", path, key, i), "is empty (allowed: a shell command)")
				}
			}
		}
	}
}

// CheckReleases reports every release of d whose service is missing from an environment the
// pipeline deploys, or there runs a full image reference instead of its own repository's image:
// the pipeline pushes to that repository and points the service at it.
func CheckReleases(d *Delivery, envs []*Environment) error {
	if d == nil {
		return nil
	}
	byName := map[string]*Environment{}
	for _, e := range envs {
		byName[e.Name] = e
	}
	dec := &decoder{file: d.File}
	for i, envName := range d.Environments {
		stage := naming.Pascal(envName)
		if len(d.Releases) > 0 && limits.IsReleaseStage(stage) {
			file := "the environment's file"
			if env := byName[envName]; env != nil {
				file = env.File
			}
			dec.errAt(0, "environments[%d] %q: would be stage %s of every release pipeline, which they have already (%s): rename the environment (name in %s)",
				i, envName, stage, strings.Join(limits.ReleaseStages, ", "), file)
		}
	}
	for _, name := range d.ReleasedServices() {
		for _, envName := range d.Environments {
			env := byName[envName]
			if env == nil {
				continue // a -c env selection; the full synth checks it
			}
			i := slices.IndexFunc(env.Services, func(s Service) bool { return s.Name == name })
			switch {
			case env.RunsTiers() || i < 0:
				dec.errAt(0, "%s: %s has no service %q (a release deploys to every environment of environments: add the service there, "+
					"or remove %s from %s)", releasePath(name), env.File, name, releasePath(name), filepath.Base(d.File))
			case !env.Services[i].PullsOwnRepository():
				dec.errAt(0, "%s: %s: services %s: image %q is a full reference; a released service runs its own repository's images (give a tag such as \"1.0.0\")",
					releasePath(name), env.File, name, env.Services[i].Image)
			}
		}
	}
	return dec.err()
}
