//go:build !linux

package console

import "io"

// isTerminal is false where the binary does not ship: the console then says nothing first.
func isTerminal(io.Reader) bool { return false }
