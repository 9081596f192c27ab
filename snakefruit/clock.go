package snakefruit

import (
	"slices"
	"sync"
	"time"
)

// clock is time as the connection layer reads it: the real one for sftp, a manual one for
// the memory transport, whose deadlines then fall due exactly when a test says so.
type clock interface {
	now() time.Time
	// afterFunc runs f in its own goroutine (real) or in Advance's (manual) once d has
	// passed; stop keeps it from running if it has not yet.
	afterFunc(d time.Duration, f func()) (stop func())
}

type realClock struct{}

func (realClock) now() time.Time { return time.Now() }

func (realClock) afterFunc(d time.Duration, f func()) func() {
	t := time.AfterFunc(d, f)
	return func() { t.Stop() }
}

// manualClock moves only when advanced; its timers run in advance's goroutine, in the
// order they fall due (ties in the order they were set), so a seeded test replays exactly.
type manualClock struct {
	mu     sync.Mutex
	t      time.Time
	seq    uint64
	timers map[uint64]manualTimer
}

type manualTimer struct {
	at time.Time
	f  func()
}

func newManualClock() *manualClock {
	return &manualClock{t: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), timers: map[uint64]manualTimer{}}
}

func (c *manualClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) afterFunc(d time.Duration, f func()) func() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	id := c.seq
	c.timers[id] = manualTimer{c.t.Add(d), f}
	return func() {
		c.mu.Lock()
		delete(c.timers, id)
		c.mu.Unlock()
	}
}

// advance moves the clock forward by d, running every timer that falls due on the way at
// its own time, including those the timers themselves set.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	end := c.t.Add(d)
	for {
		var next uint64
		for id, tm := range c.timers {
			if tm.at.After(end) {
				continue
			}
			if n, ok := c.timers[next]; !ok || tm.at.Before(n.at) || (tm.at.Equal(n.at) && id < next) {
				next = id
			}
		}
		tm, ok := c.timers[next]
		if !ok {
			break
		}
		delete(c.timers, next)
		c.t = maxTime(c.t, tm.at)
		c.mu.Unlock()
		tm.f()
		c.mu.Lock()
	}
	c.t = end
	c.mu.Unlock()
}

func maxTime(ts ...time.Time) time.Time {
	return slices.MaxFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
}
