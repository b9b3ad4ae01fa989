package stacks

import (
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	ecs "github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	ssm "github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/config"
	"github.com/stratus-platform/stratus/constructs/service"
	"github.com/stratus-platform/stratus/internal/bootstrap"
	"github.com/stratus-platform/stratus/internal/naming"
)

// The image a service pulling its own repository runs lives in an SSM parameter per environment,
// region and service (docs/release.md, "Image promotion"), not in its Service stack's template:
//
//   - the Registry stack creates the parameter with the config's image (`image:`, a tag);
//   - the Service stack reads it as a CloudFormation parameter of type
//     AWS::SSM::Parameter::Value<String>, which CloudFormation resolves again on every update;
//   - a release writes the parameter (repository@sha256:digest) and updates the Service stack with
//     its previous template, so CloudFormation runs the ECS deployment with its strategy and alarms.
//
// A platform deploy with the same config changes neither template, so it never rolls a release
// back; changing `image:` in config is an explicit release of that tag (the parameter resource's
// Value changes, so CloudFormation writes it), which the next platform deploy rolls out.

// ImageParameterName is the SSM parameter holding the image service svc of env runs (in every
// region, the region's own parameter).
func ImageParameterName(env, svc string) string { return fmt.Sprintf("/stratus/%s/%s/image", env, svc) }

// RepositoryURI is the URI of service svc's repository of env in account and region.
func RepositoryURI(account, region, env, svc string) string {
	return fmt.Sprintf("%s.dkr.ecr.%s.amazonaws.com/%s/%s", account, region, env, svc)
}

// addImageParameters adds to a Registry stack the image parameter of every service pulling its
// own repository, and the grants the region's CDK deploy role needs to resolve and release them
// and to resolve the services' deployment wiring.
func addImageParameters(r *RegistryStack, env *config.Environment, region config.Region) {
	var params, repos []string
	for _, s := range env.Services {
		if !s.PullsOwnRepository() {
			continue
		}
		repo := r.Repositories[s.Name].Repository
		uri := RepositoryURI(env.Account, region.Name, env.Name, s.Name)
		p := ssm.NewCfnParameter(r.Stack, jsii.String(naming.Pascal(s.Name)+"ImageParameter"), &ssm.CfnParameterProps{
			Name:  jsii.String(ImageParameterName(env.Name, s.Name)),
			Type:  jsii.String("String"),
			Value: jsii.String(uri + ":" + s.Image),
			// Only this service's own repository, by tag or digest: a release cannot point the
			// service at another registry.
			AllowedPattern: jsii.String("^" + regexp.QuoteMeta(uri) + `(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$`),
			Description: jsii.String(fmt.Sprintf("The image %s runs in %s (config sets it on creation and when `image:` changes; "+
				"the release pipeline sets the digest it released)", s.Name, region.Name)),
		})
		// Tags would make a change of the environment's tags rewrite the Value (a rollback).
		p.AddPropertyDeletionOverride(jsii.String("Tags"))
		p.Node().AddDependency(repo)
		// The Service stack no longer reads the repository's name; the export stays so a deployed
		// Service stack that still imports it does not block this stack's update.
		r.Stack.ExportValue(repo.RepositoryName(), nil)
		params = append(params, parameterArn(region.Name, env.Account, ImageParameterName(env.Name, s.Name)))
		repos = append(repos, *repo.RepositoryArn())
	}
	// CloudFormation resolves a stack's SSM parameters with the caller's credentials: the
	// platform pipeline and `cdk deploy` call it as this role, whose bootstrap policy reads only
	// the bootstrap version. The Service stacks read their image and, behind the load balancer,
	// their deployment wiring (written by the App stack, deployment.go).
	var statements []iam.PolicyStatement
	if !env.UsesAPI() {
		var wiring []string
		for _, s := range env.Services {
			wiring = append(wiring, parameterArn(region.Name, env.Account, DeploymentParameterName(env.Name, s.Name)))
		}
		statements = append(statements, resolveParameters("ResolveDeployments", wiring))
	}
	if len(params) > 0 {
		statements = append(statements,
			resolveParameters("ResolveImages", params),
			// The release pipeline, through the bootstrap trust.
			iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("ReleaseImages"),
				Actions: jsii.Strings("ssm:PutParameter"), Resources: jsii.Strings(params...)}),
			// The deploy checks that the image is in the region; the scan gate reads the findings
			// as the release's read role (NewRegistryStack), not as this one.
			iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("ReadImages"),
				Actions: jsii.Strings("ecr:DescribeImages"), Resources: jsii.Strings(repos...)}),
			// The release moves the region's live tag to the image it deployed (registry.LiveTag):
			// it reads the image's manifest and puts it under that tag.
			iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String("MarkLiveImages"),
				Actions: jsii.Strings("ecr:BatchGetImage", "ecr:PutImage"), Resources: jsii.Strings(repos...)}))
	}
	if len(statements) == 0 {
		return
	}
	// The release build pushes as the service's push role (NewRegistryStack), never as this one.
	deployRolePolicy(r.Stack, env, region.Name, "ReleaseAccess",
		"the CDK deploy role resolves the services' parameters, and the release pipeline sets their images", statements)
}

