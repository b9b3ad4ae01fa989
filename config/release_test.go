package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShippedReleaseLoads(t *testing.T) {
	d, err := LoadDelivery("../test/testdata/config")
	require.NoError(t, err)
	assert.Equal(t, []string{"order", "product", "user"}, d.ReleasedServices(), "every shipped service")
	r := d.Releases["product"]
	assert.Equal(t, "example-org/product", r.Source.Repository)
	assert.Equal(t, "main", r.Source.Branch)
	assert.Equal(t, "HIGH", r.FailOn)
	assert.Equal(t, []string{"go test ./..."}, r.Test)
	assert.Len(t, r.IntegrationTest, 1)
}

// TestAttachMarksTheEnvironmentsReleasesDeployTo: an environment learns the tooling account and
// the released services when the delivery file deploys it, and nothing otherwise.
func TestAttachMarksTheEnvironmentsReleasesDeployTo(t *testing.T) {
	d, err := LoadDelivery("../test/testdata/config")
	require.NoError(t, err)
	require.Contains(t, d.Environments, "prod")
	prod, other := &Environment{Name: "prod"}, &Environment{Name: "qa", Released: &Released{ToolingAccount: "1"}}
	d.Attach([]*Environment{prod, other})
	assert.Equal(t, &Released{ToolingAccount: d.Account, Services: []string{"order", "product", "user"}}, prod.Released)
	assert.Nil(t, other.Released, "qa is not one of the delivery file's environments")

	releases := d.Releases
	d.Releases = nil
	d.Attach([]*Environment{prod})
	assert.Nil(t, prod.Released, "a delivery file without releases releases nothing")
	d.Releases = releases

	var none *Delivery
	prod.Released = &Released{}
	none.Attach([]*Environment{prod})
	assert.Nil(t, prod.Released, "a folder without a delivery file releases nothing")
}

func TestEcrPushRelease(t *testing.T) {
	d, err := LoadDelivery(deliveryDir(t, "      repository: example-org/product\n      branch: main\n", "      type: ecr-push\n",
		"    test:\n      - go test ./...\n", "", "    securityScan:\n      - go vet ./...\n", ""))
	require.NoError(t, err)
	r := d.Releases["product"]
	assert.Equal(t, "ecr-push", r.Source.Type)
	assert.Empty(t, r.Source.Branch, "no branch for a pushed image")
}

func TestReleaseDefaults(t *testing.T) {
	d, err := LoadDelivery(deliveryDir(t, "      branch: main\n", "", "    failOn: HIGH\n", ""))
	require.NoError(t, err)
	assert.Equal(t, "main", d.Releases["product"].Source.Branch)
	assert.Equal(t, "repository", d.Releases["product"].Source.Type)
	assert.Equal(t, "HIGH", d.Releases["product"].FailOn)
}

// TestBadReleaseConfig: one case per rule; each error is file:line: key: rule.
func TestBadReleaseConfig(t *testing.T) {
	cases := []struct {
		name    string
		replace []string
		want    string
	}{
		{"unknown key", []string{"    failOn: HIGH\n", "    failOn: HIGH\n    fail: x\n"}, `: releases["product"].fail: unknown key (allowed: source, test, securityScan, failOn, integrationTest)`},
		{"severity", []string{"failOn: HIGH", "failOn: SEVERE"}, `:42: releases["product"].failOn: "SEVERE" is not a scan severity (allowed: CRITICAL, HIGH, MEDIUM, LOW)`},
		{"lowercase severity", []string{"failOn: HIGH", "failOn: high"}, `releases["product"].failOn: "high" is not a scan severity`},
		{"repository", []string{"repository: example-org/product", "repository: product"}, `:35: releases["product"].source.repository: "product" is not a repository (allowed: owner/name`},
		{"repository missing", []string{"      repository: example-org/product\n", ""}, `releases["product"].source.repository: missing (owner/name`},
		{"branch", []string{"      branch: main\n", "      branch: a..b\n"}, `:36: releases["product"].source.branch: "a..b" is not a branch name`},
		{"service name", []string{"  product:\n", "  Product_1:\n"}, `releases["Product_1"]: "Product_1" is not a service name`},
		{"empty command", []string{"      - go vet ./...\n", "      - \"\"\n"}, `:40: releases["product"].securityScan[0]: is empty (allowed: a shell command)`},
		{"source type", []string{"      repository: example-org/product\n", "      type: git\n      repository: example-org/product\n"}, `releases["product"].source.type: "git" is not a source type (allowed: repository, ecr-push)`},
		{"ecr-push with a repository", []string{"      repository: example-org/product\n      branch: main\n", "      type: ecr-push\n      repository: example-org/product\n", "    test:\n      - go test ./...\n", "", "    securityScan:\n      - go vet ./...\n", ""}, `:36: releases["product"].source.repository: not allowed with source.type ecr-push (the image arrives built; allowed with source.type repository)`},
		{"ecr-push with tests", []string{"      repository: example-org/product\n      branch: main\n", "      type: ecr-push\n", "    securityScan:\n      - go vet ./...\n", ""}, `releases["product"].test: not allowed with source.type ecr-push`},
		{"too many commands", []string{"    test:\n      - go test ./...\n", "    test:\n" + strings.Repeat("      - go test ./...\n", 51)}, `:37: releases["product"].test: 51 commands; at most 50`},
		{"commands not a list", []string{"    test:\n      - go test ./...\n", "    test: go test ./...\n"}, `releases["product"].test: must be a sequence`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := LoadDelivery(deliveryDir(t, c.replace...))
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), c.want)
			assert.Len(t, strings.Split(err.Error(), "\n"), 1, "one problem, reported once: %s", err)
		})
	}
}

