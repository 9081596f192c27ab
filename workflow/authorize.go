package workflow

import "stagebot"

// The actions of stagebot.Permissions, by this package's short names.
const (
	actStage    = stagebot.ActStage
	actApprove  = stagebot.ActApprove
	actQA       = stagebot.ActQA
	actWithdraw = stagebot.ActWithdraw
	actReject   = stagebot.ActReject
	actCancel   = stagebot.ActCancel
	actHold     = stagebot.ActHold
	actUnhold   = stagebot.ActUnhold
	actRetry    = stagebot.ActRetry
	actTick     = stagebot.ActTick
	actPromote  = stagebot.ActPromote
	actPhasing  = stagebot.ActPhasing
)

type action = stagebot.Action

// authorize decides whether p may do act to r (nil for the actions on no request) under
// the policy: nil when allowed, else a *stagebot.Refusal saying why in data (chat words
// it), EFORBIDDEN for who may not, ECONFLICT for what the request's state or the person's
// own earlier approval rules out. Who may act at all is stagebot.Permissions; the checks
// run in the order users have always seen their refusals in.
//
// It reads nothing but its arguments, so a table can pin every case down. What only the
// database knows is checked by the caller once authorize allowed it: whether a lock
// already started (hold) or a publication is under way (cancel).
func authorize(act action, p stagebot.Person, r *stagebot.Request, policy stagebot.Policy) error {
	refuse := func(code string, reason stagebot.Reason) *stagebot.Refusal {
		f := &stagebot.Refusal{Code: code, Reason: reason, Action: act, Who: p.Display(), Request: r.Ref()}
		if r != nil {
			f.State = r.State
		}
		return f
	}
	perm, ok := stagebot.Permissions[act]
	if !ok {
		return stagebot.Errorf(stagebot.EINTERNAL, "unknown action %q", act)
	}
	requester := r != nil && r.IsRequester(p)
	if !perm.Allows(p, requester) {
		return refuse(stagebot.EFORBIDDEN, stagebot.ReasonNotPermitted)
	}
	if r != nil && r.State.Final() {
		// Every command on an ended request gets the same answer: it ended, and how.
		return refuse(stagebot.ECONFLICT, stagebot.ReasonEnded)
	}
	switch act {
	case actApprove:
		switch {
		case r.State != stagebot.StatePending:
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNotPending)
		case !policy.SelfApproval && requester:
			return refuse(stagebot.EFORBIDDEN, stagebot.ReasonOwnRequest)
		case r.ApprovedBy(p.Keys()...):
			return refuse(stagebot.ECONFLICT, stagebot.ReasonAlreadyApproved)
		}
	case actQA:
		switch {
		case r.State != stagebot.StatePending:
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNotPending)
		case !policy.SelfApproval && requester:
			return refuse(stagebot.EFORBIDDEN, stagebot.ReasonOwnRequest)
		case r.QASignoff != nil && r.QASignoff.SHA256 == r.SHA256:
			f := refuse(stagebot.ECONFLICT, stagebot.ReasonAlreadySignedOff)
			f.By = r.QASignoff.Display()
			return f
		}
	case actWithdraw:
		switch {
		case !r.ApprovedBy(p.Keys()...):
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNoApproval)
		case !notLockedYet(r.State):
			return refuse(stagebot.ECONFLICT, stagebot.ReasonTooLateWithdraw)
		}
	case actReject:
		if !notLockedYet(r.State) {
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNotRejectable)
		}
	case actCancel:
		if r.State.Final() {
			return refuse(stagebot.ECONFLICT, stagebot.ReasonEnded)
		}
	case actHold:
		switch {
		case r.Hold != nil:
			f := refuse(stagebot.ECONFLICT, stagebot.ReasonAlreadyHeld)
			f.By, f.Detail = r.Hold.Display(), r.Hold.Reason
			return f
		case r.State == stagebot.StatePending, r.State == stagebot.StateApproved:
			// An approved request can be held until its lock starts (the caller's check).
		case r.State.Final():
			return refuse(stagebot.ECONFLICT, stagebot.ReasonEnded)
		default:
			// Failed, or on snakefruit: the worker already touched snakefruit for it, and a
			// hold would not take that back.
			return refuse(stagebot.ECONFLICT, stagebot.ReasonTooLateHold)
		}
	case actUnhold:
		switch {
		case r.Hold == nil:
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNotHeld)
		case r.State.Final():
			return refuse(stagebot.ECONFLICT, stagebot.ReasonEnded)
		}
	case actRetry:
		if r.State != stagebot.StateFailed && (r.State != stagebot.StatePromoted || r.PublishErr == "") {
			return refuse(stagebot.ECONFLICT, stagebot.ReasonNothingToRetry)
		}
	}
	return nil
}

// notLockedYet reports whether a request in state st has neither reached snakefruit nor
// ended: its approvals can still be taken back, and with them its lock job, and it can
// still be rejected.
func notLockedYet(st stagebot.State) bool {
	return st == stagebot.StatePending || st == stagebot.StateApproved || st == stagebot.StateFailed
}
