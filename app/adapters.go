package app

import (
	"io"
	"log/slog"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/console"
	"stagebot/config"
)

// buildAdapters makes one adapter per configured chat network.
func buildAdapters(cfg *config.Config, team stagebot.Team, stdin io.Reader, stdout io.Writer, log *slog.Logger) ([]bot.Adapter, error) {
	var out []bot.Adapter
	if cfg.Console {
		out = append(out, console.New(stdin, stdout, "console", "stagebot", team))
	}
	return out, nil
}