// serviceImage is the image of service s in stack: its parameter, resolved on every stack
// update, when s pulls its own repository; else the config's full reference, as written.
func serviceImage(stack awscdk.Stack, env *config.Environment, s config.Service) ecs.ContainerImage {
	if !s.PullsOwnRepository() {
		return ecs.ContainerImage_FromRegistry(jsii.String(s.Image), nil)
	}
	param := awscdk.NewCfnParameter(stack, jsii.String(ImageParameterID(s.Name)), &awscdk.CfnParameterProps{
		Type:        jsii.String("AWS::SSM::Parameter::Value<String>"),
		Default:     jsii.String(ImageParameterName(env.Name, s.Name)),
		Description: jsii.String("The SSM parameter naming the image this service runs (set by releases; docs/release.md)"),
	})
	return ecs.ContainerImage_FromRegistry(param.ValueAsString(), nil)
}

// ImageParameterID is the logical id of service svc's image parameter in its Service stack.
func ImageParameterID(svc string) string { return naming.Pascal(svc) + "Image" }

// grantImagePull lets service s's execution role pull its own repository (an image from a
// parameter carries no grant of its own).
func grantImagePull(svc *service.Service, s config.Service, registry *RegistryStack) {
	if s.PullsOwnRepository() {
		registry.Repositories[s.Name].Repository.GrantPull(svc.ExecutionRole)
	}
}

// parameterArn is the ARN of the SSM parameter name in region of account ("" for AWS's public
// parameters, such as the Amazon Linux AMIs').
func parameterArn(region, account, name string) string {
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter%s", region, account, name)
}

// resolveParameters lets CloudFormation, called as the deploy role, resolve the parameters arns:
// it reads a stack's AWS::SSM::Parameter::Value parameters with the caller's credentials, and the
// bootstrap's policy reads only its version.
func resolveParameters(sid string, arns []string) iam.PolicyStatement {
	return iam.NewPolicyStatement(&iam.PolicyStatementProps{Sid: jsii.String(sid),
		Actions: jsii.Strings("ssm:GetParameter", "ssm:GetParameters"), Resources: jsii.Strings(arns...)})
}

// deployRolePolicy attaches statements to env's CDK bootstrap deploy role of region, in a
// managed policy id of stack, which must deploy before the stacks that need them.
func deployRolePolicy(stack awscdk.Stack, env *config.Environment, region, id, what string, statements []iam.PolicyStatement) iam.ManagedPolicy {
	deploy := iam.Role_FromRoleName(stack, jsii.String("CdkDeployRole"), jsii.String(bootstrap.RoleName(stack, "deploy", env.Account, region)), nil)
	return iam.NewManagedPolicy(stack, jsii.String(id), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Stratus %s: %s, in %s", env.Name, what, region)),
		Roles:       &[]iam.IRole{deploy},
		Statements:  &statements,
	})
}
