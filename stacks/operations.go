package stacks

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cf "github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	elbv2 "github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/alerting"
	"github.com/stratus-platform/stratus/constructs/dashboard"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/slo"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// This file wires observability (config's observability section) into the alerting, alarms,
// slo and dashboard constructs. Placement keeps the layer count: the topic of a region is in
// its Network stack (layer 1, which every other stack of the region already builds on); each
// tier's alarms are in the stack owning the tier's resources; the region's composite and
// dashboard are in its App stack; the edge's topic, alarms and the global dashboard are in the
// Edge stack.

// TopicName is the alarm topic of env in region ("edge" for the Edge stack's).
func TopicName(env *config.Environment, region string) string {
	return fmt.Sprintf("stratus-%s-%s-alarms", env.Name, region)
}

// AlarmPrefix starts the names of region's alarms of env; a service's and a database's add the
// service's name: "stratus-prod-us-east-1-checkout-target5xxRate".
func AlarmPrefix(env *config.Environment, region string, service ...string) string {
	return strings.Join(append([]string{"stratus", env.Name, region}, service...), "-")
}

// newTopic creates the alarm topic called TopicName(env, region) in stack.
func newTopic(stack awscdk.Stack, env *config.Environment, region string) (*alerting.Topic, error) {
	n := env.Observability.Notifications
	props := alerting.TopicProps{Name: TopicName(env, region), Emails: n.Emails, HTTPSEndpoints: n.HTTPSEndpoints,
		AllowEventBridge: reportsBackupFailures(env, region)}
	if n.Slack != nil {
		props.Slack = &alerting.Slack{WorkspaceID: n.Slack.WorkspaceID, ChannelID: n.Slack.ChannelID}
	}
	t, err := alerting.NewTopic(stack, "AlarmTopic", props)
	if err != nil {
		return nil, fmt.Errorf("%s: observability.notifications: %w", env.File, err)
	}
	return t, nil
}

// spec is the catalog alarm name as env configures it, over the metric metric builds for the
// alarm's period; scale converts the configured threshold into the metric's unit.
func spec(env *config.Environment, name string, scale float64, metric func(period int) alarms.Query) alarms.Spec {
	a := env.Observability.Alarm(name)
	return alarms.Spec{
		Name: name, Metric: metric(a.PeriodSeconds), Threshold: a.Threshold * scale, Below: a.Below(),
		Periods: a.Periods, MissingData: a.MissingData, Severity: a.Severity, Runbook: a.Runbook,
		What: strings.ReplaceAll(a.What, "Threshold", strconv.FormatFloat(a.Threshold, 'f', -1, 64)) + fmt.Sprintf(" for %d periods of %d s", a.Periods, a.PeriodSeconds),
	}
}

// newAlarms creates a set in stack and reports a problem with the file's name.
func newAlarms(stack awscdk.Stack, env *config.Environment, id string, props alarms.AlarmsProps, action *string) (*alarms.Alarms, error) {
	props.Action, props.RunbookBase = action, env.Observability.RunbookBaseURL
	a, err := alarms.NewAlarms(stack, id, props)
	if err != nil {
		return nil, fmt.Errorf("%s: observability: %w", env.File, err)
	}
	return a, nil
}

// metric is a plain CloudWatch metric over period seconds.
func metric(namespace, name, stat string, period int, dims map[string]*string) alarms.Metric {
	return alarms.Metric{Namespace: namespace, Name: name, Stat: stat, Period: period, Dimensions: dims}
}

// expression is metric math over the named metrics.
func expression(expr, label string, period int, using map[string]alarms.Query) alarms.Expression {
	return alarms.Expression{Expression: expr, Label: label, Period: period, Using: using}
}

// natAlarms watches the region's NAT gateways (none without NAT gateways).
func natAlarms(stack awscdk.Stack, env *config.Environment, region string, ids []*string, action *string) (*alarms.Alarms, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	sum := func(name string) func(int) alarms.Query {
		return func(p int) alarms.Query {
			using := map[string]alarms.Query{}
			terms := make([]string, len(ids))
			for i, id := range ids {
				terms[i] = fmt.Sprintf("FILL(m%d, 0)", i)
				using[fmt.Sprintf("m%d", i)] = metric("AWS/NATGateway", name, "Sum", p, map[string]*string{"NatGatewayId": id})
			}
			return expression(strings.Join(terms, " + "), name+" (all NAT gateways)", p, using)
		}
	}
	return newAlarms(stack, env, "NatAlarms", alarms.AlarmsProps{
		Prefix: AlarmPrefix(env, region),
		Specs: []alarms.Spec{
			spec(env, "natPortAllocation", 1, sum("ErrorPortAllocation")),
			spec(env, "natPacketDrops", 1, sum("PacketsDropCount")),
		},
	}, action)
}

