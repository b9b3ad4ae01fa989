package test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/internal/naming"
	"github.com/stratus-platform/stratus/stacks"
)

var networkChecks = []check{
	{"every environment has its stacks and only them", checkStacksFollowTheConfigs},
	{"subnets, regions and termination protection follow the config", checkSubnetsFollowTheConfig},
	{"routes keep each tier in its lane", checkRoutes},
	{"endpoints follow the config", checkEndpoints},
	{"flow logs capture everything into an encrypted retained group", checkFlowLogs},
	{"the data NACL admits and sends only the data tier's traffic", checkDataNacl},
	{"security groups form the tier chain, inbound and outbound", checkSecurityGroupChain},
	{"each declared call opens its path in the caller's Service stack, and nothing else does", checkCallPaths},
	{"no security group is left with the default egress", checkNoDefaultEgress},
	{"every security group fits the rule quota", checkRuleQuota},
	{"nothing is open to the internet", checkNothingOpen},
	{"no template uses placeholder availability zones", checkNoDummyZones},
	{"every taggable resource carries project, environment and config tags", checkTags},
}

// subnetPlan maps "<tier>/<az>" to the CIDR a template gives that subnet.
func subnetPlan(tpl *Template) map[string]string {
	_, subnets := tpl.OfType("AWS::EC2::Subnet")
	plan := map[string]string{}
	for _, s := range subnets {
		plan[tags(s)["aws-cdk:subnet-name"]+"/"+str(s.Properties["AvailabilityZone"])] = str(s.Properties["CidrBlock"])
	}
	return plan
}

// networkStacks returns the Network stacks with their environment's region config.
func networkStacks(c *C, a *Assembly) map[*Template]config.Region {
	out := map[*Template]config.Region{}
	for _, tpl := range a.stacksOf("Network") {
		out[tpl] = regionOf(tpl.Env, tpl.Region)
	}
	require.NotEmpty(c, out, "%s: no Network stacks", a.Name)
	return out
}

func checkStacksFollowTheConfigs(c *C, a *Assembly) {
	require.NotEmpty(c, a.Envs, "%s: no environments", a.Name)
	var want []string
	for _, env := range a.Envs {
		want = append(want, stackName(env, "Edge", "us-east-1"))
		want = append(want, governanceStackNames(env)...)
		for _, r := range env.Regions {
			for _, kind := range regionStackKinds(env) {
				want = append(want, stackName(env, kind, r.Name))
			}
			for _, s := range env.Services {
				want = append(want, stackName(env, stacks.ServiceStackKind(s.Name), r.Name))
			}
			for _, s := range databaseOwners(env) {
				want = append(want, stackName(env, stacks.ServiceDataStackKind(s.Name), r.Name))
			}
		}
		want = append(want, transitStackNames(env)...)
	}
	assert.ElementsMatch(c, want, a.StackNames(), "%s: stacks", a.Name)
	for _, tpl := range a.stacksOf("Edge") {
		assert.Equal(c, "us-east-1", tpl.Region, "%s: CloudFront's WebACL and certificate must be in us-east-1", tpl.StackName)
	}
}

func checkSubnetsFollowTheConfig(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		want := map[string]string{}
		for _, az := range region.AvailabilityZones {
			want["Public/"+az.Name], want["App/"+az.Name], want["Data/"+az.Name] = az.PublicSubnet, az.AppSubnet, az.DataSubnet
		}
		maps.Copy(want, transitSubnetPlan(tpl.Env, region))
		assert.Equal(c, want, subnetPlan(tpl), "%s: subnets", tpl.StackName)
		_, vpcs := tpl.OfType("AWS::EC2::VPC")
		if assert.Len(c, vpcs, 1, "%s: VPCs", tpl.StackName) {
			for _, v := range vpcs {
				assert.Equal(c, region.CIDR, str(v.Properties["CidrBlock"]), "%s: VPC CIDR", tpl.StackName)
			}
		}
	}
	for _, tpl := range a.Templates {
		if assert.NotNil(c, tpl.Env, "%s belongs to no environment", tpl.StackName) {
			assert.Equal(c, tpl.Env.TerminationProtection, tpl.TerminationProtection, "%s: termination protection", tpl.StackName)
		}
	}
}

