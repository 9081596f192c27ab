package snakefruit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
)

// PendingPrefix starts the name of a click uploaded while its request waits for approval
// (pre-upload): `.stagebot-pending-<request id>`. It is never in the list; approval renames it
// into place. SweepTemps leaves these alone (a pending request's upload must survive a
// restart); the workflow's reconciliation removes those whose request has ended.
const PendingPrefix = ".stagebot-pending-"

// PendingName is the folder's name for request id's pending upload.
func PendingName(id string) string { return PendingPrefix + id }

// PendingID returns the request ID a pending upload's name carries.
func PendingID(name string) (id string, ok bool) {
	id, ok = strings.CutPrefix(name, PendingPrefix)
	return id, ok && id != ""
}

// Pending is what a pre-upload left in the folder, as checked when it landed.
type Pending struct {
	Name   string    `json:"name"`
	Size   int64     `json:"size"`
	SHA256 string    `json:"sha256"`
	MTime  time.Time `json:"mtime"` // the server's, as stat reported it right after landing
}

// ErrPendingChanged reports that a pending upload is not the one that was checked: gone,
// or another size or modification time. It is never renamed into place then.
var ErrPendingChanged = errors.New("the pending upload changed or vanished since it was checked")

// ErrPendingBusy reports that a pending file could not be removed because its pre-upload
// was still writing it: that pre-upload was stopped instead, and removes what it wrote as it
// stops. Trying again later finds it gone.
var ErrPendingBusy = errors.New("its pre-upload was still writing it; stopped, it removes the file itself")

// pendingMTime is every pending file's modification time, set once it is written and
// before it is checked: any later change to it moves it, even within the same second (SFTP
// keeps seconds), so Promote can tell the checked file from one changed since.
var pendingMTime = time.Unix(1_000_000_000, 0).UTC()

