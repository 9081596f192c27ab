package irc

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"stagebot"
	"stagebot/bot"
	"stagebot/chat"
)

// words is a reply of the bot's own words.
func words(s string) chat.Message {
	return chat.Message{Kind: chat.Reply, Parts: []chat.Part{{Role: chat.Words, Text: s}}}
}

// TestInboundSaysWhereToAnswer: a line in a configured channel is handed to the core with
// a reply there addressed to the asker, a notice to them alone, and announcements heard
// there; in a channel the bot does not announce in, no announcements; in a query, a
// direct message answered in the query.
func TestInboundSaysWhereToAnswer(t *testing.T) {
	for _, c := range []struct {
		name, line     string
		direct, here   bool
		reply, private string
	}{
		{"configured channel", ":lander!u@h PRIVMSG #stage :!status", false, true,
			"PRIVMSG #stage :lander: ok", "NOTICE lander :ok"},
		{"other channel", ":lander!u@h PRIVMSG #elsewhere :!status", false, false,
			"PRIVMSG #elsewhere :lander: ok", "NOTICE lander :ok"},
		{"query", ":lander!u@h PRIVMSG stagebot :status", true, false,
			"PRIVMSG lander :ok", "NOTICE lander :ok"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, s, w := spoken(t, stagebot.Team{})
			h := s.in.(*fakeInbox)
			feed(s, []byte(c.line+"\r\n"))
			h.wait()
			if len(h.messages) != 1 {
				t.Fatalf("the inbox got %d messages", len(h.messages))
			}
			in := h.messages[0]
			if in.Direct != c.direct || in.AnnouncedHere != c.here || in.BotNick != "stagebot-long-nick" ||
				in.Author.ID != "lander!u@h" || in.Author.Network != stagebot.NetworkIRC {
				t.Fatalf("inbound %+v", in)
			}
			before := len(w.written())
			_ = in.Reply(words("ok"))
			_ = in.Private(words("ok"))
			if got := w.written()[before:]; len(got) != 2 || got[0] != c.reply || got[1] != c.private {
				t.Fatalf("wrote %q, want %q then %q", got, c.reply, c.private)
			}
		})
	}
}

// TestSendHighlightsFirst: the members an announcement mentions (at its end, as the
// renderer words it) go first, as their IRC nicks; a member known by account is
// highlighted by the account name, one without IRC by name. Other messages keep their
// mentions where they are, as nicks.
func TestSendHighlightsFirst(t *testing.T) {
	team := stagebot.Team{Landing: []stagebot.Member{{Name: "sil", IRC: "sil2100!*@*"}, {Name: "lead", IRC: "account:leadacct"},
		{Name: "plain"}}}
	ann := chat.Message{Kind: chat.Announcement, Parts: []chat.Part{{Role: chat.Words, Text: "["}, {Role: chat.ID, Text: "1a2b3c4d"},
		{Role: chat.Words, Text: "] "}, {Role: chat.Filename, Text: "a_1_all.click"}, {Role: chat.Words, Text: " requested"},
		{Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "sil"}, {Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "lead"},
		{Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "plain"}, {Role: chat.Words, Text: " "}, {Role: chat.Mention, Text: "stranger"}}}
	if got, want := chat.IRC(highlighted(team, ann), "!", 400)[0], "sil2100 leadacct plain stranger: [1a2b3c4d] a_1_all.click requested"; got != want {
		t.Errorf("announcement %q, want %q", got, want)
	}
	none := chat.Message{Kind: chat.Announcement, Parts: ann.Parts[:5]}
	if got, want := chat.IRC(highlighted(team, none), "!", 400)[0], "[1a2b3c4d] a_1_all.click requested"; got != want {
		t.Errorf("announcement without mentions %q, want %q", got, want)
	}
	reply := chat.Message{Kind: chat.Reply, Parts: []chat.Part{{Role: chat.Words, Text: "1 more needed from "}, {Role: chat.Mention, Text: "sil"}}}
	if got, want := chat.IRC(nicks(team, reply), "!", 400)[0], "1 more needed from sil2100"; got != want {
		t.Errorf("reply %q, want %q", got, want)
	}
	if reply.Parts[1].Text != "sil" {
		t.Error("nicks changed the caller's message")
	}
}

// echoCaps sets the capabilities that decide how the session learns its lines' msgids.
func echoCaps(s *session, echo, labeled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caps["echo-message"] = echo
	s.caps["message-tags"] = labeled
	s.caps["labeled-response"] = labeled
}

