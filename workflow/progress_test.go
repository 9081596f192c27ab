package workflow

import (
	"testing"

	"stagebot"
)

// A sign-off short of the policy is told to the channel as progress, not as a state.
func TestPartialApprovalAnnouncedAsProgress(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 2, QASignoff: true}, nil)
	r := e.stage(alice, e.click("com.example.progress", "1.0", "all"))
	id := r.ShortID()
	steps := []struct {
		name string
		do   func() (*stagebot.Outcome, error)
		want string // the newest announcement's text
		word string
		st   stagebot.State
	}{
		{"first approval", func() (*stagebot.Outcome, error) { return e.svc.Approve(bob, id) },
			"[" + id + "] " + r.Filename + " approved 1/2 by bob; 1 more landing-team approval and a QA sign-off (!qa " + id + ") needed", "progress", ""},
		{"QA sign-off", func() (*stagebot.Outcome, error) { return e.svc.QA(quinn, id) },
			"[" + id + "] " + r.Filename + " approved 1/2, QA sign-off by quinn; 1 more landing-team approval needed", "progress", ""},
		{"second approval", func() (*stagebot.Outcome, error) { return e.svc.Approve(carol, id) },
			"", "approved", stagebot.StateApproved},
	}
	for _, s := range steps {
		if _, err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		a := e.lastAbout(r.ID)
		if a.Word != s.word || a.State != s.st || (s.want != "" && a.Text != s.want) {
			t.Fatalf("%s announced as %+v, want word %q state %q text %q", s.name, a, s.word, s.st, s.want)
		}
	}
}
