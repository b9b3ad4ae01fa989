package limits

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFargateMemoryListsTheSizesAWSDocuments(t *testing.T) {
	assert.Equal(t, []int{512, 1024, 2048}, FargateMemory(256))
	assert.Equal(t, []int{1024, 2048, 3072, 4096}, FargateMemory(512))
	assert.Len(t, FargateMemory(16384), 12, "32-120 GiB in 8 GiB steps")
	assert.Nil(t, FargateMemory(300))
	assert.True(t, ValidFargateSize(4096, 30720))
	assert.False(t, ValidFargateSize(4096, 31744))
	for _, cpu := range FargateCPUs {
		assert.NotEmpty(t, FargateMemory(cpu), "cpu %d", cpu)
	}
	m := FargateMemory(256)
	m[0] = 1
	assert.Equal(t, 512, FargateMemory(256)[0], "callers get a copy")
}

func TestFargateMemoryFollowsTheTaskSizeTable(t *testing.T) {
	for _, tc := range []struct{ cpu, first, last, count int }{
		{256, 512, 2048, 3}, {512, 1024, 4096, 4}, {1024, 2048, 8192, 7}, {2048, 4096, 16384, 13},
		{4096, 8192, 30720, 23}, {8192, 16384, 61440, 12}, {16384, 32768, 122880, 12},
	} {
		m := FargateMemory(tc.cpu)
		require.Len(t, m, tc.count, "cpu %d", tc.cpu)
		assert.Equal(t, tc.first, m[0], "cpu %d", tc.cpu)
		assert.Equal(t, tc.last, m[len(m)-1], "cpu %d", tc.cpu)
	}
	assert.Len(t, FargateCPUs, 7)
	assert.True(t, slices.IsSorted(FargateCPUs))
}

func TestVersionListsAreSortedUniqueAndHoldTheDefaults(t *testing.T) {
	lists := map[string][]string{"aurora": AuroraPostgresVersions, "postgres": PostgresVersions}
	for engine, vs := range CacheEngineVersions {
		lists[engine] = vs
	}
	for name, vs := range lists {
		assert.True(t, slices.IsSortedFunc(vs, CompareVersions), "%s is in version order", name)
		assert.Len(t, slices.Compact(slices.Clone(vs)), len(vs), "%s has no duplicates", name)
	}
	assert.Contains(t, AuroraPostgresVersions, DefaultAuroraPostgresVersion)
	assert.Contains(t, PostgresVersions, DefaultPostgresVersion)
	for _, engine := range CacheEngines {
		assert.Contains(t, CacheEngineVersions[engine], CacheDefaultVersions[engine], engine)
	}
}

func TestCacheParameterGroupFamilies(t *testing.T) {
	for _, tc := range []struct{ engine, version, family string }{
		{"redis", "7.0", "redis7"}, {"redis", "7.1", "redis7"}, {"valkey", "7.2", "valkey7"}, {"valkey", "8.2", "valkey8"},
	} {
		f, ok := CacheParameterGroupFamily(tc.engine, tc.version)
		assert.True(t, ok, tc.version)
		assert.Equal(t, tc.family, f)
	}
	_, ok := CacheParameterGroupFamily("redis", "6.2")
	assert.False(t, ok, "Redis 6.2 has no TransitEncryptionMode")
}

