package audit

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	config "github.com/aws/aws-cdk-go/awscdk/v2/awsconfig"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/internal/limits"
)

// RegionalRules are the AWS Config managed rules of every region: what the platform promises.
// Each one checks a control Stratus builds in, so a finding means drift from the code.
var RegionalRules = []string{
	// Encryption at rest.
	"RDS_STORAGE_ENCRYPTED", "ENCRYPTED_VOLUMES", "CLOUDWATCH_LOG_GROUP_ENCRYPTED",
	"ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST", "ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT",
	"CMK_BACKING_KEY_ROTATION_ENABLED",
	// Storage exposure.
	"S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "S3_BUCKET_SSL_REQUESTS_ONLY", "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
	// Network.
	"VPC_FLOW_LOGS_ENABLED", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "ALB_HTTP_TO_HTTPS_REDIRECTION_CHECK",
	"ELB_DELETION_PROTECTION_ENABLED",
	// Audit.
	"CLOUD_TRAIL_ENABLED", "MULTI_REGION_CLOUD_TRAIL_ENABLED", "CLOUD_TRAIL_ENCRYPTION_ENABLED",
	"CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
	// Databases.
	"DB_INSTANCE_BACKUP_ENABLED", "RDS_MULTI_AZ_SUPPORT", "RDS_CLUSTER_MULTI_AZ_ENABLED", "RDS_IN_BACKUP_PLAN",
	// Containers and images.
	"ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "ECS_TASK_DEFINITION_MEMORY_HARD_LIMIT", "ECS_CONTAINERS_NONPRIVILEGED",
	// Secrets.
	"SECRETSMANAGER_ROTATION_ENABLED_CHECK",
}

// GlobalRules check account-wide (IAM) resources; they run only in the region recording global
// resource types, so each is evaluated once per account.
var GlobalRules = []string{"IAM_ROOT_ACCESS_KEY_CHECK", "ROOT_ACCOUNT_MFA_ENABLED"}

// RecorderProps configures a Recorder.
type RecorderProps struct {
	// IncludeGlobalResourceTypes records IAM and other global resources; true in exactly one
	// region of the account, which also runs GlobalRules.
	// Default: false.
	IncludeGlobalResourceTypes bool
	// RetentionDays is how long the delivery bucket keeps snapshots and history.
	// Default: limits.DefaultTrailRetentionDays.
	RetentionDays int
	// RuleNamePrefix starts every rule name, e.g. "stratus-prod-".
	// Default: "stratus-".
	RuleNamePrefix string
}

// Recorder is AWS Config in one region: recorder, delivery channel and managed rules.
type Recorder struct {
	constructs.Construct
	Recorder config.CfnConfigurationRecorder
	Channel  config.CfnDeliveryChannel
	Rules    []config.ManagedRule
	Key      kms.Key
	Archive  *Archive
}

var rulePrefix = regexp.MustCompile(`^[A-Za-z0-9_-]{0,40}$`)

func (p RecorderProps) withDefaults() RecorderProps {
	if p.RetentionDays == 0 {
		p.RetentionDays = limits.DefaultTrailRetentionDays
	}
	if p.RuleNamePrefix == "" {
		p.RuleNamePrefix = "stratus-"
	}
	return p
}

func (p RecorderProps) validate() error {
	var errs []error
	if p.RetentionDays < limits.MinTrailRetentionDays || p.RetentionDays > limits.MaxTrailRetentionDays {
		errs = append(errs, fmt.Errorf("RetentionDays %d is outside %d-%d", p.RetentionDays, limits.MinTrailRetentionDays, limits.MaxTrailRetentionDays))
	}
	if !rulePrefix.MatchString(p.RuleNamePrefix) {
		errs = append(errs, fmt.Errorf("RuleNamePrefix %q must be at most 40 characters of letters, digits, '_' and '-'", p.RuleNamePrefix))
	}
	return errors.Join(errs...)
}

// NewRecorder builds AWS Config in scope's region, or returns every problem with props.
func NewRecorder(scope constructs.Construct, id string, props RecorderProps) (*Recorder, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("recorder %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	r := &Recorder{Construct: this}
	r.Key = keys.NewKey(this, "Key", "Encrypts AWS Config's configuration snapshots and history")
	r.Archive = NewArchiveBucket(this, "Archive", ArchiveBucketProps{Key: r.Key, ExpirationDays: p.RetentionDays, What: "AWS Config snapshots"})

	stack := awscdk.Stack_Of(this)
	role := iam.NewRole(this, jsii.String("Role"), &iam.RoleProps{
		// Only AWS Config acting for this account (Config's guide to confused-deputy prevention).
		AssumedBy: iam.NewServicePrincipal(jsii.String("config.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		ManagedPolicies: &[]iam.IManagedPolicy{iam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AWS_ConfigRole"))},
	})
	policy := iam.NewManagedPolicy(this, jsii.String("DeliveryPolicy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Lets AWS Config deliver snapshots and history to its bucket"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:PutObject"),
				Resources: jsii.Strings(*r.Archive.Bucket.BucketArn() + "/AWSLogs/" + *stack.Account() + "/Config/*"),
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:GetBucketAcl", "s3:ListBucket"),
				Resources: &[]*string{r.Archive.Bucket.BucketArn()},
			}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{
				Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
				Resources: &[]*string{r.Key.KeyArn()},
			}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM4"),
		Reason: jsii.String("AWS_ConfigRole is AWS's maintained read-only policy for every resource type Config records; " +
			"a hand-written copy would silently stop recording new resource types."),
		AppliesTo: &[]any{jsii.String("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWS_ConfigRole")},
	}}, jsii.Bool(true))
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Config writes objects under keys it chooses, below AWSLogs/<account>/Config/ of its own delivery bucket only."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<.*Archive[0-9A-F]*\.Arn>\/AWSLogs\/.*\/Config\/\*$/`)}},
	}}, jsii.Bool(true))

	r.Recorder = config.NewCfnConfigurationRecorder(this, jsii.String("ConfigurationRecorder"), &config.CfnConfigurationRecorderProps{
		RoleArn: role.RoleArn(),
		RecordingGroup: &config.CfnConfigurationRecorder_RecordingGroupProperty{
			AllSupported: jsii.Bool(true), IncludeGlobalResourceTypes: jsii.Bool(p.IncludeGlobalResourceTypes),
		},
	})
	r.Channel = config.NewCfnDeliveryChannel(this, jsii.String("DeliveryChannel"), &config.CfnDeliveryChannelProps{
		S3BucketName: r.Archive.Bucket.BucketName(),
		S3KmsKeyArn:  r.Key.KeyArn(),
		ConfigSnapshotDeliveryProperties: &config.CfnDeliveryChannel_ConfigSnapshotDeliveryPropertiesProperty{
			DeliveryFrequency: jsii.String("TwentyFour_Hours"),
		},
	})
	// Config checks the recorder and its write access to the bucket when the channel is created.
	r.Channel.Node().AddDependency(r.Recorder, policy)

	rules := RegionalRules
	if p.IncludeGlobalResourceTypes {
		rules = append(append([]string{}, rules...), GlobalRules...)
	}
	for _, identifier := range rules {
		name := p.RuleNamePrefix + strings.ToLower(strings.ReplaceAll(identifier, "_", "-"))
		rule := config.NewManagedRule(this, jsii.String(identifier), &config.ManagedRuleProps{
			Identifier: jsii.String(identifier), ConfigRuleName: jsii.String(name),
		})
		rule.Node().AddDependency(r.Recorder) // a rule needs a recorder to evaluate
		r.Rules = append(r.Rules, rule)
	}
	return r, nil
}
