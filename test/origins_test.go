package test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

// TestEveryHealthCheckAndOriginRecordIsInTheEdgeStack: Route 53 publishes health-check metrics
// in us-east-1 only, so every region's health check and its origin.<domain> record live in the
// Edge stack; the record aliases <region>.origin.<domain> in the same zone, which the region's
// App stack keeps; no other stack holds a health check or an origin.<domain> record.
func TestEveryHealthCheckAndOriginRecordIsInTheEdgeStack(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			edge := a.Template(t, stackName(env, "Edge", config.EdgeRegion))
			origin := env.OriginName() + "."
			for _, name := range a.StackNames() {
				tpl := a.Templates[name]
				if tpl.Env.Name != env.Name || tpl == edge {
					continue
				}
				ids, _ := tpl.OfType("AWS::Route53::HealthCheck")
				assert.Empty(t, ids, "%s: %s holds a health check", a.Name, name)
				_, records := tpl.OfType("AWS::Route53::RecordSet")
				for id, r := range records {
					assert.NotEqual(t, origin, r.Properties["Name"], "%s: %s/%s is an origin record outside the Edge stack", a.Name, name, id)
				}
			}
			_, checks := edge.OfType("AWS::Route53::HealthCheck")
			require.Len(t, checks, len(env.Regions), "%s: %s: one health check per region", a.Name, env.Name)
			_, records := edge.OfType("AWS::Route53::RecordSet")
			seen := map[string]bool{}
			for id, r := range records {
				if r.Properties["Name"] != origin {
					continue
				}
				region := fmt.Sprint(r.Properties["SetIdentifier"])
				regional := env.RegionalOriginName(region)
				seen[region] = true
				what := fmt.Sprintf("%s: %s/%s = %s", a.Name, env.Name, id, jsonOf(r.Properties))
				assert.Equal(t, regional+".", get(r.Properties, "AliasTarget", "DNSName"), what)
				assert.Equal(t, env.DNS.HostedZoneId, get(r.Properties, "AliasTarget", "HostedZoneId"), "%s: an alias within the zone", what)
				assert.Equal(t, true, get(r.Properties, "AliasTarget", "EvaluateTargetHealth"), what)
				check := fmt.Sprint(get(r.Properties, "HealthCheckId", "Fn::GetAtt").([]any)[0])
				if assert.Contains(t, checks, check, what) {
					assert.Equal(t, regional, get(checks[check].Properties, "HealthCheckConfig", "FullyQualifiedDomainName"), "%s: the record's health check requests its own region", what)
				}
				// The regional name the record aliases is the region's App stack's.
				app := a.Template(t, stackName(env, "App", region))
				_, appRecords := app.OfType("AWS::Route53::RecordSet")
				found := false
				for _, ar := range appRecords {
					found = found || ar.Properties["Name"] == regional+"."
				}
				assert.True(t, found, "%s: %s publishes %s", what, app.StackName, regional)
			}
			for _, r := range env.Regions {
				assert.True(t, seen[r.Name], "%s: %s: no origin record for %s in the Edge stack", a.Name, env.Name, r.Name)
			}
		}
	}
}

// TestEveryRegionsHealthCheckAlarmsInUsEast1: each region's health check has its alarm in the
// Edge stack (us-east-1, where the metric is), on that very check, notifying the edge topic and
// naming the health-check runbook.
func TestEveryRegionsHealthCheckAlarmsInUsEast1(t *testing.T) {
	for _, a := range []*Assembly{Fixtures(t), SeedVariants(t)} {
		for _, env := range a.Envs {
			all := alarmsOf(t, a, env.Name)
			edge := a.Template(t, stackName(env, "Edge", config.EdgeRegion))
			_, checks := edge.OfType("AWS::Route53::HealthCheck")
			for _, r := range env.Regions {
				name := stacks.HealthCheckAlarmName(env, r.Name)
				al, ok := all[name]
				if !assert.True(t, ok, "%s: no alarm %s", a.Name, name) {
					continue
				}
				assert.Equal(t, edge.StackName, al.stack, name)
				assert.True(t, al.notifies(), "%s does not notify", name)
				assert.Contains(t, jsonOf(al.props["AlarmActions"]), "AlarmTopic", name)
				// With a Region switch plan, the alarm is the plan's and names the DR runbook.
				book := map[bool]string{false: "health-check-failover.md", true: limits.RegionSwitchRunbook}[env.HasRegionSwitch()]
				assert.Equal(t, book, alarms.RunbookOf(fmt.Sprint(al.props["AlarmDescription"])), name)
				assert.Equal(t, "HealthCheckStatus", al.props["MetricName"], name)
				dims := jsonOf(al.props["Dimensions"])
				check := ""
				for id, c := range checks {
					if get(c.Properties, "HealthCheckConfig", "FullyQualifiedDomainName") == env.RegionalOriginName(r.Name) {
						check = id
					}
				}
				require.NotEmpty(t, check, "%s: %s: no health check", a.Name, r.Name)
				assert.Contains(t, dims, `"Fn::GetAtt":["`+check+`","HealthCheckId"]`, "%s watches its region's check", name)
			}
		}
	}
}

