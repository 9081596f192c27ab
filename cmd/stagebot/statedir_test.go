package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestRelativeStateDirIsTheConfigFiles: `run --config` with a relative state_dir keeps its
// database under the config file's folder, not under the folder it was started in, so that
// every subcommand given the same file finds the same state wherever it runs.
func TestRelativeStateDirIsTheConfigFiles(t *testing.T) {
	confDir := t.TempDir()
	cwd := t.TempDir()
	cfg := filepath.Join(confDir, "stagebot.yaml")
	if err := os.WriteFile(cfg, []byte("state_dir: state\nconsole: true\nteam: {landing: [{name: alice}], landers: [{name: \"*\"}]}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := startBot(t, cwd, "run", "--config", rel)
	p.say("!status")
	p.expect(`^console: `)
	p.close()
	if _, err := os.Stat(filepath.Join(confDir, "state", "stagebot.db")); err != nil {
		t.Errorf("no database under the config file's folder: %v", err)
	}
	if _, err := os.Stat(filepath.Join(cwd, "state")); !os.IsNotExist(err) {
		t.Errorf("state made under the working directory: %v", err)
	}
}
