package workflow

import (
	"cmp"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"stagebot"
	"stagebot/intake"
	"stagebot/internal/wake"
	"stagebot/snakefruit"
	"stagebot/storage"
)

// A pre-upload copies a click to snakefruit under a hidden name (snakefruit.PendingName)
// while its download is still arriving and its request waits, so that approval only has to
// rename it into place. It is an optimisation with a strict rule: only a copy that landed
// whole, with the request's size and sha256, is recorded (Request.Preupload), and the lock
// renames it only while it is still that file; anything else is removed and the lock
// uploads the bot's own copy, as without a pre-upload.
//
// Nothing waits for a pre-upload but its own request's lock, and that one only while it
// makes progress (nextJob defers the lock meanwhile, so the worker carries on with other
// packages). When its request ends, or its lock gives up on it, it is stopped at once: the
// transaction that ends the request (or records its lock) queues a removal job for the
// pending file (dropPreupload), and once it committed the pre-upload is cancelled (update,
// preuploads.stopFor). The pre-upload then removes its own file before it returns, within
// seconds; the queued removal, which the worker runs only once no pre-upload of its request
// is under way here, makes sure after a crash or a failed removal, retried until the file
// is gone. Snakefruit keeps the same rule below: a removal or a rename of a pending file
// stops its pre-upload rather than wait for it. The lock, finding a checked pre-upload
// changed, removes it; and for a crash before any of that, the sweep at the worker's start
// (sweepPending).

// preuploadLinger bounds the removal of a pending file once its request is known to end,
// even while shutting down.
const preuploadLinger = 30 * time.Second

// preuploadStall is how long a lock waits for its request's pre-upload after that last made
// progress (read a chunk of the click) before it stops it and uploads the bot's own copy. It
// spans a big click's check after its last byte (flush and read-back) on a slow link; a
// transport that bounds its operations ends a stalled one sooner by itself.
const preuploadStall = 2 * time.Minute

// preupload is one pre-upload under way.
type preupload struct {
	id      string
	ctx     context.Context // ends with the service, when its stage is refused or when stopped
	cancel  context.CancelFunc
	settled chan *stagebot.Request // Stage's outcome: the recorded request, or nil
	done    chan struct{}          // closed once the pre-upload is recorded or removed
	then    []func()               // spawned once done is closed (preuploads.after); under mu
	// progress is when it last read a chunk of the click (UnixNano, the service's clock).
	progress atomic.Int64
	// stopped: its request no longer wants it (ended, or its lock gave up on it); a copy
	// that lands all the same is not recorded.
	stopped atomic.Bool
}

// preuploads are the pre-uploads under way, by request ID.
type preuploads struct {
	// spawn runs a pre-upload (go fn() by default) and wait waits for one to end (for a
	// refused stage); the simulation runs them itself, at steps of its choosing, so that a
	// seed replays exactly.
	spawn  func(id string, fn func())
	wait   func(id string, done <-chan struct{})
	mu     sync.Mutex
	byID   map[string]*preupload
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
	// stall is preuploadStall unless a test shortens it.
	stall time.Duration
}

