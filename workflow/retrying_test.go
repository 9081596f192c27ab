package workflow

import (
	"strings"
	"testing"

	"stagebot"
)

// TestRetryingIsAnnouncedOnce: a lock that keeps failing is announced once, at its third
// failure, with the cause and what comes next, not at every retry; the requester is not
// left to find out from the log an hour later.
func TestRetryingIsAnnouncedOnce(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	e.target.fail.Store(1) // refused connections, for as long as the test wants
	r := e.stage(alice, e.click("com.example.flaky", "1.0", "all"))
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	e.await(r.ID, "six failed attempts", func(r *stagebot.Request) bool { return r.Attempt >= 6 })
	var told []stagebot.Event
	for _, ev := range e.announcements() {
		if ev.Kind == stagebot.EventRetrying && ev.AboutRequest() == r.ID {
			told = append(told, ev)
		}
	}
	if len(told) != 1 || told[0].Attempts != 3 {
		t.Fatalf("retrying announced %d times (%+v), want once, at the third attempt", len(told), told)
	}
	if got := line(told[0]); !strings.Contains(got, "connection refused") || !strings.Contains(got, "lock attempt 3 did not work") || !strings.Contains(got, "still trying") {
		t.Errorf("the retrying announcement says %q", got)
	}
	e.target.fail.Store(0)
	e.awaitState(r.ID, stagebot.StateLocked)
}
