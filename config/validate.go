package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"stagebot"
)

// DefaultMaxBytes caps downloads when the config names no cap: 2 GiB.
const DefaultMaxBytes = 2 << 30

func (c *Config) applyDefaults() {
	if c.StateDir == "" {
		c.StateDir = "./var"
	}
	if c.CommandPrefix == "" {
		c.CommandPrefix = "!"
	}
	if c.Downloads.MaxBytes == 0 {
		c.Downloads.MaxBytes = DefaultMaxBytes
	}
	if c.Downloads.MaxConcurrent == 0 {
		c.Downloads.MaxConcurrent = 2
	}
	if c.Downloads.Timeout.Duration == 0 {
		c.Downloads.Timeout.Duration = 30 * time.Minute
	}
	if c.Downloads.IdleTimeout.Duration == 0 {
		c.Downloads.IdleTimeout.Duration = 60 * time.Second
	}
	if c.ShutdownGrace.Duration == 0 {
		c.ShutdownGrace.Duration = 30 * time.Second
	}
	if c.Policy.Approvals == 0 {
		c.Policy.Approvals = 1
	}
	if c.Snakefruit.ListFile == "" {
		c.Snakefruit.ListFile = "locked_clicks_list"
	}
	if c.Snakefruit.OpTimeout.Duration == 0 {
		c.Snakefruit.OpTimeout.Duration = time.Minute
	}
	if c.Snakefruit.Target == "" {
		dir, err := filepath.Abs(filepath.Join(c.StateDir, "snakefruit"))
		if err != nil {
			dir = filepath.Join(c.StateDir, "snakefruit")
		}
		c.Snakefruit.Target = "file://" + dir
	}
	if c.ClickSync.Schedule == "" {
		c.ClickSync.Schedule = "0,30 * * * *"
	}
	if c.ClickSync.PollInterval.Duration == 0 {
		c.ClickSync.PollInterval.Duration = time.Minute
	}
	if c.ClickSync.AbsentAfter == 0 {
		c.ClickSync.AbsentAfter = 3
	}
	if c.IRC != nil {
		if c.IRC.Nick == "" {
			c.IRC.Nick = "stagebot"
		}
	}
	if c.Images != nil && c.Images.PollInterval.Duration == 0 {
		c.Images.PollInterval.Duration = 5 * time.Minute
	}
	if c.Publish != nil && c.Publish.Timeout.Duration == 0 {
		c.Publish.Timeout.Duration = 10 * time.Minute
	}
}

// ScheduleParser is the cron dialect of click_sync.schedule: five fields, UTC.
var ScheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