// loadBalancerAlarms watches the region's ALB (by its full name, "app/<name>/<id>") and adds the
// region's composite over them and others (the NAT alarms).
func loadBalancerAlarms(stack awscdk.Stack, env *config.Environment, region string, lbFullName *string, others []*alarms.Alarm, action *string) (*alarms.Alarms, error) {
	dims := map[string]*string{"LoadBalancer": lbFullName}
	// The load balancer's counts (the metrics aws-cdk-lib's lb.metrics names), summed over each period.
	sum := func(name string) func(int) alarms.Query {
		return func(p int) alarms.Query { return metric("AWS/ApplicationELB", name, "Sum", p, dims) }
	}
	return newAlarms(stack, env, "LoadBalancerAlarms", alarms.AlarmsProps{
		Prefix: AlarmPrefix(env, region),
		Specs: []alarms.Spec{
			spec(env, "elb5xx", 1, sum("HTTPCode_ELB_5XX_Count")),
			spec(env, "rejectedConnections", 1, sum("RejectedConnectionCount")),
			spec(env, "tlsNegotiationErrors", 1, sum("ClientTLSNegotiationErrorCount")),
		},
		Composite: &alarms.Composite{
			Name: limits.RegionUnhealthy.Name, Members: []string{"elb5xx", "rejectedConnections"}, Others: others,
			Severity: limits.RegionUnhealthy.Severity, Runbook: limits.RegionUnhealthy.Runbook, What: limits.RegionUnhealthy.What + " in " + region,
		},
	}, action)
}

// ServiceObservability is one service's alarms and SLOs. Alarms.Alarms maps the catalog's
// service alarm names (limits.Alarms, tier "service") to the alarms; Alarms.Composite is the
// "service unhealthy" composite.
type ServiceObservability struct {
	Alarms       *alarms.Alarms
	Availability *slo.SLO
	Latency      *slo.SLO
}

// requestMetrics are what a service's alarms, SLOs and dashboard row read of its requests: its
// ALB target group's (targetGroupMetrics) or, in API mode, its HTTP API route's (apiRouteMetrics).
// Periods are in seconds.
type requestMetrics struct {
	// errors and requests count 5xx responses and all requests (Sum).
	errors, requests func(p int) alarms.Metric
	// latency is a statistic of the response time in seconds (the catalog's unit).
	latency func(stat string, p int) alarms.Query
	// within is the latency SLO's metric: the percentile rank of responses within bound seconds.
	within func(bound float64, p int) alarms.Metric
	// healthy and unhealthy count targets; nil where there is no target health (API mode).
	healthy, unhealthy func(stat string, p int) alarms.Query
	// errorRate and p99, when set, replace the 5xx rate and p99 alarms' metrics: over both
	// target groups of a service that releases by blue/green, canary or linear (deployment.go),
	// since those alarms are its deployment alarms and the new tasks sit behind the alternate.
	errorRate, p99 func(p int) alarms.Query
	// target reads any metric of the target group; nil in API mode.
	target func(name, stat string, p int) alarms.Metric
	// alternate reads the same of the service's alternate target group, where its tasks may be
	// after a blue/green, canary or linear release: the SLOs and unhealthyTargets cover both
	// groups (deployment.go). Nil without one.
	alternate func(name, stat string, p int) alarms.Metric
}

// targetGroupMetrics reads the metrics of a target group behind the load balancer of full name
// lb ("app/<name>/<id>"), with the dimensions aws-cdk-lib's tg.metrics gives them: the load
// balancer's and the target group's full names. The load balancer's comes from its own attribute
// (one import a service stack shares with its scaling policy), not from tg.metrics'
// firstLoadBalancerFullName: that one cuts it out of the listener's ARN, three Fn::Select of an
// Fn::Split of an import in each dimension, some 60 in a service's stack.
func targetGroupMetrics(tg elbv2.ApplicationTargetGroup, lb *string) requestMetrics {
	dims := map[string]*string{"LoadBalancer": lb, "TargetGroup": tg.TargetGroupFullName()}
	m := func(name, stat string, p int) alarms.Metric { return metric("AWS/ApplicationELB", name, stat, p, dims) }
	return requestMetrics{
		errors:   func(p int) alarms.Metric { return m("HTTPCode_Target_5XX_Count", "Sum", p) },
		requests: func(p int) alarms.Metric { return m("RequestCount", "Sum", p) },
		latency:  func(stat string, p int) alarms.Query { return m("TargetResponseTime", stat, p) },
		within: func(bound float64, p int) alarms.Metric {
			return m("TargetResponseTime", percentileRank(bound), p)
		},
		healthy:   func(stat string, p int) alarms.Query { return m("HealthyHostCount", stat, p) },
		unhealthy: func(stat string, p int) alarms.Query { return m("UnHealthyHostCount", stat, p) },
		target:    m,
	}
}

// percentileRank is the statistic of the share of values (percent) at or under bound, as
// aws-cdk-lib's Stats.percentileRank(0, bound) writes it.
func percentileRank(bound float64) string {
	return "PR(0:" + strconv.FormatFloat(bound, 'f', -1, 64) + ")"
}

