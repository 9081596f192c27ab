package workflow

import (
	"strings"
	"testing"

	"stagebot"
	"stagebot/storage"
)

// jobsOf are the kinds of r's queued jobs.
func (e *env) jobsOf(id string) []stagebot.Job {
	e.t.Helper()
	var out []stagebot.Job
	if err := e.db.View(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			if j.RequestID == id {
				out = append(out, j)
			}
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

// lastAbout is the newest announcement about request id.
func (e *env) lastAbout(id string) stagebot.Event {
	e.t.Helper()
	as := e.announcements()
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].RequestID == id {
			return as[i]
		}
	}
	e.t.Fatalf("no announcement about %s", id)
	return stagebot.Event{}
}

func TestHoldKeepsApprovedRequestFromLock(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.hold", "1.0", "all"))
	id := r.ShortID()
	out, err := e.svc.Hold(alice, id, "wait for\nthe translations")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said(out), "held by alice: wait for␊the translations") {
		t.Fatalf("reply %q", said(out))
	}
	a := e.lastAbout(r.ID)
	if a.Word != "held" || a.State != "" || !strings.Contains(a.Text, r.Filename) || !strings.Contains(a.Text, "held: by alice") {
		t.Fatalf("hold announced as %+v", a)
	}
	out, err = e.svc.Approve(bob, id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(said(out), "held by alice") {
		t.Fatalf("approval of a held request replied %q", said(out))
	}
	got := e.request(r.ID)
	if got.State != stagebot.StatePending || len(got.ValidApprovals()) != 1 || len(e.jobsOf(r.ID)) != 0 {
		t.Fatalf("held request approved: %s, %d approvals, jobs %v", got.State, len(got.ValidApprovals()), e.jobsOf(r.ID))
	}
	_, err = e.svc.Hold(bob, id, "")
	wantCode(t, err, stagebot.ECONFLICT) // held once is enough
	if _, err := e.svc.Unhold(carol, id); err != nil {
		t.Fatal(err)
	}
	e.awaitState(r.ID, stagebot.StateLocked)
	if got := e.request(r.ID); got.Hold != nil {
		t.Fatalf("still held after !unhold: %+v", got.Hold)
	}
}

func TestHoldWhoAndWhen(t *testing.T) {
	long := strings.Repeat("x", stagebot.MaxReason+50)
	cases := []struct {
		name  string
		actor stagebot.Identity
		setup func(e *env, r *stagebot.Request)
		code  string // "" = the hold is taken
		want  string
	}{
		{name: "requester", actor: alice},
		{name: "landing team", actor: carol},
		{name: "someone else", actor: eve, code: stagebot.EFORBIDDEN},
		{name: "QA alone", actor: quinn, code: stagebot.EFORBIDDEN},
		{name: "locked", actor: bob, code: stagebot.ECONFLICT, want: "too late",
			setup: func(e *env, r *stagebot.Request) {
				e.svc.Approve(bob, r.ShortID())
				e.awaitState(r.ID, stagebot.StateLocked)
			}},
		{name: "lock started", actor: bob, code: stagebot.ECONFLICT, want: "too late: locking",
			setup: func(e *env, r *stagebot.Request) {
				e.stopWorker()
				e.svc.Approve(carol, r.ShortID())
				e.startLock(r.ID)
			}},
		{name: "cancelled", actor: bob, code: stagebot.ECONFLICT,
			setup: func(e *env, r *stagebot.Request) { e.svc.Cancel(alice, r.ShortID(), "") }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
			r := e.stage(alice, e.click("com.example.who", "1.0", "all"))
			if c.setup != nil {
				c.setup(e, r)
			}
			_, err := e.svc.Hold(c.actor, r.ShortID(), long)
			if c.code != "" {
				wantCode(t, err, c.code)
				if !strings.Contains(refusal(err), c.want) {
					t.Fatalf("refusal %q does not say %q", err, c.want)
				}
				if e.request(r.ID).Hold != nil {
					t.Fatal("refused hold recorded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h := e.request(r.ID).Hold
			if h == nil || h.Key != "member:"+c.actor.Name || len([]rune(h.Reason)) != stagebot.MaxReason {
				t.Fatalf("hold recorded as %+v", h)
			}
			_, err = e.svc.Unhold(eve, r.ShortID())
			wantCode(t, err, stagebot.EFORBIDDEN)
		})
	}
}

// startLock marks id's lock job started, as the worker does before it touches snakefruit.
func (e *env) startLock(id string) {
	e.t.Helper()
	if err := e.db.Update(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			if j.RequestID == id && j.Kind == stagebot.JobLock {
				j.FirstTry = e.svc.now()
				if err := tx.PutJob(j); err != nil {
					return err
				}
			}
		}
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
}

func TestHoldTakesApprovedBackToPending(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	e.stopWorker() // the lock must not start before the hold
	r := e.stage(alice, e.click("com.example.back", "1.0", "all"))
	id := r.ShortID()
	if _, err := e.svc.Approve(bob, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Hold(carol, id, "freeze"); err != nil {
		t.Fatal(err)
	}
	got := e.request(r.ID)
	if got.State != stagebot.StatePending || len(got.ValidApprovals()) != 1 || len(e.jobsOf(r.ID)) != 0 {
		t.Fatalf("after hold: %s, %d approvals, jobs %v", got.State, len(got.ValidApprovals()), e.jobsOf(r.ID))
	}
	// The held line reports the transition back to pending too: every transition is
	// announced once.
	if a := e.lastAbout(r.ID); a.Word != "held" || a.State != stagebot.StatePending {
		t.Fatalf("hold announced as %+v", a)
	}
	out, err := e.svc.Unhold(alice, id)
	if err != nil {
		t.Fatal(err)
	}
	got = e.request(r.ID)
	if got.State != stagebot.StateApproved || len(e.jobsOf(r.ID)) != 1 || !strings.Contains(said(out), "queued for locking") {
		t.Fatalf("after unhold: %s, jobs %v, reply %q", got.State, e.jobsOf(r.ID), said(out))
	}
	_, err = e.svc.Unhold(alice, id)
	wantCode(t, err, stagebot.ECONFLICT)
}
