package workflow

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stagebot"
)

// TestCancelThatLeavesNothingStagedSaysSo: cancelling the version that superseded another
// takes the package off snakefruit altogether; the cancel says so, and names the version
// that was there before, in its answer and its announcement. A cancel that leaves another
// version staged says nothing of the kind.
func TestCancelThatLeavesNothingStagedSaysSo(t *testing.T) {
	e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
	lock := func(version string) *stagebot.Request {
		t.Helper()
		r := e.stage(alice, e.click("com.example.bare", version, "all"))
		if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
			t.Fatal(err)
		}
		return e.awaitState(r.ID, stagebot.StateLocked)
	}
	v1 := lock("1.0")
	v2 := lock("2.0")
	e.awaitState(v1.ID, stagebot.StateSuperseded)
	out, err := e.svc.Cancel(alice, v2.ShortID(), "")
	if err != nil {
		t.Fatal(err)
	}
	want := "com.example.bare has nothing staged now: before it, " + filepath.Base(v1.Filename) + " [" + v1.ShortID() + "] was"
	if got := said(out); !strings.Contains(got, want) || !strings.Contains(got, "!stage "+v1.Filename) {
		t.Errorf("the cancel answered %q, want %q and how to bring it back", got, want)
	}
	i := slices.IndexFunc(e.announcements(), func(ev stagebot.Event) bool {
		return ev.AboutRequest() == v2.ID && ev.Why == stagebot.WhyCancelled
	})
	if i < 0 {
		t.Fatal("no cancelled announcement")
	}
	if got := line(e.announcements()[i]); !strings.Contains(got, want) {
		t.Errorf("the cancelled announcement says %q, want %q", got, want)
	}

	// v3 locked, v4 pending: cancelling v4 leaves v3 staged, and says nothing of the kind.
	v3 := lock("3.0")
	v4 := e.stage(alice, e.click("com.example.bare", "4.0", "all"))
	out, err = e.svc.Cancel(alice, v4.ShortID(), "")
	if err != nil {
		t.Fatal(err)
	}
	if got := said(out); strings.Contains(got, "nothing staged") {
		t.Errorf("cancelling a pending request while %s is locked answered %q", v3.Filename, got)
	}
}
