package workflow

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
	"stagebot/snakefruit"
	"stagebot/storage"
)

func TestPermissionsAndPolicy(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 2, QASignoff: true}, nil)
	c := e.click("com.example.p", "1.0", "all")
	if _, err := e.svc.Stage(t.Context(), eve, sourcePath(c)); stagebot.ErrorCode(err) != stagebot.EFORBIDDEN {
		t.Fatalf("a non-lander staged: %v", err)
	}
	r := e.stage(alice, c)
	id := r.ShortID()
	_, err := e.svc.Approve(alice, id)
	wantCode(t, err, stagebot.EFORBIDDEN) // alice is no landing member
	_, err = e.svc.Approve(eve, id)
	wantCode(t, err, stagebot.EFORBIDDEN)
	_, err = e.svc.QA(bob, id)
	wantCode(t, err, stagebot.EFORBIDDEN)
	if _, err := e.svc.Approve(bob, id); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Approve(bob, id)
	wantCode(t, err, stagebot.ECONFLICT) // one person, one approval
	if _, err := e.svc.Approve(carol, id); err != nil {
		t.Fatal(err)
	}
	if got := e.request(r.ID).State; got != stagebot.StatePending {
		t.Fatalf("approved without QA sign-off: %s", got)
	}
	if _, err := e.svc.QA(quinn, id); err != nil {
		t.Fatal(err)
	}
	e.awaitState(r.ID, stagebot.StateLocked)
}

func TestSelfApprovalRefusedUnlessAllowed(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		e := newEnv(t, stagebot.Policy{Approvals: 1, SelfApproval: allowed}, nil)
		r := e.stage(bob, e.click("com.example.self", "1.0", "all"))
		_, err := e.svc.Approve(bob, r.ShortID())
		if allowed && err != nil {
			t.Fatalf("self_approval: true refused: %v", err)
		}
		if !allowed {
			wantCode(t, err, stagebot.EFORBIDDEN)
			if !strings.Contains(refusal(err), "own request") {
				t.Fatalf("refusal does not say why: %v", err)
			}
		}
	}
}

func TestWithdrawBeforeLock(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 2}, nil)
	r := e.stage(alice, e.click("com.example.w", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	if _, err := e.svc.Withdraw(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.svc.Approve(carol, r.ShortID())
	if got := e.request(r.ID); got.State != stagebot.StatePending || len(got.ValidApprovals()) != 1 {
		t.Fatalf("withdrawn approval still counts: %s, %d approvals", got.State, len(got.ValidApprovals()))
	}
}

func TestCancelLockedTakesItOff(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.c", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	if _, err := e.svc.Cancel(eve, r.ShortID(), ""); stagebot.ErrorCode(err) != stagebot.EFORBIDDEN {
		t.Fatalf("a stranger cancelled: %v", err)
	}
	if _, err := e.svc.Cancel(alice, r.ShortID(), "wrong build"); err != nil {
		t.Fatal(err)
	}
	// The unlock takes the line off first and the file after it (the list never names a
	// missing file), so both are awaited: the file may outlive the line for a moment.
	e.await(r.ID, "unlocked, its line and its file gone", func(r *stagebot.Request) bool {
		_, err := os.Stat(filepath.Join(e.folder, r.Filename))
		return r.State == stagebot.StateCancelled && len(e.list()) == 0 && os.IsNotExist(err)
	})
}

func TestOlderVersionRefused(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.v", "1:2.0", "armhf"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	for _, v := range []string{"2.0", "1:2.0~rc1", "1:2.0"} {
		_, err := e.svc.Stage(t.Context(), alice, sourcePath(e.click("com.example.v", v, "armhf")))
		wantCode(t, err, stagebot.ECONFLICT)
	}
	// Another architecture is another package line.
	other := e.stage(alice, e.click("com.example.v", "1.0", "all"))
	if other.Filename != "com.example.v_1.0_all.click" {
		t.Fatalf("filename %s", other.Filename)
	}
}

