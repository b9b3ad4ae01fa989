package test

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stratus-platform/stratus/config"
)

// prefetch is a synthesis a test makes in this binary (a variant, a role swap) that the child
// may make first (child_test.go). Either way it is made by Synth, which keeps it: whoever comes
// second reads the kept assembly.
type prefetch struct {
	what string
	load func() ([]*config.Environment, error)
}

// Who has taken which prefetch while prefetching: a test (nil), or the child (a channel it closes
// once it is done with it).
var prefetching struct {
	sync.Mutex
	order []*prefetch // as the tests read them; empty: not prefetching
	taken map[*prefetch]chan struct{}
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
	prefetching.Lock()
	defer prefetching.Unlock()
	prefetching.order = all
	prefetching.taken = map[*prefetch]chan struct{}{}
	return true
}

// stopPrefetching gives the child nothing more.
func stopPrefetching() {
	prefetching.Lock()
	defer prefetching.Unlock()
	prefetching.order = nil
}

// takeForChild gives the child the last prefetch nobody has taken, and the channel to close once
// it is done with it; nil when there is none.
func takeForChild() (*prefetch, chan struct{}) {
	prefetching.Lock()
	defer prefetching.Unlock()
	for i := len(prefetching.order) - 1; i >= 0; i-- {
		p := prefetching.order[i]
		if _, taken := prefetching.taken[p]; !taken {
			done := make(chan struct{})
			prefetching.taken[p] = done
			return p, done
		}
	}
	return nil, nil
}

// claim is called by a test before it synthesizes p: when the child has taken p, it waits until
// the child is done with it (the test then reads the kept assembly, or, should the child have
// failed, makes it itself); otherwise the child will not take it.
func (p *prefetch) claim() {
	prefetching.Lock()
	done, taken := prefetching.taken[p]
	if !taken && prefetching.taken != nil {
		prefetching.taken[p] = nil
	}
	prefetching.Unlock()
	if done != nil {
		<-done
	}
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
				env, err := loadReleased(filepath.Join(repoRoot, file), filepath.Dir(file))
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

// TestEveryPrefetchHasItsOwnName: the child finds a prefetch by its name (prefetchNamed), so two of
// one name would have it make the first for both.
func TestEveryPrefetchHasItsOwnName(t *testing.T) {
	all, err := prefetches()
	require.NoError(t, err)
	require.NotEmpty(t, all)
	seen := map[string]bool{}
	for _, p := range all {
		assert.False(t, seen[p.what], "two prefetches are called %q", p.what)
		seen[p.what] = true
	}
}
