// Package app assembles a running stagebot from a configuration: storage, snakefruit, the
// click inspector, the workflow, the commands, the chat adapters and the bot loop, the
// watchers and the HTTP side. It alone starts and stops them (group). The binary and the
// end-to-end tests of every adapter start the bot through Run.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"stagebot"
	"stagebot/bot"
	"stagebot/bot/floodgate"
	"stagebot/chat"
	"stagebot/click"
	"stagebot/commands"
	"stagebot/config"
	"stagebot/httpapi"
	"stagebot/intake"
	"stagebot/internal/buildinfo"
	"stagebot/receipt"
	"stagebot/snakefruit"
	"stagebot/storage"
	"stagebot/workflow"
)

// DBFile is the bbolt file's name under state_dir.
const DBFile = "stagebot.db"

// Run assembles the parts from cfg and runs them until ctx ends, or, when the console is
// the only chat, until stdin ends and the queued work is done.
func Run(ctx context.Context, cfg *config.Config, stdin io.Reader, stdout io.Writer, log *slog.Logger) error {
	// Here rather than in the binary, so every way of running the bot (tests too) logs
	// through it.
	log = slog.New(newRedactHandler(log.Handler(), Secrets(cfg)))
	build := buildinfo.Get()
	metrics := httpapi.NewMetrics(build)
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return err
	}
	db, err := storage.Open(filepath.Join(cfg.StateDir, DBFile))
	if err != nil {
		return err
	}
	defer db.Close()

	tc := cfg.SnakefruitConfig()
	tc.MakeFolder = true
	target, err := snakefruit.Open(ctx, tc)
	if err != nil {
		return err // it says "snakefruit:" itself
	}
	defer target.Close()

	clickOpts := click.Options{StableFrameworks: cfg.Frameworks.Stable}
	if cfg.Signing.Keyring != "" {
		kr, err := click.LoadKeyring(cfg.Signing.Keyring)
		if err != nil {
			return fmt.Errorf("signing.keyring: %w", err)
		}
		clickOpts.Keyring = kr
	}
	team, policy := cfg.Domain()
	fetcher := &intake.Fetcher{
		BaseURL: cfg.Downloads.BaseURL, MaxBytes: cfg.Downloads.MaxBytes, AllowedHosts: cfg.Downloads.AllowedHosts,
		Dir: filepath.Join(cfg.StateDir, "downloads"), Timeout: cfg.Downloads.Timeout.Duration, IdleTimeout: cfg.Downloads.IdleTimeout.Duration,
		Click: clickOpts, Log: log, MaxConcurrent: cfg.Downloads.MaxConcurrent, Done: metrics.Fetched,
	}
	wf := workflow.Config{
		DB: db, Team: team, Policy: policy, StateDir: cfg.StateDir, Intake: fetcher, Target: target,
		StableFrameworks: cfg.Frameworks.Stable,
		Preupload:        cfg.Snakefruit.PreuploadOn(),
		Retry:            workflow.Retry{Initial: cfg.Snakefruit.Retry.Initial.Duration, Max: cfg.Snakefruit.Retry.Max.Duration, GiveUp: cfg.Snakefruit.Retry.GiveUp.Duration},
		Log:              log,
		Changed:          metrics.Changed,
	}
	if cfg.Publish != nil {
		wf.Publish = workflow.Publish{Command: cfg.Publish.Command, Timeout: cfg.Publish.Timeout.Duration}
	}
	if cfg.Receipts.Key != "" {
		if wf.Signer, err = receipt.LoadSigner(cfg.Receipts.Key); err != nil {
			return fmt.Errorf("receipts.key: %w", err)
		}
	}
	render := chat.Renderer{Prefix: cfg.CommandPrefix}
	// The words of the history and the audit log are chat's, as every other word is.
	wf.Notes = render.Note
	svc := workflow.New(wf)
	registry := commands.NewRegistry(cfg.CommandPrefix, svc)
	metrics.KnowCommands(registry.Names())
	adapters, err := buildAdapters(cfg, adapterEnv{team: team, render: render, overview: overview{svc},
		memory: func(name string) bot.Memory { return db.Outbox().Memory(name) }, stdin: stdin, stdout: stdout, log: log})
	if err != nil {
		return err
	}
	botBox, feed, signals := outboxReaders(db.Outbox(), cfg.HTTP != nil)
	var readers []stagebot.Dest
	if feed != nil {
		readers = append(readers, httpapi.EventsDest)
	}
	if err := keepCursors(db.Outbox(), adapters, log, readers...); err != nil {
		return err
	}
	schedule, err := config.ScheduleParser.Parse(cfg.ClickSync.Schedule)
	if err != nil {
		return fmt.Errorf("click_sync.schedule: %w", err)
	}
	lim := cfg.Limits.CommandRate()
	b := bot.New(bot.Config{Service: svc, Outbox: botBox, Commands: registry, Renderer: render,
		Limit: floodgate.New(lim.N, lim.Per), Adapters: adapters, Schedule: schedule, Log: log, Handled: metrics.Command})

	// The worker first and the chat next, what feeds them from outside after: stopped in the
	// reverse order, the worker is the last to stop and may finish its job.
	g := newGroup(cfg.ShutdownGrace.Duration, log)
	defer g.stop()
	g.add(part{name: "worker", run: func(ctx context.Context) error { return svc.RunWorker(ctx, g.cutoff) }})
	if signals != nil {
		g.add(part{name: "announcement signals", run: signals.run})
	}
	var botErr error
	botDone := g.add(part{name: "bot", run: func(ctx context.Context) error { botErr = b.Run(ctx); return nil }})
	if err := addWatchers(ctx, g, cfg, svc, log); err != nil {
		return err
	}
	if err := addHTTP(g, cfg, httpParts{svc: svc, bot: b, render: render, feed: feed, audit: httpapi.StoredAudit(db), metrics: metrics}, log); err != nil {
		return err
	}
	g.start()
	// base_url as given: the handler made above takes its credentials out.
	log.Info("stagebot running", "version", build.Version, "commit", build.Commit, "adapters", adapterNames(adapters),
		"state_dir", absPath(cfg.StateDir), "snakefruit", target.String(), "base_url", cfg.Downloads.BaseURL)
	stop := stopping{log: log, svc: svc, grace: cfg.ShutdownGrace.Duration}
	select {
	case <-ctx.Done():
		stop.begin(stopSignal(ctx), "")
	case <-botDone: // every adapter closed by itself (console EOF) and the queued work is done
		stop.begin("", "chat ended")
	}
	stop.end(g.stop())
	return botErr
}

func adapterNames(as []bot.Adapter) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name()
	}
	return out
}

// absPath is p made absolute, for a log that is read without the working directory.
func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// overview is the workflow as the App Home reads it (bot.Overview).
type overview struct{ svc *workflow.Service }

func (o overview) Open() ([]stagebot.Status, error) { return o.svc.Queue() }

func (o overview) RecentlyEnded(limit int) ([]*stagebot.Request, error) {
	return o.svc.RecentFinished(limit)
}
