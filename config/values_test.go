package config

import (
	"errors"
	"strings"
	"testing"
)

// base is a valid config for the cases below to add to.
const base = "console: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"

// wantProblems parses yaml and checks that the errors are exactly want (fragments of
// "path: message"), nil for a valid file.
func wantProblems(t *testing.T, yaml string, want []string) {
	t.Helper()
	cfg, err := Parse("f.yaml", []byte(yaml), env(map[string]string{"SET": "x"}))
	if want == nil {
		if err != nil {
			t.Fatalf("unexpected problems:\n%v", err)
		}
		if len(cfg.Warnings) > 0 {
			t.Fatalf("unexpected warnings:\n%v", cfg.Warnings)
		}
		return
	}
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err %v, want Problems", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), "f.yaml: "+w) {
			t.Errorf("problems lack %q:\n%v", w, err)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n%v", len(ps), len(want), err)
	}
}

// TestValueRules: each value the bot cannot use is refused at its key.
func TestValueRules(t *testing.T) {
	irc := func(extra string) string {
		return base + "irc: {server: \"irc.example.net:6697\", tls: true, channels: [\"#c\"]" + extra + "}\n"
	}
	slack := func(channels string) string {
		return base + "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: " + channels + "}\n"
	}
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"log_level debug", base + "log_level: debug\n", nil},
		{"log_level error", base + "log_level: error\n", nil},
		{"log_level verbose", base + "log_level: verbose\n", []string{`log_level: must be debug, info, warn or error, got "verbose"`}},
		{"log_level in capitals", base + "log_level: INFO\n", []string{`log_level: must be debug, info, warn or error, got "INFO"`}},
		{"log_format json", base + "log_format: json\n", nil},
		{"log_format text", base + "log_format: text\n", nil},
		{"log_format logfmt", base + "log_format: logfmt\n", []string{`log_format: must be text or json, got "logfmt"`}},

		{"slack channel IDs", slack("[C0123456789, G0ABC, CSTAGE]"), nil},
		{"slack channel name with #", slack("[\"#stage\"]"), []string{`slack.channels[0]: "#stage" is not a channel ID`}},
		{"slack channel bare name", slack("[C01, stage]"), []string{`slack.channels[1]: "stage" is not a channel ID`}},
		{"slack channel lower-case ID", slack("[c0123]"), []string{`slack.channels[0]: "c0123" is not a channel ID`}},
		{"slack DM is no channel", slack("[D0123]"), []string{`slack.channels[0]: "D0123" is not a channel ID`}},
		{"slack user IDs", "console: true\nteam: {landing: [{name: a, slack: U0A}, {name: b, slack: W0B}], landers: [{name: \"*\"}]}\n", nil},
		{"slack user name", "console: true\nteam: {landing: [{name: a, slack: \"@sil\"}], landers: [{name: \"*\"}]}\n", []string{`team.landing[0].slack: "@sil" is not a Slack user ID`}},

		{"irc nick", irc(", nick: stagebot"), nil},
		{"irc nick with specials", irc(", nick: \"[stage]bot_-2\""), nil},
		{"irc nick with a space", irc(", nick: \"stage bot\""), []string{`irc.nick: "stage bot" is not an IRC nick`}},
		{"irc nick with a digit first", irc(", nick: 2bot"), []string{`irc.nick: "2bot" is not an IRC nick`}},
		{"irc nick with a dash first", irc(", nick: \"-bot\""), []string{`irc.nick: "-bot" is not an IRC nick`}},
		{"irc nick with !", irc(", nick: \"bot!\""), []string{`irc.nick: "bot!" is not an IRC nick`}},
		{"irc nick defaulted", irc(""), nil},
		{"irc user with a space", irc(", user: \"stage bot\""), []string{`irc.user: "stage bot" is not an ident`}},
		{"irc channel with a space", base + "irc: {server: \"h:6697\", tls: true, channels: [\"#a b\"]}\n", []string{`irc.channels[0]: "#a b" is not a channel name`}},
		{"irc channel without #", base + "irc: {server: \"h:6697\", tls: true, channels: [stage]}\n", []string{`irc.channels[0]: "stage" is not a channel name`}},
		{"irc send_rate negative", irc(", send_rate: -1"), []string{"irc.send_rate: must not be negative"}},
		{"irc send_rate zero", irc(", send_rate: 0"), nil},
		{"sasl plain without password", irc(", sasl: {mechanism: PLAIN, user: u}"), []string{"irc.sasl.password: required for PLAIN"}},
		{"sasl external without files", irc(", sasl: {mechanism: EXTERNAL}"), []string{"irc.sasl.cert_file: required for EXTERNAL", "irc.sasl.key_file: required for EXTERNAL"}},

		{"approvals 0", base + "policy: {approvals: 0}\n", []string{"policy.approvals: must be at least 1"}},
		{"approvals negative", base + "policy: {approvals: -2}\n", []string{"policy.approvals: must be at least 1"}},
		{"approvals left out", base + "policy: {qa_signoff: true}\n", nil},
		{"approvals beyond the team", "console: true\nteam: {landing: [{name: a}, {name: b, irc: \"account:b\"}, {name: b, slack: U0B}], landers: [{name: \"*\"}]}\npolicy: {approvals: 3}\n",
			[]string{"policy.approvals: 3 approvals can never be given: team.landing names 2 people"}},
		{"approvals as many as the team", "console: true\nteam: {landing: [{name: a}, {name: b}], landers: [{name: \"*\"}]}\npolicy: {approvals: 2}\n", nil},
		{"max_concurrent 0", base + "downloads: {max_concurrent: 0}\n", []string{"downloads.max_concurrent: must be at least 1"}},
		{"max_bytes 0", base + "downloads: {max_bytes: 0}\n", []string{"downloads.max_bytes: must be more than 0"}},
		{"absent_after 0", base + "click_sync: {absent_after: 0}\n", []string{"click_sync.absent_after: must be at least 1"}},
		{"retry initial above max", base + "snakefruit: {retry: {initial: 10m, max: 1m}}\n", []string{"snakefruit.retry.initial: must not be more than retry.max (1m0s)"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantProblems(t, c.yaml, c.want) })
	}
}

