// Package assembly reads a synthesized cloud assembly (cdk.out) as plain JSON: the manifests,
// the stacks of every nested stage assembly and their templates, and the references between
// resources. It imports no CDK package, so the tools built on it run in milliseconds.
package assembly

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// Stage is one nested assembly: one environment of the app (a CDK Stage).
type Stage struct {
	ID     string // the stage's construct id, e.g. "Prod"
	Env    string // the environment name from the "environment" tag, e.g. "prod"
	Stacks []*Stack
}

// Stack is one CloudFormation stack of a stage.
type Stack struct {
	ArtifactID string
	Name       string // display name without the stage, e.g. "Network-us-east-1"
	Account    string
	Region     string
	DependsOn  []string // artifact ids of the stacks this one deploys after
	Resources  []*Resource
	outputs    map[string]any // export name → output value
}

// Resource is one resource of a template.
type Resource struct {
	Stack      *Stack
	LogicalID  string
	Type       string
	Properties map[string]any
}

// Regions lists the regions of the stage's stacks, the primary first: ordered by how many
// stacks of other regions deploy after one of theirs, then by name.
func (s *Stage) Regions() []string {
	region := map[string]string{}
	dependents := map[string]int{}
	for _, st := range s.Stacks {
		region[st.ArtifactID] = st.Region
		dependents[st.Region] += 0
	}
	for _, st := range s.Stacks {
		for _, d := range st.DependsOn {
			if r, ok := region[d]; ok && r != st.Region {
				dependents[r]++
			}
		}
	}
	out := slices.Sorted(maps.Keys(dependents))
	sort.SliceStable(out, func(i, j int) bool { return dependents[out[i]] > dependents[out[j]] })
	return out
}

// Resources returns every resource of the stage, in stack then logical-id order.
func (s *Stage) Resources() []*Resource {
	var out []*Resource
	for _, st := range s.Stacks {
		out = append(out, st.Resources...)
	}
	return out
}

type manifest struct {
	Artifacts map[string]struct {
		Type         string   `json:"type"`
		Environment  string   `json:"environment"`
		DisplayName  string   `json:"displayName"`
		Dependencies []string `json:"dependencies"`
		Properties   struct {
			TemplateFile          string `json:"templateFile"`
			DirectoryName         string `json:"directoryName"`
			StackName             string `json:"stackName"`
			TerminationProtection bool   `json:"terminationProtection"`
			ExecutionRoleArn      string `json:"cloudFormationExecutionRoleArn"`
		} `json:"properties"`
	} `json:"artifacts"`
}

type template struct {
	Resources map[string]struct {
		Type       string         `json:"Type"`
		Properties map[string]any `json:"Properties"`
	} `json:"Resources"`
	Outputs map[string]struct {
		Value  any `json:"Value"`
		Export *struct {
			Name any `json:"Name"`
		} `json:"Export"`
	} `json:"Outputs"`
}

// Read reads the assembly in dir: every nested stage assembly becomes a Stage (stacks at the top
// level form a stage of their own, with the ID ""). Stages are sorted by ID, stacks by name.
func Read(dir string) ([]*Stage, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	var stages []*Stage
	top, err := readStacks(dir, m)
	if err != nil {
		return nil, err
	}
	if len(top.Stacks) > 0 {
		top.Env = envName(top)
		if top.Env == "" {
			// The app's own stacks (no stage, no environment tag) are the platform pipeline's,
			// in the tooling account delivery.yaml names.
			top.Env = "delivery"
		}
		stages = append(stages, top)
	}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		if a.Type != "cdk:cloud-assembly" {
			continue
		}
		sub := filepath.Join(dir, a.Properties.DirectoryName)
		sm, err := readManifest(sub)
		if err != nil {
			return nil, err
		}
		st, err := readStacks(sub, sm)
		if err != nil {
			return nil, err
		}
		st.ID = strings.TrimPrefix(a.Properties.DirectoryName, "assembly-")
		st.Env = envName(st)
		stages = append(stages, st)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s: no stacks in the cloud assembly (run make synth first)", dir)
	}
	sort.Slice(stages, func(i, j int) bool { return stages[i].ID < stages[j].ID })
	return stages, nil
}

