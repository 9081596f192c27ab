package workflow

import (
	"stagebot"
	"stagebot/storage"
)

// Remind mentions the landing team again for each request pending longer than
// policy.remind_after since it was made or last reminded. It returns how many it reminded.
func (s *Service) Remind() (int, error) {
	every := s.cfg.Policy.RemindAfter
	if every <= 0 {
		return 0, nil
	}
	now := s.now()
	return s.eachPending(func(tx *storage.Tx, r *stagebot.Request) (bool, error) {
		last := r.Created
		if r.RemindedAt.After(last) {
			last = r.RemindedAt
		}
		if now.Sub(last) < every {
			return false, nil
		}
		r.RemindedAt = now
		if err := s.note(tx, r, "reminder", "remind", "still pending"); err != nil {
			return false, err
		}
		ev := stagebot.Event{Kind: stagebot.EventReminder, Age: now.Sub(r.Created)}
		s.asking(r, &ev)
		return true, s.aside(tx, r, ev)
	})
}

// eachPending runs fn on every pending request in one transaction and counts those it
// acted on (fn's true): the periodic sweeps over waiting requests (reminders, expiry).
func (s *Service) eachPending(fn func(tx *storage.Tx, r *stagebot.Request) (bool, error)) (int, error) {
	n := 0
	err := s.update(func(tx *storage.Tx) error {
		n = 0
		active, err := tx.Active()
		if err != nil {
			return err
		}
		for _, r := range active {
			if r.State != stagebot.StatePending {
				continue
			}
			acted, err := fn(tx, r)
			if err != nil {
				return err
			}
			if acted {
				n++
			}
		}
		return nil
	})
	return n, err
}
