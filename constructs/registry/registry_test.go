package registry

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stretchr/testify/assert"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	ecr "github.com/aws/aws-cdk-go/awscdk/v2/awsecr"
	kms "github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/cdktest"
)

// synthesized is the one app every test of this package reads: a stack with the defaults and
// replication, and a stack where every optional prop is set.
type synthesized struct {
	dir              string
	defaults, custom awscdk.Stack
}

var fixture cdktest.Once[*synthesized]

// TestMain removes the shared app's folder after the tests (KEEP_SYNTH=1 keeps it).
func TestMain(m *testing.M) { fixture.Main(m) }

func synth(t *testing.T) *synthesized {
	t.Helper()
	return fixture.Get(t, "registry-test", func(app awscdk.App, dir string) (*synthesized, error) {
		s := &synthesized{dir: dir, defaults: cdktest.NewStack(app, "Defaults", "us-east-1"), custom: cdktest.NewStack(app, "Custom", "us-east-1")}

		product, err := NewRepository(s.defaults, "Product", RepositoryProps{Name: "prod/product"})
		if err != nil {
			return nil, err
		}
		if _, err := NewPushRole(s.defaults, "ProductPush", PushRoleProps{
			RoleName: "stratus-prod-product-push", Repository: product.Repository,
			TrustedAccount: "999999999999", TrustedRoleName: "stratus-release-product-build",
		}); err != nil {
			return nil, err
		}
		if _, err := NewReplication(s.defaults, "Replication", ReplicationProps{
			DestinationRegions: []string{"eu-west-1", "us-west-2"}, RepositoryPrefixes: []string{"prod/"},
		}); err != nil {
			return nil, err
		}
		key := kms.NewKey(s.custom, jsii.String("SharedKey"), &kms.KeyProps{
			EnableKeyRotation: jsii.Bool(true), RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		if _, err := NewRepository(s.custom, "Order", RepositoryProps{Name: "staging/order-api", KeepTaggedImages: 10, Key: key}); err != nil {
			return nil, err
		}
		if _, err := NewReadRole(s.custom, "ReleaseRead", readRoleProps()); err != nil {
			return nil, err
		}
		return s, nil
	})
}

func TestRepositoryDefaultsAreSecure(t *testing.T) {
	tpl := assertions.Template_FromStack(synth(t).defaults, nil)
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::ECR::Repository"), jsii.Number(1))
		tpl.HasResource(jsii.String("AWS::ECR::Repository"), &map[string]any{
			"Properties": map[string]any{
				"RepositoryName":             "prod/product",
				"ImageScanningConfiguration": map[string]any{"ScanOnPush": true},
				// Every tag but the live ones is immutable.
				"ImageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
				"ImageTagMutabilityExclusionFilters": []any{map[string]any{
					"ImageTagMutabilityExclusionFilterType": "WILDCARD", "ImageTagMutabilityExclusionFilterValue": "live-*",
				}},
				"EncryptionConfiguration": map[string]any{
					"EncryptionType": "KMS",
					"KmsKey":         map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^ProductKey")), "Arn"}},
				},
				"EmptyOnDelete":        false,
				"RepositoryPolicyText": assertions.Match_Absent(),
			},
			"DeletionPolicy":      "Retain",
			"UpdateReplacePolicy": "Retain",
		})
		tpl.HasResource(jsii.String("AWS::KMS::Key"), &map[string]any{
			"Properties": map[string]any{"EnableKeyRotation": true}, "DeletionPolicy": "Retain",
		})
	})
	rules := lifecycleRules(t, tpl)
	want := []map[string]any{
		{"rulePriority": 1.0, "selection": map[string]any{"tagStatus": "untagged", "countType": "sinceImagePushed", "countUnit": "days", "countNumber": 7.0}},
		// Before the count of tagged images: an image a region runs never expires.
		{"rulePriority": 2.0, "selection": map[string]any{"tagStatus": "tagged", "tagPatternList": []any{"live-*"}, "countType": "imageCountMoreThan", "countNumber": 26.0}},
		{"rulePriority": 3.0, "selection": map[string]any{"tagStatus": "tagged", "tagPatternList": []any{"*"}, "countType": "imageCountMoreThan", "countNumber": 50.0}},
	}
	checkRules(t, rules, want)
}

