package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if !c.Console || c.CommandPrefix != "!" || !strings.HasPrefix(c.Snakefruit.Target, "file:///") {
		t.Fatalf("default: %+v", c)
	}
	team, policy := c.Domain()
	if len(team.Landing) != 1 || team.Landing[0].Name != "*" || policy.SelfApproval || policy.RemindAfter != 4*time.Hour {
		t.Fatalf("default team/policy: %+v %+v", team, policy)
	}
}

func TestParseProblems(t *testing.T) {
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	cases := []struct {
		name string
		yaml string
		want []string // every problem expected, as "path: message" fragments
	}{
		{"valid", base, nil},
		{"shutdown_grace", base + "shutdown_grace: 45s\n", nil},
		{"shutdown_grace negative", base + "shutdown_grace: -1s\n", []string{"shutdown_grace: must be more than 0"}},
		{"unknown top key", base + "colour: red\n", []string{"colour: unknown key"}},
		{"unknown nested key", base + "policy: {approvals: 1, quorum: 2}\n", []string{"policy.quorum: unknown key"}},
		{"wrong type", base + "policy: {approvals: two}\n", []string{`policy.approvals: expected a whole number, got "two"`}},
		{"bad duration", base + "policy: {remind_after: soon}\n", []string{"policy.remind_after: expected a duration"}},
		{"unset variable", base + "http: {listen: \"127.0.0.1:1\", webhook_secret: \"${NOPE}\"}\n", []string{"http.webhook_secret: environment variable NOPE is not set"}},
		{"list type", base + "downloads: {allowed_hosts: host.example}\n", []string{"downloads.allowed_hosts: expected a list"}},
		{"bad host", base + "downloads: {allowed_hosts: [\"h:80\"]}\n", []string{"downloads.allowed_hosts[0]"}},
		{"bracketed IPv6 host", base + "downloads: {allowed_hosts: [\"[::1]\"]}\n", []string{"downloads.allowed_hosts[0]"}},
		{"IPv6 host with a zone", base + "downloads: {allowed_hosts: [\"fe80::1%eth0\"]}\n", []string{"downloads.allowed_hosts[0]"}},
		{"hosts: names, wildcards, IPs", base + "downloads: {allowed_hosts: [\"upload.example\", \"*.ubuntu.com\", \"10.0.0.1\", \"fd00::1\"]}\n", nil},
		{"idle_timeout negative", base + "downloads: {idle_timeout: -1s}\n", []string{"downloads.idle_timeout: must be more than 0"}},
		{"timeout negative", base + "downloads: {timeout: -1s}\n", []string{"downloads.timeout: must be more than 0"}},
		{"idle_timeout set", base + "downloads: {idle_timeout: 5s}\n", nil},
		{"bad cron", base + "click_sync: {schedule: \"every half hour\"}\n", []string{"click_sync.schedule: not a cron schedule"}},
		{"file target", base + "snakefruit: {target: \"file:///srv/x\"}\n", nil},
		{"file target on localhost", base + "snakefruit: {target: \"file://localhost/srv/x\"}\n", nil},
		{"file target on another host", base + "snakefruit: {target: \"file://evil/srv/x\"}\n", []string{`snakefruit.target: file:// takes no host but localhost, got "evil"`}},
		{"file target relative", base + "snakefruit: {target: \"file://localhost\"}\n", []string{"snakefruit.target: file:// needs an absolute path"}},
		{"sftp needs keys", base + "snakefruit: {target: \"sftp://u@h:22/p\"}\n", []string{"snakefruit.ssh_key: required", "snakefruit.known_hosts: required"}},
		// What the start refuses, check-config refuses, and nothing more: both ask snakefruit.
		{"sftp port out of range", base + "snakefruit: {target: \"sftp://u@h:99999/p\", ssh_key: k, known_hosts: k}\n",
			[]string{"snakefruit.target: bad port 99999", "snakefruit.ssh_key: cannot read k", "snakefruit.known_hosts: cannot read k"}},
		{"sftp relative path", base + "snakefruit: {target: \"sftp://u@h:22\"}\n", []string{"snakefruit.target: must be sftp://user@host:port/absolute/path", "snakefruit.ssh_key: required", "snakefruit.known_hosts: required"}},
		{"list_file in a subfolder", base + "snakefruit: {target: \"file:///srv/x\", list_file: lists/locked_clicks_list}\n", nil},
		{"list_file outside the folder", base + "snakefruit: {target: \"file:///srv/x\", list_file: ../locked_clicks_list}\n", []string{"snakefruit.list_file: must be a clean path relative to the target"}},
		{"list_file a temp name", base + "snakefruit: {target: \"file:///srv/x\", list_file: .stagebot-tmp-x}\n", []string{"snakefruit.list_file: must not start with .stagebot-tmp-"}},
		{"bad irc mask", base + "irc: {server: \"h:6667\", channels: [\"#c\"]}\n" + "qa_x: 1\n", []string{"qa_x: unknown key"}},
		{"no adapters", "team: {landing: [{name: a}], landers: [{name: b}]}\n", []string{"no chat adapter"}},
		{"slack ping_interval zero", base + "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1], ping_interval: 0s}\n", []string{"slack.ping_interval: must be more than 0"}},
		{"slack ping_interval negative", base + "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1], ping_interval: -1s}\n", []string{"slack.ping_interval: must be more than 0"}},
		{"slack ping_interval set", base + "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1], ping_interval: 5s}\n", nil},
		{"slack ping_interval unset", base + "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1]}\n", nil},
		{"hostmask with any host", "console: true\nteam: {landing: [{name: a}], qa: [{name: q, irc: \"sil2100!*@*\"}], landers: [{name: \"*\"}]}\n",
			[]string{`team.qa[0].irc: "sil2100!*@*" trusts anyone who takes the nick`}},
		{"hostmask host only wildcards and dots", "console: true\nteam: {landing: [{name: a, irc: \"a!~a@*.*\"}, {name: b, irc: \"b!b@?*\"}], landers: [{name: \"*\"}]}\n",
			[]string{"team.landing[0].irc", "team.landing[1].irc"}},
		{"hostmask advice", "console: true\nteam: {landing: [{name: a, irc: \"a!*@*\"}], landers: [{name: \"*\"}]}\n",
			[]string{`use account:NAME (the services account) or a host cloak such as "a!*@user/cloak"`}},
		{"hostmask with a cloak", "console: true\nteam: {landing: [{name: a, irc: \"robru!*@canonical/*\"}], landers: [{name: \"*\"}]}\n", nil},
		{"hostmask with a domain", "console: true\nteam: {landing: [{name: a, irc: \"*!*@*.canonical.com\"}], landers: [{name: \"*\"}]}\n", nil},
		{"account", "console: true\nteam: {landing: [{name: a, irc: \"account:sil2100\"}], landers: [{name: \"*\"}]}\n", nil},
		{"max_concurrent negative", base + "downloads: {max_concurrent: -1}\n", []string{"downloads.max_concurrent: must be at least 1"}},
		{"max_concurrent set", base + "downloads: {max_concurrent: 4}\n", nil},
		{"op_timeout negative", base + "snakefruit: {op_timeout: -1s}\n", []string{"snakefruit.op_timeout: must be more than 0"}},
		{"several at once", base + "colour: red\npolicy: {approvals: x}\n", []string{"colour: unknown key", "policy.approvals"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("f.yaml", []byte(c.yaml), env(map[string]string{"SET": "x"}))
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems: %v", err)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("err %v, want Problems", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("problems lack %q:\n%v", w, err)
				}
			}
			if len(ps) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%v", len(ps), len(c.want), err)
			}
			for _, p := range ps {
				if !strings.HasPrefix(p.String(), "f.yaml: ") {
					t.Errorf("problem %q does not start with the file name", p)
				}
			}
		})
	}
}

