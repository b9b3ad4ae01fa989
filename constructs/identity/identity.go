// Package identity provides UserPool, the Cognito L3 of Stratus: a user pool with a strong
// password policy, MFA (optional or required), threat protection in full-function mode, a
// hosted domain, and one public app client for a single-page app (authorization code with PKCE,
// no client secret, no implicit flow).
package identity

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	cognito "github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/duration"
	"github.com/stratus-platform/stratus/internal/limits"
)

// UserPoolProps configures a UserPool.
type UserPoolProps struct {
	// DomainPrefix is the hosted domain's prefix: <DomainPrefix>.auth.<region>.amazoncognito.com.
	DomainPrefix string
	// CallbackUrls are where the hosted sign-in returns the SPA (https, except http://localhost).
	CallbackUrls []string
	// LogoutUrls are where sign-out returns it.
	// Default: CallbackUrls.
	LogoutUrls []string
	// MfaRequired makes every user set up a TOTP authenticator; otherwise MFA is optional and
	// threat protection asks for it on risky sign-ins.
	// Default: false.
	MfaRequired bool
	// PasswordMinLength is the shortest password accepted (upper and lower case, digits and
	// symbols are always required).
	// Default: 12.
	PasswordMinLength int
}

func (p UserPoolProps) withDefaults() UserPoolProps {
	if p.PasswordMinLength == 0 {
		p.PasswordMinLength = limits.DefaultPasswordLength
	}
	if len(p.LogoutUrls) == 0 {
		p.LogoutUrls = p.CallbackUrls
	}
	return p
}

func (p UserPoolProps) validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !limits.ValidCognitoDomainPrefix(p.DomainPrefix) {
		add("DomainPrefix %q must be %s", p.DomainPrefix, limits.CognitoDomainPrefixRule)
	}
	if len(p.CallbackUrls) == 0 {
		add("CallbackUrls is empty; the hosted sign-in needs somewhere to return to")
	}
	for key, urls := range map[string][]string{"CallbackUrls": p.CallbackUrls, "LogoutUrls": p.LogoutUrls} {
		for i, u := range urls {
			if !ValidRedirect(u) {
				add("%s[%d] %q must be an https URL (http only for localhost)", key, i, u)
			}
		}
	}
	if p.PasswordMinLength < limits.MinPasswordLength || p.PasswordMinLength > limits.MaxPasswordLength {
		add("PasswordMinLength %d is outside %d-%d", p.PasswordMinLength, limits.MinPasswordLength, limits.MaxPasswordLength)
	}
	return errors.Join(errs...)
}

// ValidRedirect reports whether u may be a sign-in redirect: https, or http to localhost.
func ValidRedirect(u string) bool {
	parsed, err := url.Parse(u)
	if err != nil || parsed.Host == "" || parsed.Fragment != "" {
		return false
	}
	return parsed.Scheme == "https" || (parsed.Scheme == "http" && parsed.Hostname() == "localhost")
}

// UserPool is the user pool, its hosted domain and the SPA's client.
type UserPool struct {
	constructs.Construct
	UserPool cognito.UserPool
	Client   cognito.UserPoolClient
	Domain   cognito.UserPoolDomain
}

// NewUserPool builds the pool, or returns every problem with props.
func NewUserPool(scope constructs.Construct, id string, props UserPoolProps) (*UserPool, error) {
	p := props.withDefaults()
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("user pool %s: invalid props:\n%w", id, err)
	}
	this := constructs.NewConstruct(scope, jsii.String(id))
	u := &UserPool{Construct: this}
	mfa := cognito.Mfa_OPTIONAL
	if p.MfaRequired {
		mfa = cognito.Mfa_REQUIRED
	}
	u.UserPool = cognito.NewUserPool(this, jsii.String("UserPool"), &cognito.UserPoolProps{
		SelfSignUpEnabled: jsii.Bool(true),
		SignInAliases:     &cognito.SignInAliases{Email: jsii.Bool(true)},
		AutoVerify:        &cognito.AutoVerifiedAttrs{Email: jsii.Bool(true)},
		AccountRecovery:   cognito.AccountRecovery_EMAIL_ONLY,
		Mfa:               mfa,
		MfaSecondFactor:   &cognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
		PasswordPolicy: &cognito.PasswordPolicy{
			MinLength: jsii.Number(float64(p.PasswordMinLength)), RequireDigits: jsii.Bool(true), RequireLowercase: jsii.Bool(true),
			RequireUppercase: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			TempPasswordValidity: duration.Days(3),
		},
		FeaturePlan:                  cognito.FeaturePlan_PLUS,
		StandardThreatProtectionMode: cognito.StandardThreatProtectionMode_FULL_FUNCTION,
		DeletionProtection:           jsii.Bool(true),
		RemovalPolicy:                awscdk.RemovalPolicy_RETAIN,
	})
	u.Domain = u.UserPool.AddDomain(jsii.String("Domain"), &cognito.UserPoolDomainOptions{
		CognitoDomain:       &cognito.CognitoDomainOptions{DomainPrefix: jsii.String(p.DomainPrefix)},
		ManagedLoginVersion: cognito.ManagedLoginVersion_NEWER_MANAGED_LOGIN,
	})
	// A public client: a browser cannot keep a secret, so the code exchange is bound by PKCE
	// (which Cognito requires of clients without a secret for the code grant).
	u.Client = u.UserPool.AddClient(jsii.String("SpaClient"), &cognito.UserPoolClientOptions{
		GenerateSecret:             jsii.Bool(false),
		AuthFlows:                  &cognito.AuthFlow{UserSrp: jsii.Bool(true)},
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        duration.Hours(1),
		IdTokenValidity:            duration.Hours(1),
		RefreshTokenValidity:       duration.Days(30),
		OAuth: &cognito.OAuthSettings{
			Flows:        &cognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true), ImplicitCodeGrant: jsii.Bool(false)},
			Scopes:       &[]cognito.OAuthScope{cognito.OAuthScope_OPENID(), cognito.OAuthScope_EMAIL(), cognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(p.CallbackUrls...),
			LogoutUrls:   jsii.Strings(p.LogoutUrls...),
		},
		SupportedIdentityProviders: &[]cognito.UserPoolClientIdentityProvider{cognito.UserPoolClientIdentityProvider_COGNITO()},
	})
	if !p.MfaRequired {
		cdknag.NagSuppressions_AddResourceSuppressions(u.UserPool.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-COG2"),
			Reason: jsii.String("MFA is optional by the environment's choice (users.mfa); every user may enrol a TOTP " +
				"authenticator, and threat protection in full-function mode asks for MFA on risky sign-ins and blocks compromised credentials."),
		}}, jsii.Bool(false))
	}
	return u, nil
}
