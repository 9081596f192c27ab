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
// (issue 15): `.stagebot-pending-<request id>`. It is never in the list; approval renames it
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

// Preupload streams r into id's pending file, makes it durable and checks what landed. r
// may be rewound and read again on a retry. The caller compares the result with what the
// click must be; Preupload only reports what is there.
func (t *target) Preupload(ctx context.Context, id string, r io.ReadSeeker) (Pending, error) {
	name := PendingName(id)
	if strings.ContainsAny(id, "/\x00\n") || id == "" {
		return Pending{}, permanentKindf(kindBadName, "snakefruit: invalid request id %q", id)
	}
	t.ops.RLock()
	defer t.ops.RUnlock()
	defer t.names.lock(name)()
	_, got, err := t.fs.writeFile(ctx, name, r)
	if err != nil {
		t.discard(ctx, name)
		return Pending{}, fmt.Errorf("snakefruit: pre-upload %s: %w", name, err)
	}
	st, err := t.fs.stat(ctx, name)
	if err != nil {
		return Pending{}, fmt.Errorf("snakefruit: pre-upload %s: %w", name, err)
	}
	if st.size != got.size {
		return Pending{}, kindf(kindLanded, "snakefruit: pre-upload %s: it changed while it was checked", name)
	}
	return Pending{Name: name, Size: got.size, SHA256: got.sha256, MTime: st.mtime}, nil
}

// Promote renames pending file p to name if it is still the file that was checked (same
// size and modification time), else returns ErrPendingChanged and renames nothing.
func (t *target) Promote(ctx context.Context, p Pending, name string) error {
	if err := t.checkName(name); err != nil {
		return err
	}
	if _, ok := PendingID(p.Name); !ok {
		return permanentKindf(kindBadName, "snakefruit: %q is not a pending upload", p.Name)
	}
	t.ops.RLock()
	defer t.ops.RUnlock()
	t.retryStale(ctx)
	defer t.names.lock(name)()
	defer t.names.lock(p.Name)()
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
	if err := t.fs.rename(ctx, p.Name, name); err != nil {
		return fmt.Errorf("snakefruit: promote %s to %s: %w", p.Name, name, err)
	}
	return nil
}

// RemovePending removes id's pending upload; a missing one is fine. One it could not
// remove is tried again by every later operation, as a temp file is.
func (t *target) RemovePending(ctx context.Context, id string) error {
	name := PendingName(id)
	t.ops.RLock()
	defer t.ops.RUnlock()
	err := func() error {
		defer t.names.lock(name)()
		return t.fs.remove(ctx, name)
	}()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.remember(name)
		return fmt.Errorf("snakefruit: remove %s: %w", name, err)
	}
	return nil
}
