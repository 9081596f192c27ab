package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/internal/sshdtest"
	"stagebot/storage"
)

// sftpConfig writes a config for a console bot whose snakefruit is the sshd's folder.
func sftpConfig(t *testing.T, dir string, s *sshdtest.Server, knownHosts string) string {
	t.Helper()
	cfg := fmt.Sprintf(`state_dir: %s
console: true
team:
  landing: [{name: bob}, {name: carol}]
  qa: [{name: quinn}]
  landers: [{name: alice}]
snakefruit:
  target: %s
  ssh_key: %s
  known_hosts: %s
  timeout: 5s
  retry: {initial: 200ms, max: 1s, give_up: 10m}
`, filepath.Join(dir, "var"), s.TargetURL(), s.KeyPath, knownHosts)
	p := filepath.Join(dir, "stagebot.yaml")
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestSFTPWholeFlow: lock, supersede in place and flush over a real OpenSSH server.
func TestSFTPWholeFlow(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	cfg := sftpConfig(t, dir, s, s.KnownHosts)
	clicks := t.TempDir()
	v10 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.remote", Version: "1.0", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "1"}})
	v11 := clicktest.Build(t, clicks, clicktest.Spec{Name: "com.example.remote", Version: "1.1", Framework: fw, Arch: "armhf", Files: map[string]string{"a": "2"}})
	list := filepath.Join(s.Dir, "locked_clicks_list")
	if err := os.WriteFile(list, []byte("person_1.0_all.click\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	p := startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + v10)
	a := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + a)
	p.expect(`^\[` + a + `\] com\.example\.remote_1\.0_armhf\.click locked`)
	equalLines(t, "list", readLines(t, list), []string{"person_1.0_all.click", "com.example.remote_1.0_armhf.click"})
	p.say("alice> !stage " + v11)
	b := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("carol> !approve " + b)
	p.expect(`^\[` + b + `\] com\.example\.remote_1\.1_armhf\.click locked: replaces`)
	equalLines(t, "list after supersession", readLines(t, list), []string{"person_1.0_all.click", "com.example.remote_1.1_armhf.click"})
	awaitGone(t, filepath.Join(s.Dir, "com.example.remote_1.0_armhf.click"))
	p.say("bob> !tick")
	p.expect(`^\[` + b + `\] \S+ stored`)
	p.say("quinn> !promote 20")
	p.expect(`^\[` + b + `\] \S+ promoted`)
	p.say("quinn> !phasing 100")
	p.expect(`^\[` + b + `\] \S+ published`)
	p.close()
	equalLines(t, "list after flush", readLines(t, list), []string{"person_1.0_all.click"})
	assertNoTemps(t, s.Dir)
}

func assertNoTemps(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left on snakefruit: %s", e.Name())
		}
	}
}

