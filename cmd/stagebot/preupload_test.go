package main

import (
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

// awaitPending waits until a pending upload of at least minSize bytes is in dir (a
// pre-upload under way, or done when minSize is the click's size) and returns its name.
func awaitPending(t *testing.T, dir string, minSize int64, except map[string]bool) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), snakefruit.PendingPrefix) || except[e.Name()] {
				continue
			}
			if fi, err := e.Info(); err == nil && fi.Size() >= minSize {
				return e.Name()
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no pending upload of %d bytes or more appeared in %s", minSize, waitFor)
	return ""
}

// TestSFTPKilledDuringPreuploadsAndRenames (issue 15): the bot is SIGKILLed while clicks
// are pre-uploaded to a real sshd (at the first bytes, mid-way, right after `requested`)
// and again while approvals rename them into place. After a restart every click ends
// locked exactly once, byte-identical, and no temp or pending file is left.
func TestSFTPKilledDuringPreuploadsAndRenames(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	cfg := sftpConfig(t, dir, s, s.KnownHosts)
	clicks := t.TempDir()
	const n = 6
	var paths []string
	for i := range n {
		paths = append(paths, buildClick(t, clicks, fmt.Sprintf("com.example.pre%d", i), "1.0", inFlightBlob))
	}
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 15))

	// Killed during the pre-upload, at three points: its first bytes (the request may not
	// be recorded yet), mid-way, and after `requested`.
	var ids []string
	seen := map[string]bool{}
	for i, path := range paths[:3] {
		p := startBot(t, dir, "run", "--config", cfg)
		p.say("alice> !stage " + path)
		switch i {
		case 0:
			seen[awaitPending(t, s.Dir, 1, seen)] = true
		case 1:
			seen[awaitPending(t, s.Dir, inFlightBlob/2, seen)] = true
		case 2:
			p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)
		}
		p.kill()
	}
	// The stages the kills cut short are told again; a recorded one says so.
	p := startBot(t, dir, "run", "--config", cfg)
	for _, path := range paths {
		p.say("alice> !stage " + path)
		// A request recorded before a kill may be announced only now (at least once).
		name := regexp.QuoteMeta(filepath.Base(path))
		m := p.expect(`\[([0-9a-f]{8})\] ` + name + ` requested: .* by alice|refused: ` + name + ` is already requested as \[([0-9a-f]{8})\]`)
		id := m[1] + m[2]
		ids = append(ids, id)
	}
	// The pre-uploads under way land (and are checked) before the approvals, so that most
	// locks rename; the partial files of the killed ones stay as they are (their requests'
	// records are unchecked) until their locks upload and remove them.
	sizes := func() string {
		var b strings.Builder
		entries, _ := os.ReadDir(s.Dir)
		for _, e := range entries {
			if fi, err := e.Info(); err == nil {
				fmt.Fprintf(&b, "%s %d\n", e.Name(), fi.Size())
			}
		}
		return b.String()
	}
	for last, deadline := "", time.Now().Add(waitFor); time.Now().Before(deadline); {
		time.Sleep(500 * time.Millisecond) // nothing announces a pre-upload's end
		now := sizes()
		if now == last {
			break
		}
		last = now
	}
	for _, id := range ids {
		p.say("bob> !approve " + id)
		p.expect(`^bob: ` + id + ` approved`)
	}
	p.kill()
	// Killed again and again while the worker renames and edits the list.
	for range 6 {
		p = startBot(t, dir, "run", "--config", cfg)
		time.Sleep(time.Duration(20+rng.IntN(200)) * time.Millisecond)
		p.kill()
	}
	p = startBot(t, dir, "run", "--config", cfg)
	p.close() // EOF: drain the queue

	assertLockedOnce(t, dir, ids)
	assertFolderHolds(t, s.Dir, paths)
}
