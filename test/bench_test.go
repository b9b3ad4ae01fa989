package test

import (
	"path/filepath"
	"testing"

	"github.com/stratus-platform/stratus/config"
)

// BenchmarkSynth measures building and synthesizing each fixture environment (without the
// built-in validator, as the tests run): `make bench`.
func BenchmarkSynth(b *testing.B) {
	envs, err := config.LoadDir(filepath.Join(repoRoot, fixtureDir))
	if err != nil {
		b.Fatal(err)
	}
	for _, env := range envs {
		b.Run(env.Name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Synth([]*config.Environment{env}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
