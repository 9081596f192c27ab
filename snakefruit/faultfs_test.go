package snakefruit

import (
	"context"
	"errors"
	"io"
	"sync"
	"time"
)

var errCrash = errors.New("injected crash")

// faultFS stands for a process that dies at its failAt-th transport call: that call fails
// (a write leaves half its bytes behind, as an interrupted upload would) and so does every
// later one, so no cleanup runs. before, if set, runs ahead of every call.
type faultFS struct {
	inner  fsys
	mu     sync.Mutex
	calls  int
	failAt int // 0: never
	before func(op, name string)
}

func (f *faultFS) step(op, name string) (crash bool) {
	crash, _ = f.stepFirst(op, name)
	return crash
}

// stepFirst also tells whether this call is the one that crashes (not merely one after it).
func (f *faultFS) stepFirst(op, name string) (crash, first bool) {
	f.mu.Lock()
	f.calls++
	crash = f.failAt > 0 && f.calls >= f.failAt
	first = f.failAt > 0 && f.calls == f.failAt
	hook := f.before
	f.mu.Unlock()
	if hook != nil && !crash {
		hook(op, name)
	}
	return crash, first
}

func (f *faultFS) crashed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failAt > 0 && f.calls >= f.failAt
}

func (f *faultFS) writeFile(ctx context.Context, name string, r io.ReadSeeker, pin time.Time) (int64, landed, error) {
	if crash, first := f.stepFirst("writeFile", name); crash {
		if first {
			_, _, _ = f.inner.writeFile(ctx, name, &halfReader{r: r}, pin)
		}
		return 0, landed{}, errCrash
	}
	return f.inner.writeFile(ctx, name, r, pin)
}

func (f *faultFS) hashFile(ctx context.Context, name string) (int64, string, error) {
	if f.step("hashFile", name) {
		return 0, "", errCrash
	}
	return f.inner.hashFile(ctx, name)
}

func (f *faultFS) readSmall(ctx context.Context, name string, limit int64) ([]byte, error) {
	if f.step("readSmall", name) {
		return nil, errCrash
	}
	return f.inner.readSmall(ctx, name, limit)
}

func (f *faultFS) size(ctx context.Context, name string) (int64, error) {
	if f.step("size", name) {
		return 0, errCrash
	}
	return f.inner.size(ctx, name)
}

func (f *faultFS) stat(ctx context.Context, name string) (fileStat, error) {
	if f.step("stat", name) {
		return fileStat{}, errCrash
	}
	return f.inner.stat(ctx, name)
}

func (f *faultFS) rename(ctx context.Context, from, to string) error {
	if f.step("rename", to) {
		return errCrash
	}
	return f.inner.rename(ctx, from, to)
}

func (f *faultFS) remove(ctx context.Context, name string) error {
	if f.step("remove", name) {
		return errCrash
	}
	return f.inner.remove(ctx, name)
}

func (f *faultFS) files(ctx context.Context, dir string) ([]File, error) {
	if f.step("files", dir) {
		return nil, errCrash
	}
	return f.inner.files(ctx, dir)
}

func (f *faultFS) String() string { return f.inner.String() }
func (f *faultFS) Close() error   { return f.inner.Close() }

// halfReader delivers only the first few bytes: what an interrupted upload leaves.
type halfReader struct {
	r    io.ReadSeeker
	read int
}

func (h *halfReader) Read(p []byte) (int, error) {
	if h.read >= 3 {
		return 0, io.EOF
	}
	if len(p) > 3-h.read {
		p = p[:3-h.read]
	}
	n, err := h.r.Read(p)
	h.read += n
	return n, err
}

func (h *halfReader) Seek(off int64, whence int) (int64, error) { return h.r.Seek(off, whence) }
