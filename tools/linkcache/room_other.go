//go:build !unix

package main

// roomFor cannot read the free space here, so nothing is kept.
func roomFor(dir string, size uint64) bool { return false }
