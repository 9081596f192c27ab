package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/internal/clicktest"
	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// Issue 11, items 1-3: a chat command that lands while the worker is in the middle of a lock
// on a real sshd. The server is frozen (SIGSTOP) to hold the worker at a chosen point, the
// command is given, the server thawed, and the end state is read from chat and from the
// sshd's folder.

// inFlightBlob is the random payload of a click whose upload must still be running when the
// test sees its temp file and freezes sshd: random so that click build cannot shrink it, and
// large enough that the upload and its read-back outlast the poll and the freeze on a loaded
// 2-core machine by a wide margin.
const inFlightBlob = 24 << 20

func buildClick(t *testing.T, dir, name, version string, blob int) string {
	t.Helper()
	content := name + version
	if blob > 0 {
		b := make([]byte, blob)
		rand.Read(b)
		content = string(b)
	}
	return clicktest.Build(t, dir, clicktest.Spec{Name: name, Version: version, Framework: fw, Arch: "all", Files: map[string]string{"blob": content}})
}

// holdUpload freezes s while the worker uploads filename. The temp file appears only after
// Put opened its source, so past this point deleting the bot's copy cannot fail the upload.
func holdUpload(t *testing.T, s *sshdtest.Server, filename string) {
	t.Helper()
	var tmp string // the upload's temp file, once it exists
	deadline := time.Now().Add(waitFor)
	for {
		if m, _ := filepath.Glob(filepath.Join(s.Dir, snakefruit.TempPattern(filename))); len(m) > 0 {
			tmp = m[0]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the upload of %s did not start within %s", filename, waitFor)
		}
		time.Sleep(time.Millisecond) // nothing announces the start of an upload
	}
	s.Freeze()
	// Frozen, nothing can rename or discard the temp file any more: if it is still there,
	// the lock had not got past its upload.
	if _, err := os.Stat(tmp); err != nil {
		s.Thaw()
		t.Fatalf("the upload of %s ended before sshd froze (%v): the click is too small to hold it in flight", filename, err)
	}
}

// holdDial freezes s with no connection to it, then waits until the bot's worker has dialled
// it: the connection sits in the frozen listener's accept queue, the SSH handshake waits
// for a banner, and the lock has not reached its source yet. Thaw within the dial timeout
// (snakefruit.timeout), or the dial fails and the attempt is merely retried.
func holdDial(t *testing.T, s *sshdtest.Server, approve func()) {
	t.Helper()
	// A restart drops the connection the bot keeps, so its next operation must dial.
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	s.Freeze()
	if n := acceptQueue(t, s.Port); n != 0 {
		t.Fatalf("%d connection(s) to the frozen sshd before the approval", n)
	}
	approve()
	deadline := time.Now().Add(waitFor)
	for acceptQueue(t, s.Port) == 0 {
		if time.Now().After(deadline) {
			s.Thaw()
			t.Fatalf("the worker did not dial the frozen sshd within %s", waitFor)
		}
		time.Sleep(time.Millisecond) // a kernel queue length has no event to wait on
	}
}

// acceptQueue is the number of connections waiting to be accepted on 127.0.0.1:port: for a
// listening socket, /proc/net/tcp reports that in the rx_queue column.
func acceptQueue(t *testing.T, port int) int {
	t.Helper()
	f, err := os.Open("/proc/net/tcp")
	if err != nil {
		t.Skipf("no /proc/net/tcp to watch the dial: %v", err)
	}
	defer f.Close()
	local := fmt.Sprintf("0100007F:%04X", port)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		// sl local_address rem_address st tx_queue:rx_queue ...; st 0A is LISTEN.
		if len(fields) < 5 || fields[1] != local || fields[3] != "0A" {
			continue
		}
		_, rx, _ := strings.Cut(fields[4], ":")
		n, err := strconv.ParseInt(rx, 16, 64)
		if err != nil {
			t.Fatalf("/proc/net/tcp: %q: %v", sc.Text(), err)
		}
		return int(n)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no listening socket on port %d in /proc/net/tcp", port)
	return 0
}

// stage stages path as alice, the only lander, and returns the request's ID.
func (p *proc) stage(path string) string {
	p.t.Helper()
	p.say("alice> !stage " + path)
	return p.expect(`\[([0-9a-f]{8})\] \S+ requested: .* by alice`)[1]
}

// settle stages and approves a small click of a package of its own and waits for the
// outcome (word: locked, or failed when snakefruit is out of reach). The worker takes one
// job at a time in queue order, so that announcement means the lock attempt held earlier
// has finished, whatever it did.
func (p *proc) settle(clicks, name, word string) {
	p.t.Helper()
	id := p.stage(buildClick(p.t, clicks, name, "1.0", 0))
	p.say("carol> !approve " + id)
	p.expect(`^\[` + id + `\] \S+ ` + word + `\b`)
}

