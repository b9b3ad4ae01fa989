package cache

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/nagpacks"
)

const account = "111111111111"

var (
	dataSubnets = []string{"subnet-0a000000000000001", "subnet-0a000000000000002"}
	appSubnets  = []string{"subnet-0b000000000000001", "subnet-0b000000000000002"}
	cacheSG     = "sg-0c000000000000001"
)

// validProps returns the required props, with a VPC and security group imported into stack as
// the Network stack would hand them over (no resources, so nag sees only the cache).
func validProps(stack awscdk.Stack) RedisProps {
	region := *stack.Region()
	vpc := ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
		VpcId:               jsii.String("vpc-0d000000000000001"),
		AvailabilityZones:   jsii.Strings(region+"a", region+"b"),
		PrivateSubnetIds:    jsii.Strings(appSubnets...),
		PrivateSubnetNames:  jsii.Strings("App"),
		IsolatedSubnetIds:   jsii.Strings(dataSubnets...),
		IsolatedSubnetNames: jsii.Strings("Data"),
	})
	return RedisProps{
		Vpc:           vpc,
		Subnets:       &ec2.SubnetSelection{SubnetGroupName: jsii.String("Data")},
		SecurityGroup: ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("CacheSg"), jsii.String(cacheSG), nil),
	}
}

func ptr[T any](v T) *T { return &v }

// The fixture synthesizes one app with a stack per scenario, once for the whole package: each
// synth costs about a second, so every test reads templates from this one cloud assembly.
type fixture struct {
	outdir string
	stacks map[string]awscdk.Stack
	redis  map[string]*Redis
	err    error
}

var (
	fixtureOnce sync.Once
	shared      fixture
)

const (
	defaultStack   = "Default"
	variantStack   = "Variant"
	primaryStack   = "Primary"
	secondaryStack = "Secondary"
	secretName     = "stratus/prod/cache-auth"
)

func scenarios() map[string]struct {
	region string
	edit   func(*RedisProps)
} {
	globalID, _ := GlobalDatastoreID("us-east-1", "stratus")
	return map[string]struct {
		region string
		edit   func(*RedisProps)
	}{
		defaultStack: {"us-east-1", func(*RedisProps) {}},
		variantStack: {"us-east-1", func(p *RedisProps) {
			p.Engine = EngineValkey
			p.Replicas = ptr(0)
			p.Port = 6380
			p.NodeType = "cache.r6gd.xlarge"
			p.SnapshotRetentionDays = 35
			p.SnapshotWindow = "23:30-01:00" // crosses midnight
			p.MaintenanceWindow = "sat:22:00-sat:23:15"
			p.LogRetention = logs.RetentionDays_ONE_MONTH
			p.Description = "Orders cache"
		}},
		primaryStack: {"us-east-1", func(p *RedisProps) {
			p.GlobalDatastoreSuffix = "stratus"
			p.AuthSecretName = secretName
			p.AuthSecretReplicaRegions = []string{"eu-west-1"}
			p.RotationDays, p.RotationTagValue = 14, secretName
		}},
		secondaryStack: {"eu-west-1", func(p *RedisProps) {
			p.GlobalDatastoreId = globalID
			p.AuthSecretName = secretName
		}},
	}
}

func load(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		defer func() {
			if msg := recover(); msg != nil {
				shared.err = fmt.Errorf("synth panicked: %v", msg)
			}
		}()
		dir, err := os.MkdirTemp("", "cache-test-")
		if err != nil {
			shared.err = err
			return
		}
		shared = fixture{outdir: dir, stacks: map[string]awscdk.Stack{}, redis: map[string]*Redis{}}
		app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
		awscdk.Tags_Of(app).Add(jsii.String("project"), jsii.String("stratus"), nil)
		for name, s := range scenarios() {
			stack := awscdk.NewStack(app, jsii.String(name), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(s.region)},
			})
			props := validProps(stack)
			s.edit(&props)
			r, err := NewRedis(stack, "Cache", props)
			if err != nil {
				shared.err = fmt.Errorf("%s: %w", name, err)
				return
			}
			nagpacks.Apply(stack)
			shared.stacks[name], shared.redis[name] = stack, r
		}
		app.Synth(nil)
	})
	require.Nil(t, shared.err)
	return &shared
}

