package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"stagebot/internal/sshdtest"
	"stagebot/snakefruit"
)

// P6: is anyone held up by stalled peers? With downloads.max_concurrent 3, one lock's SFTP
// session is frozen mid-upload (only the sshd session process serving that upload is
// stopped) and two people's downloads have stalled (headers and part of the body, then
// nothing); then a third person's `!stage` -> `requested` and its approval -> `locked` are
// timed, against the same with nothing stalled, in alternating runs of one bot config.
// op_timeout and idle_timeout are long, so the stalled work is still stalled when the
// measured lines arrive: the bench checks it is, at each of them.

const (
	// p6Rate paces what the bot sends to sshd (through a relay in front of it), so that the
	// frozen click's upload lasts long enough to catch; a measured click, 64 KiB, loses at
	// most 2 ms to it, in either kind of run.
	p6Rate       = 32 << 20
	p6FrozenSize = 64 << 20 // the click whose lock is frozen: 2 s of upload at p6Rate
	// p6FreezeAt is how much of the frozen click is written before its session is stopped:
	// it is stopped mid-write, not as it opens the file.
	p6FreezeAt     = 4 << 20
	p6SmallPayload = 64 << 10 // the warm-up, measured and stalled clicks
	// The bot's timeouts: long, so that the stalled work is still stalled when the
	// measured lines arrive.
	p6OpTimeout   = 120 * time.Second
	p6IdleTimeout = 120 * time.Second
	// p6Settle passes in every run between its setup and the measurement, so that what a
	// setup set off (the warm-up lock's housekeeping) is over in both kinds of run.
	p6Settle = 500 * time.Millisecond
	// p6PerRun measured clicks are staged and locked one after the other in every run,
	// each a package of its own, p6Gap apart.
	p6PerRun = 5
	p6Gap    = 200 * time.Millisecond
	// p6Wait bounds each wait for a line of the bot's: well under its timeouts, so that a
	// line that waits on the stalled work fails the part while that work is still stalled.
	p6Wait = 30 * time.Second
)

// The people: each has one download at a time, so the stalls are two people's and the
// measured !stage a third person's.
const (
	p6Warm     = "erin"   // stages the warm-up click
	p6Freezer  = "alice"  // stages the click whose lock is frozen
	p6Measured = "dave"   // stages the measured click
	p6Lander   = "lander" // approves
)

var p6Stallers = []string{"bob", "carol"}

type p6Env struct {
	dir, logs, cfgFile, stateDir string
	sshd                         *sshdtest.Server
	sshdPid                      int
	srv                          *stallServer
	warm, frozen                 string // click filenames
	measured, stalls             []string
	runs                         int
}

// p6Times is one run's measurements and, for a loaded run, what was stalled then.
type p6Times struct {
	requested, locked []time.Duration
	frozenAt          int64         // bytes of the frozen click on snakefruit when it was stopped
	sinceStall        time.Duration // from the freeze to the last measured line
	logins            int           // SSH connections sshd accepted during the run
}