// state is the state word `!status ID` names.
func (p *proc) state(id string) string {
	p.t.Helper()
	p.say("!status " + id)
	return p.expect(`^console: ` + id + ` \S+ (\w+) `)[1]
}

// announced returns the transcript's announcements about id with word.
func (p *proc) announced(id, word string) []string {
	rx := regexp.MustCompile(`^\[` + id + `\] \S+ ` + word + `\b`)
	var out []string
	for _, l := range p.transcript() {
		if rx.MatchString(l) {
			out = append(out, l)
		}
	}
	return out
}

// restage stages path again: a request that ended must not block its click (contract §3).
func (p *proc) restage(path, oldID string) {
	p.t.Helper()
	p.say("alice> !stage " + path)
	// A refusal is a reply; a success is the `requested` announcement alone.
	reply := p.expect(`^alice: .*|\[[0-9a-f]{8}\] \S+ requested: .* by alice`)[0]
	m := regexp.MustCompile(`^\[([0-9a-f]{8})\] \S+ requested`).FindStringSubmatch(reply)
	switch {
	case m == nil:
		p.t.Errorf("staging the click of cancelled [%s] again was refused: %s", oldID, reply)
	case m[1] == oldID:
		p.t.Errorf("staging again gave the old ID: %s", reply)
	}
}

// assertIdleQueue opens the bot's bbolt file after it exited and fails if a job is left.
func assertIdleQueue(t *testing.T, dir string) {
	t.Helper()
	db, err := storage.OpenReadOnly(filepath.Join(dir, "var", "stagebot.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.View(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		for _, j := range jobs {
			t.Errorf("job left in the queue: %s for %s (attempt %d: %s)", j.Kind, stagebot.ShortID(j.RequestID), j.Attempt, j.LastError)
		}
		return err
	})
}

