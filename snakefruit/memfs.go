package snakefruit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sync"
	"time"
)

// Op is one transport call of a memory folder, as its fault hook sees it.
type Op struct {
	Name  string // write, hash, read, size, stat, rename, remove, files
	File  string // the file it is about (the source of a rename)
	After bool   // the hook runs before the call and again after it took effect
	Conn  int    // the connection it runs on: the Nth that targets over this MemFS dialled
}

// MemFS is a snakefruit folder held in memory. Behind NewMemoryTarget it keeps the same
// rules as file:// and sftp:// (it is the same target code over another transport), so a
// simulation of the workflow can run thousands of schedules a second against it.
//
// Its operations go through the same connection layer as sftp's, with connections of
// their own: each call is one request on a connection the target dialled, which the layer
// abandons when the server stays silent for OpTimeout, retires, and replaces. Time, for
// that layer, is MemFS's own clock, which moves only by Advance; a call stalls only when
// Fault says so (ErrStall). A call that does not stall completes at once, and its caller
// sees it whole: a target over a MemFS stays deterministic.
type MemFS struct {
	mu     sync.Mutex
	files  map[string][]byte
	mtimes map[string]int64 // without Clock a write counter, not a time: every change moves it
	clock  int64
	dials  int
	temps  int // temp names handed out, so each is new
	// Clock, when set, gives files their modification times, kept to the second as SFTP
	// reports them: two changes within a second look alike. Without it every change moves
	// the modification time.
	Clock func() time.Time
	// Fault, when set, runs before and after every call. An error before the call fails
	// it without effect; an error after it fails a call that took effect (a reply lost on
	// the way back). It may also panic, to stand for a crash at that point, or return
	// ErrStall before the call.
	Fault func(Op) error
	// Wait, when set, is how an operation of a target made after it waits for its turn at
	// the list while another edits it: it returns once ready says true, or to ask again.
	// Without it the operation blocks.
	Wait func(what string, ready func() bool)
	// OpTimeout is the op_timeout of the targets NewMemoryTarget makes after it is set
	// (DefaultOpTimeout when zero), as MemFS's clock counts it.
	OpTimeout time.Duration

	timeOnce sync.Once
	time     *manualClock
	stallMu  sync.Mutex
	stalled  []*stalledCall
}

// ErrStall, returned by Fault before a call, makes the server stop answering that call:
// it neither takes effect nor returns while it stalls, and the connection it is on keeps
// carrying other calls. It stalls until Release, or until its connection is closed: once
// the layer abandoned it (OpTimeout passed on MemFS's clock) and no caller is left on its
// connection, it fails as a lost connection, without effect. Its caller leaves it when it
// is abandoned or when the caller's context ends, and not before.
//
// In a test that runs everything on one goroutine, nothing else can move the clock while
// a call stalls: Fault calls Advance(OpTimeout) and then returns ErrStall, and the call
// is abandoned as a server silent until its deadline would have it.
var ErrStall = errors.New("snakefruit: the memory server stalls this call")

// ErrFlipByte, returned by Fault before a write, has the write land with its first byte
// changed, as a transfer damaged on the way would: what landed is not what was sent.
var ErrFlipByte = errors.New("snakefruit: the memory server damages this write")

// errMemLost is a call on a memory connection that was closed.
var errMemLost = errors.New("snakefruit: memory connection closed")

type stalledCall struct {
	release chan struct{} // closed by Release
	done    chan struct{} // closed once the call has ended
}

// NewMemFS returns an empty folder.
func NewMemFS() *MemFS { return &MemFS{files: map[string][]byte{}, mtimes: map[string]int64{}} }

// NewMemoryTarget returns a Target over m with the list named list (DefaultListFile if "").
// Each target is a process of its own, with connections of its own.
func NewMemoryTarget(m *MemFS, list string) (Target, error) {
	if list == "" {
		list = DefaultListFile
	}
	if err := checkListFile(list); err != nil {
		return nil, err
	}
	tr := &memTransport{m: m, conns: newConnections(m.dial, m.OpTimeout, m.serverClock(), "")}
	tr.conns.atomic = true
	tg := newTarget(tr, list)
	tg.unique = m.nextTemp
	tg.wait = m.Wait
	return tg, nil
}

// Advance moves MemFS's clock forward by d. Every operation of its targets that has heard
// nothing from the server for OpTimeout by then is abandoned, before Advance returns.
func (m *MemFS) Advance(d time.Duration) { m.serverClock().advance(d) }

