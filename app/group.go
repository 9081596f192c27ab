package app

import (
	"context"
	"log/slog"
	"time"
)

// group runs the long-lived parts of a bot, each in a goroutine of its own, and stops them
// one at a time in the reverse of the order they started: what feeds the workflow from
// outside stops before the chat, and the worker, started first, stops last. One grace
// period, from the moment stop begins, bounds all the work in flight the parts may finish
// (the worker's job, HTTP requests); past it, that work is cut off.
//
// Parts are added first and started together, so that a part that cannot be set up (a port
// taken) stops the bot before anything ran.
type group struct {
	log   *slog.Logger
	grace time.Duration
	// cutoff ends when the grace period is over (or stop is done).
	cutoff context.Context
	cut    context.CancelFunc
	parts  []*part
}

// part is one thing a group runs.
type part struct {
	name string
	// run runs until its context ends (or by itself); an error it returns before it was
	// stopped is logged.
	run func(ctx context.Context) error
	// halt, when set, asks run to return, letting the work in flight finish until its
	// context ends (http.Server.Shutdown). run's context ends after halt returned.
	halt func(cutoff context.Context) error
	// close, when set, releases what the part holds, once run has returned or when the
	// part never started.
	close func()

	started bool
	cancel  context.CancelFunc
	done    chan struct{}
}

func newGroup(grace time.Duration, log *slog.Logger) *group {
	cutoff, cut := context.WithCancel(context.Background())
	return &group{log: log, grace: grace, cutoff: cutoff, cut: cut}
}

// add appends p to the parts start will run. The channel it returns closes when p's run
// has returned, by itself or because it was stopped.
func (g *group) add(p part) <-chan struct{} {
	p.done = make(chan struct{})
	g.parts = append(g.parts, &p)
	return p.done
}

// start runs every part added, in the order they were added.
func (g *group) start() {
	for _, p := range g.parts {
		ctx, cancel := context.WithCancel(context.Background())
		p.started, p.cancel = true, cancel
		go func() {
			defer close(p.done)
			if err := p.run(ctx); err != nil && ctx.Err() == nil {
				g.log.Error("stopped", "part", p.name, "err", err)
			}
		}()
	}
}

// stop stops every part, last started first, waiting for each to return before the next,
// and closes them: nothing the group ran is left touching storage when stop returns. It
// reports whether the grace period ran out first, cutting off the work in flight. A second
// stop does nothing.
func (g *group) stop() (cutOff bool) {
	if g.parts == nil {
		return false
	}
	timer := time.AfterFunc(g.grace, g.cut)
	defer g.cut()
	for i := len(g.parts) - 1; i >= 0; i-- {
		p := g.parts[i]
		if p.started {
			if p.halt != nil {
				if err := p.halt(g.cutoff); err != nil {
					g.log.Warn("stopped with work still in flight", "part", p.name, "err", err)
				}
			}
			p.cancel()
			<-p.done
		}
		if p.close != nil {
			p.close()
		}
	}
	g.parts = nil
	return !timer.Stop()
}
