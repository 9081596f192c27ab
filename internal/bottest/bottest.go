// Package bottest runs a whole stagebot (app.Run) for end-to-end tests: the console as its
// chat, fed line by line, and whatever networks (an ircdtest server, a fakeslack workspace)
// the test's YAML adds. Every line it prints and every record it logs is kept, so tests
// wait for the announcements and records they expect instead of sleeping.
package bottest

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot/app"
	"stagebot/config"
	"stagebot/internal/clicktest"
	"stagebot/internal/testenv"
)

// Wait is how long a test waits for an expected line before failing: testenv.Wait, the
// one bound every harness shares.
const Wait = testenv.Wait

// Bot is a running stagebot.
type Bot struct {
	t          testing.TB
	Dir        string // the test's root: state/, snakefruit/, clicks/
	StateDir   string
	Snakefruit string // the target folder
	// Log is the bot's log, debug level included.
	Log      *Log
	console  bool
	in       *io.PipeWriter
	out      *lines
	finished chan struct{} // closed when app.Run returned
	runErr   error
	stopOnce sync.Once
	// cancel ends app.Run: EOF alone does not stop a bot that has another chat beside the
	// console (contract §1), or none.
	cancel     context.CancelFunc
	withOthers bool
}

// Options vary the bot StartWith runs; the zero value is a console bot on a file:// target,
// with a schedule that never fires during a test and a team where sil2100 lands (alone:
// policy.approvals 1), qa-lead does QA and anyone may ask. Any of the YAML below may hold
// %[1]s for the test's root directory.
type Options struct {
	// Extra is more top-level YAML, appended as is: a network's section, limits, downloads.
	Extra string
	// Snakefruit is more keys of the snakefruit section, each line "  key: value\n".
	Snakefruit string
	// Team replaces the team section's keys, each line "  key: value\n".
	Team string
	// Approvals is policy.approvals; 0 is 1.
	Approvals int
	// NoConsole leaves the console out: the bot talks only on the networks Extra sets up,
	// and Say fails the test.
	NoConsole bool
	// Dir is the test's root; "" is a new t.TempDir(). A bot started again on the same Dir
	// finds the state and target the last one left.
	Dir string
}

const defaultTeam = `  landing: [{name: sil2100}]
  qa: [{name: qa-lead}]
  landers: [{name: "*"}]
`

// yaml is the configuration o describes, with dir as the root.
func (o Options) yaml(dir string) string {
	team := o.Team
	if team == "" {
		team = defaultTeam
	}
	if !strings.HasSuffix(team, "\n") {
		team += "\n"
	}
	tmpl := "state_dir: %[1]s/state\n" +
		"console: " + strconv.FormatBool(!o.NoConsole) + "\n" +
		"team:\n" + team +
		"policy:\n  approvals: " + strconv.Itoa(max(o.Approvals, 1)) + "\n" +
		"snakefruit:\n  target: file://%[1]s/snakefruit\n  retry: {initial: 50ms, max: 200ms}\n" + o.Snakefruit +
		"click_sync:\n  schedule: \"0 0 1 1 *\"\n" +
		o.Extra
	return fmt.Sprintf(tmpl, dir)
}

// Start runs a console bot with extra as Options.Extra. It stops when the test ends.
func Start(t testing.TB, extra string) *Bot {
	t.Helper()
	return StartWith(t, Options{Extra: extra})
}

// StartIn is Start with a given root directory, to restart a bot on the same state.
func StartIn(t testing.TB, dir, extra string) *Bot {
	t.Helper()
	return StartWith(t, Options{Extra: extra, Dir: dir})
}

// StartWith runs a bot as o says. It stops when the test ends.
func StartWith(t testing.TB, o Options) *Bot {
	t.Helper()
	dir := o.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	yml := o.yaml(dir)
	cfg, err := config.Parse("test.yaml", []byte(yml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("bottest: config: %v\n%s", err, yml)
	}
	// Before the bot's cleanup, so the log outlives the bot.
	log := NewLog(t)
	pr, pw := io.Pipe()
	b := &Bot{t: t, Dir: dir, StateDir: cfg.StateDir, Snakefruit: filepath.Join(dir, "snakefruit"), Log: log,
		console: cfg.Console, in: pw, out: newLines(), finished: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	b.cancel, b.withOthers = cancel, cfg.IRC != nil || cfg.Slack != nil || cfg.Matrix != nil || !cfg.Console
	go func() {
		// The binary's logger, at debug: log_format applies as it does there.
		b.runErr = app.Run(ctx, cfg, pr, b.out, app.NewLogger(log, "debug", cfg.LogFormat))
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
	if !b.console {
		b.t.Fatalf("bottest: Say %q to a bot without a console", line)
	}
	if _, err := io.WriteString(b.in, line+"\n"); err != nil {
		b.t.Fatalf("bottest: say %q: %v", line, err)
	}
}

// WaitFor waits for a line matching the regexp pattern that comes after the last line a
// WaitFor matched, and returns its submatches (whole line first).
func (b *Bot) WaitFor(pattern string) []string {
	b.t.Helper()
	re := regexp.MustCompile(pattern)
	line, ok := b.out.next(re.MatchString)
	if !ok {
		b.t.Fatalf("bottest: no line matching %q within %s\n--- output so far:\n%s", pattern, Wait, strings.Join(b.Lines(), "\n"))
	}
	return re.FindStringSubmatch(line)
}

// Count is how many lines printed so far match pattern.
func (b *Bot) Count(pattern string) int { return b.out.count(regexp.MustCompile(pattern).MatchString) }

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