func TestReplicationCopiesThePrefixToEveryRegion(t *testing.T) {
	tpl := assertions.Template_FromStack(synth(t).defaults, nil)
	cdktest.NoPanic(t, func() {
		tpl.ResourceCountIs(jsii.String("AWS::ECR::ReplicationConfiguration"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::ECR::ReplicationConfiguration"), &map[string]any{
			"ReplicationConfiguration": map[string]any{"Rules": []any{map[string]any{
				"Destinations": []any{
					map[string]any{"Region": "eu-west-1", "RegistryId": "111111111111"},
					map[string]any{"Region": "us-west-2", "RegistryId": "111111111111"},
				},
				"RepositoryFilters": []any{map[string]any{"Filter": "prod/", "FilterType": "PREFIX_MATCH"}},
			}}},
		})
	})
}

// trustsOnly asserts that tpl's one role is named name and that only the roles principalArns (an
// ARN or a list of them) of account 999999999999 may assume it.
func trustsOnly(t *testing.T, tpl map[string]any, name string, principalArns any) {
	t.Helper()
	_, role := cdktest.Only(t, tpl, "AWS::IAM::Role")
	props := cdktest.Props(t, role)
	assert.Equal(t, name, props["RoleName"])
	trust := cdktest.Path[[]any](t, props, "AssumeRolePolicyDocument", "Statement")
	require.Len(t, trust, 1)
	st := cdktest.Path[map[string]any](t, trust, "0")
	assert.Equal(t, "sts:AssumeRole", st["Action"])
	assert.Equal(t, map[string]any{"AWS": "arn:aws:iam::999999999999:root"}, st["Principal"], "the trusted account, and no other")
	assert.Equal(t, map[string]any{"ArnEquals": map[string]any{"aws:PrincipalArn": principalArns}},
		st["Condition"], "only those roles of that account may assume it")
}

func TestAPushRoleTrustsOneRoleAndPushesToOneRepository(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).defaults)
	trustsOnly(t, tpl, "stratus-prod-product-push", "arn:aws:iam::999999999999:role/stratus-release-product-build")

	_, policy := cdktest.Only(t, tpl, "AWS::IAM::ManagedPolicy")
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")
	statements := cdktest.Path[[]any](t, policy, "Properties", "PolicyDocument", "Statement")
	require.Len(t, statements, 2)
	login, push := cdktest.Path[map[string]any](t, statements, "0"), cdktest.Path[map[string]any](t, statements, "1")
	assert.Equal(t, "ecr:GetAuthorizationToken", login["Action"])
	assert.Equal(t, "*", login["Resource"], "the login has no resource-level permission")
	assert.ElementsMatch(t, []any{"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
		"ecr:DescribeImages", "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"}, push["Action"])
	resource, err := json.Marshal(push["Resource"])
	require.NoError(t, err)
	assert.Regexp(t, `^\{"Fn::GetAtt":\["ProductRepository[0-9A-F]{8}","Arn"\]\}$`, string(resource), "the one repository")
}

// readRoleProps are the Custom stack's read role: two repositories in two regions, two readers.
func readRoleProps() ReadRoleProps {
	return ReadRoleProps{
		RoleName: "stratus-staging-release-read", Repositories: []string{"staging/order-api", "staging/user"},
		Regions: []string{"us-east-1", "eu-west-1"}, TrustedAccount: "999999999999",
		TrustedRoleNames: []string{"stratus-release-scan-gate", "stratus-release-replication-wait"},
	}
}

