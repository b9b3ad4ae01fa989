package test

import (
	"fmt"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// What the app-level checks expect of an environment with compute: ec2 (config/examples/seed-003.yaml).

// tierUnscopable are the instance-role actions AWS offers on Resource "*" only: the Session
// Manager agent's channels and messages, and the CloudWatch agent's metrics (the role's
// statement limits them to the tiers' namespace).
var tierUnscopable = []string{
	"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
	"ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
	"ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
	"cloudwatch:PutMetricData",
}

// regionStackKinds are the shared stacks env has in every region.
func regionStackKinds(env *config.Environment) []string {
	kinds := []string{"Network", "Data", "Registry", "App"}
	if env.RunsTiers() {
		kinds = []string{"Network", "Data", "App", "Tiers"}
	}
	if env.HasIntegration() {
		kinds = append(kinds, "Integration")
	}
	return kinds
}

// databaseOwners are the owners of env's databases, each with a ServiceData stack: the services
// owning one, or the app tier when it has a database.
func databaseOwners(env *config.Environment) []config.Service {
	if env.RunsTiers() {
		if env.Tiers.Database == config.EngineNone {
			return nil
		}
		return []config.Service{{Name: "app", Database: env.Tiers.Database}}
	}
	var out []config.Service
	for _, s := range env.Services {
		if s.OwnsDatabase() {
			out = append(out, s)
		}
	}
	return out
}

// publicTargets are what the public ALB forwards to: the services, or the web tier.
func publicTargets(env *config.Environment) []config.Service {
	if env.RunsTiers() {
		w := env.Tiers.Web
		return []config.Service{{Name: "web", Port: w.Port, PathPattern: config.TierPathPattern, HealthCheckPath: w.HealthCheckPath}}
	}
	return env.Services
}

// publicTargetType is the target type of the public ALB's target groups.
func publicTargetType(env *config.Environment) string {
	if env.RunsTiers() {
		return "instance"
	}
	return "ip"
}

var tierChecks = []check{
	{"EC2 tiers follow the config: instance types, group sizes, CPU targets", checkTierGroups},
	{"EC2 tier instances are hardened: IMDSv2, encrypted gp3 under a customer key, no key pair", checkTierInstances},
	{"EC2 tiers chain CloudFront's ALB → web → internal ALB → app → database and cache", checkTierChain},
	{"EC2 tiers' user data holds no credential", checkTierUserData},
}

// tierStacks are the Tiers stacks of a's environments with compute ec2, with their environment.
func tierStacks(c *C, a *Assembly) []*Template {
	var out []*Template
	for _, env := range a.Envs {
		if !env.RunsTiers() {
			continue
		}
		for _, r := range env.Regions {
			name := stackName(env, "Tiers", r.Name)
			tpl, ok := a.Templates[name]
			if assert.True(c, ok, "%s: no stack %s", a.Name, name) {
				out = append(out, tpl)
			}
		}
	}
	return out
}

// tierOf names the tier ("web" or "app") a resource of the Tiers stack belongs to, by its id.
func tierOf(id string) string {
	for _, t := range []string{"Web", "App"} {
		if strings.HasPrefix(id, t) {
			return strings.ToLower(t)
		}
	}
	return ""
}

func tierConfig(env *config.Environment, name string) config.Tier {
	if name == "web" {
		return env.Tiers.Web
	}
	return env.Tiers.App
}

func checkTierGroups(c *C, a *Assembly) {
	for _, tpl := range tierStacks(c, a) {
		env := tpl.Env
		_, groups := tpl.OfType("AWS::AutoScaling::AutoScalingGroup")
		require.Len(c, groups, 2, "%s: Auto Scaling groups", tpl.StackName)
		zones := 0
		for _, r := range env.Regions {
			if r.Name == tpl.Region {
				zones = len(r.AvailabilityZones)
			}
		}
		sizes := map[string][3]string{}
		for id, g := range groups {
			p := g.Properties
			sizes[tierOf(id)] = [3]string{str(p["MinSize"]), str(p["DesiredCapacity"]), str(p["MaxSize"])}
			assert.Equal(c, "ELB", str(p["HealthCheckType"]), "%s/%s: health checks", tpl.StackName, id)
			assert.Len(c, asList(p["VPCZoneIdentifier"]), zones, "%s/%s: every app subnet", tpl.StackName, id)
			assert.Len(c, asList(p["TargetGroupARNs"]), 1, "%s/%s: target groups", tpl.StackName, id)
			assert.NotEmpty(c, p["NotificationConfigurations"], "%s/%s: scaling notifications", tpl.StackName, id)
		}
		want := map[string][3]string{}
		for _, name := range []string{"web", "app"} {
			t := tierConfig(env, name)
			want[name] = [3]string{fmt.Sprint(t.MinCount), fmt.Sprint(t.DesiredCount), fmt.Sprint(t.MaxCount)}
		}
		assert.Equal(c, want, sizes, "%s: min, desired, max", tpl.StackName)

		_, policies := tpl.OfType("AWS::AutoScaling::ScalingPolicy")
		targets := map[string]int{}
		for id, p := range policies {
			cfg := get(p.Properties, "TargetTrackingConfiguration")
			assert.Equal(c, "ASGAverageCPUUtilization", str(get(cfg, "PredefinedMetricSpecification", "PredefinedMetricType")), "%s/%s", tpl.StackName, id)
			targets[tierOf(id)] = num(get(cfg, "TargetValue"))
		}
		assert.Equal(c, map[string]int{"web": env.Tiers.Web.CpuTarget, "app": env.Tiers.App.CpuTarget}, targets, "%s: CPU targets", tpl.StackName)

		_, templates := tpl.OfType("AWS::EC2::LaunchTemplate")
		types := map[string]string{}
		for id, lt := range templates {
			types[tierOf(id)] = str(get(lt.Properties, "LaunchTemplateData", "InstanceType"))
		}
		assert.Equal(c, map[string]string{"web": env.Tiers.Web.InstanceType, "app": env.Tiers.App.InstanceType}, types, "%s: instance types", tpl.StackName)
	}
}

func checkTierInstances(c *C, a *Assembly) {
	for _, tpl := range tierStacks(c, a) {
		_, templates := tpl.OfType("AWS::EC2::LaunchTemplate")
		require.Len(c, templates, 2, "%s: launch templates", tpl.StackName)
		for id, lt := range templates {
			data := get(lt.Properties, "LaunchTemplateData")
			where := tpl.StackName + "/" + id
			assert.Equal(c, "required", str(get(data, "MetadataOptions", "HttpTokens")), "%s: IMDSv2", where)
			assert.Nil(c, get(data, "KeyName"), "%s: SSH key pair", where)
			assert.Contains(c, jsonOf(get(data, "ImageId")), `"Ref"`, "%s: the image is an SSM parameter resolved at deploy time", where)
			devices := asList(get(data, "BlockDeviceMappings"))
			require.Len(c, devices, 1, "%s: volumes", where)
			ebs := get(devices[0], "Ebs")
			assert.Equal(c, "gp3", str(get(ebs, "VolumeType")), "%s: volume type", where)
			assert.Equal(c, true, get(ebs, "Encrypted"), "%s: encrypted", where)
			assert.NotEmpty(c, ref(get(ebs, "KmsKeyId")), "%s: a key of this stack", where)
			assert.NotNil(c, get(data, "IamInstanceProfile"), "%s: instance profile", where)
		}
	}
}

// checkTierChain: every rule the Tiers stack adds, inbound and outbound, is a link of the chain
// public ALB → web → internal ALB → app → database and cache, on the configured ports; and the
// internal ALB is internal, listening on the app tier's port.
func checkTierChain(c *C, a *Assembly) {
	for _, tpl := range tierStacks(c, a) {
		env := tpl.Env
		web, app := env.Tiers.Web.Port, env.Tiers.App.Port
		alb := tpl.group("AppLoadBalancerSecurityGroup")
		appSG, webSG := tpl.group("AppSecurityGroup"), tpl.group("WebSecurityGroup")
		require.NotContains(c, []string{alb, appSG, webSG}, "", "%s: tier groups alb=%q app=%q web=%q", tpl.StackName, alb, appSG, webSG)
		name := func(v any) string {
			if id := ref(v); id != "" {
				return id
			}
			imp := str(get(v, "Fn::ImportValue"))
			for _, g := range []string{"Alb", "Database", "Cache"} {
				if strings.Contains(imp, "Network"+g+"SecurityGroup") {
					return "network:" + g
				}
			}
			return "import:" + imp
		}
		type link struct {
			to, from string
			port     int
		}
		want := []link{{webSG, "network:Alb", web}, {alb, webSG, app}, {appSG, alb, app}, {"network:Database", appSG, config.DatabasePort}, {"network:Cache", appSG, env.Cache.Port}}
		var in, out []link
		for id, r := range tpl.Resources {
			p := r.Properties
			switch r.Type {
			case "AWS::EC2::SecurityGroupIngress":
				assert.Equal(c, num(p["FromPort"]), num(p["ToPort"]), "%s/%s: one port", tpl.StackName, id)
				in = append(in, link{name(p["GroupId"]), name(p["SourceSecurityGroupId"]), num(p["FromPort"])})
			case "AWS::EC2::SecurityGroupEgress":
				out = append(out, link{name(p["DestinationSecurityGroupId"]), name(p["GroupId"]), num(p["FromPort"])})
			case "AWS::EC2::SecurityGroup":
				assert.Nil(c, p["SecurityGroupIngress"], "%s/%s: inline ingress", tpl.StackName, id)
			}
		}
		assert.ElementsMatch(c, want, in, "%s: inbound links (to, from, port)", tpl.StackName)
		assert.ElementsMatch(c, want, out, "%s: outbound links (to, from, port)", tpl.StackName)

		_, lbs := tpl.OfType("AWS::ElasticLoadBalancingV2::LoadBalancer")
		for id, lb := range lbs {
			assert.Equal(c, "internal", str(lb.Properties["Scheme"]), "%s/%s: scheme", tpl.StackName, id)
		}
		_, listeners := tpl.OfType("AWS::ElasticLoadBalancingV2::Listener")
		var ports []int
		for _, l := range listeners {
			ports = append(ports, num(l.Properties["Port"]))
		}
		assert.Equal(c, []int{app}, ports, "%s: internal listener ports", tpl.StackName)
	}
}

// checkTierUserData: what the instances get in their user data names secrets, never holds one.
func checkTierUserData(c *C, a *Assembly) {
	for _, tpl := range tierStacks(c, a) {
		_, templates := tpl.OfType("AWS::EC2::LaunchTemplate")
		for id, lt := range templates {
			text := jsonOf(get(lt.Properties, "LaunchTemplateData", "UserData"))
			assert.NotContains(c, text, "resolve:secretsmanager", "%s/%s: a secret resolved into user data", tpl.StackName, id)
			assert.NotContains(c, text, "SecretString", "%s/%s", tpl.StackName, id)
			assert.Contains(c, text, "/opt/aws/bin/cfn-signal", "%s/%s: instances report their health", tpl.StackName, id)
		}
	}
}

// tierMutants prove the tier checks can fail; they join the mutation suite.
var tierMutants = []mutant{
	{"the web tier accepts IMDSv1", true, "Seed003-Tiers-us-east-1", "AWS::EC2::LaunchTemplate", "WebLaunchTemplate",
		set("LaunchTemplateData.MetadataOptions.HttpTokens", "optional")},
	{"the app tier's root volume is unencrypted", true, "Seed003-Tiers-us-east-1", "AWS::EC2::LaunchTemplate", "AppLaunchTemplate",
		set("LaunchTemplateData.BlockDeviceMappings.0.Ebs.Encrypted", false)},
	{"the app tier scales past its configured maximum", true, "Seed003-Tiers-us-east-1", "AWS::AutoScaling::AutoScalingGroup", "AppGroup",
		set("MaxSize", "10")},
	{"the internal ALB faces the internet", true, "Seed003-Tiers-us-east-1", "AWS::ElasticLoadBalancingV2::LoadBalancer", "AppLoadBalancer",
		set("Scheme", "internet-facing")},
	{"the app tier admits the web tier directly, skipping the internal ALB", true, "Seed003-Tiers-us-east-1", "AWS::EC2::SecurityGroupIngress", "AppSecurityGroupfrom",
		func(r *Resource, tpl *Template) {
			r.Properties["SourceSecurityGroupId"] = map[string]any{"Fn::GetAtt": []any{tpl.group("WebSecurityGroup"), "GroupId"}}
		}},
}

func init() { mutants = append(mutants, tierMutants...) }
