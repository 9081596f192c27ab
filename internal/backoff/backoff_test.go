package backoff

import (
	"math/rand/v2"
	"testing"
	"time"
)

const s = time.Second

// TestDelay: the waits of the four users' policies, without jitter: doubling from Min,
// never past Max, however many failures came before.
func TestDelay(t *testing.T) {
	for _, c := range []struct {
		name string
		p    Policy
		want []time.Duration // after failure 1, 2, ...
	}{
		{"delivery to a channel", Policy{Min: s, Max: 30 * s}, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 30 * s, 30 * s}},
		{"worker defaults", Policy{Min: 2 * s, Max: 5 * time.Minute}, []time.Duration{2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 300 * s, 300 * s}},
		{"IRC defaults", Policy{Min: 500 * time.Millisecond, Max: 8 * s}, []time.Duration{s / 2, s, 2 * s, 4 * s, 8 * s, 8 * s}},
		{"Slack", Policy{Min: s, Max: 2 * time.Minute}, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 120 * s, 120 * s}},
		{"Min over Max: Max", Policy{Min: 10 * s, Max: 3 * s}, []time.Duration{3 * s, 3 * s}},
		{"zero", Policy{}, []time.Duration{0, 0}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for i, want := range c.want {
				if got := c.p.Delay(i + 1); got != want {
					t.Errorf("after failure %d: %s, want %s", i+1, got, want)
				}
			}
			if got := c.p.Delay(1 << 20); got != c.want[len(c.want)-1] {
				t.Errorf("after a million failures: %s, want %s", got, c.want[len(c.want)-1])
			}
		})
	}
}

// TestJitter: a jittered wait lies in [d/2, d], and a seeded source replays the same waits.
func TestJitter(t *testing.T) {
	p := Policy{Min: s, Max: 16 * s, Jitter: true}
	for n := 1; n <= 8; n++ {
		step := min(s<<(n-1), 16*s)
		for range 100 {
			if d := p.Delay(n); d < step/2 || d > step {
				t.Fatalf("after failure %d: %s, want within [%s, %s]", n, d, step/2, step)
			}
		}
	}
	draw := func() []time.Duration {
		q := p
		q.Rand = rand.New(rand.NewPCG(7, 7))
		var out []time.Duration
		for n := 1; n <= 8; n++ {
			out = append(out, q.Delay(n))
		}
		return out
	}
	a, b := draw(), draw()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("seeded draws differ at %d: %v vs %v", i, a, b)
		}
	}
}

// TestBackoffResets: a success starts the doubling over.
func TestBackoffResets(t *testing.T) {
	b := Backoff{Policy: Policy{Min: s, Max: 30 * s}}
	for _, want := range []time.Duration{s, 2 * s, 4 * s} {
		if got := b.Next(); got != want {
			t.Fatalf("wait %s, want %s", got, want)
		}
	}
	b.Reset()
	if got := b.Next(); got != s {
		t.Fatalf("after a reset: wait %s, want %s", got, s)
	}
}

// TestConn: connections that die soon after they came up keep doubling the wait; only one
// that lasted StableAfter resets it. FreeFirst makes the first reconnect after a reset
// immediate and shifts the doubling by one.
func TestConn(t *testing.T) {
	for _, c := range []struct {
		name      string
		freeFirst bool
		want      []time.Duration // after each short connection
		afterLong time.Duration   // after one that lasted StableAfter
	}{
		{"doubling from the first", false, []time.Duration{s, 2 * s, 4 * s, 8 * s, 8 * s}, s},
		{"first reconnect free", true, []time.Duration{0, s, 2 * s, 4 * s, 8 * s, 8 * s}, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			now := time.Unix(1_000_000, 0)
			cn := &Conn{Policy: Policy{Min: s, Max: 8 * s}, StableAfter: time.Minute, FreeFirst: c.freeFirst,
				Now: func() time.Time { return now }}
			lived := func(up time.Duration) time.Duration {
				t.Helper()
				cn.Up()
				now = now.Add(up)
				d := cn.Next()
				now = now.Add(d)
				return d
			}
			for i, want := range c.want {
				if got := lived(59 * s); got != want {
					t.Fatalf("after short connection %d: wait %s, want %s", i+1, got, want)
				}
			}
			// A failed attempt (never up) counts like a short connection.
			if got := cn.Next(); got != c.want[len(c.want)-1] {
				t.Fatalf("after a failed attempt: wait %s, want %s", got, c.want[len(c.want)-1])
			}
			if got := lived(time.Minute); got != c.afterLong {
				t.Fatalf("after a minute up: wait %s, want %s", got, c.afterLong)
			}
			if got := lived(s); got != c.want[1] {
				t.Fatalf("then a short one: wait %s, want %s", got, c.want[1])
			}
		})
	}
}