// routesBySubnet maps each subnet's "<tier>/<az>" to its route table's 0.0.0.0/0 target:
// "igw", "nat:<az of the NAT>" or "" for none.
func routesBySubnet(tpl *Template) map[string]string {
	_, subnets := tpl.OfType("AWS::EC2::Subnet")
	_, assocs := tpl.OfType("AWS::EC2::SubnetRouteTableAssociation")
	_, routes := tpl.OfType("AWS::EC2::Route")
	_, nats := tpl.OfType("AWS::EC2::NatGateway")
	tableOf := map[string]string{}
	for _, a := range assocs {
		tableOf[ref(a.Properties["SubnetId"])] = ref(a.Properties["RouteTableId"])
	}
	out := map[string]string{}
	for id, s := range subnets {
		key := tags(s)["aws-cdk:subnet-name"] + "/" + str(s.Properties["AvailabilityZone"])
		out[key] = ""
		for _, r := range routes {
			if ref(r.Properties["RouteTableId"]) != tableOf[id] || str(r.Properties["DestinationCidrBlock"]) != "0.0.0.0/0" {
				continue
			}
			if r.Properties["GatewayId"] != nil {
				out[key] = "igw"
			}
			if nat := ref(r.Properties["NatGatewayId"]); nat != "" {
				out[key] = "nat:" + str(subnets[ref(nats[nat].Properties["SubnetId"])].Properties["AvailabilityZone"])
			}
		}
	}
	return out
}

func checkRoutes(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		routes := routesBySubnet(tpl)
		require.NotEmpty(c, routes, "%s: no subnets", name)
		_, nats := tpl.OfType("AWS::EC2::NatGateway")
		wantNats := 1
		if env.Network.NatGateways == config.NatPerAZ {
			wantNats = len(region.AvailabilityZones)
		}
		assert.Len(c, nats, wantNats, "%s: NAT gateways (%s)", name, env.Network.NatGateways)
		firstAZ := ""
		for _, az := range region.AvailabilityZones {
			assert.Equal(c, "igw", routes["Public/"+az.Name], "%s: public subnet in %s routes 0.0.0.0/0", name, az.Name)
			assert.Equal(c, "", routes["Data/"+az.Name], "%s: data subnet in %s has a default route; it must be isolated", name, az.Name)
			want, target := "nat:"+az.Name, routes["App/"+az.Name]
			if env.Network.NatGateways == config.NatSingle {
				if firstAZ == "" {
					firstAZ = strings.TrimPrefix(target, "nat:")
				}
				want = "nat:" + firstAZ
			}
			assert.NotEqual(c, "nat:", target, "%s: app subnet in %s", name, az.Name)
			assert.Equal(c, want, target, "%s: app subnet in %s routes 0.0.0.0/0", name, az.Name)
		}
		for k := range transitSubnetPlan(env, region) {
			assert.Equal(c, "", routes[k], "%s: attachment subnet %s has a default route", name, k)
		}
		assert.Len(c, routes, 3*len(region.AvailabilityZones)+len(transitSubnetPlan(env, region)), "%s: subnets %v", name, routes)
	}
}

func checkEndpoints(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		_, eps := tpl.OfType("AWS::EC2::VPCEndpoint")
		gateways, interfaces := []string{}, []string{}
		for _, e := range eps {
			svc := serviceName(e.Properties["ServiceName"])
			if str(e.Properties["VpcEndpointType"]) != "Interface" {
				gateways = append(gateways, svc)
				continue
			}
			interfaces = append(interfaces, svc)
			assert.Equal(c, true, e.Properties["PrivateDnsEnabled"], "%s: endpoint %s private DNS", name, svc)
			sgs := asList(e.Properties["SecurityGroupIds"])
			if assert.Len(c, sgs, 1, "%s: endpoint %s security groups", name, svc) {
				assert.True(c, strings.HasPrefix(ref(sgs[0]), "NetworkEndpointSecurityGroup"), "%s: endpoint %s in group %v", name, svc, sgs[0])
			}
		}
		assert.ElementsMatch(c, []string{"dynamodb", "s3"}, gateways, "%s: gateway endpoints", name)
		assert.ElementsMatch(c, env.Network.InterfaceEndpoints, interfaces, "%s: interface endpoints", name)
		_ = region
	}
}

