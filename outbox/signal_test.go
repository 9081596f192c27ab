package outbox

import (
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// TestAppendRolledBack: events appended in a transaction that fails are not kept, take no
// sequence number, and wake nobody: the channels hear of a change only if it happened.
func TestAppendRolledBack(t *testing.T) {
	errFail := errors.New("the change failed")
	cases := []struct {
		name string
		fail func(tx *bolt.Tx) error
	}{
		{"the change returns an error", func(*bolt.Tx) error { return errFail }},
		{"the change panics", func(*bolt.Tx) error { panic(errFail) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			keep(t, o, stage)
			func() {
				defer func() { _ = recover() }()
				err := o.db.Update(func(tx *bolt.Tx) error {
					for range 3 {
						if _, err := o.Append(tx, stagebot.Event{Kind: stagebot.EventState, Request: about("r1")}); err != nil {
							return err
						}
					}
					return c.fail(tx)
				})
				if !errors.Is(err, errFail) {
					t.Fatalf("update: %v", err)
				}
			}()
			if signalled(o) {
				t.Error("a rolled-back append signalled")
			}
			if got := seqs(t, o, stage); len(got) != 0 {
				t.Errorf("#stage pending %v after a rollback", got)
			}
			if n := o.Backlogs([]stagebot.Dest{stage})[0]; n != 0 {
				t.Errorf("#stage backlog %d after a rollback", n)
			}
			appendN(t, o, 1)
			if got := seqs(t, o, stage); len(got) != 1 || got[0] != 1 {
				t.Errorf("the next append got %v, want sequence 1", got)
			}
		})
	}
}

// TestSignalAfterCommit: Signal fires once a transaction that appended commits, not
// before, and a reader it wakes finds the events: it never wakes to an empty outbox and
// goes back to sleep on an event.
func TestSignalAfterCommit(t *testing.T) {
	cases := []struct {
		name   string
		events int
	}{
		{"one event", 1},
		{"several in one transaction", 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			keep(t, o, stage)
			found := make(chan int)
			go func() {
				<-o.Signal()
				got, err := o.PendingTo(stage, 100)
				if err != nil {
					t.Error(err)
				}
				found <- len(got)
			}()
			err := o.db.Update(func(tx *bolt.Tx) error {
				for range c.events {
					if _, err := o.Append(tx, stagebot.Event{Kind: stagebot.EventTick}); err != nil {
						return err
					}
				}
				if signalled(o) {
					t.Error("signalled before the transaction committed")
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case n := <-found:
				if n != c.events {
					t.Errorf("the woken reader found %d events, want %d", n, c.events)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no signal after the commit")
			}
		})
	}
}
