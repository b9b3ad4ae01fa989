package database

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// GlobalWriterEndpoint is the global cluster's writer endpoint (GlobalEndpoint.Address): a name
// that always resolves to the current writer, in whichever region, and follows a switchover or
// failover with no change on the client side. It resolves to private addresses in the writer's
// VPC, so clients in other regions need a private path to it (a transit gateway). Nil for a
// cluster that created no global cluster.
func (a *AuroraPostgres) GlobalWriterEndpoint() *string {
	if a.GlobalCluster == nil {
		return nil
	}
	return awscdk.Token_AsString(a.GlobalCluster.GetAtt(jsii.String("GlobalEndpoint.Address"), awscdk.ResolutionTypeHint_STRING), nil)
}
