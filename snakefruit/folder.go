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
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// maxListBytes bounds how much of a list file is read: a list is a few KiB, so anything near
// this is not a list and must not be loaded whole.
const maxListBytes = 16 << 20

// maxEditAttempts bounds EditList's redo loop so a list that never stops changing fails the
// operation (to be retried later) instead of spinning.
const maxEditAttempts = 20

// discardTimeout bounds the best-effort removal of a temp file after a failure.
const discardTimeout = 10 * time.Second

// target keeps the folder's rules on top of any transport.
type target struct {
	fs   fsys
	list string

	// inUse are the temp files operations of this process are writing or about to rename:
	// SweepTemps leaves them, and waits for none of them.
	inUseMu sync.Mutex
	inUse   map[string]bool
	// listMu has list edits take turns: checking that the list is unchanged and renaming
	// over it are two steps. wait, when set, is how a list edit waits for its turn (a
	// memory target's MemFS.Wait, so that a simulation runs something else meanwhile).
	listMu sync.Mutex
	wait   func(what string, ready func() bool)
	names  keyedMutex
	unique func() string // a token for tempName

	// stale are temp files whose removal after a failure failed too (the link was down),
	// for Tidy. SweepTemps at start covers a crash.
	staleMu sync.Mutex
	stale   map[string]bool
}

func newTarget(fs fsys, list string) *target {
	return &target{fs: fs, list: list, unique: randomToken, inUse: map[string]bool{}}
}

// lockList takes the list edits' turn.
func (t *target) lockList() {
	if t.wait == nil {
		t.listMu.Lock()
		return
	}
	for !t.listMu.TryLock() {
		t.wait("its turn at the list", func() bool {
			if !t.listMu.TryLock() {
				return false
			}
			t.listMu.Unlock()
			return true
		})
	}
}

func (t *target) checkName(name string) error {
	switch {
	case name == "" || name == "." || name == "..":
		return permanentKindf(kindBadName, "snakefruit: invalid file name %q", name)
	case strings.ContainsAny(name, "/\x00\n"):
		return permanentKindf(kindBadName, "snakefruit: file name %q must be a plain name", name)
	case isTemp(name):
		return permanentKindf(kindBadName, "snakefruit: file name %q uses the temp prefix", name)
	case strings.HasPrefix(name, PendingPrefix):
		return permanentKindf(kindBadName, "snakefruit: file name %q uses the pending prefix", name)
	case name == t.list:
		return permanentKindf(kindBadName, "snakefruit: file name %q is the list file", name)
	}
	return nil
}

func (t *target) Put(ctx context.Context, name, src string, size int64, sha256hex string) error {
	if err := t.checkName(name); err != nil {
		return err
	}
	want, err := checkSHA256(name, sha256hex)
	if err != nil {
		return err
	}
	defer t.names.lock(name)()

	if same, err := t.vacant(ctx, name, size, want); same || err != nil {
		return err
	}

	f, err := os.Open(src)
	if err != nil {
		return permanentKindf(kindSource, "snakefruit: put %s: %w", name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return permanentKindf(kindSource, "snakefruit: put %s: %w", name, err)
	} else if fi.Size() != size {
		return permanentKindf(kindSourceChanged, "snakefruit: put %s: source %s has %d bytes, not the declared %d", name, src, fi.Size(), size)
	}

	tmp, done := t.tempName(name)
	defer done()
	n, got, err := t.fs.writeFile(ctx, tmp, f, time.Time{})
	if err != nil {
		t.discard(ctx, tmp)
		return fmt.Errorf("snakefruit: put %s: upload: %w", name, err)
	}
	if n != size {
		t.discard(ctx, tmp)
		return permanentKindf(kindSourceChanged, "snakefruit: put %s: source %s changed size while uploading (%d bytes sent)", name, src, n)
	}
	if got.size != size || got.sha256 != want {
		t.discard(ctx, tmp)
		// A source that never matched will not match on a retry; a damaged transfer may.
		if localHash, err := hashLocal(src); err == nil && localHash != want {
			return permanentKindf(kindSourceChanged, "snakefruit: put %s: source %s has sha256 %s, not the declared %s", name, src, localHash, want)
		}
		return kindf(kindLanded, "snakefruit: put %s: what landed has %d bytes and sha256 %s, want %d and %s", name, got.size, got.sha256, size, want)
	}
	// A file may have come under that name during the upload: it is not replaced either.
	if same, err := t.vacant(ctx, name, size, want); same || err != nil {
		t.discard(ctx, tmp)
		return err
	}
	if err := placing(ctx); err != nil {
		t.discard(ctx, tmp)
		return err
	}
	if err := t.fs.rename(ctx, tmp, name); err != nil {
		t.discard(ctx, tmp)
		return fmt.Errorf("snakefruit: put %s: rename: %w", name, err)
	}
	return nil
}

// discard removes a temp file after a failure, even when ctx has ended, but not for long.
func (t *target) discard(ctx context.Context, tmp string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	if err := t.fs.remove(ctx, tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.remember(tmp)
	}
}

// remember keeps a temp file whose removal failed for Tidy.
func (t *target) remember(name string) {
	t.staleMu.Lock()
	defer t.staleMu.Unlock()
	if t.stale == nil {
		t.stale = map[string]bool{}
	}
	t.stale[name] = true
}

// Tidy removes the temp files whose removal after a failure failed too. A temp file's
// name is never written again, so this needs no lock and waits for no other operation;
// nothing else does it on their behalf (SweepTemps at start covers a crash).
func (t *target) Tidy(ctx context.Context) error {
	t.staleMu.Lock()
	names := slices.Sorted(maps.Keys(t.stale))
	t.staleMu.Unlock()
	for _, name := range names {
		if err := t.fs.remove(ctx, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("snakefruit: remove %s: %w", name, err)
		}
		t.staleMu.Lock()
		delete(t.stale, name)
		t.staleMu.Unlock()
	}
	return nil
}

func (t *target) Remove(ctx context.Context, name string) error {
	if err := t.checkName(name); err != nil {
		return err
	}
	if err := t.fs.remove(ctx, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("snakefruit: remove %s: %w", name, err)
	}
	return nil
}

func (t *target) readListBytes(ctx context.Context) ([]byte, error) {
	b, err := t.fs.readSmall(ctx, t.list, maxListBytes)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("snakefruit: read list %s: %w", t.list, err)
	}
	return b, nil
}

