package stagebot

import (
	"strings"
	"testing"
)

func TestMemberMatches(t *testing.T) {
	irc := func(mask, account string) Identity {
		return Identity{Network: NetworkIRC, ID: mask, Account: account}
	}
	cases := []struct {
		name   string
		member Member
		id     Identity
		want   bool
	}{
		{"hostmask exact", Member{Name: "sil", IRC: "sil2100!*@*"}, irc("sil2100!u@h", ""), true},
		{"hostmask case-insensitive", Member{Name: "sil", IRC: "Sil2100!*@*.Canonical.com"}, irc("sil2100!u@host.canonical.com", ""), true},
		{"hostmask other nick", Member{Name: "sil", IRC: "sil2100!*@*"}, irc("sil2101!u@h", ""), false},
		{"hostmask host cloak with slash", Member{Name: "r", IRC: "robru!*@canonical/*"}, irc("robru!r@canonical/robru", ""), true},
		{"hostmask wrong host", Member{Name: "r", IRC: "robru!*@canonical/*"}, irc("robru!r@evil.example", ""), false},
		{"nick with brackets", Member{Name: "b", IRC: "[bot]!*@*"}, irc("[bot]!u@h", ""), true},
		{"brackets are not a class", Member{Name: "b", IRC: "[bot]!*@*"}, irc("b!u@h", ""), false},
		{"account matches", Member{Name: "sil", IRC: "account:sil2100"}, irc("whoever!u@h", "sil2100"), true},
		{"account: same nick, no account", Member{Name: "sil", IRC: "account:sil2100"}, irc("sil2100!u@h", ""), false},
		{"account: other account", Member{Name: "sil", IRC: "account:sil2100"}, irc("sil2100!u@h", "mallory"), false},
		{"slack by ID", Member{Name: "sil", Slack: "U1"}, Identity{Network: NetworkSlack, ID: "U1", Name: "someone"}, true},
		{"slack display name is not identity", Member{Name: "sil", Slack: "U1"}, Identity{Network: NetworkSlack, ID: "U2", Name: "sil"}, false},
		{"matrix by full user ID", Member{Name: "sil", Matrix: "@sil:example.org"}, Identity{Network: NetworkMatrix, ID: "@sil:example.org"}, true},
		{"matrix same localpart, other server", Member{Name: "sil", Matrix: "@sil:example.org"}, Identity{Network: NetworkMatrix, ID: "@sil:evil.example"}, false},
		{"matrix display name is not identity", Member{Name: "sil", Matrix: "@sil:example.org"}, Identity{Network: NetworkMatrix, ID: "@m:example.org", Name: "sil"}, false},
		{"matrix ID is not a slack identity", Member{Name: "sil", Matrix: "U1"}, Identity{Network: NetworkSlack, ID: "U1"}, false},
		{"matrix needs an entry", Member{Name: "sil"}, Identity{Network: NetworkMatrix, ID: "sil"}, false},
		{"console by name", Member{Name: "sil"}, Identity{Network: NetworkConsole, ID: "sil"}, true},
		{"console name is not an irc identity", Member{Name: "sil"}, irc("sil!u@h", ""), false},
		{"wildcard", Member{Name: "*"}, irc("x!y@z", ""), true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.member.Matches(c.id); got != c.want {
				t.Fatalf("Matches(%+v) = %v, want %v", c.id, got, c.want)
			}
		})
	}
}

func TestResolveOnePersonAcrossNetworks(t *testing.T) {
	team := Team{Landing: []Member{{Name: "sil", IRC: "account:sil", Slack: "U1"}}, Landers: []Member{{Name: "*"}}}
	a := team.Resolve(Identity{Network: NetworkIRC, ID: "s!u@h", Account: "sil"})
	b := team.Resolve(Identity{Network: NetworkSlack, ID: "U1"})
	if a.Key != b.Key || a.Key != "member:sil" {
		t.Fatalf("keys %q and %q, want both member:sil", a.Key, b.Key)
	}
	if !a.Has(RoleLanding) || !a.Has(RoleLander) || a.Has(RoleQA) {
		t.Fatalf("roles %v", a.Roles)
	}
	stranger := team.Resolve(Identity{Network: NetworkSlack, ID: "U9"})
	if stranger.Has(RoleLanding) || stranger.Key != "slack:U9" {
		t.Fatalf("stranger %+v", stranger)
	}
}

