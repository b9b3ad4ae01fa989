package database

import (
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

var (
	propsNetOnce sync.Once
	propsNet     net
	propsStack   awscdk.Stack
	propsDir     string
)

// validNet is a network for props tests: built once, never synthesized.
func validNet(t *testing.T) (net, awscdk.Stack) {
	t.Helper()
	cdktest.NoPanic(t, func() {
		propsNetOnce.Do(func() {
			dir, err := os.MkdirTemp("", "stratus-database-props-*")
			if err != nil {
				panic(err)
			}
			propsDir = dir
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(dir)})
			propsStack, propsNet = newTestStack(app, "Props", "us-east-1")
		})
	})
	return propsNet, propsStack
}

func TestAuroraPostgresRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = AuroraPostgresProps
	cdktest.Rejects(t, func() P { return primaryProps(n) }, func(p P) error { return p.withDefaults().validate() }, []cdktest.Invalid[P]{
		{Name: "a missing VPC", Mutate: func(p *P) { p.Vpc = nil }, Want: "Vpc is required"},
		{Name: "missing subnets", Mutate: func(p *P) { p.Subnets = nil }, Want: "Subnets is required"},
		{Name: "a missing security group", Mutate: func(p *P) { p.SecurityGroup = nil }, Want: "SecurityGroup is required"},
		{Name: "a single availability zone", Mutate: func(p *P) { p.AvailabilityZones = p.AvailabilityZones[:1] },
			Want: "AvailabilityZones has 1 entries; at least 2 are required"},
		{Name: "an availability zone listed twice", Mutate: func(p *P) { p.AvailabilityZones[1] = p.AvailabilityZones[0] },
			Want: `AvailabilityZones[1] "us-east-1a" is listed twice`},
		{Name: "an availability zone id instead of a name", Mutate: func(p *P) { p.AvailabilityZones = []string{"use1-az1", "use1-az2"} },
			Want: `AvailabilityZones[0] "use1-az1" is not an AZ name`},
		{Name: "a database name with capitals", Mutate: func(p *P) { p.DatabaseName = "Orders" }, Want: `DatabaseName "Orders" must match [a-z][a-z0-9_]{0,62}`},
		{Name: "a database name PostgreSQL reserves", Mutate: func(p *P) { p.DatabaseName = "template1" }, Want: `DatabaseName "template1" is reserved`},
		{Name: "an unknown engine version", Mutate: func(p *P) { p.EngineVersion = "16.99" },
			Want: `EngineVersion "16.99" is not a supported Aurora PostgreSQL version; allowed: 15.8, 15.10, 15.12`},
		{Name: "an engine version no longer supported", Mutate: func(p *P) { p.EngineVersion = "13.9" }, Want: `EngineVersion "13.9" is not a supported`},
		{Name: "an instance class Aurora does not offer", Mutate: func(p *P) { p.InstanceClass = "db.m6g.large" },
			Want: `InstanceClass "db.m6g.large": Aurora PostgreSQL offers no m6g classes`},
		{Name: "a burstable class for a cluster that creates users", Mutate: func(p *P) { p.InstanceClass, p.Users = "db.t4g.medium", []string{"orders"} },
			Want: `InstanceClass "db.t4g.medium" with Users: the RDS Data API, which creates the services' database users at deploy time, does not run on burstable (db.t*) classes`},
		{Name: "an instance class without the db. prefix", Mutate: func(p *P) { p.InstanceClass = "r6g.large" },
			Want: `InstanceClass "r6g.large": not an RDS instance class (allowed: db.<family>.<size>`},
		{Name: "db.serverless without a capacity range", Mutate: func(p *P) { p.InstanceClass = "db.serverless" },
			Want: `InstanceClass "db.serverless": set ServerlessV2 (MinACU, MaxACU)`},
		{Name: "more than 15 readers", Mutate: func(p *P) { p.Readers = ptr(16) }, Want: "Readers 16 is outside 0-15"},
		{Name: "a negative reader count", Mutate: func(p *P) { p.Readers = ptr(-1) }, Want: "Readers -1 is outside 0-15"},
		{Name: "a serverless minimum below half an ACU", Mutate: func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 0, MaxACU: 4} },
			Want: "ServerlessV2.MinACU 0 must be 0.5 to 256 in steps of 0.5"},
		{Name: "a serverless maximum above 256 ACU", Mutate: func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 1, MaxACU: 300} },
			Want: "ServerlessV2.MaxACU 300 must be 1 to 256 in steps of 0.5"},
		{Name: "a serverless capacity off the half-ACU steps", Mutate: func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 1.25, MaxACU: 4} },
			Want: "ServerlessV2.MinACU 1.25 must be 0.5 to 256 in steps of 0.5"},
		{Name: "a serverless minimum above the maximum", Mutate: func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 8, MaxACU: 4} },
			Want: "ServerlessV2.MinACU 8 is above ServerlessV2.MaxACU 4"},
		{Name: "a backup retention above 35 days", Mutate: func(p *P) { p.BackupRetentionDays = 36 }, Want: "BackupRetentionDays 36 is outside 1-35"},
		{Name: "a negative backup retention", Mutate: func(p *P) { p.BackupRetentionDays = -1 }, Want: "BackupRetentionDays -1 is outside 1-35"},
		{Name: "a backup window without an end", Mutate: func(p *P) { p.BackupWindow = "03:00" }, Want: `BackupWindow "03:00": not a daily window (allowed: hh24:mi-hh24:mi in UTC`},
		{Name: "a backup window with an impossible time", Mutate: func(p *P) { p.BackupWindow = "24:00-24:45" }, Want: `BackupWindow "24:00-24:45": not a daily window`},
		{Name: "a backup window shorter than 30 minutes", Mutate: func(p *P) { p.BackupWindow = "03:00-03:15" },
			Want: `BackupWindow "03:00-03:15": 15 minutes long (allowed: at least 30 minutes)`},
		{Name: "a backup window overlapping the maintenance window", Mutate: func(p *P) { p.BackupWindow = "04:00-05:00" },
			Want: `BackupWindow "04:00-05:00" overlaps MaintenanceWindow "sun:04:30-sun:05:30"`},
		{Name: "a backup window crossing midnight into the maintenance window", Mutate: func(p *P) {
			p.BackupWindow, p.MaintenanceWindow = "23:30-00:30", "mon:00:15-mon:01:00"
		}, Want: `BackupWindow "23:30-00:30" overlaps MaintenanceWindow "mon:00:15-mon:01:00"`},
		{Name: "a malformed maintenance window", Mutate: func(p *P) { p.MaintenanceWindow = "sunday 04:30-05:30" },
			Want: `MaintenanceWindow "sunday 04:30-05:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC`},
		{Name: "a maintenance window on an unknown day", Mutate: func(p *P) { p.MaintenanceWindow = "sun:04:30-son:05:30" },
			Want: `MaintenanceWindow "sun:04:30-son:05:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of mon, tue`},
		{Name: "a maintenance window shorter than 30 minutes", Mutate: func(p *P) { p.MaintenanceWindow = "sun:04:30-sun:04:50" },
			Want: `MaintenanceWindow "sun:04:30-sun:04:50": 20 minutes long (allowed: at least 30 minutes)`},
		{Name: "the DESTROY removal policy", Mutate: func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY },
			Want: "RemovalPolicy DESTROY would delete the data with the stack; allowed: RETAIN, SNAPSHOT"},
		{Name: "a removal policy other than RETAIN or SNAPSHOT", Mutate: func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE },
			Want: `RemovalPolicy "RETAIN_ON_UPDATE_OR_DELETE" is not allowed; allowed: RETAIN, SNAPSHOT`},
		{Name: "a monitoring interval RDS does not offer", Mutate: func(p *P) { p.MonitoringInterval = 45 },
			Want: "MonitoringInterval 45 is not one of 1, 5, 10, 15, 30, 60 (seconds)"},
		{Name: "logs kept forever", Mutate: func(p *P) { p.LogRetention = logs.RetentionDays_INFINITE }, Want: `LogRetention "INFINITE" is not a finite logs.RetentionDays value`},
		{Name: "a rotation period above a year", Mutate: func(p *P) { p.RotationDays = 366 }, Want: "RotationDays 366 is outside 1-365"},
		{Name: "no subnets for the rotation function", Mutate: func(p *P) { p.RotationSubnets = nil }, Want: "RotationSubnets is required"},
		{Name: "a global identifier starting with a digit", Mutate: func(p *P) { p.GlobalClusterIdentifier = "1orders" },
			Want: `GlobalClusterIdentifier "1orders" must match ^[a-zA-Z][a-zA-Z0-9-]{0,62}$`},
		{Name: "a global identifier with a trailing hyphen", Mutate: func(p *P) { p.GlobalClusterIdentifier = "orders-" },
			Want: `GlobalClusterIdentifier "orders-" must not end with a hyphen or contain two hyphens in a row`},
		{Name: "a global identifier with two hyphens in a row", Mutate: func(p *P) { p.GlobalClusterIdentifier = "stratus--orders" },
			Want: `GlobalClusterIdentifier "stratus--orders" must not end with a hyphen`},
		{Name: "a global identifier longer than 63 characters", Mutate: func(p *P) { p.GlobalClusterIdentifier = "a" + strings.Repeat("b", 63) },
			Want: "GlobalClusterIdentifier \"abbbb"},
		{Name: "a cluster identifier with capitals", Mutate: func(p *P) { p.ClusterIdentifier = "Orders" },
			Want: `ClusterIdentifier "Orders" must match ^[a-z][a-z0-9-]{0,62}$`},
	})
}

func TestAuroraSecondaryRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = AuroraSecondaryProps
	cdktest.Rejects(t, func() P { return secondaryProps(n) }, func(p P) error { return p.withDefaults().validate() }, []cdktest.Invalid[P]{
		{Name: "no global cluster to join", Mutate: func(p *P) { p.GlobalClusterIdentifier = "" }, Want: "GlobalClusterIdentifier is required"},
		{Name: "a malformed global identifier", Mutate: func(p *P) { p.GlobalClusterIdentifier = "orders_global" },
			Want: `GlobalClusterIdentifier "orders_global" must match`},
		{Name: "a single availability zone", Mutate: func(p *P) { p.AvailabilityZones = []string{"eu-west-1a"} }, Want: "AvailabilityZones has 1 entries"},
		{Name: "an unknown engine version", Mutate: func(p *P) { p.EngineVersion = "15" }, Want: `EngineVersion "15" is not a supported Aurora PostgreSQL version; allowed:`},
		{Name: "a malformed instance class", Mutate: func(p *P) { p.InstanceClass = "db.r6g" }, Want: `InstanceClass "db.r6g": not an RDS instance class`},
		{Name: "more than 15 readers", Mutate: func(p *P) { p.Readers = ptr(20) }, Want: "Readers 20 is outside 0-15"},
		{Name: "a serverless minimum above the maximum", Mutate: func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 2, MaxACU: 1} },
			Want: "ServerlessV2.MinACU 2 is above ServerlessV2.MaxACU 1"},
		{Name: "a database name with a hyphen", Mutate: func(p *P) { p.DatabaseName = "or-ders" }, Want: `DatabaseName "or-ders" must match`},
		{Name: "a backup retention above 35 days", Mutate: func(p *P) { p.BackupRetentionDays = 40 }, Want: "BackupRetentionDays 40 is outside 1-35"},
		{Name: "a backup window overlapping the maintenance window", Mutate: func(p *P) {
			p.BackupWindow, p.MaintenanceWindow = "05:00-06:00", "tue:05:59-tue:06:30"
		}, Want: "overlaps MaintenanceWindow"},
		{Name: "the DESTROY removal policy", Mutate: func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY }, Want: "RemovalPolicy DESTROY"},
		{Name: "a monitoring interval RDS does not offer", Mutate: func(p *P) { p.MonitoringInterval = 2 }, Want: "MonitoringInterval 2 is not one of"},
		{Name: "a cluster identifier ending in a hyphen", Mutate: func(p *P) { p.ClusterIdentifier = "orders-eu-" }, Want: `ClusterIdentifier "orders-eu-" must not end with a hyphen`},
	})
}

func TestPostgresInstanceRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = PostgresInstanceProps
	cdktest.Rejects(t, func() P { return instanceProps(n) }, func(p P) error { return p.withDefaults().validate() }, []cdktest.Invalid[P]{
		{Name: "PostgreSQL 14", Mutate: func(p *P) { p.EngineVersion = "14.12" },
			Want: `EngineVersion "14.12": PostgreSQL 15 or newer is required; allowed: 15.7, 15.8, 15.10`},
		{Name: "an unknown engine version", Mutate: func(p *P) { p.EngineVersion = "16.99" }, Want: `EngineVersion "16.99" is not a supported PostgreSQL version; allowed:`},
		{Name: "an Aurora-only instance class", Mutate: func(p *P) { p.InstanceClass = "db.serverless" }, Want: `InstanceClass "db.serverless" is not an RDS instance class (allowed: db.<family>.<size>`},
		{Name: "storage below 20 GiB", Mutate: func(p *P) { p.AllocatedStorageGiB = 10 }, Want: "AllocatedStorageGiB 10 is outside 20-65536"},
		{Name: "storage above 64 TiB", Mutate: func(p *P) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 70000, 70000 }, Want: "AllocatedStorageGiB 70000 is outside 20-65536"},
		{Name: "an autoscaling ceiling below the storage", Mutate: func(p *P) { p.MaxAllocatedStorageGiB = 50 },
			Want: "MaxAllocatedStorageGiB 50 must be 100 (autoscaling off) or 110 to 65536 (at least 10% above AllocatedStorageGiB)"},
		{Name: "an autoscaling ceiling less than 10% above the storage", Mutate: func(p *P) { p.MaxAllocatedStorageGiB = 105 }, Want: "MaxAllocatedStorageGiB 105 must be"},
		{Name: "an autoscaling ceiling above 64 TiB", Mutate: func(p *P) { p.MaxAllocatedStorageGiB = 70000 }, Want: "MaxAllocatedStorageGiB 70000 must be"},
		{Name: "provisioned IOPS below 400 GiB", Mutate: func(p *P) { p.Iops = 12000 },
			Want: "Iops needs AllocatedStorageGiB of at least 400 (gp3 below 400 GiB has a fixed 3000 IOPS baseline), got 100"},
		{Name: "provisioned IOPS below the gp3 range", Mutate: func(p *P) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB, p.Iops = 400, 1000, 3000 },
			Want: "Iops 3000 is outside 12000-64000"},
		{Name: "a backup retention above 35 days", Mutate: func(p *P) { p.BackupRetentionDays = 36 }, Want: "BackupRetentionDays 36 is outside 1-35"},
		{Name: "a backup window shorter than 30 minutes", Mutate: func(p *P) { p.BackupWindow = "01:00-01:29" }, Want: `BackupWindow "01:00-01:29": 29 minutes long (allowed: at least 30 minutes)`},
		{Name: "a maintenance window without days", Mutate: func(p *P) { p.MaintenanceWindow = "04:30-05:30" }, Want: `MaintenanceWindow "04:30-05:30": not a weekly window`},
		{Name: "the DESTROY removal policy", Mutate: func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY }, Want: "RemovalPolicy DESTROY"},
		{Name: "a monitoring interval RDS does not offer", Mutate: func(p *P) { p.MonitoringInterval = 120 }, Want: "MonitoringInterval 120 is not one of"},
		{Name: "a rotation period below a day", Mutate: func(p *P) { p.RotationDays = -5 }, Want: "RotationDays -5 is outside 1-365"},
		{Name: "no subnets for the rotation function", Mutate: func(p *P) { p.RotationSubnets = nil }, Want: "RotationSubnets is required"},
		{Name: "a database name starting with a digit", Mutate: func(p *P) { p.DatabaseName = "1shop" }, Want: `DatabaseName "1shop" must match`},
		{Name: "an instance identifier with two hyphens in a row", Mutate: func(p *P) { p.InstanceIdentifier = "shop--db" }, Want: `InstanceIdentifier "shop--db" must not end with a hyphen or contain two hyphens`},
	})
}

