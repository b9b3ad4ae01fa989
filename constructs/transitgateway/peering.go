package transitgateway

import (
	_ "embed" // the peering functions' code
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	lambda "github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	ssm "github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	cr "github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/handler"
)

// peeringCode is the custom resources' handler (peering/index.py, unit-tested with
// `python3 -m unittest` in that folder).
//
//go:embed peering/index.py
var peeringCode []byte

var (
	regionName    = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)
	accountID     = regexp.MustCompile(`^[0-9]{12}$`)
	parameterPath = regexp.MustCompile(`^(/[A-Za-z0-9_.-]+)+$`)
)

// Requested is a peering this region requests from another region's gateway.
type Requested struct {
	// Region and Account are the peer's.
	Region, Account string
	// GatewayParameter is the SSM parameter, in Region, holding the peer gateway's id
	// (TransitGatewayProps.ParameterName there).
	GatewayParameter string
	// AttachmentParameter is the SSM parameter, in this region, that publishes the requested
	// attachment's id to the peer's accepter.
	AttachmentParameter string
}

// PeeringRequestProps configures a PeeringRequest.
type PeeringRequestProps struct {
	// TransitGatewayId is this region's gateway.
	TransitGatewayId *string
	// Peers are the regions this one requests a peering with.
	Peers []Requested
	// Function places the custom resource that reads the peers' gateway ids.
	Function FunctionProps
}

// PeeringRequest requests a peering attachment from this region's gateway to each peer's.
type PeeringRequest struct {
	constructs.Construct
	// AttachmentIds maps a peer region to the requested attachment's id.
	AttachmentIds map[string]*string
}

// NewPeeringRequest builds the requests of props, or returns every problem with them.
func NewPeeringRequest(scope constructs.Construct, id string, props PeeringRequestProps) (*PeeringRequest, error) {
	f := props.Function.withDefaults()
	errs := f.validate()
	if props.TransitGatewayId == nil {
		errs = append(errs, errors.New("TransitGatewayId is required"))
	}
	if len(props.Peers) == 0 {
		errs = append(errs, errors.New("Peers is empty"))
	}
	seen := map[string]bool{}
	for i, p := range props.Peers {
		errs = append(errs, checkPeer(fmt.Sprintf("Peers[%d]", i), p.Region, seen)...)
		if !accountID.MatchString(p.Account) {
			errs = append(errs, fmt.Errorf("Peers[%d].Account %q is not a 12-digit account id", i, p.Account))
		}
		errs = append(errs, checkParameter(fmt.Sprintf("Peers[%d].GatewayParameter", i), p.GatewayParameter)...)
		errs = append(errs, checkParameter(fmt.Sprintf("Peers[%d].AttachmentParameter", i), p.AttachmentParameter)...)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("peering request %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	out := &PeeringRequest{Construct: this, AttachmentIds: map[string]*string{}}
	stack := awscdk.Stack_Of(this)
	var reads []*string
	for _, p := range props.Peers {
		reads = append(reads, parameterArn(stack, p.Region, p.GatewayParameter))
	}
	provider, err := newProvider(this, f, []iam.PolicyStatement{
		iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings("ssm:GetParameter"), Resources: &reads}),
	})
	if err != nil {
		return nil, err
	}
	for _, p := range props.Peers {
		peer := awscdk.NewCustomResource(this, jsii.String("PeerGateway-"+p.Region), &awscdk.CustomResourceProps{
			ServiceToken: provider.ServiceToken(),
			ResourceType: jsii.String("Custom::RemoteParameter"),
			Properties:   &map[string]any{"ParameterRegion": p.Region, "ParameterName": p.GatewayParameter, "Kind": "gateway"},
		})
		attachment := ec2.NewCfnTransitGatewayPeeringAttachment(this, jsii.String("Attachment-"+p.Region), &ec2.CfnTransitGatewayPeeringAttachmentProps{
			TransitGatewayId:     props.TransitGatewayId,
			PeerTransitGatewayId: peer.GetAttString(jsii.String("Value")),
			PeerRegion:           jsii.String(p.Region),
			PeerAccountId:        jsii.String(p.Account),
		})
		ssm.NewStringParameter(this, jsii.String("AttachmentParameter-"+p.Region), &ssm.StringParameterProps{
			ParameterName: jsii.String(p.AttachmentParameter),
			StringValue:   attachment.AttrTransitGatewayAttachmentId(),
			Description:   jsii.String("Id of the peering attachment requested from " + p.Region + "'s transit gateway, read by its accepter"),
		})
		out.AttachmentIds[p.Region] = attachment.AttrTransitGatewayAttachmentId()
	}
	return out, nil
}

