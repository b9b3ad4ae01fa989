// Package bootstrap names the roles `cdk bootstrap` creates in an environment account, with the
// qualifier the app synthesizes for, so every reference the platform makes to them by name (the
// image grants to the deploy role, the key guard's cfn-exec role, the smoke test's lookup role,
// the release pipelines' deploy roles) agrees with the stacks' own synthesizer, also in a fork
// that bootstraps with its own qualifier.
package bootstrap

import (
	"fmt"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// QualifierContext is the context key that sets the qualifier of every stack's synthesizer.
const QualifierContext = "@aws-cdk/core:bootstrapQualifier"

// Qualifier is the bootstrap qualifier scope's stacks synthesize for: the QualifierContext
// context when set, else the CDK default.
func Qualifier(scope constructs.IConstruct) string {
	if q, ok := scope.Node().TryGetContext(jsii.String(QualifierContext)).(string); ok && q != "" {
		return q
	}
	return defaultQualifier()
}

// defaultQualifier is read on first use, never at package init: a package-level call would start
// the jsii runtime in every program importing the package, before it has even read its config.
// Once: each read is a call into the jsii runtime, and the key guard asks for every stack.
var defaultQualifier = sync.OnceValue(func() string { return *awscdk.DefaultStackSynthesizer_DEFAULT_QUALIFIER() })

// Name is the name of the bootstrap role of kind ("deploy", "cfn-exec", "lookup", …) that
// `cdk bootstrap` with qualifier creates in account and region.
func Name(qualifier, kind, account, region string) string {
	return fmt.Sprintf("cdk-%s-%s-role-%s-%s", qualifier, kind, account, region)
}

// RoleName is Name for scope's qualifier.
func RoleName(scope constructs.IConstruct, kind, account, region string) string {
	return Name(Qualifier(scope), kind, account, region)
}

// RoleArn is RoleName's ARN, in the partition of scope's stack.
func RoleArn(scope constructs.IConstruct, kind, account, region string) string {
	return Arn(*awscdk.Stack_Of(scope).Partition(), account, RoleName(scope, kind, account, region))
}

// Arn is the ARN of the role called name (its path included) in partition and account: a
// bootstrap role or any other.
func Arn(partition, account, name string) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", partition, account, name)
}
