package database

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
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
	// WriterRegions are the regions of the Global Database's clusters: where the writer behind
	// WriterHost can be. GrantConnect lets the user connect there too. Required with WriterHost.
	WriterRegions []string
	// ReaderHost is the local reader endpoint of an Aurora cluster; nil where the caller gives none.
	ReaderHost *string
	// ResourceId is the DbClusterResourceId or DbiResourceId that rds-db:connect ARNs name.
	ResourceId *string
}

// GrantConnect lets grantee connect as the database user user with IAM authentication, to this
// database only. The user must exist in the database with the rds_iam role.
//
// With WriterHost, the connections through it go to whichever cluster is the writer, and IAM
// checks them against that cluster's region and resource id, which no stack of another region
// can reference. So the grantee (then a role) also gets a policy of its own that names the user
// on any cluster (cluster-*) of the other WriterRegions: the user exists only in this database's
// clusters, and the network reaches no other database.
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
	if c.WriterHost != nil {
		c.grantConnectToWriter(stack, grantee, user)
	}
	return iam.Grant_AddToPrincipal(&iam.GrantOnPrincipalOptions{
		Grantee: grantee, Actions: jsii.Strings("rds-db:connect"),
		ResourceArns: &[]*string{dbUserArn(stack, nil, *c.ResourceId, user)},
	})
}

// grantConnectToWriter gives role, in a policy of its own, connect as user on the clusters of
// the other WriterRegions, with the reason for their wildcard.
func (c *Connection) grantConnectToWriter(stack awscdk.Stack, grantee iam.IGrantable, user string) {
	role, ok := grantee.(iam.Role)
	if !ok || len(c.WriterRegions) == 0 {
		panic(fmt.Sprintf("database: GrantConnect(%q) through a WriterHost needs a role and the WriterRegions", user))
	}
	own := *stack.Region()
	var arns []*string
	var regions []string
	for _, r := range c.WriterRegions {
		if r != own {
			arns = append(arns, dbUserArn(stack, jsii.String(r), "cluster-*", user))
			regions = append(regions, regexp.QuoteMeta(r))
		}
	}
	if len(arns) == 0 {
		return // the writer is always this region's cluster
	}
	policy := iam.NewManagedPolicy(role, jsii.String("WriterConnectPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Connect as database user %s to the Global Database's writer in another region", user)),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{
			Actions: jsii.Strings("rds-db:connect"), Resources: &arns,
		})},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("The global writer endpoint (DB_WRITER_HOST) reaches the Global Database's writer in whichever " +
			"region it is, and IAM checks the connection against that cluster's resource id, which a stack cannot reference " +
			"across regions. The wildcard is only the cluster id: the action is connect, the regions are the database's, and " +
			"the user is this service's own, which exists only in its own database."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(fmt.Sprintf(`/^Resource::arn:[^:]+:rds-db:(%s):[^:]+:dbuser:cluster-\*\/%s$/`,
			strings.Join(regions, "|"), regexp.QuoteMeta(user)))}},
	}}, jsii.Bool(false))
}

// dbUserArn is the rds-db:connect ARN of user on the cluster or instance resourceID, in region
// (nil: stack's).
func dbUserArn(stack awscdk.Stack, region *string, resourceID, user string) *string {
	return stack.FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("rds-db"), Region: region, Resource: jsii.String("dbuser"), ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		ResourceName: jsii.String(resourceID + "/" + user),
	})
}
