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

// invalid is one broken prop and what the error must say about it.
type invalid[P any] struct {
	name   string
	mutate func(*P)
	want   string
}

// checkInvalid requires valid() to pass and each case's mutation of a fresh valid() to fail
// with its message (fresh, so a case that edits a slice in place cannot leak into the next).
func checkInvalid[P interface {
	withDefaults() P
	validate() error
}](t *testing.T, valid func() P, cases []invalid[P]) {
	t.Helper()
	require.NoError(t, valid().withDefaults().validate(), "the valid props")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := valid()
			c.mutate(&p)
			err := p.withDefaults().validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestAuroraPostgresRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = AuroraPostgresProps
	checkInvalid(t, func() P { return primaryProps(n) }, []invalid[P]{
		{"a missing VPC", func(p *P) { p.Vpc = nil }, "Vpc is required"},
		{"missing subnets", func(p *P) { p.Subnets = nil }, "Subnets is required"},
		{"a missing security group", func(p *P) { p.SecurityGroup = nil }, "SecurityGroup is required"},
		{"a single availability zone", func(p *P) { p.AvailabilityZones = p.AvailabilityZones[:1] },
			"AvailabilityZones has 1 entries; at least 2 are required"},
		{"an availability zone listed twice", func(p *P) { p.AvailabilityZones[1] = p.AvailabilityZones[0] },
			`AvailabilityZones[1] "us-east-1a" is listed twice`},
		{"an availability zone id instead of a name", func(p *P) { p.AvailabilityZones = []string{"use1-az1", "use1-az2"} },
			`AvailabilityZones[0] "use1-az1" is not an AZ name`},
		{"a database name with capitals", func(p *P) { p.DatabaseName = "Orders" }, `DatabaseName "Orders" must match [a-z][a-z0-9_]{0,62}`},
		{"a database name PostgreSQL reserves", func(p *P) { p.DatabaseName = "template1" }, `DatabaseName "template1" is reserved`},
		{"an unknown engine version", func(p *P) { p.EngineVersion = "16.99" },
			`EngineVersion "16.99" is not a supported Aurora PostgreSQL version; allowed: 15.8, 15.10, 15.12`},
		{"an engine version no longer supported", func(p *P) { p.EngineVersion = "13.9" }, `EngineVersion "13.9" is not a supported`},
		{"an instance class Aurora does not offer", func(p *P) { p.InstanceClass = "db.m6g.large" },
			`InstanceClass "db.m6g.large": Aurora PostgreSQL offers no m6g classes`},
		{"an instance class without the db. prefix", func(p *P) { p.InstanceClass = "r6g.large" },
			`InstanceClass "r6g.large": not an RDS instance class (allowed: db.<family>.<size>`},
		{"db.serverless without a capacity range", func(p *P) { p.InstanceClass = "db.serverless" },
			`InstanceClass "db.serverless": set ServerlessV2 (MinACU, MaxACU)`},
		{"more than 15 readers", func(p *P) { p.Readers = ptr(16) }, "Readers 16 is outside 0-15"},
		{"a negative reader count", func(p *P) { p.Readers = ptr(-1) }, "Readers -1 is outside 0-15"},
		{"a serverless minimum below half an ACU", func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 0, MaxACU: 4} },
			"ServerlessV2.MinACU 0 must be 0.5 to 256 in steps of 0.5"},
		{"a serverless maximum above 256 ACU", func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 1, MaxACU: 300} },
			"ServerlessV2.MaxACU 300 must be 1 to 256 in steps of 0.5"},
		{"a serverless capacity off the half-ACU steps", func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 1.25, MaxACU: 4} },
			"ServerlessV2.MinACU 1.25 must be 0.5 to 256 in steps of 0.5"},
		{"a serverless minimum above the maximum", func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 8, MaxACU: 4} },
			"ServerlessV2.MinACU 8 is above ServerlessV2.MaxACU 4"},
		{"a backup retention above 35 days", func(p *P) { p.BackupRetentionDays = 36 }, "BackupRetentionDays 36 is outside 1-35"},
		{"a negative backup retention", func(p *P) { p.BackupRetentionDays = -1 }, "BackupRetentionDays -1 is outside 1-35"},
		{"a backup window without an end", func(p *P) { p.BackupWindow = "03:00" }, `BackupWindow "03:00": not a daily window (allowed: hh24:mi-hh24:mi in UTC`},
		{"a backup window with an impossible time", func(p *P) { p.BackupWindow = "24:00-24:45" }, `BackupWindow "24:00-24:45": not a daily window`},
		{"a backup window shorter than 30 minutes", func(p *P) { p.BackupWindow = "03:00-03:15" },
			`BackupWindow "03:00-03:15": 15 minutes long (allowed: at least 30 minutes)`},
		{"a backup window overlapping the maintenance window", func(p *P) { p.BackupWindow = "04:00-05:00" },
			`BackupWindow "04:00-05:00" overlaps MaintenanceWindow "sun:04:30-sun:05:30"`},
		{"a backup window crossing midnight into the maintenance window", func(p *P) {
			p.BackupWindow, p.MaintenanceWindow = "23:30-00:30", "mon:00:15-mon:01:00"
		}, `BackupWindow "23:30-00:30" overlaps MaintenanceWindow "mon:00:15-mon:01:00"`},
		{"a malformed maintenance window", func(p *P) { p.MaintenanceWindow = "sunday 04:30-05:30" },
			`MaintenanceWindow "sunday 04:30-05:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC`},
		{"a maintenance window on an unknown day", func(p *P) { p.MaintenanceWindow = "sun:04:30-son:05:30" },
			`MaintenanceWindow "sun:04:30-son:05:30": not a weekly window (allowed: ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of mon, tue`},
		{"a maintenance window shorter than 30 minutes", func(p *P) { p.MaintenanceWindow = "sun:04:30-sun:04:50" },
			`MaintenanceWindow "sun:04:30-sun:04:50": 20 minutes long (allowed: at least 30 minutes)`},
		{"the DESTROY removal policy", func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY },
			"RemovalPolicy DESTROY would delete the data with the stack; allowed: RETAIN, SNAPSHOT"},
		{"a removal policy other than RETAIN or SNAPSHOT", func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE },
			`RemovalPolicy "RETAIN_ON_UPDATE_OR_DELETE" is not allowed; allowed: RETAIN, SNAPSHOT`},
		{"a monitoring interval RDS does not offer", func(p *P) { p.MonitoringInterval = 45 },
			"MonitoringInterval 45 is not one of 1, 5, 10, 15, 30, 60 (seconds)"},
		{"logs kept forever", func(p *P) { p.LogRetention = logs.RetentionDays_INFINITE }, `LogRetention "INFINITE" is not a finite logs.RetentionDays value`},
		{"a rotation period above a year", func(p *P) { p.RotationDays = 366 }, "RotationDays 366 is outside 1-365"},
		{"no subnets for the rotation function", func(p *P) { p.RotationSubnets = nil }, "RotationSubnets is required"},
		{"a global identifier starting with a digit", func(p *P) { p.GlobalClusterIdentifier = "1orders" },
			`GlobalClusterIdentifier "1orders" must match ^[a-zA-Z][a-zA-Z0-9-]{0,62}$`},
		{"a global identifier with a trailing hyphen", func(p *P) { p.GlobalClusterIdentifier = "orders-" },
			`GlobalClusterIdentifier "orders-" must not end with a hyphen or contain two hyphens in a row`},
		{"a global identifier with two hyphens in a row", func(p *P) { p.GlobalClusterIdentifier = "stratus--orders" },
			`GlobalClusterIdentifier "stratus--orders" must not end with a hyphen`},
		{"a global identifier longer than 63 characters", func(p *P) { p.GlobalClusterIdentifier = "a" + strings.Repeat("b", 63) },
			"GlobalClusterIdentifier \"abbbb"},
		{"a cluster identifier with capitals", func(p *P) { p.ClusterIdentifier = "Orders" },
			`ClusterIdentifier "Orders" must match ^[a-z][a-z0-9-]{0,62}$`},
	})
}

func TestAuroraSecondaryRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = AuroraSecondaryProps
	checkInvalid(t, func() P { return secondaryProps(n) }, []invalid[P]{
		{"no global cluster to join", func(p *P) { p.GlobalClusterIdentifier = "" }, "GlobalClusterIdentifier is required"},
		{"a malformed global identifier", func(p *P) { p.GlobalClusterIdentifier = "orders_global" },
			`GlobalClusterIdentifier "orders_global" must match`},
		{"a single availability zone", func(p *P) { p.AvailabilityZones = []string{"eu-west-1a"} }, "AvailabilityZones has 1 entries"},
		{"an unknown engine version", func(p *P) { p.EngineVersion = "15" }, `EngineVersion "15" is not a supported Aurora PostgreSQL version; allowed:`},
		{"a malformed instance class", func(p *P) { p.InstanceClass = "db.r6g" }, `InstanceClass "db.r6g": not an RDS instance class`},
		{"more than 15 readers", func(p *P) { p.Readers = ptr(20) }, "Readers 20 is outside 0-15"},
		{"a serverless minimum above the maximum", func(p *P) { p.ServerlessV2 = &ServerlessV2Capacity{MinACU: 2, MaxACU: 1} },
			"ServerlessV2.MinACU 2 is above ServerlessV2.MaxACU 1"},
		{"a database name with a hyphen", func(p *P) { p.DatabaseName = "or-ders" }, `DatabaseName "or-ders" must match`},
		{"a backup retention above 35 days", func(p *P) { p.BackupRetentionDays = 40 }, "BackupRetentionDays 40 is outside 1-35"},
		{"a backup window overlapping the maintenance window", func(p *P) {
			p.BackupWindow, p.MaintenanceWindow = "05:00-06:00", "tue:05:59-tue:06:30"
		}, "overlaps MaintenanceWindow"},
		{"the DESTROY removal policy", func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY }, "RemovalPolicy DESTROY"},
		{"a monitoring interval RDS does not offer", func(p *P) { p.MonitoringInterval = 2 }, "MonitoringInterval 2 is not one of"},
		{"a cluster identifier ending in a hyphen", func(p *P) { p.ClusterIdentifier = "orders-eu-" }, `ClusterIdentifier "orders-eu-" must not end with a hyphen`},
	})
}

