package commands

import (
	"strings"
	"testing"

	"stagebot"
)

// holdService records the hold calls a command line makes.
type holdService struct {
	readService
	calls []string
}

func (s *holdService) Hold(_ stagebot.Identity, id, reason string) (*stagebot.Outcome, error) {
	s.calls = append(s.calls, "Hold "+id+" "+reason)
	return &stagebot.Outcome{Kind: stagebot.OutcomeHeld, Actor: "a", Request: &stagebot.Request{ID: id}}, nil
}

func (s *holdService) Unhold(_ stagebot.Identity, id string) (*stagebot.Outcome, error) {
	s.calls = append(s.calls, "Unhold "+id)
	return &stagebot.Outcome{Kind: stagebot.OutcomeUnheld, Request: &stagebot.Request{ID: id}}, nil
}

func TestHoldCommands(t *testing.T) {
	cases := []struct {
		line      string
		wantCall  string
		wantReply string
	}{
		{line: "hold 1a2b waiting for translations", wantCall: "Hold 1a2b waiting for translations", wantReply: "1a2b held by a"},
		{line: "hold 1a2b", wantCall: "Hold 1a2b ", wantReply: "1a2b held by a"},
		{line: "unhold 1a2b", wantCall: "Unhold 1a2b", wantReply: "1a2b unheld"},
		{line: "hold", wantReply: "usage: !hold ID [reason]"},
		{line: "help hold", wantReply: "back to pending"},
	}
	for _, c := range cases {
		t.Run(c.line, func(t *testing.T) {
			svc := &holdService{}
			reply := say(NewRegistry("!", svc), &Env{Actor: stagebot.Identity{Network: "console", ID: "a", Name: "a"}}, c.line)
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
