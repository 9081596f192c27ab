package matrix_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"stagebot/internal/testenv"
)

// TestREADMELoginRecipe: the README's curl commands, run against Dendrite, log the bot in
// and give a token that /account/whoami takes as the bot's.
func TestREADMELoginRecipe(t *testing.T) {
	bash := testenv.Tool(t, "bash")
	testenv.Tool(t, "curl") // the recipe runs it by name
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t)
	run := func(start string, env ...string) string {
		t.Helper()
		script := recipe(t, string(readme), start)
		script = strings.ReplaceAll(script, "https://matrix.example.org", w.s.URL)
		script = strings.ReplaceAll(script, `"user": "stagebot"`, `"user": "`+w.name("stagebot")+`"`)
		cmd := exec.Command(bash, "-euo", "pipefail", "-c", script)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("the README's recipe: %v\n%s\n%s", err, script, out)
		}
		return string(out)
	}
	var login struct {
		AccessToken string `json:"access_token"`
	}
	out := run("curl -sS -X POST", "BOT_PASSWORD=password-of-the-bot")
	if err := json.Unmarshal([]byte(out), &login); err != nil || login.AccessToken == "" {
		t.Fatalf("login answered %q (%v)", out, err)
	}
	var who struct {
		UserID string `json:"user_id"`
	}
	out = run(`curl -sS -H "Authorization`, "MATRIX_TOKEN="+login.AccessToken)
	if err := json.Unmarshal([]byte(out), &who); err != nil || who.UserID != w.botID {
		t.Fatalf("whoami answered %q (%v), want %s", out, err, w.botID)
	}
}

// recipe is the indented shell command in readme that starts with start, up to the next
// line that is not indented as deep.
func recipe(t *testing.T, readme, start string) string {
	t.Helper()
	var lines []string
	indent := ""
	for _, line := range strings.Split(readme, "\n") {
		if indent == "" {
			if trimmed := strings.TrimLeft(line, " "); strings.HasPrefix(trimmed, start) && len(trimmed) < len(line) {
				indent = line[:len(line)-len(trimmed)]
				lines = append(lines, trimmed)
			}
			continue
		}
		code, ok := strings.CutPrefix(line, indent)
		if !ok || strings.TrimSpace(line) == "" {
			break
		}
		lines = append(lines, code)
	}
	if len(lines) == 0 {
		t.Fatalf("README has no command starting %q", start)
	}
	return strings.Join(lines, "\n")
}