// serviceAlarms watches service name's requests (m) and ECS service (its cluster's and its own
// names) and adds its SLOs.
func serviceAlarms(stack awscdk.Stack, env *config.Environment, region, name string, m requestMetrics, clusterName, serviceName *string, action *string) (*ServiceObservability, error) {
	service := map[string]*string{"ClusterName": clusterName, "ServiceName": serviceName}
	fiveXX, requests := m.errors, m.requests
	tasks := func(metricName string, p int) alarms.Query {
		return metric("ECS/ContainerInsights", metricName, "Average", p, service)
	}
	prefix := AlarmPrefix(env, region, name)
	errorRate, p99 := m.errorRate, m.p99
	if errorRate == nil {
		errorRate = func(p int) alarms.Query {
			return expression("100 * FILL(errors, 0) / requests", "target 5xx rate (%)", p, map[string]alarms.Query{"errors": fiveXX(p), "requests": requests(p)})
		}
	}
	if p99 == nil {
		p99 = func(p int) alarms.Query { return m.latency("p99", p) }
	}
	specs := []alarms.Spec{
		// Both are deployment alarms too (deployment.go).
		spec(env, "target5xxRate", 1, errorRate),
		spec(env, "p99ResponseTime", 1, p99),
	}
	members := []string{"target5xxRate", "tasksBelowDesired"}
	if m.unhealthy != nil { // an HTTP API's Cloud Map targets report no health metric
		specs = append(specs, spec(env, "unhealthyTargets", 1, func(p int) alarms.Query { return m.unhealthy("Maximum", p) }))
		members = []string{"target5xxRate", "unhealthyTargets", "tasksBelowDesired"}
	}
	specs = append(specs,
		spec(env, "tasksBelowDesired", 1, func(p int) alarms.Query {
			return expression("desired - running", "tasks below desired", p, map[string]alarms.Query{"desired": tasks("DesiredTaskCount", p), "running": tasks("RunningTaskCount", p)})
		}),
		// The ECS service's utilization, as aws-cdk-lib's metricCpuUtilization and
		// metricMemoryUtilization read it.
		spec(env, "serviceCpuHigh", 1, func(p int) alarms.Query { return metric("AWS/ECS", "CPUUtilization", "Average", p, service) }),
		spec(env, "serviceMemoryHigh", 1, func(p int) alarms.Query { return metric("AWS/ECS", "MemoryUtilization", "Average", p, service) }),
	)
	a, err := newAlarms(stack, env, naming.Pascal(name)+"Alarms", alarms.AlarmsProps{
		Prefix: prefix,
		Specs:  specs,
		Composite: &alarms.Composite{
			Name: limits.ServiceUnhealthy.Name, Members: members,
			Severity: limits.ServiceUnhealthy.Severity, Runbook: limits.ServiceUnhealthy.Runbook, What: name + ": " + limits.ServiceUnhealthy.What,
		},
	}, action)
	if err != nil {
		return nil, err
	}
	o := &ServiceObservability{Alarms: a}
	objectives := env.Observability.SLO
	bound := float64(objectives.LatencyThresholdMs) / 1000
	availability, latency := slo.Ratio{Bad: fiveXX(60), Total: requests(60)}, slo.Rank{Metric: m.within(bound, 60)}
	if alt := m.alternate; alt != nil {
		availability.Also = []slo.Ratio{{Bad: alt("HTTPCode_Target_5XX_Count", "Sum", 60), Total: alt("RequestCount", "Sum", 60)}}
		latency.Also = []alarms.Metric{alt("TargetResponseTime", percentileRank(bound), 60)}
	}
	if o.Availability, err = newSLO(stack, env, naming.Pascal(name)+"AvailabilitySlo", slo.SLOProps{
		Name: prefix + "-availability", Objective: objectives.Availability, Runbook: limits.FastBurn.Runbook,
		Indicator: availability,
		What:      name + " availability (responses that are not target 5xx)",
	}, action); err != nil {
		return nil, err
	}
	if o.Latency, err = newSLO(stack, env, naming.Pascal(name)+"LatencySlo", slo.SLOProps{
		Name: prefix + "-latency", Objective: objectives.Latency, Runbook: limits.LatencyRunbook,
		Indicator: latency,
		What:      fmt.Sprintf("%s latency (responses within %d ms)", name, objectives.LatencyThresholdMs),
	}, action); err != nil {
		return nil, err
	}
	return o, nil
}

func newSLO(stack awscdk.Stack, env *config.Environment, id string, props slo.SLOProps, action *string) (*slo.SLO, error) {
	props.Action, props.RunbookBase, props.WindowDays = action, env.Observability.RunbookBaseURL, env.Observability.SLO.WindowDays
	s, err := slo.NewSLO(stack, id, props)
	if err != nil {
		return nil, fmt.Errorf("%s: observability.slo: %w", env.File, err)
	}
	return s, nil
}

// databaseTarget is what the database alarms watch: a cluster or an instance.
type databaseTarget struct {
	// Dimensions name it: DBClusterIdentifier or DBInstanceIdentifier.
	Dimension  string
	Identifier *string
	// Instance is true for an RDS instance (free storage), false for Aurora (replica and
	// Global Database lag).
	Instance bool
	// Readers is the number of readers in this region; Global is a member of a Global Database
	// of several regions: a secondary now, or after a switchover or failover (only secondaries
	// publish the replication lag, so every member carries the alarm).
	Readers int
	Global  bool
	// RotationFunction is the name of the master-secret rotation function, "" where the database
	// has no secret of its own (a Global Database secondary).
	RotationFunction string
}

