package outbox

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

var (
	stage   = stagebot.Dest{Adapter: "irc", Channel: "#stage"}
	quiet   = stagebot.Dest{Adapter: "irc", Channel: "#quiet"}
	gone    = stagebot.Dest{Adapter: "irc", Channel: "#gone"}
	slackC1 = stagebot.Dest{Adapter: "slack", Channel: "C1"}
	slackC2 = stagebot.Dest{Adapter: "slack", Channel: "C2"}
	console = stagebot.Dest{Adapter: "console"}
)

// openBolt opens a bbolt file at path, as storage does for the bot.
func openBolt(t *testing.T, path string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openAt opens the outbox of the file at path.
func openAt(t *testing.T, path string) *Outbox {
	t.Helper()
	o, err := Open(openBolt(t, path))
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func openTest(t *testing.T) *Outbox {
	t.Helper()
	return openAt(t, filepath.Join(t.TempDir(), "stagebot.db"))
}

// appendEvents appends es in one committed transaction.
func appendEvents(t *testing.T, o *Outbox, es ...stagebot.Event) {
	t.Helper()
	err := o.db.Update(func(tx *bolt.Tx) error {
		for _, e := range es {
			if _, err := o.Append(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// appendN appends n events about no request.
func appendN(t *testing.T, o *Outbox, n int) {
	t.Helper()
	for i := range n {
		appendEvents(t, o, stagebot.Event{Kind: stagebot.EventTick, Cause: fmt.Sprint("event ", i)})
	}
}

func keep(t *testing.T, o *Outbox, dests ...stagebot.Dest) map[stagebot.Dest]int {
	t.Helper()
	dropped, err := o.KeepCursors(dests)
	if err != nil {
		t.Fatal(err)
	}
	return dropped
}

func delivered(t *testing.T, o *Outbox, d stagebot.Dest, seq uint64) {
	t.Helper()
	if err := o.DeliveredTo(d, stagebot.Event{Seq: seq}, ""); err != nil {
		t.Fatal(err)
	}
}

// seqs are the sequence numbers d has yet to take.
func seqs(t *testing.T, o *Outbox, d stagebot.Dest) []uint64 {
	t.Helper()
	got, err := o.PendingTo(d, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	var out []uint64
	for _, e := range got {
		out = append(out, e.Seq)
	}
	return out
}

// stored are the sequence numbers the outbox keeps.
func stored(t *testing.T, o *Outbox) []uint64 {
	t.Helper()
	var out []uint64
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketEvents).ForEach(func(k, _ []byte) error {
			out = append(out, btoi(k))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func cursors(t *testing.T, o *Outbox) map[stagebot.Dest]uint64 {
	t.Helper()
	out := map[stagebot.Dest]uint64{}
	err := o.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCursors).ForEach(func(k, v []byte) error {
			out[destOf(k)] = btoi(v)
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// signalled reports, without waiting, whether a signal is pending.
func signalled(o *Outbox) bool {
	select {
	case <-o.Signal():
		return true
	default:
		return false
	}
}
