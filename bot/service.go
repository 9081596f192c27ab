package bot

import (
	"time"

	"stagebot"
)

// Service is what the bot needs from the workflow.
type Service interface {
	// Team is the configured team, for rendering mentions.
	Team() stagebot.Team

	// What reactions and buttons on a request's message decide, and what traces such a
	// message back to its request.
	Approve(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Reject(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Withdraw(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Lookup(query string) ([]stagebot.Status, error)
	RememberRef(network, ref, requestID string) error
	ResolveRef(network, ref string) string

	// The requests in flight and those that ended lately (Overview).
	Queue() ([]stagebot.Status, error)
	RecentFinished(limit int) ([]*stagebot.Request, error)

	// The announcement outbox, one cursor per channel of each adapter. The cursors are made
	// by whoever assembles the bot (workflow.Service.KeepCursors), before anything can
	// announce.
	OutboxSignal() <-chan struct{} // fires (coalesced) after announcements were added
	PendingTo(d stagebot.Dest, limit int) ([]stagebot.Announcement, error)
	DeliveredTo(d stagebot.Dest, seq uint64) error
	Backlogs(dests []stagebot.Dest) []int

	// The clock's signals, and whether the worker has anything left (the drain at console
	// EOF).
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error)
	Remind() (int, error)
	Expire(now time.Time) (int, error)
	Idle() bool
}
