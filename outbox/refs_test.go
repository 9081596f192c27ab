package outbox

import (
	"path/filepath"
	"testing"

	"stagebot"
)

// delivery is one message a channel took: the event it carried (about request, "" for
// none) and the network's ref of it.
type delivery struct {
	d       stagebot.Dest
	seq     uint64
	request string
	ref     string
}

func about(id string) *stagebot.RequestRef {
	if id == "" {
		return nil
	}
	return &stagebot.RequestRef{ID: id, Filename: "com.example.app_1.0_all.click"}
}

// TestDeliveryRecordsRefsAndThreads: each message a channel took about a request tells
// which request a reaction on it means, on that adapter only; the first one about the
// request in a channel is the request's thread there, and a later one does not replace it.
func TestDeliveryRecordsRefsAndThreads(t *testing.T) {
	type refWant struct {
		adapter, ref, request string
	}
	type threadWant struct {
		d               stagebot.Dest
		request, thread string
	}
	cases := []struct {
		name       string
		deliveries []delivery
		refs       []refWant
		threads    []threadWant
	}{
		{"the first message about a request heads its thread",
			[]delivery{{slackC1, 1, "r1", "C1:100.1"}, {slackC1, 2, "r1", "C1:100.2"}},
			[]refWant{{"slack", "C1:100.1", "r1"}, {"slack", "C1:100.2", "r1"}},
			[]threadWant{{slackC1, "r1", "C1:100.1"}}},
		{"each channel has its own thread",
			[]delivery{{slackC1, 1, "r1", "C1:100.1"}, {slackC2, 1, "r1", "C2:200.1"}},
			[]refWant{{"slack", "C1:100.1", "r1"}, {"slack", "C2:200.1", "r1"}},
			[]threadWant{{slackC1, "r1", "C1:100.1"}, {slackC2, "r1", "C2:200.1"}}},
		{"each request has its own thread",
			[]delivery{{slackC1, 1, "r1", "C1:1"}, {slackC1, 2, "r2", "C1:2"}, {slackC1, 3, "r1", "C1:3"}},
			[]refWant{{"slack", "C1:1", "r1"}, {"slack", "C1:2", "r2"}, {"slack", "C1:3", "r1"}},
			[]threadWant{{slackC1, "r1", "C1:1"}, {slackC1, "r2", "C1:2"}}},
		{"a ref means something on its own adapter only",
			[]delivery{{slackC1, 1, "r1", "same"}},
			[]refWant{{"slack", "same", "r1"}, {"irc", "same", ""}},
			[]threadWant{{stagebot.Dest{Adapter: "irc", Channel: "C1"}, "r1", ""}}},
		{"a message about no request is about none",
			[]delivery{{slackC1, 1, "", "C1:9"}},
			[]refWant{{"slack", "C1:9", ""}}, nil},
		{"a network without refs records nothing",
			[]delivery{{stage, 1, "r1", ""}},
			[]refWant{{"irc", "", ""}},
			[]threadWant{{stage, "r1", ""}}},
		{"a message sent again (after a crash, before its delivery was recorded) counts too",
			[]delivery{{slackC1, 2, "r1", "C1:1"}, {slackC1, 1, "r1", "C1:0"}},
			[]refWant{{"slack", "C1:1", "r1"}, {"slack", "C1:0", "r1"}},
			[]threadWant{{slackC1, "r1", "C1:1"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := openTest(t)
			for _, dl := range c.deliveries {
				e := stagebot.Event{Seq: dl.seq, Kind: stagebot.EventState, Request: about(dl.request)}
				if err := o.DeliveredTo(dl.d, e, dl.ref); err != nil {
					t.Fatal(err)
				}
			}
			for _, w := range c.refs {
				if got := o.RefRequest(w.adapter, w.ref); got != w.request {
					t.Errorf("RefRequest(%s, %q) = %q, want %q", w.adapter, w.ref, got, w.request)
				}
			}
			for _, w := range c.threads {
				if got := o.Thread(w.d, w.request); got != w.thread {
					t.Errorf("Thread(%s, %s) = %q, want %q", w.d, w.request, got, w.thread)
				}
			}
		})
	}
}

// TestRefsSurviveReopen: refs and threads are on disk, so a reaction on a message posted
// before a restart still finds its request, and later events still go to its thread.
func TestRefsSurviveReopen(t *testing.T) {
	cases := []struct {
		name    string
		d       stagebot.Dest
		e       stagebot.Event
		ref     string
		request string
	}{
		{"a typed event", slackC1, stagebot.Event{Seq: 1, Kind: stagebot.EventState, Request: about("r1")}, "C1:1.5", "r1"},
		{"an older version's record", slackC1, stagebot.Event{Seq: 1, RequestID: "r2", Word: "locked", Text: "[r2] x locked"}, "C1:2.5", "r2"},
		{"a Matrix event ID", stagebot.Dest{Adapter: "matrix", Channel: "!room:example.org"},
			stagebot.Event{Seq: 3, Kind: stagebot.EventReminder, Request: about("r3")}, "$ev:example.org", "r3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "stagebot.db")
			first := openAt(t, path)
			if err := first.DeliveredTo(c.d, c.e, c.ref); err != nil {
				t.Fatal(err)
			}
			if err := first.db.Close(); err != nil {
				t.Fatal(err)
			}
			o := openAt(t, path)
			if got := o.RefRequest(c.d.Adapter, c.ref); got != c.request {
				t.Errorf("after reopening, RefRequest(%s, %q) = %q, want %q", c.d.Adapter, c.ref, got, c.request)
			}
			if got := o.Thread(c.d, c.request); got != c.ref {
				t.Errorf("after reopening, Thread(%s, %s) = %q, want %q", c.d, c.request, got, c.ref)
			}
		})
	}
}
