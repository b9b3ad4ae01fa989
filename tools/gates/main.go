// Command gates fails when the cloud assembly in its argument (default cdk.out) has any cdk-nag
// finding, cfn-lint error or warning, or built-in validation finding, and lists them.
package main

import (
	"fmt"
	"os"

	"github.com/stratus-platform/stratus/internal/gates"
)

func main() {
	dir := "cdk.out"
	if len(os.Args) > 1 {
		dir = os.Args[1]
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
