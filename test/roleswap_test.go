package test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// After a planned switchover (or a failover) AWS has already moved the writer; the operator then
// sets primaryRegion to the new writer region and deploys. That deploy must not replace, create
// or move any stateful resource: a replacement of a named resource fails on its existing name,
// and one that succeeded would lose data. So every multi-region shipped config is synthesized
// with each of its regions as primaryRegion, and each stateful resource must sit in the same
// stack under the same logical id with the same values of every property whose change makes
// CloudFormation replace the resource.

// replacementProperties lists, per stateful type, the properties whose update requires
// replacement (the CloudFormation resource reference's "Update requires: Replacement"), plus the
// ones naming the resource or its membership in a global resource, which must not move either.
var replacementProperties = map[string][]string{
	// The identifier, and what a cluster is created from: a change is a new cluster (which would
	// collide with the existing identifier). GlobalClusterIdentifier only interrupts, but a
	// cluster leaving or joining the global database on a role change would be a break in
	// replication.
	"AWS::RDS::DBCluster": {"DBClusterIdentifier", "DatabaseName", "Engine", "EngineMode", "KmsKeyId",
		"MasterUsername", "StorageEncrypted", "DBSubnetGroupName", "AvailabilityZones",
		"SourceDBClusterIdentifier", "SnapshotIdentifier", "SourceRegion", "RestoreType",
		"GlobalClusterIdentifier"},
	// An instance's identifier and cluster, and its own storage settings for RDS instances.
	"AWS::RDS::DBInstance": {"DBInstanceIdentifier", "DBClusterIdentifier", "DBName", "Engine", "KmsKeyId",
		"StorageEncrypted", "MasterUsername", "DBSubnetGroupName", "SourceDBInstanceIdentifier",
		"DBSnapshotIdentifier", "CharacterSetName", "Timezone", "AvailabilityZone"},
	// The global cluster is created around the cluster that first held the data: after a
	// switchover AWS reports another source, so the template must keep naming the original one
	// (an unchanged property is never re-applied), never the new writer.
	"AWS::RDS::GlobalCluster": {"GlobalClusterIdentifier", "SourceDBClusterIdentifier", "Engine", "StorageEncrypted"},
	// Named groups: a rename is a new group, which the old name's deletion would precede or
	// follow with a name collision.
	"AWS::RDS::DBSubnetGroup":           {"DBSubnetGroupName"},
	"AWS::RDS::DBClusterParameterGroup": {"DBClusterParameterGroupName", "Family"},
	"AWS::RDS::DBParameterGroup":        {"DBParameterGroupName", "Family"},
	// A replication group's id, its Global Datastore membership and its encryption are fixed at
	// creation.
	"AWS::ElastiCache::ReplicationGroup": {"ReplicationGroupId", "GlobalReplicationGroupId", "AtRestEncryptionEnabled",
		"KmsKeyId", "CacheSubnetGroupName", "Port", "SnapshotArns", "SnapshotName", "DataTieringEnabled", "NetworkType"},
	// The Global Datastore's id is its creating region's prefix and this suffix.
	"AWS::ElastiCache::GlobalReplicationGroup": {"GlobalReplicationGroupIdSuffix"},
	// A key's kind is fixed; a new key could not decrypt the data the old one encrypted.
	"AWS::KMS::Key":   {"KeySpec", "KeyUsage", "MultiRegion", "Origin"},
	"AWS::KMS::Alias": {"AliasName"},
	// A secret's name is its identity (and a replica of it exists in the other regions).
	"AWS::SecretsManager::Secret": {"Name"},
	"AWS::S3::Bucket":             {"BucketName", "ObjectLockEnabled"},
	"AWS::ECR::Repository":        {"RepositoryName"},
	"AWS::Logs::LogGroup":         {"LogGroupName", "KmsKeyId"},

	// The Region switch plan is named: its create-only properties must not follow primaryRegion.
	"AWS::ARCRegionSwitch::Plan": {"Name", "PrimaryRegion", "RecoveryApproach", "Regions"},
}

type statefulResource struct {
	stack, logicalID, typ string
	props                 map[string]string // replacement properties, as JSON
}

