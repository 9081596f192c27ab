package stagebot

import (
	"slices"
	"testing"
)

var identityTeam = Team{
	Landing: []Member{{Name: "sil2100", IRC: "account:sil2100", Slack: "U0SIL", Matrix: "@sil2100:example.org"}, {Name: "robru", IRC: "robru!*@canonical/robru"}},
	QA:      []Member{{Name: "qa-lead", IRC: "account:qalead", Slack: "U0QA"}},
	Landers: []Member{{Name: "*"}},
}

func ircID(mask, account string) Identity {
	nick := mask
	for i := range mask {
		if mask[i] == '!' {
			nick = mask[:i]
			break
		}
	}
	return Identity{Network: NetworkIRC, ID: mask, Account: account, Name: nick}
}

func TestIsRequester(t *testing.T) {
	slackSil := Identity{Network: NetworkSlack, ID: "U0SIL", Name: "Łukasz"}
	cases := []struct {
		name      string
		requester Identity
		approver  Identity
		want      bool
	}{
		{"staged unidentified, approves identified, same hostmask", ircID("sil2100!~sil@host.example", ""), ircID("sil2100!~sil@host.example", "sil2100"), true},
		{"staged identified, approves under another nick and host, same account", ircID("sil2100!~sil@a.example", "sil2100"), ircID("sil_away!~s@b.example", "sil2100"), true},
		{"staged on Slack, approves on IRC as the same member", slackSil, ircID("whatever!~x@y", "sil2100"), true},
		{"staged on IRC as member, approves on Slack", ircID("sil2100!~sil@h", "sil2100"), slackSil, true},
		{"staged on Matrix as member, approves on Slack", Identity{Network: NetworkMatrix, ID: "@sil2100:example.org"}, slackSil, true},
		{"same Matrix user, renamed", Identity{Network: NetworkMatrix, ID: "@x:h", Name: "a"}, Identity{Network: NetworkMatrix, ID: "@x:h", Name: "b"}, true},
		{"Matrix user on another server", Identity{Network: NetworkMatrix, ID: "@x:h1"}, Identity{Network: NetworkMatrix, ID: "@x:h2"}, false},
		{"non-member account reused", ircID("mallory!~m@h1", "mallory"), ircID("mal!~m@h2", "Mallory"), true},
		{"same Slack user, renamed", Identity{Network: NetworkSlack, ID: "U0X", Name: "a"}, Identity{Network: NetworkSlack, ID: "U0X", Name: "b"}, true},
		{"console name", Identity{Network: NetworkConsole, ID: "alice", Name: "alice"}, Identity{Network: NetworkConsole, ID: "alice", Name: "alice"}, true},
		{"another member", ircID("sil2100!~sil@h", "sil2100"), ircID("robru!~r@canonical/robru", ""), false},
		{"same nick, other host, no account", ircID("bob!~b@h1", ""), ircID("bob!~b@h2", ""), false},
		{"Slack display name equal to a member's", Identity{Network: NetworkSlack, ID: "U0MALLORY", Name: "sil2100"}, slackSil, false},
		{"console name equal to an IRC nick", Identity{Network: NetworkConsole, ID: "bob", Name: "bob"}, ircID("bob!~b@h", ""), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rp := identityTeam.Resolve(c.requester)
			r := &Request{Requester: c.requester, RequesterKey: rp.Key, RequesterKeys: rp.Keys()}
			if got := r.IsRequester(identityTeam.Resolve(c.approver)); got != c.want {
				t.Fatalf("IsRequester = %v, want %v (requester keys %v, approver keys %v)", got, c.want, rp.Keys(), identityTeam.Resolve(c.approver).Keys())
			}
			// A record from before RequesterKeys still knows its requester's own key.
			old := &Request{Requester: c.requester, RequesterKey: rp.Key}
			if !old.IsRequester(rp) {
				t.Fatalf("an old record does not know its own requester")
			}
		})
	}
}

func TestPersonDisplay(t *testing.T) {
	cases := []struct {
		name string
		id   Identity
		want string
	}{
		{"member on Slack by team name", Identity{Network: NetworkSlack, ID: "U0SIL", Name: "Łukasz Z"}, "sil2100"},
		{"member on IRC by team name", ircID("robru!~r@canonical/robru", ""), "robru"},
		{"Slack stranger named like a member", Identity{Network: NetworkSlack, ID: "U0MALLORY", Name: "sil2100"}, "sil2100 (Slack U0MALLORY)"},
		{"IRC stranger with a member's nick", ircID("sil2100!~u@host", ""), "sil2100 (IRC sil2100!~u@host)"},
		{"IRC without a name", Identity{Network: NetworkIRC, ID: "x!y@z"}, "IRC x!y@z"},
		{"member on Matrix by team name", Identity{Network: NetworkMatrix, ID: "@sil2100:example.org"}, "sil2100"},
		{"Matrix stranger by full user ID", Identity{Network: NetworkMatrix, ID: "@mallory:example.org"}, "Matrix @mallory:example.org"},
		{"Matrix stranger named like a member", Identity{Network: NetworkMatrix, ID: "@m:example.org", Name: "sil2100"}, "sil2100 (Matrix @m:example.org)"},
		{"console name as is", Identity{Network: NetworkConsole, ID: "alice", Name: "alice"}, "alice"},
		{"the bot itself", Identity{}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := identityTeam.Resolve(c.id).Display(); got != c.want {
				t.Fatalf("Display = %q, want %q", got, c.want)
			}
		})
	}
}

// TestPersonWho: a team member is one person on every network; anyone else is who their
// network says, never their nick, while the exact hostmask stays among their keys as a
// requester.
func TestPersonWho(t *testing.T) {
	cases := []struct {
		name string
		id   Identity
		want Who
	}{
		{"member by account on IRC", ircID("sil_away!~s@a.example", "sil2100"), "member:sil2100"},
		{"the same member on Slack", Identity{Network: NetworkSlack, ID: "U0SIL", Name: "Łukasz"}, "member:sil2100"},
		{"member by cloak", ircID("robru!r@canonical/robru", ""), "member:robru"},
		{"stranger holding a member's nick", ircID("sil2100!~m@elsewhere.example", ""), "irc:~m@elsewhere.example"},
		{"stranger holding a cloaked member's nick", ircID("robru!~m@elsewhere.example", ""), "irc:~m@elsewhere.example"},
		{"stranger logged in", ircID("mallory!~m@h", "Mallory"), "account:mallory"},
		{"Slack stranger", Identity{Network: NetworkSlack, ID: "U0MALLORY", Name: "sil2100"}, "slack:U0MALLORY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := identityTeam.Resolve(c.id)
			if got := p.Who(); got != c.want {
				t.Fatalf("Who() = %q, want %q", got, c.want)
			}
			if c.id.Network == NetworkIRC && !slices.Contains(p.Keys(), c.id.Key()) {
				t.Fatalf("keys %v lost the exact hostmask %q", p.Keys(), c.id.Key())
			}
		})
	}
}