// Accepted is a peering another region requested from this region's gateway.
type Accepted struct {
	// Region is the requester's.
	Region string
	// AttachmentParameter is the SSM parameter, in Region, holding the attachment's id
	// (Requested.AttachmentParameter there).
	AttachmentParameter string
	// Cidr is the requester's VPC block: the static route through the attachment.
	Cidr string
}

// PeeringAccepterProps configures a PeeringAccepter.
type PeeringAccepterProps struct {
	// TransitGatewayId and RouteTableId are this region's gateway and its route table.
	TransitGatewayId, RouteTableId *string
	// Peers are the requesters whose attachments this region accepts.
	Peers []Accepted
	// GlobalWriters are Aurora global clusters whose writer endpoint to read here.
	// Default: none.
	GlobalWriters []GlobalWriter
	// Function places the accepting custom resource.
	Function FunctionProps
}

// GlobalWriter is an Aurora global cluster whose writer endpoint is read at deploy time: its
// name exists only once the global cluster does, in another region's stack.
type GlobalWriter struct {
	// Key names it in Hostnames (and its construct id): letters and digits.
	Key string
	// Region is where the global cluster was created; GlobalClusterIdentifier names it.
	Region, GlobalClusterIdentifier string
}

var hostnameKey = regexp.MustCompile(`^[A-Za-z0-9]+$`)

// PeeringAccepter accepts each peer's attachment (a custom resource: CloudFormation has no
// resource for it) and routes the peer's block through it once it is available.
type PeeringAccepter struct {
	constructs.Construct
	// AttachmentIds maps a requester region to its accepted attachment's id.
	AttachmentIds map[string]*string
	// Hostnames maps each GlobalWriters key to the writer endpoint read at deploy time.
	Hostnames map[string]*string
}

// NewPeeringAccepter builds the accepters of props, or returns every problem with them.
func NewPeeringAccepter(scope constructs.Construct, id string, props PeeringAccepterProps) (*PeeringAccepter, error) {
	f := props.Function.withDefaults()
	errs := f.validate()
	if props.TransitGatewayId == nil || props.RouteTableId == nil {
		errs = append(errs, errors.New("TransitGatewayId and RouteTableId are required"))
	}
	if len(props.Peers) == 0 {
		errs = append(errs, errors.New("Peers is empty"))
	}
	seen := map[string]bool{}
	var cidrs []string
	for i, p := range props.Peers {
		errs = append(errs, checkPeer(fmt.Sprintf("Peers[%d]", i), p.Region, seen)...)
		errs = append(errs, checkParameter(fmt.Sprintf("Peers[%d].AttachmentParameter", i), p.AttachmentParameter)...)
		cidrs = append(cidrs, p.Cidr)
	}
	errs = append(errs, checkPeerCidrs("Peers[].Cidr", cidrs, netipNone)...)
	errs = append(errs, checkWriters(props.GlobalWriters)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("peering accepter %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	out := &PeeringAccepter{Construct: this, AttachmentIds: map[string]*string{}, Hostnames: map[string]*string{}}
	stack := awscdk.Stack_Of(this)
	var reads []*string
	for _, p := range props.Peers {
		reads = append(reads, parameterArn(stack, p.Region, p.AttachmentParameter))
	}
	provider, err := newProvider(this, f, append(writerGrants(stack, props.GlobalWriters),
		iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings("ssm:GetParameter"), Resources: &reads}),
		// Accepting names the attachment, whose id exists only once the peer requested it.
		iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("ec2:AcceptTransitGatewayPeeringAttachment"),
			Resources: jsii.Strings(fmt.Sprintf("arn:%s:ec2:%s:%s:transit-gateway-attachment/*",
				*stack.Partition(), *stack.Region(), *stack.Account())),
		}),
		// Describe calls support no resource-level permission.
		iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("ec2:DescribeTransitGatewayPeeringAttachments"), Resources: jsii.Strings("*"),
		}),
	))
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, p := range props.Peers {
		accept := awscdk.NewCustomResource(this, jsii.String("Accept-"+p.Region), &awscdk.CustomResourceProps{
			ServiceToken: provider.ServiceToken(),
			ResourceType: jsii.String("Custom::TransitGatewayPeeringAccepter"),
			Properties: &map[string]any{
				"ParameterRegion": p.Region, "ParameterName": p.AttachmentParameter, "TransitGatewayId": props.TransitGatewayId,
			},
		})
		attachmentId := accept.GetAttString(jsii.String("AttachmentId"))
		out.AttachmentIds[p.Region] = attachmentId
		routes = append(routes, Route{Name: p.Region, AttachmentId: attachmentId, Cidr: p.Cidr})
	}
	addRoutes(this, props.RouteTableId, routes)
	out.Hostnames = addWriterLookups(this, provider, props.GlobalWriters)
	return out, nil
}

