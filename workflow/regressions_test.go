package workflow

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot"
)

// Issue 11, item 6: a line a person wrote before the bot locked the same filename stays
// the person's: a cancel (and a publication's flush) leaves it and its file alone.
func TestPersonsLineIsNeverTakenOver(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	c, name, _ := e.placedByHand("com.example.hand")
	r := e.stage(alice, c)
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	got := e.awaitState(r.ID, stagebot.StateLocked)
	if !got.PersonsLine {
		t.Fatal("the lock took a person's line for its own")
	}
	if _, err := e.svc.Cancel(alice, r.ShortID(), ""); err != nil {
		t.Fatal(err)
	}
	e.await(r.ID, "the cancel's unlock done", func(r *stagebot.Request) bool { return e.svc.Idle() })
	if want := []string{"other_1_all.click", name}; !slices.Equal(e.list(), want) {
		t.Fatalf("list %v, want the person's lines untouched %v", e.list(), want)
	}
	if _, err := os.Stat(filepath.Join(e.folder, name)); err != nil {
		t.Fatalf("the person's file went: %v", err)
	}
	var said []string
	for _, a := range e.announcements() {
		said = append(said, a.Text)
	}
	if !slices.ContainsFunc(said, func(s string) bool { return strings.Contains(s, "a person's and stays") }) {
		t.Fatalf("nobody was told the line stays: %q", said)
	}
}

