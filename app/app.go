// Package app assembles a running stagebot from a configuration: storage, snakefruit, the
// click inspector, the workflow, the commands, the chat adapters and the bot loop. The
// binary and the end-to-end tests of every adapter start the bot through Run.
package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"

	"stagebot/bot"
	"stagebot/click"
	"stagebot/commands"
	"stagebot/config"
	"stagebot/intake"
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
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return err
	}
	db, err := storage.Open(filepath.Join(cfg.StateDir, DBFile))
	if err != nil {
		return err
	}
	defer db.Close()

	target, err := snakefruit.Open(ctx, targetConfig(cfg))
	if err != nil {
		return fmt.Errorf("snakefruit: %w", err)
	}
	defer target.Close()
	// The URL's path, not the text after "file://": file://localhost/srv/x is /srv/x. Open
	// already refused a target that does not parse or names another host.
	if u, err := url.Parse(cfg.Snakefruit.Target); err == nil && u.Scheme == "file" {
		if err := os.MkdirAll(u.Path, 0o750); err != nil {
			return err
		}
	}

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
		Dir: filepath.Join(cfg.StateDir, "downloads"), Client: &http.Client{Timeout: cfg.Downloads.Timeout.Duration},
		Click: clickOpts, Log: log, MaxConcurrent: cfg.Downloads.MaxConcurrent,
	}
	wf := workflow.Config{
		DB: db, Team: team, Policy: policy, StateDir: cfg.StateDir, Intake: fetcher, Target: target,
		StableFrameworks: cfg.Frameworks.Stable,
		StopGrace:        cfg.ShutdownGrace.Duration,
		Retry:            workflow.Retry{Initial: cfg.Snakefruit.Retry.Initial.Duration, Max: cfg.Snakefruit.Retry.Max.Duration, GiveUp: cfg.Snakefruit.Retry.GiveUp.Duration},
		Log:              log,
	}
	if cfg.Publish != nil {
		wf.Publish = workflow.Publish{Command: cfg.Publish.Command, Timeout: cfg.Publish.Timeout.Duration}
	}
	svc := workflow.New(wf)
	registry := commands.NewRegistry(cfg.CommandPrefix, svc)
	adapters, err := buildAdapters(cfg, team, stdin, stdout, log)
	if err != nil {
		return err
	}
	if err := keepCursors(db, adapters, log); err != nil {
		return err
	}
	schedule, err := config.ScheduleParser.Parse(cfg.ClickSync.Schedule)
	if err != nil {
		return fmt.Errorf("click_sync.schedule: %w", err)
	}
	b := bot.New(bot.Config{Service: svc, Commands: registry, Adapters: adapters, Schedule: schedule, Log: log})
	stopSignals, err := startSignals(ctx, cfg, svc, b, target, log)
	if err != nil {
		return err
	}
	defer stopSignals()
	// base_url as given: the handler made above takes its credentials out.
	log.Info("stagebot running", "state_dir", cfg.StateDir, "snakefruit", target.String(), "adapters", len(adapters),
		"base_url", cfg.Downloads.BaseURL)
	return b.Run(ctx)
}

// targetConfig is the snakefruit section as the snakefruit package takes it: for the worker's
// target and the readiness probe alike.
func targetConfig(cfg *config.Config) snakefruit.Config {
	return snakefruit.Config{
		Target: cfg.Snakefruit.Target, ListFile: cfg.Snakefruit.ListFile, SSHKey: cfg.Snakefruit.SSHKey,
		Passphrase: cfg.Snakefruit.Passphrase, KnownHosts: cfg.Snakefruit.KnownHosts,
		DialTimeout: cfg.Snakefruit.Timeout.Duration,
	}
}
