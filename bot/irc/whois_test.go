package irc

import (
	"testing"
	"time"
)

// TestWhoisUnansweredIsAskedAgain: a WHOIS the server never answers, or refuses with 263
// RPL_TRYAGAIN, leaves the sender not logged in for that one command; the next command
// from the same nick sends a fresh WHOIS, and its answer counts.
func TestWhoisUnansweredIsAskedAgain(t *testing.T) {
	s, h, w := testSession(t)
	s.a.cfg.whoisTimeout = 200 * time.Millisecond
	feed(s, []byte(":irc.test 001 stagebot :hi\r\n:stagebot!s@h JOIN #stage\r\n"))
	lastAccount := func() string { return h.last().Author.Account }

	// Lag: no answer at all.
	feed(s, []byte(":sil!u@host PRIVMSG #stage :!approve 1234\r\n"))
	w.await(t, "WHOIS sil", func(l []string) bool { return count(l, "WHOIS sil") == 1 })
	h.wait()
	if a := lastAccount(); a != "" {
		t.Fatalf("an unanswered WHOIS gave account %q", a)
	}
	// Refused with 263: the command goes on at once, not at the time-out.
	s.a.cfg.whoisTimeout = time.Minute
	feed(s, []byte(":sil!u@host PRIVMSG #stage :!approve 1234\r\n"))
	w.await(t, "a second WHOIS sil", func(l []string) bool { return count(l, "WHOIS sil") == 2 })
	start := time.Now()
	feed(s, []byte(":irc.test 263 stagebot WHOIS :Please wait a while and try again.\r\n"))
	h.wait()
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("the command waited %s after the 263: the refusal did not end the wait", d)
	}
	// Answered: the account counts.
	feed(s, []byte(":sil!u@host PRIVMSG #stage :!approve 1234\r\n"))
	w.await(t, "a third WHOIS sil", func(l []string) bool { return count(l, "WHOIS sil") == 3 })
	feed(s, []byte(":irc.test 311 stagebot sil u host * :r\r\n:irc.test 330 stagebot sil silacct :is logged in as\r\n:irc.test 318 stagebot sil :End\r\n"))
	h.wait()
	if a := lastAccount(); a != "silacct" {
		t.Fatalf("after a fresh WHOIS the account is %q, want silacct", a)
	}
	if n := len(h.messages); n != 3 {
		t.Fatalf("%d commands reached the inbox, want 3", n)
	}
	s.close()
}

// TestWhoisOnlyForCommandsThatNeedIt: ordinary chat and read-only commands never cost a
// WHOIS: the core resolves the author (Inbound.Resolve) only for a command that changes
// something, and that costs one.
func TestWhoisOnlyForCommandsThatNeedIt(t *testing.T) {
	s, h, w := testSession(t)
	feed(s, []byte(":irc.test 001 stagebot :hi\r\n:stagebot!s@h JOIN #stage\r\n"))
	feed(s, []byte(":sil!u@host PRIVMSG #stage :hello there\r\n:sil!u@host PRIVMSG #stage :!status 1234\r\n"))
	h.wait()
	if n := count(w.written(), "WHOIS sil"); n != 0 {
		t.Fatalf("%d WHOIS for chat and !status, want none", n)
	}
	if len(h.messages) != 2 || h.messages[1].Text != "!status 1234" || h.messages[1].Author.ID != "sil!u@host" {
		t.Fatalf("the inbox got %+v, want the chatter and the !status", h.messages)
	}
	feed(s, []byte(":sil!u@host PRIVMSG #stage :!approve 1234\r\n"))
	w.await(t, "WHOIS sil", func(l []string) bool { return count(l, "WHOIS sil") == 1 })
	feed(s, []byte(":irc.test 318 stagebot sil :End\r\n"))
	h.wait()
	s.close()
}
