// Command gates fails when the cloud assembly in its argument (default cdk.out) has any cdk-nag
// finding, cfn-lint error or warning, or built-in validation finding, and lists them. It reads
// only an assembly that still holds what make synthesized (see gates.Fresh).
//
//	go run ./tools/gates [dir]          check dir
//	go run ./tools/gates -stamp dir     record dir as synthesized by make (the Makefile's job)
//	go run ./tools/gates -fresh dir     only check that dir still holds what its stamp recorded
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/stratus-platform/stratus/internal/gates"
)

func main() {
	stamp := flag.Bool("stamp", false, "record the folder's content as a validated make synth wrote it, and check nothing")
	fresh := flag.Bool("fresh", false, "only check that the folder still holds what its stamp recorded")
	flag.Parse()
	dir := "cdk.out"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	if *fresh {
		if err := gates.Fresh(dir); err != nil {
			fmt.Fprintln(os.Stderr, "gates:", err)
			os.Exit(1)
		}
		return
	}
	if *stamp {
		if err := gates.Stamp(dir); err != nil {
			fmt.Fprintln(os.Stderr, "gates:", err)
			os.Exit(2)
		}
		return
	}
	findings, err := gates.All(dir)
	for _, f := range findings {
		fmt.Println(f)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gates:", err)
		os.Exit(2)
	}
	if len(findings) > 0 {
		fmt.Fprintf(os.Stderr, "gates: %d finding(s) in %s\n", len(findings), dir)
		os.Exit(1)
	}
	fmt.Printf("gates: %s is clean (cdk-nag %v, cfn-lint, built-in validation)\n", dir, gates.NagPacks)
}
