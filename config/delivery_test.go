package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deliveryDir writes the shipped test delivery file, with each old→new replacement applied,
// beside three (unread) environment files, and returns the folder.
func deliveryDir(t *testing.T, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile("../test/testdata/config/delivery.yaml")
	require.NoError(t, err)
	doc := string(data)
	for i := 0; i+1 < len(replace); i += 2 {
		require.Contains(t, doc, replace[i], "the edit's old text is in the file")
		doc = strings.Replace(doc, replace[i], replace[i+1], 1)
	}
	dir := t.TempDir()
	for _, f := range []string{"dev.yaml", "staging.yaml", "prod.yaml"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o644))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, DeliveryFile), []byte(doc), 0o644))
	return dir
}

func TestShippedDeliveryLoads(t *testing.T) {
	for _, dir := range []string{".", "../test/testdata/config"} {
		d, err := LoadDelivery(dir)
		require.NoError(t, err, dir)
		require.NotNil(t, d)
		assert.Equal(t, "444444444444", d.Account)
		assert.Equal(t, "us-east-1", d.Region)
		assert.Equal(t, []string{"dev", "staging", "prod"}, d.Environments)
		assert.True(t, d.NeedsApproval("prod"))
		assert.False(t, d.NeedsApproval("staging"))
		assert.Equal(t, "example-org/stratus", d.Source.Repository)
		assert.Equal(t, []string{"platform-team@example.com"}, d.Notify)
	}
	shipped, err := os.ReadFile(DeliveryFile)
	require.NoError(t, err)
	copied, err := os.ReadFile("../test/testdata/config/" + DeliveryFile)
	require.NoError(t, err)
	assert.Equal(t, string(shipped), string(copied), "test/testdata/config/delivery.yaml is a copy of config/delivery.yaml")
}

func TestDeliveryDefaults(t *testing.T) {
	d, err := LoadDelivery(deliveryDir(t,
		"environments: [dev, staging, prod]\n", "",
		"approvals: [prod]\n", "",
		"  branch: main\n", ""))
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "staging", "prod"}, d.Environments)
	assert.Equal(t, []string{"prod"}, d.Approvals)
	assert.Equal(t, "main", d.Source.Branch)
}

func TestNoDeliveryFileMeansNoPipeline(t *testing.T) {
	d, err := LoadDelivery(t.TempDir())
	assert.NoError(t, err)
	assert.Nil(t, d)
}

func TestLoadDirDoesNotTreatTheDeliveryFileAsAnEnvironment(t *testing.T) {
	names, err := envNames("../test/testdata/config")
	require.NoError(t, err)
	assert.Equal(t, []string{"dev", "staging", "prod"}, names)
	envs, err := LoadDir("../test/testdata/config")
	require.NoError(t, err)
	assert.Len(t, envs, 3)
}

// TestBadDeliveryConfig: one case per rule; each error is file:line: key: rule.
func TestBadDeliveryConfig(t *testing.T) {
	const arn = "arn:aws:codeconnections:us-east-1:444444444444:connection/00000000-0000-0000-0000-000000000000"
	cases := []struct {
		name    string
		replace []string
		want    string
	}{
		{"unknown key", []string{"region: us-east-1\n", "region: us-east-1\nregon: x\n"}, `:9: regon: unknown key (allowed: account, region, source, environments, approvals, notify, releases)`},
		{"duplicate key", []string{"region: us-east-1\n", "region: us-east-1\nregion: eu-west-1\n"}, `:9: region: duplicate key (first given at line 8`},
		{"wrong type", []string{"environments: [dev, staging, prod]", "environments: dev"}, `:19: environments: must be a sequence`},
		{"unquoted account", []string{`account: "444444444444"`, `account: 444444444444`}, `:7: account: must be a string, got an integer 444444444444 (quote it`},
		{"account digits", []string{`account: "444444444444"`, `account: "4444"`}, `:7: account: "4444" must be exactly 12 digits`},
		{"account missing", []string{"account: \"444444444444\"\n", ""}, `delivery.yaml: account: missing (the 12-digit tooling account`},
		{"account empty", []string{`account: "444444444444"`, `account: ""`}, `:7: account: must not be empty (the 12-digit tooling account`},
		{"region", []string{"region: us-east-1", "region: mars-1"}, `:8: region: "mars-1" is not a supported region (allowed: `},
		{"connection arn", []string{arn, "arn:aws:s3:::bucket"}, `:13: source.connectionArn: "arn:aws:s3:::bucket" is not a connection ARN (allowed: arn:aws:codeconnections:`},
		{"connection arn missing", []string{"  connectionArn: " + arn + "\n", ""}, `:10: source.connectionArn: missing (the CodeConnections connection)`},
		{"repository", []string{"example-org/stratus", "stratus"}, `:15: source.repository: "stratus" is not a repository (allowed: owner/name`},
		{"branch", []string{"branch: main", "branch: feature..x"}, `:16: source.branch: "feature..x" is not a branch name (allowed: `},
		{"no environments", []string{"environments: [dev, staging, prod]", "environments: []"}, `:19: environments: must list at least one environment (allowed: dev, staging, prod)`},
		{"unknown environment", []string{"[dev, staging, prod]", "[dev, qa, prod]"}, `:19: environments[1]: "qa" has no environment file in the folder (allowed: dev, staging, prod)`},
		{"environment twice", []string{"[dev, staging, prod]", "[dev, dev, prod]"}, `:19: environments[1]: "dev" is also environments[0] (each may appear once)`},
		{"approval outside environments", []string{"[dev, staging, prod]", "[dev, prod]", "approvals: [prod]", "approvals: [staging]"}, `:21: approvals[0]: "staging" is not one of environments (allowed: dev, prod)`},
		{"no address", []string{"  - platform-team@example.com\n", "", "notify:", "notify: []"}, `:24: notify: must list 1-10 e-mail addresses, got 0`},
		{"bad address", []string{"platform-team@example.com", "platform-team"}, `:25: notify[0]: "platform-team" is not an e-mail address (allowed: an e-mail address`},
		{"empty file", nil, `delivery.yaml: empty file: expected a mapping`},
		{"syntax", []string{"region: us-east-1", "region: [us-east-1"}, `delivery.yaml:8: YAML syntax error`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := deliveryDir(t, c.replace...)
			if c.replace == nil {
				require.NoError(t, os.WriteFile(filepath.Join(dir, DeliveryFile), []byte("# nothing\n"), 0o644))
			}
			d, err := LoadDelivery(dir)
			require.Error(t, err)
			assert.Nil(t, d)
			assert.Contains(t, err.Error(), filepath.Join(dir, DeliveryFile))
			assert.Contains(t, err.Error(), c.want)
			assert.Len(t, strings.Split(err.Error(), "\n"), 1, "one problem, reported once: %s", err)
		})
	}
}