func p6() error {
	runs := 7
	if opt.quick {
		runs = 3
	}
	dir := filepath.Join(opt.work, "p6")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	e := &p6Env{dir: dir, logs: filepath.Join(opt.work, "p6-logs"), stateDir: filepath.Join(dir, "state")}
	if err := os.MkdirAll(e.logs, 0o755); err != nil {
		return err
	}
	if err := e.buildClicks(); err != nil {
		return err
	}
	// The lines are milliseconds apart: the machine's other load is kept out of them as
	// it is for P2 to P5 (sshd and the bots started below inherit the priority).
	undo, boosted := boost()
	defer undo()
	if boosted {
		prioritised = append(prioritised, "P6")
	}
	var err error
	if e.srv, err = startStallServer(filepath.Join(dir, "serve"), e.stalls); err != nil {
		return err
	}
	defer e.srv.close()
	sshdWork := filepath.Join(dir, "sshd")
	if err := os.MkdirAll(sshdWork, 0o755); err != nil {
		return err
	}
	if e.sshd, err = sshdtest.New(tool("sshd"), sshdWork, sshdtest.Options{}); err != nil {
		return fmt.Errorf("sshd: %v", err)
	}
	defer e.sshd.Stop()
	if e.sshdPid, err = readPid(filepath.Join(sshdWork, "sshd.pid")); err != nil {
		return fmt.Errorf("sshd's pid file: %v", err)
	}
	relay, err := sshdtest.NewRelay(e.sshd.Addr, p6Rate)
	if err != nil {
		return fmt.Errorf("relay: %v", err)
	}
	defer relay.Close()
	if err := e.writeConfig(relay.Addr); err != nil {
		return err
	}

	var unloaded, loaded []p6Times
	for i := 0; i < runs; i++ {
		logf("P6: round %d of %d", i+1, runs)
		u, err := e.run(false)
		if err != nil {
			return fmt.Errorf("run with nothing stalled: %v", err)
		}
		unloaded = append(unloaded, u)
		l, err := e.run(true)
		if err != nil {
			return fmt.Errorf("run with stalled peers: %v", err)
		}
		loaded = append(loaded, l)
	}

	pick := func(ts []p6Times, f func(p6Times) []time.Duration) (ds []time.Duration) {
		for _, t := range ts {
			ds = append(ds, f(t)...)
		}
		return ds
	}
	reqL, reqU := pick(loaded, func(t p6Times) []time.Duration { return t.requested }), pick(unloaded, func(t p6Times) []time.Duration { return t.requested })
	lockL, lockU := pick(loaded, func(t p6Times) []time.Duration { return t.locked }), pick(unloaded, func(t p6Times) []time.Duration { return t.locked })
	var longest time.Duration
	var minAt, maxAt int64 = p6FrozenSize, 0
	for _, t := range loaded {
		longest = max(longest, t.sinceStall)
		minAt, maxAt = min(minAt, t.frozenAt), max(maxAt, t.frozenAt)
	}
	logins := func(ts []p6Times) string {
		lo, hi := ts[0].logins, ts[0].logins
		for _, t := range ts {
			lo, hi = min(lo, t.logins), max(hi, t.logins)
		}
		if lo == hi {
			return fmt.Sprint(lo)
		}
		return fmt.Sprintf("%d–%d", lo, hi)
	}
	note("P6: SSH connections the bot opened in a run, up to its last measured line (sshd's log): %s with nothing stalled, %s loaded (the frozen one's included)", logins(unloaded), logins(loaded))
	note("P6: in each of the %d loaded runs, when each measured line arrived, the lock's sshd session process was still stopped with its temp file at %s–%s of the %s click (unchanged since the freeze), and both stalled downloads still open; the last line came at most %s after the freeze (op_timeout and idle_timeout %v). Unloaded runs: nothing stopped, no download open.",
		len(loaded), humanBytes(minAt), humanBytes(maxAt), humanBytes(p6FrozenSize), secs(longest), p6OpTimeout)
	rq := float64(median(reqL)) / float64(median(reqU))
	rl := float64(median(lockL)) / float64(median(lockU))
	load := "one lock's SFTP session frozen mid-upload, 2 downloads stalled, max_concurrent 3"
	rows = append(rows,
		row{id: "P6", metric: fmt.Sprintf("a third person's !stage -> requested (64 KiB click), %s; median (min–max) of %d loaded / %d unloaded (%d runs of each, alternating, %d clicks a run)", load, len(reqL), len(reqU), runs, p6PerRun),
			stagebot: spreadMs(reqL), ref: "nothing stalled " + spreadMs(reqU), ratio: ratio(float64(median(reqL)), float64(median(reqU))),
			target: "<= 1.5x", verdict: judge(rq <= 1.5)},
		row{id: "P6", metric: fmt.Sprintf("  its approval -> locked (uploaded over SFTP: preupload off), same load; %d / %d", len(lockL), len(lockU)),
			stagebot: spreadMs(lockL), ref: "nothing stalled " + spreadMs(lockU), ratio: ratio(float64(median(lockL)), float64(median(lockU))),
			target: "<= 1.5x", verdict: judge(rl <= 1.5)},
	)
	return nil
}

