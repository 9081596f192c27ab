package workflow

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/internal/clicktest"
	"stagebot/snakefruit"
	"stagebot/storage"
)

const fw = "ubuntu-sdk-15.04"

var (
	alice = stagebot.Identity{Network: stagebot.NetworkConsole, ID: "alice", Name: "alice"}
	bob   = stagebot.Identity{Network: stagebot.NetworkConsole, ID: "bob", Name: "bob"}
	carol = stagebot.Identity{Network: stagebot.NetworkConsole, ID: "carol", Name: "carol"}
	quinn = stagebot.Identity{Network: stagebot.NetworkConsole, ID: "quinn", Name: "quinn"}
	eve   = stagebot.Identity{Network: stagebot.NetworkConsole, ID: "eve", Name: "eve"}
)

var testTeam = stagebot.Team{
	Landing: []stagebot.Member{{Name: "bob"}, {Name: "carol"}},
	QA:      []stagebot.Member{{Name: "quinn"}},
	Landers: []stagebot.Member{{Name: "alice"}, {Name: "bob"}},
}

// flakyTarget fails Put while fail is set, with a permanent or a passing error.
type flakyTarget struct {
	snakefruit.Target
	fail      atomic.Int32 // 0 ok, 1 transient, 2 permanent, 3 an error chain with local paths
	putCalled atomic.Int32
	// preGate, when set, holds every pre-upload until it is closed; preFail fails them.
	preGate chan struct{}
	preFail atomic.Bool
	// preLost has a pre-upload land whole but report a failure (its reply lost).
	preLost atomic.Bool
	// stall, once armed, stalls the next pre-upload inside the target, its file open.
	stall atomic.Pointer[preStall]
	// rmFail fails RemovePending; editFail fails EditList (both as a refused connection).
	rmFail, editFail atomic.Bool
	// onPut, when set, runs as Put begins (a person acting while the lock runs).
	onPut atomic.Pointer[func()]
}

// preStall holds one pre-upload after its first chunk, inside the target's Preupload (which
// has its file in hand), until let is called or the pre-upload is cancelled: a pre-upload
// whose far side stopped taking bytes. stalled is closed once it holds.
type preStall struct {
	stalled, release chan struct{}
	id               atomic.Pointer[string]
	hold, free       sync.Once
}

func (f *flakyTarget) armStall() *preStall {
	st := &preStall{stalled: make(chan struct{}), release: make(chan struct{})}
	f.stall.Store(st)
	return st
}

func (st *preStall) let() { st.free.Do(func() { close(st.release) }) }

// await waits until the pre-upload holds.
func (st *preStall) await(t *testing.T) {
	t.Helper()
	select {
	case <-st.stalled:
	case <-time.After(20 * time.Second):
		t.Fatal("no pre-upload stalled")
	}
}

// stalledReader is the source of a stalled pre-upload.
type stalledReader struct {
	io.ReadSeeker
	ctx   context.Context
	st    *preStall
	given int
}

func (r *stalledReader) Read(p []byte) (int, error) {
	const first = 256
	if r.given >= first {
		r.st.hold.Do(func() { close(r.st.stalled) })
		select {
		case <-r.st.release:
		case <-r.ctx.Done():
			return 0, r.ctx.Err()
		}
	}
	n, err := r.ReadSeeker.Read(p[:min(len(p), first)])
	r.given += n
	return n, err
}

var errRefused = &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}

func (f *flakyTarget) Preupload(ctx context.Context, id string, r io.ReadSeeker) (snakefruit.Pending, error) {
	if f.preGate != nil {
		select {
		case <-f.preGate:
		case <-ctx.Done():
			return snakefruit.Pending{}, ctx.Err()
		}
	}
	if f.preFail.Load() {
		return snakefruit.Pending{}, errRefused
	}
	if st := f.stall.Swap(nil); st != nil {
		st.id.Store(&id)
		r = &stalledReader{ReadSeeker: r, ctx: ctx, st: st}
	}
	p, err := f.Target.Preupload(ctx, id, r)
	if err == nil && f.preLost.Load() {
		return snakefruit.Pending{}, errRefused
	}
	return p, err
}

func (f *flakyTarget) RemovePending(ctx context.Context, id string) error {
	if f.rmFail.Load() {
		return errRefused
	}
	return f.Target.RemovePending(ctx, id)
}

func (f *flakyTarget) EditList(ctx context.Context, edit func([]string) ([]string, error)) error {
	if f.editFail.Load() {
		return errRefused
	}
	return f.Target.EditList(ctx, edit)
}

func (f *flakyTarget) Put(ctx context.Context, name, src string, size int64, sum string) error {
	f.putCalled.Add(1)
	if fn := f.onPut.Load(); fn != nil {
		(*fn)()
	}
	switch f.fail.Load() {
	case 1:
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	case 2:
		return &snakefruit.HostKeyError{Host: "snakefruit", Fingerprint: "SHA256:abc", Type: "ssh-ed25519"}
	case 3:
		// What an error deep in a transport looks like: a chain naming local paths.
		return fmt.Errorf("snakefruit: put %s: upload: %w", name, &fs.PathError{Op: "open", Path: filepath.Join(src, "secret-dir"), Err: syscall.EIO})
	}
	return f.Target.Put(ctx, name, src, size, sum)
}

