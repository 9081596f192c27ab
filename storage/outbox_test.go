package storage

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"stagebot"
)

var stage = stagebot.Dest{Adapter: "irc", Channel: "#stage"}

func pending(t *testing.T, db *DB) []stagebot.Event {
	t.Helper()
	got, err := db.Outbox().PendingTo(stage, 100)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func signalled(db *DB) bool {
	select {
	case <-db.Outbox().Signal():
		return true
	default:
		return false
	}
}

// TestAnnounce: a transaction's events reach the outbox exactly when it commits, and the
// transaction knows which requests it announced something about, whichever way the event
// names its request.
func TestAnnounce(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	errFail := errors.New("the change failed")
	cases := []struct {
		name          string
		event         stagebot.Event
		fail          error
		wantAnnounced bool
		wantPending   int
	}{
		{"a typed event about a request", stagebot.Event{Kind: stagebot.EventState, Request: &stagebot.RequestRef{ID: id}}, nil, true, 1},
		{"an older version's record about a request", stagebot.Event{RequestID: id, Word: "held", Text: "[1a2b3c4d] held"}, nil, true, 1},
		{"an event about no request", stagebot.Event{Kind: stagebot.EventTick, ChannelWide: true}, nil, false, 1},
		{"about a request, in a change that fails", stagebot.Event{Kind: stagebot.EventState, Request: &stagebot.RequestRef{ID: id}}, errFail, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := openTest(t)
			if _, err := db.Outbox().KeepCursors([]stagebot.Dest{stage}); err != nil {
				t.Fatal(err)
			}
			var announced, other bool
			err := db.Update(func(tx *Tx) error {
				if _, err := tx.Announce(c.event); err != nil {
					return err
				}
				announced, other = tx.AnnouncedAbout(id), tx.AnnouncedAbout("another")
				if signalled(db) {
					t.Error("signalled before the transaction committed")
				}
				return c.fail
			})
			if !errors.Is(err, c.fail) {
				t.Fatalf("update: %v", err)
			}
			if announced != c.wantAnnounced || other {
				t.Errorf("AnnouncedAbout: %v for its request, %v for another; want %v, false", announced, other, c.wantAnnounced)
			}
			if got := pending(t, db); len(got) != c.wantPending {
				t.Fatalf("#stage pending %+v, want %d", got, c.wantPending)
			}
			if got := signalled(db); got != (c.wantPending > 0) {
				t.Errorf("signalled %v after the transaction, want %v", got, c.wantPending > 0)
			}
		})
	}
}

// TestOutboxSharesTheFile: the outbox is in the same file as the requests, survives a
// restart with its cursors, and reads in a read-only open.
func TestOutboxSharesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stagebot.db")
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Outbox().KeepCursors([]stagebot.Dest{stage}); err != nil {
		t.Fatal(err)
	}
	r := req("a0000000-0000-4000-8000-000000000001", "foo", "all", stagebot.StatePending, 1)
	mustUpdate(t, db, func(tx *Tx) error {
		if err := tx.PutRequest(r); err != nil {
			return err
		}
		_, err := tx.Announce(stagebot.Event{Kind: stagebot.EventState, State: r.State, At: time.Unix(1, 0), Request: r.Ref()})
		return err
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got := pending(t, db)
	if len(got) != 1 || got[0].AboutRequest() != r.ID {
		t.Fatalf("#stage pending %+v after a restart, want the event about %s", got, r.ID)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Beside a running bot (audit verification): the outbox reads, and writes nothing.
	ro, err := OpenReadOnly(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if got := pending(t, ro); len(got) != 1 {
		t.Errorf("read-only: #stage pending %+v, want 1", got)
	}
}
