package workflow

import (
	"fmt"
	"slices"
	"strings"

	"stagebot"
	"stagebot/storage"
)

// withRequest resolves an ID prefix and runs fn on the request inside one transaction.
func (s *Service) withRequest(idPrefix string, fn func(tx *storage.Tx, r *stagebot.Request) (string, error)) (*Outcome, error) {
	var out Outcome
	err := s.update(func(tx *storage.Tx) error {
		r, err := tx.FindRequest(idPrefix)
		if err != nil {
			return err
		}
		msg, err := fn(tx, r)
		if err != nil {
			return err
		}
		out = Outcome{Request: r, Message: msg, Announced: tx.AnnouncedAbout(r.ID)}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// ResolveRef finds the request a chat message (network, ref) announced; "" when none.
func (s *Service) ResolveRef(network, ref string) string {
	var id string
	_ = s.view(func(tx *storage.Tx) error {
		id = tx.RefRequest(network, ref)
		return nil
	})
	return id
}

// Approve records one landing-team approval on the click's current bytes. When the policy is
// met the request becomes approved and a lock job is queued with it.
func (s *Service) Approve(actor stagebot.Identity, idPrefix string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actApprove, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		r.Approvals = append(r.Approvals, stagebot.Approval{By: actor, Key: p.Key, Keys: p.Keys(), At: s.now(), SHA256: r.SHA256})
		return s.afterSignoff(tx, r, p, actApprove)
	})
}

// Withdraw takes back a person's approval before the click is locked (a removed reaction).
func (s *Service) Withdraw(actor stagebot.Identity, idPrefix string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actWithdraw, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		keys := p.Keys()
		r.Approvals = slices.DeleteFunc(r.Approvals, func(a stagebot.Approval) bool { return a.SamePerson(keys) })
		if err := s.note(tx, r, p.Display(), "withdraw", "approval withdrawn"); err != nil {
			return "", err
		}
		if r.State != stagebot.StatePending && !r.PolicyMet(s.cfg.Policy) {
			if err := s.endJobs(tx, r); err != nil {
				return "", err
			}
			if err := s.move(tx, r, stagebot.StatePending, p.Display(), "approval withdrawn by "+p.Display()+"; waiting for approval again"); err != nil {
				return "", err
			}
		}
		return fmt.Sprintf("[%s] approval by %s withdrawn", r.ShortID(), p.Display()), nil
	})
}

// QA records a QA sign-off.
func (s *Service) QA(actor stagebot.Identity, idPrefix string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actQA, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		r.QASignoff = &stagebot.Approval{By: actor, Key: p.Key, Keys: p.Keys(), At: s.now(), SHA256: r.SHA256}
		return s.afterSignoff(tx, r, p, actQA)
	})
}

// afterSignoff moves r to approved when the policy is met, else records the partial state.
// act is actApprove or actQA.
func (s *Service) afterSignoff(tx *storage.Tx, r *stagebot.Request, p stagebot.Person, act action) (string, error) {
	what := "approval"
	if act == actQA {
		what = "QA sign-off"
	}
	if !r.PolicyMet(s.cfg.Policy) {
		if err := s.note(tx, r, p.Display(), string(act), string(act)+" by "+p.Display()); err != nil {
			return "", err
		}
		if err := s.asideLine(tx, r, "progress", s.progressLine(r, p, act)); err != nil {
			return "", err
		}
		return fmt.Sprintf("[%s] %s recorded; still waiting for %s", r.ShortID(), what, s.missing(r)), nil
	}
	if r.Hold != nil {
		// The approval counts; the hold alone keeps it from the worker, and !unhold
		// queues it.
		if err := s.note(tx, r, p.Display(), string(act), string(act)+" by "+p.Display()+"; "+r.Hold.Describe()); err != nil {
			return "", err
		}
		return fmt.Sprintf("[%s] %s recorded; not queued for locking: %s (!unhold %s)", r.ShortID(), what, r.Hold.Describe(), r.ShortID()), nil
	}
	if err := s.approve(tx, r, p.Display()); err != nil {
		return "", err
	}
	return fmt.Sprintf("[%s] approved; queued for locking", r.ShortID()), nil
}

// progressLine tells the channel how far a request is from its policy after a sign-off
// that did not meet it: without it the room sees nothing between requested and approved,
// and cannot tell whether a second approver is needed.
func (s *Service) progressLine(r *stagebot.Request, p stagebot.Person, act action) string {
	need := max(s.cfg.Policy.Approvals, 1)
	n := len(r.ValidApprovals())
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s approved %d/%d", r.ShortID(), r.Filename, n, need)
	if act == actQA {
		b.WriteString(", QA sign-off")
	}
	b.WriteString(" by " + p.Display() + "; ")
	var missing []string
	if n < need {
		missing = append(missing, fmt.Sprintf("%d more", need-n))
	}
	if s.cfg.Policy.QASignoff && (r.QASignoff == nil || r.QASignoff.SHA256 != r.SHA256) {
		missing = append(missing, "QA sign-off")
	}
	b.WriteString(joinAnd(missing) + " needed")
	return b.String()
}

