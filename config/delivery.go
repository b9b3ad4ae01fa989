package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stratus-platform/stratus/internal/limits"
)

// DeliveryFile is the base name of the delivery configuration in a config folder. LoadDir does
// not treat it as an environment.
const DeliveryFile = "delivery.yaml"

// Delivery is a validated config/delivery.yaml: where the platform pipeline lives, what it
// builds from and the order it promotes a change through the environments.
type Delivery struct {
	// File is the path the delivery configuration was loaded from (not a YAML key).
	File string
	// Account (yaml "account") is the 12-digit tooling account the pipeline lives in.
	Account string `yaml:"account" jsonschema:"required"`
	// Region (yaml "region") is the supported region the pipeline lives in.
	Region string `yaml:"region" jsonschema:"required"`
	// Source (yaml "source") is the repository the pipeline builds.
	Source Source `yaml:"source" jsonschema:"required"`
	// Environments (yaml "environments", default [dev, staging, prod]) are the environment files
	// the pipeline deploys, in promotion order.
	Environments []string `yaml:"environments"`
	// Approvals (yaml "approvals", default [prod]) are the environments a person approves before
	// they deploy; each is one of Environments.
	Approvals []string `yaml:"approvals"`
	// Notify (yaml "notify", 1-10) are the e-mail addresses told of approvals and failures.
	Notify []string `yaml:"notify" jsonschema:"required"`
	// Releases (yaml "releases", default none) are the services with a release pipeline, by name.
	Releases map[string]Release `yaml:"releases"`
}

// Source is a repository reached through an AWS CodeConnections connection. Release pipelines
// (per service) use the same shape.
type Source struct {
	// ConnectionArn (yaml "connectionArn") is the connection's ARN (limits.ConnectionArnRule).
	ConnectionArn string `yaml:"connectionArn" jsonschema:"required"`
	// Repository (yaml "repository") is owner/name.
	Repository string `yaml:"repository" jsonschema:"required"`
	// Branch (yaml "branch", default main) is the branch whose every commit runs the pipeline.
	Branch string `yaml:"branch"`
}

// NeedsApproval reports whether env is deployed only after a manual approval.
func (d *Delivery) NeedsApproval(env string) bool { return slices.Contains(d.Approvals, env) }

// LoadDelivery loads <dir>/delivery.yaml. A folder without one has no pipeline: nil, nil.
// Every environment it names must have its file in dir.
func LoadDelivery(dir string) (*Delivery, error) {
	path := filepath.Join(dir, DeliveryFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &problem{file: path, msg: "cannot read: " + err.Error(), err: err}
	}
	names, _ := envNames(dir)
	d, dec := decodeDelivery(path, data)
	if d != nil {
		validateDelivery(d, dec, names)
	}
	if err := dec.err(); err != nil {
		return nil, err
	}
	return d, nil
}

const emptyDeliveryMsg = "empty file: expected a mapping with the keys account, region, source, notify (required) and environments, approvals"

// decodeDelivery decodes data strictly (the environment files' rules: unknown keys, wrong
// types and repeated keys are errors with their line) and applies the defaults.
func decodeDelivery(file string, data []byte) (*Delivery, *decoder) {
	dec := &decoder{file: file, lines: map[string]int{}, bad: map[string]bool{}, unquoted: map[string]int{}}
	var doc, second yaml.Node
	y := yaml.NewDecoder(bytes.NewReader(data))
	if err := y.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			dec.errAt(0, emptyDeliveryMsg)
		} else {
			dec.syntax(err, data)
		}
		return nil, dec
	}
	if err := y.Decode(&second); err == nil {
		dec.errAt(second.Line, "a second YAML document starts here: the delivery file holds exactly one mapping")
	}
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.ShortTag() == "!!null" {
		dec.errAt(0, emptyDeliveryMsg)
		return nil, dec
	}
	if root.Kind != yaml.MappingNode {
		dec.wrongType("", root, "a mapping", "")
		return nil, dec
	}
	dec.check("", root, reflect.TypeFor[Delivery]())
	delete(dec.lines, "")
	// check blanked what it reported; decode the rest into the defaults.
	d := &Delivery{File: file}
	if err := root.Decode(d); err != nil && len(dec.problems) == 0 {
		dec.errAt(0, "%s", err)
	}
	d.File = file
	if !dec.has("environments") {
		d.Environments = []string{"dev", "staging", "prod"}
	}
	if !dec.has("approvals") {
		d.Approvals = []string{"prod"}
	}
	if !dec.has("source.branch") {
		d.Source.Branch = limits.DefaultBranch
	}
	releaseDefaults(d, dec)
	return d, dec
}

