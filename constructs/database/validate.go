package database

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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
	setDefault(c.logRetention, logs.RetentionDays_ONE_YEAR)
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
	instanceClassRe     = regexp.MustCompile(`^db\.[a-z][a-z0-9]*\.[a-z0-9-]+$`)
	azPattern           = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]+)+[a-z]$`)
	backupWindowRe      = regexp.MustCompile(`^(\d\d):(\d\d)-(\d\d):(\d\d)$`)
	maintenanceRe       = regexp.MustCompile(`^([a-z]{3}):(\d\d):(\d\d)-([a-z]{3}):(\d\d):(\d\d)$`)
	// globalIdentifier is what RDS accepts for a global cluster identifier (mixed case allowed).
	globalIdentifier = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9-]{0,62}$`)
	// rdsIdentifier is a cluster or instance identifier as RDS stores it (lowercase), which is
	// also how it appears in the names of the exported log groups.
	rdsIdentifier = regexp.MustCompile(`^[a-z][a-z0-9-]{0,62}$`)
)

// reservedDatabaseNames exist in every PostgreSQL server or belong to RDS.
var reservedDatabaseNames = map[string]bool{"postgres": true, "template0": true, "template1": true, "rdsadmin": true}

// monitoringIntervals are the enhanced-monitoring granularities RDS accepts (0, off, is not offered).
var monitoringIntervals = []int{1, 5, 10, 15, 30, 60}

var weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

const (
	minutesPerDay  = 24 * 60
	minutesPerWeek = 7 * minutesPerDay
	serverlessType = "db.serverless"
)

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
	case reservedDatabaseNames[name]:
		v.add("DatabaseName %q is reserved; choose another name", name)
	}
}

func (v *problems) auroraEngineVersion(version string) {
	if _, ok := auroraVersions[version]; !ok {
		v.add("EngineVersion %q is not a supported Aurora PostgreSQL version; allowed: %s", version, versionList(auroraVersions))
	}
}

func (v *problems) instanceEngineVersion(version string) {
	if _, ok := instanceVersions[version]; ok {
		return
	}
	if m := majorVersion(version); m > 0 && m < 15 {
		v.add("EngineVersion %q: PostgreSQL 15 or newer is required; allowed: %s", version, versionList(instanceVersions))
		return
	}
	v.add("EngineVersion %q is not a supported PostgreSQL version; allowed: %s", version, versionList(instanceVersions))
}

func (v *problems) instanceClass(class string) {
	if !instanceClassRe.MatchString(class) {
		v.add("InstanceClass %q must look like db.<family>.<size>, e.g. \"db.r6g.large\"", class)
	}
}

// auroraCompute checks the instances of an Aurora cluster: provisioned class or Serverless v2
// range, and the reader count.
func (v *problems) auroraCompute(class string, readers int, sv2 *ServerlessV2Capacity) {
	if readers < 0 || readers > 15 {
		v.add("Readers %d is outside 0-15", readers)
	}
	if sv2 == nil {
		if class == serverlessType {
			v.add("InstanceClass %q: set ServerlessV2 (MinACU, MaxACU) for Aurora Serverless v2 instances instead", class)
		} else {
			v.instanceClass(class)
		}
		return
	}
	halves := func(x float64) bool { return x == math.Trunc(x*2)/2 }
	if sv2.MinACU < 0.5 || sv2.MinACU > 256 || !halves(sv2.MinACU) {
		v.add("ServerlessV2.MinACU %g must be 0.5 to 256 in steps of 0.5", sv2.MinACU)
	}
	if sv2.MaxACU < 1 || sv2.MaxACU > 256 || !halves(sv2.MaxACU) {
		v.add("ServerlessV2.MaxACU %g must be 1 to 256 in steps of 0.5", sv2.MaxACU)
	}
	if sv2.MinACU > sv2.MaxACU {
		v.add("ServerlessV2.MinACU %g is above ServerlessV2.MaxACU %g", sv2.MinACU, sv2.MaxACU)
	}
}

