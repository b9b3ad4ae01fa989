package stacks

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/cache"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/rotation"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// DataStack holds one region's shared stateful resources: the cache and, in the home region
// (HomeRegion), the CloudFront origin secret. The services' databases are in ServiceData stacks. Both are
// separate from the App and Service stacks so the stateless tier can be destroyed and rebuilt
// without touching data.
type DataStack struct {
	awscdk.Stack
	Cache *cache.Redis
	// OriginSecret is the CloudFront origin secret, created in the home region only.
	OriginSecret *ingress.OriginSecret
	// CacheAlarms watch the cache (operations.go).
	CacheAlarms *alarms.Alarms
	// RotationAlarms watch the secret rotations made here (nil when none is).
	RotationAlarms *alarms.Alarms
}

// HomeRegion is the region that owns an environment's cross-region resources for their whole
// life: the Aurora global clusters (and the clusters that created them, with the master
// secrets), the cache's Global Datastore and the CloudFront origin secret. It is the first
// region listed under `regions`, not primaryRegion: after a switchover or failover AWS has moved
// the writer, and the templates must keep describing the resources where they were created —
// a home that followed primaryRegion would make CloudFormation create, in the new writer region,
// a global cluster, a Global Datastore and a secret whose names already exist there. Which
// region writes is an AWS runtime fact the services follow through the global writer endpoint
// (docs/multi-region.md); primaryRegion only chooses where DNS failover sends traffic and
// which region runs at full capacity. Reordering `regions` moves the home: never do it on a
// deployed environment.
func HomeRegion(env *config.Environment) string { return env.Regions[0].Name }

// Deterministic names other regions use instead of cross-region references.

// GlobalClusterID is the Aurora global cluster identifier of a service's database.
func GlobalClusterID(env *config.Environment, service string) string {
	return fmt.Sprintf("stratus-%s-%s", env.Name, service)
}

// OriginSecretName is the name of the CloudFront origin secret (and its replicas).
func OriginSecretName(env *config.Environment) string {
	return fmt.Sprintf("stratus/%s/origin-verify", env.Name)
}

// CacheAuthSecretName names the cache AUTH secret when a Global Datastore shares it.
func CacheAuthSecretName(env *config.Environment) string {
	return fmt.Sprintf("stratus/%s/cache-auth", env.Name)
}

// NewDataStack builds the Data stack of env in region on top of its Network stack.
func NewDataStack(scope constructs.Construct, env *config.Environment, region config.Region, net *NetworkStack) (*DataStack, error) {
	stack := newStack(scope, "Data", env, region,
		fmt.Sprintf("Stratus %s shared data in %s: cache, keys and secrets", env.Name, region.Name))
	d := &DataStack{Stack: stack}
	home := region.Name == HomeRegion(env)
	where := fmt.Sprintf("%s: regions %s", env.File, region.Name)
	logRetention, err := retentionDays(env.App.LogRetentionDays)
	if err != nil {
		return nil, fmt.Errorf("%s: app.logRetentionDays: %w", env.File, err)
	}
	if err := d.addCache(env, region, net, logRetention); err != nil {
		return nil, fmt.Errorf("%s: cache: %w", where, err)
	}
	if home {
		if err := d.addOriginSecret(env); err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
	}
	if d.CacheAlarms, err = cacheAlarms(stack, env, region.Name, d.Cache.ReplicationGroup.Ref(), net.Observed.Topic.Arn); err != nil {
		return nil, err
	}
	if d.RotationAlarms, err = rotationAlarms(d, env, region.Name, net.Observed.Topic.Arn); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *DataStack) addCache(env *config.Environment, region config.Region, net *NetworkStack, logRetention logs.RetentionDays) error {
	c := env.Cache
	props := cache.RedisProps{
		Vpc: net.Network.Vpc, Subnets: net.Network.DataSubnets, SecurityGroup: net.Network.CacheSecurityGroup,
		Engine: c.Engine, EngineVersion: c.EngineVersion, NodeType: c.NodeType, Replicas: &c.Replicas,
		Port: c.Port, SnapshotRetentionDays: c.SnapshotRetentionDays, SnapshotWindow: c.SnapshotWindow,
		MaintenanceWindow: c.MaintenanceWindow, Description: fmt.Sprintf("Stratus %s cache", env.Name), LogRetention: logRetention,
	}
	// The tag value is the same in every region; each region's rotation redeploys only its own
	// region's services, or, for a Global Datastore's shared token, every region's.
	props.RotationTagValue = CacheAuthSecretName(env)
	props.RotationDays = env.Governance.Rotation.CacheTokenDays
	if c.GlobalDatastore {
		suffix := fmt.Sprintf("stratus-%s", env.Name)
		props.AuthSecretName = CacheAuthSecretName(env)
		// The home region created the Global Datastore and keeps owning it (and its id prefix)
		// after a failover promotes another region's cache.
		if region.Name == HomeRegion(env) {
			props.GlobalDatastoreSuffix = suffix
			props.AuthSecretReplicaRegions = otherRegions(env)
		} else {
			id, err := cache.GlobalDatastoreID(HomeRegion(env), suffix)
			if err != nil {
				return err
			}
			props.GlobalDatastoreId = id
			props.RotationDays, props.RotationTagValue = 0, "" // the primary's rotation covers the shared token
		}
	}
	r, err := cache.NewRedis(d.Stack, "Cache", props)
	d.Cache = r
	return err
}

