package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"stagebot/receipt/receipttest"
)

func checkConfig(t *testing.T, path string, env ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, "check-config", "--config", path)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH")}, env...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestCheckConfigExample: the documented example is valid once its variables are set and
// the files it names exist.
func TestCheckConfigExample(t *testing.T) {
	data, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example names files under /etc/stagebot; point them at real files here.
	dir := t.TempDir()
	text := string(data)
	for _, f := range []string{"id_ed25519", "known_hosts", "store.gpg"} {
		p := filepath.Join(dir, f)
		os.WriteFile(p, []byte("x"), 0o600)
		text = strings.ReplaceAll(text, "/etc/stagebot/"+f, p)
	}
	// The receipts key is parsed, not only opened: a real one.
	key, _ := receipttest.WriteKeys(t, dir, "receipts", receipttest.Key(1))
	text = strings.ReplaceAll(text, "/etc/stagebot/receipts.pem", key)
	cfg := filepath.Join(dir, "stagebot.yaml")
	os.WriteFile(cfg, []byte(text), 0o600)
	env := []string{"IRC_PASSWORD=p", "SLACK_BOT_TOKEN=xoxb-1", "SLACK_APP_TOKEN=xapp-1", "STAGEBOT_WEBHOOK_SECRET=s"}
	if code, out := checkConfig(t, cfg, env...); code != 0 {
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