func (p *preuploads) init(stall time.Duration) {
	p.byID = map[string]*preupload{}
	p.spawn = func(_ string, fn func()) { go fn() }
	p.wait = func(_ string, done <-chan struct{}) { <-done }
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.stall = cmp.Or(stall, preuploadStall)
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

// stopFor stops id's pre-upload under way, if any, without waiting for it: its request no
// longer wants it. It removes its file as it stops.
func (p *preuploads) stopFor(id string) {
	if pu := p.get(id); pu != nil {
		pu.stopped.Store(true)
		pu.cancel()
	}
}

// patience is how much longer a lock of id waits for id's pre-upload under way at now: 0
// when none is under way, or when it made no progress for stall.
func (p *preuploads) patience(id string, now time.Time) time.Duration {
	pu := p.get(id)
	if pu == nil || pu.stopped.Load() {
		return 0
	}
	return max(time.Unix(0, pu.progress.Load()).Add(p.stall).Sub(now), 0)
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
		pu.progress.Store(s.now().UnixNano())
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
			s.pre.wait(pu.id, pu.done)
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
		// A lock, or a removal of the file, may have waited for this to end (nextJob).
		wake.Signal(s.wakeWorker)
		for _, fn := range then {
			s.pre.spawn(pu.id, fn)
		}
	}()
	defer pu.cancel()
	landed, err := s.cfg.Target.Preupload(pu.ctx, pu.id, progressReader{g, pu, s.now})
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
	kept := false
	if good {
		uerr := s.update(func(tx *storage.Tx) error {
			cur, err := tx.Request(pu.id)
			if err != nil {
				return err
			}
			// Only a request still waiting for its lock, and still counting on this copy,
			// takes it; whoever ended the request or gave up on the copy queued its removal.
			if !waiting(cur) || cur.Preupload == nil || pu.stopped.Load() {
				return nil
			}
			cur.Preupload = &stagebot.Preupload{Name: landed.Name, Size: landed.Size, SHA256: landed.SHA256, MTime: landed.MTime}
			kept = true
			return tx.PutRequest(cur)
		})
		if uerr != nil {
			s.log.Warn("could not record a pre-upload", "id", stagebot.ShortID(pu.id), "err", uerr)
		}
	}
	if kept {
		s.log.Info("pre-uploaded", "id", stagebot.ShortID(pu.id), "bytes", landed.Size)
		return
	}
	if !good && !pu.stopped.Load() && s.pre.ctx.Err() == nil {
		s.log.Warn("pre-upload failed; the click is copied at approval instead", "id", stagebot.ShortID(pu.id), "err", err)
	}
	// The copy is of no use: it goes now, within seconds of the request's end.
	if s.removeOrphan(pu.id) != nil {
		// The request keeps its record of the copy: its lock, or its end, queues the removal.
		return
	}
	// Surely gone: a request still waiting forgets it was ever started, so that nothing
	// queues its removal again (a host that refuses the bot would have that removal
	// retried forever).
	uerr := s.update(func(tx *storage.Tx) error {
		cur, err := tx.Request(pu.id)
		if err != nil || !waiting(cur) || cur.Preupload == nil || cur.Preupload.Checked() {
			return err
		}
		cur.Preupload = nil
		return tx.PutRequest(cur)
	})
	if uerr != nil {
		s.log.Warn("could not record a pre-upload's removal", "id", stagebot.ShortID(pu.id), "err", uerr)
	}
}

// waiting reports whether r still waits for its lock (pending or approved), the only time
// its pre-upload is of use.
func waiting(r *stagebot.Request) bool {
	return r.State == stagebot.StatePending || r.State == stagebot.StateApproved
}

// progressReader is a pre-upload's source, noting each chunk it hands on as progress.
type progressReader struct {
	*intake.Growing
	pu  *preupload
	now func() time.Time
}

func (p progressReader) Read(b []byte) (int, error) {
	n, err := p.Growing.Read(b)
	if n > 0 {
		p.pu.progress.Store(p.now().UnixNano())
	}
	return n, err
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
			if r == nil || !waiting(r) {
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
			if errors.Is(err, snakefruit.ErrPendingBusy) {
				continue // a pre-upload of this process, stopped: it removes its file itself
			}
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
// moves it, when r no longer waits for its lock: it queues the removal of the pending file
// (so that the removal survives a crash), and the pre-upload, if still under way, is stopped
// once the transaction committed (update). A lock that renamed the pre-upload into place
// forgets it itself first. Pending and approved requests keep theirs.
func (s *Service) dropPreupload(tx *storage.Tx, r *stagebot.Request, to stagebot.State) error {
	if to == stagebot.StatePending || to == stagebot.StateApproved {
		return nil
	}
	// Stopped whether or not it is recorded: a request that ended wants no copy.
	s.leaving = append(s.leaving, r.ID)
	if r.Preupload == nil {
		return nil
	}
	r.Preupload = nil
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
