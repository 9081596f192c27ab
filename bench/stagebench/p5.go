package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// P5 (issue 12): are commands answered promptly while big downloads are under way? Three
// `!stage` of big clicks trickle in from a paced HTTP server (the third waits its turn:
// downloads.max_concurrent is 2) while five users ask `!status` every 3 s and twenty
// pending requests are approved, by `!approve ID` and by `+draft/react`.

const (
	p5StatusUsers  = 5
	p5Approvals    = 20
	p5Approvers    = 4
	p5Downloads    = 3
	p5StatusPeriod = 3 * time.Second
	p5SmallPayload = 64 << 10
)

// p5Plan is what differs between the full run and the quick one. The window (big size over
// rate) is how long the two first downloads take; the commands are spread over it.
type p5Plan struct {
	bigSize, rate int64
}

func (p p5Plan) window() time.Duration {
	return time.Duration(float64(p.bigSize) / float64(p.rate) * float64(time.Second))
}

func p5() error {
	plan := p5Plan{bigSize: 1 << 30, rate: 20 << 20}
	if opt.quick {
		plan = p5Plan{bigSize: 24 << 20, rate: 4 << 20}
	}
	dir := filepath.Join(opt.work, "p5")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// Distinct package names: the same click twice is refused as already requested, and
	// one name twice would supersede.
	bigNames, smallNames, err := p5Clicks(dir, plan.bigSize)
	if err != nil {
		return err
	}
	// click build has just written gigabytes the kernel has not flushed yet: flushed
	// during the window, they would make the bot's every commit wait for the bench's own
	// setup, which is not what P5 measures.
	synced := time.Now()
	syscall.Sync()
	logf("P5: the built clicks flushed to disk in %v", time.Since(synced).Round(time.Millisecond))
	srv, err := startTrickle(filepath.Join(dir, "serve"), plan.rate)
	if err != nil {
		return err
	}
	defer srv.close()

	undo, boosted := boost()
	defer undo()
	if boosted {
		prioritised = append(prioritised, "P5")
	}
	ircd, err := startIRCd(filepath.Join(dir, "ircd"))
	if err != nil {
		return err
	}
	defer ircd.Close()

	nicks := map[string][]string{}
	for i := 1; i <= p5StatusUsers; i++ {
		nicks["status"] = append(nicks["status"], fmt.Sprintf("user%d", i))
	}
	for i := 1; i <= p5Approvers; i++ {
		nicks["approve"] = append(nicks["approve"], fmt.Sprintf("lander%d", i))
		nicks["stage"] = append(nicks["stage"], fmt.Sprintf("dev%d", i))
	}
	for i := 1; i <= p5Downloads; i++ {
		nicks["download"] = append(nicks["download"], fmt.Sprintf("big%d", i))
	}
	cfgFile, err := p5Config(dir, ircd.Addr, srv.base, nicks["approve"])
	if err != nil {
		return err
	}
	clients, err := p5Dial(ircd.Addr, nicks)
	if err != nil {
		return err
	}
	defer func() {
		for _, cl := range clients {
			cl.close()
		}
	}()
	watcher := clients[nicks["approve"][0]]

	bot, err := startProc("stagebot", filepath.Join(dir, "stagebot.log"), dir, nil, opt.stagebot, "run", "--config", cfgFile)
	if err != nil {
		return err
	}
	defer bot.stop()
	if err := watcher.waitJoin("stagebot", 20*time.Second); err != nil {
		return fmt.Errorf("stagebot did not join %s: %v; its log: %s", benchChannel, err, tail(bot.log))
	}

	// The pending requests the approvals are for, staged before the window from small
	// clicks; each stager stays within its command limit (5 at once).
	logf("P5: staging %d small clicks", len(smallNames))
	for i, name := range smallNames {
		st := clients[nicks["stage"][i%len(nicks["stage"])]]
		st.send("PRIVMSG " + benchChannel + " :!stage " + name)
	}
	reqs, err := p5Requested(watcher, smallNames, 90*time.Second)
	if err != nil {
		return fmt.Errorf("%v; stagebot's log: %s", err, tail(bot.log))
	}

	d := plan.window()
	logf("P5: %d x %s trickled at %s/s for %v, %d users !status every %v, %d approvals", p5Downloads, humanBytes(plan.bigSize), humanBytes(plan.rate), d.Round(time.Second), p5StatusUsers, p5StatusPeriod, p5Approvals)
	var wg sync.WaitGroup
	t0 := time.Now()
	srv.served.Store(0)
	// The third download waits its turn and is told so; every client sees that line, the
	// first one watches for it (the reply names neither the file nor, on IRC, the person).
	var queuedReply string
	for i, n := range nicks["download"] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clients[n]
			time.Sleep(time.Duration(i) * 50 * time.Millisecond)
			cl.send("PRIVMSG " + benchChannel + " :!stage " + bigNames[i])
			if i > 0 {
				return
			}
			if m, err := cl.wait(func(m ircMsg) bool { return fromBot(m) && strings.Contains(msgText(m), "queued") }, d); err == nil {
				queuedReply = msgText(m)
			}
		}()
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range reqs {
			if !yield(id) {
				return
			}
		}
	})
	statusLat := make([][]time.Duration, p5StatusUsers)
	statusLost := make([]int, p5StatusUsers)
	statusOther := make([]string, p5StatusUsers)
	for u, n := range nicks["status"] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statusLat[u], statusLost[u], statusOther[u] = p5StatusUser(clients[n], u, n, ids, t0, time.Duration(u)*p5StatusPeriod/p5StatusUsers, d)
		}()
	}
	type approval struct {
		id, how string
		at, lat time.Duration // at: when it was sent, from the window's start
		ok      bool
	}
	approvals := make([]approval, p5Approvals)
	for a, n := range nicks["approve"] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := clients[n]
			for k := a; k < p5Approvals; k += p5Approvers {
				id := ids[k]
				time.Sleep(time.Until(t0.Add(time.Duration(float64(d) * (float64(k) + 0.5) / p5Approvals))))
				// Every third by reaction: the other path to the same decision.
				how, line := "!approve", "PRIVMSG "+benchChannel+" :!approve "+id
				if k%3 == 2 {
					how, line = "+draft/react", "@+draft/react=👍;+draft/reply="+reqs[id].msgid+" TAGMSG "+benchChannel
				}
				sent := time.Now()
				cl.send(line)
				m, err := cl.wait(func(m ircMsg) bool {
					t := msgText(m)
					// Not a status view of the same request, which may name the state too.
					return fromBot(m) && strings.HasPrefix(t, "["+id+"] ") && strings.Contains(t, " approved") && !strings.Contains(t, ", requested by ")
				}, 10*time.Second)
				approvals[k] = approval{id: id, how: how, at: sent.Sub(t0), lat: m.at.Sub(sent), ok: err == nil}
			}
		}()
	}
	wg.Wait()
	served := srv.served.Load()
	took := time.Since(t0)
	if bot.exited() {
		return fmt.Errorf("stagebot exited during the run: %s", tail(bot.log))
	}

	var sl []time.Duration
	lost := 0
	for u := range statusLat {
		sl = append(sl, statusLat[u]...)
		lost += statusLost[u]
	}
	var al []time.Duration
	var slow []string
	byReact, missing := 0, 0
	for _, a := range approvals {
		if a.how == "+draft/react" {
			byReact++
		}
		if !a.ok {
			missing++
			continue
		}
		al = append(al, a.lat)
		if a.lat > 100*time.Millisecond {
			slow = append(slow, fmt.Sprintf("%s by %s at %.1f s: %s", a.id, a.how, a.at.Seconds(), ms(a.lat)))
		}
	}
	// When in the window a slow one came (the downloads end, and their hashes with them,
	// at the window's end) says more than the figure alone.
	if len(slow) > 0 {
		note("P5: approvals announced after more than 100 ms (the window is %v): %s", d.Round(time.Second), strings.Join(slow, "; "))
	}
	over := 0
	for _, x := range sl {
		if x > 50*time.Millisecond {
			over++
		}
	}
	if over > 0 {
		note("P5: %d of %d !status replies took more than 50 ms", over, len(sl))
	}
	if len(sl) == 0 || len(al) == 0 {
		return fmt.Errorf("nothing to measure: %d !status replies (%d lost; other lines to the users: %s), %d approvals announced (%d not); stagebot's log: %s", len(sl), lost, strings.Join(statusOther, " | "), len(al), missing, tail(bot.log))
	}
	note("P5: %s served to stagebot in the %v of the run (%s/s); the third download was told %q",
		humanBytes(served), took.Round(time.Second), humanBytes(int64(float64(served)/took.Seconds())), queuedReply)
	if queuedReply == "" {
		note("P5: no reply to a big !stage said it was queued: were the downloads really under way together?")
	}
	if lost > 0 {
		note("P5: %d !status replies never came (within %v); other lines to the users: %s", lost, p5StatusPeriod, strings.Join(statusOther, " | "))
	}
	if missing > 0 {
		note("P5: %d of %d approvals were never announced as approved (within 10 s)", missing, p5Approvals)
	}
	load := fmt.Sprintf("%d x %s !stage trickled at %s/s, %d users", p5Downloads, humanBytes(plan.bigSize), humanBytes(plan.rate), p5StatusUsers)
	p50, p99 := percentile(sl, .5), percentile(sl, .99)
	sOK := p99 <= 50*time.Millisecond && lost == 0
	aMax := slices.Max(al)
	aOK := aMax <= 100*time.Millisecond && missing == 0
	lostS := ""
	if lost > 0 {
		lostS = fmt.Sprintf(", %d lost", lost)
	}
	missS := ""
	if missing > 0 {
		missS = fmt.Sprintf(", %d never announced", missing)
	}
	rows = append(rows,
		row{id: "P5", metric: fmt.Sprintf("!status reply under load (%s, one !status per %v each), n=%d, median / p99", load, p5StatusPeriod, len(sl)),
			stagebot: ms(p50) + " / " + ms(p99) + lostS, target: "p99 <= 50 ms", verdict: judge(sOK)},
		row{id: "P5", metric: fmt.Sprintf("approve -> approved line, same load, %d approvals over %v (%d by +draft/react), median / max", p5Approvals, d.Round(time.Second), byReact),
			stagebot: ms(percentile(al, .5)) + " / " + ms(aMax) + missS, target: "max <= 100 ms", verdict: judge(aOK)},
	)
	return nil
}