func TestMain(m *testing.M) {
	cdktest.Main(m, func() {
		if shared.outdir != "" {
			os.RemoveAll(shared.outdir)
		}
	})
}

func template(t *testing.T, name string) assertions.Template {
	t.Helper()
	f := load(t)
	var tpl assertions.Template
	cdktest.NoPanic(t, func() { tpl = assertions.Template_FromStack(f.stacks[name], nil) })
	return tpl
}

func TestDefaultsAreSecure(t *testing.T) {
	tpl := template(t, defaultStack)
	raw := cdktest.Template(t, load(t).stacks[defaultStack])
	keyID, _ := cdktest.Only(t, raw, "AWS::KMS::Key")
	secretID, secret := cdktest.Only(t, raw, "AWS::SecretsManager::Secret")
	_, pg := cdktest.Only(t, raw, "AWS::ElastiCache::ParameterGroup")
	subnetGroupID, sg := cdktest.Only(t, raw, "AWS::ElastiCache::SubnetGroup")
	_, group := cdktest.Only(t, raw, "AWS::ElastiCache::ReplicationGroup")
	keyArn := map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}

	cdktest.NoPanic(t, func() {
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), &map[string]any{
			"Engine":                      "redis",
			"EngineVersion":               "7.1",
			"CacheNodeType":               "cache.r7g.large",
			"Port":                        6379,
			"ClusterMode":                 "disabled",
			"NumCacheClusters":            2, // the primary and 1 replica
			"MultiAZEnabled":              true,
			"AutomaticFailoverEnabled":    true,
			"AutoMinorVersionUpgrade":     true,
			"AtRestEncryptionEnabled":     true,
			"KmsKeyId":                    keyArn,
			"TransitEncryptionEnabled":    true,
			"TransitEncryptionMode":       "required",
			"SecurityGroupIds":            []any{cacheSG},
			"CacheSubnetGroupName":        map[string]any{"Ref": subnetGroupID},
			"SnapshotRetentionLimit":      15,
			"SnapshotWindow":              "05:00-06:00",
			"PreferredMaintenanceWindow":  "sun:06:30-sun:07:30",
			"ReplicationGroupDescription": "Stratus cache",
			"Tags":                        []any{map[string]any{"Key": "project", "Value": "stratus"}},
		})
		tpl.HasResource(jsii.String("AWS::ElastiCache::ReplicationGroup"), &map[string]any{
			"DeletionPolicy": "Snapshot", "UpdateReplacePolicy": "Snapshot",
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"KmsKeyId": keyArn,
			"GenerateSecretString": map[string]any{
				"PasswordLength": 64, "ExcludePunctuation": true, "IncludeSpace": false,
			},
		})
		tpl.ResourceCountIs(jsii.String("AWS::Logs::LogGroup"), jsii.Number(2))
		tpl.AllResources(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties":     map[string]any{"RetentionInDays": 365, "KmsKeyId": keyArn},
			"DeletionPolicy": "Retain",
		})
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::GlobalReplicationGroup"), jsii.Number(0))
	})

	assert.Equal(t, "Retain", secret["DeletionPolicy"], "secret DeletionPolicy")
	assert.Equal(t, "Retain", secret["UpdateReplacePolicy"], "secret UpdateReplacePolicy")
	assert.Equal(t, "redis7", cdktest.Props(t, pg)["CacheParameterGroupFamily"], "parameter group family")
	assert.Equal(t, "map[cluster-enabled:no]", fmt.Sprint(cdktest.Props(t, pg)["Properties"]))
	assert.Equal(t, fmt.Sprint(dataSubnets), fmt.Sprint(cdktest.Props(t, sg)["SubnetIds"]))

	// The AUTH token reaches the template only as a dynamic reference to the secret.
	auth, _ := json.Marshal(cdktest.Props(t, group)["AuthToken"])
	want := fmt.Sprintf(`{"Fn::Join":["",["{{resolve:secretsmanager:",{"Ref":"%s"},":SecretString:::}}"]]}`, secretID)
	assert.Equal(t, want, string(auth), "AuthToken = %s, want %s", auth, want)

	// Slow and engine logs go as JSON to the two encrypted, retained groups.
	var got []string
	require.NotEmpty(t, cdktest.As[[]any](t, cdktest.Props(t, group)["LogDeliveryConfigurations"]))
	for _, c := range cdktest.As[[]any](t, cdktest.Props(t, group)["LogDeliveryConfigurations"]) {
		c := cdktest.As[map[string]any](t, c)
		dest := cdktest.As[map[string]any](t, cdktest.As[map[string]any](t, cdktest.As[map[string]any](t, c["DestinationDetails"])["CloudWatchLogsDetails"])["LogGroup"])["Ref"]
		got = append(got, fmt.Sprintf("%s %s %s %s", c["LogType"], c["LogFormat"], c["DestinationType"], dest))
	}
	slices.Sort(got)
	require.Len(t, got, 2, "log delivery = %q, want engine-log and slow-log", got)
	assert.True(t, strings.HasPrefix(got[0], "engine-log json cloudwatch-logs CacheEngineLogGroup"), "log delivery %q, want the engine log as JSON to its group", got[0])
	assert.True(t, strings.HasPrefix(got[1], "slow-log json cloudwatch-logs CacheSlowLogGroup"), "log delivery %q, want the slow log as JSON to its group", got[1])

	r := load(t).redis[defaultStack]
	assert.Equal(t, 6379.0, r.Port)
	assert.NotNil(t, r.PrimaryEndpoint, "PrimaryEndpoint")
	assert.NotNil(t, r.ReaderEndpoint, "ReaderEndpoint")
	assert.NotNil(t, r.AuthSecret, "AuthSecret")
	assert.NotNil(t, r.Key, "Key")
	assert.Nil(t, r.GlobalDatastoreId, "GlobalDatastoreId without a Global Datastore")
}

