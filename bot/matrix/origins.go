package matrix

import (
	"slices"
	"sync"
	"time"

	"maunium.net/go/mautrix/id"
)

// originKeep is how long the adapter remembers where a `!stage` was typed. The request
// message is posted by the outbox soon after the request is made; one held back longer
// (the homeserver unreachable for an hour), or whose `!stage` came before a restart (this
// is kept in memory alone), is posted as no reply.
const (
	originKeep    = time.Hour
	originPerUser = 16
)

// origin is where a person typed a `!stage`, when, and what it named.
type origin struct {
	room   id.RoomID
	event  id.EventID // the command
	thread id.EventID // its thread, "" outside one
	at     time.Time
	// names are the words of its line, which the request's source is one of.
	names []string
	// request is the request it was found to have made, "" until then: each room's request
	// message asks in turn, and all must get the same answer.
	request string
}

// origins are the recent `!stage`s of each Matrix user. The request message is posted by the
// outbox, apart from the command, so it finds its origin by what it can read in the request:
// its requester, when it was made, its source.
type origins struct {
	mu sync.Mutex
	m  map[string][]origin
}

func newOrigins() *origins { return &origins{m: map[string][]origin{}} }

// add records that user began a `!stage` now.
func (o *origins) add(user string, e origin) {
	e.at = time.Now().Round(0) // wall clock: creation times come back from bbolt without a monotonic reading
	o.mu.Lock()
	defer o.mu.Unlock()
	list := slices.DeleteFunc(o.m[user], func(old origin) bool { return e.at.Sub(old.at) > originKeep })
	if len(list) >= originPerUser {
		list = list[1:]
	}
	o.m[user] = append(list, e)
}

// of is the `!stage` of request id, made by user at created from source, when it was typed
// in room; false when it was typed elsewhere, or is not known. A request not yet matched
// takes, among user's unmatched `!stage`s begun before it was made, the one that named its
// source, else the latest (a refused `!stage` leaves one behind, never a newer one).
func (o *origins) of(user string, room id.RoomID, id string, created time.Time, source string) (origin, bool) {
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
			return origin{}, false
		}
		list[found].request = id
	}
	e := list[found]
	return e, e.room == room
}