// spreadMs is "median (min–max)" in ms with a decimal: P6's lines come in milliseconds.
func spreadMs(ds []time.Duration) string {
	f := func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	return fmt.Sprintf("%s ms (%s–%s)", f(median(ds)), f(slices.Min(ds)), f(slices.Max(ds)))
}

// buildClicks builds the warm-up, frozen and measured clicks, and the stalled ones (of
// which only a first part is ever served), with click build into dir/serve.
func (e *p6Env) buildClicks() error {
	type job struct {
		pkg  string
		size int64
		name *string
	}
	jobs := []job{
		{"com.example.p6.warm", p6SmallPayload, &e.warm},
		{"com.example.p6.frozen", p6FrozenSize, &e.frozen},
	}
	e.measured = make([]string, p6PerRun)
	for i := range e.measured {
		jobs = append(jobs, job{fmt.Sprintf("com.example.p6.measured%d", i+1), p6SmallPayload, &e.measured[i]})
	}
	e.stalls = make([]string, len(p6Stallers))
	for i := range p6Stallers {
		jobs = append(jobs, job{fmt.Sprintf("com.example.p6.stalled%d", i+1), p6SmallPayload, &e.stalls[i]})
	}
	logf("P6: building a %s click and %d small ones with click build", humanBytes(p6FrozenSize), len(jobs)-1)
	t0 := time.Now()
	for _, j := range jobs {
		p, err := buildClickAs(e.dir, j.pkg, j.size)
		if err != nil {
			return err
		}
		*j.name = filepath.Base(p)
	}
	logf("P6: clicks built in %v", time.Since(t0).Round(time.Millisecond))
	return nil
}

// writeConfig points the bot's sftp target at the relay (with a known_hosts line naming
// the relay's address) and makes the stalled work outlast the measurement.
func (e *p6Env) writeConfig(relayAddr string) error {
	kh := filepath.Join(e.dir, "known_hosts")
	if err := os.WriteFile(kh, []byte(knownhosts.Line([]string{relayAddr}, e.sshd.HostKey)+"\n"), 0o644); err != nil {
		return err
	}
	cfg := fmt.Sprintf(`state_dir: %s
console: true
downloads:
  base_url: %s
  max_bytes: 268435456
  max_concurrent: 3
  idle_timeout: %s
team:
  landing: [{name: %s}]
  landers: [{name: "*"}]
snakefruit:
  target: sftp://%s@%s%s
  ssh_key: %s
  known_hosts: %s
  timeout: 30s
  op_timeout: %s
  # The lock uploads: the frozen session is a lock's, not a pre-upload's.
  preupload: false
  retry: {initial: 200ms, max: 1s, give_up: 30m}
`, e.stateDir, e.srv.base, p6IdleTimeout, p6Lander, e.sshd.User, relayAddr, filepath.ToSlash(e.sshd.Dir),
		e.sshd.KeyPath, kh, p6OpTimeout)
	e.cfgFile = filepath.Join(e.dir, "stagebot.yaml")
	return os.WriteFile(e.cfgFile, []byte(cfg), 0o600)
}

// clean gives the next run a fresh state and an empty folder on snakefruit.
func (e *p6Env) clean() error {
	if err := os.RemoveAll(e.stateDir); err != nil {
		return err
	}
	des, err := os.ReadDir(e.sshd.Dir)
	if err != nil {
		return err
	}
	for _, de := range des {
		if err := os.Remove(filepath.Join(e.sshd.Dir, de.Name())); err != nil {
			return err
		}
	}
	return nil
}

// p6Stall is what a loaded run stalled: the stopped session process and its temp file.
type p6Stall struct {
	pid  int
	temp string
	size int64 // the temp file's size once stopped
	at   time.Time
}