// TestSendReturnsTheRequestLinesMsgid: Send returns once the server echoed the line, with
// the msgid it gave the line for a line that asks for approval (the ref a reaction finds
// its request by), "" for any other line and where the server echoes nothing; an echo
// that does not come in time is an error, so the core sends the line again.
func TestSendReturnsTheRequestLinesMsgid(t *testing.T) {
	const text = "[1a2b3c4d] a_1_all.click requested"
	ann := func(asks bool) bot.Outgoing {
		m := words(text)
		m.Kind, m.AsksApproval, m.RequestID = chat.Announcement, asks, "1a2b3c4d-full"
		return bot.Outgoing{Message: m}
	}
	for _, c := range []struct {
		name          string
		echo, labeled bool
		asks          bool
		echoLine      string // the server's echo; %s is the label
		want          string
		wantErr       bool
	}{
		{"labeled echo", true, true, true, "@label=%s;msgid=m1 :" + fuzzSelfMask + " PRIVMSG #stage :" + text, "m1", false},
		{"echo matched by text", true, false, true, "@msgid=m2 :" + fuzzSelfMask + " PRIVMSG #stage :" + text, "m2", false},
		{"not asking approval", true, true, false, "@label=%s;msgid=m3 :" + fuzzSelfMask + " PRIVMSG #stage :" + text, "", false},
		{"echo without msgid", true, true, true, "@label=%s :" + fuzzSelfMask + " PRIVMSG #stage :" + text, "", false},
		{"no echo-message", false, false, true, "", "", false},
		{"refused", true, true, true, "@label=%s :irc.test 404 stagebot #stage :Cannot send to channel", "", true},
		{"no echo in time", true, true, true, "", "", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			a, s, w := spoken(t, stagebot.Team{})
			a.cfg.echoTimeout = 300 * time.Millisecond
			echoCaps(s, c.echo, c.labeled)
			type result struct {
				ref string
				err error
			}
			done := make(chan result, 1)
			before := len(w.written())
			go func() {
				ref, err := a.Send(context.Background(), "#stage", ann(c.asks))
				done <- result{ref, err}
			}()
			var sent string
			w.await(t, "the announcement", func(l []string) bool {
				if len(l) > before {
					sent = l[before]
				}
				return len(l) > before
			})
			if !strings.HasSuffix(sent, "PRIVMSG #stage :"+text) {
				t.Fatalf("sent %q", sent)
			}
			if c.echoLine != "" {
				label := ""
				if c.labeled {
					label = strings.TrimPrefix(strings.Fields(sent)[0], "@label=")
				}
				line := c.echoLine
				if strings.Contains(line, "%s") {
					line = fmt.Sprintf(line, label)
				}
				feed(s, []byte(line+"\r\n"))
			}
			r := <-done
			if (r.err != nil) != c.wantErr || r.ref != c.want {
				t.Fatalf("Send = %q, %v; want %q, error %v", r.ref, r.err, c.want, c.wantErr)
			}
		})
	}
}

// TestRepliesNeverWait: a reply returns at once whatever the rate limit allows (the core
// may answer on the read loop, which must go on reading); the lines follow at the
// connection's pace, each person's in the order they were given.
func TestRepliesNeverWait(t *testing.T) {
	a, s, w := spoken(t, stagebot.Team{})
	s.out = newSender(w, 20, 1) // one line now, then one every 50 ms
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go s.out.run(ctx)
	say := a.speaker(ctx, destination{command: "PRIVMSG", target: "#stage", addressee: "lander", who: "irc:l@h"})
	before := len(w.written())
	start := time.Now()
	for i := range 5 {
		_ = say(words(fmt.Sprintf("answer %d", i)))
	}
	if d := time.Since(start); d > 40*time.Millisecond {
		t.Fatalf("five replies took %s to hand over: a reply waited for the rate limit", d)
	}
	w.await(t, "five answers", func(l []string) bool { return len(l)-before == 5 })
	for i, l := range w.written()[before:] {
		if want := fmt.Sprintf("PRIVMSG #stage :lander: answer %d", i); l != want {
			t.Fatalf("line %d %q, want %q", i, l, want)
		}
	}
}

// TestReplyOutlivesAReconnect: a reply the connection lost is written on the next one,
// once, and the dead one is not written to again meanwhile.
func TestReplyOutlivesAReconnect(t *testing.T) {
	a, s, _ := spoken(t, stagebot.Team{})
	broken := &countingBrokenWriter{}
	s.out = newSender(broken, 1000, 1000)
	_ = a.speaker(context.Background(), destination{command: "PRIVMSG", target: "#stage", addressee: "lander", who: "irc:l@h"})(words("still here"))
	time.Sleep(50 * time.Millisecond) // room for a write to the dead connection to show
	if n := broken.writes.Load(); n != 1 {
		t.Fatalf("%d writes on the dead connection, want 1", n)
	}
	s2, _, w2 := testSession(t)
	s2.a = a
	a.mu.Lock()
	a.sess = s2
	close(a.up)
	a.up = make(chan struct{})
	a.mu.Unlock()
	s.close()
	w2.await(t, "the reply on the new connection", func(l []string) bool {
		return len(l) == 1 && l[0] == "PRIVMSG #stage :lander: still here"
	})
}

// countingBrokenWriter fails every write, counting them: the connection is gone.
type countingBrokenWriter struct{ writes atomic.Int32 }

func (w *countingBrokenWriter) Write(string) error {
	w.writes.Add(1)
	return errors.New("broken pipe")
}

