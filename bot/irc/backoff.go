package irc

import (
	"math/rand/v2"
	"sync"
	"time"
)

// stableAfter is how long a connection must last before the next failure counts as a
// fresh start. A server that lets the bot join and then kills it at once must not be
// hammered a few times a second: only a connection that held proves the trouble is over.
const stableAfter = time.Minute

// backoff spaces reconnection attempts: doubling from min up to max, each wait drawn from
// [d/2, d] so that many bots cut off by one netsplit do not return in lockstep.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
	now      func() time.Time // time.Now; tests step a clock of their own

	mu      sync.Mutex // connected is called on the connection's read goroutine
	upSince time.Time  // when the current connection got ready; zero while not
}

func (b *backoff) clock() time.Time {
	if b.now != nil {
		return b.now()
	}
	return time.Now()
}

// next is the wait before the next attempt, after a failure or a lost connection. A
// connection that lasted stableAfter resets the doubling first.
func (b *backoff) next() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.upSince.IsZero() && b.clock().Sub(b.upSince) >= stableAfter {
		b.cur = 0
	}
	b.upSince = time.Time{}
	switch {
	case b.cur == 0:
		b.cur = b.min
	default:
		b.cur = min(2*b.cur, b.max)
	}
	b.cur = min(b.cur, b.max)
	half := b.cur / 2
	return half + rand.N(half+1)
}

// connected notes that a connection got ready; whether it resets the backoff is decided
// when it ends, by how long it lasted.
func (b *backoff) connected() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.upSince = b.clock()
}
