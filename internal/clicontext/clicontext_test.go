package clicontext

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadMergesTheVariableAndTheOverflowFile(t *testing.T) {
	overflow := filepath.Join(t.TempDir(), "context-overflow.json")
	require.NoError(t, os.WriteFile(overflow, []byte(`{"env":"prod","big":[1,2]}`), 0o644))
	t.Setenv(Env, `{"configDir":"config/examples","env":"dev","flag":true}`)
	t.Setenv(OverflowEnv, overflow)

	ctx, err := Read()
	require.NoError(t, err)
	assert.Equal(t, "config/examples", ctx.String("configDir", "config"))
	assert.Equal(t, "prod", ctx.String("env", ""), "the overflow file's keys are read too")
	assert.Equal(t, "fallback", ctx.String("flag", "fallback"), "a value that is not a string falls back")
	assert.Equal(t, "config", ctx.String("missing", "config"))
}

func TestReadWithoutTheCliIsEmpty(t *testing.T) {
	t.Setenv(Env, "")
	t.Setenv(OverflowEnv, "")
	ctx, err := Read()
	require.NoError(t, err)
	assert.Empty(t, ctx)
}

func TestReadRejectsWhatIsNotAJsonObject(t *testing.T) {
	cases := []struct {
		name, env, overflow, want string
	}{
		{"a variable that is not JSON", "{env:", "", Env + ": not a JSON object"},
		{"a variable holding a list", `["env"]`, "", Env + ": not a JSON object"},
		{"an overflow file that is not JSON", "{}", "nope", OverflowEnv},
		{"an overflow file that is missing", "{}", "-", OverflowEnv},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(Env, c.env)
			t.Setenv(OverflowEnv, "")
			if c.overflow != "" {
				file := filepath.Join(t.TempDir(), "overflow.json")
				if c.overflow != "-" {
					require.NoError(t, os.WriteFile(file, []byte(c.overflow), 0o644))
				}
				t.Setenv(OverflowEnv, file)
			}
			_, err := Read()
			assert.ErrorContains(t, err, c.want)
		})
	}
}

func TestProjectRanksTheContextFilesAsTheCLIDoes(t *testing.T) {
	home, dir := t.TempDir(), t.TempDir()
	t.Setenv("HOME", home)
	write := func(file, text string) {
		t.Helper()
		require.NoError(t, os.WriteFile(file, []byte(text), 0o644))
	}
	write(filepath.Join(home, ".cdk.json"), `{"context":{"user":"home","shared":"home","flag":"home"}}`)
	write(filepath.Join(dir, "cdk.json"), `{"app":"go run .","context":{"shared":"project","flag":"project"}}`)
	write(filepath.Join(dir, "cdk.context.json"), `{"flag":"lookups"}`)

	ctx, err := Project(dir)
	require.NoError(t, err)
	assert.Equal(t, "home", ctx["user"], "~/.cdk.json's context is read")
	assert.Equal(t, "project", ctx["shared"], "cdk.json's context wins over ~/.cdk.json's")
	assert.Equal(t, "lookups", ctx["flag"], "cdk.context.json wins over cdk.json")
	assert.NotContains(t, ctx, "app", "only cdk.json's context key is context")
	for k, v := range AppDefaults() {
		assert.Equal(t, v, ctx[k], "the app's own default %s", k)
	}

	synth, err := Synth(dir)
	require.NoError(t, err)
	for k, v := range CLIAdditions() {
		assert.Equal(t, v, synth[k], "Synth adds the CLI's %s", k)
	}
}

func TestProjectNeedsOnlyCdkJSON(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	dir := t.TempDir()
	_, err := Project(dir)
	assert.ErrorIs(t, err, os.ErrNotExist, "a project without cdk.json")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"context":{"a":1}}`), 0o644))
	ctx, err := Project(dir)
	require.NoError(t, err)
	assert.Equal(t, float64(1), ctx["a"], "no ~/.cdk.json and no cdk.context.json")
}

func TestProjectRejectsContextFilesThatAreNotJSONObjects(t *testing.T) {
	cases := []struct {
		name, file, text, want string
	}{
		{"cdk.json that is not JSON", "cdk.json", "{context:", "cdk.json: not a JSON object"},
		{"cdk.json whose context is a list", "cdk.json", `{"context":[1]}`, `cdk.json: "context" is not a JSON object`},
		{"cdk.context.json holding a list", "cdk.context.json", `[1]`, "cdk.context.json: not a JSON object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"context":{}}`), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, c.file), []byte(c.text), 0o644))
			_, err := Project(dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}
