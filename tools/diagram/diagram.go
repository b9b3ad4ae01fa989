package main

import (
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/stratus-platform/stratus/internal/assembly"
)

// kind says how a resource type is drawn. Types listed in hidden are plumbing and not drawn;
// every other type is drawn, so a resource type nobody has listed yet still shows up (under its
// CloudFormation name) until it gets a label here.
type kind struct {
	label string
	// aggregate draws one node per stack for all resources of the type, with their count.
	aggregate bool
	// connectedOnly draws the resource only when an edge touches it (a frontend bucket is
	// drawn, the many log buckets are not).
	connectedOnly bool
	detail        func(r *assembly.Resource, g *assembly.Graph) string
}

var kinds = map[string]kind{
	"AWS::CloudFront::Distribution":                    {label: "CloudFront distribution", detail: priceClass},
	"AWS::WAFv2::WebACL":                               {label: "WAF web ACL", detail: wafRules},
	"AWS::S3::Bucket":                                  {label: "S3 bucket", connectedOnly: true},
	"AWS::Route53::HostedZone":                         {label: "Route 53 hosted zone"},
	"AWS::Route53::HealthCheck":                        {label: "Route 53 health check", detail: healthCheck},
	"AWS::EC2::VPC":                                    {label: "VPC", detail: func(r *assembly.Resource, _ *assembly.Graph) string { return r.Str("CidrBlock") }},
	"AWS::EC2::NatGateway":                             {label: "NAT gateway", aggregate: true},
	"AWS::EC2::VPCEndpoint":                            {label: "VPC endpoint", aggregate: true},
	"AWS::EC2::TransitGateway":                         {label: "Transit Gateway"},
	"AWS::EC2::Instance":                               {label: "EC2 instance", detail: func(r *assembly.Resource, _ *assembly.Graph) string { return r.Str("InstanceType") }},
	"AWS::AutoScaling::AutoScalingGroup":               {label: "EC2 Auto Scaling group"},
	"AWS::ElasticLoadBalancingV2::LoadBalancer":        {label: "load balancer", detail: loadBalancer},
	"AWS::ECS::Cluster":                                {label: "ECS cluster"},
	"AWS::ECS::Service":                                {label: "ECS service", detail: ecsService},
	"AWS::ServiceDiscovery::PrivateDnsNamespace":       {label: "Cloud Map namespace"},
	"AWS::ECR::Repository":                             {label: "ECR repository", aggregate: true},
	"AWS::RDS::DBCluster":                              {label: "Aurora cluster", detail: dbCluster},
	"AWS::RDS::DBInstance":                             {label: "RDS instance", detail: dbInstance},
	"AWS::ElastiCache::ReplicationGroup":               {label: "ElastiCache", detail: cache},
	"AWS::CodePipeline::Pipeline":                      {label: "CodePipeline"},
	"AWS::CodeBuild::Project":                          {label: "CodeBuild project", aggregate: true},
	"AWS::CloudTrail::Trail":                           {label: "CloudTrail trail"},
	"AWS::Config::ConfigurationRecorder":               {label: "AWS Config recorder"},
	"AWS::Config::ConfigRule":                          {label: "AWS Config rule", aggregate: true},
	"AWS::Backup::BackupVault":                         {label: "Backup vault"},
	"AWS::Backup::BackupPlan":                          {label: "Backup plan"},
	"AWS::CloudWatch::Alarm":                           {label: "CloudWatch alarm", aggregate: true},
	"AWS::CloudWatch::CompositeAlarm":                  {label: "CloudWatch composite alarm", aggregate: true},
	"AWS::CloudWatch::Dashboard":                       {label: "CloudWatch dashboard"},
	"AWS::Chatbot::SlackChannelConfiguration":          {label: "Chatbot (Slack)"},
	"AWS::Chatbot::MicrosoftTeamsChannelConfiguration": {label: "Chatbot (Teams)"},
	"AWS::Synthetics::Canary":                          {label: "Synthetics canary"},
	"AWS::GuardDuty::Detector":                         {label: "GuardDuty"},
	"AWS::SecurityHub::Hub":                            {label: "Security Hub"},
	"AWS::AccessAnalyzer::Analyzer":                    {label: "IAM Access Analyzer"},
	"AWS::SNS::Topic":                                  {label: "SNS topic"},
	"AWS::SQS::Queue":                                  {label: "SQS queue"},
	"AWS::Cognito::UserPool":                           {label: "Cognito user pool"},
}

