package storage

import (
	"slices"

	"stagebot"
)

// Announce appends an event to the outbox in this transaction and returns its sequence
// number: the channels hear of the change exactly when it commits.
func (t *Tx) Announce(e stagebot.Event) (uint64, error) {
	seq, err := t.outbox.Append(t.tx, e)
	if err != nil {
		return 0, err
	}
	if id := e.AboutRequest(); id != "" {
		t.announced = append(t.announced, id)
	}
	return seq, nil
}

// AnnouncedAbout reports whether this transaction announced an event about request id.
func (t *Tx) AnnouncedAbout(id string) bool { return slices.Contains(t.announced, id) }
