package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"

	"stagebot"
	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

// p1Env is what every P1 run shares, so that the bot and the reference move the same bytes
// between the same peers: one click, one HTTP server, one sshd, one bot config.
type p1Env struct {
	dir, logs          string // work folder; the bots' logs (outside dir, so --keep keeps them)
	name, url, cfgFile string
	stateDir           string
	size               int64
	sshd               *sshdtest.Server
	runs               int // numbers the bots' logs
}

// clean gives the next run a fresh state: no bot records, no local download, and nothing
// on snakefruit (the click, the list, and whatever a failed run may have left there).
func (e *p1Env) clean() {
	os.RemoveAll(filepath.Join(e.dir, "dl"))
	os.RemoveAll(e.stateDir)
	os.Remove(filepath.Join(e.sshd.Dir, e.name))
	os.Remove(filepath.Join(e.sshd.Dir, "locked_clicks_list"))
	for _, p := range []string{snakefruit.PendingPrefix, snakefruit.TempPrefix} {
		left, _ := filepath.Glob(filepath.Join(e.sshd.Dir, p+"*"))
		for _, f := range left {
			os.Remove(f)
		}
	}
}

// refTimes is one reference run: curl of the URL to a file, then one `sftp -b` put of it.
type refTimes struct{ curl, put time.Duration }

func (e *p1Env) reference() (refTimes, error) {
	dl := filepath.Join(e.dir, "dl")
	if err := os.MkdirAll(dl, 0o755); err != nil {
		return refTimes{}, err
	}
	local := filepath.Join(dl, e.name)
	batch := filepath.Join(e.dir, "put.batch")
	if err := os.WriteFile(batch, []byte(fmt.Sprintf("put %s %s/%s\n", local, e.sshd.Dir, e.name)), 0o644); err != nil {
		return refTimes{}, err
	}
	t0 := time.Now()
	if b, err := exec.Command(tool("curl"), "-sS", "-f", "-o", local, e.url).CombinedOutput(); err != nil {
		return refTimes{}, fmt.Errorf("curl: %v: %s", err, b)
	}
	t1 := time.Now()
	sftp := exec.Command(tool("sftp"), "-q", "-F", "/dev/null", "-b", batch, "-i", e.sshd.KeyPath,
		"-o", "UserKnownHostsFile="+e.sshd.KnownHosts, "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
		"-o", "IdentitiesOnly=yes", "-P", fmt.Sprint(e.sshd.Port), e.sshd.User+"@"+e.sshd.Host)
	if b, err := sftp.CombinedOutput(); err != nil {
		return refTimes{}, fmt.Errorf("sftp -b: %v: %s", err, b)
	}
	r := refTimes{curl: t1.Sub(t0), put: time.Since(t1)}
	if err := sameSize(filepath.Join(e.sshd.Dir, e.name), e.size); err != nil {
		return refTimes{}, fmt.Errorf("sftp put: %v", err)
	}
	logf("P1 reference: curl %v + sftp put %v = %v", r.curl.Round(time.Millisecond), r.put.Round(time.Millisecond), (r.curl + r.put).Round(time.Millisecond))
	return r, nil
}

// approveWhen is when bob approves in a bot run.
type approveWhen int

const (
	// approveLanded waits until the pre-upload landed and was checked (the bot logged
	// `pre-uploaded` and the pending file is whole): approval -> locked is then the lock
	// alone (P1b).
	approveLanded approveWhen = iota
	// approveAtOnce approves as soon as `requested` appears: the lock waits for the
	// pre-upload still under way, as for a landing team that is watching (P1c).
	approveAtOnce
)

// botTimes is one bot run.
type botTimes struct {
	requested time.Duration // !stage -> requested
	lock      time.Duration // approval -> locked
	total     time.Duration // !stage -> locked
	rss       int64         // rusage maxrss, KiB
	// preuploaded: the log says the pre-upload landed and was checked before the lock.
	preuploaded bool
	// renamed (approveLanded only): the locked click is the pending file itself, same
	// inode, so the lock renamed it; an upload at approval would have made a new file.
	renamed bool
	lockLog string // the bot's log from the approval to the `locked` line
}

