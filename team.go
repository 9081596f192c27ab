package stagebot

import "time"

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
				p.Key = "member:" + m.Name
			}
		}
	}
	return p
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
}
