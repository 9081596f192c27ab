package commands

import (
	"strings"
	"testing"
	"time"

	"stagebot"
)

// Views write times as people read them: "4h ago", not Go's "4h0m0s".
func TestStatusLineTimes(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 53, 0, 0, time.UTC)
	cases := []struct {
		name    string
		created time.Time
		job     *stagebot.Job
		want    string
	}{
		{"seconds", now.Add(-31 * time.Second), nil, "requested by alice 31s ago)"},
		{"hours", now.Add(-4 * time.Hour), nil, "requested by alice 4h ago)"},
		{"days and hours", now.Add(-50 * time.Hour), nil, "requested by alice 2d 2h ago)"},
		{"next try", now.Add(-time.Minute), &stagebot.Job{Kind: stagebot.JobLock, Attempt: 1, LastError: "refused", NotBefore: now.Add(90 * time.Second)}, "next try in 1m 30s"},
		{"next try overdue", now.Add(-time.Minute), &stagebot.Job{Kind: stagebot.JobLock, Attempt: 1, LastError: "refused", NotBefore: now.Add(-time.Second)}, "next try in 0s"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click", State: stagebot.StatePending, Created: c.created,
				Requester: stagebot.Identity{Network: "console", ID: "alice", Name: "alice"}}
			got := StatusLine(stagebot.Status{Request: r, Job: c.job}, now)
			if !strings.Contains(got, c.want) {
				t.Fatalf("status line %q; want it to contain %q", got, c.want)
			}
		})
	}
}

type historyService struct {
	readService
	rs []*stagebot.Request
}

func (s *historyService) History(string, int) ([]*stagebot.Request, error) { return s.rs, nil }

// !history names each request's time in UTC with its zone, whatever zone it was stored in.
func TestHistoryTimes(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	cases := []struct {
		name    string
		created time.Time
		want    string
	}{
		{"utc", time.Date(2026, 11, 29, 18, 53, 12, 0, time.UTC), "(2026-11-29 18:53 UTC, by alice)"},
		{"another zone", time.Date(2026, 11, 29, 19, 53, 0, 0, berlin), "(2026-11-29 18:53 UTC, by alice)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc := &historyService{rs: []*stagebot.Request{{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click",
				State: stagebot.StateLocked, Created: c.created, Requester: stagebot.Identity{Network: "console", ID: "alice", Name: "alice"}}}}
			cmd, ok := NewRegistry("!", svc).Lookup("history")
			if !ok {
				t.Fatal("no history command")
			}
			got, err := cmd.Run(t.Context(), &Env{}, "x")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(got, c.want) {
				t.Fatalf("history %q; want it to end with %q", got, c.want)
			}
		})
	}
}
