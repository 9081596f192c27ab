package irc_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/bottest"
	"stagebot/internal/ircdtest"
)

// renameTo changes c's nick and waits until the server confirms it.
func renameTo(t *testing.T, c *ircdtest.Client, nick string) {
	t.Helper()
	c.Send("NICK %s", nick)
	c.Expect(func(m *irc.Message) bool { return m.Command == "NICK" && strings.EqualFold(m.Param(0), nick) })
	c.Nick = nick
}

// TestNickChangesShareOneLimit: one person sends twenty commands in bursts of five under
// four nicks (a NICK between bursts), faster than the limit gives tokens back: the limit's
// five are answered, the first command over it gets the one "slow down" (a notice to the
// nick that sent it), and the rest nothing, whatever nick asked.
func TestNickChangesShareOneLimit(t *testing.T) {
	t.Parallel()
	srv := ircdtest.Start(t, ircdtest.Options{})
	flooder := ircdtest.Dial(t, srv.Addr, "nick0")
	other := ircdtest.Dial(t, srv.Addr, "other")
	flooder.Join(channel)
	other.Join(channel)
	// Five a minute: no token comes back while the twenty are read.
	bottest.StartWith(t, bottest.Options{NoConsole: true, Team: hostmaskTeam,
		Extra: onIRC{addr: srv.Addr, commands: "5/60s", baseURL: "http://127.0.0.1:1/"}.yaml()})
	awaitBotIn(t, other, bottest.Wait)

	for burst := range 4 {
		if burst > 0 {
			renameTo(t, flooder, fmt.Sprintf("nick%d", burst))
		}
		for i := range 5 {
			flooder.Say(channel, fmt.Sprintf("!status aaaa%02d%02d", burst, i))
		}
		if burst == 1 {
			// The notice goes to the nick that asked: it must still be theirs when it
			// comes (no token comes back meanwhile).
			flooder.Await(bottest.Wait, ircdtest.TextFrom("stagebot", "slow down"))
		}
	}
	// The bot reads one connection's lines in order and judges each on the read loop:
	// once it answers a command sent after the twenty, it has judged them all.
	other.Say(channel, "!status bbbb0001")
	other.Expect(ircdtest.TextFrom("stagebot", "bbbb0001"))

	// Wait out any line still on its way, and read everything the flooder saw (renameTo
	// consumed some of it).
	for {
		if _, ok := flooder.Await(1500*time.Millisecond, ircdtest.TextFrom("stagebot")); !ok {
			break
		}
	}
	var answered []string
	var warned []string // the nicks told to slow down
	for _, m := range flooder.Seen() {
		if !ircdtest.TextFrom("stagebot")(m) || strings.Contains(m.Trailing(), "bbbb") {
			continue
		}
		if m.Command == "NOTICE" && strings.Contains(m.Trailing(), "slow down") {
			warned = append(warned, m.Param(0))
			continue
		}
		if m.Param(0) != channel {
			continue
		}
		to, text, _ := strings.Cut(m.Trailing(), ": ")
		switch {
		case strings.Contains(text, "aaaa"):
			answered = append(answered, to+": "+text)
		default:
			t.Fatalf("unexpected line: %q", m.Trailing())
		}
	}
	if len(answered) != 5 || len(warned) != 1 {
		t.Fatalf("%d answers and %d slow-downs (to %q); want 5 and 1\nanswers: %q", len(answered), len(warned), warned, answered)
	}
	for i, a := range answered {
		if want := fmt.Sprintf("aaaa00%02d", i); !strings.HasPrefix(a, "nick0: refused: no request with ID or package ") || !strings.Contains(a, want) {
			t.Errorf("answer %d: %q, want nick0's refusal about %s (the first burst's)", i, a, want)
		}
	}
	if warned[0] != "nick1" {
		t.Errorf("the slow-down went to %q, want nick1 (the first command over the limit)", warned[0])
	}
}

