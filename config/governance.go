package config

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/limits"
)

// Governance (yaml "governance") is an environment's audit trail, configuration recording and
// backups. Each part has a switch for accounts where the organization already provides it.
type Governance struct {
	// CloudTrail (yaml "cloudTrail") is the account's trail.
	CloudTrail CloudTrail `yaml:"cloudTrail"`
	// AwsConfig (yaml "awsConfig") is AWS Config's recorder and rules.
	AwsConfig AwsConfig `yaml:"awsConfig"`
	// Backup (yaml "backup") is the AWS Backup plan of the databases.
	Backup Backup `yaml:"backup"`
	// Rotation (yaml "rotation") is how often the platform's own secrets rotate.
	Rotation Rotation `yaml:"rotation"`
}

// Rotation sets the rotation periods of the secrets whose value also lives outside Secrets
// Manager (the database master secrets rotate with their databases' settings).
type Rotation struct {
	// OriginSecretDays (yaml "originSecretDays", default 30) rotates the CloudFront origin secret.
	OriginSecretDays int `yaml:"originSecretDays"`
	// CacheTokenDays (yaml "cacheTokenDays", default 30) rotates the cache AUTH token; the
	// previous token stays valid until the next rotation starts.
	CacheTokenDays int `yaml:"cacheTokenDays"`
}

// CloudTrail configures the one multi-region trail of the environment's account.
type CloudTrail struct {
	// Enabled (yaml "enabled", default true) creates the trail; false where an organization trail
	// already records the account.
	Enabled bool `yaml:"enabled"`
	// RetentionDays (yaml "retentionDays", default 365) is how long the trail bucket keeps log
	// files; 90-3653.
	RetentionDays int `yaml:"retentionDays"`
	// ObjectLockDays (yaml "objectLockDays", default 0: off) locks every log file in compliance
	// mode for that many days; at most RetentionDays.
	ObjectLockDays int `yaml:"objectLockDays"`
	// LogRetentionDays (yaml "logRetentionDays", default 365) is the retention of the trail's
	// CloudWatch log group; a value CloudWatch Logs accepts.
	LogRetentionDays int `yaml:"logRetentionDays"`
}

// AwsConfig configures AWS Config in every region of the environment.
type AwsConfig struct {
	// Enabled (yaml "enabled", default true) creates the recorder, delivery channel and rules;
	// false where Control Tower (or another recorder) already records the account.
	Enabled bool `yaml:"enabled"`
	// RetentionDays (yaml "retentionDays", default 365) is how long the delivery bucket keeps
	// configuration snapshots and history; 90-3653.
	RetentionDays int `yaml:"retentionDays"`
}

// Backup configures AWS Backup for every Aurora cluster and RDS instance.
type Backup struct {
	// Enabled (yaml "enabled", default true) creates the vaults and the plans.
	Enabled bool `yaml:"enabled"`
	// DailyRetentionDays (yaml "dailyRetentionDays", default 35) keeps the daily recovery points.
	DailyRetentionDays int `yaml:"dailyRetentionDays"`
	// MonthlyRetentionDays (yaml "monthlyRetentionDays", default 365) keeps the monthly ones.
	MonthlyRetentionDays int `yaml:"monthlyRetentionDays"`
	// VaultLockDays (yaml "vaultLockDays", default 0: off) locks every vault (governance mode) so
	// no recovery point can be deleted before that many days; at most both retentions.
	VaultLockDays int `yaml:"vaultLockDays"`
	// DrRegion (yaml "drRegion", default none) is where a single-region environment copies its
	// recovery points; a multi-region environment copies to its other region instead.
	DrRegion string `yaml:"drRegion"`
	// StartTime (yaml "startTime", default "06:00") is when the daily and monthly backups are
	// scheduled, hh24:mi UTC; each may start within the hour after. Where an RDS instance holds a
	// database, that hour may not meet database.maintenanceWindow, database.backupWindow or the
	// hour before either: AWS Backup starts no backup of an instance then.
	StartTime string `yaml:"startTime"`
}

