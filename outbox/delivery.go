package outbox

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"stagebot"
)

// PendingTo returns up to limit events d has not taken yet, in order. A destination without
// a cursor gets nothing: KeepCursors starts it at the end of the outbox.
func (o *Outbox) PendingTo(d stagebot.Dest, limit int) ([]stagebot.Event, error) {
	var out []stagebot.Event
	err := o.db.View(func(tx *bolt.Tx) error {
		cur, ok := cursor(tx, d)
		if !ok {
			return nil
		}
		c := tx.Bucket(bucketEvents).Cursor()
		for k, v := c.Seek(itob(cur + 1)); k != nil && len(out) < limit; k, v = c.Next() {
			e, err := decodeEvent(v)
			if err != nil {
				return fmt.Errorf("decode event %d: %w", btoi(k), err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// decodeEvent reads a stored event. A record of an older version holds its announcement's
// words instead (Text, Word, RequestID), which decode into the same fields of the Event.
func decodeEvent(v []byte) (stagebot.Event, error) {
	var e stagebot.Event
	if err := json.Unmarshal(v, &e); err != nil {
		return e, err
	}
	if e.Word == stagebot.WordRequested {
		// Written before announcements said so themselves: a `requested` line always
		// asked for approval.
		e.AsksApproval = true
	}
	return e, nil
}

// DeliveredTo records that d took every event up to e, and, when e is about a request and
// ref is the network's handle of the message that carried it, that ref is about that
// request (RefRequest) and, if it is the first such message in d, the request's thread
// there (Thread). Events every cursor has passed are pruned. A cursor never moves back: a
// late or repeated report cannot replay events.
func (o *Outbox) DeliveredTo(d stagebot.Dest, e stagebot.Event, ref string) error {
	return o.db.Update(func(tx *bolt.Tx) error {
		if id := e.AboutRequest(); id != "" && ref != "" {
			if err := recordRef(tx, d, ref, id); err != nil {
				return err
			}
		}
		if cur, ok := cursor(tx, d); ok && cur >= e.Seq {
			return nil
		}
		if err := tx.Bucket(bucketCursors).Put(destKey(d), itob(e.Seq)); err != nil {
			return err
		}
		return prune(tx)
	})
}

func putJSON(b *bolt.Bucket, key []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put(key, data)
}
