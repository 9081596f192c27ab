package app

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"

	"stagebot/bot"
	"stagebot/storage"
)

// dropStaleCursors forgets the outbox cursor of every adapter the config no longer has. Such
// a cursor keeps the outbox from ever being pruned, and should the adapter come back it would
// replay everything announced since it went. What it had not delivered is logged, as it is
// lost to that network.
func dropStaleCursors(db *storage.DB, adapters []bot.Adapter, log *slog.Logger) error {
	if len(adapters) == 0 {
		// The bot refuses to run without one; a start that fails anyway must not cost the
		// cursors of a config that is only broken for now.
		return nil
	}
	names := make([]string, len(adapters))
	for i, a := range adapters {
		names[i] = a.Name()
	}
	var dropped map[string]int
	err := db.Update(func(tx *storage.Tx) error {
		var err error
		dropped, err = tx.DropCursorsExcept(names)
		return err
	})
	if err != nil {
		return fmt.Errorf("outbox cursors: %w", err)
	}
	for _, name := range slices.Sorted(maps.Keys(dropped)) {
		log.Warn("dropped the outbox cursor of an adapter no longer configured",
			"adapter", name, "undelivered", dropped[name])
	}
	return nil
}
