// Package jsiidirect starts aws-cdk-go's jsii kernel as one Node process instead of two.
//
// By default jsii-runtime-go starts `node jsii-runtime.js`, which starts the kernel
// (lib/program.js) in a second Node process and relays every request and response between its
// own stdin/stdout and the kernel's fd 3 through Node streams. A synthesis makes thousands of
// calls (about 1,000 per service in both regions), so the relay costs a quarter of a synth's CPU
// and adds a hop to each call's latency. Enable points JSII_RUNTIME (jsii-runtime-go's documented
// override) at a command that runs the kernel of the same jsii-runtime-go version directly: the
// shell hands it Go's request pipe as fd 3 and Go's response pipe as fd 4, a three-line shim sends
// the kernel's fd-3 writes to fd 4, and the kernel's own stdout goes to stderr, where Go already
// prints what is not a protocol message. The protocol, the kernel and its version are unchanged;
// only the relay process is gone.
//
// jsii-runtime-go reads JSII_RUNTIME when its client is built, at package initialization (type
// registration), before main or TestMain run. So Restart sets the variable and re-executes the
// program, which costs a few milliseconds; the kernel process itself starts only at the first
// jsii call, so the first image never starts one.
package jsiidirect

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"strings"
	"syscall"
	"unicode"

	"github.com/aws/jsii-runtime-go"
)

// OptOutEnv, set to 0, keeps jsii-runtime-go's default relay (for comparing the two, or should a
// shell or platform not run the command).
const OptOutEnv = "STRATUS_JSII_DIRECT"

// RuntimeEnv is jsii-runtime-go's variable naming the command that starts the kernel.
const RuntimeEnv = "JSII_RUNTIME"

// shim runs the kernel with its fd-3 writes sent to fd 4: fd 3 is the read end of Go's request
// pipe (a duplex socket only behind the relay), fd 4 the write end of Go's response pipe. Both are
// open before Node starts, so no file the kernel opens can take either number.
const shim = `const fs=require("fs"),w=fs.writeSync;fs.writeSync=function(fd,...a){return w.call(this,fd===3?4:fd,...a)};require(%s)`

// Restart re-executes this program with JSII_RUNTIME set to the direct command, when Enable sets
// it. Call it first thing in main or TestMain, before any jsii call. It returns when there is
// nothing to do (the variable is set already, as in the re-executed program) or the re-execution
// failed, and then everything runs as before, through the relay.
func Restart() {
	if !Enable() {
		return
	}
	if self, err := os.Executable(); err == nil {
		_ = syscall.Exec(self, os.Args, os.Environ()) // returns only when it failed
	}
	os.Unsetenv(RuntimeEnv)
}

// Enable sets JSII_RUNTIME to the direct command before the first jsii call, unless the variable
// is already set, OptOutEnv is 0, or the command cannot be built here (no kernel bundle of this
// binary's jsii-runtime-go version found, a shell that may not read POSIX redirections, a path
// the quoting cannot carry, Windows). In those cases nothing changes and jsii starts its relay as usual.
// It reports whether it set the variable.
func Enable() bool {
	if goruntime.GOOS == "windows" || os.Getenv(RuntimeEnv) != "" || os.Getenv(OptOutEnv) == "0" {
		return false
	}
	program, ok := kernelBundle()
	if !ok {
		return false
	}
	node := os.Getenv("JSII_NODE")
	if node == "" {
		node = "node"
	}
	command, ok := Command(os.Getenv("SHELL"), node, program)
	if !ok {
		return false
	}
	return os.Setenv(RuntimeEnv, command) == nil
}

// Command is the shell command that runs the kernel bundle program with node, for the shell
// jsii-runtime-go will run it with ($SHELL, else /bin/sh), and whether it can be built: the shell
// must be a POSIX one and neither path may hold a quote or a control character.
func Command(shell, node, program string) (string, bool) {
	if shell == "" {
		shell = "/bin/sh"
	}
	switch filepath.Base(shell) {
	case "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash", "busybox":
	default:
		return "", false
	}
	if !quotable(node) || !quotable(program) {
		return "", false
	}
	literal, err := json.Marshal(program)
	if err != nil {
		return "", false
	}
	// exec: the kernel replaces the shell, so the process jsii-runtime-go waits on and signals
	// is the kernel itself.
	return fmt.Sprintf("exec '%s' --preserve-symlinks -e '%s' 3<&0 4>&1 1>&2", node, fmt.Sprintf(shim, literal)), true
}

// quotable reports whether s can stand between single quotes in a shell word and in a JSON string
// inside them: no quotes of either kind, no backslash, no control character.
func quotable(s string) bool {
	return !strings.ContainsAny(s, `'"\`) && !strings.ContainsFunc(s, unicode.IsControl)
}

// kernelBundle finds program.js of the jsii-runtime-go this binary was built with: the source
// folder the binary's jsii package was compiled from (a module-relative one under -trimpath, then
// looked up in the module cache, asking `go env` only when the usual places do not hold it).
func kernelBundle() (string, bool) {
	fn := goruntime.FuncForPC(reflect.ValueOf(jsii.String).Pointer())
	if fn == nil {
		return "", false
	}
	file, _ := fn.FileLine(fn.Entry())
	return bundleFor(filepath.Dir(file))
}

// bundleFor finds the kernel bundle of the jsii-runtime-go module compiled from module: an
// absolute folder, or module@version as -trimpath records it.
func bundleFor(module string) (string, bool) {
	if filepath.IsAbs(module) {
		return bundleIn(module)
	}
	for _, cache := range moduleCaches() {
		if program, ok := bundleIn(filepath.Join(cache, module)); ok {
			return program, true
		}
	}
	if reported, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
		if cache := strings.TrimSpace(string(reported)); cache != "" {
			return bundleIn(filepath.Join(cache, module))
		}
	}
	return "", false
}

// bundleIn returns the kernel bundle of the jsii-runtime-go module in dir, if it is there.
func bundleIn(dir string) (string, bool) {
	program := filepath.Join(dir, "internal", "embedded", "resources", "lib", "program.js")
	st, err := os.Stat(program)
	return program, err == nil && st.Mode().IsRegular()
}

// moduleCaches lists where the module cache usually is: GOMODCACHE, each GOPATH's pkg/mod, and
// the default GOPATH's.
func moduleCaches() []string {
	var out []string
	if dir := os.Getenv("GOMODCACHE"); dir != "" {
		out = append(out, dir)
	}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			out = append(out, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		out = append(out, filepath.Join(home, "go", "pkg", "mod"))
	}
	return out
}
