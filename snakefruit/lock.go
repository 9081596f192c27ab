package snakefruit

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// LockSpec describes one click to lock.
type LockSpec struct {
	Filename string // name_version_arch.click, as it will be named in the folder and the list
	Src      string // local path of the click
	Size     int64
	SHA256   string // hex
	// Replaces is the older filename of the same name and arch that the bot owns, or "".
	// Only pass a file the bot put there: Lock removes it.
	Replaces string
	// Claim, when set, runs after the upload and before the list is touched; an error
	// stops the lock there. It lets the caller check that the lock is still wanted before
	// the one step people see.
	Claim func(ctx context.Context) error
	// KeepReplaced leaves Replaces' file in the folder (its line is still replaced): the
	// caller removes it once the lock is recorded, so that a lock overtaken after its list
	// edit can still put the older line back without uploading the older file again.
	KeepReplaced bool
	// Pending, when set, is the click's pre-upload as it was checked: Lock renames it into
	// place instead of uploading Src. If it is no longer that file (removed or changed
	// behind the bot's back) it is removed and Src uploaded as without it; it is never
	// renamed blindly.
	Pending *Pending
	// Changed hears why Pending could not be used (for the caller's log).
	Changed func(err error)
	// Placing, when set, runs right before the click is renamed into place, whether
	// uploaded or promoted from its pre-upload, and never when a file of the same bytes is
	// there already: the caller records the file as its own from what the placing sees,
	// before anyone can see it, not from an earlier look a person may have changed since.
	// An error stops the lock there, nothing placed.
	Placing func(ctx context.Context) error
	// Listed, when set, hears from inside the list edit, before anything is written,
	// whether the list already names Filename: the caller records whose the line is from
	// what the edit sees, not from an earlier look a person may have changed since, and
	// answers whether it is the caller's own. The edit leaves exactly one of the caller's
	// own line (a copy a person made is collapsed, as Reconcile does), and a person's as it
	// is. It runs again each time the edit is redone; an error stops the lock there.
	Listed func(ctx context.Context, already bool) (own bool, err error)
}

// Lock makes s.Filename locked: the file in the folder, then its line in the list (in place of
// Replaces' line, or appended), then Replaces' file removed. Each step is idempotent and the
// order means that a crash at any point leaves nothing a repeat of Lock does not finish: the
// list never names a file that is not there yet, and the older file goes only after its line.
func Lock(ctx context.Context, t Target, s LockSpec) error {
	if err := place(ctx, t, s); err != nil {
		return err
	}
	if s.Claim != nil {
		if err := s.Claim(ctx); err != nil {
			return err
		}
	}
	err := t.EditList(ctx, func(lines []string) ([]string, error) {
		if s.Listed != nil {
			own, err := s.Listed(ctx, slices.Contains(lines, s.Filename))
			if err != nil {
				return nil, err
			}
			if own {
				lines = DedupeLines(lines, []string{s.Filename})
			}
		}
		return ReplaceOrAppend(lines, s.Filename, s.Replaces), nil
	})
	if err != nil {
		return fmt.Errorf("snakefruit: lock %s: %w", s.Filename, err)
	}
	if s.Replaces != "" && s.Replaces != s.Filename && !s.KeepReplaced {
		if err := t.Remove(ctx, s.Replaces); err != nil {
			return fmt.Errorf("snakefruit: lock %s: remove superseded: %w", s.Filename, err)
		}
	}
	return nil
}

// Unlock takes filename off the list (every copy of its line), then removes the file, so the
// list never names a file that is gone. Repeating it is harmless.
func Unlock(ctx context.Context, t Target, filename string) error {
	if err := Unlist(ctx, t, filename); err != nil {
		return err
	}
	if err := t.Remove(ctx, filename); err != nil {
		return fmt.Errorf("snakefruit: unlock %s: %w", filename, err)
	}
	return nil
}

// Unlist takes filename off the list (every copy of its line) and leaves its file: for a
// file that is not the caller's to remove.
func Unlist(ctx context.Context, t Target, filename string) error {
	err := t.EditList(ctx, func(lines []string) ([]string, error) {
		return RemoveLine(lines, filename), nil
	})
	if err != nil {
		return fmt.Errorf("snakefruit: unlock %s: %w", filename, err)
	}
	return nil
}

// place puts the click in the folder: its checked pre-upload renamed into place, or else
// an upload of Src.
func place(ctx context.Context, t Target, s LockSpec) error {
	if s.Placing != nil {
		ctx = context.WithValue(ctx, placingKey{}, s.Placing)
	}
	if p := s.Pending; p != nil && p.Size == s.Size && strings.EqualFold(p.SHA256, s.SHA256) {
		err := t.Promote(ctx, *p, s.Filename)
		if err == nil {
			return nil
		}
		if !errors.Is(err, ErrPendingChanged) {
			return err
		}
		if s.Changed != nil {
			s.Changed(err)
		}
		// A pre-upload still writing it removes it itself as it stops.
		if id, ok := PendingID(p.Name); ok {
			if err := t.RemovePending(ctx, id); err != nil && !errors.Is(err, ErrPendingBusy) {
				return err
			}
		}
	}
	return t.Put(ctx, s.Filename, s.Src, s.Size, s.SHA256)
}

// placingKey carries LockSpec.Placing from Lock to the target's Put and Promote, through
// whatever wraps the target (a test's fault injection) without widening Target.
type placingKey struct{}

// placing runs the Placing hook ctx carries, if any.
func placing(ctx context.Context) error {
	if fn, ok := ctx.Value(placingKey{}).(func(context.Context) error); ok {
		return fn(ctx)
	}
	return nil
}
