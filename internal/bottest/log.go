package bottest

import (
	"log/slog"
	"strings"
	"testing"
)

// Log is a slog destination for a test: every record goes to the test's log while the test
// runs, and is kept so the test can count and await records. A record is one line:
// key=value pairs, or a JSON object under log_format: json; tests look for the pieces they
// care about in it, in any order.
type Log struct {
	t     testing.TB
	lines *lines
}

// NewLog makes a Log for t. Make it before whatever writes to it, so that its end (after
// the test's later cleanups, such as stopping a bot) stops the echo to the test only once
// the writers are gone: a t.Log after the test is over panics.
func NewLog(t testing.TB) *Log {
	l := &Log{t: t, lines: newLines()}
	l.lines.echo = func(s string) { t.Log(s) }
	t.Cleanup(func() {
		l.lines.mu.Lock()
		l.lines.echo = nil
		l.lines.mu.Unlock()
	})
	return l
}

// Logger logs to l at every level, debug included.
func (l *Log) Logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (l *Log) Write(p []byte) (int, error) { return l.lines.Write(p) }

// Records is every record so far.
func (l *Log) Records() []string { return l.lines.snapshot() }

// Count is how many records so far contain every part.
func (l *Log) Count(parts ...string) int { return l.lines.count(containsAll(parts)) }

// Await waits up to Wait for the n-th record (counting from the first) that contains every
// part, and returns it.
func (l *Log) Await(n int, parts ...string) string {
	l.t.Helper()
	r, ok := l.lines.nth(n, containsAll(parts))
	if !ok {
		l.t.Fatalf("bottest: no log record #%d with %q within %s", n, parts, Wait)
	}
	return r
}

// AwaitFunc is Await for the n-th record that match accepts.
func (l *Log) AwaitFunc(n int, what string, match func(record string) bool) string {
	l.t.Helper()
	r, ok := l.lines.nth(n, match)
	if !ok {
		l.t.Fatalf("bottest: no log record #%d %s within %s", n, what, Wait)
	}
	return r
}

func containsAll(parts []string) func(string) bool {
	return func(s string) bool {
		for _, p := range parts {
			if !strings.Contains(s, p) {
				return false
			}
		}
		return true
	}
}
