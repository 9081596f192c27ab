package irc

import (
	"context"
	"errors"
	"strings"
	"sync"

	"golang.org/x/time/rate"

	"stagebot"
)

// lineWriter writes one raw IRC line (without CR LF) to the connection.
type lineWriter interface {
	Write(line string) error
}

// errGone means the connection ended before the batch was all written.
var errGone = errors.New("irc: connection closed")

// sender paces outgoing lines under one rate limit for the connection (servers throttle
// per connection). Announcements have one FIFO queue per channel and go first; replies
// have one FIFO queue per person, served round-robin a line at a time, so forty answers
// owed to one person do not push back the one owed to the next. Nothing is dropped: a
// batch is written whole, or its caller learns how much of it went out.
type sender struct {
	w   lineWriter
	lim *rate.Limiter

	mu     sync.Mutex
	queues map[string][]*batch
	rings  [2][]string // queue keys with queued lines, in serving order: announcements, replies
	wake   chan struct{}
	err    error // set once the connection is gone
}

// Queue keys: an announcement queue per channel, named as the session folds it (the
// sender does not know the server's casemapping), and a reply queue per person, whatever
// nicks they asked under.
func announceQueue(channel string) string { return "a:" + channel }
func replyQueue(who stagebot.Who) string  { return "r:" + string(who) }

// ring is the ring a queue key is served from: announcements (0) before replies (1).
func ring(key string) int {
	if strings.HasPrefix(key, "a:") {
		return 0
	}
	return 1
}

func (s *sender) idleLocked() bool { return len(s.rings[0]) == 0 && len(s.rings[1]) == 0 }

type batch struct {
	lines     []string
	sent      int
	cancelled bool
	done      chan error
}

func newSender(w lineWriter, perSecond float64, burst int) *sender {
	return &sender{w: w, lim: rate.NewLimiter(rate.Limit(perSecond), burst),
		queues: map[string][]*batch{}, wake: make(chan struct{}, 1)}
}

// send writes an announcement's lines to channel, folded by the caller (see sendQueued).
func (s *sender) send(ctx context.Context, channel string, lines []string) (sent int, err error) {
	return s.sendQueued(ctx, announceQueue(channel), lines)
}

// sendQueued writes lines on queue key and returns once they are written; sent says how
// many were written when it returns an error.
func (s *sender) sendQueued(ctx context.Context, key string, lines []string) (sent int, err error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	return s.wait(ctx, s.submit(key, lines))
}

// submit hands lines to queue key and returns at once, without waiting for the rate limit
// or the connection: the batch reports when it is written (wait). Batches submitted one
// after another on one key are written in that order.
//
// When nothing is queued for any target and the rate limit has a token for a line, that
// line is written here, on the caller's goroutine, under the lock: no line can be
// overtaken (nothing is queued), the round-robin has nobody to serve first, and the line
// is paced like any other. Whatever the limiter does not allow at once is queued for run.
func (s *sender) submit(key string, lines []string) *batch {
	b := &batch{lines: lines, done: make(chan error, 1)}
	s.mu.Lock()
	if s.err != nil {
		s.mu.Unlock()
		b.done <- s.err
		return b
	}
	if s.idleLocked() {
		for b.sent < len(lines) && s.lim.Allow() {
			if err := s.w.Write(lines[b.sent]); err != nil {
				b.done <- s.stopLocked(err)
				s.mu.Unlock()
				return b
			}
			b.sent++
		}
	}
	if b.sent == len(lines) {
		s.mu.Unlock()
		b.done <- nil
		return b
	}
	if len(s.queues[key]) == 0 {
		r := ring(key)
		s.rings[r] = append(s.rings[r], key)
	}
	s.queues[key] = append(s.queues[key], b)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return b
}

// wait returns when b is written, or failed (sent says how many of its lines went out),
// or ctx ended: then what is left of b is not written.
func (s *sender) wait(ctx context.Context, b *batch) (sent int, err error) {
	select {
	case err := <-b.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return b.sent, err
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		select {
		case err := <-b.done:
			return b.sent, err
		default:
		}
		b.cancelled = true
		return b.sent, ctx.Err()
	}
}

// run writes queued lines until ctx ends or a write fails; then every waiting batch fails.
func (s *sender) run(ctx context.Context) {
	for {
		if !s.hasWork() {
			select {
			case <-ctx.Done():
				s.stop(errGone)
				return
			case <-s.wake:
				continue
			}
		}
		if err := s.lim.Wait(ctx); err != nil {
			s.stop(errGone)
			return
		}
		if err := s.writeOne(); err != nil {
			s.stop(err)
			return
		}
	}
}

func (s *sender) hasWork() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.idleLocked()
}

// writeOne writes the next line of the next queue's head batch, announcements first. The
// lock is held over the write so that a caller giving up (ctx) sees an exact count of
// what went out.
func (s *sender) writeOne() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range s.rings {
		if done, err := s.writeOneLocked(r); done || err != nil {
			return err
		}
	}
	return nil
}

// writeOneLocked writes one line from ring r; done is false when r had nothing to write.
func (s *sender) writeOneLocked(r int) (done bool, err error) {
	for len(s.rings[r]) > 0 {
		key := s.rings[r][0]
		s.rings[r] = s.rings[r][1:]
		q := s.queues[key]
		for len(q) > 0 && q[0].cancelled {
			q = q[1:]
		}
		if len(q) == 0 {
			delete(s.queues, key)
			continue
		}
		b := q[0]
		if err := s.w.Write(b.lines[b.sent]); err != nil {
			s.queues[key] = q
			return true, err
		}
		b.sent++
		if b.sent == len(b.lines) {
			b.done <- nil
			q = q[1:]
		}
		if len(q) == 0 {
			delete(s.queues, key)
		} else {
			s.queues[key] = q
			s.rings[r] = append(s.rings[r], key)
		}
		return true, nil
	}
	return false, nil
}

func (s *sender) stop(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(err)
}

// stopLocked marks the connection gone and fails every waiting batch; it returns the
// error they get (errGone, joined with the cause).
func (s *sender) stopLocked(err error) error {
	if err == nil || !errors.Is(err, errGone) {
		err = errors.Join(errGone, err)
	}
	if s.err == nil {
		s.err = err
	}
	for _, q := range s.queues {
		for _, b := range q {
			if !b.cancelled {
				b.done <- err
			}
		}
	}
	s.queues = map[string][]*batch{}
	s.rings = [2][]string{}
	return err
}