func TestLockFailureThenRetry(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	e.target.fail.Store(1)
	r := e.stage(alice, e.click("com.example.f", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	got := e.await(r.ID, "a retry recorded", func(r *stagebot.Request) bool { return r.Attempt >= 2 })
	if got.State != stagebot.StateApproved || !strings.Contains(got.LastError, "connection refused") {
		t.Fatalf("transient failure: %s %q", got.State, got.LastError)
	}
	e.target.fail.Store(2)
	got = e.awaitState(r.ID, stagebot.StateFailed)
	if !strings.Contains(got.LastError, "SHA256:abc") {
		t.Fatalf("failure does not name the fingerprint: %q", got.LastError)
	}
	if len(e.list()) != 0 {
		t.Fatalf("a failed lock left a line: %v", e.list())
	}
	e.target.fail.Store(0)
	if _, err := e.svc.Retry(alice, r.ShortID()); stagebot.ErrorCode(err) != stagebot.EFORBIDDEN {
		t.Fatalf("a lander retried: %v", err)
	}
	if _, err := e.svc.Retry(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitState(r.ID, stagebot.StateLocked)
	if l := e.list(); len(l) != 1 || l[0] != r.Filename {
		t.Fatalf("list %v", l)
	}
}

func TestPublishCommandFailureKeepsItLocked(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "publish")
	marker := filepath.Join(dir, "ok")
	os.WriteFile(script, []byte("#!/bin/sh\n[ -e "+marker+" ] || { echo store said no >&2; exit 3; }\necho \"$@\" >> "+filepath.Join(dir, "args")+"\n"), 0o755)
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		c.Publish = Publish{Command: []string{script, "{path}", "{name}", "{version}", "{arch}", "{sha512}"}, Timeout: 10 * time.Second}
	})
	path := e.click("com.example.pub", "1.0", "all")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(data)
	r := e.stage(alice, path)
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	e.toPhasingEnd()
	got := e.await(r.ID, "publication failure", func(r *stagebot.Request) bool { return r.PublishErr != "" })
	if got.State != stagebot.StatePromoted || !strings.Contains(got.PublishErr, "store said no") {
		t.Fatalf("after a failed publication: %s %q", got.State, got.PublishErr)
	}
	if l := e.list(); len(l) != 1 {
		t.Fatalf("failed publication flushed the list: %v", l)
	}
	failed := false
	for _, a := range e.announcements() {
		failed = failed || (a.Word == "failed" && a.RequestID == r.ID && strings.Contains(a.Text, r.Filename))
	}
	if !failed {
		t.Fatal("publication failure not announced")
	}
	os.WriteFile(marker, nil, 0o644)
	if _, err := e.svc.Retry(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitState(r.ID, stagebot.StatePublished)
	if l := e.list(); len(l) != 0 {
		t.Fatalf("published click still listed: %v", l)
	}
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	fields := strings.Fields(string(args))
	if len(fields) != 5 || fields[1] != "com.example.pub" || fields[2] != "1.0" || fields[3] != "all" || fields[4] != hex.EncodeToString(sum[:]) || !strings.HasSuffix(fields[0], r.Filename) {
		t.Fatalf("publish command got %q", args)
	}
}

func TestRemindersOncePerInterval(t *testing.T) {
	var clock atomic.Int64 // the worker reads the clock too
	clock.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	advance := func(d time.Duration) { clock.Add(int64(d)) }
	e := newEnv(t, stagebot.Policy{Approvals: 1, RemindAfter: 4 * time.Hour}, func(c *Config) {
		c.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	})
	r := e.stage(alice, e.click("com.example.r", "1.0", "all"))
	count := func() int {
		n := 0
		for _, a := range e.announcements() {
			if a.RequestID == r.ID && strings.Contains(a.Text, "still waiting") {
				n++
				if len(a.Mention) != 2 {
					t.Fatalf("reminder mentions %v, want bob and carol", a.Mention)
				}
			}
		}
		return n
	}
	steps := []struct {
		advance time.Duration
		want    int
	}{{3 * time.Hour, 0}, {time.Hour, 1}, {time.Hour, 1}, {3 * time.Hour, 2}}
	for _, s := range steps {
		advance(s.advance)
		if _, err := e.svc.Remind(); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != s.want {
			t.Fatalf("after %s: %d reminders, want %d", s.advance, got, s.want)
		}
	}
	// The ages as people say them, not Go's "4h0m0s".
	var ages []string
	for _, a := range e.announcements() {
		if _, rest, ok := strings.Cut(a.Text, "still waiting for approval after "); ok {
			ages = append(ages, rest[:strings.Index(rest, " (")])
		}
	}
	if !slices.Equal(ages, []string{"4h", "8h"}) {
		t.Fatalf("reminders say waiting after %q, want 4h and 8h", ages)
	}
	e.svc.Approve(bob, r.ShortID())
	advance(10 * time.Hour)
	e.svc.Remind()
	if got := count(); got != 2 {
		t.Fatalf("reminded after approval: %d", got)
	}
}

func TestEveryTransitionIsAuditedAndAnnounced(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.a", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	var audit []storage.Entry
	e.db.View(func(tx *storage.Tx) error {
		var err error
		audit, err = tx.AuditLog(r.ID)
		return err
	})
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	if got := strings.Join(actions, ","); got != "pending,approved,locked" {
		t.Fatalf("audit actions %s", got)
	}
	var words []string
	for _, a := range e.announcements() {
		if a.RequestID == r.ID {
			words = append(words, a.Word)
			if !strings.Contains(a.Text, r.ShortID()) || !strings.Contains(a.Text, r.Filename) || !strings.Contains(a.Text, a.Word) {
				t.Errorf("announcement lacks ID, filename or word: %q", a.Text)
			}
		}
	}
	if got := strings.Join(words, ","); got != "requested,approved,locked" {
		t.Fatalf("announcement words %s", got)
	}
}

func TestGiveUpAfterConfiguredTime(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) { c.Retry.GiveUp = 150 * time.Millisecond })
	e.target.fail.Store(1)
	r := e.stage(alice, e.click("com.example.g", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	got := e.awaitState(r.ID, stagebot.StateFailed)
	if got.Attempt < 2 || !strings.Contains(got.LastError, "connection refused") {
		t.Fatalf("failed after %d attempts: %q", got.Attempt, got.LastError)
	}
	var failed bool
	for _, a := range e.announcements() {
		failed = failed || (a.Word == "failed" && strings.Contains(a.Text, "!retry "+r.ShortID()))
	}
	if !failed {
		t.Fatal("the give-up was not announced with how to retry")
	}
}

// TestReconcileReportsDifferences: at start the worker compares snakefruit with bbolt; what
// differs is kept for !status, and only the bot's own leftovers are repaired.
func TestReconcileReportsDifferences(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.rc", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	// A person removed our line, and a temp file of ours was left by a crash.
	os.WriteFile(filepath.Join(e.folder, "locked_clicks_list"), []byte("someone_1_all.click\n"), 0o644)
	os.WriteFile(filepath.Join(e.folder, ".stagebot-tmp-x.click"), []byte("partial"), 0o644)
	if err := e.svc.Reconcile(t.Context()); err != nil {
		t.Fatal(err)
	}
	diffs := e.svc.Differences().Files
	for _, want := range []stagebot.FileDrift{{Kind: "line-missing", Name: r.Filename}, {Kind: "line-without-file", Name: "someone_1_all.click"}} {
		if !slices.Contains(diffs, want) {
			t.Errorf("differences %+v lack %+v", diffs, want)
		}
	}
	if _, err := os.Stat(filepath.Join(e.folder, ".stagebot-tmp-x.click")); !os.IsNotExist(err) {
		t.Error("our stray temp file was not removed")
	}
	if got := e.list(); len(got) != 1 || got[0] != "someone_1_all.click" {
		t.Errorf("reconcile touched the list: %v", got)
	}
}

// slowTarget holds Put until released, to stand for an upload under way at shutdown.
type slowTarget struct {
	snakefruit.Target
	started, release chan struct{}
}

func (s *slowTarget) Put(ctx context.Context, name, src string, size int64, sum string) error {
	close(s.started)
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Target.Put(ctx, name, src, size, sum)
}

// TestShutdownLetsTheJobUnderWayFinish: a stop during an upload waits for it (within the
// grace period) and records its outcome, rather than cutting it off.
func TestShutdownLetsTheJobUnderWayFinish(t *testing.T) {
	for _, c := range []struct {
		name    string
		grace   time.Duration
		release bool
		want    stagebot.State
	}{
		{"finishes within the grace", time.Minute, true, stagebot.StateLocked},
		{"cut off after the grace", 50 * time.Millisecond, false, stagebot.StateApproved},
	} {
		t.Run(c.name, func(t *testing.T) {
			slow := &slowTarget{started: make(chan struct{}), release: make(chan struct{})}
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(cfg *Config) {
				slow.Target = cfg.Target
				cfg.Target = slow
			})
			e.grace = c.grace
			r := e.stage(alice, e.click("com.example.sd", "1.0", "all"))
			if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
				t.Fatal(err)
			}
			<-slow.started
			e.cancelWorker() // shutdown begins while the upload is under way
			if c.release {
				close(slow.release)
			}
			<-e.workerDone
			if got := e.request(r.ID).State; got != c.want {
				t.Fatalf("after shutdown: %s, want %s", got, c.want)
			}
			if c.want == stagebot.StateApproved {
				if _, queued, _ := jobFor(e, r.ID); !queued {
					t.Fatal("the cut-off job left the queue: it would not run again")
				}
			}
		})
	}
}

func jobFor(e *env, id string) (stagebot.Job, bool, error) {
	var j stagebot.Job
	var ok bool
	err := e.db.View(func(tx *storage.Tx) error {
		var err error
		j, ok, err = tx.JobFor(id)
		return err
	})
	return j, ok, err
}
