package app

import (
	"io"
	"log/slog"
	"maps"
	"slices"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/console"
	ircbot "stagebot/bot/irc"
	matrixadapter "stagebot/bot/matrix"
	slackadapter "stagebot/bot/slack"
	"stagebot/chat"
	"stagebot/config"
)

// network makes one chat network's adapter from the config, or nil when the config does
// not have that network. Every network is made the same way: a factory of one signature,
// in a map keyed by the network's name; each maps its section of the config to its
// adapter's own Config.
type network func(cfg *config.Config, env adapterEnv) (bot.Adapter, error)

// adapterEnv is what an adapter is given besides its section of the config.
type adapterEnv struct {
	team     stagebot.Team
	render   chat.Renderer
	overview bot.Overview
	stdin    io.Reader
	stdout   io.Writer
	log      *slog.Logger
	// memory is what an adapter remembers across restarts beside the outbox (a Matrix
	// /sync position), each adapter's its own.
	memory func(adapter string) bot.Memory
}

// networks are the chat networks, by the name of their adapter (the key of its outbox
// cursors).
var networks = map[string]network{
	stagebot.NetworkConsole: newConsole,
	stagebot.NetworkIRC:     newIRC,
	stagebot.NetworkSlack:   newSlack,
	stagebot.NetworkMatrix:  newMatrix,
}

// buildAdapters makes one adapter per configured chat network, in the order of their names.
func buildAdapters(cfg *config.Config, env adapterEnv) ([]bot.Adapter, error) {
	var out []bot.Adapter
	for _, name := range slices.Sorted(maps.Keys(networks)) {
		a, err := networks[name](cfg, env)
		if err != nil {
			return nil, err
		}
		if a != nil {
			out = append(out, a)
		}
	}
	return out, nil
}

func newConsole(cfg *config.Config, env adapterEnv) (bot.Adapter, error) {
	if !cfg.Console {
		return nil, nil
	}
	// No command limit: the console is one trusted operator.
	return adapter(console.New(console.Config{In: env.stdin, Out: env.stdout, DefaultUser: "console", Nick: "stagebot",
		Prefix: cfg.CommandPrefix, Log: env.log}))
}

func newIRC(cfg *config.Config, env adapterEnv) (bot.Adapter, error) {
	c := cfg.IRC
	if c == nil {
		return nil, nil
	}
	ic := ircbot.Config{Server: c.Server, TLS: c.TLS, CAFile: c.CAFile, Password: c.Password, Nick: c.Nick, User: c.User,
		RealName: c.RealName, Channels: c.Channels, SendRate: c.SendRate, SendBurst: c.SendBurst,
		ReconnectMax: c.Reconnect.Duration, PingTimeout: c.PingTimeout.Duration,
		Prefix: cfg.CommandPrefix, Team: env.team, Log: env.log}
	if s := c.SASL; s != nil {
		ic.SASLMechanism, ic.SASLUser, ic.SASLPassword = s.Mechanism, s.User, s.Password
		ic.CertFile, ic.KeyFile = s.CertFile, s.KeyFile
	}
	return adapter(ircbot.New(ic))
}

func newSlack(cfg *config.Config, env adapterEnv) (bot.Adapter, error) {
	c := cfg.Slack
	if c == nil {
		return nil, nil
	}
	sc := slackadapter.Config{BotToken: c.BotToken, AppToken: c.AppToken, Channels: c.Channels, APIURL: c.APIURL,
		CommandPrefix: cfg.CommandPrefix, Team: env.team, Overview: env.overview, Log: env.log}
	if c.PingInterval != nil {
		sc.PingInterval = c.PingInterval.Duration
	}
	return adapter(slackadapter.New(sc))
}

func newMatrix(cfg *config.Config, env adapterEnv) (bot.Adapter, error) {
	c := cfg.Matrix
	if c == nil {
		return nil, nil
	}
	return adapter(matrixadapter.New(matrixadapter.Config{Homeserver: c.Homeserver, UserID: c.UserID,
		AccessToken: c.AccessToken, Rooms: c.Rooms, CommandPrefix: cfg.CommandPrefix, Team: env.team,
		Memory: env.memory(stagebot.NetworkMatrix), Log: env.log}))
}

// adapter is what a constructor made, as a bot.Adapter that is nil when it failed (not one
// holding a nil pointer).
func adapter[A bot.Adapter](a A, err error) (bot.Adapter, error) {
	if err != nil {
		return nil, err
	}
	return a, nil
}
