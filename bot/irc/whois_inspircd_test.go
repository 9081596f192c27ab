package irc_test

import (
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	ircbot "stagebot/bot/irc"
	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// The tests here run the bot through an ircdtest.Proxy that hides account-tag,
// extended-join and account-notify from InspIRCd's capabilities: the bot then knows an
// account only by asking WHOIS, as on a network without them. The proxy counts the bot's
// WHOIS lines and loses or refuses the ones a test picks.

// whoisOf matches the bot's WHOIS for nick.
func whoisOf(nick string) func(string) bool {
	return func(line string) bool {
		f := strings.Fields(line)
		return len(f) == 2 && strings.EqualFold(f[0], "WHOIS") && strings.EqualFold(f[1], nick)
	}
}

// startWhoisBot starts the bot on srv through a proxy, on IRC as on says (its address and
// downloads are filled in); inChannel, a client in the channel, sees the bot there when
// this returns. It hands back the proxy, the bot's log, and the clicks' URL and folder.
func startWhoisBot(t *testing.T, srv *ircdtest.Server, team string, inChannel *ircdtest.Client, on onIRC) (*ircdtest.Proxy, *bottest.Log, string, string) {
	t.Helper()
	dir := t.TempDir()
	base := serveClicks(t, dir)
	proxy := ircdtest.StartProxy(t, srv.Addr)
	proxy.HideCaps("account-tag", "extended-join", "account-notify")
	on.addr, on.baseURL = proxy.Addr, base
	b := bottest.StartWith(t, bottest.Options{NoConsole: true, Team: team, Extra: on.yaml()})
	awaitBotIn(t, inChannel, bottest.Wait)
	return proxy, b.Log, base, dir
}

// mayNot matches the bot's answer that nick may not do what it asked.
func mayNot(nick string) func(*irc.Message) bool {
	return ircdtest.TextFrom("stagebot", nick+": ", "may not")
}

// TestWhoisUnansweredTimesOutOnInspIRCd: a WHOIS that never reaches the server (lag) ends
// at the time-out, and the command is answered as from someone not logged in; the next
// command from that nick asks again, and the answer (logged in) counts.
func TestWhoisUnansweredTimesOutOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{Services: true, HistoryChannels: []string{channel}})
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	sil.Register("silpass") // and logged in
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	sil.Join(channel)
	lander.Join(channel)
	proxy, log, base, dir := startWhoisBot(t, srv, `  landing: [{name: sil, irc: "account:sil"}]
  landers: [{name: "*"}]`, lander, onIRC{})
	file := buildClick(t, dir, "com.example.whoislag", "1.0")
	id, _ := stageOne(t, lander, sil, base, file)

	proxy.Inject(ircdtest.Fault{Match: whoisOf("sil"), Times: 1})
	asked := time.Now()
	sil.Say(channel, "!approve "+id)
	proxy.Expect(1, whoisOf("sil"))
	wait := ircbot.DefaultWhoisTimeout + ircdtest.DefaultWait
	if _, ok := sil.Await(wait, mayNot("sil")); !ok {
		t.Fatalf("no answer to !approve within %s of an unanswered WHOIS: the command is stuck", wait)
	}
	if d := time.Since(asked); d < ircbot.DefaultWhoisTimeout/2 {
		t.Fatalf("refused %s after asking, before the WHOIS could time out: it was not waited for", d)
	}
	log.Await(1, "no WHOIS answer", "nick=sil")
	expectPending(t, sil, id)

	sil.Say(channel, "!approve "+id)
	proxy.Expect(2, whoisOf("sil"))
	sil.Expect(announcement(id, file, "approved"))
	if n := proxy.Count(whoisOf("sil")); n != 2 {
		t.Fatalf("%d WHOIS sil, want 2", n)
	}
}

// TestWhoisTryAgainOnInspIRCd: a WHOIS the server refuses with 263 RPL_TRYAGAIN ends the
// wait at once (the command is answered as from someone not logged in, long before the
// time-out) and is not remembered: the next command asks again, and its answer counts.
func TestWhoisTryAgainOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{Services: true, HistoryChannels: []string{channel}})
	sil := ircdtest.Dial(t, srv.Addr, "sil")
	sil.Register("silpass")
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	sil.Join(channel)
	lander.Join(channel)
	proxy, log, base, dir := startWhoisBot(t, srv, `  landing: [{name: sil, irc: "account:sil"}]
  landers: [{name: "*"}]`, lander, onIRC{})
	file := buildClick(t, dir, "com.example.whoisbusy", "1.0")
	id, _ := stageOne(t, lander, sil, base, file)

	proxy.Inject(ircdtest.Fault{Match: whoisOf("sil"), Times: 1, Reply: ircdtest.TryAgain("stagebot")})
	sil.Say(channel, "!approve "+id)
	proxy.Expect(1, whoisOf("sil"))
	// Half the time-out: an answer only after the time-out means the 263 was ignored.
	wait := ircbot.DefaultWhoisTimeout / 2
	if _, ok := sil.Await(wait, mayNot("sil")); !ok {
		t.Fatalf("no answer to !approve within %s of a 263 for its WHOIS", wait)
	}
	log.Await(1, "refused a WHOIS for now (263)")
	expectPending(t, sil, id)

	sil.Say(channel, "!approve "+id)
	proxy.Expect(2, whoisOf("sil"))
	sil.Expect(announcement(id, file, "approved"))
}

