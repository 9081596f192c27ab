// Package workflow is the state machine of staging requests. Every method that changes a
// request does it in one storage transaction that writes the new state, its audit entry and
// the jobs and announcements the change causes; the worker in this package carries the jobs
// out on snakefruit. Chat adapters and HTTP hooks call the Service; they never touch storage.
package workflow

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// Config is what the Service needs from the bot's configuration.
type Config struct {
	DB       *storage.DB
	Team     stagebot.Team
	Policy   stagebot.Policy
	StateDir string
	Intake   *intake.Fetcher
	Target   snakefruit.Target
	Publish  Publish
	// StableFrameworks are the frameworks stable images have (frameworks.stable), so a
	// request can say whether its click needs one they lack.
	StableFrameworks []string
	Retry            Retry
	Log              *slog.Logger
	Now              func() time.Time // nil = time.Now
	// StopGrace is how long a job under way may run on once shutdown begins.
	StopGrace time.Duration
}

// Publish is the optional command that publishes a click when phasing ends.
type Publish struct {
	Command []string
	Timeout time.Duration
}

// Retry is the worker's backoff for snakefruit jobs.
type Retry struct {
	Initial time.Duration // first wait
	Max     time.Duration // cap
	GiveUp  time.Duration // a lock still failing this long after its first try is failed
}

// Service runs the workflow.
type Service struct {
	cfg Config
	log *slog.Logger

	// mu serialises the read-decide-write steps of commands against each other and against
	// the worker's commits; bbolt already serialises writers, but a decision made from a
	// read in one transaction must not be overtaken by another writer before its own.
	mu sync.Mutex

	wakeWorker chan struct{}
	outbox     chan struct{}
}

// New makes a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Retry.Initial <= 0 {
		cfg.Retry.Initial = 2 * time.Second
	}
	if cfg.Retry.Max <= 0 {
		cfg.Retry.Max = 5 * time.Minute
	}
	if cfg.Retry.GiveUp <= 0 {
		cfg.Retry.GiveUp = time.Hour
	}
	if cfg.StopGrace <= 0 {
		cfg.StopGrace = 30 * time.Second
	}
	if cfg.Publish.Timeout <= 0 {
		cfg.Publish.Timeout = 10 * time.Minute
	}
	return &Service{
		cfg:        cfg,
		log:        cfg.Log,
		wakeWorker: make(chan struct{}, 1),
		outbox:     make(chan struct{}, 1),
	}
}

// Team is the configured team.
func (s *Service) Team() stagebot.Team { return s.cfg.Team }

// DB is the storage, for readers (HTTP views, delivery).
func (s *Service) DB() *storage.DB { return s.cfg.DB }

// OutboxSignal fires (coalesced) after a transaction added announcements.
func (s *Service) OutboxSignal() <-chan struct{} { return s.outbox }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// update runs fn in one transaction under the service lock and then wakes the worker and
// the announcers, which read what fn committed.
func (s *Service) update(fn func(tx *storage.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.cfg.DB.Update(fn)
	if err == nil {
		signal(s.wakeWorker)
		signal(s.outbox)
	}
	return err
}

func (s *Service) view(fn func(tx *storage.Tx) error) error { return s.cfg.DB.View(fn) }

func (s *Service) clickDir(id string) string {
	return filepath.Join(s.cfg.StateDir, "clicks", id)
}

// removeLocalCopy drops the bot's own copy of a click once nothing can need it again.
func (s *Service) removeLocalCopy(r *stagebot.Request) {
	if r.LocalPath == "" {
		return
	}
	if err := os.RemoveAll(filepath.Dir(r.LocalPath)); err != nil {
		s.log.Warn("remove local copy", "id", r.ShortID(), "err", err)
	}
}

// Ready reports whether storage answers.
func (s *Service) Ready(ctx context.Context) error {
	return s.view(func(tx *storage.Tx) error { return nil })
}
