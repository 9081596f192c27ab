package workflow

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// A pre-upload copies a click to snakefruit under a hidden name (snakefruit.PendingName)
// while its download is still arriving and its request waits, so that approval only has to
// rename it into place (issue 15). It is an optimisation with a strict rule: only a copy
// that landed whole, with the request's size and sha256, is recorded (Request.Preupload),
// and the lock renames it only while it is still that file; anything else is removed and
// the lock uploads the bot's own copy, as without a pre-upload.
//
// Who removes a pending file: the pre-upload itself when its request was never recorded or
// has ended by the time it lands; an unlock job (queued by endJobs, so it survives a
// crash) once a request with a recorded pre-upload ends; the lock, of one it could not
// use; and, for a crash in between, the sweep at the worker's start (sweepPending).

// preuploadLinger bounds the removal of a pending file once its request is known to end,
// even while shutting down.
const preuploadLinger = 30 * time.Second

// preupload is one pre-upload under way.
type preupload struct {
	id      string
	ctx     context.Context // ends with the service, or when its stage is refused
	cancel  context.CancelFunc
	settled chan *stagebot.Request // Stage's outcome: the recorded request, or nil
	done    chan struct{}          // closed once the pre-upload is recorded or removed
	then    []func()               // spawned once done is closed (preuploads.after); under mu
}

// preuploads are the pre-uploads under way, by request ID.
type preuploads struct {
	// spawn runs a pre-upload (go fn() by default) and wait waits for one to end, or for
	// ctx to; the simulation runs them itself, at steps of its choosing, so that a seed
	// replays exactly.
	spawn  func(id string, fn func())
	wait   func(ctx context.Context, id string, done <-chan struct{}) error
	mu     sync.Mutex
	byID   map[string]*preupload
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

func (p *preuploads) init() {
	p.byID = map[string]*preupload{}
	p.spawn = func(_ string, fn func()) { go fn() }
	p.wait = func(ctx context.Context, _ string, done <-chan struct{}) error {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
}

func (p *preuploads) get(id string) *preupload {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.byID[id]
}

// after has fn spawned once id's pre-upload under way ends, and says false (fn not taken)
// when none is under way.
func (p *preuploads) after(id string, fn func()) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	pu := p.byID[id]
	if pu == nil {
		return false
	}
	pu.then = append(pu.then, fn)
	return true
}

// stop cancels the pre-uploads under way and waits for them: their pending files stay for
// the next start to judge.
func (p *preuploads) stop() {
	p.cancel()
	p.wg.Wait()
}

// follow returns the intake hook that starts id's pre-upload, and settle, which Stage
// must call with the request it recorded (or nil) once it knows. Settling a refused stage
// stops its pre-upload and waits until its file is gone: a refusal changes nothing, on
// snakefruit either, by the time it is told.
func (s *Service) follow(id string) (hook func(*intake.Growing), settle func(*stagebot.Request)) {
	var pu *preupload
	hook = func(g *intake.Growing) {
		pu = &preupload{id: id, settled: make(chan *stagebot.Request, 1), done: make(chan struct{})}
		pu.ctx, pu.cancel = context.WithCancel(s.pre.ctx)
		s.pre.mu.Lock()
		s.pre.byID[id] = pu
		s.pre.mu.Unlock()
		s.pre.wg.Add(1)
		s.pre.spawn(id, func() { s.runPreupload(pu, g) })
	}
	settle = func(r *stagebot.Request) {
		if pu == nil {
			return
		}
		pu.settled <- r
		if r == nil {
			pu.cancel()
			_ = s.pre.wait(context.Background(), pu.id, pu.done)
		}
	}
	return hook, settle
}

func (s *Service) runPreupload(pu *preupload, g *intake.Growing) {
	defer s.pre.wg.Done()
	defer func() {
		s.pre.mu.Lock()
		delete(s.pre.byID, pu.id)
		then := pu.then
		s.pre.mu.Unlock()
		close(pu.done)
		for _, fn := range then {
			s.pre.spawn(pu.id, fn)
		}
	}()
	defer pu.cancel()
	landed, err := s.cfg.Target.Preupload(pu.ctx, pu.id, g)
	g.Close()
	var r *stagebot.Request
	select {
	case r = <-pu.settled:
	case <-s.pre.ctx.Done():
		return
	}
	if r == nil {
		// Stage recorded no request (a refused click): nothing else knows of the file.
		s.removeOrphan(pu.id)
		return
	}
	good := err == nil && landed.Size == r.Size && landed.SHA256 == r.SHA256
	// A failed pre-upload's file goes now; once it is surely gone, the request forgets it
	// was ever started, so that nothing queues its removal again (a host that refuses the
	// bot would have that removal retried forever).
	removed := !good && s.removeOrphan(pu.id) == nil
	kept := false
	uerr := s.update(func(tx *storage.Tx) error {
		cur, err := tx.Request(pu.id)
		if err != nil {
			return err
		}
		if cur.State != stagebot.StatePending && cur.State != stagebot.StateApproved {
			// It ended (or was locked) while this uploaded: the removal its end queued
			// may have run before the file landed, so another one goes in the queue.
			_, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobUnlock, RequestID: cur.ID, Created: s.now(),
				Gen: cur.Gen, Quiet: true, PendingOnly: true})
			return err
		}
		if removed && cur.Preupload != nil && !cur.Preupload.Checked() {
			cur.Preupload = nil
			return tx.PutRequest(cur)
		}
		if !good || cur.Preupload == nil {
			return nil
		}
		cur.Preupload = &stagebot.Preupload{Name: landed.Name, Size: landed.Size, SHA256: landed.SHA256, MTime: landed.MTime}
		kept = true
		return tx.PutRequest(cur)
	})
	switch {
	case uerr != nil:
		s.log.Warn("could not record a pre-upload", "id", stagebot.ShortID(pu.id), "err", uerr)
	case kept:
		s.log.Info("pre-uploaded", "id", stagebot.ShortID(pu.id), "bytes", landed.Size)
	case !good && s.pre.ctx.Err() == nil:
		// Unless removed, the request keeps its unchecked record: its lock, or its end,
		// removes the file.
		s.log.Warn("pre-upload failed; the click is copied at approval instead", "id", stagebot.ShortID(pu.id), "err", err)
	}
}

