package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot/internal/keyfiletest"
	"stagebot/receipt/receipttest"
)

func checkConfig(t *testing.T, path string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, "check-config", "--config", path)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestCheckConfigExample: the documented example is valid, without a warning, once its
// variables are set and the files it names are real ones.
func TestCheckConfigExample(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example names files under /etc/stagebot; point them at real files here.
	dir := t.TempDir()
	text := string(data)
	for f, write := range map[string]func(string){
		"id_ed25519":  func(p string) { keyfiletest.SSHKey(t, p, "") },
		"known_hosts": func(p string) { keyfiletest.KnownHosts(t, p, "snakefruit.example:22") },
		"store.gpg":   func(p string) { keyfiletest.Keyring(t, p, false) },
	} {
		p := filepath.Join(dir, f)
		write(p)
		text = strings.ReplaceAll(text, "/etc/stagebot/"+f, p)
	}
	// The receipts key is parsed, not only opened: a real one.
	key, _ := receipttest.WriteKeys(t, dir, "receipts", receipttest.Key(1))
	text = strings.ReplaceAll(text, "/etc/stagebot/receipts.pem", key)
	cfg := filepath.Join(dir, "stagebot.yaml")
	os.WriteFile(cfg, []byte(text), 0o600)
	env := []string{"IRC_PASSWORD=p", "SLACK_BOT_TOKEN=xoxb-1", "SLACK_APP_TOKEN=xapp-1", "MATRIX_TOKEN=syt_1", "STAGEBOT_WEBHOOK_SECRET=s"}
	if code, out := checkConfig(t, cfg, env...); code != 0 || out != cfg+": valid\n" {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, out := checkConfig(t, cfg, env[1:]...); code != 2 || !strings.Contains(out, "irc.sasl.password: environment variable IRC_PASSWORD is not set") {
		t.Fatalf("without IRC_PASSWORD: exit %d:\n%s", code, out)
	}
}

// TestCheckConfigNamesEveryProblem: an unknown key, a wrongly typed value and an unset
// variable are all reported, each as FILE: key.path: message, with exit 2.
func TestCheckConfigNamesEveryProblem(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "bad.yaml")
	os.WriteFile(cfg, []byte(`console: true
team:
  landing: [{name: sil2100}]
  landers: [{name: "*"}]
  approvers: [{name: x}]
policy:
  approvals: many
http:
  listen: 127.0.0.1:8080
  webhook_secret: ${NOT_SET_ANYWHERE}
`), 0o600)
	code, out := checkConfig(t, cfg)
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	for _, want := range []string{
		cfg + `: team.approvers: unknown key`,
		cfg + `: policy.approvals: expected a whole number, got "many"`,
		cfg + `: http.webhook_secret: environment variable NOT_SET_ANYWHERE is not set`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(cfg)+`: `).FindAllString(out, -1)); n != 3 {
		t.Errorf("%d problems reported, want 3:\n%s", n, out)
	}
}

