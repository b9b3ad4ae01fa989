package servicetls

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	acmpca "github.com/aws/aws-cdk-go/awscdk/v2/awsacmpca"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/constructs/keys"
)

// Values AWS Private CA and ECS Service Connect fix.
const (
	keyAlgorithm     = "EC_prime256v1"
	signingAlgorithm = "SHA256WITHECDSA"
	// EndEntityTemplate is the only template the role may issue with: leaf certificates, never CAs.
	EndEntityTemplate = "arn:aws:acm-pca:::template/EndEntityCertificate/V1"
	rootTemplate      = "arn:aws:acm-pca:::template/RootCACertificate/V1"
	// secretPrefix starts the names of the secrets ECS creates for the private keys.
	secretPrefix = "ecs-sc!"
)

// Authority is one region's Service Connect TLS issuer.
type Authority struct {
	constructs.Construct

	// CertificateAuthority is the root CA (short-lived certificate mode, tagged AmazonECSManaged).
	CertificateAuthority acmpca.CfnCertificateAuthority
	// Activation installs the CA's certificate; the CA issues nothing before it exists.
	Activation acmpca.CfnCertificateAuthorityActivation
	// Key encrypts the private keys ECS keeps in Secrets Manager.
	Key kms.IKey
	// Role is the ECS infrastructure role that issues the certificates and stores their keys.
	Role iam.IRole
}

// AuthorityArn is the CA's ARN, for ServiceConnectTlsConfiguration.
func (a *Authority) AuthorityArn() *string { return a.CertificateAuthority.AttrArn() }

// NewAuthority builds the CA, its certificate and activation, the key and the role, or returns
// every problem with props.
func NewAuthority(scope constructs.Construct, id string, props AuthorityProps) (*Authority, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("service TLS authority %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	a := &Authority{Construct: this}

	ca := acmpca.NewCfnCertificateAuthority(this, jsii.String("CertificateAuthority"), &acmpca.CfnCertificateAuthorityProps{
		Type: jsii.String("ROOT"), KeyAlgorithm: jsii.String(keyAlgorithm), SigningAlgorithm: jsii.String(signingAlgorithm),
		Subject:   &acmpca.CfnCertificateAuthority_SubjectProperty{CommonName: jsii.String(p.CommonName), Organization: jsii.String(p.Organization)},
		UsageMode: jsii.String("SHORT_LIVED_CERTIFICATE"),
		// ECS uses only CAs with this tag.
		Tags: &[]*awscdk.CfnTag{{Key: jsii.String("AmazonECSManaged"), Value: jsii.String("true")}},
	})
	cert := acmpca.NewCfnCertificate(this, jsii.String("CaCertificate"), &acmpca.CfnCertificateProps{
		CertificateAuthorityArn:   ca.AttrArn(),
		CertificateSigningRequest: ca.AttrCertificateSigningRequest(),
		SigningAlgorithm:          jsii.String(signingAlgorithm),
		TemplateArn:               jsii.String(rootTemplate),
		Validity:                  &acmpca.CfnCertificate_ValidityProperty{Type: jsii.String("YEARS"), Value: jsii.Number(float64(p.ValidityYears))},
	})
	a.Activation = acmpca.NewCfnCertificateAuthorityActivation(this, jsii.String("Activation"), &acmpca.CfnCertificateAuthorityActivationProps{
		CertificateAuthorityArn: ca.AttrArn(), Certificate: cert.AttrCertificate(), Status: jsii.String("ACTIVE"),
	})
	a.CertificateAuthority = ca
	a.Key = keys.NewKey(this, "Key", "Encrypts the private keys of the Service Connect TLS certificates")
	a.buildRole()
	return a, nil
}

// buildRole creates the infrastructure role with what ECS needs for Service Connect TLS, on
// this CA, this key and the secrets ECS creates, and nothing else: the AWS managed policy
// grants the same actions on every CA tagged AmazonECSManaged and every ecs-sc! secret.
func (a *Authority) buildRole() {
	stack := awscdk.Stack_Of(a.Construct)
	role := iam.NewRole(a.Construct, jsii.String("Role"), &iam.RoleProps{
		Description: jsii.String("ECS issues and rotates the Service Connect TLS certificates of this region's services with it"),
		AssumedBy: iam.NewServicePrincipal(jsii.String("ecs.amazonaws.com"), &iam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
	})
	secrets := jsii.String(fmt.Sprintf("arn:%s:secretsmanager:%s:%s:secret:%s*", *stack.Partition(), *stack.Region(), *stack.Account(), secretPrefix))
	ecsCreated := map[string]any{"ArnLike": map[string]any{"aws:RequestTag/AmazonECSCreated": []string{
		fmt.Sprintf("arn:%s:ecs:%s:%s:service/*/*", *stack.Partition(), *stack.Region(), *stack.Account()),
		fmt.Sprintf("arn:%s:ecs:%s:%s:task-set/*/*", *stack.Partition(), *stack.Region(), *stack.Account()),
	}}, "StringEquals": map[string]any{"aws:RequestTag/AmazonECSManaged": "true"}}
	statement := func(actions []string, resources []*string, conditions map[string]any) iam.PolicyStatement {
		props := &iam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &resources}
		if conditions != nil {
			props.Conditions = &conditions
		}
		return iam.NewPolicyStatement(props)
	}
	ca := a.CertificateAuthority.AttrArn()
	policy := iam.NewManagedPolicy(a.Construct, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String("Service Connect TLS: issue certificates from this region's CA and keep their keys in Secrets Manager"),
		Roles:       &[]iam.IRole{role},
		Statements: &[]iam.PolicyStatement{
			statement([]string{"secretsmanager:CreateSecret", "secretsmanager:TagResource"}, []*string{secrets}, ecsCreated),
			statement([]string{"secretsmanager:UpdateSecret", "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue",
				"secretsmanager:DeleteSecret", "secretsmanager:RotateSecret", "secretsmanager:UpdateSecretVersionStage"},
				[]*string{secrets}, map[string]any{"StringEquals": map[string]any{"secretsmanager:ResourceTag/aws:secretsmanager:owningService": "ecs-sc"}}),
			statement([]string{"secretsmanager:DescribeSecret"}, []*string{secrets}, nil),
			statement([]string{"acm-pca:GetCertificate", "acm-pca:GetCertificateAuthorityCertificate", "acm-pca:DescribeCertificateAuthority"}, []*string{ca}, nil),
			statement([]string{"acm-pca:IssueCertificate"}, []*string{ca}, map[string]any{"StringEquals": map[string]any{"acm-pca:TemplateArn": EndEntityTemplate}}),
			statement([]string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair"}, []*string{a.Key.KeyArn()}, nil),
		},
	})
	acceptByDesign(policy)
	a.Role = role
}
