package app

import (
	"cmp"
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"stagebot"
	"stagebot/bot"
	"stagebot/outbox"
)

// keepCursors makes the outbox cursors exactly the configured channels, before anything can
// announce: the one place they are made. A channel new to the config starts at the end of
// the outbox, not at the bot's whole past. The cursor of a channel (or adapter) the config no
// longer has is forgotten: it would keep the outbox from ever being pruned, and should the
// channel come back it would replay everything announced since. What it had not delivered is
// logged, as it is lost to that channel. extra are the destinations of other readers of the
// outbox (the HTTP event streams).
func keepCursors(box *outbox.Outbox, adapters []bot.Adapter, log *slog.Logger, extra ...stagebot.Dest) error {
	if len(adapters) == 0 {
		// The bot refuses to run without one; a start that fails anyway must not cost the
		// cursors of a config that is only broken for now.
		return nil
	}
	dropped, err := box.KeepCursors(append(bot.Dests(adapters), extra...))
	if err != nil {
		return fmt.Errorf("outbox cursors: %w", err)
	}
	for _, d := range slices.SortedFunc(maps.Keys(dropped), cmpDest) {
		log.Warn("dropped the outbox cursor of a channel no longer configured",
			"adapter", d.Adapter, "channel", d.Channel, "undelivered", dropped[d])
	}
	return nil
}

func cmpDest(a, b stagebot.Dest) int {
	return cmp.Or(cmp.Compare(a.Adapter, b.Adapter), cmp.Compare(a.Channel, b.Channel))
}
