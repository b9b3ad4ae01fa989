package keys

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// NewKey creates a customer-managed key with yearly rotation, retained on stack deletion like the
// data it protects.
func NewKey(scope constructs.Construct, id, description string) kms.Key {
	return kms.NewKey(scope, jsii.String(id), &kms.KeyProps{
		Description:       jsii.String(description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
}

// LogGroupArn is the ARN of the log group called name (or an ArnLike pattern, e.g. "*") in the
// account and region of scope's stack. Tokens work in name.
func LogGroupArn(scope constructs.IConstruct, name string) string {
	stack := awscdk.Stack_Of(scope)
	return LogGroupArnIn(*stack.Partition(), *stack.Region(), *stack.Account(), name)
}

// LogGroupArnIn is LogGroupArn for a caller that has read its stack's partition, region and
// account already (four calls into the jsii runtime fewer).
func LogGroupArnIn(partition, region, account, name string) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:%s", partition, region, account, name)
}

// AllowCloudWatchLogs adds the key-policy statement "AllowCloudWatchLogs" that lets CloudWatch
// Logs of the key's region use key for the log groups matching logGroupArns (exact ARNs or
// ArnLike patterns, tokens allowed; see LogGroupArn). With no ARNs it allows every log group of
// the key's account and region — for a log group whose generated name the key policy cannot
// name without a dependency cycle.
//
// CloudWatch Logs is a service principal acting on the log group's behalf, so the account
// statement of the default key policy does not cover it; the encryption context
// (kms:EncryptionContext:aws:logs:arn) is what scopes the grant. It returns false, adding
// nothing, when key is imported and its policy cannot be changed.
func AllowCloudWatchLogs(key kms.IKey, logGroupArns ...string) bool {
	stack := awscdk.Stack_Of(key)
	region := *stack.Region() // read once: each read is a call into the jsii runtime
	if len(logGroupArns) == 0 {
		return AllowCloudWatchLogsIn(key, region, LogGroupArnIn(*stack.Partition(), region, *stack.Account(), "*"))
	}
	return AllowCloudWatchLogsIn(key, region, logGroupArns[0], logGroupArns[1:]...)
}

// AllowCloudWatchLogsIn is AllowCloudWatchLogs for a caller that has read the key's region (two
// calls into the jsii runtime fewer) and names the log groups: logGroupArn and any more.
func AllowCloudWatchLogsIn(key kms.IKey, region, logGroupArn string, more ...string) bool {
	var arns any = logGroupArn
	if len(more) > 0 {
		arns = append([]string{logGroupArn}, more...)
	}
	// One call builds the statement, principal included.
	statement := iam.PolicyStatement_FromJson(map[string]any{
		"Sid":       "AllowCloudWatchLogs",
		"Effect":    "Allow",
		"Principal": map[string]any{"Service": fmt.Sprintf("logs.%s.amazonaws.com", region)},
		"Action":    []string{"kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"},
		"Resource":  "*",
		"Condition": map[string]any{"ArnLike": map[string]any{"kms:EncryptionContext:aws:logs:arn": arns}},
	})
	if owned, ok := key.(kms.Key); ok {
		// A key of this app: into its policy directly, which saves reading back the result
		// AddToResourcePolicy returns (a call for each of its fields).
		owned.Policy().AddStatements(statement)
		return true
	}
	// Any other key (an alias passes it on to its key; an imported key adds nothing).
	res := key.AddToResourcePolicy(statement, nil)
	return res != nil && res.StatementAdded != nil && *res.StatementAdded
}