// defaultGovernance has every switch on and no lock.
func defaultGovernance() Governance {
	return Governance{
		CloudTrail: CloudTrail{Enabled: true, RetentionDays: limits.DefaultTrailRetentionDays, LogRetentionDays: limits.DefaultLogRetentionDays},
		AwsConfig:  AwsConfig{Enabled: true, RetentionDays: limits.DefaultTrailRetentionDays},
		Backup: Backup{Enabled: true, DailyRetentionDays: limits.DefaultVaultDailyDays, MonthlyRetentionDays: limits.DefaultVaultMonthlyDays,
			StartTime: limits.DefaultBackupStartTime},
		Rotation: Rotation{OriginSecretDays: limits.DefaultRotationDays, CacheTokenDays: limits.DefaultRotationDays},
	}
}

// BackupCopyRegion is the region env's recovery points made in region are copied to: the
// primary region for a secondary, the first other region for the primary, and drRegion (or "",
// no copy) in a single-region environment.
func (env *Environment) BackupCopyRegion(region string) string {
	if len(env.Regions) == 1 {
		return env.Governance.Backup.DrRegion
	}
	if region != env.PrimaryRegion {
		return env.PrimaryRegion
	}
	for _, r := range env.Regions {
		if r.Name != region {
			return r.Name
		}
	}
	return ""
}

// BackupRegions are the regions holding a vault of env: its own, and the DR region.
func (env *Environment) BackupRegions() []string {
	out := make([]string, 0, len(env.Regions)+1)
	for _, r := range env.Regions {
		out = append(out, r.Name)
	}
	if dr := env.Governance.Backup.DrRegion; dr != "" && !slices.Contains(out, dr) {
		out = append(out, dr)
	}
	return out
}

// governance checks the governance section and network.deniedCidrs.
func (v *validator) governance() {
	g := &v.env.Governance
	trail := "governance.cloudTrail."
	retentionOK := v.intRange(trail+"retentionDays", "", g.CloudTrail.RetentionDays, limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays, "days")
	if v.intRange(trail+"objectLockDays", "", g.CloudTrail.ObjectLockDays, 0, limits.MaxObjectLockDays, "days; 0 turns Object Lock off") &&
		retentionOK && g.CloudTrail.ObjectLockDays > g.CloudTrail.RetentionDays {
		v.errorf("%sobjectLockDays %d: longer than %sretentionDays %d (a locked log file cannot expire; allowed: 0-%d)",
			trail, g.CloudTrail.ObjectLockDays, trail, g.CloudTrail.RetentionDays, g.CloudTrail.RetentionDays)
	}
	oneOf(v, trail+"logRetentionDays", g.CloudTrail.LogRetentionDays, limits.LogRetentionDays, "not a retention CloudWatch Logs accepts")
	v.intRange("governance.awsConfig.retentionDays", "", g.AwsConfig.RetentionDays, limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays, "days")

	b, backup := g.Backup, "governance.backup."
	dailyOK := v.intRange(backup+"dailyRetentionDays", "", b.DailyRetentionDays, limits.MinVaultDailyDays, limits.MaxVaultRetentionDays, "days")
	monthlyOK := v.intRange(backup+"monthlyRetentionDays", "", b.MonthlyRetentionDays, limits.MinVaultMonthlyDays, limits.MaxVaultRetentionDays, "days")
	if v.intRange(backup+"vaultLockDays", "", b.VaultLockDays, 0, limits.MaxVaultLockDays, "days; 0 turns the vault lock off") &&
		dailyOK && monthlyOK && b.VaultLockDays > min(b.DailyRetentionDays, b.MonthlyRetentionDays) {
		v.errorf("%svaultLockDays %d: longer than the shortest retention, %d days (the vault would refuse those recovery points; allowed: 0-%d)",
			backup, b.VaultLockDays, min(b.DailyRetentionDays, b.MonthlyRetentionDays), min(b.DailyRetentionDays, b.MonthlyRetentionDays))
	}
	v.drRegion(backup + "drRegion")
	v.backupStart(backup+"startTime", b)
	v.intRange("governance.rotation.originSecretDays", "", g.Rotation.OriginSecretDays, limits.MinRotationDays, limits.MaxRotationDays, "days")
	v.intRange("governance.rotation.cacheTokenDays", "", g.Rotation.CacheTokenDays, limits.MinRotationDays, limits.MaxRotationDays, "days")
	v.deniedCidrs()
}

