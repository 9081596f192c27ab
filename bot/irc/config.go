package irc

import (
	"log/slog"
	"time"

	"stagebot"
)

// Config is what the adapter needs: the irc section of the bot's config, mapped by whoever
// assembles the bot, with defaults filled in by New.
type Config struct {
	Server   string // host:port
	TLS      bool
	CAFile   string // extra CA for the server's certificate
	Nick     string
	User     string
	RealName string
	Channels []string
	// Password is the server (connection) password, sent as PASS; "" sends none.
	Password string
	// SASL: Mechanism "" = none, "PLAIN" (User, Password) or "EXTERNAL" (CertFile, KeyFile).
	SASLMechanism, SASLUser, SASLPassword, CertFile, KeyFile string

	SendRate     float64 // chat lines per second on the connection
	SendBurst    int
	ReconnectMax time.Duration
	PingTimeout  time.Duration

	// Prefix is command_prefix, which every command the bot names starts with.
	Prefix string
	// Team turns the members an announcement mentions into their nicks.
	Team stagebot.Team
	Log  *slog.Logger

	// What only the adapter (and its tests) tunes, set by withDefaults.
	reconnectMin  time.Duration
	pingFrequency time.Duration
	dialTimeout   time.Duration
	// registerTimeout bounds connecting, registering and joining; a server that accepts
	// the connection and then says nothing must not hold the bot forever.
	registerTimeout time.Duration
	// echoTimeout bounds the wait for the server's echo of an announcement.
	echoTimeout time.Duration
	// whoisTimeout bounds the wait for a WHOIS answer (identity of a sender without
	// account-tag).
	whoisTimeout time.Duration
	// regainEvery is how often the bot asks for its configured nick back after a collision.
	regainEvery time.Duration
}

func (c Config) withDefaults() Config {
	if c.Log == nil {
		c.Log = slog.Default()
	}
	if c.Prefix == "" {
		c.Prefix = "!"
	}
	if c.Nick == "" {
		c.Nick = "stagebot"
	}
	if c.User == "" {
		c.User = c.Nick
	}
	if c.RealName == "" {
		c.RealName = "stagebot click staging"
	}
	if c.SendRate <= 0 {
		c.SendRate = 2
	}
	if c.SendBurst <= 0 {
		c.SendBurst = 5
	}
	c.reconnectMin = 500 * time.Millisecond
	if c.ReconnectMax <= 0 {
		// Short enough that the bot is back within seconds of a server's return.
		c.ReconnectMax = 8 * time.Second
	}
	c.ReconnectMax = max(c.ReconnectMax, c.reconnectMin)
	if c.PingTimeout <= 0 {
		c.PingTimeout = 60 * time.Second
	}
	c.pingFrequency = max(c.PingTimeout/2, time.Second)
	c.dialTimeout = 10 * time.Second
	c.registerTimeout = 30 * time.Second
	c.echoTimeout = 20 * time.Second
	c.whoisTimeout = whoisTimeout
	c.regainEvery = 30 * time.Second
	return c
}
