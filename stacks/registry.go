package stacks

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/registry"
	"github.com/stratus-platform/stratus/constructs/releasepipeline"
	"github.com/stratus-platform/stratus/internal/naming"
)

// RegistryStack holds one region's ECR repositories, one per service, and in the primary region
// the account's replication of the environment's images to the other regions. It is a stack of
// its own so images can be pushed before any App stack exists: an App stack's services need
// their image at creation, and a failed creation would roll back around retained repositories.
type RegistryStack struct {
	awscdk.Stack
	// Repositories maps a service name to its repository.
	Repositories map[string]*registry.Repository
}

// ReleasePushRoleName is the role the release build of service svc assumes to push its images
// into env's home region: at most 64 characters (IAM's limit), so a long environment and service
// name pair ends in a hash of the full name instead.
func ReleasePushRoleName(env, svc string) string {
	name := fmt.Sprintf("stratus-%s-%s-push", env, svc)
	if len(name) <= 64 {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:55] + "-" + hex.EncodeToString(sum[:4])
}

// ReleaseReadRoleName is the role the release's scan gate and replication wait assume to read
// env's released images (environment names have at most 20 characters, so it fits IAM's 64).
func ReleaseReadRoleName(env string) string { return "stratus-" + env + "-release-read" }

// RepositoryName is the ECR repository of a service; the same name in every region.
func RepositoryName(env *config.Environment, svc string) string { return env.Name + "/" + svc }

// NewRegistryStack builds the Registry stack of env in region, with, in the home region, the push
// role of each service released into env (env.Released) and the release's read role.
func NewRegistryStack(scope constructs.Construct, env *config.Environment, region config.Region) (*RegistryStack, error) {
	stack := newStack(scope, "Registry", env, region,
		fmt.Sprintf("Stratus %s image registry in %s: ECR repositories and replication", env.Name, region.Name))
	r := &RegistryStack{Stack: stack, Repositories: map[string]*registry.Repository{}}
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	for _, s := range env.Services {
		repo, err := registry.NewRepository(stack, naming.Pascal(s.Name)+"Repository", registry.RepositoryProps{Name: RepositoryName(env, s.Name)})
		if err != nil {
			return nil, fmt.Errorf("%s: services %s: %w", where, s.Name, err)
		}
		r.Repositories[s.Name] = repo
	}
	addImageParameters(r, env, region) // the services' image parameters: docs/release.md
	// The release builds push in the home region only; ECR replicates to the others.
	if rel := env.Released; rel != nil && region.Name == HomeRegion(env) {
		read := registry.ReadRoleProps{
			RoleName: ReleaseReadRoleName(env.Name), Regions: env.RegionNames(), TrustedAccount: rel.ToolingAccount,
			TrustedRoleNames: []string{releasepipeline.ScanRoleName, releasepipeline.ReplicationWaitRoleName},
		}
		for _, svc := range rel.Services {
			repo := r.Repositories[svc]
			if repo == nil {
				return nil, fmt.Errorf("%s: the delivery file releases service %q, which %s does not have", where, svc, env.File)
			}
			if _, err := registry.NewPushRole(stack, naming.Pascal(svc)+"ReleasePush", registry.PushRoleProps{
				RoleName: ReleasePushRoleName(env.Name, svc), Repository: repo.Repository,
				TrustedAccount: rel.ToolingAccount, TrustedRoleName: releasepipeline.BuildRoleName(svc),
			}); err != nil {
				return nil, fmt.Errorf("%s: release push role of %s: %w", where, svc, err)
			}
			read.Repositories = append(read.Repositories, RepositoryName(env, svc))
		}
		if _, err := registry.NewReadRole(stack, "ReleaseRead", read); err != nil {
			return nil, fmt.Errorf("%s: release read role: %w", where, err)
		}
	}
	// Replication creates a missing destination repository with ECR's defaults, so the primary
	// configures it only after the other regions' Registry stacks exist (see the stage).
	if others := otherRegions(env); region.Name == HomeRegion(env) && len(others) > 0 {
		if _, err := registry.NewReplication(stack, "ImageReplication", registry.ReplicationProps{
			DestinationRegions: others, RepositoryPrefixes: []string{env.Name + "/"},
		}); err != nil {
			return nil, fmt.Errorf("%s: image replication: %w", where, err)
		}
	}
	return r, nil
}