// p5Clicks builds the big clicks (for the trickled downloads) and the small ones (for the
// pending requests) with `click build`, two at a time, into dir/serve.
func p5Clicks(dir string, bigSize int64) (big, small []string, err error) {
	type job struct {
		pkg  string
		size int64
	}
	var jobs []job
	for i := 1; i <= p5Downloads; i++ {
		jobs = append(jobs, job{fmt.Sprintf("com.example.p5.big%d", i), bigSize})
	}
	for i := 1; i <= p5Approvals; i++ {
		jobs = append(jobs, job{fmt.Sprintf("com.example.p5.small%02d", i), p5SmallPayload})
	}
	logf("P5: building %d clicks of %s and %d small ones with click build", p5Downloads, humanBytes(bigSize), p5Approvals)
	t0 := time.Now()
	names := make([]string, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, 2)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			p, err := buildClickAs(dir, j.pkg, j.size)
			names[i], errs[i] = filepath.Base(p), err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	logf("P5: clicks built in %v", time.Since(t0).Round(time.Millisecond))
	return names[:p5Downloads], names[p5Downloads:], nil
}

func p5Config(dir, ircAddr, base string, landing []string) (string, error) {
	var team []string
	for _, n := range landing {
		team = append(team, fmt.Sprintf("{name: %s, irc: \"%s!*@127.0.0.1\"}", n, n))
	}
	cfg := fmt.Sprintf(`state_dir: %s
irc:
  server: %s
  tls: false
  nick: stagebot
  channels: ["%s"]
  # Raised so that what is measured is the bot, not its pacing of lines.
  send_rate: 1000
  send_burst: 1000
downloads:
  base_url: %s
team:
  landing: [%s]
  landers: [{name: "*"}]
snakefruit:
  target: file://%s
`, filepath.Join(dir, "state"), ircAddr, benchChannel, base, strings.Join(team, ", "), filepath.Join(dir, "snakefruit"))
	for _, d := range []string{"state", "snakefruit"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return "", err
		}
	}
	p := filepath.Join(dir, "stagebot.yaml")
	return p, os.WriteFile(p, []byte(cfg), 0o600)
}