func (t *target) ReadList(ctx context.Context) ([]string, error) {
	b, err := t.readListBytes(ctx)
	return ParseList(b), err
}

func (t *target) EditList(ctx context.Context, edit func(lines []string) ([]string, error)) error {
	t.lockList()
	defer t.listMu.Unlock()

	tmp, done := t.tempName(t.list)
	defer done()
	// Once written, the temp file goes unless it was renamed into place, however the edit
	// ends: a redo that fails to read the list again must not leave it behind.
	written, renamed := false, false
	defer func() {
		if written && !renamed {
			t.discard(ctx, tmp)
		}
	}()
	for range maxEditAttempts {
		before, err := t.readListBytes(ctx)
		if err != nil {
			return err
		}
		lines := ParseList(before)
		next, err := edit(slices.Clone(lines))
		if err != nil {
			return err
		}
		if err := checkLines(next); err != nil {
			return err
		}
		if slices.Equal(lines, next) {
			return nil
		}
		content := FormatList(next)
		written = true
		_, got, err := t.fs.writeFile(ctx, tmp, bytes.NewReader(content), time.Time{})
		if err != nil {
			return fmt.Errorf("snakefruit: write list: %w", err)
		}
		if sum := sha256.Sum256(content); got.size != int64(len(content)) || got.sha256 != hex.EncodeToString(sum[:]) {
			return kindf(kindListLanded, "snakefruit: write list: what landed differs from what was sent")
		}
		// A person may have saved the list since we read it; renaming now would undo them.
		now, err := t.readListBytes(ctx)
		if err != nil {
			return err
		}
		if !bytes.Equal(now, before) {
			continue
		}
		if err := t.fs.rename(ctx, tmp, t.list); err != nil {
			return fmt.Errorf("snakefruit: replace list: %w", err)
		}
		renamed = true
		return nil
	}
	return kindf(kindListBusy, "snakefruit: list %s kept changing during %d attempts to edit it", t.list, maxEditAttempts)
}

func (t *target) Files(ctx context.Context) ([]File, error) {
	files, err := t.fs.files(ctx, ".")
	if err != nil {
		return nil, fmt.Errorf("snakefruit: list folder: %w", err)
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	return files, nil
}

// tempDirs are the directories our temp files can be in: the folder and the list's directory.
func (t *target) tempDirs() []string {
	dirs := []string{"."}
	if d := path.Dir(t.list); d != "." {
		dirs = append(dirs, d)
	}
	return dirs
}

func (t *target) SweepTemps(ctx context.Context) error {
	for _, dir := range t.tempDirs() {
		files, err := t.fs.files(ctx, dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("snakefruit: sweep temps: %w", err)
		}
		for _, f := range files {
			name := path.Join(dir, f.Name)
			if !isTemp(f.Name) || t.usedHere(name) {
				continue
			}
			if err := t.fs.remove(ctx, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("snakefruit: sweep temps: %w", err)
			}
		}
	}
	return nil
}

func (t *target) String() string { return t.fs.String() }
func (t *target) Close() error   { return t.fs.Close() }

func hashLocal(name string) (string, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keyedMutex serialises work per key without holding memory for keys nobody uses.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedEntry
}

type keyedEntry struct {
	mu   sync.Mutex
	refs int
	// stop ends the work of the one holder that yields its key (lockYielding), set while it
	// holds or waits for it.
	stop context.CancelFunc
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	e := k.entry(key)
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return k.release(key, e)
}

// entry returns key's entry, made if need be; k.mu is held. An entry without refs is
// removed again by the caller's release, or was just made for it.
func (k *keyedMutex) entry(key string) *keyedEntry {
	if k.locks == nil {
		k.locks = make(map[string]*keyedEntry)
	}
	e := k.locks[key]
	if e == nil {
		e = &keyedEntry{}
		k.locks[key] = e
	}
	return e
}

func (k *keyedMutex) release(key string, e *keyedEntry) func() {
	return func() {
		e.mu.Unlock()
		k.mu.Lock()
		if e.refs--; e.refs == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}
