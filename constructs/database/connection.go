package database

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Connection is what a client needs to reach one of this package's databases, whichever kind it
// is: every construct returns one, so a consumer (the service construct) never asks which.
type Connection struct {
	// Host is the endpoint clients connect to: the writer endpoint of an Aurora primary or an RDS
	// instance; the reader endpoint of an Aurora secondary, which forwards writes to the primary
	// when write forwarding is on.
	Host *string
	// Port is the PostgreSQL port.
	Port int
	// DatabaseName is the database to connect to.
	DatabaseName string
	// Secret holds the master credentials ("username", "password", …); nil where clients
	// authenticate with IAM: an Aurora secondary (no credentials of its own) and an Aurora
	// cluster that creates its clients' users (AuroraPostgresProps.Users).
	Secret sm.ISecret
	// WriterHost is the Global Database's global writer endpoint, which follows the writer across
	// regions (AuroraPostgres.GlobalWriterEndpoint); nil where the caller gives none.
	WriterHost *string
	// ReaderHost is the local reader endpoint of an Aurora cluster; nil where the caller gives none.
	ReaderHost *string
	// ResourceId is the DbClusterResourceId or DbiResourceId that rds-db:connect ARNs name.
	ResourceId *string
}

// GrantConnect lets grantee connect as the database user user with IAM authentication, to this
// database only. The user must exist in the database with the rds_iam role.
func (c *Connection) GrantConnect(grantee iam.IGrantable, user string) iam.Grant {
	if c.ResourceId == nil {
		panic(fmt.Sprintf("database: GrantConnect(%q) on a connection without a ResourceId", user))
	}
	// The ARN is built in the grantee's stack, so its account and region are the grantee's
	// literals and only the resource id crosses stacks.
	scope, ok := grantee.(constructs.IConstruct)
	if !ok {
		panic(fmt.Sprintf("database: GrantConnect(%q) needs a grantee that is a construct (a role)", user))
	}
	stack := awscdk.Stack_Of(scope)
	return iam.Grant_AddToPrincipal(&iam.GrantOnPrincipalOptions{
		Grantee: grantee,
		Actions: jsii.Strings("rds-db:connect"),
		ResourceArns: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("rds-db"), Resource: jsii.String("dbuser"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
			ResourceName: jsii.String(fmt.Sprintf("%s/%s", *c.ResourceId, user)),
		})},
	})
}
