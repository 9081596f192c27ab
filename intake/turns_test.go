package intake

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestDownloadTurnsRoundRobin: with every slot taken, the waiting downloads are served
// round robin across people, each person's in the order asked: a person who queued a pile
// first does not hold back another's one download behind the whole pile.
func TestDownloadTurnsRoundRobin(t *testing.T) {
	cases := []struct {
		name string
		max  int
		// running take the slots first; then queued line up in this order. Each is
		// "person" + a number for that person's nth download.
		running []string
		queued  []string
		want    []string // the order the queued ones start, one slot freed at a time
	}{
		{"a pile does not hold back one", 1, []string{"Z1"}, []string{"A1", "A2", "A3", "B1"}, []string{"A1", "B1", "A2", "A3"}},
		{"three people", 1, []string{"Z1"}, []string{"A1", "A2", "B1", "B2", "C1"}, []string{"A1", "B1", "C1", "A2", "B2"}},
		{"two slots", 2, []string{"Y1", "Z1"}, []string{"A1", "A2", "A3", "B1", "C1"}, []string{"A1", "B1", "C1", "A2", "A3"}},
		{"a person with a download under way is passed over", 2, []string{"Z1", "A1"}, []string{"A2", "B1", "B2"}, []string{"B1", "A2", "B2"}},
		{"and served first once it ends", 2, []string{"A1", "Z1"}, []string{"A2", "B1", "B2"}, []string{"A2", "B1", "B2"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := newLimiter(c.max)
			ctx := t.Context()
			who := func(label string) string { return strings.TrimRight(label, "0123456789") }
			var order []*ticket // the tickets under way, oldest first
			labels := map[*ticket]string{}
			for _, r := range c.running {
				tk, err := l.acquire(ctx, who(r), nil)
				if err != nil {
					t.Fatal(err)
				}
				order = append(order, tk)
				labels[tk] = r
			}
			type start struct {
				label string
				tk    *ticket
			}
			started := make(chan start, len(c.queued))
			for _, q := range c.queued {
				inLine := make(chan struct{})
				go func() {
					tk, err := l.acquire(ctx, who(q), func(int) { close(inLine) })
					if err != nil {
						t.Error(err)
						return
					}
					started <- start{q, tk}
				}()
				// Each waits in line before the next asks, so the asking order is known.
				<-inLine
			}
			var got []string
			for len(got) < len(c.queued) {
				// Free the oldest slot: one waiter starts at once, or none when every
				// waiter's person already has a download under way.
				l.release(order[0])
				order = order[1:]
				l.mu.Lock()
				startedOne := len(l.active) == len(order)+1
				l.mu.Unlock()
				if !startedOne {
					continue
				}
				s := <-started
				got = append(got, s.label)
				order = append(order, s.tk)
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("started %v, want %v", got, c.want)
			}
		})
	}
}

// TestDownloadTurnsAbandoned: a waiter whose asker gives up leaves the line, and the
// others are still served in turn.
func TestDownloadTurnsAbandoned(t *testing.T) {
	l := newLimiter(1)
	first, err := l.acquire(t.Context(), "Z", nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	inLine := make(chan struct{})
	gaveUp := make(chan error, 1)
	go func() {
		_, err := l.acquire(ctx, "A", func(int) { close(inLine) })
		gaveUp <- err
	}()
	<-inLine
	bInLine := make(chan struct{})
	bStarted := make(chan *ticket, 1)
	go func() {
		tk, err := l.acquire(t.Context(), "B", func(ahead int) {
			if ahead != 2 {
				t.Errorf("B is told %d ahead, want 2 (Z running, A waiting)", ahead)
			}
			close(bInLine)
		})
		if err != nil {
			t.Error(err)
		}
		bStarted <- tk
	}()
	<-bInLine
	cancel()
	if err := <-gaveUp; err == nil {
		t.Fatal("an abandoned wait got a turn")
	}
	l.release(first)
	b := <-bStarted
	l.release(b)
	l.mu.Lock()
	running := len(l.active)
	l.mu.Unlock()
	if running != 0 {
		t.Fatalf("%d downloads still count as running", running)
	}
	// Nothing of A's abandoned wait is left to hold A's next download.
	again, err := l.acquire(t.Context(), "A", func(int) { t.Error("A waits behind an abandoned download") })
	if err != nil {
		t.Fatal(err)
	}
	l.release(again)
}