// serviceName reads "com.amazonaws.<region>.<name>" out of a literal or an Fn::Join.
func serviceName(v any) string {
	s := literal(v)
	if i := strings.LastIndex(s, ".amazonaws."); i >= 0 {
		s = s[i+len(".amazonaws."):]
	}
	if j := strings.Index(s, "."); j >= 0 && strings.HasPrefix(s, "com") {
		s = s[j+1:]
	}
	// what remains is "<region>.<name>" or "<name>" when the region was a token
	for _, r := range config.SupportedRegions() {
		s = strings.TrimPrefix(s, r+".")
	}
	return strings.TrimPrefix(s, ".")
}

func checkFlowLogs(c *C, a *Assembly) {
	for tpl := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		_, flows := tpl.OfType("AWS::EC2::FlowLog")
		_, groups := tpl.OfType("AWS::Logs::LogGroup")
		_, keys := tpl.OfType("AWS::KMS::Key")
		require.Len(c, flows, 1, "%s: flow logs", name)
		for _, f := range flows {
			assert.Equal(c, "ALL", str(f.Properties["TrafficType"]), "%s: flow log traffic", name)
			assert.Equal(c, "VPC", str(f.Properties["ResourceType"]), "%s: flow log resource", name)
			group, ok := groups[ref(f.Properties["LogGroupName"])]
			require.True(c, ok, "%s: flow log writes to %v, not a log group of this stack", name, f.Properties["LogGroupName"])
			assert.Equal(c, env.Network.FlowLogRetentionDays, num(group.Properties["RetentionInDays"]), "%s: flow log retention", name)
			key, ok := keys[ref(group.Properties["KmsKeyId"])]
			if assert.True(c, ok, "%s: flow-log group key %v is not a key of this stack", name, group.Properties["KmsKeyId"]) {
				assert.Equal(c, true, key.Properties["EnableKeyRotation"], "%s: flow-log key rotation", name)
				assert.Equal(c, "Retain", key.DeletionPolicy, "%s: flow-log key DeletionPolicy", name)
			}
			assert.Equal(c, "Retain", group.DeletionPolicy, "%s: flow-log group DeletionPolicy", name)
		}
	}
}

// naclEntry is "<in|out> <cidr> <from>-<to>" of an allowed TCP NACL entry, or the whole entry
// when it is anything else.
func naclEntry(e Resource) string {
	p := e.Properties
	dir := "in"
	if p["Egress"] == true {
		dir = "out"
	}
	if str(p["RuleAction"]) != "allow" || num(p["Protocol"]) != 6 || p["Ipv6CidrBlock"] != nil {
		return dir + " unexpected " + jsonOf(p)
	}
	return fmt.Sprintf("%s %s %d-%d", dir, str(p["CidrBlock"]), num(get(p, "PortRange", "From")), num(get(p, "PortRange", "To")))
}

// checkDataNacl: the data subnets' NACL admits the database and cache ports from the app
// subnets, replication between data subnets and return traffic; it sends responses to the app
// subnets, replication to the data subnets and HTTPS to the app subnets' endpoints. Nothing else,
// in either direction.
func checkDataNacl(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		// The data tier's NACL; the deny-list NACLs of the other tiers are governance checks'.
		dataNacl := tpl.withPrefix("AWS::EC2::NetworkAcl", "NetworkDataNacl")
		require.NotEmpty(c, dataNacl, "%s: one data-tier network ACL", name)
		_, assocs := naclParts(tpl, "AWS::EC2::SubnetNetworkAclAssociation", dataNacl)
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		assert.Len(c, assocs, len(region.AvailabilityZones), "%s: NACL associations", name)
		for _, as := range assocs {
			s := subnets[ref(as.Properties["SubnetId"])]
			assert.Equal(c, "Data", tags(s)["aws-cdk:subnet-name"], "%s: data NACL associated with subnet %v", name, as.Properties["SubnetId"])
		}
		var want []string
		for _, az := range region.AvailabilityZones {
			app, data := az.AppSubnet, az.DataSubnet
			want = append(want,
				fmt.Sprintf("in %s %d-%d", app, config.DatabasePort, config.DatabasePort),
				fmt.Sprintf("in %s %d-%d", app, env.Cache.Port, env.Cache.Port),
				fmt.Sprintf("in %s 1024-65535", data),
				fmt.Sprintf("in %s 32768-65535", app),
				fmt.Sprintf("out %s 1024-65535", app),
				fmt.Sprintf("out %s 1024-65535", data),
				fmt.Sprintf("out %s 443-443", app))
		}
		want = append(want, peerNaclEntries(env, region)...)
		_, entries := naclParts(tpl, "AWS::EC2::NetworkAclEntry", dataNacl)
		var got []string
		for _, e := range entries {
			got = append(got, naclEntry(e))
		}
		assert.ElementsMatch(c, want, got, "%s: data NACL entries", name)
	}
}

