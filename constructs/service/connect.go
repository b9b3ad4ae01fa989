package service

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ec2 "github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/naming"
)

// Connect is a service's place in ECS Service Connect. Every service that calls another is a
// client: ECS adds a proxy (Envoy) to its tasks, and its application reaches a callee at
// http://<callee name>:<callee port> through that proxy, which balances over the callee's
// healthy tasks, retries failed requests and publishes per-service request metrics. A called
// service is also a server, registered under its Name with its Port.
type Connect struct {
	// Namespace is the Cloud Map namespace Service Connect uses (the cluster's).
	Namespace servicediscovery.INamespace
	// Server registers the service for its callers: discovery name and client alias Name, on Port.
	// Default: false (a client only).
	Server bool
	// Tls encrypts the traffic into this (server) service between the proxies; only with Server.
	// Default: nil (plain traffic between the proxies inside the VPC).
	Tls *ConnectTls
	// Calls are the services this one calls. Each opens exactly one path: an ingress rule on
	// the callee's group from the service's SecurityGroup, and the matching egress rule on that
	// group. Both are in the service's own scope (its stack), so the shared stack that holds
	// the groups does not grow with the calls.
	// Default: none (a server only).
	Calls []Call
}

// Call is a service this one calls.
type Call struct {
	// Name is the callee's service name: the rules' construct ids and descriptions.
	Name string
	// Group is the callee's security group.
	Group ec2.ISecurityGroup
	// Port is where the callee admits its callers: its own port, or the port its Service
	// Connect proxy terminates TLS on.
	Port int
}

// ConnectTls is Service Connect TLS: ECS issues every task of a server a short-lived
// certificate from the private CA, keeps its private key in Secrets Manager encrypted with
// Key, and rotates it. The server's proxy then terminates TLS 1.3 on limits.ServiceConnectTlsPort
// (ingress port override), so the load balancer keeps reaching Port in plain HTTP.
type ConnectTls struct {
	// AuthorityArn is the AWS Private CA (tagged AmazonECSManaged: true) that issues the certificates.
	AuthorityArn *string
	// Key encrypts the certificates' private keys; Role must be allowed to use it.
	Key kms.IKey
	// Role is the ECS infrastructure role that issues the certificates and stores their keys.
	Role iam.IRole
}

// validateConnect checks Connect.
func (p ServiceProps) validateConnect(add func(string, ...any)) {
	c := p.Connect
	if c == nil {
		return
	}
	if c.Namespace == nil {
		add("Connect.Namespace is required")
	}
	if t := c.Tls; t != nil {
		if !c.Server {
			add("Connect.Tls applies to a server only (set Server, or remove Tls)")
		}
		if t.AuthorityArn == nil || t.Key == nil || t.Role == nil {
			add("Connect.Tls needs AuthorityArn, Key and Role")
		}
		if p.Port == limits.ServiceConnectTlsPort {
			add("Port %d is where the Service Connect proxy terminates TLS (choose another port)", p.Port)
		}
	}
	seen := map[string]bool{}
	for i, call := range c.Calls {
		switch {
		case call.Name == "":
			add("Connect.Calls[%d].Name is required", i)
		case call.Name == p.Name:
			add("Connect.Calls[%d] has service %q call itself", i, p.Name)
		case seen[naming.Pascal(call.Name)]:
			add("Connect.Calls[%d] (%s) is listed twice", i, call.Name)
		}
		seen[naming.Pascal(call.Name)] = true
		switch call.Group {
		case nil:
			add("Connect.Calls[%d].Group is required: the callee's security group", i)
		case p.SecurityGroup:
			add("Connect.Calls[%d].Group is the service's own SecurityGroup: give the callee's", i)
		}
		if call.Port < limits.MinPort || call.Port > limits.MaxPort {
			add("Connect.Calls[%d].Port %d is outside %d-%d", i, call.Port, limits.MinPort, limits.MaxPort)
		}
	}
}

// buildCalls opens the paths of Connect.Calls, each an ingress and an egress rule resource of
// its own (the groups, and their descriptions, stay as they are, so a call added or removed
// never replaces a group). The ECS service waits for them: its tasks reach their callees from
// the start.
func (s *Service) buildCalls(p ServiceProps) {
	if p.Connect == nil {
		return
	}
	own := p.SecurityGroup.SecurityGroupId()
	for _, call := range p.Connect.Calls {
		id, callee, port := naming.Pascal(call.Name), call.Group.SecurityGroupId(), jsii.Number(float64(call.Port))
		description := jsii.String(fmt.Sprintf("From service %s: its declared call to %s (Service Connect)", p.Name, call.Name))
		in := ec2.NewCfnSecurityGroupIngress(s.Construct, jsii.String("CallTo"+id+"Ingress"), &ec2.CfnSecurityGroupIngressProps{
			GroupId: callee, SourceSecurityGroupId: own, IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port, Description: description,
		})
		out := ec2.NewCfnSecurityGroupEgress(s.Construct, jsii.String("CallTo"+id+"Egress"), &ec2.CfnSecurityGroupEgressProps{
			GroupId: own, DestinationSecurityGroupId: callee, IpProtocol: jsii.String("tcp"), FromPort: port, ToPort: port, Description: description,
		})
		s.Resource.Node().AddDependency(in, out)
	}
}

// portMappingName names the main container's port for Service Connect; a server only.
func (p ServiceProps) portMappingName() *string {
	if p.Connect == nil || !p.Connect.Server {
		return nil
	}
	return jsii.String(p.Name)
}

// appProtocol declares HTTP on a server's port: Service Connect then proxies at layer 7, with
// HTTP metrics (requests, response codes, latency) and retries of failed requests.
func (p ServiceProps) appProtocol() ecs.AppProtocol {
	if p.portMappingName() == nil {
		return nil
	}
	return ecs.AppProtocol_Http()
}

// connectConfiguration is the service's Service Connect configuration, or nil without Connect.
// The proxy logs to the service's own (KMS-encrypted) log group.
func (s *Service) connectConfiguration(p ServiceProps) *ecs.ServiceConnectProps {
	c := p.Connect
	if c == nil {
		return nil
	}
	out := &ecs.ServiceConnectProps{
		Namespace: c.Namespace.NamespaceArn(),
		LogDriver: ecs.LogDrivers_AwsLogs(&ecs.AwsLogDriverProps{
			LogGroup:      s.LogGroup,
			StreamPrefix:  jsii.String(limits.ServiceConnectLogPrefix),
			Mode:          ecs.AwsLogDriverMode_NON_BLOCKING,
			MaxBufferSize: awscdk.Size_Mebibytes(jsii.Number(25)),
		}),
	}
	if !c.Server {
		return out
	}
	server := &ecs.ServiceConnectService{
		PortMappingName: p.portMappingName(),
		DiscoveryName:   jsii.String(p.Name),
		DnsName:         jsii.String(p.Name),
		Port:            jsii.Number(float64(p.Port)),
	}
	if t := c.Tls; t != nil {
		server.Tls = &ecs.ServiceConnectTlsConfiguration{AwsPcaAuthorityArn: t.AuthorityArn, KmsKey: t.Key, Role: t.Role}
		server.IngressPortOverride = jsii.Number(limits.ServiceConnectTlsPort)
	}
	out.Services = &[]*ecs.ServiceConnectService{server}
	return out
}
