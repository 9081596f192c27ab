package matrix_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"stagebot/bot"
	"stagebot/bot/matrix"
	"stagebot/internal/bottest"
	"stagebot/internal/dendritetest"
)

// heard is a bot.Inbox that passes on the text of every message it is handed.
type heard chan string

func (h heard) Message(_ context.Context, m bot.Inbound) { h <- m.Text }
func (heard) Decision(context.Context, bot.Decision)     {}

func (h heard) await(t *testing.T, text string) {
	t.Helper()
	deadline := time.After(bottest.Wait)
	for {
		select {
		case got := <-h:
			if got == text {
				return
			}
		case <-deadline:
			t.Fatalf("%q never reached the core", text)
		}
	}
}

// TestSyncReconnects: a /sync the homeserver does not answer within its long-poll and the
// grace above it is given up, and one it refuses (502, the homeserver restarting behind
// its proxy) is tried again after the shared backoff: the adapter goes on from the position
// it had, and what was said meanwhile reaches the core.
func TestSyncReconnects(t *testing.T) {
	w := newWorld(t)
	front := w.s.Front(t)
	a, err := matrix.New(matrix.Config{Homeserver: front.URL, UserID: w.botID, AccessToken: w.botToken,
		Rooms: []string{w.alias}, Memory: &memory{}, SyncTimeout: 300 * time.Millisecond, SyncGrace: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	in := make(heard, 16)
	go func() { done <- a.Run(ctx, in) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	w.sil.Expect(dendritetest.In(w.room, w.joined(w.botID)))
	w.alice.Say(w.room, "before")
	in.await(t, "before")

	syncs := dendritetest.Endpoint(http.MethodGet, "/sync")
	never := make(chan struct{})
	defer close(never)
	held := make(chan struct{}, 1)
	front.Inject(dendritetest.Fault{Match: syncs, Times: 1, Hold: never, Took: func(*http.Request) { held <- struct{}{} }})
	front.Inject(dendritetest.Fault{Match: syncs, Times: 2, Reply: dendritetest.Refusal(http.StatusBadGateway, "", "restarting")})
	<-held
	w.alice.Say(w.room, "meanwhile")
	in.await(t, "meanwhile")

	var refused []time.Time
	for _, r := range front.Requests(func(r dendritetest.Request) bool { return r.Status == http.StatusBadGateway }) {
		refused = append(refused, r.At)
	}
	if len(refused) != 2 {
		t.Fatalf("%d /sync refused, want 2", len(refused))
	}
	// The shared backoff: at least half a second (its first step, jittered) between two
	// attempts after a failure.
	if gap := refused[1].Sub(refused[0]); gap < 500*time.Millisecond {
		t.Errorf("tried again %s after a refused /sync: no backoff", gap)
	}
}
