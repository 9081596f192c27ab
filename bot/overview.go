package bot

import "stagebot"

// Overview is the requests in flight and those that ended lately, for a view outside the
// chat's flow (Slack's App Home): the assembler hands it to the adapter that shows one.
type Overview interface {
	// Open lists every request not in a final state, oldest first.
	Open() ([]stagebot.Status, error)
	// RecentlyEnded lists requests in a final state, the most recently updated first (at
	// most limit).
	RecentlyEnded(limit int) ([]*stagebot.Request, error)
}
