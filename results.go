package stagebot

import "time"

// The workflow's answers are domain types, so that the commands, the chat adapters and the
// HTTP side read them without importing the workflow (and with it, storage).

// Outcome tells the caller what an action did, for its reply.
type Outcome struct {
	Request *Request
	Message string
	// Announced reports that the same transaction announced a line about the request (a
	// transition, progress): the channels hear the outcome from it, so a reply that only
	// said it again in public would be said twice.
	Announced bool
}

// Status is a request with what the worker is doing about it.
type Status struct {
	Request *Request
	Job     *Job // nil when nothing is queued
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
