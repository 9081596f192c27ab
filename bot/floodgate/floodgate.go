// Package floodgate limits how many commands each person may send: a token bucket per
// person (golang.org/x/time/rate), keyed by stagebot.Who, so that a new nick is no new
// bucket. Past the limit a person gets one warning per burst and the rest of the burst is
// dropped without a word, so a flood costs the bot one line of output, not one per line
// of input.
package floodgate

import (
	"sync"
	"time"

	"golang.org/x/time/rate"

	"stagebot"
)

// Verdict is what to do with one command.
type Verdict int

const (
	// Allow: run the command.
	Allow Verdict = iota
	// Warn: drop the command and tell the person to slow down (first over the limit).
	Warn
	// Drop: drop the command silently (the person was already told).
	Drop
)

// Gate is the per-person limiter. A nil *Gate allows everything (limits.commands: 0).
type Gate struct {
	n   int
	per time.Duration
	now func() time.Time

	mu    sync.Mutex
	m     map[stagebot.Who]*bucket
	swept time.Time
}

type bucket struct {
	lim    *rate.Limiter
	warned bool // told to slow down since the last allowed command
	last   time.Time
}

// New allows n commands per `per` to each person, in bursts of up to n. n <= 0 or per <= 0
// is no limit (nil).
func New(n int, per time.Duration) *Gate {
	if n <= 0 || per <= 0 {
		return nil
	}
	return &Gate{n: n, per: per, now: time.Now, m: map[stagebot.Who]*bucket{}}
}

// Check takes one token from who's bucket.
func (g *Gate) Check(who stagebot.Who) Verdict {
	if g == nil {
		return Allow
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.sweep(now)
	b := g.m[who]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Every(g.per/time.Duration(g.n)), g.n)}
		g.m[who] = b
	}
	b.last = now
	if b.lim.AllowN(now, 1) {
		b.warned = false
		return Allow
	}
	if b.warned {
		return Drop
	}
	b.warned = true
	return Warn
}

// sweep forgets people whose buckets have been full again for a while, so a gate on a
// busy network does not keep everyone it ever saw.
func (g *Gate) sweep(now time.Time) {
	if now.Sub(g.swept) < g.per {
		return
	}
	g.swept = now
	for k, b := range g.m {
		if now.Sub(b.last) > 2*g.per {
			delete(g.m, k)
		}
	}
}

// Rate is the limit: n commands per per (0 and 0 for no limit).
func (g *Gate) Rate() (n int, per time.Duration) {
	if g == nil {
		return 0, 0
	}
	return g.n, g.per
}
