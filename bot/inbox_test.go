package bot

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot/floodgate"
	"stagebot/chat"
	"stagebot/intake"
)

// stubCommands is a command table whose commands record that they ran and may be held
// until released: it lets these tests see the order the core runs things in. "status" is
// read-only, "stage" runs in the background and takes files; every line starting with "!"
// is a command.
type stubCommands struct {
	mu    sync.Mutex
	ran   []string
	held  map[string]chan struct{} // command name (with args) to the channel that releases it
	begun chan string
}

func newStub() *stubCommands {
	return &stubCommands{held: map[string]chan struct{}{}, begun: make(chan string, 100)}
}

func (s *stubCommands) hold(line string) chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := make(chan struct{})
	s.held[line] = c
	return c
}

func (s *stubCommands) Parse(text, _ string, _ bool) (Command, bool) {
	name, args, _ := strings.Cut(strings.TrimPrefix(text, "!"), " ")
	if !strings.HasPrefix(text, "!") {
		return Command{}, false
	}
	return Command{Name: name, Args: args, ReadOnly: name == "status", Background: name == "stage", TakesFiles: name == "stage"}, true
}

func (s *stubCommands) Run(_ context.Context, c Command, caller Caller) Answer {
	line := strings.TrimSpace(c.Name + " " + c.Args)
	s.begun <- line
	s.mu.Lock()
	wait := s.held[line]
	s.mu.Unlock()
	if wait != nil {
		<-wait
	}
	s.mu.Lock()
	s.ran = append(s.ran, caller.Actor.Name+": "+line)
	s.mu.Unlock()
	return Answer{Reply: chat.Message{Parts: []chat.Part{{Text: "did " + line}}}, Done: true, Announced: c.Name == "stage"}
}

// replies collects the answers of every message sent through it, in order.
type replies struct {
	mu  sync.Mutex
	got []string
	ch  chan string
}

func newReplies() *replies { return &replies{ch: make(chan string, 100)} }

func (r *replies) msg(author stagebot.Identity, text string) Inbound {
	return Inbound{Author: author, Text: text, Reply: func(m chat.Message) error {
		r.mu.Lock()
		r.got = append(r.got, m.Text())
		r.mu.Unlock()
		r.ch <- m.Text()
		return nil
	}}
}

// next waits for the next reply.
func (r *replies) next(t *testing.T) string {
	t.Helper()
	select {
	case s := <-r.ch:
		return s
	case <-time.After(20 * time.Second):
		t.Fatal("no reply")
		return ""
	}
}

