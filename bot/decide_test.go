package bot

import (
	"context"
	"strings"
	"testing"

	"stagebot"
	"stagebot/chat"
	"stagebot/storage"
)

// said collects what the core said in answer to a decision.
type said struct{ public, private []string }

func (s *said) decision(d Decision) Decision {
	d.Public = func(m chat.Message) error { s.public = append(s.public, m.Text()); return nil }
	d.Private = func(m chat.Message) error { s.private = append(s.private, m.Text()); return nil }
	return d
}

func person(name string) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkConsole, ID: name, Name: name}
}

// putPending records a pending request of alice's.
func putPending(t *testing.T, db *storage.DB, id string, held bool) {
	t.Helper()
	alice := person("alice")
	r := &stagebot.Request{ID: id, Name: "com.example.foo", Version: "1.0", Arch: "all",
		Filename: "com.example.foo_1.0_all.click", SHA256: "ab", State: stagebot.StatePending,
		Requester: alice, RequesterKey: stagebot.MemberKey("alice")}
	if held {
		r.Hold = &stagebot.Hold{By: alice, Key: stagebot.MemberKey("alice"), Reason: "release notes"}
	}
	if err := db.Update(func(tx *storage.Tx) error { return tx.PutRequest(r) }); err != nil {
		t.Fatal(err)
	}
}

var twoLanders = stagebot.Team{Landing: []stagebot.Member{{Name: "alice"}, {Name: "bob"}}, Landers: []stagebot.Member{{Name: "alice"}}}

// TestDecisionAnswers: a reaction whose outcome the workflow announced (progress short of
// the policy, the request approved) is not confirmed in the channel again: the room read
// the announcement. One it did not announce (an approval counted while the request is held)
// is confirmed there; a refusal goes to the actor alone.
func TestDecisionAnswers(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	for _, c := range []struct {
		name            string
		approvals       int
		held            bool
		actor           string
		public, private string // what each must contain; "" for nothing said
	}{
		{"short of the policy", 2, false, "bob", "", ""},
		{"approved and queued", 1, false, "bob", "", ""},
		{"approved while held", 1, true, "bob", "not queued for locking: held by", ""},
		{"refused", 1, false, "alice", "", "refused: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, db := newService(t, twoLanders, stagebot.Policy{Approvals: c.approvals})
			putPending(t, db, id, c.held)
			b := New(Config{Service: svc, Outbox: db.Outbox(), Renderer: chat.Renderer{Prefix: "!"}})
			var s said
			inboxOf(b, "test").Decision(t.Context(), s.decision(Decision{Author: person(c.actor), RequestID: id, Verb: VerbApprove}))
			b.lanes.wait()
			check := func(where string, got []string, want string) {
				t.Helper()
				if want == "" && len(got) != 0 || want != "" && (len(got) != 1 || !strings.Contains(got[0], want)) {
					t.Errorf("said %q %s, want %q", got, where, want)
				}
			}
			check("in the channel", s.public, c.public)
			check("privately", s.private, c.private)
		})
	}
}

// TestDecisionOnAPostedMessage: a reaction carries only the network's handle of the message
// it is on; the core finds the request from what the delivery recorded, and a reaction on
// a message about no request is answered privately (its removal, not at all).
func TestDecisionOnAPostedMessage(t *testing.T) {
	const id = "1a2b3c4d-0000-4000-8000-000000000001"
	svc, db := newService(t, twoLanders, stagebot.Policy{Approvals: 1})
	putPending(t, db, id, false)
	f := newFake("net")
	b := New(Config{Service: svc, Outbox: db.Outbox(), Renderer: chat.Renderer{Prefix: "!"}, Adapters: []Adapter{f}})
	keepCursors(t, db.Outbox(), f)
	start(t, b)
	in := <-f.inbox
	// An announcement about the request (a hold), and one about none (a tick).
	if _, err := svc.Hold(person("bob"), id, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Unhold(person("bob"), id); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Tick(stagebot.Identity{}, "test", nil); err != nil {
		t.Fatal(err)
	}
	awaitCount(t, f, 3)

	var s said
	in.Decision(context.Background(), s.decision(Decision{Author: person("bob"), Ref: "msg-3", Verb: VerbApprove}))
	in.Decision(context.Background(), s.decision(Decision{Author: person("bob"), Ref: "msg-3", Verb: VerbWithdraw}))
	in.Decision(context.Background(), s.decision(Decision{Author: person("bob"), Ref: "msg-1", Verb: VerbApprove}))
	b.lanes.wait()
	if len(s.private) != 1 || !strings.Contains(s.private[0], "about no request") {
		t.Errorf("said privately %q, want one answer that the tick is about no request", s.private)
	}
	if r := svc.Request(id); r == nil || r.State != stagebot.StateApproved {
		t.Fatalf("the approval on the hold's message did not approve the request: %+v", r)
	}
}

// inboxOf is the inbox the core gives an adapter of that name.
func inboxOf(b *Bot, adapter string) Inbox { return inbox{b: b, adapter: adapter} }
