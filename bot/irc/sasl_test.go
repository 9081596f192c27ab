package irc_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/bot"
	ircbot "stagebot/bot/irc"
	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// nopInbox is a core that does nothing with what it hears.
type nopInbox struct{}

func (nopInbox) Message(context.Context, bot.Inbound)   {}
func (nopInbox) Decision(context.Context, bot.Decision) {}

// runAdapter runs an IRC adapter alone (no bot around it) until stop is called or the
// test ends.
func runAdapter(t *testing.T, cfg ircbot.Config) (a *ircbot.Adapter, log *bottest.Log, stop func()) {
	t.Helper()
	// Before the adapter's cleanup, so the log outlives the adapter.
	log = bottest.NewLog(t)
	cfg.Log = log.Logger()
	a, err := ircbot.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = a.Run(ctx, nopInbox{}) }()
	stop = func() {
		cancel()
		select {
		case <-done:
		case <-time.After(bottest.Wait):
			t.Errorf("the adapter did not stop within %s", bottest.Wait)
		}
	}
	t.Cleanup(stop)
	return a, log, stop
}

// TestSASLMustSucceed: with SASL PLAIN configured and the wrong password, the bot never
// joins as an anonymous user: it logs the failure, reports itself not ready with the
// reason and gives up (a refused credential is never tried again). With the right
// password it logs in and joins.
func TestSASLMustSucceed(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{Services: true, HistoryChannels: []string{channel}})
	reg := ircdtest.Dial(t, srv.Addr, "stagebot")
	reg.Register("botpass")
	reg.Send("QUIT :registered")
	reg.Expect(func(m *irc.Message) bool { return m.Command == "ERROR" })
	watch := ircdtest.Dial(t, srv.Addr, "watch")
	watch.Join(channel)
	cfg := ircbot.Config{Server: srv.Addr, Nick: "stagebot", Channels: []string{channel},
		SASLMechanism: "PLAIN", SASLUser: "stagebot", SASLPassword: "wrong"}

	a, log, stop := runAdapter(t, cfg)
	log.Await(1, "not reconnecting", "SASL PLAIN login failed")
	if a.Connected() {
		t.Fatalf("the adapter reports connected after a failed login")
	}
	if r := a.NotReadyReason(); !strings.Contains(r, "SASL PLAIN login failed") {
		t.Fatalf("not-ready reason %q does not name the SASL failure", r)
	}
	stop()
	if n := log.Count("msg=connected "); n != 0 {
		t.Fatalf("the bot connected %d times without logging in", n)
	}
	for _, m := range watch.Seen() {
		if m.Command == "JOIN" && strings.EqualFold(m.Prefix.Name, "stagebot") {
			t.Fatalf("the bot joined without logging in: %s", m)
		}
	}
	watch.Send("NAMES %s", channel)
	if names := watch.Expect(func(m *irc.Message) bool { return m.Command == "353" }); containsNick(names.Trailing(), "stagebot") {
		t.Fatalf("the bot is in %s without logging in: %s", channel, names)
	}

	cfg.SASLPassword = "botpass"
	a, log, _ = runAdapter(t, cfg)
	awaitBotIn(t, watch, bottest.Wait)
	log.Await(1, "SASL login succeeded")
	if w := whois(t, watch, "stagebot"); w["330"] == nil || w["330"].Param(2) != "stagebot" {
		t.Fatalf("WHOIS shows no account for the bot: %v", w)
	}
	if r := a.NotReadyReason(); r != "" {
		t.Fatalf("connected, yet not-ready reason %q", r)
	}
}
