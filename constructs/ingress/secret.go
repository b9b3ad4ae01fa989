package ingress

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
	"github.com/stratus-platform/stratus/constructs/rotation"
)

// secretLength is long enough that guessing is hopeless, alphanumeric so it travels in an HTTP
// header untouched.
const secretLength = 64

// OriginSecret is the shared secret CloudFront sends in a custom header and the ALB checks,
// generated in the primary region and replicated, under the same name, to the others.
type OriginSecret struct {
	constructs.Construct

	// Secret is the primary copy. Reference its value with HeaderValue(name), not through Secret,
	// so other regions and the Edge stack need no cross-region reference.
	Secret sm.ISecret
	// Key encrypts the primary copy (the given key, or the one created here).
	Key kms.IKey
	// Rotation rotates the secret, or is nil when RotationDays is 0; alarm on its function's errors.
	Rotation *rotation.Rotator
}

// Tag marks resource (the CfnLoadBalancer of an ALB or the CfnDistribution of a CloudFront
// distribution: tagging the L2 would tag its listeners too, which take no tags) as one that uses
// the origin secret named secretName, so the secret's rotation finds and updates it.
func Tag(resource constructs.IConstruct, secretName string) {
	awscdk.Tags_Of(resource).Add(jsii.String(rotation.OriginTagKey), jsii.String(secretName), nil)
}

// HeaderValue returns the CloudFormation dynamic reference that resolves, at deploy time, to the
// value of the secret named secretName in the stack's region (the primary or a replica). It is
// a plain string, so the secret never appears in a template and no cross-region reference exists.
func HeaderValue(secretName string) *string {
	return jsii.String(fmt.Sprintf("{{resolve:secretsmanager:%s:SecretString:::}}", secretName))
}

// NewOriginSecret generates the origin secret and its replicas, or returns every problem with props.
func NewOriginSecret(scope constructs.Construct, id string, props OriginSecretProps) (*OriginSecret, error) {
	if err := props.validate(concreteRegion(scope)); err != nil {
		return nil, fmt.Errorf("origin secret %s: invalid props:\n%w", id, err)
	}

	this := constructs.NewConstruct(scope, jsii.String(id))
	o := &OriginSecret{Construct: this, Key: props.Key}
	if o.Key == nil {
		o.Key = kms.NewKey(this, jsii.String("Key"), &kms.KeyProps{
			Description:       jsii.String(fmt.Sprintf("Encrypts the origin secret %s", props.Name)),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}

	replicas := make([]*sm.ReplicaRegion, len(props.ReplicaRegions))
	for i, r := range props.ReplicaRegions {
		replicas[i] = &sm.ReplicaRegion{Region: jsii.String(r.Region), EncryptionKey: r.Key}
	}

	description := "Shared secret CloudFront sends to the regional ALBs in a custom origin header; the ALBs answer 403 without it"
	if props.AuthorizerChecks {
		description = "Shared secret CloudFront sends to the regional HTTP APIs in a custom origin header; their authorizer refuses requests without it"
	}
	o.Secret = sm.NewSecret(this, jsii.String("Secret"), &sm.SecretProps{
		SecretName:  jsii.String(props.Name),
		Description: jsii.String(description),
		GenerateSecretString: &sm.SecretStringGenerator{
			PasswordLength:     jsii.Number(secretLength),
			ExcludePunctuation: jsii.Bool(true),
			IncludeSpace:       jsii.Bool(false),
		},
		EncryptionKey:  o.Key,
		ReplicaRegions: &replicas,
		RemovalPolicy:  awscdk.RemovalPolicy_RETAIN,
	})
	if props.RotationDays > 0 {
		regions := []string{concreteRegion(scope)}
		for _, r := range props.ReplicaRegions {
			regions = append(regions, r.Region)
		}
		// The rotation's log group is encrypted with the secret's key (a given key must already allow it).
		keys.AllowCloudWatchLogs(o.Key)
		header := props.HeaderName
		if header == "" {
			header = DefaultHeaderName
		}
		r, err := rotation.NewRotator(this, "Rotation", rotation.RotatorProps{
			Kind: rotation.Origin, Secret: o.Secret, SecretKey: o.Key, Days: props.RotationDays, Regions: regions,
			TagValue: props.Name, HeaderName: header, AuthorizerChecks: props.AuthorizerChecks,
		})
		if err != nil {
			return nil, fmt.Errorf("origin secret %s: %w", id, err)
		}
		o.Rotation = r
	} else {
		o.acceptByDesign()
	}
	return o, nil
}

// concreteRegion is the region of scope's stack, or "" when the stack is region-agnostic.
func concreteRegion(scope constructs.Construct) string {
	region := awscdk.Stack_Of(scope).Region()
	if region == nil || *awscdk.Token_IsUnresolved(region) {
		return ""
	}
	return *region
}