func (c *Config) validate(file string) Problems {
	var ps Problems
	bad := func(path, format string, args ...any) {
		ps = append(ps, Problem{File: file, Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if c.ShutdownGrace.Duration < 0 {
		bad("shutdown_grace", "must not be negative")
	}
	if len(c.CommandPrefix) > 3 || strings.ContainsAny(c.CommandPrefix, " \t") {
		bad("command_prefix", "must be 1 to 3 characters without spaces")
	}
	if c.IRC == nil && c.Slack == nil && c.Matrix == nil && !c.Console {
		bad("", "no chat adapter: configure irc, slack, matrix or console: true")
	}
	if c.IRC != nil {
		if _, port, err := net.SplitHostPort(c.IRC.Server); err != nil || port == "" {
			bad("irc.server", "must be host:port, got %q", c.IRC.Server)
		}
		if len(c.IRC.Channels) == 0 {
			bad("irc.channels", "at least one channel is needed")
		}
		for i, ch := range c.IRC.Channels {
			if !strings.HasPrefix(ch, "#") && !strings.HasPrefix(ch, "&") {
				bad(fmt.Sprintf("irc.channels[%d]", i), "%q is not a channel name", ch)
			}
		}
		if c.IRC.CAFile != "" {
			checkFile(bad, "irc.ca_file", c.IRC.CAFile)
		}
		if s := c.IRC.SASL; s != nil {
			switch strings.ToUpper(s.Mechanism) {
			case "PLAIN":
				if s.User == "" || s.Password == "" {
					bad("irc.sasl", "PLAIN needs user and password")
				}
				if !c.IRC.TLS && !loopbackServer(c.IRC.Server) {
					bad("irc.sasl", "PLAIN sends the password in the clear: needs tls: true (or a loopback server)")
				}
			case "EXTERNAL":
				if s.CertFile == "" || s.KeyFile == "" {
					bad("irc.sasl", "EXTERNAL needs cert_file and key_file")
				}
				if !c.IRC.TLS {
					bad("irc.sasl", "EXTERNAL needs tls: true (the certificate is the credential)")
				}
			default:
				bad("irc.sasl.mechanism", "must be PLAIN or EXTERNAL, got %q", s.Mechanism)
			}
		}
	}
	if c.Slack != nil {
		if !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
			bad("slack.bot_token", "must be a bot token (xoxb-...)")
		}
		if !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
			bad("slack.app_token", "must be an app-level token for Socket Mode (xapp-...)")
		}
		if len(c.Slack.Channels) == 0 {
			bad("slack.channels", "at least one channel ID is needed")
		}
		if c.Slack.APIURL != "" {
			checkURL(bad, "slack.api_url", c.Slack.APIURL, "http", "https")
		}
		if c.Slack.PingInterval != nil && c.Slack.PingInterval.Duration <= 0 {
			bad("slack.ping_interval", "must be more than 0 (leave it out for the default, 30s)")
		}
	}
	if m := c.Matrix; m != nil {
		checkURL(bad, "matrix.homeserver", m.Homeserver, "http", "https")
		if !matrixUserID.MatchString(m.UserID) {
			bad("matrix.user_id", "%q is not a full user ID such as @stagebot:example.org", m.UserID)
		}
		if m.AccessToken == "" || strings.ContainsAny(m.AccessToken, " \t\r\n") {
			bad("matrix.access_token", "required: the bot account's access token, without spaces")
		}
		if len(m.Rooms) == 0 {
			bad("matrix.rooms", "at least one room ID or alias is needed")
		}
		seen := map[string]bool{}
		for i, r := range m.Rooms {
			p := fmt.Sprintf("matrix.rooms[%d]", i)
			switch {
			case !matrixRoom.MatchString(r):
				bad(p, "%q is neither a room ID (!…) nor an alias (#name:server)", r)
			case seen[r]:
				bad(p, "%q is listed twice", r)
			}
			seen[r] = true
		}
	}
	if c.Downloads.BaseURL != "" {
		checkURL(bad, "downloads.base_url", c.Downloads.BaseURL, "http", "https")
	}
	if c.Downloads.MaxBytes < 0 {
		bad("downloads.max_bytes", "must be positive")
	}
	if c.Downloads.MaxConcurrent < 0 {
		bad("downloads.max_concurrent", "must be at least 1 (leave it out for the default, 2)")
	}
	if c.Downloads.Timeout.Duration < 0 {
		bad("downloads.timeout", "must be more than 0 (leave it out for the default, 30m)")
	}
	if c.Downloads.IdleTimeout.Duration < 0 {
		bad("downloads.idle_timeout", "must be more than 0 (leave it out for the default, 60s)")
	}
	for i, h := range c.Downloads.AllowedHosts {
		host := strings.TrimPrefix(h, "*.")
		if _, err := netip.ParseAddr(h); err == nil && !strings.Contains(h, "%") {
			continue // an IP, IPv6 ones with their colons
		}
		if host == "" || strings.ContainsAny(host, ":/ *%[]") {
			bad(fmt.Sprintf("downloads.allowed_hosts[%d]", i), "%q is not a host name or IP (no port, only a leading \"*.\")", h)
		}
	}
	checkTeam(bad, "team.landing", c.Team.Landing)
	checkTeam(bad, "team.qa", c.Team.QA)
	checkTeam(bad, "team.landers", c.Team.Landers)
	if len(c.Team.Landing) == 0 {
		bad("team.landing", "nobody could approve: list at least one landing-team member")
	}
	if len(c.Team.Landers) == 0 {
		bad("team.landers", "nobody could stage: list landers, or [{name: \"*\"}] for anyone")
	}
	if c.Policy.Approvals < 1 {
		bad("policy.approvals", "must be at least 1")
	}
	if c.Policy.RemindAfter != nil && c.Policy.RemindAfter.Duration < 0 {
		bad("policy.remind_after", "must not be negative (0 = never)")
	}
	if c.Policy.ExpireAfter != nil && c.Policy.ExpireAfter.Duration < 0 {
		bad("policy.expire_after", "must not be negative (0 = never)")
	}
	for _, e := range c.SnakefruitConfig().Check() {
		bad("snakefruit."+e.Field, "%s", e.Problem)
	}
	if strings.HasPrefix(c.Snakefruit.Target, "sftp:") {
		// What the start reads: refused here as it would be there.
		if c.Snakefruit.SSHKey != "" {
			checkFile(bad, "snakefruit.ssh_key", c.Snakefruit.SSHKey)
		}
		if c.Snakefruit.KnownHosts != "" {
			checkFile(bad, "snakefruit.known_hosts", c.Snakefruit.KnownHosts)
		}
	}
	if c.Snakefruit.OpTimeout.Duration < 0 {
		bad("snakefruit.op_timeout", "must not be negative")
	}
	if _, err := ScheduleParser.Parse(c.ClickSync.Schedule); err != nil {
		bad("click_sync.schedule", "not a cron schedule: %v", err)
	}
	// Intervals below a second are for tests against local servers; 10ms keeps a typo from
	// turning the bot into a busy loop.
	if c.ClickSync.PollInterval.Duration < 10*time.Millisecond {
		bad("click_sync.poll_interval", "must be at least 10ms")
	}
	if c.ClickSync.AbsentAfter < 0 {
		bad("click_sync.absent_after", "must not be negative")
	}
	if c.Images != nil {
		checkURL(bad, "images.server", c.Images.Server, "http", "https")
		if c.Images.RCProposedChannel == "" {
			bad("images.rc_proposed_channel", "required")
		}
		if c.Images.StableChannel == "" {
			bad("images.stable_channel", "required")
		}
		if c.Images.Device == "" {
			bad("images.device", "required")
		}
		if c.Images.PollInterval.Duration < 10*time.Millisecond {
			bad("images.poll_interval", "must be at least 10ms")
		}
	}
	if c.Publish != nil && len(c.Publish.Command) == 0 {
		bad("publish.command", "must list the program and its arguments")
	}
	if c.Signing.Keyring != "" {
		checkFile(bad, "signing.keyring", c.Signing.Keyring)
	}
	if c.HTTP != nil {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			bad("http.listen", "must be host:port, got %q", c.HTTP.Listen)
		}
	}
	return ps
}

