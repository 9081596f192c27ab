package workflow

import (
	"context"
	"slices"
	"testing"

	"stagebot"
)

// restart abandons e's service as a crash would (its queued jobs stay) and starts another
// on the same database and folder, with the target's faults as they are.
func (e *env) restart() {
	e.t.Helper()
	e.stopWorker()
	svc := New(e.svc.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { svc.RunWorker(ctx, ctx); close(done) }()
	e.svc = svc
	e.stopWorker = func() { cancel(); <-done }
	e.t.Cleanup(e.stopWorker)
}

// A difference the bot's own work settles is not reported any more: a crash between placing
// a click's file and its list line leaves the file without a line, which the start reports,
// and the lock finished after the restart settles it.
func TestSettledDifferenceIsNotReported(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	r := e.stage(alice, e.click("com.example.cut", "1.0", "all"))
	e.target.editFail.Store(true)
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.await(r.ID, "the file placed, the list edit failed", func(r *stagebot.Request) bool { return r.Attempt >= 1 })
	e.restart()
	want := stagebot.FileDrift{Kind: "file-without-line", Name: r.Filename}
	// The start reports it, and so does every look after an attempt that still fails.
	e.await(r.ID, "the difference reported", func(r *stagebot.Request) bool {
		return slices.Contains(e.svc.Differences().Files, want)
	})
	tried := e.request(r.ID).Attempt
	e.await(r.ID, "another failed attempt", func(r *stagebot.Request) bool { return r.Attempt > tried })
	if !slices.Contains(e.svc.Differences().Files, want) {
		t.Fatalf("differences %+v lack %+v while it is still true", e.svc.Differences(), want)
	}
	e.target.editFail.Store(false)
	e.await(r.ID, "locked and the difference settled", func(r *stagebot.Request) bool {
		return r.State == stagebot.StateLocked && !slices.Contains(e.svc.Differences().Files, want)
	})
	if got := e.list(); !slices.Equal(got, []string{r.Filename}) {
		t.Fatalf("list %q", got)
	}
	if d := e.svc.Differences(); !d.Empty() {
		t.Errorf("differences still reported: %+v", d)
	}
}
