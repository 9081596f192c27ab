package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoadReadOnly reads state_dir and http.listen as Load does and nothing else: an unset
// ${VAR} or a problem in a section the reading subcommands do not use is none for them,
// while one in the keys they use still is.
func TestLoadReadOnly(t *testing.T) {
	// A config as `run` takes it, with every secret from the environment.
	const full = `state_dir: state
console: true
irc:
  server: irc.example.net:6697
  tls: true
  channels: ["#stage"]
  sasl: {mechanism: PLAIN, user: stagebot, password: "${IRC_PASSWORD}"}
slack: {bot_token: "${SLACK_BOT_TOKEN}", app_token: "${SLACK_APP_TOKEN}", channels: [C0123456789]}
team: {landing: [{name: a}], landers: [{name: "*"}]}
http:
  listen: ${LISTEN}
  webhook_secret: ${STAGEBOT_WEBHOOK_SECRET}
`
	cases := []struct {
		name       string
		yaml       string
		env        map[string]string
		wantDir    string // relative to the config's folder
		wantListen string
		wantErr    []string
	}{
		{"secrets unset", full, map[string]string{"LISTEN": "127.0.0.1:8080"}, "state", "127.0.0.1:8080", nil},
		{"a section run would refuse", "state_dir: /srv/stagebot\nslack: {bot_token: nope}\npolicy: {approvals: 0}\ncolour: red\n", nil,
			"/srv/stagebot", "", nil},
		{"no http", "state_dir: ../shared\n", nil, "../shared", "", nil},
		{"no state_dir", "http: {listen: \"[::]:8080\"}\n", nil, "var", "[::]:8080", nil},
		{"empty file", "", nil, "var", "", nil},
		{"variable in state_dir", "state_dir: ${STATE}/x\n", map[string]string{"STATE": "/var/lib"}, "/var/lib/x", "", nil},
		{"used key's variable unset", full, nil, "", "", []string{"http.listen: environment variable LISTEN is not set"}},
		{"bad listen", "http: {listen: nowhere}\n", nil, "", "", []string{`http.listen: must be host:port, got "nowhere"`}},
		{"state_dir a list", "state_dir: [a]\n", nil, "", "", []string{"state_dir: expected a single value, got a list"}},
		{"http a list", "http: [a]\n", nil, "", "", []string{"http: expected a mapping of keys, got a list"}},
		{"not a mapping", "- a\n", nil, "", "", []string{"expected a mapping of keys"}},
		{"not YAML", "state_dir: [\n", nil, "", "", []string{"not valid YAML"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "stagebot.yaml")
			if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			ro, err := LoadReadOnly(path, env(c.env))
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error, want %q", c.wantErr)
				}
				for _, w := range c.wantErr {
					if !strings.Contains(err.Error(), w) || !strings.HasPrefix(err.Error(), path+": ") {
						t.Errorf("error %q lacks %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := c.wantDir
			if !filepath.IsAbs(want) {
				want = filepath.Join(dir, want)
			}
			if ro.StateDir != want || ro.Listen != c.wantListen {
				t.Errorf("got %+v, want state_dir %s and listen %q", ro, want, c.wantListen)
			}
		})
	}
	if _, err := LoadReadOnly(filepath.Join(t.TempDir(), "missing.yaml"), nil); err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("a missing file: %v", err)
	}
}
