// Package registry provides Repository, the ECR repository L3 of Stratus (one per service: scan on
// push, immutable tags, a customer KMS key, lifecycle rules, retained), Replication, the
// registry's cross-region replication of an environment's repositories, PushRole, the role one
// release build in another account assumes to push to one repository, and ReadRole, the role the
// release's scan gate and replication wait assume to read what ECR knows of the released images.
package registry

import (
	"errors"
	"fmt"
	"regexp"

	ecr "github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"

	"github.com/stratus-platform/stratus/internal/limits"
)

// RepositoryProps configures a Repository.
type RepositoryProps struct {
	// Name is the repository name, e.g. "prod/product": lowercase path segments of letters and
	// digits joined by single '.', '_' or '-', separated by '/', 2 to 256 characters.
	Name string

	// KeepTaggedImages is how many tagged images the lifecycle policy keeps (the newest); older
	// tagged images expire, except an image with a live tag (LiveTag), which never does.
	// Untagged images always expire 7 days after they are pushed.
	// Default: 50.
	KeepTaggedImages int
	// Key encrypts the images.
	// Default: a new customer managed key with rotation, retained on stack deletion.
	Key kms.IKey
}

// ReplicationProps configures the registry's replication.
type ReplicationProps struct {
	// DestinationRegions are the regions (same account) every repository whose name starts with one
	// of RepositoryPrefixes is replicated to, e.g. ["eu-west-1"]. Never the stack's own region.
	DestinationRegions []string
	// RepositoryPrefixes selects the repositories to replicate by name prefix, e.g. ["prod/"]: only
	// this environment's repositories.
	RepositoryPrefixes []string
}

// PushRoleProps configures a PushRole.
type PushRoleProps struct {
	// RoleName is the role's name (1-64 of A-Z a-z 0-9 + = , . @ _ -): the pushing account names it
	// in the ARN it assumes. Required.
	RoleName string
	// Repository is the one repository the role may read and push to. Required.
	Repository ecr.IRepository
	// TrustedAccount is the 12-digit account of the one role that may assume this one. Required.
	TrustedAccount string
	// TrustedRoleName is the name of that role (1-64 of A-Z a-z 0-9 + = , . @ _ -); no other
	// principal of TrustedAccount may assume this one. Required.
	TrustedRoleName string
}

// ReadRoleProps configures a ReadRole.
type ReadRoleProps struct {
	// RoleName is the role's name (1-64 of A-Z a-z 0-9 + = , . @ _ -): the reading account names it
	// in the ARN it assumes. Required.
	RoleName string
	// Repositories are the names of the repositories the role may read, e.g. "prod/product".
	// Required.
	Repositories []string
	// Regions are the regions whose repositories of those names it may read: the home region and
	// the regions ECR replicates to. Required.
	Regions []string
	// TrustedAccount is the 12-digit account of the roles that may assume this one. Required.
	TrustedAccount string
	// TrustedRoleNames are the names of those roles; no other principal of TrustedAccount may
	// assume this one. Required.
	TrustedRoleNames []string
}

// Limits of one replication configuration (ECR quotas).
const (
	maxDestinations = 25
	maxFilters      = 100
	untaggedDays    = 7
)

// LiveTagPrefix starts the live tags: the release moves LiveTag(region) to the image it deployed
// in region once the deployment completes. They are the repository's only mutable tags, and the
// lifecycle policy never expires an image carrying one.
const LiveTagPrefix = "live-"

// LiveTag is the tag on the image the services of region run.
func LiveTag(region string) string { return LiveTagPrefix + region }

// maxLiveImages bounds the images with a live tag: one per region that deploys from the
// repository or replicates its tags into it (its home and at most maxDestinations others), so
// the lifecycle rule that keeps this many keeps them all.
const maxLiveImages = maxDestinations + 1

