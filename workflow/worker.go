package workflow

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"

	"stagebot"
	"stagebot/internal/backoff"
	"stagebot/internal/wake"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// RunWorker carries out queued jobs until ctx ends: several at once, one per package
// (name and arch) at most and each package's in the order they were queued, so a cleanup
// always runs before a later lock of the same click, while a job that waits on a stalled
// snakefruit holds up nobody else's. Jobs that were queued before a crash are simply still
// in the queue.
//
// The jobs under way when ctx ends may finish (an upload half done is wasted work) until
// cutoff ends too, the end of the shutdown's grace period; cut off, they simply run again
// at the next start.
func (s *Service) RunWorker(ctx, cutoff context.Context) error {
	defer s.pre.stop()
	var jobs sync.WaitGroup
	defer jobs.Wait()
	s.startPending.Store(true)
	// The start and the tidying run beside the jobs, never before them: a snakefruit that
	// stalls them holds up no job (each job is safe without them).
	jobs.Go(func() { s.housekeep(ctx) })
	for {
		wait := idleWait
		for ctx.Err() == nil && s.lanesFree() {
			job, w, err := s.claimNext()
			if err != nil {
				return err
			}
			if job == nil {
				wait = min(wait, w)
				break
			}
			jobs.Go(func() {
				s.runClaimed(ctx, cutoff, *job)
				wake.Signal(s.wakeWorker)
				wake.Signal(s.wakeHousekeeper)
			})
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-s.wakeWorker:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// housekeep makes the worker's start, again until it all succeeded (backing off), and
// tidies what failed operations left on snakefruit, after each job and every idleWait.
func (s *Service) housekeep(ctx context.Context) {
	backoff := time.Duration(0)
	for ctx.Err() == nil {
		wait := idleWait
		if s.startPending.Load() && !s.start(ctx) {
			backoff = min(max(2*backoff, s.cfg.Retry.Initial), s.cfg.Retry.Max)
			wait = backoff
		}
		s.tidy(ctx)
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wakeHousekeeper:
		case <-timer.C:
		}
		timer.Stop()
	}
}

// tidy removes the temp files failed operations could not (snakefruit's Target.Tidy).
func (s *Service) tidy(ctx context.Context) {
	if s.cfg.Target == nil {
		return
	}
	if err := s.cfg.Target.Tidy(ctx); err != nil {
		s.log.Warn("could not remove a temp file a failed operation left; trying again later", "err", err)
	}
}

// maxLanes bounds the jobs under way at once: each holds at most one snakefruit connection.
const maxLanes = 4

// start is what the worker does before its first job, and again until it all succeeded:
// compare snakefruit with the records (and sweep the temp files a crash left), remove the
// pre-uploads of requests that ended, remove what a crash left in state_dir. Jobs do not
// wait for it: each is safe without it, and a snakefruit that fails the start fails them
// as well.
func (s *Service) start(ctx context.Context) (done bool) {
	done = true
	if err := s.Reconcile(ctx); err != nil {
		s.log.Warn("could not reconcile with snakefruit; trying again later", "err", err)
		done = false
	}
	if err := s.sweepPending(ctx); err != nil {
		s.log.Warn("could not sweep pre-uploads on snakefruit; trying again later", "err", err)
		done = false
	}
	s.SweepLeftovers()
	if done {
		s.startPending.Store(false)
	}
	return done
}

// idleWait bounds how long the worker sleeps with nothing due: a safety net, not the
// mechanism (every enqueue wakes it).
const idleWait = time.Minute

// lanesFree reports whether another job may start.
func (s *Service) lanesFree() bool {
	s.runningMu.Lock()
	defer s.runningMu.Unlock()
	return len(s.running) < maxLanes
}

// claimNext picks the next job to run (nextJob) and marks it under way, so that neither it
// nor a later job of its package is picked again until runClaimed returns.
func (s *Service) claimNext() (*stagebot.Job, time.Duration, error) {
	s.claimMu.Lock()
	defer s.claimMu.Unlock()
	job, wait, err := s.nextJob()
	if err != nil || job == nil {
		return nil, wait, err
	}
	s.runningMu.Lock()
	s.running[job.Seq] = job.RequestID
	s.runningMu.Unlock()
	return job, 0, nil
}

// runClaimed runs a job claimNext returned and then releases it.
func (s *Service) runClaimed(ctx, cutoff context.Context, job stagebot.Job) {
	defer func() {
		s.runningMu.Lock()
		delete(s.running, job.Seq)
		s.runningMu.Unlock()
		s.mu.Lock()
		s.releaseCopies([]string{job.RequestID})
		s.mu.Unlock()
	}()
	s.runJob(ctx, cutoff, job)
}

// nextJob is the first job that is not under way, is due and has no earlier job of its
// package still queued (one under way or waiting out a backoff holds the later ones back).
//
// No job waits for a pre-upload in the worker: a lock whose request's pre-upload is still
// under way and making progress is not due yet (it holds its own package back, no other),
// and the removal of a pending file waits, outside the package order, until no pre-upload
// of its request runs here (that one removes its file itself as it stops). Each pre-upload
// wakes the worker as it ends.
func (s *Service) nextJob() (*stagebot.Job, time.Duration, error) {
	var job *stagebot.Job
	wait := idleWait
	s.runningMu.Lock()
	running := maps.Clone(s.running)
	s.runningMu.Unlock()
	err := s.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		now := s.now()
		held := map[string]bool{}
		due := func(j *stagebot.Job) bool {
			if d := j.NotBefore.Sub(now); d > 0 {
				wait = min(wait, d)
				return false
			}
			return true
		}
		// A request with a job under way has no other job picked beside it: they would
		// take turns at its files anyway.
		busyRequest := map[string]bool{}
		for _, id := range running {
			busyRequest[id] = true
			// A job under way holds its package back even once its record is gone (its
			// request ended while it ran): a later lock of the same click waits for it to
			// stop rather than meet it at the click's files.
			if r, err := tx.Request(id); err == nil {
				held[r.PackageKey()] = true
			}
		}
		for i := range jobs {
			j := &jobs[i]
			_, busy := running[j.Seq]
			if j.PendingOnly {
				if busy || busyRequest[j.RequestID] {
					continue
				}
				// It touches only its request's hidden file, which no other job uses.
				if s.pre.get(j.RequestID) == nil && due(j) {
					job = j
					return nil
				}
				continue
			}
			key := j.RequestID
			if r, err := tx.Request(key); err == nil {
				key = r.PackageKey()
			}
			if held[key] {
				continue
			}
			held[key] = true
			if busy || busyRequest[j.RequestID] || !due(j) {
				continue
			}
			if j.Kind == stagebot.JobLock {
				if d := s.pre.patience(j.RequestID, now); d > 0 {
					wait = min(wait, d)
					continue
				}
			}
			job = j
			return nil
		}
		return nil
	})
	return job, wait, err
}