// hidden are the plumbing types (patterns as in path.Match): networking details, identities,
// keys, logs, secrets and the parts of a drawn resource (listeners, task definitions, instances
// of a cluster). The connections through some of them are drawn; see through.
var hidden = []string{
	"AWS::CDK::Metadata", "Custom::*", "AWS::IAM::*", "AWS::KMS::*", "AWS::Logs::*",
	"AWS::SecretsManager::*", "AWS::Lambda::*", "AWS::Serverless::*", "AWS::ApplicationAutoScaling::*",
	"AWS::CertificateManager::*", "AWS::SSM::*",
	"AWS::EC2::EIP", "AWS::EC2::FlowLog", "AWS::EC2::InternetGateway", "AWS::EC2::NetworkAcl*",
	"AWS::EC2::Route*", "AWS::EC2::SecurityGroup*", "AWS::EC2::Subnet*", "AWS::EC2::VPCGatewayAttachment",
	"AWS::EC2::TransitGateway?*", "AWS::EC2::LaunchTemplate",
	"AWS::ElasticLoadBalancingV2::Listener*", "AWS::ElasticLoadBalancingV2::TargetGroup",
	"AWS::ECS::TaskDefinition", "AWS::ECS::ClusterCapacityProviderAssociations", "AWS::ECS::CapacityProvider",
	"AWS::ServiceDiscovery::Service", "AWS::ECR::ReplicationConfiguration",
	"AWS::RDS::DB*Group", "AWS::RDS::GlobalCluster", "AWS::ElastiCache::*Group",
	"AWS::CloudFront::Function", "AWS::CloudFront::OriginAccessControl", "AWS::CloudFront::*Policy",
	"AWS::WAFv2::LoggingConfiguration", "AWS::WAFv2::WebACLAssociation", "AWS::S3::BucketPolicy",
	"AWS::Route53::RecordSet*", "AWS::SNS::*Policy", "AWS::SNS::Subscription", "AWS::SQS::QueuePolicy",
	"AWS::Backup::BackupSelection", "AWS::Backup::BackupVaultPolicy", "AWS::Events::*", "AWS::RAM::*",
	"AWS::Config::DeliveryChannel", "AWS::Cognito::UserPool?*", "AWS::AutoScaling::ScalingPolicy",
	"AWS::AutoScaling::LifecycleHook", "AWS::AutoScaling::ScheduledAction", "AWS::CloudWatch::AnomalyDetector",
	"AWS::WAFv2::IPSet", "AWS::WAFv2::RegexPatternSet", "AWS::CodeStarConnections::*", "AWS::XRay::*",
}

// through are the types a connection may pass through: a load balancer reaches its services
// through listener, rule and target group; a service reaches its database through its task
// definition; a distribution reaches a load balancer through the Route 53 record of its origin's
// name; a secondary cluster reaches its primary through the global cluster.
var through = map[string]bool{
	"AWS::ElasticLoadBalancingV2::Listener":         true,
	"AWS::ElasticLoadBalancingV2::ListenerRule":     true,
	"AWS::ElasticLoadBalancingV2::TargetGroup":      true,
	"AWS::ECS::TaskDefinition":                      true,
	"AWS::EC2::LaunchTemplate":                      true,
	"AWS::Route53::RecordSet":                       true,
	"AWS::RDS::GlobalCluster":                       true,
	"AWS::ElastiCache::GlobalReplicationGroup":      true,
	"AWS::EC2::TransitGatewayAttachment":            true,
	"AWS::EC2::TransitGatewayVpcAttachment":         true,
	"AWS::EC2::TransitGatewayPeeringAttachment":     true,
	"AWS::EC2::TransitGatewayRouteTableAssociation": true,
	"AWS::SNS::Subscription":                        true,
}

