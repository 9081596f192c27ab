package commands

import (
	"context"
	"slices"
	"testing"

	"stagebot"
	"stagebot/intake"
)

// readService answers the reading calls and records any call that would change state.
type readService struct{ writes []string }

func (s *readService) Stage(context.Context, stagebot.Identity, intake.Source) (*stagebot.Request, error) {
	s.writes = append(s.writes, "Stage")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Approve(stagebot.Identity, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Approve")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) QA(stagebot.Identity, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "QA")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Reject(stagebot.Identity, string, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Reject")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Cancel(stagebot.Identity, string, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Cancel")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Hold(stagebot.Identity, string, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Hold")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Unhold(stagebot.Identity, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Unhold")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Retry(stagebot.Identity, string) (*stagebot.Outcome, error) {
	s.writes = append(s.writes, "Retry")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Tick(stagebot.Identity, string, map[string]bool) (*stagebot.TickResult, error) {
	s.writes = append(s.writes, "Tick")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Promote(stagebot.Identity, string) ([]*stagebot.Request, error) {
	s.writes = append(s.writes, "Promote")
	return nil, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) SetPhasing(stagebot.Identity, int) (int, error) {
	s.writes = append(s.writes, "SetPhasing")
	return 0, stagebot.Errorf(stagebot.EINTERNAL, "no")
}
func (s *readService) Lookup(string) ([]stagebot.Status, error) {
	return []stagebot.Status{{Request: &stagebot.Request{ID: "abcd1234-0000-4000-8000-000000000001", State: stagebot.StatePending}}}, nil
}
func (s *readService) Queue() ([]stagebot.Status, error)                { return nil, nil }
func (s *readService) History(string, int) ([]*stagebot.Request, error) { return nil, nil }
func (s *readService) Differences() stagebot.Drift                      { return stagebot.Drift{} }
func (s *readService) Team() stagebot.Team {
	return stagebot.Team{Landing: []stagebot.Member{{Name: "sil"}, {Name: "robru"}}, QA: []stagebot.Member{{Name: "qa-lead"}},
		Landers: []stagebot.Member{{Name: "*"}}}
}
func (s *readService) Policy() stagebot.Policy { return stagebot.Policy{Approvals: 2, QASignoff: true} }

// TestReadOnlyCommandsOnlyRead: adapters run ReadOnly commands on their read loops, so a
// command marked so must never reach a call that changes state or waits on the network;
// and the commands that do change state must not be marked.
func TestReadOnlyCommandsOnlyRead(t *testing.T) {
	svc := &readService{}
	r := NewRegistry("!", svc)
	wantReadOnly := []string{"help", "history", "queue", "status", "team", "whoami"}
	for _, name := range r.Names() {
		c, _ := r.Lookup(name)
		if c.ReadOnly != slices.Contains(wantReadOnly, name) {
			t.Errorf("%s: ReadOnly = %v, want %v", name, c.ReadOnly, !c.ReadOnly)
		}
		if !r.readOnly(name + " abcd1234") {
			continue
		}
		for _, args := range []string{"", "abcd1234", "com.example.app", "approve", "abcd1234 reason"} {
			svc.writes = nil
			r.Exec(context.Background(), &Env{Actor: stagebot.Identity{Network: "console", ID: "x"}}, name+" "+args)
			if len(svc.writes) > 0 {
				t.Errorf("%q, marked read-only, called %v", name+" "+args, svc.writes)
			}
		}
	}
	if !r.readOnly("nosuchcommand") {
		t.Errorf("an unknown command's reply comes from the table; it should count as read-only")
	}
	for _, line := range []string{"stage x", "approve abcd1234", "STAGE x", "tick"} {
		if r.readOnly(line) {
			t.Errorf("%q counted as read-only", line)
		}
	}
}
