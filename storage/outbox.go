package storage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"stagebot"
)

// destKey is d's key in the cursors bucket. A NUL cannot occur in an adapter's name or a
// channel's (IRC forbids it, Slack IDs are alphanumeric), so the key splits back
// unambiguously. An adapter's only destination (Channel "") is keyed by the adapter's name
// alone: the key every adapter's one cursor had before cursors were per channel.
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

// Announce appends an announcement to the outbox and returns its sequence number.
func (t *Tx) Announce(a stagebot.Event) (uint64, error) {
	b := t.b(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	a.Seq = seq
	if a.RequestID != "" {
		t.announced = append(t.announced, a.RequestID)
	}
	return seq, putJSON(b, itob(seq), a)
}

// AnnouncedAbout reports whether this transaction announced a line about request id.
func (t *Tx) AnnouncedAbout(id string) bool { return slices.Contains(t.announced, id) }

// PendingTo returns up to limit announcements d has not taken yet, in order. A destination
// not registered gets nothing: it starts at the end of the outbox when it is, so a channel
// added to the config does not replay the bot's whole past.
func (t *Tx) PendingTo(d stagebot.Dest, limit int) ([]stagebot.Event, error) {
	cur, ok := t.cursor(d)
	if !ok {
		return nil, nil
	}
	var out []stagebot.Event
	c := t.b(bucketOutbox).Cursor()
	for k, v := c.Seek(itob(cur + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var a stagebot.Event
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("decode announcement %d: %w", btoi(k), err)
		}
		if a.Word == stagebot.WordRequested {
			// Written before announcements said so themselves: a `requested` line
			// always asked for approval.
			a.AsksApproval = true
		}
		out = append(out, a)
	}
	return out, nil
}

// Register gives d a cursor at the end of the outbox; an existing cursor is left alone. A
// channel of an adapter that still has its cursor from before cursors were per channel
// starts where that one stood, so an upgrade neither loses nor repeats a line.
func (t *Tx) Register(d stagebot.Dest) error {
	if _, ok := t.cursor(d); ok {
		return nil
	}
	at := t.b(bucketOutbox).Sequence()
	if d.Channel != "" {
		if cur, ok := t.cursor(stagebot.Dest{Adapter: d.Adapter}); ok {
			at = cur
		}
	}
	return t.b(bucketCursors).Put(destKey(d), itob(at))
}

// DeliveredTo advances d's cursor to seq and drops the announcements every destination has
// taken. A cursor never moves back: a late or repeated report cannot replay lines.
func (t *Tx) DeliveredTo(d stagebot.Dest, seq uint64) error {
	if cur, ok := t.cursor(d); ok && cur >= seq {
		return nil
	}
	if err := t.b(bucketCursors).Put(destKey(d), itob(seq)); err != nil {
		return err
	}
	return t.prune()
}

// BacklogOf counts the announcements d has not taken.
func (t *Tx) BacklogOf(d stagebot.Dest) int {
	cur, ok := t.cursor(d)
	if !ok {
		return 0
	}
	n := 0
	c := t.b(bucketOutbox).Cursor()
	for k, _ := c.Seek(itob(cur + 1)); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

// RegisterAdapter, Pending, Delivered and Backlog are the same for an adapter's only
// destination (Channel "").
func (t *Tx) RegisterAdapter(adapter string) error {
	return t.Register(stagebot.Dest{Adapter: adapter})
}

func (t *Tx) Pending(adapter string, limit int) ([]stagebot.Event, error) {
	return t.PendingTo(stagebot.Dest{Adapter: adapter}, limit)
}

func (t *Tx) Delivered(adapter string, seq uint64) error {
	return t.DeliveredTo(stagebot.Dest{Adapter: adapter}, seq)
}

func (t *Tx) Backlog(adapter string) int { return t.BacklogOf(stagebot.Dest{Adapter: adapter}) }

// KeepCursors makes the cursors exactly dests: each one missing is registered, and every
// other is removed, with, for each removed, how many announcements it had not taken. A
// destination taken out of the config would otherwise pin the outbox for good (nothing is
// pruned past its cursor), and put back later it would replay everything since. The outbox
// is then pruned up to the lowest cursor left.
func (t *Tx) KeepCursors(dests []stagebot.Dest) (dropped map[stagebot.Dest]int, err error) {
	keep := make(map[string]bool, len(dests))
	for _, d := range dests {
		// Registered before anything is removed: a channel inherits its adapter's cursor
		// of old, which is about to go.
		if err := t.Register(d); err != nil {
			return nil, err
		}
		keep[string(destKey(d))] = true
	}
	var gone []stagebot.Dest
	err = t.b(bucketCursors).ForEach(func(k, _ []byte) error {
		if !keep[string(k)] {
			gone = append(gone, destOf(k))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dropped = make(map[stagebot.Dest]int, len(gone))
	for _, d := range gone {
		dropped[d] = t.BacklogOf(d)
		if err := t.b(bucketCursors).Delete(destKey(d)); err != nil {
			return nil, err
		}
	}
	return dropped, t.prune()
}

// prune deletes the announcements every cursor has passed. With no cursor left, nothing
// will ever deliver them: a destination registered later starts at the end of the outbox.
func (t *Tx) prune() error {
	low := t.b(bucketOutbox).Sequence()
	err := t.b(bucketCursors).ForEach(func(_, v []byte) error {
		low = min(low, btoi(v))
		return nil
	})
	if err != nil {
		return err
	}
	c := t.b(bucketOutbox).Cursor()
	for k, _ := c.First(); k != nil && btoi(k) <= low; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return err
		}
	}
	return nil
}

// Cursors returns every destination's cursor: the last announcement it took.
func (t *Tx) Cursors() map[stagebot.Dest]uint64 {
	out := map[stagebot.Dest]uint64{}
	_ = t.b(bucketCursors).ForEach(func(k, v []byte) error {
		out[destOf(k)] = btoi(v)
		return nil
	})
	return out
}

// OutboxLen counts the announcements kept in the outbox.
func (t *Tx) OutboxLen() int {
	// Not Bucket.Stats: it reads committed pages and misses this transaction's own writes.
	n := 0
	c := t.b(bucketOutbox).Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	return n
}

func (t *Tx) cursor(d stagebot.Dest) (uint64, bool) {
	v := t.b(bucketCursors).Get(destKey(d))
	if v == nil {
		return 0, false
	}
	return btoi(v), true
}
