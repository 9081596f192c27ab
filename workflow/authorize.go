package workflow

import "stagebot"

// action is what a person asks of the workflow: a command, or the reaction or button that
// stands for one (approving and rejecting; taking an approving reaction back withdraws).
type action string

const (
	actStage    action = "stage"
	actApprove  action = "approve"
	actQA       action = "qa"
	actWithdraw action = "withdraw"
	actReject   action = "reject"
	actCancel   action = "cancel"
	actHold     action = "hold"
	actUnhold   action = "unhold"
	actRetry    action = "retry"
	actTick     action = "tick"
	actPromote  action = "promote"
	actPhasing  action = "phasing"
)

// authorize decides whether p may do act to r (nil for the actions on no request) under
// the policy: nil when allowed, else the refusal as the user reads it, EFORBIDDEN for who
// may not, ECONFLICT for what the request's state or the person's own earlier approval
// rules out. The checks run in the order users have always seen their refusals in.
//
// It reads nothing but its arguments, so a table can pin every case down. What only the
// database knows is checked by the caller once authorize allowed it: whether a lock
// already started (hold) or a publication is under way (cancel).
func authorize(act action, p stagebot.Person, r *stagebot.Request, policy stagebot.Policy) error {
	who := p.Display()
	switch act {
	case actStage:
		if !p.Has(stagebot.RoleLander) {
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not stage clicks: only landers may (team.landers)", who)
		}
	case actTick:
		if !p.Has(stagebot.RoleLanding) {
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not tick: only the landing team may", who)
		}
	case actPromote:
		if !p.Has(stagebot.RoleQA) && !p.Has(stagebot.RoleLanding) {
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not report a promotion: only QA or the landing team may", who)
		}
	case actPhasing:
		if !p.Has(stagebot.RoleQA) && !p.Has(stagebot.RoleLanding) {
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not report phasing: only QA or the landing team may", who)
		}
	case actApprove:
		switch {
		case !p.Has(stagebot.RoleLanding):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not approve: only the landing team may", who)
		case r.State != stagebot.StatePending:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is %s, not pending: nothing to approve", r.ShortID(), r.State)
		case !policy.SelfApproval && r.IsRequester(p):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not approve [%s]: it is their own request (no self-approval)", who, r.ShortID())
		case r.ApprovedBy(p.Keys()...):
			return stagebot.Errorf(stagebot.ECONFLICT, "%s already approved [%s]", who, r.ShortID())
		}
	case actQA:
		switch {
		case !p.Has(stagebot.RoleQA):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not sign off: only QA may", who)
		case r.State != stagebot.StatePending:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is %s, not pending: a sign-off changes nothing now", r.ShortID(), r.State)
		case !policy.SelfApproval && r.IsRequester(p):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not sign off [%s]: it is their own request (no self-approval)", who, r.ShortID())
		case r.QASignoff != nil && r.QASignoff.SHA256 == r.SHA256:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] already has QA sign-off from %s", r.ShortID(), r.QASignoff.Display())
		}
	case actWithdraw:
		switch {
		case !r.ApprovedBy(p.Keys()...):
			return stagebot.Errorf(stagebot.ECONFLICT, "%s has no approval on [%s] to withdraw", who, r.ShortID())
		case !notLockedYet(r.State):
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is already %s: withdrawing an approval changes nothing now", r.ShortID(), r.State)
		}
	case actReject:
		switch {
		case !p.Has(stagebot.RoleLanding):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not reject: only the landing team may", who)
		case !notLockedYet(r.State):
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is %s: only a request not yet locked can be rejected (use !cancel to take a locked click off)", r.ShortID(), r.State)
		}
	case actCancel:
		switch {
		case !p.Has(stagebot.RoleLanding) && !r.IsRequester(p):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not cancel [%s]: only its requester or the landing team may", who, r.ShortID())
		case r.State.Final():
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is already %s", r.ShortID(), r.State)
		}
	case actHold:
		switch {
		case !p.Has(stagebot.RoleLanding) && !r.IsRequester(p):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not hold [%s]: only its requester or the landing team may", who, r.ShortID())
		case r.Hold != nil:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is already %s", r.ShortID(), r.Hold.Describe())
		case r.State == stagebot.StatePending, r.State == stagebot.StateApproved:
			// An approved request can be held until its lock starts (the caller's check).
		case r.State == stagebot.StateFailed:
			// The worker already touched snakefruit for it; a hold would not take that back.
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] cannot be held, too late: locking failed (!cancel %s remains)", r.ShortID(), r.ShortID())
		case r.State.Final():
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is already %s", r.ShortID(), r.State)
		default:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] cannot be held, too late: already %s (!cancel %s remains)", r.ShortID(), r.State, r.ShortID())
		}
	case actUnhold:
		switch {
		case !p.Has(stagebot.RoleLanding) && !r.IsRequester(p):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not unhold [%s]: only its requester or the landing team may", who, r.ShortID())
		case r.Hold == nil:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is not held", r.ShortID())
		case r.State.Final():
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is already %s", r.ShortID(), r.State)
		}
	case actRetry:
		switch {
		case !p.Has(stagebot.RoleLanding):
			return stagebot.Errorf(stagebot.EFORBIDDEN, "%s may not retry: only the landing team may", who)
		case r.State == stagebot.StateFailed, r.State == stagebot.StatePromoted && r.PublishErr != "":
		default:
			return stagebot.Errorf(stagebot.ECONFLICT, "[%s] is %s: nothing failed to retry", r.ShortID(), r.State)
		}
	default:
		return stagebot.Errorf(stagebot.EINTERNAL, "unknown action %q", act)
	}
	return nil
}

// notLockedYet reports whether a request in state st has neither reached snakefruit nor
// ended: its approvals can still be taken back, and with them its lock job, and it can
// still be rejected.
func notLockedYet(st stagebot.State) bool {
	return st == stagebot.StatePending || st == stagebot.StateApproved || st == stagebot.StateFailed
}