// Rule is one security-group rule, inline or a separate resource: Peer is a security group's
// logical id (or its import), a CIDR or a prefix list.
type Rule struct {
	Group, Peer, Protocol string
	From, To              int
}

func (r Rule) String() string {
	return fmt.Sprintf("%s %s %s %d-%d", r.Group, r.Peer, r.Protocol, r.From, r.To)
}

// groupOf names the security group a rule's property names: its logical id in this template,
// "import:<export name>" for another stack's group, or "".
func groupOf(v any) string {
	if id := ref(v); id != "" {
		return id
	}
	if imp := str(get(v, "Fn::ImportValue")); imp != "" {
		return "import:" + imp
	}
	return ""
}

// peer names a rule's other side.
func peer(m map[string]any, sgKey, prefixKey string) string {
	if g := groupOf(m[sgKey]); g != "" {
		return g
	}
	return str(m["CidrIp"]) + str(m["CidrIpv6"]) + str(m[prefixKey])
}

func parseRule(group string, m map[string]any, sgKey, prefixKey string) Rule {
	return Rule{Group: group, Peer: peer(m, sgKey, prefixKey), Protocol: str(m["IpProtocol"]), From: num(m["FromPort"]), To: num(m["ToPort"])}
}

// rules returns a template's ingress or egress rules (inline and separate), sorted; a separate
// rule on another stack's group has Group "import:<export name>".
func (tpl *Template) rules(egress bool) []Rule {
	inline, separate, sgKey, prefixKey := "SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress", "SourceSecurityGroupId", "SourcePrefixListId"
	if egress {
		inline, separate, sgKey, prefixKey = "SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress", "DestinationSecurityGroupId", "DestinationPrefixListId"
	}
	var out []Rule
	for id, r := range tpl.Resources {
		switch r.Type {
		case "AWS::EC2::SecurityGroup":
			for _, item := range asList(r.Properties[inline]) {
				m, _ := item.(map[string]any)
				out = append(out, parseRule(id, m, sgKey, prefixKey))
			}
		case separate:
			out = append(out, parseRule(groupOf(r.Properties["GroupId"]), r.Properties, sgKey, prefixKey))
		}
	}
	slices.SortFunc(out, func(a, b Rule) int { return strings.Compare(a.String(), b.String()) })
	return out
}

// noTraffic is aws-cdk-lib's egress placeholder that matches nothing: a group holding only it
// sends nothing.
var noTraffic = Rule{Peer: "255.255.255.255/32", Protocol: "icmp", From: 252, To: 86}

func (tpl *Template) group(prefix string) string {
	return tpl.withPrefix("AWS::EC2::SecurityGroup", prefix)
}