// databaseAlarms watches the database service owner owns in region.
func databaseAlarms(stack awscdk.Stack, env *config.Environment, region, owner string, db databaseTarget, action *string) (*alarms.Alarms, error) {
	rds := func(name, stat string) func(int) alarms.Query {
		return func(p int) alarms.Query {
			return metric("AWS/RDS", name, stat, p, map[string]*string{db.Dimension: db.Identifier})
		}
	}
	const mib, gib = 1 << 20, 1 << 30
	specs := []alarms.Spec{
		// Maximum: with only the cluster's identifier, AWS/RDS aggregates its instances, and their
		// average would halve a saturated writer beside an idle reader.
		spec(env, "databaseCpu", 1, rds("CPUUtilization", "Maximum")),
		spec(env, "databaseFreeableMemory", mib, rds("FreeableMemory", "Minimum")),
		spec(env, "databaseConnections", float64(maxConnections(env, db.Instance))/100, rds("DatabaseConnections", "Maximum")),
		spec(env, "databaseDeadlocks", 1.0/60, rds("Deadlocks", "Maximum")), // per second; the busiest instance, as CPU
	}
	if db.Instance {
		specs = append(specs, spec(env, "databaseFreeStorage", gib, rds("FreeStorageSpace", "Minimum")))
	}
	if !db.Instance && db.Readers > 0 {
		specs = append(specs, spec(env, "databaseReplicaLag", 1, rds("AuroraReplicaLagMaximum", "Maximum")))
	}
	if db.Global {
		specs = append(specs, spec(env, "globalDatabaseLag", 1, rds("AuroraGlobalDBReplicationLag", "Maximum")))
	}
	if db.RotationFunction != "" {
		specs = append(specs, rotationFailed("databaseRotationFailed", "The database's master password rotation", jsii.String(db.RotationFunction)))
	}
	return newAlarms(stack, env, naming.Pascal(owner)+"DatabaseAlarms", alarms.AlarmsProps{Prefix: AlarmPrefix(env, region, owner), Specs: specs}, action)
}

// maxConnections is the default max_connections of env's database instances: the instance
// class's, or for Aurora Serverless v2 that of its maximum capacity (2 GiB per ACU).
func maxConnections(env *config.Environment, instance bool) int {
	db := env.Database
	if instance {
		return limits.DatabaseMaxConnections(db.Postgres.InstanceClass)
	}
	if db.ServerlessV2 != nil {
		return limits.MaxConnectionsForMemory(int(db.ServerlessV2.MaxCapacity * 2048))
	}
	if n := limits.DatabaseMaxConnections(db.InstanceClass); n > 0 {
		return n
	}
	return 5000 // an unknown class: the formula's ceiling
}

// cacheAlarms watches the region's replication group over all its nodes: the busiest node's CPU,
// the fullest's memory, every node's evictions and, with replicas, the slowest replica's lag.
func cacheAlarms(stack awscdk.Stack, env *config.Environment, region string, groupID *string, action *string) (*alarms.Alarms, error) {
	// Every node (<group>-001 …): a Multi-AZ failover moves the primary role to another node, so
	// an alarm on -001 alone would then watch a replica, and one on a replica's lag the primary.
	nodes := 1 + env.Cache.Replicas
	each := func(name, stat string, combine func(terms []string) string, label string) func(int) alarms.Query {
		return func(p int) alarms.Query {
			using := map[string]alarms.Query{}
			var terms []string
			for n := 1; n <= nodes; n++ {
				id := awscdk.Fn_Join(jsii.String(""), &[]*string{groupID, jsii.String(fmt.Sprintf("-%03d", n))})
				m := metric("AWS/ElastiCache", name, stat, p, map[string]*string{"CacheClusterId": id})
				if nodes == 1 {
					return m
				}
				key := fmt.Sprintf("n%d", n)
				using[key], terms = m, append(terms, key)
			}
			return expression(combine(terms), label, p, using)
		}
	}
	specs := []alarms.Spec{
		spec(env, "cacheCpu", 1, each("EngineCPUUtilization", "Average", maxOf, "engine CPU (busiest node)")),
		spec(env, "cacheMemory", 1, each("DatabaseMemoryUsagePercentage", "Maximum", maxOf, "memory used (fullest node)")),
		spec(env, "cacheEvictions", 1, each("Evictions", "Sum", sum, "evictions (all nodes)")),
	}
	if env.Cache.Replicas > 0 {
		specs = append(specs, spec(env, "cacheReplicationLag", 1, each("ReplicationLag", "Maximum", maxOf, "replication lag (slowest replica)")))
	}
	return newAlarms(stack, env, "CacheAlarms", alarms.AlarmsProps{Prefix: AlarmPrefix(env, region), Specs: specs}, action)
}

