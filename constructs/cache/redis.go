package cache

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	elasticache "github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/rotation"
)

// Redis is an ElastiCache replication group (Redis OSS or Valkey, cluster mode off) with its
// subnet group, parameter group, KMS key, AUTH-token secret and log groups.
type Redis struct {
	constructs.Construct

	// ReplicationGroup is the AWS::ElastiCache::ReplicationGroup.
	ReplicationGroup elasticache.CfnReplicationGroup
	// PrimaryEndpoint is the address clients write to (on a secondary: its read-only primary,
	// writable once the secondary is promoted).
	PrimaryEndpoint *string
	// ReaderEndpoint is the address that spreads reads over the replicas.
	ReaderEndpoint *string
	// Port is the port of both endpoints. Clients must use TLS and AUTH.
	Port float64
	// AuthSecret holds the AUTH token as a plain string. On a secondary it is the replica (in this
	// region) of the primary's secret, found by RedisProps.AuthSecretName.
	AuthSecret sm.ISecret
	// Rotation rotates the AUTH token, or is nil (RotationDays 0, or a secondary); alarm on its
	// function's errors.
	Rotation *rotation.Rotator
	// Key encrypts the cache at rest, the AUTH-token secret and the log groups.
	Key kms.IKey
	// SlowLogGroup and EngineLogGroup receive the engine's slow log and engine log (JSON).
	SlowLogGroup   logs.ILogGroup
	EngineLogGroup logs.ILogGroup
	// GlobalDatastoreId is the id of the Global Datastore this group is the primary of, or nil.
	GlobalDatastoreId *string
}

// NewRedis builds the replication group, or returns every problem with props.
func NewRedis(scope constructs.Construct, id string, props RedisProps) (*Redis, error) {
	p := props.withDefaults()
	errs := []error{p.validate(), checkReplicaRegions(scope, p)}
	var subnets *ec2.SelectedSubnets
	if p.Vpc != nil && p.Subnets != nil {
		var err error
		subnets, err = selectSubnets(p)
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("cache %s: invalid props:\n%w", id, err)
	}

	r := &Redis{Construct: constructs.NewConstruct(scope, jsii.String(id)), Port: float64(p.Port)}
	r.buildKey()
	r.SlowLogGroup = r.newLogGroup("SlowLogGroup", p)
	r.EngineLogGroup = r.newLogGroup("EngineLogGroup", p)
	r.buildAuthSecret(p)
	r.buildReplicationGroup(p, subnets)
	if p.GlobalDatastoreSuffix != "" {
		r.buildGlobalDatastore(p)
	}
	if p.RotationDays > 0 {
		regions := append([]string{*awscdk.Stack_Of(scope).Region()}, p.AuthSecretReplicaRegions...)
		rot, err := rotation.NewRotator(r.Construct, "Rotation", rotation.RotatorProps{
			Kind: rotation.Cache, Secret: r.AuthSecret, SecretKey: r.Key, Days: p.RotationDays, Regions: regions,
			TagValue: p.RotationTagValue, ReplicationGroupID: r.ReplicationGroup.Ref(), LogRetention: p.LogRetention,
		})
		if err != nil {
			return nil, fmt.Errorf("cache %s: %w", id, err)
		}
		r.Rotation = rot
	}
	r.acceptByDesign(p)
	return r, nil
}

// Tag marks an ECS service (its CfnService, so the task definition stays untagged) as a reader of the AUTH token whose rotation has
// RotationTagValue value, so the rotation redeploys it.
func Tag(resource constructs.IConstruct, value string) {
	awscdk.Tags_Of(resource).Add(jsii.String(rotation.CacheTagKey), jsii.String(value), nil)
}

// checkReplicaRegions rejects a replica of the AUTH-token secret in the stack's own region, which
// Secrets Manager would only refuse at deploy time.
func checkReplicaRegions(scope constructs.Construct, p RedisProps) error {
	region := awscdk.Stack_Of(scope).Region()
	if *awscdk.Token_IsUnresolved(region) || !slices.Contains(p.AuthSecretReplicaRegions, *region) {
		return nil
	}
	return fmt.Errorf("AuthSecretReplicaRegions lists %q, the stack's own region", *region)
}