// common checks the settings every construct shares.
func (v *problems) common(retention int, backupWindow, maintenanceWindow string, removal awscdk.RemovalPolicy, monitoring int, logRetention logs.RetentionDays) {
	if retention < 1 || retention > 35 {
		v.add("BackupRetentionDays %d is outside 1-35", retention)
	}
	backup, backupOK := v.backupWindow(backupWindow)
	maintenance, maintenanceOK := v.maintenanceWindow(maintenanceWindow)
	if backupOK && maintenanceOK {
		for day := 0; day < 7; day++ {
			daily := window{start: day*minutesPerDay + backup.start, length: backup.length}
			if daily.overlaps(maintenance, minutesPerWeek) {
				v.add("BackupWindow %q overlaps MaintenanceWindow %q; RDS needs them apart", backupWindow, maintenanceWindow)
				break
			}
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
	if logRetention == logs.RetentionDays_INFINITE {
		v.add("LogRetention INFINITE keeps database logs forever; choose a retention such as ONE_YEAR")
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
	if allocated < 20 || allocated > 65536 {
		v.add("AllocatedStorageGiB %d is outside 20-65536 (gp3)", allocated)
	}
	// RDS wants the autoscaling ceiling at least 10% above the allocated storage; equal turns
	// autoscaling off.
	if minMax := (allocated*11 + 9) / 10; maxAllocated != allocated && (maxAllocated < minMax || maxAllocated > 65536) {
		v.add("MaxAllocatedStorageGiB %d must be %d (autoscaling off) or %d to 65536 (at least 10%% above AllocatedStorageGiB)", maxAllocated, allocated, minMax)
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

// window is a span of minutes on a circular clock (a day or a week).
type window struct{ start, length int }

func (w window) overlaps(o window, period int) bool {
	mod := func(x int) int { return ((x % period) + period) % period }
	return mod(o.start-w.start) < w.length || mod(w.start-o.start) < o.length
}

// backupWindow parses "hh24:mi-hh24:mi" into minutes of the day.
func (v *problems) backupWindow(s string) (window, bool) {
	m := backupWindowRe.FindStringSubmatch(s)
	if m == nil {
		v.add("BackupWindow %q must be hh24:mi-hh24:mi in UTC, e.g. \"03:00-04:00\"", s)
		return window{}, false
	}
	start, ok1 := clock(m[1], m[2])
	end, ok2 := clock(m[3], m[4])
	if !ok1 || !ok2 {
		v.add("BackupWindow %q has a time outside 00:00-23:59", s)
		return window{}, false
	}
	w := window{start: start, length: ((end-start)%minutesPerDay + minutesPerDay) % minutesPerDay}
	if w.length < 30 {
		v.add("BackupWindow %q is %d minutes; at least 30 are required", s, w.length)
		return window{}, false
	}
	return w, true
}

// maintenanceWindow parses "ddd:hh24:mi-ddd:hh24:mi" into minutes of the week.
func (v *problems) maintenanceWindow(s string) (window, bool) {
	m := maintenanceRe.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		v.add("MaintenanceWindow %q must be ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. \"sun:04:30-sun:05:30\"", s)
		return window{}, false
	}
	startDay, endDay := weekday(m[1]), weekday(m[4])
	start, ok1 := clock(m[2], m[3])
	end, ok2 := clock(m[5], m[6])
	if startDay < 0 || endDay < 0 || !ok1 || !ok2 {
		v.add("MaintenanceWindow %q needs days mon-sun and times 00:00-23:59", s)
		return window{}, false
	}
	from, to := startDay*minutesPerDay+start, endDay*minutesPerDay+end
	w := window{start: from, length: ((to-from)%minutesPerWeek + minutesPerWeek) % minutesPerWeek}
	if w.length < 30 {
		v.add("MaintenanceWindow %q is %d minutes; at least 30 are required", s, w.length)
		return window{}, false
	}
	return w, true
}

func clock(hh, mi string) (int, bool) {
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mi)
	return h*60 + m, h < 24 && m < 60
}

func weekday(d string) int {
	for i, w := range weekdays {
		if w == d {
			return i
		}
	}
	return -1
}
