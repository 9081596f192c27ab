// Package workflow is the state machine of staging requests. Every method that changes a
// request does it in one storage transaction that writes the new state, its audit entry and
// the jobs and announcements the change causes; the worker in this package carries the jobs
// out on snakefruit. Chat adapters and HTTP hooks call the Service; they never touch storage.
package workflow

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"stagebot"
	"stagebot/intake"
	"stagebot/internal/wake"
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
	// Notes words an event for the history and the audit log, which people read too (chat
	// Renderer.Note); the workflow itself writes no prose.
	Notes func(stagebot.Event) string
	// StableFrameworks are the frameworks stable images have (frameworks.stable), so a
	// request can say whether its click needs one they lack.
	StableFrameworks []string
	Retry            Retry
	// Preupload copies a click to snakefruit while its download arrives and its request
	// waits, so that approval only renames it (snakefruit.preupload).
	Preupload bool
	Log       *slog.Logger
	// Changed, when set, hears each change of a request's state once it is committed
	// (the metrics), after the change is logged. It runs under the service's lock: it
	// must be quick and must not call the service.
	Changed func(Change)
	Now     func() time.Time // nil = time.Now
	// NewID makes request IDs (nil = random UUIDs) and Rand draws the backoff's jitter
	// (nil = the global source): a simulation sets both to replay a seed exactly.
	NewID func() string
	Rand  *rand.Rand

	// preuploadStall replaces preuploadStall in tests; lookahead is how long a !stage waits
	// for its look at the folder (folderLook) before it records the request: 0, unless a
	// test needs the look's answer for sure.
	preuploadStall time.Duration
	lookahead      time.Duration
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
	// wakeHousekeeper has the worker's housekeeping look again (after each job).
	wakeHousekeeper chan struct{}

	// ended collects, inside one update (under mu), the requests that reached a final
	// state, so that their local copies are released once the transaction committed.
	ended []string
	// leaving collects, likewise, the requests that stopped waiting for their lock: their
	// pre-uploads under way are stopped once the transaction committed.
	leaving []string
	// changes collects, likewise, the changes of state made: they are logged (and heard)
	// once the transaction committed, so neither tells of a change rolled back.
	changes []Change
	// running are the jobs under way (by Seq, with their request): a request's local copy
	// stays until its job returns, even if the request ended meanwhile. claimMu makes
	// picking a job and marking it under way one step.
	runningMu sync.Mutex
	running   map[uint64]string
	claimMu   sync.Mutex
	// startPending says the worker's start (reconciliation, sweeps) has not all succeeded
	// yet: it is tried again until it has.
	startPending atomic.Bool
	// started is when the service was made: downloads older than it are crash leftovers.
	started time.Time
	// pre are the pre-uploads under way (Config.Preupload).
	pre preuploads
	// publish runs the publish step for a request; tests replace it.
	publish func(ctx context.Context, r *stagebot.Request) (string, error)
	// looker runs a !stage's look at the folder (go fn() by default); the simulation runs
	// it at once, so that a seed replays exactly.
	looker func(fn func())
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
	if cfg.Publish.Timeout <= 0 {
		cfg.Publish.Timeout = 10 * time.Minute
	}
	if cfg.NewID == nil {
		cfg.NewID = func() string { return uuid.New().String() }
	}
	s := &Service{
		cfg:             cfg,
		log:             cfg.Log,
		wakeWorker:      make(chan struct{}, 1),
		wakeHousekeeper: make(chan struct{}, 1),
		running:         map[uint64]string{},
		started:         time.Now(),
	}
	s.pre.init(cfg.preuploadStall)
	s.publish = s.publishCommand
	s.looker = func(fn func()) { go fn() }
	return s
}

// Team is the configured team.
func (s *Service) Team() stagebot.Team { return s.cfg.Team }

// Policy is the configured policy.
func (s *Service) Policy() stagebot.Policy { return s.cfg.Policy }

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// update runs fn in one transaction under the service lock and then wakes the worker, which
// reads what fn committed. The events fn announced wake the announcers themselves (package
// outbox signals once the transaction commits).
func (s *Service) update(fn func(tx *storage.Tx) error) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended, s.leaving, s.changes = s.ended[:0], s.leaving[:0], s.changes[:0]
	err := s.cfg.DB.Update(fn)
	if err == nil {
		s.tellChanges(s.changes)
		wake.Signal(s.wakeWorker)
		s.releaseCopies(s.ended)
		for _, id := range s.leaving {
			s.pre.stopFor(id)
		}
	}
	return err
}

func (s *Service) view(fn func(tx *storage.Tx) error) error { return s.cfg.DB.View(fn) }

func (s *Service) clickDir(id string) string {
	return filepath.Join(s.cfg.StateDir, "clicks", id)
}

func (s *Service) isRunning(id string) bool {
	s.runningMu.Lock()
	defer s.runningMu.Unlock()
	for _, r := range s.running {
		if r == id {
			return true
		}
	}
	return false
}

// releaseCopies removes the local copies of the requests ids that no longer need one: the
// request ended (or was never recorded) and no job, queued or under way, can read it. The
// caller holds mu, so no Stage is between placing a copy and recording its request.
func (s *Service) releaseCopies(ids []string) {
	var gone []string
	_ = s.view(func(tx *storage.Tx) error {
		for _, id := range ids {
			if s.isRunning(id) {
				continue
			}
			r, err := tx.Request(id)
			if err == nil && !r.State.Final() {
				continue
			}
			if _, queued, err := tx.JobFor(id); err != nil || queued {
				continue
			}
			gone = append(gone, id)
		}
		return nil
	})
	for _, id := range gone {
		if err := os.RemoveAll(s.clickDir(id)); err != nil {
			s.log.Warn("remove local copy", "id", stagebot.ShortID(id), "err", err)
		}
	}
}

// SweepLeftovers removes what a crash can leave in state_dir: local copies of requests
// that ended or were never recorded, and downloads begun before this process started.
func (s *Service) SweepLeftovers() {
	s.mu.Lock()
	defer s.mu.Unlock()
	entries, err := os.ReadDir(filepath.Join(s.cfg.StateDir, "clicks"))
	if err != nil && !os.IsNotExist(err) {
		s.log.Warn("sweep local copies", "err", err)
	}
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.Name())
	}
	s.releaseCopies(ids)
	if s.cfg.Intake != nil {
		// A file's mtime comes from the kernel's coarse clock, which may lag time.Now by a
		// tick: a download begun just after the start could look older than it. A second
		// of margin covers that; a leftover of a crash less than a second before this start
		// waits for the next one.
		n, err := s.cfg.Intake.SweepLeftovers(s.started.Add(-time.Second))
		if err != nil {
			s.log.Warn("sweep downloads", "err", err)
		}
		if n > 0 {
			s.log.Info("removed downloads left by an earlier run", "count", n)
		}
	}
}

// Ready reports whether storage answers.
func (s *Service) Ready(ctx context.Context) error {
	return s.view(func(tx *storage.Tx) error { return nil })
}
