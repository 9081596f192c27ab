package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// runCLI runs the binary to its end in dir with stdin closed.
func runCLI(t *testing.T, dir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("stagebot %v: %v", args, err)
		}
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// TestEveryCommandAnswersHelp: every subcommand's --help (and -h, and `stagebot help
// NAME`) prints one usage block that starts `usage: stagebot NAME` on stdout, nothing on
// stderr, and exits 0; the overview lists every subcommand.
func TestEveryCommandAnswersHelp(t *testing.T) {
	names := []string{"audit"} // a group: its usage lists its verbs
	for _, c := range commands {
		names = append(names, c.name)
	}
	dir := t.TempDir()
	for _, name := range names {
		words := strings.Fields(name)
		for _, args := range [][]string{append(words, "--help"), append(words, "-h"), append([]string{"help"}, words...)} {
			code, stdout, stderr := runCLI(t, dir, args...)
			var usages []string
			for _, l := range strings.Split(stdout, "\n") {
				if strings.HasPrefix(l, "usage:") {
					usages = append(usages, l)
				}
			}
			if code != 0 || stderr != "" || len(usages) != 1 || !strings.HasPrefix(usages[0], "usage: stagebot "+name) {
				t.Errorf("stagebot %s: exit %d, usage lines %q, stderr %q; want 0, one `usage: stagebot %s ...`, none",
					strings.Join(args, " "), code, usages, stderr, name)
			}
		}
	}
	_, overview, _ := runCLI(t, dir, "--help")
	for _, c := range commands {
		if !strings.Contains(overview, "stagebot "+c.usage+"\n") {
			t.Errorf("the overview does not list %q:\n%s", c.usage, overview)
		}
	}
}

// TestConfigFlagRunsTheBot: `stagebot --config FILE` is `stagebot run --config FILE`.
func TestConfigFlagRunsTheBot(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "console: true\n")
	p := startBot(t, dir, "--config", cfg)
	p.say("!queue")
	p.expect(`^console: the queue is empty`)
	p.close()
}