func readManifest(dir string) (*manifest, error) {
	var m manifest
	if err := readJSON(filepath.Join(dir, "manifest.json"), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// Artifact is one stack of a cloud assembly as its manifest describes it (no template read).
type Artifact struct {
	ID                    string // the artifact id, e.g. "ProdNetworkuseast1BC4B5C78"
	StackName             string // the deployed name, e.g. "Prod-Network-us-east-1"
	Name                  string // display name without the stage, e.g. "Network-us-east-1"
	Account, Region       string
	TemplatePath          string
	TerminationProtection bool
	// ExecutionRoleArn is the role CloudFormation deploys the stack with, as the manifest writes
	// it (the partition as ${AWS::Partition}).
	ExecutionRoleArn string
	DependsOn        []string // artifact ids of the stacks this one deploys after
}

// Artifacts lists the stacks of the assembly in dir and of its nested (stage) assemblies, each
// folder's sorted by artifact id.
func Artifacts(dir string) ([]Artifact, error) {
	m, err := readManifest(dir)
	if err != nil {
		return nil, err
	}
	out, err := stackArtifacts(dir, m)
	if err != nil {
		return nil, err
	}
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		if a := m.Artifacts[id]; a.Type == "cdk:cloud-assembly" {
			nested, err := Artifacts(filepath.Join(dir, a.Properties.DirectoryName))
			if err != nil {
				return nil, err
			}
			out = append(out, nested...)
		}
	}
	return out, nil
}

// stackArtifacts lists the stack artifacts of the one manifest m of dir, sorted by id.
func stackArtifacts(dir string, m *manifest) ([]Artifact, error) {
	isStack := map[string]bool{}
	for id, a := range m.Artifacts {
		isStack[id] = a.Type == "aws:cloudformation:stack"
	}
	var out []Artifact
	for _, id := range slices.Sorted(maps.Keys(m.Artifacts)) {
		a := m.Artifacts[id]
		if !isStack[id] {
			continue
		}
		account, region, ok := parseEnvironment(a.Environment)
		if !ok {
			return nil, fmt.Errorf("%s: stack %s: environment %q is not aws://<account>/<region>", filepath.Join(dir, "manifest.json"), id, a.Environment)
		}
		name := a.DisplayName
		if i := strings.LastIndex(name, "/"); i >= 0 {
			name = name[i+1:]
		}
		art := Artifact{ID: id, StackName: a.Properties.StackName, Name: name, Account: account, Region: region,
			TemplatePath: filepath.Join(dir, a.Properties.TemplateFile), TerminationProtection: a.Properties.TerminationProtection,
			ExecutionRoleArn: a.Properties.ExecutionRoleArn}
		if art.StackName == "" {
			art.StackName = id // the manifest omits a stack name equal to the artifact id
		}
		for _, d := range a.Dependencies {
			if isStack[d] {
				art.DependsOn = append(art.DependsOn, d)
			}
		}
		out = append(out, art)
	}
	return out, nil
}

func readStacks(dir string, m *manifest) (*Stage, error) {
	artifacts, err := stackArtifacts(dir, m)
	if err != nil {
		return nil, err
	}
	stage := &Stage{}
	for _, a := range artifacts {
		st, err := ReadStack(a.TemplatePath, a.Name, a.Account, a.Region)
		if err != nil {
			return nil, err
		}
		st.ArtifactID, st.DependsOn = a.ID, a.DependsOn
		stage.Stacks = append(stage.Stacks, st)
	}
	sort.SliceStable(stage.Stacks, func(i, j int) bool { return stage.Stacks[i].Name < stage.Stacks[j].Name })
	return stage, nil
}

// ReadStack reads one template as the stack name in account and region.
func ReadStack(path, name, account, region string) (*Stack, error) {
	var t template
	if err := readJSON(path, &t); err != nil {
		return nil, err
	}
	st := &Stack{ArtifactID: name, Name: name, Account: account, Region: region, outputs: map[string]any{}}
	for _, lid := range slices.Sorted(maps.Keys(t.Resources)) {
		r := t.Resources[lid]
		st.Resources = append(st.Resources, &Resource{Stack: st, LogicalID: lid, Type: r.Type, Properties: r.Properties})
	}
	for _, o := range t.Outputs {
		if o.Export != nil {
			if n, ok := o.Export.Name.(string); ok {
				st.outputs[n] = o.Value
			}
		}
	}
	return st, nil
}

func parseEnvironment(env string) (account, region string, ok bool) {
	rest, found := strings.CutPrefix(env, "aws://")
	if !found {
		return "", "", false
	}
	account, region, ok = strings.Cut(rest, "/")
	return account, region, ok && region != ""
}

// envName is the most common "environment" tag of the stage's resources (the app tags every
// resource with it), or the stage id in lower case.
func envName(s *Stage) string {
	count := map[string]int{}
	for _, r := range s.Resources() {
		tags, _ := r.Properties["Tags"].([]any)
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok && m["Key"] == "environment" {
				if v, ok := m["Value"].(string); ok {
					count[v]++
				}
			}
		}
	}
	best := strings.ToLower(s.ID)
	for _, k := range slices.Sorted(maps.Keys(count)) {
		if count[k] > count[best] {
			best = k
		}
	}
	return best
}

// String names the resource for messages: "Network-us-east-1/NatGateway1 (AWS::EC2::NatGateway)".
func (r *Resource) String() string {
	return fmt.Sprintf("%s/%s (%s)", r.Stack.Name, r.LogicalID, r.Type)
}

// Str returns the string at a property path ("DistributionConfig", "PriceClass"), or "".
func (r *Resource) Str(path ...string) string {
	s, _ := r.Prop(path...).(string)
	return s
}

// Num returns the number at a property path, accepting numbers and numeric strings
// (CloudFormation takes both), and whether there was one.
func (r *Resource) Num(path ...string) (float64, bool) {
	switch v := r.Prop(path...).(type) {
	case float64:
		return v, true
	case string:
		var f float64
		if _, err := fmt.Sscanf(v, "%g", &f); err == nil {
			return f, true
		}
	}
	return 0, false
}

// Prop returns the value at a property path, or nil.
func (r *Resource) Prop(path ...string) any {
	var v any = r.Properties
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// MaxTemplateBytes is the largest template CloudFormation accepts (from S3, where cdk deploy puts
// every template over 51,200 bytes).
const MaxTemplateBytes = 1_000_000

// OversizedTemplates returns an error naming every stack of the assembly in dir (nested stages
// included) whose template is over MaxTemplateBytes: aws-cdk-lib only warns, and the deploy of
// that stack would fail. Nil when every template fits. (Which config keys fill a stack is the
// stacks package's to say.)
func OversizedTemplates(dir string) error {
	arts, err := Artifacts(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, a := range arts {
		info, err := os.Stat(a.TemplatePath)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if info.Size() > MaxTemplateBytes {
			errs = append(errs, fmt.Errorf("stack %s: its template is %d bytes, over the %d CloudFormation accepts", a.StackName, info.Size(), MaxTemplateBytes))
		}
	}
	return errors.Join(errs...)
}
