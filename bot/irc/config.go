package irc

import (
	"fmt"
	"time"

	"stagebot/config"
)

// Config is what the adapter needs from the irc section, with defaults filled in.
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
	// CommandLimit commands per CommandPer from one hostmask (floodgate); 0 = no limit.
	CommandLimit int
	CommandPer   time.Duration
	// WhoisTimeout bounds the wait for a WHOIS answer (identity of a sender without
	// account-tag).
	WhoisTimeout time.Duration
	// RegainEvery is how often the bot asks for its configured nick back after a collision.
	RegainEvery time.Duration
}

// FromConfig converts the irc section.
func FromConfig(c *config.IRC) Config {
	out := Config{Server: c.Server, TLS: c.TLS, CAFile: c.CAFile, Nick: c.Nick, User: c.User,
		RealName: c.RealName, Channels: c.Channels, SendRate: c.SendRate, SendBurst: c.SendBurst,
		ReconnectMax: c.Reconnect.Duration, PingTimeout: c.PingTimeout.Duration}
	if s := c.SASL; s != nil {
		out.SASLMechanism, out.SASLUser, out.SASLPassword = s.Mechanism, s.User, s.Password
		out.CertFile, out.KeyFile = s.CertFile, s.KeyFile
	}
	return out.withDefaults()
}

// limitText is the command limit in words, for the "slow down" reply.
func (c Config) limitText() string {
	return fmt.Sprintf("at most %d commands per %s", c.CommandLimit, c.CommandPer)
}

func (c Config) withDefaults() Config {
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
