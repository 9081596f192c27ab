package stagebot

import (
	"strings"
	"testing"
)

// TestCheckIRC: a hostmask pattern is refused unless its host part pins something; accounts
// and malformed patterns are judged too.
func TestCheckIRC(t *testing.T) {
	cases := []struct {
		pattern string
		want    string // "" = valid; else a fragment of the refusal
	}{
		{"account:sil2100", ""},
		{"robru!*@canonical/*", ""},
		{"*!*@*.canonical.com", ""},
		{"sil!*@127.0.0.1", ""},
		{"sil!~sil@2001:db8::1", ""},
		{"sil!*@user/sil2100", ""},
		{"sil!*@ab", ""},
		{"sil!*@*ab*", ""},
		{"[bot]!*@host.example", ""},
		{"sil2100!*@*", "trusts anyone who takes the nick"},
		{"sil2100!*@*/*", "trusts anyone who takes the nick"},
		{"sil2100!*@*:*", "trusts anyone who takes the nick"},
		{"sil2100!*@*-*", "trusts anyone who takes the nick"},
		{"sil2100!*@*0*", "trusts anyone who takes the nick"},
		{"sil2100!*@*.*", "trusts anyone who takes the nick"},
		{"sil2100!*@?*", "trusts anyone who takes the nick"},
		{"sil2100!*@a.b.c", "trusts anyone who takes the nick"},
		{"sil2100!*@::1", "trusts anyone who takes the nick"},
		{"sil2100!*@*-*", `such as "sil2100!*@user/cloak"`},
		{"*!*@*", `such as "NICK!*@user/cloak"`},
		{"sil2100", "must be a hostmask pattern"},
		{"sil2100@host.example", "must be a hostmask pattern"},
		{"a!b!c@host.example", "must be a hostmask pattern"},
		{"a!b@c@host.example", "must be a hostmask pattern"},
		{"a!@host.example", "must be a hostmask pattern"},
		{"!b@host.example", "must be a hostmask pattern"},
		{"a!b@", "must be a hostmask pattern"},
		{"a b!c@host.example", "must be a hostmask pattern"},
		{"account:", "names no account"},
		{"account:*", "takes no wildcards"},
		{"account:sil 2100", "takes no wildcards"},
	}
	for _, c := range cases {
		t.Run(c.pattern, func(t *testing.T) {
			err := CheckIRC(c.pattern)
			switch {
			case c.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.want != "" && err == nil:
				t.Fatalf("accepted, want a refusal saying %q", c.want)
			case c.want != "" && !strings.Contains(err.Error(), c.want):
				t.Fatalf("refusal %q lacks %q", err, c.want)
			}
		})
	}
}