func TestBackupWindowsThatOnlyTouchTheMaintenanceWindowAreAccepted(t *testing.T) {
	n, _ := validNet(t)
	p := instanceProps(n)
	p.BackupWindow, p.MaintenanceWindow = "03:00-04:30", "sun:04:30-sun:05:30"
	assert.NoError(t, p.withDefaults().validate(), "adjacent windows")
	p.BackupWindow, p.MaintenanceWindow = "22:00-23:00", "sun:23:30-mon:00:30" // a window across the week's end
	assert.NoError(t, p.withDefaults().validate(), "a maintenance window across the week's end")
}

func TestConstructorsReturnEveryProblemInsteadOfPanicking(t *testing.T) {
	n, stack := validNet(t)
	before := len(*stack.Node().Children())
	check := func(t *testing.T, err error, prefix string, want ...string) {
		t.Helper()
		require.Error(t, err)
		for _, w := range append([]string{prefix}, want...) {
			assert.Contains(t, err.Error(), w)
		}
	}
	t.Run("NewAuroraPostgres", func(t *testing.T) {
		p := primaryProps(n)
		p.Readers, p.RemovalPolicy, p.GlobalClusterIdentifier = ptr(99), awscdk.RemovalPolicy_DESTROY, "x--y"
		var err error
		cdktest.NoPanic(t, func() { _, err = NewAuroraPostgres(stack, "BadCluster", p) })
		check(t, err, "aurora postgres BadCluster: invalid props:", "Readers 99", "RemovalPolicy DESTROY", `GlobalClusterIdentifier "x--y"`)
	})
	t.Run("NewAuroraSecondary", func(t *testing.T) {
		p := secondaryProps(n)
		p.GlobalClusterIdentifier, p.EngineVersion = "", "9.6"
		var err error
		cdktest.NoPanic(t, func() { _, err = NewAuroraSecondary(stack, "BadSecondary", p) })
		check(t, err, "aurora secondary BadSecondary: invalid props:", "GlobalClusterIdentifier is required", `EngineVersion "9.6"`)
	})
	t.Run("NewPostgresInstance", func(t *testing.T) {
		p := instanceProps(n)
		p.EngineVersion, p.Iops, p.Vpc = "13.4", 20000, nil
		var err error
		cdktest.NoPanic(t, func() { _, err = NewPostgresInstance(stack, "BadInstance", p) })
		check(t, err, "postgres instance BadInstance: invalid props:", "PostgreSQL 15 or newer", "Iops needs", "Vpc is required")
	})
	assert.Len(t, *stack.Node().Children(), before, "rejected props add no construct to the stack")
}

func TestSecondaryPropsFollowThePrimary(t *testing.T) {
	n, _ := validNet(t)
	p := primaryProps(n)
	p.GlobalClusterIdentifier, p.EngineVersion, p.ServerlessV2 = "stratus-prod-orders", "17.4", &ServerlessV2Capacity{MinACU: 1, MaxACU: 8}
	p.BackupRetentionDays, p.BackupWindow, p.DeletionProtection = 14, "01:00-02:00", jsii.Bool(false)
	s := p.SecondaryProps()
	assert.Equal(t, p.GlobalClusterIdentifier, s.GlobalClusterIdentifier)
	assert.Equal(t, p.DatabaseName, s.DatabaseName)
	assert.Equal(t, p.EngineVersion, s.EngineVersion, "a Global Database runs one engine version")
	assert.Equal(t, p.ServerlessV2, s.ServerlessV2)
	assert.Equal(t, p.BackupRetentionDays, s.BackupRetentionDays)
	assert.Equal(t, p.BackupWindow, s.BackupWindow)
	assert.Equal(t, p.DeletionProtection, s.DeletionProtection)
	assert.NoError(t, s.withDefaults().validate())
}