// TestCheckConfigEveryProblemAtOnce: a config holding every kind of problem check-config
// knows gets them all in one run, one line each, with exit 2: unknown keys (with the key
// meant), values the bot cannot use, hostmasks that trust a nick alone, and the files the
// start would refuse; the warnings come in the same run.
func TestCheckConfigEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)
	cfg := filepath.Join(dir, "stagebot.yaml")
	os.WriteFile(cfg, []byte(`consle: true
log_level: verbose
log_format: logfmt
shutdown_grace: 0s
irc:
  server: irc.example.net:6697
  tls: true
  nick: stage bot
  channels: ["#ubuntu-ci-eng"]
slack:
  bot_token: xoxb-1
  app_token: xapp-1
  channels: ["#stage", stage]
downloads:
  max_concurrent: 0
  idle_timeout: -5s
team:
  landing:
    - {name: "*"}
    - {name: sil2100, irc: "sil2100!*@*/*", nmae: x}
    - {name: robru, irc: "robru!*@*:*"}
  qa:
    - {name: "*"}
    - {name: qa1, irc: "qa1!*@*-*"}
    - {name: qa2, irc: "qa2!*@*0*"}
  landers: [{name: "*"}]
policy:
  approvals: 0
  remind_after: ${REMIND_EVERY}
snakefruit:
  target: sftp://lander@snakefruit.example:22/home/lander/locked-clicks
  ssh_key: `+garbage+`
  known_hosts: `+garbage+`
signing:
  keyring: `+garbage+`
`), 0o600)
	code, out := checkConfig(t, cfg)
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, out)
	}
	want := []string{
		`consle: unknown key (did you mean console?)`,
		`log_level: must be debug, info, warn or error, got "verbose"`,
		`log_format: must be text or json, got "logfmt"`,
		`shutdown_grace: must be more than 0`,
		`irc.nick: "stage bot" is not an IRC nick`,
		`slack.channels[0]: "#stage" is not a channel ID`,
		`slack.channels[1]: "stage" is not a channel ID`,
		`downloads.max_concurrent: must be at least 1`,
		`downloads.idle_timeout: must be more than 0`,
		`team.landing[0].name: warning: "*" lets anyone approve`,
		`team.landing[1].irc: "sil2100!*@*/*" trusts anyone who takes the nick`,
		`team.landing[1].nmae: unknown key (did you mean name?)`,
		`team.landing[2].irc: "robru!*@*:*" trusts anyone who takes the nick`,
		`team.qa[0].name: warning: "*" lets anyone sign off`,
		`team.qa[1].irc: "qa1!*@*-*" trusts anyone who takes the nick`,
		`team.qa[2].irc: "qa2!*@*0*" trusts anyone who takes the nick`,
		`policy.approvals: must be at least 1`,
		`policy.remind_after: environment variable REMIND_EVERY is not set`,
		`snakefruit.ssh_key: ` + garbage + ` is not a private key`,
		`snakefruit.known_hosts: ` + garbage + ` is not a known_hosts file`,
		`signing.keyring: keyring ` + garbage,
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	for _, w := range want {
		found := false
		for _, l := range lines {
			found = found || strings.HasPrefix(l, cfg+": "+w)
		}
		if !found {
			t.Errorf("output lacks a line starting %q", cfg+": "+w)
		}
	}
	if len(lines) != len(want) {
		t.Errorf("%d lines, want %d", len(lines), len(want))
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

// TestCheckConfigWarningsOnly: a file with warnings and no error is valid: exit 0, the
// warnings printed before the verdict.
func TestCheckConfigWarningsOnly(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "stagebot.yaml")
	os.WriteFile(cfg, []byte("console: true\nteam: {landing: [{name: \"*\"}], landers: [{name: \"*\"}]}\n"), 0o600)
	code, out := checkConfig(t, cfg)
	want := cfg + `: team.landing[0].name: warning: "*" lets anyone approve` + "\n" + cfg + ": valid\n"
	if code != 0 || out != want {
		t.Fatalf("exit %d:\n%s\nwant exit 0:\n%s", code, out, want)
	}
}

// TestCheckConfigUsage: --help is an answer (stdout, exit 0); a missing or unreadable file
// is a problem named once.
func TestCheckConfigUsage(t *testing.T) {
	cmd := exec.Command(binary, "check-config", "--help")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || !strings.HasPrefix(stdout.String(), "usage: stagebot check-config --config FILE\n") || strings.Count(stdout.String(), "usage:") != 1 || stderr.Len() > 0 {
		t.Errorf("--help: %v\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	code, out := checkConfig(t, missing)
	if want := missing + ": cannot read it: no such file or directory\n"; code != 2 || out != want {
		t.Errorf("missing file: exit %d, %q; want 2, %q", code, out, want)
	}
}

// TestRunRefusesWhatCheckConfigRefuses: `run` loads the config as check-config does, so a
// file check-config refuses stops the start with the same lines and exit 2, before the bot
// opens anything, and a key file that would fail at the start fails check-config.
func TestRunRefusesWhatCheckConfigRefuses(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("not a key\n"), 0o600)
	known := filepath.Join(dir, "known_hosts")
	keyfiletest.KnownHosts(t, known, "127.0.0.1:22")
	encrypted := filepath.Join(dir, "id_enc")
	keyfiletest.SSHKey(t, encrypted, "sesame")
	team := "console: true\nteam: {landing: [{name: alice}], landers: [{name: \"*\"}]}\nstate_dir: state\n"
	sftp := func(key, pass, knownHosts string) string {
		return team + "snakefruit: {target: \"sftp://lander@127.0.0.1:22/srv/clicks\", ssh_key: " + key + ", passphrase: \"" + pass + "\", known_hosts: " + knownHosts + "}\n"
	}
	cases := []struct {
		name, yaml, want string
	}{
		{"garbage key", sftp(garbage, "", known), "snakefruit.ssh_key: " + garbage + " is not a private key"},
		{"encrypted key without its passphrase", sftp(encrypted, "", known), "snakefruit.ssh_key: " + encrypted + " is encrypted and no passphrase is configured"},
		{"garbage known_hosts", sftp(encrypted, "sesame", garbage), "snakefruit.known_hosts: " + garbage + " is not a known_hosts file"},
		{"garbage keyring", team + "signing: {keyring: " + garbage + "}\n", "signing.keyring: keyring " + garbage},
		{"approvals 0", team + "policy: {approvals: 0}\n", "policy.approvals: must be at least 1"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := filepath.Join(dir, fmt.Sprintf("c%d.yaml", i))
			os.WriteFile(cfg, []byte(c.yaml), 0o600)
			code, checked := checkConfig(t, cfg)
			if code != 2 || !strings.HasPrefix(checked, cfg+": "+c.want) {
				t.Fatalf("check-config: exit %d:\n%s\nwant exit 2 and %q", code, checked, c.want)
			}
			run := exec.Command(binary, "run", "--config", cfg)
			run.Dir = dir
			var stdout, stderr strings.Builder
			run.Stdout, run.Stderr = &stdout, &stderr
			run.Run()
			if code := run.ProcessState.ExitCode(); code != 2 || stderr.String() != checked {
				t.Fatalf("run: exit %d, stderr:\n%s\nwant exit 2 and check-config's lines:\n%s", code, stderr.String(), checked)
			}
			if _, err := os.Stat(filepath.Join(dir, "state")); !os.IsNotExist(err) {
				t.Fatalf("run made its state before refusing the config: %v", err)
			}
		})
	}
}