func TestAReadRoleTrustsTheReadersAndOnlyReadsTheRepositories(t *testing.T) {
	tpl := cdktest.Template(t, synth(t).custom)
	trustsOnly(t, tpl, "stratus-staging-release-read", []any{
		"arn:aws:iam::999999999999:role/stratus-release-scan-gate", "arn:aws:iam::999999999999:role/stratus-release-replication-wait",
	})

	_, policy := cdktest.Only(t, tpl, "AWS::IAM::ManagedPolicy")
	assert.Empty(t, cdktest.OfType(t, tpl, "AWS::IAM::Policy"), "no inline policy")
	statements := cdktest.Path[[]any](t, policy, "Properties", "PolicyDocument", "Statement")
	require.Len(t, statements, 1)
	read := cdktest.Path[map[string]any](t, statements, "0")
	assert.Equal(t, []any{"ecr:DescribeImageScanFindings", "ecr:DescribeImages"}, read["Action"], "reads, no push, no pull, no login")
	want := func(region, repo string) any { return "arn:aws:ecr:" + region + ":111111111111:repository/" + repo }
	assert.ElementsMatch(t, []any{
		want("us-east-1", "staging/order-api"), want("us-east-1", "staging/user"),
		want("eu-west-1", "staging/order-api"), want("eu-west-1", "staging/user"),
	}, read["Resource"], "each repository in each region, nothing else")
}

func TestRepositoryPropsChangeWhatTheySay(t *testing.T) {
	tpl := assertions.Template_FromStack(synth(t).custom, nil)
	cdktest.NoPanic(t, func() {
		// The given key encrypts the repository and no other key is created.
		tpl.ResourceCountIs(jsii.String("AWS::KMS::Key"), jsii.Number(1))
		tpl.HasResourceProperties(jsii.String("AWS::ECR::Repository"), &map[string]any{
			"RepositoryName": "staging/order-api",
			"EncryptionConfiguration": map[string]any{
				"EncryptionType": "KMS",
				"KmsKey":         map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^SharedKey")), "Arn"}},
			},
		})
	})
	rules := lifecycleRules(t, tpl)
	require.Len(t, rules, 3, "lifecycle rules")
	require.Equal(t, 10.0, cdktest.As[map[string]any](t, rules[2]["selection"])["countNumber"], "the tagged rule keeps 10 images: %v", rules)
}

// lifecycleRules parses the one repository's lifecycle policy text.
func lifecycleRules(t *testing.T, tpl assertions.Template) []map[string]any {
	t.Helper()
	var repos map[string]*map[string]any
	cdktest.NoPanic(t, func() { repos = *tpl.FindResources(jsii.String("AWS::ECR::Repository"), nil) })
	require.NotEmpty(t, repos, "no repository")
	for _, r := range repos {
		props := cdktest.As[map[string]any](t, (*r)["Properties"])
		text := cdktest.As[string](t, cdktest.As[map[string]any](t, props["LifecyclePolicy"])["LifecyclePolicyText"])
		var doc struct {
			Rules []map[string]any `json:"rules"`
		}
		require.NoError(t, json.Unmarshal([]byte(text), &doc), "lifecycle policy %q", text)
		return doc.Rules
	}
	return nil
}

