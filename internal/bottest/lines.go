package bottest

import (
	"strings"
	"sync"
	"time"
)

// lines keeps what is written to it line by line, every line, for tests to await: the
// console's output and the bot's log. Nothing is ever dropped, however far the test lags
// behind the bot; waiters are woken by closing a channel, so they can also time out.
type lines struct {
	mu      sync.Mutex
	partial string
	all     []string
	cursor  int           // after the line next last matched
	changed chan struct{} // closed and replaced on every new line
	// echo, when set, also gets each line as it comes (under mu, so whoever clears it knows
	// no call is still running).
	echo func(string)
}

func newLines() *lines { return &lines{changed: make(chan struct{})} }

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	parts := strings.Split(l.partial+string(p), "\n")
	l.partial = parts[len(parts)-1]
	if len(parts) == 1 {
		return len(p), nil
	}
	for _, line := range parts[:len(parts)-1] {
		l.all = append(l.all, line)
		if l.echo != nil {
			l.echo(line)
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
	return len(p), nil
}

func (l *lines) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.all...)
}

// count is how many lines so far match accepts.
func (l *lines) count(match func(string) bool) int {
	n := 0
	for _, line := range l.snapshot() {
		if match(line) {
			n++
		}
	}
	return n
}

// next waits for a line after the cursor that match accepts, and moves the cursor past it.
func (l *lines) next(match func(string) bool) (string, bool) {
	var got string
	ok := l.wait(func() bool {
		for i := l.cursor; i < len(l.all); i++ {
			if match(l.all[i]) {
				got, l.cursor = l.all[i], i+1
				return true
			}
		}
		return false
	})
	return got, ok
}

// nth waits for the n-th line since the first that match accepts.
func (l *lines) nth(n int, match func(string) bool) (string, bool) {
	var got string
	ok := l.wait(func() bool {
		seen := 0
		for _, line := range l.all {
			if match(line) {
				if seen++; seen == n {
					got = line
					return true
				}
			}
		}
		return false
	})
	return got, ok
}

// wait calls done under the lock at once and after every new line until it holds or Wait
// passes.
func (l *lines) wait(done func() bool) bool {
	deadline := time.NewTimer(Wait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		ok := done()
		changed := l.changed
		l.mu.Unlock()
		if ok {
			return true
		}
		select {
		case <-changed:
		case <-deadline.C:
			return false
		}
	}
}
