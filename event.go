package stagebot

import "time"

// Event is something the channels must hear, as the workflow records it: what happened, to
// which request, by whom and why, in data. It is written to the outbox in the same
// transaction as the change it reports, and each chat adapter delivers it once, in order;
// the words are chat's (chat.Renderer), so no wording, prefix or network shape lives in the
// workflow.
type Event struct {
	Seq  uint64    `json:"seq"`
	At   time.Time `json:"at"`
	Kind EventKind `json:"kind,omitempty"`
	// Request is the request it is about, as it was then (nil for ticks, promotions,
	// phasing).
	Request *RequestRef `json:"request,omitempty"`
	// State is set when the event reports a transition of the request into it (always for
	// EventState, and for EventHeld when the hold took the request back to pending).
	State State `json:"state,omitempty"`
	// Actor is who did it, as chat shows them (Person.Display), or "" for the bot itself.
	Actor string `json:"actor,omitempty"`
	// Why is the cause of a transition the bot made, or the kind of a person's one.
	Why Why `json:"why,omitempty"`
	// Reason is a person's own words (a reject, cancel or hold reason): outside text.
	Reason string `json:"reason,omitempty"`
	// Cause is an error in one sentence (a failed lock, a failed publication): it may quote
	// outside text.
	Cause string `json:"cause,omitempty"`

	// Approvals so far (Approved, by whom: By), the policy's need and what is still
	// missing, for approvals and progress.
	By      []string `json:"by,omitempty"`
	QA      string   `json:"qa,omitempty"`
	Missing *Missing `json:"missing,omitempty"`

	// Other is the other request a supersession names.
	Other *RequestRef `json:"other,omitempty"`
	// Before is the version a cancelled request had superseded, when the cancel leaves its
	// package with nothing staged: people should know what was there before it.
	Before *RequestRef `json:"before,omitempty"`
	// Placed says how a lock placed the click; Removal what taking it off does.
	Placed  Placement `json:"placed,omitempty"`
	Removal Removal   `json:"removal,omitempty"`
	// Replaces is the older filename a lock took the line of.
	Replaces string `json:"replaces,omitempty"`

	// Framework is the click's; NeedsFrameworks those stable images lack; InStable says
	// its framework is already in stable (a requested click).
	Framework       string   `json:"framework,omitempty"`
	NeedsFrameworks []string `json:"needs_frameworks,omitempty"`
	InStable        bool     `json:"in_stable,omitempty"`

	Attempts int           `json:"attempts,omitempty"` // a failed lock's, a retried job's
	Job      JobKind       `json:"job,omitempty"`      // the job a retrying event is about
	Next     time.Time     `json:"next,omitempty"`     // when a retrying job tries again
	Age      time.Duration `json:"age,omitempty"`      // how long a reminded or expired request waited
	Image    string        `json:"image,omitempty"`    // a promotion's, an rc-proposed image's
	Percent  int           `json:"percent,omitempty"`  // phasing
	// Requests are those a tick stored, a promotion promoted, an image carries.
	Requests []*RequestRef `json:"requests,omitempty"`
	// Count is how many requests a phasing of 100% queued for publication.
	Count int `json:"count,omitempty"`

	// Mention names team members to highlight (the requested announcement, reminders);
	// each network renders them its own way.
	Mention []string `json:"mention,omitempty"`
	// AsksApproval marks an event that asks the landing team to approve the request (the
	// request itself, a reminder, pending again): networks let reactions and buttons on it
	// count like on the request's first message.
	AsksApproval bool `json:"asks_approval,omitempty"`
	// ChannelWide events (ticks, promotions) go to the channel even on networks that thread
	// per request.
	ChannelWide bool `json:"channel_wide,omitempty"`

	// Text is the whole line of an announcement an older stagebot recorded (the outbox kept
	// its words): delivered as it is, through the same guard.
	Text string `json:"text,omitempty"`
	// Word is the contract's keyword of such an older record.
	Word string `json:"word,omitempty"`
	// RequestID is the request of such an older record.
	RequestID string `json:"request_id,omitempty"`
}

// EventKind says what an Event reports.
type EventKind string

const (
	EventState    EventKind = "state"    // the request moved to State
	EventProgress EventKind = "progress" // an approval or sign-off short of the policy
	EventHeld     EventKind = "held"
	EventUnheld   EventKind = "unheld"
	EventReminder EventKind = "reminder" // still pending after policy.remind_after
	EventTakenOff EventKind = "taken-off"
	// EventRetrying: the worker keeps failing on a request (a cause a person must fix, or
	// the third failure in a row) and keeps trying.
	EventRetrying      EventKind = "retrying"
	EventPublishFailed EventKind = "publish-failed"
	// EventAbsent: a stored click is missing from the synced list.
	EventAbsent     EventKind = "absent"
	EventTick       EventKind = "tick"
	EventPromotion  EventKind = "promotion"
	EventPhasing    EventKind = "phasing"
	EventRCProposed EventKind = "rc-proposed"
)

