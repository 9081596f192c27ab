package snakefruit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagebot/internal/sshdtest"
)

// TestProberCachesAndDialsItsOwn: an sftp probe dials a connection of its own and hangs up
// (the target's connection, dialled first, stays the only other one), two probes within the
// TTL dial once, and a probe after it dials again.
func TestProberCachesAndDialsItsOwn(t *testing.T) {
	s := sshdtest.Start(t)
	tg := openSFTP(t, sftpConfig(s))
	if _, err := tg.ReadList(t.Context()); err != nil {
		t.Fatal(err)
	}
	p, err := NewProber(sftpConfig(s), 0)
	if err != nil {
		t.Fatal(err)
	}
	var clock atomic.Int64
	clock.Store(time.Now().UnixNano())
	p.now = func() time.Time { return time.Unix(0, clock.Load()) }
	for i := range 2 {
		if err := p.Probe(t.Context()); err != nil {
			t.Fatalf("probe %d: %v", i, err)
		}
	}
	if n := p.Dials(); n != 1 {
		t.Errorf("two probes within the TTL dialled %d times, want once", n)
	}
	if n := strings.Count(s.Log(), "Accepted publickey"); n != 2 {
		t.Errorf("sshd accepted %d logins, want 2 (the target's, the probe's):\n%s", n, s.Log())
	}
	clock.Add(int64(9 * time.Second))
	if err := p.Probe(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := p.Dials(); n != 1 {
		t.Errorf("9 s later: %d dials, want the cached answer", n)
	}
	clock.Add(int64(2 * time.Second))
	if err := p.Probe(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := p.Dials(); n != 2 {
		t.Errorf("after the TTL: %d dials, want 2", n)
	}
	// The target's connection survived every probe: its next operation needs no dial.
	if _, err := tg.ReadList(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(s.Log(), "Accepted publickey"); n != 3 {
		t.Errorf("sshd accepted %d logins, want 3 (the target's once, the probe's twice)", n)
	}
}

// TestProberFileTarget: a file:// probe looks at the folder.
func TestProberFileTarget(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sf")
	p, err := NewProber(Config{Target: "file://" + dir}, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Probe(context.Background()); err == nil {
		t.Error("a missing folder probed fine")
	}
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The TTL of a nanosecond has passed by the time the next probe asks.
	if err := p.Probe(context.Background()); err != nil {
		t.Errorf("probe of an existing folder: %v", err)
	}
}
