package snakefruit

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultProbeTTL is how long a probe's answer is reused: /readyz may be asked many times a
// second, and each sftp probe is a whole SSH handshake.
const DefaultProbeTTL = 10 * time.Second

// Prober answers "can the target be reached" for readiness checks without ever touching the
// connection the worker uses: over sftp it dials a short-lived connection of its own, so a
// probe that fails, times out or is abandoned by a client that hung up cannot abort an
// upload under way. Answers are cached for a TTL, and callers arriving while a probe runs
// share it.
type Prober struct {
	check   func(ctx context.Context) error
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time // time.Now; a test's clock

	mu      sync.Mutex
	at      time.Time // when err was found; zero = never
	err     error
	running chan struct{} // closed when the probe under way ends; nil = none

	dials atomic.Int64
}

// NewProber makes a Prober for the target cfg names (validated as Open does); ttl 0 is
// DefaultProbeTTL.
func NewProber(cfg Config, ttl time.Duration) (*Prober, error) {
	t, err := Open(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	if ttl <= 0 {
		ttl = DefaultProbeTTL
	}
	p := &Prober{ttl: ttl, timeout: DefaultDialTimeout, now: time.Now}
	switch fs := t.(*target).fs.(type) {
	case localFS:
		p.check = func(context.Context) error { return statDir(fs.root) }
	case *sftpFS:
		// Only its dialer and root are used; its connection (never dialled, as Open does
		// not touch the network) is closed at once.
		_ = fs.Close()
		p.timeout = fs.dial.timeout
		p.check = func(ctx context.Context) error {
			p.dials.Add(1)
			return probeSFTP(ctx, fs.dial, fs.root)
		}
	default:
		return nil, fmt.Errorf("snakefruit: no probe for %s", t)
	}
	return p, nil
}

// Dials counts the connections the prober made, for tests and curious operators.
func (p *Prober) Dials() int64 { return p.dials.Load() }

// Probe returns the cached answer, or waits for a fresh one until ctx ends. Its errors start
// with "snakefruit:", as Open's do. The probe itself
// runs under its own deadline, detached from ctx: one impatient caller must not spoil the
// answer every other caller waits for.
func (p *Prober) Probe(ctx context.Context) error {
	p.mu.Lock()
	if p.running == nil && !p.at.IsZero() && p.now().Sub(p.at) < p.ttl {
		err := p.err
		p.mu.Unlock()
		return err
	}
	if p.running == nil {
		done := make(chan struct{})
		p.running = done
		go func() {
			pctx, cancel := context.WithTimeout(context.Background(), p.timeout)
			err := p.check(pctx)
			cancel()
			p.mu.Lock()
			p.at, p.err, p.running = p.now(), err, nil
			p.mu.Unlock()
			close(done)
		}()
	}
	done := p.running
	p.mu.Unlock()
	select {
	case <-done:
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.err
	case <-ctx.Done():
		return fmt.Errorf("snakefruit: the probe under way has not answered: %w", ctx.Err())
	}
}

func statDir(root string) error {
	fi, err := os.Stat(root)
	if err != nil {
		return fmt.Errorf("snakefruit: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("snakefruit: %s is not a folder", root)
	}
	return nil
}

// probeSFTP dials, looks at the folder and hangs up.
func probeSFTP(ctx context.Context, d dialer, root string) error {
	c, err := d.dial(ctx, func() {})
	if err != nil {
		return err
	}
	defer c.close()
	// sftp calls take no context: ending it ends this connection, which is the probe's own.
	stop := context.AfterFunc(ctx, c.close)
	defer stop()
	fi, err := c.sftp.Stat(root)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("snakefruit: stat %s: %w", root, errors.Join(ctx.Err(), err))
		}
		return fmt.Errorf("snakefruit: stat %s: %w", root, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("snakefruit: %s is not a folder", root)
	}
	return nil
}
