package network

import (
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Subnet group names; other stacks select subnets by these.
const (
	PublicSubnetGroup = "Public"
	AppSubnetGroup    = "App"
	DataSubnetGroup   = "Data"
)

// Network is a three-tier VPC with the security groups of every tier.
type Network struct {
	constructs.Construct

	// Vpc is the VPC; select subnets with PublicSubnets, AppSubnets and DataSubnets.
	Vpc ec2.IVpc
	// PublicSubnets hold the ALB and the NAT gateways.
	PublicSubnets *ec2.SubnetSelection
	// AppSubnets hold the Fargate tasks and the interface endpoints; they egress through NAT.
	AppSubnets *ec2.SubnetSelection
	// DataSubnets hold databases and caches; they have no route to the internet.
	DataSubnets *ec2.SubnetSelection

	// AlbSecurityGroup admits HTTPS from CloudFront's origin-facing prefix list only; nil with
	// WithoutLoadBalancer.
	AlbSecurityGroup ec2.ISecurityGroup
	// HealthCheckSecurityGroup admits HTTPS from HealthCheckerCidrs; attach it to the ALB beside
	// AlbSecurityGroup. It is a group of its own because CloudFront's prefix list counts as 55 of
	// the 60 inbound rules a security group may hold. Nil without HealthCheckerCidrs or with
	// WithoutLoadBalancer.
	HealthCheckSecurityGroup ec2.ISecurityGroup
	// ServiceSecurityGroups maps a service name to its security group (service port from the ALB;
	// with WithoutLoadBalancer, from whatever the caller admits).
	ServiceSecurityGroups map[string]ec2.ISecurityGroup
	// DatabaseSecurityGroup admits the database port from the security groups of the services
	// with a database (ServicePort.Database). A service's database gets a group of its own
	// (NewDatabaseGroup); this one holds the EC2 app tier's database, and databases deployed
	// before those groups existed until their stacks move them.
	DatabaseSecurityGroup ec2.ISecurityGroup
	// CacheSecurityGroup admits the cache port from the service security groups.
	CacheSecurityGroup ec2.ISecurityGroup
	// EndpointSecurityGroup admits HTTPS from the VPC to the interface endpoints.
	EndpointSecurityGroup ec2.ISecurityGroup

	// NatGatewayIDs are the VPC's NAT gateways (one per AZ, or one with NatSingle), for
	// alarms and dashboards.
	NatGatewayIDs []*string

	// FlowLogGroup receives the VPC flow logs; FlowLogKey encrypts it and DefaultGroupLogGroup.
	FlowLogGroup logs.ILogGroup
	FlowLogKey   kms.IKey
	// DefaultGroupLogGroup receives the logs of the function that empties the VPC's default
	// security group (aws-cdk-lib's restrictDefaultSecurityGroup).
	DefaultGroupLogGroup logs.ILogGroup

	// interfaceEndpoints are the names of the interface endpoints made (NetworkProps).
	interfaceEndpoints []string

	// databaseClients are the services with a database, in the order of NetworkProps.Services.
	databaseClients []string
	// databasePort is NetworkProps.DatabasePort, which every database group and AdmitPeers open;
	// peeredGroups are the groups NewDatabaseGroup made with FromPeers, and peers the regions
	// AdmitPeers admitted: each admits the other's app subnets.
	databasePort int
	peeredGroups []ec2.SecurityGroup
	peers        []Peer
}

// NewNetwork builds the VPC and its security groups, or returns every problem with props.
func NewNetwork(scope constructs.Construct, id string, props NetworkProps) (*Network, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("network %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	n := &Network{Construct: this, ServiceSecurityGroups: map[string]ec2.ISecurityGroup{}}
	n.buildVpc(p)
	n.buildFlowLogs(p)
	n.buildEndpoints(p)
	n.buildSecurityGroups(p)
	nacl := n.buildDataNacl(p)
	n.acceptByDesign(nacl, n.HealthCheckSecurityGroup != nil)
	n.buildDenyNacls(p)
	n.dropRedundantDependsOn()
	n.logDefaultGroupRestriction(p)
	return n, nil
}

func (n *Network) buildVpc(p NetworkProps) {
	azs := make([]*string, len(p.Zones))
	for i, z := range p.Zones {
		azs[i] = jsii.String(z.Name)
	}
	natCount := len(p.Zones)
	natSubnets := &ec2.SubnetSelection{SubnetGroupName: jsii.String(PublicSubnetGroup)}
	// ec2.Vpc's default provider, made here so its gateways can be listed after the VPC exists.
	nat := ec2.NatProvider_Gateway(nil)
	if p.NatGateways == NatSingle {
		natCount = 1
		natSubnets.AvailabilityZones = &[]*string{azs[0]}
	}

	n.Vpc = ec2.NewVpc(n.Construct, jsii.String("Vpc"), &ec2.VpcProps{
		IpAddresses:       newFixedAddresses(p),
		AvailabilityZones: &azs,
		SubnetConfiguration: &[]*ec2.SubnetConfiguration{
			// No public IPs on launch: only the NAT gateways (Elastic IPs) and the ALB live here.
			{Name: jsii.String(PublicSubnetGroup), SubnetType: ec2.SubnetType_PUBLIC, MapPublicIpOnLaunch: jsii.Bool(false)},
			{Name: jsii.String(AppSubnetGroup), SubnetType: ec2.SubnetType_PRIVATE_WITH_EGRESS},
			{Name: jsii.String(DataSubnetGroup), SubnetType: ec2.SubnetType_PRIVATE_ISOLATED},
		},
		NatGateways:                  jsii.Number(float64(natCount)),
		NatGatewaySubnets:            natSubnets,
		NatGatewayProvider:           nat,
		RestrictDefaultSecurityGroup: jsii.Bool(true),
		EnableDnsHostnames:           jsii.Bool(true),
		EnableDnsSupport:             jsii.Bool(true),
	})
	for _, g := range *nat.ConfiguredGateways() {
		n.NatGatewayIDs = append(n.NatGatewayIDs, g.GatewayId)
	}
	n.PublicSubnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String(PublicSubnetGroup)}
	n.AppSubnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String(AppSubnetGroup)}
	n.DataSubnets = &ec2.SubnetSelection{SubnetGroupName: jsii.String(DataSubnetGroup)}
}

