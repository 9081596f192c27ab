package irc

import (
	"log/slog"
	"sync"
)

// maxLaneBacklog bounds what one channel may queue while its handler is busy: a flood
// must not grow memory without end.
const maxLaneBacklog = 1000

// lanes runs incoming work off the read goroutine (a handler may block on a download),
// one goroutine per channel or private query at a time, so each conversation's messages
// are handled in the order they came while conversations do not wait on each other.
type lanes struct {
	log *slog.Logger
	mu  sync.Mutex
	m   map[string]*lane
	wg  sync.WaitGroup
}

type lane struct{ q []func() }

func newLanes(log *slog.Logger) *lanes { return &lanes{log: log, m: map[string]*lane{}} }

// do queues fn on key's lane.
func (l *lanes) do(key string, fn func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln, running := l.m[key]
	if !running {
		ln = &lane{}
		l.m[key] = ln
	}
	if len(ln.q) >= maxLaneBacklog {
		l.log.Warn("dropped an incoming line: too much queued for this conversation", "lane", key)
		return
	}
	ln.q = append(ln.q, fn)
	if !running {
		l.wg.Add(1)
		go l.drain(key, ln)
	}
}

func (l *lanes) drain(key string, ln *lane) {
	defer l.wg.Done()
	for {
		l.mu.Lock()
		if len(ln.q) == 0 {
			delete(l.m, key)
			l.mu.Unlock()
			return
		}
		fn := ln.q[0]
		ln.q = ln.q[1:]
		l.mu.Unlock()
		l.run(key, fn)
	}
}

func (l *lanes) run(key string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			l.log.Error("handler panicked", "lane", key, "panic", r)
		}
	}()
	fn()
}

// wait returns when every queued piece of work has run.
func (l *lanes) wait() { l.wg.Wait() }
