package snakefruit

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"stagebot/internal/sshdtest"
)

// TestSFTPSilentServerIsDropped: sshd frozen (its processes stopped, so the kernel still
// takes bytes until the buffers fill and nothing answers, as when a host hangs) while a
// Put is under way and while the connection idles. The keepalive gives up on the
// connection and the operation fails as a retryable connection error, long before the
// operation's own deadline; thawed, the same Target works again.
func TestSFTPSilentServerIsDropped(t *testing.T) {
	s := sshdtest.Start(t)
	cfg := sftpConfig(s)
	cfg.DialTimeout, cfg.KeepAlive = time.Second, 300*time.Millisecond
	tg := openSFTP(t, cfg)
	t.Cleanup(s.Thaw) // Stop kills a frozen server as well, but a thawed one leaves quietly

	big := make([]byte, 64<<20) // more than the socket buffers hold
	rand.Read(big)
	spec := click(t, "big_1_all.click", string(big))
	warm := click(t, "warm_1_all.click", "warm")
	// A connection first, so that it is the keepalive, not the dial timeout, that notices.
	if err := Lock(t.Context(), tg, warm); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name        string
		freezeFirst bool // else once the upload is under way
	}{
		{"idle", true},
		{"mid-upload", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			deadline := 30 * time.Second
			ctx, cancel := context.WithTimeout(t.Context(), deadline)
			defer cancel()
			put := make(chan error, 1)
			if c.freezeFirst {
				s.Freeze()
			}
			go func() { put <- tg.Put(ctx, spec.Filename, spec.Src, spec.Size, spec.SHA256) }()
			if !c.freezeFirst {
				awaitUploading(t, s.Dir, TempPattern(spec.Filename), put)
				s.Freeze()
			}
			err := <-put
			s.Thaw()
			switch {
			case err == nil:
				t.Fatal("Put succeeded against a frozen server")
			case ctx.Err() != nil:
				t.Fatalf("Put waited for its own deadline (%v): the silent connection was never given up: %v", deadline, err)
			case IsPermanent(err):
				t.Fatalf("a silent server is worth a retry; got a permanent error: %v", err)
			}
			// As the worker would: a few tries, since a keepalive this short may also give
			// up on a live but starved server (CI under -race).
			var err2 error
			for range 3 {
				if err2 = tg.Put(t.Context(), spec.Filename, spec.Src, spec.Size, spec.SHA256); err2 == nil {
					break
				}
			}
			if err2 != nil {
				t.Fatalf("Put after the thaw: %v", err2)
			}
			if err := tg.Remove(t.Context(), spec.Filename); err != nil {
				t.Fatal(err)
			}
			if err := tg.SweepTemps(t.Context()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// awaitUploading returns once a few MiB of the upload to a file matching pattern landed:
// the rest is then on the way. The file's size is the only sign, so it is looked at every
// few milliseconds.
func awaitUploading(t *testing.T, dir, pattern string, put <-chan error) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		names, _ := filepath.Glob(filepath.Join(dir, pattern))
		for _, name := range names {
			if fi, err := os.Stat(name); err == nil && fi.Size() > 4<<20 {
				return
			}
		}
		select {
		case err := <-put:
			t.Fatalf("the upload ended before the server could be frozen: %v", err)
		case <-tick.C:
		}
	}
}
