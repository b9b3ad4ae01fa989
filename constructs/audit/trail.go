// Package audit provides Trail, the account's multi-region CloudTrail trail: management events
// and S3 data events, KMS-encrypted, validated, archived in a retained bucket (Object Lock
// optional) and streamed to CloudWatch Logs. NewArchiveBucket is the bucket it (and AWS Config's
// delivery channel) writes to.
package audit

import (
	"errors"
	"fmt"
	"regexp"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cloudtrail "github.com/aws/aws-cdk-go/awscdk/v2/awscloudtrail"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	s3 "github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/retention"
	"github.com/stratus-platform/stratus/internal/limits"
	"github.com/stratus-platform/stratus/internal/policydoc"
)

// TrailProps configures a Trail.
type TrailProps struct {
	// TrailName names the trail: 3-128 characters of letters, digits, ".", "_" and "-".
	TrailName string
	// RetentionDays is how long the bucket keeps log files.
	// Default: limits.DefaultTrailRetentionDays.
	RetentionDays int
	// ObjectLockDays locks every log file in compliance mode for that many days; at most
	// RetentionDays.
	// Default: 0 (no Object Lock).
	ObjectLockDays int
	// LogRetention is the retention of the CloudWatch log group.
	// Default: retention.Default.
	LogRetention logs.RetentionDays
}

// Trail is the account's trail with its key, archive and log group.
type Trail struct {
	constructs.Construct
	Trail    cloudtrail.Trail
	Key      kms.Key
	Archive  *Archive
	LogGroup logs.LogGroup
}

