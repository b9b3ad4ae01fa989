package database

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
)

// common points at the optional settings the three constructs share, so their defaults are
// applied in one place; a nil field is a setting the construct does not have.
type common struct {
	engineVersion       *string
	instanceClass       *string
	backupRetentionDays *int
	backupWindow        *string
	maintenanceWindow   *string
	deletionProtection  **bool
	removalPolicy       *awscdk.RemovalPolicy
	monitoringInterval  *int
	logRetention        *logs.RetentionDays
	rotationDays        *int
}

// setDefaults gives every unset setting c points at its documented default; engineVersion and
// instanceClass are the construct's own.
func (c common) setDefaults(engineVersion, instanceClass string) {
	setDefault(c.engineVersion, engineVersion)
	setDefault(c.instanceClass, instanceClass)
	setDefault(c.backupRetentionDays, DefaultBackupRetentionDays)
	setDefault(c.backupWindow, DefaultBackupWindow)
	setDefault(c.maintenanceWindow, DefaultMaintenanceWindow)
	setDefault(c.deletionProtection, ptr(true))
	setDefault(c.removalPolicy, awscdk.RemovalPolicy_RETAIN)
	setDefault(c.monitoringInterval, DefaultMonitoringInterval)
	setDefault(c.logRetention, retention.Default)
	setDefault(c.rotationDays, DefaultRotationDays)
}

// setDefault sets *field to value when field is there and *field is the zero value (unset).
func setDefault[T comparable](field *T, value T) {
	var unset T
	if field != nil && *field == unset {
		*field = value
	}
}

