package test

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/stratus-platform/stratus/config"
)

// subnetPlan maps "<tier>/<az>" to the CIDR a template gives that subnet.
func subnetPlan(tpl *Template) map[string]string {
	_, subnets := tpl.OfType("AWS::EC2::Subnet")
	plan := map[string]string{}
	for _, s := range subnets {
		plan[tags(s)["aws-cdk:subnet-name"]+"/"+str(s.Properties["AvailabilityZone"])] = str(s.Properties["CidrBlock"])
	}
	return plan
}

func TestTheAppHoldsEveryStackOfEveryEnvironment(t *testing.T) {
	want := []string{
		"Dev-App-us-east-1", "Dev-Data-us-east-1", "Dev-Edge-us-east-1", "Dev-Network-us-east-1", "Dev-Registry-us-east-1",
		"Prod-App-eu-west-1", "Prod-App-us-east-1", "Prod-Data-eu-west-1", "Prod-Data-us-east-1", "Prod-Edge-us-east-1",
		"Prod-Network-eu-west-1", "Prod-Network-us-east-1", "Prod-Registry-eu-west-1", "Prod-Registry-us-east-1",
		"Staging-App-us-east-1", "Staging-Data-us-east-1", "Staging-Edge-us-east-1", "Staging-Network-us-east-1", "Staging-Registry-us-east-1",
	}
	if got := Shipped(t).StackNames(); !reflect.DeepEqual(got, want) {
		t.Fatalf("stacks = %v, want %v", got, want)
	}
}

