package workflow

import (
	"cmp"
	"context"
	"errors"
	"slices"

	"stagebot"
	"stagebot/click"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// errStale stops a job that no longer serves its request: somebody dropped it (a cancel, a
// withdrawal, a rejection, a supersession) or the request moved on since it was queued.
// Whoever dropped it queued the cleanup of what it may have left, so the job records
// nothing.
var errStale = errors.New("job overtaken: the request no longer wants it")

// stepClaimed marks a lock that passed its claim: from then on it may edit the list.
const stepClaimed = "claimed"

// current reads the request job serves and reports whether the job still serves it: the
// job is still queued (nobody dropped it) and, for locks and publications, the request has
// not moved since the job was queued. Unlocks are cleanups: they stay current while queued.
func (s *Service) current(tx *storage.Tx, job stagebot.Job) (*stagebot.Request, bool, error) {
	if !tx.HasJob(job.Seq) {
		return nil, false, nil
	}
	r, err := tx.Request(job.RequestID)
	if stagebot.ErrorCode(err) == stagebot.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return r, job.Kind == stagebot.JobUnlock || r.Gen == job.Gen, nil
}

// enqueue queues a job for r at its current generation. What r's lock found on the list
// is known from here on (Request.PersonsLine).
func (s *Service) enqueue(tx *storage.Tx, kind stagebot.JobKind, r *stagebot.Request, quiet bool) error {
	_, err := tx.EnqueueJob(stagebot.Job{Kind: kind, RequestID: r.ID, Created: s.now(), Gen: r.Gen, Quiet: quiet,
		ListSeen: kind == stagebot.JobUnlock, PersonsLine: r.PersonsLine})
	return err
}

// endJobs takes r's lock and publish jobs off the queue because its state no longer wants
// them. A lock that may have touched snakefruit (it saw the list, which it records before
// anything else it does there) leaves a quiet cleanup unlock
// behind, carrying what the lock noted before it edited the list (the older line it
// replaces in place, a person's line), so that whatever it left is taken back and the
// older version's line restored. Unlocks stay: they are cleanups already, and the worker
// runs a package's jobs in order, so a cleanup always runs before a later lock.
func (s *Service) endJobs(tx *storage.Tx, r *stagebot.Request) error {
	jobs, err := tx.Jobs()
	if err != nil {
		return err
	}
	for _, j := range jobs {
		if j.RequestID != r.ID || j.Kind == stagebot.JobUnlock {
			continue
		}
		if err := tx.DeleteJob(j.Seq); err != nil {
			return err
		}
		if j.Kind == stagebot.JobLock && j.ListSeen {
			if err := s.queueCleanup(tx, r, j); err != nil {
				return err
			}
		}
	}
	return nil
}

// queueCleanup queues the quiet unlock that takes back what lock job j may have left; a
// lock that never saw the list touched nothing and needs none.
func (s *Service) queueCleanup(tx *storage.Tx, r *stagebot.Request, j stagebot.Job) error {
	if !j.ListSeen {
		return nil
	}
	_, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobUnlock, RequestID: r.ID, Created: s.now(), Gen: r.Gen,
		Quiet: true, ReplacesID: j.ReplacesID, ListSeen: j.ListSeen, PersonsLine: j.PersonsLine})
	return err
}

// lockPlan is what a lock job decided from bbolt before touching snakefruit.
type lockPlan struct {
	r          *stagebot.Request
	replaces   *stagebot.Request // the locked older version whose line this one takes, or nil
	supersedor *stagebot.Request
}

func (s *Service) planLock(tx *storage.Tx, job stagebot.Job) (*lockPlan, error) {
	r, ok, err := s.current(tx, job)
	if err != nil {
		return nil, err
	}
	if !ok || r.State != stagebot.StateApproved {
		return nil, errStale
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
		if !o.PersonsLine && o.Filename != r.Filename {
			// Only a line the bot wrote is replaced in place; a person's stays.
			plan.replaces = o
		}
	}
	return plan, nil
}

