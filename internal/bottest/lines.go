package bottest

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
)

// lineLog is the console output, split into lines, with a cursor for WaitFor.
type lineLog struct {
	mu      sync.Mutex
	partial string
	lines   []string
	cursor  int
	changed chan struct{} // closed and replaced on every new line
}

func newLineLog() *lineLog { return &lineLog{changed: make(chan struct{})} }

func (l *lineLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.partial + string(p)
	parts := strings.Split(s, "\n")
	l.partial = parts[len(parts)-1]
	if len(parts) > 1 {
		l.lines = append(l.lines, parts[:len(parts)-1]...)
		close(l.changed)
		l.changed = make(chan struct{})
	}
	return len(p), nil
}

func (l *lineLog) snapshot() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

func (l *lineLog) waitAfterCursor(re *regexp.Regexp, wait time.Duration) ([]string, error) {
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		l.mu.Lock()
		for i := l.cursor; i < len(l.lines); i++ {
			if m := re.FindStringSubmatch(l.lines[i]); m != nil {
				l.cursor = i + 1
				l.mu.Unlock()
				return m, nil
			}
		}
		changed := l.changed
		l.mu.Unlock()
		select {
		case <-changed:
		case <-deadline.C:
			return nil, fmt.Errorf("no line matching %q within %s", re, wait)
		}
	}
}
