package cluster

import (
	servicediscovery "github.com/aws/aws-cdk-go/awscdk/v2/awsservicediscovery"
	"github.com/aws/jsii-runtime-go"
)

// buildServiceConnectNamespace creates the namespace ECS Service Connect registers the called
// services in. It is a namespace of its own, not the private DNS one: a Service Connect
// discovery name must be unique in its namespace, and the DNS namespace already holds a Cloud
// Map service named after every service (the A records that API Gateway and other clients
// resolve), which keeps working unchanged. An HTTP namespace has no hosted zone: Service
// Connect clients find their callees through the proxy, never through DNS.
func (c *Cluster) buildServiceConnectNamespace(p ClusterProps) {
	if p.ServiceConnectNamespaceName == "" {
		return
	}
	c.ServiceConnectNamespace = servicediscovery.NewHttpNamespace(c.Construct, jsii.String("ServiceConnectNamespace"), &servicediscovery.HttpNamespaceProps{
		Name:        jsii.String(p.ServiceConnectNamespaceName),
		Description: jsii.String("ECS Service Connect: the services of this region's cluster that other services call"),
	})
}
