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
	// SASL: Mechanism "" = none, "PLAIN" (User, Password) or "EXTERNAL" (CertFile, KeyFile).
	SASLMechanism, SASLUser, SASLPassword, CertFile, KeyFile string

	SendRate      float64 // chat lines per second on the connection
	SendBurst     int
	ReconnectMin  time.Duration
	ReconnectMax  time.Duration
	PingFrequency time.Duration
	PingTimeout   time.Duration
	DialTimeout   time.Duration
	// RegisterTimeout bounds connecting, registering and joining; a server that accepts
	// the connection and then says nothing must not hold the bot forever.
	RegisterTimeout time.Duration
	// EchoTimeout bounds the wait for the server's echo of an announcement.
	EchoTimeout time.Duration
	// WhoisTimeout bounds the wait for a WHOIS answer (identity of a sender without
	// account-tag).
	WhoisTimeout time.Duration
	// RegainEvery is how often the bot asks for its configured nick back after a collision.
	RegainEvery time.Duration

	// Prefix is command_prefix, which every command the bot names starts with.
	Prefix string
	// Team turns the members an announcement mentions into their nicks.
	Team stagebot.Team
	Log  *slog.Logger
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
	if c.ReconnectMin <= 0 {
		c.ReconnectMin = 500 * time.Millisecond
	}
	if c.ReconnectMax <= 0 {
		// Short enough that the bot is back within seconds of a server's return.
		c.ReconnectMax = 8 * time.Second
	}
	c.ReconnectMax = max(c.ReconnectMax, c.ReconnectMin)
	if c.PingTimeout <= 0 {
		c.PingTimeout = 60 * time.Second
	}
	if c.PingFrequency <= 0 {
		c.PingFrequency = max(c.PingTimeout/2, time.Second)
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.RegisterTimeout <= 0 {
		c.RegisterTimeout = 30 * time.Second
	}
	if c.EchoTimeout <= 0 {
		c.EchoTimeout = 20 * time.Second
	}
	if c.WhoisTimeout <= 0 {
		c.WhoisTimeout = whoisTimeout
	}
	if c.RegainEvery <= 0 {
		c.RegainEvery = 30 * time.Second
	}
	return c
}
