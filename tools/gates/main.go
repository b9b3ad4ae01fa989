// Command gates fails when the cloud assembly in its argument (default cdk.out) has any cdk-nag
// finding, cfn-lint error or warning, or built-in validation finding, and lists them. It reads
// only an assembly that still holds what make synthesized (see gates.Fresh).
//
//	go run ./tools/gates [dir]          check dir
//	go run ./tools/gates -stamp dir     record dir as synthesized by make (the Makefile's job)
//	go run ./tools/gates -fresh dir     only check that dir still holds what its stamp recorded
//	go run ./tools/gates -inputs config,config/examples
//	                                    print the key of what a synthesis of those configs reads
//	go run ./tools/gates -kept file -key k dir...
//	                                    exit 0 when file records that the assemblies in dir... were
//	                                    made from the inputs of key and they still hold what make
//	                                    stamped (make test then keeps them)
//	go run ./tools/gates -record file -key k dir...
//	                                    record that the assemblies in dir... were made from key
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/stratus-platform/stratus/internal/gates"
	"github.com/stratus-platform/stratus/internal/inputs"
)

func main() {
	stamp := flag.Bool("stamp", false, "record the folder's content as a validated make synth wrote it, and check nothing")
	fresh := flag.Bool("fresh", false, "only check that the folder still holds what its stamp recorded")
	configs := flag.String("inputs", "", "print the key of what a synthesis of these comma-separated config folders reads (internal/inputs)")
	kept := flag.String("kept", "", "exit 0 when this record says the assemblies in the arguments were made from -key and they are fresh")
	record := flag.String("record", "", "record that the assemblies in the arguments were made from -key")
	key := flag.String("key", "", "with -kept and -record: the key -inputs printed before the synthesis")
	flag.Parse()
	switch {
	case *configs != "":
		k, err := inputs.Key(".", strings.Split(*configs, ","))
		if err != nil {
			// No key, no keeping: make synthesizes as it always did.
			fmt.Fprintln(os.Stderr, "gates: the synthesis's inputs cannot be named, so it runs:", err)
			return
		}
		fmt.Println(k)
		return
	case *kept != "":
		if !inputs.Recorded(*kept, *key, flag.Args()) {
			os.Exit(1)
		}
		for _, dir := range flag.Args() {
			if gates.Fresh(dir) != nil {
				os.Exit(1)
			}
		}
		fmt.Printf("%s: kept, nothing they are made from changed since make synthesized them (%s)\n", strings.Join(flag.Args(), ", "), *kept)
		return
	case *record != "":
		if err := inputs.Save(*record, *key, flag.Args()); err != nil {
			fmt.Fprintln(os.Stderr, "gates:", err)
			os.Exit(2)
		}
		return
	}
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
