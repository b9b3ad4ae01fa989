package test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// CloudFormation allows 500 resources, a 1 MB template and 200 outputs per stack; the layout
// keeps every stack well under, so alarms and blue/green target groups still fit later.
const (
	maxStackResources = 400
	maxTemplateBytes  = 800 * 1024
	maxStackOutputs   = 150
)

// scaleServices is the size the layout must hold: services per region (docs/architecture.md).
const scaleServices = 40

// scaleConfig writes the fixture prod config (two regions) with n services into a new folder
// under dir: product and n-1 generated ones of at most 4 tasks, in groups of four of which one
// owns an Aurora database, one shares it and two have none.
func scaleConfig(dir string, n int) (string, error) {
	data, err := os.ReadFile(filepath.Join(repoRoot, fixtureDir, "prod.yaml"))
	if err != nil {
		return "", err
	}
	const others = "  - name: order\n    image: \"1.0.0\"\n    sidecars: [adot]\n  - name: user\n    image: \"1.0.0\"\n    sidecars: [adot]\n"
	if !strings.Contains(string(data), others) {
		return "", fmt.Errorf("%s/prod.yaml changed: update scaleConfig", fixtureDir)
	}
	var services strings.Builder
	owner := "product"
	for i := 2; i <= n; i++ {
		name := fmt.Sprintf("svc%02d", i)
		// At most 4 tasks each: 40 services at the default 20 would need more addresses than the
		// fixture's /24 app subnets hold (config's appSubnetRoom).
		fmt.Fprintf(&services, "  - name: %s\n    image: \"1.0.0\"\n    maxCount: 4\n", name)
		switch i % 4 {
		case 1:
			owner = name // owns the default Aurora database
		case 2:
			fmt.Fprintf(&services, "    shareDatabaseWith: %s\n", owner)
		default:
			services.WriteString("    database: none\n")
		}
	}
	out, err := os.MkdirTemp(dir, fmt.Sprintf("scale-%d-*", n))
	if err != nil {
		return "", err
	}
	text := strings.Replace(string(data), others, services.String(), 1)
	return out, os.WriteFile(filepath.Join(out, "prod.yaml"), []byte(text), 0o644)
}

// loadScale loads scaleConfig's environment with n services.
func loadScale(dir string, n int) (*config.Environment, error) {
	folder, err := scaleConfig(dir, n)
	if err != nil {
		return nil, err
	}
	return config.Load(filepath.Join(folder, "prod.yaml"))
}

// stackSize is one stack's weight against CloudFormation's limits.
type stackSize struct {
	name               string
	resources, outputs int
	bytes              int64
}

// largest returns the stack with the most resources, and the largest template in bytes.
func (a *Assembly) largest() (byResources, byBytes stackSize, err error) {
	for _, name := range a.StackNames() {
		tpl := a.Templates[name]
		info, serr := os.Stat(tpl.Path)
		if serr != nil {
			return byResources, byBytes, serr
		}
		s := stackSize{name: name, resources: tpl.Written, outputs: len(tpl.Outputs), bytes: info.Size()}
		if s.resources > byResources.resources {
			byResources = s
		}
		if s.bytes > byBytes.bytes {
			byBytes = s
		}
	}
	return byResources, byBytes, nil
}

// TestFortyServicesPerRegionFit synthesizes prod with 40 services in each of its two regions
// and holds every stack well inside CloudFormation's per-stack limits.
func TestFortyServicesPerRegionFit(t *testing.T) {
	t.Parallel() // it reads a child synthesis (child_test.go): last, when that is done
	a := scaleChild.Assembly(t)
	env := a.Envs["prod"]
	require.NotNil(t, env)
	require.Len(t, env.Regions, 2)
	require.Len(t, env.Services, scaleServices)
	mostOutputs := stackSize{}
	for _, name := range a.StackNames() {
		tpl := a.Templates[name]
		info, err := os.Stat(tpl.Path)
		require.NoError(t, err)
		assert.Equal(t, len(tpl.Resources)+1, tpl.Written, "%s: written with the CLI's CDKMetadata", name)
		assert.Less(t, tpl.Written, maxStackResources, "%s: resources as written, CDKMetadata included", name)
		assert.Less(t, info.Size(), int64(maxTemplateBytes), "%s: template bytes", name)
		assert.Less(t, len(tpl.Outputs), maxStackOutputs, "%s: outputs (exports)", name)
		if len(tpl.Outputs) > mostOutputs.outputs {
			mostOutputs = stackSize{name: name, outputs: len(tpl.Outputs)}
		}
	}
	byResources, byBytes, err := a.largest()
	require.NoError(t, err)
	t.Logf("%d stacks; most resources: %s (%d); largest template: %s (%.0f KB); most outputs: %s (%d)",
		len(a.Templates), byResources.name, byResources.resources, byBytes.name, float64(byBytes.bytes)/1024, mostOutputs.name, mostOutputs.outputs)
	// The layout's own promises hold at this size too, and cdk-nag, which ran over every stack,
	// reported nothing (its findings are error and warning annotations).
	for _, ch := range slices.Concat(layoutChecks, assemblyChecks) {
		for _, f := range ch.runOn(a) {
			t.Errorf("%s: %s", ch.name, f)
		}
	}
}