// healthCheckAlarms watch every region's Route 53 health check from the Edge stack: Route 53
// publishes HealthCheckStatus in us-east-1 only, and an alarm reads its own region's metrics.
// They go to the edge topic; each is named after its region ("stratus-prod-eu-west-1-healthCheckFailed").
func healthCheckAlarms(stack awscdk.Stack, env *config.Environment, origins map[string]*dns.OriginRecord, action *string) (map[string]*alarms.Alarms, error) {
	out := map[string]*alarms.Alarms{}
	for _, r := range env.Regions {
		id := origins[r.Name].HealthCheck.AttrHealthCheckId()
		s := spec(env, "healthCheckFailed", 1, func(p int) alarms.Query {
			return metric("AWS/Route53", "HealthCheckStatus", "Minimum", p, map[string]*string{"HealthCheckId": id})
		})
		if env.HasRegionSwitch() {
			s.Runbook = limits.RegionSwitchRunbook // the Region switch plan watches (and may trigger on) it
		}
		a, err := newAlarms(stack, env, "HealthCheckAlarm"+naming.Pascal(r.Name), alarms.AlarmsProps{
			Prefix: AlarmPrefix(env, r.Name), Specs: []alarms.Spec{s},
		}, action)
		if err != nil {
			return nil, err
		}
		out[r.Name] = a
	}
	return out, nil
}

// HealthCheckAlarmName is the name of region's health check alarm, in us-east-1.
func HealthCheckAlarmName(env *config.Environment, region string) string {
	return AlarmPrefix(env, region) + "-healthCheckFailed"
}

// edgeMetrics are the metrics of the edge's distribution and web ACL.
type edgeMetrics struct {
	distributionID *string
	webACLMetric   string
}

func (e edgeMetrics) cloudFront(name, stat string, p int) alarms.Metric {
	return metric("AWS/CloudFront", name, stat, p, map[string]*string{"DistributionId": e.distributionID, "Region": jsii.String("Global")})
}

func (e edgeMetrics) waf(name string, p int) alarms.Metric {
	return metric("AWS/WAFV2", name, "Sum", p, map[string]*string{"WebACL": jsii.String(e.webACLMetric), "Rule": jsii.String("ALL")})
}

// edgeAlarms watches CloudFront and the web ACL.
func edgeAlarms(stack awscdk.Stack, env *config.Environment, e edgeMetrics, action *string) (*alarms.Alarms, error) {
	return newAlarms(stack, env, "EdgeAlarms", alarms.AlarmsProps{
		Prefix: AlarmPrefix(env, "edge"),
		Specs: []alarms.Spec{
			spec(env, "cloudFront5xxRate", 1, func(p int) alarms.Query { return e.cloudFront("5xxErrorRate", "Average", p) }),
			spec(env, "originLatency", 1, func(p int) alarms.Query { return e.cloudFront("OriginLatency", "p99", p) }),
			spec(env, "wafBlockedSpike", 1, func(p int) alarms.Query { return e.waf("BlockedRequests", p) }),
		},
	}, action)
}

// DashboardName is the dashboard of env in region ("global" for the Edge stack's).
func DashboardName(env *config.Environment, region string) string {
	return fmt.Sprintf("stratus-%s-%s", env.Name, region)
}

// alarmsByName are the ARNs of alarms (or composites) of stack's account in region, by name: the
// dashboards show alarms of stacks they cannot reference without adding a layer or crossing
// regions, and alarm names are fixed (AlarmPrefix).
func alarmsByName(stack awscdk.Stack, region string, names []string) []*string {
	// Read once: each is a call into the jsii runtime, and a dashboard shows a few alarms a service.
	partition, account := *stack.Partition(), *stack.Account()
	out := make([]*string, len(names))
	for i, name := range names {
		out[i] = jsii.String(fmt.Sprintf("arn:%s:cloudwatch:%s:%s:alarm:%s", partition, region, account, name))
	}
	return out
}

// regionAlarmNames are the paging alarms of env in region, and the database and cache alarms,
// by name: what the dashboards show as alarm states.
func regionAlarmNames(env *config.Environment, region string) (paging, data []string) {
	paging = append(paging, AlarmPrefix(env, region)+"-"+limits.RegionUnhealthy.Name)
	var owners []config.Service
	for _, s := range env.Services {
		p := AlarmPrefix(env, region, s.Name)
		paging = append(paging, p+"-"+limits.ServiceUnhealthy.Name, p+"-availability-fastBurn", p+"-latency-fastBurn")
		if s.OwnsDatabase() {
			owners = append(owners, s)
		}
	}
	if env.TierDatabase() {
		owners = append(owners, appTierDatabase) // its ServiceData stack's alarms (databaseAlarms)
	}
	for _, s := range owners {
		p := AlarmPrefix(env, region, s.Name)
		data = append(data, p+"-databaseCpu", p+"-databaseConnections", p+"-databaseFreeableMemory")
		if env.GlobalDatabaseAcrossRegions() && s.Database == config.EngineAuroraPostgres {
			data = append(data, p+"-globalDatabaseLag")
		}
	}
	data = append(data, AlarmPrefix(env, region)+"-cacheCpu", AlarmPrefix(env, region)+"-cacheMemory")
	return paging, data
}

// alarmWidgets shows the named alarms of region, at most 100 per widget (CloudWatch's limit).
func alarmWidgets(stack awscdk.Stack, region, title string, names []string, width int) []dashboard.Widget {
	var out []dashboard.Widget
	for start := 0; start < len(names); start += 100 {
		end := min(start+100, len(names))
		out = append(out, dashboard.Widget{Title: title, Width: width, Alarms: alarmsByName(stack, region, names[start:end])})
	}
	return out
}