func TestInstanceClassesAndNodeTypes(t *testing.T) {
	for _, c := range []string{"db.r6g.large", "db.t4g.medium", "db.r7g.2xlarge", "db.x2g.metal", "db.r6gd.xlarge"} {
		assert.True(t, ValidInstanceClass(c), c)
		assert.Empty(t, AuroraInstanceClassProblem(c), c)
	}
	for _, c := range []string{"db.r6g", "r6g.large", "db.r6g.huge", "db.R6G.large", "cache.r7g.large", "db.r7g.micro", "db.m6g.medium"} {
		assert.False(t, ValidInstanceClass(c), c)
	}
	assert.True(t, ValidCacheNodeType("cache.t4g.micro"))
	assert.False(t, ValidCacheNodeType("cache.r7g.micro"), "micro to medium exist only in t families")
	assert.Contains(t, AuroraInstanceClassProblem("db.m6g.large"), "offers no m6g classes")
	assert.Contains(t, AuroraInstanceClassProblem("db.t3.micro"), "only at medium and large")
	assert.Contains(t, AuroraInstanceClassProblem("db.r6g"), "not an RDS instance class")
	assert.Contains(t, DataAPIClassProblem("db.t4g.medium"), "does not run on burstable (db.t*) classes")
	assert.True(t, ValidPathPattern("/api/*/*/*/*/?"), "five wildcards")
	assert.False(t, ValidPathPattern("/api/*/*/*/*/*/*"), "six wildcards: more than an ALB rule takes")
	assert.Empty(t, DataAPIClassProblem("db.r6g.large"))
	assert.Empty(t, DataAPIClassProblem("db.serverless"))
	assert.Empty(t, AuroraUsersClassProblem("db.r7g.2xlarge"))
	assert.Contains(t, AuroraUsersClassProblem("db.t3.micro"), "does not run on burstable (db.t*) classes")
	assert.Contains(t, AuroraUsersClassProblem("db.m6g.large"), "(allowed families: r*, x*; e.g. db.r6g.large)")
	assert.Contains(t, AuroraUsersClassProblem("db.r6g"), "not an RDS instance class")

	assert.True(t, ValidCacheNodeType("cache.t4g.micro"))
	assert.False(t, ValidCacheNodeType("cache.r7g.giant"))
	assert.Equal(t, "r6gd", CacheNodeFamily("cache.r6gd.xlarge"))
	for nodeType, want := range map[string]string{
		"cache.r7g.large":  "",
		"cache.m5.xlarge":  "",
		"cache.c7gn.large": "",
		"cache.r8g.large":  "", // newer than the prerequisites page lists
		"cache.t4g.small":  "burstable (t) node types cannot join a Global Datastore",
		"cache.m4.large":   "previous-generation node types (older than m5 and r5) cannot join a Global Datastore",
		"cache.r4.2xlarge": "previous-generation node types (older than m5 and r5) cannot join a Global Datastore",
		"cache.c1.xlarge":  "previous-generation node types (older than m5 and r5) cannot join a Global Datastore",
		"cache.r6g.giant":  "not an ElastiCache node type",
	} {
		if want == "" {
			assert.Empty(t, GlobalDatastoreNodeTypeProblem(nodeType), nodeType)
		} else {
			assert.Contains(t, GlobalDatastoreNodeTypeProblem(nodeType), want, nodeType)
		}
	}
}

func TestWindows(t *testing.T) {
	w, err := ParseDailyWindow("23:30-00:30", 60)
	require.NoError(t, err)
	assert.Equal(t, Window{Start: 23*60 + 30, Length: 60}, w)

	_, err = ParseDailyWindow("03:00-03:20", 30)
	assert.EqualError(t, err, "20 minutes long (allowed: at least 30 minutes)")
	_, err = ParseDailyWindow("3:00-4:00", 30)
	assert.ErrorContains(t, err, "not a daily window")

	wk, err := ParseWeeklyWindow("sun:23:30-mon:00:30", 30)
	require.NoError(t, err)
	assert.Equal(t, Window{Start: 6*MinutesPerDay + 23*60 + 30, Length: 60, Weekly: true}, wk)
	_, err = ParseWeeklyWindow("Sun:04:30-sun:05:30", 30)
	assert.ErrorContains(t, err, "not a weekly window")

	daily, _ := ParseDailyWindow(DefaultBackupWindow, 30)
	weekly, _ := ParseWeeklyWindow(DefaultDatabaseMaintenance, 30)
	_, overlap := DailyOverlapsWeekly(daily, weekly)
	assert.False(t, overlap, "the database defaults do not overlap")
	daily, _ = ParseDailyWindow(DefaultCacheSnapshotWindow, 60)
	weekly, _ = ParseWeeklyWindow(DefaultCacheMaintenanceWindow, 60)
	_, overlap = DailyOverlapsWeekly(daily, weekly)
	assert.False(t, overlap, "the cache defaults do not overlap")

	daily, _ = ParseDailyWindow("23:00-01:00", 30)
	weekly, _ = ParseWeeklyWindow("sun:00:30-sun:01:30", 30)
	day, overlap := DailyOverlapsWeekly(daily, weekly)
	assert.True(t, overlap)
	assert.Equal(t, "sun", day, "the first shared minute is Sunday 00:30")
	weekly, _ = ParseWeeklyWindow("wed:22:00-thu:02:00", 30)
	day, overlap = DailyOverlapsWeekly(daily, weekly)
	assert.True(t, overlap)
	assert.Equal(t, "wed", day)
}