type env struct {
	t      *testing.T
	svc    *Service
	db     *storage.DB
	folder string
	target *flakyTarget
	clicks string
	// stopWorker stops the worker as a shutdown would and waits for it; cancelWorker only
	// begins the shutdown, workerDone closes when the worker has returned.
	stopWorker   func()
	cancelWorker func()
	workerDone   chan struct{}
	// grace is how long the job under way may run on once the shutdown began, as the
	// app's shutdown_grace; read when it begins.
	grace time.Duration
}

func newEnv(t *testing.T, policy stagebot.Policy, mod func(*Config)) *env {
	t.Helper()
	folder := filepath.Join(t.TempDir(), "snakefruit")
	os.MkdirAll(folder, 0o755)
	tgt, err := snakefruit.Open(context.Background(), snakefruit.Config{Target: "file://" + folder})
	if err != nil {
		t.Fatal(err)
	}
	return startEnv(t, policy, tgt, folder, mod)
}

// startEnv runs a Service with its worker on tgt, whose folder is folder on this machine.
func startEnv(t *testing.T, policy stagebot.Policy, tgt snakefruit.Target, folder string, mod func(*Config)) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := storage.Open(filepath.Join(dir, "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ft := &flakyTarget{Target: tgt}
	cfg := Config{DB: db, Team: testTeam, Policy: policy, StateDir: dir, Target: ft,
		Intake: &intake.Fetcher{Dir: filepath.Join(dir, "downloads"), MaxBytes: 1 << 30},
		Retry:  Retry{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond, GiveUp: time.Hour}}
	if mod != nil {
		mod(&cfg)
	}
	e := &env{t: t, svc: New(cfg), db: db, folder: folder, target: ft, clicks: t.TempDir()}
	// A reader of the outbox from the start, as an adapter would be.
	if _, err := db.Outbox().KeepCursors([]stagebot.Dest{testDest}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	e.grace = 30 * time.Second
	cutoff, cut := context.WithCancel(context.Background())
	context.AfterFunc(ctx, func() { time.AfterFunc(e.grace, cut) })
	t.Cleanup(cut)
	go func() { e.svc.RunWorker(ctx, cutoff); close(done) }()
	e.cancelWorker, e.workerDone = cancel, done
	e.stopWorker = func() { cancel(); <-done }
	t.Cleanup(e.stopWorker)
	return e
}

// toPhasingEnd takes a locked request through a tick and a promotion, then ends phasing.
func (e *env) toPhasingEnd() {
	e.t.Helper()
	e.svc.Tick(stagebot.Identity{}, "test", nil)
	e.svc.Promote(quinn, "7")
	if _, err := e.svc.SetPhasing(quinn, 100); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) click(name, version, arch string) string {
	e.t.Helper()
	return clicktest.Build(e.t, e.clicks, clicktest.Spec{Name: name, Version: version, Framework: fw, Arch: arch, Files: map[string]string{"f": name + version}})
}

func (e *env) stage(who stagebot.Identity, path string) *stagebot.Request {
	e.t.Helper()
	r, err := e.svc.Stage(context.Background(), who, intake.Source{Kind: intake.FromPath, Value: path})
	if err != nil {
		e.t.Fatalf("stage %s: %v", path, err)
	}
	return r
}

func (e *env) request(id string) *stagebot.Request {
	e.t.Helper()
	var r *stagebot.Request
	if err := e.db.View(func(tx *storage.Tx) error {
		var err error
		r, err = tx.Request(id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// await waits until cond holds for the request, re-checking whenever the service announces.
func (e *env) await(id string, what string, cond func(*stagebot.Request) bool) *stagebot.Request {
	e.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		r := e.request(id)
		if cond(r) {
			return r
		}
		select {
		case <-e.db.Outbox().Signal():
		case <-time.After(100 * time.Millisecond):
			// A retry scheduled in the worker commits without waking us on time.
		case <-deadline:
			e.t.Fatalf("request %s: still %s (%s), waiting for %s", r.ShortID(), r.State, r.LastError, what)
		}
	}
}

func (e *env) awaitState(id string, st stagebot.State) *stagebot.Request {
	e.t.Helper()
	return e.await(id, string(st), func(r *stagebot.Request) bool { return r.State == st })
}

func (e *env) list() []string {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.folder, "locked_clicks_list"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func (e *env) announcements() []stagebot.Event {
	e.t.Helper()
	out, err := e.db.Outbox().PendingTo(testDest, 1<<20)
	if err != nil {
		e.t.Fatal(err)
	}
	for i := range out {
		out[i] = shown(out[i])
	}
	return out
}

// testDest is the outbox's reader in these tests, as an adapter's channel would be.
var testDest = stagebot.Dest{Adapter: "test"}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if stagebot.ErrorCode(err) != code {
		t.Fatalf("err = %v (code %q), want code %q", err, stagebot.ErrorCode(err), code)
	}
}
