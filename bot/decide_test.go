package bot

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot/floodgate"
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

// TestDecisionLimit: reactions and buttons that approve or reject count in the person's
// command limit as commands do: past it one "slow down", then nothing runs. Withdrawals
// always run: dropping one would leave counted an approval its person took back.
func TestDecisionLimit(t *testing.T) {
	svc, db := newService(t, twoLanders, stagebot.Policy{Approvals: 1})
	b := New(Config{Service: svc, Outbox: db.Outbox(), Renderer: chat.Renderer{Prefix: "!"}, Limit: floodgate.New(2, time.Hour)})
	in := inboxOf(b, "test")
	bob := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "bob!u@cloak/bob", Name: "bob", Account: "bob"}
	const unknown = "0badc0de-0000-4000-8000-000000000001" // each decision on it is refused: a reply to count
	var s said
	for _, v := range []Verb{VerbApprove, VerbReject, VerbApprove, VerbReject, VerbApprove} {
		in.Decision(t.Context(), s.decision(Decision{Author: bob, RequestID: unknown, Verb: v}))
	}
	b.lanes.wait()
	slow := slices.IndexFunc(s.private, func(m string) bool { return strings.HasPrefix(m, "slow down") })
	if len(s.private) != 3 || slow != 2 {
		t.Fatalf("bob heard %q: want two refusals, then one slow down, then nothing", s.private)
	}
	for range 3 {
		in.Decision(t.Context(), s.decision(Decision{Author: bob, RequestID: unknown, Verb: VerbWithdraw}))
	}
	b.lanes.wait()
	if len(s.private) != 6 {
		t.Fatalf("bob heard %q: his withdrawals past the limit did not all run", s.private)
	}
}
