// Package testenv holds the few rules every test that needs an outside tool or server shares:
// on a developer's machine a missing tool skips the test, in CI (CI=true) it fails it, because
// a green CI run that silently skipped the real peers would prove nothing.
package testenv

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// InCI reports whether the tests run under CI, where missing peers are failures.
func InCI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips the test, or fails it in CI, because a peer it needs is missing.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatalf("CI=true and a required test peer is unavailable: "+format, args...)
	}
	t.Skipf("test peer unavailable: "+format, args...)
}

// Tool returns the path of an executable the test needs, or skips/fails as Unavailable does.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		// sbin tools are not always on a non-root PATH.
		for _, dir := range []string{"/usr/sbin/", "/sbin/"} {
			if _, serr := os.Stat(dir + name); serr == nil {
				return dir + name
			}
		}
		Unavailable(t, "%s not found on PATH: %v", name, err)
	}
	return p
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