// statefulResources collects env's stateful resources of a by "stack/logicalId", with stack
// names stripped of nothing: the stacks are per region, not per role.
func statefulResources(a *Assembly, env string) map[string]statefulResource {
	out := map[string]statefulResource{}
	for name, tpl := range a.Templates {
		if tpl.Env == nil || tpl.Env.Name != env {
			continue
		}
		for id, r := range tpl.Resources {
			props, ok := replacementProperties[r.Type]
			if !ok {
				continue
			}
			s := statefulResource{stack: name, logicalID: id, typ: r.Type, props: map[string]string{}}
			for _, p := range props {
				if v, set := r.Properties[p]; set {
					s.props[p] = compact(v)
				}
			}
			out[name+"/"+id] = s
		}
	}
	return out
}

func TestRoleSwapReplacesNoStatefulResource(t *testing.T) {
	assemblies := map[string]func(testing.TB) *Assembly{roleSwapFiles[0]: Fixtures, roleSwapFiles[1]: SeedVariants}
	swaps, err := roleSwaps()
	require.NoError(t, err)
	for _, file := range roleSwapFiles {
		base, err := config.Load(filepath.Join(repoRoot, file))
		require.NoError(t, err)
		require.Greater(t, len(base.Regions), 1, "%s: a role swap needs two regions", file)
		want := statefulResources(assemblies[file](t), base.Name)
		types := map[string]bool{}
		for _, r := range want {
			types[r.typ] = true
		}
		// Without these the comparison would be vacuous for the resources the issue is about.
		for _, typ := range []string{"AWS::RDS::DBCluster", "AWS::RDS::DBInstance", "AWS::RDS::GlobalCluster",
			"AWS::ElastiCache::ReplicationGroup", "AWS::KMS::Key", "AWS::SecretsManager::Secret"} {
			require.True(t, types[typ], "%s: no %s to compare", file, typ)
		}

		var others, regions []string
		for _, r := range base.Regions {
			if r.Name != base.PrimaryRegion {
				others = append(others, r.Name)
			}
		}
		for _, s := range swaps {
			if s.file != file {
				continue
			}
			regions = append(regions, s.region)
			t.Run(s.what, func(t *testing.T) {
				s.claim() // the child may have made it (prefetch_test.go)
				envs, err := s.load()
				require.NoError(t, err)
				require.NotEqual(t, base.PrimaryRegion, envs[0].PrimaryRegion, "a swap moves the primary")
				swapped, err := Synth(envs)
				require.NoError(t, err)
				got := statefulResources(swapped, envs[0].Name)
				assertSameStateful(t, want, got)
				assertHostsFollowWriter(t, swapped, envs[0])
			})
		}
		assert.ElementsMatch(t, others, regions, "%s: a swap to every region but the primary", file)
	}
}

// assertSameStateful reports every stateful resource created, removed or moved between the two
// syntheses, and every replacement property that changed.
func assertSameStateful(t *testing.T, before, after map[string]statefulResource) {
	t.Helper()
	var keys []string
	for k := range before {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b := before[k]
		a, ok := after[k]
		if !assert.True(t, ok, "%s (%s) is gone: CloudFormation would delete (or orphan) it and create it elsewhere", k, b.typ) {
			continue
		}
		assert.Equal(t, b.typ, a.typ, k)
		assert.Equal(t, b.props, a.props, "%s (%s): a replacement property changed", k, b.typ)
	}
	for k, a := range after {
		_, ok := before[k]
		assert.True(t, ok, "%s (%s) is new: CloudFormation would create it (its name may already exist)", k, a.typ)
	}
}

// assertHostsFollowWriter checks that the deploy after a role change moves DB_HOST: the cluster
// (writer) endpoint in primaryRegion, the reader endpoint (write forwarding) elsewhere.
func assertHostsFollowWriter(t *testing.T, a *Assembly, env *config.Environment) {
	t.Helper()
	checked := 0
	for name, tpl := range a.Templates {
		if tpl.Env == nil || tpl.Env.Name != env.Name {
			continue
		}
		for svc, c := range mainContainers(tpl) {
			host := jsonOf(c.env["DB_HOST"])
			if c.env["DB_HOST"] == nil {
				continue
			}
			checked++
			if tpl.Region == env.PrimaryRegion {
				assert.Contains(t, host, "EndpointAddress", "%s %s: DB_HOST is the writer", name, svc)
				assert.NotContains(t, host, "ReadEndpoint", "%s %s: DB_HOST is the writer", name, svc)
			} else {
				assert.Contains(t, host, "ReadEndpointAddress", "%s %s: DB_HOST is the local reader", name, svc)
			}
		}
	}
	assert.Positive(t, checked, "no service with a database to check")
}
