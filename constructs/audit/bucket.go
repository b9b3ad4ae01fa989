package audit

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/duration"
)

// noncurrentVersionDays is how long an overwritten or deleted object version survives.
const noncurrentVersionDays = 30

// ArchiveBucketProps configures NewArchiveBucket.
type ArchiveBucketProps struct {
	// Key encrypts the archive (SSE-KMS with a bucket key).
	Key kms.IKey
	// ExpirationDays is how long objects are kept.
	ExpirationDays int
	// ObjectLockDays, when above 0, locks every new object in compliance mode for that long.
	// Default: 0 (no Object Lock).
	ObjectLockDays int
	// What says what the archive holds, for the cdk-nag reasons.
	What string
}

// Archive is a retained, versioned, TLS-only, KMS-encrypted bucket for audit records, with its
// server access logs in a companion bucket.
type Archive struct {
	Bucket s3.Bucket
	// AccessLogBucket receives Bucket's server access logs (SSE-S3: log delivery cannot use KMS).
	AccessLogBucket s3.Bucket
}

// NewArchiveBucket creates the archive under scope as "<id>" and "<id>AccessLogs". Props are
// assumed valid (the calling construct validates them).
func NewArchiveBucket(scope constructs.Construct, id string, p ArchiveBucketProps) *Archive {
	lifecycle := func(days int) *[]*s3.LifecycleRule {
		return &[]*s3.LifecycleRule{{
			Id:                                  jsii.String("Expire"),
			Expiration:                          duration.Days(float64(days)),
			NoncurrentVersionExpiration:         duration.Days(noncurrentVersionDays),
			AbortIncompleteMultipartUploadAfter: duration.Days(7),
		}}
	}
	base := func() *s3.BucketProps {
		return &s3.BucketProps{
			EnforceSSL:        jsii.Bool(true),
			MinimumTLSVersion: jsii.Number(1.2),
			Versioned:         jsii.Bool(true),
			BlockPublicAccess: s3.BlockPublicAccess_BLOCK_ALL(),
			ObjectOwnership:   s3.ObjectOwnership_BUCKET_OWNER_ENFORCED,
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
			LifecycleRules:    lifecycle(p.ExpirationDays),
		}
	}
	logsProps := base()
	logsProps.Encryption = s3.BucketEncryption_S3_MANAGED
	accessLogs := s3.NewBucket(scope, jsii.String(id+"AccessLogs"), logsProps)

	props := base()
	props.Encryption, props.EncryptionKey, props.BucketKeyEnabled = s3.BucketEncryption_KMS, p.Key, jsii.Bool(true)
	props.ServerAccessLogsBucket, props.ServerAccessLogsPrefix = accessLogs, jsii.String("archive/")
	if p.ObjectLockDays > 0 {
		props.ObjectLockEnabled = jsii.Bool(true)
		props.ObjectLockDefaultRetention = s3.ObjectLockRetention_Compliance(duration.Days(float64(p.ObjectLockDays)))
	}
	bucket := s3.NewBucket(scope, jsii.String(id), props)

	notReplicated := p.What + " stay in the account's own region under versioning" +
		" (and Object Lock when configured); a same-account replica would add cost but no independent copy, and the" +
		" organization's log-archive account is where a cross-account copy belongs."
	suppress(bucket, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(accessLogs, notReplicated, "NIST.800.53.R5-S3BucketReplicationEnabled")
	suppress(accessLogs, "S3 server access log delivery supports only SSE-S3 (AES256) on the destination bucket, not SSE-KMS.",
		"NIST.800.53.R5-S3DefaultEncryptionKMS")
	suppress(accessLogs, "This bucket receives the server access logs of the archive bucket; logging it into itself would loop.",
		"AwsSolutions-S1", "NIST.800.53.R5-S3BucketLoggingEnabled")
	return &Archive{Bucket: bucket, AccessLogBucket: accessLogs}
}

// suppress records, on resource's CloudFormation resource, cdk-nag findings kept on purpose.
func suppress(resource constructs.IConstruct, reason string, ids ...string) {
	rules := make([]*cdknag.NagPackSuppression, len(ids))
	for i, id := range ids {
		rules[i] = &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: jsii.String(reason)}
	}
	cdknag.NagSuppressions_AddResourceSuppressions(resource.Node().DefaultChild(), &rules, jsii.Bool(false))
}
