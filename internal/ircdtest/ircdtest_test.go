package ircdtest

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/irc.v4"

	"stagebot/internal/testenv"
)

// TestServerRelaysTagsAndHistory checks the harness itself: two clients meet in a history
// channel, a message carries a msgid, a reaction reaches the other side, and a client
// joining later gets the history replayed.
func TestServerRelaysTagsAndHistory(t *testing.T) {
	s := Start(t, Options{HistoryChannels: []string{"#hist"}})
	a := Dial(t, s.Addr, "alice")
	b := Dial(t, s.Addr, "bob")
	a.Join("#hist")
	b.Join("#hist")
	a.Say("#hist", "hello there")
	m := b.ExpectText("alice", "hello there")
	msgid := m.Tags["msgid"]
	if msgid == "" {
		t.Fatalf("no msgid on %s", m)
	}
	b.React("#hist", msgid, "👍")
	r := a.Expect(func(m *irc.Message) bool { return m.Command == "TAGMSG" })
	if r.Tags["+draft/react"] != "👍" || r.Tags["+draft/reply"] != msgid {
		t.Fatalf("reaction arrived as %s", r)
	}
	late := Dial(t, s.Addr, "carol")
	late.Send("JOIN #hist")
	h := late.ExpectText("alice", "hello there")
	if !strings.Contains(h.String(), "hello there") {
		t.Fatalf("history line %s", h)
	}
}

func TestServicesAccounts(t *testing.T) {
	s := Start(t, Options{Services: true})
	a := Dial(t, s.Addr, "dave")
	a.Register("davepass")
	b := Dial(t, s.Addr, "other", ClientOptions{Account: "dave", Password: "davepass"})
	b.Send("WHOIS other")
	m := b.Expect(func(m *irc.Message) bool { return m.Command == "330" || m.Command == "318" })
	if m.Command != "330" || m.Param(2) != "dave" {
		t.Fatalf("WHOIS shows no account: %s", m)
	}
}

func TestRestartKeepsPort(t *testing.T) {
	s := Start(t)
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	Dial(t, s.Addr, "erin")
}

// TestTLSAndSASLExternal checks the harness's TLS listener and SASL EXTERNAL: a client
// trusting the test CA connects over TLS, and one presenting a certificate whose
// fingerprint is on an account's NickServ CERT list logs in to that account.
func TestTLSAndSASLExternal(t *testing.T) {
	s := Start(t, Options{Services: true, TLS: true})
	cert := s.CA.ClientCert("frank", "frank")
	a := Dial(t, s.Addr, "frank")
	a.Register("frankpass")
	a.AddCert(cert.Fingerprint)
	b := Dial(t, s.TLSAddr, "tlsfrank", ClientOptions{TLS: s.ClientTLS(&cert), External: true})
	b.Send("WHOIS tlsfrank")
	m := b.Expect(func(m *irc.Message) bool { return m.Command == "330" || m.Command == "318" })
	if m.Command != "330" || m.Param(2) != "frank" {
		t.Fatalf("WHOIS shows no account: %s", m)
	}
}

// TestNewWithoutATest: New runs a server with no test around it (as the bench does), in the
// folder it is given, and Close stops it.
func TestNewWithoutATest(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, Options{})
	if err != nil {
		testenv.Unavailable(t, "%v", err)
	}
	Dial(t, s.Addr, "grace")
	if _, err := os.Stat(filepath.Join(dir, "inspircd.conf")); err != nil {
		t.Errorf("the server's files are not in its folder: %v", err)
	}
	s.Close()
	if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts connections after Close", s.Addr)
	}
}

// A port picked free and taken by another process before InspIRCd binds it (as another
// package's test may): InspIRCd would run without that listener, and a dial to the port
// would reach the other process. The harness starts it again on new ports instead.
func TestTakenPortIsPickedAgain(t *testing.T) {
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	taken := other.Addr().(*net.TCPAddr).Port
	calls := 0
	pickPort = func() (int, error) {
		calls++
		if calls == 1 { // the first client port
			return taken, nil
		}
		return testenv.PickFreePort()
	}
	t.Cleanup(func() { pickPort = testenv.PickFreePort })
	s := Start(t)
	if s.Port == taken {
		t.Fatalf("the server kept the taken port %d", taken)
	}
	missing, err := testenv.NotListening(s.pid(), []int{s.Port})
	if err != nil || len(missing) != 0 {
		t.Fatalf("InspIRCd does not listen on %v (err %v)", missing, err)
	}
	Dial(t, s.Addr, "alice").Join("#x")
}