// run is one run from a fresh state: a warm-up lock, the stalls when loaded, then the
// measured !stage and approval.
func (e *p6Env) run(loaded bool) (t p6Times, err error) {
	if err := e.clean(); err != nil {
		return t, err
	}
	e.runs++
	kind := "unloaded"
	if loaded {
		kind = "loaded"
	}
	logPath := filepath.Join(e.logs, fmt.Sprintf("bot-%d-%s.log", e.runs, kind))
	loginsBefore := e.logins()
	b, err := startConsoleBot(opt.stagebot, []string{"run", "--config", e.cfgFile}, logPath)
	if err != nil {
		return t, err
	}
	var st *p6Stall
	defer func() {
		b.kill()
		// Stopped, the session cannot end with its connection: let it run to end it.
		if st != nil {
			_ = syscall.Kill(st.pid, syscall.SIGCONT)
		}
		if werr := e.awaitQuiet(st); err == nil {
			err = werr
		}
	}()
	c := &p6Console{b: b}

	// Warm-up: the bot has started, dialled snakefruit and written its list in either kind
	// of run before anything is timed.
	id, err := c.stage(p6Warm, e.warm)
	if err != nil {
		return t, err
	}
	if _, err := c.approve(id); err != nil {
		return t, err
	}
	var frozenID string
	if loaded {
		if frozenID, err = c.stage(p6Freezer, e.frozen); err != nil {
			return t, err
		}
		// The lock uploads over SFTP (preupload off); catch its session while it writes.
		if err := c.say(p6Lander + "> !approve " + frozenID); err != nil {
			return t, err
		}
		if st, err = e.freezeUpload(e.frozen, 30*time.Second); err != nil {
			return t, err
		}
		for i, who := range p6Stallers {
			if err := c.say(who + "> !stage " + e.stalls[i]); err != nil {
				return t, err
			}
		}
		if err := e.srv.await(len(p6Stallers), 30*time.Second); err != nil {
			return t, fmt.Errorf("the stalled downloads: %v; stagebot's log: %s", err, tail(logPath))
		}
	}
	time.Sleep(p6Settle)
	// Whatever the bot said to the stallers, or about the frozen click's lock, means the
	// stalled work ended; check says whether the stalls are in place (or, unloaded, absent).
	c.bad = func(l string) bool {
		for _, who := range p6Stallers {
			if strings.HasPrefix(l, who+": ") {
				return true
			}
		}
		return frozenID != "" && strings.Contains(l, "["+frozenID+"]") && !strings.Contains(l, " approved")
	}
	check := func(at string) error {
		if loaded {
			return e.stalledStill(st, at, logPath, frozenID)
		}
		if n := e.srv.open.Load(); n != 0 {
			return fmt.Errorf("%s: %d stalled downloads open in a run with nothing stalled", at, n)
		}
		if ps := e.stoppedSessions(); len(ps) != 0 {
			return fmt.Errorf("%s: sshd processes %v stopped in a run with nothing stalled", at, ps)
		}
		return nil
	}
	if err := check("before the measured !stage"); err != nil {
		return t, err
	}
	for i, name := range e.measured {
		if i > 0 {
			time.Sleep(p6Gap)
		}
		t0 := time.Now()
		if id, err = c.stage(p6Measured, name); err != nil {
			return t, err
		}
		t.requested = append(t.requested, time.Since(t0))
		if err := check(name + " requested"); err != nil {
			return t, err
		}
		d, err := c.approve(id)
		if err != nil {
			return t, err
		}
		t.locked = append(t.locked, d)
		if err := check(name + " locked"); err != nil {
			return t, err
		}
	}
	t.logins = e.logins() - loginsBefore
	if loaded {
		t.frozenAt, t.sinceStall = st.size, time.Since(st.at)
		logf("P6 loaded: !stage -> requested %s, approval -> locked %s (the frozen lock stopped at %s, %v ago)",
			msList(t.requested), msList(t.locked), humanBytes(st.size), t.sinceStall.Round(time.Millisecond))
	} else {
		logf("P6 unloaded: !stage -> requested %s, approval -> locked %s", msList(t.requested), msList(t.locked))
	}
	return t, nil
}