// link is a connection worth drawing: from a resource of one type to one of another, found
// through references (in either direction) across through types only.
type link struct {
	from, to string
	label    string
	dotted   bool
}

var links = []link{
	{from: "AWS::CloudFront::Distribution", to: "AWS::WAFv2::WebACL"},
	{from: "AWS::CloudFront::Distribution", to: "AWS::S3::Bucket"},
	{from: "AWS::CloudFront::Distribution", to: "AWS::ElasticLoadBalancingV2::LoadBalancer"},
	{from: "AWS::Route53::HealthCheck", to: "AWS::ElasticLoadBalancingV2::LoadBalancer", label: "checks", dotted: true},
	{from: "AWS::ElasticLoadBalancingV2::LoadBalancer", to: "AWS::ECS::Service"},
	{from: "AWS::ElasticLoadBalancingV2::LoadBalancer", to: "AWS::AutoScaling::AutoScalingGroup"},
	{from: "AWS::ElasticLoadBalancingV2::LoadBalancer", to: "AWS::EC2::Instance"},
	{from: "AWS::ECS::Service", to: "AWS::RDS::DBCluster"},
	{from: "AWS::ECS::Service", to: "AWS::RDS::DBInstance"},
	{from: "AWS::ECS::Service", to: "AWS::ElastiCache::ReplicationGroup"},
	{from: "AWS::ECS::Service", to: "AWS::SQS::Queue"},
	{from: "AWS::ECS::Service", to: "AWS::SNS::Topic"},
	{from: "AWS::ElasticLoadBalancingV2::LoadBalancer", to: "AWS::Cognito::UserPool", label: "authenticates"},
	{from: "AWS::AutoScaling::AutoScalingGroup", to: "AWS::RDS::DBCluster"},
	{from: "AWS::AutoScaling::AutoScalingGroup", to: "AWS::RDS::DBInstance"},
	{from: "AWS::AutoScaling::AutoScalingGroup", to: "AWS::ElastiCache::ReplicationGroup"},
	{from: "AWS::AutoScaling::AutoScalingGroup", to: "AWS::SQS::Queue"},
	{from: "AWS::AutoScaling::AutoScalingGroup", to: "AWS::SNS::Topic"},
	{from: "AWS::SNS::Topic", to: "AWS::SQS::Queue"},
	{from: "AWS::CloudWatch::Alarm", to: "AWS::SNS::Topic", label: "notifies"},
	{from: "AWS::CloudWatch::CompositeAlarm", to: "AWS::SNS::Topic", label: "notifies"},
	{from: "AWS::SNS::Topic", to: "AWS::Chatbot::SlackChannelConfiguration"},
	{from: "AWS::SNS::Topic", to: "AWS::Chatbot::MicrosoftTeamsChannelConfiguration"},
	{from: "AWS::RDS::DBCluster", to: "AWS::RDS::DBCluster", label: "replicates", dotted: true},
	{from: "AWS::RDS::DBInstance", to: "AWS::RDS::DBInstance", label: "replicates", dotted: true},
	{from: "AWS::ElastiCache::ReplicationGroup", to: "AWS::ElastiCache::ReplicationGroup", label: "replicates", dotted: true},
	{from: "AWS::EC2::VPC", to: "AWS::EC2::TransitGateway"},
	{from: "AWS::EC2::TransitGateway", to: "AWS::EC2::TransitGateway", label: "peering", dotted: true},
	{from: "AWS::CodePipeline::Pipeline", to: "AWS::CodeBuild::Project"},
	{from: "AWS::CodePipeline::Pipeline", to: "AWS::ECR::Repository"},
	{from: "AWS::CodePipeline::Pipeline", to: "AWS::ECS::Service", label: "deploys"},
}

