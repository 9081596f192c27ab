// Package config reads stagebot's YAML configuration: ${VAR} expansion from the environment,
// unknown keys and unset variables as errors, and every problem reported at once with the
// key path it concerns, so one run of check-config shows all that is wrong.
package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"stagebot"
	"stagebot/snakefruit"
)

// Config is the whole file (contract section 2).
type Config struct {
	StateDir      string `yaml:"state_dir"`
	CommandPrefix string `yaml:"command_prefix"`
	Console       bool   `yaml:"console"`
	LogLevel      string `yaml:"log_level"`
	LogFormat     string `yaml:"log_format"` // text | json
	// ShutdownGrace is how long, after SIGTERM, the work under way (the worker's job, HTTP
	// requests) may finish: one period for the whole shutdown.
	ShutdownGrace Duration      `yaml:"shutdown_grace"`
	IRC           *IRC          `yaml:"irc"`
	Slack         *Slack        `yaml:"slack"`
	Matrix        *Matrix       `yaml:"matrix"`
	Downloads     Downloads     `yaml:"downloads"`
	Team          stagebot.Team `yaml:"team"`
	Policy        Policy        `yaml:"policy"`
	Snakefruit    Snakefruit    `yaml:"snakefruit"`
	ClickSync     ClickSync     `yaml:"click_sync"`
	Images        *Images       `yaml:"images"`
	Publish       *Publish      `yaml:"publish"`
	Signing       Signing       `yaml:"signing"`
	Receipts      Receipts      `yaml:"receipts"`
	Frameworks    Frameworks    `yaml:"frameworks"`
	HTTP          *HTTP         `yaml:"http"`
	Limits        Limits        `yaml:"limits"`

	// Warnings are what Load found worth saying about a valid file (check-config prints
	// them; they stop nothing).
	Warnings Problems `yaml:"-"`
}

// IRC is the irc section.
type IRC struct {
	Server      string   `yaml:"server"`
	TLS         bool     `yaml:"tls"`
	Nick        string   `yaml:"nick"`
	User        string   `yaml:"user"`
	RealName    string   `yaml:"realname"`
	Channels    []string `yaml:"channels"`
	Password    string   `yaml:"password"` // the server (connection) password, sent as PASS
	CAFile      string   `yaml:"ca_file"`
	SASL        *SASL    `yaml:"sasl"`
	SendRate    float64  `yaml:"send_rate"`  // lines per second per target; 0 = default
	SendBurst   int      `yaml:"send_burst"` // 0 = default
	Reconnect   Duration `yaml:"reconnect_max"`
	PingTimeout Duration `yaml:"ping_timeout"`
}

// SASL is irc.sasl.
type SASL struct {
	Mechanism string `yaml:"mechanism"`
	User      string `yaml:"user"`
	Password  string `yaml:"password"`
	CertFile  string `yaml:"cert_file"`
	KeyFile   string `yaml:"key_file"`
}

// Slack is the slack section.
type Slack struct {
	BotToken string   `yaml:"bot_token"`
	AppToken string   `yaml:"app_token"`
	Channels []string `yaml:"channels"`
	APIURL   string   `yaml:"api_url"`
	// PingInterval is how long the Socket Mode connection may go without Slack's ping
	// before it counts as dead and is replaced; nil = slack-go's default (30s).
	PingInterval *Duration `yaml:"ping_interval"`
}

// Downloads is the downloads section.
type Downloads struct {
	BaseURL      string   `yaml:"base_url"`
	MaxBytes     int64    `yaml:"max_bytes"`
	AllowedHosts []string `yaml:"allowed_hosts"`
	Timeout      Duration `yaml:"timeout"`
	// IdleTimeout fails a download that brings no byte for this long.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// MaxConcurrent is how many downloads run at once (one per person); more wait.
	MaxConcurrent int `yaml:"max_concurrent"`
}

// Policy is the policy section: the domain's stagebot.Policy as the file writes it (its
// durations as text, and whether they were given at all).
type Policy struct {
	Approvals    int       `yaml:"approvals"`
	QASignoff    bool      `yaml:"qa_signoff"`
	SelfApproval bool      `yaml:"self_approval"`
	RemindAfter  *Duration `yaml:"remind_after"`
	ExpireAfter  *Duration `yaml:"expire_after"`
}

// Snakefruit is the snakefruit section.
type Snakefruit struct {
	Target     string   `yaml:"target"`
	ListFile   string   `yaml:"list_file"`
	SSHKey     string   `yaml:"ssh_key"`
	Passphrase string   `yaml:"passphrase"`
	KnownHosts string   `yaml:"known_hosts"`
	Retry      Retry    `yaml:"retry"`
	Timeout    Duration `yaml:"timeout"`
	// OpTimeout: an SFTP operation that hears nothing from the server for this long is
	// abandoned, its connection replaced, and its job retried.
	OpTimeout Duration `yaml:"op_timeout"`
	// Preupload (default true) copies a click to a hidden pending file on snakefruit while
	// its request waits, so that approval only renames it.
	Preupload *bool `yaml:"preupload"`
}

