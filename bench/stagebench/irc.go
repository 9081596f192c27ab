package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"stagebot/internal/ircdtest"
)

const benchChannel = "#bench"

// ---- InspIRCd ----

// startIRCd runs the tests' InspIRCd (internal/ircdtest: throttling off, the IRCv3 modules
// the bot uses) with its files in dir; the caller stops it with Close.
func startIRCd(dir string) (*ircdtest.Server, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	return ircdtest.New(dir, ircdtest.Options{})
}

// ---- the measuring client ----

type ircMsg struct {
	at     time.Time
	tags   map[string]string
	prefix string
	cmd    string
	params []string
}

func (m ircMsg) nick() string { n, _, _ := strings.Cut(m.prefix, "!"); return n }

func parseIRC(line string) (m ircMsg) {
	if strings.HasPrefix(line, "@") {
		var tags string
		tags, line, _ = strings.Cut(line[1:], " ")
		// Only msgid is read (P5 reacts to the bot's request lines), whose values need no
		// unescaping.
		for _, t := range strings.Split(tags, ";") {
			k, v, _ := strings.Cut(t, "=")
			if m.tags == nil {
				m.tags = map[string]string{}
			}
			m.tags[k] = v
		}
	}
	if strings.HasPrefix(line, ":") {
		m.prefix, line, _ = strings.Cut(line[1:], " ")
	}
	for line != "" {
		if strings.HasPrefix(line, ":") {
			m.params = append(m.params, line[1:])
			break
		}
		var p string
		p, line, _ = strings.Cut(line, " ")
		if p != "" {
			if m.cmd == "" {
				m.cmd = strings.ToUpper(p)
			} else {
				m.params = append(m.params, p)
			}
		}
	}
	return m
}

type ircClient struct {
	c    net.Conn
	mu   sync.Mutex
	w    *bufio.Writer
	msgs chan ircMsg
}

// dialIRC registers nick and joins the bench channel. caps are requested before
// registration (message-tags, for P5's reactions); the server must grant them all.
func dialIRC(addr, nick string, caps ...string) (*ircClient, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	cl := &ircClient{c: c, w: bufio.NewWriter(c), msgs: make(chan ircMsg, 10000)}
	go func() {
		sc := bufio.NewScanner(c)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			m := parseIRC(sc.Text())
			m.at = time.Now()
			if m.cmd == "PING" {
				cl.send("PONG :" + strings.Join(m.params, " "))
				continue
			}
			cl.msgs <- m
		}
		close(cl.msgs)
	}()
	if len(caps) > 0 {
		cl.send("CAP REQ :" + strings.Join(caps, " "))
	}
	cl.send("NICK " + nick)
	cl.send("USER " + nick + " 0 * :stagebot bench client")
	if len(caps) > 0 {
		m, err := cl.wait(func(m ircMsg) bool {
			return m.cmd == "CAP" && len(m.params) >= 2 && (m.params[1] == "ACK" || m.params[1] == "NAK")
		}, 20*time.Second)
		if err == nil && m.params[1] == "NAK" {
			err = fmt.Errorf("refused")
		}
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("CAP REQ %v: %v", caps, err)
		}
		cl.send("CAP END")
	}
	if _, err := cl.wait(func(m ircMsg) bool { return m.cmd == "001" }, 20*time.Second); err != nil {
		c.Close()
		return nil, fmt.Errorf("registering: %v", err)
	}
	cl.send("JOIN " + benchChannel)
	if _, err := cl.wait(func(m ircMsg) bool { return m.cmd == "366" }, 10*time.Second); err != nil {
		c.Close()
		return nil, fmt.Errorf("joining: %v", err)
	}
	return cl, nil
}

func (cl *ircClient) send(line string) error {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	cl.w.WriteString(line + "\r\n")
	return cl.w.Flush()
}

func (cl *ircClient) wait(match func(ircMsg) bool, timeout time.Duration) (ircMsg, error) {
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-cl.msgs:
			if !ok {
				return ircMsg{}, fmt.Errorf("connection closed")
			}
			if match(m) {
				return m, nil
			}
		case <-deadline:
			return ircMsg{}, fmt.Errorf("timed out after %v", timeout)
		}
	}
}

func (cl *ircClient) close() { cl.send("QUIT :done"); cl.c.Close() }

// waitJoin waits until nick joins the channel.
func (cl *ircClient) waitJoin(nick string, timeout time.Duration) error {
	_, err := cl.wait(func(m ircMsg) bool {
		return m.cmd == "JOIN" && strings.EqualFold(m.nick(), nick)
	}, timeout)
	return err
}

