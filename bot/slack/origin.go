package slack

import (
	"sync"
	"time"
)

// originKeep is how long the adapter remembers where a `!stage` was typed. The request
// message is posted by the outbox, normally within a second; one held back longer (Slack
// unreachable for an hour) heads a thread of its own in the channel instead.
const (
	originKeep    = time.Hour
	originPerUser = 16
)

// origin is a thread where a person typed `!stage`, and when the command ran: the request
// it made, by that person and created in that window, gets its request message there.
type origin struct {
	channel, thread string
	from, to        time.Time // to is zero while the command runs
}

// origins are the threads `!stage` was typed in, by Slack user. The outbox posts the request
// message apart from the command, possibly before the command returns, so it cannot be
// told the request's ID: it finds the origin by the requester and the request's creation
// time instead. One person's commands run one at a time (serial), so their windows never
// overlap and at most one can hold a given creation time.
type origins struct {
	mu sync.Mutex
	m  map[string][]origin
}

func newOrigins() *origins { return &origins{m: map[string][]origin{}} }

// begin records that user's `!stage` in thread of channel starts now; the returned func
// marks its end.
func (o *origins) begin(user, channel, thread string) (end func()) {
	now := time.Now().Round(0) // wall clock: creation times come back from bbolt without a monotonic reading
	o.mu.Lock()
	defer o.mu.Unlock()
	list := o.m[user]
	for len(list) > 0 && (len(list) >= originPerUser || (!list[0].to.IsZero() && now.Sub(list[0].to) > originKeep)) {
		list = list[1:]
	}
	o.m[user] = append(list, origin{channel: channel, thread: thread, from: now})
	return func() {
		o.mu.Lock()
		defer o.mu.Unlock()
		for i := range o.m[user] {
			if e := &o.m[user][i]; e.from.Equal(now) && e.to.IsZero() {
				e.to = time.Now().Round(0)
			}
		}
	}
}

// thread is the thread in channel where user's request created at created was asked for,
// or "" when it was asked at the top level, elsewhere or too long ago.
func (o *origins) thread(user, channel string, created time.Time) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, e := range o.m[user] {
		if e.channel == channel && !created.Before(e.from) && (e.to.IsZero() || !created.After(e.to)) {
			return e.thread
		}
	}
	return ""
}