// regionDashboard is env's dashboard of region, in its App stack: per service requests, errors,
// latency, healthy tasks and SLO budgets (from the target groups), the load balancer, what the
// services run on (resourceRows), the NAT gateways, and the states of the region's paging,
// database and cache alarms.
func regionDashboard(a *AppStack, env *config.Environment, region string, hasNat bool) error {
	var services []dashboard.Row
	objectives := env.Observability.SLO
	bound := float64(objectives.LatencyThresholdMs) / 1000
	for _, s := range env.Services {
		m := a.requestMetrics(s.Name)
		// The lines of one group, or, for a service with an alternate group (where its tasks may
		// be after a release), of both: as its alarms and SLOs read them.
		requests, errors := dashboard.Line(m.requests(minute)), dashboard.Line(m.errors(minute))
		p50, p99 := dashboard.Line(m.latency("p50", minute)), dashboard.Line(m.latency("p99", minute))
		var healthy, unhealthy dashboard.Line
		if m.healthy != nil {
			healthy, unhealthy = m.healthy("Minimum", minute), m.unhealthy("Maximum", minute)
		}
		availability, latency := slo.Ratio{Bad: m.errors(minute), Total: m.requests(minute)}, slo.Rank{Metric: m.within(bound, minute)}
		if a.Ingress != nil && a.Ingress.AlternateTargetGroups[s.Name] != nil {
			both := targetMetrics{primary: m.target, alternateName: a.Ingress.AlternateTargetGroups[s.Name].TargetGroupFullName()}
			requests, errors = both.requests(minute), both.fiveXX(minute)
			p50, p99 = both.each("m", "p50 response time (slowest group)", minute, maxOf, "TargetResponseTime", "p50"), both.p99(minute)
			healthy = both.each("h", "healthy targets (all groups)", minute, sum, "HealthyHostCount", "Minimum")
			unhealthy = both.unhealthy("Maximum", minute)
			availability.Also = []slo.Ratio{{Bad: both.alternate("HTTPCode_Target_5XX_Count", "Sum", minute), Total: both.alternate("RequestCount", "Sum", minute)}}
			latency.Also = []alarms.Metric{both.alternate("TargetResponseTime", percentileRank(bound), minute)}
		}
		widgets := []dashboard.Widget{
			{Title: "Requests and target 5xx", Left: []dashboard.Line{requests}, Right: []dashboard.Line{errors}, Width: 6},
			{Title: "Response time p50 / p99 (s)", Left: []dashboard.Line{p50, p99}, Width: 6},
		}
		if healthy != nil {
			widgets = append(widgets, dashboard.Widget{Title: "Healthy / unhealthy tasks", Left: []dashboard.Line{healthy, unhealthy}, Width: 6})
		}
		widgets = append(widgets, dashboard.Widget{Title: "Error budget remaining (%)", WholeRange: true, Width: 6, Values: []dashboard.Line{
			slo.BudgetRemaining(availability, objectives.Availability, objectives.WindowDays, "availability"),
			slo.BudgetRemaining(latency, objectives.Latency, objectives.WindowDays, "latency"),
		}})
		services = append(services, dashboard.Row{Title: "Service " + s.Name, Widgets: widgets})
	}
	paging, data := regionAlarmNames(env, region)
	rows := []dashboard.Row{{Title: "Alarms", Widgets: append(alarmWidgets(a.Stack, region, "Paging alarms", paging, 12), alarmWidgets(a.Stack, region, "Database and cache", data, 12)...)}}
	rows = append(rows, services...)
	rows = append(rows, a.entranceRow())
	rows = append(rows, resourceRows(env)...)
	if hasNat {
		rows = append(rows, dashboard.Row{Title: "NAT gateways", Widgets: []dashboard.Widget{
			{Title: "Port-allocation errors", Left: search("NATGateway,NatGatewayId", "ErrorPortAllocation", "Sum", "port-allocation errors"), Width: 12},
			{Title: "Dropped packets", Left: search("NATGateway,NatGatewayId", "PacketsDropCount", "Sum", "dropped packets"), Width: 12},
		}})
	}
	if _, err := dashboard.NewDashboard(a.Stack, "Dashboard", dashboard.DashboardProps{Name: DashboardName(env, region), Rows: rows}); err != nil {
		return fmt.Errorf("%s: observability: %w", env.File, err)
	}
	return nil
}

// minute is the dashboards' period, in seconds.
const minute = 60

// searchOf finds every metric called name of the account whose dimensions are exactly schema's
// ("ECS,ClusterName,ServiceName"), over a minute: a dashboard graphs the environment's own
// resources (one environment per account) without naming them, and so without importing another
// stack's ids, which would lock those exports (or, across regions, cannot be referenced at all).
func searchOf(schema, name, stat string) string {
	return fmt.Sprintf(`SEARCH('{AWS/%s} MetricName="%s"', '%s', %d)`, schema, name, stat, minute)
}

// search is a line for each metric searchOf finds in the dashboard's region.
func search(schema, name, stat, label string) []dashboard.Line {
	return []dashboard.Line{dashboard.Search{Expression: searchOf(schema, name, stat), Label: label, Period: minute}}
}

