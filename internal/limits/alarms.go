package limits

import (
	"slices"
	"strconv"
	"strings"
)

// Missing-data treatments CloudWatch accepts for an alarm. Stratus defaults every alarm to
// notBreaching (or ignore), so an idle environment that emits no data never pages anyone.
const (
	MissingNotBreaching = "notBreaching"
	MissingIgnore       = "ignore"
	MissingMissing      = "missing"
	MissingBreaching    = "breaching"
)

// MissingDataTreatments are the accepted treatments, in the order messages show them.
var MissingDataTreatments = []string{MissingNotBreaching, MissingIgnore, MissingMissing, MissingBreaching}

// Severities: a page wakes someone up; a ticket is looked at in working hours. Both go to the
// same topic; the alarm's name and description carry the severity.
const (
	SeverityPage   = "page"
	SeverityTicket = "ticket"
)

// Alarm is one alarm of the catalog: its default threshold and window and where it is explained.
type Alarm struct {
	// Name is the alarm's key in config (observability.alarms.<Name>) and in its alarm name.
	Name string
	// Tier is the part of the platform it watches: service, loadBalancer, database, cache, edge
	// or network.
	Tier string
	// Threshold is compared with the statistic; Unit names its unit for docs and messages.
	Threshold float64
	Unit      string
	// Periods is the number of evaluation periods of PeriodSeconds each (the evaluation window).
	Periods       int
	PeriodSeconds int
	// MissingData is the default missing-data treatment.
	MissingData string
	// Severity is page or ticket.
	Severity string
	// Runbook is the runbook's file name under runbooks/.
	Runbook string
	// What says what breaches, for alarm descriptions and docs.
	What string
}

// Alarms is the catalog of per-tier alarms, in the order docs list them. Thresholds are
// "greater than or equal" except where What says "below".
var Alarms = []Alarm{
	{"target5xxRate", "service", 5, "% of requests", 3, 60, MissingNotBreaching, SeverityTicket, "service-5xx.md", "target 5xx responses at or above Threshold % of requests"},
	{"p99ResponseTime", "service", 2, "seconds", 5, 60, MissingNotBreaching, SeverityTicket, "latency-burn.md", "p99 target response time at or above Threshold seconds"},
	{"unhealthyTargets", "service", 1, "targets", 3, 60, MissingNotBreaching, SeverityTicket, "deployment-rollback.md", "at least Threshold unhealthy targets"},
	{"tasksBelowDesired", "service", 1, "tasks", 5, 60, MissingNotBreaching, SeverityTicket, "deployment-rollback.md", "running tasks at least Threshold below the desired count"},
	{"serviceCpuHigh", "service", 85, "% CPU", 5, 60, MissingNotBreaching, SeverityTicket, "service-5xx.md", "average CPU at or above Threshold %"},
	{"serviceMemoryHigh", "service", 85, "% memory", 5, 60, MissingNotBreaching, SeverityTicket, "service-5xx.md", "average memory at or above Threshold %"},
	{"elb5xx", "loadBalancer", 10, "responses per minute", 3, 60, MissingNotBreaching, SeverityTicket, "region-unhealthy.md", "load balancer 5xx responses at or above Threshold per minute"},
	{"rejectedConnections", "loadBalancer", 1, "connections per minute", 3, 60, MissingNotBreaching, SeverityTicket, "region-unhealthy.md", "rejected connections at or above Threshold per minute"},
	{"tlsNegotiationErrors", "loadBalancer", 100, "errors per 5 minutes", 3, 300, MissingNotBreaching, SeverityTicket, "region-unhealthy.md", "client TLS negotiation errors at or above Threshold per 5 minutes"},
	{"databaseCpu", "database", 80, "% CPU", 5, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "database CPU of its busiest instance at or above Threshold %"},
	{"databaseFreeableMemory", "database", 256, "MiB", 5, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "freeable memory below Threshold MiB"},
	{"databaseConnections", "database", 80, "% of max_connections", 5, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "connections at or above Threshold % of the instance class's default max_connections"},
	{"databaseFreeStorage", "database", 10, "GiB", 5, 300, MissingNotBreaching, SeverityTicket, "database-failover.md", "free storage below Threshold GiB (RDS instances)"},
	{"databaseReplicaLag", "database", 2000, "milliseconds", 5, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "replica lag at or above Threshold ms"},
	{"globalDatabaseLag", "database", 5000, "milliseconds", 5, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "Global Database replication lag at or above Threshold ms"},
	{"databaseDeadlocks", "database", 1, "deadlocks per minute", 3, 60, MissingNotBreaching, SeverityTicket, "database-failover.md", "deadlocks of its busiest instance at or above Threshold per minute"},
	{"cacheCpu", "cache", 80, "% engine CPU", 5, 60, MissingNotBreaching, SeverityTicket, "cache-failover.md", "engine CPU at or above Threshold %"},
	{"cacheMemory", "cache", 85, "% memory", 5, 60, MissingNotBreaching, SeverityTicket, "cache-failover.md", "memory use at or above Threshold %"},
	{"cacheEvictions", "cache", 1000, "evictions per 5 minutes", 3, 300, MissingNotBreaching, SeverityTicket, "cache-failover.md", "evictions at or above Threshold per 5 minutes"},
	{"cacheReplicationLag", "cache", 5, "seconds", 5, 60, MissingNotBreaching, SeverityTicket, "cache-failover.md", "replication lag at or above Threshold seconds"},
	{"cloudFront5xxRate", "edge", 5, "% of requests", 3, 60, MissingNotBreaching, SeverityPage, "region-unhealthy.md", "CloudFront 5xx error rate at or above Threshold %"},
	{"originLatency", "edge", 3000, "milliseconds (p99)", 5, 60, MissingNotBreaching, SeverityTicket, "latency-burn.md", "CloudFront p99 origin latency at or above Threshold ms"},
	{"wafBlockedSpike", "edge", 1000, "blocked requests per 5 minutes", 2, 300, MissingNotBreaching, SeverityTicket, "waf-block-spike.md", "WAF blocked requests at or above Threshold per 5 minutes"},
	{"healthCheckFailed", "edge", 1, "health check status (below)", 3, 60, MissingNotBreaching, SeverityPage, "health-check-failover.md", "Route 53 health check status below Threshold (1 = healthy)"},
	{"natPortAllocation", "network", 1, "errors per 5 minutes", 1, 300, MissingNotBreaching, SeverityTicket, "nat-exhaustion.md", "NAT gateway port-allocation errors at or above Threshold per 5 minutes"},
	{"natPacketDrops", "network", 1000, "packets per 5 minutes", 3, 300, MissingNotBreaching, SeverityTicket, "nat-exhaustion.md", "NAT gateway dropped packets at or above Threshold per 5 minutes"},
}

