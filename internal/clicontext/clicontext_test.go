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
