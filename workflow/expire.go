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
	return s.eachPending(func(tx *storage.Tx, r *stagebot.Request) (bool, error) {
		if now.Sub(r.Created) < after {
			return false, nil
		}
		if err := s.endJobs(tx, r); err != nil {
			return false, err
		}
		r.Reason = ExpiredReason
		err := s.move(tx, r, stagebot.StateCancelled, stagebot.Event{Actor: "expiry", Why: stagebot.WhyExpired, Age: now.Sub(r.Created)})
		return err == nil, err
	})
}
