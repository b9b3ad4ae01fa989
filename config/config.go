// Package config turns the per-environment YAML files (config/<env>.yaml) into validated Go
// values with every default applied, so the rest of Stratus never sees a half-checked input.
//
// It deliberately knows nothing of CDK or jsii: a bad file must end in a plain, precise error
// message (file, key path, bad value, what is allowed), never in a panic from the CDK runtime.
//
// Loading happens in two passes. decode.go walks the YAML node tree strictly (unknown keys,
// wrong types and duplicate keys are errors, reported with their line), then validate.go checks
// the values and their relations (CIDR layout, regions, ports, names). Both passes keep going
// after a problem, so one run reports everything wrong with a file.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// NatMode selects how many NAT gateways a region's VPC gets: one per AZ survives the loss of an
// AZ; a single shared one is cheaper and is meant for dev.
type NatMode string

const (
	// NatPerAZ gives every AZ its own NAT gateway, so app subnets egress through their own AZ.
	NatPerAZ NatMode = "per-az"
	// NatSingle shares one NAT gateway between all AZs (cheaper, but one AZ's failure cuts egress).
	NatSingle NatMode = "single"
)

// natModes lists the accepted NatMode values in the order error messages show them.
var natModes = []NatMode{NatPerAZ, NatSingle}

// DatabasePort is the PostgreSQL port every Stratus database listens on. It is fixed (not
// configurable) because NACLs and security groups for the data tier are built around it, and it
// is exported so the cache port and other layers can avoid colliding with it.
const DatabasePort = 5432

// Defaults applied when a key is absent. They are the seed documents' values.
const (
	defaultServicePort          = 8080
	defaultCachePort            = 6379
	defaultFlowLogRetentionDays = 365
)

// DefaultInterfaceEndpoints are the interface VPC endpoints created when network.interfaceEndpoints
// is absent: what Fargate tasks need to pull images, log, read secrets and trace without a NAT.
// Treat it as read-only; Load copies it into each Environment.
var DefaultInterfaceEndpoints = []string{
	"ecr.api", "ecr.dkr", "logs", "secretsmanager", "kms", "sts", "ssm", "xray",
}

// SupportedInterfaceEndpoints are the names accepted in network.interfaceEndpoints (sorted). Each
// is a real AWS interface endpoint service com.amazonaws.<region>.<name>; the list is kept short
// on purpose so a typo is caught at load time instead of failing a deployment. s3 and dynamodb
// are absent on purpose: Stratus always creates them as (free) gateway endpoints.
var SupportedInterfaceEndpoints = []string{
	"application-autoscaling", "autoscaling", "cloudformation", "cloudtrail", "codebuild",
	"codedeploy", "codepipeline", "config", "ec2", "ec2messages", "ecr.api", "ecr.dkr", "ecs",
	"ecs-agent", "ecs-telemetry", "elasticache", "elasticfilesystem", "elasticloadbalancing",
	"events", "execute-api", "kinesis-firehose", "kinesis-streams", "kms", "lambda", "logs",
	"monitoring", "rds", "rds-data", "secretsmanager", "servicediscovery", "sns", "sqs", "ssm",
	"ssmmessages", "states", "sts", "xray",
}

// gatewayEndpoints are services Stratus always reaches through gateway endpoints; naming them as
// interface endpoints is a mistake that gets its own explanation.
var gatewayEndpoints = []string{"dynamodb", "s3"}

// flowLogRetentionValues are the only retention periods (days) CloudWatch Logs accepts.
var flowLogRetentionValues = []int{
	1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
}

// Environment is one validated config/<env>.yaml with defaults applied.
type Environment struct {
	// File is the path the environment was loaded from (not a YAML key), for messages.
	File string
	// Name (yaml "name") is the environment's name; it must equal the file's base name, so
	// `-c env=<name>` and the file on disk can never disagree.
	Name string
	// Account (yaml "account") is the 12-digit AWS account id the environment deploys to.
	Account string
	// PrimaryRegion (yaml "primaryRegion") hosts the writer databases; it is one of Regions.
	PrimaryRegion string
	// TerminationProtection (yaml "terminationProtection", default false) protects the stacks.
	TerminationProtection bool
	// Regions (yaml "regions", at least one) are the regions the environment runs in.
	Regions []Region
	// Network (yaml "network") holds VPC-wide options shared by all regions.
	Network Network
	// Services (yaml "services") are the Fargate services, in file order.
	Services []Service
	// Cache (yaml "cache") configures the Redis replication group.
	Cache Cache
	// Tags (yaml "tags") are extra tags for every resource; "project" and "environment" are set
	// by the app itself and so cannot be given here. Never nil.
	Tags map[string]string
}