// regionLinks: a resource of the key type naming another region of the stage (a "Region"
// property, as ECR replication rules do) links the node of the value type in its stack to the
// nodes of that type in the named region.
var regionLinks = map[string]string{
	"AWS::ECR::ReplicationConfiguration": "AWS::ECR::Repository",
}

// maxHops bounds a connection's length, so records and listeners cannot chain unrelated parts.
const maxHops = 4

func hiddenType(t string) bool {
	if _, ok := kinds[t]; ok {
		return false
	}
	for _, p := range hidden {
		if ok, _ := path.Match(p, t); ok {
			return true
		}
	}
	return false
}

type node struct {
	id, label string
	stack     *assembly.Stack
	members   []*assembly.Resource
	optional  bool
}

type edge struct {
	from, to *node
	label    string
	dotted   bool
}

// Draw renders one stage as a Mermaid flowchart: a subgraph per region and per stack, a node per
// drawn resource, and the links between them.
func Draw(s *assembly.Stage) string {
	g := assembly.NewGraph(s)
	nodeOf := map[*assembly.Resource]*node{}
	var nodes []*node
	for _, st := range s.Stacks {
		agg := map[string]*node{}
		for _, r := range st.Resources {
			if hiddenType(r.Type) || (r.Type == "AWS::RDS::DBInstance" && r.Prop("DBClusterIdentifier") != nil) {
				continue
			}
			k := kinds[r.Type]
			if k.aggregate {
				if n := agg[r.Type]; n != nil {
					n.members = append(n.members, r)
					nodeOf[r] = n
					continue
				}
			}
			n := &node{id: nodeID(st.Name, r.LogicalID), stack: st, members: []*assembly.Resource{r}, optional: k.connectedOnly}
			if k.aggregate {
				n.id = nodeID(st.Name, r.Type)
				agg[r.Type] = n
			}
			nodeOf[r] = n
			nodes = append(nodes, n)
		}
	}
	edges := connect(s, g, nodeOf, nodes)
	used := map[*node]bool{}
	for _, e := range edges {
		used[e.from], used[e.to] = true, true
	}

	var b strings.Builder
	b.WriteString("flowchart LR\n")
	for _, region := range s.Regions() {
		fmt.Fprintf(&b, "  subgraph %s[\"%s\"]\n", nodeID("region", region), region)
		for _, st := range s.Stacks {
			if st.Region != region {
				continue
			}
			var lines []string
			for _, n := range nodes {
				if n.stack == st && (!n.optional || used[n]) {
					lines = append(lines, fmt.Sprintf("      %s[\"%s\"]\n", n.id, nodeLabel(n, g)))
				}
			}
			if len(lines) == 0 {
				continue
			}
			fmt.Fprintf(&b, "    subgraph %s[\"%s\"]\n", nodeID("stack", st.Name), strings.TrimSuffix(st.Name, "-"+region))
			for _, l := range lines {
				b.WriteString(l)
			}
			b.WriteString("    end\n")
		}
		b.WriteString("  end\n")
	}
	for _, e := range edges {
		arrow := "-->"
		if e.dotted {
			arrow = "-.->"
		}
		if e.label != "" {
			arrow += "|" + e.label + "|"
		}
		fmt.Fprintf(&b, "  %s %s %s\n", e.from.id, arrow, e.to.id)
	}
	return b.String()
}

