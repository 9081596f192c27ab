package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"stagebot/internal/keyfiletest"
)

// TestOnePass: what the file cannot say (unknown keys, types, unset variables), what it says
// wrongly (values) and the files it names are found in one run, in the file's order; a key
// that could not be read is not judged again on the zero value it was left with.
func TestOnePass(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	yaml := `consle: true
log_level: verbose
irc:
  server: irc.example.net:6697
  tls: true
  nick: stage bot
  channels: ["#c"]
  sasl: {mechanism: PLAIN, user: u, password: "${UNSET_PASSWORD}"}
team:
  landing: [{name: a}]
  landers: [{name: "*"}]
policy:
  approvals: many
downloads: {max_concurrent: 0}
snakefruit:
  target: sftp://u@h:22/p
  ssh_key: ` + garbage + `
  known_hosts: ` + garbage + `
signing: {keyring: ` + garbage + `}
`
	_, err := Parse("f.yaml", []byte(yaml), env(nil))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err %v, want Problems", err)
	}
	want := []string{
		"consle: unknown key (did you mean console?)",
		`log_level: must be debug, info, warn or error, got "verbose"`,
		`irc.nick: "stage bot" is not an IRC nick`,
		"irc.sasl.password: environment variable UNSET_PASSWORD is not set",
		`policy.approvals: expected a whole number, got "many"`,
		"downloads.max_concurrent: must be at least 1",
		"snakefruit.ssh_key: " + garbage + " is not a private key",
		"snakefruit.known_hosts: " + garbage + " is not a known_hosts file",
		"signing.keyring: keyring " + garbage,
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d:\n%v", len(ps), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(ps[i].String(), "f.yaml: "+w) {
			t.Errorf("problem %d = %q, want it to start %q", i, ps[i], "f.yaml: "+w)
		}
	}
}

// TestStateDirRelativeToTheFile: a relative state_dir (and the default one) is taken from the
// config file's folder, wherever the command runs; an absolute one stays; the default
// snakefruit folder follows it.
func TestStateDirRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	abs := filepath.Join(t.TempDir(), "state")
	cases := []struct {
		name, line, want string
	}{
		{"relative", "state_dir: state\n", filepath.Join(dir, "state")},
		{"dotted", "state_dir: ./a/../state\n", filepath.Join(dir, "state")},
		{"default", "", filepath.Join(dir, "var")},
		{"absolute", "state_dir: " + abs + "\n", abs},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "stagebot.yaml")
			if err := os.WriteFile(path, []byte(base+c.line), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{path, mustRel(t, elsewhere, path)} {
				cfg, err := Load(p, env(nil))
				if err != nil {
					t.Fatal(err)
				}
				if cfg.StateDir != c.want {
					t.Errorf("Load(%s): state_dir %q, want %q", p, cfg.StateDir, c.want)
				}
				if want := "file://" + filepath.Join(c.want, "snakefruit"); cfg.Snakefruit.Target != want {
					t.Errorf("Load(%s): target %q, want %q", p, cfg.Snakefruit.Target, want)
				}
			}
		})
	}
	// Bytes without a file have no folder: the embedded default's ./var is the working
	// directory's.
	if cfg := Default(); cfg.StateDir != "./var" {
		t.Errorf("embedded default state_dir %q, want ./var", cfg.StateDir)
	}
}