func TestPostgresInstanceRejectsInvalidProps(t *testing.T) {
	n, _ := validNet(t)
	type P = PostgresInstanceProps
	checkInvalid(t, func() P { return instanceProps(n) }, []invalid[P]{
		{"PostgreSQL 14", func(p *P) { p.EngineVersion = "14.12" },
			`EngineVersion "14.12": PostgreSQL 15 or newer is required; allowed: 15.7, 15.8, 15.10`},
		{"an unknown engine version", func(p *P) { p.EngineVersion = "16.99" }, `EngineVersion "16.99" is not a supported PostgreSQL version; allowed:`},
		{"an Aurora-only instance class", func(p *P) { p.InstanceClass = "db.serverless" }, `InstanceClass "db.serverless" is not an RDS instance class (allowed: db.<family>.<size>`},
		{"storage below 20 GiB", func(p *P) { p.AllocatedStorageGiB = 10 }, "AllocatedStorageGiB 10 is outside 20-65536"},
		{"storage above 64 TiB", func(p *P) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB = 70000, 70000 }, "AllocatedStorageGiB 70000 is outside 20-65536"},
		{"an autoscaling ceiling below the storage", func(p *P) { p.MaxAllocatedStorageGiB = 50 },
			"MaxAllocatedStorageGiB 50 must be 100 (autoscaling off) or 110 to 65536 (at least 10% above AllocatedStorageGiB)"},
		{"an autoscaling ceiling less than 10% above the storage", func(p *P) { p.MaxAllocatedStorageGiB = 105 }, "MaxAllocatedStorageGiB 105 must be"},
		{"an autoscaling ceiling above 64 TiB", func(p *P) { p.MaxAllocatedStorageGiB = 70000 }, "MaxAllocatedStorageGiB 70000 must be"},
		{"provisioned IOPS below 400 GiB", func(p *P) { p.Iops = 12000 },
			"Iops needs AllocatedStorageGiB of at least 400 (gp3 below 400 GiB has a fixed 3000 IOPS baseline), got 100"},
		{"provisioned IOPS below the gp3 range", func(p *P) { p.AllocatedStorageGiB, p.MaxAllocatedStorageGiB, p.Iops = 400, 1000, 3000 },
			"Iops 3000 is outside 12000-64000"},
		{"a backup retention above 35 days", func(p *P) { p.BackupRetentionDays = 36 }, "BackupRetentionDays 36 is outside 1-35"},
		{"a backup window shorter than 30 minutes", func(p *P) { p.BackupWindow = "01:00-01:29" }, `BackupWindow "01:00-01:29": 29 minutes long (allowed: at least 30 minutes)`},
		{"a maintenance window without days", func(p *P) { p.MaintenanceWindow = "04:30-05:30" }, `MaintenanceWindow "04:30-05:30": not a weekly window`},
		{"the DESTROY removal policy", func(p *P) { p.RemovalPolicy = awscdk.RemovalPolicy_DESTROY }, "RemovalPolicy DESTROY"},
		{"a monitoring interval RDS does not offer", func(p *P) { p.MonitoringInterval = 120 }, "MonitoringInterval 120 is not one of"},
		{"a rotation period below a day", func(p *P) { p.RotationDays = -5 }, "RotationDays -5 is outside 1-365"},
		{"no subnets for the rotation function", func(p *P) { p.RotationSubnets = nil }, "RotationSubnets is required"},
		{"a database name starting with a digit", func(p *P) { p.DatabaseName = "1shop" }, `DatabaseName "1shop" must match`},
		{"an instance identifier with two hyphens in a row", func(p *P) { p.InstanceIdentifier = "shop--db" }, `InstanceIdentifier "shop--db" must not end with a hyphen or contain two hyphens`},
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