// Release lets every stalled call go on, one at a time in the order they stalled, and
// returns once each has ended. A call whose connection is still open takes effect now
// (and Fault sees it after), though its caller may have left it; one whose connection was
// closed meanwhile has already failed.
func (m *MemFS) Release() {
	m.stallMu.Lock()
	calls := m.stalled
	m.stalled = nil
	m.stallMu.Unlock()
	for _, c := range calls {
		close(c.release)
		<-c.done
	}
}

// Dials is how many connections the targets over m have dialled: each abandoned or lost
// connection is replaced by a new one.
func (m *MemFS) Dials() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dials
}

func (m *MemFS) serverClock() *manualClock {
	m.timeOnce.Do(func() { m.time = newManualClock() })
	return m.time
}

func (m *MemFS) nextTemp() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.temps++
	return fmt.Sprintf("m%d", m.temps)
}

func (m *MemFS) dial(ctx context.Context, heard func()) (*memConn, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dials++
	return &memConn{m: m, n: m.dials, heard: heard, closed: make(chan struct{})}, nil
}

// Snapshot returns a copy of every file, by name.
func (m *MemFS) Snapshot() map[string][]byte {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string][]byte, len(m.files))
	for k, v := range m.files {
		out[k] = bytes.Clone(v)
	}
	return out
}

// WriteFile sets a file's content directly, as a person on the server would.
func (m *MemFS) WriteFile(name string, b []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files[name] = bytes.Clone(b)
	m.touch(name)
}

// Remove deletes a file directly, as a person on the server would.
func (m *MemFS) Remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.files, name)
	delete(m.mtimes, name)
}

// touch gives name a new modification time; m.mu is held.
func (m *MemFS) touch(name string) {
	if m.Clock != nil {
		m.mtimes[name] = m.Clock().Truncate(time.Second).UnixNano()
		return
	}
	m.clock++
	m.mtimes[name] = m.clock
}

// memConn is one connection to a MemFS.
type memConn struct {
	flip   bool // the write under way lands damaged (ErrFlipByte); under m.mu
	m      *MemFS
	n      int
	heard  func()
	once   sync.Once
	closed chan struct{}
}

func (c *memConn) alive() bool {
	select {
	case <-c.closed:
		return false
	default:
		return true
	}
}

func (c *memConn) lost(err error) bool { return errors.Is(err, errMemLost) }
func (c *memConn) close()              { c.once.Do(func() { close(c.closed) }) }

// call runs fn, one call's effect, between the before and after hooks; fn runs under
// m.mu.
func memCall[T any](o *opRun, c *memConn, op Op, fn func() (T, error)) (T, error) {
	var zero T
	op.Conn = c.n
	if err := c.m.fault(op); err != nil {
		switch {
		case errors.Is(err, ErrFlipByte) && op.Name == "write":
			c.flip = true
		case !errors.Is(err, ErrStall):
			return zero, err
		default:
			defer c.stall(o)()
		}
	}
	c.m.mu.Lock()
	if !c.alive() {
		c.m.mu.Unlock()
		return zero, errMemLost
	}
	v, err := fn()
	c.m.mu.Unlock()
	c.heard()
	if err != nil {
		return zero, err
	}
	op.After = true
	if err := c.m.fault(op); err != nil {
		return zero, err
	}
	return v, nil
}

// stall holds the call until Release or the connection's close; the caller may leave
// meanwhile. The returned func marks the call ended.
func (c *memConn) stall(o *opRun) (ended func()) {
	s := &stalledCall{release: make(chan struct{}), done: make(chan struct{})}
	c.m.stallMu.Lock()
	c.m.stalled = append(c.m.stalled, s)
	c.m.stallMu.Unlock()
	o.wait(func() {
		select {
		case <-s.release:
		case <-c.closed:
			c.m.stallMu.Lock()
			c.m.stalled = slices.DeleteFunc(c.m.stalled, func(x *stalledCall) bool { return x == s })
			c.m.stallMu.Unlock()
		}
	})
	return func() { close(s.done) }
}

// memTransport is the fsys of a MemFS (a separate type keeps the hook-free accessors
// above off the transport's method set).
type memTransport struct {
	m     *MemFS
	conns *connections[*memConn]
}

