package database

import (
	"fmt"

	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// This file records, on the exact resources, the cdk-nag findings the design keeps on purpose,
// each with the reason it is safe. Everything else is satisfied, not suppressed.

type suppression struct {
	id, reason string
	appliesTo  []string
}

func suppress(c constructs.IConstruct, rules ...suppression) {
	list := make([]*cdknag.NagPackSuppression, len(rules))
	for i, r := range rules {
		s := &cdknag.NagPackSuppression{Id: jsii.String(r.id), Reason: jsii.String(r.reason)}
		if len(r.appliesTo) > 0 {
			applies := make([]any, len(r.appliesTo))
			for j, a := range r.appliesTo {
				applies[j] = a
			}
			s.AppliesTo = &applies
		}
		list[i] = s
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &list, jsii.Bool(false))
}

// suppressDefaultPort keeps an RDS for PostgreSQL instance on 5432. (cdk-nag's rule does not
// flag 5432 on provisioned Aurora clusters, so the clusters need no suppression.)
func suppressDefaultPort(db constructs.IConstruct) {
	suppress(db, suppression{id: "AwsSolutions-RDS11", reason: "5432 is the PostgreSQL port the services, the data-tier " +
		"NACL and the seed designs use. A different port hides nothing from a client already inside the isolated data " +
		"subnets; access is controlled by the database security group (5432 from the service and rotation security " +
		"groups only), IAM or rotated-password authentication, and TLS enforced by rds.force_ssl."})
}

// suppressMonitoringPolicy accepts the AWS managed policy of the enhanced-monitoring role.
func suppressMonitoringPolicy(role constructs.IConstruct) {
	suppress(role, suppression{
		id: "AwsSolutions-IAM4",
		reason: "AmazonRDSEnhancedMonitoringRole is the AWS-maintained policy RDS documents for enhanced monitoring: it only " +
			"lets RDS create and write the RDS* log groups and streams (RDSOSMetrics), and only monitoring.rds.amazonaws.com " +
			"can assume this role.",
		appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"},
	})
}

// suppressClusterMemberBackupPlan: AWS Backup protects Aurora per cluster, never per instance.
func suppressClusterMemberBackupPlan(instance constructs.IConstruct, retentionDays int) {
	suppress(instance, suppression{id: "NIST.800.53.R5-RDSInBackupPlan", reason: fmt.Sprintf("An Aurora instance stores no "+
		"data (the cluster volume does) and AWS Backup cannot select an Aurora instance, only its cluster. The cluster keeps "+
		"continuous automated backups for %d days (point-in-time restore), keeps them after deletion, and is retained or "+
		"snapshotted when CloudFormation removes it.", retentionDays)})
}

// suppressInstanceBackupPlan: a single instance relies on RDS automated backups instead of AWS Backup.
func suppressInstanceBackupPlan(instance constructs.IConstruct, retentionDays int) {
	suppress(instance, suppression{id: "NIST.800.53.R5-RDSInBackupPlan", reason: fmt.Sprintf("RDS automated backups "+
		"protect this instance: daily snapshots plus transaction logs for point-in-time restore over %d days, kept after "+
		"the instance is deleted (DeleteAutomatedBackups false), and a final snapshot or the retained instance when "+
		"CloudFormation removes it. An AWS Backup plan would duplicate that storage.", retentionDays)})
}

// suppressDeletionProtectionOff records a caller's explicit choice to turn deletion protection
// off (dev), which the RemovalPolicy validation keeps from losing data.
func suppressDeletionProtectionOff(db constructs.IConstruct, removal string) {
	reason := "Deletion protection is off by the caller's explicit choice (DeletionProtection false, for a short-lived " +
		"environment). Data is still not lost with the stack: RemovalPolicy " + removal + " (DESTROY is rejected) makes " +
		"CloudFormation keep the database or take a final snapshot, and automated backups are kept after deletion."
	suppress(db,
		suppression{id: "AwsSolutions-RDS10", reason: reason},
		suppression{id: "NIST.800.53.R5-RDSInstanceDeletionProtectionEnabled", reason: reason},
	)
}

// suppressSingleAZ records a caller's explicit choice of a single-AZ instance.
func suppressSingleAZ(instance constructs.IConstruct) {
	reason := "Single-AZ by the caller's explicit choice (MultiAZ false, for a non-production environment); automated " +
		"backups allow a point-in-time restore into another AZ, and production configurations keep the default Multi-AZ."
	suppress(instance,
		suppression{id: "AwsSolutions-RDS3", reason: reason},
		suppression{id: "NIST.800.53.R5-RDSMultiAZSupport", reason: reason},
	)
}

// suppressUsersFunction records what the deploy-time users function keeps on purpose.
func suppressUsersFunction(fn, role constructs.IConstruct, runtime, database string) {
	invoked := "CloudFormation invokes this function once per deploy that changes the user list and waits for its " +
		"answer: a failure fails the deploy with the reason, so there is nothing for a dead-letter queue to hold and no " +
		"concurrency to reserve (reserving some would take it from the account's services)."
	suppress(fn,
		suppression{id: "NIST.800.53.R5-LambdaDLQ", reason: invoked},
		suppression{id: "NIST.800.53.R5-LambdaConcurrency", reason: invoked},
		suppression{id: "AwsSolutions-L1", reason: runtime + " is the newest runtime of its language CloudFormation accepts " +
			"(cfn-lint's schema lists no later one); aws-cdk-lib already names a later one, which cdk-nag takes for the latest."},
	)
	suppress(role, suppression{
		id: "AwsSolutions-IAM4",
		reason: "AWSLambdaVPCAccessExecutionRole is the AWS-maintained policy Lambda documents for attaching a function " +
			"to its VPC subnets and writing its logs; only lambda.amazonaws.com can assume the role, and its own grants " +
			"are a customer managed policy naming the " + database + ", its secret and its key.",
		appliesTo: []string{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"},
	})
}
