package httpapi_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/httpapi"
	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
	"stagebot/storage"
	"stagebot/workflow"
)

// TestReadyzNeverTouchesTheUpload: while an upload to a real sshd is held in flight (sshd
// frozen), many /readyz requests whose clients hang up early hit the server. After the thaw
// the upload completes on the connection it started on (sshd logged one login, the
// worker's) and the list edit of the lock succeeds; all those probes dialled once.
func TestReadyzNeverTouchesTheUpload(t *testing.T) {
	s := sshdtest.Start(t)
	cfg := snakefruit.Config{Target: s.TargetURL(), SSHKey: s.KeyPath, KnownHosts: s.KnownHosts, DialTimeout: 3 * time.Second}
	target, err := snakefruit.Open(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	probe, err := snakefruit.NewProber(cfg, 0)
	if err != nil {
		t.Fatal(err)
	}
	db, err := storage.Open(filepath.Join(t.TempDir(), "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Service: workflow.New(workflow.Config{DB: db}), Snakefruit: probe.Probe}).Handler())
	t.Cleanup(srv.Close)

	// Random, so nothing compresses it, and large enough to be caught in flight.
	blob := make([]byte, 24<<20)
	rand.Read(blob)
	src := filepath.Join(t.TempDir(), "big.click")
	if err := os.WriteFile(src, blob, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(blob)
	put := make(chan error, 1)
	go func() {
		put <- target.Put(context.Background(), "big.click", src, int64(len(blob)), hex.EncodeToString(sum[:]))
	}()
	var tmp string // the upload's temp file, once it exists
	for deadline := time.Now().Add(30 * time.Second); ; {
		if m, _ := filepath.Glob(filepath.Join(s.Dir, snakefruit.TempPattern("big.click"))); len(m) > 0 {
			tmp = m[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the upload did not start within 30s")
		}
		time.Sleep(time.Millisecond) // nothing announces the start of an upload
	}
	s.Freeze()
	thawed := false
	defer func() {
		if !thawed {
			s.Thaw()
		}
	}()
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("the upload ended before sshd froze (%v)", err)
	}

	// Clients that give up after 100 ms: each hang-up ends its request's context.
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/readyz", nil)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	// A patient client sees the probe fail against the frozen server: not ready.
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz with sshd frozen: %d, want 503", resp.StatusCode)
	}

	s.Thaw()
	thawed = true
	select {
	case err := <-put:
		if err != nil {
			t.Fatalf("the upload failed: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the upload did not complete within 60s of the thaw")
	}
	err = target.EditList(t.Context(), func(lines []string) ([]string, error) { return append(lines, "big.click"), nil })
	if err != nil {
		t.Fatalf("the lock's list edit: %v", err)
	}
	if n := strings.Count(s.Log(), "Accepted publickey"); n != 1 {
		t.Errorf("sshd accepted %d logins, want 1: the worker's connection was replaced\n%s", n, s.Log())
	}
	if n := probe.Dials(); n != 1 {
		t.Errorf("the probes dialled %d times, want once (one probe at a time, its answer cached)", n)
	}
}
