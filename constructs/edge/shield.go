package edge

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsshield"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// ShieldProtectionProps configures one Shield Advanced protection made outside the Edge, in the
// stack that owns the resource: a regional ALB's ARN ends in a random id, so the App stack that
// creates the ALB protects it (no value crosses regions).
type ShieldProtectionProps struct {
	// Name names the protection: 1 to 128 letters, digits, spaces and _ . -.
	Name string
	// ResourceArn is the protected resource's ARN, e.g. an ALB's LoadBalancerArn().
	ResourceArn *string
}

var protectionName = regexp.MustCompile(`^[ a-zA-Z0-9_.-]{1,128}$`)

// NewShieldProtection creates an AWS::Shield::Protection (it needs an active Shield Advanced
// subscription), or returns every problem with props.
func NewShieldProtection(scope constructs.Construct, id string, props ShieldProtectionProps) (awsshield.CfnProtection, error) {
	var errs []error
	if !protectionName.MatchString(props.Name) {
		errs = append(errs, fmt.Errorf("Name %q must be 1 to 128 letters, digits, spaces and _ . -", props.Name))
	}
	if props.ResourceArn == nil {
		errs = append(errs, errors.New("ResourceArn is required"))
	} else if !unresolved(props.ResourceArn) && !arnPattern.MatchString(*props.ResourceArn) {
		errs = append(errs, fmt.Errorf("ResourceArn %q is not an ARN", *props.ResourceArn))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("shield protection %s: invalid props:\n%w", id, err)
	}
	return awsshield.NewCfnProtection(scope, jsii.String(id), &awsshield.CfnProtectionProps{
		Name: jsii.String(props.Name), ResourceArn: props.ResourceArn,
	}), nil
}