// Region is one region's VPC layout. Subnets are always filled in after Load, derived or not.
type Region struct {
	// Name (yaml "name") is a supported region (see SupportedRegions).
	Name string
	// CIDR (yaml "cidr") is the VPC's IPv4 block in canonical form, /16 to /24.
	CIDR string
	// AvailabilityZones (yaml "availabilityZones", at least 2) are explicit so synth never needs
	// AWS credentials or context lookups, and never emits dummy AZs.
	AvailabilityZones []AvailabilityZone
}

// AvailabilityZone is one AZ of a region with its three tier subnets.
type AvailabilityZone struct {
	// Name (yaml "name") is the AZ name, e.g. us-east-1a.
	Name string
	// PublicSubnet (yaml "publicSubnet") holds the ALB and NAT gateway.
	PublicSubnet string
	// AppSubnet (yaml "appSubnet") holds the Fargate tasks; egress via the NAT.
	AppSubnet string
	// DataSubnet (yaml "dataSubnet") holds databases and caches; no route to the internet.
	DataSubnet string
}

// Network holds the VPC options that apply to every region of an environment.
type Network struct {
	// NatGateways (yaml "natGateways", default per-az) is the NAT layout.
	NatGateways NatMode
	// InterfaceEndpoints (yaml "interfaceEndpoints", default DefaultInterfaceEndpoints) are the
	// interface endpoints to create; empty (from an explicit []) means none. Never nil.
	InterfaceEndpoints []string
	// FlowLogRetentionDays (yaml "flowLogRetentionDays", default 365) is the flow-log retention.
	FlowLogRetentionDays int
}

// Service is one Fargate service.
type Service struct {
	// Name (yaml "name") names the service, its ECR repository, log group and Cloud Map entry.
	Name string
	// Port (yaml "port", default 8080) is the container port the ALB forwards to.
	Port int
}

// Cache configures the Redis replication group.
type Cache struct {
	// Port (yaml "port", default 6379) is the port Redis listens on.
	Port int
}

// Load reads and validates one file. Every problem found is returned together (errors.Join),
// one per line, each line starting with the file path as given, for example
//
//	config/prod.yaml:14: regions[0].cidrr: unknown key (allowed: name, cidr, availabilityZones)
//	config/prod.yaml: regions[1].cidr "10.1.0.0/16" overlaps regions[0].cidr "10.1.0.0/16"
//
// Problems in the YAML structure (unknown key, wrong type, duplicate key) carry the line number
// after the path; syntax errors say "near line N" (the YAML parser's lines are approximate);
// problems with values and relations name the key path only. On any problem the Environment is
// nil. A file that cannot be read yields an error that matches fs.ErrNotExist etc. via errors.Is.
func Load(path string) (*Environment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		cause := err
		if errors.As(err, &pe) {
			cause = pe.Err // the path is already the prefix of the message
		}
		return nil, &problem{file: path, msg: "cannot read: " + cause.Error(), err: err}
	}
	env, d := decode(path, data)
	if env != nil { // nil: the document was unusable (syntax error, empty, not a mapping)
		validate(env, d)
	}
	if len(d.problems) > 0 {
		return nil, d.err()
	}
	return env, nil
}

// LoadDir loads <dir>/<name>.yaml for each name; with no names, every *.yaml in dir
// (non-recursive), ordered dev, staging, prod first, then the rest alphabetically. The result
// follows the order of names when they are given. Problems across all files are collected into
// one error; on any problem the result is nil.
func LoadDir(dir string, names ...string) ([]*Environment, error) {
	var paths []string
	var errs []error
	if len(names) == 0 {
		found, err := envNames(dir)
		if err != nil {
			return nil, &problem{file: dir, msg: "cannot list environments: " + err.Error(), err: err}
		}
		if len(found) == 0 {
			return nil, &problem{file: dir, msg: "no environment files (*.yaml) found"}
		}
		for _, n := range found {
			paths = append(paths, filepath.Join(dir, n+".yaml"))
		}
	} else {
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				errs = append(errs, &problem{file: filepath.Join(dir, n+".yaml"), msg: fmt.Sprintf("environment %q requested twice", n)})
				continue
			}
			seen[n] = true
			paths = append(paths, filepath.Join(dir, n+".yaml"))
		}
	}

	var envs []*Environment
	for _, p := range paths {
		env, err := Load(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// Most likely a typo in -c env=<name>: say which environments do exist.
				if found, lerr := envNames(dir); lerr == nil && len(found) > 0 {
					err = &problem{file: p, msg: fmt.Sprintf("cannot read: no such environment file (environments in %s: %s)",
						dir, strings.Join(found, ", ")), err: err}
				}
			}
			errs = append(errs, err)
			continue
		}
		envs = append(envs, env)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return envs, nil
}

// envNames returns the base names of the *.yaml files directly in dir, in LoadDir order.
func envNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	rank := func(n string) int {
		switch n {
		case "dev":
			return 0
		case "staging":
			return 1
		case "prod":
			return 2
		}
		return 3
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return names, nil
}
