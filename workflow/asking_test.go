package workflow

import (
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
)

// TestAskingLines: the lines that ask the landing team for an approval (the request and
// each reminder) say so in AsksApproval, with the approvers to mention; no other line about
// the request does, so adapters take reactions on those alone.
func TestAskingLines(t *testing.T) {
	var clock atomic.Int64 // the worker reads the clock too
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	e := newEnv(t, stagebot.Policy{Approvals: 2, RemindAfter: time.Hour}, func(c *Config) {
		c.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	r := e.stage(alice, e.click("com.example.ask", "1.0", "all"))
	if _, err := e.svc.Hold(alice, r.ShortID(), "notes"); err != nil {
		t.Fatal(err)
	}
	clock.Add(int64(2 * time.Hour))
	if n, err := e.svc.Remind(); err != nil || n != 1 {
		t.Fatalf("reminded %d (%v), want 1", n, err)
	}
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	var asking []string
	for _, a := range e.announcements() {
		if a.RequestID != r.ID {
			continue
		}
		if a.AsksApproval {
			asking = append(asking, a.Word)
			if len(a.Mention) == 0 {
				t.Errorf("%q asks for approval and mentions nobody", a.Text)
			}
		}
	}
	if len(asking) != 2 || asking[0] != stagebot.WordRequested || asking[1] != stagebot.WordRequested {
		t.Fatalf("lines asking for approval: %q, want the request and its reminder", asking)
	}
}