var trailName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,127}$`)

func (p TrailProps) withDefaults() TrailProps {
	if p.RetentionDays == 0 {
		p.RetentionDays = limits.DefaultTrailRetentionDays
	}
	if p.LogRetention == "" {
		p.LogRetention = retention.Default
	}
	return p
}

func (p TrailProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !trailName.MatchString(p.TrailName) {
		add("TrailName %q must be 3-128 characters of letters, digits, '.', '_' and '-', starting with a letter or digit", p.TrailName)
	}
	if p.RetentionDays < limits.MinTrailRetentionDays || p.RetentionDays > limits.MaxTrailRetentionDays {
		add("RetentionDays %d is outside %d-%d", p.RetentionDays, limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays)
	}
	if p.ObjectLockDays < 0 || p.ObjectLockDays > p.RetentionDays {
		add("ObjectLockDays %d must be 0 (off) to RetentionDays (%d)", p.ObjectLockDays, p.RetentionDays)
	}
	if err := retention.Check("LogRetention", p.LogRetention); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// NewTrail builds the trail, or returns every problem with props.
func NewTrail(scope constructs.Construct, id string, props TrailProps) (*Trail, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("trail %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	t := &Trail{Construct: this}
	t.Key = keys.NewKey(this, "Key", "Encrypts the CloudTrail trail "+p.TrailName+", its archive bucket and its log group")
	t.Archive = NewArchiveBucket(this, "Archive", ArchiveBucketProps{
		Key: t.Key, ExpirationDays: p.RetentionDays, ObjectLockDays: p.ObjectLockDays, What: "CloudTrail log files",
	})
	t.LogGroup = logs.NewLogGroup(this, jsii.String("LogGroup"), &logs.LogGroupProps{
		Retention: p.LogRetention, EncryptionKey: t.Key, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	keys.AllowCloudWatchLogs(t.Key)

	trailArn := fmt.Sprintf("arn:%s:cloudtrail:%s:%s:trail/%s", *stack.Partition(), *stack.Region(), *stack.Account(), p.TrailName)
	// CloudTrail encrypts log files for this trail only (source ARN and encryption context).
	t.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudTrailToEncryptThisTrail"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"aws:SourceArn": trailArn},
			"StringLike": map[string]any{"kms:EncryptionContext:aws:cloudtrail:arn": fmt.Sprintf("arn:%s:cloudtrail:*:%s:trail/*",
				*stack.Partition(), *stack.Account())},
		},
	}), nil)
	t.Key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudTrailToDescribeTheKey"),
		Principals: &[]iam.IPrincipal{iam.NewServicePrincipal(jsii.String("cloudtrail.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceArn": trailArn}},
	}), nil)

	t.Trail = cloudtrail.NewTrail(this, jsii.String("Trail"), &cloudtrail.TrailProps{
		TrailName:                  jsii.String(p.TrailName),
		Bucket:                     t.Archive.Bucket,
		EncryptionKey:              t.Key,
		EnableFileValidation:       jsii.Bool(true),
		IsMultiRegionTrail:         jsii.Bool(true),
		IncludeGlobalServiceEvents: jsii.Bool(true),
		SendToCloudWatchLogs:       jsii.Bool(true),
		CloudWatchLogGroup:         t.LogGroup,
	})
	noInlinePolicy(t.Trail, t.Archive.Bucket)
	onlyThisTrailWrites(t.Archive.Bucket, trailArn)
	// Advanced selectors: every management event, and every S3 object-level event except on the
	// trail's own buckets, whose deliveries would otherwise log themselves in a loop.
	cfn := t.Trail.Node().DefaultChild().(cloudtrail.CfnTrail)
	cfn.AddPropertyDeletionOverride(jsii.String("EventSelectors"))
	cfn.AddPropertyOverride(jsii.String("AdvancedEventSelectors"), []any{
		map[string]any{
			"Name":           "Management events",
			"FieldSelectors": []any{map[string]any{"Field": "eventCategory", "Equals": []any{"Management"}}},
		},
		map[string]any{
			"Name": "S3 data events of every bucket but the trail's own",
			"FieldSelectors": []any{
				map[string]any{"Field": "eventCategory", "Equals": []any{"Data"}},
				map[string]any{"Field": "resources.type", "Equals": []any{"AWS::S3::Object"}},
				map[string]any{"Field": "resources.ARN", "NotStartsWith": []any{
					*t.Archive.Bucket.BucketArn() + "/", *t.Archive.AccessLogBucket.BucketArn() + "/",
				}},
			},
		},
	})
	return t, nil
}

// noInlinePolicy moves the grants aws-cdk-lib gave the trail's CloudWatch Logs role from an
// inline policy into a managed one (NIST 800-53 IAMNoInlinePolicy); the trail waits for it, and
// for the bucket's policy, as CloudTrail checks both when the trail is created.
func noInlinePolicy(trail cloudtrail.Trail, bucket s3.IBucket) {
	role, ok := trail.Node().TryFindChild(jsii.String("LogsRole")).(iam.Role)
	if !ok {
		return
	}
	inline, ok := role.Node().TryFindChild(jsii.String("DefaultPolicy")).(iam.Policy)
	if !ok {
		return
	}
	managed := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Lets CloudTrail write the trail's events to its log group"),
		Document:    inline.Document(),
		Roles:       &[]iam.IRole{role},
	})
	role.Node().TryRemoveChild(jsii.String("DefaultPolicy"))
	// The two policies, which the trail does not reference: the role it does (cfn-lint W3005 flags
	// a DependsOn on a referenced resource). The override replaces aws-cdk-lib's DependsOn, which
	// named the bucket policy (CloudTrail refuses a bucket it may not write to yet) and the role.
	stack := awscdk.Stack_Of(trail)
	dependsOn := []any{stack.GetLogicalId(managed.Node().DefaultChild().(awscdk.CfnElement))}
	if policy := bucket.Policy(); policy != nil {
		dependsOn = append(dependsOn, stack.GetLogicalId(policy.Node().DefaultChild().(awscdk.CfnElement)))
	}
	trail.Node().DefaultChild().(awscdk.CfnResource).AddOverride(jsii.String("DependsOn"), dependsOn)
}

// onlyThisTrailWrites holds the archive bucket's grants to CloudTrail (aws-cdk-lib's Trail adds
// them without a condition) to this trail, with aws:SourceArn as CloudTrail's guide to its bucket
// policy has it: without it, CloudTrail writing for any trail of any account that names the
// bucket could read its ACL and put objects under this account's prefix.
func onlyThisTrailWrites(bucket s3.IBucket, trailArn string) {
	if policy := bucket.Policy(); policy != nil {
		policy.Node().DefaultChild().(s3.CfnBucketPolicy).SetPolicyDocument(policydoc.Rewritten(policy.Document(),
			func(doc map[string]any) map[string]any { return withSourceArn(doc, cloudTrailPrincipal, trailArn) }))
	}
}

const cloudTrailPrincipal = "cloudtrail.amazonaws.com"

// withSourceArn adds StringEquals aws:SourceArn = arn to every Allow statement of doc whose
// principal is the service (keeping the statement's other conditions).
func withSourceArn(doc map[string]any, service, arn string) map[string]any {
	statements, _ := doc["Statement"].([]any)
	for _, s := range statements {
		st, _ := s.(map[string]any)
		principal, _ := st["Principal"].(map[string]any)
		if st["Effect"] != "Allow" || !slices.Contains(policydoc.Strings(principal["Service"]), service) {
			continue
		}
		conditions, _ := st["Condition"].(map[string]any)
		if conditions == nil {
			conditions = map[string]any{}
			st["Condition"] = conditions
		}
		equals, _ := conditions["StringEquals"].(map[string]any)
		if equals == nil {
			equals = map[string]any{}
			conditions["StringEquals"] = equals
		}
		equals["aws:SourceArn"] = arn
	}
	return doc
}
