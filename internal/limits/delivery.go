package limits

import (
	"fmt"
	"regexp"
)

// The platform pipeline's rules, read by config (config/delivery.yaml) and constructs/pipeline.
var (
	// ConnectionArnRE matches a CodeConnections (or older CodeStar Connections) connection ARN.
	ConnectionArnRE = regexp.MustCompile(`^arn:aws(-[a-z]+)*:(codeconnections|codestar-connections):[a-z0-9-]+:[0-9]{12}:connection/[0-9a-f-]{36}$`)
	// RepositoryRE matches a repository as owner/name (GitHub's owner and name characters).
	RepositoryRE = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$`)
	// BranchRE matches the branch names the pipeline accepts: git ref characters, no "..".
	BranchRE = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$`)
	// EmailRE matches an e-mail address SNS can subscribe.
	EmailRE = regexp.MustCompile(`^[A-Za-z0-9.!#$%&'*+/=?^_{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`)
)

const (
	ConnectionArnRule = "arn:aws:codeconnections:<region>:<12-digit account>:connection/<id> (or codestar-connections)"
	RepositoryRule    = "owner/name, as the connection's provider spells it"
	BranchRule        = "a branch name: letters, digits, . _ / -, not starting with . / or -, no .., up to 255 characters"
	EmailRule         = "an e-mail address name@example.com"
	// MaxNotify bounds the notification addresses (SNS e-mail subscriptions of one topic).
	MaxNotify = 10
	// DefaultBranch is the branch the pipeline follows when none is given.
	DefaultBranch = "main"
	// GoToolchain and NodeMajor are the toolchain the pipeline's builds use: the README's Go and
	// Node versions (GOTOOLCHAIN downloads that exact Go; CodeBuild's image provides the Node).
	GoToolchain = "go1.26.8"
	NodeMajor   = "22"
	// CfnLintVersion is the cfn-lint the gates are pinned to.
	CfnLintVersion = "1.51.0"
	// CdkCliVersion is package.json's pinned CDK CLI, which the pipeline's self-mutation and
	// asset steps install (npm's latest tag cannot read this library's cloud assembly).
	CdkCliVersion = "2.1148.1"
	// CdkAssetsVersion is the cdk-assets the pipeline's Assets stage installs (CDK Pipelines'
	// default is npm's latest tag, which would change under a running pipeline).
	CdkAssetsVersion = "4.7.3"
)

// ValidBranch reports whether name is a branch the pipeline accepts.
func ValidBranch(name string) bool {
	return BranchRE.MatchString(name) && !regexp.MustCompile(`\.\.|//|\.lock$|/$|\.$|@\{`).MatchString(name)
}

// SourceProblems reports what is wrong with a pipeline source given as props (a connection ARN,
// a repository as owner/name and a branch), one message per field, in the props' words.
func SourceProblems(connectionArn, repository, branch string) []string {
	var out []string
	if !ConnectionArnRE.MatchString(connectionArn) {
		out = append(out, fmt.Sprintf("ConnectionArn %q is not a connection ARN (allowed: %s)", connectionArn, ConnectionArnRule))
	}
	if !RepositoryRE.MatchString(repository) {
		out = append(out, fmt.Sprintf("Repository %q is not owner/name", repository))
	}
	if !ValidBranch(branch) {
		out = append(out, fmt.Sprintf("Branch %q is not a branch name (allowed: %s)", branch, BranchRule))
	}
	return out
}
