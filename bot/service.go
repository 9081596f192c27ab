package bot

import (
	"time"

	"stagebot"
)

// Service is what the core needs from the workflow: the decisions reactions and buttons
// stand for, the record of a request, and the clock's signals.
type Service interface {
	Approve(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	Reject(actor stagebot.Identity, id, reason string) (*stagebot.Outcome, error)
	Withdraw(actor stagebot.Identity, id string) (*stagebot.Outcome, error)
	// Request is the record of the request with this full ID, or nil.
	Request(id string) *stagebot.Request

	// The clock's signals, and whether the worker has anything left (the drain at console
	// EOF).
	Tick(actor stagebot.Identity, source string, synced map[string]bool) (*stagebot.TickResult, error)
	Remind() (int, error)
	Expire(now time.Time) (int, error)
	Idle() bool
}

// Outbox is the announcement outbox (package outbox) as the core uses it: one cursor per
// channel of each adapter, and what each network calls the messages posted from it.
type Outbox interface {
	// Signal fires (coalesced) after announcements were added.
	Signal() <-chan struct{}
	// PendingTo returns up to limit announcements d has not taken yet, in order.
	PendingTo(d stagebot.Dest, limit int) ([]stagebot.Event, error)
	// DeliveredTo records that d took every announcement up to e (its Seq), and ref, the
	// network's handle of the message that carried it ("" for none).
	DeliveredTo(d stagebot.Dest, e stagebot.Event, ref string) error
	// Backlogs counts, for each of dests, the announcements it has not taken.
	Backlogs(dests []stagebot.Dest) []int
	// RefRequest is the request a message the adapter posted announced ("" for none).
	RefRequest(adapter, ref string) string
	// Thread is the ref of the first message about requestID in d ("" for none).
	Thread(d stagebot.Dest, requestID string) string
}
