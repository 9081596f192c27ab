package stagebot

import "time"

// JobKind is what the worker does to snakefruit for a request.
type JobKind string

const (
	JobLock    JobKind = "lock"    // copy the click and add (or replace) its list line
	JobUnlock  JobKind = "unlock"  // take a cancelled click off the list and the folder
	JobPublish JobKind = "publish" // run the publish command, then flush the click
)

// Job is a unit of snakefruit work. It is queued in the transaction that causes it and
// deleted in the transaction that records its outcome, so a crash in between runs it again;
// every job is idempotent on snakefruit, which makes the pair exactly-once in effect.
type Job struct {
	Seq       uint64    `json:"seq"`
	Kind      JobKind   `json:"kind"`
	RequestID string    `json:"request_id"`
	Attempt   int       `json:"attempt"`
	NotBefore time.Time `json:"not_before,omitempty"`
	FirstTry  time.Time `json:"first_try,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	// Quiet jobs clean up after a lock that may have half-happened; they announce nothing.
	Quiet bool `json:"quiet,omitempty"`
	// Done marks steps already carried out, so a retried job does not repeat them (a
	// publish command that succeeded is not run again because the flush after it failed).
	Done    []string  `json:"done,omitempty"`
	Created time.Time `json:"created"`
	// Gen is the request's generation the job serves (Request.Gen when it was queued).
	Gen uint64 `json:"gen"`
	// ReplacesID is the older locked request whose list line a lock replaces in place, noted
	// before the list is touched so that the cleanup of an overtaken lock can put that
	// line back.
	ReplacesID string `json:"replaces_id,omitempty"`
	// ListSeen: the lock read the list before touching snakefruit, so PersonsLine says
	// whether a person had already written its line. A cleanup of a lock that never saw
	// the list cannot tell a person's line from its own and leaves the list alone.
	ListSeen    bool `json:"list_seen,omitempty"`
	PersonsLine bool `json:"persons_line,omitempty"`
	// PendingOnly: an unlock that only removes the request's pre-upload (its lock never
	// started), leaving the list and the folder's clicks alone.
	PendingOnly bool `json:"pending_only,omitempty"`
}
