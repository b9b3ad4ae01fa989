// Command linkcache is a `go -toolexec` wrapper that keeps linked binaries, so `go test` does not
// link a package's test binary again when nothing it is built from has changed.
//
// go caches compiled packages, but links every test binary it runs (it keeps executables only for
// go run and go tool). A Stratus test binary that imports aws-cdk-lib embeds its jsii bundle and
// takes about 2.5 CPU-seconds to link, so a run that re-runs every package without rebuilding any
// (go clean -testcache, a changed file a test reads, another CDK_ variable) spent about 90
// CPU-seconds linking what it had linked before. make unit runs go test through this wrapper:
//
//	go test -toolexec "$PWD/.make/linkcache -dir $PWD/.make/links" ./...
//
// Every tool but the linker runs unchanged. A link is keyed by its arguments (which carry go's
// link action ID, a hash of the linker's version, the flags and every package linked in) and its
// import config, with the go command's per-run work folder masked and the content of any file
// under it hashed in. On a hit the kept binary is copied to the output; on a miss the linker runs
// and its output is kept, replacing the package's earlier one (one binary per package). Keeping is
// best effort: a link is kept only while the disk keeps minFree bytes free, and a failure to keep
// or restore one only means the linker runs.
package main

import (
	"fmt"
	"os"
)

func main() {
	dir, args := splitArgs(os.Args[1:])
	if len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: linkcache [-dir folder] tool [args...] (as go's -toolexec)")
		os.Exit(2)
	}
	os.Exit(run(dir, args[0], args[1:]))
}

// splitArgs separates the wrapper's own -dir from the tool and its arguments go passes.
func splitArgs(args []string) (dir string, tool []string) {
	if len(args) >= 2 && args[0] == "-dir" {
		return args[1], args[2:]
	}
	return "", args
}