// Composite and SLO alarms: fixed rules, not tunable by threshold, but named in the same way.
var (
	// ServiceUnhealthy pages when a service's 5xx rate, unhealthy targets or missing tasks alarm.
	ServiceUnhealthy = Alarm{Name: "serviceUnhealthy", Tier: "service", Severity: SeverityPage, Runbook: "service-5xx.md", What: "the service's 5xx rate, unhealthy targets or missing tasks alarm"}
	// RegionUnhealthy pages when the region's load balancer or NAT alarms.
	RegionUnhealthy = Alarm{Name: "regionUnhealthy", Tier: "loadBalancer", Severity: SeverityPage, Runbook: "region-unhealthy.md", What: "the region's load balancer or NAT gateways alarm"}
	// FastBurn and SlowBurn are the multi-window burn-rate alarms of each SLO; the latency SLO's
	// use LatencyRunbook.
	FastBurn       = Alarm{Name: "fastBurn", Tier: "service", Severity: SeverityPage, Runbook: "service-5xx.md", What: "error budget burning 14.4 times too fast over 1 hour and 5 minutes"}
	SlowBurn       = Alarm{Name: "slowBurn", Tier: "service", Severity: SeverityTicket, Runbook: "service-5xx.md", What: "error budget burning 6 times too fast over 6 hours and 30 minutes"}
	LatencyRunbook = "latency-burn.md"
)

// Burn-rate windows (seconds) and factors of the multi-window, multi-burn-rate SLO alarms: the
// fast pair spends 2 % of a 30-day budget in an hour, the slow pair 5 % in six hours.
const (
	FastBurnFactor      = 14.4
	FastBurnLongWindow  = 3600
	FastBurnShortWindow = 300
	SlowBurnFactor      = 6
	SlowBurnLongWindow  = 21600
	SlowBurnShortWindow = 1800
)

