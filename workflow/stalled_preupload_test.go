package workflow

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"stagebot"
	"stagebot/storage"
)

// awaitGoneWithin waits until path no longer exists, failing after d.
func (e *env) awaitGoneWithin(path string, d time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s is still there after %s", filepath.Base(path), d)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// awaitStateWithin is awaitState with a deadline of its own.
func (e *env) awaitStateWithin(id string, st stagebot.State, d time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(d)
	for e.request(id).State != st {
		if time.Now().After(deadline) {
			r := e.request(id)
			e.t.Fatalf("request %s still %s (%s) after %s, want %s", r.ShortID(), r.State, r.LastError, d, st)
		}
		select {
		case <-e.db.Outbox().Signal():
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// An ended request's pre-upload, stalled with its file open on snakefruit, holds nobody:
// whatever ended the request stops it, its file is gone within seconds, and an approved
// request of another package locks meanwhile.
func TestEndedPreuploadHoldsNoOtherPackage(t *testing.T) {
	tests := []struct {
		name string
		end  func(e *env, r *stagebot.Request)
	}{
		{"cancelled", func(e *env, r *stagebot.Request) { e.svc.Cancel(alice, r.ShortID(), "") }},
		{"rejected", func(e *env, r *stagebot.Request) { e.svc.Reject(bob, r.ShortID(), "") }},
		{"expired", func(e *env, r *stagebot.Request) { e.svc.Expire(r.Created.Add(24 * time.Hour)) }},
		{"superseded", func(e *env, r *stagebot.Request) {
			newer := e.stage(alice, e.click("com.example.stuck", "2.0", "all"))
			if _, err := e.svc.Approve(bob, newer.ShortID()); err != nil {
				e.t.Fatal(err)
			}
			e.awaitStateWithin(newer.ID, stagebot.StateLocked, 10*time.Second)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1, ExpireAfter: 24 * time.Hour}, preuploadOn)
			st := e.target.armStall()
			defer st.let()
			stuck := e.stage(alice, e.click("com.example.stuck", "1.0", "all"))
			st.await(t)
			other := e.stage(alice, e.click("com.example.other", "1.0", "all"))
			e.awaitChecked(other.ID)
			tc.end(e, stuck)
			if got := e.request(stuck.ID).State; !got.Final() {
				t.Fatalf("the stuck request is %s, want it ended", got)
			}
			if _, err := e.svc.Approve(bob, other.ShortID()); err != nil {
				t.Fatal(err)
			}
			e.awaitStateWithin(other.ID, stagebot.StateLocked, 10*time.Second)
			e.awaitGoneWithin(e.pendingFile(stuck.ID), 10*time.Second)
			e.await(stuck.ID, "no job left", func(*stagebot.Request) bool { return len(e.jobs()) == 0 && e.svc.pre.get(stuck.ID) == nil })
			e.stopWorker()
			if jobs := e.jobs(); len(jobs) != 0 {
				t.Errorf("jobs left: %+v", jobs)
			}
		})
	}
}

// A lock waits for its own request's pre-upload only while that makes progress, and off
// the worker: another package's lock goes first, and a pre-upload that stalled is stopped
// and the bot's own copy uploaded.
func TestLockGivesUpOnItsStalledPreupload(t *testing.T) {
	const stallFor = 3 * time.Second
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		preuploadOn(c)
		c.preuploadStall = stallFor
	})
	other := e.stage(alice, e.click("com.example.other", "1.0", "all"))
	e.awaitChecked(other.ID)
	st := e.target.armStall()
	defer st.let()
	stuck := e.stage(alice, e.click("com.example.stuck", "1.0", "all"))
	st.await(t)
	approved := time.Now()
	if _, err := e.svc.Approve(bob, stuck.ShortID()); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Approve(bob, other.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitStateWithin(other.ID, stagebot.StateLocked, stallFor/2)
	if got := e.request(stuck.ID).State; got != stagebot.StateApproved {
		t.Fatalf("the stalled request is %s before its pre-upload stalled for %s", got, stallFor)
	}
	if n := e.target.putCalled.Load(); n != 0 {
		t.Fatalf("%d upload(s) before the stall was over, want the other click renamed only", n)
	}
	e.awaitStateWithin(stuck.ID, stagebot.StateLocked, stallFor+10*time.Second)
	if waited := time.Since(approved); waited < stallFor/2 {
		t.Errorf("locked %s after its approval, long before its pre-upload stalled for %s", waited, stallFor)
	}
	if n := e.target.putCalled.Load(); n != 1 {
		t.Errorf("%d upload(s), want the stalled click's own copy uploaded once", n)
	}
	e.awaitGoneWithin(e.pendingFile(stuck.ID), 10*time.Second)
	e.await(stuck.ID, "no job left", func(*stagebot.Request) bool { return len(e.jobs()) == 0 && e.svc.pre.get(stuck.ID) == nil })
	e.stopWorker()
	if jobs := e.jobs(); len(jobs) != 0 {
		t.Errorf("jobs left: %+v", jobs)
	}
	if entries, _ := os.ReadDir(e.folder); len(entries) != 3 {
		var names []string
		for _, en := range entries {
			names = append(names, en.Name())
		}
		t.Errorf("folder holds %v, want the two clicks and the list", names)
	}
}

// jobs are every queued job.
func (e *env) jobs() []stagebot.Job {
	e.t.Helper()
	var out []stagebot.Job
	if err := e.db.View(func(tx *storage.Tx) error {
		var err error
		out, err = tx.Jobs()
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}