// TestTheGlobalDashboardShowsEveryRegionsTrafficSideBySide: one graph per region of its load
// balancers' requests, 5xx and p99 response time, each SEARCH evaluated in that region, and
// every region's health check.
func TestTheGlobalDashboardShowsEveryRegionsTrafficSideBySide(t *testing.T) {
	a := Fixtures(t)
	for _, env := range a.Envs {
		edge := a.Template(t, stackName(env, "Edge", config.EdgeRegion))
		_, dashboards := edge.OfType("AWS::CloudWatch::Dashboard")
		require.Len(t, dashboards, 1, env.Name)
		for _, d := range dashboards {
			body := ""
			for _, piece := range pieces(d.Properties["DashboardBody"]) {
				if s, ok := piece.(string); ok {
					body += s
				}
			}
			for _, r := range env.Regions {
				title := `"title":"` + r.Name + `: requests, 5xx, p99 response time (s)"`
				require.Equal(t, 1, strings.Count(body, title), "%s: one traffic graph titled %s", env.Name, title)
				graph := body[strings.Index(body, title):]
				graph = graph[:strings.Index(graph, `"yAxis":{}`)]
				for _, m := range []string{"RequestCount", "HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "TargetResponseTime"} {
					assert.Contains(t, graph, `(SEARCH('{AWS/ApplicationELB,LoadBalancer} MetricName=\"`+m+`\"'`, "%s: %s graph: %s", env.Name, r.Name, graph)
				}
				// A metric without a region is read in the dashboard's (the Edge stack's, us-east-1).
				inRegion := 0
				if r.Name != config.EdgeRegion {
					inRegion = 4
				}
				assert.Equal(t, inRegion, strings.Count(graph, `"region":"`+r.Name+`"`), "%s: %s graph's searches run in %s: %s", env.Name, r.Name, r.Name, graph)
				assert.Contains(t, body, `"title":"Health check `+r.Name+`"`, env.Name)
			}
		}
	}
}

// TestTheSmokeTestReadsHealthChecksFromTheEdgeStack: the smoke test's HEALTH_CHECK_<REGION>
// variables are the Edge stack's OriginHealthCheckId<Region> outputs.
func TestTheSmokeTestReadsHealthChecksFromTheEdgeStack(t *testing.T) {
	p := Pipeline(t)
	for _, env := range p.delivery.Environments[:len(p.delivery.Environments)-1] {
		s := p.stage(t, stacks.StageID(env))
		for _, a := range s.Actions {
			if a.Name != "SmokeTest" {
				continue
			}
			vars := fmt.Sprint(a.Configuration["EnvironmentVariables"])
			for _, r := range Fixtures(t).Envs[env].Regions {
				want := `"name":"HEALTH_CHECK_` + strings.ToUpper(strings.ReplaceAll(r.Name, "-", "_")) + `"`
				i := strings.Index(vars, want)
				if assert.GreaterOrEqual(t, i, 0, "%s: %s", env, want) {
					value := vars[i:]
					value = value[:strings.Index(value, "}")+1]
					assert.Contains(t, value, "Edge", "%s: %s reads the Edge stack: %s", env, want, value)
					assert.Contains(t, value, ".OriginHealthCheckId"+naming.Pascal(r.Name)+"}", "%s: %s", env, value)
				}
			}
		}
	}
}
