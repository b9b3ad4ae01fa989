package stacks

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/alarms"
	"github.com/stratus-platform/stratus/constructs/alerting"
	"github.com/stratus-platform/stratus/constructs/dns"
	"github.com/stratus-platform/stratus/constructs/edge"
	"github.com/stratus-platform/stratus/constructs/ingress"
)

// EdgeStack holds the environment's global entry point: WAF, certificate, CloudFront, the
// frontend bucket and the apex records.
type EdgeStack struct {
	awscdk.Stack
	Edge *edge.Edge
	// Topic and Alarms are the edge's alarm topic and alarms (operations.go).
	Topic  *alerting.Topic
	Alarms *alarms.Alarms
	// EntryURL (output EntryUrl) is the environment's public entry, https://<first viewer name>/;
	// the pipeline's smoke test requests it.
	EntryURL awscdk.CfnOutput
}

// NewEdgeStack builds the Edge stack of env in us-east-1. It reaches the regions only through
// names — origin.<domain> for the API and the origin secret's name — so nothing crosses regions
// as a reference and the regional stacks can change without a deadlock.
func NewEdgeStack(scope constructs.Construct, env *config.Environment, apps []*AppStack) (*EdgeStack, error) {
	stack := newStack(scope, "Edge", env, config.Region{Name: config.EdgeRegion},
		fmt.Sprintf("Stratus %s edge: WAF, CloudFront, frontend bucket, apex records", env.Name))
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
		HostedZone: zone, ViewerNames: env.DNS.ViewerNames, ApiOriginName: OriginName(env),
		OriginHeaderName: ingress.DefaultHeaderName, OriginHeaderValue: ingress.HeaderValue(OriginSecretName(env)),
		RateLimit: env.WAF.RateLimit, ExtraManagedRuleGroups: env.WAF.ManagedRuleGroups, CountOverrides: overrides,
		GeoMatch:   edge.GeoMatch{Mode: string(env.WAF.GeoMode), Countries: env.WAF.GeoCountries},
		PriceClass: env.CloudFront.PriceClass, GeoRestriction: cfGeo,
		ShieldAdvanced: env.CloudFront.ShieldAdvanced, ShieldResourceArns: shieldArns,
		FrontendSource: env.CloudFront.FrontendSource,
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
	if es.Topic, es.Alarms, err = observeEdge(stack, env, e); err != nil {
		return nil, err
	}
	return es, nil
}