// TestEveryDurationIsSane: every duration key refuses a negative value, and a 0 too unless
// 0 means never there; left out, each has its default.
func TestEveryDurationIsSane(t *testing.T) {
	irc := "irc: {server: \"h:6697\", tls: true, channels: [\"#c\"], %s}\n"
	slack := "slack: {bot_token: xoxb-1, app_token: xapp-1, channels: [C1], %s}\n"
	images := "images: {server: \"https://i.example/\", rc_proposed_channel: rc, stable_channel: s, device: d, %s}\n"
	publish := "publish: {command: [x], %s}\n"
	cases := []struct {
		path   string
		layout string // how the key is written, %s for "key: value"
		never  bool   // 0 = never
	}{
		{"shutdown_grace", "%s\n", false},
		{"irc.reconnect_max", irc, false},
		{"irc.ping_timeout", irc, false},
		{"slack.ping_interval", slack, false},
		{"downloads.timeout", "downloads: {%s}\n", false},
		{"downloads.idle_timeout", "downloads: {%s}\n", false},
		{"policy.remind_after", "policy: {%s}\n", true},
		{"policy.expire_after", "policy: {%s}\n", true},
		{"snakefruit.timeout", "snakefruit: {%s}\n", false},
		{"snakefruit.op_timeout", "snakefruit: {%s}\n", false},
		{"snakefruit.retry.initial", "snakefruit: {retry: {%s}}\n", false},
		{"snakefruit.retry.max", "snakefruit: {retry: {%s}}\n", false},
		{"snakefruit.retry.give_up", "snakefruit: {retry: {%s}}\n", false},
		{"click_sync.poll_interval", "click_sync: {%s}\n", false},
		{"images.poll_interval", images, false},
		{"publish.timeout", publish, false},
	}
	for _, c := range cases {
		key := c.path[strings.LastIndexByte(c.path, '.')+1:]
		yaml := func(v string) string { return base + strings.Replace(c.layout, "%s", key+": "+v, 1) }
		t.Run(c.path, func(t *testing.T) {
			wantProblems(t, yaml("90s"), nil)
			if c.never {
				wantProblems(t, yaml("0"), nil)
				wantProblems(t, yaml("-1s"), []string{c.path + ": must not be negative (0 = never)"})
			} else {
				wantProblems(t, yaml("0s"), []string{c.path + ": must be more than 0 (leave it out for the default)"})
				wantProblems(t, yaml("-1s"), []string{c.path + ": must be more than 0"})
			}
			wantProblems(t, yaml("soon"), []string{c.path + `: expected a duration such as 30s, 4h or 14d, got "soon"`})
		})
	}
}