func checkRules(t *testing.T, got []map[string]any, want []map[string]any) {
	t.Helper()
	require.Len(t, got, len(want), "lifecycle rules: %v", got)
	for i, w := range want {
		assert.Equal(t, w["rulePriority"], got[i]["rulePriority"], "rule %d priority", i)
		assert.Equal(t, "expire", cdktest.As[map[string]any](t, got[i]["action"])["type"], "rule %d action", i)
		sel := cdktest.As[map[string]any](t, got[i]["selection"])
		for k, v := range cdktest.As[map[string]any](t, w["selection"]) {
			assert.Equal(t, jsonOf(v), jsonOf(sel[k]), "rule %d selection.%s", i, k)
		}
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestInvalidPropsAreRejected(t *testing.T) {
	repoCases := []cdktest.Invalid[RepositoryProps]{
		{Name: "an empty repository name", Mutate: func(p *RepositoryProps) { p.Name = "" }, Want: `Name "" is not a repository name`},
		{Name: "an uppercase repository name", Mutate: func(p *RepositoryProps) { p.Name = "Prod/Product" }, Want: `Name "Prod/Product" is not a repository name`},
		{Name: "a repository name with an empty segment", Mutate: func(p *RepositoryProps) { p.Name = "prod//product" }, Want: `Name "prod//product"`},
		{Name: "a repository name ending in a separator", Mutate: func(p *RepositoryProps) { p.Name = "prod/" }, Want: `Name "prod/"`},
		{Name: "a one-character repository name", Mutate: func(p *RepositoryProps) { p.Name = "p" }, Want: `Name "p"`},
		{Name: "a repository name over 256 characters", Mutate: func(p *RepositoryProps) { p.Name = strings.Repeat("a", 257) }, Want: "is not a repository name"},
		{Name: "a negative tagged-image count", Mutate: func(p *RepositoryProps) { p.KeepTaggedImages = -1 }, Want: "KeepTaggedImages -1 is outside 1-10000"},
	}
	cdktest.Rejects(t, func() RepositoryProps { return RepositoryProps{Name: "prod/product"} },
		func(p RepositoryProps) error { return p.withDefaults().validate() }, repoCases)

	replicationCases := []cdktest.Invalid[ReplicationProps]{
		{Name: "no destination region", Mutate: func(p *ReplicationProps) { p.DestinationRegions = nil }, Want: "DestinationRegions has 0 entries"},
		{Name: "a malformed region", Mutate: func(p *ReplicationProps) { p.DestinationRegions = []string{"Europe"} }, Want: `DestinationRegions[0] "Europe" is not a region name`},
		{Name: "a region listed twice", Mutate: func(p *ReplicationProps) { p.DestinationRegions = []string{"eu-west-1", "eu-west-1"} }, Want: `DestinationRegions[1] "eu-west-1" is listed twice`},
		{Name: "no repository prefix", Mutate: func(p *ReplicationProps) { p.RepositoryPrefixes = nil }, Want: "RepositoryPrefixes has 0 entries"},
		{Name: "a malformed prefix", Mutate: func(p *ReplicationProps) { p.RepositoryPrefixes = []string{"Prod/"} }, Want: `RepositoryPrefixes[0] "Prod/" is not a repository name prefix`},
		{Name: "a prefix listed twice", Mutate: func(p *ReplicationProps) { p.RepositoryPrefixes = []string{"prod/", "prod/"} }, Want: `RepositoryPrefixes[1] "prod/" is listed twice`},
	}
	cdktest.Rejects(t, func() ReplicationProps {
		return ReplicationProps{DestinationRegions: []string{"eu-west-1"}, RepositoryPrefixes: []string{"prod/"}}
	}, ReplicationProps.validate, replicationCases)

	pushCases := []cdktest.Invalid[PushRoleProps]{
		{Name: "an empty role name", Mutate: func(p *PushRoleProps) { p.RoleName = "" }, Want: `RoleName "" is not a role name`},
		{Name: "a role name over 64 characters", Mutate: func(p *PushRoleProps) { p.RoleName = strings.Repeat("a", 65) }, Want: "is not a role name (1-64"},
		{Name: "a role name with a slash", Mutate: func(p *PushRoleProps) { p.RoleName = "a/b" }, Want: `RoleName "a/b"`},
		{Name: "no repository", Mutate: func(p *PushRoleProps) { p.Repository = nil }, Want: "Repository is nil"},
		{Name: "a short account", Mutate: func(p *PushRoleProps) { p.TrustedAccount = "12345" }, Want: `TrustedAccount "12345" must be 12 digits`},
		{Name: "a trusted role name with a space", Mutate: func(p *PushRoleProps) { p.TrustedRoleName = "a b" }, Want: `TrustedRoleName "a b" is not a role name`},
	}
	repo := synth(t).defaults.Node().FindChild(jsii.String("Product")).Node().FindChild(jsii.String("Repository")).(ecr.IRepository)
	cdktest.Rejects(t, func() PushRoleProps {
		return PushRoleProps{RoleName: "push", Repository: repo, TrustedAccount: "999999999999", TrustedRoleName: "build"}
	}, PushRoleProps.validate, pushCases)

	readCases := []cdktest.Invalid[ReadRoleProps]{
		{Name: "a role name over 64 characters", Mutate: func(p *ReadRoleProps) { p.RoleName = strings.Repeat("a", 65) }, Want: "is not a role name (1-64"},
		{Name: "no repository", Mutate: func(p *ReadRoleProps) { p.Repositories = nil }, Want: "Repositories is empty"},
		{Name: "an uppercase repository name", Mutate: func(p *ReadRoleProps) { p.Repositories = []string{"Prod/x"} }, Want: `Repositories[0] "Prod/x" is not a repository name`},
		{Name: "a repository wildcard", Mutate: func(p *ReadRoleProps) { p.Repositories = []string{"prod/*"} }, Want: `Repositories[0] "prod/*" is not a repository name`},
		{Name: "no region", Mutate: func(p *ReadRoleProps) { p.Regions = nil }, Want: "Regions is empty"},
		{Name: "a region that is not one", Mutate: func(p *ReadRoleProps) { p.Regions = []string{"*"} }, Want: `Regions[0] "*" is not a region name`},
		{Name: "a short account", Mutate: func(p *ReadRoleProps) { p.TrustedAccount = "12345" }, Want: `TrustedAccount "12345" must be 12 digits`},
		{Name: "no trusted role", Mutate: func(p *ReadRoleProps) { p.TrustedRoleNames = nil }, Want: "TrustedRoleNames is empty"},
		{Name: "a trusted role name with a space", Mutate: func(p *ReadRoleProps) { p.TrustedRoleNames = []string{"a", "a b"} }, Want: `TrustedRoleNames[1] "a b" is not a role name`},
	}
	cdktest.Rejects(t, readRoleProps, ReadRoleProps.validate, readCases)

	t.Run("the constructors return every problem instead of panicking", func(t *testing.T) {
		var repoErr, replErr, selfErr, pushErr, readErr error
		cdktest.NoPanic(t, func() {
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			stack := cdktest.NewStack(app, "Bad", "us-east-1")
			_, repoErr = NewRepository(stack, "Repo", RepositoryProps{Name: "Bad Name", KeepTaggedImages: -3})
			_, replErr = NewReplication(stack, "Replication", ReplicationProps{})
			_, selfErr = NewReplication(stack, "ToItself", ReplicationProps{
				DestinationRegions: []string{"eu-west-1", "us-east-1"}, RepositoryPrefixes: []string{"prod/"},
			})
			_, pushErr = NewPushRole(stack, "Push", PushRoleProps{TrustedAccount: "1"})
			_, readErr = NewReadRole(stack, "Read", ReadRoleProps{TrustedAccount: "1"})
		})
		for _, c := range []struct {
			err  error
			want []string
		}{
			{repoErr, []string{`Name "Bad Name"`, "KeepTaggedImages -3"}},
			{replErr, []string{"DestinationRegions has 0 entries", "RepositoryPrefixes has 0 entries"}},
			{selfErr, []string{`DestinationRegions lists "us-east-1", the stack's own region`}},
			{pushErr, []string{`RoleName ""`, "Repository is nil", `TrustedAccount "1"`, `TrustedRoleName ""`}},
			{readErr, []string{`RoleName ""`, "Repositories is empty", "Regions is empty", `TrustedAccount "1"`, "TrustedRoleNames is empty"}},
		} {
			for _, w := range c.want {
				assert.ErrorContains(t, c.err, w)
			}
		}
	})
}

func TestPassesTheGates(t *testing.T) {
	s := synth(t)
	cdktest.Gates(t, s.dir, s.defaults, s.custom)
}
