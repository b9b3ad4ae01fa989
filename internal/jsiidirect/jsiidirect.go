// Package jsiidirect starts aws-cdk-go's jsii kernel as one Node process instead of two.
//
// By default jsii-runtime-go starts `node jsii-runtime.js`, which starts the kernel
// (lib/program.js) in a second Node process and relays every request and response between its
// own stdin/stdout and the kernel's fd 3 through Node streams. A synthesis makes thousands of
// calls (about 800 per service in both regions), so the relay costs a quarter of a synth's CPU
// and adds a hop to each call's latency. Enable points JSII_RUNTIME (jsii-runtime-go's documented
// override) at a command that runs the kernel of the same jsii-runtime-go version directly: the
// shell hands it Go's request pipe as fd 3 and Go's response pipe as fd 4, a three-line shim sends
// the kernel's fd-3 writes to fd 4, and the kernel's own stdout goes to stderr, where Go already
// prints what is not a protocol message (a printed line that is itself a JSON object is read as a
// console message, so it may show empty). The protocol, the kernel and its version are unchanged;
// only the relay process is gone.
//
// jsii-runtime-go builds its client (which reads JSII_RUNTIME) at package initialization, but
// starts the kernel process only at the first call. Enable sets the variable and drops that
// unstarted client (jsii.Close), so the first call builds a new one that reads it. Its type
// registry is package-level, so nothing registered at initialization is lost.
package jsiidirect

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	goruntime "runtime"
	"slices"
	"strings"
	"unicode"

	"github.com/aws/jsii-runtime-go"
)

// OptOutEnv, set to 0 (or false, off), keeps jsii-runtime-go's default relay (for comparing the
// two, or should a shell or platform not run the command).
const OptOutEnv = "STRATUS_JSII_DIRECT"

// SingleThreadedEnv, set to 1 (or true, on), runs the kernel's Node with --single-threaded: V8
// then collects garbage and compiles on the kernel's own thread instead of background threads. A
// synthesis alone on a machine takes longer so; several at once on few cores (make test's lanes
// and test binaries on two) take about 8 % less CPU and time in all, so make test sets it.
const SingleThreadedEnv = "STRATUS_JSII_SINGLE_THREADED"

// RuntimeEnv is jsii-runtime-go's variable naming the command that starts the kernel.
const RuntimeEnv = "JSII_RUNTIME"

// shim runs the kernel with its fd-3 writes sent to fd 4: fd 3 is the read end of Go's request
// pipe (a duplex socket only behind the relay), fd 4 the write end of Go's response pipe. Both are
// open before Node starts, so no file the kernel opens can take either number.
const shim = `const fs=require("fs"),w=fs.writeSync;fs.writeSync=function(fd,...a){return w.call(this,fd===3?4:fd,...a)};require(%s)`

// Enable sets JSII_RUNTIME to the direct command, for the next jsii client: call it first thing
// in main or TestMain, before any jsii call (it closes the client, which would end a started
// kernel). It does nothing when KeptRelay gives a reason, or the command cannot be built here (no
// kernel bundle of this binary's jsii-runtime-go version found, a path the quoting cannot carry):
// everything then runs through the relay as usual. It reports whether it set the variable.
func Enable() bool {
	if KeptRelay() != "" {
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
	var flags []string
	if envIs(SingleThreadedEnv, "1", "true", "on") {
		flags = append(flags, "--single-threaded")
	}
	command, ok := Command(shell(), node, program, flags...)
	if !ok || os.Setenv(RuntimeEnv, command) != nil {
		return false
	}
	jsii.Close()
	return true
}

// KeptRelay says why this process's environment keeps jsii's relay: a JSII_RUNTIME of its own,
// the opt-out, Windows, or a SHELL that is not a POSIX shell on the PATH. "" when none applies.
func KeptRelay() string {
	switch sh := shell(); {
	case os.Getenv(RuntimeEnv) != "":
		return RuntimeEnv + " is set"
	case envIs(OptOutEnv, "0", "false", "off"):
		return OptOutEnv + "=" + os.Getenv(OptOutEnv)
	case goruntime.GOOS == "windows":
		return "Windows has no POSIX shell for the command"
	case !posix(sh):
		return "SHELL " + sh + " is not a POSIX shell"
	default:
		if _, err := exec.LookPath(sh); err != nil {
			return "SHELL " + sh + " cannot be run"
		}
	}
	return ""
}

// envIs reports whether the variable name holds one of values, in any case.
func envIs(name string, values ...string) bool {
	return slices.Contains(values, strings.ToLower(os.Getenv(name)))
}

// shell is what jsii-runtime-go runs JSII_RUNTIME with: $SHELL, else /bin/sh.
func shell() string {
	if sh := os.Getenv("SHELL"); sh != "" {
		return sh
	}
	return "/bin/sh"
}

// posix reports whether the shell reads the command's POSIX redirections.
func posix(shell string) bool {
	switch filepath.Base(shell) {
	case "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash":
		return true
	}
	return false
}

// Command is the shell command that runs the kernel bundle program with node (and Node's
// nodeFlags), for the shell jsii-runtime-go will run it with, and whether it can be built: the
// shell must be a POSIX one and no path or flag may hold a quote or a control character. The
// kernel reads requests on fd 3 (Go's request pipe) and writes responses to fd 4 (Go's response
// pipe); its stdin is /dev/null, as behind the relay, and its stdout goes to stderr.
func Command(shell, node, program string, nodeFlags ...string) (string, bool) {
	if !posix(shell) || !quotable(node) || !quotable(program) {
		return "", false
	}
	flags := ""
	for _, f := range nodeFlags {
		if !quotable(f) {
			return "", false
		}
		flags += " '" + f + "'"
	}
	literal, err := json.Marshal(program)
	if err != nil {
		return "", false
	}
	// exec: the kernel replaces the shell, so the process jsii-runtime-go waits on and signals
	// is the kernel itself.
	return fmt.Sprintf("exec '%s'%s --preserve-symlinks -e '%s' 3<&0 0</dev/null 4>&1 1>&2", node, flags, fmt.Sprintf(shim, literal)), true
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
