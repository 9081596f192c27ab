package workflow

import "stagebot"

// The Service answers in the domain's types (stagebot/results.go), so that its callers
// need not import this package, and with it storage. The names here are for this package's
// own code and its tests.
type (
	Outcome    = stagebot.Outcome
	Status     = stagebot.Status
	TickResult = stagebot.TickResult
	Phasing    = stagebot.Phasing
)