func (s *Service) approve(tx *storage.Tx, r *stagebot.Request, actor string) error {
	var by []string
	for _, a := range r.ValidApprovals() {
		by = append(by, a.Display())
	}
	note := "by " + joinAnd(by)
	if r.QASignoff != nil && s.cfg.Policy.QASignoff {
		note += ", QA sign-off by " + r.QASignoff.Display()
	}
	if err := s.move(tx, r, stagebot.StateApproved, actor, note+"; queued for locking"); err != nil {
		return err
	}
	return s.enqueue(tx, stagebot.JobLock, r, false)
}

func (s *Service) missing(r *stagebot.Request) string {
	var parts []string
	need := max(s.cfg.Policy.Approvals, 1)
	if n := len(r.ValidApprovals()); n < need {
		parts = append(parts, fmt.Sprintf("%d more landing-team approval(s)", need-n))
	}
	if s.cfg.Policy.QASignoff && (r.QASignoff == nil || r.QASignoff.SHA256 != r.SHA256) {
		parts = append(parts, "QA sign-off (!qa "+r.ShortID()+")")
	}
	return joinAnd(parts)
}

// Reject ends a request that is not on snakefruit. Landing team only.
func (s *Service) Reject(actor stagebot.Identity, idPrefix, reason string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actReject, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		if err := s.endJobs(tx, r); err != nil {
			return "", err
		}
		r.Reason = reason
		note := "by " + p.Display()
		if reason != "" {
			note += ": " + reason
		}
		if err := s.move(tx, r, stagebot.StateRejected, p.Display(), note); err != nil {
			return "", err
		}
		return fmt.Sprintf("[%s] rejected", r.ShortID()), nil
	})
}

// Cancel ends a request. The requester or the landing team. A click on snakefruit is taken
// off the list by an unlock job queued in the same transaction, as far as its line and file
// are the bot's; the announcement says which.
func (s *Service) Cancel(actor stagebot.Identity, idPrefix, reason string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	// Reasons are typed by people, on networks where a message may span lines.
	reason = stagebot.CleanReason(reason)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actCancel, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		if r.State == stagebot.StatePromoted {
			// A publication under way cannot be called back from the store.
			if j, queued, err := tx.JobFor(r.ID); err != nil {
				return "", err
			} else if queued && j.Kind == stagebot.JobPublish && !j.FirstTry.IsZero() {
				return "", stagebot.Errorf(stagebot.ECONFLICT, "[%s] is too late to cancel: it is being published", r.ShortID())
			}
		}
		wasOn := r.State.OnSnakefruit()
		if err := s.endJobs(tx, r); err != nil {
			return "", err
		}
		r.Reason = reason
		note := "by " + p.Display()
		if reason != "" {
			note += ": " + reason
		}
		// What the unlock will do, as it will decide it (a person's line stays, and so
		// does a file the bot did not put there).
		var plan removal
		if wasOn {
			var err error
			if plan, err = planRemoval(tx, r, r.PersonsLine); err != nil {
				return "", err
			}
			note += "; " + plan.intent()
		}
		if err := s.move(tx, r, stagebot.StateCancelled, p.Display(), note); err != nil {
			return "", err
		}
		if wasOn {
			err := s.enqueue(tx, stagebot.JobUnlock, r, false)
			return fmt.Sprintf("[%s] cancelled; %s", r.ShortID(), plan.intent()), err
		}
		return fmt.Sprintf("[%s] cancelled", r.ShortID()), nil
	})
}

// Retry queues again the step that failed: a failed lock, or a failed publication. Landing
// team only.
func (s *Service) Retry(actor stagebot.Identity, idPrefix string) (*Outcome, error) {
	p := s.cfg.Team.Resolve(actor)
	return s.withRequest(idPrefix, func(tx *storage.Tx, r *stagebot.Request) (string, error) {
		if err := authorize(actRetry, p, r, s.cfg.Policy); err != nil {
			return "", err
		}
		if r.State == stagebot.StateFailed {
			r.Attempt, r.NextTry = 0, zeroTime
			if err := s.move(tx, r, stagebot.StateApproved, p.Display(), "retry by "+p.Display()+" after: "+r.LastError); err != nil {
				return "", err
			}
			err := s.enqueue(tx, stagebot.JobLock, r, false)
			return fmt.Sprintf("[%s] queued for locking again", r.ShortID()), err
		}
		// Promoted, its publication failed.
		if _, queued, err := tx.JobFor(r.ID); err != nil || queued {
			return fmt.Sprintf("[%s] publication is already queued", r.ShortID()), err
		}
		if err := s.note(tx, r, p.Display(), "retry", "publication retry by "+p.Display()); err != nil {
			return "", err
		}
		err := s.enqueue(tx, stagebot.JobPublish, r, false)
		return fmt.Sprintf("[%s] publication queued again", r.ShortID()), err
	})
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	out := items[0]
	for _, it := range items[1 : len(items)-1] {
		out += ", " + it
	}
	return out + " and " + items[len(items)-1]
}