// validateDelivery checks the values; names are the environment files of the folder.
func validateDelivery(d *Delivery, dec *decoder, names []string) {
	bad := func(path, format string, args ...any) {
		if !dec.bad[path] {
			dec.errAt(dec.lineOf(path), "%s: %s", path, fmt.Sprintf(format, args...))
		}
	}
	required := func(path, value, what string) bool {
		if value == "" && !dec.bad[path] {
			if dec.has(path) {
				bad(path, "must not be empty (%s)", what)
			} else {
				bad(path, "missing (%s)", what)
			}
			return false
		}
		return value != ""
	}
	if required("account", d.Account, "the 12-digit tooling account the pipeline lives in") && !accountRE.MatchString(d.Account) {
		bad("account", "%q must be exactly 12 digits (the AWS account id, quoted)", d.Account)
	}
	if required("region", d.Region, "the region the pipeline lives in") && !slices.Contains(SupportedRegions(), d.Region) {
		bad("region", "%q is not a supported region (allowed: %s)", d.Region, strings.Join(SupportedRegions(), ", "))
	}
	if required("source.connectionArn", d.Source.ConnectionArn, "the CodeConnections connection") && !limits.ConnectionArnRE.MatchString(d.Source.ConnectionArn) {
		bad("source.connectionArn", "%q is not a connection ARN (allowed: %s)", d.Source.ConnectionArn, limits.ConnectionArnRule)
	}
	if required("source.repository", d.Source.Repository, limits.RepositoryRule) && !limits.RepositoryRE.MatchString(d.Source.Repository) {
		bad("source.repository", "%q is not a repository (allowed: %s)", d.Source.Repository, limits.RepositoryRule)
	}
	if required("source.branch", d.Source.Branch, "the branch the pipeline follows") && !limits.ValidBranch(d.Source.Branch) {
		bad("source.branch", "%q is not a branch name (allowed: %s)", d.Source.Branch, limits.BranchRule)
	}

	if len(d.Environments) == 0 && !dec.bad["environments"] {
		bad("environments", "must list at least one environment (allowed: %s)", strings.Join(names, ", "))
	}
	distinct(dec, "environments", d.Environments, func(path, env string) {
		if !slices.Contains(names, env) {
			bad(path, "%q has no environment file in the folder (allowed: %s)", env, strings.Join(names, ", "))
		}
	})
	distinct(dec, "approvals", d.Approvals, func(path, env string) {
		// With no usable environments list, that list's problem is the one to fix.
		if len(d.Environments) > 0 && !slices.Contains(d.Environments, env) {
			bad(path, "%q is not one of environments (allowed: %s)", env, strings.Join(d.Environments, ", "))
		}
	})
	if (len(d.Notify) == 0 || len(d.Notify) > limits.MaxNotify) && !dec.bad["notify"] {
		bad("notify", "must list 1-%d e-mail addresses, got %d (approvals and failures are sent there)", limits.MaxNotify, len(d.Notify))
	}
	distinct(dec, "notify", d.Notify, func(path, addr string) {
		if !limits.EmailRE.MatchString(addr) {
			bad(path, "%q is not an e-mail address (allowed: %s)", addr, limits.EmailRule)
		}
	})
	validateReleases(d, dec)
}

// distinct reports an entry of list given twice and runs check on the others.
func distinct(dec *decoder, key string, list []string, check func(path, value string)) {
	for i, v := range list {
		path := fmt.Sprintf("%s[%d]", key, i)
		if dec.bad[path] {
			continue
		}
		if j := slices.Index(list, v); j < i {
			dec.errAt(dec.lineOf(path), "%s: %q is also %s[%d] (each may appear once)", path, v, key, j)
			continue
		}
		check(path, v)
	}
}
