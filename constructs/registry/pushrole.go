package registry

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/bootstrap"
)

// PushActions are what pushing an image (docker push) needs on the repository; DescribeImages
// lets the pusher find a tag it pushed before and the digest it pushed.
var PushActions = []string{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
	"ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}

// PushRole is a role that one role of another account (a release build) assumes to push images
// to one repository, and that can do nothing else.
type PushRole struct {
	constructs.Construct

	// Role is the role, named RoleName.
	Role iam.Role
	// Policy holds its permissions: the registry login and the pushes to the repository.
	Policy iam.ManagedPolicy
}

// NewPushRole creates the role, or returns every problem with props.
//
// The trust names the account and, in a condition on aws:PrincipalArn, the one role of it that
// may assume this one: a condition, not that role as the principal, because IAM refuses a trust
// policy whose principal role does not exist yet, and the two accounts deploy independently.
func NewPushRole(scope constructs.Construct, id string, props PushRoleProps) (*PushRole, error) {
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("registry push role %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	trusted := roleArns(scope, props.TrustedAccount, props.TrustedRoleName)
	role := iam.NewRole(this, jsii.String("Role"), &iam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String(fmt.Sprintf("Pushes images to %s for %s only", *props.Repository.RepositoryName(), trusted[0])),
		AssumedBy:   assumableBy(props.TrustedAccount, trusted),
	})
	policy := iam.NewManagedPolicy(this, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Push images to %s", *props.Repository.RepositoryName())),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("RegistryLogin"),
				Actions: jsii.Strings("ecr:GetAuthorizationToken"), Resources: jsii.Strings("*")}),
			iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("PushImages"),
				Actions: jsii.Strings(PushActions...), Resources: &[]*string{props.Repository.RepositoryArn()}}),
		},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"), AppliesTo: &[]any{jsii.String("Resource::*")},
		Reason: jsii.String("ecr:GetAuthorizationToken has no resource-level permissions (AWS requires Resource \"*\"); it only " +
			"issues the registry login token, and the pushes stay limited to the one repository."),
	}}, jsii.Bool(false))
	return &PushRole{Construct: this, Role: role, Policy: policy}, nil
}

// ReadActions are what a release's scan gate and replication wait call: an image's scan status and
// findings, and whether an image is in a repository.
var ReadActions = []string{"ecr:DescribeImageScanFindings", "ecr:DescribeImages"}

// ReadRole is a role that the release's scan gate and replication wait, roles of another account,
// assume to read what ECR knows of the environment's released images, and that can do nothing
// else: it can neither push nor pull an image.
type ReadRole struct {
	constructs.Construct

	// Role is the role, named RoleName.
	Role iam.Role
	// Policy holds its permissions: ReadActions on the repositories in the regions.
	Policy iam.ManagedPolicy
}

// NewReadRole creates the role, or returns every problem with props. Its trust is a PushRole's,
// for each of TrustedRoleNames.
func NewReadRole(scope constructs.Construct, id string, props ReadRoleProps) (*ReadRole, error) {
	if err := props.validate(); err != nil {
		return nil, fmt.Errorf("registry read role %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(scope)
	role := iam.NewRole(this, jsii.String("Role"), &iam.RoleProps{
		RoleName:    jsii.String(props.RoleName),
		Description: jsii.String("Reads the scan findings and presence of the released images, for the release pipelines only"),
		AssumedBy:   assumableBy(props.TrustedAccount, roleArns(scope, props.TrustedAccount, props.TrustedRoleNames...)),
	})
	var repositories []string
	for _, region := range props.Regions {
		for _, name := range props.Repositories {
			repositories = append(repositories, fmt.Sprintf("arn:%s:ecr:%s:%s:repository/%s", *stack.Partition(), region, *stack.Account(), name))
		}
	}
	policy := iam.NewManagedPolicy(this, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Read the released images' scan findings and presence"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("ReadImages"),
			Actions: jsii.Strings(ReadActions...), Resources: jsii.Strings(repositories...)})},
	})
	return &ReadRole{Construct: this, Role: role, Policy: policy}, nil
}

// roleArns are the ARNs of account's roles named names, in scope's partition.
func roleArns(scope constructs.Construct, account string, names ...string) []string {
	partition := *awscdk.Stack_Of(scope).Partition()
	arns := make([]string, len(names))
	for i, name := range names {
		arns[i] = bootstrap.Arn(partition, account, name)
	}
	return arns
}

// assumableBy is the principal of a role that only the roles roleArns of account may assume: the
// account, with a condition on aws:PrincipalArn (see NewPushRole).
func assumableBy(account string, roleArns []string) iam.IPrincipal {
	var principal any = roleArns[0]
	if len(roleArns) > 1 {
		principal = roleArns
	}
	return iam.NewPrincipalWithConditions(iam.NewAccountPrincipal(jsii.String(account)), &map[string]any{
		"ArnEquals": map[string]any{"aws:PrincipalArn": principal},
	})
}
