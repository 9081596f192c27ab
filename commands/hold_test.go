package commands

import (
	"strings"
	"testing"
	"time"

	"stagebot"
)

// holdService records the hold calls a command line makes.
type holdService struct {
	readService
	calls []string
}

func (s *holdService) Hold(_ stagebot.Identity, id, reason string) (*stagebot.Outcome, error) {
	s.calls = append(s.calls, "Hold "+id+" "+reason)
	return &stagebot.Outcome{Message: "[" + id + "] held"}, nil
}

func (s *holdService) Unhold(_ stagebot.Identity, id string) (*stagebot.Outcome, error) {
	s.calls = append(s.calls, "Unhold "+id)
	return &stagebot.Outcome{Message: "[" + id + "] unheld"}, nil
}

func TestHoldCommands(t *testing.T) {
	cases := []struct {
		line      string
		wantCall  string
		wantReply string
	}{
		{line: "hold 1a2b waiting for translations", wantCall: "Hold 1a2b waiting for translations", wantReply: "[1a2b] held"},
		{line: "hold 1a2b", wantCall: "Hold 1a2b ", wantReply: "[1a2b] held"},
		{line: "unhold 1a2b", wantCall: "Unhold 1a2b", wantReply: "[1a2b] unheld"},
		{line: "hold", wantReply: "usage: !hold ID [reason]"},
		{line: "help hold", wantReply: "back to pending"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			svc := &holdService{}
			reply := NewRegistry("!", svc).Run(t.Context(), &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}}, c.line)
			if !strings.Contains(reply, c.wantReply) {
				t.Fatalf("reply %q, want it to contain %q", reply, c.wantReply)
			}
			var got string
			if len(svc.calls) > 0 {
				got = svc.calls[0]
			}
			if got != c.wantCall {
				t.Fatalf("call %q, want %q", got, c.wantCall)
			}
		})
	}
}

func TestStatusLineShowsHold(t *testing.T) {
	now := time.Date(2026, 11, 29, 18, 53, 0, 0, time.UTC)
	held := &stagebot.Hold{By: stagebot.Identity{Network: "console", ID: "sil2100", Name: "sil2100"}, Key: "member:sil2100", At: now.Add(-time.Hour), Reason: "translations"}
	cases := []struct {
		name  string
		state stagebot.State
		hold  *stagebot.Hold
		want  string
		not   bool
	}{
		{name: "held pending", state: stagebot.StatePending, hold: held, want: "; held by sil2100: translations (1h ago)"},
		{name: "not held", state: stagebot.StatePending, want: "held by", not: true},
		{name: "ended while held", state: stagebot.StateCancelled, hold: held, want: "held by", not: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &stagebot.Request{ID: "1a2b3c4d-0000-4000-8000-000000000001", Filename: "x_1_all.click", State: c.state, Created: now, Hold: c.hold}
			got := StatusLine(stagebot.Status{Request: r}, now)
			if strings.Contains(got, c.want) == c.not {
				t.Fatalf("status line %q; want it to contain %q: %v", got, c.want, !c.not)
			}
		})
	}
}