func TestPropsChangeWhatTheySay(t *testing.T) {
	tpl := template(t, variantStack)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), &map[string]any{
			"Engine":                      "valkey",
			"EngineVersion":               "8.0",
			"CacheNodeType":               "cache.r6gd.xlarge",
			"DataTieringEnabled":          true, // required by r6gd nodes
			"Port":                        6380,
			"NumCacheClusters":            1,
			"MultiAZEnabled":              false,
			"AutomaticFailoverEnabled":    false,
			"SnapshotRetentionLimit":      35,
			"SnapshotWindow":              "23:30-01:00",
			"PreferredMaintenanceWindow":  "sat:22:00-sat:23:15",
			"ReplicationGroupDescription": "Orders cache",
		})
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ParameterGroup"), &map[string]any{
			"CacheParameterGroupFamily": "valkey8",
		})
		tpl.AllResourcesProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 30})
	})
	assert.Equal(t, 6380.0, load(t).redis[variantStack].Port)
}

func TestGlobalDatastoreSuffixMakesThisGroupThePrimary(t *testing.T) {
	tpl := template(t, primaryStack)
	raw := cdktest.Template(t, load(t).stacks[primaryStack])
	groupID, _ := cdktest.Only(t, raw, "AWS::ElastiCache::ReplicationGroup")
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::GlobalReplicationGroup"), &map[string]any{
			"GlobalReplicationGroupIdSuffix": "stratus",
			"Members": []any{map[string]any{
				"ReplicationGroupId": map[string]any{"Ref": groupID}, "ReplicationGroupRegion": "us-east-1", "Role": "PRIMARY",
			}},
		})
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), &map[string]any{
			"Name": secretName, "ReplicaRegions": []any{map[string]any{"Region": "eu-west-1"}},
		})
		// The primary keeps every secure setting.
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), &map[string]any{
			"AtRestEncryptionEnabled": true, "TransitEncryptionEnabled": true, "AuthToken": assertions.Match_AnyValue(),
			"GlobalReplicationGroupId": assertions.Match_Absent(),
		})
	})
	assert.NotNil(t, load(t).redis[primaryStack].GlobalDatastoreId, "GlobalDatastoreId on the primary")
}