// TestSFTPServerDownThenBack: with sshd stopped the lock is retried (visible in !status),
// and once sshd is back it completes within a backoff step.
func TestSFTPServerDownThenBack(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	cfg := sftpConfig(t, dir, s, s.KnownHosts)
	c := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.down", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	p := startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + c)
	id := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + id)
	p.expect(`approved`)
	retrying := regexp.MustCompile(`; waiting for the worker: lock attempt \d+ did not work: `)
	deadline := time.Now().Add(waitFor)
	for {
		p.say("!status " + id)
		m := p.expect(`^console: ` + id + ` \S+ (\w+) .*`)
		if retrying.MatchString(m[0]) {
			if m[1] != "approved" {
				t.Fatalf("state while retrying: %s", m[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status never showed the retry: %s", m[0])
		}
		time.Sleep(100 * time.Millisecond) // polling the bot's own view, as a person would
	}
	back := time.Now()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	p.expect(`^\[` + id + `\] \S+ locked`)
	// One backoff step is at most retry.max (1s) plus the dial.
	if d := time.Since(back); d > 5*time.Second {
		t.Errorf("locked %s after sshd came back", d)
	}
	p.close()
}

// TestSFTPWrongHostKey: a host key that known_hosts does not list fails the request at
// once, names the presented key's fingerprint, and writes nothing.
func TestSFTPWrongHostKey(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	other, _ := ssh.NewPublicKey(pub)
	kh := filepath.Join(dir, "known_hosts")
	line := fmt.Sprintf("[%s]:%d %s", s.Host, s.Port, strings.TrimSpace(string(ssh.MarshalAuthorizedKey(other))))
	os.WriteFile(kh, []byte(line+"\n"), 0o600)
	cfg := sftpConfig(t, dir, s, kh)
	c := clicktest.Build(t, t.TempDir(), clicktest.Spec{Name: "com.example.mitm", Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"a": "1"}})
	p := startBot(t, dir, "run", "--config", cfg)
	p.say("alice> !stage " + c)
	id := p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
	p.say("bob> !approve " + id)
	m := p.expect(`^\[` + id + `\] \S+ failed: (.*)`)
	want := ssh.FingerprintSHA256(s.HostKey)
	if !strings.Contains(m[1], want) {
		t.Fatalf("failure %q does not name the presented key %s", m[1], want)
	}
	p.close()
	entries, _ := os.ReadDir(s.Dir)
	if len(entries) != 0 {
		t.Fatalf("something was written to snakefruit: %v", entries)
	}
}

// TestSFTPKilledAtRandomPoints: a 20-click run with the bot SIGKILLed at 20 random points
// (during uploads, renames, list rewrites) and restarted each time ends with every click
// locked exactly once, no temp file left and a list without duplicate or torn lines.
func TestSFTPKilledAtRandomPoints(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	cfg := sftpConfig(t, dir, s, s.KnownHosts)
	clicks := t.TempDir()
	const n = 20
	var paths []string
	for i := 0; i < n; i++ {
		// Incompressible content so each upload takes long enough to be interrupted.
		blob := make([]byte, 1<<20)
		rand.Read(blob)
		path := clicktest.Build(t, clicks, clicktest.Spec{Name: fmt.Sprintf("com.example.k%02d", i), Version: "1.0", Framework: fw, Arch: "all", Files: map[string]string{"blob": string(blob)}})
		paths = append(paths, path)
	}
	p := startBot(t, dir, "run", "--config", cfg)
	var ids []string
	for _, path := range paths {
		p.say("alice> !stage " + path)
		ids = append(ids, p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1])
	}
	for _, id := range ids {
		p.say("bob> !approve " + id)
	}
	p.expect(`^bob: ` + ids[n-1] + ` approved`)
	p.kill()
	rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), 7))
	for i := 0; i < n; i++ {
		p = startBot(t, dir, "run", "--config", cfg)
		time.Sleep(time.Duration(50+rng.IntN(400)) * time.Millisecond) // a random point in the run
		p.kill()
	}
	p = startBot(t, dir, "run", "--config", cfg)
	p.close() // EOF: drain the queue

	assertLockedOnce(t, dir, ids)
	assertFolderHolds(t, s.Dir, paths)
}

// assertLockedOnce checks the state dir after a drained run: no job left, every request of
// ids locked exactly once, and the audit chain sound.
func assertLockedOnce(t *testing.T, dir string, ids []string) {
	t.Helper()
	db, err := storage.OpenReadOnly(filepath.Join(dir, "var", "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		if len(jobs) != 0 {
			t.Errorf("%d jobs left: %+v", len(jobs), jobs)
		}
		for _, id := range ids {
			r, err := tx.FindRequest(id)
			if err != nil {
				return err
			}
			locks := 0
			for _, h := range r.History {
				if h.To == stagebot.StateLocked {
					locks++
				}
			}
			if r.State != stagebot.StateLocked || locks != 1 {
				t.Errorf("%s is %s, locked %d times (%s)", r.Filename, r.State, locks, r.LastError)
			}
		}
		_, err = tx.VerifyAudit()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// assertFolderHolds checks a snakefruit folder after a drained run: the list names each of
// the clicks at paths once and nothing else, each file is byte-identical to its click, and
// no temporary or pending file is left.
func assertFolderHolds(t *testing.T, folder string, paths []string) {
	t.Helper()
	want := map[string]string{} // filename -> sha256
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		want[filepath.Base(path)] = hex.EncodeToString(sum[:])
	}
	seen := map[string]bool{}
	for _, l := range readLines(t, filepath.Join(folder, "locked_clicks_list")) {
		if _, ok := want[l]; !ok || seen[l] {
			t.Errorf("bad or duplicate list line %q", l)
		}
		seen[l] = true
	}
	if len(seen) != len(want) {
		t.Errorf("%d clicks listed, want %d", len(seen), len(want))
	}
	for name, sum := range want {
		data, err := os.ReadFile(filepath.Join(folder, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s on snakefruit differs from the click", name)
		}
	}
	assertNoTemps(t, folder)
}