// addOriginSecret creates the CloudFront origin secret, replicated into every other region of the
// environment under each region's secrets key (named by convention, see SecretsKeyAlias).
func (d *DataStack) addOriginSecret(env *config.Environment) error {
	var replicas []ingress.Replica
	for _, r := range otherRegions(env) {
		// The key lives in r's Network stack; the primary names it by its alias, by convention.
		key := kms.Key_FromKeyArn(d.Stack, jsii.String("OriginSecretReplicaKey"+naming.Pascal(r)),
			jsii.String(keys.AliasArn("aws", r, env.Account, SecretsKeyAlias(env))))
		replicas = append(replicas, ingress.Replica{Region: r, Key: key})
	}
	s, err := ingress.NewOriginSecret(d.Stack, "OriginSecret", ingress.OriginSecretProps{
		Name: OriginSecretName(env), ReplicaRegions: replicas,
		RotationDays: env.Governance.Rotation.OriginSecretDays, HeaderName: ingress.DefaultHeaderName,
		AuthorizerChecks: env.UsesAPI(),
	})
	d.OriginSecret = s
	return err
}

// otherRegions lists env's regions other than the home region, in config order.
func otherRegions(env *config.Environment) []string {
	var out []string
	for _, r := range env.Regions {
		if r.Name != HomeRegion(env) {
			out = append(out, r.Name)
		}
	}
	return out
}

// rotationFailed is the alarm on a secret-rotation function's errors: a rotation that failed a
// step, which Secrets Manager retries only at the next schedule.
func rotationFailed(name, what string, function *string) alarms.Spec {
	// The function's Errors, as aws-cdk-lib's metricErrors reads them.
	return failureTicket(name, metric("AWS/Lambda", "Errors", "Sum", 300, map[string]*string{"FunctionName": function}),
		"secret-rotation.md", what+" failed a step (Errors of its rotation function at or above 1 in 5 minutes)")
}

// failureTicket is a ticket the first time a count of failures (a Sum over 5 minutes) is 1 or
// more; no data, as when nothing fails, is not a breach.
func failureTicket(name string, failures alarms.Metric, runbook, what string) alarms.Spec {
	return alarms.Spec{
		Name: name, Metric: failures, Threshold: 1, Periods: 1, MissingData: limits.MissingNotBreaching,
		Severity: limits.SeverityTicket, Runbook: runbook, What: what,
	}
}

// rotationAlarms alarm when a rotation function made in d fails (an error in any step).
func rotationAlarms(d *DataStack, env *config.Environment, region string, action *string) (*alarms.Alarms, error) {
	var specs []alarms.Spec
	add := func(name, what string, r *rotation.Rotator) {
		if r != nil {
			specs = append(specs, rotationFailed(name, what, r.Function.FunctionName()))
		}
	}
	add("cacheTokenRotationFailed", "The cache AUTH token rotation", d.Cache.Rotation)
	if d.OriginSecret != nil {
		add("originSecretRotationFailed", "The CloudFront origin secret rotation", d.OriginSecret.Rotation)
	}
	if len(specs) == 0 {
		return nil, nil
	}
	return newAlarms(d.Stack, env, "RotationAlarms", alarms.AlarmsProps{Prefix: AlarmPrefix(env, region), Specs: specs}, action)
}
