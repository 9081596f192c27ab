package workflow

import (
	"bytes"
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

// newSFTPEnv is newEnv with a real OpenSSH sshd as snakefruit, for interleavings that need an
// upload held in flight (sshdtest's Freeze). A withdrawal has no console command (it is a
// removed reaction on Slack or IRC), so these tests drive the Service directly.
func newSFTPEnv(t *testing.T, policy stagebot.Policy) (*env, *sshdtest.Server) {
	t.Helper()
	s := sshdtest.Start(t)
	tgt, err := snakefruit.Open(context.Background(), snakefruit.Config{
		Target: s.TargetURL(), SSHKey: s.KeyPath, KnownHosts: s.KnownHosts, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	e := startEnv(t, policy, tgt, s.Dir, nil)
	// Registered last, so it runs first: a test that fails while sshd is frozen must not
	// leave the worker's shutdown waiting on it.
	t.Cleanup(s.Thaw)
	return e, s
}

// inFlightBlob is the random payload of a click whose upload must still run when the test
// sees its temp file and freezes sshd: random so click build cannot shrink it, large enough
// to outlast the poll and the freeze by hundreds of milliseconds.
const inFlightBlob = 24 << 20

func (e *env) bigClick(name, version string) string {
	e.t.Helper()
	b := make([]byte, inFlightBlob)
	rand.Read(b)
	return clicktest.Build(e.t, e.clicks, clicktest.Spec{Name: name, Version: version, Framework: fw, Arch: "all", Files: map[string]string{"blob": string(b)}})
}

// holdUpload freezes s while the worker uploads filename: its temp file exists (so Put has
// opened the source) and, checked once frozen, has not been renamed into place yet.
func holdUpload(t *testing.T, s *sshdtest.Server, filename string) {
	t.Helper()
	var tmp string // the upload's temp file, once it exists
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m, _ := filepath.Glob(filepath.Join(s.Dir, snakefruit.TempPattern(filename))); len(m) > 0 {
			tmp = m[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload of %s did not start", filename)
		}
		time.Sleep(time.Millisecond) // nothing announces the start of an upload
	}
	s.Freeze()
	if _, err := os.Stat(tmp); err != nil {
		s.Thaw()
		t.Fatalf("the upload of %s ended before sshd froze (%v): the click is too small to hold it in flight", filename, err)
	}
}

// TestWithdrawReapproveDuringLock (issue 11 item 2): while bob's approval is being carried
// out, bob withdraws it and carol approves. The request ends locked, and locked must mean
// its line and file are on snakefruit, also once the worker has nothing left to do.
func TestWithdrawReapproveDuringLock(t *testing.T) {
	e, s := newSFTPEnv(t, stagebot.Policy{Approvals: 1})
	path := e.bigClick("com.example.flipflop", "1.0")
	r := e.stage(alice, path)
	if _, err := e.svc.Approve(bob, r.ShortID()); err != nil {
		t.Fatal(err)
	}
	holdUpload(t, s, r.Filename)
	if _, err := e.svc.Withdraw(bob, r.ShortID()); err != nil {
		t.Fatalf("withdraw during the upload: %v", err)
	}
	if got := e.request(r.ID).State; got != stagebot.StatePending {
		t.Fatalf("after the withdrawal: %s, want pending", got)
	}
	if _, err := e.svc.Approve(carol, r.ShortID()); err != nil {
		t.Fatalf("approve again during the upload: %v", err)
	}
	s.Thaw()
	e.await(r.ID, "locked with no job queued", func(r *stagebot.Request) bool {
		return r.State == stagebot.StateLocked && e.svc.Idle()
	})
	// Stopped, the worker has finished whatever it was running: nothing can change the
	// folder behind the checks below.
	e.stopWorker()
	if !e.svc.Idle() {
		t.Errorf("jobs queued after the worker went idle")
	}
	if got := e.request(r.ID).State; got != stagebot.StateLocked {
		t.Errorf("request is %s, want locked", got)
	}
	if got, want := e.list(), []string{r.Filename}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list of a locked request:\n got %q\nwant %q", got, want)
	}
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := os.ReadFile(filepath.Join(s.Dir, r.Filename)); err != nil {
		t.Errorf("the locked click's file is not on snakefruit: %v", err)
	} else if !bytes.Equal(on, orig) {
		t.Errorf("the file on snakefruit differs from the click (%d bytes, want %d)", len(on), len(orig))
	}
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, de := range entries {
		if strings.HasPrefix(de.Name(), ".") {
			t.Errorf("temporary file left on snakefruit: %s", de.Name())
		}
	}
}