// botRun drives one console bot from a fresh state: alice stages the click, bob approves
// (when says when), until `locked`; then EOF, and the bot's rusage once it has exited.
func (e *p1Env) botRun(bin string, args []string, when approveWhen) (bt botTimes, err error) {
	e.runs++
	logPath := filepath.Join(e.logs, fmt.Sprintf("bot-%d.log", e.runs))
	b, err := startConsoleBot(bin, args, logPath)
	if err != nil {
		return bt, err
	}
	defer b.kill()
	lg := &logTail{path: logPath}
	t0 := time.Now()
	if err := b.say("alice> !stage " + e.name); err != nil {
		return bt, err
	}
	// !stage is answered by the `requested` announcement itself; a refusal by a reply.
	// The announcement may start with the approvers it mentions ("bob carol: [id] ...").
	m, err := b.expect(`^(?:(?:[\w ]+: )?\[([0-9a-f]{8})\] \S+ (requested)|alice: (refused.*))`, 15*time.Minute)
	if err != nil {
		return bt, err
	}
	if m[2] != "requested" {
		return bt, fmt.Errorf("!stage: %s", m[0])
	}
	id := m[1]
	bt.requested = time.Since(t0)
	landed := regexp.MustCompile(`msg=pre-uploaded id=` + id + `\b`)
	var pendingIno uint64
	if when == approveLanded {
		failed := regexp.MustCompile(`msg="pre-upload failed[^"]*" id=` + id + `\b`)
		l, err := lg.wait(b, 15*time.Minute, landed, failed)
		if err != nil {
			return bt, fmt.Errorf("waiting for the pre-upload: %v", err)
		}
		if failed.MatchString(l) {
			return bt, fmt.Errorf("the pre-upload failed, P1b would time an upload: %s", l)
		}
		fi, err := e.pending(id)
		if err != nil {
			return bt, err
		}
		if fi.Size() != e.size {
			return bt, fmt.Errorf("the bot logged pre-uploaded, but its pending file %s is %d bytes, want %d", fi.Name(), fi.Size(), e.size)
		}
		pendingIno = inode(fi)
	}
	mark, err := lg.end()
	if err != nil {
		return bt, err
	}
	tA := time.Now()
	if err := b.say("bob> !approve " + id); err != nil {
		return bt, err
	}
	m, err = b.expect(`^\[`+id+`\] \S+ (locked|failed)`, 15*time.Minute)
	if err != nil {
		return bt, err
	}
	now := time.Now()
	if m[1] != "locked" {
		return bt, fmt.Errorf("the lock failed: %s", m[0])
	}
	bt.lock, bt.total = now.Sub(tA), now.Sub(t0)
	bt.lockLog = lg.from(mark)
	ru, err := b.finish(2 * time.Minute)
	if err != nil {
		return bt, err
	}
	bt.rss = ru.Maxrss // KiB on Linux
	bt.preuploaded = landed.MatchString(lg.from(0))
	final := filepath.Join(e.sshd.Dir, e.name)
	fi, err := os.Stat(final)
	if err != nil {
		return bt, fmt.Errorf("stagebot's lock: %v", err)
	}
	if fi.Size() != e.size {
		return bt, fmt.Errorf("stagebot's lock: %s is %d bytes, want %d", final, fi.Size(), e.size)
	}
	if _, err := e.pending(id); err == nil {
		return bt, fmt.Errorf("a pending file is left on snakefruit after the lock")
	}
	bt.renamed = pendingIno != 0 && inode(fi) == pendingIno
	switch when {
	case approveLanded:
		logf("P1 stagebot: !stage -> requested %v; pre-uploaded, then approval -> locked %v (renamed: %v); peak RSS %s",
			bt.requested.Round(time.Millisecond), bt.lock.Round(time.Millisecond), bt.renamed, mib(bt.rss))
	default:
		logf("P1 stagebot: !stage -> requested %v, approved at once -> locked %v (pre-upload used: %v); peak RSS %s",
			bt.requested.Round(time.Millisecond), bt.total.Round(time.Millisecond), bt.preuploaded, mib(bt.rss))
	}
	return bt, nil
}

// pending finds the pending file of the request whose short ID the chat shows.
func (e *p1Env) pending(short string) (os.FileInfo, error) {
	des, err := os.ReadDir(e.sshd.Dir)
	if err != nil {
		return nil, err
	}
	for _, de := range des {
		if id, ok := snakefruit.PendingID(de.Name()); ok && stagebot.ShortID(id) == short {
			return de.Info()
		}
	}
	return nil, fmt.Errorf("no %s file for request %s in %s", snakefruit.PendingPrefix+"<id>", short, e.sshd.Dir)
}

func inode(fi os.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Ino
	}
	return 0
}

// logTail reads a bot's log (slog text, written straight to a file by the bot) as it grows.
type logTail struct {
	path string
	off  int64  // how far wait has read
	part string // an unfinished last line
}

// logPoll is how often wait looks at the log: a file written by another process cannot be
// awaited, and nothing P1 times depends on this delay (P1b starts at the approval).
const logPoll = 5 * time.Millisecond

// wait returns the first new log line matching any of res, failing if the bot exits or
// timeout passes first.
func (lg *logTail) wait(b *consoleBot, timeout time.Duration, res ...*regexp.Regexp) (string, error) {
	deadline := time.After(timeout)
	tick := time.NewTicker(logPoll)
	defer tick.Stop()
	for {
		if l, ok, err := lg.scan(res...); err != nil || ok {
			return l, err
		}
		select {
		case <-tick.C:
		case <-b.done:
			return "", fmt.Errorf("stagebot exited; its log: %s", tail(lg.path))
		case <-deadline:
			return "", fmt.Errorf("no such log line within %v; its log: %s", timeout, tail(lg.path))
		}
	}
}

// scan looks at the whole lines the log gained since the last scan for the first matching
// any of res; a line still being written waits for the next scan, and the lines after a
// match are not looked at again.
func (lg *logTail) scan(res ...*regexp.Regexp) (string, bool, error) {
	text, err := lg.read()
	if err != nil {
		return "", false, err
	}
	lines := strings.Split(lg.part+text, "\n")
	lg.part = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		for _, re := range res {
			if re.MatchString(l) {
				return l, true, nil
			}
		}
	}
	return "", false, nil
}

// read returns what the log gained since the last read.
func (lg *logTail) read() (string, error) {
	f, err := os.Open(lg.path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if _, err := f.Seek(lg.off, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(f)
	lg.off += int64(len(b))
	return string(b), err
}

// end is the log's current size, a mark for from.
func (lg *logTail) end() (int64, error) {
	st, err := os.Stat(lg.path)
	if err != nil {
		return 0, err
	}
	return st.Size(), nil
}

// from is the log from offset off on.
func (lg *logTail) from(off int64) string {
	b, err := os.ReadFile(lg.path)
	if err != nil || off > int64(len(b)) {
		return ""
	}
	return strings.TrimSpace(string(b[off:]))
}
