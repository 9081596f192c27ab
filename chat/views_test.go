package chat

import (
	"strings"
	"testing"
	"time"

	"stagebot"
)

// Views write times as people read them ("4h ago", not "4h0m0s"), say what a request waits
// for, and name history times in UTC with their zone.
func TestViews(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 53, 0, 0, time.UTC)
	alice := stagebot.Identity{Network: "console", ID: "alice", Name: "alice"}
	req := func(created time.Time) *stagebot.Request {
		return &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Name: "x", Version: "1", Arch: "all",
			Filename: "x_1_all.click", State: stagebot.StatePending, Created: created, Requester: alice}
	}
	r := Renderer{Prefix: "."}
	for _, c := range []struct {
		name string
		st   stagebot.Status
		want string
	}{
		{"seconds", stagebot.Status{Request: req(now.Add(-31 * time.Second))}, "requested by alice 31s ago)"},
		{"days and hours", stagebot.Status{Request: req(now.Add(-50 * time.Hour))}, "requested by alice 2d 2h ago)"},
		{"approvals missing", stagebot.Status{Request: req(now), Waiting: []stagebot.Waiting{{What: stagebot.WaitApprovals, Count: 2, Who: []string{"sil", "ogra"}}}},
			"waiting for 2 more landing-team approvals (from sil and ogra)"},
		{"held", stagebot.Status{Request: req(now), Waiting: []stagebot.Waiting{{What: stagebot.WaitHold, By: "sil", Reason: "notes", Since: now.Add(-time.Hour)}}},
			"waiting for its hold to be lifted: held by sil: notes (1h ago; .unhold 1a2b3c4d)"},
		{"next try", stagebot.Status{Request: req(now), Waiting: []stagebot.Waiting{{What: stagebot.WaitWorker, Job: stagebot.JobLock, Attempt: 1, Reason: "refused", Next: now.Add(90 * time.Second)}}},
			"the worker: lock attempt 1 did not work: refused; it tries again in 1m 30s"},
		{"next try overdue", stagebot.Status{Request: req(now), Waiting: []stagebot.Waiting{{What: stagebot.WaitWorker, Job: stagebot.JobLock, Attempt: 1, Reason: "refused", Next: now.Add(-time.Second)}}},
			"it tries again in 0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Plain(r.Statuses([]stagebot.Status{c.st}, now), r.Prefix)
			if !strings.Contains(got, c.want) {
				t.Fatalf("status %q; want it to contain %q", got, c.want)
			}
			if strings.HasPrefix(got, "[") {
				t.Fatalf("a reply starts like an announcement: %q", got)
			}
		})
	}
	berlin := time.FixedZone("CET", 3600)
	h := req(time.Date(2026, 11, 29, 19, 53, 0, 0, berlin))
	h.State = stagebot.StateLocked
	if got := Plain(r.History([]*stagebot.Request{h}), r.Prefix); !strings.HasSuffix(got, "(2026-11-29 18:53 UTC, by alice)") {
		t.Fatalf("history %q", got)
	}
}
