package snakefruit

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/internal/sshdtest"
	"stagebot/internal/testenv"
)

// relayedSFTP opens an sftp target that reaches s through a relay passing rate bytes a
// second from the bot to the server, so that an upload lasts long enough to act on.
func relayedSFTP(t *testing.T, s *sshdtest.Server, rate int, opTimeout time.Duration) (Target, *sftpFS) {
	t.Helper()
	relay := sshdtest.StartRelay(t, s.Addr, rate)
	cfg := sftpConfig(s)
	cfg.Target = "sftp://" + s.User + "@" + relay.Addr + filepath.ToSlash(s.Dir)
	cfg.KnownHosts = writeKnownHosts(t, relay.Addr, s.HostKey)
	cfg.OpTimeout = opTimeout
	tg := openSFTP(t, cfg)
	return tg, tg.(*target).fs.(*sftpFS)
}

// randomClick is a click of n random bytes (nothing on the way can shrink it).
func randomClick(t *testing.T, name string, n int) LockSpec {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	return click(t, name, string(b))
}

// await returns what ch delivers, failing the test if nothing comes within testenv.Wait
// (an operation that hangs is what these tests look for).
func await[T any](t *testing.T, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(testenv.Wait):
		t.Fatalf("%s: nothing within %v", what, testenv.Wait)
		panic("unreachable")
	}
}