func TestEnvironmentNames(t *testing.T) {
	for _, n := range []string{"DB_HOST", "REDIS_AUTH", "OTEL_SERVICE_NAME", "AWS_REGION", "ECS_ANYTHING", "otel_service_name"} {
		assert.True(t, ReservedEnvName(n), n)
	}
	assert.False(t, ReservedEnvName("LOG_LEVEL"))
	for _, n := range []string{"DB_PASSWORD2_X_TOKEN", "STRIPE_API_KEY", "GITHUB_TOKEN", "MY_SECRET"} {
		assert.True(t, LooksLikeCredential(n), n)
	}
	for _, n := range []string{"LOG_LEVEL", "TOKENIZER_MODE", "FEATURE_FLAGS"} {
		assert.False(t, LooksLikeCredential(n), n)
	}
}

func TestStorageCeiling(t *testing.T) {
	assert.Equal(t, 110, MinMaxAllocatedStorageGiB(100))
	assert.Equal(t, 24, MinMaxAllocatedStorageGiB(21), "23.1 rounded up")
}

func TestEndpointsRegionsAndCountries(t *testing.T) {
	assert.True(t, slices.IsSorted(InterfaceEndpoints))
	for _, e := range DefaultInterfaceEndpoints {
		assert.Contains(t, InterfaceEndpoints, e)
	}
	for _, e := range GatewayEndpoints {
		assert.NotContains(t, InterfaceEndpoints, e, "always a gateway endpoint")
	}
	assert.Contains(t, Regions(), EdgeRegion)
	for _, r := range Regions() {
		f, ok := LookupRegion(r)
		require.True(t, ok)
		assert.GreaterOrEqual(t, len(f.AZNames()), MinZones, r)
		assert.True(t, f.HasAZ(r+"a"))
		assert.True(t, strings.HasPrefix(f.CloudFrontOriginPrefixList, "pl-"))
	}
	assert.Len(t, CountryCodes, 249)
	assert.True(t, slices.IsSorted(CountryCodes))
	assert.Len(t, slices.Compact(slices.Clone(CountryCodes)), len(CountryCodes))
	for c := range CountryHints {
		assert.NotContains(t, CountryCodes, c)
	}
	assert.Equal(t, 10, MinWAFRateLimit, "AWS lowered the rate-based rule minimum to 10 in 2024")
}

func TestAlarmCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, a := range Alarms {
		assert.False(t, seen[a.Name], "%s twice", a.Name)
		seen[a.Name] = true
		assert.Contains(t, Runbooks, a.Runbook, a.Name)
		assert.Contains(t, AlarmPeriodSeconds, a.PeriodSeconds, a.Name)
		assert.Contains(t, []string{MissingNotBreaching, MissingIgnore}, a.MissingData, "%s: an idle environment must not alarm", a.Name)
		assert.LessOrEqual(t, a.Periods, MaxAlarmPeriods, a.Name)
	}
	a, ok := LookupAlarm("cacheCpu")
	assert.True(t, ok)
	assert.Equal(t, "cache", a.Tier)
	_, ok = LookupAlarm("nope")
	assert.False(t, ok)
}