func TestProdCarriesTheSeedAddressPlan(t *testing.T) {
	a := Shipped(t)
	for region, x := range map[string]int{"us-east-1": 1, "eu-west-1": 2} {
		tpl := a.Template(t, "Prod-Network-"+region)
		_, vpcs := tpl.OfType("AWS::EC2::VPC")
		for _, v := range vpcs {
			if got, want := str(v.Properties["CidrBlock"]), fmt.Sprintf("10.%d.0.0/16", x); got != want {
				t.Errorf("%s VPC CIDR = %s, want %s", region, got, want)
			}
		}
		want := map[string]string{}
		for i, az := range []string{"a", "b", "c"} {
			want["Public/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 1+i)
			want["App/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 10+i)
			want["Data/"+region+az] = fmt.Sprintf("10.%d.%d.0/24", x, 20+i)
		}
		if got := subnetPlan(tpl); !reflect.DeepEqual(got, want) {
			t.Errorf("%s subnets = %v, want %v", region, got, want)
		}
		if len(vpcs) != 1 {
			t.Errorf("%s has %d VPCs", region, len(vpcs))
		}
	}
}

func TestEveryEnvironmentMatchesItsConfig(t *testing.T) {
	a := Shipped(t)
	for _, env := range a.Envs {
		for _, region := range env.Regions {
			tpl := a.Template(t, fmt.Sprintf("%s-Network-%s", strings.ToUpper(env.Name[:1])+env.Name[1:], region.Name))
			want := map[string]string{}
			for _, az := range region.AvailabilityZones {
				want["Public/"+az.Name], want["App/"+az.Name], want["Data/"+az.Name] = az.PublicSubnet, az.AppSubnet, az.DataSubnet
			}
			if got := subnetPlan(tpl); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: subnets = %v, want %v", tpl.StackName, got, want)
			}
			if tpl.TerminationProtection != env.TerminationProtection {
				t.Errorf("%s: termination protection = %v, want %v", tpl.StackName, tpl.TerminationProtection, env.TerminationProtection)
			}
			if tpl.Region != region.Name {
				t.Errorf("%s: region = %s", tpl.StackName, tpl.Region)
			}
		}
	}
	if !a.Envs["prod"].TerminationProtection || a.Envs["dev"].TerminationProtection {
		t.Error("prod must be termination-protected and dev must not")
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

func TestRoutesKeepEachTierInItsLane(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Network") {
		name := tpl.StackName
		env := a.Envs[strings.ToLower(strings.SplitN(name, "-", 2)[0])]
		routes := routesBySubnet(tpl)
		_, nats := tpl.OfType("AWS::EC2::NatGateway")
		wantNats := 1
		if env.Network.NatGateways == config.NatPerAZ {
			wantNats = len(env.Regions[0].AvailabilityZones)
		}
		if len(nats) != wantNats {
			t.Errorf("%s: %d NAT gateways, want %d (%s)", name, len(nats), wantNats, env.Network.NatGateways)
		}
		firstAZ := ""
		for key, target := range routes {
			tier, az, _ := strings.Cut(key, "/")
			switch tier {
			case "Public":
				if target != "igw" {
					t.Errorf("%s: %s routes 0.0.0.0/0 to %q, want the internet gateway", name, key, target)
				}
			case "App":
				want := "nat:" + az
				if env.Network.NatGateways == config.NatSingle {
					if firstAZ == "" {
						firstAZ = strings.TrimPrefix(target, "nat:")
					}
					want = "nat:" + firstAZ
				}
				if target != want || target == "nat:" {
					t.Errorf("%s: %s routes 0.0.0.0/0 to %q, want %q", name, key, target, want)
				}
			case "Data":
				if target != "" {
					t.Errorf("%s: data subnet %s has a default route to %q; it must be isolated", name, key, target)
				}
			default:
				t.Errorf("%s: unexpected subnet tier %q", name, tier)
			}
		}
	}
}

func TestEndpointsFollowConfig(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Network") {
		name := tpl.StackName
		env := a.Envs[strings.ToLower(strings.SplitN(name, "-", 2)[0])]
		_, eps := tpl.OfType("AWS::EC2::VPCEndpoint")
		var gateways, interfaces []string
		for _, e := range eps {
			svc := serviceName(e.Properties["ServiceName"])
			if str(e.Properties["VpcEndpointType"]) == "Interface" {
				interfaces = append(interfaces, svc)
				if e.Properties["PrivateDnsEnabled"] != true {
					t.Errorf("%s: endpoint %s without private DNS", name, svc)
				}
				sgs, _ := e.Properties["SecurityGroupIds"].([]any)
				if len(sgs) != 1 || !strings.HasPrefix(ref(sgs[0]), "NetworkEndpointSecurityGroup") {
					t.Errorf("%s: endpoint %s security groups = %v", name, svc, sgs)
				}
			} else {
				gateways = append(gateways, svc)
			}
		}
		slices.Sort(gateways)
		slices.Sort(interfaces)
		want := slices.Clone(env.Network.InterfaceEndpoints)
		slices.Sort(want)
		if !reflect.DeepEqual(gateways, []string{"dynamodb", "s3"}) {
			t.Errorf("%s: gateway endpoints = %v", name, gateways)
		}
		if !reflect.DeepEqual(interfaces, want) && !(len(interfaces) == 0 && len(want) == 0) {
			t.Errorf("%s: interface endpoints = %v, want %v", name, interfaces, want)
		}
		sg := tpl.withPrefix("AWS::EC2::SecurityGroup", "NetworkEndpointSecurityGroup")
		for _, r := range tpl.IngressRules() {
			if r.Group == sg && (r.From != 443 || r.To != 443 || r.Cidr != regionOf(env, tpl.Region).CIDR) {
				t.Errorf("%s: endpoint security group rule %s; only 443 from the VPC is allowed", name, r)
			}
		}
	}
}

// serviceName reads "com.amazonaws.<region>.<name>" out of a literal or an Fn::Join.
func serviceName(v any) string {
	s := str(v)
	m, _ := v.(map[string]any)
	if join, ok := m["Fn::Join"].([]any); ok && len(join) == 2 {
		parts, _ := join[1].([]any)
		for _, p := range parts {
			s += str(p)
		}
	}
	i := strings.LastIndex(s, ".amazonaws.")
	if i >= 0 {
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

func TestFlowLogsCaptureEverythingIntoAnEncryptedRetainedGroup(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Network") {
		name := tpl.StackName
		env := a.Envs[strings.ToLower(strings.SplitN(name, "-", 2)[0])]
		_, flows := tpl.OfType("AWS::EC2::FlowLog")
		_, groups := tpl.OfType("AWS::Logs::LogGroup")
		_, keys := tpl.OfType("AWS::KMS::Key")
		if len(flows) != 1 {
			t.Fatalf("%s: %d flow logs, want 1", name, len(flows))
		}
		for _, f := range flows {
			if str(f.Properties["TrafficType"]) != "ALL" || str(f.Properties["ResourceType"]) != "VPC" {
				t.Errorf("%s: flow log %v", name, f.Properties)
			}
			group, ok := groups[ref(f.Properties["LogGroupName"])]
			if !ok {
				t.Fatalf("%s: flow log writes to %v, not a log group of this stack", name, f.Properties["LogGroupName"])
			}
			if got := num(group.Properties["RetentionInDays"]); got != env.Network.FlowLogRetentionDays {
				t.Errorf("%s: retention %d, want %d", name, got, env.Network.FlowLogRetentionDays)
			}
			key, ok := keys[ref(group.Properties["KmsKeyId"])]
			if !ok || key.Properties["EnableKeyRotation"] != true {
				t.Errorf("%s: flow-log group must be encrypted with a rotating customer key, got %v", name, group.Properties["KmsKeyId"])
			}
			if group.DeletionPolicy != "Retain" || key.DeletionPolicy != "Retain" {
				t.Errorf("%s: flow-log group and key must be retained (got %q, %q)", name, group.DeletionPolicy, key.DeletionPolicy)
			}
		}
	}
}

func TestDataTierNaclAdmitsOnlyAppAndDataSubnetsOnDataPorts(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Network") {
		name := tpl.StackName
		env := a.Envs[strings.ToLower(strings.SplitN(name, "-", 2)[0])]
		region := env.Regions[0]
		for _, r := range env.Regions {
			if r.Name == tpl.Region {
				region = r
			}
		}
		app, data := map[string]bool{}, map[string]bool{}
		for _, az := range region.AvailabilityZones {
			app[az.AppSubnet], data[az.DataSubnet] = true, true
		}
		nacls, _ := tpl.OfType("AWS::EC2::NetworkAcl")
		if len(nacls) != 1 {
			t.Fatalf("%s: %d network ACLs, want 1", name, len(nacls))
		}
		_, assocs := tpl.OfType("AWS::EC2::SubnetNetworkAclAssociation")
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		if len(assocs) != len(region.AvailabilityZones) {
			t.Errorf("%s: NACL associated with %d subnets", name, len(assocs))
		}
		for _, as := range assocs {
			if s := subnets[ref(as.Properties["SubnetId"])]; tags(s)["aws-cdk:subnet-name"] != "Data" {
				t.Errorf("%s: data NACL associated with a %s subnet", name, tags(s)["aws-cdk:subnet-name"])
			}
		}
		_, entries := tpl.OfType("AWS::EC2::NetworkAclEntry")
		ports := map[string]bool{}
		for _, e := range entries {
			if e.Properties["Egress"] == true {
				continue
			}
			cidr := str(e.Properties["CidrBlock"])
			pr, _ := e.Properties["PortRange"].(map[string]any)
			from, to := num(pr["From"]), num(pr["To"])
			allowed := (app[cidr] && from == to && (from == config.DatabasePort || from == env.Cache.Port)) ||
				(app[cidr] && from == 32768 && to == 65535) ||
				(data[cidr] && from == 1024 && to == 65535)
			if !allowed || str(e.Properties["RuleAction"]) != "allow" || num(e.Properties["Protocol"]) != 6 {
				t.Errorf("%s: unexpected inbound NACL entry %v", name, e.Properties)
			}
			if app[cidr] && from == to {
				ports[fmt.Sprint(from)] = true
			}
		}
		if !ports[fmt.Sprint(config.DatabasePort)] || !ports[fmt.Sprint(env.Cache.Port)] {
			t.Errorf("%s: the app subnets must reach the database and cache ports, got %v", name, ports)
		}
	}
}

func TestSecurityGroupsFormTheTierChain(t *testing.T) {
	a := Shipped(t)
	for _, tpl := range a.stacksOf("Network") {
		name := tpl.StackName
		env := a.Envs[strings.ToLower(strings.SplitN(name, "-", 2)[0])]
		facts, _ := config.LookupRegion(tpl.Region)
		alb := tpl.withPrefix("AWS::EC2::SecurityGroup", "NetworkAlbSecurityGroup")
		checkers := tpl.withPrefix("AWS::EC2::SecurityGroup", "NetworkHealthCheckSecurityGroup")
		db := tpl.withPrefix("AWS::EC2::SecurityGroup", "NetworkDatabaseSecurityGroup")
		cache := tpl.withPrefix("AWS::EC2::SecurityGroup", "NetworkCacheSecurityGroup")
		services := map[string]string{}
		for _, s := range env.Services {
			prefix := "Network" + strings.ToUpper(s.Name[:1]) + s.Name[1:] + "ServiceSecurityGroup"
			services[tpl.withPrefix("AWS::EC2::SecurityGroup", prefix)] = s.Name
		}
		if alb == "" || checkers == "" || db == "" || cache == "" || len(services) != len(env.Services) || services[""] != "" {
			t.Fatalf("%s: missing tier security groups: alb=%q checkers=%q db=%q cache=%q services=%v", name, alb, checkers, db, cache, services)
		}
		var want []string
		want = append(want, IngressRule{Group: alb, PrefixList: facts.CloudFrontOriginPrefixList, Protocol: "tcp", From: 443, To: 443}.String())
		// Route 53's health checkers reach the ALB's header-less health-check rule (see ingress)
		// through a second ALB group.
		for _, cidr := range config.Route53HealthCheckerCidrs {
			want = append(want, IngressRule{Group: checkers, Cidr: cidr, Protocol: "tcp", From: 443, To: 443}.String())
		}
		for sg, svc := range services {
			port := 0
			for _, s := range env.Services {
				if s.Name == svc {
					port = s.Port
				}
			}
			want = append(want,
				IngressRule{Group: sg, SourceGroup: alb, Protocol: "tcp", From: port, To: port}.String(),
				IngressRule{Group: db, SourceGroup: sg, Protocol: "tcp", From: config.DatabasePort, To: config.DatabasePort}.String(),
				IngressRule{Group: cache, SourceGroup: sg, Protocol: "tcp", From: env.Cache.Port, To: env.Cache.Port}.String())
		}
		var got []string
		for _, r := range tpl.IngressRules() {
			if r.Group == alb || r.Group == checkers || r.Group == db || r.Group == cache || services[r.Group] != "" {
				got = append(got, r.String())
			}
		}
		slices.Sort(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: tier ingress rules\n got  %v\n want %v", name, got, want)
		}
	}
}

// TestEverySecurityGroupFitsTheRuleQuota: a security group holds at most 60 inbound rules by
// default, and a referenced managed prefix list counts as its maximum number of entries, 55 for
// CloudFront's origin-facing list. Synth and cfn-lint cannot see this; CloudFormation fails on it.
func TestEverySecurityGroupFitsTheRuleQuota(t *testing.T) {
	const quota, cloudFrontWeight = 60, 55
	for name, tpl := range everyTemplate(t) {
		used := map[string]int{}
		for _, r := range tpl.IngressRules() {
			if r.PrefixList != "" {
				used[r.Group] += cloudFrontWeight
			} else {
				used[r.Group]++
			}
		}
		for group, n := range used {
			if n > quota {
				t.Errorf("%s: security group %s uses %d of %d inbound rules", name, group, n, quota)
			}
		}
	}
}

func TestNothingIsOpenToTheInternet(t *testing.T) {
	for name, tpl := range everyTemplate(t) {
		for _, r := range tpl.IngressRules() {
			if r.Cidr == "0.0.0.0/0" || r.CidrV6 == "::/0" {
				t.Errorf("%s: ingress from anywhere: %s", name, r)
			}
		}
		_, entries := tpl.OfType("AWS::EC2::NetworkAclEntry")
		for id, e := range entries {
			if e.Properties["Egress"] != true && (str(e.Properties["CidrBlock"]) == "0.0.0.0/0" || str(e.Properties["Ipv6CidrBlock"]) == "::/0") {
				t.Errorf("%s: NACL entry %s admits the internet", name, id)
			}
		}
		_, subnets := tpl.OfType("AWS::EC2::Subnet")
		for id, s := range subnets {
			if s.Properties["MapPublicIpOnLaunch"] == true {
				t.Errorf("%s: subnet %s gives public IPs on launch", name, id)
			}
		}
	}
}

func TestNoTemplateUsesPlaceholderAvailabilityZones(t *testing.T) {
	for name, tpl := range everyTemplate(t) {
		data, err := os.ReadFile(tpl.Path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "dummy") {
			t.Errorf("%s mentions a dummy AZ: the VPC must get its AZs from config", name)
		}
	}
}

func TestEveryTaggableResourceCarriesProjectAndEnvironment(t *testing.T) {
	a := Shipped(t)
	for name, tpl := range a.Templates {
		env := strings.ToLower(strings.SplitN(name, "-", 2)[0])
		for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::SecurityGroup", "AWS::EC2::NatGateway",
			"AWS::KMS::Key", "AWS::Logs::LogGroup", "AWS::SecretsManager::Secret", "AWS::RDS::DBCluster", "AWS::RDS::DBInstance",
			"AWS::ElastiCache::ReplicationGroup", "AWS::ECS::Cluster", "AWS::ECS::Service", "AWS::ECR::Repository",
			"AWS::ElasticLoadBalancingV2::LoadBalancer", "AWS::ElasticLoadBalancingV2::TargetGroup", "AWS::S3::Bucket",
			"AWS::CloudFront::Distribution", "AWS::WAFv2::WebACL", "AWS::Route53::HealthCheck"} {
			_, rs := tpl.OfType(typ)
			for id, r := range rs {
				tg := tags(r)
				if tg["project"] != "stratus" || tg["environment"] != env {
					t.Errorf("%s: %s lacks project/environment tags: %v", name, id, tg)
				}
				for k, v := range a.Envs[env].Tags {
					if tg[k] != v {
						t.Errorf("%s: %s lacks config tag %s=%s", name, id, k, v)
					}
				}
			}
		}
	}
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