// TestSFTPStalledSessionIsAbandoned: the session process serving the bot's connection is
// stopped while the connection's sshd process still answers keepalives, so nothing but
// the operation's own silence can tell. The operation under way (a read, an upload mid-
// write) fails as a retryable connection error within about op_timeout, and the next
// operation succeeds on a new connection while the old session stays stopped.
func TestSFTPStalledSessionIsAbandoned(t *testing.T) {
	s := sshdtest.Start(t)
	const opTimeout = 1500 * time.Millisecond
	tg, fs := relayedSFTP(t, s, 16<<20, opTimeout)
	big := randomClick(t, "big_1_all.click", 24<<20)
	cases := []struct {
		name     string
		midWrite bool // stall once the upload is under way, else before the operation
		op       func(ctx context.Context) error
	}{
		{"ReadList", false, func(ctx context.Context) error { _, err := tg.ReadList(ctx); return err }},
		{"Put mid-write", true, func(ctx context.Context) error { return tg.Put(ctx, big.Filename, big.Src, big.Size, big.SHA256) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx := testContext(t)
			// A connection first: the one whose session is stopped.
			if _, err := tg.ReadList(ctx); err != nil {
				t.Fatal(err)
			}
			var (
				stopped []int
				resume  func()
				stalled time.Time
				dials   int64 // connections made before the stall
			)
			stall := func() {
				dials = fs.conns.dials.Load()
				stopped, resume = s.StallSessions()
				stalled = time.Now()
				t.Cleanup(resume)
				if len(stopped) == 0 {
					t.Fatal("no sftp session process to stop")
				}
			}
			done := make(chan error, 1)
			if !c.midWrite {
				stall()
			}
			go func() { done <- c.op(ctx) }()
			if c.midWrite {
				awaitUploading(t, s.Dir, TempPattern(big.Filename), done)
				stall()
			}
			err := await(t, c.name+" against a stalled session", done)
			took := time.Since(stalled)
			var ce *ConnError
			var silent *silenceError
			switch {
			case err == nil:
				t.Fatalf("%s succeeded against a stalled session", c.name)
			case !errors.As(err, &ce) || !errors.As(err, &silent) || IsPermanent(err):
				t.Fatalf("%s error = %v, want a retryable ConnError for the server's silence", c.name, err)
			case took < opTimeout/2 || took > opTimeout+5*time.Second:
				t.Errorf("%s gave up %v after the stall, want about op_timeout (%v)", c.name, took, opTimeout)
			}
			t.Logf("%s abandoned %v after the stall (op_timeout %v)", c.name, took.Round(time.Millisecond), opTimeout)
			if d := Describe(err); !strings.Contains(d, "stopped answering") {
				t.Errorf("Describe = %q, want it to say the server stopped answering", d)
			}
			if _, err := tg.ReadList(ctx); err != nil {
				t.Fatalf("ReadList after the abandoned operation: %v", err)
			}
			if fs.conns.dials.Load() == dials {
				t.Error("the next operation ran on the stalled connection")
			}
			if c.midWrite {
				if err := tg.Put(ctx, big.Filename, big.Src, big.Size, big.SHA256); err != nil {
					t.Fatalf("Put after the abandoned one: %v", err)
				}
				if got := snapshot(t, s.Dir)[big.Filename]; got != string(mustRead(t, big.Src)) {
					t.Fatal("the click landed damaged")
				}
			}
			for _, p := range stopped {
				if !sshdtest.Stopped(p) {
					t.Errorf("session process %d runs again: the test proved nothing", p)
				}
			}
			resume()
		})
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// gatedSource is a pre-upload's source that delivers head, then waits for open (its
// download stalled), then delivers tail.
type gatedSource struct {
	head, tail []byte
	open       <-chan struct{}
	off        int
	reached    chan struct{} // closed once the reader waits at the gate
	once       sync.Once
}

func newGatedSource(head, tail []byte, open <-chan struct{}) *gatedSource {
	return &gatedSource{head: head, tail: tail, open: open, reached: make(chan struct{})}
}

func (g *gatedSource) Read(p []byte) (int, error) {
	if g.off < len(g.head) {
		n := copy(p, g.head[g.off:])
		g.off += n
		return n, nil
	}
	if g.off == len(g.head) {
		g.once.Do(func() { close(g.reached) })
		<-g.open
	}
	i := g.off - len(g.head)
	if i >= len(g.tail) {
		return 0, io.EOF
	}
	n := copy(p, g.tail[i:])
	g.off += n
	return n, nil
}

func (g *gatedSource) Seek(off int64, whence int) (int64, error) {
	if off != 0 || whence != io.SeekStart {
		return 0, errors.New("gatedSource seeks to its start only")
	}
	g.off = 0
	return 0, nil
}

// TestSFTPPreuploadWaitingOnItsSource: a pre-upload whose source (its download) delivers
// nothing for three times op_timeout is not abandoned: it is waiting on its own bytes, not
// on the server. It lands whole once they come.
func TestSFTPPreuploadWaitingOnItsSource(t *testing.T) {
	s := sshdtest.Start(t)
	cfg := sftpConfig(s)
	cfg.OpTimeout = time.Second
	tg := openSFTP(t, cfg)
	ctx := testContext(t)
	head, tail := bytes.Repeat([]byte("h"), 300<<10), bytes.Repeat([]byte("t"), 300<<10)
	open := make(chan struct{})
	src := newGatedSource(head, tail, open)
	const id = "5a1d0e2f-0000-4000-8000-000000000001"
	done := make(chan error, 1)
	go func() { _, err := tg.Preupload(ctx, id, src); done <- err }()
	<-src.reached
	// The stall itself is what is tested: no event ends it but time.
	stalled := time.NewTimer(3 * cfg.OpTimeout)
	select {
	case err := <-done:
		t.Fatalf("the pre-upload ended while its source stalled: %v", err)
	case <-stalled.C:
	}
	close(open)
	if err := await(t, "the pre-upload", done); err != nil {
		t.Fatalf("a pre-upload waiting on its source was given up: %v", err)
	}
	if got := snapshot(t, s.Dir)[PendingName(id)]; got != string(head)+string(tail) {
		t.Fatalf("the pending file holds %d bytes, want %d", len(got), len(head)+len(tail))
	}
}

// TestSFTPCancelLeavesOthersAlone: a pre-upload cancelled (its stage refused) while the
// worker's upload runs beside it ends at once and alone: the upload completes on the
// connection it started on, and the pending file can be removed.
func TestSFTPCancelLeavesOthersAlone(t *testing.T) {
	s := sshdtest.Start(t)
	tg, fs := relayedSFTP(t, s, 16<<20, 0)
	ctx := testContext(t)
	big := randomClick(t, "big_1_all.click", 32<<20)
	if _, err := tg.ReadList(ctx); err != nil {
		t.Fatal(err)
	}
	put := make(chan error, 1)
	go func() { put <- tg.Put(ctx, big.Filename, big.Src, big.Size, big.SHA256) }()
	awaitUploading(t, s.Dir, TempPattern(big.Filename), put)

	open := make(chan struct{}) // never opened before the test ends: the download stalled
	t.Cleanup(func() { close(open) })
	src := newGatedSource(bytes.Repeat([]byte("p"), 64<<10), nil, open)
	const id = "5a1d0e2f-0000-4000-8000-000000000002"
	preCtx, cancel := context.WithCancel(ctx)
	pre := make(chan error, 1)
	go func() { _, err := tg.Preupload(preCtx, id, src); pre <- err }()
	select {
	case <-src.reached:
	case err := <-put:
		t.Fatalf("the upload ended (%v) before the pre-upload started: too fast to test", err)
	}
	select {
	case err := <-put:
		t.Fatalf("the upload ended (%v) before the pre-upload was cancelled: too fast to test", err)
	default:
	}
	cancel()
	cancelled := time.Now()
	if err := await(t, "the cancelled pre-upload", pre); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled pre-upload: %v, want context.Canceled", err)
	}
	took := time.Since(cancelled)
	t.Logf("the cancelled pre-upload ended %v after its cancellation", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("the cancelled pre-upload took %v to end", took)
	}
	if err := await(t, "the upload", put); err != nil {
		t.Fatalf("the upload failed when another operation was cancelled: %v", err)
	}
	if got := snapshot(t, s.Dir)[big.Filename]; got != string(mustRead(t, big.Src)) {
		t.Fatal("the click landed damaged")
	}
	if n := fs.conns.dials.Load(); n != 2 {
		t.Errorf("%d connections dialled, want the upload's and the pre-upload's: the cancellation must have ended neither", n)
	}
	if err := tg.RemovePending(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, ok := snapshot(t, s.Dir)[PendingName(id)]; ok {
		t.Error("the pending file is still there")
	}
}

// TestSFTPFrozenSessionHoldsOnlyItsOperation: the session serving an upload stops
// answering; an operation begun afterwards, well before op_timeout, runs on a connection
// of its own and completes at once instead of waiting behind the frozen one.
func TestSFTPFrozenSessionHoldsOnlyItsOperation(t *testing.T) {
	s := sshdtest.Start(t)
	tg, _ := relayedSFTP(t, s, 16<<20, 30*time.Second)
	ctx := testContext(t)
	big := randomClick(t, "big_1_all.click", 32<<20)
	put := make(chan error, 1)
	go func() { put <- tg.Put(ctx, big.Filename, big.Src, big.Size, big.SHA256) }()
	awaitUploading(t, s.Dir, TempPattern(big.Filename), put)
	pids, resume := s.StallSessions()
	t.Cleanup(resume)
	if len(pids) == 0 {
		t.Fatal("no sftp session to stall")
	}
	start := time.Now()
	foo := click(t, "foo_1_all.click", "foo")
	if err := Lock(ctx, tg, foo); err != nil {
		t.Fatalf("Lock beside a frozen session: %v", err)
	}
	took := time.Since(start)
	t.Logf("a lock beside a frozen session took %v", took.Round(time.Millisecond))
	if took > 5*time.Second {
		t.Errorf("a lock beside a frozen session took %v: it waited behind it", took)
	}
	select {
	case err := <-put:
		t.Fatalf("the frozen upload ended (%v)", err)
	default:
	}
	resume()
	if err := await(t, "the upload", put); err != nil {
		t.Fatalf("the upload, once its session answered again: %v", err)
	}
}
