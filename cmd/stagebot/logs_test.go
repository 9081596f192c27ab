package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartAndStopLines: the binary logs in JSON when log_format says so, its start line
// names the build as `stagebot version` does, and a signal is named in the stop's lines,
// with how long the stop took and what stays queued.
func TestStartAndStopLines(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		name := map[syscall.Signal]string{syscall.SIGTERM: "SIGTERM", syscall.SIGINT: "SIGINT"}[sig]
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "stagebot.yaml")
			yml := fmt.Sprintf("state_dir: %s\nconsole: true\nlog_format: json\nshutdown_grace: 7s\nteam:\n  landing: [{name: bob}]\n  landers: [{name: alice}]\n",
				filepath.Join(dir, "var"))
			if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
				t.Fatal(err)
			}
			p := startBot(t, dir, "run", "--config", cfg)
			p.say("!queue")
			p.expect(`the queue is empty`)
			p.cmd.Process.Signal(sig)
			select {
			case <-p.done:
			case <-time.After(waitFor):
				t.Fatalf("stagebot did not exit on %s", name)
			}

			p.mu.Lock()
			stderr := p.err.String()
			p.mu.Unlock()
			recs := map[string]map[string]any{}
			for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
				var rec map[string]any
				if err := json.Unmarshal([]byte(line), &rec); err != nil {
					t.Fatalf("a log line that is not JSON: %v\n%s", err, line)
				}
				if msg, _ := rec["msg"].(string); msg != "" {
					recs[msg] = rec
				}
			}
			out, err := exec.Command(binary, "version").Output()
			if err != nil {
				t.Fatal(err)
			}
			commit := strings.TrimPrefix(strings.Split(string(out), "\n")[1], "commit ")
			start := recs["stagebot running"]
			if start == nil || start["commit"] != commit || start["version"] != "dev" ||
				fmt.Sprint(start["adapters"]) != "[console]" || start["state_dir"] != filepath.Join(dir, "var") {
				t.Errorf("start line %v; want commit %s, version dev, adapters [console], state_dir %s", start, commit, filepath.Join(dir, "var"))
			}
			if r := recs["stagebot stopping"]; r == nil || r["signal"] != name || r["grace"] != "7s" {
				t.Errorf("stopping line %v, want signal %s and grace 7s", r, name)
			}
			r := recs["stagebot stopped"]
			if r == nil || r["signal"] != name || r["cut_off"] != false || r["jobs_queued"] != float64(0) {
				t.Errorf("stopped line %v, want signal %s, not cut off, no job queued", r, name)
			} else if took, _ := r["took"].(string); !strings.HasSuffix(took, "s") {
				t.Errorf("stopped line says it took %v", r["took"])
			}
		})
	}
}

// TestStartLogsConfigWarnings: what check-config warns of is logged at every start too.
func TestStartLogsConfigWarnings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "stagebot.yaml")
	yml := fmt.Sprintf("state_dir: %s\nconsole: true\nlog_format: json\nteam:\n  landing: [{name: \"*\"}]\n  landers: [{name: alice}]\n",
		filepath.Join(dir, "var"))
	if err := os.WriteFile(cfg, []byte(yml), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startBot(t, dir, "run", "--config", cfg)
	p.say("!queue")
	p.expect(`the queue is empty`)
	p.mu.Lock()
	stderr := p.err.String()
	p.mu.Unlock()
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == "config" && rec["level"] == "WARN" &&
			strings.HasPrefix(fmt.Sprint(rec["key"]), "team.landing") {
			return
		}
	}
	t.Fatalf("no warning about the \"*\" landing entry at start:\n%s", stderr)
}