func checkTeam(bad func(string, string, ...any), path string, ms []stagebot.Member) {
	for i, m := range ms {
		p := fmt.Sprintf("%s[%d]", path, i)
		if m.Name == "" {
			bad(p+".name", "required")
		}
		if m.Matrix != "" && (!matrixUserID.MatchString(m.Matrix) || strings.ContainsAny(m.Matrix, "*?")) {
			bad(p+".matrix", "%q must be a full user ID such as @name:example.org (no wildcards)", m.Matrix)
		}
		if m.IRC != "" && !strings.HasPrefix(m.IRC, "account:") && strings.Count(m.IRC, "!") != 1 {
			bad(p+".irc", "%q must be a hostmask pattern nick!user@host or account:NAME", m.IRC)
		}
		if m.IRC != "" && !strings.HasPrefix(m.IRC, "account:") && !strings.Contains(m.IRC, "@") {
			bad(p+".irc", "%q must be a hostmask pattern nick!user@host or account:NAME", m.IRC)
		} else if host, ok := maskHost(m.IRC); ok && !hasLiteral(host) {
			// Anyone can take a nick, and the user part (ident) is the client's to choose:
			// a pattern that pins no host trusts a nick alone.
			bad(p+".irc", "%q trusts anyone who takes the nick: its host part has no literal character; use account:NAME (the services account) or a host cloak such as \"%s!*@user/cloak\"", m.IRC, maskNick(m.IRC))
		}
	}
}

// matrixUserID is a full Matrix user ID: "@", a localpart (printable, no colon), ":" and a
// server name (a host, an IPv4 or bracketed IPv6 address, an optional port).
var matrixUserID = regexp.MustCompile(`^@[!-9;-~]+:([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$`)

// matrixRoom is a room ID (!opaque, with or without a server part) or an alias
// (#name:server).
var matrixRoom = regexp.MustCompile(`^(![!-~]+|#[!-9;-~]+:([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?)$`)

// maskHost is the host part of a hostmask pattern (after its last @).
func maskHost(p string) (string, bool) {
	if strings.HasPrefix(p, "account:") {
		return "", false
	}
	i := strings.LastIndexByte(p, '@')
	if i < 0 {
		return "", false
	}
	return p[i+1:], true
}

func maskNick(p string) string {
	nick, _, _ := strings.Cut(p, "!")
	return nick
}

// hasLiteral reports whether a host pattern names anything: a character other than the
// wildcards and the dots between labels.
func hasLiteral(host string) bool {
	return strings.Trim(host, "*?.") != "" && strings.ContainsFunc(host, func(r rune) bool { return r != '*' && r != '?' && r != '.' })
}

func checkURL(bad func(string, string, ...any), path, raw string, schemes ...string) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		bad(path, "%q is not a URL", raw)
		return
	}
	for _, s := range schemes {
		if u.Scheme == s {
			return
		}
	}
	bad(path, "scheme must be one of %s", strings.Join(schemes, ", "))
}

func checkFile(bad func(string, string, ...any), path, file string) {
	if _, err := os.Stat(file); err != nil {
		bad(path, "cannot read %s: %v", file, unwrapPath(err))
	}
}

func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}
