//go:build !(linux || darwin || freebsd || dragonfly)

package main

// roomFor cannot read the free space here (no syscall.Statfs of this form), so nothing is kept.
func roomFor(dir string, size uint64) bool { return false }
