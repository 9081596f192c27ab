package workflow

import (
	"fmt"

	"stagebot"
	"stagebot/storage"
)

// Hold marks a request so that it is not locked even when its approvals are met (Prow's
// /hold). The requester or the landing team. An approved request whose lock has not
// started goes back to pending, keeping its approvals, and its lock job is dropped:
// pending is where a request waits, and Unhold re-approves it. Once the lock has started
// the hold is refused; !cancel is what remains.
func (s *Service) Hold(actor stagebot.Identity, idPrefix, reason string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actHold, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		if r.State == stagebot.StateApproved {
			started, err := lockStarted(tx, r)
			if err != nil {
				return "", err
			}
			if started {
				return "", stagebot.Errorf(stagebot.ECONFLICT, "[%s] cannot be held, too late: locking (!cancel %s remains)", r.ShortID(), r.ShortID())
			}
		}
		r.Hold = &stagebot.Hold{By: actor, Key: p.Key, At: s.now(), Reason: reason}
		what := r.Hold.Describe()
		backToPending := r.State == stagebot.StateApproved
		if backToPending {
			if err := s.endJobs(tx, r); err != nil {
				return "", err
			}
			if err := s.record(tx, r, stagebot.StatePending, p.Display(), what+"; back to pending, approvals kept"); err != nil {
				return "", err
			}
		} else if err := s.note(tx, r, p.Display(), "hold", what); err != nil {
			return "", err
		}
		text := line(r, "held", what+"; not locked until !unhold "+r.ShortID())
		a := stagebot.Announcement{At: s.now(), RequestID: r.ID, Word: "held", Text: text}
		if backToPending {
			// Back from approved: the line reports that transition too, so it carries the
			// state (every transition is announced once; the simulation checks it).
			a.State = stagebot.StatePending
		}
		if _, err := tx.Announce(a); err != nil {
			return "", err
		}
		return fmt.Sprintf("[%s] %s; not locked until !unhold %s", r.ShortID(), what, r.ShortID()), nil
	})
}

// Unhold lifts a hold. The requester or the landing team. A request whose policy is met is
// queued for locking at once, as the approval that met it would have.
func (s *Service) Unhold(actor stagebot.Identity, idPrefix string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actUnhold, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		was := r.Hold.Describe()
		r.Hold = nil
		if err := s.note(tx, r, p.Display(), "unhold", "unheld by "+p.Display()+" (was "+was+")"); err != nil {
			return "", err
		}
		if err := s.aside(tx, r, "unheld", "unheld by "+p.Display()); err != nil {
			return "", err
		}
		if r.State == stagebot.StatePending && r.PolicyMet(s.cfg.Policy) {
			if err := s.approve(tx, r, p.Display()); err != nil {
				return "", err
			}
			return fmt.Sprintf("[%s] unheld; approved and queued for locking", r.ShortID()), nil
		}
		if r.State == stagebot.StatePending {
			return fmt.Sprintf("[%s] unheld; still waiting for %s", r.ShortID(), s.missing(r)), nil
		}
		return fmt.Sprintf("[%s] unheld", r.ShortID()), nil
	})
}

// lockStarted reports whether r's lock job may already have touched snakefruit: the worker
// records FirstTry (and ListSeen) in bbolt before it does.
func lockStarted(tx *storage.Tx, r *stagebot.Request) (bool, error) {
	jobs, err := tx.Jobs()
	if err != nil {
		return false, err
	}
	for _, j := range jobs {
		if j.RequestID == r.ID && j.Kind == stagebot.JobLock && (j.ListSeen || !j.FirstTry.IsZero()) {
			return true, nil
		}
	}
	return false, nil
}
