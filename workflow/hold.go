package workflow

import (
	"stagebot"
	"stagebot/storage"
)

// Hold marks a request so that it is not locked even when its approvals are met. The
// requester or the landing team may hold. An approved request whose lock has not started
// goes back to pending, keeping its approvals, and its lock job is dropped: pending is
// where a request waits, and Unhold re-approves it. Once the lock has started the hold is
// refused; !cancel is what remains.
func (s *Service) Hold(actor stagebot.Identity, idPrefix, reason string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actHold, p, r, s.cfg.Policy); err != nil {
			return err
		}
		if r.State == stagebot.StateApproved {
			started, err := lockStarted(tx, r)
			if err != nil {
				return err
			}
			if started {
				// Locking already: the State of an approved request says so.
				return &stagebot.Refusal{Code: stagebot.ECONFLICT, Reason: stagebot.ReasonTooLateHold, Action: actHold,
					Who: p.Display(), Request: r.Ref(), State: r.State}
			}
		}
		r.Hold = &stagebot.Hold{By: actor, Key: p.Key, At: s.now(), Reason: reason}
		out.Kind, out.Actor = stagebot.OutcomeHeld, p.Display()
		ev := stagebot.Event{Kind: stagebot.EventHeld, Actor: p.Display(), Reason: reason}
		if r.State == stagebot.StateApproved {
			// Back from approved to pending: the event reports that transition too, so it
			// carries the state (every transition is announced once; the simulation
			// checks it).
			if err := s.endJobs(tx, r); err != nil {
				return err
			}
			rec := ev
			rec.Why = stagebot.WhyHeldBack
			if err := s.record(tx, r, stagebot.StatePending, rec); err != nil {
				return err
			}
			ev.State, ev.Why = stagebot.StatePending, stagebot.WhyHeldBack
		} else if err := s.note(tx, r, p.Display(), "hold", "held by "+p.Display()); err != nil {
			return err
		}
		return s.aside(tx, r, ev)
	})
}

// Unhold lifts a hold. The requester or the landing team. A request whose policy is met is
// queued for locking at once, as the approval that met it would have.
func (s *Service) Unhold(actor stagebot.Identity, idPrefix string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actUnhold, p, r, s.cfg.Policy); err != nil {
			return err
		}
		was := r.Hold.Display()
		r.Hold = nil
		if err := s.note(tx, r, p.Display(), "unhold", "unheld by "+p.Display()+" (held by "+was+")"); err != nil {
			return err
		}
		if err := s.aside(tx, r, stagebot.Event{Kind: stagebot.EventUnheld, Actor: p.Display()}); err != nil {
			return err
		}
		out.Actor, out.Missing = p.Display(), s.cfg.Policy.Missing(r)
		switch {
		case r.State == stagebot.StatePending && out.Missing.Nothing():
			out.Kind = stagebot.OutcomeUnheldApproved
			return s.approve(tx, r, p.Display(), stagebot.WhyUnheld)
		case r.State == stagebot.StatePending:
			out.Kind = stagebot.OutcomeUnheldWaiting
		default:
			out.Kind = stagebot.OutcomeUnheld
		}
		return nil
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