func (n *Network) buildFlowLogs(p NetworkProps) {
	stack := awscdk.Stack_Of(n.Construct)
	key := keys.NewKey(n.Construct, "FlowLogKey", "Encrypts the VPC's log groups: flow logs and the default security group function's")
	// Any log group of this account and region: the group's name is generated.
	keys.AllowCloudWatchLogs(key)
	group := logs.NewLogGroup(n.Construct, jsii.String("FlowLogGroup"), &logs.LogGroupProps{
		EncryptionKey: key,
		Retention:     p.FlowLogRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The delivery role's permissions live in a customer-managed policy scoped to this one log
	// group (ec2.Vpc.addFlowLog would attach an inline policy, which NIST 800-53 rejects).
	role := iam.NewRole(n.Construct, jsii.String("FlowLogRole"), &iam.RoleProps{
		Description: jsii.String("Delivers this VPC's flow logs to its log group"),
		AssumedBy: iam.NewServicePrincipal(jsii.String("vpc-flow-logs.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
	})
	iam.NewManagedPolicy(n.Construct, jsii.String("FlowLogPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Write this VPC's flow logs to their log group"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"),
			Resources: &[]*string{group.LogGroupArn()},
		})},
	})
	ec2.NewCfnFlowLog(n.Construct, jsii.String("FlowLog"), &ec2.CfnFlowLogProps{
		ResourceId:               n.Vpc.VpcId(),
		ResourceType:             jsii.String("VPC"),
		TrafficType:              jsii.String("ALL"),
		LogDestinationType:       jsii.String("cloud-watch-logs"),
		LogGroupName:             group.LogGroupName(),
		DeliverLogsPermissionArn: role.RoleArn(),
	})
	n.FlowLogGroup, n.FlowLogKey = group, key
}

func (n *Network) buildEndpoints(p NetworkProps) {
	private := &[]*ec2.SubnetSelection{n.AppSubnets, n.DataSubnets}
	n.Vpc.AddGatewayEndpoint(jsii.String("S3Endpoint"), &ec2.GatewayVpcEndpointOptions{
		Service: ec2.GatewayVpcEndpointAwsService_S3(), Subnets: private,
	})
	n.Vpc.AddGatewayEndpoint(jsii.String("DynamoDbEndpoint"), &ec2.GatewayVpcEndpointOptions{
		Service: ec2.GatewayVpcEndpointAwsService_DYNAMODB(), Subnets: private,
	})

	sg := n.newSecurityGroup("EndpointSecurityGroup", "Interface VPC endpoints: HTTPS from inside the VPC")
	sg.AddIngressRule(ec2.Peer_Ipv4(jsii.String(p.VpcCidr)), ec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS from the VPC"), nil)
	n.EndpointSecurityGroup = sg
	n.interfaceEndpoints = slices.Clone(p.InterfaceEndpoints)
	for _, name := range p.InterfaceEndpoints {
		n.Vpc.AddInterfaceEndpoint(jsii.String(naming.Pascal(name)+"Endpoint"), &ec2.InterfaceVpcEndpointOptions{
			Service:           ec2.NewInterfaceVpcEndpointAwsService(jsii.String(name), nil, nil, nil),
			Subnets:           n.AppSubnets,
			SecurityGroups:    &[]ec2.ISecurityGroup{sg},
			PrivateDnsEnabled: jsii.Bool(true),
			Open:              jsii.Bool(false),
		})
	}
}

// EndpointGroupOf is EndpointSecurityGroup when the VPC has the interface endpoint of service
// (its name in NetworkProps.InterfaceEndpoints, e.g. "secretsmanager"), else nil: a client in
// the app subnets then reaches that API through the endpoint alone and needs no route elsewhere.
func (n *Network) EndpointGroupOf(service string) ec2.ISecurityGroup {
	if slices.Contains(n.interfaceEndpoints, service) {
		return n.EndpointSecurityGroup
	}
	return nil
}

func (n *Network) buildSecurityGroups(p NetworkProps) {
	var alb ec2.SecurityGroup
	if !p.WithoutLoadBalancer {
		alb = n.newSecurityGroup("AlbSecurityGroup", "Public ALB: HTTPS from CloudFront origin-facing servers only")
		alb.AddIngressRule(ec2.Peer_PrefixList(jsii.String(p.CloudFrontPrefixListId)), ec2.Port_Tcp(jsii.Number(443)),
			jsii.String("HTTPS from CloudFront origin-facing servers"), nil)
		n.AlbSecurityGroup = alb
		if len(p.HealthCheckerCidrs) > 0 {
			checkers := n.newSecurityGroup("HealthCheckSecurityGroup", "Public ALB: HTTPS from Route 53 health checkers (health-check rule only)")
			for _, cidr := range p.HealthCheckerCidrs {
				checkers.AddIngressRule(ec2.Peer_Ipv4(jsii.String(cidr)), ec2.Port_Tcp(jsii.Number(443)),
					jsii.String("HTTPS from Route 53 health checkers (health-check rule only)"), nil)
			}
			n.HealthCheckSecurityGroup = checkers
		}
	}
	db := n.newSecurityGroup("DatabaseSecurityGroup", "Databases: database port from the services only")
	cache := n.newSecurityGroup("CacheSecurityGroup", "Caches: cache port from the services only")

	// Read and made once for every service: each is a call into the jsii runtime, and a Port or a
	// Peer is a value aws-cdk-lib never changes.
	ports := map[int]ec2.Port{}
	tcp := func(port int) ec2.Port {
		if ports[port] == nil {
			ports[port] = ec2.Port_Tcp(jsii.Number(float64(port)))
		}
		return ports[port]
	}
	anywhere, dbConnections, cacheConnections := ec2.Peer_AnyIpv4(), db.Connections(), cache.Connections()
	for _, s := range p.Services {
		sg := n.newSecurityGroup(naming.Pascal(s.Name)+"ServiceSecurityGroup", fmt.Sprintf("Service %s: port %d from the ALB only", s.Name, s.Port))
		if alb != nil {
			sg.Connections().AllowFrom(alb, tcp(s.Port), jsii.String("From the ALB to service "+s.Name))
		}
		// Tasks call AWS APIs (through endpoints or NAT) and external HTTPS services only.
		sg.AddEgressRule(anywhere, tcp(443), jsii.String("HTTPS to AWS APIs and external services"), nil)
		if s.Database {
			n.databaseClients = append(n.databaseClients, s.Name)
			dbConnections.AllowFrom(sg, tcp(p.DatabasePort), jsii.String("From service "+s.Name))
		}
		cacheConnections.AllowFrom(sg, tcp(p.CachePort), jsii.String("From service "+s.Name))
		n.ServiceSecurityGroups[s.Name] = sg
	}
	n.DatabaseSecurityGroup, n.CacheSecurityGroup = db, cache
	n.databasePort = p.DatabasePort
}

// DatabaseGroupProps configures NewDatabaseGroup.
type DatabaseGroupProps struct {
	// Owner names the service that owns the database.
	Owner string
	// Clients are the services that use the database: the owner and the services sharing it.
	// Each must have a group here (NetworkProps.Services).
	Clients []string
	// FromPeers admits the peer regions' app subnets (AdmitPeers, before or after), for a Global
	// Database member, which the other regions' services reach over the transit gateway. Across
	// regions the rules name subnets, not services.
	// Default: false (this region's clients only).
	FromPeers bool
	// RemovalPolicy is the group's: a database retained when its stack goes keeps its group,
	// which EC2 would refuse to delete while the database's interfaces use it.
	// Default: awscdk.RemovalPolicy_DESTROY.
	RemovalPolicy awscdk.RemovalPolicy
}

// NewDatabaseGroup makes, in scope (the stack of one database), a security group for that
// database alone: the database port from its clients' groups, each of which gets the matching
// egress rule, and with FromPeers from the peer regions' app subnets. No other service's group
// reaches it, unlike DatabaseSecurityGroup, which admits every service with a database. The
// client rules are resources under the group's construct, made here, before the database: the
// database's construct makes it wait for them. It returns an error naming a client without a
// group here.
func (n *Network) NewDatabaseGroup(scope constructs.Construct, id string, p DatabaseGroupProps) (ec2.SecurityGroup, error) {
	var missing []string
	for _, c := range p.Clients {
		if n.ServiceSecurityGroups[c] == nil {
			missing = append(missing, c)
		}
	}
	if len(p.Clients) == 0 || len(missing) > 0 {
		return nil, fmt.Errorf("network: the database of %s: clients %v: no service security group for %v", p.Owner, p.Clients, missing)
	}
	sg := ec2.NewSecurityGroup(scope, jsii.String(id), &ec2.SecurityGroupProps{
		Vpc:              n.Vpc,
		Description:      jsii.String(fmt.Sprintf("Database of %s: database port from its services only", p.Owner)),
		AllowAllOutbound: jsii.Bool(false),
	})
	if p.RemovalPolicy != "" { // and on replacement, which the validator asks of a protected resource (W3011)
		sg.ApplyRemovalPolicy(p.RemovalPolicy)
	}
	port := ec2.Port_Tcp(jsii.Number(float64(n.databasePort)))
	connections := sg.Connections()
	for _, c := range p.Clients {
		connections.AllowFrom(n.ServiceSecurityGroups[c], port, jsii.String("From service "+c))
	}
	if p.FromPeers {
		for _, peer := range n.peers {
			admitPeer(sg, port, peer)
		}
		n.peeredGroups = append(n.peeredGroups, sg)
	}
	return sg, nil
}

// admitPeer lets group accept port from each app subnet of peer, over the transit gateway.
func admitPeer(group ec2.ISecurityGroup, port ec2.Port, p Peer) {
	for _, c := range p.AppCidrs {
		group.AddIngressRule(ec2.Peer_Ipv4(jsii.String(c)), port,
			jsii.String(fmt.Sprintf("From the app subnet %s of %s over the transit gateway", c, p.Name)), nil)
	}
}

// buildDataNacl lets the data subnets accept connections only on the database and cache ports,
// from the app subnets and from each other (replication), plus return traffic on the Linux
// ephemeral range — which starts above both default ports, so it opens no side door to them.
func (n *Network) buildDataNacl(p NetworkProps) ec2.NetworkAcl {
	nacl := ec2.NewNetworkAcl(n.Construct, jsii.String("DataNacl"), &ec2.NetworkAclProps{
		Vpc: n.Vpc, SubnetSelection: n.DataSubnets,
	})
	entry := func(id string, rule int, cidr string, traffic ec2.AclTraffic, dir ec2.TrafficDirection) {
		nacl.AddEntry(jsii.String(id), &ec2.CommonNetworkAclEntryOptions{
			Cidr: ec2.AclCidr_Ipv4(jsii.String(cidr)), RuleNumber: jsii.Number(float64(rule)),
			Traffic: traffic, Direction: dir, RuleAction: ec2.Action_ALLOW,
		})
	}
	in, out := ec2.TrafficDirection_INGRESS, ec2.TrafficDirection_EGRESS
	dbPort := ec2.AclTraffic_TcpPort(jsii.Number(float64(p.DatabasePort)))
	cachePort := ec2.AclTraffic_TcpPort(jsii.Number(float64(p.CachePort)))
	ephemeral := ec2.AclTraffic_TcpPortRange(jsii.Number(32768), jsii.Number(65535))
	// Clients (Fargate, NAT'd ALB health checks) may pick any port from 1024 up.
	responses := ec2.AclTraffic_TcpPortRange(jsii.Number(1024), jsii.Number(65535))
	https := ec2.AclTraffic_TcpPort(jsii.Number(443))
	for i, z := range p.Zones {
		entry(fmt.Sprintf("DatabaseFromApp%d", i), 100+i, z.AppCidr, dbPort, in)
		entry(fmt.Sprintf("CacheFromApp%d", i), 110+i, z.AppCidr, cachePort, in)
		entry(fmt.Sprintf("ReplicationFromData%d", i), 120+i, z.DataCidr, responses, in)
		entry(fmt.Sprintf("ReturnFromApp%d", i), 130+i, z.AppCidr, ephemeral, in)

		entry(fmt.Sprintf("ResponsesToApp%d", i), 100+i, z.AppCidr, responses, out)
		entry(fmt.Sprintf("ReplicationToData%d", i), 110+i, z.DataCidr, responses, out)
		entry(fmt.Sprintf("EndpointsInApp%d", i), 120+i, z.AppCidr, https, out)
	}
	return nacl
}

// buildDenyNacls gives the public and app subnets a NACL each that denies p.DeniedCidrs in both
// directions (rules from limits.DenyRuleBase, evaluated first) and then allows everything, as the
// default NACL they replace did: the security groups stay the primary control.
func (n *Network) buildDenyNacls(p NetworkProps) {
	if len(p.DeniedCidrs) == 0 {
		return
	}
	for _, tier := range []struct {
		id      string
		subnets *ec2.SubnetSelection
	}{{"PublicNacl", n.PublicSubnets}, {"AppNacl", n.AppSubnets}} {
		nacl := ec2.NewNetworkAcl(n.Construct, jsii.String(tier.id), &ec2.NetworkAclProps{Vpc: n.Vpc, SubnetSelection: tier.subnets})
		for _, dir := range []struct {
			name string
			dir  ec2.TrafficDirection
		}{{"In", ec2.TrafficDirection_INGRESS}, {"Out", ec2.TrafficDirection_EGRESS}} {
			for i, c := range p.DeniedCidrs {
				nacl.AddEntry(jsii.String(fmt.Sprintf("Deny%s%d", dir.name, i)), &ec2.CommonNetworkAclEntryOptions{
					Cidr: ec2.AclCidr_Ipv4(jsii.String(c)), RuleNumber: jsii.Number(float64(limits.DenyRuleBase + i)),
					Traffic: ec2.AclTraffic_AllTraffic(), Direction: dir.dir, RuleAction: ec2.Action_DENY,
				})
			}
			nacl.AddEntry(jsii.String("Allow"+dir.name), &ec2.CommonNetworkAclEntryOptions{
				Cidr: ec2.AclCidr_AnyIpv4(), RuleNumber: jsii.Number(limits.DenyListAllowRule),
				Traffic: ec2.AclTraffic_AllTraffic(), Direction: dir.dir, RuleAction: ec2.Action_ALLOW,
			})
		}
		cdknag.NagSuppressions_AddResourceSuppressions(nacl, &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-VPC3"),
			Reason: jsii.String("This NACL exists only to enforce the configured deny list (network.deniedCidrs) on the " +
				"public and app subnets; it otherwise allows what the default NACL did, and security groups stay the primary control."),
		}}, jsii.Bool(true))
	}
}

func (n *Network) newSecurityGroup(id, description string) ec2.SecurityGroup {
	return ec2.NewSecurityGroup(n.Construct, jsii.String(id), &ec2.SecurityGroupProps{
		Vpc:              n.Vpc,
		Description:      jsii.String(description),
		AllowAllOutbound: jsii.Bool(false),
	})
}