// TestInspectFlagsAfterClicks: a flag after the clicks is a flag (the keyring is used, not
// inspected as a click), "--" ends the flags, and each click gets exactly one line that
// starts with its path and says OK or REJECTED, its details indented below it.
func TestInspectFlagsAfterClicks(t *testing.T) {
	dir := t.TempDir()
	good := clicktest.Build(t, dir, clicktest.Spec{Name: "com.example.flags", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	key := clicktest.NewKey(t)
	signed := filepath.Join(t.TempDir(), filepath.Base(good))
	copyFile(t, good, signed)
	clicktest.Sign(t, key, signed)
	junk := filepath.Join(dir, "junk.click")
	if err := os.WriteFile(junk, []byte("not a click"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.click")

	for _, c := range []struct {
		name  string
		args  []string
		code  int
		heads []string // each headline's start, in order
		has   string   // somewhere in the output
	}{
		{"keyring after a signed click", []string{signed, "--keyring", key.PublicKeyring}, 0,
			[]string{signed + ": OK " + filepath.Base(good)}, key.ID},
		{"keyring after an unsigned click", []string{good, "--keyring", key.PublicKeyring}, 1,
			[]string{good + ": REJECTED: "}, "unsigned"},
		{"keyring between clicks", []string{signed, "--keyring", key.PublicKeyring, good}, 1,
			[]string{signed + ": OK ", good + ": REJECTED: "}, "unsigned"},
		{"one line per click", []string{good, junk, missing}, 1,
			[]string{good + ": OK ", junk + ": REJECTED: not a click", missing + ": REJECTED: cannot read it"}, ""},
		{"-- ends the flags", []string{"--", "--keyring"}, 1, []string{"--keyring: REJECTED: cannot read it"}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, dir, append([]string{"inspect"}, c.args...)...)
			var heads []string
			for _, l := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
				if !strings.HasPrefix(l, " ") {
					heads = append(heads, l)
				}
			}
			if code != c.code || len(heads) != len(c.heads) {
				t.Fatalf("exit %d with headlines %q, want %d with %d\nstdout:\n%s\nstderr:\n%s", code, heads, c.code, len(c.heads), stdout, stderr)
			}
			for i, h := range heads {
				if !strings.HasPrefix(h, c.heads[i]) {
					t.Errorf("headline %q, want it to start %q", h, c.heads[i])
				}
			}
			if !strings.Contains(stdout, c.has) {
				t.Errorf("the output lacks %q:\n%s", c.has, stdout)
			}
		})
	}
}

// repeated returns what line says twice over, "" for nothing: a part (text between ": ")
// an earlier part already said, or that only adds a word to one ("open X" after "X").
func repeated(line string) string {
	seen := map[string]bool{}
	for _, part := range strings.Split(line, ": ") {
		_, rest, verb := strings.Cut(part, " ")
		if seen[part] || verb && seen[rest] {
			return part
		}
		seen[part] = true
		if verb {
			seen[rest] = true
		}
	}
	return ""
}

func TestRepeated(t *testing.T) {
	for line, want := range map[string]string{
		"stagebot audit log: open x.db: open x.db: no such file or directory": "open x.db",
		"x.yaml: open x.yaml: no such file or directory":                      "open x.yaml",
		"stagebot: snakefruit: snakefruit: config ssh_key: bad":               "snakefruit",
		"stagebot inspect: keyring k: keyring k: openpgp: invalid data":       "keyring k",
		"x.yaml: cannot read it: no such file or directory":                   "",
		"stagebot: x.yaml: snakefruit: config ssh_key: ./key: ssh: no key":    "",
		"not ready: snakefruit: connect to 127.0.0.1:1: dial tcp: refused":    "",
	} {
		if got := repeated(line); got != want {
			t.Errorf("repeated(%q) = %q, want %q", line, got, want)
		}
	}
}

// TestNoRepeatedPrefixInErrors: no error the CLI prints says a part of itself twice
// (`open X: open X:`, `snakefruit: snakefruit:`, `X: open X:`), whichever layer wrapped it.
func TestNoRepeatedPrefixInErrors(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(dir, "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	key, knownHosts := sshKeyPair(t, dir, "[127.0.0.1]:1")
	sftpDown := fmt.Sprintf("snakefruit:\n  target: sftp://lander@127.0.0.1:1/clicks\n  ssh_key: %s\n  known_hosts: %s\n", key, knownHosts)
	config := func(name, yaml string) string {
		p := filepath.Join(dir, name+".yaml")
		body := "state_dir: " + filepath.Join(dir, name) + "\nconsole: true\nteam:\n  landing: [{name: bob}]\n  landers: [{name: \"*\"}]\n" + yaml
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	missing := filepath.Join(dir, "missing")
	runs := [][]string{
		{"run", "--config", missing + ".yaml"},
		{"--config", missing + ".yaml"},
		{"check-config", "--config", missing + ".yaml"},
		{"audit", "log", "--db", missing + ".db"},
		{"audit", "verify", "--config", missing + ".yaml"},
		{"inspect", missing + ".click"},
		{"inspect", "--keyring", missing, missing + ".click"},
		{"inspect", "--keyring", garbage, missing + ".click"},
		{"verify", "--key", missing, missing + ".click", missing + ".json"},
		{"verify", "--key", garbage, missing + ".click", missing + ".json"},
		{"healthcheck", "--config", missing + ".yaml"},
		{"run", "--config", config("badkey", "snakefruit:\n  target: sftp://lander@127.0.0.1:1/clicks\n  ssh_key: "+garbage+"\n  known_hosts: "+knownHosts+"\n")},
		{"run", "--config", config("nofolder", "snakefruit:\n  target: file://"+notADir+"/clicks\n")},
		{"run", "extra"},
		{"inspect", "--bogus"},
		{"frobnicate"},
	}
	// A bot up whose snakefruit is down: /readyz says why, and healthcheck prints it.
	listen := fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	up := config("up", sftpDown+"http:\n  listen: "+listen+"\n")
	p := startBot(t, dir, "run", "--config", up)
	awaitListening(t, listen)
	runs = append(runs, []string{"healthcheck", "--config", up})

	for _, args := range runs {
		code, stdout, stderr := runCLI(t, dir, args...)
		if code == 0 {
			t.Errorf("stagebot %s: exit 0, want a failure to look at", strings.Join(args, " "))
		}
		for _, l := range strings.Split(stdout+stderr, "\n") {
			if r := repeated(l); r != "" {
				t.Errorf("stagebot %s says %q twice:\n%s", strings.Join(args, " "), r, l)
			}
		}
	}
	p.stdin.Close()
}

// sshKeyPair writes an ed25519 client key and a known_hosts file trusting that key's
// public half for host: a well-formed snakefruit config for a server nobody runs.
func sshKeyPair(t *testing.T, dir, host string) (keyPath, knownHostsPath string) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "")
	if err != nil {
		t.Fatal(err)
	}
	sshPub, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	keyPath, knownHostsPath = filepath.Join(dir, "id_ed25519"), filepath.Join(dir, "known_hosts")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(knownHostsPath, []byte(knownhosts.Line([]string{host}, sshPub)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return keyPath, knownHostsPath
}
