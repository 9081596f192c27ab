package slack_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/app"
	"stagebot/config"
	"stagebot/internal/clicktest"
	"stagebot/internal/fakeslack"
)

const (
	channel = "CSTAGE"
	alice   = "UALICE" // a lander
	sil     = "USIL"   // landing team
	ken     = "UKEN"   // landing team
	mallory = "UMAL"   // not in the team
	qa      = "UQA"
	wait    = 30 * time.Second
	fw      = "ubuntu-sdk-15.04"
)

// slackBot is a whole stagebot (app.Run) talking to a fake Slack workspace.
type slackBot struct {
	t   *testing.T
	fs  *fakeslack.Server
	dir string // snakefruit folder
	// console is the bot's console, when botOptions.console asked for it.
	console *consoleIO
}

// startSlackBot runs the bot with the given policy.approvals until the test ends.
func startSlackBot(t *testing.T, approvals int) *slackBot {
	t.Helper()
	return startSlackBotWith(t, botOptions{approvals: approvals})
}

// botOptions vary the bot startSlackBotWith runs.
type botOptions struct {
	approvals int
	slack     string        // more keys of the slack section, each line "  key: value\n"
	extra     string        // more top-level YAML
	console   bool          // console: true too, driven through slackBot.console
	landing   string        // team.landing instead of sil2100 and ken
	fakePings time.Duration // the fake's ping interval; 0 = its default
	channels  []string      // the bot's channels instead of channel alone
}

// startSlackBotWith runs the bot as o says until the test ends.
func startSlackBotWith(t *testing.T, o botOptions) *slackBot {
	t.Helper()
	fs := fakeslack.Start(t)
	if o.fakePings > 0 {
		fs.PingInterval = o.fakePings
	}
	for _, u := range []fakeslack.User{
		{ID: alice, Name: "alice", RealName: "Alice Lander", DisplayName: "alice"},
		{ID: sil, Name: "sil2100", RealName: "Łukasz", DisplayName: "sil2100"},
		{ID: ken, Name: "ken", RealName: "Ken V", DisplayName: "kenvandine"},
		{ID: mallory, Name: "mallory", RealName: "Mallory", DisplayName: "mallory"},
		{ID: qa, Name: "qa", RealName: "QA Lead", DisplayName: "qa-lead"},
	} {
		fs.AddUser(u)
	}
	dir := t.TempDir()
	sf := filepath.Join(dir, "snakefruit")
	stdin, stdout := io.Reader(strings.NewReader("")), io.Writer(io.Discard)
	extra := o.extra
	var con *consoleIO
	if o.console {
		extra += "console: true\n"
		con = newConsoleIO(t)
		stdin, stdout = con.stdin, con.stdout
	}
	channels := fmt.Sprintf("%q", channel)
	if len(o.channels) > 0 {
		channels = fmt.Sprintf("%q", o.channels[0])
		for _, c := range o.channels[1:] {
			channels += fmt.Sprintf(", %q", c)
		}
	}
	landing := fmt.Sprintf("[{name: sil2100, slack: %s}, {name: ken, slack: %s}]", sil, ken)
	if o.landing != "" {
		landing = o.landing
	}
	yaml := fmt.Sprintf(`state_dir: %s
slack:
  bot_token: %s
  app_token: %s
  channels: [%s]
  api_url: %s
%steam:
  landing: %s
  qa: [{name: qa-lead, slack: %s}]
  landers: [{name: "*"}]
policy: {approvals: %d}
snakefruit: {target: "file://%s"}
%s`, filepath.Join(dir, "state"), fakeslack.BotToken, fakeslack.AppToken, channels, fs.APIURL(), o.slack, landing, qa,
		o.approvals, sf, extra)
	cfg, err := config.Parse("slack-test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("STAGEBOT_TEST_LOG") != "" {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	go func() { done <- app.Run(ctx, cfg, stdin, stdout, log) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("app.Run: %v", err)
			}
		case <-time.After(wait):
			t.Errorf("bot did not stop")
		}
	})
	fs.Await(wait, "the bot's socket", func(v fakeslack.View) bool { return v.Connected() })
	return &slackBot{t: t, fs: fs, dir: sf, console: con}
}

// consoleIO drives the bot's console: lines typed in, every line it printed kept.
type consoleIO struct {
	t      *testing.T
	stdin  *io.PipeReader
	in     *io.PipeWriter
	stdout *io.PipeWriter

	mu      sync.Mutex
	lines   []string
	changed chan struct{}
}

func newConsoleIO(t *testing.T) *consoleIO {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	c := &consoleIO{t: t, stdin: inR, in: inW, stdout: outW, changed: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			c.mu.Lock()
			c.lines = append(c.lines, sc.Text())
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
	}()
	// Runs after the bot stopped (cleanups run last first).
	t.Cleanup(func() { inW.Close(); outR.Close() })
	return c
}

