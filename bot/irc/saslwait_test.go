package irc

import (
	"strings"
	"testing"
)

// TestSASLWaitsForCapNew: a server that offers no SASL yet but has cap-notify gets no
// CAP END (registration stays open, the bot does not register anonymously); when it
// offers sasl by CAP NEW the bot logs in with it and only then ends CAP.
func TestSASLWaitsForCapNew(t *testing.T) {
	s, _, w := testSession(t)
	s.a.cfg.SASLMechanism, s.a.cfg.SASLUser, s.a.cfg.SASLPassword = "PLAIN", "bot", "pw"
	feed(s, []byte(":irc.test CAP * LS :cap-notify message-tags\r\n"))
	feed(s, []byte(":irc.test CAP * ACK :cap-notify\r\n:irc.test CAP * ACK :message-tags\r\n"))
	if contains(w.written(), "CAP END") {
		t.Fatalf("CAP END without SASL: %q", w.written())
	}
	if r := s.a.NotReadyReason(); !strings.Contains(r, "no SASL") {
		t.Fatalf("not-ready reason %q", r)
	}
	feed(s, []byte(":irc.test CAP * NEW :sasl=PLAIN,EXTERNAL\r\n"))
	w.await(t, "CAP REQ :sasl", func(l []string) bool { return contains(l, "CAP REQ :sasl") })
	feed(s, []byte(":irc.test CAP * ACK :sasl\r\n"))
	w.await(t, "AUTHENTICATE PLAIN", func(l []string) bool { return contains(l, "AUTHENTICATE PLAIN") })
	feed(s, []byte("AUTHENTICATE +\r\n:irc.test 903 * :SASL authentication successful\r\n"))
	if got := w.written(); got[len(got)-1] != "CAP END" {
		t.Fatalf("no CAP END after logging in: %q", got)
	}
	s.close()
}