func TestGlobalDatastoreIdMakesThisGroupASecondary(t *testing.T) {
	tpl := template(t, secondaryStack)
	raw := cdktest.Template(t, load(t).stacks[secondaryStack])
	keyID, _ := cdktest.Only(t, raw, "AWS::KMS::Key")
	_, group := cdktest.Only(t, raw, "AWS::ElastiCache::ReplicationGroup")
	props := cdktest.Props(t, group)
	assert.Equal(t, "ldgnf-stratus", props["GlobalReplicationGroupId"])
	// What the primary decides and AWS refuses on a new secondary.
	for _, inherited := range []string{
		"Engine", "EngineVersion", "CacheNodeType", "CacheParameterGroupName", "ClusterMode", "NumNodeGroups",
		"AtRestEncryptionEnabled", "TransitEncryptionEnabled", "TransitEncryptionMode", "AuthToken", "DataTieringEnabled",
	} {
		assert.NotContains(t, props, inherited, "the secondary sets %s; it is inherited from the primary", inherited)
	}
	// What stays regional.
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::ElastiCache::ReplicationGroup"), &map[string]any{
			"KmsKeyId":               map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}},
			"SecurityGroupIds":       []any{cacheSG},
			"NumCacheClusters":       2,
			"MultiAZEnabled":         true,
			"SnapshotRetentionLimit": 15,
		})
		tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::ParameterGroup"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::GlobalReplicationGroup"), jsii.Number(0))
		tpl.ResourceCountIs(jsii.String("AWS::ElastiCache::SubnetGroup"), jsii.Number(1))
	})
	r := load(t).redis[secondaryStack]
	require.NotNil(t, r.AuthSecret, "AuthSecret")
	assert.Contains(t, *r.AuthSecret.SecretName(), secretName, "AuthSecret: the replica")
}