func TestPolicyCountsDistinctPeopleOnCurrentBytes(t *testing.T) {
	r := &Request{SHA256: "new"}
	r.Approvals = []Approval{{Key: "member:a", SHA256: "old"}, {Key: "member:b", SHA256: "new"}, {Key: "member:b", SHA256: "new"}}
	if n := len(r.ValidApprovals()); n != 1 {
		t.Fatalf("%d valid approvals, want 1 (stale and duplicate ones do not count)", n)
	}
	if r.PolicyMet(Policy{Approvals: 2}) {
		t.Fatal("policy of 2 met with one person")
	}
	if !r.PolicyMet(Policy{Approvals: 1}) {
		t.Fatal("policy of 1 not met")
	}
	if r.PolicyMet(Policy{Approvals: 1, QASignoff: true}) {
		t.Fatal("QA sign-off required but absent")
	}
	r.QASignoff = &Approval{Key: "member:q", SHA256: "new"}
	if !r.PolicyMet(Policy{Approvals: 1, QASignoff: true}) {
		t.Fatal("QA sign-off present but policy not met")
	}
}

func TestIdentityWho(t *testing.T) {
	irc := func(mask, account string) Identity {
		nick, _, _ := strings.Cut(mask, "!")
		return Identity{Network: NetworkIRC, ID: mask, Account: account, Name: nick}
	}
	cases := []struct {
		name string
		id   Identity
		want Who
	}{
		{"account set", irc("sil!~s@host.example", "sil2100"), "account:sil2100"},
		{"account in another case", irc("sil!~s@host.example", "Sil2100"), "account:sil2100"},
		{"no account: user@host", irc("bob!~b@host.example", ""), "irc:~b@host.example"},
		{"host in another case", irc("bob!~b@Host.Example", ""), "irc:~b@host.example"},
		{"cloak", irc("robru!r@canonical/robru", ""), "irc:r@canonical/robru"},
		{"slack user ID, whatever the display name", Identity{Network: NetworkSlack, ID: "U1", Name: "sil2100"}, "slack:U1"},
		{"console name", Identity{Network: NetworkConsole, ID: "alice", Name: "alice"}, "console:alice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.id.Who(); got != c.want {
				t.Fatalf("Who() = %q, want %q", got, c.want)
			}
		})
	}
}

// TestIdentityWhoIgnoresNick: two messages are one person's exactly when their account, or
// without one their user@host, is the same; the nick never decides.
func TestIdentityWhoIgnoresNick(t *testing.T) {
	irc := func(mask, account string) Identity {
		return Identity{Network: NetworkIRC, ID: mask, Account: account}
	}
	cases := []struct {
		name string
		a, b Identity
		same bool
	}{
		{"account set, nick and host differ", irc("sil!~s@a.example", "sil"), irc("sil_away!~x@b.example", "sil"), true},
		{"account set, same hostmask, other account", irc("sil!~s@h", "sil"), irc("sil!~s@h", "mallory"), false},
		{"no account, nick differs", irc("a!~u@h", ""), irc("b!~u@h", ""), true},
		{"no account, ident differs", irc("a!~u@h", ""), irc("a!~v@h", ""), false},
		{"no account, host differs", irc("a!~u@h1", ""), irc("a!~u@h2", ""), false},
		{"same nick, one logged in", irc("sil!~s@h", "sil"), irc("sil!~m@h", ""), false},
		{"a nick like an account is no account", irc("sil!~s@h", ""), irc("x!~y@z", "sil"), false},
		{"slack ID like an IRC user@host", Identity{Network: NetworkSlack, ID: "u@h"}, irc("a!u@h", ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.a.Who() == c.b.Who(); got != c.same {
				t.Fatalf("%q and %q: same person %v, want %v", c.a.Who(), c.b.Who(), got, c.same)
			}
		})
	}
}
