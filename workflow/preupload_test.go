package workflow

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/snakefruit"
)

func preuploadOn(c *Config) { c.Preupload = true }

// pendingFile is where request id's pre-upload lands in e's folder.
func (e *env) pendingFile(id string) string {
	return filepath.Join(e.folder, snakefruit.PendingName(id))
}

func (e *env) awaitChecked(id string) *stagebot.Request {
	e.t.Helper()
	return e.await(id, "a checked pre-upload", func(r *stagebot.Request) bool { return r.Preupload.Checked() })
}

// awaitGone waits until path no longer exists (removals run on the worker).
func (e *env) awaitGone(path string) {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(path); os.IsNotExist(err) {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s is still there", filepath.Base(path))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPreuploadIsRenamedAtApproval(t *testing.T) {
	tests := []struct {
		name string
		// before runs between the stage and the approval.
		before func(e *env, r *stagebot.Request)
		// wantPut: the click had to be uploaded at approval (no usable pre-upload).
		wantPut bool
		mod     func(*Config)
	}{
		{name: "landed before the approval", before: func(e *env, r *stagebot.Request) {
			e.awaitChecked(r.ID)
		}},
		{name: "removed behind the bot's back", wantPut: true, before: func(e *env, r *stagebot.Request) {
			e.awaitChecked(r.ID)
			if err := os.Remove(e.pendingFile(r.ID)); err != nil {
				e.t.Fatal(err)
			}
		}},
		{name: "rewritten behind the bot's back, same size", wantPut: true, before: func(e *env, r *stagebot.Request) {
			e.awaitChecked(r.ID)
			p := e.pendingFile(r.ID)
			b, err := os.ReadFile(p)
			if err != nil {
				e.t.Fatal(err)
			}
			if err := os.WriteFile(p, bytes.Repeat([]byte{'x'}, len(b)), 0o644); err != nil {
				e.t.Fatal(err)
			}
			// A coarse clock could give the rewrite the same mtime; a person's editor
			// would not be so kind to us, so make it differ as it would.
			if err := os.Chtimes(p, time.Time{}, r.Created.Add(-time.Hour)); err != nil {
				e.t.Fatal(err)
			}
		}},
		{name: "snakefruit unreachable at !stage", wantPut: true, mod: func(c *Config) {
			c.Target.(*flakyTarget).preFail.Store(true)
		}},
		{name: "preupload off", wantPut: true, mod: func(c *Config) { c.Preupload = false }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
				preuploadOn(c)
				if tc.mod != nil {
					tc.mod(c)
				}
			})
			path := e.click("com.example.pre", "1.0", "all")
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			r := e.stage(alice, path)
			if tc.before != nil {
				tc.before(e, r)
			}
			if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
				t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateLocked)
			if got := e.target.putCalled.Load() > 0; got != tc.wantPut {
				t.Errorf("uploaded at approval: %v, want %v", got, tc.wantPut)
			}
			got, err := os.ReadFile(filepath.Join(e.folder, r.Filename))
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("the locked file is not the click (err %v)", err)
			}
			e.awaitGone(e.pendingFile(r.ID))
			if l := e.list(); len(l) != 1 || l[0] != r.Filename {
				t.Errorf("list = %v", l)
			}
		})
	}
}

// An approval that comes while the pre-upload is still under way waits for it, then
// renames: no second copy.
func TestApprovalWaitsForThePreupload(t *testing.T) {
	gate := make(chan struct{})
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		preuploadOn(c)
		c.Target.(*flakyTarget).preGate = gate
	})
	r := e.stage(alice, e.click("com.example.wait", "1.0", "all"))
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	// The lock waits, off the worker: it is not due while the pre-upload makes progress.
	if job, wait, err := e.svc.nextJob(); err != nil || job != nil || wait > preuploadStall {
		t.Fatalf("next job %+v (err %v, wait %s), want none while the pre-upload runs", job, err, wait)
	}
	if _, err := os.Stat(filepath.Join(e.folder, r.Filename)); err == nil || e.target.putCalled.Load() > 0 {
		t.Fatalf("the lock went ahead without the pre-upload (uploads %d)", e.target.putCalled.Load())
	}
	close(gate)
	e.awaitState(r.ID, stagebot.StateLocked)
	if n := e.target.putCalled.Load(); n != 0 {
		t.Errorf("uploaded %d time(s) at approval, want a rename only", n)
	}
	e.awaitGone(e.pendingFile(r.ID))
}

