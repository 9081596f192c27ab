package irc

import (
	"testing"
	"time"
)

// TestBackoffResetsOnlyAfterAStableConnection: a connection killed right after it got
// ready does not start the doubling over; one that lasted a minute does. Waits never pass
// max, however many failures came before.
func TestBackoffResetsOnlyAfterAStableConnection(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	max := 16 * time.Second
	b := reconnects(Config{reconnectMin: time.Second, ReconnectMax: max})
	b.Now = func() time.Time { return now }
	step := func(connectedFor time.Duration) time.Duration {
		t.Helper()
		b.Up()
		now = now.Add(connectedFor)
		d := b.Next()
		now = now.Add(d)
		return d
	}
	// Killed two seconds after joining, again and again: the bounds keep doubling.
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 16 * time.Second} {
		d := step(2 * time.Second)
		if d < want/2 || d > want {
			t.Fatalf("attempt %d: wait %s, want in [%s, %s]", i, d, want/2, want)
		}
	}
	// A connection that held for a minute: back to min.
	if d := step(stableAfter); d > time.Second {
		t.Fatalf("after a minute connected: wait %s, want at most %s", d, time.Second)
	}
	// Connect failures alone (never ready) double too and stop at max.
	for i := range 20 {
		if d := b.Next(); d > max {
			t.Fatalf("failure %d: wait %s over max %s", i, d, max)
		}
	}
	// The step is max now: every wait is drawn from [max/2, max].
	for range 20 {
		if d := b.Next(); d < max/2 || d > max {
			t.Fatalf("after 20 failures: wait %s, want the step at max (within [%s, %s])", d, max/2, max)
		}
	}
}
