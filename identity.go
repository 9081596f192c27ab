package stagebot

import (
	"path"
	"strings"
)

// Networks an identity can come from.
const (
	NetworkConsole = "console"
	NetworkIRC     = "irc"
	NetworkSlack   = "slack"
	NetworkMatrix  = "matrix"
)

// Identity is who sent a message, as the network vouches for it. Nothing here is trusted by
// nick alone: IRC identities carry the full hostmask and, when the server says so, the
// services account; Slack identities carry the user ID.
type Identity struct {
	Network string `json:"network"`
	// ID is the network's stable handle: the console name, the IRC hostmask nick!user@host,
	// the Slack user ID, the Matrix user ID.
	ID string `json:"id"`
	// Account is the IRC services account when known ("" = not logged in or unknown).
	Account string `json:"account,omitempty"`
	// Name is for text only: a nick or display name.
	Name string `json:"name"`
}

// Key is a stable string for the identity on its network.
func (i Identity) Key() string { return i.Network + ":" + i.ID }

// Who names a person wherever the bot shares something out per person: work lanes,
// command limits, download turns, reply queues. It is never a nick, which anyone may take
// once it is free and one person may change at will.
type Who string

// Who is the person behind the identity as the network alone knows them: on IRC the
// services account when known, else user@host (the hostmask without its nick); on Slack
// the user ID; on Matrix the full user ID; on the console the name. A resolved Person's Who also knows the team.
func (i Identity) Who() Who {
	if i.Network != NetworkIRC {
		return Who(i.Key())
	}
	if i.Account != "" {
		return Who(accountKey(i.Account))
	}
	if _, userHost, ok := strings.Cut(i.ID, "!"); ok {
		// Hosts compare without case; an ident differing only in case is no other
		// person worth a second share.
		return Who(NetworkIRC + ":" + foldASCII(userHost))
	}
	// No hostmask (the adapter makes none such): nothing better than the ID itself.
	return Who(i.Key())
}

func (i Identity) String() string {
	if i.Name != "" {
		return i.Name
	}
	return i.ID
}

// Role is a permission a team list grants.
type Role string

const (
	RoleLander  Role = "lander"
	RoleLanding Role = "landing"
	RoleQA      Role = "qa"
)

// Member is one entry of a team list. A person may hold several identities (IRC, Slack and
// Matrix) and appear in several lists.
type Member struct {
	Name  string `yaml:"name" json:"name"`
	IRC   string `yaml:"irc,omitempty" json:"irc,omitempty"`     // hostmask pattern or account:NAME
	Slack string `yaml:"slack,omitempty" json:"slack,omitempty"` // user ID
	// Matrix is the full user ID (@user:server), compared exactly: the homeserver vouches
	// for it, so there is nothing to match loosely.
	Matrix string `yaml:"matrix,omitempty" json:"matrix,omitempty"`
}

// Wildcard reports whether the entry admits anyone ("*").
func (m Member) Wildcard() bool { return m.Name == "*" }

// Matches reports whether the member entry covers id.
func (m Member) Matches(id Identity) bool {
	if m.Wildcard() {
		return true
	}
	switch id.Network {
	case NetworkConsole:
		return id.ID == m.Name
	case NetworkSlack:
		return m.Slack != "" && id.ID == m.Slack
	case NetworkMatrix:
		return m.Matrix != "" && id.ID == m.Matrix
	case NetworkIRC:
		if m.IRC == "" {
			return false
		}
		if acct, ok := accountPattern(m.IRC); ok {
			return id.Account != "" && equalFoldASCII(id.Account, acct)
		}
		return MatchMask(m.IRC, id.ID)
	}
	return false
}

// Nick is the IRC nick to highlight for the member: the nick part of a hostmask pattern
// without wildcards, else the account name, else the member's name.
func (m Member) Nick() string {
	if acct, ok := accountPattern(m.IRC); ok {
		return acct
	}
	if m.IRC != "" {
		nick := m.IRC
		for i := 0; i < len(nick); i++ {
			if nick[i] == '!' {
				nick = nick[:i]
				break
			}
		}
		if nick != "" && !hasWildcard(nick) {
			return nick
		}
	}
	return m.Name
}

func accountPattern(p string) (string, bool) {
	const prefix = "account:"
	if len(p) > len(prefix) && p[:len(prefix)] == prefix {
		return p[len(prefix):], true
	}
	return "", false
}

func hasWildcard(s string) bool {
	for _, c := range s {
		if c == '*' || c == '?' {
			return true
		}
	}
	return false
}

// MatchMask matches an IRC hostmask against a pattern with * and ? wildcards, case-insensitive
// as IRC nicks and hosts are (ASCII folding; close enough to rfc1459 for hostmask trust).
func MatchMask(pattern, mask string) bool {
	ok, err := path.Match(foldASCII(escapeMask(pattern)), foldASCII(escapeMask2(mask)))
	return err == nil && ok
}

// escapeMask neutralises the characters path.Match treats specially besides * and ?, since
// IRC nicks may contain [ ] \ and hosts contain /.
func escapeMask(p string) string {
	out := make([]byte, 0, len(p))
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '[', ']', '\\':
			out = append(out, '\\', c)
		case '/':
			out = append(out, 0x01) // path.Match's * stops at '/'; hosts may contain it
		default:
			out = append(out, c)
		}
	}
	return string(out)
}

func escapeMask2(m string) string {
	out := make([]byte, 0, len(m))
	for i := 0; i < len(m); i++ {
		if m[i] == '/' {
			out = append(out, 0x01)
		} else {
			out = append(out, m[i])
		}
	}
	return string(out)
}

func foldASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func equalFoldASCII(a, b string) bool { return foldASCII(a) == foldASCII(b) }
