package bot

import "stagebot"

// Overview is offered by the bot's Handler (an adapter type-asserts for it): the requests in
// flight and those that ended lately, for a view outside the chat's flow (Slack's App Home).
type Overview interface {
	// Open lists every request not in a final state, oldest first.
	Open() ([]stagebot.Status, error)
	// RecentlyEnded lists requests in a final state, the most recently updated first (at
	// most limit).
	RecentlyEnded(limit int) ([]*stagebot.Request, error)
}

var _ Overview = (*Bot)(nil)

// Open lists the requests in flight (Overview).
func (b *Bot) Open() ([]stagebot.Status, error) { return b.svc.Queue() }

// RecentlyEnded lists the requests that ended lately (Overview).
func (b *Bot) RecentlyEnded(limit int) ([]*stagebot.Request, error) {
	return b.svc.RecentFinished(limit)
}
