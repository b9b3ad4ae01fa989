// Command cost prints, and writes into docs/cost.md, an itemized monthly cost estimate of every
// environment of the given cloud assemblies, from the resources their templates declare and the
// price table tools/cost/prices.yaml; the README's summary sits between its "cost" markers. With
// -check it writes nothing and fails when a committed file differs from what the assemblies give.
// It fails on a resource type that is neither priced nor listed as unpriced, and on a missing
// price.
//
//	go run ./tools/cost [-check] [-out docs/cost.md] [-readme README.md] cdk.out cdk.out/examples
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/stratus-platform/stratus/internal/assembly"
	"github.com/stratus-platform/stratus/internal/gendoc"
)

func main() {
	check := flag.Bool("check", false, "fail when the committed estimate is stale instead of writing")
	out := flag.String("out", "docs/cost.md", "the estimate document")
	readme := flag.String("readme", "README.md", "document showing the summary between <!-- begin cost --> and <!-- end cost --> (empty: none)")
	flag.Parse()
	dirs := flag.Args()
	if len(dirs) == 0 {
		dirs = []string{"cdk.out"}
	}
	files, doc, err := generate(dirs, *out, *readme)
	if err == nil {
		if *check {
			err = files.Check("make cost")
		} else {
			fmt.Print(doc)
			err = files.Write()
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

func generate(dirs []string, out, readme string) (gendoc.Files, string, error) {
	p, err := parsePrices(pricesYAML)
	if err != nil {
		return nil, "", err
	}
	var estimates []*Estimate
	var sources []string
	seen := map[string]bool{}
	for _, dir := range dirs {
		stages, err := assembly.Read(dir)
		if err != nil {
			return nil, "", err
		}
		for _, s := range stages {
			if seen[s.Env] {
				return nil, "", fmt.Errorf("%s: a second environment named %q (each needs its own estimate)", dir, s.Env)
			}
			seen[s.Env] = true
			e, err := estimate(s, p)
			if err != nil {
				return nil, "", err
			}
			estimates = append(estimates, e)
		}
		sources = append(sources, filepath.ToSlash(dir))
	}
	doc := render(estimates, p, sources)
	files := gendoc.Files{out: doc}
	if readme != "" {
		b, err := os.ReadFile(readme)
		if err != nil {
			return nil, "", err
		}
		rel, err := filepath.Rel(filepath.Dir(readme), out)
		if err != nil {
			return nil, "", err
		}
		text, err := gendoc.Splice(string(b), "cost", summary(estimates, filepath.ToSlash(rel)))
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", readme, err)
		}
		files[readme] = text
	}
	return files, doc, nil
}
