package service

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	sm "github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// localSecrets returns p with every secret that lives (or whose key lives) in another stack
// re-imported by ARN into this construct's stack. Granting on the other stack's objects would
// write this service's role ARNs into that stack's key policy (a kms:ViaService statement): a
// reference back to this stack, which makes a dependency cycle when this stack already uses the
// other's exports (a Data stack's database secret, say). On the imports, the grants stay in this
// stack's role policies, where grantDecryptViaSecretsManager adds the key.
func (s *Service) localSecrets(p ServiceProps) ServiceProps {
	local := func(id string, secret sm.ISecret) sm.ISecret {
		if secret == nil || !s.foreign(secret) && (secret.EncryptionKey() == nil || !s.foreign(secret.EncryptionKey())) {
			return secret
		}
		attrs := &sm.SecretAttributes{}
		if full := secret.SecretFullArn(); full != nil {
			attrs.SecretCompleteArn = full
		} else {
			attrs.SecretPartialArn = secret.SecretArn() // imported by name: no random suffix known
		}
		if key := secret.EncryptionKey(); key != nil {
			attrs.EncryptionKey = kms.Key_FromKeyArn(s.Construct, jsii.String(id+"Key"), key.KeyArn())
		}
		return sm.Secret_FromSecretAttributes(s.Construct, jsii.String(id), attrs)
	}
	if p.Database != nil {
		db := *p.Database
		db.Secret = local("LocalDatabaseSecret", db.Secret)
		p.Database = &db
	}
	p.RedisAuthSecret = local("LocalRedisAuthSecret", p.RedisAuthSecret)
	if p.Adot != nil {
		adot := *p.Adot
		adot.OtlpSecret = local("LocalOtlpSecret", adot.OtlpSecret)
		p.Adot = &adot
	}
	secrets := make(map[string]SecretVariable, len(p.Secrets))
	for name, v := range p.Secrets {
		v.Secret = local("LocalSecret"+name, v.Secret)
		secrets[name] = v
	}
	p.Secrets = secrets
	readable := make([]sm.ISecret, len(p.ReadableSecrets))
	for i, secret := range p.ReadableSecrets {
		readable[i] = local(fmt.Sprintf("LocalReadableSecret%d", i), secret)
	}
	p.ReadableSecrets = readable
	return p
}

// foreign reports whether c belongs to a stack other than this construct's. jsii hands Go the
// same object for the same stack, so identity decides without reading paths (two calls each).
func (s *Service) foreign(c constructs.IConstruct) bool {
	return awscdk.Stack_Of(c) != s.stack
}
