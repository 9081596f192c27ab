package stagebot

import "fmt"

// Refusal is an action the workflow refused, in data: why, to whom, about which request.
// chat.Renderer words it for people; Error is a plain statement for logs and tests. Code is
// the machine's view (ErrorCode), as for *Error.
type Refusal struct {
	Code    string
	Reason  Reason
	Action  Action
	Who     string      // the person refused, as shown
	Request *RequestRef // the request it concerns, as it was
	// State is what rules it out (the request's state, or "locking" for a lock under way).
	State State
	// By is another person it names (who holds the request, who signed off already).
	By string
	// Other is the request in the way (already requested, already locked).
	Other *RequestRef
	// Detail is outside text it quotes (a hold's reason, a click's problems, a manifest's
	// filename, a version that does not parse).
	Detail string
	// Label is how the person named the click (a URL's last segment, an attachment).
	Label string
}

// Reason is why an action was refused.
type Reason string

const (
	ReasonNotPermitted     Reason = "not-permitted"      // the person lacks the role (Permissions)
	ReasonOwnRequest       Reason = "own-request"        // no self-approval
	ReasonNotPending       Reason = "not-pending"        // approve, qa: nothing to approve now
	ReasonAlreadyApproved  Reason = "already-approved"   // this person approved already
	ReasonAlreadySignedOff Reason = "already-signed-off" // QA sign-off there (By)
	ReasonNoApproval       Reason = "no-approval"        // withdraw: none of this person's
	ReasonTooLateWithdraw  Reason = "too-late-withdraw"  // withdraw: already locked or on
	ReasonNotRejectable    Reason = "not-rejectable"     // reject: on snakefruit or ended
	ReasonEnded            Reason = "ended"              // already in a final state
	ReasonAlreadyHeld      Reason = "already-held"       // By, Detail: the hold's reason
	ReasonTooLateHold      Reason = "too-late-hold"      // State: failed, locking, locked...
	ReasonNotHeld          Reason = "not-held"
	ReasonNothingToRetry   Reason = "nothing-to-retry"
	ReasonBeingPublished   Reason = "being-published" // cancel: too late
	ReasonAlreadyRequested Reason = "already-requested"
	ReasonNotNewer         Reason = "not-newer"   // Other is locked and not older
	ReasonBadVersion       Reason = "bad-version" // Detail
	ReasonBadClick         Reason = "bad-click"   // Detail: its problems; Label
	ReasonMislabelled      Reason = "mislabelled" // Label; Detail: what its manifest makes it
	ReasonOccupied         Reason = "occupied"    // a file of other bytes under its name (Detail)
)

func (r *Refusal) Error() string {
	s := fmt.Sprintf("%s refused (%s)", r.Action, r.Reason)
	if r.Request != nil {
		s += " on " + r.Request.ShortID()
	}
	if r.Who != "" {
		s += " for " + r.Who
	}
	return s
}