func (m *MemFS) fault(op Op) error {
	if m.Fault == nil {
		return nil
	}
	return m.Fault(op)
}

// do runs one call whose effect is fn.
func memDo[T any](t *memTransport, ctx context.Context, name, file string, fn func() (T, error)) (T, error) {
	return run(t.conns, ctx, name+" "+file, func(o *opRun, c *memConn) (T, error) {
		return memCall(o, c, Op{Name: name, File: file}, fn)
	})
}

func notExist(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

func (t *memTransport) writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (int64, landed, error) {
	got, err := run(t.conns, ctx, "write "+name, func(o *opRun, c *memConn) (landed, error) {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return landed{}, err
		}
		b, err := io.ReadAll(o.source(r))
		if err != nil {
			return landed{}, err
		}
		sum := sha256.Sum256(b)
		return memCall(o, c, Op{Name: "write", File: name}, func() (landed, error) {
			if c.flip && len(b) > 0 {
				c.flip = false
				b = bytes.Clone(b)
				b[0] ^= 0xff
				h := sha256.Sum256(b)
				sum = h
			}
			t.m.files[name] = b
			t.m.touch(name)
			if !pin.IsZero() {
				t.m.mtimes[name] = pin.UnixNano()
			}
			return landed{int64(len(b)), hex.EncodeToString(sum[:])}, nil
		})
	})
	if err != nil {
		return 0, landed{}, err
	}
	return got.size, got, nil
}

func (t *memTransport) hashFile(ctx context.Context, name string) (int64, string, error) {
	h, err := memDo(t, ctx, "hash", name, func() (hashed, error) {
		b, ok := t.m.files[name]
		if !ok {
			return hashed{}, notExist("open", name)
		}
		sum := sha256.Sum256(b)
		return hashed{int64(len(b)), hex.EncodeToString(sum[:])}, nil
	})
	return h.size, h.sum, err
}

func (t *memTransport) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	return memDo(t, ctx, "read", name, func() ([]byte, error) {
		b, ok := t.m.files[name]
		if !ok {
			return nil, notExist("open", name)
		}
		if int64(len(b)) > limit {
			return nil, fmt.Errorf("%s is over %d bytes", name, limit)
		}
		return bytes.Clone(b), nil
	})
}

func (t *memTransport) size(ctx context.Context, name string) (int64, error) {
	return memDo(t, ctx, "size", name, func() (int64, error) {
		b, ok := t.m.files[name]
		if !ok {
			return 0, notExist("stat", name)
		}
		return int64(len(b)), nil
	})
}

// stat's modification time is Clock's to the second, or a counter of writes.
func (t *memTransport) stat(ctx context.Context, name string) (fileStat, error) {
	return memDo(t, ctx, "stat", name, func() (fileStat, error) {
		b, ok := t.m.files[name]
		if !ok {
			return fileStat{}, notExist("stat", name)
		}
		return fileStat{size: int64(len(b)), mtime: time.Unix(0, t.m.mtimes[name])}, nil
	})
}

func (t *memTransport) rename(ctx context.Context, from, to string) error {
	_, err := memDo(t, ctx, "rename", from, func() (struct{}, error) {
		b, ok := t.m.files[from]
		if !ok {
			return struct{}{}, notExist("rename", from)
		}
		delete(t.m.files, from)
		t.m.files[to] = b
		t.m.mtimes[to] = t.m.mtimes[from]
		delete(t.m.mtimes, from)
		return struct{}{}, nil
	})
	return err
}

func (t *memTransport) remove(ctx context.Context, name string) error {
	_, err := memDo(t, ctx, "remove", name, func() (struct{}, error) {
		if _, ok := t.m.files[name]; !ok {
			return struct{}{}, notExist("remove", name)
		}
		delete(t.m.files, name)
		delete(t.m.mtimes, name)
		return struct{}{}, nil
	})
	return err
}

func (t *memTransport) files(ctx context.Context, dir string) ([]File, error) {
	return memDo(t, ctx, "files", dir, func() ([]File, error) {
		var out []File
		for _, name := range slices.Sorted(maps.Keys(t.m.files)) {
			if path.Dir(name) == dir {
				out = append(out, File{Name: path.Base(name), Size: int64(len(t.m.files[name]))})
			}
		}
		return out, nil
	})
}

func (t *memTransport) String() string { return "memory" }

func (t *memTransport) Close() error {
	t.conns.Close()
	return nil
}
