package workflow

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stagebot"
)

// Cancelling a locked click says what will become of its line and file, and that comes
// true: the bot takes off only a line it wrote, and removes only a file it put there.
func TestCancelSaysWhatHappens(t *testing.T) {
	tests := []struct {
		name string
		// before the lock, a person put the click's own bytes in the folder, and maybe
		// its line in the list.
		personsFile, personsLine bool
		say, never               string
		wantLine, wantFile       bool
	}{
		{name: "the bot's line and file", say: "taking it off the list and out of locked-clicks", never: "stays"},
		{name: "a person's line", personsFile: true, personsLine: true,
			say: "its list line is a person's and stays, and so does its file", never: "taking it off", wantLine: true, wantFile: true},
		{name: "a person's file", personsFile: true,
			say: "taking it off the list; its file in locked-clicks is not one the bot put there and stays", wantFile: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, nil)
			path := e.click("com.example.words", "1.0", "all")
			name := filepath.Base(path)
			if tc.personsFile {
				b, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(e.folder, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tc.personsLine {
				if err := os.WriteFile(filepath.Join(e.folder, "locked_clicks_list"), []byte(name+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			r := e.stage(alice, path)
			if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
				t.Fatal(err)
			}
			e.awaitState(r.ID, stagebot.StateLocked)
			out, err := e.svc.Cancel(alice, r.ShortID(), "")
			if err != nil {
				t.Fatal(err)
			}
			e.await(r.ID, "the unlock done", func(*stagebot.Request) bool { return len(e.jobs()) == 0 })
			e.stopWorker()
			said := []string{said(out)}
			for _, a := range e.announcements() {
				if a.AboutRequest() == r.ID && (a.State == stagebot.StateCancelled || a.Kind == stagebot.EventTakenOff) {
					said = append(said, line(a))
				}
			}
			if len(said) != 3 {
				t.Fatalf("said %q, want the reply, the cancelled line and the unlock's", said)
			}
			for _, s := range said[:2] {
				if !strings.Contains(s, tc.say) || (tc.never != "" && strings.Contains(s, tc.never)) {
					t.Errorf("said %q, want %q and never %q", s, tc.say, tc.never)
				}
			}
			t.Logf("said %q", said)
			if got := slices.Contains(e.list(), name); got != tc.wantLine {
				t.Errorf("line there: %v, want %v (list %q)", got, tc.wantLine, e.list())
			}
			if _, err := os.Stat(filepath.Join(e.folder, name)); (err == nil) != tc.wantFile {
				t.Errorf("file there: %v, want %v", err == nil, tc.wantFile)
			}
		})
	}
}