// heldDownloads serves every download only once the test releases it (then as not found),
// and tells when one has started.
func heldDownloads(t *testing.T) (baseURL string, started <-chan string, release func()) {
	t.Helper()
	begun := make(chan string, 16)
	released := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		begun <- r.URL.Path
		select {
		case <-released:
		case <-r.Context().Done():
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	var once sync.Once
	release = func() { once.Do(func() { close(released) }) }
	// Before the server closes (cleanups run last first): Close waits for its handlers.
	t.Cleanup(release)
	return srv.URL + "/", begun, release
}

// TestStrangerOnMembersNickHoldsNotTheMember: a member leaves; a stranger takes their nick
// and starts a !stage whose download the test holds; the member comes back under another
// nick, asks !status, then takes their nick back once the stranger moved on and asks
// again. Both answers come while the stranger's download is still held: the member was
// never on the stranger's lane, whether the team knows them by services account or by
// hostmask.
func TestStrangerOnMembersNickHoldsNotTheMember(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		services bool
		team     string
		member   ircdtest.ClientOptions
	}{
		{"services account", true, `  landing: [{name: sil, irc: "account:sil"}]
  landers: [{name: "*"}]`, ircdtest.ClientOptions{User: "sil", Account: "sil", Password: "silpass"}},
		{"host pattern", false, `  landing: [{name: sil, irc: "sil!sil@127.0.0.1"}]
  landers: [{name: "*"}]`, ircdtest.ClientOptions{User: "sil"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := ircdtest.Start(t, ircdtest.Options{Services: c.services})
			if c.services {
				reg := ircdtest.Dial(t, srv.Addr, "sil")
				reg.Register("silpass")
				reg.Close()
			}
			base, started, release := heldDownloads(t)
			watch := ircdtest.Dial(t, srv.Addr, "watch")
			watch.Join(channel)
			member := ircdtest.Dial(t, srv.Addr, "sil", c.member)
			member.Join(channel)
			bottest.StartWith(t, bottest.Options{NoConsole: true, Team: c.team,
				Extra: onIRC{addr: srv.Addr, baseURL: base}.yaml()})
			awaitBotIn(t, watch, bottest.Wait)

			member.Close()
			watch.Expect(func(m *irc.Message) bool { return m.Command == "QUIT" && m.Prefix.Name == "sil" })
			stranger := ircdtest.Dial(t, srv.Addr, "sil", ircdtest.ClientOptions{User: "mallory"})
			stranger.Join(channel)
			stranger.Say(channel, "!stage com.example.held_1.0_all.click")
			select {
			case <-started:
			case <-time.After(bottest.Wait):
				t.Fatal("the stranger's download did not start")
			}

			back := ircdtest.Dial(t, srv.Addr, "sil_back", c.member)
			back.Join(channel)
			// Answered at once or not at all: a read-only command waits for nothing.
			const prompt = 10 * time.Second
			ask := func(id string) {
				t.Helper()
				asked := time.Now()
				back.Say(channel, "!status "+id)
				m, ok := back.Await(prompt, ircdtest.TextFrom("stagebot", id))
				t.Logf("%s's !status %s answered: %v, after %s", back.Nick, id, ok, time.Since(asked).Round(time.Millisecond))
				if !ok {
					t.Fatalf("%s's !status %s not answered within %s while the stranger's download is held", back.Nick, id, prompt)
				}
				if !strings.HasPrefix(m.Trailing(), back.Nick+": ") {
					t.Fatalf("answer %q not addressed to %s", m.Trailing(), back.Nick)
				}
			}
			ask("aaaa0001")
			renameTo(t, stranger, "mallory")
			renameTo(t, back, "sil")
			ask("aaaa0002")

			select {
			case path := <-started:
				t.Fatalf("another download started: %s", path)
			default:
			}
			release()
			// The held download was the stranger's own: its answer comes now, to the nick
			// that asked.
			stranger.Expect(ircdtest.TextFrom("stagebot", "404"))
		})
	}
}