// A person's line taken off between the lock's first look at the list and its edit: the
// line the edit then adds is the bot's, and a cancel takes it off again (found by the
// simulation, seed 1002780, where the bot's line stayed on the list with no request).
func TestLineAddedAfterPersonTookTheirsOffIsTheBots(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	c, name, list := e.placedByHand("com.example.hand")
	// The person takes their line off while the lock uploads (after its first look).
	takeOff := func() {
		if err := os.WriteFile(list, []byte("other_1_all.click\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
	e.target.onPut.Store(&takeOff)
	r := e.stage(alice, c)
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	got := e.awaitState(r.ID, stagebot.StateLocked)
	e.target.onPut.Store(nil)
	if got.PersonsLine {
		t.Fatal("the line the bot added is recorded as a person's")
	}
	if want := []string{"other_1_all.click", name}; !slices.Equal(e.list(), want) {
		t.Fatalf("list %v, want %v", e.list(), want)
	}
	if _, err := e.svc.Cancel(alice, r.ShortID(), ""); err != nil {
		t.Fatal(err)
	}
	e.await(r.ID, "the cancel's unlock done", func(r *stagebot.Request) bool { return e.svc.Idle() })
	if want := []string{"other_1_all.click"}; !slices.Equal(e.list(), want) {
		t.Fatalf("list %v after the cancel, want the bot's line gone %v", e.list(), want)
	}
	// The file was the person's when the lock looked, so it stays theirs.
	if _, err := os.Stat(filepath.Join(e.folder, name)); err != nil {
		t.Fatalf("the person's file went: %v", err)
	}
}

// A person takes their line and file off while the bot locks the same click, and the
// approval is withdrawn before the bot's list edit: the file the bot placed goes with the
// cleanup, as no line names it, and the list is left as the person left it (found by the
// simulation, seed 1012368, where the bot's file stayed with no request).
func TestFilePlacedUnderAVanishedPersonsLineGoes(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	c, name, list := e.placedByHand("com.example.hand")
	takeOff := func() {
		if err := os.WriteFile(list, []byte("other_1_all.click\n"), 0o644); err != nil {
			t.Error(err)
		}
		if err := os.Remove(filepath.Join(e.folder, name)); err != nil {
			t.Error(err)
		}
	}
	e.target.onPut.Store(&takeOff)
	r := e.stage(alice, c)
	withdraw := func() {
		if _, err := e.svc.Withdraw(bob, r.ShortID()); err != nil {
			t.Error(err)
		}
	}
	e.target.onEdit.Store(&withdraw)
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.await(r.ID, "the lock stopped and its cleanup done", func(got *stagebot.Request) bool {
		return got.State == stagebot.StatePending && e.svc.Idle()
	})
	e.target.onPut.Store(nil)
	e.target.onEdit.Store(nil)
	if want := []string{"other_1_all.click"}; !slices.Equal(e.list(), want) {
		t.Fatalf("list %v, want %v", e.list(), want)
	}
	if _, err := os.Stat(filepath.Join(e.folder, name)); !os.IsNotExist(err) {
		t.Fatalf("the bot's file under the vanished line stayed: %v", err)
	}
}

// Issue 11, item 7: what a crash leaves in state_dir goes at the next start (downloads
// begun before it, copies of requests that ended or were never recorded), and a request's
// copy goes when it ends; a live request's copy stays.
func TestLeftoversSweptAtStartAndWhenRequestsEnd(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	live := e.stage(alice, e.click("com.example.live", "1.0", "all"))
	ended := e.stage(alice, e.click("com.example.ended", "1.0", "all"))
	if _, err := e.svc.Reject(bob, ended.ShortID(), ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Dir(ended.LocalPath)); !os.IsNotExist(err) {
		t.Fatalf("a rejected request's copy is still there: %v", err)
	}
	e.stopWorker()

	// What a crash left: a half download, a copy whose request never got recorded (the
	// crash came between placing it and the commit), and a copy of an ended request.
	dir := e.svc.cfg.StateDir
	downloads := filepath.Join(dir, "downloads")
	half := filepath.Join(downloads, ".download-123")
	orphan := filepath.Join(dir, "clicks", "0b7e2c1e-0000-4000-8000-000000000000", "x.click")
	endedCopy := ended.LocalPath
	for _, p := range []string{half, orphan, endedCopy} {
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("left"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(half, past, past); err != nil {
		t.Fatal(err)
	}

	svc := New(e.svc.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { svc.RunWorker(ctx, ctx); close(done) }()
	// Reconcile and the sweep run before the first job: a job's outcome proves them done.
	if _, err := svc.Approve(bob, live.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	e.awaitState(live.ID, stagebot.StateLocked)
	cancel()
	<-done
	for _, p := range []string{half, filepath.Dir(orphan), filepath.Dir(endedCopy)} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived the start: %v", p, err)
		}
	}
	if _, err := os.Stat(live.LocalPath); err != nil {
		t.Errorf("a live request's copy went: %v", err)
	}
}

// Issue 11, item 8: the no-self rule covers the QA sign-off too, unless self-approval is on.
func TestQACannotSignOffOwnRequest(t *testing.T) {
	for _, allowed := range []bool{false, true} {
		team := testTeam
		team.Landers = append(slices.Clone(team.Landers), stagebot.Member{Name: "quinn"})
		e := newEnv(t, stagebot.Policy{Approvals: 1, QASignoff: true, SelfApproval: allowed}, func(c *Config) { c.Team = team })
		r := e.stage(quinn, e.click("com.example.qaself", "1.0", "all"))
		_, err := e.svc.QA(quinn, r.ShortID())
		if allowed {
			if err != nil {
				t.Fatalf("self_approval: true refused QA's own sign-off: %v", err)
			}
			continue
		}
		wantCode(t, err, stagebot.EFORBIDDEN)
		if !strings.Contains(refusal(err), "own request") {
			t.Fatalf("the refusal does not say why: %v", err)
		}
		if got := e.request(r.ID); got.QASignoff != nil {
			t.Fatalf("the refused sign-off was recorded: %+v", got.QASignoff)
		}
	}
}

// Issue 11, item 9: a failure deep in a transport reaches chat and !status as words, not as
// a Go error chain with local paths; the log keeps the chain.
func TestFailureMessagesHideInternals(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	e.target.fail.Store(3)
	r := e.stage(alice, e.click("com.example.err", "1.0", "all"))
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	got := e.await(r.ID, "a failed attempt recorded", func(r *stagebot.Request) bool { return r.Attempt >= 1 })
	st, err := e.svc.Lookup(r.ShortID())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{got.LastError, st[0].Request.LastError}
	if got.LastError == "" {
		t.Fatal("no reason recorded for the failed attempt")
	}
	e.target.fail.Store(2) // a permanent one next: announced
	got = e.awaitState(r.ID, stagebot.StateFailed)
	texts = append(texts, got.LastError)
	for _, h := range got.History {
		texts = append(texts, h.Note)
	}
	for _, a := range e.announcements() {
		texts = append(texts, a.Text)
	}
	for _, s := range texts {
		for _, leak := range []string{e.svc.cfg.StateDir, "secret-dir", "snakefruit: put", "%!"} {
			if strings.Contains(s, leak) {
				t.Fatalf("%q shows %q", s, leak)
			}
		}
	}
	if !strings.Contains(got.LastError, "SHA256:abc") {
		t.Fatalf("the host key failure lost its fingerprint: %q", got.LastError)
	}
}

// Contract section 3: a request that ended, failed included, does not block staging the
// same click again; retrying the failed one after the new one locked supersedes it.
func TestFailedRequestDoesNotBlockRestaging(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	c := e.click("com.example.again", "1.0", "all")
	e.target.fail.Store(2)
	old := e.stage(alice, c)
	if _, err := e.svc.Approve(bob, old.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitState(old.ID, stagebot.StateFailed)
	e.target.fail.Store(0)
	again := e.stage(alice, c)
	if _, err := e.svc.Approve(bob, again.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.awaitState(again.ID, stagebot.StateLocked)
	if _, err := e.svc.Retry(bob, old.ShortID()); err != nil {
		t.Fatal(err)
	}
	got := e.awaitState(old.ID, stagebot.StateSuperseded)
	if got.SupersededBy != again.ID {
		t.Fatalf("superseded by %q, want %q", got.SupersededBy, again.ID)
	}
	if want := []string{filepath.Base(c)}; !slices.Equal(e.list(), want) {
		t.Fatalf("list %v, want %v", e.list(), want)
	}
}

// A publication under way cannot be called back from the store, so a cancel then is
// refused and says why; once it is done the click is published, not cancelled.
func TestCancelDuringPublicationIsTooLate(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
		c.Publish = Publish{Command: []string{"unused"}, Timeout: time.Minute}
	})
	e.svc.publish = func(ctx context.Context, r *stagebot.Request) (string, error) {
		close(started)
		<-release
		return "", nil
	}
	r := e.stage(alice, e.click("com.example.late", "1.0", "all"))
	e.svc.Approve(bob, r.ShortID())
	e.awaitState(r.ID, stagebot.StateLocked)
	e.toPhasingEnd()
	<-started
	_, err := e.svc.Cancel(alice, r.ShortID(), "")
	close(release)
	wantCode(t, err, stagebot.ECONFLICT)
	if !strings.Contains(refusal(err), "too late") {
		t.Fatalf("the refusal does not say why: %v", err)
	}
	e.awaitState(r.ID, stagebot.StatePublished)
}

// placedByHand builds a click of pkg and does what the manual process does with it: a
// person copies it into the folder and lists it after another line. It returns the
// click's path, its filename and the list's path.
func (e *env) placedByHand(pkg string) (click, name, list string) {
	e.t.Helper()
	click = e.click(pkg, "1.0", "all")
	name = filepath.Base(click)
	b, err := os.ReadFile(click)
	if err != nil {
		e.t.Fatal(err)
	}
	list = filepath.Join(e.folder, "locked_clicks_list")
	if err := os.WriteFile(filepath.Join(e.folder, name), b, 0o644); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(list, []byte("other_1_all.click\n"+name+"\n"), 0o644); err != nil {
		e.t.Fatal(err)
	}
	return click, name, list
}