// Idle reports whether no job is queued (for draining at EOF).
//
// The removal of a pre-upload's file counts only until it was tried once: it is
// housekeeping of a hidden file that no list names, one that failed stays queued for the
// next start, and one that cannot reach snakefruit must not keep the bot from exiting.
func (s *Service) Idle() bool {
	idle := true
	_ = s.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		idle = err == nil && !slices.ContainsFunc(jobs, func(j stagebot.Job) bool { return !j.PendingOnly || j.Attempt == 0 })
		return err
	})
	return idle
}

// runJob carries out job. It outlives stopping, the end of the worker, until cutoff ends.
func (s *Service) runJob(stopping, cutoff context.Context, job stagebot.Job) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(stopping))
	defer cancel()
	defer context.AfterFunc(cutoff, cancel)()
	if job.FirstTry.IsZero() {
		// Record that the job started before touching snakefruit: if the request is
		// cancelled after a crash mid-job, this says cleanup is needed.
		job.FirstTry = s.now()
		err := s.update(func(tx *storage.Tx) error {
			if _, ok, err := s.current(tx, job); err != nil || !ok {
				return cmp.Or(err, errStale)
			}
			return tx.PutJob(job)
		})
		if err != nil {
			s.retire(job, err)
			return
		}
	}
	var err error
	switch job.Kind {
	case stagebot.JobLock:
		err = s.runLock(ctx, job)
	case stagebot.JobUnlock:
		err = s.runUnlock(ctx, job)
	case stagebot.JobPublish:
		err = s.runPublish(ctx, job)
	default:
		err = permanent(fmt.Errorf("unknown job kind %q", job.Kind))
	}
	switch {
	case err == nil || ctx.Err() != nil:
	case errors.Is(err, errStale):
		s.retire(job, err)
	default:
		s.jobFailed(job, err)
	}
	if !job.PendingOnly && ctx.Err() == nil {
		s.refreshDifferences(ctx)
	}
}

// retire handles a job found stale: it records nothing of its outcome, only takes it off
// the queue if it is somehow still there, with the cleanup a lock that ran needs.
func (s *Service) retire(job stagebot.Job, why error) {
	s.log.Info("job no longer wanted", "job", job.Seq, "kind", job.Kind, "request", stagebot.ShortID(job.RequestID), "why", why)
	if !errors.Is(why, errStale) {
		return
	}
	err := s.update(func(tx *storage.Tx) error {
		stored, found, err := tx.Job(job.Seq)
		if err != nil || !found {
			return err
		}
		job = stored // with what the lock noted on the way
		if err := tx.DeleteJob(job.Seq); err != nil {
			return err
		}
		r, err := tx.Request(job.RequestID)
		if err != nil || job.Kind != stagebot.JobLock {
			return nil
		}
		return s.queueCleanup(tx, r, job)
	})
	if err != nil {
		s.log.Error("retire job", "job", job.Seq, "err", err)
	}
}