func (v *validator) drRegion(path string) {
	dr := v.env.Governance.Backup.DrRegion
	if v.d.bad[path] || dr == "" {
		return
	}
	supported := SupportedRegions()
	switch {
	case len(v.env.Regions) > 1:
		v.errorf("%s %q: only for a single-region environment; with several regions each copies its recovery points to another of regions[] (remove drRegion)", path, dr)
	case !slices.Contains(supported, dr):
		v.errorf("%s %q: unknown region (allowed: %s)", path, dr, strings.Join(supported, ", "))
	case len(v.env.Regions) == 1 && v.env.Regions[0].Name == dr:
		v.errorf("%s %q: the environment's own region; a copy must go to another region", path, dr)
	}
}

func (v *validator) deniedCidrs() {
	const path = "network.deniedCidrs"
	list := v.env.Network.DeniedCidrs
	if v.d.bad[path] {
		return
	}
	if len(list) > limits.MaxDeniedCidrs {
		v.errorf("%s: %d entries; at most %d are allowed (a NACL holds 20 rules per direction)", path, len(list), limits.MaxDeniedCidrs)
	}
	for i, c := range list {
		p := fmt.Sprintf("%s[%d]", path, i)
		if v.d.bad[p] {
			continue
		}
		pf, err := netip.ParsePrefix(c)
		if err != nil || !pf.Addr().Is4() || pf.Masked() != pf {
			v.errorf("%s %q: not an IPv4 network CIDR (e.g. 203.0.113.0/24)", p, c)
			continue
		}
		if pf.Bits() == 0 {
			v.errorf("%s %q: would deny every address (list the ranges to block)", p, c)
			continue
		}
		if j, dup := earlier(list, i); dup {
			v.errorf("%s %q: duplicate of %s[%d]", p, c, path, j)
			continue
		}
		for _, r := range v.env.Regions {
			if vpc, err := netip.ParsePrefix(r.CIDR); err == nil && vpc.Overlaps(pf) {
				v.errorf("%s %q: overlaps the VPC of %s (%s); a deny list blocks outside ranges only", p, c, r.Name, r.CIDR)
			}
		}
		// The public subnets' NACL would turn Route 53's health checks away: every origin would
		// look down, and routing would fail over (or stop) for nothing.
		for _, checker := range Route53HealthCheckerCidrs {
			if cp, err := netip.ParsePrefix(checker); err == nil && cp.Overlaps(pf) {
				v.errorf("%s %q: overlaps %s, a range Route 53's health checkers use; denying it makes every origin look unhealthy", p, c, checker)
				break
			}
		}
	}
}

// GlobalDatabaseAcrossRegions reports whether the environment's Aurora databases are Global
// Databases with a member in more than one region (with one region, database.globalDatabase
// changes nothing).
func (env *Environment) GlobalDatabaseAcrossRegions() bool {
	return env.Database.GlobalDatabase && len(env.Regions) > 1
}

// TierDatabase reports whether the EC2 app tier (compute: ec2) has a database of its own, an RDS
// PostgreSQL instance.
func (env *Environment) TierDatabase() bool {
	return env.RunsTiers() && env.Tiers.Database == EnginePostgres
}