func (s *Service) runLock(ctx context.Context, job stagebot.Job) error {
	var plan *lockPlan
	err := s.view(func(tx *storage.Tx) error {
		var err error
		plan, err = s.planLock(tx, job)
		return err
	})
	if err != nil {
		return err
	}
	r := plan.r
	if plan.supersedor != nil {
		return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
			o := plan.supersedor
			r.SupersededBy = o.ID
			return s.move(tx, r, stagebot.StateSuperseded, stagebot.Event{Actor: "worker", Why: stagebot.WhyNotNewer, Other: o.Ref()})
		})
	}
	sha512sum, err := s.lockSHA512(ctx, r)
	if err != nil {
		return err
	}
	if !job.ListSeen {
		// What the list holds before this lock touches anything: a line already naming the
		// file is a person's, and stays theirs.
		lines, err := s.cfg.Target.ReadList(ctx)
		if err != nil {
			return err
		}
		err = s.update(func(tx *storage.Tx) error {
			if _, ok, err := s.current(tx, job); err != nil || !ok {
				return cmp.Or(err, errStale)
			}
			// A line the bot wrote (for another request of the same click, whose cleanup
			// may still be queued) is not a person's.
			job.ListSeen = true
			job.PersonsLine = slices.Contains(lines, r.Filename) && tx.LineOwner(r.Filename) == ""
			return tx.PutJob(job)
		})
		if err != nil {
			return err
		}
	}
	// Whose the file is: one already there is a person's unless the bot recorded it as its
	// own, and the lock may use it if it is the click but never replaces it. A file of
	// another request of the same click (whose cleanup may be queued) becomes this one's;
	// a file the lock places itself is recorded as the bot's right before it is renamed
	// into place (Placing, below), so that a crash after placing it leaves a file the
	// cleanup of this lock removes.
	err = s.update(func(tx *storage.Tx) error {
		if _, ok, err := s.current(tx, job); err != nil || !ok {
			return cmp.Or(err, errStale)
		}
		if owner := tx.FileOwner(r.Filename); owner != "" && owner != r.ID {
			return tx.OwnFile(r.Filename, r.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	replaces := ""
	if plan.replaces != nil {
		replaces = plan.replaces.Filename
	}
	// A pre-upload still under way here made no progress for too long (nextJob keeps the
	// lock back while it does): it is stopped, and the bot's own copy uploaded. It removes
	// its file as it stops, and the record of this lock queues that removal too.
	abandoned := s.pre.get(r.ID) != nil
	if abandoned {
		s.pre.stopFor(r.ID)
		s.log.Warn("pre-upload stalled; uploading the bot's copy instead", "id", r.ShortID())
	}
	if err := s.view(func(tx *storage.Tx) error {
		cur, err := tx.Request(r.ID)
		if err == nil {
			r.Preupload = cur.Preupload
		}
		return err
	}); err != nil {
		return err
	}
	spec := snakefruit.LockSpec{Filename: r.Filename, Src: r.LocalPath, Size: r.Size, SHA256: r.SHA256,
		Replaces: replaces, KeepReplaced: true}
	// The look above may be stale by the time the click goes in: a person may have taken
	// their file away since. The file the lock itself places is the bot's, recorded before
	// it is renamed into place.
	spec.Placing = func(ctx context.Context) error {
		return s.update(func(tx *storage.Tx) error {
			if tx.FileOwner(r.Filename) == r.ID {
				return nil
			}
			return tx.OwnFile(r.Filename, r.ID)
		})
	}
	if !abandoned {
		spec.Pending = pendingSpec(r)
	}
	changed := false
	spec.Changed = func(err error) {
		changed = true
		s.log.Warn("pre-upload changed behind the bot's back; uploading the bot's copy", "id", r.ShortID(), "err", err)
	}
	// The claim is the last point where a person's cancel or withdrawal stops the lock
	// before anyone can see it: checked and noted in one transaction, right before the
	// list edit.
	ownedBefore := false
	claim := func(tx *storage.Tx) error {
		r, ok, err := s.current(tx, job)
		if err != nil {
			return err
		}
		if !ok || r.State != stagebot.StateApproved {
			return errStale
		}
		if _, found, err := tx.Job(job.Seq); err != nil || !found {
			return cmp.Or(err, errStale)
		}
		return nil
	}
	spec.Claim = func(ctx context.Context) error {
		return s.update(func(tx *storage.Tx) error {
			if err := claim(tx); err != nil {
				return err
			}
			if !slices.Contains(job.Done, stepClaimed) {
				job.Done = append(job.Done, stepClaimed)
			}
			if plan.replaces != nil {
				job.ReplacesID = plan.replaces.ID
			}
			// A line this lock recorded in an earlier try, which may have renamed it in.
			ownedBefore = tx.LineOwner(r.Filename) == r.ID
			return tx.PutJob(job)
		})
	}
	// Whose the line is follows what the edit itself sees, recorded before the list is
	// written (a crash after the rename leaves a line known as ours): a line the list
	// already names is a person's unless the bot recorded writing it in an earlier try
	// (or for another request of the same file). The first look is not enough: a person
	// may take their line off in between, and the line this edit adds is then the bot's.
	spec.Listed = func(ctx context.Context, already bool) (own bool, err error) {
		err = s.update(func(tx *storage.Tx) error {
			if err := claim(tx); err != nil {
				return err
			}
			owner := tx.LineOwner(r.Filename)
			// This lock's own record from an earlier pass of this same edit renamed nothing.
			job.PersonsLine = already && (owner == "" || owner == r.ID && !ownedBefore)
			switch {
			case !job.PersonsLine && owner != r.ID:
				if err := tx.OwnLine(r.Filename, r.ID); err != nil {
					return err
				}
			case job.PersonsLine && owner == r.ID:
				if err := tx.DisownLine(r.Filename); err != nil {
					return err
				}
			}
			return tx.PutJob(job)
		})
		return err == nil && !job.PersonsLine, err
	}
	if err := snakefruit.Lock(ctx, s.cfg.Target, spec); err != nil {
		return s.ownOccupant(ctx, r, err)
	}
	renamed := spec.Pending != nil && !changed
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		if r.State != stagebot.StateApproved {
			return errStale
		}
		if renamed {
			// It is the click in place now. Any other pre-upload's file (never checked,
			// changed, stalled) has its removal queued as the request moves to locked,
			// retried until it is gone.
			r.Preupload = nil
		}
		r.Replaces, r.PersonsLine, r.LastError, r.Attempt, r.NextTry = replaces, job.PersonsLine, "", 0, zeroTime
		if r.SHA512 == "" {
			r.SHA512 = sha512sum
		}
		ev := stagebot.Event{Actor: "worker", Why: stagebot.WhyLocked, Placed: stagebot.PlacedNew, Replaces: replaces}
		switch {
		case job.PersonsLine:
			ev.Placed = stagebot.PlacedPersonsLine
		case replaces != "":
			ev.Placed = stagebot.PlacedReplacing
		}
		if err := s.supersedeOlder(tx, r, replaces); err != nil {
			return err
		}
		return s.move(tx, r, stagebot.StateLocked, ev)
	})
}

// ownOccupant looks at a lock's failure to place r's click because other bytes hold its
// name. Bytes the bot recorded as its own there (Placing) are its own doing: a pre-upload
// changed behind its back and renamed into place just before a crash, which would have
// let the check after the rename remove it. They go, and the lock is tried again. Any
// other occupant is a person's file, and the failure stands.
func (s *Service) ownOccupant(ctx context.Context, r *stagebot.Request, err error) error {
	occ := (*snakefruit.OccupiedError)(nil)
	if !errors.As(err, &occ) || occ.Name != r.Filename {
		return err
	}
	mine := false
	if verr := s.view(func(tx *storage.Tx) error { mine = tx.FileOwner(r.Filename) == r.ID; return nil }); verr != nil || !mine {
		return err
	}
	s.log.Warn("the click's name holds other bytes the bot put there; removing them to place the click again",
		"id", r.ShortID(), "file", r.Filename, "err", err)
	if rerr := s.cfg.Target.Remove(ctx, r.Filename); rerr != nil {
		return rerr
	}
	return errOccupantRemoved
}

// errOccupantRemoved fails the try whose click found its own stray bytes in its place: the
// next try places the click.
var errOccupantRemoved = errors.New("other bytes the bot had put under the click's name were removed; the click is placed again")

// supersedeOlder ends every other live request of the same name and arch with an older
// version, now that r's version is recorded locked. Each one that was on snakefruit gets
// an unlock: its line, unless r took its place, and its file go.
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
		if err := s.endJobs(tx, o); err != nil {
			return err
		}
		ev := stagebot.Event{Actor: "worker", Why: stagebot.WhyOvertaken, Other: r.Ref()}
		if wasOn && o.Filename == replaced {
			ev.Placed = stagebot.PlacedReplacing
		}
		o.SupersededBy = r.ID
		if err := s.move(tx, o, stagebot.StateSuperseded, ev); err != nil {
			return err
		}
		if wasOn {
			if err := s.enqueue(tx, stagebot.JobUnlock, o, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// sharer is another request that holds the same filename on snakefruit, whose line and file
// r's unlock must leave, or nil.
func sharer(tx *storage.Tx, r *stagebot.Request) (*stagebot.Request, error) {
	others, err := tx.PackageRequests(r.Name, r.Arch, 0)
	if err != nil {
		return nil, err
	}
	for _, o := range others {
		if o.ID != r.ID && o.Filename == r.Filename && o.State.OnSnakefruit() {
			return o, nil
		}
	}
	return nil, nil
}

// removal is what taking r off snakefruit does, decided from bbolt: the unlock that does it
// and the cancel that announces it say the same.
type removal struct {
	line bool // its line goes: the bot wrote it
	file bool // its file goes: the bot placed it
	// unlisted: the bot placed the file under a person's line, so it goes only if no line
	// names it when the unlock runs (the person may have taken theirs off since).
	unlisted bool
	kind     stagebot.Removal
	other    *stagebot.Request // RemovalShared: the request holding the same file
}

// planRemoval decides r's removal; personsLine is what the lock found on the list.
func planRemoval(tx *storage.Tx, r *stagebot.Request, personsLine bool) (removal, error) {
	o, err := sharer(tx, r)
	switch {
	case err != nil:
		return removal{}, err
	case o != nil:
		return removal{kind: stagebot.RemovalShared, other: o}, nil
	case (personsLine || r.PersonsLine) && tx.FileOwner(r.Filename) == r.ID:
		return removal{unlisted: true, kind: stagebot.RemovalPersons}, nil
	case personsLine || r.PersonsLine:
		return removal{kind: stagebot.RemovalPersons}, nil
	case tx.FileOwner(r.Filename) != r.ID:
		return removal{line: true, kind: stagebot.RemovalLineOnly}, nil
	}
	return removal{line: true, file: true, kind: stagebot.RemovalFull}, nil
}

// unlockPlan is what an unlock decided from bbolt before touching snakefruit.
type unlockPlan struct {
	r       *stagebot.Request
	removal removal
	restore *stagebot.Request // the older locked version whose line goes back in place
}

func (s *Service) planUnlock(tx *storage.Tx, job stagebot.Job) (*unlockPlan, error) {
	r, ok, err := s.current(tx, job)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, errStale
	}
	p := &unlockPlan{r: r}
	// A request that wants its click on snakefruit is never unlocked (a cleanup cannot
	// overtake a later lock: the worker runs a package's jobs in order; this is the belt
	// to those braces).
	p.removal = removal{kind: stagebot.RemovalShared, other: r}
	if !r.State.OnSnakefruit() {
		if p.removal, err = planRemoval(tx, r, job.PersonsLine); err != nil {
			return nil, err
		}
	}
	if job.ReplacesID != "" {
		o, err := tx.Request(job.ReplacesID)
		if err != nil && stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
			return nil, err
		}
		if o != nil && o.State.OnSnakefruit() && o.Filename != r.Filename {
			p.restore = o
		}
	}
	return p, nil
}

func (s *Service) runUnlock(ctx context.Context, job stagebot.Job) error {
	var p *unlockPlan
	err := s.view(func(tx *storage.Tx) error {
		var err error
		p, err = s.planUnlock(tx, job)
		return err
	})
	if err != nil {
		return err
	}
	r := p.r
	// The removal queued when the request's pre-upload was dropped always removes it
	// (the request may be pending again since, without a record of it). A cleanup removes
	// it unless the request still waits for its lock (a withdrawal or a hold put it back
	// to pending) and keeps its record: then its lock judges it.
	if job.PendingOnly || r.Preupload == nil || !waiting(r) {
		err := s.cfg.Target.RemovePending(ctx, r.ID)
		if errors.Is(err, snakefruit.ErrPendingBusy) && !job.PendingOnly {
			// Its pre-upload, stopped, removes the file itself, and the removal queued
			// when it was stopped makes sure.
			err = nil
		}
		if err != nil {
			return err
		}
	}
	if job.PendingOnly {
		return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error { return nil })
	}
	if p.restore != nil {
		// An overtaken lock replaced the older version's line: it goes back where the
		// newer one's is (its file was kept for this). No newer line means a person
		// edited the list since, and a line a person removed is never re-added.
		personsLine := job.PersonsLine || r.PersonsLine
		err := s.cfg.Target.EditList(ctx, func(lines []string) ([]string, error) {
			if slices.Contains(lines, p.restore.Filename) || !slices.Contains(lines, r.Filename) {
				return lines, nil
			}
			if personsLine {
				return append(lines, p.restore.Filename), nil
			}
			return snakefruit.ReplaceOrAppend(lines, p.restore.Filename, r.Filename), nil
		})
		if err != nil {
			return err
		}
	}
	m := p.removal
	switch {
	case m.unlisted:
		lines, err := s.cfg.Target.ReadList(ctx)
		if err != nil {
			return err
		}
		if !slices.Contains(lines, r.Filename) {
			if err := s.cfg.Target.Remove(ctx, r.Filename); err != nil {
				return err
			}
			m.file, m.kind = true, stagebot.RemovalUnlisted
		}
	case !m.line:
	case !job.ListSeen:
		// An unlock queued before jobs recorded what the list held (an upgrade from an
		// older stagebot): it cannot tell a person's line from its own, so it leaves the
		// list alone, and a file the list names with it.
		lines, err := s.cfg.Target.ReadList(ctx)
		if err != nil {
			return err
		}
		m.line, m.kind = false, stagebot.RemovalLeftAlone
		if m.file = m.file && !slices.Contains(lines, r.Filename); m.file {
			if err := s.cfg.Target.Remove(ctx, r.Filename); err != nil {
				return err
			}
		}
	case m.file:
		if err := snakefruit.Unlock(ctx, s.cfg.Target, r.Filename); err != nil {
			return err
		}
	default:
		if err := snakefruit.Unlist(ctx, s.cfg.Target, r.Filename); err != nil {
			return err
		}
	}
	return s.finish(job, func(tx *storage.Tx, r *stagebot.Request) error {
		if m.line {
			if err := tx.DisownLine(r.Filename); err != nil {
				return err
			}
		}
		if m.file {
			if err := tx.DisownFile(r.Filename); err != nil {
				return err
			}
		}
		r.LastError, r.Attempt, r.NextTry = "", 0, zeroTime
		ev := stagebot.Event{Kind: stagebot.EventTakenOff, Actor: "worker", Removal: m.kind, Other: m.other.Ref()}
		if err := s.note(tx, r, "worker", "unlock", s.notes(ev)); err != nil {
			return err
		}
		if job.Quiet {
			return nil
		}
		return s.aside(tx, r, ev)
	})
}