// checkSecurityGroupChain: the Network stack's groups hold exactly the tier chain. Inbound:
// CloudFront to the ALB, Route 53's checkers to the checkers' group, the ALB to each service,
// each service to the cache and, when it has a database (its own or a shared one), to the
// region's shared database group (which since 2026-12 holds only the EC2 app tier's database and
// databases not yet moved into groups of their own: checkDatabaseGroups), the VPC to the endpoints. Outbound: the ALB to each service, each service to the
// cache, HTTPS and (with a database) the database; nothing else. With ingress.mode api there is
// no ALB or checkers' group, and nothing admits CloudFront.
func checkSecurityGroupChain(c *C, a *Assembly) {
	for tpl, region := range networkStacks(c, a) {
		env, name := tpl.Env, tpl.StackName
		facts, _ := config.LookupRegion(tpl.Region)
		alb, checkers := tpl.group("NetworkAlbSecurityGroup"), tpl.group("NetworkHealthCheckSecurityGroup")
		db, cache, endpoints := tpl.group("NetworkDatabaseSecurityGroup"), tpl.group("NetworkCacheSecurityGroup"), tpl.group("NetworkEndpointSecurityGroup")
		tiers := map[string]bool{db: true, cache: true, endpoints: true}
		balanced := !env.UsesAPI() // an HTTP API's VPC link replaces the ALB and its groups
		if balanced {
			tiers[alb], tiers[checkers] = true, true
		} else {
			assert.Empty(c, alb+checkers, "%s: ingress.mode api makes no ALB or checkers' group", name)
		}
		require.NotContains(c, tiers, "", "%s: missing tier security groups: alb=%q checkers=%q db=%q cache=%q endpoints=%q", name, alb, checkers, db, cache, endpoints)
		in := []Rule{{endpoints, region.CIDR, "tcp", 443, 443}}
		out := []Rule{}
		for _, g := range []string{db, cache, endpoints} {
			out = append(out, Rule{g, noTraffic.Peer, noTraffic.Protocol, noTraffic.From, noTraffic.To})
		}
		if balanced {
			in = append(in, Rule{alb, facts.CloudFrontOriginPrefixList, "tcp", 443, 443})
			for _, cidr := range config.Route53HealthCheckerCidrs {
				in = append(in, Rule{checkers, cidr, "tcp", 443, 443})
			}
			out = append(out, Rule{checkers, noTraffic.Peer, noTraffic.Protocol, noTraffic.From, noTraffic.To})
		}
		for _, s := range env.Services {
			sg := tpl.group("Network" + naming.Pascal(s.Name) + "ServiceSecurityGroup")
			require.NotEmpty(c, sg, "%s: no security group for service %s", name, s.Name)
			tiers[sg] = true
			in = append(in, Rule{cache, sg, "tcp", env.Cache.Port, env.Cache.Port})
			out = append(out, Rule{sg, "0.0.0.0/0", "tcp", 443, 443}, Rule{sg, cache, "tcp", env.Cache.Port, env.Cache.Port})
			if balanced {
				in, out = append(in, Rule{sg, alb, "tcp", s.Port, s.Port}), append(out, Rule{alb, sg, "tcp", s.Port, s.Port})
			}
			if s.UsesDatabase() { // a service without a database has no path to the database port
				in = append(in, Rule{db, sg, "tcp", config.DatabasePort, config.DatabasePort})
				out = append(out, Rule{sg, db, "tcp", config.DatabasePort, config.DatabasePort})
			}
		}
		var clients []string // the services with a database
		for _, s := range env.Services {
			if s.UsesDatabase() {
				clients = append(clients, tpl.group("Network"+naming.Pascal(s.Name)+"ServiceSecurityGroup"))
			}
		}
		peerIn, peerOut := peerRules(env, region, db, clients)
		in, out = append(in, peerIn...), append(out, peerOut...)
		if env.RunsTiers() { // the ALB's rules to the web tier are the Tiers stack's (checkTierChain)
			out = append(out, Rule{alb, noTraffic.Peer, noTraffic.Protocol, noTraffic.From, noTraffic.To})
		}
		for dir, want := range map[bool][]Rule{false: in, true: out} {
			var got []Rule
			for _, r := range tpl.rules(dir) {
				if tiers[r.Group] {
					got = append(got, r)
				}
			}
			assert.ElementsMatch(c, want, got, "%s: tier rules (egress %v)", name, dir)
		}
	}
}

// checkCallPaths: the paths of services[].calls are the caller's Service stack's rules (so the
// Network stack, whose groups hold no service-to-service rule at all (checkSecurityGroupChain),
// does not grow with the calls): in each region, the callee's group admits the caller's group on
// the call's port and the caller's group may send there, for exactly the caller's declared calls.
// A Service stack holds no other security group rule.
func checkCallPaths(c *C, a *Assembly) {
	for _, env := range a.Envs {
		for _, region := range env.Regions {
			for _, s := range env.Services {
				name := stackName(env, stacks.ServiceStackKind(s.Name), region.Name)
				tpl := a.Templates[name]
				require.NotNil(c, tpl, name)
				// serviceOf names the service whose Network group a rule's side imports.
				serviceOf := func(group string) string {
					for _, other := range env.Services {
						if strings.HasPrefix(group, "import:") && strings.Contains(group, "GetAttNetwork"+naming.Pascal(other.Name)+"ServiceSecurityGroup") {
							return other.Name
						}
					}
					return "not a service group: " + group
				}
				var want, got []string
				for _, call := range declaredCalls(env) {
					if call.Caller == s.Name {
						want = append(want, fmt.Sprintf("%s admits %s on tcp %d-%d", call.Callee, s.Name, call.Port, call.Port),
							fmt.Sprintf("%s sends to %s on tcp %d-%d", s.Name, call.Callee, call.Port, call.Port))
					}
				}
				for _, egress := range []bool{false, true} {
					format := "%s admits %s on %s %d-%d"
					if egress {
						format = "%s sends to %s on %s %d-%d"
					}
					for _, r := range tpl.rules(egress) {
						got = append(got, fmt.Sprintf(format, serviceOf(r.Group), serviceOf(r.Peer), r.Protocol, r.From, r.To))
					}
				}
				assert.ElementsMatch(c, want, got, "%s: its security group rules are exactly its declared calls' paths", name)
			}
		}
	}
}

