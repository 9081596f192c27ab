package workflow

import (
	"slices"

	"stagebot"
	"stagebot/storage"
)

// withRequest resolves an ID prefix and runs fn on the request inside one transaction; fn
// says what it did (Outcome.Kind and what the kind needs).
func (s *Service) withRequest(idPrefix string, fn func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error) (*stagebot.Outcome, error) {
	var out stagebot.Outcome
	err := s.update(func(tx *storage.Tx) error {
		r, err := tx.FindRequest(idPrefix)
		if err != nil {
			return err
		}
		out = stagebot.Outcome{}
		if err := fn(tx, r, &out); err != nil {
			return err
		}
		out.Request, out.Announced = r, tx.AnnouncedAbout(r.ID)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Approve records one landing-team approval on the click's current bytes. When the policy is
// met the request becomes approved and a lock job is queued with it.
func (s *Service) Approve(actor stagebot.Identity, idPrefix string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actApprove, p, r, s.cfg.Policy); err != nil {
			return err
		}
		r.Approvals = append(r.Approvals, stagebot.Approval{By: actor, Key: p.Key, Keys: p.Keys(), At: s.now(), SHA256: r.SHA256})
		return s.afterSignoff(tx, r, p, actApprove, out)
	})
}

// Withdraw takes back a person's approval before the click is locked (a removed reaction).
func (s *Service) Withdraw(actor stagebot.Identity, idPrefix string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actWithdraw, p, r, s.cfg.Policy); err != nil {
			return err
		}
		keys := p.Keys()
		r.Approvals = slices.DeleteFunc(r.Approvals, func(a stagebot.Approval) bool { return a.SamePerson(keys) })
		if err := s.note(tx, r, p.Display(), "withdraw", "approval withdrawn"); err != nil {
			return err
		}
		out.Kind, out.Actor = stagebot.OutcomeWithdrawn, p.Display()
		if r.State != stagebot.StatePending && !r.PolicyMet(s.cfg.Policy) {
			if err := s.endJobs(tx, r); err != nil {
				return err
			}
			return s.move(tx, r, stagebot.StatePending, stagebot.Event{Actor: p.Display(), Why: stagebot.WhyWithdrawn})
		}
		return nil
	})
}

// QA records a QA sign-off.
func (s *Service) QA(actor stagebot.Identity, idPrefix string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actQA, p, r, s.cfg.Policy); err != nil {
			return err
		}
		r.QASignoff = &stagebot.Approval{By: actor, Key: p.Key, Keys: p.Keys(), At: s.now(), SHA256: r.SHA256}
		return s.afterSignoff(tx, r, p, actQA, out)
	})
}

// afterSignoff moves r to approved when the policy is met, else records and announces the
// progress. act is actApprove or actQA.
func (s *Service) afterSignoff(tx *storage.Tx, r *stagebot.Request, p stagebot.Person, act action, out *stagebot.Outcome) error {
	out.Actor, out.Missing = p.Display(), s.cfg.Policy.Missing(r)
	if !out.Missing.Nothing() {
		out.Kind = stagebot.OutcomeSignoffRecorded
		if err := s.note(tx, r, p.Display(), string(act), string(act)+" by "+p.Display()); err != nil {
			return err
		}
		m := out.Missing
		ev := stagebot.Event{Kind: stagebot.EventProgress, Actor: p.Display(), Missing: &m, By: s.approvers(r)}
		if act == actQA {
			ev.QA = p.Display()
		}
		return s.aside(tx, r, ev)
	}
	if r.Hold != nil {
		// The approval counts; the hold alone keeps it from the worker, and an unhold
		// queues it.
		out.Kind = stagebot.OutcomeSignoffHeld
		return s.note(tx, r, p.Display(), string(act), string(act)+" by "+p.Display()+"; held by "+r.Hold.Display())
	}
	out.Kind = stagebot.OutcomeApproved
	return s.approve(tx, r, p.Display(), stagebot.WhyApproved)
}

// approvers are r's approvers as shown.
func (s *Service) approvers(r *stagebot.Request) []string {
	var by []string
	for _, a := range r.ValidApprovals() {
		by = append(by, a.Display())
	}
	return by
}

func (s *Service) approve(tx *storage.Tx, r *stagebot.Request, actor string, why stagebot.Why) error {
	ev := stagebot.Event{Actor: actor, Why: why, By: s.approvers(r)}
	if r.QASignoff != nil && s.cfg.Policy.QASignoff {
		ev.QA = r.QASignoff.Display()
	}
	if err := s.move(tx, r, stagebot.StateApproved, ev); err != nil {
		return err
	}
	return s.enqueue(tx, stagebot.JobLock, r, false)
}

