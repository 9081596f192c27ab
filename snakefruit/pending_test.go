package snakefruit

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testPending: a pre-upload is renamed into place by Lock when it is still the checked
// file, and never when it changed or vanished behind the bot's back.
func testPending(t *testing.T, mk targetMaker) {
	const id = "0b5e8a2c-5f1e-4e0c-9d7e-1c2b3a4d5e6f"
	pendingPath := func(dir string) string { return filepath.Join(dir, PendingName(id)) }
	tests := []struct {
		name string
		// meddle plays a person (or a disk) changing the pending file after it was checked.
		meddle      func(t *testing.T, dir string)
		wantChanged bool
	}{
		{name: "renamed into place"},
		{name: "removed behind the bot's back", wantChanged: true, meddle: func(t *testing.T, dir string) {
			if err := os.Remove(pendingPath(dir)); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "rewritten with other content", wantChanged: true, meddle: func(t *testing.T, dir string) {
			if err := os.WriteFile(pendingPath(dir), []byte("not the click at all"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		// Same size, another modification time: the only sign a same-sized change leaves.
		{name: "touched, same size", wantChanged: true, meddle: func(t *testing.T, dir string) {
			if err := os.Chtimes(pendingPath(dir), time.Time{}, time.Now().Add(-time.Hour)); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			tg, dir := mk(t)
			c := click(t, "foo_1.0_all.click", "the click's bytes")
			f, err := os.Open(c.Src)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, err := tg.Preupload(ctx, id, f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != PendingName(id) || p.Size != c.Size || p.SHA256 != c.SHA256 || p.MTime.IsZero() {
				t.Fatalf("Preupload reported %+v, want %s, %d bytes, sha256 %s and a time", p, PendingName(id), c.Size, c.SHA256)
			}
			if got := snapshot(t, dir)[PendingName(id)]; got != "the click's bytes" {
				t.Fatalf("pending file holds %q", got)
			}
			if tc.meddle != nil {
				tc.meddle(t, dir)
			}
			var changed error
			c.Pending = &p
			c.Changed = func(err error) { changed = err }
			if err := Lock(ctx, tg, c); err != nil {
				t.Fatal(err)
			}
			if tc.wantChanged != errors.Is(changed, ErrPendingChanged) {
				t.Errorf("Changed heard %v, want ErrPendingChanged: %v", changed, tc.wantChanged)
			}
			assertSameFolder(t, snapshot(t, dir), map[string]string{
				c.Filename:      "the click's bytes",
				DefaultListFile: c.Filename + "\n",
			})
			assertNoTemps(t, dir)
		})
	}

	t.Run("names", func(t *testing.T) {
		ctx := testContext(t)
		tg, _ := mk(t)
		c := click(t, PendingName(id), "x")
		if err := tg.Put(ctx, c.Filename, c.Src, c.Size, c.SHA256); err == nil || !strings.Contains(err.Error(), "pending prefix") {
			t.Errorf("Put under a pending name: %v, want a refusal", err)
		}
		if err := tg.RemovePending(ctx, id); err != nil {
			t.Errorf("RemovePending of a missing file: %v", err)
		}
		if got, ok := PendingID(PendingName(id)); !ok || got != id {
			t.Errorf("PendingID(PendingName(id)) = %q, %v", got, ok)
		}
	})
}
