//go:build linux || darwin || freebsd || dragonfly

package main

import "syscall"

// roomFor reports whether the disk of dir keeps minFree bytes free after size more.
func roomFor(dir string, size uint64) bool {
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dir, &fs); err != nil {
		return false
	}
	return uint64(fs.Bavail)*uint64(fs.Bsize) >= minFree+size
}