// TestDidYouMean: an unknown key near a known one at the same level names it, at any depth;
// one near none says only that it is unknown.
func TestDidYouMean(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want []string
	}{
		{"top level", "consle: true\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\nirc: {server: \"h:6697\", tls: true, channels: [\"#c\"]}\n",
			[]string{"consle: unknown key (did you mean console?)"}},
		{"swapped letters", base + "stat_edir: /x\n", []string{"stat_edir: unknown key (did you mean state_dir?)"}},
		{"in a section", base + "policy: {aprovals: 2}\n", []string{"policy.aprovals: unknown key (did you mean approvals?)"}},
		{"two levels down", base + "snakefruit: {retry: {giveup: 1h}}\n", []string{"snakefruit.retry.giveup: unknown key (did you mean give_up?)"}},
		{"in a list entry", "console: true\nteam: {landing: [{name: a, slak: U0A}], landers: [{name: \"*\"}]}\n", []string{"team.landing[0].slak: unknown key (did you mean slack?)"}},
		{"case", base + "Console: true\n", []string{"Console: unknown key (did you mean console?)"}},
		{"nothing near", base + "colour: red\n", []string{"colour: unknown key"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantProblems(t, c.yaml, c.want) })
	}
	_, err := Parse("f.yaml", []byte(base+"colour: red\n"), env(nil))
	if err == nil || strings.Contains(err.Error(), "did you mean") {
		t.Errorf("colour: %v, want no suggestion", err)
	}
}

// TestTeamHostmasks: team entries take the hostmask rule of stagebot.CheckIRC in every list,
// and a "*" among those who approve or sign off is warned about, not refused.
func TestTeamHostmasks(t *testing.T) {
	team := func(landing, qa string) string {
		return "console: true\nteam: {landing: [" + landing + "], qa: [" + qa + "], landers: [{name: \"*\"}]}\n"
	}
	cases := []struct {
		name     string
		yaml     string
		want     []string
		warnings []string
	}{
		{"cloak", team(`{name: a, irc: "robru!*@canonical/*"}`, ""), nil, nil},
		{"domain", team(`{name: a, irc: "*!*@*.canonical.com"}`, ""), nil, nil},
		{"address", team(`{name: a, irc: "a!*@127.0.0.1"}`, ""), nil, nil},
		{"slash only", team(`{name: a, irc: "sil2100!*@*/*"}`, ""), []string{`team.landing[0].irc: "sil2100!*@*/*" trusts anyone who takes the nick`}, nil},
		{"colon only", team(`{name: a}`, `{name: q, irc: "*@*:*"}`), []string{`team.qa[0].irc: "*@*:*" must be a hostmask pattern`}, nil},
		{"colon only, with a nick", team(`{name: a, irc: "x!*@*:*"}`, ""), []string{`team.landing[0].irc: "x!*@*:*" trusts anyone`}, nil},
		{"dash only", team(`{name: a, irc: "x!*@*-*"}`, ""), []string{`team.landing[0].irc: "x!*@*-*" trusts anyone`}, nil},
		{"one digit", team(`{name: a}`, `{name: q, irc: "q!*@*0*"}`), []string{`team.qa[0].irc: "q!*@*0*" trusts anyone`}, nil},
		{"lander too", "console: true\nteam: {landing: [{name: a}], landers: [{name: l, irc: \"l!*@*\"}]}\n", []string{`team.landers[0].irc: "l!*@*" trusts anyone`}, nil},
		{"anyone lands", team(`{name: "*"}`, ""), nil, []string{`team.landing[0].name: warning: "*" lets anyone approve`}},
		{"anyone signs off", team(`{name: a}`, `{name: "*"}`), nil, []string{`team.qa[0].name: warning: "*" lets anyone sign off`}},
		{"anyone stages", team(`{name: a}`, ""), nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.want != nil {
				wantProblems(t, c.yaml, c.want)
				return
			}
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(nil))
			if err != nil {
				t.Fatalf("warnings must not make the file invalid: %v", err)
			}
			if len(cfg.Warnings) != len(c.warnings) {
				t.Fatalf("warnings:\n%v\nwant %d", cfg.Warnings, len(c.warnings))
			}
			for i, w := range c.warnings {
				if got := cfg.Warnings[i].String(); got != "f.yaml: "+w {
					t.Errorf("warning %q, want %q", got, "f.yaml: "+w)
				}
			}
		})
	}
}