// setGiveUp rewrites sftpConfig's snakefruit.retry.give_up.
func setGiveUp(t *testing.T, cfg, d string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Replace(b, []byte("give_up: 10m"), []byte("give_up: "+d), 1)
	if bytes.Equal(out, b) {
		t.Fatalf("no give_up: 10m in %s to replace", cfg)
	}
	if err := os.WriteFile(cfg, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// copyAtApproval turns the pre-upload off in cfg (snakefruit.preupload: false), for the
// tests of a cancel that overtakes the copy made at approval.
func copyAtApproval(t *testing.T, cfg string) {
	t.Helper()
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out := bytes.Replace(b, []byte("\nsnakefruit:\n"), []byte("\nsnakefruit:\n  preupload: false\n"), 1)
	if bytes.Equal(out, b) {
		t.Fatalf("no snakefruit section in %s", cfg)
	}
	if err := os.WriteFile(cfg, out, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestCancelUpgradeDuringUploadKeepsOlder (issue 11 item 1): 2.0 is cancelled while its
// upload, which is to replace the locked 1.0 in place, is under way. 1.0 must stay locked,
// its line in its place and its file on snakefruit; nothing of 2.0 may remain.
func TestCancelUpgradeDuringUploadKeepsOlder(t *testing.T) {
	s := sshdtest.Start(t)
	dir := t.TempDir()
	cfg := sftpConfig(t, dir, s, s.KnownHosts)
	copyAtApproval(t, cfg)
	clicks := t.TempDir()
	v1 := buildClick(t, clicks, "com.example.upgrade", "1.0", 64<<10)
	v2 := buildClick(t, clicks, "com.example.upgrade", "2.0", inFlightBlob)
	const f1, f2 = "com.example.upgrade_1.0_all.click", "com.example.upgrade_2.0_all.click"
	list := filepath.Join(s.Dir, "locked_clicks_list")
	if err := os.WriteFile(list, []byte("person_1.0_all.click\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	p := startBot(t, dir, "run", "--config", cfg)
	a := p.stage(v1)
	p.say("bob> !approve " + a)
	p.expect(`^\[` + a + `\] com\.example\.upgrade_1\.0_all\.click locked`)
	b := p.stage(v2)
	p.say("bob> !approve " + b)
	holdUpload(t, s, f2)
	p.say("alice> !cancel " + b)
	p.expect(`^\[` + b + `\] com\.example\.upgrade_2\.0_all\.click cancelled`)
	s.Thaw()
	p.settle(clicks, "com.example.settle", "locked")

	if got := p.state(b); got != "cancelled" {
		t.Errorf("[%s] 2.0 is %s, want cancelled", b, got)
	}
	if got := p.state(a); got != "locked" {
		t.Errorf("[%s] 1.0 is %s, want still locked", a, got)
	}
	if l := p.announced(a, "superseded"); l != nil {
		t.Errorf("1.0 was announced superseded by a cancelled upgrade: %q", l)
	}
	p.close()
	assertIdleQueue(t, dir)

	want := []string{"person_1.0_all.click", f1, "com.example.settle_1.0_all.click"}
	if got := readLines(t, list); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("list:\n got %q\nwant %q (1.0's line once, in its place)", got, want)
	}
	orig, err := os.ReadFile(v1)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := os.ReadFile(filepath.Join(s.Dir, f1)); err != nil {
		t.Errorf("1.0's file is not on snakefruit: %v", err)
	} else if !bytes.Equal(on, orig) {
		t.Errorf("1.0's file on snakefruit differs from the click (%d bytes, want %d)", len(on), len(orig))
	}
	if _, err := os.Stat(filepath.Join(s.Dir, f2)); !os.IsNotExist(err) {
		t.Errorf("the cancelled 2.0's file is on snakefruit (%v)", err)
	}
	assertNoTemps(t, s.Dir)
}

// TestCancelDuringLockNeverComesBackFailed (issue 11 item 3): a request cancelled while its
// lock attempt runs stays cancelled however that attempt ends, and its click can be staged
// again.
func TestCancelDuringLockNeverComesBackFailed(t *testing.T) {
	// The attempt was uploading when the cancel came, then loses snakefruit for good: with
	// give_up that short, its first failure ends it, as a permanent error would.
	t.Run("UploadThenGiveUp", func(t *testing.T) {
		s := sshdtest.Start(t)
		dir := t.TempDir()
		cfg := sftpConfig(t, dir, s, s.KnownHosts)
		copyAtApproval(t, cfg)
		setGiveUp(t, cfg, "1ms")
		clicks := t.TempDir()
		c := buildClick(t, clicks, "com.example.giveup", "1.0", inFlightBlob)

		p := startBot(t, dir, "run", "--config", cfg)
		id := p.stage(c)
		p.say("bob> !approve " + id)
		holdUpload(t, s, "com.example.giveup_1.0_all.click")
		p.say("alice> !cancel " + id)
		p.expect(`^\[` + id + `\] com\.example\.giveup_1\.0_all\.click cancelled`)
		// Killed while frozen: the upload's connection drops and every dial is refused.
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		p.settle(clicks, "com.example.settle", "failed")
		if err := s.Restart(); err != nil {
			t.Fatal(err)
		}

		if got := p.state(id); got != "cancelled" {
			t.Errorf("[%s] is %s after its lock attempt gave up, want cancelled", id, got)
		}
		if l := p.announced(id, "failed"); l != nil {
			t.Errorf("the cancelled request was announced failed: %q", l)
		}
		p.restage(c, id)
		p.close()
	})

	// The cancel came while the worker was still connecting, before Put opened the bot's
	// copy of the click, which the cancel deletes.
	t.Run("BeforeSourceOpened", func(t *testing.T) {
		s := sshdtest.Start(t)
		dir := t.TempDir()
		cfg := sftpConfig(t, dir, s, s.KnownHosts)
		copyAtApproval(t, cfg)
		clicks := t.TempDir()
		c := buildClick(t, clicks, "com.example.early", "1.0", 0)

		p := startBot(t, dir, "run", "--config", cfg)
		// A lock first: the worker has reconciled and holds a connection, and nothing
		// else will dial until the next job.
		p.settle(clicks, "com.example.warmup", "locked")
		id := p.stage(c)
		holdDial(t, s, func() { p.say("bob> !approve " + id) })
		p.say("alice> !cancel " + id)
		p.expect(`^\[` + id + `\] com\.example\.early_1\.0_all\.click cancelled`)
		s.Thaw()
		p.settle(clicks, "com.example.settle", "locked")

		if got := p.state(id); got != "cancelled" {
			t.Errorf("[%s] is %s after its interrupted lock attempt, want cancelled", id, got)
		}
		if l := p.announced(id, "failed"); l != nil {
			t.Errorf("the cancelled request was announced failed: %q", l)
		}
		p.restage(c, id)
		p.close()
		assertIdleQueue(t, dir)
		if _, err := os.Stat(filepath.Join(s.Dir, "com.example.early_1.0_all.click")); !os.IsNotExist(err) {
			t.Errorf("the cancelled click's file is on snakefruit (%v)", err)
		}
		assertNoTemps(t, s.Dir)
	})
}