// InstanceDatabases names what holds a single-instance RDS PostgreSQL database: each service that
// owns one, and "tiers" when the app tier has one.
func (env *Environment) InstanceDatabases() []string {
	var out []string
	for _, s := range env.Services {
		if s.OwnsDatabase() && s.Database == EnginePostgres {
			out = append(out, s.Name)
		}
	}
	if env.TierDatabase() {
		out = append(out, "tiers")
	}
	return out
}

// backupStart checks governance.backup.startTime: its syntax and, where RDS instances hold
// databases, that the hour its jobs may start in meets, on no day, database.maintenanceWindow,
// database.backupWindow or the hour before either. AWS Backup starts no backup of an instance
// then (Aurora clusters are exempt); a job that cannot start within its hour fails or expires,
// and that day has no recovery point.
func (v *validator) backupStart(path string, b Backup) {
	if v.d.bad[path] || !b.Enabled {
		return
	}
	start, err := limits.ParseTimeOfDay(b.StartTime)
	if err != nil {
		v.errorf("%s %q: %v", path, b.StartTime, err)
		return
	}
	const maintPath, backupPath = "database.maintenanceWindow", "database.backupWindow"
	owners, db := v.env.InstanceDatabases(), v.env.Database
	maint, errM := limits.ParseWeeklyWindow(db.MaintenanceWindow, limits.MinDatabaseWindowMinutes)
	daily, errB := limits.ParseDailyWindow(db.BackupWindow, limits.MinDatabaseWindowMinutes)
	if len(owners) == 0 || v.d.bad[maintPath] || v.d.bad[backupPath] || errM != nil || errB != nil { // a bad window is reported by database()
		return
	}
	windows := []struct {
		path, value string
		blocked     limits.Window
	}{
		{maintPath, db.MaintenanceWindow, maint.Lead(limits.BackupLeadMinutes)},
		{backupPath, db.BackupWindow, daily.Lead(limits.BackupLeadMinutes)},
	}
	// clash returns the first window the jobs' hour from start meets, and on which day.
	clash := func(start int) (int, string) {
		jobs := limits.Window{Start: start, Length: limits.BackupStartWindowMinutes}
		for i, w := range windows {
			if day, overlap := limits.DailyOverlaps(jobs, w.blocked); overlap {
				return i, day
			}
		}
		return -1, ""
	}
	i, day := clash(start)
	if i < 0 {
		return
	}
	w := windows[i]
	when := "on " + day
	if day == "" {
		when = "every day"
	}
	fix := "no start fits: shorten database.maintenanceWindow or database.backupWindow"
	for k := range limits.MinutesPerDay {
		at := (w.blocked.End() + k) % limits.MinutesPerDay
		if j, _ := clash(at); j < 0 {
			fix = fmt.Sprintf("e.g. %q", limits.FormatTimeOfDay(at))
			break
		}
	}
	hour := fmt.Sprintf("%s-%s UTC", b.StartTime, limits.FormatTimeOfDay(start+limits.BackupStartWindowMinutes))
	why := fmt.Sprintf("AWS Backup starts no backup of an RDS instance (%s) then, and a job that cannot start within its hour fails or expires", strings.Join(owners, ", "))
	clear := "clear of database.maintenanceWindow, database.backupWindow and the hour before each"
	if v.d.has(path) || !v.d.has(w.path) {
		window := fmt.Sprintf("%s %q", w.path, w.value)
		if !v.d.has(w.path) {
			window = "the default " + window
		}
		v.errorf("%s %q: %s the hour backup jobs may start in, %s, meets %s or the hour before it: %s (allowed: a start whose hour is %s; %s)",
			path, b.StartTime, when, hour, window, why, clear, fix)
		return
	}
	v.errorf("%s %q: %s it or the hour before it meets the hour backup jobs may start in after the default %s %q, %s: %s (allowed: a %s whose hour is %s; %s)",
		w.path, w.value, when, path, b.StartTime, hour, why, path, clear, fix)
}