// SLO bounds and defaults.
const (
	DefaultSLOObjective = 99.9 // percent
	// MinSLOObjective keeps the fast-burn threshold (FastBurnFactor times the error budget)
	// below an error ratio of 1: at 93 % it would be 1.008, more than every request failing, and
	// the page could never fire.
	MinSLOObjective      = 93.1
	MaxSLOObjective      = 99.999
	DefaultSLOWindowDays = 30
	MinSLOWindowDays     = 7
	MaxSLOWindowDays     = 90
	DefaultLatencyTarget = 1000 // milliseconds: a request slower than this spends latency budget
	MinLatencyTarget     = 10
	MaxLatencyTarget     = 60000
	MaxAlarmPeriods      = 24 // evaluation periods; with a 1-hour period at most a day
	MaxSubscriptions     = 20 // e-mail plus HTTPS subscriptions per topic
)

// AlarmPeriodSeconds are the periods an alarm may use: CloudWatch takes 10, 30 or a multiple
// of 60; Stratus offers the usual ones.
var AlarmPeriodSeconds = []int{60, 300, 900, 3600}

// belowAlarms breach when their statistic falls below the threshold.
var belowAlarms = []string{"databaseFreeableMemory", "databaseFreeStorage", "healthCheckFailed"}

// Below reports whether a breaches below its threshold (otherwise at or above it).
func (a Alarm) Below() bool { return slices.Contains(belowAlarms, a.Name) }

// AlarmNames returns the catalog's names in order.
func AlarmNames() []string {
	out := make([]string, len(Alarms))
	for i, a := range Alarms {
		out[i] = a.Name
	}
	return out
}

// LookupAlarm returns the catalog entry called name.
func LookupAlarm(name string) (Alarm, bool) {
	i := slices.IndexFunc(Alarms, func(a Alarm) bool { return a.Name == name })
	if i < 0 {
		return Alarm{}, false
	}
	return Alarms[i], true
}

// Runbooks are the runbook files under runbooks/, one per alarm family.
var Runbooks = []string{
	"region-unhealthy.md", "service-5xx.md", "latency-burn.md", "database-failover.md", "cache-failover.md",
	"deployment-rollback.md", "waf-block-spike.md", "nat-exhaustion.md", "health-check-failover.md",
	"secret-rotation.md", RegionSwitchRunbook, BackupRunbook,
}

// BackupRunbook is what to do about a failed AWS Backup job, which an EventBridge rule (not an
// alarm) reports.
const BackupRunbook = "backup-failure.md"

// DatabaseMaxConnections estimates PostgreSQL's default max_connections on RDS and Aurora for
// instance class ("db.r6g.large"): LEAST(memory/9531392, 5000), the parameter groups' default
// formula. It returns 0 for a class whose memory it cannot tell (serverless, unknown families).
func DatabaseMaxConnections(class string) int {
	return MaxConnectionsForMemory(classMemoryMiB(class))
}

// MaxConnectionsForMemory is the default max_connections of an instance with mib MiB of memory
// (Aurora Serverless v2: 2048 MiB per ACU of its maximum capacity), or 0 for 0.
func MaxConnectionsForMemory(mib int) int {
	return min(int(float64(mib)*1024*1024/9531392), 5000)
}

// classMemoryMiB is the memory of the memory-optimised (r, x: 8 GiB per vCPU), general-purpose
// (m: 4 GiB per vCPU) and burstable (t) classes, or 0.
func classMemoryMiB(class string) int {
	parts := strings.Split(class, ".")
	if len(parts) != 3 || parts[0] != "db" || parts[1] == "" {
		return 0
	}
	size := parts[2]
	if parts[1][0] == 't' {
		return map[string]int{"micro": 1024, "small": 2048, "medium": 4096, "large": 8192, "xlarge": 16384, "2xlarge": 32768}[size]
	}
	perVCPU := map[byte]int{'r': 8192, 'x': 16384, 'm': 4096}[parts[1][0]]
	vcpus := 0
	switch {
	case size == "large":
		vcpus = 2
	case size == "xlarge":
		vcpus = 4
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err == nil && n > 0 {
			vcpus = 4 * n
		}
	}
	return perVCPU * vcpus
}

// MaxRunbookBaseURLLength bounds observability.runbookBaseUrl: an alarm's description (1-1024
// characters) says what breaches in under 400 and ends with its runbook's URL under the base.
const MaxRunbookBaseURLLength = 512