// msList is ds in ms, for the progress log.
func msList(ds []time.Duration) string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)))
	}
	return strings.Join(out, " ") + " ms"
}

// stalledStill fails unless the stalled work is as it was set up: the session process
// stopped and its temp file as it was at the freeze, both downloads open, within the
// bot's timeouts, and the bot's log silent about the frozen lock failing.
func (e *p6Env) stalledStill(st *p6Stall, at, logPath, frozenID string) error {
	if ps := e.stoppedSessions(); !slices.Equal(ps, []int{st.pid}) {
		return fmt.Errorf("%s: the sshd processes stopped are %v, want the frozen session %d alone", at, ps, st.pid)
	}
	fi, err := os.Stat(st.temp)
	if err != nil {
		return fmt.Errorf("%s: the frozen upload's temp file: %v", at, err)
	}
	if fi.Size() != st.size {
		return fmt.Errorf("%s: the frozen upload's temp file grew from %d to %d bytes", at, st.size, fi.Size())
	}
	if n := e.srv.open.Load(); n != int64(len(p6Stallers)) {
		return fmt.Errorf("%s: %d stalled downloads open, want %d", at, n, len(p6Stallers))
	}
	if d := time.Since(st.at); d >= min(p6OpTimeout, p6IdleTimeout) {
		return fmt.Errorf("%s: %v after the freeze, past the bot's timeouts", at, d)
	}
	log, err := os.ReadFile(logPath)
	if err != nil {
		return err
	}
	for _, l := range strings.Split(string(log), "\n") {
		if strings.Contains(l, "request="+frozenID) && strings.Contains(l, "job failed") {
			return fmt.Errorf("%s: the frozen lock failed already: %s", at, l)
		}
	}
	return nil
}

// freezeUpload waits until filename's temp file on snakefruit holds p6FreezeAt bytes and
// stops (SIGSTOP) the process under sshd that has it open: the session serving that upload
// and no other (the others, the pooled connections' among them, keep answering).
func (e *p6Env) freezeUpload(filename string, timeout time.Duration) (*p6Stall, error) {
	pattern := snakefruit.TempPattern(filename)
	deadline := time.Now().Add(timeout)
	for ; time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		temp := e.tempOf(pattern)
		if temp == "" || fileSize(temp) < p6FreezeAt {
			continue
		}
		pid, ok := e.sessionHolding(temp)
		if !ok {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
			return nil, fmt.Errorf("stopping sshd session %d: %v", pid, err)
		}
		at := time.Now()
		for !sshdtest.Stopped(pid) {
			if time.Since(at) > 5*time.Second {
				_ = syscall.Kill(pid, syscall.SIGCONT)
				return nil, fmt.Errorf("sshd session %d did not stop", pid)
			}
			time.Sleep(time.Millisecond)
		}
		size := fileSize(temp)
		if size < 0 || size >= p6FrozenSize {
			_ = syscall.Kill(pid, syscall.SIGCONT)
			return nil, fmt.Errorf("the upload was over (its temp file at %d bytes) before its session could be stopped", size)
		}
		logf("P6: stopped sshd session %d with %s of %s written", pid, humanBytes(size), filepath.Base(temp))
		return &p6Stall{pid: pid, temp: temp, size: size, at: at}, nil
	}
	return nil, fmt.Errorf("no sshd session had %s of a temp file of %s written within %v", humanBytes(p6FreezeAt), filename, timeout)
}

// tempOf is the path of the file in snakefruit's folder whose name matches pattern, or "".
func (e *p6Env) tempOf(pattern string) string {
	des, _ := os.ReadDir(e.sshd.Dir)
	for _, de := range des {
		if m, _ := filepath.Match(pattern, de.Name()); m {
			return filepath.Join(e.sshd.Dir, de.Name())
		}
	}
	return ""
}

