package workflow

import (
	"context"
	"fmt"
	"slices"

	"stagebot"
	"stagebot/click"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// lockPlan is what a lock job decided from bbolt before touching snakefruit.
type lockPlan struct {
	r          *stagebot.Request
	replaces   string // the filename of the locked older version, "" for a new package
	supersedor *stagebot.Request
}

func (s *Service) planLock(tx *storage.Tx, id string) (*lockPlan, error) {
	r, err := tx.Request(id)
	if err != nil {
		return nil, err
	}
	plan := &lockPlan{r: r}
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID == r.ID || !o.State.OnSnakefruit() {
			continue
		}
		c, err := click.CompareVersions(r.Version, o.Version)
		if err != nil {
			return nil, permanent(err)
		}
		if c <= 0 {
			plan.supersedor = o
			return plan, nil
		}
		plan.replaces = o.Filename
	}
	return plan, nil
}

func (s *Service) runLock(ctx context.Context, job stagebot.Job) error {
	var plan *lockPlan
	err := s.view(func(tx *storage.Tx) error {
		var err error
		plan, err = s.planLock(tx, job.RequestID)
		return err
	})
	if err != nil {
		return err
	}
	r := plan.r
	if r.State != stagebot.StateApproved {
		// Rejected, cancelled or superseded while queued: the job has nothing to do.
		return s.update(func(tx *storage.Tx) error { return tx.DeleteJob(job.Seq) })
	}
	if plan.supersedor != nil {
		return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
			if r.State != stagebot.StateApproved {
				return nil
			}
			o := plan.supersedor
			return s.move(tx, r, stagebot.StateSuperseded, "worker", fmt.Sprintf("%s [%s] is already locked and not older", o.Filename, o.ShortID()))
		})
	}
	spec := snakefruit.LockSpec{Filename: r.Filename, Src: r.LocalPath, Size: r.Size, SHA256: r.SHA256, Replaces: plan.replaces}
	if err := snakefruit.Lock(ctx, s.cfg.Target, spec); err != nil {
		return err
	}
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		if err := s.supersedeOlder(tx, r, plan.replaces); err != nil {
			return err
		}
		if r.State != stagebot.StateApproved {
			// Cancelled or withdrawn while the copy ran: take it back off.
			_, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobUnlock, RequestID: r.ID, Created: s.now(), Quiet: true})
			return err
		}
		r.Replaces, r.LastError, r.Attempt, r.NextTry = plan.replaces, "", 0, zeroTime
		note := "on snakefruit and in the list"
		if plan.replaces != "" {
			note = "replaces " + plan.replaces + " in the list"
		}
		return s.move(tx, r, stagebot.StateLocked, "worker", note)
	})
}

// supersedeOlder ends every other live request of the same name and arch with an older
// version, now that r's version is locked.
func (s *Service) supersedeOlder(tx *storage.Tx, r *stagebot.Request, replaced string) error {
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == r.ID || o.State.Final() {
			continue
		}
		c, err := click.CompareVersions(o.Version, r.Version)
		if err != nil || c >= 0 {
			continue
		}
		wasOn := o.State.OnSnakefruit()
		if err := s.dropJobsQuiet(tx, o); err != nil {
			return err
		}
		note := fmt.Sprintf("by %s [%s]", r.Filename, r.ShortID())
		if wasOn && o.Filename == replaced {
			note += ", which took its place in the list"
		}
		if err := s.move(tx, o, stagebot.StateSuperseded, "worker", note); err != nil {
			return err
		}
		if wasOn && o.Filename != replaced {
			// Two older versions were on snakefruit (a person's edit, or an old crash):
			// the one not replaced in place still needs its line dropped.
			if _, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobUnlock, RequestID: o.ID, Created: s.now(), Quiet: true}); err != nil {
				return err
			}
		} else {
			s.removeLocalCopy(o)
		}
	}
	return nil
}

// dropJobsQuiet removes every queued job of a superseded request; its snakefruit presence
// is handled by the caller.
func (s *Service) dropJobsQuiet(tx *storage.Tx, r *stagebot.Request) error {
	jobs, err := tx.Jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.RequestID == r.ID {
			if err := tx.DeleteJob(j.Seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// ownedElsewhere reports whether another live request holds the same filename on
// snakefruit, in which case the line and file are not ours to remove.
func ownedElsewhere(tx *storage.Tx, r *stagebot.Request) (bool, error) {
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(others, func(o *stagebot.Request) bool {
		return o.ID != r.ID && o.Filename == r.Filename && (o.State.OnSnakefruit() || o.State == stagebot.StateApproved)
	}), nil
}

func (s *Service) runUnlock(ctx context.Context, job stagebot.Job) error {
	var r *stagebot.Request
	var shared bool
	err := s.view(func(tx *storage.Tx) error {
		var err error
		if r, err = tx.Request(job.RequestID); err != nil {
			return err
		}
		shared, err = ownedElsewhere(tx, r)
		return err
	})
	if err != nil {
		return err
	}
	if !shared {
		if err := snakefruit.Unlock(ctx, s.cfg.Target, r.Filename); err != nil {
			return err
		}
	}
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		if r.State.Final() {
			s.removeLocalCopy(r)
		}
		r.LastError, r.Attempt, r.NextTry = "", 0, zeroTime
		if err := s.note(tx, r, "worker", "unlock", "taken off the list"); err != nil {
			return err
		}
		if job.Quiet {
			return nil
		}
		_, err := tx.Announce(stagebot.Announcement{At: s.now(), RequestID: r.ID, Word: string(r.State),
			Text: line(r, string(r.State), "taken off the list and out of locked-clicks")})
		return err
	})
}
