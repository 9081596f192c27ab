package irc

import (
	"time"

	"stagebot/internal/backoff"
)

// stableAfter is how long a connection must last before the next failure counts as a
// fresh start. A server that lets the bot join and then kills it at once must not be
// hammered a few times a second: only a connection that held proves the trouble is over.
const stableAfter = time.Minute

// reconnects spaces reconnection attempts: doubling from reconnectMin up to ReconnectMax,
// each wait drawn from [d/2, d] so that many bots cut off by one netsplit do not return in
// lockstep.
func reconnects(cfg Config) *backoff.Conn {
	return &backoff.Conn{
		Policy:      backoff.Policy{Min: cfg.reconnectMin, Max: cfg.ReconnectMax, Jitter: true},
		StableAfter: stableAfter,
	}
}
