package snakefruit

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
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

// stallingReader gives its first chunk, then blocks until let is called, as a pre-upload
// whose far side stopped taking bytes; stalled is closed when it blocks.
type stallingReader struct {
	*bytes.Reader
	first   int
	given   int
	stalled chan struct{}
	release chan struct{}
	stall   sync.Once
	free    sync.Once
}

func (s *stallingReader) Read(p []byte) (int, error) {
	if s.given >= s.first {
		s.stall.Do(func() { close(s.stalled) })
		<-s.release
	}
	n, err := s.Reader.Read(p[:min(len(p), s.first)])
	s.given += n
	return n, err
}

func (s *stallingReader) let() { s.free.Do(func() { close(s.release) }) }

// testPendingYields: nothing waits for a pre-upload under way. Removing its file (a request
// that ended) or renaming it stops it at once, and it removes what it wrote as it stops.
func testPendingYields(t *testing.T, mk targetMaker) {
	const id = "1c9d7a3e-4b2f-4e61-9a0d-5e8f7c6b5a49"
	tests := []struct {
		name string
		// meet is what comes for the pending file while the pre-upload is stalled.
		meet func(ctx context.Context, tg Target, c LockSpec) error
		want error
	}{
		{name: "RemovePending", want: ErrPendingBusy, meet: func(ctx context.Context, tg Target, c LockSpec) error {
			return tg.RemovePending(ctx, id)
		}},
		{name: "Promote", want: ErrPendingChanged, meet: func(ctx context.Context, tg Target, c LockSpec) error {
			return tg.Promote(ctx, Pending{Name: PendingName(id), Size: c.Size, SHA256: c.SHA256, MTime: time.Now()}, c.Filename)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			tg, dir := mk(t)
			content := strings.Repeat("the click's bytes ", 4096)
			c := click(t, "foo_1.0_all.click", content)
			r := &stallingReader{Reader: bytes.NewReader([]byte(content)), first: 4096,
				stalled: make(chan struct{}), release: make(chan struct{})}
			type result struct {
				p   Pending
				err error
			}
			pre := make(chan result, 1)
			go func() {
				p, err := tg.Preupload(ctx, id, r)
				pre <- result{p, err}
			}()
			defer r.let()
			select {
			case <-r.stalled:
			case res := <-pre:
				t.Fatalf("the pre-upload ended before it stalled: %+v", res)
			}
			met := make(chan error, 1)
			go func() { met <- tc.meet(ctx, tg, c) }()
			select {
			case err := <-met:
				if !errors.Is(err, tc.want) {
					t.Fatalf("%s: %v, want %v", tc.name, err, tc.want)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s waited for the stalled pre-upload", tc.name)
			}
			// The pre-upload was stopped: once it may go on, it gives up and cleans up.
			r.let()
			res := <-pre
			if res.err == nil {
				t.Fatalf("the stopped pre-upload reported success: %+v", res.p)
			}
			if _, err := os.Stat(filepath.Join(dir, PendingName(id))); !os.IsNotExist(err) {
				t.Errorf("the stopped pre-upload left its file (stat: %v)", err)
			}
			if _, err := os.Stat(filepath.Join(dir, c.Filename)); !os.IsNotExist(err) {
				t.Errorf("%s placed the click (stat: %v)", tc.name, err)
			}
			if err := tg.RemovePending(ctx, id); err != nil {
				t.Errorf("RemovePending once the pre-upload ended: %v", err)
			}
		})
	}
}
