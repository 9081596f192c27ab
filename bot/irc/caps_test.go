package irc

import (
	"slices"
	"testing"

	"gopkg.in/irc.v4"
)

func TestCapLS(t *testing.T) {
	for _, tc := range []struct {
		line     string
		wantMore bool
		want     map[string]string
	}{
		{":irc.test CAP * LS :a b=c sasl=PLAIN,EXTERNAL", false, map[string]string{"a": "", "b": "c", "sasl": "PLAIN,EXTERNAL"}},
		{":irc.test CAP * LS * :a b", true, map[string]string{"a": "", "b": ""}},
		{":irc.test CAP nick LS :", false, map[string]string{}},
	} {
		m := irc.MustParseMessage(tc.line)
		got, more := capLS(m)
		if more != tc.wantMore || len(got) != len(tc.want) {
			t.Errorf("%q: got %v more=%v", tc.line, got, more)
			continue
		}
		for k, v := range tc.want {
			if got[k] != v {
				t.Errorf("%q: %s=%q, want %q", tc.line, k, got[k], v)
			}
		}
	}
}

func TestChooseCaps(t *testing.T) {
	inspircd := parseCapList("account-notify account-tag away-notify batch cap-notify echo-message extended-join labeled-response message-tags sasl=PLAIN server-time")
	for _, tc := range []struct {
		name    string
		offered map[string]string
		mech    string
		want    []string
	}{
		{"all but sasl", inspircd, "", []string{"message-tags", "echo-message", "server-time", "account-tag", "extended-join", "account-notify", "labeled-response", "batch", "cap-notify"}},
		{"sasl plain offered", inspircd, "plain", []string{"message-tags", "echo-message", "server-time", "account-tag", "extended-join", "account-notify", "labeled-response", "batch", "cap-notify", "sasl"}},
		{"sasl external not offered", inspircd, "EXTERNAL", []string{"message-tags", "echo-message", "server-time", "account-tag", "extended-join", "account-notify", "labeled-response", "batch", "cap-notify"}},
		{"sasl without mechanism list", parseCapList("sasl"), "EXTERNAL", []string{"sasl"}},
		{"nothing offered", parseCapList(""), "PLAIN", nil},
	} {
		if got := chooseCaps(tc.offered, tc.mech); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestAckedCaps(t *testing.T) {
	on, off := ackedCaps("message-tags -echo-message  sasl")
	if !slices.Equal(on, []string{"message-tags", "sasl"}) || !slices.Equal(off, []string{"echo-message"}) {
		t.Fatalf("on %v off %v", on, off)
	}
}

func TestSASLLines(t *testing.T) {
	if got := saslLines("EXTERNAL", "", ""); !slices.Equal(got, []string{"AUTHENTICATE +"}) {
		t.Fatalf("EXTERNAL: %v", got)
	}
	if got := saslLines("PLAIN", "alice", "secretpw"); !slices.Equal(got, []string{"AUTHENTICATE YWxpY2UAYWxpY2UAc2VjcmV0cHc="}) {
		t.Fatalf("PLAIN: %v", got)
	}
	// 300 payload bytes are exactly 400 base64 characters: a lone "+" must follow.
	pw := string(make([]byte, 300-len("u\x00u\x00")))
	got := saslLines("PLAIN", "u", pw)
	if len(got) != 2 || len(got[0]) != len("AUTHENTICATE ")+400 || got[1] != "AUTHENTICATE +" {
		t.Fatalf("400-byte payload: %q", got)
	}
}
