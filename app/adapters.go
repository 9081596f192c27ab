package app

import (
	"io"
	"log/slog"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/console"
	ircbot "stagebot/bot/irc"
	slackadapter "stagebot/bot/slack"
	"stagebot/config"
)

// buildAdapters makes one adapter per configured chat network.
func buildAdapters(cfg *config.Config, team stagebot.Team, stdin io.Reader, stdout io.Writer, log *slog.Logger) ([]bot.Adapter, error) {
	var out []bot.Adapter
	if cfg.Console {
		out = append(out, console.New(stdin, stdout, "console", "stagebot", team))
	}
	if cfg.IRC != nil {
		ic := ircbot.FromConfig(cfg.IRC)
		lim := cfg.Limits.CommandRate()
		ic.CommandLimit, ic.CommandPer = lim.N, lim.Per
		out = append(out, ircbot.New(ic, team, log))
	}
	if cfg.Slack != nil {
		sc := slackadapter.Config{BotToken: cfg.Slack.BotToken, AppToken: cfg.Slack.AppToken,
			Channels: cfg.Slack.Channels, APIURL: cfg.Slack.APIURL, CommandPrefix: cfg.CommandPrefix, Log: log}
		lim := cfg.Limits.CommandRate()
		sc.CommandLimit, sc.CommandPer = lim.N, lim.Per
		if cfg.Slack.PingInterval != nil {
			sc.PingInterval = cfg.Slack.PingInterval.Duration
		}
		sa, err := slackadapter.New(sc)
		if err != nil {
			return nil, err
		}
		out = append(out, sa)
	}
	return out, nil
}