// TestBudgetFitsTheRelayedLine: a line of budget bytes of text is exactly 512 as the
// server relays it, with the bot's hostmask as the server shows it, or, before the server
// has shown it, the longest it could be (ISUPPORT USERLEN and HOSTLEN when the server
// names them); a 396 changes the host the budget counts.
func TestBudgetFitsTheRelayedLine(t *testing.T) {
	for _, c := range []struct {
		name, lines, mask string
	}{
		{"known", ":stagebot!~stagebot@127.0.0.1 JOIN #stage\r\n", "stagebot!~stagebot@127.0.0.1"},
		{"guessed", "", "stagebot!~uuuuuuuuuu@" + strings.Repeat("h", defaultHostLen)},
		{"ISUPPORT", ":irc.test 005 stagebot USERLEN=12 HOSTLEN=80 :are supported\r\n",
			"stagebot!~uuuuuuuuuuuu@" + strings.Repeat("h", 80)},
		{"396", ":stagebot!~stagebot@127.0.0.1 JOIN #stage\r\n:irc.test 396 stagebot a.much.longer.cloak.example.net :is now your displayed host\r\n",
			"stagebot!~stagebot@a.much.longer.cloak.example.net"},
		{"396 user@host", ":stagebot!~stagebot@127.0.0.1 JOIN #stage\r\n:irc.test 396 stagebot bot@cloak.example :is now your displayed host\r\n",
			"stagebot!bot@cloak.example"},
		{"own echo", ":stagebot!~stagebot@127.0.0.1 JOIN #stage\r\n:stagebot!~stagebot@changed.example PRIVMSG #stage :hi\r\n",
			"stagebot!~stagebot@changed.example"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, _, _ := testSession(t)
			feed(s, []byte(":irc.test 001 stagebot :hi\r\n"+c.lines))
			for _, target := range []string{"#stage", "#" + strings.Repeat("c", 49)} {
				budget := s.budget("PRIVMSG", target)
				if n := len(":" + c.mask + " PRIVMSG " + target + " :" + strings.Repeat("x", budget) + "\r\n"); n != maxLine {
					t.Errorf("%s: relayed line of %d bytes, want %d", target, n, maxLine)
				}
			}
			s.close()
		})
	}
}

// TestReactionsAnsweredOnlyOnOwnLines: every reaction reaches the core (a request's line
// posted before a restart still counts, by its ref), but only one on a line the bot saw
// echoed as its own may be answered privately: a 👍 one person gives another's line
// earns no notice. A reaction on a request line the bot posted carries its request, so
// it counts even before the core has recorded the line's ref.
func TestReactionsAnsweredOnlyOnOwnLines(t *testing.T) {
	a, s, w := spoken(t, stagebot.Team{})
	h := s.in.(*fakeInbox)
	echoCaps(s, true, false)
	s.mu.Lock()
	s.caps["account-tag"] = true
	s.mu.Unlock()

	m := words("[1a2b3c4d] a_1_all.click requested")
	m.Kind, m.AsksApproval, m.RequestID = chat.Announcement, true, "1a2b3c4d-full"
	sent := make(chan string, 1)
	go func() {
		ref, err := a.Send(context.Background(), "#stage", bot.Outgoing{Message: m})
		if err != nil {
			t.Error(err)
		}
		sent <- ref
	}()
	w.await(t, "the request line", func(l []string) bool { return strings.HasSuffix(l[len(l)-1], "requested") })
	// The reaction right behind the echo, before Send has even returned the ref.
	feed(s, []byte("@msgid=m-req :"+fuzzSelfMask+" PRIVMSG #stage :[1a2b3c4d] a_1_all.click requested\r\n"+
		"@account=sil;+draft/react=👍;+draft/reply=m-req :sil!u@h TAGMSG #stage\r\n"+
		"@msgid=m-own :"+fuzzSelfMask+" PRIVMSG #stage :lander: ok\r\n"+
		"@account=sil;+draft/react=👍;+draft/reply=m-theirs :sil!u@h TAGMSG #stage\r\n"+
		"@account=sil;+draft/react=👍;+draft/reply=m-own :sil!u@h TAGMSG #stage\r\n"))
	if ref := <-sent; ref != "m-req" {
		t.Fatalf("Send returned %q, want m-req", ref)
	}
	h.wait()
	want := map[string]struct {
		request string
		private bool
	}{"m-req": {"1a2b3c4d-full", true}, "m-theirs": {"", false}, "m-own": {"", true}}
	if len(h.decisions) != len(want) {
		t.Fatalf("%d decisions, want %d", len(h.decisions), len(want))
	}
	for _, d := range h.decisions {
		if w := want[d.Ref]; d.RequestID != w.request || (d.Private != nil) != w.private || d.Public == nil {
			t.Errorf("decision on %s: request %q, private answer %v, public %v; want %q, %v, true",
				d.Ref, d.RequestID, d.Private != nil, d.Public != nil, w.request, w.private)
		}
	}
}
