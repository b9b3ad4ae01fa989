package registry

import (
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecr "github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/duration"
)

// Repository is one service's private ECR repository.
type Repository struct {
	constructs.Construct

	// Repository holds the service's images; build task images with
	// ecs.ContainerImage_FromEcrRepository(Repository, tag), which grants the pull.
	Repository ecr.IRepository
	// Key encrypts the images.
	Key kms.IKey
}

// NewRepository creates the repository, or returns every problem with props.
//
// Images are artifacts that running tasks and rollbacks depend on: the repository and its key are
// retained when the stack is deleted, and deleting the stack never empties the repository.
func NewRepository(scope constructs.Construct, id string, props RepositoryProps) (*Repository, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("registry %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	r := &Repository{Construct: this, Key: p.Key}
	if r.Key == nil {
		// ECR uses the key through grants it creates with the pushing/pulling principal's own
		// permissions, so the default key policy (the account administers it) is all it needs.
		r.Key = kms.NewKey(this, jsii.String("Key"), &kms.KeyProps{
			Description:       jsii.String(fmt.Sprintf("Encrypts the images of ECR repository %s", p.Name)),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
	r.Repository = ecr.NewRepository(this, jsii.String("Repository"), &ecr.RepositoryProps{
		RepositoryName:  jsii.String(p.Name),
		ImageScanOnPush: jsii.Bool(true),
		// Release tags never move; only the live tags do, each to the image its region runs.
		ImageTagMutability:                 ecr.TagMutability_IMMUTABLE_WITH_EXCLUSION,
		ImageTagMutabilityExclusionFilters: &[]ecr.ImageTagMutabilityExclusionFilter{liveFilter()},
		Encryption:                         kmsEncryption(),
		EncryptionKey:                      r.Key,
		RemovalPolicy:                      awscdk.RemovalPolicy_RETAIN,
		EmptyOnDelete:                      jsii.Bool(false),
		LifecycleRules: &[]*ecr.LifecycleRule{
			{
				RulePriority: jsii.Number(1),
				Description:  jsii.String(fmt.Sprintf("Expire untagged images %d days after push", untaggedDays)),
				TagStatus:    ecr.TagStatus_UNTAGGED,
				MaxImageAge:  duration.Days(untaggedDays),
			},
			{
				// ECR never expires an image that a higher-priority rule's tags select by a lower
				// one: the image a region runs stays, however many commits were pushed since.
				RulePriority:   jsii.Number(2),
				Description:    jsii.String("Keep every image a region runs (tags " + LiveTagPrefix + "<region>)"),
				TagStatus:      ecr.TagStatus_TAGGED,
				TagPatternList: jsii.Strings(LiveTagPrefix + "*"),
				MaxImageCount:  jsii.Number(maxLiveImages),
			},
			{
				RulePriority:   jsii.Number(3),
				Description:    jsii.String(fmt.Sprintf("Keep the newest %d tagged images", p.KeepTaggedImages)),
				TagStatus:      ecr.TagStatus_TAGGED,
				TagPatternList: jsii.Strings("*"),
				MaxImageCount:  jsii.Number(float64(p.KeepTaggedImages)),
			},
		},
	})
	return r, nil
}

// Replication is the registry's replication configuration.
type Replication struct {
	constructs.Construct

	// Configuration is the AWS::ECR::ReplicationConfiguration resource.
	Configuration ecr.CfnReplicationConfiguration
}

// NewReplication replicates every repository whose name starts with one of the prefixes from the
// stack's region to each destination region of the same account, or returns every problem with
// props.
//
// AWS::ECR::ReplicationConfiguration is a singleton of the registry (account + region): only ONE
// stack per account and region may create it; a second one overwrites the first. Give it to the
// primary region's stack of the environment, with every prefix that account replicates from there.
//
// Only images pushed after the configuration exists are replicated. Where a destination
// repository does not exist yet, ECR creates it on the first replicated image with its own
// defaults (or a matching repository creation template), not with this construct's settings:
// create the same-named Repository in each destination region beforehand so the replicas get that
// region's key, scan on push, immutable tags and the lifecycle rules.
func NewReplication(scope constructs.Construct, id string, props ReplicationProps) (*Replication, error) {
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("registry replication %s: invalid props:\n%w", id, err)
	}
	stack := awscdk.Stack_Of(scope)
	if region := stack.Region(); !*awscdk.Token_IsUnresolved(region) && slices.Contains(props.DestinationRegions, *region) {
		return nil, fmt.Errorf("registry replication %s: invalid props:\nDestinationRegions lists %q, the stack's own region: ECR replicates to other regions only", id, *region)
	}

	destinations := make([]any, len(props.DestinationRegions))
	for i, r := range props.DestinationRegions {
		destinations[i] = &ecr.CfnReplicationConfiguration_ReplicationDestinationProperty{
			Region: jsii.String(r), RegistryId: stack.Account(),
		}
	}
	filters := make([]any, len(props.RepositoryPrefixes))
	for i, f := range props.RepositoryPrefixes {
		filters[i] = &ecr.CfnReplicationConfiguration_RepositoryFilterProperty{
			Filter: jsii.String(f), FilterType: jsii.String("PREFIX_MATCH"),
		}
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	cfg := ecr.NewCfnReplicationConfiguration(this, jsii.String("Configuration"), &ecr.CfnReplicationConfigurationProps{
		ReplicationConfiguration: &ecr.CfnReplicationConfiguration_ReplicationConfigurationProperty{
			Rules: []any{&ecr.CfnReplicationConfiguration_ReplicationRuleProperty{
				Destinations: destinations, RepositoryFilters: filters,
			}},
		},
	})
	return &Replication{Construct: this, Configuration: cfg}, nil
}

// kmsEncryption is aws-cdk-lib's KMS encryption setting, read once (a call into the jsii runtime
// for every repository otherwise). It is an object of the jsii runtime that made it; the process
// keeps one runtime from its first call to its exit.
var kmsEncryption = sync.OnceValue(ecr.RepositoryEncryption_KMS)

// liveFilter makes the live tags mutable, read once like kmsEncryption.
var liveFilter = sync.OnceValue(func() ecr.ImageTagMutabilityExclusionFilter {
	return ecr.ImageTagMutabilityExclusionFilter_Wildcard(jsii.String(LiveTagPrefix + "*"))
})
