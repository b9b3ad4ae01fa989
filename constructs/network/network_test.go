package network

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

func validProps() NetworkProps {
	return NetworkProps{
		VpcCidr: "10.9.0.0/16",
		Zones: []Zone{
			{Name: "us-east-1a", PublicCidr: "10.9.1.0/24", AppCidr: "10.9.10.0/24", DataCidr: "10.9.20.0/24"},
			{Name: "us-east-1b", PublicCidr: "10.9.2.0/24", AppCidr: "10.9.11.0/24", DataCidr: "10.9.21.0/24"},
		},
		CloudFrontPrefixListId: "pl-3b927c52",
	}
}

// synth builds a Network from props in a fresh stack and returns its template.
func synth(t *testing.T, props NetworkProps) assertions.Template {
	t.Helper()
	var tpl assertions.Template
	cdktest.NoPanic(t, func() { tpl = assertions.Template_FromStack(newNetwork(t, props), nil) })
	return tpl
}

// synthJSON is synth's template as plain JSON.
func synthJSON(t *testing.T, props NetworkProps) map[string]any {
	t.Helper()
	return cdktest.Template(t, newNetwork(t, props))
}

func newNetwork(t *testing.T, props NetworkProps) awscdk.Stack {
	t.Helper()
	stack := cdktest.NewStack(cdktest.NewApp(t), "Test", "us-east-1")
	_, err := NewNetwork(stack, "Network", props)
	require.NoError(t, err)
	return stack
}

func TestDefaultsAreSecure(t *testing.T) {
	tpl := synth(t, validProps())
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(2)) // one per AZ
		tpl.ResourceCountIs(jsii.String("AWS::EC2::InternetGateway"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(2)) // S3 + DynamoDB gateways only
		tpl.ResourceCountIs(jsii.String("Custom::VpcRestrictDefaultSG"), jsii.Number(1))
		tpl.AllResourcesProperties(jsii.String("AWS::EC2::Subnet"), &map[string]any{"MapPublicIpOnLaunch": false})
		hasRouteReason(tpl, "admit CloudFront's origin-facing prefix list and, when a service has a test listener,")
		tpl.HasResourceProperties(jsii.String("AWS::EC2::FlowLog"), &map[string]any{
			"TrafficType": "ALL", "ResourceType": "VPC", "LogDestinationType": "cloud-watch-logs",
		})
		tpl.HasResource(jsii.String("AWS::Logs::LogGroup"), &map[string]any{
			"Properties":     map[string]any{"RetentionInDays": 365, "KmsKeyId": assertions.Match_AnyValue()},
			"DeletionPolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), &map[string]any{
			"SourcePrefixListId": "pl-3b927c52", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
		})
		// The CloudFront prefix list is the only source that is not another security group.
		tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::SecurityGroupIngress"), &map[string]any{
			"SourcePrefixListId": assertions.Match_AnyValue(),
		}, jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::NetworkAclEntry"), &map[string]any{
			"CidrBlock": "10.9.10.0/24", "PortRange": map[string]any{"From": 5432, "To": 5432}, "Egress": false,
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::NetworkAclEntry"), &map[string]any{
			"CidrBlock": "10.9.11.0/24", "PortRange": map[string]any{"From": 6379, "To": 6379}, "Egress": false,
		})
	})
}

// TestTheDefaultGroupFunctionLogsToAnEncryptedGroup: the function aws-cdk-lib deploys to empty the
// default security group logs to a retained group of the stack under the flow-log key, kept as
// long as the flow logs, not to the group Lambda would create on its first run.
func TestTheDefaultGroupFunctionLogsToAnEncryptedGroup(t *testing.T) {
	p := validProps()
	p.FlowLogRetention = logs.RetentionDays_ONE_MONTH
	resources, _ := synthJSON(t, p)["Resources"].(map[string]any)
	var functions []string
	for id, r := range resources {
		res, _ := r.(map[string]any)
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		functions = append(functions, id)
		props, _ := res["Properties"].(map[string]any)
		logging, _ := props["LoggingConfig"].(map[string]any)
		ref, _ := logging["LogGroup"].(map[string]any)
		group, _ := resources[fmt.Sprint(ref["Ref"])].(map[string]any)
		require.NotNil(t, group, "%s logs to %v, not a log group of the stack", id, props["LoggingConfig"])
		assert.Equal(t, "AWS::Logs::LogGroup", group["Type"], id)
		assert.Equal(t, "Retain", group["DeletionPolicy"], id)
		gp, _ := group["Properties"].(map[string]any)
		assert.EqualValues(t, 30, gp["RetentionInDays"], id)
		key, _ := gp["KmsKeyId"].(map[string]any)
		getAtt, _ := key["Fn::GetAtt"].([]any)
		require.Len(t, getAtt, 2, "%s: its log group's key", id)
		assert.Contains(t, getAtt[0], "FlowLogKey", "%s: its log group's key", id)
	}
	assert.Len(t, functions, 1, "the stack's functions")
}

