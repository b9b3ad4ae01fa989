package test

import (
	"fmt"
	"path/filepath"
	"sync"

	"github.com/stratus-platform/stratus/config"
)

// prefetch is a synthesis a test makes in this binary (a variant, a role swap) that the child
// may make first (child_test.go). Either way it is made by Synth, which keeps it: whoever comes
// second reads the kept assembly.
type prefetch struct {
	what string
	load func() ([]*config.Environment, error)
}

// The prefetches' states while prefetching: which of them the child or a test has taken, and a
// channel per prefetch the child took, closed once it is done with it.
var prefetching struct {
	sync.Mutex
	order []*prefetch // as the tests read them; empty: not prefetching
	test  map[*prefetch]bool
	child map[*prefetch]chan struct{}
}

// variants lists every variant as declared (newVariant).
var variants []*variant

// prefetches lists every prefetch, roughly in the order the tests read them: the variants, then
// the role swaps.
func prefetches() ([]*prefetch, error) {
	var out []*prefetch
	for _, v := range variants {
		out = append(out, &v.prefetch)
	}
	swaps, err := roleSwaps()
	for _, s := range swaps {
		out = append(out, &s.prefetch)
	}
	return out, err
}

// prefetchNamed is the prefetch called what.
func prefetchNamed(what string) (*prefetch, error) {
	all, err := prefetches()
	for _, p := range all {
		if p.what == what {
			return p, nil
		}
	}
	return nil, fmt.Errorf("no prefetch %q (%v)", what, err)
}

// startPrefetching lets the child take the prefetches, and reports whether it may: only when the
// syntheses are kept (keyBase names the code), as a test reads what the child made from there.
func startPrefetching() bool {
	all, err := prefetches()
	if err != nil || len(all) == 0 || keyBase() == "" {
		return false
	}
	names := map[string]bool{}
	for _, p := range all {
		if names[p.what] {
			return false // the child finds a prefetch by its name: two of one name, none prefetched
		}
		names[p.what] = true
	}
	prefetching.Lock()
	defer prefetching.Unlock()
	prefetching.order = all
	prefetching.test = map[*prefetch]bool{}
	prefetching.child = map[*prefetch]chan struct{}{}
	return true
}

// stopPrefetching gives the child nothing more.
func stopPrefetching() {
	prefetching.Lock()
	defer prefetching.Unlock()
	prefetching.order = nil
}

// takeForChild gives the child the last prefetch nobody has taken, or nil.
func takeForChild(prefetch bool) *prefetch {
	if !prefetch {
		return nil
	}
	prefetching.Lock()
	defer prefetching.Unlock()
	for i := len(prefetching.order) - 1; i >= 0; i-- {
		p := prefetching.order[i]
		if _, child := prefetching.child[p]; !child && !prefetching.test[p] {
			prefetching.child[p] = make(chan struct{})
			return p
		}
	}
	return nil
}

// claim is called by a test before it synthesizes p: when the child has taken p, it waits until
// the child is done with it (the test then reads the kept assembly, or, should the child have
// failed, makes it itself); otherwise the child will not take it.
func (p *prefetch) claim() {
	prefetching.Lock()
	done, child := prefetching.child[p]
	if !child && prefetching.test != nil {
		prefetching.test[p] = true
	}
	prefetching.Unlock()
	if child {
		<-done
	}
}

// childDone is called when the child is done with p, made or not.
func childDone(p *prefetch) {
	prefetching.Lock()
	done := prefetching.child[p]
	prefetching.Unlock()
	close(done)
}

// roleSwap is a two-region config with another region as its primary.
type roleSwap struct {
	prefetch
	file, region string
}

// roleSwapFiles are the configs whose role swaps TestRoleSwapReplacesNoStatefulResource checks.
var roleSwapFiles = []string{filepath.Join(fixtureDir, "prod.yaml"), "config/examples/seed-002.yaml"}

// roleSwaps lists, for each of roleSwapFiles, the swap to each region but its primary.
var roleSwaps = sync.OnceValues(func() ([]*roleSwap, error) {
	var out []*roleSwap
	for _, file := range roleSwapFiles {
		base, err := config.Load(filepath.Join(repoRoot, file))
		if err != nil {
			return out, err
		}
		for _, r := range base.Regions {
			if r.Name == base.PrimaryRegion {
				continue
			}
			load := func() ([]*config.Environment, error) {
				env, err := config.Load(filepath.Join(repoRoot, file))
				if err != nil {
					return nil, err
				}
				env.PrimaryRegion = r.Name
				return []*config.Environment{env}, nil
			}
			out = append(out, &roleSwap{prefetch{fmt.Sprintf("%s primary %s", filepath.Base(file), r.Name), load}, file, r.Name})
		}
	}
	return out, nil
})
