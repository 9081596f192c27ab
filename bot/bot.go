package bot

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"

	"stagebot"
	"stagebot/bot/floodgate"
	"stagebot/chat"
	"stagebot/internal/wake"
)

// Config assembles a Bot.
type Config struct {
	Service  Service
	Outbox   Outbox
	Commands Commands
	// Renderer words what the core itself says (refusals to reactions, "slow down") and
	// renders each announcement once for every network.
	Renderer chat.Renderer
	// Limit is the per-person command limit (nil: none); the console is never limited.
	Limit    *floodgate.Gate
	Adapters []Adapter
	// Schedule is the click-sync cron schedule (UTC); nil = no scheduled ticks.
	Schedule cron.Schedule
	// DrainTimeout bounds how long the bot finishes queued work when its only adapter
	// closed (console EOF).
	DrainTimeout time.Duration
	// RemindEvery is how often pending requests are checked for a reminder and for
	// expiry; expiry is promised within a minute, so more than that is too slow.
	RemindEvery time.Duration
	// Handled, when set, hears what became of every command (after it is logged).
	Handled func(Handled)
	Log     *slog.Logger
}

// Bot is the running core.
type Bot struct {
	cfg     Config
	svc     Service
	log     *slog.Logger
	outlets []*outlet // one per channel of each adapter
	lanes   *lanes
	// background runs the commands that take long (a !stage): drain waits for them, and
	// stages counts them.
	background sync.WaitGroup
	stages     atomic.Int64
	// progress fires when a delivery or job finished, for drain.
	progress chan struct{}
}

// New makes a Bot.
func New(cfg Config) *Bot {
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.DrainTimeout <= 0 {
		cfg.DrainTimeout = 2 * time.Minute
	}
	if cfg.RemindEvery <= 0 {
		cfg.RemindEvery = time.Minute
	}
	return &Bot{cfg: cfg, svc: cfg.Service, log: cfg.Log, outlets: newOutlets(cfg.Adapters),
		lanes: newLanes(cfg.Log), progress: make(chan struct{}, 1)}
}

// Run runs the adapters, the delivery to each of their channels, the schedule and the
// reminders until ctx ends, or, when every adapter has closed (console EOF), until the
// queued work is done; the worker runs beside it. The outbox cursors of the adapters'
// channels must exist before (Dests), or nothing is pending to them. An adapter whose
// credential its network refused, or whose setting it showed wrong, stops everything: Run
// returns its *CredentialError or *ConfigError.
func (b *Bot) Run(ctx context.Context) error {
	if len(b.cfg.Adapters) == 0 {
		return errors.New("no chat adapter configured")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	goRun := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil && ctx.Err() == nil {
				b.log.Error("stopped", "part", name, "err", err)
			}
		}()
	}
	goRun("outbox", b.fanOut)
	goRun("schedule", b.runSchedule)
	goRun("reminders", b.runReminders)
	for _, o := range b.outlets {
		goRun("deliver "+o.dest.String(), func(ctx context.Context) error { return b.deliver(ctx, o) })
	}
	type ended struct {
		name string
		err  error
	}
	closed := make(chan ended, len(b.cfg.Adapters))
	for _, a := range b.cfg.Adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := a.Run(ctx, b.inboxFor(a))
			if err != nil && ctx.Err() == nil {
				b.log.Error("adapter stopped", "adapter", a.Name(), "err", err)
			}
			closed <- ended{a.Name(), err}
		}()
	}
	var fatal error
	open := len(b.cfg.Adapters)
	for open > 0 && fatal == nil {
		select {
		case <-ctx.Done():
			open = 0
			continue
		case e := <-closed:
			b.log.Info("adapter closed", "adapter", e.name)
			open--
			// A refused credential, or a setting the network showed wrong, stops the whole
			// bot, whatever else runs: under a supervisor a bot that lost a network
			// silently looks healthy, and only the operator can fix it.
			var refused *CredentialError
			var wrong *ConfigError
			if errors.As(e.err, &refused) || errors.As(e.err, &wrong) {
				fatal = e.err
			}
		}
	}
	if fatal == nil && ctx.Err() == nil {
		// Every adapter closed by itself (the console at EOF): finish what is queued, the
		// stages under way first (their `requested` is part of it).
		b.log.Info("chat closed; finishing what it started", "stages", b.stages.Load())
		b.background.Wait()
		b.lanes.wait()
		b.drain(ctx)
	}
	cancel()
	wg.Wait()
	return fatal
}

// drain waits until no job is queued and every announcement is delivered, or until the
// drain timeout: jobs still queued then stay in bbolt for the next start.
func (b *Bot) drain(ctx context.Context) {
	deadline := time.NewTimer(b.cfg.DrainTimeout)
	defer deadline.Stop()
	for {
		if b.svc.Idle() && b.backlog() == 0 {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-deadline.C:
			b.log.Warn("drain timed out; queued work stays for the next start", "backlog", b.backlog())
			return
		case <-b.progress:
		case <-time.After(200 * time.Millisecond):
			// A job waiting out a backoff signals nothing while it waits.
		}
	}
}

func (b *Bot) backlog() int {
	n := 0
	for _, c := range b.cfg.Outbox.Backlogs(b.dests()) {
		n += c
	}
	return n
}

// fanOut turns the service's one outbox signal into one per channel.
func (b *Bot) fanOut(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-b.cfg.Outbox.Signal():
			for _, o := range b.outlets {
				wake.Signal(o.wake)
			}
			wake.Signal(b.progress)
		}
	}
}

func (b *Bot) runSchedule(ctx context.Context) error {
	if b.cfg.Schedule == nil {
		return nil
	}
	for {
		next := b.cfg.Schedule.Next(time.Now().UTC())
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Until(next)):
			if _, err := b.svc.Tick(stagebot.Identity{}, "schedule", nil); err != nil {
				b.log.Error("scheduled tick", "err", err)
			}
		}
	}
}

func (b *Bot) runReminders(ctx context.Context) error {
	t := time.NewTicker(b.cfg.RemindEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := b.svc.Remind(); err != nil {
				b.log.Error("reminders", "err", err)
			}
			if _, err := b.svc.Expire(time.Now()); err != nil {
				b.log.Error("expiry", "err", err)
			}
		}
	}
}

// Adapters are the chat networks the bot runs, in the order it was given them.
func (b *Bot) Adapters() []Adapter { return b.cfg.Adapters }