// selectSubnets resolves Subnets in Vpc, turning the error aws-cdk-lib throws for a selection
// that matches nothing into an error value, and checks that Multi-AZ has two AZs to use.
func selectSubnets(p RedisProps) (sel *ec2.SelectedSubnets, err error) {
	defer func() {
		if msg := recover(); msg != nil {
			first, _, _ := strings.Cut(fmt.Sprint(msg), "\n")
			if code, text, ok := strings.Cut(first, ": "); ok && !strings.Contains(code, " ") {
				first = text // drop aws-cdk-lib's error code, e.g. "ThereSubnetGroupsName"
			}
			sel, err = nil, fmt.Errorf("Subnets selects no subnets of Vpc: %s", first)
		}
	}()
	sel = p.Vpc.SelectSubnets(p.Subnets)
	if len(*sel.SubnetIds) == 0 {
		return nil, errors.New("Subnets selects no subnets of Vpc")
	}
	azs := map[string]bool{}
	for _, az := range *sel.AvailabilityZones {
		azs[*az] = true
	}
	if *p.Replicas > 0 && len(azs) < 2 {
		return nil, fmt.Errorf("Subnets spans %d Availability Zone; Replicas %d turns Multi-AZ on, which needs subnets in at least 2", len(azs), *p.Replicas)
	}
	return sel, nil
}

func (r *Redis) buildKey() {
	key := keys.NewKey(r.Construct, "Key", "Encrypts the cache at rest, its AUTH-token secret and its log groups")
	// ElastiCache and Secrets Manager use the key with the caller's permissions (the account
	// statement of the default policy delegates those to IAM); CloudWatch Logs encrypts on the log
	// groups' behalf and needs its own grant, here for this account's log groups in this region.
	keys.AllowCloudWatchLogs(key)
	r.Key = key
}