// TestNagFindsNothingUnsuppressed applies AwsSolutions and NIST 800-53 R5 to every scenario.
func TestNagFindsNothingUnsuppressed(t *testing.T) {
	f := load(t)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*|NIST.*"))
	for name, stack := range f.stacks {
		cdktest.NoPanic(t, func() {
			a := assertions.Annotations_FromStack(stack)
			var findings []string
			for _, m := range append(*a.FindError(jsii.String("*"), nag), *a.FindWarning(jsii.String("*"), nag)...) {
				findings = append(findings, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
			}
			assert.Empty(t, findings, name)
		})
	}
	// The CSV reports also list rules that could not be evaluated (UNKNOWN).
	cdktest.NoFindings(t, gates.Nag, f.outdir)
}

// TestSuppressionsOnlyWhereRulesFire checks each suppression sits on its exact resource, with a
// specific reason, and only in the scenario where its rule would fire.
func TestSuppressionsOnlyWhereRulesFire(t *testing.T) {
	want := map[string]map[string][]string{
		defaultStack: {"AWS::ElastiCache::ReplicationGroup": {"AwsSolutions-AEC5"}},
		variantStack: {"AWS::ElastiCache::ReplicationGroup": {"AwsSolutions-AEC4"}}, // valkey on 6380: no AEC5
		primaryStack: {"AWS::ElastiCache::ReplicationGroup": {"AwsSolutions-AEC5"},
			// Its rotation function's (constructs/rotation).
			"AWS::Lambda::Function":   {"AwsSolutions-L1", "NIST.800.53.R5-LambdaDLQ", "NIST.800.53.R5-LambdaInsideVPC"},
			"AWS::IAM::ManagedPolicy": {"AwsSolutions-IAM5"}},
		secondaryStack: {"AWS::ElastiCache::ReplicationGroup": {"AwsSolutions-AEC3", "AwsSolutions-AEC5", "AwsSolutions-AEC6"}},
	}
	// The primary rotates its token (RotationDays): no rotation finding to suppress there.
	for _, name := range []string{defaultStack, variantStack} {
		want[name]["AWS::SecretsManager::Secret"] = []string{"AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled"}
	}
	for name, byType := range want {
		all := cdktest.Template(t, load(t).stacks[name])
		resources := cdktest.As[map[string]any](t, all["Resources"])
		require.NotEmpty(t, resources)
		for id, r := range resources {
			r := cdktest.As[map[string]any](t, r)
			var ids []string
			metadata, _ := r["Metadata"].(map[string]any)
			if meta, ok := metadata["cdk_nag"].(map[string]any); ok {
				for _, s := range cdktest.As[[]any](t, meta["rules_to_suppress"]) {
					s := cdktest.As[map[string]any](t, s)
					ids = append(ids, cdktest.As[string](t, s["id"]))
					assert.False(t, len(cdktest.As[string](t, s["reason"])) < 20, "%s %s: reason %q is too short", name, id, s["reason"])
				}
			}
			slices.Sort(ids)
			assert.ElementsMatch(t, byType[cdktest.As[string](t, r["Type"])], ids, "%s %s (%s) suppressions", name, id, r["Type"])
		}
	}
}

func TestCfnLintIsClean(t *testing.T) { cdktest.NoFindings(t, gates.CfnLint, load(t).outdir) }

func TestGlobalDatastoreID(t *testing.T) {
	for _, c := range []struct{ region, suffix, want, err string }{
		{"us-east-1", "stratus", "ldgnf-stratus", ""},
		{"eu-west-1", "stratus-prod", "gxeiz-stratus-prod", ""},
		{"mars-north-1", "stratus", "", `no published Global Datastore id prefix for region "mars-north-1"`},
		{"us-east-1", "Stratus_Prod", "", `suffix "Stratus_Prod" must be lowercase`},
	} {
		got, err := GlobalDatastoreID(c.region, c.suffix)
		assert.Equal(t, c.want, got, "GlobalDatastoreID(%q, %q)", c.region, c.suffix)
		if c.err == "" {
			assert.NoError(t, err, "GlobalDatastoreID(%q, %q)", c.region, c.suffix)
		} else {
			assert.ErrorContains(t, err, c.err, "GlobalDatastoreID(%q, %q)", c.region, c.suffix)
		}
	}
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	// validate needs no synth: the required fields only have to be non-nil here.
	required := requiredProps()
	base := func() RedisProps { return required }
	cases := []cdktest.Invalid[RedisProps]{
		{Name: "a missing VPC", Mutate: func(p *RedisProps) { p.Vpc = nil }, Want: "Vpc is required"},
		{Name: "missing subnets", Mutate: func(p *RedisProps) { p.Subnets = nil }, Want: "Subnets is required"},
		{Name: "a missing security group", Mutate: func(p *RedisProps) { p.SecurityGroup = nil }, Want: "SecurityGroup is required"},
		{Name: "an unknown engine", Mutate: func(p *RedisProps) { p.Engine = "memcached" }, Want: `Engine "memcached" is not one of ["redis" "valkey"]`},
		{Name: "a redis version too old for TLS mode and engine logs", Mutate: func(p *RedisProps) { p.EngineVersion = "6.2" },
			Want: `EngineVersion "6.2" is not a supported redis version (allowed: 7.0, 7.1)`},
		{Name: "a valkey version given for redis", Mutate: func(p *RedisProps) { p.EngineVersion = "8.0" }, Want: `EngineVersion "8.0" is not a supported redis version`},
		{Name: "a redis version given for valkey", Mutate: func(p *RedisProps) { p.Engine, p.EngineVersion = EngineValkey, "7.1" },
			Want: `EngineVersion "7.1" is not a supported valkey version (allowed: 7.2, 8.0, 8.1, 8.2)`},
		{Name: "a node type without the cache prefix", Mutate: func(p *RedisProps) { p.NodeType = "r7g.large" },
			Want: `NodeType "r7g.large" is not a node type (allowed: cache.<family>.<size>`},
		{Name: "a node type with a bad size", Mutate: func(p *RedisProps) { p.NodeType = "cache.r7g.huge" }, Want: `NodeType "cache.r7g.huge" is not a node type`},
		{Name: "negative replicas", Mutate: func(p *RedisProps) { p.Replicas = ptr(-1) }, Want: "Replicas -1 is outside 0-5"},
		{Name: "six replicas", Mutate: func(p *RedisProps) { p.Replicas = ptr(6) }, Want: "Replicas 6 is outside 0-5"},
		{Name: "a privileged port", Mutate: func(p *RedisProps) { p.Port = 443 }, Want: "Port 443 is outside 1024-65535"},
		{Name: "a port above 65535", Mutate: func(p *RedisProps) { p.Port = 70000 }, Want: "Port 70000 is outside 1024-65535"},
		{Name: "a retention below NIST's 15 days", Mutate: func(p *RedisProps) { p.SnapshotRetentionDays = 7 },
			Want: "SnapshotRetentionDays 7 is outside 15-35 (NIST 800-53 R5 asks for at least 15 days"},
		{Name: "a retention above ElastiCache's 35 days", Mutate: func(p *RedisProps) { p.SnapshotRetentionDays = 36 }, Want: "SnapshotRetentionDays 36 is outside 15-35"},
		{Name: "a malformed snapshot window", Mutate: func(p *RedisProps) { p.SnapshotWindow = "5:00-6:00" },
			Want: `SnapshotWindow "5:00-6:00": not a daily window (allowed: hh24:mi-hh24:mi in UTC`},
		{Name: "a snapshot window under an hour", Mutate: func(p *RedisProps) { p.SnapshotWindow = "05:00-05:59" },
			Want: `SnapshotWindow "05:00-05:59": 59 minutes long (allowed: at least 60 minutes)`},
		{Name: "an empty-length snapshot window", Mutate: func(p *RedisProps) { p.SnapshotWindow = "05:00-05:00" }, Want: `SnapshotWindow "05:00-05:00": 0 minutes long`},
		{Name: "a malformed maintenance window", Mutate: func(p *RedisProps) { p.MaintenanceWindow = "sunday:06:30-sunday:07:30" },
			Want: `MaintenanceWindow "sunday:06:30-sunday:07:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi`},
		{Name: "an upper-case maintenance day", Mutate: func(p *RedisProps) { p.MaintenanceWindow = "Sun:06:30-Sun:07:30" }, Want: `MaintenanceWindow "Sun:06:30-Sun:07:30": not a weekly window`},
		{Name: "a maintenance window under an hour", Mutate: func(p *RedisProps) { p.MaintenanceWindow = "sun:06:30-sun:07:00" },
			Want: `MaintenanceWindow "sun:06:30-sun:07:00": 30 minutes long (allowed: at least 60 minutes)`},
		{Name: "overlapping windows", Mutate: func(p *RedisProps) { p.MaintenanceWindow = "wed:05:30-wed:06:30" },
			Want: `SnapshotWindow "05:00-06:00" overlaps MaintenanceWindow "wed:05:30-wed:06:30" on wed`},
		{Name: "windows overlapping across midnight and the week's end", Mutate: func(p *RedisProps) {
			p.SnapshotWindow, p.MaintenanceWindow = "23:30-00:30", "sat:22:00-sun:00:00"
		}, Want: `overlaps MaintenanceWindow "sat:22:00-sun:00:00" on sat`},
		{Name: "infinite log retention", Mutate: func(p *RedisProps) { p.LogRetention = logs.RetentionDays_INFINITE }, Want: `LogRetention "INFINITE" is not a finite logs.RetentionDays value`},
		{Name: "both global options at once", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix, p.GlobalDatastoreId = "stratus", "ldgnf-stratus" },
			Want: `GlobalDatastoreSuffix "stratus" and GlobalDatastoreId "ldgnf-stratus" are both set`},
		{Name: "a suffix with upper case and underscores", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix = "Stratus_Prod" },
			Want: `GlobalDatastoreSuffix "Stratus_Prod" must be lowercase letters, digits and single hyphens`},
		{Name: "a suffix ending in a hyphen", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix = "stratus-" }, Want: `GlobalDatastoreSuffix "stratus-" must be`},
		{Name: "a suffix longer than 34 characters", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix = strings.Repeat("a", 35) }, Want: "at most 34 characters"},
		{Name: "a burstable node type in a global datastore", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix, p.NodeType = "stratus", "cache.t4g.medium" },
			Want: `NodeType "cache.t4g.medium": burstable (t) node types cannot join a Global Datastore`},
		{Name: "a previous-generation node type in a global datastore", Mutate: func(p *RedisProps) { p.GlobalDatastoreSuffix, p.NodeType = "stratus", "cache.m4.large" },
			Want: `NodeType "cache.m4.large": previous-generation node types (older than m5 and r5) cannot join a Global Datastore`},
		{Name: "a global datastore id without the region prefix", Mutate: func(p *RedisProps) { p.GlobalDatastoreId, p.AuthSecretName = "stratus", "s" },
			Want: `GlobalDatastoreId "stratus" is not of the form <5-letter region prefix>-<suffix>`},
		{Name: "a secondary without the secret name", Mutate: func(p *RedisProps) { p.GlobalDatastoreId = "ldgnf-stratus" }, Want: "GlobalDatastoreId needs AuthSecretName"},
		{Name: "a secondary replicating a secret", Mutate: func(p *RedisProps) {
			p.GlobalDatastoreId, p.AuthSecretName, p.AuthSecretReplicaRegions = "ldgnf-stratus", "s", []string{"eu-west-1"}
		}, Want: "AuthSecretReplicaRegions is set on a secondary"},
		{Name: "a rotation period over a year", Mutate: func(p *RedisProps) { p.RotationDays, p.RotationTagValue = 366, "t" },
			Want: "RotationDays 366 must be 0 (no rotation) or 1-365"},
		{Name: "a rotation without a tag value", Mutate: func(p *RedisProps) { p.RotationDays = 30 }, Want: "RotationTagValue is required with RotationDays"},
		{Name: "a rotation on a secondary", Mutate: func(p *RedisProps) {
			p.GlobalDatastoreId, p.AuthSecretName, p.RotationDays, p.RotationTagValue = "ldgnf-stratus", "s", 30, "t"
		}, Want: "RotationDays is set on a secondary"},
		{Name: "a bad secret name", Mutate: func(p *RedisProps) { p.AuthSecretName = "cache auth" }, Want: `AuthSecretName "cache auth" must be 1-512 characters`},
		{Name: "replica regions without a secret name", Mutate: func(p *RedisProps) { p.AuthSecretReplicaRegions = []string{"eu-west-1"} },
			Want: "AuthSecretReplicaRegions needs AuthSecretName"},
		{Name: "a malformed replica region", Mutate: func(p *RedisProps) { p.AuthSecretName, p.AuthSecretReplicaRegions = "s", []string{"Ireland"} },
			Want: `AuthSecretReplicaRegions[0] "Ireland" is not a region name`},
		{Name: "a replica region listed twice", Mutate: func(p *RedisProps) {
			p.AuthSecretName, p.AuthSecretReplicaRegions = "s", []string{"eu-west-1", "eu-west-1"}
		}, Want: `AuthSecretReplicaRegions[1] "eu-west-1" is listed twice`},
	}
	cdktest.Rejects(t, base, func(p RedisProps) error { return p.withDefaults().validate() }, cases)

	t.Run("the defaults are valid", func(t *testing.T) {
		require.NoError(t, base().withDefaults().validate())
	})

	// Subnet problems only show once the selection is resolved in the VPC, in NewRedis.
	for _, c := range []struct {
		name    string
		subnets *ec2.SubnetSelection
		want    string
	}{
		{"subnets that select nothing", &ec2.SubnetSelection{SubnetGroupName: jsii.String("Nope")}, "Subnets selects no subnets of Vpc: There are no subnet groups with name 'Nope'"},
		{"a single AZ with a replica", &ec2.SubnetSelection{SubnetGroupName: jsii.String("Data"), AvailabilityZones: jsii.Strings("us-east-1a")},
			"Subnets spans 1 Availability Zone; Replicas 1 turns Multi-AZ on, which needs subnets in at least 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var err error
			cdktest.NoPanic(t, func() {
				stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Subnets"), &awscdk.StackProps{
					Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("us-east-1")},
				})
				p := validProps(stack)
				p.Subnets = c.subnets
				_, err = NewRedis(stack, "Cache", p)
			})
			require.ErrorContains(t, err, c.want)
		})
	}

	t.Run("NewRedis returns every problem instead of panicking", func(t *testing.T) {
		var err error
		cdktest.NoPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := awscdk.NewStack(app, jsii.String("Bad"), &awscdk.StackProps{
				Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String("eu-west-1")},
			})
			p := validProps(stack)
			p.Engine, p.Port = "memcached", 80
			p.AuthSecretName, p.AuthSecretReplicaRegions = "s", []string{"eu-west-1"}
			_, err = NewRedis(stack, "Cache", p)
		})
		for _, want := range []string{`Engine "memcached"`, "Port 80", `AuthSecretReplicaRegions lists "eu-west-1", the stack's own region`} {
			assert.ErrorContains(t, err, want)
		}
	})
}