// resourceRows graph what the services run on, a line per resource by search: each ECS service's
// CPU and memory, each database instance's CPU, connections and memory (and the Global Database's
// replication lag), each cache node's engine CPU, memory and evictions.
func resourceRows(env *config.Environment) []dashboard.Row {
	var rows []dashboard.Row
	if len(env.Services) > 0 {
		rows = append(rows, dashboard.Row{Title: "ECS services", Widgets: []dashboard.Widget{
			{Title: "CPU by service (%)", Left: search("ECS,ClusterName,ServiceName", "CPUUtilization", "Average", "CPU"), Width: 12},
			{Title: "Memory by service (%)", Left: search("ECS,ClusterName,ServiceName", "MemoryUtilization", "Average", "memory"), Width: 12},
		}})
	}
	if slices.ContainsFunc(env.Services, config.Service.OwnsDatabase) || env.TierDatabase() {
		db := []dashboard.Widget{
			{Title: "Database CPU by instance (%)", Left: search("RDS,DBInstanceIdentifier", "CPUUtilization", "Maximum", "CPU"), Width: 8},
			{Title: "Database connections by instance", Left: search("RDS,DBInstanceIdentifier", "DatabaseConnections", "Maximum", "connections"), Width: 8},
			{Title: "Database freeable memory by instance (bytes)", Left: search("RDS,DBInstanceIdentifier", "FreeableMemory", "Minimum", "freeable memory"), Width: 8},
		}
		if env.GlobalDatabaseAcrossRegions() {
			for i := range db {
				db[i].Width = 6
			}
			db = append(db, dashboard.Widget{Title: "Global Database replication lag (ms)", Width: 6,
				// By cluster, as the globalDatabaseLag alarm reads it: a secondary publishes it.
				Left: search("RDS,DBClusterIdentifier", "AuroraGlobalDBReplicationLag", "Maximum", "replication lag")})
		}
		rows = append(rows, dashboard.Row{Title: "Databases", Widgets: db})
	}
	rows = append(rows, dashboard.Row{Title: "Cache", Widgets: []dashboard.Widget{
		{Title: "Engine CPU by node (%)", Left: search("ElastiCache,CacheClusterId", "EngineCPUUtilization", "Average", "engine CPU"), Width: 8},
		{Title: "Memory used by node (%)", Left: search("ElastiCache,CacheClusterId", "DatabaseMemoryUsagePercentage", "Maximum", "memory used"), Width: 8},
		{Title: "Evictions by node", Left: search("ElastiCache,CacheClusterId", "Evictions", "Sum", "evictions"), Width: 8},
	}})
	return rows
}

// globalDashboard is env's global dashboard, in the Edge stack: each region's load balancer
// traffic and paging alarms (region, services, Global Database lag) side by side with a link to
// each region's dashboard, every region's Route 53 health check, CloudFront, the web ACL and the
// edge's error budget.
func globalDashboard(es *EdgeStack, env *config.Environment, e edgeMetrics) error {
	objectives := env.Observability.SLO
	width := max(6, 24/len(env.Regions))
	var links []string
	var traffic, regions, checks []dashboard.Widget
	var status []dashboard.Line
	for _, r := range env.Regions {
		traffic = append(traffic, regionTraffic(r.Name, width))
		paging, data := regionAlarmNames(env, r.Name)
		regions = append(regions, alarmWidgets(es.Stack, r.Name, r.Name, append(paging, data...), width)...)
		links = append(links, fmt.Sprintf("[%[1]s](https://console.aws.amazon.com/cloudwatch/home?region=%[1]s#dashboards:name=%[2]s)", r.Name, DashboardName(env, r.Name)))
		status = append(status, alarms.Metric{Namespace: "AWS/Route53", Name: "HealthCheckStatus", Stat: "Minimum", Period: minute, Label: r.Name,
			Dimensions: map[string]*string{"HealthCheckId": es.Origins[r.Name].HealthCheck.AttrHealthCheckId()}})
		check := es.HealthCheckAlarms[r.Name].Alarms["healthCheckFailed"]
		checks = append(checks, dashboard.Widget{Title: "Health check " + r.Name, Width: max(2, 12/len(env.Regions)),
			Alarms: []*string{check.Arn()}})
	}
	rows := []dashboard.Row{
		{Title: "Regions side by side — region dashboards: " + strings.Join(links, " · "), Widgets: append(traffic, regions...)},
		{Title: "Route 53 health checks (origin.<domain> routing)", Widgets: append(checks,
			dashboard.Widget{Title: "Health check status (1 = healthy)", Left: status, Width: 12})},
		{Title: "CloudFront", Widgets: []dashboard.Widget{
			{Title: "Requests", Left: []dashboard.Line{e.cloudFront("Requests", "Sum", minute)}, Width: 6},
			{Title: "Error rates (%)", Left: []dashboard.Line{e.cloudFront("5xxErrorRate", "Average", minute), e.cloudFront("4xxErrorRate", "Average", minute)}, Width: 6},
			{Title: "Origin latency p99 (ms)", Left: []dashboard.Line{e.cloudFront("OriginLatency", "p99", minute)}, Width: 6},
			{Title: "Edge error budget remaining (%)", WholeRange: true, Width: 6, Values: []dashboard.Line{
				slo.BudgetRemaining(slo.Percent{Metric: e.cloudFront("5xxErrorRate", "Average", minute)}, objectives.Availability, objectives.WindowDays, "edge availability"),
			}},
		}},
		{Title: "WAF", Widgets: []dashboard.Widget{
			{Title: "Allowed / blocked requests", Left: []dashboard.Line{e.waf("AllowedRequests", minute)}, Right: []dashboard.Line{e.waf("BlockedRequests", minute)}, Width: 12},
			{Title: "Counted requests", Left: []dashboard.Line{e.waf("CountedRequests", minute)}, Width: 12},
		}},
	}
	if _, err := dashboard.NewDashboard(es.Stack, "GlobalDashboard", dashboard.DashboardProps{Name: DashboardName(env, "global"), Rows: rows}); err != nil {
		return fmt.Errorf("%s: observability: %w", env.File, err)
	}
	return nil
}

