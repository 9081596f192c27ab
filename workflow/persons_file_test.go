package workflow

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/snakefruit"
)

// A file a person put in the folder under a click's name, with other bytes, is never
// replaced nor removed: a !stage that can know it is refused and says why, and otherwise
// the lock fails saying so. Nothing else of theirs changes either.
func TestPersonsFileIsNeverReplaced(t *testing.T) {
	tests := []struct {
		name string
		// theirs makes the person's bytes from the click's.
		theirs    func(click []byte) []byte
		line      bool // a person's list line names it too
		preupload bool
		// atStage: the !stage itself is refused (the look at the folder tells by size).
		atStage bool
		// late: the person's file comes while the lock runs, after it looked.
		late bool
	}{
		{name: "put there while the lock runs", late: true,
			theirs: func(b []byte) []byte { return append(bytes.Clone(b), "more"...) }},
		{name: "their own build under their line", line: true, atStage: true,
			theirs: func(b []byte) []byte { return append(bytes.Clone(b), "more"...) }},
		{name: "their own build under their line, pre-uploaded", line: true, preupload: true, atStage: true,
			theirs: func(b []byte) []byte { return b[:len(b)/2] }},
		{name: "same size under their line", line: true,
			theirs: func(b []byte) []byte { return bytes.Repeat([]byte("x"), len(b)) }},
		{name: "same size under their line, pre-uploaded", line: true, preupload: true,
			theirs: func(b []byte) []byte { return bytes.Repeat([]byte("x"), len(b)) }},
		{name: "same size without a line", theirs: func(b []byte) []byte { return bytes.Repeat([]byte("y"), len(b)) }},
		{name: "same size without a line, pre-uploaded", preupload: true,
			theirs: func(b []byte) []byte { return bytes.Repeat([]byte("y"), len(b)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, stagebot.Policy{Approvals: 1}, func(c *Config) {
				c.Preupload = tc.preupload
				c.lookahead = 10 * time.Second
			})
			path := e.click("com.example.theirs", "1.0", "all")
			name := filepath.Base(path)
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			theirs := tc.theirs(b)
			place := func() {
				if err := os.WriteFile(filepath.Join(e.folder, name), theirs, 0o644); err != nil {
					t.Error(err)
				}
			}
			if tc.late {
				e.target.onPut.Store(&place)
			} else {
				place()
			}
			list := []string{"other_1_all.click"}
			if tc.line {
				list = append(list, name)
			}
			if err := os.WriteFile(filepath.Join(e.folder, "locked_clicks_list"), snakefruit.FormatList(list), 0o644); err != nil {
				t.Fatal(err)
			}
			r, err := e.svc.Stage(t.Context(), alice, intake.Source{Kind: intake.FromPath, Value: path})
			switch {
			case tc.atStage && err == nil:
				t.Fatalf("!stage accepted a click whose name a person's file of other bytes takes")
			case tc.atStage:
				wantCode(t, err, stagebot.ECONFLICT)
				if msg := refusal(err); !strings.Contains(msg, "other bytes") || !strings.Contains(msg, "does not replace") || !strings.Contains(msg, name) {
					t.Errorf("the refusal does not say why: %v", err)
				}
				t.Logf("refused: %v", err)
			case err != nil:
				t.Fatalf("stage: %v", err)
			default:
				if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
					t.Fatal(err)
				}
				got := e.awaitState(r.ID, stagebot.StateFailed)
				if !strings.Contains(got.LastError, "does not replace") || !strings.Contains(got.LastError, name) {
					t.Errorf("failed saying %q, not why", got.LastError)
				}
				t.Logf("failed: %s", got.LastError)
				if a := e.lastAbout(r.ID); a.Word != "failed" || !strings.Contains(a.Text, "does not replace") {
					t.Errorf("announced %q", a.Text)
				}
				e.await(r.ID, "no job left", func(*stagebot.Request) bool { return len(e.jobs()) == 0 && e.svc.pre.get(r.ID) == nil })
			}
			e.svc.pre.wg.Wait()
			e.stopWorker()
			if got, err := os.ReadFile(filepath.Join(e.folder, name)); err != nil || !bytes.Equal(got, theirs) {
				t.Errorf("the person's file was replaced or removed (err %v)", err)
			}
			if got := e.list(); !slices.Equal(got, list) {
				t.Errorf("list %q, want the person's %q", got, list)
			}
			entries, _ := os.ReadDir(e.folder)
			for _, en := range entries {
				if strings.HasPrefix(en.Name(), ".") {
					t.Errorf("left in the folder: %s", en.Name())
				}
			}
		})
	}
}