// connect finds the links between drawn nodes. A distribution's origins are drawn behind its
// web ACL, the order a request takes. A link between two resources of the same type (replication)
// points from the one whose stack the other's deploys after (the primary) to the other.
func connect(s *assembly.Stage, g *assembly.Graph, nodeOf map[*assembly.Resource]*node, nodes []*node) []edge {
	after := dependsOn(s)
	seen := map[[2]*node]bool{}
	var edges []edge
	for _, l := range links {
		for _, r := range s.Resources() {
			if r.Type != l.from || nodeOf[r] == nil {
				continue
			}
			for _, t := range reach(g, r, l.to) {
				from, to := nodeOf[r], nodeOf[t]
				if to == nil || from == to {
					continue
				}
				if l.from == l.to && after[from.stack][to.stack] {
					from, to = to, from
				}
				if seen[[2]*node{from, to}] || (l.from == l.to && seen[[2]*node{to, from}]) {
					continue
				}
				seen[[2]*node{from, to}] = true
				edges = append(edges, edge{from: from, to: to, label: l.label, dotted: l.dotted})
			}
		}
	}
	byRegion := map[string][]*node{}
	for _, n := range nodes {
		byRegion[n.stack.Region] = append(byRegion[n.stack.Region], n)
	}
	for _, r := range s.Resources() {
		want, ok := regionLinks[r.Type]
		if !ok {
			continue
		}
		var from *node
		for _, n := range byRegion[r.Stack.Region] {
			if n.stack == r.Stack && n.members[0].Type == want {
				from = n
			}
		}
		for _, region := range regionsNamed(r.Properties) {
			for _, to := range byRegion[region] {
				if from != nil && to.members[0].Type == want && region != r.Stack.Region && !seen[[2]*node{from, to}] {
					seen[[2]*node{from, to}] = true
					edges = append(edges, edge{from: from, to: to, label: "replicates", dotted: true})
				}
			}
		}
	}
	// CloudFront → WAF → origins: move a distribution's other edges behind its web ACL.
	acl := map[*node]*node{}
	for _, e := range edges {
		if e.from.members[0].Type == "AWS::CloudFront::Distribution" && e.to.members[0].Type == "AWS::WAFv2::WebACL" {
			acl[e.from] = e.to
		}
	}
	for i, e := range edges {
		if w := acl[e.from]; w != nil && e.to != w {
			edges[i].from = w
		}
	}
	return edges
}

// regionsNamed lists the values of every "Region" property below v.
func regionsNamed(v any) []string {
	var out []string
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			out = append(out, regionsNamed(e)...)
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if s, ok := v[k].(string); ok && k == "Region" {
				out = append(out, s)
			} else {
				out = append(out, regionsNamed(v[k])...)
			}
		}
	}
	return out
}

// reach lists the resources of type want reachable from r across through types only.
func reach(g *assembly.Graph, r *assembly.Resource, want string) []*assembly.Resource {
	var found []*assembly.Resource
	seen := map[*assembly.Resource]bool{r: true}
	frontier := []*assembly.Resource{r}
	for hop := 0; hop < maxHops && len(frontier) > 0; hop++ {
		var next []*assembly.Resource
		for _, c := range frontier {
			for _, n := range g.Neighbors(c) {
				if seen[n] {
					continue
				}
				seen[n] = true
				if n.Type == want {
					found = append(found, n)
				} else if through[n.Type] {
					next = append(next, n)
				}
			}
		}
		frontier = next
	}
	return found
}

// dependsOn answers whether one stack deploys after another, directly or not.
func dependsOn(s *assembly.Stage) map[*assembly.Stack]map[*assembly.Stack]bool {
	byID := map[string]*assembly.Stack{}
	for _, st := range s.Stacks {
		byID[st.ArtifactID] = st
	}
	out := map[*assembly.Stack]map[*assembly.Stack]bool{}
	var visit func(st *assembly.Stack) map[*assembly.Stack]bool
	visit = func(st *assembly.Stack) map[*assembly.Stack]bool {
		if m, ok := out[st]; ok {
			return m
		}
		m := map[*assembly.Stack]bool{}
		out[st] = m
		for _, d := range st.DependsOn {
			if dep := byID[d]; dep != nil {
				m[dep] = true
				for x := range visit(dep) {
					m[x] = true
				}
			}
		}
		return m
	}
	for _, st := range s.Stacks {
		visit(st)
	}
	return out
}

