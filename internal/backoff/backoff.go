// Package backoff spaces the retries of whatever keeps failing: the worker's snakefruit
// jobs, a channel that refuses announcements, the IRC and Slack connections. Each wait
// doubles from Min up to Max; with Jitter it is drawn from [d/2, d], so that many clients
// cut off by one outage do not come back in lockstep, while a wait is still never less than
// half the step nor more than Max.
package backoff

import (
	"math/rand/v2"
	"sync"
	"time"
)

// Policy is how the waits grow.
type Policy struct {
	Min, Max time.Duration
	Jitter   bool
	// Rand draws the jitter (nil = the global source): a simulation sets it to replay a
	// seed exactly.
	Rand *rand.Rand
}

// Delay is the wait after the n-th failure in a row (n = 1 after the first): Min doubled
// n-1 times, at most Max, jittered. It holds no state, for a caller that stores the count
// itself (a job records its attempts in bbolt).
func (p Policy) Delay(n int) time.Duration {
	d := p.Min
	for i := 1; i < n && d > 0 && d < p.Max; i++ {
		d *= 2
	}
	d = min(d, p.Max)
	if d <= 0 {
		return 0
	}
	if !p.Jitter {
		return d
	}
	half := d / 2
	if p.Rand != nil {
		return half + time.Duration(p.Rand.Int64N(int64(half+1)))
	}
	return half + rand.N(half+1)
}

// Backoff counts one thing's failures in a row. It is for a single goroutine's loop.
type Backoff struct {
	Policy
	failures int
}

// Next counts a failure and returns the wait before the next attempt.
func (b *Backoff) Next() time.Duration {
	b.failures++
	return b.Delay(b.failures)
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.failures = 0 }

// Conn paces the reconnections of a long-lived connection. A connection that dies right
// after it came up does not start the doubling over: only one that lasted StableAfter
// proves the trouble is over, so a server that lets the bot in and drops it at once is not
// redialled a few times a second.
type Conn struct {
	Policy
	StableAfter time.Duration
	// FreeFirst makes the first reconnect after a reset immediate (Slack closes healthy
	// Socket Mode connections every few hours and expects the app straight back).
	FreeFirst bool
	Now       func() time.Time // nil = time.Now; tests step a clock of their own

	mu       sync.Mutex // Up is called on the connection's own goroutine
	failures int
	upSince  time.Time // when the current connection came up; zero while none is
}

// Up notes that a connection came up; whether it resets the backoff is decided when it
// ends, by how long it lasted.
func (c *Conn) Up() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.upSince = c.now()
}

// Next is the wait before the next attempt, after a connection ended or an attempt failed.
func (c *Conn) Next() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.upSince.IsZero() && c.now().Sub(c.upSince) >= c.StableAfter {
		c.failures = 0
	}
	c.upSince = time.Time{}
	c.failures++
	if !c.FreeFirst {
		return c.Delay(c.failures)
	}
	if c.failures == 1 {
		return 0
	}
	return c.Delay(c.failures - 1)
}

func (c *Conn) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}
