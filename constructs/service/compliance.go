package service

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	iam "github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/stratus-platform/stratus/internal/policydoc"
)

// acceptByDesign records, on the exact resources, the cdk-nag findings this design keeps on
// purpose, each with the reason it is safe. The task definition's resource is the only one under
// it (its containers are constructs without resources), so cdk-nag finds it among the children.
func (s *Service) acceptByDesign() {
	cdknag.NagSuppressions_AddResourceSuppressions(s.TaskDefinition, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-ECS2"),
		Reason: jsii.String("The plain environment holds configuration only: endpoints, ports, names, the database user name " +
			"when the service signs in with IAM authentication (DB_USER, no password) and the collector configuration. Every " +
			"credential (with password authentication DB_USER and DB_PASSWORD, REDIS_AUTH, OTLP_AUTH_HEADER and the Secrets " +
			"prop) is an ECS secret read from Secrets Manager at task start, and the construct rejects Environment names " +
			"that read like credentials."),
	}}, jsii.Bool(true))
}

// suppressTracingWildcard names the one Resource "*" the task role needs, on the policy that
// holds nothing but the X-Ray actions.
func suppressTracingWildcard(policy iam.ManagedPolicy) {
	cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("xray:PutTraceSegments, xray:PutTelemetryRecords, xray:GetSamplingRules, xray:GetSamplingTargets " +
			"and xray:GetSamplingStatisticSummaries do not support resource-level permissions: AWS requires Resource \"*\". " +
			"This policy holds only these actions, for the ADOT collector sidecar."),
		AppliesTo: &[]any{jsii.String("Resource::*")},
	}}, jsii.Bool(true))
}

// managedGrants records role for MoveGrants, with the wildcards (action -> why AWS requires "*")
// its policy may keep.
func (s *Service) managedGrants(role iam.Role, wildcards map[string]string) {
	s.grantMoves = append(s.grantMoves, grantMove{role: role, wildcards: wildcards})
}

// grantMove is a role whose grants MoveGrants moves, and the wildcards its policy may keep.
type grantMove struct {
	role      iam.Role
	wildcards map[string]string
}

// MoveGrants keeps the service's roles free of inline policies (NIST 800-53 IAMNoInlinePolicy):
// it moves each role's DefaultPolicy, where aws-cdk-lib's grants collect (image pull, logs,
// secrets, and whatever the stacks layer grants), into a customer managed policy under the role.
// Call it once every grant to the roles is made and before synth: the stacks layer calls it for
// each service when its stage is complete. The managed policy shares the DefaultPolicy's
// document, so a grant made after the move still lands in it. A role with no grant yet has no
// policy to move: it gets an aspect that moves the policy a later grant creates, at synth.
// Calling it again does nothing. Depending on the role (ecs.BaseService does for the task role;
// NewService does for both) also waits for the policy.
//
// A statement with Resource "*" is suppressed for AwsSolutions-IAM5 only when every one of its
// actions has a reason in the role's wildcards; any other wildcard stays a finding. A grant made
// after the move that gives Resource "*" to an action without a reason fails the synthesis (the
// suppression would hide it).
//
// It is a call, not an aspect on every role: an aspect is called back from the jsii runtime for
// the role and each of its children, about a dozen round trips a service in each region.
func (s *Service) MoveGrants() {
	for _, m := range s.grantMoves {
		if !moveGrants(m.role, m.wildcards) {
			laterGrants.add(m.role, m.wildcards)
			awscdk.Aspects_Of(m.role).Add(laterGrants, &awscdk.AspectOptions{Priority: mutating()})
		}
	}
	s.grantMoves = nil
}

// mutating is aws-cdk-lib's priority for aspects that change the tree, read once (a call into the
// jsii runtime).
var mutating = sync.OnceValue(awscdk.AspectPriority_MUTATING)

// laterGrants is the aspect of every role MoveGrants found without grants: the roles still to
// move at synth, each with the wildcards its policy may keep. One object for all: the first time
// a Go object crosses into the jsii runtime, jsii-runtime-go matches its type against every jsii
// interface it knows (about 1 ms).
var laterGrants = &grantMovers{pending: map[constructs.IConstruct]map[string]string{}}

type grantMovers struct {
	mu      sync.Mutex
	pending map[constructs.IConstruct]map[string]string
}

