package snakefruit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	Name  string // write, hash, read, size, rename, remove, files
	File  string // the file it is about (the source of a rename)
	After bool   // the hook runs before the call and again after it took effect
}

// MemFS is a snakefruit folder held in memory. Behind NewMemoryTarget it keeps the same
// rules as file:// and sftp:// (it is the same target code over another transport), so a
// simulation of the workflow can run thousands of schedules a second against it.
type MemFS struct {
	mu     sync.Mutex
	files  map[string][]byte
	mtimes map[string]int64 // without Clock a write counter, not a time: every change moves it
	clock  int64
	// Clock, when set, gives files their modification times, kept to the second as SFTP
	// reports them: two changes within a second look alike. Without it every change moves
	// the modification time.
	Clock func() time.Time
	// Fault, when set, runs before and after every call. An error before the call fails
	// it without effect; an error after it fails a call that took effect (a reply lost on
	// the way back). It may also panic, to stand for a crash at that point.
	Fault func(Op) error
}

// NewMemFS returns an empty folder.
func NewMemFS() *MemFS { return &MemFS{files: map[string][]byte{}, mtimes: map[string]int64{}} }

// NewMemoryTarget returns a Target over m with the list named list (DefaultListFile if "").
func NewMemoryTarget(m *MemFS, list string) (Target, error) {
	if list == "" {
		list = DefaultListFile
	}
	if err := checkListFile(list); err != nil {
		return nil, err
	}
	return newTarget(memTransport{m}, list), nil
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

// memTransport is the fsys of a MemFS (a separate type keeps the hook-free accessors
// above off the transport's method set).
type memTransport struct{ m *MemFS }

func (t memTransport) fault(op Op) error {
	if t.m.Fault == nil {
		return nil
	}
	return t.m.Fault(op)
}

// do runs fn between the before and after hooks.
func (t memTransport) do(ctx context.Context, name, file string, fn func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := t.fault(Op{Name: name, File: file}); err != nil {
		return err
	}
	t.m.mu.Lock()
	err := fn()
	t.m.mu.Unlock()
	if err != nil {
		return err
	}
	return t.fault(Op{Name: name, File: file, After: true})
}

func notExist(op, name string) error {
	return &fs.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
}

func (t memTransport) writeFile(ctx context.Context, name string, r io.ReadSeeker) (int64, landed, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return 0, landed{}, err
	}
	sum := sha256.Sum256(b)
	err = t.do(ctx, "write", name, func() error {
		t.m.files[name] = b
		t.m.touch(name)
		return nil
	})
	if err != nil {
		return 0, landed{}, err
	}
	return int64(len(b)), landed{int64(len(b)), hex.EncodeToString(sum[:])}, nil
}

func (t memTransport) hashFile(ctx context.Context, name string) (int64, string, error) {
	var n int64
	var sum string
	err := t.do(ctx, "hash", name, func() error {
		b, ok := t.m.files[name]
		if !ok {
			return notExist("open", name)
		}
		h := sha256.Sum256(b)
		n, sum = int64(len(b)), hex.EncodeToString(h[:])
		return nil
	})
	return n, sum, err
}

func (t memTransport) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	var out []byte
	err := t.do(ctx, "read", name, func() error {
		b, ok := t.m.files[name]
		if !ok {
			return notExist("open", name)
		}
		if int64(len(b)) > limit {
			return fmt.Errorf("%s is over %d bytes", name, limit)
		}
		out = bytes.Clone(b)
		return nil
	})
	return out, err
}

func (t memTransport) size(ctx context.Context, name string) (int64, error) {
	var n int64
	err := t.do(ctx, "size", name, func() error {
		b, ok := t.m.files[name]
		if !ok {
			return notExist("stat", name)
		}
		n = int64(len(b))
		return nil
	})
	return n, err
}

// stat's modification time is a counter of writes, so that any change shows.
func (t memTransport) stat(ctx context.Context, name string) (fileStat, error) {
	var st fileStat
	err := t.do(ctx, "stat", name, func() error {
		b, ok := t.m.files[name]
		if !ok {
			return notExist("stat", name)
		}
		st = fileStat{size: int64(len(b)), mtime: time.Unix(0, t.m.mtimes[name])}
		return nil
	})
	return st, err
}

func (t memTransport) rename(ctx context.Context, from, to string) error {
	return t.do(ctx, "rename", from, func() error {
		b, ok := t.m.files[from]
		if !ok {
			return notExist("rename", from)
		}
		delete(t.m.files, from)
		t.m.files[to] = b
		t.m.mtimes[to] = t.m.mtimes[from]
		delete(t.m.mtimes, from)
		return nil
	})
}

func (t memTransport) remove(ctx context.Context, name string) error {
	return t.do(ctx, "remove", name, func() error {
		if _, ok := t.m.files[name]; !ok {
			return notExist("remove", name)
		}
		delete(t.m.files, name)
		delete(t.m.mtimes, name)
		return nil
	})
}

func (t memTransport) files(ctx context.Context, dir string) ([]File, error) {
	var out []File
	err := t.do(ctx, "files", dir, func() error {
		for _, name := range slices.Sorted(maps.Keys(t.m.files)) {
			if path.Dir(name) == dir {
				out = append(out, File{Name: path.Base(name), Size: int64(len(t.m.files[name]))})
			}
		}
		return nil
	})
	return out, err
}

func (t memTransport) String() string { return "memory" }
func (t memTransport) Close() error   { return nil }