var (
	// The repository name grammar ECR enforces.
	repositoryName = regexp.MustCompile(`^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$`)
	// A prefix is the start of such a name: it may stop after a separator.
	repositoryPrefix = regexp.MustCompile(`^[a-z0-9][a-z0-9._/-]*$`)
	// IAM's role names.
	roleName = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]{1,64}$`)
	account  = regexp.MustCompile(`^[0-9]{12}$`)
)

// withDefaults returns a copy of p with every unset optional field given its documented default.
func (p RepositoryProps) withDefaults() RepositoryProps {
	if p.KeepTaggedImages == 0 {
		p.KeepTaggedImages = 50
	}
	return p
}

// validate reports every problem of the (defaulted) props together.
func (p RepositoryProps) validate() error {
	var errs []error
	if n := len(p.Name); n < 2 || n > 256 || !repositoryName.MatchString(p.Name) {
		errs = append(errs, fmt.Errorf("Name %q is not a repository name: 2-256 characters, lowercase path "+
			"segments of letters and digits joined by single '.', '_' or '-' and separated by '/' (e.g. \"prod/product\")", p.Name))
	}
	if p.KeepTaggedImages < 1 || p.KeepTaggedImages > 10000 {
		errs = append(errs, fmt.Errorf("KeepTaggedImages %d is outside 1-10000", p.KeepTaggedImages))
	}
	return errors.Join(errs...)
}

// validate reports every problem of the props together.
func (p ReplicationProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if n := len(p.DestinationRegions); n < 1 || n > maxDestinations {
		add("DestinationRegions has %d entries; 1 to %d are allowed", n, maxDestinations)
	}
	seen := map[string]bool{}
	for i, r := range p.DestinationRegions {
		switch {
		case !limits.ValidRegionName(r):
			add("DestinationRegions[%d] %q is not a region name such as \"eu-west-1\"", i, r)
		case seen[r]:
			add("DestinationRegions[%d] %q is listed twice", i, r)
		}
		seen[r] = true
	}

	if n := len(p.RepositoryPrefixes); n < 1 || n > maxFilters {
		add("RepositoryPrefixes has %d entries; 1 to %d are allowed (an empty list would replicate every repository in the registry)", n, maxFilters)
	}
	seen = map[string]bool{}
	for i, f := range p.RepositoryPrefixes {
		switch {
		case len(f) < 2 || len(f) > 256 || !repositoryPrefix.MatchString(f):
			add("RepositoryPrefixes[%d] %q is not a repository name prefix: 2-256 of a-z 0-9 . _ / -, starting with a letter or digit", i, f)
		case seen[f]:
			add("RepositoryPrefixes[%d] %q is listed twice", i, f)
		}
		seen[f] = true
	}
	return errors.Join(errs...)
}

// validate reports every problem of the props together.
func (p PushRoleProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	checkRoleName(add, "RoleName", p.RoleName)
	if p.Repository == nil {
		add("Repository is nil: the role pushes to exactly one repository")
	}
	checkAccount(add, p.TrustedAccount)
	checkRoleName(add, "TrustedRoleName", p.TrustedRoleName)
	return errors.Join(errs...)
}

// validate reports every problem of the props together.
func (p ReadRoleProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	checkRoleName(add, "RoleName", p.RoleName)
	if len(p.Repositories) == 0 {
		add("Repositories is empty: the role reads at least one repository")
	}
	for i, name := range p.Repositories {
		if len(name) < 2 || len(name) > 256 || !repositoryName.MatchString(name) {
			add("Repositories[%d] %q is not a repository name (e.g. \"prod/product\")", i, name)
		}
	}
	if len(p.Regions) == 0 {
		add("Regions is empty: the role reads the repositories of at least one region")
	}
	for i, r := range p.Regions {
		if !limits.ValidRegionName(r) {
			add("Regions[%d] %q is not a region name such as \"eu-west-1\"", i, r)
		}
	}
	checkAccount(add, p.TrustedAccount)
	if len(p.TrustedRoleNames) == 0 {
		add("TrustedRoleNames is empty: name the roles that may assume this one")
	}
	for i, name := range p.TrustedRoleNames {
		checkRoleName(add, fmt.Sprintf("TrustedRoleNames[%d]", i), name)
	}
	return errors.Join(errs...)
}

// checkRoleName reports name, the value of the prop label, unless IAM allows it as a role name.
func checkRoleName(add func(string, ...any), label, name string) {
	if !roleName.MatchString(name) {
		add("%s %q is not a role name (1-64 of A-Z a-z 0-9 + = , . @ _ -)", label, name)
	}
}

// checkAccount reports a TrustedAccount that is not an account id.
func checkAccount(add func(string, ...any), id string) {
	if !account.MatchString(id) {
		add("TrustedAccount %q must be 12 digits", id)
	}
}