var (
	databaseNamePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	azPattern           = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+[a-z]$`)
	// globalIdentifier is what RDS accepts for a global cluster identifier (mixed case allowed).
	globalIdentifier = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`)
	// rdsIdentifier is a cluster or instance identifier as RDS stores it (lowercase), which is
	// also how it appears in the names of the exported log groups.
	rdsIdentifier = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
	// userPattern is a database user the users function accepts: service and database names,
	// nothing a quoted SQL identifier or literal would need to escape (the function checks it too).
	userPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,62}$`)
)

// monitoringIntervals are the enhanced-monitoring granularities RDS accepts (0, off, is not offered).
var monitoringIntervals = []int{1, 5, 10, 15, 30, 60}

const serverlessType = limits.ServerlessInstanceClass

// problems collects every validation error, so the caller sees them all at once.
type problems struct{ errs []error }

func (v *problems) add(format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf(format, args...))
}

func (v *problems) err() error { return errors.Join(v.errs...) }

func (v *problems) network(vpc ec2.IVpc, subnets *ec2.SubnetSelection, sg ec2.ISecurityGroup) {
	if vpc == nil {
		v.add("Vpc is required")
	}
	if subnets == nil {
		v.add("Subnets is required: the isolated data subnets")
	}
	if sg == nil {
		v.add("SecurityGroup is required: the database security group")
	}
}

func (v *problems) availabilityZones(azs []string) {
	if len(azs) < 2 {
		v.add("AvailabilityZones has %d entries; at least 2 are required so the writer and a reader never share an AZ", len(azs))
	}
	seen := map[string]bool{}
	for i, az := range azs {
		switch {
		case !azPattern.MatchString(az):
			v.add("AvailabilityZones[%d] %q is not an AZ name such as \"us-east-1a\"", i, az)
		case seen[az]:
			v.add("AvailabilityZones[%d] %q is listed twice", i, az)
		}
		seen[az] = true
	}
}

func (v *problems) databaseName(name string) {
	switch {
	case !databaseNamePattern.MatchString(name):
		v.add("DatabaseName %q must match [a-z][a-z0-9_]{0,62}", name)
	case slices.Contains(limits.ReservedDatabaseNames, name):
		v.add("DatabaseName %q is reserved; choose another name", name)
	}
}

func (v *problems) auroraEngineVersion(version string) {
	switch _, mapped := auroraVersions[version]; {
	case !slices.Contains(limits.AuroraPostgresVersions, version):
		v.add("EngineVersion %q is not a supported Aurora PostgreSQL version; allowed: %s", version, strings.Join(limits.AuroraPostgresVersions, ", "))
	case !mapped:
		v.add("EngineVersion %q has no aws-cdk-lib value in this construct (a limits version the construct does not map)", version)
	}
}

func (v *problems) instanceEngineVersion(version string) {
	allowed := strings.Join(limits.PostgresVersions, ", ")
	_, mapped := instanceVersions[version]
	switch m := limits.MajorVersion(version); {
	case slices.Contains(limits.PostgresVersions, version) && !mapped:
		v.add("EngineVersion %q has no aws-cdk-lib value in this construct (a limits version the construct does not map)", version)
	case slices.Contains(limits.PostgresVersions, version):
	case m > 0 && m < limits.MajorVersion(limits.PostgresVersions[0]):
		v.add("EngineVersion %q: PostgreSQL %d or newer is required; allowed: %s", version, limits.MajorVersion(limits.PostgresVersions[0]), allowed)
	default:
		v.add("EngineVersion %q is not a supported PostgreSQL version; allowed: %s", version, allowed)
	}
}

func (v *problems) instanceClass(class string) {
	if !limits.ValidInstanceClass(class) {
		v.add("InstanceClass %q is not an RDS instance class (allowed: %s)", class, limits.InstanceClassRule)
	}
}

// auroraCompute checks the instances of an Aurora cluster: provisioned class or Serverless v2
// range, and the reader count.
func (v *problems) auroraCompute(class string, readers int, sv2 *ServerlessV2Capacity) {
	if readers < limits.MinReaders || readers > limits.MaxReaders {
		v.add("Readers %d is outside %d-%d", readers, limits.MinReaders, limits.MaxReaders)
	}
	if sv2 == nil {
		switch {
		case class == serverlessType:
			v.add("InstanceClass %q: set ServerlessV2 (MinACU, MaxACU) for Aurora Serverless v2 instances instead", class)
		case limits.AuroraInstanceClassProblem(class) != "":
			v.add("InstanceClass %q: %s", class, limits.AuroraInstanceClassProblem(class))
		}
		return
	}
	steps := func(x float64) bool { return math.Mod(x, limits.ServerlessACUStep) == 0 }
	if sv2.MinACU < limits.MinServerlessACU || sv2.MinACU > limits.MaxServerlessACU || !steps(sv2.MinACU) {
		v.add("ServerlessV2.MinACU %g must be %g to %g in steps of %g", sv2.MinACU, limits.MinServerlessACU, limits.MaxServerlessACU, limits.ServerlessACUStep)
	}
	if sv2.MaxACU < limits.MinServerlessMaxACU || sv2.MaxACU > limits.MaxServerlessACU || !steps(sv2.MaxACU) {
		v.add("ServerlessV2.MaxACU %g must be %g to %g in steps of %g", sv2.MaxACU, limits.MinServerlessMaxACU, limits.MaxServerlessACU, limits.ServerlessACUStep)
	}
	if sv2.MinACU > sv2.MaxACU {
		v.add("ServerlessV2.MinACU %g is above ServerlessV2.MaxACU %g", sv2.MinACU, sv2.MaxACU)
	}
}

// common checks the settings every construct shares.
func (v *problems) common(backupDays int, backupWindow, maintenanceWindow string, removal awscdk.RemovalPolicy, monitoring int, logRetention logs.RetentionDays) {
	if backupDays < limits.MinBackupRetentionDays || backupDays > limits.MaxBackupRetentionDays {
		v.add("BackupRetentionDays %d is outside %d-%d", backupDays, limits.MinBackupRetentionDays, limits.MaxBackupRetentionDays)
	}
	backup, backupErr := limits.ParseDailyWindow(backupWindow, limits.MinDatabaseWindowMinutes)
	if backupErr != nil {
		v.add("BackupWindow %q: %v", backupWindow, backupErr)
	}
	maintenance, maintenanceErr := limits.ParseWeeklyWindow(maintenanceWindow, limits.MinDatabaseWindowMinutes)
	if maintenanceErr != nil {
		v.add("MaintenanceWindow %q: %v", maintenanceWindow, maintenanceErr)
	}
	if backupErr == nil && maintenanceErr == nil {
		if day, overlap := limits.DailyOverlapsWeekly(backup, maintenance); overlap {
			v.add("BackupWindow %q overlaps MaintenanceWindow %q on %s; RDS needs them apart", backupWindow, maintenanceWindow, day)
		}
	}
	switch removal {
	case awscdk.RemovalPolicy_RETAIN, awscdk.RemovalPolicy_SNAPSHOT:
	case awscdk.RemovalPolicy_DESTROY:
		v.add("RemovalPolicy DESTROY would delete the data with the stack; allowed: RETAIN, SNAPSHOT")
	default:
		v.add("RemovalPolicy %q is not allowed; allowed: RETAIN, SNAPSHOT", removal)
	}
	ok := false
	for _, m := range monitoringIntervals {
		ok = ok || m == monitoring
	}
	if !ok {
		v.add("MonitoringInterval %d is not one of 1, 5, 10, 15, 30, 60 (seconds)", monitoring)
	}
	if err := retention.Check("LogRetention", logRetention); err != nil {
		v.errs = append(v.errs, err)
	}
}

// users checks the names of the users a database creates.
func (v *problems) users(users []string) {
	for _, u := range users {
		if !userPattern.MatchString(u) {
			v.add("Users: %q must match %s", u, userPattern)
		}
	}
}

func (v *problems) rotation(days int, subnets *ec2.SubnetSelection) {
	if days < 1 || days > 365 {
		v.add("RotationDays %d is outside 1-365", days)
	}
	if subnets == nil {
		v.add("RotationSubnets is required: subnets from which the rotation function reaches Secrets Manager (the app subnets)")
	}
}

func (v *problems) identifier(field, id string, pattern *regexp.Regexp) {
	switch {
	case !pattern.MatchString(id):
		v.add("%s %q must match %s", field, id, pattern)
	case strings.HasSuffix(id, "-") || strings.Contains(id, "--"):
		v.add("%s %q must not end with a hyphen or contain two hyphens in a row", field, id)
	}
}

// storage checks gp3 storage, its autoscaling ceiling and provisioned IOPS against RDS's rules
// for PostgreSQL.
func (v *problems) storage(allocated, maxAllocated, iops int) {
	if allocated < limits.MinAllocatedStorageGiB || allocated > limits.MaxAllocatedStorageGiB {
		v.add("AllocatedStorageGiB %d is outside %d-%d (gp3)", allocated, limits.MinAllocatedStorageGiB, limits.MaxAllocatedStorageGiB)
	}
	// RDS wants the autoscaling ceiling at least 10% above the allocated storage; equal turns
	// autoscaling off.
	if minMax := limits.MinMaxAllocatedStorageGiB(allocated); maxAllocated != allocated && (maxAllocated < minMax || maxAllocated > limits.MaxAllocatedStorageGiB) {
		v.add("MaxAllocatedStorageGiB %d must be %d (autoscaling off) or %d to %d (at least 10%% above AllocatedStorageGiB)",
			maxAllocated, allocated, minMax, limits.MaxAllocatedStorageGiB)
	}
	if iops != 0 {
		if iops < 12000 || iops > 64000 {
			v.add("Iops %d is outside 12000-64000 (gp3 provisioned IOPS; 0 for the baseline)", iops)
		}
		if allocated < 400 {
			v.add("Iops needs AllocatedStorageGiB of at least 400 (gp3 below 400 GiB has a fixed 3000 IOPS baseline), got %d", allocated)
		}
	}
}