func TestSubnetsGetExactlyTheCidrsGiven(t *testing.T) {
	tpl := synth(t, validProps())
	cdktest.NoPanic(t, func() {
		for _, z := range validProps().Zones {
			for _, c := range []string{z.PublicCidr, z.AppCidr, z.DataCidr} {
				tpl.HasResourceProperties(jsii.String("AWS::EC2::Subnet"), &map[string]any{
					"CidrBlock": c, "AvailabilityZone": z.Name,
				})
			}
		}
		tpl.ResourceCountIs(jsii.String("AWS::EC2::Subnet"), jsii.Number(6))
	})
}

// hasRouteReason asserts that the public default routes' accepted finding says what the ALB admits.
func hasRouteReason(tpl assertions.Template, admits string) {
	tpl.HasResource(jsii.String("AWS::EC2::Route"), &map[string]any{
		"Metadata": map[string]any{"cdk_nag": map[string]any{"rules_to_suppress": assertions.Match_ArrayWith(&[]any{
			assertions.Match_ObjectLike(&map[string]any{
				"id":     "NIST.800.53.R5-VPCNoUnrestrictedRouteToIGW",
				"reason": assertions.Match_StringLikeRegexp(jsii.String(regexp.QuoteMeta(admits))),
			}),
		})}},
	})
}

func TestPropsChangeWhatTheySay(t *testing.T) {
	p := validProps()
	p.NatGateways = NatSingle
	p.InterfaceEndpoints = []string{"ecr.api", "logs"}
	p.FlowLogRetention = logs.RetentionDays_ONE_MONTH
	p.CachePort = 6380
	p.DatabasePort = 5433
	p.Services = []ServicePort{{Name: "order", Port: 9090, Database: true}}
	p.HealthCheckerCidrs = []string{"15.177.0.0/18"}
	tpl := synth(t, p)
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::EC2::NatGateway"), jsii.Number(1))
		tpl.ResourceCountIs(jsii.String("AWS::EC2::VPCEndpoint"), jsii.Number(4))
		tpl.HasResourceProperties(jsii.String("AWS::EC2::VPCEndpoint"), &map[string]any{
			"VpcEndpointType": "Interface", "PrivateDnsEnabled": true,
			"ServiceName": "com.amazonaws.us-east-1.ecr.api",
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), &map[string]any{
			"SecurityGroupIngress": []any{assertions.Match_ObjectLike(&map[string]any{
				"CidrIp": "10.9.0.0/16", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::Logs::LogGroup"), &map[string]any{"RetentionInDays": 30})
		// The checkers get a group of their own: CloudFront's prefix list already uses 55 of the
		// ALB group's 60 inbound rules.
		hasRouteReason(tpl, "admit CloudFront's origin-facing prefix list, Route 53's health checkers' ranges (for the health-check rule) and,")
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), &map[string]any{
			"GroupDescription": "Public ALB: HTTPS from Route 53 health checkers (health-check rule only)",
			"SecurityGroupIngress": []any{assertions.Match_ObjectLike(&map[string]any{
				"CidrIp": "15.177.0.0/18", "FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
			})},
		})
		tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroup"), &map[string]any{
			"GroupDescription":     "Public ALB: HTTPS from CloudFront origin-facing servers only",
			"SecurityGroupIngress": assertions.Match_Absent(), // its one rule, the prefix list, is a resource of its own
		})
		for _, port := range []int{9090, 5433, 6380} {
			tpl.HasResourceProperties(jsii.String("AWS::EC2::SecurityGroupIngress"), &map[string]any{
				"FromPort": port, "ToPort": port, "IpProtocol": "tcp",
			})
		}
		tpl.HasResourceProperties(jsii.String("AWS::EC2::NetworkAclEntry"), &map[string]any{
			"PortRange": map[string]any{"From": 6380, "To": 6380}, "Egress": false,
		})
	})
}

