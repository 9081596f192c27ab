package workflow

import (
	"stagebot"
	"stagebot/storage"
)

// The outbox as the chat side reads it: one cursor per channel of each adapter. These
// transactions change no request, so they neither take the service lock nor wake the worker
// and the announcers: a delivery that woke the announcers would only have them look again.

// KeepCursors makes the outbox cursors exactly dests, before anything can announce. A
// channel new to the config starts at the end of the outbox, not at the bot's whole past;
// the cursor of a channel (or adapter) the config no longer has is removed, since it would
// keep the outbox from ever being pruned and, should the channel come back, replay everything
// announced since. dropped says how many announcements each removed cursor had not taken.
func (s *Service) KeepCursors(dests []stagebot.Dest) (dropped map[stagebot.Dest]int, err error) {
	err = s.cfg.DB.Update(func(tx *storage.Tx) error {
		var err error
		dropped, err = tx.KeepCursors(dests)
		return err
	})
	return dropped, err
}

// PendingTo returns up to limit announcements d has not taken yet, in order; none for a
// destination without a cursor.
func (s *Service) PendingTo(d stagebot.Dest, limit int) ([]stagebot.Event, error) {
	var out []stagebot.Event
	err := s.view(func(tx *storage.Tx) error {
		var err error
		out, err = tx.PendingTo(d, limit)
		return err
	})
	return out, err
}

// DeliveredTo records that d took every announcement up to seq.
func (s *Service) DeliveredTo(d stagebot.Dest, seq uint64) error {
	return s.cfg.DB.Update(func(tx *storage.Tx) error { return tx.DeliveredTo(d, seq) })
}

// Backlogs counts, for each of dests, the announcements it has not taken, all from one
// transaction.
func (s *Service) Backlogs(dests []stagebot.Dest) []int {
	out := make([]int, len(dests))
	_ = s.view(func(tx *storage.Tx) error {
		for i, d := range dests {
			out[i] = tx.BacklogOf(d)
		}
		return nil
	})
	return out
}

// RememberRef records that the network's message ref announced requestID, so that reactions
// to it can be traced back (ResolveRef).
func (s *Service) RememberRef(network, ref, requestID string) error {
	return s.cfg.DB.Update(func(tx *storage.Tx) error { return tx.SetRef(network, ref, requestID) })
}
