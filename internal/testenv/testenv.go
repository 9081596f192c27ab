// Package testenv holds the few rules every test that needs an outside tool or server shares:
// on a developer's machine a missing tool skips the test, in CI (CI=true) it fails it, because
// a green CI run that silently skipped the real peers would prove nothing.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
	"time"
)

// Wait is how long a test waits for something it expects (a line, a log record, a peer's
// answer) before failing. One bound for every harness: a healthy run needs a fraction of it,
// so it only decides how long a broken one takes to say so.
const Wait = 30 * time.Second

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
	p, err := LookTool(name)
	if err != nil {
		Unavailable(t, "%v", err)
	}
	return p
}

// LookTool finds an executable on PATH or in the sbin folders, which are not always on a
// non-root PATH: Tool without a test, for benchmarks.
func LookTool(name string) (string, error) {
	p, err := exec.LookPath(name)
	if err == nil {
		return p, nil
	}
	for _, dir := range []string{"/usr/sbin/", "/sbin/"} {
		if _, serr := os.Stat(dir + name); serr == nil {
			return dir + name, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH: %v", name, err)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	port, err := PickFreePort()
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	return port
}

// PickFreePort is FreePort without a test, for benchmarks.
func PickFreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