// Why is the cause of a transition.
type Why string

const (
	WhyStaged    Why = "staged"
	WhyWithdrawn Why = "withdrawn" // pending again: an approval withdrawn
	WhyApproved  Why = "approved"  // the policy met
	WhyUnheld    Why = "unheld"    // approved as the hold was lifted
	WhyRetried   Why = "retried"   // !retry of a failed lock
	WhyRejected  Why = "rejected"  // a person's
	WhyCancelled Why = "cancelled" // a person's
	WhyExpired   Why = "expired"   // pending longer than policy.expire_after
	WhyLocked    Why = "locked"    // the worker's
	WhyNotNewer  Why = "not-newer" // superseded: Other is locked and not older
	WhyOvertaken Why = "overtaken" // superseded: Other was locked after it
	WhyGaveUp    Why = "gave-up"   // failed: Cause, after Attempts
	WhyStored    Why = "stored"    // a click-sync tick while locked
	WhyPromoted  Why = "promoted"  // an image promotion while stored
	WhyPublished Why = "published" // phasing ended and the publication went through
	WhyHeldBack  Why = "held-back" // held: back to pending, approvals kept
	WhyCommand   Why = "command"   // a tick a person asked for (Actor)
)

// Placement is how a lock placed its click on snakefruit.
type Placement string

const (
	PlacedNew         Placement = "new"          // file and a new line
	PlacedReplacing   Placement = "replacing"    // its line took the place of Replaces'
	PlacedPersonsLine Placement = "persons-line" // the list already named it (a person's line, left as it is)
)

// Removal is what taking a click off snakefruit does, as decided before it is done.
type Removal string

const (
	RemovalNone     Removal = ""          // the click is not on snakefruit
	RemovalFull     Removal = "full"      // its line and its file go
	RemovalLineOnly Removal = "line-only" // its line goes; the file is not the bot's and stays
	RemovalPersons  Removal = "persons"   // the line and the file are a person's and stay
	// RemovalUnlisted: the bot placed the file under a line a person wrote, and the line is
	// gone by the time the click comes off: the file goes with no line naming it.
	RemovalUnlisted  Removal = "unlisted"
	RemovalShared    Removal = "shared"     // another request of the same click holds them
	RemovalLeftAlone Removal = "left-alone" // an older unlock that cannot tell (the list is left)
)

// RequestRef is a request as an event or a refusal names it.
type RequestRef struct {
	ID        string `json:"id"`
	Filename  string `json:"filename"`
	Name      string `json:"name,omitempty"`
	Version   string `json:"version,omitempty"`
	Arch      string `json:"arch,omitempty"`
	State     State  `json:"state,omitempty"`
	Requester string `json:"requester,omitempty"` // as shown
}

// Ref is r as an event or a refusal names it.
func (r *Request) Ref() *RequestRef {
	if r == nil {
		return nil
	}
	return &RequestRef{ID: r.ID, Filename: r.Filename, Name: r.Name, Version: r.Version, Arch: r.Arch,
		State: r.State, Requester: r.RequesterDisplay()}
}

// ShortID is the first 8 hex digits of the request's UUID.
func (r *RequestRef) ShortID() string { return ShortID(r.ID) }

// AboutRequest is the full ID of the request the event is about, "" for none.
func (e Event) AboutRequest() string {
	if e.Request != nil {
		return e.Request.ID
	}
	return e.RequestID
}

// Missing is what a pending request still lacks for its policy.
type Missing struct {
	Approvals int  `json:"approvals,omitempty"` // how many more landing-team approvals
	Have      int  `json:"have"`                // valid approvals so far
	Need      int  `json:"need"`                // what the policy asks
	QA        bool `json:"qa,omitempty"`        // a QA sign-off
}

// Nothing reports that nothing is missing: the policy is met.
func (m Missing) Nothing() bool { return m.Approvals == 0 && !m.QA }

// Missing is what r lacks for the policy: the one answer to "what is missing" that the
// policy check, the N/M progress, the views and authorization all read.
func (p Policy) Missing(r *Request) Missing {
	need := max(p.Approvals, 1)
	have := len(r.ValidApprovals())
	m := Missing{Have: have, Need: need, Approvals: max(need-have, 0)}
	m.QA = p.QASignoff && (r.QASignoff == nil || r.QASignoff.SHA256 != r.SHA256)
	return m
}
