package bot

import (
	"time"

	"stagebot"
)

// Service is what the bot needs from the workflow: the decisions reactions and buttons
// make, the outbox it delivers, and the signals of the clock.
type Service interface {
	Deciding
	Outbox
	// Team is the configured team, for rendering mentions.
	Team() stagebot.Team
	// Idle reports whether no job is queued (the drain at console EOF).
	Idle() bool
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error)
	Remind() (int, error)
	Expire(now time.Time) (int, error)
}

// Deciding is what a reaction or a button on a request's message reaches, and what traces
// such a message back to its request.
type Deciding interface {
	Approve(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Reject(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Withdraw(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Lookup(query string) ([]stagebot.Status, error)
	RememberRef(network, ref, requestID string) error
	ResolveRef(network, ref string) string
}

// Outbox is the announcement outbox as delivery reads it: one cursor per channel of each
// adapter, made by whoever assembles the bot (workflow.Service.KeepCursors) before anything
// can announce.
type Outbox interface {
	// OutboxSignal fires (coalesced) after announcements were added.
	OutboxSignal() <-chan struct{}
	PendingTo(d stagebot.Dest, limit int) ([]stagebot.Announcement, error)
	DeliveredTo(d stagebot.Dest, seq uint64) error
	Backlogs(dests []stagebot.Dest) []int
}
