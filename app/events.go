package app

import (
	"context"

	"stagebot/bot"
	"stagebot/httpapi"
	"stagebot/internal/wake"
	"stagebot/outbox"
)

// announcementSignals gives each reader of the outbox a signal of its own: the outbox has
// one, which a single reader takes, and the bot's delivery and the HTTP event streams must
// each wake at every announcement. Without an HTTP server the bot reads the outbox's own.
type announcementSignals struct {
	from <-chan struct{}
	to   []chan struct{}
}

// withOwnSignal is the outbox as one of its readers sees it: the outbox, with that reader's
// signal.
type withOwnSignal struct {
	*outbox.Outbox
	signal chan struct{}
}

func (o withOwnSignal) Signal() <-chan struct{} { return o.signal }

// reader is box with a signal of its own that run fires.
func (s *announcementSignals) reader(box *outbox.Outbox) withOwnSignal {
	c := make(chan struct{}, 1)
	s.to = append(s.to, c)
	return withOwnSignal{Outbox: box, signal: c}
}

// run passes each signal on to every reader, coalesced as the outbox's own are, until ctx
// ends: it never waits for a reader.
func (s *announcementSignals) run(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.from:
			for _, c := range s.to {
				wake.Signal(c)
			}
		}
	}
}

// outboxReaders are the outbox as the bot reads it and, when http is configured, as the
// event streams do, with the part that signals them both (nil when there is no other
// reader than the bot).
func outboxReaders(box *outbox.Outbox, withHTTP bool) (forBot bot.Outbox, forHTTP httpapi.Feed, signals *announcementSignals) {
	if !withHTTP {
		return box, nil, nil
	}
	signals = &announcementSignals{from: box.Signal()}
	return signals.reader(box), signals.reader(box), signals
}