// checkNoDefaultEgress: a security group without an inline egress rule keeps EC2's default
// allow-all egress unless a separate egress rule replaces it; every group of every stack sends
// only where a rule says, and an HTTPS rule to anywhere is the only rule to a CIDR.
func checkNoDefaultEgress(c *C, a *Assembly) {
	groups := 0
	for name, tpl := range a.Templates {
		egress := map[string][]Rule{}
		for _, r := range tpl.rules(true) {
			egress[r.Group] = append(egress[r.Group], r)
		}
		_, sgs := tpl.OfType("AWS::EC2::SecurityGroup")
		for id := range sgs {
			groups++
			assert.NotEmpty(c, egress[id], "%s/%s: no egress rule, so EC2's default sends everywhere", name, id)
		}
		for _, rules := range egress {
			for _, r := range rules {
				r.Group = ""
				cidr := strings.Contains(r.Peer, "/") && !strings.HasPrefix(r.Peer, "import:")
				ok := r == noTraffic || r == Rule{Peer: "0.0.0.0/0", Protocol: "tcp", From: 443, To: 443} || (!cidr && r.Protocol == "tcp" && r.From == r.To) ||
					peerDatabaseEgress(tpl, r)
				assert.True(c, ok, "%s: egress rule %s", name, r)
			}
		}
	}
	assert.NotZero(c, groups, "%s: no security groups", a.Name)
}

// checkRuleQuota: a security group holds at most 60 inbound rules by default, and a referenced
// managed prefix list counts as its maximum number of entries, 55 for CloudFront's origin-facing
// list. Synth and cfn-lint cannot see this; CloudFormation fails on it.
func checkRuleQuota(c *C, a *Assembly) {
	const quota, cloudFrontWeight = 60, 55
	// A group's rules may be in other stacks than the group (a call's rule is in the caller's
	// Service stack), where they name it by its export: count them with the group's own.
	exported := map[string]string{} // export name → "<stack>/<logical id>" of the group
	for name, tpl := range a.Templates {
		for _, o := range tpl.Outputs {
			export := str(get(get(o, "Export"), "Name"))
			if att, ok := get(get(o, "Value"), "Fn::GetAtt").([]any); ok && export != "" && len(att) == 2 && att[1] == "GroupId" {
				exported[export] = name + "/" + str(att[0])
			}
		}
	}
	weight := func(r Rule) int {
		if strings.HasPrefix(r.Peer, "pl-") {
			return cloudFrontWeight
		}
		return 1
	}
	used, rules := map[string]int{}, 0
	for name, tpl := range a.Templates {
		for _, r := range tpl.rules(false) {
			rules++
			group := name + "/" + r.Group
			if imp, ok := strings.CutPrefix(r.Group, "import:"); ok { // another stack's group
				require.NotEmpty(c, exported[imp], "%s: a rule on the group of export %s, which no stack exports", name, imp)
				group = exported[imp]
			}
			used[group] += weight(r)
		}
	}
	for group, n := range used {
		assert.LessOrEqual(c, n, quota, "security group %s: inbound rules, in its stack and others", group)
	}
	assert.NotZero(c, rules, "%s: no inbound rules", a.Name)
}