func TestExpansionKeepsTypes(t *testing.T) {
	c, err := Parse("f.yaml", []byte("console: true\nteam: {landing: [{name: a}], landers: [{name: b}]}\ndownloads: {max_bytes: \"${MAX}\"}\npolicy: {remind_after: \"${EVERY}\"}\n"),
		env(map[string]string{"MAX": "1024", "EVERY": "90m"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Downloads.MaxBytes != 1024 || c.Policy.RemindAfter.Duration != 90*time.Minute {
		t.Fatalf("got %d and %v", c.Downloads.MaxBytes, c.Policy.RemindAfter)
	}
}

func TestExpandedDigitsFillStrings(t *testing.T) {
	c, err := Parse("f.yaml", []byte("console: true\nteam: {landing: [{name: a}], landers: [{name: b}]}\nhttp: {listen: \"127.0.0.1:1\", webhook_secret: \"${S}\"}\n"),
		env(map[string]string{"S": "12345"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.WebhookSecret != "12345" {
		t.Fatalf("secret %q", c.HTTP.WebhookSecret)
	}
}

func TestSnakefruitOpTimeout(t *testing.T) {
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	cases := []struct {
		name string
		yaml string
		want time.Duration
	}{
		{"default", base, time.Minute},
		{"set", base + "snakefruit: {op_timeout: 90s}\n", 90 * time.Second},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Snakefruit.OpTimeout.Duration; got != c.want {
				t.Fatalf("op_timeout = %v, want %v", got, c.want)
			}
		})
	}
}

func TestSlackPingInterval(t *testing.T) {
	base := "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	c, err := Parse("f.yaml", []byte(base+"slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1], ping_interval: 750ms}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.PingInterval == nil || c.Slack.PingInterval.Duration != 750*time.Millisecond {
		t.Fatalf("ping_interval = %v, want 750ms", c.Slack.PingInterval)
	}
	c, err = Parse("f.yaml", []byte(base+"slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1]}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Slack.PingInterval != nil {
		t.Fatalf("ping_interval = %v, want unset", c.Slack.PingInterval)
	}
}

// TestDownloadDefaults: what a config without a downloads section downloads with.
func TestDownloadDefaults(t *testing.T) {
	c, err := Parse("f.yaml", []byte("console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := c.Downloads
	if d.Timeout.Duration != 30*time.Minute || d.IdleTimeout.Duration != 60*time.Second || d.MaxConcurrent != 2 || d.MaxBytes != DefaultMaxBytes {
		t.Fatalf("defaults: %+v", d)
	}
}