func (r *Redis) newLogGroup(id string, p RedisProps) logs.ILogGroup {
	return logs.NewLogGroup(r.Construct, jsii.String(id), &logs.LogGroupProps{
		EncryptionKey: r.Key,
		Retention:     p.LogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
}

func (r *Redis) buildAuthSecret(p RedisProps) {
	if p.secondary() {
		// The secondary has no token of its own: the Global Datastore keeps the primary's.
		r.AuthSecret = sm.Secret_FromSecretNameV2(r.Construct, jsii.String("AuthSecret"), jsii.String(p.AuthSecretName))
		return
	}
	var replicas []*sm.ReplicaRegion
	for _, region := range p.AuthSecretReplicaRegions {
		replicas = append(replicas, &sm.ReplicaRegion{Region: jsii.String(region)})
	}
	props := &sm.SecretProps{
		Description:   jsii.String(fmt.Sprintf("AUTH token of the %s replication group", p.Description)),
		EncryptionKey: r.Key,
		// AUTH tokens are 16-128 printable characters without @ " / or spaces; letters and
		// digits only keep the token safe in URLs and shells too.
		GenerateSecretString: &sm.SecretStringGenerator{
			PasswordLength:     jsii.Number(authTokenLength),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		// Deleting the secret would lock every client out of a retained or snapshotted cache.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	}
	if len(replicas) > 0 {
		props.ReplicaRegions = &replicas
	}
	if p.AuthSecretName != "" {
		props.SecretName = jsii.String(p.AuthSecretName)
	}
	r.AuthSecret = sm.NewSecret(r.Construct, jsii.String("AuthSecret"), props)
}

func (r *Redis) buildReplicationGroup(p RedisProps, subnets *ec2.SelectedSubnets) {
	subnetGroup := elasticache.NewCfnSubnetGroup(r.Construct, jsii.String("SubnetGroup"), &elasticache.CfnSubnetGroupProps{
		Description: jsii.String(p.Description + " subnet group"),
		SubnetIds:   toAny(subnets.SubnetIds),
	})

	replicas := *p.Replicas
	ha := replicas > 0
	props := &elasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String(p.Description),
		CacheSubnetGroupName:        subnetGroup.Ref(),
		SecurityGroupIds:            jsii.Strings(*p.SecurityGroup.SecurityGroupId()),
		Port:                        jsii.Number(float64(p.Port)),
		KmsKeyId:                    r.Key.KeyArn(), // keys are regional: a secondary uses its own
		// NumCacheClusters (primary + replicas) can change in place; ReplicasPerNodeGroup would
		// replace the group.
		NumCacheClusters:           jsii.Number(float64(1 + replicas)),
		MultiAzEnabled:             jsii.Bool(ha),
		AutomaticFailoverEnabled:   jsii.Bool(ha),
		AutoMinorVersionUpgrade:    jsii.Bool(true),
		SnapshotRetentionLimit:     jsii.Number(float64(p.SnapshotRetentionDays)),
		SnapshotWindow:             jsii.String(p.SnapshotWindow),
		PreferredMaintenanceWindow: jsii.String(p.MaintenanceWindow),
		LogDeliveryConfigurations: &[]any{
			logDelivery("slow-log", r.SlowLogGroup),
			logDelivery("engine-log", r.EngineLogGroup),
		},
	}
	if p.secondary() {
		// Engine, version, node type, parameter group, cluster mode, encryption settings and the
		// AUTH token come from the primary; ElastiCache rejects them on a new secondary.
		props.GlobalReplicationGroupId = jsii.String(p.GlobalDatastoreId)
	} else {
		parameters := elasticache.NewCfnParameterGroup(r.Construct, jsii.String("ParameterGroup"), &elasticache.CfnParameterGroupProps{
			CacheParameterGroupFamily: jsii.String(p.family()),
			Description:               jsii.String(p.Description + " parameters (cluster mode off)"),
			Properties:                &map[string]*string{parameterClusterMode: jsii.String(parameterClusterModeNo)},
		})
		props.Engine = jsii.String(p.Engine)
		props.EngineVersion = jsii.String(p.EngineVersion)
		props.CacheNodeType = jsii.String(p.NodeType)
		props.CacheParameterGroupName = parameters.Ref()
		props.ClusterMode = jsii.String(clusterModeDisabled)
		props.AtRestEncryptionEnabled = jsii.Bool(true)
		props.TransitEncryptionEnabled = jsii.Bool(true)
		props.TransitEncryptionMode = jsii.String(transitEncryptionMode)
		// A dynamic reference: CloudFormation resolves the token at deploy time, so it never
		// appears in the template or the cloud assembly.
		props.AuthToken = awscdk.SecretValue_SecretsManager(r.AuthSecret.SecretArn(), nil).UnsafeUnwrap()
		if p.dataTiering() {
			props.DataTieringEnabled = jsii.Bool(true)
		}
	}

	group := elasticache.NewCfnReplicationGroup(r.Construct, jsii.String("ReplicationGroup"), props)
	// Deleting or replacing the group first takes a final snapshot (ElastiCache's replication
	// group has no FinalSnapshotName-style property in CloudFormation; this policy is the way).
	group.ApplyRemovalPolicy(awscdk.RemovalPolicy_SNAPSHOT, &awscdk.RemovalPolicyOptions{ApplyToUpdateReplacePolicy: jsii.Bool(true)})

	r.ReplicationGroup = group
	r.PrimaryEndpoint = group.AttrPrimaryEndPointAddress()
	r.ReaderEndpoint = group.AttrReaderEndPointAddress()
}

func logDelivery(logType string, group logs.ILogGroup) *elasticache.CfnReplicationGroup_LogDeliveryConfigurationRequestProperty {
	return &elasticache.CfnReplicationGroup_LogDeliveryConfigurationRequestProperty{
		LogType:         jsii.String(logType),
		LogFormat:       jsii.String(logFormat),
		DestinationType: jsii.String(logDestinationType),
		DestinationDetails: &elasticache.CfnReplicationGroup_DestinationDetailsProperty{
			CloudWatchLogsDetails: &elasticache.CfnReplicationGroup_CloudWatchLogsDestinationDetailsProperty{
				LogGroup: group.LogGroupName(),
			},
		},
	}
}

// buildGlobalDatastore makes this group the primary member of a new Global Datastore. Node type
// and engine version are left to the member: the Global Datastore takes them from its primary.
func (r *Redis) buildGlobalDatastore(p RedisProps) {
	global := elasticache.NewCfnGlobalReplicationGroup(r.Construct, jsii.String("GlobalDatastore"), &elasticache.CfnGlobalReplicationGroupProps{
		GlobalReplicationGroupIdSuffix:    jsii.String(p.GlobalDatastoreSuffix),
		GlobalReplicationGroupDescription: jsii.String(p.Description + " global datastore"),
		Members: &[]any{&elasticache.CfnGlobalReplicationGroup_GlobalReplicationGroupMemberProperty{
			ReplicationGroupId:     r.ReplicationGroup.Ref(),
			ReplicationGroupRegion: awscdk.Stack_Of(r.Construct).Region(),
			Role:                   jsii.String(globalPrimaryRole),
		}},
	})
	r.GlobalDatastoreId = global.AttrGlobalReplicationGroupId()
}

// toAny widens a list of strings for Cfn properties that also accept tokens of other types.
func toAny(list *[]*string) *[]any {
	out := make([]any, len(*list))
	for i, s := range *list {
		out[i] = s
	}
	return &out
}
