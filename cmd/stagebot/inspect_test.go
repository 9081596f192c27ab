package main

import (
	"crypto/sha512"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"stagebot/internal/clicktest"
)

func inspect(t *testing.T, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"inspect"}, args...)...)
	out, _ := cmd.CombinedOutput()
	return cmd.ProcessState.ExitCode(), string(out)
}

// TestInspect: the inspect subcommand reports what !stage would see, and its exit code
// says whether every click is acceptable.
func TestInspect(t *testing.T) {
	dir := t.TempDir()
	good := clicktest.Build(t, dir, clicktest.Spec{Name: "com.example.ins", Version: "2:1.5", Framework: fw, Arch: []string{"armhf", "arm64"}, Files: map[string]string{"a": "1"}})
	data, _ := os.ReadFile(good)
	sum := sha512.Sum512(data)
	bad := filepath.Join(dir, "com.example.bad_1.0_all.click")
	os.WriteFile(bad, []byte("!<arch>\nnot really\n"), 0o644)

	code, out := inspect(t, good)
	for _, want := range []string{"com.example.ins_1.5_multi.click", "version:      2:1.5", "armhf", "arm64", fw, hex.EncodeToString(sum[:]), "signature:    none"} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect output lacks %q:\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("a good click: exit %d\n%s", code, out)
	}
	if code, out := inspect(t, good, bad); code != 1 || !strings.Contains(out, "com.example.bad_1.0_all.click") {
		t.Fatalf("a bad click among good: exit %d\n%s", code, out)
	}
	if code, out := inspect(t, filepath.Join(dir, "missing.click")); code != 1 || !strings.Contains(out, "REJECTED") {
		t.Fatalf("a missing file: exit %d\n%s", code, out)
	}
	// Judged as !stage would: a valid click saved under another click's name is refused,
	// naming the filename its manifest makes; under a name that is no click name it is fine.
	relabelled := filepath.Join(dir, "com.example.ins_1.6_multi.click")
	copyFile(t, good, relabelled)
	if code, out := inspect(t, relabelled); code != 1 || !strings.Contains(out, "mislabelled") || !strings.Contains(out, filepath.Base(good)) {
		t.Fatalf("a mislabelled click: exit %d\n%s", code, out)
	}
	neutral := filepath.Join(dir, "download.bin")
	copyFile(t, good, neutral)
	if code, out := inspect(t, neutral); code != 0 {
		t.Fatalf("a click under a name that is no click name: exit %d\n%s", code, out)
	}
	if code, _ := inspect(t); code != 2 {
		t.Fatalf("no arguments: exit %d, want 2", code)
	}

	// With a keyring: signed by a key in it passes, unsigned is rejected.
	key := clicktest.NewKey(t)
	signed := filepath.Join(t.TempDir(), filepath.Base(good))
	copyFile(t, good, signed)
	clicktest.Sign(t, key, signed)
	if code, out := inspect(t, "--keyring", key.PublicKeyring, signed); code != 0 || !strings.Contains(out, key.ID) {
		t.Fatalf("signed click with its keyring: exit %d\n%s", code, out)
	}
	if code, out := inspect(t, "--keyring", key.PublicKeyring, good); code != 1 || !strings.Contains(out, "unsigned") {
		t.Fatalf("unsigned click with a keyring: exit %d\n%s", code, out)
	}
}

func TestVersion(t *testing.T) {
	out, err := exec.Command(binary, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "stagebot ") || !strings.HasPrefix(lines[1], "commit ") || !strings.HasPrefix(lines[2], "go1.") {
		t.Fatalf("version output %q", out)
	}
	// Built from a git checkout without -ldflags, the commit is the build's VCS revision.
	if head, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
		if want := "commit " + strings.TrimSpace(string(head)); lines[1] != want {
			t.Fatalf("version says %q, want %q", lines[1], want)
		}
	}
	if code := exec.Command(binary, "frobnicate").Run(); code == nil {
		t.Fatal("an unknown subcommand exited 0")
	}
	help, err := exec.Command(binary, "run", "--help").Output()
	if err != nil || !strings.Contains(string(help), "usage: stagebot run") {
		t.Fatalf("run --help: %v\n%s", err, help)
	}
}
