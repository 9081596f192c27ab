// Package bottest runs a whole stagebot (app.Run) for end-to-end tests: the console as its
// chat, fed line by line, with every line it prints kept so tests can wait for the
// announcements they expect instead of sleeping.
package bottest

import (
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
)

// Wait is how long a test waits for an expected line before failing.
const Wait = 30 * time.Second

// Bot is a running stagebot.
type Bot struct {
	t          testing.TB
	Dir        string // the test's root: state/, snakefruit/, clicks/
	StateDir   string
	Snakefruit string // the target folder
	in         *io.PipeWriter
	out        *lineLog
	finished   chan struct{} // closed when app.Run returned
	runErr     error
	stopOnce   sync.Once
	// cancel ends app.Run: EOF alone does not stop a bot that has another chat beside the
	// console (contract §1).
	cancel     context.CancelFunc
	withOthers bool

	logMu sync.Mutex
	logs  []string
}

// Base is the configuration every test bot starts from: console chat, a file:// target, a
// schedule that never fires during a test, and a team where alice asks and sil2100 approves.
const Base = `state_dir: %[1]s/state
console: true
team:
  landing: [{name: sil2100}]
  qa: [{name: qa-lead}]
  landers: [{name: "*"}]
policy:
  approvals: 1
snakefruit:
  target: file://%[1]s/snakefruit
  retry: {initial: 50ms, max: 200ms}
click_sync:
  schedule: "0 0 1 1 *"
`

// Start runs a bot with Base plus extra (YAML appended as is; %[1]s in it is the test's
// root directory). It stops when the test ends.
func Start(t testing.TB, extra string) *Bot {
	t.Helper()
	dir := t.TempDir()
	return StartIn(t, dir, extra)
}

// Options vary Base beyond what appending YAML can: keys inside its own sections.
type Options struct {
	Extra string // as Start's extra
	// Snakefruit is more keys of the snakefruit section, each line "  key: value\n".
	Snakefruit string
}

// StartWith runs a bot as o says. It stops when the test ends.
func StartWith(t testing.TB, o Options) *Bot {
	t.Helper()
	return startIn(t, t.TempDir(), o)
}

// StartIn is Start with a given root directory, to restart a bot on the same state.
func StartIn(t testing.TB, dir, extra string) *Bot {
	t.Helper()
	return startIn(t, dir, Options{Extra: extra})
}

func startIn(t testing.TB, dir string, o Options) *Bot {
	t.Helper()
	base := strings.Replace(Base, "snakefruit:\n", "snakefruit:\n"+o.Snakefruit, 1)
	yml := fmt.Sprintf(base+o.Extra, dir)
	cfg, err := config.Parse("test.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("bottest: config: %v\n%s", err, yml)
	}
	pr, pw := io.Pipe()
	b := &Bot{t: t, Dir: dir, StateDir: cfg.StateDir, Snakefruit: filepath.Join(dir, "snakefruit"),
		in: pw, out: newLineLog(), finished: make(chan struct{})}
	log := slog.New(slog.NewTextHandler(&testLog{t: t, b: b}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.withOthers = cancel, cfg.IRC != nil || cfg.Slack != nil
	go func() {
		b.runErr = app.Run(ctx, cfg, pr, b.out, log)
		close(b.finished)
	}()
	t.Cleanup(func() {
		b.Stop()
		cancel()
	})
	return b
}

// Say sends one console line, as in "alice> !stage PATH".
func (b *Bot) Say(line string) {
	b.t.Helper()
	if _, err := io.WriteString(b.in, line+"\n"); err != nil {
		b.t.Fatalf("bottest: say %q: %v", line, err)
	}
}

// WaitFor waits for a line matching the regexp pattern that comes after the last line a
// WaitFor matched, and returns its submatches (whole line first).
func (b *Bot) WaitFor(pattern string) []string {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	m, err := b.out.waitAfterCursor(re, Wait)
	if err != nil {
		b.t.Fatalf("bottest: %v\n--- output so far:\n%s", err, strings.Join(b.Lines(), "\n"))
	}
	return m
}

// Count is how many lines printed so far match pattern.
func (b *Bot) Count(pattern string) int {
	re := regexp.MustCompile(pattern)
	n := 0
	for _, l := range b.Lines() {
		if re.MatchString(l) {
			n++
		}
	}
	return n
}

// Logs is every log line the bot wrote so far (debug level included).
func (b *Bot) Logs() []string {
	b.logMu.Lock()
	defer b.logMu.Unlock()
	return append([]string(nil), b.logs...)
}

// Lines is everything printed so far.
func (b *Bot) Lines() []string { return b.out.snapshot() }

// Stop ends the console (EOF) and waits for the bot to finish its queued work and exit.
func (b *Bot) Stop() {
	b.stopOnce.Do(func() {
		b.in.Close()
		if b.withOthers {
			b.cancel()
		}
		select {
		case <-b.finished:
			if b.runErr != nil {
				b.t.Errorf("bottest: app.Run: %v", b.runErr)
			}
		case <-time.After(Wait):
			b.t.Errorf("bottest: the bot did not stop within %s", Wait)
		}
	})
}

// Stage builds a click with Debian's click tool, stages it as alice, has sil2100 approve it
// and waits until it is locked. It returns the request's short ID and the filename.
func (b *Bot) Stage(spec clicktest.Spec) (id, filename string) {
	b.t.Helper()
	dir := filepath.Join(b.Dir, "clicks")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if spec.Files == nil {
		// A click with no payload has an empty md5sums, which the inspector refuses.
		spec.Files = map[string]string{"app.qml": "import QtQuick 2.4\nItem {}\n"}
	}
	path := clicktest.Build(b.t, dir, spec)
	b.Say("alice> !stage " + path)
	m := b.WaitFor(`\[([0-9a-f]{8})\] (\S+\.click) requested: .* by alice`)
	id, filename = m[1], m[2]
	b.Say("sil2100> !approve " + id)
	b.WaitFor(`^\[` + id + `\] ` + regexp.QuoteMeta(filename) + ` locked`)
	return id, filename
}

// ListFile reads the locked list on the target.
func (b *Bot) ListFile() string {
	b.t.Helper()
	data, err := os.ReadFile(filepath.Join(b.Snakefruit, "locked_clicks_list"))
	if err != nil && !os.IsNotExist(err) {
		b.t.Fatal(err)
	}
	return string(data)
}

// Eventually polls cond until it holds or Wait passes: for state that no line announces.
func (b *Bot) Eventually(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(Wait)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("bottest: %s did not happen within %s\n--- output so far:\n%s", what, Wait, strings.Join(b.Lines(), "\n"))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testLog sends the bot's log to the test log while the test runs.
type testLog struct {
	t testing.TB
	b *Bot
}

func (l *testLog) Write(p []byte) (int, error) {
	l.b.logMu.Lock()
	l.b.logs = append(l.b.logs, strings.Split(strings.TrimRight(string(p), "\n"), "\n")...)
	l.b.logMu.Unlock()
	select {
	case <-l.b.finished:
		// The test may be over: t.Log would panic.
	default:
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}