// PreuploadOn is snakefruit.preupload with its default.
func (s Snakefruit) PreuploadOn() bool { return s.Preupload == nil || *s.Preupload }

// Retry is snakefruit.retry: the worker's backoff.
type Retry struct {
	Initial Duration `yaml:"initial"`
	Max     Duration `yaml:"max"`
	GiveUp  Duration `yaml:"give_up"`
}

// ClickSync is the click_sync section.
type ClickSync struct {
	Schedule     string   `yaml:"schedule"`
	WatchList    string   `yaml:"watch_list"`
	PollInterval Duration `yaml:"poll_interval"`
	AbsentAfter  int      `yaml:"absent_after"` // ticks a locked click may be missing from the synced list before it is flagged
}

// Images is the images section.
type Images struct {
	Server            string   `yaml:"server"`
	RCProposedChannel string   `yaml:"rc_proposed_channel"`
	StableChannel     string   `yaml:"stable_channel"`
	Device            string   `yaml:"device"`
	PollInterval      Duration `yaml:"poll_interval"`
}

// Publish is the publish section.
type Publish struct {
	Command []string `yaml:"command"`
	Timeout Duration `yaml:"timeout"`
}

// Signing is the signing section.
type Signing struct {
	Keyring string `yaml:"keyring"`
}

// Receipts is the receipts section.
type Receipts struct {
	// Key is the ed25519 private key (PKCS#8 PEM) that signs every lock's receipt; "" = no
	// receipts.
	Key string `yaml:"key"`
}

// Frameworks lists the frameworks stable images already have, so a request can say whether
// its click needs one that stable lacks (the reason to stage at all).
type Frameworks struct {
	Stable []string `yaml:"stable"`
}

// HTTP is the http section.
type HTTP struct {
	Listen        string `yaml:"listen"`
	WebhookSecret string `yaml:"webhook_secret"`
}

// Duration is a time.Duration written as "30s", "4h", "14d".
type Duration struct{ time.Duration }

// UnmarshalYAML reads a duration (ParseDuration).
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("expected a duration such as 30s, 4h or 14d")
	}
	v, err := ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("expected a duration such as 30s, 4h or 14d, got %q", n.Value)
	}
	d.Duration = v
	return nil
}

// ParseDuration is time.ParseDuration with days ("d", 24h) beside Go's units: expiry is
// counted in days, and "336h" is not how anyone says two weeks. Days may lead a Go
// duration ("1d12h") and carry a fraction ("1.5d"); a sign applies to the whole.
func ParseDuration(s string) (time.Duration, error) {
	orig := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	var days time.Duration
	i := strings.IndexByte(s, 'd')
	if i >= 0 {
		n, err := strconv.ParseFloat(s[:i], 64)
		// ParseFloat accepts what a duration must not: signs, exponents, "inf".
		if err != nil || i == 0 || strings.ContainsAny(s[:i], "+-eExXpPiInN") || n*24 > float64(math.MaxInt64/int64(time.Hour)) {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
		days = time.Duration(n * float64(24*time.Hour))
		s = s[i+1:]
	}
	var rest time.Duration
	if s != "" || i < 0 {
		var err error
		if rest, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("invalid duration %q", orig)
		}
	}
	if rest < 0 || days+rest < days {
		return 0, fmt.Errorf("invalid duration %q", orig)
	}
	if neg {
		return -(days + rest), nil
	}
	return days + rest, nil
}

// MarshalYAML writes the duration back as a string.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// DefaultExpireAfter is policy.expire_after when the file does not say.
const DefaultExpireAfter = 14 * 24 * time.Hour

// Domain returns the team and policy as the workflow knows them.
func (c *Config) Domain() (stagebot.Team, stagebot.Policy) {
	t := c.Team
	p := stagebot.Policy{Approvals: c.Policy.Approvals, QASignoff: c.Policy.QASignoff, SelfApproval: c.Policy.SelfApproval, RemindAfter: 4 * time.Hour}
	p.ExpireAfter = DefaultExpireAfter
	if c.Policy.ExpireAfter != nil {
		p.ExpireAfter = c.Policy.ExpireAfter.Duration
	}
	if c.Policy.RemindAfter != nil {
		p.RemindAfter = c.Policy.RemindAfter.Duration
	}
	return t, p
}

// SnakefruitConfig is the snakefruit section as package snakefruit takes it: for the
// worker's target, the readiness probe and Validate alike, so that what check-config
// passes is what the start opens.
func (c *Config) SnakefruitConfig() snakefruit.Config {
	return snakefruit.Config{
		Target: c.Snakefruit.Target, ListFile: c.Snakefruit.ListFile, SSHKey: c.Snakefruit.SSHKey,
		Passphrase: c.Snakefruit.Passphrase, KnownHosts: c.Snakefruit.KnownHosts,
		DialTimeout: c.Snakefruit.Timeout.Duration, OpTimeout: c.Snakefruit.OpTimeout.Duration,
	}
}
