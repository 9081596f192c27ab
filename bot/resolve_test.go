package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
)

// fakeCommands takes "!NAME ..." for a command: status reads only, stage runs in the
// background. It records who ran each command.
type fakeCommands struct {
	mu  sync.Mutex
	ran map[string]stagebot.Identity
}

func (f *fakeCommands) Parse(text, _ string, _ bool) (Command, bool) {
	name, ok := strings.CutPrefix(text, "!")
	if !ok {
		return Command{}, false
	}
	return Command{Name: name, ReadOnly: name == "status", Background: name == "stage"}, true
}

func (f *fakeCommands) Run(_ context.Context, c Command, caller Caller) Answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ran[c.Name] = caller.Actor
	return Answer{Done: true}
}

// approvals is a Service that records the approvers; the rest is never called here.
type approvals struct {
	Service
	mu sync.Mutex
	by []stagebot.Identity
}

func (a *approvals) Approve(actor stagebot.Identity, _ string) (*stagebot.Outcome, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.by = append(a.by, actor)
	return nil, nil
}

// oneRef is an Outbox whose every ref is the one request's.
type oneRef struct{ Outbox }

func (oneRef) RefRequest(_, _ string) string { return "1a2b3c4d-0000-4000-8000-000000000001" }

// TestResolveOnlyWhereItMatters: the core asks the network who the author really is
// (Inbound.Resolve, a WHOIS on IRC) for a command that changes something, in the
// background or in the person's lane, and for a decision; never for chatter or a
// read-only command, which run as the author the adapter knew.
func TestResolveOnlyWhereItMatters(t *testing.T) {
	cmds := &fakeCommands{ran: map[string]stagebot.Identity{}}
	svc := &approvals{}
	b := New(Config{Service: svc, Outbox: oneRef{}, Commands: cmds, DrainTimeout: time.Second, Log: quiet})
	known := stagebot.Identity{Network: stagebot.NetworkIRC, ID: "sil!u@h", Name: "sil"}
	var mu sync.Mutex
	var asked []string
	resolver := func(what string) func(context.Context) stagebot.Identity {
		return func(context.Context) stagebot.Identity {
			mu.Lock()
			defer mu.Unlock()
			asked = append(asked, what)
			id := known
			id.Account = "silacct"
			return id
		}
	}
	in := b.inboxFor(fakeNamed("irc"))
	for _, text := range []string{"hello", "!status", "!approve", "!stage"} {
		in.Message(t.Context(), Inbound{Author: known, Resolve: resolver(text), Text: text})
	}
	in.Decision(t.Context(), Decision{Author: known, Resolve: resolver("reaction"), Ref: "m1", Verb: VerbApprove})
	b.background.Wait()
	b.lanes.wait()

	mu.Lock()
	slices.Sort(asked)
	got := strings.Join(asked, ",")
	mu.Unlock()
	if got != "!approve,!stage,reaction" {
		t.Fatalf("resolved for %q; want !approve, !stage and the reaction", got)
	}
	for name, want := range map[string]string{"status": "", "approve": "silacct", "stage": "silacct"} {
		if a := cmds.ran[name].Account; a != want {
			t.Errorf("!%s ran as account %q, want %q", name, a, want)
		}
	}
	if len(svc.by) != 1 || svc.by[0].Account != "silacct" {
		t.Errorf("the reaction approved as %+v, want the resolved identity", svc.by)
	}
}

// fakeNamed is an adapter that has only a name.
type fakeNamed string

func (f fakeNamed) Name() string                                         { return string(f) }
func (fakeNamed) Channels() []string                                     { return nil }
func (fakeNamed) Run(context.Context, Inbox) error                       { return nil }
func (fakeNamed) Send(context.Context, string, Outgoing) (string, error) { return "", nil }
func (fakeNamed) Connected() bool                                        { return true }