// regionTraffic graphs region's load balancer requests and 5xx (left) and p99 response time
// (right). The load balancers' names are generated in the region's App stack, which the Edge
// stack may not reference across regions, so each line is a SEARCH evaluated in the region over
// the account's load balancers there: the environment's own (one environment per account).
func regionTraffic(region string, width int) dashboard.Widget {
	search := func(fn, name, stat, label string) dashboard.Line {
		return dashboard.Search{
			Expression: fn + "(" + searchOf("ApplicationELB,LoadBalancer", name, stat) + ")",
			Label:      label, Period: minute, Region: region,
		}
	}
	return dashboard.Widget{
		Title: region + ": requests, 5xx, p99 response time (s)", Width: width,
		Left: []dashboard.Line{
			search("SUM", "RequestCount", "Sum", "requests"),
			search("SUM", "HTTPCode_ELB_5XX_Count", "Sum", "ELB 5xx"),
			search("SUM", "HTTPCode_Target_5XX_Count", "Sum", "target 5xx"),
		},
		Right: []dashboard.Line{search("MAX", "TargetResponseTime", "p99", "p99 response time")},
	}
}

// RegionTopic is a region's alarm topic and the NAT alarms, made in its Network stack.
type RegionTopic struct {
	Topic *alerting.Topic
	// NatAlarms is nil without NAT gateways; NatGatewayIDs are theirs.
	NatAlarms     *alarms.Alarms
	NatGatewayIDs []*string
}

// observeNetwork creates region's topic and NAT alarms in its Network stack.
func observeNetwork(stack awscdk.Stack, env *config.Environment, region string, natIDs []*string) (RegionTopic, error) {
	t, err := newTopic(stack, env, region)
	if err != nil {
		return RegionTopic{}, err
	}
	out := RegionTopic{Topic: t, NatGatewayIDs: natIDs}
	out.NatAlarms, err = natAlarms(stack, env, region, out.NatGatewayIDs, t.Arn)
	return out, err
}

// RegionAlarms are the alarms of a region's App stack.
type RegionAlarms struct {
	// LoadBalancer holds the ALB alarms and the "region unhealthy" composite (its Composite).
	LoadBalancer *alarms.Alarms
}

// observeApp creates region's load balancer alarms, its composite and the region's dashboard in
// its App stack. The region's health check alarm is in the Edge stack (healthCheckAlarms).
func observeApp(a *AppStack, env *config.Environment, region string, net RegionTopic) (RegionAlarms, error) {
	var out RegionAlarms
	var others []*alarms.Alarm
	if net.NatAlarms != nil {
		others = append(others, net.NatAlarms.Alarms["natPortAllocation"])
	}
	var err error
	if a.Api != nil {
		out.LoadBalancer, err = apiAlarms(a, env, region, others, net.Topic.Arn)
	} else {
		out.LoadBalancer, err = loadBalancerAlarms(a.Stack, env, region, a.loadBalancerFullName(), others, net.Topic.Arn)
	}
	if err != nil {
		return out, err
	}
	return out, regionDashboard(a, env, region, len(net.NatGatewayIDs) > 0)
}

// observeEdge creates the edge's topic, its alarms, every region's health check alarm and the
// global dashboard in the Edge stack, and turns on the distribution's additional metrics,
// without which CloudFront publishes no origin latency.
func observeEdge(es *EdgeStack, env *config.Environment) error {
	stack, e := es.Stack, es.Edge
	t, err := newTopic(stack, env, "edge")
	if err != nil {
		return err
	}
	es.Topic = t
	cf.NewCfnMonitoringSubscription(stack, jsii.String("DistributionMetrics"), &cf.CfnMonitoringSubscriptionProps{
		DistributionId: e.Distribution.DistributionId(),
		MonitoringSubscription: &cf.CfnMonitoringSubscription_MonitoringSubscriptionProperty{
			RealtimeMetricsSubscriptionConfig: &cf.CfnMonitoringSubscription_RealtimeMetricsSubscriptionConfigProperty{
				RealtimeMetricsSubscriptionStatus: jsii.String("Enabled"),
			},
		},
	})
	m := edgeMetrics{distributionID: e.Distribution.DistributionId(), webACLMetric: edge.WebAclMetricName}
	if es.Alarms, err = edgeAlarms(stack, env, m, t.Arn); err != nil {
		return err
	}
	if es.HealthCheckAlarms, err = healthCheckAlarms(stack, env, es.Origins, t.Arn); err != nil {
		return err
	}
	return globalDashboard(es, env, m)
}
