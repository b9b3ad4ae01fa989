package jsiidirect

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCommand(t *testing.T) {
	const program = "/home/me/go/pkg/mod/github.com/aws/jsii-runtime-go@v1.142.0/internal/embedded/resources/lib/program.js"
	cases := []struct {
		name, shell, node, program string
		ok                         bool
	}{
		{"bash runs it", "/bin/bash", "node", program, true},
		{"sh runs it", "/bin/sh", "node", program, true},
		{"zsh runs it", "/usr/bin/zsh", "/opt/node/bin/node", program, true},
		{"fish may not read the redirections", "/usr/bin/fish", "node", program, false},
		{"busybox is not called as a shell", "/bin/busybox", "node", program, false},
		{"a quote in the bundle's path cannot be carried", "/bin/bash", "node", "/home/o'brien/program.js", false},
		{"a double quote in the node path cannot be carried", "/bin/bash", `/opt/"node"`, program, false},
		{"a backslash cannot be carried", "/bin/sh", "node", `/a\b/program.js`, false},
		{"a newline cannot be carried", "/bin/sh", "node", "/a\nb/program.js", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			command, ok := Command(c.shell, c.node, c.program)
			require.Equal(t, c.ok, ok)
			if !ok {
				assert.Empty(t, command)
				return
			}
			assert.Equal(t, "exec '"+c.node+"' --preserve-symlinks -e 'const fs=require(\"fs\"),w=fs.writeSync;"+
				"fs.writeSync=function(fd,...a){return w.call(this,fd===3?4:fd,...a)};require(\""+c.program+"\")' 3<&0 0</dev/null 4>&1 1>&2", command)
		})
	}
}

func TestNodeFlagsComeBeforeTheKernel(t *testing.T) {
	command, ok := Command("/bin/sh", "node", "/m/program.js", "--single-threaded")
	require.True(t, ok)
	assert.Contains(t, command, "exec 'node' '--single-threaded' --preserve-symlinks -e ")
	_, ok = Command("/bin/sh", "node", "/m/program.js", "--title='x'")
	assert.False(t, ok, "a flag the quoting cannot carry")
}

func TestEnableRunsTheKernelSingleThreadedWhenAsked(t *testing.T) {
	t.Setenv(OptOutEnv, "")
	t.Setenv("SHELL", "/bin/sh")
	for value, want := range map[string]bool{"1": true, "TRUE": true, "on": true, "": false, "0": false} {
		t.Setenv(RuntimeEnv, "")
		t.Setenv(SingleThreadedEnv, value)
		require.True(t, Enable(), value)
		assert.Equal(t, want, strings.Contains(os.Getenv(RuntimeEnv), "'--single-threaded'"), "%s=%q", SingleThreadedEnv, value)
	}
}

func TestEnableLeavesAnExplicitRuntimeAlone(t *testing.T) {
	t.Setenv(RuntimeEnv, "my-runtime")
	assert.False(t, Enable())
	assert.Equal(t, "my-runtime", os.Getenv(RuntimeEnv))
}

func TestTheRelayIsKeptForAShellThatCannotRunTheCommand(t *testing.T) {
	t.Setenv(RuntimeEnv, "")
	t.Setenv(OptOutEnv, "")
	for shell, reason := range map[string]string{
		"/usr/bin/fish":       "is not a POSIX shell",
		"/no/such/place/bash": "cannot be run",
	} {
		t.Setenv("SHELL", shell)
		assert.Contains(t, KeptRelay(), reason, shell)
		assert.False(t, Enable(), shell)
		assert.Empty(t, os.Getenv(RuntimeEnv), shell)
	}
	t.Setenv("SHELL", "")
	assert.Empty(t, KeptRelay(), "no SHELL: /bin/sh")
}

func TestEnableCanBeSwitchedOff(t *testing.T) {
	t.Setenv(RuntimeEnv, "")
	for _, off := range []string{"0", "false", "OFF"} {
		t.Setenv(OptOutEnv, off)
		assert.False(t, Enable(), off)
		assert.Empty(t, os.Getenv(RuntimeEnv), off)
	}
}

func TestEnableFindsThisBuildsKernelBundle(t *testing.T) {
	t.Setenv(RuntimeEnv, "")
	t.Setenv(OptOutEnv, "")
	t.Setenv("SHELL", "/bin/sh")
	program, ok := kernelBundle()
	require.True(t, ok, "the module cache holds the jsii-runtime-go this test binary was built with")
	assert.Equal(t, "program.js", filepath.Base(program))
	require.True(t, Enable())
	assert.Contains(t, os.Getenv(RuntimeEnv), program)
}

func TestABundleIsFoundOnlyWhereItIs(t *testing.T) {
	empty := t.TempDir()
	t.Setenv("GOMODCACHE", empty)
	t.Setenv("GOPATH", empty)
	t.Setenv("HOME", empty)
	t.Setenv("PATH", empty) // no go to ask
	_, ok := bundleFor(filepath.Join(empty, "github.com/aws/jsii-runtime-go@v1.142.0"))
	assert.False(t, ok, "an absolute source folder that is gone")
	_, ok = bundleFor("github.com/aws/jsii-runtime-go@v1.142.0")
	assert.False(t, ok, "a -trimpath module folder in no module cache")

	lib := filepath.Join(empty, "github.com/aws/jsii-runtime-go@v1.142.0", "internal", "embedded", "resources", "lib")
	require.NoError(t, os.MkdirAll(lib, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(lib, "program.js"), nil, 0o644))
	program, ok := bundleFor("github.com/aws/jsii-runtime-go@v1.142.0")
	require.True(t, ok, "a -trimpath module folder in GOMODCACHE")
	assert.Equal(t, filepath.Join(lib, "program.js"), program)
}
