package slack

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// originKeep is how long the adapter remembers where a `!stage` was typed. The request
// message is posted by the outbox soon after the request is made; a download may take a
// while before that, and a request message held back longer than this (Slack unreachable
// for an hour) heads a thread of its own in the channel instead. So does one whose
// `!stage` came before a restart: where it was typed is kept in memory alone.
const (
	originKeep    = time.Hour
	originPerUser = 16
)

// origin is where a person typed a `!stage` in a configured channel (thread "" at the top
// level), when, and what it named: the core looks for a command's files only for a
// `!stage` (Inbound.Attach), so that call is the adapter's sign that one began.
type origin struct {
	channel, thread string
	at              time.Time
	// names are the sources it named: its attachments' names and the words of its line
	// (a URL, a bare name), which the request's Source is one of.
	names []string
	// request is the request it was found to have made, "" until then: each channel's
	// request message asks in turn, and all must get the same answer.
	request string
}

// origins are the recent `!stage`s of each Slack user. The request message is posted by
// the outbox, apart from the command, so it finds its origin by what it can read in the
// request: its requester, when it was made, its source.
type origins struct {
	mu sync.Mutex
	m  map[string][]origin
}

func newOrigins() *origins { return &origins{m: map[string][]origin{}} }

// add records that user began a `!stage` now in thread of channel ("" at the top level).
func (o *origins) add(user, channel, thread string, names []string) {
	now := time.Now().Round(0) // wall clock: creation times come back from bbolt without a monotonic reading
	o.mu.Lock()
	defer o.mu.Unlock()
	list := slices.DeleteFunc(o.m[user], func(e origin) bool { return now.Sub(e.at) > originKeep })
	if len(list) >= originPerUser {
		list = list[1:]
	}
	o.m[user] = append(list, origin{channel: channel, thread: thread, at: now, names: names})
}

// thread is the thread of channel where user typed the `!stage` of request id, made at
// created from source; "" when it was typed at the top level, elsewhere, or is not known.
// A request not yet matched takes, among user's unmatched `!stage`s begun before it was
// made, the one that named its source, else the latest (a refused `!stage` leaves one
// behind, never a newer one).
func (o *origins) thread(user, channel, id string, created time.Time, source string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	list := o.m[user]
	found := slices.IndexFunc(list, func(e origin) bool { return e.request == id })
	if found < 0 {
		for i, e := range list {
			if e.request != "" || e.at.After(created) || created.Sub(e.at) > originKeep {
				continue
			}
			found = i
			if source != "" && slices.Contains(e.names, source) {
				break
			}
		}
		if found < 0 {
			return ""
		}
		list[found].request = id
	}
	if e := list[found]; e.channel == channel {
		return e.thread
	}
	return ""
}

// lineWords are the words of a command line, for origin.names.
func lineWords(text string) []string { return strings.Fields(text) }
