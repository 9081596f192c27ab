package workflow

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"stagebot"
	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

// relayRate is how fast the client's bytes cross the relay: a 24 MiB pre-upload takes
// about 24 s, far longer than anything the test waits for.
const relayRate = 1 << 20

// newRelayedSFTPEnv is newSFTPEnv with the bot's connection through a slowRelay, so that a
// pre-upload can be caught in flight.
func newRelayedSFTPEnv(t *testing.T, policy stagebot.Policy, mod func(*Config)) (*env, *sshdtest.Server) {
	t.Helper()
	s := sshdtest.Start(t)
	relay := startSlowRelay(t, s.Addr, relayRate)
	known := filepath.Join(t.TempDir(), "known_hosts")
	if err := os.WriteFile(known, []byte(knownhosts.Line([]string{relay.Addr}, s.HostKey)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tgt, err := snakefruit.Open(context.Background(), snakefruit.Config{
		Target: fmt.Sprintf("sftp://%s@%s%s", s.User, relay.Addr, filepath.ToSlash(s.Dir)),
		SSHKey: s.KeyPath, KnownHosts: known, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tgt.Close() })
	return startEnv(t, policy, tgt, s.Dir, mod), s
}

// awaitPendingBytes waits until request id's pending file on s holds at least n bytes.
func awaitPendingBytes(t *testing.T, s *sshdtest.Server, id string, n int64) {
	t.Helper()
	p := filepath.Join(s.Dir, snakefruit.PendingName(id))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if fi, err := os.Stat(p); err == nil && fi.Size() >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the pre-upload of %s did not reach %d bytes", stagebot.ShortID(id), n)
		}
		time.Sleep(10 * time.Millisecond) // nothing announces a pre-upload's progress
	}
}

// Over a real sshd: a request ends while its pre-upload is in flight, or stalled with sshd
// frozen. Once snakefruit answers, its file is gone within 10 s, and meanwhile another
// package's approved request locks: nothing of that package waits for the ended pre-upload.
func TestEndedPreuploadInFlightOverSFTP(t *testing.T) {
	for _, frozen := range []time.Duration{0, time.Second} {
		name := "in flight"
		if frozen > 0 {
			name = "stalled"
		}
		t.Run(name, func(t *testing.T) {
			e, s := newRelayedSFTPEnv(t, stagebot.Policy{Approvals: 1}, preuploadOn)
			other := e.stage(alice, e.click("com.example.other", "1.0", "all"))
			e.awaitChecked(other.ID)
			ended := e.stage(alice, e.bigClick("com.example.big", "1.0"))
			awaitPendingBytes(t, s, ended.ID, 1<<20)
			if frozen > 0 {
				s.Freeze()
			}
			if _, err := e.svc.Cancel(alice, ended.ShortID(), ""); err != nil {
				t.Fatal(err)
			}
			if _, err := e.svc.Approve(bob, other.ShortID()); err != nil {
				t.Fatal(err)
			}
			if frozen > 0 {
				time.Sleep(frozen) // snakefruit does not answer for a while
				s.Thaw()
			}
			answers := time.Now()
			e.awaitStateWithin(other.ID, stagebot.StateLocked, 10*time.Second)
			e.awaitGoneWithin(filepath.Join(s.Dir, snakefruit.PendingName(ended.ID)), 10*time.Second-time.Since(answers))
			t.Logf("the other package locked and the ended pre-upload's file was gone %s after snakefruit answered", time.Since(answers).Round(time.Millisecond))
			e.await(ended.ID, "no job left", func(*stagebot.Request) bool { return len(e.jobs()) == 0 && e.svc.pre.get(ended.ID) == nil })
			e.stopWorker()
			if got, want := e.list(), []string{other.Filename}; !slices.Equal(got, want) {
				t.Errorf("list %q, want %q", got, want)
			}
			entries, err := os.ReadDir(s.Dir)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, en := range entries {
				names = append(names, en.Name())
			}
			if want := []string{other.Filename, "locked_clicks_list"}; !slices.Equal(names, want) {
				t.Errorf("folder holds %q, want %q", names, want)
			}
			orig, err := os.ReadFile(filepath.Join(e.clicks, other.Filename))
			if err != nil {
				t.Fatal(err)
			}
			if on, err := os.ReadFile(filepath.Join(s.Dir, other.Filename)); err != nil || !bytes.Equal(on, orig) {
				t.Errorf("the locked click on snakefruit is not the click (err %v)", err)
			}
		})
	}
}