// TestWhoisOnlyWhereNeededOnInspIRCd: chat and read-only commands (!help, !queue,
// !status, !history) never cost a WHOIS; a command that changes things (!approve,
// !cancel) and a reaction each do, for the nick that sent it.
func TestWhoisOnlyWhereNeededOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	people := []string{"sil", "ana", "bo"}
	clients := map[string]*ircdtest.Client{}
	team := "  landing:\n"
	for _, n := range people {
		clients[n] = ircdtest.Dial(t, srv.Addr, n)
		clients[n].Join(channel)
		team += "    - {name: " + n + ", irc: \"" + n + "!" + n + "@127.0.0.1\"}\n"
	}
	team += `  landers: [{name: "*"}]`
	lander := ircdtest.Dial(t, srv.Addr, "lander")
	lander.Join(channel)
	proxy, _, base, dir := startWhoisBot(t, srv, team, lander, onIRC{})

	type request struct{ id, msgid, file, pkg string }
	reqs := map[string]request{}
	for _, n := range people {
		pkg := "com.example.whois" + n
		file := buildClick(t, dir, pkg, "1.0")
		id, msgid := stageOne(t, lander, clients[n], base, file)
		reqs[n] = request{id, msgid, file, pkg}
	}

	for _, n := range people {
		c, r := clients[n], reqs[n]
		for _, text := range []string{"hello there", "!help", "!queue", "!status " + r.id, "stagebot: status " + r.id, "!history " + r.pkg} {
			c.Say(channel, text)
		}
		// Each person's lines are answered in order: the !history reply comes last.
		_, answered := c.Await(ircdtest.DefaultWait, ircdtest.TextFrom("stagebot", n+": ", r.id+" "+r.file, ", by "))
		if k := proxy.Count(whoisOf(n)); k != 0 || !answered {
			t.Fatalf("%d WHOIS %s for chat and read-only commands, want none (all answered: %v)", k, n, answered)
		}
	}

	steps := []struct {
		nick string
		do   func(c *ircdtest.Client, r request)
		want string // announcement word
	}{
		{"sil", func(c *ircdtest.Client, r request) { c.Say(channel, "!approve "+r.id) }, "approved"},
		{"ana", func(c *ircdtest.Client, r request) { c.React(channel, r.msgid, "👍") }, "approved"},
		{"bo", func(c *ircdtest.Client, r request) { c.Say(channel, "!cancel "+r.id+" not needed") }, "cancelled"},
	}
	for _, s := range steps {
		c, r := clients[s.nick], reqs[s.nick]
		s.do(c, r)
		proxy.Expect(1, whoisOf(s.nick))
		c.Expect(announcement(r.id, r.file, s.want))
		if k := proxy.Count(whoisOf(s.nick)); k != 1 {
			t.Fatalf("%d WHOIS %s, want 1", k, s.nick)
		}
	}
}

// TestWhoisPacedOnInspIRCd: WHOIS lines go out under the connection's send limit, like
// chat lines, so commands from many people at once cannot get the bot throttled or
// killed for flooding: N lookups at rate R with a burst of 1 span at least (N-1)/R.
func TestWhoisPacedOnInspIRCd(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{HistoryChannels: []string{channel}})
	const rate = 4 // lines per second
	people := []string{"p1", "p2", "p3", "p4"}
	clients := make([]*ircdtest.Client, len(people))
	for i, n := range people {
		clients[i] = ircdtest.Dial(t, srv.Addr, n)
		clients[i].Join(channel)
	}
	proxy, _, _, _ := startWhoisBot(t, srv, `  landing: [{name: sil, irc: "sil!sil@127.0.0.1"}]
  landers: [{name: "*"}]`, clients[0], onIRC{sendRate: rate, sendBurst: 1})

	anyWhois := func(l string) bool { return strings.HasPrefix(strings.ToUpper(l), "WHOIS ") }
	// A state change from each at once (refused: there is no such request, and nobody
	// here is on the landing team), so the bot asks who each of them is.
	for _, c := range clients {
		c.Say(channel, "!approve 1234abcd")
	}
	for i, c := range clients {
		if _, ok := c.Await(ircbot.DefaultWhoisTimeout+ircdtest.DefaultWait, ircdtest.TextFrom("stagebot", people[i]+": ")); !ok {
			t.Fatalf("no answer to %s", people[i])
		}
	}
	at := proxy.Times(anyWhois)
	if len(at) != len(people) {
		t.Fatalf("%d WHOIS, want %d: %v", len(at), len(people), proxy.Sent())
	}
	// A little slack under the exact bound for the limiter's own rounding.
	least := time.Duration(len(people)-1) * time.Second / rate * 9 / 10
	span := at[len(at)-1].Sub(at[0])
	if span < least {
		t.Fatalf("%d WHOIS within %s, want them paced at %d/s (at least %s)", len(at), span, rate, least)
	}
	t.Logf("%d WHOIS over %s", len(at), span)
}
