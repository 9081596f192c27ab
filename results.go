package stagebot

import "time"

// The workflow's answers are domain types, so that the commands, the chat adapters and the
// HTTP side read them without importing the workflow (and with it, storage).

// Outcome tells the caller what an action did, in data: chat words the reply.
type Outcome struct {
	Kind    OutcomeKind
	Request *Request
	// Missing is what the request still lacks (an approval short of the policy, an unhold
	// that does not meet it).
	Missing Missing
	// Actor is who acted, as shown.
	Actor string
	// Removal is what a cancel's unlock will do on snakefruit; Before, what the cancel
	// leaves the package without (Event.Before).
	Removal Removal
	Before  *RequestRef
	// Announced reports that the same transaction announced an event about the request (a
	// transition, progress): the channels hear the outcome from it, so a reply that only
	// said it again in public would be said twice.
	Announced bool
}

// OutcomeKind is what an action did.
type OutcomeKind string

const (
	OutcomeApproved          OutcomeKind = "approved"             // the policy met: queued for locking
	OutcomeSignoffRecorded   OutcomeKind = "signoff-recorded"     // an approval or QA sign-off short of the policy (Missing)
	OutcomeSignoffHeld       OutcomeKind = "signoff-held"         // the policy met, but held: not queued
	OutcomeQASignedOff       OutcomeKind = "qa-signed-off"        // a QA sign-off that met the policy
	OutcomeWithdrawn         OutcomeKind = "withdrawn"            // an approval taken back
	OutcomeRejected          OutcomeKind = "rejected"             //
	OutcomeCancelled         OutcomeKind = "cancelled"            // Removal: what comes off snakefruit
	OutcomeHeld              OutcomeKind = "held"                 //
	OutcomeUnheld            OutcomeKind = "unheld"               // nothing more to do
	OutcomeUnheldApproved    OutcomeKind = "unheld-approved"      // and queued for locking
	OutcomeUnheldWaiting     OutcomeKind = "unheld-waiting"       // still Missing
	OutcomeRetryQueued       OutcomeKind = "retry-queued"         // a failed lock queued again
	OutcomePublishRequeued   OutcomeKind = "publish-requeued"     // a failed publication queued again
	OutcomePublishStillQueue OutcomeKind = "publish-still-queued" // it was queued already
)

// Status is a request with what the worker is doing about it and what it waits for.
type Status struct {
	Request *Request
	Job     *Job // nil when nothing is queued
	// Waiting is what it waits for, empty once it ended.
	Waiting []Waiting
}

// TickResult says what a click-sync tick did.
type TickResult struct {
	Stored []*Request
}

// Phasing is the phased-update progress of the last promoted image.
type Phasing struct {
	Image   string    `json:"image"`
	Percent int       `json:"percent"`
	At      time.Time `json:"at"`
}

// Counts is how many requests are in each state and what the worker has queued, read in
// one transaction (the metrics).
type Counts struct {
	Requests map[State]int
	Jobs     map[JobKind]int
	// Retries sums the failed attempts of the jobs still queued (each one is retried).
	Retries int
}

// Absence is a locked click missing from the synced click list after Ticks ticks.
type Absence struct {
	Request *RequestRef
	Ticks   int
}

// Drift is how snakefruit differs from the bot's records, as the last look found it: a
// person should look at each.
type Drift struct {
	Files  []FileDrift
	Absent []Absence
}

// FileDrift is one difference of the folder: Kind is snakefruit's (line-missing,
// file-missing, duplicate-line, line-without-file, file-without-line, stray-temp).
type FileDrift struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// Empty reports no difference at all.
func (d Drift) Empty() bool { return len(d.Files) == 0 && len(d.Absent) == 0 }

// Waiting is one thing a request that has not ended waits for (!status, the API).
type Waiting struct {
	What WaitKind `json:"what"`
	// Count more approvals, from any of Who (team names) (WaitApprovals).
	Count int      `json:"count,omitempty"`
	Who   []string `json:"who,omitempty"`
	// By and Reason: who holds it and why (WaitHold); Reason: the worker's last attempt's
	// cause (WaitWorker).
	By     string    `json:"by,omitempty"`
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since,omitempty"` // when it was held (WaitHold)
	// Job, Attempt and Next: the worker's job, its failed attempts so far and when it
	// tries again (WaitWorker).
	Job     JobKind   `json:"job,omitempty"`
	Attempt int       `json:"attempt,omitempty"`
	Next    time.Time `json:"next,omitempty"`
}

// WaitKind is what a request waits for.
type WaitKind string

const (
	WaitApprovals WaitKind = "approvals"
	WaitQA        WaitKind = "qa"
	WaitHold      WaitKind = "hold"
	WaitPreupload WaitKind = "preupload"
	WaitWorker    WaitKind = "worker"
	WaitClickSync WaitKind = "click-sync"
	WaitPromotion WaitKind = "promotion"
	WaitPhasing   WaitKind = "phasing"
)

// ImageSeen is what the image watcher last judged of one channel and device: its newest
// image's version and that image's phased percentage. It is kept across restarts, so that a
// restart neither announces an image again nor misses a change made while the bot was down.
type ImageSeen struct {
	Version int `json:"version"`
	Phased  int `json:"phased"`
}
