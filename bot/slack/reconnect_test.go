package slack

import (
	"testing"
	"time"
)

// TestReconnectGateResetsOnlyAfterAMinute: connections that each say hello and die within
// seconds make every reconnect wait longer than the last; only one that lived a minute
// brings the next reconnect back to immediate.
func TestReconnectGateResetsOnlyAfterAMinute(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	g := newReconnectGate(nil)
	g.pace.Now = func() time.Time { return now }
	within := func(what string, d, lo, hi time.Duration) {
		t.Helper()
		if d < lo || d > hi {
			t.Errorf("%s: wait %s, want within [%s, %s]", what, d, lo, hi)
		}
	}
	short := func() time.Duration {
		t.Helper()
		g.hello()
		now = now.Add(5 * time.Second)
		d := g.delay()
		now = now.Add(d)
		return d
	}
	within("first connection", g.delay(), 0, 0)
	within("after a first short connection", short(), 0, 0)
	within("after a second", short(), reconnectMin/2, reconnectMin)
	within("after a third", short(), reconnectMin, 2*reconnectMin)
	within("after a fourth", short(), 2*reconnectMin, 4*reconnectMin)
	// A failed attempt (no hello) counts as short too.
	within("after a failed attempt", g.delay(), 4*reconnectMin, 8*reconnectMin)
	for range 10 {
		short()
	}
	within("at the cap", short(), reconnectMax/2, reconnectMax)
	// 59 s is not stable.
	g.hello()
	now = now.Add(59 * time.Second)
	within("after 59 s up", g.delay(), reconnectMax/2, reconnectMax)
	// A minute is.
	g.hello()
	now = now.Add(stableAfter)
	within("after a minute up", g.delay(), 0, 0)
	within("then a short one", short(), reconnectMin/2, reconnectMin)
}
