package stacks

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	r53 "github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/alerting"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/ingress"
	"github.com/stratus-platform/stratus/constructs/regionswitch"
	"github.com/stratus-platform/stratus/internal/naming"
)

// EdgeStack holds the environment's global entry point: WAF, certificate, CloudFront, the
// frontend bucket (none with an API-only edge), the apex records, and every region's origin.<domain> record with its Route 53
// health check. The health checks live here, in us-east-1, because Route 53 publishes their
// metrics only there: each region's health check alarm can then watch it.
type EdgeStack struct {
	awscdk.Stack
	Edge *edge.Edge
	// Origins maps a region to its origin.<domain> record and health check.
	Origins map[string]*dns.OriginRecord
	// HealthCheckIDs maps a region to its health check's id (output
	// OriginHealthCheckId<Region>, e.g. OriginHealthCheckIdEuWest1); the pipeline's smoke
	// test reads the checks' status.
	HealthCheckIDs map[string]awscdk.CfnOutput
	// Topic and Alarms are the edge's alarm topic and alarms; HealthCheckAlarms maps a region to
	// its health check's alarm (operations.go).
	Topic             *alerting.Topic
	Alarms            *alarms.Alarms
	HealthCheckAlarms map[string]*alarms.Alarms
	// RegionSwitch is the environment's ARC Region switch plan (nil without one; regionswitch.go).
	RegionSwitch *regionswitch.Plan
	// EntryURL (output EntryUrl) is the environment's public entry, https://<first viewer name>/;
	// the pipeline's smoke test requests it.
	EntryURL awscdk.CfnOutput
}

// NewEdgeStack builds the Edge stack of env in us-east-1. It reaches the regions only through
// names — origin.<domain> for the API, which aliases each region's <region>.origin.<domain> in
// the same zone, and the origin secret's name — so nothing crosses regions as a reference and
// the regional stacks can change without a deadlock.
func NewEdgeStack(scope constructs.Construct, env *config.Environment, apps []*AppStack) (*EdgeStack, error) {
	description := fmt.Sprintf("Stratus %s edge: WAF, CloudFront, frontend bucket, apex records", env.Name)
	if !env.CloudFront.FrontendEnabled {
		description = fmt.Sprintf("Stratus %s edge: WAF, CloudFront (API only), apex records", env.Name)
	}
	stack := newStack(scope, "Edge", env, config.Region{Name: config.EdgeRegion}, description)
	zone := importZone(stack, env)

	overrides := make([]edge.RuleOverride, 0, len(env.WAF.CountOverrides))
	for _, o := range env.WAF.CountOverrides {
		group, rule, _ := strings.Cut(o, ":")
		overrides = append(overrides, edge.RuleOverride{Group: group, Rule: rule})
	}
	cfGeo := edge.GeoMatch{Mode: "none"}
	switch env.CloudFront.GeoRestrictionMode {
	case "allowlist":
		cfGeo = edge.GeoMatch{Mode: "allow", Countries: env.CloudFront.GeoRestrictionCountries}
	case "denylist":
		cfGeo = edge.GeoMatch{Mode: "block", Countries: env.CloudFront.GeoRestrictionCountries}
	}
	var shieldArns []string
	if env.CloudFront.ShieldAdvanced {
		shieldArns = append(shieldArns, "arn:aws:route53:::hostedzone/"+env.DNS.HostedZoneId)
	}
	e, err := edge.NewEdge(stack, "Edge", edge.EdgeProps{
		HostedZone: zone, ViewerNames: env.DNS.ViewerNames, ApiOriginName: env.OriginName(),
		OriginHeaderName: ingress.DefaultHeaderName, OriginHeaderValue: ingress.HeaderValue(OriginSecretName(env)),
		RateLimit: env.WAF.RateLimit, ExtraManagedRuleGroups: env.WAF.ManagedRuleGroups, CountOverrides: overrides,
		GeoMatch:   edge.GeoMatch{Mode: string(env.WAF.GeoMode), Countries: env.WAF.GeoCountries},
		PriceClass: env.CloudFront.PriceClass, GeoRestriction: cfGeo,
		ShieldAdvanced: env.CloudFront.ShieldAdvanced, ShieldResourceArns: shieldArns,
		FrontendSource: config.FrontendDir(env), WithoutFrontend: !env.CloudFront.FrontendEnabled,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: edge: %w", env.File, err)
	}
	// The origin secret's rotation finds the distribution by this tag.
	ingress.Tag(e.Distribution.Node().DefaultChild(), OriginSecretName(env))
	if _, err := dns.NewApexRecords(stack, "ViewerRecords", dns.ApexProps{
		Zone: zone, Names: env.DNS.ViewerNames, Distribution: e.Distribution,
	}); err != nil {
		return nil, fmt.Errorf("%s: dns.viewerNames: %w", env.File, err)
	}
	for _, app := range apps {
		stack.AddStackDependency(app.Stack, nil) // CloudFront's origin answers only once the regional records exist
	}
	entry := awscdk.NewCfnOutput(stack, jsii.String("EntryUrl"), &awscdk.CfnOutputProps{
		Value:       jsii.String("https://" + env.DNS.ViewerNames[0] + "/"),
		Description: jsii.String("The public entry: CloudFront under the first viewer name"),
	})
	es := &EdgeStack{Stack: stack, Edge: e, EntryURL: entry}
	if err := es.addOrigins(env, zone); err != nil {
		return nil, err
	}
	if err := observeEdge(es, env); err != nil {
		return nil, err
	}
	return es, nil
}

// addOrigins creates every region's health check and its origin.<domain> record (latency or
// failover), aliasing <region>.origin.<domain> in the same zone, and outputs the checks' ids.
func (es *EdgeStack) addOrigins(env *config.Environment, zone r53.IHostedZone) error {
	es.Origins, es.HealthCheckIDs = map[string]*dns.OriginRecord{}, map[string]awscdk.CfnOutput{}
	path := ingressTargets(env)[0].HealthCheckPath
	var errs []error
	for _, r := range env.Regions {
		id := naming.Pascal(r.Name)
		o, err := dns.NewOriginRecord(es.Stack, "OriginRecord"+id, dns.OriginRecordProps{
			Zone: zone, Name: env.OriginName(), RegionalName: env.RegionalOriginName(r.Name), Region: r.Name,
			Routing: string(env.DNS.Routing), Primary: r.Name == env.PrimaryRegion,
			HealthCheckIntervalSeconds: env.DNS.HealthCheckIntervalSeconds, FailureThreshold: env.DNS.HealthCheckFailureThreshold,
			HealthCheckPath: path, CheckerRegions: config.Route53HealthCheckerRegions,
			// The Region switch plan's own check of this record set, once configured.
			AlsoHealthCheckID: env.RegionSwitch.HealthCheckIDs[r.Name],
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: regions %s: dns: %w", env.File, r.Name, err))
			continue
		}
		es.Origins[r.Name] = o
		es.HealthCheckIDs[r.Name] = awscdk.NewCfnOutput(es.Stack, jsii.String("OriginHealthCheckId"+id), &awscdk.CfnOutputProps{
			Value:       o.HealthCheck.AttrHealthCheckId(),
			Description: jsii.String(fmt.Sprintf("Route 53 health check of https://%s%s", env.RegionalOriginName(r.Name), path)),
		})
	}
	return errors.Join(errs...)
}
