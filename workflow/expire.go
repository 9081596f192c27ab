package workflow

import (
	"time"

	"stagebot"
	"stagebot/storage"
)

// ExpiredReason is the reason an expired request is cancelled with (contract section 4).
const ExpiredReason = "expired"

// Expire cancels every request still pending policy.expire_after after it was made, as a
// cancel would (its local copy goes with it). now is passed in, not read, so the caller's
// schedule and the deadline are judged by the same clock. It returns how many expired.
func (s *Service) Expire(now time.Time) (int, error) {
	after := s.cfg.Policy.ExpireAfter
	if after <= 0 {
		return 0, nil
	}
	n := 0
	err := s.update(func(tx *storage.Tx) error {
		n = 0
		active, err := tx.Active()
		if err != nil {
			return err
		}
		for _, r := range active {
			if r.State != stagebot.StatePending || now.Sub(r.Created) < after {
				continue
			}
			if err := s.endJobs(tx, r); err != nil {
				return err
			}
			r.Reason = ExpiredReason
			if err := s.move(tx, r, stagebot.StateCancelled, "expiry", ExpiredReason+": pending for "+stagebot.FormatDuration(now.Sub(r.Created))); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}
