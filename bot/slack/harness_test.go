package slack

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
	"stagebot/internal/fakeslack"
	"stagebot/internal/testenv"
)

// The tests in package slack run the adapter alone on a fake workspace, with a recorder in
// the core's place: what the adapter hands the core, and what it posts for it.

const (
	stageChannel = "CSTAGE"
	userAlice    = "UALICE" // a lander, no team member
	userSil      = "USIL"   // landing team
	userKen      = "UKEN"   // landing team
)

var (
	testTeam = stagebot.Team{
		Landing: []stagebot.Member{{Name: "sil2100", Slack: userSil}, {Name: "ken", Slack: userKen}},
		Landers: []stagebot.Member{{Name: "*"}},
	}
	testRender = chat.Renderer{Prefix: "!"}
)

// recorder is a bot.Inbox that keeps what it is handed, in order.
type recorder struct {
	msgs      chan bot.Inbound
	decisions chan bot.Decision
}

func newRecorder() *recorder {
	return &recorder{msgs: make(chan bot.Inbound, 64), decisions: make(chan bot.Decision, 64)}
}

func (r *recorder) Message(_ context.Context, m bot.Inbound)   { r.msgs <- m }
func (r *recorder) Decision(_ context.Context, d bot.Decision) { r.decisions <- d }

func (r *recorder) message(t *testing.T) bot.Inbound {
	t.Helper()
	select {
	case m := <-r.msgs:
		return m
	case <-time.After(testenv.Wait):
		t.Fatal("no message reached the core")
	}
	return bot.Inbound{}
}

func (r *recorder) decision(t *testing.T) bot.Decision {
	t.Helper()
	select {
	case d := <-r.decisions:
		return d
	case <-time.After(testenv.Wait):
		t.Fatal("no decision reached the core")
	}
	return bot.Decision{}
}

// workspace is a fake workspace with alice, sil2100 and ken in it.
func workspace(t *testing.T) *fakeslack.Server {
	t.Helper()
	fs := fakeslack.Start(t)
	for _, u := range []fakeslack.User{
		{ID: userAlice, Name: "alice", DisplayName: "alice"},
		{ID: userSil, Name: "sil2100", DisplayName: "sil2100"},
		{ID: userKen, Name: "ken", DisplayName: "kenvandine"},
	} {
		fs.AddUser(u)
	}
	return fs
}

// running is an adapter run on a fake workspace.
type running struct {
	*Adapter
	rec  *recorder
	stop func() error // ends Run and returns what it returned
}

// start runs an adapter in stageChannel on fs (cfg changes its Config) until stopped or the
// test ends, and waits for its socket.
func start(t *testing.T, fs *fakeslack.Server, cfg func(*Config)) *running {
	t.Helper()
	c := Config{BotToken: fakeslack.BotToken, AppToken: fakeslack.AppToken, Channels: []string{stageChannel},
		APIURL: fs.APIURL(), Team: testTeam}
	if cfg != nil {
		cfg(&c)
	}
	a, err := New(c)
	if err != nil {
		t.Fatal(err)
	}
	r := &running{Adapter: a, rec: newRecorder()}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, r.rec) }()
	var once sync.Once
	var runErr error
	r.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(testenv.Wait):
				t.Errorf("Run did not return within %s of its end", testenv.Wait)
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	fs.Await(testenv.Wait, "the adapter's socket", func(v fakeslack.View) bool { return v.Connected() })
	return r
}

// restart stops r and runs a new adapter on the same workspace: nothing of r's memory is
// left, as after a restart of the bot.
func (r *running) restart(t *testing.T, fs *fakeslack.Server) *running {
	t.Helper()
	// An envelope not acked when the socket closes comes again on the next one, as on Slack:
	// the new adapter would see it as new.
	fs.Await(testenv.Wait, "every envelope acked", func(v fakeslack.View) bool { return v.Unacked() == 0 })
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	fs.Await(testenv.Wait, "the old socket gone", func(v fakeslack.View) bool { return !v.Connected() })
	return start(t, fs, nil)
}

// send is Send, failing the test on an error.
func (r *running) send(t *testing.T, ch string, out bot.Outgoing) string {
	t.Helper()
	ts, err := r.Send(context.Background(), ch, out)
	if err != nil {
		t.Fatalf("Send: %v", err)
	}
	if ts == "" {
		t.Fatal("Send returned no ts")
	}
	return ts
}

// aRequest is a pending request of alice's, made now from source.
func aRequest(id, name, source string) *stagebot.Request {
	return &stagebot.Request{ID: id, Name: name, Version: "1.0", Arch: "all", Filename: name + "_1.0_all.click",
		Requester:    stagebot.Identity{Network: stagebot.NetworkSlack, ID: userAlice, Name: "alice"},
		RequesterKey: "slack:" + userAlice, State: stagebot.StatePending, Created: time.Now().Round(0), Source: source}
}

// announce is event ev about r, as the core hands it to Send.
func announce(r *stagebot.Request, ev stagebot.Event, thread string) bot.Outgoing {
	ev.Request = r.Ref()
	return bot.Outgoing{Message: testRender.Event(ev), Event: ev, Request: r, Thread: thread}
}

var (
	requested = stagebot.Event{Kind: stagebot.EventState, State: stagebot.StatePending, Why: stagebot.WhyStaged,
		Mention: []string{"sil2100", "ken"}, AsksApproval: true}
	locked   = stagebot.Event{Kind: stagebot.EventState, State: stagebot.StateLocked, Why: stagebot.WhyLocked}
	reminder = stagebot.Event{Kind: stagebot.EventReminder, Age: 4 * time.Hour, Mention: []string{"sil2100", "ken"},
		Missing: &stagebot.Missing{Approvals: 1, Need: 1}, AsksApproval: true}
	tick = bot.Outgoing{Event: stagebot.Event{Kind: stagebot.EventTick, ChannelWide: true, Actor: "schedule"}}
)

func init() { tick.Message = testRender.Event(tick.Event) }

// posted waits for the bot's message in ch matching match, and returns it.
func posted(t *testing.T, fs *fakeslack.Server, what string, match func(m fakeslack.Message) bool) fakeslack.Message {
	t.Helper()
	var got fakeslack.Message
	fs.Await(testenv.Wait, what, func(v fakeslack.View) bool {
		for _, p := range v.Posts() {
			if match(p) {
				got = p
				return true
			}
		}
		return false
	})
	return got
}

// message reads message ts in ch.
func message(fs *fakeslack.Server, ch, ts string) fakeslack.Message {
	var m fakeslack.Message
	fs.Read(func(v fakeslack.View) { m, _ = v.Message(ch, ts) })
	return m
}

func reply(text string) chat.Message {
	return chat.Message{Kind: chat.Reply, Parts: []chat.Part{{Role: chat.Words, Text: text}}}
}

func hasText(s string) func(m fakeslack.Message) bool {
	return func(m fakeslack.Message) bool { return strings.Contains(m.Text, s) }
}
