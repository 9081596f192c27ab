package irc_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/app"
	"stagebot/config"
	"stagebot/internal/clicktest"
	"stagebot/internal/ircdtest"
)

const channel = "#stage"

// runningBot is a whole stagebot (app.Run) talking to the test server.
type runningBot struct {
	stdin   *io.PipeWriter
	console chan string // console output lines (announcements and replies)
	target  string      // snakefruit folder
	cancel  context.CancelFunc
	done    chan error
}

// botConfig is the YAML of a bot on srv; team and extra go in as YAML lines.
func botConfig(t *testing.T, srv *ircdtest.Server, baseURL, team, ircExtra string, console bool) (*config.Config, string) {
	t.Helper()
	return botConfigAt(t, srv.Addr, baseURL, team, ircExtra, console)
}

// botConfigAt is botConfig for a bot connecting to addr (the server's TLSAddr, say).
func botConfigAt(t *testing.T, addr, baseURL, team, ircExtra string, console bool) (*config.Config, string) {
	t.Helper()
	state := t.TempDir()
	target := filepath.Join(t.TempDir(), "snakefruit")
	yaml := fmt.Sprintf(`state_dir: %s
console: %v
irc:
  server: %s
  nick: stagebot
  channels: ["%s"]
  send_rate: 100
  send_burst: 50
%s
downloads:
  base_url: %s
team:
%s
policy:
  approvals: 1
snakefruit:
  target: file://%s
  list_file: locked_clicks_list
click_sync:
  schedule: "0 0 1 1 *"
limits:
  commands: 0
`, state, console, addr, channel, ircExtra, baseURL, team, target)
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("config: %v\n%s", err, yaml)
	}
	return cfg, target
}

func startBot(t *testing.T, cfg *config.Config, target string) *runningBot {
	t.Helper()
	b, _ := startBotLogged(t, cfg, target)
	return b
}

