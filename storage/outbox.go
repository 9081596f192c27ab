package storage

import (
	"encoding/json"
	"fmt"

	"stagebot"
)

// Announce appends an announcement to the outbox and returns its sequence number.
func (t *Tx) Announce(a stagebot.Announcement) (uint64, error) {
	b := t.b(bucketOutbox)
	seq, err := b.NextSequence()
	if err != nil {
		return 0, err
	}
	a.Seq = seq
	return seq, putJSON(b, itob(seq), a)
}

// Pending returns up to limit announcements an adapter has not delivered yet, in order.
// An adapter seen for the first time starts at the current end of the outbox: a new network
// added to the config does not replay the bot's whole past.
func (t *Tx) Pending(adapter string, limit int) ([]stagebot.Announcement, error) {
	cur, ok := t.cursor(adapter)
	if !ok {
		return nil, nil
	}
	var out []stagebot.Announcement
	c := t.b(bucketOutbox).Cursor()
	for k, v := c.Seek(itob(cur + 1)); k != nil && len(out) < limit; k, v = c.Next() {
		var a stagebot.Announcement
		if err := json.Unmarshal(v, &a); err != nil {
			return nil, fmt.Errorf("decode announcement %d: %w", btoi(k), err)
		}
		out = append(out, a)
	}
	return out, nil
}

// RegisterAdapter gives a new adapter a cursor at the end of the outbox; existing cursors
// are left alone.
func (t *Tx) RegisterAdapter(adapter string) error {
	if _, ok := t.cursor(adapter); ok {
		return nil
	}
	return t.b(bucketCursors).Put([]byte(adapter), itob(t.b(bucketOutbox).Sequence()))
}

// Delivered advances an adapter's cursor past seq and drops announcements every adapter
// has delivered.
func (t *Tx) Delivered(adapter string, seq uint64) error {
	if err := t.b(bucketCursors).Put([]byte(adapter), itob(seq)); err != nil {
		return err
	}
	return t.prune()
}

// DropCursorsExcept removes the cursor of every adapter not in names and returns, for each
// one dropped, how many announcements it had not delivered. An adapter taken out of the
// config would otherwise pin the outbox for good (nothing is pruned past its cursor), and
// put back later it would replay everything since. The outbox is then pruned up to the
// lowest cursor left.
func (t *Tx) DropCursorsExcept(names []string) (dropped map[string]int, err error) {
	keep := make(map[string]bool, len(names))
	for _, n := range names {
		keep[n] = true
	}
	var gone []string
	err = t.b(bucketCursors).ForEach(func(k, _ []byte) error {
		if !keep[string(k)] {
			gone = append(gone, string(k))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	dropped = make(map[string]int, len(gone))
	for _, name := range gone {
		dropped[name] = t.Backlog(name)
		if err := t.b(bucketCursors).Delete([]byte(name)); err != nil {
			return nil, err
		}
	}
	if len(gone) == 0 {
		return dropped, nil
	}
	return dropped, t.prune()
}

// prune deletes the announcements every cursor has passed. With no cursor left, nothing
// will ever deliver them: an adapter registered later starts at the end of the outbox.
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

// Cursors returns every adapter's cursor: the last announcement it delivered.
func (t *Tx) Cursors() map[string]uint64 {
	out := map[string]uint64{}
	_ = t.b(bucketCursors).ForEach(func(k, v []byte) error {
		out[string(k)] = btoi(v)
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

// Backlog counts announcements an adapter has not delivered.
func (t *Tx) Backlog(adapter string) int {
	cur, ok := t.cursor(adapter)
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

func (t *Tx) cursor(adapter string) (uint64, bool) {
	v := t.b(bucketCursors).Get([]byte(adapter))
	if v == nil {
		return 0, false
	}
	return btoi(v), true
}
