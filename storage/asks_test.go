package storage

import (
	"testing"

	"stagebot"
)

// TestOutboxAsksApprovalOfOlderLines: a `requested` line written before announcements said
// whether they ask for approval still asks once read back (an adapter remembers it for
// reactions); other lines do not.
func TestOutboxAsksApprovalOfOlderLines(t *testing.T) {
	db := openTest(t)
	older := map[uint64]string{
		1: `{"seq":1,"request_id":"r1","word":"requested","state":"pending","text":"[r1] x requested"}`,
		2: `{"seq":2,"request_id":"r1","word":"held","state":"pending","text":"[r1] x held"}`,
	}
	err := db.Update(func(tx *Tx) error {
		if err := tx.RegisterAdapter("irc"); err != nil {
			return err
		}
		b := tx.b(bucketOutbox)
		for seq, raw := range older {
			if err := b.Put(itob(seq), []byte(raw)); err != nil {
				return err
			}
		}
		return b.SetSequence(2)
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []stagebot.Event
	db.View(func(tx *Tx) error {
		got, err = tx.Pending("irc", 10)
		return err
	})
	if err != nil || len(got) != 2 || !got[0].AsksApproval || got[1].AsksApproval {
		t.Fatalf("read back %+v (%v); want the requested line alone asking for approval", got, err)
	}
}
