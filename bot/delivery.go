package bot

import (
	"context"
	"fmt"
	"sync"
	"time"

	"stagebot"
	"stagebot/internal/backoff"
	"stagebot/internal/wake"
)

// Retries of a channel that did not take an announcement: doubling from retryMin up to
// retryMax, so a channel that refuses for hours costs one attempt every half minute.
const (
	retryMin = time.Second
	retryMax = 30 * time.Second
)

// outlet is one channel of one adapter: its own cursor, its own goroutine and its own
// backoff, so nothing one channel does (refuse, vanish, lag) holds up another.
type outlet struct {
	a    Adapter
	dest stagebot.Dest
	wake chan struct{}

	mu       sync.Mutex
	err      error // the last attempt's failure; nil once one succeeds
	since    time.Time
	failures int
}

// ChannelStatus is how delivery to one channel stands.
type ChannelStatus struct {
	Adapter, Channel string
	// Backlog counts the announcements the channel has not taken.
	Backlog int
	// Err is why the last attempt failed; nil when it did not (or none was made).
	Err error
	// Since is the first failure of the current run of failures; Failures counts them.
	Since    time.Time
	Failures int
}

// Refusing is true while the channel's last attempt failed.
func (c ChannelStatus) Refusing() bool { return c.Err != nil }

// Dests are the outbox destinations of adapters: one per channel.
func Dests(adapters []Adapter) []stagebot.Dest {
	var out []stagebot.Dest
	for _, a := range adapters {
		for _, ch := range a.Channels() {
			out = append(out, stagebot.Dest{Adapter: a.Name(), Channel: ch})
		}
	}
	return out
}

// dests are the outlets' destinations, in their order.
func (b *Bot) dests() []stagebot.Dest {
	out := make([]stagebot.Dest, len(b.outlets))
	for i, o := range b.outlets {
		out[i] = o.dest
	}
	return out
}

func newOutlets(adapters []Adapter) []*outlet {
	var out []*outlet
	for _, a := range adapters {
		for _, ch := range a.Channels() {
			out = append(out, &outlet{a: a, dest: stagebot.Dest{Adapter: a.Name(), Channel: ch}, wake: make(chan struct{}, 1)})
		}
	}
	return out
}

func (o *outlet) failed(err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err == nil {
		o.since = time.Now()
	}
	o.err = err
	o.failures++
}

func (o *outlet) succeeded() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.err, o.failures = nil, 0
}

// Delivery reports every channel's delivery, in the adapters' order.
func (b *Bot) Delivery() []ChannelStatus {
	out := make([]ChannelStatus, len(b.outlets))
	for i, o := range b.outlets {
		o.mu.Lock()
		out[i] = ChannelStatus{Adapter: o.dest.Adapter, Channel: o.dest.Channel, Err: o.err, Since: o.since, Failures: o.failures}
		o.mu.Unlock()
	}
	for i, n := range b.cfg.Outbox.Backlogs(b.dests()) {
		out[i].Backlog = n
	}
	return out
}

// deliver sends one channel's outbox in order. An announcement is marked delivered only
// after the adapter took it, so a crash or a disconnect re-sends rather than loses; a
// failure holds this channel's cursor alone and is retried with backoff.
func (b *Bot) deliver(ctx context.Context, o *outlet) error {
	bo := backoff.Backoff{Policy: backoff.Policy{Min: retryMin, Max: retryMax}}
	var retry time.Duration
	for {
		switch {
		case retry > 0:
			// New announcements do not cut a backoff short: a refusing channel would be
			// tried at every one of them.
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(retry):
			}
		case !o.a.Connected():
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(time.Second):
			case <-o.wake:
			}
		}
		retry = 0
		if !o.a.Connected() {
			continue
		}
		batch, err := b.cfg.Outbox.PendingTo(o.dest, 64)
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			select {
			case <-ctx.Done():
				return nil
			case <-o.wake:
			}
			continue
		}
		for _, ev := range batch {
			ref, err := o.a.Send(ctx, o.dest.Channel, b.outgoing(o.dest, ev))
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				o.failed(err)
				retry = bo.Next()
				b.log.Warn("delivery failed; will retry", "adapter", o.dest.Adapter, "channel", o.dest.Channel,
					"seq", ev.Seq, "in", retry, "err", err)
				break
			}
			if err := b.cfg.Outbox.DeliveredTo(o.dest, ev, ref); err != nil {
				return fmt.Errorf("record delivery: %w", err)
			}
			bo.Reset()
			o.succeeded()
			wake.Signal(b.progress)
		}
	}
}

// outgoing is an announcement as one channel gets it: rendered, with the request's record
// and the channel's thread for it.
func (b *Bot) outgoing(d stagebot.Dest, ev stagebot.Event) Outgoing {
	out := Outgoing{Message: b.cfg.Renderer.Event(ev), Event: ev}
	if id := ev.AboutRequest(); id != "" {
		out.Request = b.svc.Request(id)
		out.Thread = b.cfg.Outbox.Thread(d, id)
	}
	return out
}
