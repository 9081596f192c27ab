package workflow

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"stagebot"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// RunWorker carries out queued jobs, one at a time and in order, until ctx ends. Jobs that
// were queued before a crash are simply still in the queue.
func (s *Service) RunWorker(ctx context.Context) error {
	if err := s.Reconcile(ctx); err != nil {
		s.log.Warn("could not reconcile with snakefruit", "err", err)
	}
	for {
		job, wait, err := s.nextJob()
		if err != nil {
			return err
		}
		if job == nil {
			timer := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				timer.Stop()
				return nil
			case <-s.wakeWorker:
			case <-timer.C:
			}
			timer.Stop()
			continue
		}
		s.runJob(ctx, *job)
		if ctx.Err() != nil {
			return nil
		}
	}
}

// idleWait bounds how long the worker sleeps with nothing due: a safety net, not the
// mechanism (every enqueue wakes it).
const idleWait = time.Minute

func (s *Service) nextJob() (*stagebot.Job, time.Duration, error) {
	var job *stagebot.Job
	wait := idleWait
	err := s.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		if err != nil {
			return err
		}
		now := s.now()
		for i := range jobs {
			if d := jobs[i].NotBefore.Sub(now); d > 0 {
				wait = min(wait, d)
				continue
			}
			job = &jobs[i]
			return nil
		}
		return nil
	})
	return job, wait, err
}

// Idle reports whether no job is queued (for draining at EOF).
func (s *Service) Idle() bool {
	idle := true
	_ = s.view(func(tx *storage.Tx) error {
		jobs, err := tx.Jobs()
		idle = err == nil && len(jobs) == 0
		return err
	})
	return idle
}

func (s *Service) runJob(stopping context.Context, job stagebot.Job) {
	// A shutdown lets the job under way finish (an upload half done is wasted work) for up
	// to StopGrace; past that it is cut off and simply runs again at the next start.
	ctx, cancel := context.WithCancel(context.WithoutCancel(stopping))
	defer cancel()
	defer context.AfterFunc(stopping, func() {
		t := time.NewTimer(s.cfg.StopGrace)
		defer t.Stop()
		select {
		case <-t.C:
			cancel()
		case <-ctx.Done(): // the job finished
		}
	})()
	if job.FirstTry.IsZero() {
		// Record that the job started before touching snakefruit: if the request is
		// cancelled after a crash mid-job, this says cleanup is needed.
		job.FirstTry = s.now()
		if err := s.update(func(tx *storage.Tx) error { return tx.PutJob(job) }); err != nil {
			s.log.Warn("job vanished before it started", "job", job.Seq, "err", err)
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
	if err == nil || ctx.Err() != nil {
		return
	}
	s.jobFailed(job, err)
}

type permanentError struct{ error }

func (p permanentError) Unwrap() error { return p.error }

func permanent(err error) error { return permanentError{err} }

func isPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p) || snakefruit.IsPermanent(err)
}

// backoff is exponential with full jitter in the upper half, capped.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.cfg.Retry.Initial
	for i := 1; i < attempt && d < s.cfg.Retry.Max; i++ {
		d *= 2
	}
	d = min(d, s.cfg.Retry.Max)
	return d/2 + rand.N(d/2+1)
}

// jobFailed records a failed attempt: a retry with backoff, or for a lock that failed
// permanently or for too long, the failed state.
func (s *Service) jobFailed(job stagebot.Job, cause error) {
	s.log.Warn("job failed", "job", job.Seq, "kind", job.Kind, "request", stagebot.ShortID(job.RequestID), "attempt", job.Attempt+1, "err", cause)
	err := s.update(func(tx *storage.Tx) error {
		r, err := tx.Request(job.RequestID)
		if err != nil {
			return tx.DeleteJob(job.Seq)
		}
		job.Attempt++
		job.LastError = cause.Error()
		giveUp := isPermanent(cause) || s.now().Sub(job.FirstTry) >= s.cfg.Retry.GiveUp
		if job.Kind == stagebot.JobLock && giveUp {
			if err := tx.DeleteJob(job.Seq); err != nil {
				return err
			}
			r.LastError, r.Attempt, r.NextTry = cause.Error(), job.Attempt, zeroTime
			return s.move(tx, r, stagebot.StateFailed, "worker", fmt.Sprintf("after %d attempt(s): %v; !retry %s queues it again", job.Attempt, cause, r.ShortID()))
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
		announce := isPermanent(cause) && r.LastError != cause.Error()
		r.LastError, r.Attempt, r.NextTry = cause.Error(), job.Attempt, job.NotBefore
		if err := s.note(tx, r, "worker", "retry", fmt.Sprintf("%s attempt %d failed: %v", job.Kind, job.Attempt, cause)); err != nil {
			return err
		}
		if announce {
			_, err := tx.Announce(stagebot.Announcement{At: s.now(), RequestID: r.ID, Word: "failed",
				Text: line(r, "failed", fmt.Sprintf("%s keeps failing: %v; still retrying", job.Kind, cause))})
			return err
		}
		return nil
	})
	if err != nil {
		s.log.Error("record job failure", "job", job.Seq, "err", err)
	}
}

// finish records a job's outcome in one transaction: the job leaves the queue and fn
// updates its request, so a crash before the commit simply runs the job again.
func (s *Service) finish(job stagebot.Job, fn func(tx *storage.Tx, r *stagebot.Request) error) error {
	return s.update(func(tx *storage.Tx) error {
		if err := tx.DeleteJob(job.Seq); err != nil {
			return err
		}
		r, err := tx.Request(job.RequestID)
		if err != nil {
			return err
		}
		return fn(tx, r)
	})
}
