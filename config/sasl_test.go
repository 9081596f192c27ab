package config

import (
	"strings"
	"testing"
)

// TestSASLPlainNeedsTLS: check-config refuses SASL PLAIN over plain TCP, except to a
// loopback address.
func TestSASLPlainNeedsTLS(t *testing.T) {
	base := "console: false\nteam: {landing: [{name: a}], landers: [{name: \"*\"}]}\n"
	irc := func(server, tls string) string {
		return base + "irc: {server: \"" + server + "\", tls: " + tls + ", channels: [\"#c\"], sasl: {mechanism: PLAIN, user: u, password: p}}\n"
	}
	for _, c := range []struct {
		yaml string
		ok   bool
	}{
		{irc("irc.example.net:6667", "false"), false},
		{irc("10.0.0.1:6667", "false"), false},
		{irc("irc.example.net:6697", "true"), true},
		{irc("127.0.0.1:6667", "false"), true},
		{irc("[::1]:6667", "false"), true},
		{irc("localhost:6667", "false"), true},
	} {
		_, err := Parse("f.yaml", []byte(c.yaml), env(nil))
		refused := err != nil && strings.Contains(err.Error(), "f.yaml: irc.sasl: PLAIN sends the password in the clear")
		if refused == c.ok {
			t.Errorf("%s: err %v", c.yaml, err)
		}
		if c.ok && err != nil {
			t.Errorf("%s: unexpected problems: %v", c.yaml, err)
		}
	}
}