// p5Dial connects every client at once: registration takes most of a second each.
func p5Dial(addr string, nicks map[string][]string) (map[string]*ircClient, error) {
	var mu sync.Mutex
	clients := map[string]*ircClient{}
	var firstErr error
	var wg sync.WaitGroup
	for role, ns := range nicks {
		var caps []string
		if role == "approve" {
			caps = []string{"message-tags"} // to read the msgid of a request line and react to it
		}
		for _, n := range ns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl, err := dialIRC(addr, n, caps...)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					firstErr = errors.Join(firstErr, fmt.Errorf("%s: %v", n, err))
					return
				}
				clients[n] = cl
			}()
		}
	}
	wg.Wait()
	if firstErr != nil {
		for _, cl := range clients {
			cl.close()
		}
		return nil, firstErr
	}
	return clients, nil
}

type p5Request struct{ filename, msgid string }

var requestedLine = regexp.MustCompile(`\[([0-9a-f]{8})\] (\S+\.click) requested`)

// p5Requested waits until every name has its `requested` announcement and returns the
// requests by ID with the msgid of that line (what a reaction refers to).
func p5Requested(cl *ircClient, names []string, timeout time.Duration) (map[string]p5Request, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	got := map[string]p5Request{}
	var refusals []string
	deadline := time.Now().Add(timeout)
	for len(got) < len(names) {
		m, err := cl.wait(func(m ircMsg) bool { return fromBot(m) }, time.Until(deadline))
		if err != nil {
			return nil, fmt.Errorf("%d of %d small clicks requested (%v); other lines: %s", len(got), len(names), err, strings.Join(refusals, " | "))
		}
		s := requestedLine.FindStringSubmatch(msgText(m))
		if s == nil || !want[s[2]] {
			if len(refusals) < 5 {
				refusals = append(refusals, msgText(m))
			}
			continue
		}
		if m.tags["msgid"] == "" {
			return nil, fmt.Errorf("the requested line carries no msgid: %q", msgText(m))
		}
		got[s[1]] = p5Request{filename: s[2], msgid: m.tags["msgid"]}
	}
	return got, nil
}

