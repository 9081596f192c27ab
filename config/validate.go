package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"stagebot"
)

// DefaultMaxBytes caps downloads when the config names no cap: 2 GiB.
const DefaultMaxBytes = 2 << 30

// applyDefaults fills what the file leaves out. A number or duration is defaulted only when
// its key is absent (given reports the keys the file sets): written as 0 it is judged by
// validate, never silently replaced. dir is the config file's folder ("" = none), which
// relative paths are taken from.
func (c *Config) applyDefaults(dir string, given func(path string) bool) {
	unset := func(path string) bool { return !given(path) }
	if c.StateDir == "" {
		c.StateDir = "./var"
	}
	c.resolveFiles(dir)
	if c.CommandPrefix == "" {
		c.CommandPrefix = "!"
	}
	if c.LogLevel == "" {
		c.LogLevel = "info"
	}
	if c.LogFormat == "" {
		c.LogFormat = "text"
	}
	if unset("downloads.max_bytes") {
		c.Downloads.MaxBytes = DefaultMaxBytes
	}
	if unset("downloads.max_concurrent") {
		c.Downloads.MaxConcurrent = 2
	}
	if unset("downloads.timeout") {
		c.Downloads.Timeout.Duration = 30 * time.Minute
	}
	if unset("downloads.idle_timeout") {
		c.Downloads.IdleTimeout.Duration = 60 * time.Second
	}
	if unset("shutdown_grace") {
		c.ShutdownGrace.Duration = 30 * time.Second
	}
	if unset("policy.approvals") {
		c.Policy.Approvals = 1
	}
	if c.Snakefruit.ListFile == "" {
		c.Snakefruit.ListFile = "locked_clicks_list"
	}
	if unset("snakefruit.op_timeout") {
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
	if unset("click_sync.poll_interval") {
		c.ClickSync.PollInterval.Duration = time.Minute
	}
	if unset("click_sync.absent_after") {
		c.ClickSync.AbsentAfter = 3
	}
	if c.IRC != nil && c.IRC.Nick == "" {
		c.IRC.Nick = "stagebot"
	}
	if c.Images != nil && unset("images.poll_interval") {
		c.Images.PollInterval.Duration = 5 * time.Minute
	}
	if c.Publish != nil && unset("publish.timeout") {
		c.Publish.Timeout.Duration = 10 * time.Minute
	}
}

// ScheduleParser is the cron dialect of click_sync.schedule: five fields, UTC.
var ScheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// checker collects what validate and readFiles find.
type checker struct {
	file      string
	durations []givenDuration
	// decoded are the problems found reading the file: a key that could not be read is not
	// judged again on the zero value it was left with.
	decoded  Problems
	only     []string
	problems Problems
}

func (c *checker) add(warning bool, path, format string, args ...any) {
	if c.failed(path) {
		return
	}
	c.problems = append(c.problems, Problem{File: c.file, Path: path, Message: fmt.Sprintf(format, args...), Warning: warning})
}

func (c *checker) bad(path, format string, args ...any)  { c.add(false, path, format, args...) }
func (c *checker) warn(path, format string, args ...any) { c.add(true, path, format, args...) }

// failed reports whether reading the file failed at path or at a key holding it.
func (c *checker) failed(path string) bool {
	return slices.ContainsFunc(c.decoded, func(p Problem) bool { return within(path, p.Path) })
}

// wants reports whether the command asked about path (Only): files it does not ask about
// are not read.
func (c *checker) wants(path string) bool {
	return len(c.only) == 0 || slices.ContainsFunc(c.only, func(k string) bool { return within(path, k) })
}

// zeroMeansNever are the durations for which 0 is a setting (never) rather than a mistake.
var zeroMeansNever = []string{"policy.remind_after", "policy.expire_after"}

func (c *Config) validate(ck *checker) {
	bad := ck.bad
	for _, g := range ck.durations {
		switch never := slices.Contains(zeroMeansNever, g.path); {
		case never && g.d.Duration < 0:
			bad(g.path, "must not be negative (0 = never)")
		case !never && g.d.Duration <= 0:
			bad(g.path, "must be more than 0 (leave it out for the default)")
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, c.LogLevel) {
		bad("log_level", "must be debug, info, warn or error, got %q", c.LogLevel)
	}
	if !slices.Contains([]string{"text", "json"}, c.LogFormat) {
		bad("log_format", "must be text or json, got %q", c.LogFormat)
	}
	if len(c.CommandPrefix) > 3 || strings.ContainsAny(c.CommandPrefix, " \t") {
		bad("command_prefix", "must be 1 to 3 characters without spaces")
	}
	if c.IRC == nil && c.Slack == nil && c.Matrix == nil && !c.Console {
		bad("", "no chat adapter: configure irc, slack, matrix or console: true")
	}
	if c.IRC != nil {
		c.IRC.validate(ck)
	}
	if c.Slack != nil {
		c.Slack.validate(ck)
	}
	if c.Matrix != nil {
		c.Matrix.validate(ck)
	}
	if c.Downloads.BaseURL != "" {
		checkURL(bad, "downloads.base_url", c.Downloads.BaseURL, "http", "https")
	}
	if c.Downloads.MaxBytes <= 0 {
		bad("downloads.max_bytes", "must be more than 0 (leave it out for the default, 2 GiB)")
	}
	if c.Downloads.MaxConcurrent < 1 {
		bad("downloads.max_concurrent", "must be at least 1 (leave it out for the default, 2)")
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
	c.validateTeam(ck)
	if c.Policy.Approvals < 1 {
		bad("policy.approvals", "must be at least 1 (leave it out for the default, 1)")
	} else if named := namedLanding(c.Team); !slices.ContainsFunc(c.Team.Landing, stagebot.Member.Wildcard) && len(named) > 0 && c.Policy.Approvals > len(named) {
		bad("policy.approvals", "%d approvals can never be given: team.landing names %d %s", c.Policy.Approvals, len(named), plural(len(named), "person", "people"))
	}
	for _, e := range c.SnakefruitConfig().Check() {
		bad("snakefruit."+e.Field, "%s", e.Problem)
	}
	if r := c.Snakefruit.Retry; r.Initial.Duration > 0 && r.Max.Duration > 0 && r.Initial.Duration > r.Max.Duration {
		bad("snakefruit.retry.initial", "must not be more than retry.max (%v)", r.Max.Duration)
	}
	if _, err := ScheduleParser.Parse(c.ClickSync.Schedule); err != nil {
		bad("click_sync.schedule", "not a cron schedule: %v", err)
	}
	// Intervals below a second are for tests against local servers; 10ms keeps a typo from
	// turning the bot into a busy loop.
	if d := c.ClickSync.PollInterval.Duration; d > 0 && d < 10*time.Millisecond {
		bad("click_sync.poll_interval", "must be at least 10ms")
	}
	if c.ClickSync.AbsentAfter < 1 {
		bad("click_sync.absent_after", "must be at least 1 (leave it out for the default, 3)")
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
		if d := c.Images.PollInterval.Duration; d > 0 && d < 10*time.Millisecond {
			bad("images.poll_interval", "must be at least 10ms")
		}
	}
	if c.Publish != nil && len(c.Publish.Command) == 0 {
		bad("publish.command", "must list the program and its arguments")
	}
	if c.HTTP != nil {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			bad("http.listen", "must be host:port, got %q", c.HTTP.Listen)
		}
	}
}

func (c *IRC) validate(ck *checker) {
	bad := ck.bad
	if _, port, err := net.SplitHostPort(c.Server); err != nil || port == "" {
		bad("irc.server", "must be host:port, got %q", c.Server)
	}
	if !validNick(c.Nick) {
		bad("irc.nick", "%q is not an IRC nick: a letter or one of [ ] \\ ` _ ^ { | } first, then those, digits and -", c.Nick)
	}
	if c.User != "" && strings.ContainsFunc(c.User, func(r rune) bool { return r <= ' ' || r == '@' || r == '!' || r == 0x7f }) {
		bad("irc.user", "%q is not an ident: no spaces, @ or !", c.User)
	}
	if strings.ContainsAny(c.RealName, "\r\n\x00") {
		bad("irc.realname", "must be one line")
	}
	if len(c.Channels) == 0 {
		bad("irc.channels", "at least one channel is needed")
	}
	for i, ch := range c.Channels {
		if len(ch) < 2 || (ch[0] != '#' && ch[0] != '&') || strings.ContainsFunc(ch, func(r rune) bool { return r <= ' ' || r == ',' || r == 0x7f }) {
			bad(fmt.Sprintf("irc.channels[%d]", i), "%q is not a channel name (# or & first, no spaces or commas)", ch)
		}
	}
	if c.SendRate < 0 {
		bad("irc.send_rate", "must not be negative (0 = the default)")
	}
	if c.SendBurst < 0 {
		bad("irc.send_burst", "must not be negative (0 = the default)")
	}
	if c.Password != "" && !c.TLS && !loopbackServer(c.Server) && !ck.failed("irc.tls") {
		ck.warn("irc.password", "sent in the clear without tls: true: anyone on the path can read it")
	}
	s := c.SASL
	if s == nil {
		return
	}
	switch strings.ToUpper(s.Mechanism) {
	case "PLAIN":
		if s.User == "" {
			bad("irc.sasl.user", "required for PLAIN")
		}
		if s.Password == "" {
			bad("irc.sasl.password", "required for PLAIN")
		}
		if !c.TLS && !loopbackServer(c.Server) && !ck.failed("irc.tls") {
			bad("irc.sasl", "PLAIN sends the password in the clear: needs tls: true (or a loopback server)")
		}
	case "EXTERNAL":
		if s.CertFile == "" {
			bad("irc.sasl.cert_file", "required for EXTERNAL")
		}
		if s.KeyFile == "" {
			bad("irc.sasl.key_file", "required for EXTERNAL")
		}
		if !c.TLS && !ck.failed("irc.tls") {
			bad("irc.sasl", "EXTERNAL needs tls: true (the certificate is the credential)")
		}
	default:
		bad("irc.sasl.mechanism", "must be PLAIN or EXTERNAL, got %q", s.Mechanism)
	}
	if s.CertFile != "" && s.KeyFile == "" && !strings.EqualFold(s.Mechanism, "EXTERNAL") {
		bad("irc.sasl.key_file", "required with cert_file")
	}
}

// nickChars are the characters besides letters and digits that RFC 2812 allows in a nick.
const nickSpecial = "[]\\`_^{|}"

// validNick reports whether s is a nick every server takes (RFC 2812's characters; length
// is the server's NICKLEN, which it enforces itself).
func validNick(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.IndexByte(nickSpecial, c) >= 0
		if !letter && (i == 0 || !('0' <= c && c <= '9' || c == '-')) {
			return false
		}
	}
	return true
}

var (
	// Slack IDs: a channel (C, or G for an old private one) and a user (U, or W on
	// Enterprise Grid); Slack's names are lower case, its IDs upper case.
	slackChannelID = regexp.MustCompile(`^[CG][A-Z0-9]+$`)
	slackUserID    = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
)

func (c *Slack) validate(ck *checker) {
	bad := ck.bad
	if !strings.HasPrefix(c.BotToken, "xoxb-") {
		bad("slack.bot_token", "must be a bot token (xoxb-...)")
	}
	if !strings.HasPrefix(c.AppToken, "xapp-") {
		bad("slack.app_token", "must be an app-level token for Socket Mode (xapp-...)")
	}
	if len(c.Channels) == 0 {
		bad("slack.channels", "at least one channel ID is needed")
	}
	for i, ch := range c.Channels {
		if !slackChannelID.MatchString(ch) {
			bad(fmt.Sprintf("slack.channels[%d]", i), "%q is not a channel ID: give the ID (C... or G..., at the bottom of the channel's details), not its name", ch)
		}
	}
	if c.APIURL != "" {
		checkURL(bad, "slack.api_url", c.APIURL, "http", "https")
	}
}

func (c *Config) validateTeam(ck *checker) {
	for _, l := range []struct {
		path    string
		members []stagebot.Member
		role    string
	}{{"team.landing", c.Team.Landing, "approve"}, {"team.qa", c.Team.QA, "sign off"}, {"team.landers", c.Team.Landers, ""}} {
		for i, m := range l.members {
			p := fmt.Sprintf("%s[%d]", l.path, i)
			if m.Name == "" {
				ck.bad(p+".name", "required")
			}
			if m.IRC != "" {
				if err := stagebot.CheckIRC(m.IRC); err != nil {
					ck.bad(p+".irc", "%v", err)
				}
			}
			if m.Slack != "" && !slackUserID.MatchString(m.Slack) {
				ck.bad(p+".slack", "%q is not a Slack user ID (U... or W..., a profile's \"Copy member ID\")", m.Slack)
			}
			if m.Matrix != "" && !matrixUserID.MatchString(m.Matrix) {
				ck.bad(p+".matrix", "%q is not a full Matrix user ID such as @name:example.org (no wildcards)", m.Matrix)
			}
			if m.Wildcard() && l.role != "" {
				ck.warn(p+".name", "\"*\" lets anyone %s", l.role)
			}
		}
	}
	if len(c.Team.Landing) == 0 {
		ck.bad("team.landing", "nobody could approve: list at least one landing-team member")
	}
	if len(c.Team.Landers) == 0 {
		ck.bad("team.landers", "nobody could stage: list landers, or [{name: \"*\"}] for anyone")
	}
}

// namedLanding is the landing team's distinct people: an entry with an IRC and a Slack
// identity, or a name listed twice, is one person, whose approvals count once.
func namedLanding(t stagebot.Team) []string {
	var names []string
	for _, m := range t.Landing {
		if m.Name != "" && !m.Wildcard() && !slices.Contains(names, m.Name) {
			names = append(names, m.Name)
		}
	}
	return names
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
