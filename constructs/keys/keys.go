// Package keys provides the platform's customer-managed KMS keys: NewKey (rotating, retained),
// AllowCloudWatchLogs (the key-policy grant encrypted log groups need), and RegionalKey: a key,
// with a fixed alias, that other regions of the same environment can name without a cross-region
// reference — e.g. as the key of a Secrets Manager replica created from the primary region.
package keys

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// RegionalKeyProps configures a RegionalKey.
type RegionalKeyProps struct {
	// Alias is the key's alias without the "alias/" prefix, e.g. "stratus/prod/secrets". It must be
	// the same in every region, so a stack in another region can build the alias ARN by convention.
	Alias string
	// Description says what the key protects.
	// Default: "Stratus regional key for <Alias>".
	Description string
}

// RegionalKey is a rotating, retained KMS key that Secrets Manager in this account and region may
// use, with an alias other regions can name.
type RegionalKey struct {
	constructs.Construct
	Key kms.IKey
	// AliasName is "alias/<Alias>".
	AliasName string
}

var aliasPattern = regexp.MustCompile(`^[a-zA-Z0-9/_-]{1,250}$`)

// NewRegionalKey creates the key and its alias, or returns every problem with props.
func NewRegionalKey(scope constructs.Construct, id string, props RegionalKeyProps) (*RegionalKey, error) {
	var errs []error
	if !aliasPattern.MatchString(props.Alias) {
		errs = append(errs, fmt.Errorf("Alias %q must be 1-250 characters of a-z, A-Z, 0-9, /, _ and -", props.Alias))
	} else if len(props.Alias) >= 4 && props.Alias[:4] == "aws/" {
		errs = append(errs, fmt.Errorf("Alias %q: the aws/ prefix is reserved for AWS managed keys", props.Alias))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("regional key %s: invalid props:\n%w", id, err)
	}
	if props.Description == "" {
		props.Description = "Stratus regional key for " + props.Alias
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	stack := awscdk.Stack_Of(this)
	key := kms.NewKey(this, jsii.String("Key"), &kms.KeyProps{
		Description:       jsii.String(props.Description),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		Alias:             jsii.String("alias/" + props.Alias),
	})
	// Secrets Manager encrypts replicas with the key on the account's behalf; limit it to calls
	// that come through Secrets Manager in this account and region.
	key.AddToResourcePolicy(iam.NewPolicyStatement(&iam.PolicyStatementProps{
		Sid:        jsii.String("AllowSecretsManagerInThisAccount"),
		Principals: &[]iam.IPrincipal{iam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{
				"kms:CallerAccount": stack.Account(),
				"kms:ViaService":    fmt.Sprintf("secretsmanager.%s.amazonaws.com", *stack.Region()),
			},
		},
	}), nil)
	return &RegionalKey{Construct: this, Key: key, AliasName: "alias/" + props.Alias}, nil
}

// AliasArn is the ARN of alias in another region of the same account, for use by convention.
func AliasArn(partition, region, account, alias string) string {
	return fmt.Sprintf("arn:%s:kms:%s:%s:alias/%s", partition, region, account, alias)
}