// startBotLogged is startBot that also hands back the bot's log, to await lines in it.
func startBotLogged(t *testing.T, cfg *config.Config, target string) (*runningBot, *testLog) {
	t.Helper()
	tlog := newTestLog(t)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	b := &runningBot{stdin: inW, console: make(chan string, 1000), target: target, done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			select {
			case b.console <- sc.Text():
			default:
			}
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel = cancel
	log := slog.New(slog.NewTextHandler(tlog, &slog.HandlerOptions{Level: slog.LevelDebug}))
	go func() { b.done <- app.Run(ctx, cfg, inR, outW, log) }()
	t.Cleanup(func() {
		cancel()
		inW.Close()
		select {
		case err := <-b.done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("the bot did not stop within 20s of its context ending")
		}
		outW.Close()
	})
	return b, tlog
}

// say speaks on the bot's console as user.
func (b *runningBot) say(t *testing.T, user, text string) {
	t.Helper()
	if _, err := fmt.Fprintf(b.stdin, "%s> %s\n", user, text); err != nil {
		t.Fatalf("console: %v", err)
	}
}

// awaitConsole waits for a console line containing every part.
func (b *runningBot) awaitConsole(t *testing.T, parts ...string) string {
	t.Helper()
	timeout := time.After(ircdtest.DefaultWait)
	for {
		select {
		case l := <-b.console:
			if containsAll(l, parts) {
				return l
			}
		case <-timeout:
			t.Fatalf("no console line with %q", parts)
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

// testLog sends the bot's log to the test log until the test ends, and keeps the
// records (one Write each) for await.
type testLog struct {
	t       *testing.T
	mu      sync.Mutex
	done    atomic.Bool
	records []string
	more    chan struct{} // closed and replaced at each record
}

func newTestLog(t *testing.T) *testLog {
	l := &testLog{t: t, more: make(chan struct{})}
	// Registered before the bot's cleanup, so it runs after the bot has stopped.
	t.Cleanup(func() { l.done.Store(true) })
	return l
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec := strings.TrimRight(string(p), "\n")
	if !l.done.Load() {
		l.t.Log(rec)
	}
	l.records = append(l.records, rec)
	close(l.more)
	l.more = make(chan struct{})
	return len(p), nil
}

// count is how many records so far contain every part.
func (l *testLog) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.records {
		if containsAll(r, parts) {
			n++
		}
	}
	return n
}

// await waits up to wait for the n-th record containing every part, and returns it.
func (l *testLog) await(t *testing.T, wait time.Duration, n int, parts ...string) string {
	t.Helper()
	r, ok := l.awaitMatch(wait, n, func(r string) bool { return containsAll(r, parts) })
	if !ok {
		t.Fatalf("no log record #%d with %q within %s", n, parts, wait)
	}
	return r
}

// awaitMatch waits up to wait for the n-th record that match accepts.
func (l *testLog) awaitMatch(wait time.Duration, n int, match func(string) bool) (string, bool) {
	timeout := time.After(wait)
	for {
		l.mu.Lock()
		seen := 0
		for _, r := range l.records {
			if match(r) {
				if seen++; seen == n {
					l.mu.Unlock()
					return r, true
				}
			}
		}
		more := l.more
		l.mu.Unlock()
		select {
		case <-more:
		case <-timeout:
			return "", false
		}
	}
}

// serveClicks serves dir at /clicks/.
func serveClicks(t *testing.T, dir string) string {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/clicks/", http.FileServer(http.Dir(dir))))
	t.Cleanup(srv.Close)
	return srv.URL + "/clicks/"
}

func buildClick(t *testing.T, dir, name, version string) string {
	t.Helper()
	p := clicktest.Build(t, dir, clicktest.Spec{Name: name, Version: version, Framework: "ubuntu-sdk-15.04", Arch: "all",
		Files: map[string]string{"share/" + name + ".txt": "payload of " + name + " " + version}})
	return filepath.Base(p)
}

var idRE = regexp.MustCompile(`\[([0-9a-f]{8})\]`)

// requestID reads the ID from a reply or announcement.
func requestID(t *testing.T, m *irc.Message) string {
	t.Helper()
	sub := idRE.FindStringSubmatch(m.Trailing())
	if sub == nil {
		t.Fatalf("no request ID in %s", m)
	}
	return sub[1]
}

// announcement matches the bot's channel line about id with word and filename.
func announcement(id, filename, word string) func(*irc.Message) bool {
	return func(m *irc.Message) bool {
		return m.Command == "PRIVMSG" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), channel) &&
			strings.Contains(m.Trailing(), "["+id+"] "+filename+" "+word)
	}
}

// awaitBotIn waits until the bot is in the channel. c must have joined it (or sent its
// JOIN): then either a names list c receives shows the bot, or the bot's JOIN reaches c
// after it, so one NAMES and the lines that follow settle it without polling.
func awaitBotIn(t *testing.T, c *ircdtest.Client, wait time.Duration) {
	t.Helper()
	deadline := time.Now().Add(wait)
	c.Send("NAMES %s", channel)
	botJoin := func(m *irc.Message) bool {
		return m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot") && strings.EqualFold(m.Param(0), channel)
	}
	for {
		m, ok := c.Await(time.Until(deadline), func(m *irc.Message) bool {
			return m.Command == "353" || m.Command == "366" || botJoin(m)
		})
		switch {
		case !ok:
			t.Fatalf("stagebot not in %s within %s", channel, wait)
		case m.Command == "353" && containsNick(m.Trailing(), "stagebot"), botJoin(m):
			return
		case m.Command == "366":
			if _, ok := c.Await(time.Until(deadline), botJoin); !ok {
				t.Fatalf("stagebot not in %s within %s", channel, wait)
			}
			return
		}
	}
}

func containsNick(names, nick string) bool {
	for _, n := range strings.Fields(names) {
		if strings.TrimLeft(n, "@+%~&") == nick {
			return true
		}
	}
	return false
}

func readList(t *testing.T, target string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(target, "locked_clicks_list"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(b)
}