// Whatever ends a request removes its pre-upload, including one that lands after the end.
func TestPreuploadGoesWhenTheRequestEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(e *env, r *stagebot.Request)
		// late: the request ends while its pre-upload is still under way.
		late bool
	}{
		{name: "rejected", end: func(e *env, r *stagebot.Request) { e.svc.Reject(bob, r.ShortID(), "no") }},
		{name: "cancelled", end: func(e *env, r *stagebot.Request) { e.svc.Cancel(alice, r.ShortID(), "oops") }},
		{name: "expired", end: func(e *env, r *stagebot.Request) { e.svc.Expire(r.Created.Add(30 * 24 * time.Hour)) }},
		{name: "cancelled while it uploads", late: true, end: func(e *env, r *stagebot.Request) { e.svc.Cancel(alice, r.ShortID(), "oops") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gate := make(chan struct{})
			e := newEnv(t, stagebot.Policy{Approvals: 1, ExpireAfter: 24 * time.Hour}, func(c *Config) {
				preuploadOn(c)
				c.Target.(*flakyTarget).preGate = gate
			})
			r := e.stage(alice, e.click("com.example.end", "1.0", "all"))
			if !tc.late {
				close(gate)
				e.awaitChecked(r.ID)
			}
			tc.end(e, r)
			if e.request(r.ID).State.Final() == false {
				t.Fatalf("still %s", e.request(r.ID).State)
			}
			if tc.late {
				close(gate)
				// Until the pre-upload has run its course its file may not exist yet: gone
				// would be true too early.
				e.svc.pre.wg.Wait()
			}
			e.awaitGone(e.pendingFile(r.ID))
			// And nothing else was left: no click, no line.
			if entries, _ := os.ReadDir(e.folder); len(entries) != 0 {
				var names []string
				for _, en := range entries {
					names = append(names, en.Name())
				}
				t.Errorf("folder holds %v", names)
			}
		})
	}
}

// A click refused after its download (not newer than the locked one) leaves no pre-upload.
func TestRefusedStageLeavesNoPreupload(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, preuploadOn)
	r := e.stage(alice, e.click("com.example.old", "2.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	if _, err := e.svc.Stage(t.Context(), alice, intake.Source{Kind: intake.FromPath, Value: e.click("com.example.old", "1.0", "all")}); err == nil {
		t.Fatal("an older version was accepted")
	}
	e.svc.pre.wg.Wait() // the refused click's pre-upload has run its course
	if matches, _ := filepath.Glob(filepath.Join(e.folder, snakefruit.PendingPrefix+"*")); len(matches) != 0 {
		t.Fatalf("pre-uploads left: %v", matches)
	}
}

// The sha512 digest waits for the request's pre-upload: on two cores it would take a core
// from the upload an approval waits for. It still comes once the pre-upload ends.
func TestDigestWaitsForThePreupload(t *testing.T) {
	gate := make(chan struct{})
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		preuploadOn(c)
		c.Target.(*flakyTarget).preGate = gate
	})
	var spawned atomic.Int32
	e.svc.pre.spawn = func(_ string, fn func()) {
		spawned.Add(1)
		go fn()
	}
	path := e.click("com.example.digest", "1.0", "all")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := e.stage(alice, path)
	if n := spawned.Load(); n != 1 {
		t.Errorf("%d goroutines started by the stage while its pre-upload is held, want 1 (the pre-upload; the digest after it)", n)
	}
	close(gate)
	got := e.await(r.ID, "a sha512", func(r *stagebot.Request) bool { return r.SHA512 != "" })
	want := sha512.Sum512(data)
	if got.SHA512 != hex.EncodeToString(want[:]) {
		t.Errorf("sha512 %s, want %x", got.SHA512, want)
	}
}

// A pre-upload the lock could not use (its check failed, and removing it did too) is removed
// after the lock by a queued job, recorded with the lock and retried until the file is gone.
func TestUnusedPreuploadRemovalIsQueuedWithTheLock(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, preuploadOn)
	e.target.preLost.Store(true)
	e.target.rmFail.Store(true)
	r := e.stage(alice, e.click("com.example.unused", "1.0", "all"))
	e.svc.pre.wg.Wait() // it landed, was not believed, and could not be removed
	if _, err := os.Stat(e.pendingFile(r.ID)); err != nil {
		t.Fatalf("the pre-upload's file is not there to begin with: %v", err)
	}
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitState(r.ID, stagebot.StateLocked)
	if !slices.ContainsFunc(e.jobsOf(r.ID), func(j stagebot.Job) bool { return j.PendingOnly }) {
		t.Fatalf("locked with no removal of its pre-upload queued (jobs %+v)", e.jobsOf(r.ID))
	}
	e.await(r.ID, "a failed removal", func(*stagebot.Request) bool {
		return slices.ContainsFunc(e.jobsOf(r.ID), func(j stagebot.Job) bool { return j.PendingOnly && j.Attempt > 0 })
	})
	e.target.rmFail.Store(false)
	e.awaitGone(e.pendingFile(r.ID))
	e.await(r.ID, "no job left", func(*stagebot.Request) bool { return len(e.jobs()) == 0 })
	if n := e.target.putCalled.Load(); n != 1 {
		t.Errorf("%d upload(s), want the bot's own copy once", n)
	}
}