// removeOrphan removes a pending file nothing will use, as far as a short try goes; the
// sweep at the next start removes what this could not.
func (s *Service) removeOrphan(id string) error {
	if err := s.pre.ctx.Err(); err != nil {
		return err // shutting down: the next start's sweep judges the file
	}
	ctx, cancel := context.WithTimeout(context.Background(), preuploadLinger)
	defer cancel()
	err := s.cfg.Target.RemovePending(ctx, id)
	if err != nil {
		s.log.Warn("could not remove a pre-upload; the next start will", "id", stagebot.ShortID(id), "err", err)
	}
	return err
}

// awaitPreupload waits for id's pre-upload under way, if any, to be recorded or removed.
func (s *Service) awaitPreupload(ctx context.Context, id string) error {
	pu := s.pre.get(id)
	if pu == nil {
		return nil
	}
	return s.pre.wait(ctx, id, pu.done)
}

// sweepPending removes the pending files a crash left: those whose request is unknown or
// no longer pending or approved. A pending or approved request's file stays (its lock
// judges it), and so does one whose pre-upload is under way.
func (s *Service) sweepPending(ctx context.Context) error {
	if s.cfg.Target == nil {
		return nil
	}
	files, err := s.cfg.Target.Files(ctx)
	if err != nil {
		return err
	}
	var gone []string
	err = s.view(func(tx *storage.Tx) error {
		for _, f := range files {
			id, ok := snakefruit.PendingID(f.Name)
			if !ok || s.pre.get(id) != nil {
				continue
			}
			r, err := tx.Request(id)
			if err != nil && stagebot.ErrorCode(err) != stagebot.ENOTFOUND {
				return err
			}
			if r == nil || (r.State != stagebot.StatePending && r.State != stagebot.StateApproved) {
				gone = append(gone, id)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range gone {
		if err := s.cfg.Target.RemovePending(ctx, id); err != nil {
			return err
		}
		s.log.Info("removed a pre-upload whose request ended", "id", stagebot.ShortID(id))
	}
	return nil
}

// pendingSpec is r's recorded pre-upload as the lock uses it.
func pendingSpec(r *stagebot.Request) *snakefruit.Pending {
	if !r.Preupload.Checked() {
		return nil
	}
	p := r.Preupload
	return &snakefruit.Pending{Name: p.Name, Size: p.Size, SHA256: p.SHA256, MTime: p.MTime}
}

// dropPreupload forgets r's pre-upload as r moves to state to, inside the transaction that
// moves it: a locked request's was renamed into place (or removed by its lock), and any
// other end queues the unlock that removes it, so that the removal survives a crash.
// Pending and approved requests keep theirs.
func (s *Service) dropPreupload(tx *storage.Tx, r *stagebot.Request, to stagebot.State) error {
	if r.Preupload == nil || to == stagebot.StatePending || to == stagebot.StateApproved {
		return nil
	}
	r.Preupload = nil
	if to == stagebot.StateLocked {
		return nil
	}
	_, err := tx.EnqueueJob(stagebot.Job{Kind: stagebot.JobUnlock, RequestID: r.ID, Created: s.now(), Gen: r.Gen,
		Quiet: true, PendingOnly: true})
	return err
}

// digestLater computes r's sha512 (publish.command's {sha512}) from the bot's copy while the
// request waits: it costs more CPU than a fast download, so `!stage` leaves it out, and
// nothing needs it before publication, which computes it itself if this never ran. It also
// waits for r's pre-upload to end: an approval waits for that one, and on two cores a
// digest beside it made `!stage` to `locked` slower by the digest's CPU.
func (s *Service) digestLater(r *stagebot.Request) {
	s.pre.wg.Add(1)
	digest := func() {
		defer s.pre.wg.Done()
		sum, err := sha512File(s.pre.ctx, r.LocalPath)
		if err != nil {
			if s.pre.ctx.Err() == nil && !errors.Is(err, fs.ErrNotExist) {
				s.log.Warn("sha512 of the bot's copy", "id", r.ShortID(), "err", err)
			}
			return
		}
		err = s.update(func(tx *storage.Tx) error {
			cur, err := tx.Request(r.ID)
			if err != nil || cur.SHA512 != "" || cur.SHA256 != r.SHA256 {
				return err
			}
			cur.SHA512 = sum
			return tx.PutRequest(cur)
		})
		if err != nil {
			s.log.Warn("record sha512", "id", r.ShortID(), "err", err)
		}
	}
	if !s.pre.after(r.ID, digest) {
		s.pre.spawn(r.ID, digest)
	}
}

// sha512File hashes path, stopping early when ctx ends.
func sha512File(ctx context.Context, path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, ctxReader{ctx, f}); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