func TestDatabaseMaxConnections(t *testing.T) {
	for class, want := range map[string]int{
		"db.r6g.large": 1802, "db.r6g.2xlarge": 5000, "db.t3.medium": 450, "db.m5.large": 901, "db.serverless": 0, "db.r6g.bigger": 0, "cache.r6g.large": 0,
	} {
		assert.Equal(t, want, DatabaseMaxConnections(class), class)
	}
}

func TestBelowAlarmsAreTheOnesWhoseWhatSaysBelow(t *testing.T) {
	for _, a := range Alarms {
		assert.Equal(t, strings.Contains(a.What, "below Threshold"), a.Below(), a.Name)
	}
	assert.Equal(t, 225, MaxConnectionsForMemory(2048), "1 ACU of Serverless v2")
}

func TestReachableThroughEdge(t *testing.T) {
	for pattern, want := range map[string]bool{
		"/api/orders/*": true, "/api/*": true, "/*": true, "/ap?/x": true, "/*/orders": true, "/api/": true,
		"/v1/orders/*": false, "/api": false, "/apis/*": false, "/": false, "/Api/*": false,
	} {
		assert.Equal(t, want, ReachableThroughEdge(pattern), pattern)
	}
	assert.True(t, ReachableThroughEdge(EdgeApiPathPattern), "the edge's own pattern")
}

func TestTimesOfDayAndLeads(t *testing.T) {
	at, err := ParseTimeOfDay("07:45")
	require.NoError(t, err)
	assert.Equal(t, 7*60+45, at)
	for _, bad := range []string{"24:00", "7:45", "07:60", "07:45 ", ""} {
		_, err := ParseTimeOfDay(bad)
		assert.EqualError(t, err, `not a time of day (allowed: hh24:mi in UTC, e.g. "06:00")`, bad)
	}
	assert.Equal(t, "23:30", FormatTimeOfDay(-30))
	assert.Equal(t, "00:15", FormatTimeOfDay(MinutesPerDay+15))

	monday, _ := ParseWeeklyWindow("mon:00:30-mon:01:00", 30)
	lead := monday.Lead(60)
	assert.Equal(t, Window{Start: MinutesPerWeek - 30, Length: 90, Weekly: true}, lead, "an hour before Monday 00:30 is Sunday 23:30")
	assert.Equal(t, monday.End(), lead.End(), "a lead keeps the end")
	assert.Equal(t, 60, monday.End())

	daily, _ := ParseDailyWindow("23:30-00:30", 30)
	wrapped := daily.Lead(60)
	assert.Equal(t, Window{Start: 22*60 + 30, Length: 120}, wrapped, "a daily lead stays on the daily clock")
	for _, tc := range []struct {
		start int
		meets bool
	}{{21*60 + 31, true}, {21*60 + 30, false}, {30, false}, {29, true}} {
		_, overlap := DailyOverlaps(Window{Start: tc.start, Length: 60}, wrapped)
		assert.Equal(t, tc.meets, overlap, "an hour from %s against 22:30-00:30", FormatTimeOfDay(tc.start))
	}
	day, overlap := DailyOverlaps(Window{Start: 23 * 60, Length: 60}, lead)
	assert.Equal(t, "sun", day, "a weekly window is checked day by day")
	assert.True(t, overlap)

	start, _ := ParseTimeOfDay(DefaultBackupStartTime)
	jobs := Window{Start: start, Length: BackupStartWindowMinutes}
	maintenance, _ := ParseWeeklyWindow(DefaultDatabaseMaintenance, 30)
	backups, _ := ParseDailyWindow(DefaultBackupWindow, 30)
	for _, w := range []Window{maintenance, backups} {
		_, overlap := DailyOverlaps(jobs, w.Lead(BackupLeadMinutes))
		assert.False(t, overlap, "the default backup start is clear of the default %v and the hour before it", w)
	}
}
