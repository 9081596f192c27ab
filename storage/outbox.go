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
	low := seq
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