// GlobalWriterEndpointsProps configures GlobalWriterEndpoints.
type GlobalWriterEndpointsProps struct {
	// Writers are the global clusters to read.
	Writers []GlobalWriter
	// Function places the reading custom resource.
	Function FunctionProps
}

// GlobalWriterEndpoints reads global writer endpoints at deploy time where no accepter does it
// (the home region, which accepts no peering).
type GlobalWriterEndpoints struct {
	constructs.Construct
	// Hostnames maps each Writers key to its writer endpoint.
	Hostnames map[string]*string
}

// NewGlobalWriterEndpoints builds the reads of props, or returns every problem with them.
func NewGlobalWriterEndpoints(scope constructs.Construct, id string, props GlobalWriterEndpointsProps) (*GlobalWriterEndpoints, error) {
	f := props.Function.withDefaults()
	errs := append(f.validate(), checkWriters(props.Writers)...)
	if len(props.Writers) == 0 {
		errs = append(errs, errors.New("Writers is empty"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("global writer endpoints %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	provider, err := newProvider(this, f, writerGrants(awscdk.Stack_Of(this), props.Writers))
	if err != nil {
		return nil, err
	}
	return &GlobalWriterEndpoints{Construct: this, Hostnames: addWriterLookups(this, provider, props.Writers)}, nil
}

func checkWriters(writers []GlobalWriter) []error {
	var errs []error
	keys := map[string]bool{}
	for i, w := range writers {
		key := fmt.Sprintf("GlobalWriters[%d]", i)
		if !hostnameKey.MatchString(w.Key) || keys[w.Key] {
			errs = append(errs, fmt.Errorf("%s.Key %q must be letters and digits, once", key, w.Key))
		}
		keys[w.Key] = true
		errs = append(errs, checkPeer(key, w.Region, map[string]bool{})...)
		if w.GlobalClusterIdentifier == "" {
			errs = append(errs, fmt.Errorf("%s.GlobalClusterIdentifier is empty", key))
		}
	}
	return errs
}

// writerGrants let the function describe exactly the global clusters of writers (a global
// cluster's ARN names no region).
func writerGrants(stack awscdk.Stack, writers []GlobalWriter) []iam.PolicyStatement {
	if len(writers) == 0 {
		return nil
	}
	var arns []*string
	for _, w := range writers {
		arns = append(arns, jsii.String(fmt.Sprintf("arn:%s:rds::%s:global-cluster:%s", *stack.Partition(), *stack.Account(), w.GlobalClusterIdentifier)))
	}
	return []iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{Actions: jsii.Strings("rds:DescribeGlobalClusters"), Resources: &arns})}
}

func addWriterLookups(scope constructs.Construct, provider cr.Provider, writers []GlobalWriter) map[string]*string {
	out := map[string]*string{}
	for _, w := range writers {
		value := awscdk.NewCustomResource(scope, jsii.String("Writer-"+w.Key), &awscdk.CustomResourceProps{
			ServiceToken: provider.ServiceToken(),
			ResourceType: jsii.String("Custom::GlobalWriterEndpoint"),
			Properties:   &map[string]any{"ClusterRegion": w.Region, "GlobalClusterIdentifier": w.GlobalClusterIdentifier},
		})
		out[w.Key] = value.GetAttString(jsii.String("Value"))
	}
	return out
}

// Route sends a peer's block through its (available) peering attachment.
type Route struct {
	// Name names the route's resources, e.g. the peer region.
	Name string
	// AttachmentId is the peering attachment; Cidr the peer's VPC block.
	AttachmentId *string
	Cidr         string
}

// PeeringRoutesProps configures PeeringRoutes.
type PeeringRoutesProps struct {
	// RouteTableId is this region's gateway route table.
	RouteTableId *string
	// Routes are the peers to route, through attachments already accepted.
	Routes []Route
}

// PeeringRoutes associates accepted peering attachments with the gateway's route table and
// routes each peer's block through its attachment: the requester's side, deployed after the
// accepter (an attachment pending acceptance takes no association or route).
type PeeringRoutes struct{ constructs.Construct }

// NewPeeringRoutes builds the routes of props, or returns every problem with them.
func NewPeeringRoutes(scope constructs.Construct, id string, props PeeringRoutesProps) (*PeeringRoutes, error) {
	var errs []error
	if props.RouteTableId == nil {
		errs = append(errs, errors.New("RouteTableId is required"))
	}
	cidrs := make([]string, len(props.Routes))
	for i, r := range props.Routes {
		if r.AttachmentId == nil || r.Name == "" {
			errs = append(errs, fmt.Errorf("Routes[%d] needs a Name and an AttachmentId", i))
		}
		cidrs[i] = r.Cidr
	}
	errs = append(errs, checkPeerCidrs("Routes[].Cidr", cidrs, netipNone)...)
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("peering routes %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	addRoutes(this, props.RouteTableId, props.Routes)
	return &PeeringRoutes{Construct: this}, nil
}

// addRoutes associates each route's attachment with the table (traffic arriving from the peer
// is routed by it, to the propagated VPC block) and adds the static route to the peer's block:
// peering attachments carry static routes only.
func addRoutes(scope constructs.Construct, table *string, routes []Route) {
	for _, r := range routes {
		ec2.NewCfnTransitGatewayRouteTableAssociation(scope, jsii.String("Association-"+r.Name), &ec2.CfnTransitGatewayRouteTableAssociationProps{
			TransitGatewayAttachmentId: r.AttachmentId, TransitGatewayRouteTableId: table,
		})
		ec2.NewCfnTransitGatewayRoute(scope, jsii.String("Route-"+r.Name), &ec2.CfnTransitGatewayRouteProps{
			TransitGatewayRouteTableId: table, DestinationCidrBlock: jsii.String(r.Cidr),
			TransitGatewayAttachmentId: r.AttachmentId,
		})
	}
}

func checkPeer(key, region string, seen map[string]bool) []error {
	var errs []error
	if !regionName.MatchString(region) {
		errs = append(errs, fmt.Errorf("%s.Region %q is not a region name", key, region))
	} else if seen[region] {
		errs = append(errs, fmt.Errorf("%s.Region %q is listed twice", key, region))
	}
	seen[region] = true
	return errs
}

func checkParameter(key, name string) []error {
	if !parameterPath.MatchString(name) {
		return []error{fmt.Errorf("%s %q must be an SSM parameter path (/a/b)", key, name)}
	}
	return nil
}

// parameterArn is the ARN of parameter name in region of stack's account.
func parameterArn(stack awscdk.Stack, region, name string) *string {
	return jsii.String(fmt.Sprintf("arn:%s:ssm:%s:%s:parameter%s", *stack.Partition(), region, *stack.Account(), name))
}

// newProvider builds the provider framework for the peering handler: the on-event and
// is-complete functions (Python, in the VPC, HTTPS out only, encrypted logs) with a role holding
// statements, and the framework's own functions and waiter, logging to the same group.
func newProvider(scope constructs.Construct, f FunctionProps, statements []iam.PolicyStatement) (cr.Provider, error) {
	asset, err := handler.Folder("stratus-transit-peering", "index.py", peeringCode)
	if err != nil {
		return nil, fmt.Errorf("the peering handler's asset folder: %w", err)
	}
	key := keys.NewKey(scope, "LogKey", "Encrypts the transit gateway peering functions' logs")
	keys.AllowCloudWatchLogs(key)
	group := logs.NewLogGroup(scope, jsii.String("Logs"), &logs.LogGroupProps{
		EncryptionKey: key, Retention: f.LogRetention, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	sg := ec2.NewSecurityGroup(scope, jsii.String("SecurityGroup"), &ec2.SecurityGroupProps{
		Vpc:              f.Vpc,
		Description:      jsii.String("Transit gateway peering functions: HTTPS to the EC2, SSM, Lambda and CloudFormation APIs"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddEgressRule(ec2.Peer_AnyIpv4(), ec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to the EC2 and SSM APIs of this and the peer regions, and the CloudFormation response URL"), nil)
	policy := iam.NewManagedPolicy(scope, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Transit gateway peering functions: read the peers' parameters, accept their attachments"),
		Statements:  &statements,
	})
	role := iam.NewRole(scope, jsii.String("Role"), &iam.RoleProps{
		Description: jsii.String("Transit gateway peering functions"),
		AssumedBy:   iam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		ManagedPolicies: &[]iam.IManagedPolicy{
			policy, iam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWSLambdaVPCAccessExecutionRole")),
		},
	})
	newFunction := func(id, handler, description string) lambda.Function {
		fn := lambda.NewFunction(scope, jsii.String(id), &lambda.FunctionProps{
			Description:    jsii.String(description),
			Runtime:        lambda.Runtime_PYTHON_3_14(),
			Handler:        jsii.String(handler),
			Code:           lambda.Code_FromAsset(jsii.String(asset), nil),
			Timeout:        duration.Minutes(1),
			MemorySize:     jsii.Number(128),
			Vpc:            f.Vpc,
			VpcSubnets:     f.Subnets,
			SecurityGroups: &[]ec2.ISecurityGroup{sg},
			LogGroup:       group,
			Role:           role,
		})
		res := fn.Node().DefaultChild().(awscdk.CfnResource)
		res.AddDeletionOverride(jsii.String("DependsOn")) // the role is referenced through Fn::GetAtt (cfn-lint W3005)
		res.AddResourceDependency(policy.Node().DefaultChild().(awscdk.CfnResource), jsii.String("the function needs its grants when it runs"))
		suppressFunction(fn)
		return fn
	}
	onEvent := newFunction("OnEvent", "index.handler", "Transit gateway peering: reads peer parameters, accepts peering attachments")
	isComplete := newFunction("IsComplete", "index.complete_handler", "Transit gateway peering: waits until an accepted attachment is available")
	suppressRole(role)
	suppressRole(policy)
	provider := cr.NewProvider(scope, jsii.String("Provider"), &cr.ProviderProps{
		OnEventHandler:    onEvent,
		IsCompleteHandler: isComplete,
		// An accepted peering is usually available within 2-5 minutes.
		QueryInterval:  duration.Seconds(20),
		TotalTimeout:   duration.Minutes(30),
		LogGroup:       group,
		Vpc:            f.Vpc,
		VpcSubnets:     f.Subnets,
		SecurityGroups: &[]ec2.ISecurityGroup{sg},
		// The waiter only polls the is-complete function, which logs every poll's outcome into
		// the encrypted group; logging the state machine too would need log-delivery grants on
		// every resource ("*").
		DisableWaiterStateMachineLogging: jsii.Bool(true),
		ProviderFunctionEnvEncryption:    key,
	})
	suppressFramework(provider)
	dropRoleDependsOn(provider)
	return provider, nil
}

// dropRoleDependsOn replaces the DependsOn of each framework function (and the waiter) with one
// on its role's policy alone: the role itself it already references through Fn::GetAtt
// (cfn-lint W3005 flags the extra dependency).
func dropRoleDependsOn(provider cr.Provider) {
	stack := awscdk.Stack_Of(provider)
	for _, c := range *provider.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		res, ok := c.Node().DefaultChild().(awscdk.CfnResource)
		role, hasRole := c.Node().TryFindChild(jsii.String("ServiceRole")).(iam.Role)
		if !hasRole {
			role, hasRole = c.Node().TryFindChild(jsii.String("Role")).(iam.Role)
		}
		if !ok || !hasRole {
			continue
		}
		if policy, ok := role.Node().TryFindChild(jsii.String("DefaultPolicy")).(iam.Policy); ok {
			res.AddOverride(jsii.String("DependsOn"), []string{*stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement))})
		} else {
			res.AddDeletionOverride(jsii.String("DependsOn"))
		}
	}
}