func TestSingleNatServesEveryAppSubnetFromTheFirstAZ(t *testing.T) {
	p := validProps()
	p.NatGateways = NatSingle
	tpl := synth(t, p)
	var nats map[string]*map[string]any
	cdktest.NoPanic(t, func() { nats = *tpl.FindResources(jsii.String("AWS::EC2::NatGateway"), nil) })
	require.Len(t, nats, 1)
	for id := range nats {
		cdktest.NoPanic(t, func() {
			tpl.ResourcePropertiesCountIs(jsii.String("AWS::EC2::Route"), &map[string]any{
				"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": map[string]any{"Ref": id},
			}, jsii.Number(2))
		})
	}
}

func TestInvalidPropsAreRejectedTogether(t *testing.T) {
	cases := []cdktest.Invalid[NetworkProps]{
		{Name: "a malformed VPC CIDR", Mutate: func(p *NetworkProps) { p.VpcCidr = "10.9.0.0" }, Want: `VpcCidr "10.9.0.0" is not an IPv4 CIDR`},
		{Name: "a VPC larger than /16", Mutate: func(p *NetworkProps) { p.VpcCidr = "10.0.0.0/8" }, Want: "must be an IPv4 /16 to /24"},
		{Name: "a VPC smaller than /24", Mutate: func(p *NetworkProps) { p.VpcCidr = "10.9.0.0/25" }, Want: "must be an IPv4 /16 to /24"},
		{Name: "a VPC CIDR that is not a network address", Mutate: func(p *NetworkProps) { p.VpcCidr = "10.9.1.0/16" }, Want: "use 10.9.0.0/16"},
		{Name: "a single zone", Mutate: func(p *NetworkProps) { p.Zones = p.Zones[:1] }, Want: "Zones has 1 entries; 2 to 5 are allowed"},
		{Name: "six zones", Mutate: func(p *NetworkProps) {
			for i := 2; i < 6; i++ {
				p.Zones = append(p.Zones, Zone{Name: fmt.Sprintf("us-east-1%c", 'a'+i),
					PublicCidr: fmt.Sprintf("10.9.%d.0/24", 1+i), AppCidr: fmt.Sprintf("10.9.%d.0/24", 10+i), DataCidr: fmt.Sprintf("10.9.%d.0/24", 20+i)})
			}
		}, Want: "Zones has 6 entries"},
		{Name: "a zone listed twice", Mutate: func(p *NetworkProps) { p.Zones[1].Name = p.Zones[0].Name }, Want: `Zones[1].Name "us-east-1a" is listed twice`},
		{Name: "a subnet outside the VPC", Mutate: func(p *NetworkProps) { p.Zones[0].AppCidr = "10.8.10.0/24" }, Want: `Zones[0].AppCidr "10.8.10.0/24" is outside VpcCidr`},
		{Name: "overlapping subnets", Mutate: func(p *NetworkProps) { p.Zones[1].DataCidr = "10.9.20.128/25" }, Want: `Zones[1].DataCidr "10.9.20.128/25" overlaps Zones[0].DataCidr`},
		{Name: "a subnet smaller than /28", Mutate: func(p *NetworkProps) { p.Zones[0].PublicCidr = "10.9.1.0/29" }, Want: "no smaller than /28"},
		{Name: "a bad prefix list id", Mutate: func(p *NetworkProps) { p.CloudFrontPrefixListId = "sg-123" }, Want: `CloudFrontPrefixListId "sg-123"`},
		{Name: "an unknown NAT mode", Mutate: func(p *NetworkProps) { p.NatGateways = "none" }, Want: `NatGateways "none" is not one of`},
		{Name: "a malformed endpoint name", Mutate: func(p *NetworkProps) { p.InterfaceEndpoints = []string{"ECR API"} }, Want: `InterfaceEndpoints[0] "ECR API"`},
		{Name: "s3 as an interface endpoint", Mutate: func(p *NetworkProps) { p.InterfaceEndpoints = []string{"s3"} }, Want: "always created as a gateway endpoint"},
		{Name: "an endpoint listed twice", Mutate: func(p *NetworkProps) { p.InterfaceEndpoints = []string{"logs", "logs"} }, Want: `InterfaceEndpoints[1] "logs" is listed twice`},
		{Name: "a port out of range", Mutate: func(p *NetworkProps) { p.CachePort = 70000 }, Want: "CachePort 70000 is outside 1-65535"},
		{Name: "database and cache on one port", Mutate: func(p *NetworkProps) { p.CachePort = 5432 }, Want: "DatabasePort and CachePort are both 5432"},
		{Name: "a bad service name", Mutate: func(p *NetworkProps) { p.Services = []ServicePort{{Name: "Order", Port: 8080}} }, Want: `Services[0].Name "Order"`},
		{Name: "a service listed twice", Mutate: func(p *NetworkProps) {
			p.Services = []ServicePort{{Name: "order", Port: 8080}, {Name: "order", Port: 8081}}
		}, Want: `Services[1].Name "order" is listed twice`},
		{Name: "a service without a port", Mutate: func(p *NetworkProps) { p.Services = []ServicePort{{Name: "order"}} }, Want: "Services[0].Port 0 is outside"},
		{Name: "a health-checker range that is not a CIDR", Mutate: func(p *NetworkProps) { p.HealthCheckerCidrs = []string{"0.0.0.0/0"} }, Want: `HealthCheckerCidrs[0] "0.0.0.0/0" must be an IPv4 network CIDR of /8 or smaller`},
		{Name: "a denied range that is not a CIDR", Mutate: func(p *NetworkProps) { p.DeniedCidrs = []string{"203.0.113.7"} }, Want: `DeniedCidrs[0] "203.0.113.7" must be an IPv4 network CIDR`},
		{Name: "a denied host address with a prefix", Mutate: func(p *NetworkProps) { p.DeniedCidrs = []string{"203.0.113.7/24"} }, Want: `DeniedCidrs[0] "203.0.113.7/24" must be an IPv4 network CIDR`},
		{Name: "denying everything", Mutate: func(p *NetworkProps) { p.DeniedCidrs = []string{"0.0.0.0/0"} }, Want: `DeniedCidrs[0] "0.0.0.0/0" would deny every address`},
		{Name: "denying the VPC itself", Mutate: func(p *NetworkProps) { p.DeniedCidrs = []string{"10.0.0.0/8"} }, Want: `DeniedCidrs[0] "10.0.0.0/8" overlaps VpcCidr "10.9.0.0/16"`},
		{Name: "a denied range twice", Mutate: func(p *NetworkProps) { p.DeniedCidrs = []string{"198.51.100.0/24", "198.51.100.0/24"} }, Want: `DeniedCidrs[1] "198.51.100.0/24" is listed twice`},
		{Name: "too many denied ranges", Mutate: func(p *NetworkProps) {
			for i := range 11 {
				p.DeniedCidrs = append(p.DeniedCidrs, fmt.Sprintf("198.51.%d.0/24", i))
			}
		}, Want: "DeniedCidrs has 11 entries; at most 10 are allowed"},
	}
	cdktest.Rejects(t, validProps, func(p NetworkProps) error { return p.withDefaults().validate() }, cases)

	t.Run("NewNetwork returns every problem instead of panicking", func(t *testing.T) {
		p := validProps()
		p.VpcCidr, p.NatGateways = "nope", "both"
		var err error
		cdktest.NoPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			_, err = NewNetwork(awscdk.NewStack(app, jsii.String("Bad"), nil), "Network", p)
		})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `VpcCidr "nope"`)
		assert.Contains(t, err.Error(), `NatGateways "both"`)
	})
}

// TestMain stops the jsii runtime after the tests, so its temp folder goes with it.
func TestMain(m *testing.M) { cdktest.Main(m) }
