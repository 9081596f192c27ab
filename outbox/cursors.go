package outbox

import (
	"bytes"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// destKey is d's key in the cursors bucket. A NUL cannot occur in an adapter's name or a
// channel's (IRC forbids it, Slack IDs are alphanumeric), so the key splits back
// unambiguously. An adapter's only destination (Channel "") is keyed by the adapter's name
// alone, the key of the one cursor each adapter had when cursors were per adapter.
func destKey(d stagebot.Dest) []byte {
	if d.Channel == "" {
		return []byte(d.Adapter)
	}
	return []byte(d.Adapter + "\x00" + d.Channel)
}

func destOf(k []byte) stagebot.Dest {
	a, ch, _ := bytes.Cut(k, []byte{0})
	return stagebot.Dest{Adapter: string(a), Channel: string(ch)}
}

func cursor(tx *bolt.Tx, d stagebot.Dest) (uint64, bool) {
	v := tx.Bucket(bucketCursors).Get(destKey(d))
	if v == nil {
		return 0, false
	}
	return btoi(v), true
}

// register gives d a cursor at the end of the outbox; an existing cursor is left alone. A
// channel of an adapter that still has a cursor of its own from when cursors were per
// adapter starts where that one stood, so an upgrade neither loses nor repeats an event.
func register(tx *bolt.Tx, d stagebot.Dest) error {
	if _, ok := cursor(tx, d); ok {
		return nil
	}
	at := tx.Bucket(bucketEvents).Sequence()
	if d.Channel != "" {
		if cur, ok := cursor(tx, stagebot.Dest{Adapter: d.Adapter}); ok {
			at = cur
		}
	}
	return tx.Bucket(bucketCursors).Put(destKey(d), itob(at))
}

// backlog counts the events d has not taken. The outbox's keys run without a gap from its
// first up to the bucket's sequence (Append takes the next sequence, a rolled-back
// transaction takes its sequence back with it, and prune deletes from the front only), and
// no cursor stands below the first key less one (prune keeps everything past the lowest),
// so the count is a subtraction.
func backlog(tx *bolt.Tx, d stagebot.Dest) int {
	cur, ok := cursor(tx, d)
	if !ok {
		return 0
	}
	last := tx.Bucket(bucketEvents).Sequence()
	if cur >= last {
		return 0
	}
	return int(last - cur)
}

// Backlogs counts, for each of dests, the events it has not taken, all from one
// transaction; 0 for a destination without a cursor.
func (o *Outbox) Backlogs(dests []stagebot.Dest) []int {
	out := make([]int, len(dests))
	_ = o.db.View(func(tx *bolt.Tx) error {
		for i, d := range dests {
			out[i] = backlog(tx, d)
		}
		return nil
	})
	return out
}

// KeepCursors makes the cursors exactly dests, before anything is delivered: each one
// missing starts at the end of the outbox (a channel new to the config does not get the
// bot's whole past), and every other is removed, since it would keep the outbox from ever
// being pruned and, should its channel come back, replay everything announced since.
// dropped says how many events each removed cursor had not taken. The outbox is then
// pruned up to the lowest cursor left.
func (o *Outbox) KeepCursors(dests []stagebot.Dest) (dropped map[stagebot.Dest]int, err error) {
	err = o.db.Update(func(tx *bolt.Tx) error {
		keep := make(map[string]bool, len(dests))
		for _, d := range dests {
			// Registered before anything is removed: a channel inherits its adapter's
			// cursor of old, which is about to go.
			if err := register(tx, d); err != nil {
				return err
			}
			keep[string(destKey(d))] = true
		}
		var gone []stagebot.Dest
		err := tx.Bucket(bucketCursors).ForEach(func(k, _ []byte) error {
			if !keep[string(k)] {
				gone = append(gone, destOf(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		dropped = make(map[stagebot.Dest]int, len(gone))
		for _, d := range gone {
			dropped[d] = backlog(tx, d)
			if err := tx.Bucket(bucketCursors).Delete(destKey(d)); err != nil {
				return err
			}
		}
		return prune(tx)
	})
	if err != nil {
		return nil, err
	}
	return dropped, nil
}

// prune deletes the events every cursor has passed. With no cursor left, nothing will ever
// deliver them: a destination registered later starts at the end of the outbox.
func prune(tx *bolt.Tx) error {
	low := tx.Bucket(bucketEvents).Sequence()
	err := tx.Bucket(bucketCursors).ForEach(func(_, v []byte) error {
		low = min(low, btoi(v))
		return nil
	})
	if err != nil {
		return err
	}
	c := tx.Bucket(bucketEvents).Cursor()
	for k, _ := c.First(); k != nil && btoi(k) <= low; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}
