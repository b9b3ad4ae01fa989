package stacks

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stratus-platform/stratus/config"
)

// TestAStackOverTheResourceLimitNamesTheKeysThatFillIt: aws-cdk-lib names the stack; the error
// adds the environment's file and the keys whose entries fill a stack of that kind.
func TestAStackOverTheResourceLimitNamesTheKeysThatFillIt(t *testing.T) {
	envs := []*config.Environment{{Name: "dev", File: "config/dev.yaml"}, {Name: "prod", File: "config/prod.yaml"}}
	over := func(stack string) error {
		return errors.New("TooManyResourcesInStack: Number of resources in stack '" + stack + "': 521 is greater than allowed maximum of 500: AWS::EC2::SecurityGroupIngress (200)")
	}
	for _, tc := range []struct{ stack, want string }{
		{"Dev/Network-us-east-1", "config/dev.yaml: services[] (a security group and its rules each) fill its Network stacks: declare fewer"},
		{"Prod/Integration-eu-west-1", "config/prod.yaml: queues[] and topics[] fill its Integration stacks: declare fewer"},
		{"Prod/App-us-east-1", "config/prod.yaml: services[] (target groups, listener rules and alarms each) fill its App stacks: declare fewer"},
	} {
		assert.Equal(t, over(tc.stack).Error()+"\n"+tc.want, withFillers(over(tc.stack), envs, nil).Error(), tc.stack)
	}
	for _, stack := range []string{"Stratus-Release", "Staging/Network-us-east-1", "Dev/Governance-us-east-1"} {
		assert.Equal(t, over(stack).Error(), withFillers(over(stack), envs, nil).Error(), "%s: no hint to give", stack)
	}
	other := errors.New("ValidationError: something else")
	assert.Equal(t, other, withFillers(other, envs, nil))
}

// TestAnOversizedTemplateNamesTheKeysThatFillIt: the size check names the stack; the error adds
// the environment's file and the keys that fill a stack of that kind.
func TestAnOversizedTemplateNamesTheKeysThatFillIt(t *testing.T) {
	envs := []*config.Environment{{Name: "prod", File: "config/prod.yaml"}}
	err := errors.New("stack Prod-App-us-east-1: its template is 1000001 bytes, over the 1000000 CloudFormation accepts: …")
	assert.Equal(t, err.Error()+"\nconfig/prod.yaml: services[] (target groups, listener rules and alarms each) fill its App stacks: declare fewer",
		withFillers(err, envs, nil).Error())
	release := errors.New("stack Stratus-Release-product: its template is 1227625 bytes, over the 1000000 CloudFormation accepts")
	assert.Equal(t, release, withFillers(release, envs, nil), "not a stack of an environment, and no delivery file")
	delivery := &config.Delivery{File: "config/delivery.yaml", Releases: map[string]config.Release{"product": {}, "product-api": {}}}
	assert.Equal(t, release.Error()+"\nconfig/delivery.yaml: releases[\"product\"]: its commands and the environments it deploys fill its Stratus-Release-product stack: shorten the commands",
		withFillers(release, envs, delivery).Error(), "the release whose stack it is, not product-api")
	shared := errors.New("stack Stratus-Release: its template is 1227625 bytes, over the 1000000 CloudFormation accepts")
	assert.Equal(t, shared, withFillers(shared, envs, delivery), "the shared stack does not grow with releases")
}

// TestReleasePushRoleNamesFitIAM: IAM names a role with at most 64 characters; the longest
// environment (20) and service (31) names config allows would make 65.
func TestReleasePushRoleNamesFitIAM(t *testing.T) {
	assert.Equal(t, "stratus-prod-product-push", ReleasePushRoleName("prod", "product"))
	env, svc := strings.Repeat("e", 20), strings.Repeat("s", 31)
	long := ReleasePushRoleName(env, svc)
	assert.Len(t, long, 64)
	assert.True(t, strings.HasPrefix(long, "stratus-"+env+"-"), long)
	assert.Equal(t, long, ReleasePushRoleName(env, svc), "the same name every time: the release pipeline computes it too")
	assert.NotEqual(t, long, ReleasePushRoleName(env, svc[:30]+"t"), "two long names that share their start still differ")
	assert.LessOrEqual(t, len(ReleasePushRoleName(env, svc[:30])), 64)
}