type permanentError struct{ error }

func (p permanentError) Unwrap() error { return p.error }

func permanent(err error) error { return permanentError{err} }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p) || snakefruit.IsPermanent(err)
}

// retryingAfter is the failure in a row at which the channel is told a job keeps failing.
const retryingAfter = 3

// backoff is the wait after a job's attempt-th failure: doubling from Retry.Initial up to
// Retry.Max, drawn from the upper half of the step (from cfg.Rand when set).
func (s *Service) backoff(attempt int) time.Duration {
	return backoff.Policy{Min: s.cfg.Retry.Initial, Max: s.cfg.Retry.Max, Jitter: true, Rand: s.cfg.Rand}.Delay(attempt)
}

// jobFailed records a failed attempt of a job that is still current: a retry with
// backoff, or for a lock that failed permanently or for too long, the failed state (with a
// cleanup of what the attempts left). A job overtaken meanwhile records nothing: its
// request has moved on, and whoever moved it queued the cleanup.
func (s *Service) jobFailed(job stagebot.Job, cause error) {
	s.log.Warn("job failed", "job", job.Seq, "kind", job.Kind, "request", stagebot.ShortID(job.RequestID), "attempt", job.Attempt+1, "err", cause)
	why := describe(cause)
	err := s.update(func(tx *storage.Tx) error {
		r, ok, err := s.current(tx, job)
		if err != nil || !ok {
			return err
		}
		// The job as stored: a claim may have noted things since the worker read it.
		if stored, found, err := tx.Job(job.Seq); err != nil {
			return err
		} else if found {
			job.Done, job.ReplacesID, job.ListSeen, job.PersonsLine = stored.Done, stored.ReplacesID, stored.ListSeen, stored.PersonsLine
		}
		job.Attempt++
		job.LastError = why
		giveUp := isPermanent(cause) || s.now().Sub(job.FirstTry) >= s.cfg.Retry.GiveUp
		if job.Kind == stagebot.JobLock && giveUp {
			if err := tx.DeleteJob(job.Seq); err != nil {
				return err
			}
			r.LastError, r.Attempt, r.NextTry = why, job.Attempt, zeroTime
			if err := s.move(tx, r, stagebot.StateFailed, stagebot.Event{Actor: "worker", Why: stagebot.WhyGaveUp, Cause: why, Attempts: job.Attempt}); err != nil {
				return err
			}
			return s.queueCleanup(tx, r, job)
		}
		// Unlocks and flushes keep trying: giving up would leave a line on snakefruit that
		// nobody owns. A permanent cause is announced once so a person can step in.
		job.NotBefore = s.now().Add(s.backoff(job.Attempt))
		if isPermanent(cause) {
			job.NotBefore = s.now().Add(s.cfg.Retry.Max)
		}
		if err := tx.PutJob(job); err != nil {
			return err
		}
		// The channel hears of it once: at the third failure in a row, or at once for a
		// cause a person must fix (and again if that cause changes).
		announce := job.Attempt == retryingAfter || (isPermanent(cause) && r.LastError != why)
		r.LastError, r.Attempt, r.NextTry = why, job.Attempt, job.NotBefore
		if err := s.note(tx, r, "worker", "retry", fmt.Sprintf("%s attempt %d failed: %s", job.Kind, job.Attempt, why)); err != nil {
			return err
		}
		if announce {
			return s.aside(tx, r, stagebot.Event{Kind: stagebot.EventRetrying, Actor: "worker", Cause: why,
				Attempts: job.Attempt, Job: job.Kind, Next: job.NotBefore})
		}
		return nil
	})
	if err != nil {
		s.log.Error("record job failure", "job", job.Seq, "err", err)
	}
}

// finish records a job's outcome in one transaction, if the job is still current: the job
// leaves the queue and fn updates its request, so a crash before the commit simply runs
// the job again. A stale job gets errStale and records nothing.
func (s *Service) finish(job stagebot.Job, fn func(tx *storage.Tx, r *stagebot.Request) error) error {
	return s.update(func(tx *storage.Tx) error {
		r, ok, err := s.current(tx, job)
		if err != nil {
			return err
		}
		if !ok {
			return errStale
		}
		if err := tx.DeleteJob(job.Seq); err != nil {
			return err
		}
		return fn(tx, r)
	})
}