// Reject ends a request that is not on snakefruit. Landing team only.
func (s *Service) Reject(actor stagebot.Identity, idPrefix, reason string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actReject, p, r, s.cfg.Policy); err != nil {
			return err
		}
		if err := s.endJobs(tx, r); err != nil {
			return err
		}
		r.Reason = reason
		out.Kind, out.Actor = stagebot.OutcomeRejected, p.Display()
		return s.move(tx, r, stagebot.StateRejected, stagebot.Event{Actor: p.Display(), Why: stagebot.WhyRejected, Reason: reason})
	})
}

// Cancel ends a request. The requester or the landing team. A click on snakefruit is taken
// off the list by an unlock job queued in the same transaction, as far as its line and file
// are the bot's; the event says which.
func (s *Service) Cancel(actor stagebot.Identity, idPrefix, reason string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actCancel, p, r, s.cfg.Policy); err != nil {
			return err
		}
		if r.State == stagebot.StatePromoted {
			// A publication under way cannot be called back from the store.
			if j, queued, err := tx.JobFor(r.ID); err != nil {
				return err
			} else if queued && j.Kind == stagebot.JobPublish && !j.FirstTry.IsZero() {
				return &stagebot.Refusal{Code: stagebot.ECONFLICT, Reason: stagebot.ReasonBeingPublished, Action: actCancel,
					Who: p.Display(), Request: r.Ref(), State: r.State}
			}
		}
		wasOn := r.State.OnSnakefruit()
		if err := s.endJobs(tx, r); err != nil {
			return err
		}
		r.Reason = reason
		ev := stagebot.Event{Actor: p.Display(), Why: stagebot.WhyCancelled, Reason: reason}
		// What the unlock will do, as it will decide it (a person's line stays, and so
		// does a file the bot did not put there).
		if wasOn {
			plan, err := planRemoval(tx, r, r.PersonsLine)
			if err != nil {
				return err
			}
			ev.Removal, ev.Other = plan.kind, plan.other.Ref()
			if plan.line {
				if ev.Before, err = leftBare(tx, r); err != nil {
					return err
				}
			}
		}
		out.Kind, out.Actor, out.Removal, out.Before = stagebot.OutcomeCancelled, p.Display(), ev.Removal, ev.Before
		if err := s.move(tx, r, stagebot.StateCancelled, ev); err != nil {
			return err
		}
		if wasOn {
			return s.enqueue(tx, stagebot.JobUnlock, r, false)
		}
		return nil
	})
}

// leftBare is the version r superseded when taking r's line off leaves its package with
// nothing on snakefruit, or nil: the older version is gone, and a cancel does not bring it
// back by itself.
func leftBare(tx *storage.Tx, r *stagebot.Request) (*stagebot.RequestRef, error) {
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return nil, err
	}
	var before *stagebot.Request
	for _, o := range others {
		switch {
		case o.ID == r.ID:
		case o.State.OnSnakefruit():
			return nil, nil // still staged
		case o.State == stagebot.StateSuperseded && o.SupersededBy == r.ID:
			if before == nil || o.Updated.After(before.Updated) {
				before = o
			}
		}
	}
	return before.Ref(), nil
}

// Retry queues again the step that failed: a failed lock, or a failed publication. Landing
// team only.
func (s *Service) Retry(actor stagebot.Identity, idPrefix string) (*stagebot.Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request, out *stagebot.Outcome) error {
		if err := authorize(actRetry, p, r, s.cfg.Policy); err != nil {
			return err
		}
		out.Actor = p.Display()
		if r.State == stagebot.StateFailed {
			r.Attempt, r.NextTry = 0, zeroTime
			out.Kind = stagebot.OutcomeRetryQueued
			if err := s.move(tx, r, stagebot.StateApproved, stagebot.Event{Actor: p.Display(), Why: stagebot.WhyRetried, Cause: r.LastError}); err != nil {
				return err
			}
			return s.enqueue(tx, stagebot.JobLock, r, false)
		}
		// Promoted, its publication failed.
		if _, queued, err := tx.JobFor(r.ID); err != nil || queued {
			out.Kind = stagebot.OutcomePublishStillQueue
			return err
		}
		out.Kind = stagebot.OutcomePublishRequeued
		if err := s.note(tx, r, p.Display(), "retry", "publication retry by "+p.Display()); err != nil {
			return err
		}
		return s.enqueue(tx, stagebot.JobPublish, r, false)
	})
}
