package servicetls

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

type synthesized struct {
	dir   string
	stack awscdk.Stack
	out   *Authority
}

var fixture cdktest.Once[*synthesized]

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "servicetls-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, stack: cdktest.NewStack(app, "Tls", "us-east-1")}
		var err error
		s.out, err = NewAuthority(s.stack, "ServiceTls", AuthorityProps{CommonName: "Stratus prod services us-east-1"})
		return s, err
	})
}

func TestTheCaIsAShortLivedRootTaggedForEcs(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).stack)
	caID, ca := cdktest.Only(t, tpl, "AWS::ACMPCA::CertificateAuthority")
	assert.Equal(t, map[string]any{
		"Type": "ROOT", "KeyAlgorithm": "EC_prime256v1", "SigningAlgorithm": "SHA256WITHECDSA",
		"Subject":   map[string]any{"CommonName": "Stratus prod services us-east-1", "Organization": "Stratus"},
		"UsageMode": "SHORT_LIVED_CERTIFICATE",
		"Tags":      []any{map[string]any{"Key": "AmazonECSManaged", "Value": "true"}},
	}, cdktest.Props(t, ca))

	certID, cert := cdktest.Only(t, tpl, "AWS::ACMPCA::Certificate")
	caArn := map[string]any{"Fn::GetAtt": []any{caID, "Arn"}}
	assert.Equal(t, map[string]any{
		"CertificateAuthorityArn":   caArn,
		"CertificateSigningRequest": map[string]any{"Fn::GetAtt": []any{caID, "CertificateSigningRequest"}},
		"SigningAlgorithm":          "SHA256WITHECDSA",
		"TemplateArn":               "arn:aws:acm-pca:::template/RootCACertificate/V1",
		"Validity":                  map[string]any{"Type": "YEARS", "Value": 10.0},
	}, cdktest.Props(t, cert), "a self-signed root certificate")
	_, act := cdktest.Only(t, tpl, "AWS::ACMPCA::CertificateAuthorityActivation")
	assert.Equal(t, map[string]any{
		"CertificateAuthorityArn": caArn, "Certificate": map[string]any{"Fn::GetAtt": []any{certID, "Certificate"}}, "Status": "ACTIVE",
	}, cdktest.Props(t, act))

	_, key := cdktest.Only(t, tpl, "AWS::KMS::Key")
	assert.Equal(t, true, cdktest.Props(t, key)["EnableKeyRotation"])
}

func TestTheRoleMayIssueOnlyLeafCertificatesFromThisCa(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).stack)
	caID, _ := cdktest.Only(t, tpl, "AWS::ACMPCA::CertificateAuthority")
	keyID, _ := cdktest.Only(t, tpl, "AWS::KMS::Key")
	roleID, role := cdktest.Only(t, tpl, "AWS::IAM::Role")
	assert.Equal(t, "ecs.amazonaws.com", cdktest.Path[string](t, role, "Properties", "AssumeRolePolicyDocument", "Statement", "0", "Principal", "Service"))
	assert.NotContains(t, cdktest.Props(t, role), "Policies", "no inline policy")
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")

	_, policy := cdktest.Only(t, tpl, "AWS::IAM::ManagedPolicy")
	assert.Equal(t, []any{map[string]any{"Ref": roleID}}, cdktest.Path[[]any](t, policy, "Properties", "Roles"))
	byAction := map[string]map[string]any{}
	for _, s := range cdktest.Path[[]any](t, policy, "Properties", "PolicyDocument", "Statement") {
		st := s.(map[string]any)
		actions, ok := st["Action"].([]any)
		if !ok {
			actions = []any{st["Action"]}
		}
		for _, a := range actions {
			byAction[a.(string)] = st
		}
	}
	caArn := map[string]any{"Fn::GetAtt": []any{caID, "Arn"}}
	issue := byAction["acm-pca:IssueCertificate"]
	require.NotNil(t, issue)
	assert.Equal(t, caArn, issue["Resource"], "issue from this CA only")
	assert.Equal(t, map[string]any{"StringEquals": map[string]any{"acm-pca:TemplateArn": "arn:aws:acm-pca:::template/EndEntityCertificate/V1"}},
		issue["Condition"], "end-entity certificates only, never a CA")
	for _, a := range []string{"acm-pca:GetCertificate", "acm-pca:GetCertificateAuthorityCertificate", "acm-pca:DescribeCertificateAuthority"} {
		assert.Equal(t, caArn, byAction[a]["Resource"], a)
	}
	for _, a := range []string{"kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyPair"} {
		assert.Equal(t, map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}}, byAction[a]["Resource"], a)
	}
	for _, a := range []string{"secretsmanager:CreateSecret", "secretsmanager:GetSecretValue", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret"} {
		assert.Regexp(t, `^arn:aws:secretsmanager:us-east-1:[0-9]{12}:secret:ecs-sc!\*$`, cdktest.Path[string](t, byAction[a], "Resource"),
			"%s: only the secrets ECS creates for the keys, in this account and region", a)
	}
	assert.Contains(t, byAction["secretsmanager:CreateSecret"]["Condition"], "ArnLike", "created only with ECS's own tags")
	assert.Len(t, byAction, 17, "nothing else")
}

func TestInvalidPropsAreRejected(t *testing.T) {
	cdktest.Rejects(t, func() AuthorityProps { return AuthorityProps{CommonName: "ca"} },
		func(p AuthorityProps) error { return p.withDefaults().validate() }, []cdktest.Invalid[AuthorityProps]{
			{Name: "no common name", Mutate: func(p *AuthorityProps) { p.CommonName = "" }, Want: `CommonName "" must be 1-64 characters`},
			{Name: "a long common name", Mutate: func(p *AuthorityProps) { p.CommonName = strings.Repeat("c", 65) }, Want: "must be 1-64 characters"},
			{Name: "a long organization", Mutate: func(p *AuthorityProps) { p.Organization = strings.Repeat("o", 65) }, Want: "must be at most 64 characters"},
			{Name: "a validity out of range", Mutate: func(p *AuthorityProps) { p.ValidityYears = 31 }, Want: "ValidityYears 31 is outside 1-30"},
		})
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.stack)
}