func (m *grantMovers) add(role iam.Role, wildcards map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[role] = wildcards
}

// Visit implements awscdk.IAspect. It sits on the role itself, not on its resource: aws-cdk-lib
// lists a construct's children before it visits the first, so the compliance packs would still
// visit a DefaultPolicy moved from the resource's visit, and report its inline policy. A role is
// moved once (aws-cdk-lib visits a construct once with each aspect in a synthesis), and
// recognized without reading its path: jsii hands Go the same object for the same construct.
func (m *grantMovers) Visit(visited constructs.IConstruct) {
	m.mu.Lock()
	wildcards, pending := m.pending[visited]
	delete(m.pending, visited)
	m.mu.Unlock()
	if pending {
		moveGrants(visited.(iam.Role), wildcards)
	}
}

// moveGrants moves role's DefaultPolicy, if it has one, into a customer managed policy, and
// reports whether it had one.
func moveGrants(role iam.Role, wildcards map[string]string) bool {
	node := role.Node() // read once: each read is a call into the jsii runtime
	child := node.TryFindChild(jsii.String("DefaultPolicy"))
	if child == nil {
		return false // nothing granted yet
	}
	defaultPolicy, ok := child.(iam.Policy)
	if !ok {
		return true // not aws-cdk-lib's grant policy: nothing of ours to move
	}
	doc, path := defaultPolicy.Document(), *node.Path()
	policy := iam.NewManagedPolicy(role, jsii.String("Policy"), &iam.ManagedPolicyProps{
		Description: jsii.String(fmt.Sprintf("Grants of %s", path)),
		Document:    doc,
		Roles:       &[]iam.IRole{role},
	})
	node.TryRemoveChild(jsii.String("DefaultPolicy"))

	if len(wildcards) == 0 {
		return true // no wildcard has a reason, so none is suppressed (and the document is not read)
	}
	if reasons, ok := wildcardReasons(doc, wildcards); ok && len(reasons) > 0 {
		cdknag.NagSuppressions_AddResourceSuppressions(policy, &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String(strings.Join(reasons, " ")),
			AppliesTo: &[]any{jsii.String("Resource::*")},
		}}, jsii.Bool(true))
		// The suppression covers every Resource "*" of the policy: a grant added after the move
		// must not slip an action without a reason in under it.
		policy.Node().AddValidation(&keptWildcards{doc: doc, allowed: wildcards, role: path})
	}
	return true
}

// keptWildcards fails the synthesis when a policy whose Resource "*" statements were suppressed
// at the move holds one with an action that has no reason by then: a grant made after
// MoveGrants, which the suppression would otherwise hide.
type keptWildcards struct {
	doc     iam.PolicyDocument
	allowed map[string]string
	role    string
}

// Validate implements constructs.IValidation.
func (k *keptWildcards) Validate() *[]*string {
	if _, ok := wildcardReasons(k.doc, k.allowed); ok {
		return &[]*string{}
	}
	return &[]*string{jsii.String(fmt.Sprintf("%s: a grant made after MoveGrants gives Resource \"*\" to an action "+
		"the role keeps no reason for (only %s may have it); make the grant before MoveGrants, or on named resources",
		k.role, strings.Join(slices.Sorted(maps.Keys(k.allowed)), ", ")))}
}

// wildcardReasons returns the reasons for every Resource "*" statement of doc, and false when one
// of them has an action without a reason (then nothing may be suppressed).
func wildcardReasons(doc iam.PolicyDocument, allowed map[string]string) ([]string, bool) {
	rendered, _ := doc.ToJSON().(map[string]any)
	statements, _ := rendered["Statement"].([]any)
	seen := map[string]bool{}
	for _, raw := range statements {
		st, _ := raw.(map[string]any)
		if !contains(st["Resource"], "*") {
			continue
		}
		actions := policydoc.Strings(st["Action"])
		if len(actions) == 0 {
			return nil, false
		}
		for _, a := range actions {
			if _, ok := allowed[a]; !ok {
				return nil, false
			}
			seen[a] = true
		}
	}
	var reasons []string
	for a := range seen {
		reasons = append(reasons, allowed[a])
	}
	sort.Strings(reasons)
	return reasons, true
}

func contains(v any, want string) bool {
	for _, s := range policydoc.Strings(v) {
		if s == want {
			return true
		}
	}
	return false
}
