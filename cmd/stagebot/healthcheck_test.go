package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot/internal/testenv"
)

// awaitListening waits until a bot's HTTP side at listen answers /healthz.
func awaitListening(t *testing.T, listen string) {
	t.Helper()
	url := "http://" + strings.Replace(listen, "0.0.0.0", "127.0.0.1", 1) + "/healthz"
	deadline := time.Now().Add(waitFor)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not answer after %s: %v", url, waitFor, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// healthConfig writes a console bot's config with http.listen set to listen (none when
// "") and more appended; its snakefruit is a folder under dir unless more has a snakefruit
// section.
func healthConfig(t *testing.T, dir, name, listen, more string) string {
	t.Helper()
	y := fmt.Sprintf("state_dir: %s/%s\nconsole: true\nteam:\n  landing: [{name: bob}]\n  landers: [{name: \"*\"}]\n", dir, name)
	if !strings.Contains(more, "snakefruit:") {
		y += fmt.Sprintf("snakefruit:\n  target: file://%s/%s/snakefruit\n", dir, name)
	}
	if listen != "" {
		y += "http:\n  listen: " + listen + "\n"
	}
	p := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(p, []byte(y+more), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestHealthcheck: `stagebot healthcheck` asks the running bot's /readyz at its
// http.listen (on loopback when it listens on every address) and exits 0 ready, 1 not ready
// or not answering (saying why, in a line), 2 without http.listen. It reads nothing else of
// the config: secrets it does not need may be unset in its environment.
func TestHealthcheck(t *testing.T) {
	dir := t.TempDir()
	port := testenv.FreePort(t)
	up := healthConfig(t, dir, "up", fmt.Sprintf("0.0.0.0:%d", port), "")
	p := startBot(t, dir, "run", "--config", up)
	defer p.close()
	awaitListening(t, fmt.Sprintf("127.0.0.1:%d", port))

	key, knownHosts := sshKeyPair(t, dir, "[127.0.0.1]:1")
	downPort := testenv.FreePort(t)
	// A bot whose target is an SFTP server nobody runs: up, not ready.
	down := healthConfig(t, dir, "down", fmt.Sprintf("127.0.0.1:%d", downPort),
		fmt.Sprintf("snakefruit:\n  target: sftp://lander@127.0.0.1:1/clicks\n  ssh_key: %s\n  known_hosts: %s\n", key, knownHosts))
	pd := startBot(t, dir, "run", "--config", down)
	defer pd.close()
	awaitListening(t, fmt.Sprintf("127.0.0.1:%d", downPort))

	t.Setenv("STAGEBOT_PORT", fmt.Sprint(port))
	for _, c := range []struct {
		name   string
		config string
		code   int
		out    string // stdout's start
		errOut string // in stderr
	}{
		{"ready", up, 0, "ready", ""},
		{"the secrets it does not read unset", healthConfig(t, dir, "secretless", "127.0.0.1:${STAGEBOT_PORT}",
			"slack:\n  bot_token: ${STAGEBOT_UNSET_TOKEN}\n"), 0, "ready", ""},
		{"not ready", down, 1, "not ready: snakefruit: connect to 127.0.0.1:1", ""},
		{"no bot there", healthConfig(t, dir, "nobody", fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)), ""), 1, "not ready: http://127.0.0.1:", ""},
		{"no http.listen", healthConfig(t, dir, "nohttp", "", ""), 2, "", "http.listen is not set"},
		{"an unset variable in http.listen", healthConfig(t, dir, "unset", "127.0.0.1:${STAGEBOT_UNSET_PORT}", ""), 2, "", "STAGEBOT_UNSET_PORT is not set"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, "healthcheck", "--config", c.config)
			if code != c.code || !strings.HasPrefix(stdout, c.out) || !strings.Contains(stderr, c.errOut) || strings.Count(stdout, "\n") > 1 {
				t.Fatalf("exit %d, stdout %q, stderr %q; want %d, one line starting %q, stderr with %q", code, stdout, stderr, c.code, c.out, c.errOut)
			}
		})
	}
	if code, _, stderr := runCLI(t, dir, "healthcheck"); code != 2 || !strings.Contains(stderr, "usage: stagebot healthcheck") {
		t.Errorf("healthcheck without a config: exit %d, %q; want 2 and its usage", code, stderr)
	}
}
