package app

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot"
	"stagebot/config"
	"stagebot/outbox"
	"stagebot/storage"
)

// consoleConfig is a console-only config with its state under dir, plus extra YAML.
func consoleConfig(t *testing.T, dir, extra string) *config.Config {
	t.Helper()
	yaml := fmt.Sprintf("state_dir: %s\nconsole: true\nteam: {landing: [{name: bob}], landers: [{name: alice}]}\n%s",
		filepath.Join(dir, "var"), extra)
	cfg, err := config.Parse("test.yaml", []byte(yaml), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// runToEOF runs the bot with an empty stdin: it drains what is queued and returns. It
// returns the bot's stdout and log.
func runToEOF(t *testing.T, cfg *config.Config) (stdout, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, logBuf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logBuf, nil))
	if err := Run(ctx, cfg, strings.NewReader(""), &out, logger); err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, logBuf.String())
	}
	if ctx.Err() != nil {
		t.Fatalf("Run returned only when its context ended\nlog:\n%s", logBuf.String())
	}
	return out.String(), logBuf.String()
}

func withDB(t *testing.T, path string, fn func(tx *storage.Tx) error) {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestStartDropsCursorOfRemovedAdapter: a database from a config that had IRC beside the
// console, started with the console alone, loses the IRC cursor, says so, and prunes the
// outbox once the console delivered.
func TestStartDropsCursorOfRemovedAdapter(t *testing.T) {
	dir := t.TempDir()
	cfg := consoleConfig(t, dir, "")
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(cfg.StateDir, DBFile)
	withOutbox(t, dbPath, func(box *outbox.Outbox) {
		if _, err := box.KeepCursors([]stagebot.Dest{{Adapter: stagebot.NetworkIRC}, {Adapter: "console"}}); err != nil {
			t.Fatal(err)
		}
	})
	withDB(t, dbPath, func(tx *storage.Tx) error {
		for i := range 3 {
			if _, err := tx.Announce(stagebot.Event{Text: fmt.Sprintf("earlier announcement %d", i)}); err != nil {
				return err
			}
		}
		return nil
	})

	stdout, log := runToEOF(t, cfg)

	for i := range 3 {
		if want := fmt.Sprintf("earlier announcement %d", i); !strings.Contains(stdout, want) {
			t.Errorf("the console did not deliver %q; stdout:\n%s", want, stdout)
		}
	}
	if !strings.Contains(log, "adapter="+stagebot.NetworkIRC+` channel=""`) || !strings.Contains(log, "undelivered=3") {
		t.Errorf("the log does not name the dropped adapter and its 3 undelivered announcements:\n%s", log)
	}
	withOutbox(t, dbPath, func(box *outbox.Outbox) {
		if got := box.Backlogs([]stagebot.Dest{{Adapter: "console"}}); got[0] != 0 {
			t.Errorf("the console still has %d announcements to take", got[0])
		}
	})
}

func withOutbox(t *testing.T, path string, fn func(*outbox.Outbox)) {
	t.Helper()
	db, err := storage.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(db.Outbox())
}

type stubAdapter struct {
	name     string
	channels []string
}

func (s stubAdapter) Name() string                         { return s.name }
func (s stubAdapter) Channels() []string                   { return s.channels }
func (s stubAdapter) Run(context.Context, bot.Inbox) error { return nil }
func (s stubAdapter) Send(context.Context, string, bot.Outgoing) (string, error) {
	return "", nil
}
func (s stubAdapter) Connected() bool { return true }

// TestStartDropsCursorOfRemovedChannel: a channel taken out of the config loses its cursor
// (logged with what it had not delivered), so it cannot pin the outbox; a channel added
// starts at the end, with no replay; a channel kept keeps its place.
func TestStartDropsCursorOfRemovedChannel(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), DBFile)
	stage, gone, added := stagebot.Dest{Adapter: "irc", Channel: "#stage"}, stagebot.Dest{Adapter: "irc", Channel: "#gone"},
		stagebot.Dest{Adapter: "irc", Channel: "#new"}
	withOutbox(t, dbPath, func(box *outbox.Outbox) {
		if _, err := box.KeepCursors([]stagebot.Dest{stage, gone}); err != nil {
			t.Fatal(err)
		}
	})
	withDB(t, dbPath, func(tx *storage.Tx) error {
		for i := range 3 {
			if _, err := tx.Announce(stagebot.Event{Text: fmt.Sprint("line ", i)}); err != nil {
				return err
			}
		}
		return nil
	})
	withOutbox(t, dbPath, func(box *outbox.Outbox) {
		first, err := box.PendingTo(stage, 1)
		if err != nil || len(first) != 1 {
			t.Fatal(err)
		}
		if err := box.DeliveredTo(stage, first[0], ""); err != nil {
			t.Fatal(err)
		}
	})
	db, err := storage.Open(dbPath)
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	err = keepCursors(db.Outbox(), []bot.Adapter{stubAdapter{"irc", []string{"#stage", "#new"}}}, slog.New(slog.NewTextHandler(&logBuf, nil)))
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if log := logBuf.String(); !strings.Contains(log, "channel=#gone undelivered=3") {
		t.Errorf("the log does not name the dropped channel and its 3 undelivered announcements:\n%s", log)
	}
	withOutbox(t, dbPath, func(box *outbox.Outbox) {
		if got := box.Backlogs([]stagebot.Dest{stage, added}); got[0] != 2 || got[1] != 0 {
			t.Errorf("backlogs %v, want #stage with the 2 it lacks and #new with none (no replay)", got)
		}
	})
}