func awaitBegun(t *testing.T, s *stubCommands, line string) {
	t.Helper()
	select {
	case got := <-s.begun:
		if got != line {
			t.Fatalf("%q began, want %q", got, line)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("%q never began", line)
	}
}

func ircPerson(name string) stagebot.Identity {
	return stagebot.Identity{Network: stagebot.NetworkIRC, ID: name + "!u@cloak/" + name, Name: name, Account: name}
}

func newCore(cmds Commands, limit *floodgate.Gate) (*Bot, Inbox) {
	b := New(Config{Commands: cmds, Limit: limit, Renderer: chat.Renderer{Prefix: "!"}})
	return b, inboxOf(b, "net")
}

// TestLanes: a person's commands run in order, one at a time; a read-only command of
// someone with nothing running is answered at once, whoever else is busy, and one of a
// person with a command running waits for it; a !stage runs beside its person's lane.
func TestLanes(t *testing.T) {
	cmds := newStub()
	b, in := newCore(cmds, nil)
	alice, bob := ircPerson("alice"), ircPerson("bob")
	ra, rb := newReplies(), newReplies()
	ctx := context.Background()

	releaseApprove := cmds.hold("approve 1")
	in.Message(ctx, ra.msg(alice, "!approve 1"))
	awaitBegun(t, cmds, "approve 1")
	in.Message(ctx, ra.msg(alice, "!status")) // behind alice's approve
	in.Message(ctx, rb.msg(bob, "!status"))   // bob has nothing running: at once
	awaitBegun(t, cmds, "status")
	if got := rb.next(t); got != "did status" {
		t.Fatalf("bob heard %q", got)
	}
	// alice's stage runs beside her held approve, and answers nothing where it is announced.
	releaseStage := cmds.hold("stage x")
	m := ra.msg(alice, "!stage x")
	m.AnnouncedHere = true
	in.Message(ctx, m)
	awaitBegun(t, cmds, "stage x")
	close(releaseStage)
	b.background.Wait()
	close(releaseApprove)
	if got := []string{ra.next(t), ra.next(t)}; !slices.Equal(got, []string{"did approve 1", "did status"}) {
		t.Fatalf("alice heard %q, want her approve's answer, then her status's", got)
	}
	b.lanes.wait()
	cmds.mu.Lock()
	defer cmds.mu.Unlock()
	if want := []string{"bob: status", "alice: stage x", "alice: approve 1", "alice: status"}; !slices.Equal(cmds.ran, want) {
		t.Fatalf("ran %q, want %q", cmds.ran, want)
	}
	if len(ra.got) != 2 {
		t.Fatalf("alice heard %q: the announced stage was answered too", ra.got)
	}
}

// TestCommandLimit: past the limit a person's burst is dropped with one "slow down"; other
// people and the console are not limited; chatter costs nothing.
func TestCommandLimit(t *testing.T) {
	cmds := newStub()
	b, in := newCore(cmds, floodgate.New(2, time.Hour))
	alice, bob := ircPerson("alice"), ircPerson("bob")
	console := stagebot.Identity{Network: stagebot.NetworkConsole, ID: "console", Name: "console"}
	r := newReplies()
	ctx := context.Background()
	in.Message(ctx, r.msg(alice, "hello there"))
	for i := range 5 {
		in.Message(ctx, r.msg(alice, "!approve "+string(rune('a'+i))))
	}
	in.Message(ctx, r.msg(bob, "!approve z"))
	for range 4 {
		in.Message(ctx, r.msg(console, "!approve c"))
	}
	b.lanes.wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	slow := slices.IndexFunc(r.got, func(s string) bool { return strings.HasPrefix(s, "slow down: at most 2 commands per 1h") })
	if slow < 0 || slices.ContainsFunc(r.got[slow+1:], func(s string) bool { return strings.HasPrefix(s, "slow down") }) {
		t.Fatalf("replies %q, want exactly one slow down", r.got)
	}
	cmds.mu.Lock()
	defer cmds.mu.Unlock()
	count := func(prefix string) int {
		return len(slices.DeleteFunc(slices.Clone(cmds.ran), func(s string) bool { return !strings.HasPrefix(s, prefix) }))
	}
	if a, bb, c := count("alice: "), count("bob: "), count("console: "); a != 2 || bb != 1 || c != 4 {
		t.Fatalf("ran alice %d, bob %d, console %d commands, want 2, 1, 4: %q", a, bb, c, cmds.ran)
	}
}

// TestAttachmentsOnlyForFileCommands: looking for attachments costs a network call, made
// for a command that takes files and for no other; a failed look is answered and runs
// nothing.
func TestAttachmentsOnlyForFileCommands(t *testing.T) {
	cmds := newStub()
	b, in := newCore(cmds, nil)
	alice := ircPerson("alice")
	r := newReplies()
	looked := 0
	attach := func(fail bool) func(context.Context) ([]intake.Source, error) {
		return func(context.Context) ([]intake.Source, error) {
			looked++
			if fail {
				return nil, stagebot.Errorf(stagebot.EINTERNAL, "the files could not be looked at")
			}
			return nil, nil
		}
	}
	m := r.msg(alice, "!approve 1")
	m.Attach = attach(false)
	in.Message(context.Background(), m)
	b.lanes.wait()
	if looked != 0 {
		t.Fatal("attachments were looked for a command that takes none")
	}
	m = r.msg(alice, "!stage")
	m.Attach = attach(true)
	in.Message(context.Background(), m)
	b.background.Wait()
	if looked != 1 {
		t.Fatalf("attachments looked for %d times for a !stage, want 1", looked)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != 2 || !strings.HasPrefix(r.got[1], "refused: ") {
		t.Fatalf("replies %q, want the failed look answered", r.got)
	}
	cmds.mu.Lock()
	defer cmds.mu.Unlock()
	if slices.Contains(cmds.ran, "alice: stage") {
		t.Fatal("the stage ran without its files")
	}
}