// roundTrips sends `!status ID` to the channel n times at rate per second, cycling through
// ids (so the commands in flight have distinct IDs), and times each reply from nick that
// names its ID. Lost replies are counted, not timed.
func (cl *ircClient) roundTrips(nick string, ids []string, n int, rate float64) ([]time.Duration, int, error) {
	// Warm up: a few commands one at a time.
	for i := 0; i < 10; i++ {
		id := ids[i%len(ids)]
		cl.send("PRIVMSG " + benchChannel + " :!status " + id)
		if _, err := cl.wait(func(m ircMsg) bool { return m.cmd == "PRIVMSG" && strings.EqualFold(m.nick(), nick) }, 10*time.Second); err != nil {
			return nil, 0, fmt.Errorf("%s did not answer !status %s: %v", nick, id, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	for len(cl.msgs) > 0 {
		<-cl.msgs
	}
	var mu sync.Mutex
	sent := map[string][]time.Time{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for i := 0; i < n; i++ {
			<-tick.C
			id := ids[i%len(ids)]
			mu.Lock()
			sent[id] = append(sent[id], time.Now())
			mu.Unlock()
			cl.send("PRIVMSG " + benchChannel + " :!status " + id)
		}
	}()
	var ds []time.Duration
	var lastSend <-chan time.Time
	for len(ds) < n {
		select {
		case <-done:
			done = nil
			lastSend = time.After(10 * time.Second)
			continue
		case <-lastSend:
			return ds, n - len(ds), nil
		case m, ok := <-cl.msgs:
			if !ok {
				return ds, n - len(ds), fmt.Errorf("connection closed")
			}
			if (m.cmd != "PRIVMSG" && m.cmd != "NOTICE") || !strings.EqualFold(m.nick(), nick) || len(m.params) < 2 {
				continue
			}
			mu.Lock()
			for id, ts := range sent {
				if len(ts) > 0 && strings.Contains(m.params[len(m.params)-1], id) {
					ds = append(ds, m.at.Sub(ts[0]))
					sent[id] = ts[1:]
					break
				}
			}
			mu.Unlock()
		}
	}
	if done != nil {
		<-done
	}
	return ds, 0, nil
}

// ---- the bots ----

type ircBot struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	log  string
}

func startProc(name, logPath, dir string, env []string, bin string, args ...string) (*ircBot, error) {
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b := &ircBot{name: name, cmd: cmd, done: make(chan struct{}), log: logPath}
	go func() { cmd.Wait(); out.Close(); close(b.done) }()
	return b, nil
}

// stop sends SIGTERM (stagebot drains and exits) and kills it if it lingers.
func (b *ircBot) stop() {
	if b == nil {
		return
	}
	b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.done:
	case <-time.After(10 * time.Second):
		b.cmd.Process.Kill()
		<-b.done
	}
}

func (b *ircBot) exited() bool {
	select {
	case <-b.done:
		return true
	default:
		return false
	}
}

type ircEnv struct {
	dir      string
	srv      *ircdtest.Server
	cl       *ircClient
	ids      []string
	dictPath string
	stateDir string
	cfgFile  string
}

func newIRCEnv() (*ircEnv, error) {
	e := &ircEnv{dir: filepath.Join(opt.work, "irc")}
	e.stateDir = filepath.Join(e.dir, "state")
	os.MkdirAll(filepath.Join(e.dir, "snakefruit"), 0o755)
	if err := os.MkdirAll(e.stateDir, 0o755); err != nil {
		return nil, err
	}
	// stagebot answers from bbolt: a small history; the others from a dict of the same lines.
	h, err := fillHistory(filepath.Join(e.stateDir, "stagebot.db"), e.stateDir, 200)
	if err != nil {
		return nil, err
	}
	for _, fn := range h.onTarget {
		os.WriteFile(filepath.Join(e.dir, "snakefruit", fn), []byte("click"), 0o644)
	}
	os.WriteFile(filepath.Join(e.dir, "snakefruit", "locked_clicks_list"), []byte(strings.Join(h.onTarget, "\n")+"\n"), 0o644)
	e.ids = append(slices.Clone(h.active), h.final...)
	if len(e.ids) > 50 {
		e.ids = e.ids[:50]
	}
	dict := map[string]string{}
	for _, id := range e.ids {
		dict[id] = fmt.Sprintf("[%s] com.ubuntu.developer.team001.app0001_1.0.3_all.click published (since 2026-11-20 10:02, by alice)", id)
	}
	b, _ := json.Marshal(dict)
	e.dictPath = filepath.Join(e.dir, "status.json")
	os.WriteFile(e.dictPath, b, 0o644)
	if e.srv, err = startIRCd(filepath.Join(e.dir, "ircd")); err != nil {
		return nil, err
	}
	if e.cl, err = dialIRC(e.srv.Addr, "bencher"); err != nil {
		e.srv.Close()
		return nil, err
	}
	e.cfgFile = filepath.Join(e.dir, "stagebot.yaml")
	cfg := fmt.Sprintf(`state_dir: %s
irc:
  server: %s
  tls: false
  nick: stagebot
  channels: ["%s"]
  send_rate: 1000
  send_burst: 1000
# One client sends all 300 commands: the per-person limit (default 5/10s) would drop most.
limits:
  commands: 0
team:
  landing: [{name: bob}]
  landers: [{name: alice}]
snakefruit:
  target: file://%s
`, e.stateDir, e.srv.Addr, benchChannel, filepath.Join(e.dir, "snakefruit"))
	return e, os.WriteFile(e.cfgFile, []byte(cfg), 0o600)
}

func (e *ircEnv) close() {
	e.cl.close()
	e.srv.Close()
}

func (e *ircEnv) startStagebot(bin string, extra ...string) (*ircBot, error) {
	args := append([]string{"run", "--config", e.cfgFile}, extra...)
	if filepath.Base(bin) == "stagebench" {
		args = append([]string{"inproc-bot", "--config", e.cfgFile}, extra...)
	}
	return startProc("stagebot", filepath.Join(e.dir, "stagebot.log"), e.dir, nil, bin, args...)
}

func (e *ircEnv) startFloor() (*ircBot, error) {
	return startProc("floor", filepath.Join(e.dir, "floor.log"), e.dir, nil, opt.floorbot,
		"-server", e.srv.Addr, "-nick", "floor", "-channel", benchChannel, "-dict", e.dictPath)
}

func (e *ircEnv) startErrbot() (*ircBot, error) {
	d := filepath.Join(e.dir, "errbot")
	os.MkdirAll(filepath.Join(d, "data"), 0o755)
	host, port, _ := net.SplitHostPort(e.srv.Addr)
	conf := fmt.Sprintf(`import logging
BACKEND = 'IRC'
BOT_DATA_DIR = %q
BOT_EXTRA_PLUGIN_DIR = %q
BOT_LOG_FILE = %q
BOT_LOG_LEVEL = logging.INFO
BOT_ADMINS = ('bencher!*@*',)
BOT_PREFIX = '!'
BOT_IDENTITY = {'nickname': 'errbot', 'username': 'errbot', 'server': %q, 'port': %s, 'ssl': False}
CHATROOM_PRESENCE = (%q,)
CHATROOM_FN = 'Errbot'
IRC_CHANNEL_RATE = None
IRC_PRIVATE_RATE = None
# Health (a core plugin) owns !status: it is left out so the bench plugin's !status answers.
CORE_PLUGINS = ('ACLs', 'ChatRoom', 'CommandNotFoundFilter', 'Help', 'Plugins', 'Utils')
AUTOINSTALL_DEPS = False
SUPPRESS_CMD_NOT_FOUND = True
`, filepath.Join(d, "data"), opt.errbotPlugins, filepath.Join(d, "errbot.log"), host, port, benchChannel)
	cf := filepath.Join(d, "config.py")
	os.WriteFile(cf, []byte(conf), 0o644)
	return startProc("errbot", filepath.Join(d, "errbot.out"), d, []string{"BENCH_STATUS_JSON=" + e.dictPath},
		"/usr/bin/python3", "-m", "errbot.cli", "-c", cf)
}

// ---- P2 and P3 ----

type rtt struct {
	ok       bool
	why      string
	p50, p99 time.Duration
	lost     int
}

func (e *ircEnv) measure(nick string) rtt {
	ds, lost, err := e.cl.roundTrips(nick, e.ids, opt.commands, 20)
	if err != nil {
		return rtt{why: err.Error()}
	}
	if len(ds) == 0 {
		return rtt{why: "no replies"}
	}
	if d := os.Getenv("BENCH_DUMP"); d != "" {
		var b strings.Builder
		for _, x := range ds {
			fmt.Fprintf(&b, "%.3f\n", float64(x)/1e6)
		}
		os.WriteFile(filepath.Join(d, nick+".ms"), []byte(b.String()), 0o644)
	}
	return rtt{ok: true, p50: percentile(ds, .5), p99: percentile(ds, .99), lost: lost}
}

func ircParts() error {
	undo, boosted := boost()
	defer undo()
	if boosted {
		prioritised = append(prioritised, "P2", "P3")
	}
	e, err := newIRCEnv()
	if err != nil {
		return err
	}
	defer e.close()
	settle := 5 * time.Second
	if opt.quick {
		settle = 2 * time.Second
	}
	withErrbot := !opt.quick

	// P3: stagebot and Errbot joined to the same channel, idle.
	sb, err := e.startStagebot(opt.stagebot)
	if err != nil {
		return err
	}
	defer sb.stop()
	var eb *ircBot
	if withErrbot {
		if eb, err = e.startErrbot(); err != nil {
			return err
		}
		defer eb.stop()
	}
	sbWhy := ""
	if err := e.cl.waitJoin("stagebot", 20*time.Second); err != nil {
		sbWhy = "stagebot did not join " + benchChannel + " within 20 s (the IRC adapter bot/irc is not wired into app/adapters.go yet?)"
		if sb.exited() {
			sbWhy = "stagebot exited: " + tail(sb.log)
		}
		failed = true
		note("P2/P3 stagebot: %s; its log: %s", sbWhy, tail(sb.log))
		sb.stop()
	}
	ebWhy := ""
	if eb != nil {
		if err := e.cl.waitJoin("errbot", 90*time.Second); err != nil {
			ebWhy = "errbot did not join: " + tail(filepath.Join(e.dir, "errbot", "errbot.log"))
			failed = true
			note("P2/P3 Errbot: %s", ebWhy)
			eb.stop()
		}
	}
	time.Sleep(settle)
	var sbRSS, ebRSS int64
	var sbSplit, ebSplit string
	if sbWhy == "" {
		sbRSS, _ = vmRSS(sb.cmd.Process.Pid)
		sbSplit = rssSplit(sb.cmd.Process.Pid)
		if !opt.quick {
			note("P3 stagebot idle RSS by mapping (smaps): %s", rssByMapping(sb.cmd.Process.Pid, 6))
		}
	}
	if eb != nil && ebWhy == "" {
		ebRSS, _ = vmRSS(eb.cmd.Process.Pid)
		ebSplit = rssSplit(eb.cmd.Process.Pid)
	}
	p3 := row{id: "P3", metric: "idle RSS (VmRSS), joined to " + benchChannel + fmt.Sprintf(" %v after joining", settle), target: "<= 20 MiB"}
	switch {
	case sbWhy != "":
		p3.stagebot = "n/a (no IRC adapter)"
	default:
		p3.stagebot = mib(sbRSS) + sbSplit
		p3.verdict = judge(sbRSS <= 20<<10)
	}
	switch {
	case !withErrbot:
		p3.ref = "Errbot not run (--quick)"
	case ebWhy != "":
		p3.ref = "Errbot n/a"
	default:
		p3.ref = "Errbot " + mib(ebRSS) + ebSplit
		if sbRSS > 0 {
			p3.ratio = ratio(float64(sbRSS), float64(ebRSS))
		}
	}
	rows = append(rows, p3)
	p3At := len(rows)
	if eb != nil && ebWhy == "" {
		eb.stop()
		eb = nil
	}

	// P2: each bot alone in the channel with the measuring client, one after the other.
	var sbR, flR, ebR rtt
	if sbWhy == "" {
		sbR = e.measure("stagebot")
		sb.stop()
	} else {
		sbR.why = sbWhy
	}
	fl, err := e.startFloor()
	if err != nil {
		return err
	}
	if err := e.cl.waitJoin("floor", 20*time.Second); err != nil {
		flR.why = "floor did not join: " + tail(fl.log)
	} else {
		flR = e.measure("floor")
	}
	fl.stop()
	if withErrbot && ebWhy == "" {
		if eb, err = e.startErrbot(); err == nil {
			if err := e.cl.waitJoin("errbot", 90*time.Second); err != nil {
				ebR.why = "errbot did not join"
			} else {
				ebR = e.measure("errbot")
			}
			eb.stop()
		} else {
			ebR.why = err.Error()
		}
	} else if withErrbot {
		ebR.why = ebWhy
	}
	for _, x := range []struct {
		n string
		r rtt
	}{{"stagebot", sbR}, {"floor", flR}, {"errbot", ebR}} {
		if !x.r.ok && x.r.why != "" {
			failed = true
			note("P2 %s: %s", x.n, x.r.why)
		}
		if x.r.lost > 0 {
			note("P2 %s: %d of %d replies never came (within 10 s of the last command)", x.n, x.r.lost, opt.commands)
		}
	}
	fmtR := func(r rtt) string {
		if !r.ok {
			return "n/a"
		}
		return ms(r.p50) + " / " + ms(r.p99)
	}
	ref := "floor " + fmtR(flR)
	if withErrbot {
		ref += "; Errbot " + fmtR(ebR)
	} else {
		ref += "; Errbot not run (--quick)"
	}
	p2 := row{id: "P2", metric: fmt.Sprintf("!status round trip via InspIRCd, %d at 20/s, median / p99", opt.commands),
		stagebot: fmtR(sbR), ref: ref, target: "median <= 1.2x floor and <= 0.4x Errbot; p99 <= 3 ms"}
	if !sbR.ok {
		p2.stagebot = "n/a (no IRC adapter)"
	} else {
		var rs []string
		ok := sbR.p99 <= 3*time.Millisecond
		if flR.ok {
			rs = append(rs, "vs floor "+ratio(float64(sbR.p50), float64(flR.p50)))
			ok = ok && float64(sbR.p50) <= 1.2*float64(flR.p50)
		}
		if ebR.ok {
			rs = append(rs, "vs Errbot "+ratio(float64(sbR.p50), float64(ebR.p50)))
			ok = ok && float64(sbR.p50) <= 0.4*float64(ebR.p50)
		}
		p2.ratio = strings.Join(rs, ", ")
		p2.verdict = judge(ok && flR.ok && (ebR.ok || !withErrbot))
		if !ok && !opt.quick {
			e.profileStagebot()
		}
	}
	if sbRSS > 20<<10 && !opt.quick {
		e.profileIdle()
	}
	// With stagebot's IRC-only run over: the same state_dir and nick.
	rows = slices.Insert(rows, p3At, e.p3AllNetworks(settle, sbRSS))
	rows = append(rows, p2)
	return nil
}

// profileStagebot repeats stagebot's P2 run in-process with a CPU profile.
func (e *ircEnv) profileStagebot() {
	self, _ := os.Executable()
	cpu, tr := filepath.Join(e.dir, "p2.cpu.pprof"), filepath.Join(e.dir, "p2.trace")
	b, err := e.startStagebot(self, "--cpuprofile", cpu, "--trace", tr)
	if err != nil {
		return
	}
	defer b.stop()
	if err := e.cl.waitJoin("stagebot", 20*time.Second); err != nil {
		return
	}
	r := e.measure("stagebot")
	b.stop()
	load, _ := os.ReadFile("/proc/loadavg")
	note("P2 stagebot profiled in-process (median %s, p99 %s; load average %s). CPU, go tool pprof -top:\n%s",
		ms(r.p50), ms(r.p99), strings.Join(strings.Fields(string(load))[:3], " "), pprofTop(self, cpu, 12))
	// Latency is mostly waiting: the execution trace's scheduler-latency profile shows where a
	// goroutine ready to run was kept waiting by the Go scheduler (not by the OS).
	for _, kind := range []string{"sched"} {
		p := filepath.Join(e.dir, "p2."+kind+".pprof")
		out, err := exec.Command("go", "tool", "trace", "-pprof="+kind, tr).Output()
		if err != nil || os.WriteFile(p, out, 0o644) != nil {
			continue
		}
		note("P2 stagebot, execution trace -pprof=%s, go tool pprof -top:\n%s", kind, pprofTop("", p, 12))
	}
}

// profileIdle starts stagebot in-process, lets it settle and stops it, for its heap.
func (e *ircEnv) profileIdle() {
	self, _ := os.Executable()
	heap := filepath.Join(e.dir, "p3.allocs.pprof")
	b, err := e.startStagebot(self, "--memprofile", heap)
	if err != nil {
		return
	}
	if err := e.cl.waitJoin("stagebot", 20*time.Second); err != nil {
		b.stop()
		return
	}
	time.Sleep(5 * time.Second)
	rss, _ := vmRSS(b.cmd.Process.Pid)
	split := rssSplit(b.cmd.Process.Pid)
	b.stop()
	note("P3 stagebot idle profiled in-process (VmRSS %s%s), in-use heap, go tool pprof -top:\n%s", mib(rss), split, pprofTop(self, heap, 12, "-sample_index=inuse_space"))
}