func mustRel(t *testing.T, from, to string) string {
	t.Helper()
	r, err := filepath.Rel(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOnly: a command reading a few keys is not stopped by problems elsewhere (chat secrets
// unset, key files it never opens), but still by problems at its keys, in what holds them,
// and by a file that is not YAML.
func TestOnly(t *testing.T) {
	full := `state_dir: /srv/stagebot
irc: {server: "h:6697", tls: true, channels: ["#c"], sasl: {mechanism: PLAIN, user: u, password: "${IRC_PASSWORD}"}}
slack: {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}", channels: [C1]}
team: {landing: [{name: a}], landers: [{name: "*"}]}
snakefruit: {target: "sftp://u@h:22/p", ssh_key: /nonexistent/key, known_hosts: /nonexistent/known_hosts}
signing: {keyring: /nonexistent/keyring}
http: {listen: "127.0.0.1:8080", webhook_secret: "${WEBHOOK_SECRET}"}
`
	cases := []struct {
		name string
		yaml string
		only []string
		want []string
	}{
		{"secrets and files elsewhere", full, []string{"state_dir", "http.listen"}, nil},
		{"a bad key asked about", strings.Replace(full, `listen: "127.0.0.1:8080"`, "listen: nowhere", 1), []string{"state_dir", "http.listen"}, []string{`http.listen: must be host:port, got "nowhere"`}},
		{"what holds it unreadable", base + "http: 8080\n", []string{"http.listen"}, []string{"http: expected a mapping of keys"}},
		{"an unset variable asked about", base + "state_dir: \"${STATE}\"\n", []string{"state_dir"}, []string{"state_dir: environment variable STATE is not set"}},
		{"everything", full, nil, []string{"irc.sasl.password", "slack.bot_token", "slack.app_token", "snakefruit.ssh_key", "snakefruit.known_hosts", "signing.keyring", "http.webhook_secret"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(nil), Only(c.only...))
			if c.want == nil {
				if err != nil {
					t.Fatalf("unexpected problems:\n%v", err)
				}
				if cfg.StateDir != "/srv/stagebot" || cfg.HTTP.Listen != "127.0.0.1:8080" {
					t.Fatalf("state_dir %q, listen %q", cfg.StateDir, cfg.HTTP.Listen)
				}
				return
			}
			var ps Problems
			if !errors.As(err, &ps) || len(ps) != len(c.want) {
				t.Fatalf("problems:\n%v\nwant %d", err, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(ps[i].String(), "f.yaml: "+w) {
					t.Errorf("problem %d = %q, want it to start %q", i, ps[i], w)
				}
			}
		})
	}
	if _, err := Parse("f.yaml", []byte("state_dir: [unclosed\n"), env(nil), Only("state_dir")); err == nil || !strings.Contains(err.Error(), "not valid YAML") {
		t.Errorf("broken YAML with Only: %v", err)
	}
}

// TestFilesTheStartReads: the SSH key (a passphrase-protected one with its passphrase),
// known_hosts and the keyring (binary or armoured) are read as the start reads them, and
// what it would refuse is refused at its key.
func TestFilesTheStartReads(t *testing.T) {
	dir := t.TempDir()
	path := func(name string) string { return filepath.Join(dir, name) }
	keyfiletest.SSHKey(t, path("id"), "")
	keyfiletest.SSHKey(t, path("id_enc"), "sesame")
	keyfiletest.KnownHosts(t, path("known_hosts"), "snakefruit.example:22")
	keyfiletest.KnownHosts(t, path("known_other"), "elsewhere.example:22")
	keyfiletest.Keyring(t, path("store.gpg"), false)
	keyfiletest.Keyring(t, path("store.asc"), true)
	for name, text := range map[string]string{"garbage": "not a key\n", "empty": ""} {
		if err := os.WriteFile(path(name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sftp := func(key, pass, known string) string {
		return base + "snakefruit: {target: \"sftp://lander@snakefruit.example:22/srv/clicks\", ssh_key: " + path(key) + ", passphrase: \"" + pass + "\", known_hosts: " + path(known) + "}\n"
	}
	keyring := func(name string) string { return base + "signing: {keyring: " + path(name) + "}\n" }
	irc := func(more string) string {
		return base + "irc: {server: \"irc.example.net:6697\", channels: [\"#c\"], " + more + "}\n"
	}
	ca, _ := keyfiletest.CertPair(t, dir, "ca")
	cert, key := keyfiletest.CertPair(t, dir, "client")
	_, otherKey := keyfiletest.CertPair(t, dir, "other")
	cases := []struct {
		name     string
		yaml     string
		want     []string
		warnings []string
	}{
		{"key and known_hosts", sftp("id", "", "known_hosts"), nil, nil},
		{"encrypted key with its passphrase", sftp("id_enc", "sesame", "known_hosts"), nil, nil},
		{"encrypted key without one", sftp("id_enc", "", "known_hosts"), []string{"snakefruit.ssh_key: " + path("id_enc") + " is encrypted and no passphrase is configured"}, nil},
		{"encrypted key, wrong passphrase", sftp("id_enc", "nope", "known_hosts"), []string{"snakefruit.ssh_key: " + path("id_enc") + ": the passphrase does not decrypt it"}, nil},
		{"not a key", sftp("garbage", "", "known_hosts"), []string{"snakefruit.ssh_key: " + path("garbage") + " is not a private key"}, nil},
		{"no key file", sftp("missing", "", "known_hosts"), []string{"snakefruit.ssh_key: cannot read " + path("missing") + ": no such file or directory"}, nil},
		{"garbage known_hosts", sftp("id", "", "garbage"), []string{"snakefruit.known_hosts: " + path("garbage") + " is not a known_hosts file"}, nil},
		{"empty known_hosts", sftp("id", "", "empty"), []string{"snakefruit.known_hosts: " + path("empty") + " holds no host key"}, nil},
		{"known_hosts without the host", sftp("id", "", "known_other"), nil, []string{"snakefruit.known_hosts: warning: " + path("known_other") + " holds no key for snakefruit.example:22"}},
		{"binary keyring", keyring("store.gpg"), nil, nil},
		{"armoured keyring", keyring("store.asc"), nil, nil},
		{"garbage keyring", keyring("garbage"), []string{"signing.keyring: keyring " + path("garbage")}, nil},
		{"empty keyring", keyring("empty"), []string{"signing.keyring: keyring " + path("empty") + " holds no keys"}, nil},
		{"no keyring file", keyring("missing"), []string{"signing.keyring: cannot read " + path("missing") + ": no such file or directory"}, nil},
		{"file target reads no keys", base + "snakefruit: {target: \"file:///srv/x\", ssh_key: " + path("garbage") + ", known_hosts: " + path("garbage") + "}\n", nil, nil},
		{"irc CA and client certificate", irc("tls: true, ca_file: " + ca + ", sasl: {mechanism: EXTERNAL, cert_file: " + cert + ", key_file: " + key + "}"), nil, nil},
		{"no ca_file", irc("tls: true, ca_file: " + path("missing")), []string{"irc.ca_file: cannot read " + path("missing") + ": no such file or directory"}, nil},
		{"ca_file not a certificate", irc("tls: true, ca_file: " + path("garbage")), []string{"irc.ca_file: " + path("garbage") + " holds no PEM certificate"}, nil},
		{"ca_file without tls", irc("tls: false, ca_file: " + path("garbage")), nil, []string{"irc.ca_file: warning: not used without tls: true"}},
		{"server password in the clear", irc("tls: false, password: hunter2"), nil, []string{"irc.password: warning: sent in the clear without tls: true: anyone on the path can read it"}},
		{"server password over tls", irc("tls: true, password: hunter2"), nil, nil},
		{"client key of another certificate", irc("tls: true, sasl: {mechanism: EXTERNAL, cert_file: " + cert + ", key_file: " + otherKey + "}"),
			[]string{"irc.sasl.cert_file: " + cert + " and " + otherKey + " are not a certificate and its private key"}, nil},
		{"client certificate without its key", irc("tls: true, sasl: {mechanism: PLAIN, user: u, password: p, cert_file: " + cert + "}"), []string{"irc.sasl.key_file: required with cert_file"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("f.yaml", []byte(c.yaml), env(nil))
			var got []string
			var ps Problems
			switch {
			case errors.As(err, &ps):
			case err != nil:
				t.Fatal(err)
			default:
				ps = cfg.Warnings
			}
			for _, p := range ps {
				got = append(got, p.String())
			}
			want := append(slices.Clone(c.want), c.warnings...)
			if len(got) != len(want) {
				t.Fatalf("problems:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
			}
			for i, w := range want {
				if !strings.HasPrefix(got[i], "f.yaml: "+w) {
					t.Errorf("problem %q, want it to start %q", got[i], "f.yaml: "+w)
				}
			}
		})
	}
}

// TestKeyFilesRelativeToTheFile: the key files a config names by a relative path are the
// ones beside the config file, wherever the command runs, so check-config and the service
// (which starts in /) read the same files; absolute ones stay.
func TestKeyFilesRelativeToTheFile(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(t.TempDir())
	keyfiletest.SSHKey(t, filepath.Join(dir, "id"), "")
	keyfiletest.KnownHosts(t, filepath.Join(dir, "known_hosts"), "snakefruit.example:22")
	keyfiletest.Keyring(t, filepath.Join(dir, "store.gpg"), true)
	ca, _ := keyfiletest.CertPair(t, dir, "ca")
	if err := os.Mkdir(filepath.Join(dir, "irc"), 0o700); err != nil {
		t.Fatal(err)
	}
	keyfiletest.CertPair(t, filepath.Join(dir, "irc"), "client")
	path := filepath.Join(dir, "stagebot.yaml")
	yaml := base + `snakefruit: {target: "sftp://lander@snakefruit.example:22/srv/clicks", ssh_key: id, known_hosts: ./known_hosts}
signing: {keyring: store.gpg}
irc: {server: "irc.example.net:6697", tls: true, channels: ["#c"], ca_file: ` + ca + `, sasl: {mechanism: EXTERNAL, cert_file: irc/client.crt, key_file: irc/../irc/client.key}}
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for got, want := range map[string]string{
		cfg.Snakefruit.SSHKey:     filepath.Join(dir, "id"),
		cfg.Snakefruit.KnownHosts: filepath.Join(dir, "known_hosts"),
		cfg.Signing.Keyring:       filepath.Join(dir, "store.gpg"),
		cfg.IRC.CAFile:            ca,
		cfg.IRC.SASL.CertFile:     filepath.Join(dir, "irc", "client.crt"),
		cfg.IRC.SASL.KeyFile:      filepath.Join(dir, "irc", "client.key"),
	} {
		if got != want {
			t.Errorf("path %q, want %q", got, want)
		}
	}
	// Bytes without a file keep relative paths as they are: relative to the working
	// directory, where these files are not.
	if _, err := Parse("f.yaml", []byte(yaml), env(nil)); err == nil || !strings.Contains(err.Error(), "snakefruit.ssh_key: cannot read id") {
		t.Errorf("Parse: %v, want the key looked for in the working directory", err)
	}
}