// Type sends a line as user ("sil2100> !approve ID").
func (c *consoleIO) Type(user, text string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, user+"> "+text+"\n"); err != nil {
		c.t.Fatalf("console: %v", err)
	}
}

// Await waits for a printed line matching pattern.
func (c *consoleIO) Await(pattern string) string {
	c.t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		c.mu.Lock()
		for _, l := range c.lines {
			if re.MatchString(l) {
				c.mu.Unlock()
				return l
			}
		}
		ch := c.changed
		all := strings.Join(c.lines, "\n")
		c.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			c.t.Fatalf("console: timed out waiting for %s; printed:\n%s", pattern, all)
		}
	}
}

// click builds a real click and uploads it as file id.
func (b *slackBot) upload(id, name, version string) string {
	b.t.Helper()
	path := clicktest.Build(b.t, b.t.TempDir(), clicktest.Spec{Name: name, Version: version, Framework: fw, Arch: "all",
		Files: map[string]string{"a": version}})
	data, err := os.ReadFile(path)
	if err != nil {
		b.t.Fatal(err)
	}
	b.fs.AddFile(fakeslack.File{ID: id, Name: filepath.Base(path), Content: data})
	return filepath.Base(path)
}

// stage shares file id with `!stage` as user and returns the request ID and its request
// message's ts.
func (b *slackBot) stage(user, fileID, filename string) (id, head string) {
	b.t.Helper()
	b.fs.SayWithFiles(channel, user, "!stage", fileID)
	return b.awaitRequest(filename)
}

// awaitRequest waits for the request message for filename and returns the request ID and
// the message's ts.
func (b *slackBot) awaitRequest(filename string) (id, head string) {
	b.t.Helper()
	re := regexp.MustCompile(`^[^\[]*: \[([0-9a-f]{8})\] ` + regexp.QuoteMeta(filename) + ` requested`)
	b.fs.Await(wait, "the request message for "+filename, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if m := re.FindStringSubmatch(p.Text); m != nil && p.ThreadTS == "" && strings.Contains(p.Blocks, "stagebot_approve") {
				id, head = m[1], p.TS
				return true
			}
		}
		return false
	})
	return id, head
}

// replies are the bot's posts in the thread under head.
func replies(v fakeslack.View, head string) []string {
	var out []string
	for _, p := range v.Posts() {
		if p.ThreadTS == head {
			out = append(out, p.Text)
		}
	}
	return out
}

// awaitReply waits for a thread reply matching pattern.
func (b *slackBot) awaitReply(head, pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(wait, "a thread reply matching "+pattern, func(v fakeslack.View) bool {
		for _, r := range replies(v, head) {
			if re.MatchString(r) {
				return true
			}
		}
		return false
	})
}

// awaitPost waits for a top-level post matching pattern.
func (b *slackBot) awaitPost(pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(wait, "a channel post matching "+pattern, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if p.ThreadTS == "" && re.MatchString(p.Text) {
				return true
			}
		}
		return false
	})
}

// awaitEphemeral waits for an ephemeral message to user matching pattern.
func (b *slackBot) awaitEphemeral(user, pattern string) {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	b.fs.Await(wait, "an ephemeral to "+user+" matching "+pattern, func(v fakeslack.View) bool {
		for _, e := range v.Ephemerals() {
			if e.User == user && re.MatchString(e.Text) {
				return true
			}
		}
		return false
	})
}

// status asks !status as user and returns the reply; it also proves every earlier event
// from user was handled, since one user's events are handled in order.
func (b *slackBot) status(user, id string) string {
	b.t.Helper()
	var got string
	n := 0
	b.fs.Read(func(v fakeslack.View) { n = len(v.Posts()) })
	b.fs.Say(channel, user, "!status "+id)
	b.fs.Await(wait, "a status reply", func(v fakeslack.View) bool {
		for _, p := range v.Posts()[n:] {
			if strings.HasPrefix(p.Text, "["+id+"]") && p.ThreadTS == "" && p.Blocks == "" {
				got = p.Text
				return true
			}
		}
		return false
	})
	return got
}

// words lists, in order, the contract words of the thread replies under head.
func words(v fakeslack.View, head, id string) []string {
	// A state line is "[id] file word: ..." (or ends at the word); a progress line
	// ("approved 1/2 by ...") is not a state.
	re := regexp.MustCompile(`^(?:<@\w+> ?)*:? ?\[` + id + `\] \S+\.click (\w+)(?::|$)`)
	var out []string
	for _, r := range replies(v, head) {
		if m := re.FindStringSubmatch(r); m != nil {
			out = append(out, m[1])
		}
	}
	return out
}
