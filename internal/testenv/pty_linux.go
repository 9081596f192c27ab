package testenv

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// Terminal opens a pseudo-terminal for a test that plays a person at a terminal: tty is
// what a program reads from (its stdin), ptm the other end, where the person types. Both
// close when the test ends. A machine without pseudo-terminals skips the test (fails it
// under CI=true).
func Terminal(t testing.TB) (ptm, tty *os.File) {
	t.Helper()
	ptm, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		Unavailable(t, "pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { ptm.Close() })
	fd := int(ptm.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		Unavailable(t, "unlock pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		Unavailable(t, "pseudo-terminal number: %v", err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		Unavailable(t, "open pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { tty.Close() })
	return ptm, tty
}
