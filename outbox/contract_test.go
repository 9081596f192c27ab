package outbox_test

import (
	"stagebot/bot"
	"stagebot/outbox"
)

// The core delivers from this outbox.
var _ bot.Outbox = (*outbox.Outbox)(nil)

// Adapters remember their own things in it.
var _ bot.Memory = (*outbox.Memory)(nil)