// requiredProps returns the required fields, imported into a stack that is never synthesized:
// validate only needs them to exist.
func requiredProps() RedisProps {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("Validation"), nil)
	return RedisProps{
		Vpc: ec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &ec2.VpcAttributes{
			VpcId: jsii.String("vpc-1"), AvailabilityZones: jsii.Strings("us-east-1a"),
		}),
		Subnets:       &ec2.SubnetSelection{},
		SecurityGroup: ec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("Sg"), jsii.String(cacheSG), nil),
	}
}

func TestThePrimaryRotatesItsTokenAcrossItsRegions(t *testing.T) {
	f := load(t)
	assert.Nil(t, f.redis[defaultStack].Rotation)
	assert.Nil(t, f.redis[secondaryStack].Rotation)
	require.NotNil(t, f.redis[primaryStack].Rotation)
	tpl := template(t, primaryStack)
	cdktest.NoPanic(t, func() {
		tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::RotationSchedule"), &map[string]any{
			"RotationRules": map[string]any{"ScheduleExpression": "rate(14 days)"}, "RotateImmediatelyOnUpdate": false,
		})
		tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), &map[string]any{
			"Handler": "cache.handler",
			"Environment": map[string]any{"Variables": map[string]any{
				"REGIONS": "us-east-1,eu-west-1", "TAG_VALUE": secretName, "TAG_KEY": "stratus:cache-secret",
				"REPLICATION_GROUP_ID": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^CacheReplicationGroup"))},
			}},
		})
	})
}