// sessionHolding finds the process under sshd that has path open.
func (e *p6Env) sessionHolding(path string) (int, bool) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real // /proc names the file by its real path
	}
	for _, p := range descendantsOf(e.sshdPid) {
		fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p))
		if err != nil {
			continue
		}
		for _, fd := range fds {
			if target, err := os.Readlink(fmt.Sprintf("/proc/%d/fd/%s", p, fd.Name())); err == nil && target == path {
				return p, true
			}
		}
	}
	return 0, false
}

// logins counts the connections sshd accepted so far.
func (e *p6Env) logins() int { return strings.Count(e.sshd.Log(), "Accepted publickey") }

// stoppedSessions lists the processes under sshd that are stopped.
func (e *p6Env) stoppedSessions() []int {
	var out []int
	for _, p := range descendantsOf(e.sshdPid) {
		if sshdtest.Stopped(p) {
			out = append(out, p)
		}
	}
	return out
}

// awaitQuiet waits, once a run's bot is gone, until nothing of the run is left: no
// stalled download open, the frozen session process ended.
func (e *p6Env) awaitQuiet(st *p6Stall) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		gone := st == nil || !processAlive(st.pid)
		if e.srv.open.Load() == 0 && gone {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("after the run: %d stalled downloads still open, frozen session gone: %v", e.srv.open.Load(), gone)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// p6Console drives the run's console bot: each wait reads lines until its own, failing on
// a refusal or on a line bad says means the stalled work ended.
type p6Console struct {
	b   *consoleBot
	bad func(string) bool
}

func (c *p6Console) say(line string) error { return c.b.say(line) }

// stage sends who's `!stage name` and waits for its `requested` line, returning the ID.
func (c *p6Console) stage(who, name string) (string, error) {
	if err := c.say(who + "> !stage " + name); err != nil {
		return "", err
	}
	rx := regexp.MustCompile(`\[([0-9a-f]{8})\] ` + regexp.QuoteMeta(name) + ` requested`)
	m, err := c.expect(rx, regexp.MustCompile(`^`+who+`: refused`), p6Wait)
	if err != nil {
		return "", fmt.Errorf("%s> !stage %s: %v", who, name, err)
	}
	return m[1], nil
}

// approve sends the lander's `!approve id` and waits for its `locked` line.
func (c *p6Console) approve(id string) (time.Duration, error) {
	t0 := time.Now()
	if err := c.say(p6Lander + "> !approve " + id); err != nil {
		return 0, err
	}
	m, err := c.expect(regexp.MustCompile(`\[`+id+`\] \S+ (locked|failed)`), regexp.MustCompile(`^`+p6Lander+`: refused`), p6Wait)
	d := time.Since(t0)
	if err != nil {
		return 0, fmt.Errorf("!approve %s: %v", id, err)
	}
	if m[1] != "locked" {
		return 0, fmt.Errorf("!approve %s: %s", id, m[0])
	}
	return d, nil
}

// expect reads lines until one matches want; a line matching refused, or one bad flags,
// fails it.
func (c *p6Console) expect(want, refused *regexp.Regexp, timeout time.Duration) ([]string, error) {
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-c.b.lines:
			if !ok {
				return nil, fmt.Errorf("stagebot exited; its log: %s", tail(c.b.stderr))
			}
			if m := want.FindStringSubmatch(l); m != nil {
				return m, nil
			}
			if refused.MatchString(l) {
				return nil, fmt.Errorf("answered %q", l)
			}
			if c.bad != nil && c.bad(l) {
				return nil, fmt.Errorf("the stalled work ended during the measurement: %q", l)
			}
		case <-deadline:
			return nil, fmt.Errorf("nothing within %v (in a loaded run: it waits on the stalled work); stagebot's log: %s", timeout, tail(c.b.stderr))
		}
	}
}

func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return -1
	}
	return fi.Size()
}

func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var pid int
	_, err = fmt.Sscan(string(b), &pid)
	return pid, err
}