// Preupload streams r into id's pending file, makes it durable and checks what landed. r
// may be rewound and read again on a retry. The caller compares the result with what the
// click must be; Preupload only reports what is there.
//
// Nothing ever waits for a pre-upload: RemovePending and Promote of its file stop it
// instead, and it is stopped at once if anything else has its file in hand. Stopped or
// failed, it removes what it wrote before it returns. It writes no temp file, so neither does
// SweepTemps wait for it.
func (t *target) Preupload(ctx context.Context, id string, r io.ReadSeeker) (Pending, error) {
	name := PendingName(id)
	if strings.ContainsAny(id, "/\x00\n") || id == "" {
		return Pending{}, permanentKindf(kindBadName, "snakefruit: invalid request id %q", id)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer t.names.lockYielding(name, stop)()
	if err := ctx.Err(); err != nil {
		return Pending{}, fmt.Errorf("snakefruit: pre-upload %s: %w", name, err)
	}
	_, got, err := t.fs.writeFile(ctx, name, r, pendingMTime)
	if err != nil {
		t.discard(ctx, name)
		return Pending{}, fmt.Errorf("snakefruit: pre-upload %s: %w", name, err)
	}
	st, err := t.fs.stat(ctx, name)
	if err != nil {
		t.discard(ctx, name)
		return Pending{}, fmt.Errorf("snakefruit: pre-upload %s: %w", name, err)
	}
	if st.size != got.size || !st.mtime.Equal(pendingMTime) {
		t.discard(ctx, name)
		return Pending{}, kindf(kindLanded, "snakefruit: pre-upload %s: it changed while it was checked", name)
	}
	return Pending{Name: name, Size: got.size, SHA256: got.sha256, MTime: st.mtime}, nil
}

// Promote renames pending file p to name if it is still the file that was checked (same
// size and modification time), else returns ErrPendingChanged and renames nothing. It does
// not replace a file of other bytes under name (*OccupiedError).
func (t *target) Promote(ctx context.Context, p Pending, name string) error {
	if err := t.checkName(name); err != nil {
		return err
	}
	if _, ok := PendingID(p.Name); !ok {
		return permanentKindf(kindBadName, "snakefruit: %q is not a pending upload", p.Name)
	}
	want, err := checkSHA256(name, p.SHA256)
	if err != nil {
		return err
	}
	defer t.names.lock(name)()
	unlock, ok := t.names.lockOrStop(p.Name)
	if !ok {
		return fmt.Errorf("snakefruit: promote %s: %w (%w)", p.Name, ErrPendingChanged, ErrPendingBusy)
	}
	defer unlock()
	st, err := t.fs.stat(ctx, p.Name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("snakefruit: promote %s: %w", p.Name, ErrPendingChanged)
	}
	if err != nil {
		return fmt.Errorf("snakefruit: promote %s: %w", p.Name, err)
	}
	if st.size != p.Size || !st.mtime.Equal(p.MTime) {
		return fmt.Errorf("snakefruit: promote %s: %w (%d bytes modified %s, checked %d bytes modified %s)",
			p.Name, ErrPendingChanged, st.size, st.mtime.UTC().Format(time.RFC3339Nano), p.Size, p.MTime.UTC().Format(time.RFC3339Nano))
	}
	same, err := t.vacant(ctx, name, p.Size, want)
	if err != nil {
		return err
	}
	if same {
		// The click is in place already (a person's file of the same bytes, or an earlier
		// try's): replacing it would gain nothing and could lose what is there. The pending
		// file is not needed any more.
		if err := t.fs.remove(ctx, p.Name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("snakefruit: promote %s: %w", p.Name, err)
		}
		return nil
	}
	if err := placing(ctx); err != nil {
		return err
	}
	if err := t.fs.rename(ctx, p.Name, name); err != nil {
		return fmt.Errorf("snakefruit: promote %s to %s: %w", p.Name, name, err)
	}
	// Written between the check and the rename, it would carry another modification time
	// now: then what was renamed into place is not the checked click, and goes.
	st, err = t.fs.stat(ctx, name)
	if err != nil {
		return fmt.Errorf("snakefruit: promote %s: check %s: %w", p.Name, name, err)
	}
	if st.size != p.Size || !st.mtime.Equal(p.MTime) {
		if err := t.fs.remove(ctx, name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("snakefruit: promote %s: remove %s: %w", p.Name, name, err)
		}
		return fmt.Errorf("snakefruit: promote %s: %w (it changed as it was renamed)", p.Name, ErrPendingChanged)
	}
	return nil
}

// RemovePending removes id's pending upload; a missing one is fine. A pre-upload of id
// under way is stopped rather than waited for (ErrPendingBusy).
func (t *target) RemovePending(ctx context.Context, id string) error {
	name := PendingName(id)
	unlock, ok := t.names.lockOrStop(name)
	if !ok {
		return fmt.Errorf("snakefruit: remove %s: %w", name, ErrPendingBusy)
	}
	err := func() error {
		defer unlock()
		return t.fs.remove(ctx, name)
	}()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		// Not kept for Tidy: whoever asked retries it (the workflow queues it as a job).
		return fmt.Errorf("snakefruit: remove %s: %w", name, err)
	}
	return nil
}

// lockYielding locks key for a holder that gives way: anyone who comes for key while it
// holds or waits for it calls stop instead of waiting (lockOrStop), and if anyone holds or
// waits for key already, stop is called at once. The holder must then give key back
// promptly, without touching what key guards.
func (k *keyedMutex) lockYielding(key string, stop context.CancelFunc) (unlock func()) {
	k.mu.Lock()
	e := k.entry(key)
	first := e.refs == 0
	if first {
		e.stop = stop
	} else {
		stop()
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	release := k.release(key, e)
	return func() {
		if first {
			k.mu.Lock()
			e.stop = nil
			k.mu.Unlock()
		}
		release()
	}
}

// lockOrStop locks key unless a yielding holder holds or waits for it: that one is stopped
// instead, and ok is false. Otherwise it waits, as lock does, for holders that do not yield.
func (k *keyedMutex) lockOrStop(key string) (unlock func(), ok bool) {
	k.mu.Lock()
	e := k.entry(key)
	if e.stop != nil {
		e.stop()
		k.mu.Unlock()
		return nil, false
	}
	e.refs++
	k.mu.Unlock()
	e.mu.Lock()
	return k.release(key, e), true
}