// p5StatusUser sends `!status ID` every period from t0+offset until t0+d, each naming the
// next ID in turn, and times the reply to it. A reply not in by the next send is lost (and
// a late one is not mistaken for the next: it names another ID).
func p5StatusUser(cl *ircClient, user int, nick string, ids []string, t0 time.Time, offset, d time.Duration) (lat []time.Duration, lost int, other string) {
	for i := 0; ; i++ {
		at := t0.Add(offset + time.Duration(i)*p5StatusPeriod)
		if at.Sub(t0) >= d {
			return lat, lost, other
		}
		time.Sleep(time.Until(at))
		// Users never ask about the same ID at once: a reply is matched by its ID.
		id := ids[(user+i*p5StatusUsers)%len(ids)]
		sent := time.Now()
		cl.send("PRIVMSG " + benchChannel + " :!status " + id)
		m, err := cl.wait(func(m ircMsg) bool {
			t := msgText(m)
			if fromBot(m) && isStatusReply(t, nick, id) {
				return true
			}
			if fromBot(m) && (strings.Contains(t, nick) || m.params[0] != benchChannel || strings.Contains(t, id)) {
				other = m.cmd + " " + strings.Join(m.params, " ")
			}
			return false
		}, p5StatusPeriod-100*time.Millisecond)
		if err != nil {
			lost++
			continue
		}
		lat = append(lat, m.at.Sub(sent))
	}
}

// isStatusReply: the contract's "nick: " prefix, and the request's ID.
func isStatusReply(t, nick, id string) bool {
	return strings.HasPrefix(t, nick+": ") && strings.Contains(t, id)
}

func fromBot(m ircMsg) bool {
	return (m.cmd == "PRIVMSG" || m.cmd == "NOTICE") && strings.EqualFold(m.nick(), "stagebot") && len(m.params) >= 2
}

func msgText(m ircMsg) string {
	if len(m.params) == 0 {
		return ""
	}
	return m.params[len(m.params)-1]
}

// trickle serves dir over HTTP, each response paced to rate bytes a second: big
// downloads that stay under way while the commands are timed. served counts the bytes.
type trickle struct {
	base   string
	srv    *http.Server
	served atomic.Int64
}

func startTrickle(dir string, rate int64) (*trickle, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := &trickle{base: "http://" + l.Addr().String() + "/"}
	t.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, err := os.Open(filepath.Join(dir, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil || st.IsDir() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(st.Size()))
		w.Header().Set("Content-Type", "application/octet-stream")
		start := time.Now()
		buf := make([]byte, 64<<10)
		var sent int64
		for {
			n, err := f.Read(buf)
			if n > 0 {
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
				sent += int64(n)
				t.served.Add(int64(n))
				// Sleep until this much is due at the rate: the pace holds on average
				// whatever the chunk and scheduling delays.
				time.Sleep(time.Until(start.Add(time.Duration(float64(sent) / float64(rate) * float64(time.Second)))))
			}
			if err == io.EOF {
				return
			}
			if err != nil {
				return
			}
		}
	})}
	go t.srv.Serve(l)
	return t, nil
}

func (t *trickle) close() { t.srv.Close() }
