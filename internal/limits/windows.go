package limits

import (
	"fmt"
	"regexp"
	"slices"
)

// Weekdays are the day names of weekly windows, in the order the week is counted (from Monday).
var Weekdays = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// MinutesPerDay and MinutesPerWeek are the lengths of the circular clocks windows live on.
const MinutesPerDay, MinutesPerWeek = 24 * 60, 7 * 24 * 60

// Minimum window lengths, in minutes: RDS asks for 30, ElastiCache for 60.
const (
	MinDatabaseWindowMinutes = 30
	MinCacheWindowMinutes    = 60
)

// Default windows (UTC) of the database and the cache; they do not overlap each other.
const (
	DefaultBackupWindow           = "03:00-04:00"
	DefaultDatabaseMaintenance    = "sun:04:30-sun:05:30"
	DefaultCacheSnapshotWindow    = "05:00-06:00"
	DefaultCacheMaintenanceWindow = "sun:06:30-sun:07:30"
)

// AWS Backup's plan: its jobs may start up to BackupStartWindowMinutes after the scheduled time
// (a job not started by then expires), and AWS Backup starts no backup of an RDS instance
// during its maintenance window or its automated backup window, nor in the
// BackupLeadMinutes before either (Aurora clusters are exempt). The default start
// lies clear of the default database windows.
const (
	BackupStartWindowMinutes = 60
	BackupLeadMinutes        = 60
	DefaultBackupStartTime   = "06:00"
)

// BackupJobFailureStates are the end states of a backup job that leave no recovery point: it
// failed, was aborted, or expired because it could not start within its start window.
var BackupJobFailureStates = []string{"ABORTED", "EXPIRED", "FAILED"}

// DailyWindowRule, WeeklyWindowRule and TimeOfDayRule describe the syntaxes, for messages and docs.
const (
	DailyWindowRule  = `hh24:mi-hh24:mi in UTC, e.g. "03:00-04:00"`
	WeeklyWindowRule = `ddd:hh24:mi-ddd:hh24:mi in UTC with ddd one of mon, tue, wed, thu, fri, sat, sun, e.g. "sun:04:30-sun:05:30"`
	TimeOfDayRule    = `hh24:mi in UTC, e.g. "06:00"`
)

// Window is a span on a circular clock: Start minutes after midnight (daily) or after Monday
// 00:00 (weekly), Length minutes long. A window may wrap midnight or the end of the week.
type Window struct {
	Start, Length int
	// Weekly is true for a ddd:hh24:mi-ddd:hh24:mi window.
	Weekly bool
}

var (
	timeRE   = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])$`)
	dailyRE  = regexp.MustCompile(`^([01][0-9]|2[0-3]):([0-5][0-9])-([01][0-9]|2[0-3]):([0-5][0-9])$`)
	weeklyRE = regexp.MustCompile(`^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):([0-5][0-9])$`)
)

// ParseTimeOfDay parses hh24:mi (UTC) into minutes after midnight.
func ParseTimeOfDay(s string) (int, error) {
	m := timeRE.FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("not a time of day (allowed: %s)", TimeOfDayRule)
	}
	return atoi(m[1])*60 + atoi(m[2]), nil
}

// FormatTimeOfDay writes minutes after midnight (any day) as hh24:mi.
func FormatTimeOfDay(minutes int) string {
	minutes = (minutes%MinutesPerDay + MinutesPerDay) % MinutesPerDay
	return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60)
}

// period is the length of w's clock: a day or a week.
func (w Window) period() int {
	if w.Weekly {
		return MinutesPerWeek
	}
	return MinutesPerDay
}

// Lead is the window started lead minutes earlier, ending when w ends.
func (w Window) Lead(lead int) Window {
	period := w.period()
	return Window{Start: ((w.Start-lead)%period + period) % period, Length: w.Length + lead, Weekly: w.Weekly}
}

// End is the minute w ends at, on its own clock.
func (w Window) End() int { return (w.Start + w.Length) % w.period() }

// ParseDailyWindow parses hh24:mi-hh24:mi (UTC) and checks it lasts at least minMinutes.
func ParseDailyWindow(s string, minMinutes int) (Window, error) {
	m := dailyRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, fmt.Errorf("not a daily window (allowed: %s, at least %d minutes)", DailyWindowRule, minMinutes)
	}
	start, end := atoi(m[1])*60+atoi(m[2]), atoi(m[3])*60+atoi(m[4])
	return checkLength(Window{Start: start, Length: (end - start + MinutesPerDay) % MinutesPerDay}, minMinutes)
}

// ParseWeeklyWindow parses ddd:hh24:mi-ddd:hh24:mi (UTC, lowercase days) and checks it lasts at
// least minMinutes.
func ParseWeeklyWindow(s string, minMinutes int) (Window, error) {
	m := weeklyRE.FindStringSubmatch(s)
	if m == nil {
		return Window{}, fmt.Errorf("not a weekly window (allowed: %s, at least %d minutes)", WeeklyWindowRule, minMinutes)
	}
	start := slices.Index(Weekdays, m[1])*MinutesPerDay + atoi(m[2])*60 + atoi(m[3])
	end := slices.Index(Weekdays, m[4])*MinutesPerDay + atoi(m[5])*60 + atoi(m[6])
	return checkLength(Window{Start: start, Length: (end - start + MinutesPerWeek) % MinutesPerWeek, Weekly: true}, minMinutes)
}

func checkLength(w Window, minMinutes int) (Window, error) {
	if w.Length < minMinutes {
		return Window{}, fmt.Errorf("%d minutes long (allowed: at least %d minutes)", w.Length, minMinutes)
	}
	return w, nil
}

// DailyOverlaps reports whether a daily window, repeated every day, meets another window
// (both half-open): a weekly one (DailyOverlapsWeekly, with the weekday) or a daily one (every
// day, so no weekday: "").
func DailyOverlaps(daily, other Window) (string, bool) {
	if other.Weekly {
		return DailyOverlapsWeekly(daily, other)
	}
	return "", (other.Start-daily.Start+MinutesPerDay)%MinutesPerDay < daily.Length ||
		(daily.Start-other.Start+MinutesPerDay)%MinutesPerDay < other.Length
}

// DailyOverlapsWeekly reports whether a daily window, repeated every day, meets a weekly window
// (both half-open), and on which weekday ("mon"…"sun") the first shared minute falls.
func DailyOverlapsWeekly(daily, weekly Window) (string, bool) {
	for day := range 7 {
		s := day*MinutesPerDay + daily.Start
		switch {
		case (weekly.Start-s+MinutesPerWeek)%MinutesPerWeek < daily.Length:
			return Weekdays[weekly.Start/MinutesPerDay], true
		case (s-weekly.Start+MinutesPerWeek)%MinutesPerWeek < weekly.Length:
			return Weekdays[s%MinutesPerWeek/MinutesPerDay], true
		}
	}
	return "", false
}
