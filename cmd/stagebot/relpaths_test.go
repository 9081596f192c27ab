package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"stagebot/internal/keyfiletest"
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

// TestRelativeKeyFilesAreTheConfigFiles: check-config run from another folder finds key
// files named relative to the config file, as the service (started in /) does.
func TestRelativeKeyFilesAreTheConfigFiles(t *testing.T) {
	confDir := t.TempDir()
	keyfiletest.SSHKey(t, filepath.Join(confDir, "id_ed25519"), "")
	keyfiletest.KnownHosts(t, filepath.Join(confDir, "known_hosts"), "snakefruit.example:22")
	cfg := filepath.Join(confDir, "stagebot.yaml")
	os.WriteFile(cfg, []byte("console: true\nteam: {landing: [{name: alice}], landers: [{name: \"*\"}]}\n"+
		"snakefruit: {target: \"sftp://lander@snakefruit.example:22/srv/clicks\", ssh_key: id_ed25519, known_hosts: known_hosts}\n"), 0o600)
	cmd := exec.Command(binary, "check-config", "--config", cfg)
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 0 || string(out) != cfg+": valid\n" {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}
