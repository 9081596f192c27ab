//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"errors"
	"os"
	"syscall"
)

// heldByAnother reports whether another process holds the bbolt file for writing (a
// running bot), without waiting: bbolt locks its file with flock, exclusively for a
// writer, so a shared lock taken at once fails exactly then. A file that cannot be opened
// is not held; opening it for reading says why.
func heldByAnother(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
		return errors.Is(err, syscall.EWOULDBLOCK)
	}
	_ = syscall.Flock(fd, syscall.LOCK_UN)
	return false
}
