package cache

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/limits"
)

// acceptByDesign records, on the exact resources, the cdk-nag findings this design keeps on
// purpose, each with the reason it is safe. Each suppression is added only when its rule fires.
func (r *Redis) acceptByDesign(p RedisProps) {
	group := r.ReplicationGroup
	var onGroup []*cdknag.NagPackSuppression

	// AEC5 flags port 6379 when the engine is redis or unset (a secondary inherits its engine).
	if p.Port == limits.DefaultCachePort && (p.Engine == EngineRedis || p.secondary()) {
		onGroup = append(onGroup, suppression("AwsSolutions-AEC5",
			"The cache listens on Redis's default port 6379 because the platform's seed designs and every client "+
				"configuration specify it; the cache's only security group admits the port from the services alone, and every "+
				"connection needs TLS and the AUTH token, so a non-default port would add no real protection."))
	}
	if *p.Replicas == 0 {
		onGroup = append(onGroup, suppression("AwsSolutions-AEC4",
			"Replicas is explicitly 0 (a single-node cache, e.g. for dev): ElastiCache rejects Multi-AZ and automatic "+
				"failover without a replica, so a node failure means downtime until ElastiCache replaces the node, with data "+
				"restorable from the daily snapshot; every environment that needs availability sets at least one replica."))
	}
	if p.secondary() {
		reason := fmt.Sprintf("This replication group is a secondary member of Global Datastore %s: ElastiCache forbids "+
			"setting the engine, encryption and AUTH settings on a secondary and copies them from the primary, which this "+
			"construct always creates with KMS at-rest encryption, TLS required in transit and an AUTH token from Secrets Manager.",
			p.GlobalDatastoreId)
		onGroup = append(onGroup, suppression("AwsSolutions-AEC3", reason), suppression("AwsSolutions-AEC6", reason))
	}
	if len(onGroup) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(group, &onGroup, jsii.Bool(false))
	}

	if !p.secondary() && p.RotationDays == 0 {
		reason := "RotationDays is 0: the owner chose not to rotate this token automatically. No managed rotation function exists for ElastiCache AUTH tokens (AWS's ElastiCache rotation template " +
			"rotates RBAC user passwords), and rotating the secret alone would lock clients out because the token also " +
			"lives in the replication group. The token is rotated " +
			"by the documented operator procedure (new secret value, ModifyReplicationGroup with AuthTokenUpdateStrategy " +
			"ROTATE, roll the services, then SET), which keeps old and new tokens valid during the switch."
		secret := r.AuthSecret.(constructs.IConstruct)
		cdknag.NagSuppressions_AddResourceSuppressions(secret, &[]*cdknag.NagPackSuppression{
			suppression("AwsSolutions-SMG4", reason),
			suppression("NIST.800.53.R5-SecretsManagerRotationEnabled", reason),
		}, jsii.Bool(false))
	}
}

func suppression(id, reason string) *cdknag.NagPackSuppression {
	return &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
}
