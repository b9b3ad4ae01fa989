package assembly

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const fixture = "testdata/assembly"

func readFixture(t *testing.T) *Stage {
	t.Helper()
	stages, err := Read(fixture)
	require.NoError(t, err)
	require.Len(t, stages, 1)
	return stages[0]
}

func find(t *testing.T, s *Stage, stack, id string) *Resource {
	t.Helper()
	for _, r := range s.Resources() {
		if r.Stack.Name == stack && r.LogicalID == id {
			return r
		}
	}
	require.Failf(t, "no resource", "%s/%s", stack, id)
	return nil
}

func TestReadStagesStacksAndRegions(t *testing.T) {
	s := readFixture(t)
	assert.Equal(t, "Test", s.ID)
	assert.Equal(t, "test", s.Env, "the environment tag names the stage")
	assert.Equal(t, []string{"us-east-1", "eu-west-1"}, s.Regions(), "the region others deploy after comes first")
	var names []string
	for _, st := range s.Stacks {
		names = append(names, st.Name)
	}
	assert.Equal(t, []string{"App-us-east-1", "Data-eu-west-1", "Data-us-east-1", "Edge-us-east-1", "Network-us-east-1", "Service-app-us-east-1"}, names)
	secondary := find(t, s, "Data-eu-west-1", "Cluster").Stack
	assert.Equal(t, []string{"TestDatauseast1"}, secondary.DependsOn, "asset manifests are not stack dependencies")
	assert.Equal(t, "eu-west-1", secondary.Region)
	assert.Equal(t, "123456789012", secondary.Account)

	svc := find(t, s, "Service-app-us-east-1", "Service")
	n, ok := svc.Num("DesiredCount")
	assert.True(t, ok)
	assert.Equal(t, 2.0, n)
	cpu, ok := find(t, s, "Service-app-us-east-1", "TaskDefinition").Num("Cpu")
	assert.True(t, ok, "numeric strings are numbers")
	assert.Equal(t, 512.0, cpu)
	assert.Equal(t, "FARGATE", svc.Str("LaunchType"))
	assert.Empty(t, svc.Str("No", "Such", "Path"))
}

func TestReadErrorsNameTheFile(t *testing.T) {
	_, err := Read(t.TempDir())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "manifest.json")

	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts": {"S": {"type": "aws:cloudformation:stack", "environment": "us-east-1", "displayName": "S"}}}`), 0o644))
	_, err = Read(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "aws://<account>/<region>")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"artifacts": {}}`), 0o644))
	_, err = Read(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no stacks")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{`), 0o644))
	_, err = Read(dir)
	require.Error(t, err)
	assert.Contains(t, err.Error(), filepath.Join(dir, "manifest.json"))
}

func refTo(g *Graph, r *Resource, stack, id string) bool {
	for _, t := range g.Refs(r) {
		if t.Stack.Name == stack && t.LogicalID == id {
			return true
		}
	}
	return false
}

func TestGraphFollowsImportsSubsAndNames(t *testing.T) {
	s := readFixture(t)
	g := NewGraph(s)
	task := find(t, s, "Service-app-us-east-1", "TaskDefinition")
	assert.True(t, refTo(g, task, "Data-us-east-1", "Cluster"), "Fn::ImportValue leads to the exporting stack's resource")
	assert.True(t, refTo(g, task, "Data-us-east-1", "Cache"))

	dist := find(t, s, "Edge-us-east-1", "Distribution")
	assert.True(t, refTo(g, dist, "Edge-us-east-1", "Acl"), "Fn::GetAtt")
	assert.True(t, refTo(g, dist, "Edge-us-east-1", "Frontend"))
	assert.True(t, refTo(g, dist, "App-us-east-1", "OriginRecord"), "an origin's domain name leads to the record of that name")
	assert.False(t, refTo(g, dist, "Edge-us-east-1", "Logs"), "logging settings are not connections")
	assert.False(t, refTo(g, find(t, s, "App-us-east-1", "Lb"), "App-us-east-1", "AccessLogs"), "an ALB's access_logs attribute is not a connection")

	secondary := find(t, s, "Data-eu-west-1", "Cluster")
	assert.True(t, refTo(g, secondary, "Data-us-east-1", "Global"), "a global cluster identifier leads to the global cluster")
	assert.Contains(t, g.Referrers(find(t, s, "Data-us-east-1", "Global")), secondary)

	origin := find(t, s, "App-us-east-1", "OriginRecord")
	for _, r := range g.Neighbors(origin) {
		assert.NotEqual(t, "AWS::Route53::RecordSet", r.Type, "records sharing a name are not linked: %s", r)
	}
}

// TestAStackNamedLikeItsArtifactGetsThatName: the manifest leaves out a stack name equal to the
// artifact id (top-level stacks such as Stratus-Pipeline), and Artifacts fills it in.
func TestAStackNamedLikeItsArtifactGetsThatName(t *testing.T) {
	dir := t.TempDir()
	manifest := `{"artifacts": {
		"Stratus-Pipeline": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "p.json"}},
		"ProdApp": {"type": "aws:cloudformation:stack", "environment": "aws://111111111111/us-east-1", "properties": {"templateFile": "a.json", "stackName": "Prod-App-us-east-1"}}}}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(manifest), 0o644))
	artifacts, err := Artifacts(dir)
	require.NoError(t, err)
	names := map[string]string{}
	for _, a := range artifacts {
		names[a.ID] = a.StackName
	}
	assert.Equal(t, map[string]string{"Stratus-Pipeline": "Stratus-Pipeline", "ProdApp": "Prod-App-us-east-1"}, names)
}

// TestOversizedTemplatesNamesTheStacksCloudFormationWouldRefuse: aws-cdk-lib only warns about a
// template over CloudFormation's 1,000,000 bytes, and the deploy fails; the check names it.
func TestOversizedTemplatesNamesTheStacksCloudFormationWouldRefuse(t *testing.T) {
	require.NoError(t, OversizedTemplates(fixture), "the fixture's templates fit")

	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(fixture)))
	path := filepath.Join(dir, "assembly-Test", "TestAppuseast1.template.json")
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	padded := append(data, make([]byte, MaxTemplateBytes+1-len(data))...)
	for i := len(data); i < len(padded); i++ {
		padded[i] = ' ' // still the same JSON
	}
	require.NoError(t, os.WriteFile(path, padded, 0o644))
	err = OversizedTemplates(dir)
	require.Error(t, err)
	assert.Equal(t, "stack TestAppuseast1: its template is 1000001 bytes, over the 1000000 CloudFormation accepts", err.Error())
}
