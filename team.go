package stagebot

import (
	"slices"
	"strings"
	"time"
)

// Team is who may do what: the contract's `team` section.
type Team struct {
	Landing []Member `yaml:"landing" json:"landing"`
	QA      []Member `yaml:"qa" json:"qa"`
	Landers []Member `yaml:"landers" json:"landers"`
}

// Person is an identity resolved against the team: its roles and the key that makes two
// identities (IRC and Slack) the same person.
type Person struct {
	Identity Identity
	// Key is "member:NAME" when a named team entry matched, else the identity's network key:
	// approvals are counted per person, not per connection.
	Key   string
	Roles map[Role]bool
	// Members are the names of every named team entry that matched, in any list: a person
	// listed as "sil" for landing and "sil2100" for landers is both.
	Members []string
}

// Has reports whether the person holds the role.
func (p Person) Has(r Role) bool { return p.Roles[r] }

// Resolve finds the person behind id.
func (t Team) Resolve(id Identity) Person {
	p := Person{Identity: id, Key: id.Key(), Roles: map[Role]bool{}}
	for _, l := range []struct {
		role    Role
		members []Member
	}{{RoleLanding, t.Landing}, {RoleQA, t.QA}, {RoleLander, t.Landers}} {
		for _, m := range l.members {
			if !m.Matches(id) {
				continue
			}
			p.Roles[l.role] = true
			if !m.Wildcard() {
				p.Key = MemberKey(m.Name)
				if !slices.Contains(p.Members, m.Name) {
					p.Members = append(p.Members, m.Name)
				}
			}
		}
	}
	return p
}

// Who is the person as Identity.Who names them, except that a named team member is their
// member key: their IRC, Slack and console identities share one download turn.
func (p Person) Who() Who {
	if _, ok := memberName(p.Key); ok {
		return Who(p.Key)
	}
	return p.Identity.Who()
}

// memberPrefix starts the person key of a named team entry.
const memberPrefix = "member:"

// MemberKey is the person key of the team entry named name: every identity the entry
// matches (IRC, Slack, console) is one person under it, with one approval and one turn.
func MemberKey(name string) string { return memberPrefix + name }

// memberName is the team name in a member's person key; false for any other key.
func memberName(key string) (string, bool) {
	name, ok := strings.CutPrefix(key, memberPrefix)
	return name, ok && name != ""
}

// accountKey is the person key of an IRC services account, which services compare without
// case.
func accountKey(account string) string { return "account:" + foldASCII(account) }

// Keys are every identity the person speaks with now, each a key that two messages share
// only when they come from the same person: the team entries (member:NAME), the network
// handle (irc:nick!user@host exact, slack:USERID, console:NAME) and the services account
// (account:NAME). A request remembers all of its requester's, so that a later message
// sharing any of them (the same hostmask once identified, the same account under another
// nick) is known as the requester's.
func (p Person) Keys() []string {
	var keys []string
	add := func(k string) {
		if k != "" && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	add(p.Key)
	for _, m := range p.Members {
		add(MemberKey(m))
	}
	if p.Identity.Network != "" && p.Identity.ID != "" {
		add(p.Identity.Key())
	}
	if p.Identity.Network == NetworkIRC && p.Identity.Account != "" {
		add(accountKey(p.Identity.Account))
	}
	return keys
}

// Display is how chat shows the person: a team member by their team name, anyone else so
// that they cannot pass for a member (a Slack display name or an IRC nick is the speaker's
// to choose): the name followed by the network's handle.
func (p Person) Display() string { return Display(p.Identity, p.Key) }

// Display shows id as Person.Display does, given the person key it resolved to then
// ("member:NAME" for a team member). Approvals and requests keep both, so they are shown
// the same way later.
func Display(id Identity, key string) string {
	if name, ok := memberName(key); ok {
		return name
	}
	var network string
	switch id.Network {
	case NetworkIRC:
		network = "IRC"
	case NetworkSlack:
		network = "Slack"
	case NetworkMatrix:
		network = "Matrix"
	default:
		// The console's name is what its team entries match: a console user who is not a
		// member cannot take a member's name, so the name alone is honest. Identities of
		// the bot's own (ticks by schedule) have no network.
		return id.String()
	}
	if id.Name == "" || id.Name == id.ID {
		return network + " " + id.ID
	}
	return id.Name + " (" + network + " " + id.ID + ")"
}

// Approvers lists the named landing-team members, for the `requested` mention.
func (t Team) Approvers() []Member {
	var out []Member
	for _, m := range t.Landing {
		if !m.Wildcard() {
			out = append(out, m)
		}
	}
	return out
}

// Member finds a named member in any list.
func (t Team) Member(name string) (Member, bool) {
	for _, l := range [][]Member{t.Landing, t.QA, t.Landers} {
		for _, m := range l {
			if m.Name == name {
				return m, true
			}
		}
	}
	return Member{}, false
}

// Policy is what a request needs before it is locked.
type Policy struct {
	Approvals    int           `yaml:"approvals" json:"approvals"`
	QASignoff    bool          `yaml:"qa_signoff" json:"qa_signoff"`
	SelfApproval bool          `yaml:"self_approval" json:"self_approval"`
	RemindAfter  time.Duration `yaml:"-" json:"remind_after"`
	// ExpireAfter cancels a request still pending this long (0 = never).
	ExpireAfter time.Duration `yaml:"-" json:"expire_after"`
}