func checkNothingOpen(c *C, a *Assembly) {
	seen := map[string]int{}
	for name, tpl := range a.Templates {
		for _, r := range tpl.Resources {
			seen[r.Type]++
		}
		for _, r := range tpl.rules(false) {
			assert.NotContains(c, []string{"0.0.0.0/0", "::/0"}, r.Peer, "%s: ingress from anywhere: %s", name, r)
		}
		_, entries := tpl.OfType("AWS::EC2::NetworkAclEntry")
		for id, e := range entries {
			// A deny-list NACL (network.deniedCidrs) replaces the default NACL of the public and
			// app subnets and, behind its denies, allows what that did; checkDenyLists holds it.
			if e.Properties["Egress"] != true && !isDenyListNacl(tpl, ref(e.Properties["NetworkAclId"])) {
				assert.NotContains(c, []string{"0.0.0.0/0", "::/0"}, str(e.Properties["CidrBlock"])+str(e.Properties["Ipv6CidrBlock"]), "%s: NACL entry %s admits the internet", name, id)
			}
		}
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		for id, s := range subnets {
			assert.NotEqual(c, true, s.Properties["MapPublicIpOnLaunch"], "%s: subnet %s gives public IPs on launch", name, id)
		}
		_, services := tpl.OfType("AWS::ECS::Service")
		for id, s := range services {
			assert.Equal(c, "DISABLED", str(get(s.Properties, "NetworkConfiguration", "AwsvpcConfiguration", "AssignPublicIp")), "%s/%s: public IP", name, id)
		}
		_, dbs := tpl.OfType("AWS::RDS::DBInstance")
		for id, db := range dbs {
			assert.Equal(c, false, db.Properties["PubliclyAccessible"], "%s/%s: PubliclyAccessible", name, id)
		}
	}
	for _, typ := range []string{"AWS::EC2::SecurityGroup", "AWS::EC2::NetworkAclEntry", "AWS::EC2::Subnet", "AWS::ECS::Service"} {
		assert.NotZero(c, seen[typ], "%s: no %s to check", a.Name, typ)
	}
}

func checkNoDummyZones(c *C, a *Assembly) {
	for name, tpl := range a.Templates {
		assert.False(c, mentions(tpl.Resources, "dummy"), "%s mentions a dummy AZ: the VPC must get its AZs from config", name)
	}
}

var taggedTypes = []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::NatGateway",
	"AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
	"AWS::ElastiCache::ReplicationGroup", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECR::Repository",
	"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::S3::Bucket",
	"AWS::CloudFront::Distribution", "AWS::WAFv2::WebACL", "AWS::Route53::HealthCheck"}

func checkTags(c *C, a *Assembly) {
	tagged := 0
	for name, tpl := range a.Templates {
		for _, typ := range taggedTypes {
			_, rs := tpl.OfType(typ)
			for id, r := range rs {
				tagged++
				want := map[string]string{"project": "stratus", "environment": tpl.Env.Name}
				for k, v := range tpl.Env.Tags {
					want[k] = v
				}
				got := tags(r)
				for k, v := range want {
					assert.Equal(c, v, got[k], "%s/%s: tag %s", name, id, k)
				}
			}
		}
	}
	assert.NotZero(c, tagged, "%s: no taggable resources", a.Name)
}

// regionOf returns the config of env's region name (zero if env has no such region).
func regionOf(env *config.Environment, name string) config.Region {
	for _, r := range env.Regions {
		if r.Name == name {
			return r
		}
	}
	return config.Region{}
}

// TestFixtureProdCarriesTheSeedAddressPlan pins the seed's address plan on the fixture prod.
func TestFixtureProdCarriesTheSeedAddressPlan(t *testing.T) {
	a := Fixtures(t)
	for region, x := range map[string]int{"us-east-1": 1, "eu-west-1": 2} {
		tpl := a.Template(t, "Prod-Network-"+region)
		want := map[string]string{}
		for i, az := range []string{"a", "b", "c"} {
			want["Public/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 1+i)
			want["App/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 10+i)
			want["Data/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 20+i)
			want["Transit/"+region+az] = fmt.Sprintf("10.%d.30.%d/28", x, 16*i) // seed 004's transit gateway
		}
		assert.Equal(t, want, subnetPlan(tpl), region)
		assert.Equal(t, fmt.Sprintf("10.%d.0.0/16", x), regionOf(a.Envs["prod"], region).CIDR)
	}
	assert.True(t, a.Envs["prod"].TerminationProtection, "prod is termination-protected")
	assert.False(t, a.Envs["dev"].TerminationProtection, "dev is not")
}