var notID = regexp.MustCompile(`[^A-Za-z0-9]+`)

func nodeID(parts ...string) string {
	return notID.ReplaceAllString(strings.Join(parts, "_"), "_")
}

func nodeLabel(n *node, g *assembly.Graph) string {
	r := n.members[0]
	k, known := kinds[r.Type]
	label := k.label
	if !known {
		label = r.Type
	}
	if len(n.members) > 1 {
		label = fmt.Sprintf("%s ×%d", label, len(n.members))
	}
	if k.detail != nil {
		if d := k.detail(r, g); d != "" {
			label += "<br/>" + d
		}
	}
	return strings.ReplaceAll(label, `"`, "'")
}

func priceClass(r *assembly.Resource, _ *assembly.Graph) string {
	return r.Str("DistributionConfig", "PriceClass")
}

func wafRules(r *assembly.Resource, _ *assembly.Graph) string {
	rules, _ := r.Prop("Rules").([]any)
	return fmt.Sprintf("%d rules", len(rules))
}

func healthCheck(r *assembly.Resource, _ *assembly.Graph) string {
	return r.Str("HealthCheckConfig", "FullyQualifiedDomainName")
}

func loadBalancer(r *assembly.Resource, _ *assembly.Graph) string {
	t := r.Str("Type")
	if t == "" {
		t = "application"
	}
	return strings.TrimSpace(t + " " + r.Str("Scheme"))
}

func ecsService(r *assembly.Resource, g *assembly.Graph) string {
	var name, size string
	for _, t := range g.Refs(r) {
		if t.Type == "AWS::ECS::TaskDefinition" {
			if cs, _ := t.Prop("ContainerDefinitions").([]any); len(cs) > 0 {
				if c, ok := cs[0].(map[string]any); ok {
					name, _ = c["Name"].(string)
				}
			}
			cpu, _ := t.Num("Cpu")
			mem, _ := t.Num("Memory")
			size = fmt.Sprintf(" × %g vCPU / %g GB", cpu/1024, mem/1024)
		}
	}
	desired, _ := r.Num("DesiredCount")
	launch := r.Str("LaunchType")
	if launch == "" {
		launch = "ECS"
	}
	return strings.TrimSpace(fmt.Sprintf("%s<br/>%s %g%s", name, strings.ToLower(launch), desired, size))
}

func dbCluster(r *assembly.Resource, g *assembly.Graph) string {
	classes := map[string]int{}
	for _, t := range g.Referrers(r) {
		if t.Type == "AWS::RDS::DBInstance" {
			classes[t.Str("DBInstanceClass")]++
		}
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(classes)) {
		parts = append(parts, fmt.Sprintf("%d × %s", classes[c], c))
	}
	if lo, ok := r.Num("ServerlessV2ScalingConfiguration", "MinCapacity"); ok {
		hi, _ := r.Num("ServerlessV2ScalingConfiguration", "MaxCapacity")
		parts = append(parts, fmt.Sprintf("%g-%g ACU", lo, hi))
	}
	return strings.TrimSpace(r.Str("Engine") + " " + r.Str("EngineVersion") + "<br/>" + strings.Join(parts, ", "))
}

func dbInstance(r *assembly.Resource, _ *assembly.Graph) string {
	d := r.Str("Engine") + " " + r.Str("EngineVersion") + "<br/>" + r.Str("DBInstanceClass")
	if r.Prop("MultiAZ") == true || r.Str("MultiAZ") == "true" {
		d += " Multi-AZ"
	}
	return d
}

func cache(r *assembly.Resource, _ *assembly.Graph) string {
	nodes, ok := r.Num("NumCacheClusters")
	if !ok {
		nodes = 1
	}
	return fmt.Sprintf("%s %s<br/>%g × %s", r.Str("Engine"), r.Str("EngineVersion"), nodes, r.Str("CacheNodeType"))
}