func TestCheckReleasesNeedsTheServiceWithItsOwnRepositoryEverywhere(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"dev.yaml", "staging.yaml", "prod.yaml", DeliveryFile} {
		data, err := os.ReadFile(filepath.Join("../test/testdata/config", f))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), data, 0o644))
	}
	envs, err := LoadDir(dir)
	require.NoError(t, err)
	d, err := LoadDelivery(dir)
	require.NoError(t, err)
	require.NoError(t, CheckReleases(d, envs), "the shipped configs release product")

	d.Releases["nope"] = d.Releases["product"]
	err = CheckReleases(d, envs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `delivery.yaml: releases["nope"]: `)
	assert.Contains(t, err.Error(), `dev.yaml has no service "nope"`)
	assert.Contains(t, err.Error(), `add the service there, or remove releases["nope"] from delivery.yaml)`)
	delete(d.Releases, "nope")

	envs[2].Services[0].Image = "public.ecr.aws/nginx/nginx:1.27"
	err = CheckReleases(d, envs)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `services product: image "public.ecr.aws/nginx/nginx:1.27" is a full reference`)
	assert.Len(t, strings.Split(err.Error(), "\n"), 1)
	assert.NoError(t, CheckReleases(nil, envs), "no delivery file, nothing to check")
}

// TestAnEnvironmentNamedAfterAReleaseStageIsRejected: a release pipeline has the stages Source,
// Build and ScanGate before one per environment, named after it in PascalCase.
func TestAnEnvironmentNamedAfterAReleaseStageIsRejected(t *testing.T) {
	for _, name := range []string{"build", "source", "scan-gate", "scangate"} {
		env := &Environment{Name: name, File: "/c/" + name + ".yaml"}
		d := &Delivery{File: "/c/delivery.yaml", Environments: []string{name}, Releases: map[string]Release{"product": {}}}
		err := CheckReleases(d, []*Environment{env})
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), fmt.Sprintf(`/c/delivery.yaml: environments[0] %q: would be stage `, name))
		assert.Contains(t, err.Error(), "which they have already (Source, Build, ScanGate): rename the environment (name in /c/"+name+".yaml)")
		d.Releases = nil
		assert.NoError(t, CheckReleases(d, []*Environment{env}), "%s: without releases there is no release pipeline", name)
	}
}

// TestFortyReleasesLoad: each release pipeline has a stack of its own, so a delivery file may
// release as many services as its environments run (40 here; limits.MaxServices bounds them).
func TestFortyReleasesLoad(t *testing.T) {
	var more strings.Builder
	for i := range 40 {
		fmt.Fprintf(&more, "  svc%02d:\n    source:\n      repository: example-org/svc%02d\n", i, i)
	}
	d, err := LoadDelivery(deliveryDir(t, "releases:\n", "releases:\n"+more.String()))
	require.NoError(t, err)
	assert.Len(t, d.ReleasedServices(), 43, "the forty and the fixture's product, order and user")
}
