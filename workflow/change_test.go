package workflow

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"stagebot"
	"stagebot/storage"
)

// TestChangesToldOnceCommitted: each change of state is logged (ID, filename, from, to,
// actor) and handed to Config.Changed once its transaction committed, with how long the
// request stayed in the state it left; a change whose transaction rolled back is neither.
func TestChangesToldOnceCommitted(t *testing.T) {
	var (
		mu   sync.Mutex
		got  []Change
		logs bytes.Buffer
	)
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		c.Log = slog.New(slog.NewJSONHandler(&lockedBuffer{mu: &mu, b: &logs}, nil))
		c.Changed = func(ch Change) { mu.Lock(); got = append(got, ch); mu.Unlock() }
	})
	r := e.stage(alice, e.click("com.example.told", "1.0", "all"))

	boom := errors.New("boom")
	err := e.svc.update(func(tx *storage.Tx) error {
		cur, err := tx.Request(r.ID)
		if err != nil {
			return err
		}
		if err := e.svc.move(tx, cur, stagebot.StateRejected, stagebot.Event{Actor: "bob", Why: stagebot.WhyRejected}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("update: %v", err)
	}
	if _, err := e.svc.Approve(bob, r.ID); err != nil {
		t.Fatal(err)
	}
	locked := e.awaitState(r.ID, stagebot.StateLocked)

	mu.Lock()
	defer mu.Unlock()
	want := []struct {
		from, to stagebot.State
		actor    string
	}{{"", stagebot.StatePending, "alice"}, {stagebot.StatePending, stagebot.StateApproved, "bob"}, {stagebot.StateApproved, stagebot.StateLocked, "worker"}}
	if len(got) != len(want) {
		t.Fatalf("Changed heard %+v, want %d changes (none of the rolled-back reject)", got, len(want))
	}
	for i, w := range want {
		c := got[i]
		if c.Request != r.ID || c.Filename != r.Filename || c.From != w.from || c.To != w.to || c.Actor != w.actor {
			t.Errorf("change %d: %+v, want %s -> %s by %s", i, c, w.from, w.to, w.actor)
		}
	}
	// The lock's change says when the request was approved: the approval's own time.
	h := locked.History
	if lock := got[2]; !lock.Entered.Equal(h[len(h)-2].At) || !lock.At.Equal(h[len(h)-1].At) || lock.At.Before(lock.Entered) {
		t.Errorf("lock entered approved at %v and left at %v; history %+v", lock.Entered, lock.At, h)
	}
	if !got[0].Entered.IsZero() {
		t.Errorf("a new request entered its nothing at %v", got[0].Entered)
	}

	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatal(err)
		}
		if rec["msg"] == "state change" {
			lines = append(lines, rec)
		}
	}
	if len(lines) != len(want) {
		t.Fatalf("%d state change lines, want %d:\n%s", len(lines), len(want), logs.String())
	}
	for i, w := range want {
		l := lines[i]
		if l["level"] != "INFO" || l["id"] != r.ShortID() || l["filename"] != r.Filename || l["from"] != string(w.from) || l["to"] != string(w.to) || l["actor"] != w.actor {
			t.Errorf("line %d: %v, want %s -> %s by %s", i, l, w.from, w.to, w.actor)
		}
	}
}

type lockedBuffer struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
