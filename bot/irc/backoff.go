package irc

import (
	"math/rand/v2"
	"time"
)

// backoff spaces reconnection attempts: doubling from min up to max, each wait drawn from
// [d/2, d] so that many bots cut off by one netsplit do not return in lockstep.
type backoff struct {
	min, max time.Duration
	cur      time.Duration
}

func (b *backoff) next() time.Duration {
	switch {
	case b.cur == 0:
		b.cur = b.min
	default:
		b.cur = min(2*b.cur, b.max)
	}
	half := b.cur / 2
	return half + rand.N(half+1)
}

func (b *backoff) reset() { b.cur = 0 }
